"""Memory a stage freed goes back to the system before the next stage."""

from __future__ import annotations

import pytest

from segmint import resident


def resident_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096 / 2**20


@pytest.mark.skipif(resident._malloc_trim() is None, reason="glibc's malloc_trim only")
def test_freed_heap_pages_between_live_values_go_back():
    # 200 MB of 4 KB values from glibc's heap; one in ten stays alive, so the freed ones sit
    # between live ones, where free() alone keeps their pages
    values = [bytearray(4000) for _ in range(50_000)]
    for value in values:
        value[::512] = b"x" * len(value[::512])  # touched: resident
    kept = values[::10]
    del values
    before = resident_mb()
    resident.hand_back_freed_memory()
    after = resident_mb()
    assert before - after > 100, (before, after)
    assert len(kept) == 5_000 and kept[0][0] == ord("x")


def test_without_malloc_trim_only_arrow_is_asked(monkeypatch):
    monkeypatch.setattr(resident, "_malloc_trim", lambda: None)
    resident.hand_back_freed_memory()  # no C library call, no error


def test_each_stage_of_a_run_starts_with_the_memory_handed_back(monkeypatch):
    from segmint.pipeline import _handing_back

    calls = []
    monkeypatch.setattr("segmint.pipeline.hand_back_freed_memory", lambda: calls.append("trim"))
    progress = _handing_back(lambda stage: calls.append(stage))
    assert _handing_back(progress) is progress  # prepare() inside run() does not wrap it twice
    progress("load accounts")
    progress("enrich")
    assert calls == ["trim", "load accounts", "trim", "enrich"]

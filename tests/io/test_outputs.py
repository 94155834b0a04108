"""A run's outputs appear together or not at all: staged beside their folder, swapped in whole,
with a manifest of what was written; nothing of an earlier run lingers beside them. CSV cells
are safe to open in a spreadsheet, and numbers stay numbers."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys

import hypothesis.strategies as st
import ibis
import pytest
from hypothesis import HealthCheck, given, settings

from segmint import engine
from segmint.io import outputs
from segmint.io.outputs import MANIFEST, staged_outputs


def dead_pid() -> int:
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    return int(done.stdout)


def write_run(target, tables: dict[str, list[int]], report: str = "<p>run</p>"):
    con = engine.connect()
    with staged_outputs(target) as out:
        for name, values in tables.items():
            out.write_table(con, ibis.memtable({"n": values}), name, ["parquet", "csv"])
        out.write_text("report.html", report)
    return out


def test_the_manifest_lists_each_file_with_its_rows_bytes_and_checksum(tmp_path):
    out = write_run(tmp_path / "out", {"assignments": [1, 2, 3]})
    manifest = json.loads((tmp_path / "out" / MANIFEST).read_text())
    assert [(f["file"], f["rows"]) for f in manifest["files"]] == [
        ("assignments.csv", 3), ("assignments.parquet", 3), ("report.html", None)]
    for entry in manifest["files"]:
        data = (tmp_path / "out" / entry["file"]).read_bytes()
        assert (entry["bytes"], entry["sha256"]) == (len(data), hashlib.sha256(data).hexdigest())
    assert sorted(p.name for p in out.files) == sorted(
        [f["file"] for f in manifest["files"]] + [MANIFEST])
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no staging folder left beside it


def test_files_of_an_earlier_run_that_this_run_does_not_write_are_gone(tmp_path):
    target = tmp_path / "out"
    write_run(target, {"assignments": [1], "cohorts": [1, 2]})
    (target / "notes.txt").write_text("the analyst's own")  # no run wrote it: it stays
    write_run(target, {"assignments": [1, 2]})
    assert sorted(p.name for p in target.iterdir()) == [
        "assignments.csv", "assignments.parquet", MANIFEST, "notes.txt", "report.html"]
    assert (target / "notes.txt").read_text() == "the analyst's own"


def test_a_folder_an_earlier_segmint_wrote_loses_its_tables_but_not_other_files(tmp_path):
    target = tmp_path / "out"
    target.mkdir()
    for name in ("cohorts.csv", "cohorts.parquet", "report.html", "README.txt"):
        (target / name).write_text("old")
    (target / ".cohorts.csv.k3j4_x9a").write_bytes(b"")  # a temporary file of a killed write
    (target / ".notes.personal").write_text("hidden, but the analyst's")
    write_run(target, {"assignments": [1]})
    assert sorted(p.name for p in target.iterdir()) == [
        ".notes.personal", "README.txt", "assignments.csv", "assignments.parquet", MANIFEST,
        "report.html"]


def test_a_run_that_fails_while_writing_leaves_the_previous_folder_as_it_was(tmp_path):
    target = tmp_path / "out"
    write_run(target, {"assignments": [1]})
    before = {p.name: p.read_bytes() for p in target.iterdir()}
    with pytest.raises(RuntimeError), staged_outputs(target) as out:
        out.write_text("report.html", "<p>half</p>")
        raise RuntimeError("the report failed")
    assert {p.name: p.read_bytes() for p in target.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_without_an_atomic_swap_two_renames_do_it(tmp_path, monkeypatch):
    monkeypatch.setattr(outputs, "_exchange", lambda first, second: False)
    target = tmp_path / "out"
    write_run(target, {"assignments": [1]})
    write_run(target, {"assignments": [1, 2]}, report="<p>second</p>")
    assert (target / "report.html").read_text() == "<p>second</p>"
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_the_next_run_clears_what_a_killed_run_left_and_puts_back_a_swapped_out_folder(tmp_path):
    # A run killed between the two renames of a swap (no atomic swap on this system) leaves
    # its staging folder and the previous run's folder, and no output folder at all.
    target, pid = tmp_path / "out", dead_pid()
    previous = tmp_path / f".out.segmint-previous-{pid}-0a1b"
    staging = tmp_path / f".out.segmint-staging-{pid}-2c3d"
    for folder, report in ((previous, "<p>previous run</p>"), (staging, "<p>half</p>")):
        folder.mkdir()
        (folder / "report.html").write_text(report)
    running = tmp_path / f".out.segmint-staging-{os.getpid()}-4e5f"  # a live run's: kept
    running.mkdir()
    outputs.clear_leftovers(target)
    assert (target / "report.html").read_text() == "<p>previous run</p>"
    assert sorted(p.name for p in tmp_path.iterdir()) == [running.name, "out"]


def test_a_temporary_file_a_killed_write_left_goes_with_the_next_write_there(tmp_path):
    from segmint.io.atomic import write_text

    left = tmp_path / f".segmint-tmp-{dead_pid()}-x1y2-audit.json"  # zero bytes, as left
    left.write_bytes(b"")
    mine = tmp_path / f".segmint-tmp-{os.getpid()}-z3w4-other.json"  # a live write's: kept
    mine.write_bytes(b"")
    write_text(tmp_path / "audit.json", "{}")
    assert sorted(p.name for p in tmp_path.iterdir()) == [mine.name, "audit.json"]


def test_every_engine_writes_a_manifest_of_its_outputs(con, tmp_path):
    # Spark writes Parquet as a folder of parts: the manifest sums and hashes its files
    with staged_outputs(tmp_path / "out") as out:
        out.write_table(con, ibis.memtable({"n": [1, 2, 3]}), "assignments", ["parquet", "csv"])
    manifest = json.loads((tmp_path / "out" / MANIFEST).read_text())
    assert [(f["file"], f["rows"]) for f in manifest["files"]] == [
        ("assignments.csv", 3), ("assignments.parquet", 3)]
    written = tmp_path / "out" / "assignments.parquet"
    size = sum(p.stat().st_size for p in ([written] if written.is_file() else written.rglob("*"))
               if p.is_file())
    assert manifest["files"][1]["bytes"] == size


# --- spreadsheet-safe CSV -------------------------------------------------------------------

DANGEROUS = tuple("=+-@\t\r")
PLAIN = re.compile(r"[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?")


def neutralised_python(text: str) -> str:
    """The reference: a quote before a cell a spreadsheet would run, unless it is a number."""
    return "'" + text if text.startswith(DANGEROUS) and not PLAIN.fullmatch(text) else text


numbers = st.one_of(st.integers().map(str), st.floats(allow_nan=False, allow_infinity=False).map(repr),
                    st.builds(lambda m, e: f"{m}e{e}", st.integers(-99, 99), st.integers(-30, 30)))
cells = st.one_of(
    numbers, numbers.map(lambda n: n + "\n"), numbers.map(lambda n: "+" + n.lstrip("-")),
    st.text(alphabet="=+-@\t\r\n0123456789.eE ,;()\"'\u2028xAB", max_size=12),
    st.text(alphabet=st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)),
            max_size=12))


@given(values=st.lists(cells, min_size=1, max_size=25))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_only_a_plain_number_may_start_like_a_formula(con, values):
    written = outputs.neutralise_formulas(ibis.memtable({"value": values}, schema={"value": "string"}))
    got = written.value.to_pyarrow().to_pylist()
    assert got == [neutralised_python(v) for v in values]
    for value in got:  # what a spreadsheet sees: a number, or nothing it would run
        assert not value.startswith(DANGEROUS) or PLAIN.fullmatch(value)


def test_numbers_echoed_into_rejects_stay_as_the_file_had_them(con):
    table = ibis.memtable({"value": ["-5", "-1.5e3", "+12", "-0.25", "=1+1", "-5 EUR", "@here",
                                     "\t-5", "-"]})
    assert outputs.neutralise_formulas(table).value.to_pyarrow().to_pylist() == [
        "-5", "-1.5e3", "+12", "-0.25", "'=1+1", "'-5 EUR", "'@here", "'\t-5", "'-"]

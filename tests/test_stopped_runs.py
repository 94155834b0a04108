"""A run stopped while it writes (SIGTERM, SIGKILL) leaves the previous run's outputs whole, and
no copy of the data behind it; what a killed run left is cleared by the next run."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

PROJECT = """\
sources:
  accounts: {path: accounts.csv, preset: salesforce}
segmentation:
  dimensions:
    size: {kind: bands, field: employees, edges: [200, 2000], labels: [SMB, Mid-Market, Enterprise]}
    region: {kind: map, field: country, builtin: iso_region}
  default: "{size}-{region}"
outputs: {dir: out}
"""


def accounts(n: int) -> bytes:
    """A Windows-1252 export, so the run keeps a UTF-8 copy of it in its scratch folder."""
    countries = ("Germany", "France", "España", "Österreich", "United States")
    lines = ["Id,Name,NumberOfEmployees,BillingCountry"] + [
        f"001A0000{i:07d},Müller {i} GmbH,{(37 * i) % 5000},{countries[i % 5]}"
        for i in range(n)]
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def start(folder: Path) -> subprocess.Popen:
    env = {**os.environ, "TMPDIR": str(folder / "tmp")}  # this run's scratch folder lands here
    return subprocess.Popen([sys.executable, "-m", "segmint.cli", "run", "segmint.yaml"],
                            cwd=folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, text=True)


def whole(out: Path) -> dict:
    """The manifest of `out`, checked: it lists every file there, each as written."""
    manifest = json.loads((out / "manifest.json").read_text())
    listed = {f["file"]: f["sha256"] for f in manifest["files"]}
    assert sorted(p.name for p in out.iterdir()) == sorted([*listed, "manifest.json"])
    for name, sha in listed.items():
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == sha, name
    return manifest


def assignments_rows(manifest: dict) -> int:
    return next(f["rows"] for f in manifest["files"] if f["file"] == "assignments.parquet")


def wait_until_writing(run: subprocess.Popen, folder: Path, timeout: float = 300) -> None:
    """Until the run's staging folder holds a file: the run is writing its outputs."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and run.poll() is None:
        for staging in folder.glob(".out.segmint-staging-*"):
            if any(staging.iterdir()):
                return
        time.sleep(0.005)
    raise AssertionError(f"the run never wrote: {run.poll()} {run.communicate()}")


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_a_run_stopped_while_writing_leaves_the_old_outputs_whole(tmp_path, stop):
    (tmp_path / "tmp").mkdir()
    (tmp_path / "segmint.yaml").write_text(PROJECT)
    (tmp_path / "accounts.csv").write_bytes(accounts(300))
    first = start(tmp_path)
    assert first.wait(300) == 0, first.communicate()
    old = {p.name: p.read_bytes() for p in (tmp_path / "out").iterdir()}
    assert assignments_rows(whole(tmp_path / "out")) == 300

    (tmp_path / "accounts.csv").write_bytes(accounts(400))
    stopped = start(tmp_path)
    wait_until_writing(stopped, tmp_path)
    stopped.send_signal(stop)
    code = stopped.wait(120)
    _, stderr = stopped.communicate()
    # entirely the old run: the new one never took its place
    assert {p.name: p.read_bytes() for p in (tmp_path / "out").iterdir()} == old
    whole(tmp_path / "out")
    leftover = sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".out."))
    scratch = sorted(p.name for p in (tmp_path / "tmp").iterdir())
    if stop == signal.SIGTERM:  # stopped as by Ctrl-C: nothing left behind
        assert (code, stderr.strip()) == (143, "stopped (terminated)")
        assert (leftover, scratch) == ([], [])
    else:  # killed outright: its staging and scratch folders (with the UTF-8 copy) stay ...
        assert code == -signal.SIGKILL
        assert len(leftover) == 1 and any((tmp_path / "tmp").rglob("accounts.csv"))

    # ... until the next run, which clears them and writes the new run whole
    last = start(tmp_path)
    assert last.wait(300) == 0, last.communicate()
    assert assignments_rows(whole(tmp_path / "out")) == 400
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    assert list((tmp_path / "tmp").iterdir()) == []


def test_sigterm_inside_an_engine_query_still_stops_the_run_cleanly(tmp_path):
    # DuckDB turns an exception raised by a signal handler during a query into its own
    # "Query interrupted": the run must still end as stopped, not as an error or a bug.
    (tmp_path / "tmp").mkdir()
    (tmp_path / "segmint.yaml").write_text(PROJECT)
    (tmp_path / "accounts.csv").write_bytes(accounts(200_000))
    running = start(tmp_path)
    deadline = time.monotonic() + 120
    while not any((tmp_path / "tmp").iterdir()) and time.monotonic() < deadline:
        time.sleep(0.01)  # until the engine has started (its scratch folder exists)
    time.sleep(1.0)
    running.send_signal(signal.SIGTERM)
    code = running.wait(120)
    _, stderr = running.communicate()
    assert (code, stderr.strip()) == (143, "stopped (terminated)")
    assert list((tmp_path / "tmp").iterdir()) == []
    assert not (tmp_path / "out").exists()

"""Working copies of source files live in one folder per process, gone when the process ends,
on SIGTERM too; the next run clears those of runs that were killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path


def test_utf8_copies_of_a_cp1252_export_are_removed_when_the_run_ends(tmp_path):
    (tmp_path / "accounts.csv").write_bytes("account_id,name\n001,Müller GmbH\n".encode("cp1252"))
    script = textwrap.dedent(f"""
        from segmint import engine
        from segmint.config.project import Project
        from segmint.io.sources import load_source
        project = Project.model_validate({{"root": {str(tmp_path)!r},
            "sources": {{"accounts": {{"path": "accounts.csv"}}}},
            "segmentation": {{"segments": [{{"name": "Everyone", "when": "true"}}]}}}})
        loaded = load_source(engine.connect(), project, "accounts")
        assert loaded.rows.name.execute().tolist() == ["Müller GmbH"]
        copies = [p for p in engine.scratch_folder().rglob("accounts.csv")]
        assert len(copies) == 1, copies
        print(engine.scratch_folder())
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True)
    folder = done.stdout.strip().splitlines()[-1]
    assert folder and not __import__("pathlib").Path(folder).exists()


def test_sigterm_removes_the_scratch_folder_as_ctrl_c_does(tmp_path):
    script = textwrap.dedent("""
        import sys, time
        from segmint import engine
        from segmint.leftovers import Terminated, stop_on_sigterm
        stop_on_sigterm()
        try:
            (engine.scratch_file("accounts.csv")).write_text("a copy of the data")
            print(engine.scratch_folder(), flush=True)
            time.sleep(60)
        except Terminated:
            sys.exit(143)
    """)
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    running = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                               env=env)
    folder = Path(running.stdout.readline().strip())
    assert folder.parent == tmp_path and any(folder.rglob("accounts.csv"))
    running.send_signal(signal.SIGTERM)
    assert running.wait(30) == 143
    assert list(tmp_path.iterdir()) == []


def test_a_run_clears_the_scratch_folders_of_killed_runs_and_no_other(tmp_path):
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    (tmp_path / f"segmint-{gone}-k1ll3d").mkdir()  # its process is gone: a leftover
    (tmp_path / f"segmint-{os.getpid()}-al1ve").mkdir()  # this process runs: kept
    (tmp_path / "segmint-legacy").mkdir()  # whose it is cannot be told: kept
    script = "from segmint import engine; print(engine.scratch_folder().name)"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True, env={**os.environ, "TMPDIR": str(tmp_path)})
    assert done.stdout.strip().startswith("segmint-")
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        f"segmint-{os.getpid()}-al1ve", "segmint-legacy"]

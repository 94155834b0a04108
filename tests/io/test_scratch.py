"""Working copies of source files live in one folder per process, gone when the process ends."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def test_utf8_copies_of_a_cp1252_export_are_removed_when_the_run_ends(tmp_path):
    (tmp_path / "accounts.csv").write_bytes("account_id,name\n001,Müller GmbH\n".encode("cp1252"))
    script = textwrap.dedent(f"""
        from segmint import engine
        from segmint.config.project import Project
        from segmint.io.sources import load_source
        project = Project.model_validate({{"root": {str(tmp_path)!r},
            "sources": {{"accounts": {{"path": "accounts.csv"}}}},
            "segmentation": {{"segments": [{{"name": "All", "when": "true"}}]}}}})
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

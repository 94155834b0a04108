"""The command line as a new user meets it: one clear line and exit code 2 for every mistake."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

PROJECT = """
sources:
  accounts: {path: accounts.csv, preset: salesforce}
segmentation:
  dimensions:
    size: {kind: bands, field: employees, edges: [200], labels: [SMB, Enterprise]}
  default: "{size}"
outputs: {dir: out}
"""


def segmint(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "segmint.cli", *args], cwd=cwd, capture_output=True,
                          text=True, stdin=subprocess.DEVNULL, timeout=120)


def setup(folder: Path, yaml: str = PROJECT, accounts: str | bytes = "Id,NumberOfEmployees\nA,10\nB,500\n"):
    (folder / "segmint.yaml").write_text(textwrap.dedent(yaml))
    target = folder / "accounts.csv"
    target.write_bytes(accounts if isinstance(accounts, bytes) else accounts.encode())


def test_run_prints_the_segment_table_and_writes_outputs(tmp_path):
    setup(tmp_path)
    done = segmint("run", "segmint.yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Segments" in done.stdout and "Enterprise" in done.stdout and "SMB" in done.stdout
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert written == ["assignments.csv", "assignments.parquet", "rejects.csv", "rejects.parquet",
                       "report.html", "row_counts.csv", "row_counts.parquet",
                       "segment_summary.csv", "segment_summary.parquet"]


@pytest.mark.parametrize(
    ("yaml", "accounts", "message"),
    [
        (PROJECT.replace("preset: salesforce", "preset: salesforce, columns: {employees: Staff}"), None,
         "accounts.csv has no column 'Staff'"),
        (PROJECT.replace("edges:", "edgs:"), None, "unknown key 'edgs'. Did you mean 'edges'?"),
        (None, 'Id,NumberOfEmployees\nA,10\nB,"unclosed\n', None),  # loads; the bad row is a reject
        (None, "Id,Name\nA,Müller\n".encode("cp1252"), None),  # detected and converted
        (None, b"", "accounts.csv is empty"),
        (PROJECT.replace("accounts.csv", "acounts.csv"), None, "acounts.csv (sources.accounts.path) does not exist"),
        ("sources: [", None, "is not valid YAML"),
    ],
    ids=["missing-column", "misspelled-key", "broken-quote", "not-utf8", "empty-file", "missing-file", "bad-yaml"],
)
def test_bad_input_gives_one_clear_message_and_exit_2(tmp_path, yaml, accounts, message):
    setup(tmp_path, yaml or PROJECT, accounts if accounts is not None else "Id,NumberOfEmployees\nA,10\n")
    done = segmint("run", "segmint.yaml", cwd=tmp_path)
    assert "Traceback" not in done.stderr + done.stdout
    if message is None:
        assert done.returncode == 0, done.stderr
        assert "rejected" in done.stdout
        return
    assert done.returncode == 2, done.stdout + done.stderr
    assert message in " ".join(done.stderr.split())


def test_unknown_command_is_exit_2(tmp_path):
    done = segmint("rnu", cwd=tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr


def test_init_writes_a_commented_starter_that_loads(tmp_path):
    done = segmint("init", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    text = (tmp_path / "segmint.yaml").read_text()
    assert "# Bands: edges [200, 2000]" in text
    from segmint.config.project import load_project

    assert load_project(tmp_path / "segmint.yaml").sources.accounts.preset == "salesforce"
    again = segmint("init", cwd=tmp_path)
    assert again.returncode == 2 and "already exists" in again.stderr

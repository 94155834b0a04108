"""The data flow as import contracts (pyproject.toml, [tool.importlinter]), checked here."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINT = ("import sys; from importlinter.cli import lint_imports; "
        "sys.exit(lint_imports(config_filename='pyproject.toml', no_cache=True))")


def lint(project: Path) -> subprocess.CompletedProcess:
    """Run lint-imports on the package under `project`/src, in a fresh process."""
    env = {**os.environ, "PYTHONPATH": str(project / "src")}
    return subprocess.run([sys.executable, "-c", LINT], cwd=project, env=env,
                          capture_output=True, text=True, timeout=300)


def test_the_import_contracts_hold():
    result = lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "5 kept, 0 broken" in result.stdout


def test_a_broken_contract_fails(tmp_path):
    shutil.copytree(ROOT / "src" / "segmint", tmp_path / "src" / "segmint",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    registry = tmp_path / "src" / "segmint" / "analyse" / "registry.py"
    registry.write_text(registry.read_text() + "\nimport segmint.report.html  # noqa\n")
    result = lint(tmp_path)
    assert result.returncode == 1
    assert "analyses never import the report BROKEN" in result.stdout
    assert "segmint.analyse.registry -> segmint.report.html" in result.stdout

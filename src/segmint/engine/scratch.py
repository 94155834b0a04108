"""This process's scratch folder: working copies of source files, spill files, Spark's log settings."""

from __future__ import annotations

import tempfile
from pathlib import Path

_SCRATCH: Path | None = None


def scratch_folder() -> Path:
    """This process's folder for working files (UTF-8 copies of source files, DuckDB's spill
    files), removed with everything in it when the process exits.

    Examples
    --------
    >>> scratch_folder() == scratch_folder() and scratch_folder().is_dir()
    True
    """
    global _SCRATCH
    if _SCRATCH is None:
        import atexit
        import shutil

        _SCRATCH = Path(tempfile.mkdtemp(prefix="segmint-"))
        atexit.register(shutil.rmtree, _SCRATCH, ignore_errors=True)
    return _SCRATCH


def scratch_file(name: str) -> Path:
    """A path named `name` in a fresh folder of `scratch_folder()`, for one working copy.

    Examples
    --------
    >>> scratch_file("accounts.csv").parent.parent == scratch_folder()
    True
    """
    return Path(tempfile.mkdtemp(dir=scratch_folder())) / name

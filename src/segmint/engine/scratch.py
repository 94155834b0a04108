"""This process's scratch folder: working copies of source files, spill files, Spark's log settings."""

from __future__ import annotations

import tempfile
from pathlib import Path

from segmint import leftovers

_SCRATCH: Path | None = None
PREFIX = "segmint-"  # scratch folders are named segmint-<pid>-<random>


def scratch_folder() -> Path:
    """This process's folder for working files (UTF-8 copies of source files, DuckDB's spill
    files), removed with everything in it when the process exits, on Ctrl-C and on SIGTERM
    too (`segmint.leftovers`). The first call also removes the scratch folders of runs that
    were killed outright.

    Examples
    --------
    >>> scratch_folder() == scratch_folder() and scratch_folder().is_dir()
    True
    """
    global _SCRATCH
    if _SCRATCH is None:
        leftovers.clear_dead(Path(tempfile.gettempdir()), PREFIX)
        _SCRATCH = leftovers.remove_at_exit(
            Path(tempfile.mkdtemp(prefix=leftovers.stamped(PREFIX))))
    return _SCRATCH


def scratch_file(name: str) -> Path:
    """A path named `name` in a fresh folder of `scratch_folder()`, for one working copy.

    Examples
    --------
    >>> scratch_file("accounts.csv").parent.parent == scratch_folder()
    True
    """
    return Path(tempfile.mkdtemp(dir=scratch_folder())) / name

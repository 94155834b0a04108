"""Files written atomically: readers see the old file or the new one, never half of one."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from segmint import leftovers


def write_text(path: Path, text: str) -> Path:
    """Write text (UTF-8) atomically: readers see the old file or the new one, never half.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "out" / "note.txt"
    >>> write_text(target, "done").read_text(), sorted(p.name for p in target.parent.iterdir())
    ('done', ['note.txt'])
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic(path) as temporary:
        temporary.write_text(text, encoding="utf-8")
    return path


TEMPORARY = ".segmint-tmp-"  # temporary files are named .segmint-tmp-<pid>-<random>-<name>


class atomic:
    """A temporary path beside `target`, renamed over it only if the write succeeds.

    The temporary file is named for the process writing it, so the next write into the same
    folder removes what a killed run left (`segmint.leftovers.clear_dead`).

    >>> import pathlib, tempfile
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "t.txt"
    >>> with atomic(target) as temporary:
    ...     _ = temporary.write_text("x")
    >>> target.read_text()
    'x'
    """

    def __init__(self, target: Path):
        self.target = target

    def __enter__(self) -> Path:
        leftovers.clear_dead(self.target.parent, TEMPORARY)
        handle, name = tempfile.mkstemp(prefix=leftovers.stamped(TEMPORARY),
                                        suffix=f"-{self.target.name}", dir=self.target.parent)
        os.close(handle)
        os.unlink(name)  # writers create the file themselves
        self.temporary = Path(name)
        return self.temporary

    def __exit__(self, kind, value, traceback) -> None:
        if kind is None:
            os.replace(self.temporary, self.target)
        else:
            self.temporary.unlink(missing_ok=True)

"""What a run leaves on disk while it works, and how none of it outlives the run.

A run keeps working files (UTF-8 copies of source files, DuckDB's spill files: the engine's
scratch folder) and stages its outputs in a folder beside their target. Both are removed when
the process ends: normally, on Ctrl-C, and on SIGTERM (`stop_on_sigterm`). A run killed
outright (SIGKILL, a power cut) cannot clean up, so each of these folders carries the id of
the process that made it, and the next run removes those whose process is gone
(`clear_dead`).
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_REMOVE: list[Path] = []  # removed at exit, newest first
_registered = False
_terminated = False  # SIGTERM arrived (see `terminated`)


class Terminated(BaseException):
    """SIGTERM arrived: the run stops as on Ctrl-C (a BaseException, so no handler for
    errors takes it for one) and the process exits with 143."""


def remove_at_exit(path: Path) -> Path:
    """Remove `path` (a folder, with all in it) when the process ends, however it ends short
    of being killed outright.

    >>> import tempfile
    >>> folder = remove_at_exit(Path(tempfile.mkdtemp()))
    >>> remove_now(folder), folder.exists()
    (None, False)
    """
    global _registered
    if not _registered:
        atexit.register(remove_now)
        _registered = True
    _REMOVE.insert(0, path)
    return path


def remove_now(*paths: Path) -> None:
    """Remove `paths` (all registered ones when none is given) and forget them."""
    for path in list(paths or _REMOVE):
        shutil.rmtree(path, ignore_errors=True)
        if path in _REMOVE:
            _REMOVE.remove(path)


def stamped(prefix: str) -> str:
    """A name for a working folder that says which process made it: ``{prefix}{pid}-``.

    >>> stamped("segmint-") == f"segmint-{os.getpid()}-"
    True
    """
    return f"{prefix}{os.getpid()}-"


def is_alive(pid: int) -> bool:
    """Whether process `pid` still runs (on this machine).

    >>> is_alive(os.getpid())
    True
    """
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    except OSError:
        return False
    return True


def dead_leftovers(folder: Path, prefix: str) -> Iterator[Path]:
    """The entries of `folder` named ``{prefix}{pid}-...`` whose process is gone."""
    pattern = re.compile(re.escape(prefix) + r"(\d+)-")
    try:
        entries = list(folder.iterdir())
    except OSError:
        return
    for entry in entries:
        found = pattern.match(entry.name)
        if found and int(found.group(1)) != os.getpid() and not is_alive(int(found.group(1))):
            yield entry


def clear_dead(folder: Path, prefix: str) -> int:
    """Remove what runs that were killed left in `folder` (entries named by `stamped`);
    returns how many were removed.

    >>> import subprocess, sys, tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
    ...                       capture_output=True, text=True).stdout.strip()
    >>> (folder / f"segmint-{gone}-x").mkdir(); (folder / stamped("segmint-")).mkdir()
    >>> clear_dead(folder, "segmint-"), [p.name for p in folder.iterdir()] == [stamped("segmint-")]
    (1, True)
    """
    removed = 0
    for entry in dead_leftovers(folder, prefix):
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
        removed += 1
    return removed


def stop_on_sigterm() -> None:
    """Make SIGTERM stop the process as Ctrl-C does: `Terminated` is raised in the main
    thread, so working files are removed on the way out (`remove_at_exit`, and each
    ``finally``) before the process exits with 143. For a command-line process; a library
    leaves signals to the program that uses it."""
    signal.signal(signal.SIGTERM, _terminate)


def terminated() -> bool:
    """Whether SIGTERM arrived. An engine may catch `Terminated` raised inside one of its
    queries and raise its own error instead (DuckDB: "Query interrupted"); the caller that
    reports errors asks this first, so the run still ends as stopped."""
    return _terminated


def _terminate(signum, frame) -> None:
    global _terminated
    if _terminated:  # a second SIGTERM: let the first one's clean-up finish
        return
    _terminated = True
    raise Terminated(signum)


@contextmanager
def signals_held() -> Iterator[None]:
    """SIGTERM and SIGINT wait until the block is done (two renames that belong together)."""
    held = {signal.SIGTERM, signal.SIGINT}
    try:
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    except (AttributeError, ValueError):  # no pthread_sigmask here, or not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)

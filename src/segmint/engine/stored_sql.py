"""Compiled SQL kept on disk between runs: a query shape compiled once per code version, not per process.

Compiling Ibis expressions to SQL is a fifth of a run's time (the demo company: about 15 s of
70, two thirds of a second of a two-row project's four seconds), and a project is run again
and again with the same query shapes: after an edit of its model, by each test process, by
the workbench. `segmint.engine.compiled` keeps a shape's SQL for the process; this module keeps
it in a folder per code version, so that a later process reads it rather than compiling.

A shape is stored under the digest of a text that says all of it (`stable_text`): every
operation by its class's import path, every value by its type and ``repr``, sets in sorted
order (Python orders a set of strings differently in each process). A shape with a value
whose text could differ from one process to the next (an object without a ``repr``, a class
made at run time) has no digest and is not stored. The folder is named by a digest of
segmint's files (code and reference data) and the versions of Ibis and sqlglot, so any change
that could change the SQL starts a new folder; the three most recently used are kept.

The folder is ``$SEGMINT_CACHE_DIR/compiled``, by default under the user's cache folder
(``$XDG_CACHE_HOME/segmint`` or ``~/.cache/segmint``; ``%LOCALAPPDATA%\\segmint`` on Windows).
``SEGMINT_CACHE_DIR=`` (empty) turns it off. A folder that cannot be written to is not an
error: the run compiles as it would without it. No library keeps Ibis' compiled SQL, so this
one is written here.
"""

from __future__ import annotations

import datetime
import decimal
import enum
import hashlib
import os
import shutil
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.datashape as ds
import ibis.expr.datatypes as dt
import ibis.expr.schema as sch
import sqlglot

import segmint

_FORMAT = "1"  # how a stored file is written; a change starts new folders
_KEEP_VERSIONS = 3  # code versions whose folders are kept
_EXACT = (bool, int, float, str, bytes, type(None))  # repr gives back the value
_REPR_TYPES = (decimal.Decimal, datetime.date, datetime.time, datetime.timedelta, uuid.UUID)


class Unstable(TypeError):
    """A value whose text could differ from one process to the next."""


def stable_text(value: Any) -> str:
    """`value` as a text that is the same in every process for an equal value, for values made
    of plain data, classes that can be imported, Ibis types and schemas.

    Examples
    --------
    >>> stable_text(("parser", frozenset({"b", "a"}), 1.5)) == stable_text(
    ...     ("parser", frozenset({"a", "b"}), 1.5))
    True
    >>> stable_text(1) == stable_text(True)  # equal in Python, not in SQL
    False
    >>> stable_text(object())
    Traceback (most recent call last):
    ...
    segmint.engine.stored_sql.Unstable: object has no text that is the same in every process
    """
    parts: list[str] = []
    _write(value, parts)
    return "\x1f".join(parts)


def _write(value: Any, out: list[str]) -> None:
    if isinstance(value, _EXACT):
        out.append(f"{type(value).__name__}={value!r}")
    elif isinstance(value, type):
        out.append(f"class={_import_path(value)}")
    elif isinstance(value, tuple | list):
        out.append("(")
        for item in value:
            _write(item, out)
        out.append(")")
    elif isinstance(value, frozenset | set):
        out.append("{")
        out.extend(sorted(stable_text(item) for item in value))
        out.append("}")
    elif isinstance(value, sch.Schema):
        out.append("schema(")
        for name, dtype in value.items():
            out.append(f"{name!r}={dtype!r}")
        out.append(")")
    elif isinstance(value, dt.DataType):  # its repr names every parameter, nullability too
        out.append(repr(value))
    elif isinstance(value, dict) or (hasattr(value, "items") and hasattr(value, "keys")):
        out.append("dict(")  # a dict's order is its building's, the same in every process
        for key, item in value.items():
            _write(key, out)
            _write(item, out)
        out.append(")")
    elif isinstance(value, enum.Enum):
        out.append(f"{_import_path(type(value))}.{value.name}")
    elif isinstance(value, ds.DataShape):  # Ibis' scalar and columnar shapes: one of each
        out.append(f"shape={_import_path(type(value))}")
    elif isinstance(value, _REPR_TYPES):
        out.append(f"{_import_path(type(value))}={value!r}")
    else:
        raise Unstable(f"{type(value).__name__} has no text that is the same in every process")


def _import_path(cls: type) -> str:
    if cls.__module__ == "builtins":
        return cls.__qualname__
    found: Any = sys.modules.get(cls.__module__)
    for part in cls.__qualname__.split("."):
        found = getattr(found, part, None)
    if found is not cls:  # made at run time (a UDF's class): its name may mean another class
        raise Unstable(f"class {cls.__qualname__} cannot be imported by its name")
    return f"{cls.__module__}:{cls.__qualname__}"


def digest(value: Any) -> str | None:
    """The SHA-256 of `value`'s `stable_text`, or None when it has none.

    Examples
    --------
    >>> len(digest(("select", 1)))
    64
    >>> digest(object()) is None
    True
    """
    try:
        return hashlib.sha256(stable_text(value).encode()).hexdigest()
    except Unstable:
        return None


def cache_folder() -> Path | None:
    """The user's cache folder for segmint (``$SEGMINT_CACHE_DIR`` if set), or None when
    ``SEGMINT_CACHE_DIR`` is set empty.

    Examples
    --------
    >>> import os
    >>> saved = dict(os.environ)
    >>> os.environ["SEGMINT_CACHE_DIR"] = ""
    >>> cache_folder() is None
    True
    >>> os.environ["SEGMINT_CACHE_DIR"] = "team-cache"
    >>> cache_folder().name
    'team-cache'
    >>> os.environ.clear(); os.environ.update(saved)
    """
    chosen = os.environ.get("SEGMINT_CACHE_DIR")
    if chosen is not None:
        return Path(chosen) if chosen.strip() else None
    if sys.platform == "win32" and os.environ.get("LOCALAPPDATA"):
        return Path(os.environ["LOCALAPPDATA"]) / "segmint"
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "segmint"


_VERSION: str | None = None


def code_version() -> str:
    """A digest of segmint's files (its source and the reference data a parser may be built
    from) and of the Ibis and sqlglot versions: what the SQL a shape compiles to depends on
    (about 7 ms for its 2 MB, once per process)."""
    global _VERSION
    if _VERSION is None:
        root = Path(segmint.__file__).parent
        hashed = hashlib.sha256(f"{_FORMAT} {ibis.__version__} {sqlglot.__version__}".encode())
        for path in sorted(p for p in root.rglob("*") if p.is_file()
                           and p.suffix not in (".pyc", ".pyo")):
            hashed.update(path.relative_to(root).as_posix().encode() + b"\0")
            hashed.update(path.read_bytes())
        _VERSION = hashed.hexdigest()[:20]
    return _VERSION


class StoredSQL:
    """The SQL of each stored shape for one compiler (`dialect`), read and written by digest.

    Examples
    --------
    >>> import tempfile
    >>> store = StoredSQL("duckdb", Path(tempfile.mkdtemp()))
    >>> store.get("ab" * 32) is None
    True
    >>> store.put("ab" * 32, "SELECT 1")
    >>> StoredSQL("duckdb", store.root).get("ab" * 32)
    'SELECT 1'
    """

    def __init__(self, dialect: str, root: Path | None = None):
        self.root = root if root is not None else cache_folder()
        self.dialect = dialect
        self._folder: Path | None = None
        self._broken = self.root is None  # turned off, or a write failed: compile as usual

    def _where(self) -> Path:
        if self._folder is None:
            versions = Path(self.root) / "compiled"
            folder = versions / code_version()
            if not folder.exists():
                folder.mkdir(parents=True, exist_ok=True)
                _forget_old_versions(versions)
            else:
                os.utime(folder)  # its version was used: kept the longest
            self._folder = folder / self.dialect
        return self._folder

    def get(self, key: str) -> str | None:
        """The stored SQL of the shape `key`, or None."""
        if self._broken:
            return None
        try:
            # bytes: a text file read back would turn a '\r' in a SQL literal into '\n'
            return (self._where() / key[:2] / f"{key}.sql").read_bytes().decode("utf-8")
        except OSError:
            return None

    def put(self, key: str, sql: str) -> None:
        """Store `sql` as the shape `key`'s: written whole under a temporary name, then
        renamed, so that a process reading it at the same time reads all of it or nothing."""
        if self._broken:
            return
        try:
            folder = self._where() / key[:2]
            folder.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=folder, suffix=".part")
            with os.fdopen(handle, "wb") as file:
                file.write(sql.encode("utf-8"))
            os.replace(temporary, folder / f"{key}.sql")
        except OSError:
            self._broken = True


def _forget_old_versions(versions: Path) -> None:
    """Remove all but the most recently used `_KEEP_VERSIONS` code versions' folders."""
    try:
        folders = sorted((p for p in versions.iterdir() if p.is_dir()),
                         key=lambda p: p.stat().st_mtime, reverse=True)
    except OSError:
        return
    for old in folders[_KEEP_VERSIONS:]:
        shutil.rmtree(old, ignore_errors=True)

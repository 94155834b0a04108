"""Outputs: tables as Parquet and spreadsheet-safe CSV, and the HTML report, all of a run's
together or none of them.

A run writes into a staging folder beside its output folder, with a manifest of what it wrote,
and swaps it in at the end (`staged_outputs`): a reader, or a run killed at any moment, sees
the previous run's folder whole or this run's whole. Files of the previous run that this one
does not write go with the previous folder.
"""

from __future__ import annotations

import ctypes
import errno
import hashlib
import json
import os
import re
import shutil
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import ibis
import ibis.expr.types as ir

from segmint import leftovers
from segmint.io.atomic import TEMPORARY

MANIFEST = "manifest.json"
STAGING, PREVIOUS = "segmint-staging-", "segmint-previous-"  # ".<folder>.segmint-staging-<pid>-..."
WRITTEN_SUFFIXES = (".parquet", ".csv", ".html")  # what a run writes, for a folder without manifest
# an earlier segmint's temporary file: .<output's name>.<8 random characters>
_OLD_TEMPORARY = re.compile(r"\..+\.(parquet|csv|html|json)\.[a-z0-9_]{8}")

# A spreadsheet runs a cell that starts with one of these as a formula (OWASP: CSV injection).
FORMULA_STARTS = r"^[=+\-@\t\r]"
# ... unless the whole cell is a plain number, which it reads as the number it is. `$` also
# matches before a last line break in Java's and Python's regexes: see `_plain_number`.
PLAIN_NUMBER = r"^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?$"
_LINE_BREAKS = "[\n\r\u0085\u2028\u2029]"


def neutralise_formulas(table: ir.Table) -> ir.Table:
    """Prefix text cells that a spreadsheet would run as a formula with a quote.

    A text cell starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return gets a
    leading ``'``, unless it is a plain number (``-5``, ``-1.5e3``, ``+12``): a value
    echoed into rejects stays as the file had it. Arrays are written as ``a+b`` text first;
    number columns are left alone.

    Examples
    --------
    >>> table = ibis.memtable({"name": ["=HYPERLINK(\\"x\\")", "Acme", "-1+1", "@SUM(A1)",
    ...                                 "-5", "-1.5e3", "-5\\n"], "n": [-5, 1, 2, 3, 4, 5, 6]})
    >>> neutralise_formulas(table).execute().name.tolist()
    ['\\'=HYPERLINK("x")', 'Acme', "'-1+1", "'@SUM(A1)", '-5', '-1.5e3', "'-5\\n"]
    """
    columns = {}
    for name, dtype in table.schema().items():
        column = table[name]
        if dtype.is_array():
            column = column.join("+")
            dtype = column.type()
        if dtype.is_string():
            risky = column.re_search(FORMULA_STARTS) & ~_plain_number(column)
            columns[name] = ibis.ifelse(risky, "'" + column, column)
    return table.mutate(**columns) if columns else table


def _plain_number(text: ir.StringValue) -> ir.BooleanValue:
    """Whether `text` is a number and nothing else, alike on every engine."""
    return text.re_search(PLAIN_NUMBER) & ~text.re_search(_LINE_BREAKS)


def write_table(
    con: ibis.BaseBackend, table: ir.Table, folder: Path, name: str, formats: Iterable[str]
) -> list[Path]:
    """Write `table` as ``name.parquet`` and/or ``name.csv`` in `folder` (a staging folder:
    `staged_outputs` makes the whole folder appear at once), rows in the table's order."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for fmt in formats:
        target = folder / f"{name}.{fmt}"
        if fmt == "parquet":
            con.to_parquet(table, target)
        else:
            con.to_csv(neutralise_formulas(table), target)
        written.append(target)
    return written


@dataclass
class StagedOutputs:
    """A run's outputs while they are written: `folder` is the staging folder; `files` the
    final paths once `staged_outputs` has swapped them in."""

    target: Path
    folder: Path
    rows: dict[str, int | None] = field(default_factory=dict)  # file name -> rows
    files: list[Path] = field(default_factory=list)

    def write_table(self, con: ibis.BaseBackend, table: ir.Table, name: str,
                    formats: Iterable[str]) -> None:
        """`write_table` into the staging folder, noting the table's rows for the manifest."""
        rows = int(table.count().execute())
        for path in write_table(con, table, self.folder, name, formats):
            self.rows[path.name] = rows

    def write_text(self, name: str, text: str) -> None:
        """A text file (UTF-8), such as the report."""
        (self.folder / name).write_text(text, encoding="utf-8")
        self.rows[name] = None


@contextmanager
def staged_outputs(target: Path) -> Iterator[StagedOutputs]:
    """Stage a run's outputs beside `target` and swap them in when the block ends without error.

    The staging folder (``.<target>.segmint-staging-<pid>-<random>``) is removed if the run
    fails or stops (Ctrl-C, SIGTERM: `segmint.leftovers`); a later run removes one left by a
    run that was killed. At the end it gets `MANIFEST` (each file, its rows and SHA-256) and
    what the previous folder holds that no run wrote (a file of the user's), and then takes
    `target`'s place in one step, where the system can swap two folders (Linux); elsewhere
    in two renames, the previous folder put back by the next run if a kill falls between them.

    Examples
    --------
    >>> import tempfile
    >>> target = Path(tempfile.mkdtemp()) / "out"
    >>> with staged_outputs(target) as out:
    ...     out.write_text("report.html", "<p>hello</p>")
    >>> sorted(p.name for p in target.iterdir()), [p.name for p in out.files]
    (['manifest.json', 'report.html'], ['report.html', 'manifest.json'])
    >>> json.loads((target / MANIFEST).read_text())["files"][0]["rows"] is None
    True
    """
    target = target.absolute()
    target.parent.mkdir(parents=True, exist_ok=True)
    clear_leftovers(target)
    folder = leftovers.remove_at_exit(
        target.parent / f".{target.name}.{leftovers.stamped(STAGING)}{os.urandom(4).hex()}")
    folder.mkdir()
    staged = StagedOutputs(target, folder)
    try:
        yield staged
        names = sorted(staged.rows)
        _write_manifest(folder, staged.rows)
        if target.is_dir():
            _carry_over(target, folder)
        _swap_in(folder, target)
        staged.files = [target / name for name in names] + [target / MANIFEST]
    finally:
        leftovers.remove_now(folder)  # after the swap, it holds the previous run's folder


def clear_leftovers(target: Path) -> None:
    """Remove what killed runs left beside `target`: staging folders, and a previous folder
    (put back first if a kill fell between the two renames of a swap and `target` is gone)."""
    prefix = f".{target.name}."
    if not target.exists():
        for previous in leftovers.dead_leftovers(target.parent, prefix + PREVIOUS):
            previous.rename(target)  # the last whole run: put it back
            break
    for kind in (STAGING, PREVIOUS):
        leftovers.clear_dead(target.parent, prefix + kind)


def _write_manifest(folder: Path, rows: dict[str, int | None]) -> None:
    files = []
    for name in sorted(rows):
        size, sha256 = _digest(folder / name)
        files.append({"file": name, "rows": rows[name], "bytes": size, "sha256": sha256})
    (folder / MANIFEST).write_text(json.dumps({"written_by": "segmint", "files": files},
                                              indent=2) + "\n", encoding="utf-8")


def _digest(path: Path) -> tuple[int, str]:
    """Bytes and SHA-256 of a file; of a folder (Spark writes Parquet as a folder of parts),
    of its files' relative paths and contents, in order of path."""
    digest, size = hashlib.sha256(), 0
    parts = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    for part in parts:
        if part != path:
            digest.update(part.relative_to(path).as_posix().encode() + b"\0")
        with part.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
                size += len(chunk)
    return size, digest.hexdigest()


def _carry_over(previous: Path, folder: Path) -> None:
    """Copy into `folder` what `previous` holds that no run wrote: everything but the files its
    manifest lists (without one, those a run writes: Parquet, CSV, HTML) and temporary files."""
    try:
        listed = {f["file"] for f in json.loads((previous / MANIFEST).read_text())["files"]}
    except (OSError, ValueError, KeyError, TypeError):
        listed = None
    for entry in previous.iterdir():
        name = entry.name
        if (name == MANIFEST or (folder / name).exists() or name.startswith(TEMPORARY)
                or _OLD_TEMPORARY.fullmatch(name)):
            continue
        if (name in listed) if listed is not None else (
                entry.is_file() and entry.suffix in WRITTEN_SUFFIXES):
            continue  # the previous run's: it goes with its folder
        if entry.is_dir() and not entry.is_symlink():
            shutil.copytree(entry, folder / name, symlinks=True)
        else:
            shutil.copy2(entry, folder / name, follow_symlinks=False)


def _swap_in(folder: Path, target: Path) -> None:
    """Put `folder` in `target`'s place; the previous `target` ends up at `folder`."""
    if not target.exists():
        os.rename(folder, target)
        return
    if _exchange(folder, target):
        return
    previous = target.parent / f".{target.name}.{leftovers.stamped(PREVIOUS)}{os.urandom(4).hex()}"
    with leftovers.signals_held():  # Ctrl-C or SIGTERM wait for both renames
        os.rename(target, previous)
        os.rename(folder, target)
    os.rename(previous, folder)  # removed with the staging folder


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths in one step (Linux renameat2 with RENAME_EXCHANGE); False where the
    system or its file system cannot."""
    if not sys.platform.startswith("linux"):
        return False
    renameat2 = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    if renameat2 is None:
        return False
    at_cwd, rename_exchange = -100, 2
    if renameat2(at_cwd, os.fsencode(first), at_cwd, os.fsencode(second), rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(second))

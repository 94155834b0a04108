"""What every engine module shares: names, SQL quoting, a raw read's shape, short messages,
and a distinct count every engine can spill."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path

import ibis
import ibis.expr.types as ir

ENGINES = ("duckdb", "spark")
_ALIASES = {"pyspark": "spark"}  # Ibis calls the Spark backend 'pyspark'
_names = itertools.count()


def name_of(con: ibis.BaseBackend) -> str:
    """The engine a connection runs on: ``duckdb`` or ``spark``."""
    return _ALIASES.get(con.name, con.name)


def distinct_counts(table: ir.Table, by: str, value: ir.Value, name: str) -> ir.Table:
    """Per `by`, how many distinct non-null `value`s: what ``value.nunique()`` grouped by `by`
    gives, as a distinct and then a count (columns `by` and `name`; a group with no value is
    absent).

    DuckDB cannot spill a grouped COUNT(DISTINCT): over 20M rows in 3M groups it ran out of a
    300 MB limit where a distinct and then a count finished in 3 s, and a 5M-account run ran
    out of its 1 GB in health's products held.

    >>> rows = ibis.memtable({"a": ["x", "x", "x", "y"], "p": ["A", "A", "B", None]})
    >>> distinct_counts(rows, "a", rows.p, "n").execute().values.tolist()
    [['x', 2]]
    """
    pairs = table.select(_by=table[by], _value=value)
    pairs = pairs.filter(pairs._value.notnull()).distinct()
    return pairs.group_by(**{by: pairs._by}).aggregate(**{name: pairs.count()})


def fresh_name(prefix: str) -> str:
    """A table name not used before in this process."""
    return f"_segmint_{prefix}_{next(_names)}"


@dataclass(frozen=True)
class RawRead:
    """A file read as text columns, in file order, plus the records the parser refused.

    `rows` has the file's columns (all strings), ``_source_row`` (the line number for a CSV,
    the header being line 1; the 1-based row for Parquet and tables). `parse_rejects` has
    ``_source_row``, ``error`` and ``raw_line`` for records that could not be split into
    the file's columns (an unclosed quote, too many or too few fields).
    """

    rows: ir.Table
    parse_rejects: ir.Table


def _is_remote(path: Path | str) -> bool:
    return "://" in str(path)


def _file_name(path: Path | str) -> str:
    return str(path).rstrip("/").rsplit("/", 1)[-1]


def _unused_name(name: str, taken: list[str]) -> str:
    while name in taken:
        name += "_"
    return name


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _sql_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _first_line(err: Exception) -> str:
    return str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__


def empty_text_list() -> ir.ArrayValue:
    """An empty list of text, typed as such on every engine: Spark types a literal empty array
    as a list of nothing (``array<void>``), which its Arrow fetch refuses, so this is one null
    filtered out.

    >>> ibis.memtable({"a": [1]}).select(e=empty_text_list()).to_pyarrow()["e"].to_pylist()
    [[]]
    """
    return ibis.array([ibis.null("string")]).filter(lambda text: text.notnull())

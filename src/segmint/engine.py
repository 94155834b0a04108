"""The only module that names an engine: connecting, and reading raw files into it."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path

import ibis
import ibis.expr.types as ir

from segmint.exceptions import ConfigError, SourceError

ENGINES = ("duckdb",)
_names = itertools.count()


def connect(engine: str = "duckdb", *, database: str | Path = ":memory:") -> ibis.BaseBackend:
    """Connect to the engine the project runs on (DuckDB, embedded, by default).

    Examples
    --------
    >>> con = connect()
    >>> con.name
    'duckdb'
    """
    if engine == "duckdb":
        return ibis.duckdb.connect(database)
    raise ConfigError(
        f"engine {engine!r} is not available. Use engine: duckdb in segmint.yaml."
    )


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


def read_csv_text(
    con: ibis.BaseBackend, path: Path, headers: list[str], *, delimiter: str, skip_lines: int = 0
) -> RawRead:
    """Read a UTF-8 CSV into the engine as text, keeping every refused record with its line.

    DuckDB's `store_rejects` records each malformed record (line, error, raw text) while
    the rest of the file loads. Columns are given explicitly so a broken quote cannot
    make the dialect sniffer misread the whole file.
    """
    raw = con.con  # the DuckDB connection: this module is the one place that may use it
    table, rejects, scans = fresh_name("csv"), fresh_name("rejects"), fresh_name("scans")
    columns = "{" + ", ".join(f"{_sql_string(h)}: 'VARCHAR'" for h in headers) + "}"
    options = (
        f"header=false, skip={1 + skip_lines}, auto_detect=false, columns={columns}, "
        f"delim={_sql_string(delimiter)}, quote='\"', escape='\"', strict_mode=true, "
        f"store_rejects=true, rejects_table={_sql_string(rejects)}, "
        f"rejects_scan={_sql_string(scans)}, max_line_size=10000000"
    )
    try:
        raw.execute(
            f"CREATE TEMP TABLE {table} AS SELECT * FROM read_csv({_sql_string(str(path))}, {options})"
        )
    except Exception as err:  # DuckDB raises its own hierarchy; translate to one message
        raise SourceError(f"{path.name} could not be read as CSV: {_first_line(err)}") from None
    first_data_line = 2 + skip_lines
    # Accepted row i (0-based, file order = rowid) sits after every refused record j whose
    # line L_j satisfies L_j - j - first_data_line + 1 <= i (j = 1-based rank of refusals).
    raw.execute(
        f"""CREATE TEMP TABLE {table}_rej AS
            SELECT line AS _source_row, min(error_message) AS error, min(csv_line) AS raw_line,
                   line - row_number() OVER (ORDER BY line) - {first_data_line} + 1 AS _after
            FROM {rejects} GROUP BY line"""
    )
    raw.execute(
        f"""CREATE TEMP TABLE {table}_rows AS
            SELECT t.* , t.rowid + {first_data_line}
                   + (SELECT count(*) FROM {table}_rej r WHERE r._after <= t.rowid) AS _source_row
            FROM {table} t ORDER BY t.rowid"""
    )
    raw.execute(f"DROP TABLE {table}")
    return RawRead(
        rows=con.table(f"{table}_rows"),
        parse_rejects=con.table(f"{table}_rej").drop("_after"),
    )


def read_parquet_text(con: ibis.BaseBackend, path: Path) -> RawRead:
    """Read a Parquet file with its row numbers; columns keep their Parquet types."""
    try:
        rows = con.sql(
            f"SELECT * EXCLUDE (file_row_number), file_row_number + 1 AS _source_row "
            f"FROM read_parquet({_sql_string(str(path))}, file_row_number=true)"
        )
    except Exception as err:
        raise SourceError(f"{path.name} could not be read as Parquet: {_first_line(err)}") from None
    return RawRead(rows=rows, parse_rejects=_no_parse_rejects(con))


def read_duckdb_table(con: ibis.BaseBackend, path: Path, table: str) -> RawRead:
    """Read one table of a DuckDB database file, numbering its rows from 1."""
    alias = fresh_name("db")
    try:
        con.con.execute(f"ATTACH {_sql_string(str(path))} AS {alias} (READ_ONLY)")
        rows = con.sql(
            f"SELECT *, rowid + 1 AS _source_row FROM {alias}.{_sql_identifier(table)}"
        )
    except Exception as err:
        raise SourceError(f"{path.name} has no readable table {table!r}: {_first_line(err)}") from None
    return RawRead(rows=rows, parse_rejects=_no_parse_rejects(con))


def materialise(con: ibis.BaseBackend, table: ir.Table, prefix: str) -> ir.Table:
    """Compute `table` once and keep it in the engine, so later stages don't recompute it."""
    return con.create_table(fresh_name(prefix), table, temp=True)


def _no_parse_rejects(con: ibis.BaseBackend) -> ir.Table:
    return con.sql(
        "SELECT CAST(NULL AS BIGINT) AS _source_row, CAST(NULL AS VARCHAR) AS error, "
        "CAST(NULL AS VARCHAR) AS raw_line WHERE false"
    )


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _sql_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _first_line(err: Exception) -> str:
    return str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__

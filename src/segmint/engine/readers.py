"""Readers with one contract on both engines: text (CSV) or own types (Parquet), row numbers, rejects."""

from __future__ import annotations

from pathlib import Path

import ibis
import ibis.expr.types as ir

from segmint.engine import spark
from segmint.engine.common import (RawRead, _file_name, _first_line, _is_remote, _sql_identifier,
                                   _sql_string, fresh_name, name_of)
from segmint.exceptions import SourceError

def read_csv_text(
    con: ibis.BaseBackend, path: Path | str, headers: list[str], *, delimiter: str,
    skip_lines: int = 0,
) -> RawRead:
    """Read a UTF-8 CSV into the engine as text, keeping every refused record with its line.

    On DuckDB, `store_rejects` records each malformed record (line, error, raw text) while
    the rest of the file loads. Columns are given explicitly so a broken quote cannot make
    the dialect sniffer misread the whole file.

    On Spark, a local file up to `segmint.engine.spark.SPARK_HANDOFF_BYTES` is read exactly as on DuckDB (by a
    private DuckDB) and handed over as Arrow, so both engines see the same rows, line
    numbers and rejects. A larger or remote file (``s3a://``, ``hdfs://``) is read by Spark
    itself, split across tasks: see `_read_csv_spark` for what its line numbers mean.
    """
    if name_of(con) == "spark":
        local = Path(path) if not _is_remote(path) else None
        if local is not None and local.stat().st_size <= spark.SPARK_HANDOFF_BYTES:
            read = _read_csv_duckdb(ibis.duckdb.connect(), local, headers, delimiter, skip_lines)
            return spark._hand_to_spark(con, read, "csv")
        return spark._read_csv_spark(con, str(path), headers, delimiter, skip_lines)
    return _read_csv_duckdb(con, Path(path), headers, delimiter, skip_lines)


def _read_csv_duckdb(
    con: ibis.BaseBackend, path: Path, headers: list[str], delimiter: str, skip_lines: int
) -> RawRead:
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
    # DuckDB's record text starts with the blank lines before it: they are dropped.
    raw.execute(
        f"""CREATE TEMP TABLE {table}_rej AS
            SELECT line AS _source_row, min(error) AS error, min(raw_line) AS raw_line,
                   line - row_number() OVER (ORDER BY line) - {first_data_line} + 1 AS _after
            FROM (SELECT line, ltrim(csv_line, chr(13) || chr(10)) AS raw_line,
                         {_IN_OUR_WORDS} AS error FROM {rejects})
            GROUP BY line"""
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


# DuckDB's reasons for refusing a record (rejects' error_type), in the words of segmint's
# rejects; the quote problem names the quote.
_IN_OUR_WORDS = """CASE
    WHEN error_type IN ('TOO MANY COLUMNS', 'MISSING COLUMNS')
         AND regexp_matches(error_message, 'Columns: [0-9]+ Found: [0-9]+')
      THEN regexp_extract(error_message, 'Found: ([0-9]+)', 1) || ' fields where the header has '
           || regexp_extract(error_message, 'Columns: ([0-9]+)', 1)
    WHEN error_type = 'UNQUOTED VALUE'
      THEN 'a quote is not closed, or text follows its closing quote'
    WHEN error_type = 'LINE SIZE OVER MAXIMUM'
      THEN 'the record is longer than 10,000,000 characters'
    ELSE error_message END"""


def splits_lines(con: ibis.BaseBackend, path: Path | str) -> bool:
    """Whether `read_csv_text` reads `path` with Spark's own reader, line by line (a large or
    remote file on Spark), rather than record by record as DuckDB does.

    >>> from segmint.engine import connect
    >>> splits_lines(connect(), "accounts.csv")
    False
    """
    if name_of(con) != "spark":
        return False
    return _is_remote(path) or Path(path).stat().st_size > spark.SPARK_HANDOFF_BYTES


def read_parquet_text(con: ibis.BaseBackend, path: Path | str) -> RawRead:
    """Read a Parquet file with its row numbers; columns keep their Parquet types.

    Row numbers are 1-based positions in the file on both engines (DuckDB's
    ``file_row_number``, Spark's ``_metadata.row_index``), exact across row groups.
    """
    if name_of(con) == "spark":
        from pyspark.sql import functions as F

        try:
            frame = con._session.read.parquet(str(path))
            frame = frame.select(
                *[F.col(f"`{c}`") for c in frame.columns],
                (F.col("_metadata.row_index") + 1).alias("_source_row"))
        except Exception as err:
            raise SourceError(
                f"{_file_name(path)} could not be read as Parquet: {_first_line(err)}") from None
        return RawRead(rows=spark._spark_view(con, frame, "parquet"), parse_rejects=_no_parse_rejects(con))
    try:
        rows = con.sql(
            f"SELECT * EXCLUDE (file_row_number), file_row_number + 1 AS _source_row "
            f"FROM read_parquet({_sql_string(str(path))}, file_row_number=true)"
        )
    except Exception as err:
        raise SourceError(f"{path.name} could not be read as Parquet: {_first_line(err)}") from None
    return RawRead(rows=rows, parse_rejects=_no_parse_rejects(con))


def read_duckdb_table(con: ibis.BaseBackend, path: Path, table: str) -> RawRead:
    """Read one table of a DuckDB database file, numbering its rows from 1.

    On Spark the table is read by a private DuckDB and handed over as Arrow, up to
    `segmint.engine.spark.SPARK_HANDOFF_BYTES` of database file; a larger one must be exported to Parquet.
    """
    if name_of(con) == "spark":
        if path.stat().st_size > spark.SPARK_HANDOFF_BYTES:
            raise SourceError(
                f"{path.name} is a DuckDB file of {path.stat().st_size >> 20:,} MB; engine: spark "
                f"reads DuckDB files only up to {spark.SPARK_HANDOFF_BYTES >> 20} MB. Export the table "
                f"(COPY {table} TO '{table}.parquet') and point the source's path at the Parquet file."
            )
        return spark._hand_to_spark(con, read_duckdb_table(ibis.duckdb.connect(), path, table), "db")
    alias = fresh_name("db")
    try:
        con.con.execute(f"ATTACH {_sql_string(str(path))} AS {alias} (READ_ONLY)")
        rows = con.sql(
            f"SELECT *, rowid + 1 AS _source_row FROM {alias}.{_sql_identifier(table)}"
        )
    except Exception as err:
        raise SourceError(f"{path.name} has no readable table {table!r}: {_first_line(err)}") from None
    return RawRead(rows=rows, parse_rejects=_no_parse_rejects(con))


def _no_parse_rejects(con: ibis.BaseBackend) -> ir.Table:
    return ibis.memtable(
        {"_source_row": [], "error": [], "raw_line": []},
        schema={"_source_row": "int64", "error": "string", "raw_line": "string"},
    )

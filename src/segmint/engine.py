"""The only module that names an engine: connecting, and reading raw files into it.

Two engines run the same Ibis expressions: DuckDB (embedded, the default) and Spark (through
Ibis' PySpark backend; local mode, ``local[2]``, unless `spark.master` names a cluster).
Readers keep one contract on both: every column as text (CSV) or its own type (Parquet),
``_source_row`` on every row, and the records the parser refused as `parse_rejects`.
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import ibis
import ibis.expr.types as ir

from segmint.exceptions import ConfigError, SourceError

ENGINES = ("duckdb", "spark")
_ALIASES = {"pyspark": "spark"}  # Ibis calls the Spark backend 'pyspark'
_names = itertools.count()

SPARK_LOCAL = "local[2]"
# Settings for every Spark session segmint starts; a project's spark.conf overrides them.
SPARK_CONF = {
    "spark.sql.session.timeZone": "UTC",  # dates and timestamps as written, as on DuckDB
    # ANSI mode stays on (Spark 4's default): a bad cast or an overflow raises, as on DuckDB,
    # rather than becoming a silent null. Parsers only cast text a regex has already shaped.
    "spark.sql.ansi.enabled": "true",
    "spark.sql.execution.arrow.pyspark.enabled": "true",  # Arrow in and out of Python
    "spark.ui.showConsoleProgress": "false",
    # Constraint propagation (inferring predicates from filters) fails on a union of
    # checkpointed tables, as materialise makes ("key not found: _source_file#..." in Spark
    # 4.0.5), and segmint's queries have little for it to infer; so it is off.
    "spark.sql.constraintPropagation.enabled": "false",
    # This rule runs a projection over in-memory rows (handed-over files, memtables) on the
    # driver, interpreted, while planning: seconds per parser-wide query. Tasks run it compiled.
    "spark.sql.optimizer.excludedRules":
        "org.apache.spark.sql.catalyst.optimizer.ConvertToLocalRelation",
}
SPARK_LOCAL_CONF = {  # local mode only: a cluster keeps its own sizing
    "spark.sql.shuffle.partitions": "4",
    "spark.default.parallelism": "4",
    "spark.ui.enabled": "false",
    "spark.driver.host": "127.0.0.1",
    "spark.driver.bindAddress": "127.0.0.1",
}
# A local CSV up to this size is parsed by DuckDB (exact line numbers and rejects) and handed
# to Spark as Arrow; a larger or remote file is parsed by Spark's own CSV reader.
SPARK_HANDOFF_BYTES = 64 << 20
_LOG4J = """\
rootLogger.level = error
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n
# A query too wide for Java's 64 KB method limit is logged with all its generated code, then
# run interpreted: the answer is the same, so the fallback is not reported.
logger.codegen.name = org.apache.spark.sql.catalyst.expressions.codegen.CodeGenerator
logger.codegen.level = off
logger.wholestage.name = org.apache.spark.sql.execution.WholeStageCodegenExec
logger.wholestage.level = off
"""
_spark_lock = threading.Lock()


def connect(
    engine: str = "duckdb",
    *,
    database: str | Path = ":memory:",
    master: str | None = None,
    conf: Mapping[str, str] | None = None,
) -> ibis.BaseBackend:
    """Connect to the engine the project runs on (DuckDB, embedded, by default).

    Parameters
    ----------
    engine : str
        ``duckdb`` or ``spark`` (``pyspark`` is accepted too, Ibis' name for it).
    database : str or Path
        DuckDB only: a database file, or ``:memory:``.
    master : str or None
        Spark only: ``local[2]`` by default, or a cluster URL such as ``spark://host:7077``.
    conf : mapping or None
        Spark only: extra Spark settings, applied over segmint's own (`SPARK_CONF`).

    Spark starts one session per process (a JVM takes seconds to start); later calls reuse
    it, and asking for another master while it runs is an error.

    Examples
    --------
    >>> con = connect()
    >>> con.name
    'duckdb'
    """
    engine = _ALIASES.get(engine, engine)
    if engine == "duckdb":
        if database == ":memory:" and os.environ.get("SEGMINT_DUCKDB_STORAGE") == "disk":
            database = scratch_file("work.duckdb")  # kept tables stored on disk, see DUCKDB_STORAGE
        con = _tune_duckdb(ibis.duckdb.connect(database))
        if database == ":memory:":  # kept tables compressed, see DUCKDB_STORAGE
            con.raw_sql(f"ATTACH ':memory:' AS {_COMPRESSED} (COMPRESS)")
            con.raw_sql(f"USE {_COMPRESSED}")
        return con
    if engine == "spark":
        _escape_spark_strings_spark_can_read()
        return ibis.pyspark.connect(_spark_session(master or SPARK_LOCAL, dict(conf or {})))
    raise ConfigError(
        f"engine {engine!r} is not available. Use engine: duckdb or engine: spark in segmint.yaml."
    )


# --- DuckDB settings (benchmarks/README.md) ---------------------------------------------------
# DuckDB's default memory limit is 80% of RAM, so the temporary tables a run keeps grow with the
# data until the machine runs out. With a limit it spills them to disk (in-memory databases
# too) and RSS stays flat. Override with SEGMINT_DUCKDB_MEMORY_LIMIT (e.g. "4GB").
DUCKDB_MEMORY_LIMIT = "1GB"
# The tables a run keeps live in DuckDB's memory by default, compressed as in a database file:
# at 1M accounts they take a third of the memory uncompressed tables took (which spilled 7.5 GB
# past the limit), and queries over them read less (the ARR bridge: 13.0 -> 10.2 s). Tables read
# once and dropped (`materialise(short_lived=True)`) skip the compression, which would cost
# more than it saves. At 5M accounts (200M input rows) even compressed tables outgrow any
# limit that fits a laptop: SEGMINT_DUCKDB_STORAGE=disk keeps them in a database file in the
# run's scratch folder instead, so DuckDB can evict them and memory stays within the limit.
_COMPRESSED = "segmint_work"


def _tune_duckdb(con: ibis.BaseBackend) -> ibis.BaseBackend:
    """Bound DuckDB's memory and give it a private spill folder."""
    import os

    limit = os.environ.get("SEGMINT_DUCKDB_MEMORY_LIMIT", DUCKDB_MEMORY_LIMIT)
    con.raw_sql(f"SET memory_limit = {_sql_string(limit)}")
    con.raw_sql(f"SET temp_directory = {_sql_string(str(scratch_folder() / 'duckdb'))}")
    return con


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


def _spark_session(master: str, conf: dict[str, str]):
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise ConfigError(
            "engine: spark needs PySpark. Install it with: pip install 'segmint[spark]'"
        ) from None
    with _spark_lock:
        active = SparkSession.getActiveSession()
        if active is not None:
            running = active.sparkContext.master
            if running != master:
                raise ConfigError(
                    f"a Spark session on {running} is already running in this process, so "
                    f"spark.master {master!r} cannot be used. Run it in a new process."
                )
            return active
        if not (os.environ.get("JAVA_HOME") or shutil.which("java")):
            raise ConfigError(
                "engine: spark needs a Java runtime (17 or 21) and none was found. Install one "
                "(apt-get install openjdk-17-jre-headless) or set JAVA_HOME."
            )
        local = master.startswith("local")
        log4j = scratch_file("log4j2.properties")
        log4j.write_text(_LOG4J)
        settings = {**SPARK_CONF, **(SPARK_LOCAL_CONF if local else {}), **conf}
        java_options = f"-Dlog4j2.configurationFile={log4j.as_uri()}"
        builder = SparkSession.builder.master(master).appName("segmint")
        for key, value in settings.items():
            if key == "spark.driver.extraJavaOptions":
                java_options = f"{java_options} {value}"
            else:
                builder = builder.config(key, str(value))
        builder = builder.config("spark.driver.extraJavaOptions", java_options)
        try:
            session = builder.getOrCreate()
        except Exception as err:  # the JVM failed to start or to reach the master
            raise ConfigError(f"Spark did not start on {master}: {_first_line(err)}") from None
        session.sparkContext.setLogLevel("ERROR")
        return session


def _escape_spark_strings_spark_can_read() -> None:
    """Write BEL, form feed and vertical tab in Spark SQL strings as ``\\uXXXX``.

    sqlglot (28.x) writes them as ``\\a``, ``\\f`` and ``\\v``, which Spark's SQL parser
    does not know and reads as the letters a, f and v: a whitespace class such as
    ``[ \\t\\f\\v]`` then also matched 'f' and 'v' ('Government' became 'go ernment').
    """
    from ibis.backends.sql.dialects import PySpark

    PySpark.ESCAPED_SEQUENCES = {
        **PySpark.ESCAPED_SEQUENCES,
        **{ch: f"\\u{ord(ch):04X}" for ch in "\a\f\v"},
    }


def name_of(con: ibis.BaseBackend) -> str:
    """The engine a connection runs on: ``duckdb`` or ``spark``."""
    return _ALIASES.get(con.name, con.name)


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
    con: ibis.BaseBackend, path: Path | str, headers: list[str], *, delimiter: str,
    skip_lines: int = 0,
) -> RawRead:
    """Read a UTF-8 CSV into the engine as text, keeping every refused record with its line.

    On DuckDB, `store_rejects` records each malformed record (line, error, raw text) while
    the rest of the file loads. Columns are given explicitly so a broken quote cannot make
    the dialect sniffer misread the whole file.

    On Spark, a local file up to `SPARK_HANDOFF_BYTES` is read exactly as on DuckDB (by a
    private DuckDB) and handed over as Arrow, so both engines see the same rows, line
    numbers and rejects. A larger or remote file (``s3a://``, ``hdfs://``) is read by Spark
    itself, split across tasks: see `_read_csv_spark` for what its line numbers mean.
    """
    if name_of(con) == "spark":
        local = Path(path) if not _is_remote(path) else None
        if local is not None and local.stat().st_size <= SPARK_HANDOFF_BYTES:
            read = _read_csv_duckdb(ibis.duckdb.connect(), local, headers, delimiter, skip_lines)
            return _hand_to_spark(con, read, "csv")
        return _read_csv_spark(con, str(path), headers, delimiter, skip_lines)
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


def _read_csv_spark(
    con: ibis.BaseBackend, location: str, headers: list[str], delimiter: str, skip_lines: int
) -> RawRead:
    """Spark's CSV reader, one record per line, so the file splits across tasks.

    Every column is read as a string (an explicit schema: no inference pass), and a record
    that does not split into the header's columns (too many or too few fields, an unclosed
    quote) lands in a corrupt-record column (``mode=PERMISSIVE``) and becomes a parse reject.
    ``_source_row`` is the record's position in the file plus one, counted exactly across
    splits (`_number_in_file`); it equals the line number unless the file has blank lines
    (Spark skips them, so later rows read lower) or quoted values spanning lines (read here
    one line at a time, so each piece is rejected with its own line, never silently joined).
    """
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    corrupt = _unused_name("_segmint_corrupt", headers)
    schema = T.StructType([T.StructField(h, T.StringType()) for h in [*headers, corrupt]])
    try:
        frame = (
            con._session.read.schema(schema)
            .options(header="false", sep=delimiter, quote='"', escape='"', encoding="UTF-8",
                     mode="PERMISSIVE", columnNameOfCorruptRecord=corrupt, multiLine="false")
            .csv(location)
        )
        frame = _number_in_file(frame).filter(F.col("_source_row") > 1 + skip_lines)
        frame = _keep_frame(frame)  # one pass over the file for both rows and rejects
    except Exception as err:
        raise SourceError(f"{_file_name(location)} could not be read as CSV: {_first_line(err)}") from None
    expected = f"the record does not split into {len(headers)} fields"
    rows = frame.filter(F.col(corrupt).isNull()).select(*[F.col(f"`{h}`") for h in headers],
                                                        "_source_row")
    rejects = frame.filter(F.col(corrupt).isNotNull()).select(
        "_source_row", F.lit(expected).alias("error"), F.col(corrupt).alias("raw_line"))
    return RawRead(rows=_spark_view(con, rows, "csv_rows"),
                   parse_rejects=_spark_view(con, rejects, "csv_rej"))


def _number_in_file(frame):
    """Add ``_source_row``: 1 + the record's position in its file, exact across splits.

    A split's records come in file order, and `monotonically_increasing_id` counts up within
    a task; so a record's position is the records in earlier splits (by byte offset) plus
    its rank in its own split. Only one row per split is gathered, never the data itself,
    and no window runs over the whole file.
    """
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    tagged = frame.select("*", F.input_file_block_start().alias("_segmint_block"),
                          F.monotonically_increasing_id().alias("_segmint_id"))
    # No cache here: reading the file twice (the counts, then the rows) costs less than
    # holding it in memory twice; the caller keeps the numbered result.
    blocks = tagged.groupBy("_segmint_block").agg(
        F.min("_segmint_id").alias("_segmint_first"), F.count("*").alias("_segmint_n"))
    earlier = Window.orderBy("_segmint_block").rowsBetween(Window.unboundedPreceding, -1)
    blocks = blocks.select("_segmint_block", "_segmint_first", F.coalesce(
        F.sum("_segmint_n").over(earlier), F.lit(0)).alias("_segmint_offset"))
    numbered = tagged.join(F.broadcast(blocks), "_segmint_block")
    position = F.col("_segmint_offset") + F.col("_segmint_id") - F.col("_segmint_first")
    return numbered.select(*[F.col(f"`{c}`") for c in frame.columns],
                           (position + 1).cast("long").alias("_source_row"))


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
        return RawRead(rows=_spark_view(con, frame, "parquet"), parse_rejects=_no_parse_rejects(con))
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
    `SPARK_HANDOFF_BYTES` of database file; a larger one must be exported to Parquet.
    """
    if name_of(con) == "spark":
        if path.stat().st_size > SPARK_HANDOFF_BYTES:
            raise SourceError(
                f"{path.name} is a DuckDB file of {path.stat().st_size >> 20:,} MB; engine: spark "
                f"reads DuckDB files only up to {SPARK_HANDOFF_BYTES >> 20} MB. Export the table "
                f"(COPY {table} TO '{table}.parquet') and point the source's path at the Parquet file."
            )
        return _hand_to_spark(con, read_duckdb_table(ibis.duckdb.connect(), path, table), "db")
    alias = fresh_name("db")
    try:
        con.con.execute(f"ATTACH {_sql_string(str(path))} AS {alias} (READ_ONLY)")
        rows = con.sql(
            f"SELECT *, rowid + 1 AS _source_row FROM {alias}.{_sql_identifier(table)}"
        )
    except Exception as err:
        raise SourceError(f"{path.name} has no readable table {table!r}: {_first_line(err)}") from None
    return RawRead(rows=rows, parse_rejects=_no_parse_rejects(con))


def materialise(
    con: ibis.BaseBackend, table: ir.Table, prefix: str, *, short_lived: bool = False
) -> ir.Table:
    """Compute `table` once and keep it in the engine, so later stages don't recompute it.

    DuckDB writes a table in the run's database (compressed in memory, or a scratch file);
    a `short_lived` table, read once or twice and then `release`d, goes uncompressed into
    DuckDB's own in-memory catalog, which is quicker to write. Spark computes it now and
    keeps it in executor memory (spilling to disk), behind a temporary view, with its lineage
    cut so later plans stay small (`_keep_frame`).

    Examples
    --------
    >>> con = connect()
    >>> kept = materialise(con, ibis.memtable({"x": [1, 2]}), "example", short_lived=True)
    >>> int(kept.x.sum().execute())
    3
    """
    if name_of(con) == "spark":
        con._run_pre_execute_hooks(table)  # registers the in-memory tables it reads
        frame = con._session.sql(con.compile(table))
        return _spark_view(con, _keep_frame(frame), prefix)
    if short_lived and con.current_catalog == _COMPRESSED:
        return con.create_table(fresh_name(prefix), table, database=("memory", "main"))
    return con.create_table(fresh_name(prefix), table)


def release(con: ibis.BaseBackend, *tables: ir.Table) -> None:
    """Drop tables `materialise` kept, once nothing will read them again; others are ignored.

    DuckDB frees their memory (and spill files) at once. Spark's checkpoints go with the
    session, so nothing is done there.

    Examples
    --------
    >>> con = connect()
    >>> kept = materialise(con, ibis.memtable({"x": [1]}), "scratch")
    >>> brief = materialise(con, ibis.memtable({"x": [1]}), "scratch", short_lived=True)
    >>> release(con, kept, brief, ibis.memtable({"y": [2]}))
    >>> [t for t in con.list_tables() + con.list_tables(database=("memory", "main"))
    ...  if t.startswith("_segmint_scratch")]
    []
    """
    if name_of(con) == "spark":
        return
    import ibis.expr.operations as ops

    for table in tables:
        op = table.op()
        if isinstance(op, ops.DatabaseTable) and op.name.startswith("_segmint_"):
            where = op.namespace
            database = (where.catalog, where.database) if where.catalog else where.database
            con.drop_table(op.name, database=database, force=True)


def _keep_frame(frame):
    """Compute a Spark DataFrame now and keep it, cutting its lineage."""
    return frame.localCheckpoint(eager=True)


def _spark_view(con: ibis.BaseBackend, frame, prefix: str) -> ir.Table:
    name = fresh_name(prefix)
    frame.createOrReplaceTempView(name)
    return con.table(name)


def _hand_to_spark(con: ibis.BaseBackend, read: RawRead, prefix: str) -> RawRead:
    """Move a read made by a private DuckDB into Spark, as Arrow (row numbers as int64)."""

    def move(table: ir.Table, name: str) -> ir.Table:
        table = table.mutate(_source_row=table._source_row.cast("int64"))  # DuckDB's are unsigned
        return _spark_view(con, con._session.createDataFrame(table.to_pyarrow()), name)

    return RawRead(rows=move(read.rows, prefix), parse_rejects=move(read.parse_rejects, f"{prefix}_rej"))


def _no_parse_rejects(con: ibis.BaseBackend) -> ir.Table:
    return ibis.memtable(
        {"_source_row": [], "error": [], "raw_line": []},
        schema={"_source_row": "int64", "error": "string", "raw_line": "string"},
    )


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

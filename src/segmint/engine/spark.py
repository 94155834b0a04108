"""Spark, through Ibis' PySpark backend: one session per process, settings, views and hand-overs."""

from __future__ import annotations

import os
import shutil
import threading

import ibis
import ibis.expr.types as ir

from segmint.engine.common import RawRead, _file_name, _first_line, _unused_name, fresh_name
from segmint.engine.scratch import scratch_file
from segmint.exceptions import ConfigError, SourceError

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


def connect_spark(master: str | None = None, conf: dict[str, str] | None = None) -> ibis.BaseBackend:
    """Ibis over this process's Spark session (started on first use; see `_spark_session`)."""
    _escape_spark_strings_spark_can_read()
    return ibis.pyspark.connect(_spark_session(master or SPARK_LOCAL, dict(conf or {})))


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
        # Spark's default warehouse is ./spark-warehouse: a folder left in the user's project
        warehouse = {"spark.sql.warehouse.dir": scratch_file("spark-warehouse").as_uri()}
        settings = {**SPARK_CONF, **(SPARK_LOCAL_CONF if local else {}), **warehouse, **conf}
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


def _keep_frame(frame):
    """Compute a Spark DataFrame now and keep it, cutting its lineage."""
    return frame.localCheckpoint(eager=True)


def _fetch_and_hold(con: ibis.BaseBackend, table: ir.Table, prefix: str):
    """Run `table` once, fetch it as pandas and keep the fetched rows in the session.

    Returns the kept table (a view over the rows, sent back to the JVM as Arrow) and the
    frame, the same as the kept table's ``to_pandas()``. For a small table this replaces a
    checkpoint (the plan's jobs) and a fetch of it (one more) by the plan's jobs alone; a
    sorted one saves two more (below).
    """
    import ibis.expr.operations as ops
    import pyarrow as pa
    from ibis.backends.pyspark.converter import PySparkPandasData
    from ibis.backends.pyspark.datatypes import PySparkType
    from ibis.formats.pyarrow import PyArrowData

    op = table.op()
    if isinstance(op, ops.Sort):
        # A global sort of rows spread over partitions samples them first (a job of its
        # own) and shuffles them (another): the rows are fetched and held unsorted, in one
        # partition, and sorted there, in one job.
        unsorted, _ = _fetch_and_hold(con, op.parent.to_expr(), prefix)
        table = op.replace({op.parent: unsorted.op()}).to_expr()
    con._run_pre_execute_hooks(table)  # registers the in-memory tables it reads
    computed = con._session.sql(con.compile(table))
    # Spark's own result types (a decimal product widens), as a view of it would read them
    schema = ibis.schema(PySparkType.to_ibis(computed.schema))
    frame = PySparkPandasData.convert_table(computed.toPandas(), schema)  # the one query
    rows = PyArrowData.convert_table(pa.Table.from_pandas(frame, preserve_index=False), schema)
    # the Spark schema casts the rows back to the exact types (and nullability) of the plan
    # (no rows: pyspark 4.0 cannot localise an Arrow column of no chunks, so none are sent)
    # and in one partition: Spark then knows the rows need no exchange to be sorted or joined
    held = con._session.createDataFrame(rows if len(frame) else [],
                                        schema=computed.schema).coalesce(1)
    return _spark_view(con, held, prefix), frame


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

"""Tables a run keeps (computed once, dropped when nothing reads them again) and fetches as pandas."""

from __future__ import annotations

from collections.abc import Callable

import ibis
import ibis.expr.operations as ops
import ibis.expr.types as ir
import pandas as pd
import pyarrow as pa

from segmint.engine.common import fresh_name, name_of
from segmint.engine.duck import _COMPRESSED, create_duckdb_table
from segmint.engine.spark import _fetch_and_hold, _keep_frame, _spark_view


def engine_of(table: ir.Table) -> str | None:
    """The name of the one engine `table` reads from (`name_of`); None for rows built in
    Python alone, or tables of two engines.

    >>> engine_of(ibis.memtable({"x": [1]})) is None
    True
    """
    backends, _ = table._find_backends()
    return name_of(backends[0]) if len(backends) == 1 else None


# pandas' Arrow-backed text, missing as NaN (pandas 3's default ``str``): compares and tests
# for missing as object text does, with no Python string per value
ARROW_TEXT = pd.StringDtype("pyarrow", na_value=float("nan"))


def fetch_frame(table: ir.Table, *, arrow_text: bool = False) -> pd.DataFrame:
    """`table` as pandas, the frame `to_pandas` gives, at about half the memory on DuckDB.

    Ibis' DuckDB backend turns each column with a null into a Python list of Python objects
    before pandas sees it: fetching a million accounts' rows for the territories took 1.1 GB
    at its peak for a frame of 540 MB. Here Arrow converts each column and frees it as it goes
    (``self_destruct``), and Ibis' own conversion then types the frame as `to_pandas` would
    (dates as datetime64, for one). Nested and timestamp columns (Arrow gives microseconds,
    Ibis nanoseconds), and other engines, fetch as Ibis does.

    With `arrow_text`, text columns come as `ARROW_TEXT` (Arrow's buffers, no Python string
    per value), and DuckDB's rows are read in batches rather than as one result it holds
    whole: for a row per account at 1M accounts (13 columns, 8 of them text) the fetch's peak
    went from +611 to +445 MB and the frame from 384 to 272 MB.

    Examples
    --------
    >>> from segmint.engine import connect
    >>> con = connect()
    >>> table = materialise(con, ibis.memtable({"a": ["x", None], "n": [1.5, None]}), "rows")
    >>> fetch_frame(table).equals(table.to_pandas())
    True
    >>> frame = fetch_frame(table, arrow_text=True)
    >>> str(frame.a.dtype), frame.a.isna().tolist(), frame.n.tolist()[0]
    ('str', [False, True], 1.5)
    """
    schema = table.schema()
    if (engine_of(table) != "duckdb"
            or any(dtype.is_nested() or dtype.is_timestamp() for dtype in schema.types)):
        frame = table.to_pandas()
        if arrow_text:
            for name, dtype in schema.items():
                if dtype.is_string():
                    frame[name] = frame[name].astype(ARROW_TEXT)
        return frame
    from ibis.backends.duckdb.converter import DuckDBPandasData

    if arrow_text:
        arrow = _read_in_batches(table)
    else:
        arrow = table.to_pyarrow()
    # a column of nulls only is Python's None to Ibis, whatever its type (NaN to Arrow)
    empty = [name for name, column in zip(arrow.column_names, arrow.columns)
             if len(column) and column.null_count == len(column)
             and not (arrow_text and schema[name].is_string())]
    types = {pa.string(): ARROW_TEXT, pa.large_string(): ARROW_TEXT} if arrow_text else {}
    frame = arrow.to_pandas(self_destruct=True, split_blocks=True, types_mapper=types.get)
    del arrow
    for name in empty:
        frame[name] = pd.Series([None] * len(frame), index=frame.index, dtype=object)
    if not arrow_text:
        return DuckDBPandasData.convert_table(frame, schema)
    for name, dtype in schema.items():
        if not dtype.is_string():
            frame[name] = DuckDBPandasData.convert_column(frame[name], dtype)
    return frame


_FETCH_BATCH_ROWS = 122_880  # DuckDB's row group: a batch it gives without splitting one


def _read_in_batches(table: ir.Table) -> pa.Table:
    """`table`'s rows from DuckDB as Arrow, read batch by batch, typed as `to_pyarrow` types
    them. Ibis' own `to_pyarrow_batches` labels DuckDB's batches with Ibis' schema without
    casting them, so a column DuckDB types otherwise (a decimal literal Ibis calls a float)
    fails when the batches are put together."""
    from ibis.backends.duckdb.converter import DuckDBPyArrowData

    backend = table._find_backends()[0][0]
    backend._run_pre_execute_hooks(table)  # registers the in-memory tables it reads
    cursor = backend.raw_sql(backend.compile(table))
    arrow = cursor.fetch_record_batch(rows_per_batch=_FETCH_BATCH_ROWS).read_all()
    return table.__pyarrow_result__(arrow, data_mapper=DuckDBPyArrowData)


def materialise(
    con: ibis.BaseBackend, table: ir.Table, prefix: str, *, short_lived: bool = False
) -> ir.Table:
    """Compute `table` once and keep it in the engine, so later stages don't recompute it.

    DuckDB writes a table in the run's database (compressed in memory, or a scratch file);
    a `short_lived` table, read once or twice and then `release`d, goes uncompressed into
    DuckDB's own in-memory catalog, which is quicker to write. Spark computes it now and
    keeps it in executor memory (spilling to disk), behind a temporary view, with its lineage
    cut so later plans stay small (`_keep_frame`); rows built in Python (an ``ibis.memtable``)
    are held as registered, in one partition, with no job.

    Examples
    --------
    >>> from segmint.engine import connect
    >>> con = connect()
    >>> kept = materialise(con, ibis.memtable({"x": [1, 2]}), "example", short_lived=True)
    >>> int(kept.x.sum().execute())
    3
    """
    if name_of(con) == "spark":
        con._run_pre_execute_hooks(table)  # registers the in-memory tables it reads
        frame = con._session.sql(con.compile(table))
        if isinstance(table.op(), ops.InMemoryTable):
            # rows built in Python, sent to the JVM as they were registered: a checkpoint
            # would be a job that computes nothing, and their lineage is already one scan
            return _spark_view(con, frame.coalesce(1), prefix)
        return _spark_view(con, _keep_frame(frame), prefix)
    if short_lived and con.current_catalog == _COMPRESSED:
        return create_duckdb_table(con, fresh_name(prefix), table, database=("memory", "main"))
    return create_duckdb_table(con, fresh_name(prefix), table)


def kept_if_reread(
    table: ir.Table, name: str, keep: Callable[[ir.Table, str], ir.Table]
) -> ir.Table:
    """`table` kept with `keep` (as ``RunContext.keep``) on Spark, which computes a subquery
    again at every place a query reads it; on other engines `table` itself.

    For a table the next query reads in several places. DuckDB computes a common table
    expression read more than once only once, so keeping it there is a table write for nothing
    (the duplicate finder's keyed names at 1M accounts: 1.5 s more with it kept); Spark's
    optimizer inlines it, and reuses an exchange only where the two plans are the same, so the
    keyed names were computed again for each of the five parts of the duplicate finder that
    read them: 122 s of a 100k enrichment, 20 s with them kept.

    Examples
    --------
    >>> from segmint.engine import connect
    >>> con = connect()
    >>> table = con.create_table("example_reread", ibis.memtable({"x": [1, 2]}))
    >>> kept_if_reread(table, "reread", lambda t, name: materialise(con, t, name)) is table
    True
    """
    return keep(table, name) if engine_of(table) == "spark" else table


def kept_on_duckdb(
    table: ir.Table, name: str, keep: Callable[[ir.Table, str], ir.Table]
) -> ir.Table:
    """`table` kept with `keep` (as ``RunContext.keep``) on DuckDB; on other engines `table`
    itself.

    For a step of a query that DuckDB would otherwise run together with the steps after it,
    holding every step's hash table at once: health's measures join four parts of a row per
    account each, and at 5M accounts that one query did not fit within DuckDB's 1 GB, where
    each join alone did. Spark gains nothing from it: a checkpoint between two joins is only
    more jobs to plan.

    Examples
    --------
    >>> from segmint.engine import connect
    >>> con = connect()
    >>> table = con.create_table("example_step", ibis.memtable({"x": [1, 2]}))
    >>> kept = kept_on_duckdb(table.mutate(y=1), "step", lambda t, name: materialise(con, t, name))
    >>> kept.op().name.startswith("_segmint_step")
    True
    """
    return keep(table, name) if engine_of(table) == "duckdb" else table


def keep_fetched(
    table: ir.Table, name: str, keep: Callable[[ir.Table, str], ir.Table]
) -> tuple[ir.Table, pd.DataFrame]:
    """Keep a small `table` (`keep`, as ``RunContext.keep``) and fetch it as pandas, once.

    On Spark the table is computed and fetched in one query, and the fetched rows are what
    is kept (in the session, in one partition): a checkpoint and then a fetch of it would be
    more jobs, each planned by Catalyst (a sorted table: see `spark._fetch_and_hold`). Elsewhere it is kept with `keep` and fetched
    from what was kept. For tables of a row per segment or per parameter, not per account:
    the whole table passes through Python.

    Examples
    --------
    >>> from segmint.engine import connect
    >>> con = connect()
    >>> table = con.create_table("example_small", ibis.memtable({"x": [1, 2]}))
    >>> kept, frame = keep_fetched(table, "small", lambda t, name: materialise(con, t, name))
    >>> frame.x.tolist(), int(kept.x.sum().execute())
    ([1, 2], 3)
    """
    # a table of in-memory rows alone names no engine: `keep` puts it in the run's engine
    if engine_of(table) == "spark":
        return _fetch_and_hold(table._find_backends()[0][0], table, name)
    kept = keep(table, name)
    return kept, kept.to_pandas()


def release(con: ibis.BaseBackend, *tables: ir.Table) -> None:
    """Drop tables `materialise` kept, once nothing will read them again; others are ignored.

    DuckDB frees their memory (and spill files) at once. Spark's checkpoints go with the
    session, so nothing is done there.

    Examples
    --------
    >>> from segmint.engine import connect
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
    for table in tables:
        op = table.op()
        if isinstance(op, ops.DatabaseTable) and op.name.startswith("_segmint_"):
            where = op.namespace
            database = (where.catalog, where.database) if where.catalog else where.database
            con.drop_table(op.name, database=database, force=True)

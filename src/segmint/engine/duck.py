"""DuckDB, the embedded default: a memory limit, a private spill folder, compressed kept tables."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import ibis
import ibis.expr.types as ir
import sqlglot as sg

from segmint.engine.common import _sql_identifier, _sql_string
from segmint.engine.scratch import scratch_file, scratch_folder
from segmint.exceptions import ConfigError

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
# limit that fits a laptop, so a large input keeps them in a database file in the run's scratch
# folder instead, where DuckDB can evict them and memory stays within the limit; at 1M accounts
# the file costs about 20% (98 s against 81 s), so it is kept for inputs that need it.
_COMPRESSED = "segmint_work"
STORAGES = ("memory", "disk")
# Input bytes as stored compressed: Parquet and DuckDB files count their size on disk, a CSV a
# quarter of it (text takes about four times its typed, compressed columns). Above this many
# bytes the kept tables go to disk: the 1M-account demo reads 229 MB of Parquet, 5M about
# 1.15 GB (benchmarks/README.md, "Where kept tables live").
DISK_STORAGE_ABOVE_BYTES = 512 * 1024 * 1024
CSV_BYTES_PER_STORED_BYTE = 4


def storage_for(input_bytes: int) -> str:
    """Where a run reading `input_bytes` (as stored: see `stored_bytes`) keeps its tables:
    ``memory`` (compressed) or ``disk`` (a database file in the scratch folder).
    ``SEGMINT_DUCKDB_STORAGE=memory`` or ``=disk`` decides instead.

    Examples
    --------
    >>> storage_for(229_000_000), storage_for(1_150_000_000)
    ('memory', 'disk')
    """
    chosen = os.environ.get("SEGMINT_DUCKDB_STORAGE", "").strip().lower()
    if chosen:
        if chosen not in STORAGES:
            raise ConfigError(f"SEGMINT_DUCKDB_STORAGE={chosen!r} is not a storage: set it to "
                              "memory or disk, or unset it to choose by the input's size.")
        return chosen
    return "disk" if input_bytes > DISK_STORAGE_ABOVE_BYTES else "memory"


def stored_bytes(files: Iterable[tuple[Path, str]]) -> int:
    """About what (path, format) files take as compressed tables: Parquet and DuckDB files at
    their size, a CSV at a `CSV_BYTES_PER_STORED_BYTE`th of its; a missing file counts nothing
    (loading it says what is wrong).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "a.csv").write_text("x" * 4000)
    >>> _ = (folder / "b.parquet").write_bytes(b"x" * 500)
    >>> stored_bytes([(folder / "a.csv", "csv"), (folder / "b.parquet", "parquet"),
    ...               (folder / "gone.csv", "csv")])
    1500
    """
    total = 0
    for path, file_format in files:
        size = path.stat().st_size if path.is_file() else 0
        total += size // CSV_BYTES_PER_STORED_BYTE if file_format == "csv" else size
    return total


def _tune_duckdb(con: ibis.BaseBackend) -> ibis.BaseBackend:
    """Bound DuckDB's memory and give it a private spill folder."""
    import os

    limit = os.environ.get("SEGMINT_DUCKDB_MEMORY_LIMIT", DUCKDB_MEMORY_LIMIT)
    con.raw_sql(f"SET memory_limit = {_sql_string(limit)}")
    con.raw_sql(f"SET temp_directory = {_sql_string(str(scratch_folder() / 'duckdb'))}")
    # DuckDB's allocator (jemalloc on Linux) keeps the pages a finished query freed unless a
    # background thread hands them back: without it a 1M-account run stayed 1.0-1.6 GB above
    # what DuckDB held, and a table of 900 MB dropped left 1 GB resident (70 MB with it)
    con.raw_sql("SET allocator_background_threads = true")
    return con


def connect_duckdb(database: str | Path = ":memory:", *, input_bytes: int = 0) -> ibis.BaseBackend:
    """A tuned DuckDB connection; kept tables compressed in memory, or in a database file in the
    scratch folder when the input is large (`storage_for`).

    >>> connect_duckdb().current_catalog
    'segmint_work'
    >>> connect_duckdb(input_bytes=2 * DISK_STORAGE_ABOVE_BYTES).current_catalog
    'work'
    """
    if database == ":memory:" and storage_for(input_bytes) == "disk":
        database = scratch_file("work.duckdb")  # kept tables stored on disk, see STORAGES
    con = _tune_duckdb(ibis.duckdb.connect(database))
    if database == ":memory:":  # kept tables compressed, see STORAGES
        con.raw_sql(f"ATTACH ':memory:' AS {_COMPRESSED} (COMPRESS)")
        con.raw_sql(f"USE {_COMPRESSED}")
    return con


def create_duckdb_table(con: ibis.BaseBackend, name: str, table: ir.Table,
                        database: tuple[str, str] | None = None) -> ir.Table:
    """`table` computed into a new DuckDB table `name` (in `database`, a (catalog, schema)
    pair; the connection's current one by default), as Ibis' ``create_table`` does: a table of
    `table`'s schema, then an insert of its rows.

    Written here because Ibis builds the insert around a deep copy of the query's SQL tree,
    which for a wide table's parsers is most of the time a keep takes (4.5% of a 300-account
    demo run); this writes the insert around the query's text instead.

    Examples
    --------
    >>> from segmint.engine import connect
    >>> con = connect()
    >>> kept = create_duckdb_table(con, "example_kept", ibis.memtable({"x": [1, 2]}).mutate(y=1))
    >>> kept.schema() == ibis.schema({"x": "int64", "y": "int8"}), int(kept.y.sum().execute())
    (True, 2)
    """
    schema = table.schema()
    if schema.null_fields:  # Ibis says which columns and how to fix them
        kept = con.create_table(name, table, database=database)
        forget_in_memory_tables(con, table)
        return kept
    catalog, db = database or (con.current_catalog, con.current_database)
    con._run_pre_execute_hooks(table)  # registers the in-memory tables it reads
    target = sg.table(name, catalog=catalog, db=db, quoted=True).sql(con.dialect)
    columns = ", ".join(_sql_identifier(column) for column in table.columns)
    definitions = ", ".join(column.sql(con.dialect)
                            for column in schema.to_sqlglot_column_defs(con.dialect))
    query = con.compiler.to_sqlglot(table).sql(con.dialect)
    con.raw_sql(f"CREATE TABLE {target} ({definitions})")
    con.raw_sql(f"INSERT INTO {target} ({columns}) {query}").fetchall()
    forget_in_memory_tables(con, table)
    return con.table(name, database=(catalog, db))


def forget_in_memory_tables(con: ibis.BaseBackend, table: ir.Table) -> None:
    """Unregister from DuckDB the rows built in Python (``ibis.memtable``) that `table` reads,
    now that they are copied into a kept table.

    Ibis registers each in-memory table with DuckDB as Arrow the first time a query reads it
    and unregisters it only when the process exits, so every such table stayed in memory
    for the whole run: at a million accounts, the territories' two tables of a row per
    account (165 MB of Arrow, and the pandas frames behind them). A query that reads one
    again registers it again.

    Examples
    --------
    >>> from segmint.engine import connect
    >>> con = connect()
    >>> rows = ibis.memtable({"x": [1, 2]})
    >>> kept = create_duckdb_table(con, "example_copied", rows)
    >>> [name for name in con.list_tables() if name.startswith("ibis_")]
    []
    >>> int(rows.x.sum().execute()), int(kept.x.sum().execute())
    (3, 3)
    """
    import ibis.expr.operations as ops

    for memtable in table.op().find(ops.InMemoryTable):
        if memtable in con._memtables:
            con.con.unregister(memtable.name)
            con._memtables.discard(memtable)

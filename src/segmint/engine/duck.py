"""DuckDB, the embedded default: a memory limit, a private spill folder, compressed kept tables."""

from __future__ import annotations

import os
from pathlib import Path

import ibis

from segmint.engine.common import _sql_string
from segmint.engine.scratch import scratch_file, scratch_folder

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


def connect_duckdb(database: str | Path = ":memory:") -> ibis.BaseBackend:
    """A tuned DuckDB connection; kept tables compressed in memory unless stored on disk.

    >>> connect_duckdb().current_catalog
    'segmint_work'
    """
    if database == ":memory:" and os.environ.get("SEGMINT_DUCKDB_STORAGE") == "disk":
        database = scratch_file("work.duckdb")  # kept tables stored on disk, see DUCKDB_STORAGE
    con = _tune_duckdb(ibis.duckdb.connect(database))
    if database == ":memory:":  # kept tables compressed, see DUCKDB_STORAGE
        con.raw_sql(f"ATTACH ':memory:' AS {_COMPRESSED} (COMPRESS)")
        con.raw_sql(f"USE {_COMPRESSED}")
    return con

"""The only package that names an engine: connecting, reading raw files into it, keeping tables.

Two engines run the same Ibis expressions: DuckDB (embedded, the default; `duck`) and Spark
(through Ibis' PySpark backend; local mode, ``local[2]``, unless `spark.master` names a
cluster; `spark`). Readers (`readers`) keep one contract on both: every column as text (CSV)
or its own type (Parquet), ``_source_row`` on every row, and the records the parser refused as
`parse_rejects`. `kept` computes a table once and drops it when it is no longer read (a
small one is kept as fetched), and fetches a table as pandas (on DuckDB, with about half the
memory of Ibis' own fetch); `scratch` holds the process's working files.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import ibis

from segmint.engine.common import _ALIASES, ENGINES, RawRead, fresh_name, name_of
from segmint.engine.compiled import CachedCompiler
from segmint.engine.duck import DUCKDB_MEMORY_LIMIT, connect_duckdb, stored_bytes
from segmint.engine.kept import fetch_frame, keep_fetched, materialise, release
from segmint.engine.readers import (read_csv_text, read_duckdb_table, read_parquet_text,
                                    splits_lines)
from segmint.engine.scratch import scratch_file, scratch_folder
from segmint.engine.spark import SPARK_CONF, SPARK_LOCAL, connect_spark
from segmint.exceptions import ConfigError

__all__ = [
    "DUCKDB_MEMORY_LIMIT", "ENGINES", "SPARK_CONF", "SPARK_LOCAL", "RawRead", "connect",
    "fetch_frame", "fresh_name", "keep_fetched", "materialise", "name_of", "read_csv_text",
    "read_duckdb_table", "read_parquet_text", "release", "scratch_file", "scratch_folder",
    "splits_lines", "stored_bytes",
]



def connect(
    engine: str = "duckdb",
    *,
    database: str | Path = ":memory:",
    master: str | None = None,
    conf: Mapping[str, str] | None = None,
    input_bytes: int = 0,
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
    input_bytes : int
        DuckDB only: the run's input as stored (`stored_bytes`); a large one keeps its tables
        in a database file rather than in memory (`duck.storage_for`).

    Spark starts one session per process (a JVM takes seconds to start); later calls reuse
    it, and asking for another master while it runs is an error.

    Examples
    --------
    >>> con = connect()
    >>> con.name
    'duckdb'
    """
    engine = _ALIASES.get(engine, engine)
    if engine not in ("duckdb", "spark"):
        raise ConfigError(f"engine {engine!r} is not available. Use engine: duckdb or "
                          "engine: spark in segmint.yaml.")
    con = (connect_duckdb(database, input_bytes=input_bytes) if engine == "duckdb"
           else connect_spark(master, dict(conf or {})))
    if not isinstance(con.compiler, CachedCompiler):  # Spark's session is shared by calls
        con.compiler = CachedCompiler(con.compiler)
    return con

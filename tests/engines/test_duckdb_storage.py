"""Where DuckDB keeps a run's tables: compressed in memory, or in a database file for a large input."""

from __future__ import annotations

import ibis
import pytest

from segmint import engine
from segmint.engine.duck import DISK_STORAGE_ABOVE_BYTES, storage_for
from segmint.exceptions import ConfigError
from segmint.pipeline import connect, run

PROJECT = """
sources:
  accounts: {{path: accounts.{suffix}}}
  deals: {{path: deals.csv}}
segmentation:
  segments: [{{name: Big, when: employees >= 100}}]
  default: Small
"""


def sparse(path, size: int) -> None:
    """A file of `size` bytes that takes no room on disk (its size is all `connect` reads)."""
    with path.open("wb") as handle:
        handle.truncate(size)


def kept_in(con: ibis.BaseBackend) -> str:
    """``memory`` or ``disk``: where a table `con` keeps is stored."""
    kept = engine.materialise(con, ibis.memtable({"x": [1, 2, 3]}), "probe")
    files = con.raw_sql("SELECT path FROM duckdb_databases() WHERE database_name = "
                        f"'{con.current_catalog}'").fetchall()[0][0]
    assert kept.count().execute() == 3
    return "memory" if files is None else "disk"


def test_a_small_project_keeps_its_tables_in_memory(make_project, monkeypatch):
    monkeypatch.delenv("SEGMINT_DUCKDB_STORAGE", raising=False)
    project = make_project(PROJECT.format(suffix="csv"),
                           accounts__csv="account_id,employees\nA,120\nB,8\n",
                           deals__csv="deal_id,account_id\n")
    assert kept_in(connect(project)) == "memory"


def test_a_large_parquet_input_keeps_its_tables_on_disk(make_project, monkeypatch, tmp_path):
    monkeypatch.delenv("SEGMINT_DUCKDB_STORAGE", raising=False)
    project = make_project(PROJECT.format(suffix="parquet"), deals__csv="deal_id,account_id\n")
    sparse(tmp_path / "accounts.parquet", DISK_STORAGE_ABOVE_BYTES + 1)
    assert kept_in(connect(project)) == "disk"


def test_a_csv_counts_a_quarter_of_its_size(make_project, monkeypatch, tmp_path):
    monkeypatch.delenv("SEGMINT_DUCKDB_STORAGE", raising=False)
    project = make_project(PROJECT.format(suffix="csv"))
    sparse(tmp_path / "accounts.csv", 2 * DISK_STORAGE_ABOVE_BYTES)  # about half the limit stored
    sparse(tmp_path / "deals.csv", 2 * DISK_STORAGE_ABOVE_BYTES - 4)
    assert kept_in(connect(project)) == "memory"
    sparse(tmp_path / "deals.csv", 2 * DISK_STORAGE_ABOVE_BYTES + 4)
    assert kept_in(connect(project)) == "disk"


def test_a_file_two_sources_read_counts_once(make_project, monkeypatch, tmp_path):
    # accounts derived from the deals file: one file of 60% of the limit, not two
    monkeypatch.delenv("SEGMINT_DUCKDB_STORAGE", raising=False)
    project = make_project("""
sources:
  deals: {path: deals.parquet}
  accounts: {path: deals.parquet, derived_from: deals, columns: {account_id: account_id}}
segmentation:
  default: Everyone
""")
    sparse(tmp_path / "deals.parquet", DISK_STORAGE_ABOVE_BYTES * 6 // 10)
    assert kept_in(connect(project)) == "memory"


def test_the_environment_decides_over_the_input_size(monkeypatch):
    monkeypatch.setenv("SEGMINT_DUCKDB_STORAGE", " Disk ")
    assert storage_for(0) == "disk"
    monkeypatch.setenv("SEGMINT_DUCKDB_STORAGE", "memory")
    assert storage_for(10 * DISK_STORAGE_ABOVE_BYTES) == "memory"
    monkeypatch.setenv("SEGMINT_DUCKDB_STORAGE", "ssd")
    with pytest.raises(ConfigError, match="SEGMINT_DUCKDB_STORAGE='ssd'.*memory or disk"):
        storage_for(0)


def test_a_run_on_disk_gives_the_same_answer_as_in_memory(make_project, monkeypatch):
    project = make_project(PROJECT.format(suffix="csv"),
                           accounts__csv="account_id,employees\nA,120\nB,8\nC,x\n",
                           deals__csv="deal_id,account_id\nD1,A\nD2,Z\n")
    answers = {}
    for storage in ("memory", "disk"):
        monkeypatch.setenv("SEGMINT_DUCKDB_STORAGE", storage)
        con = connect(project)
        assert kept_in(con) == storage
        result = run(project, con=con, write=False)
        rejects = result.rejects.to_pyarrow().to_pylist()
        answers[storage] = (result.assignments.to_pyarrow().sort_by("account_id").to_pylist(),
                            sorted((row["table"], row["column"], row["action"]) for row in rejects))
    assert answers["memory"] == answers["disk"]
    assert [row["segment"] for row in answers["disk"][0]] == ["Big", "Small", "Small"]
    assert answers["disk"][1] == [("accounts", "employees", "value cleared"),
                                  ("deals", "account_id", "row rejected")]


def test_a_connection_is_bounded_and_hands_freed_memory_back(monkeypatch):
    monkeypatch.setenv("SEGMINT_DUCKDB_MEMORY_LIMIT", "700MB")
    con = engine.connect("duckdb")
    settings = dict(con.raw_sql(
        "SELECT name, value FROM duckdb_settings() WHERE name IN "
        "('memory_limit', 'allocator_background_threads', 'temp_directory')").fetchall())
    assert settings["memory_limit"] == "667.5 MiB"  # 700 MB as DuckDB shows it
    # without the allocator's background thread, pages a finished query freed stay resident
    assert settings["allocator_background_threads"] == "true"
    assert settings["temp_directory"].endswith("duckdb")

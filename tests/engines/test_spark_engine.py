"""Spark's own readers: line numbers, parse rejects and row numbers worked out by hand."""

from __future__ import annotations

import pytest

from segmint import engine
from segmint.exceptions import ConfigError, SourceError

pytestmark = pytest.mark.pyspark
HEADERS = ["Id", "Name", "NumberOfEmployees"]


@pytest.fixture
def spark(request):
    pytest.importorskip("pyspark")
    return engine.connect("spark")


@pytest.fixture
def native(monkeypatch):
    """Every CSV read by Spark's own reader, as a file too big to hand over would be."""
    from segmint.engine import spark as spark_engine

    monkeypatch.setattr(spark_engine, "SPARK_HANDOFF_BYTES", -1)


def read(con, path, headers=HEADERS, delimiter=","):
    got = engine.read_csv_text(con, path, headers, delimiter=delimiter)
    rows = got.rows.order_by("_source_row").to_pyarrow().to_pylist()
    rejects = got.parse_rejects.order_by("_source_row").to_pyarrow().to_pylist()
    return rows, rejects


def test_native_csv_rejects_malformed_records_with_their_lines(spark, native, tmp_path):
    path = tmp_path / "a.csv"
    path.write_text('Id,Name,NumberOfEmployees\nA,Acme,10\nB,"Beta, Inc",20\nC,too,many,fields\n'
                    'D,"x ""q"" y",40\nE,"Unclosed,50\nF,short\nG,Golf,70\n')
    rows, rejects = read(spark, path)
    assert [(r["Id"], r["Name"], r["_source_row"]) for r in rows] == [
        ("A", "Acme", 2), ("B", "Beta, Inc", 3), ("D", 'x "q" y', 5), ("G", "Golf", 8)]
    assert [(r["_source_row"], r["raw_line"]) for r in rejects] == [
        (4, "C,too,many,fields"), (6, 'E,"Unclosed,50'), (7, "F,short")]
    assert rejects[0]["error"] == "the record does not split into 3 fields"


def test_native_csv_agrees_with_duckdb_line_for_line(spark, native, tmp_path):
    lines = ["Id,Name,NumberOfEmployees"] + [
        f"{i},n{i},{i}" if i % 7 else f"{i},x,{i},extra" for i in range(1, 201)]
    path = tmp_path / "b.csv"
    path.write_bytes(("\ufeff" + "\r\n".join(lines) + "\r\n").encode())  # BOM and CRLF
    spark_rows, spark_rejects = read(spark, path)
    duck_rows, duck_rejects = read(engine.connect("duckdb"), path)
    assert spark_rows == duck_rows
    assert [r["_source_row"] for r in spark_rejects] == [r["_source_row"] for r in duck_rejects]
    assert [r["_source_row"] for r in spark_rejects] == [i + 1 for i in range(7, 201, 7)]


def test_native_csv_numbers_rows_exactly_across_splits(spark, native, tmp_path):
    # 3,000 lines in ~1 KB splits: about 40 tasks, each numbering its own part of the file.
    path = tmp_path / "c.csv"
    path.write_text("Id,Name,NumberOfEmployees\n" + "".join(f"{i},n,{i}\n" for i in range(3000)))
    session = spark._session
    before = session.conf.get("spark.sql.files.maxPartitionBytes")
    session.conf.set("spark.sql.files.maxPartitionBytes", "1024")
    try:
        rows, _ = read(spark, path)
    finally:
        session.conf.set("spark.sql.files.maxPartitionBytes", before)
    assert [(r["Id"], r["_source_row"]) for r in rows] == [(str(i), i + 2) for i in range(3000)]


def test_native_csv_documented_limits(spark, native, tmp_path):
    # A blank line is skipped by Spark, so later rows read one lower than their line; a quoted
    # value spanning two lines is rejected piece by piece rather than joined (DuckDB joins it).
    path = tmp_path / "d.csv"
    path.write_text('Id,Name,NumberOfEmployees\nA,Acme,10\n\nB,Beta,20\nC,"two\nlines",30\nD,Dd,40\n')
    rows, rejects = read(spark, path)
    assert [(r["Id"], r["_source_row"]) for r in rows] == [("A", 2), ("B", 3), ("D", 6)]
    assert [r["_source_row"] for r in rejects] == [4, 5]


def test_small_local_csv_is_read_by_duckdb_and_handed_over(spark, tmp_path):
    path = tmp_path / "e.csv"
    path.write_text('Id,Name,NumberOfEmployees\nA,Acme,10\n\nB,"two\nlines",20\nC,x,1,2\n')
    rows, rejects = read(spark, path)
    duck_rows, duck_rejects = read(engine.connect("duckdb"), path)
    assert rows == duck_rows and [r["_source_row"] for r in rejects] == [
        r["_source_row"] for r in duck_rejects]
    assert [r["Name"] for r in rows] == ["Acme", "two\nlines"]


def test_parquet_rows_are_numbered_across_row_groups(spark, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "p.parquet"
    pq.write_table(pa.table({"account_id": [f"a{i}" for i in range(10)]}), path, row_group_size=3)
    rows = engine.read_parquet_text(spark, path).rows.order_by("_source_row").to_pyarrow()
    assert rows.to_pylist() == [{"account_id": f"a{i}", "_source_row": i + 1} for i in range(10)]


def test_duckdb_file_is_handed_over(spark, tmp_path):
    import duckdb

    path = tmp_path / "crm.duckdb"
    with duckdb.connect(str(path)) as db:
        db.execute("CREATE TABLE accounts AS SELECT 'a' || i AS account_id FROM range(3) t(i)")
    rows = engine.read_duckdb_table(spark, path, "accounts").rows.order_by("_source_row")
    assert rows.to_pyarrow().to_pylist() == [
        {"account_id": f"a{i}", "_source_row": i + 1} for i in range(3)]


def test_materialised_table_is_computed_once_and_reads_back(spark):
    import ibis

    table = ibis.memtable({"x": [3, 1, 2]})
    kept = engine.materialise(spark, table.mutate(y=table.x * 10), "t")
    assert kept.order_by("x").y.to_pyarrow().to_pylist() == [10, 20, 30]


def test_second_master_in_one_process_is_a_clear_error(spark):
    with pytest.raises(ConfigError, match="already running"):
        engine.connect("spark", master="local[3]")


def test_missing_remote_file_names_it(spark, native):
    with pytest.raises(SourceError, match="nothere.csv could not be read as CSV"):
        engine.read_csv_text(spark, "file:///nonexistent/nothere.csv", HEADERS, delimiter=",")


def test_spark_keeps_its_warehouse_in_the_scratch_folder(spark, tmp_path, monkeypatch):
    """Spark's default warehouse is ./spark-warehouse, a folder left in the user's project."""
    from segmint.engine.scratch import scratch_folder

    monkeypatch.chdir(tmp_path)
    spark.raw_sql("CREATE TABLE IF NOT EXISTS kept_here (x INT) USING parquet")
    spark.raw_sql("DROP TABLE kept_here")
    warehouse = spark._session.conf.get("spark.sql.warehouse.dir")
    assert str(scratch_folder()) in warehouse
    assert not (tmp_path / "spark-warehouse").exists()

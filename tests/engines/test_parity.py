"""DuckDB and Spark give the same answers on the demo company: every row, every column."""

from __future__ import annotations

import math
import time

import pytest

from segmint import engine
from segmint import tables as t
from segmint.config.project import load_project
from segmint.config.starter import demo_project
from segmint.demo.generator import generate_company
from segmint.pipeline import run

# each format's runs (about 300 s) can go to a test process of its own (tests/conftest.py)
pytestmark = [pytest.mark.slow, pytest.mark.pyspark, pytest.mark.spark_apart]

ACCOUNTS = 2000


@pytest.fixture(scope="module", params=["csv", "parquet"])
def runs(request, tmp_path_factory):
    """The demo company (2,000 accounts, seed 3) run on both engines, without writing."""
    pytest.importorskip("pyspark")
    folder = tmp_path_factory.mktemp(f"parity_{request.param}")
    generate_company(folder, accounts=ACCOUNTS, seed=3, file_format=request.param)
    (folder / "segmint.yaml").write_text(demo_project(request.param))
    project = load_project(folder / "segmint.yaml")
    results, seconds = {}, {}
    for backend in ("duckdb", "spark"):
        start = time.perf_counter()
        results[backend] = run(project, con=engine.connect(backend), write=False)
        seconds[backend] = time.perf_counter() - start
    print(f"\nparity {request.param}: " + ", ".join(f"{b} {s:.1f} s" for b, s in seconds.items()))
    return results


def rows(table, *key: str) -> list[dict]:
    """Every row as a dict, sorted by `key` then by every column (nulls first), for comparing."""
    listed = table.to_pyarrow().to_pylist()
    columns = list(key) + [c for c in table.columns if c not in key]
    return sorted(listed, key=lambda r: [(r[c] is not None, str(r[c])) for c in columns])


def same(duck: list[dict], spark: list[dict]) -> bool:
    """Equal cell by cell; floats to 1e-12 relative, since a float sum depends on its order
    (DuckDB's own threads can differ in the last digit). Decimals, ints and text exactly."""

    def cell(d, s) -> bool:
        if isinstance(d, float) and isinstance(s, float):
            return math.isclose(d, s, rel_tol=1e-12) or (math.isnan(d) and math.isnan(s))
        return d == s

    return len(duck) == len(spark) and all(
        d.keys() == s.keys() and all(cell(d[c], s[c]) for c in d) for d, s in zip(duck, spark))


def differences(duck: list[dict], spark: list[dict]) -> list[tuple]:
    """(row, column, DuckDB's value, Spark's value) for the first few cells that differ."""
    cells = [(i, c, d[c], s.get(c)) for i, (d, s) in enumerate(zip(duck, spark, strict=False))
             for c in d if not same([{c: d[c]}], [{c: s.get(c)}])]
    return cells[:5]


def test_same_assignments(runs):
    duck, spark = runs["duckdb"].assignments, runs["spark"].assignments
    assert duck.schema() == spark.schema()
    assert rows(duck, t.ACCOUNT_ID) == rows(spark, t.ACCOUNT_ID)
    assert len(rows(duck)) > 0.9 * ACCOUNTS


def test_same_unassigned_reasons_and_fixes(runs):
    duck, spark = runs["duckdb"], runs["spark"]
    assert duck.reasons.schema() == spark.reasons.schema()
    assert rows(duck.reasons, t.ACCOUNT_ID, t.DIMENSION) == rows(spark.reasons, t.ACCOUNT_ID,
                                                                t.DIMENSION)
    assert len(rows(duck.reasons)) > 0  # the demo plants accounts with no employees
    assert duck.audit.fixes.to_dict("records") == spark.audit.fixes.to_dict("records")


def test_same_row_counts_and_rejects(runs):
    duck, spark = runs["duckdb"], runs["spark"]
    assert duck.row_counts.to_dict("records") == spark.row_counts.to_dict("records")
    assert duck.rejected_rows > 0  # the demo plants bad rows
    assert rows(duck.rejects, "table", t.SOURCE_ROW) == rows(spark.rejects, "table", t.SOURCE_ROW)


def test_same_segment_summary(runs):
    duck, spark = runs["duckdb"].segment_summary, runs["spark"].segment_summary
    assert duck.to_dict("records") == spark.to_dict("records")


def test_same_arr_bridge(runs):
    duck = runs["duckdb"].analyses.tables["arr_bridge"]
    spark = runs["spark"].analyses.tables["arr_bridge"]
    assert duck.schema() == spark.schema()
    assert rows(duck, t.SEGMENT, t.PERIOD) == rows(spark, t.SEGMENT, t.PERIOD)


def test_same_performance_tables(runs):
    duck, spark = runs["duckdb"].analyses, runs["spark"].analyses
    assert duck.skipped == spark.skipped
    assert sorted(duck.tables) == sorted(spark.tables)
    for name in duck.tables:
        assert duck.tables[name].schema() == spark.tables[name].schema(), name
        ours, theirs = rows(duck.tables[name]), rows(spark.tables[name])
        assert same(ours, theirs), (name, len(ours), len(theirs), differences(ours, theirs))
    readings = duck.frames["segment_readings"].to_dict("records")
    assert readings == spark.frames["segment_readings"].to_dict("records") and readings

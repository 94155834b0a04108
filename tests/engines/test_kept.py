"""Small tables kept as fetched (`engine.keep_fetched`): computed once, the same on both engines."""

from __future__ import annotations

import datetime as dt
import decimal
import functools

import ibis
import pandas as pd
import pytest

from segmint import engine
from segmint.analyse.registry import Analysis, run_analyses
from segmint.config.project import Project
from segmint.context import RunContext

ROWS = pd.DataFrame({
    "segment": ["SMB", None, "ENT"],
    "period": [dt.date(2024, 1, 31), None, dt.date(2023, 12, 31)],
    "accounts": [1, None, 3],
    "share": [0.5, float("nan"), None],
    "growing": [True, None, False],
})
TYPES = {"segment": "string", "period": "date", "accounts": "int64", "share": "float64",
         "growing": "boolean"}


def typed(con) -> ibis.Table:
    """Decimals (one a product Spark widens to 38 digits), a date, nullable ints, floats with
    NaN and null, booleans, text and a timestamp, from rows kept in `con`."""
    rows = engine.materialise(con, ibis.memtable(ROWS, schema=TYPES), "typed")
    return rows.mutate(
        arr=ibis.literal(decimal.Decimal("12.34")).cast("decimal(18, 2)") * rows.accounts,
        arr_exact=rows.accounts.cast("decimal(12, 4)"),
        small=rows.accounts.cast("int32"),
        at=rows.period.cast("timestamp"),
    ).order_by("segment")


def spark_jobs(con) -> int:
    """Spark jobs run so far in this session."""
    return max(con._session.sparkContext.statusTracker().getJobIdsForGroup(), default=-1)


def test_kept_table_holds_the_fetched_frame_with_every_type(con):
    table = typed(con)
    materialised = engine.materialise(con, table, "before")
    kept, frame = engine.keep_fetched(table, "small", functools.partial(engine.materialise, con))
    assert kept.schema() == materialised.schema()
    assert kept.schema()["arr_exact"] == ibis.dtype("decimal(12, 4)")
    pd.testing.assert_frame_equal(frame, materialised.to_pandas())
    pd.testing.assert_frame_equal(kept.to_pandas(), frame)
    assert kept.to_pyarrow().equals(materialised.to_pyarrow())
    assert frame.arr.tolist()[:2] == [decimal.Decimal("37.02"), decimal.Decimal("12.34")]
    # a later query reads the kept rows as it would the table
    joined = kept.join(materialised, ["segment", "period"]).select(kept.segment, kept.arr)
    assert sorted(joined.to_pandas().segment) == ["ENT", "SMB"]


def test_kept_table_with_no_rows(con):
    table = typed(con)
    nothing = table.filter(table.segment == "none such")
    kept, frame = engine.keep_fetched(nothing, "none", functools.partial(engine.materialise, con))
    assert frame.empty and list(frame.columns) == list(table.columns)
    assert kept.schema() == engine.materialise(con, nothing, "empty").schema()
    assert int(kept.count().execute()) == 0


@pytest.mark.pyspark
def test_on_spark_a_small_table_is_computed_once():
    con = engine.connect("spark")
    # spread over partitions, as a table computed from the run's large tables is
    con._session.sql(con.compile(typed(con))).repartition(4).createOrReplaceTempView("spread")
    rows = con.table("spread")
    table = rows.group_by("segment").aggregate(arr=rows.arr.sum(), n=rows.count()).order_by("segment")
    keep = functools.partial(engine.materialise, con)
    keep(table, "warm").to_pandas()  # once, so both counts below are of warm plans
    before = spark_jobs(con)
    materialised = keep(table, "checkpointed")
    expected = materialised.to_pandas()
    kept_then_fetched = spark_jobs(con) - before
    before = spark_jobs(con)
    kept, frame = engine.keep_fetched(table, "small", keep)
    # no checkpoint, no second fetch; and the sort runs on the fetched rows in one partition,
    # with no sample of them and no shuffle
    assert spark_jobs(con) - before <= kept_then_fetched - 2
    pd.testing.assert_frame_equal(frame, expected)
    read = []
    for copy in (materialised, kept):  # reading it runs no more than reading a checkpoint
        before = spark_jobs(con)
        assert copy.count().execute() == 3
        read.append(spark_jobs(con) - before)
    assert read[1] <= read[0]


@pytest.mark.pyspark
def test_on_spark_rows_built_in_python_are_kept_without_a_job():
    con = engine.connect("spark")
    before = spark_jobs(con)
    kept = engine.materialise(con, ibis.memtable(ROWS, schema=TYPES), "built")
    assert spark_jobs(con) == before
    assert kept.schema() == ibis.schema(TYPES)
    assert kept.order_by("accounts").accounts.to_pyarrow().to_pylist() == [1, 3, None]


def test_analysis_output_is_fetched_once_and_read_from_what_was_kept(con):
    project = Project.model_validate({"sources": {"accounts": {"path": "a.csv"}},
                                      "segmentation": {"segments": [{"name": "Everyone", "when": "true"}]}})
    assignments = engine.materialise(con, ibis.memtable({"account_id": ["a", "b", "c"],
                                                         "segment": ["SMB", "SMB", "ENT"]}), "a")
    context = RunContext(project, dt.date(2024, 6, 30), {}, assignments, assignments,
                         keep=functools.partial(engine.materialise, con))

    def per_segment(context):
        return context.assignments.group_by("segment").aggregate(accounts=lambda t: t.count())

    def shares(context):  # reads the output above through context.results
        counts = context.results["per_segment"]
        return counts.mutate(share=counts.accounts / counts.accounts.sum().as_scalar())

    registry = {"per_segment": Analysis("per_segment", (), (), per_segment),
                "shares": Analysis("shares", (), ("per_segment",), shares)}
    run = run_analyses(context, registry=registry)
    fetched = dict(run.frames)
    assert fetched.keys() == {"per_segment", "shares"}
    jobs = spark_jobs(con) if engine.name_of(con) == "spark" else None
    run.collect()
    assert all(run.frames[name] is fetched[name] for name in fetched)  # not fetched again
    if jobs is not None:
        assert spark_jobs(con) == jobs
    assert run.frames["shares"].to_dict("records") == [
        {"segment": "ENT", "accounts": 1, "share": 1 / 3},
        {"segment": "SMB", "accounts": 2, "share": 2 / 3}]
    for name, frame in fetched.items():
        pd.testing.assert_frame_equal(run.tables[name].to_pandas(), frame)


def test_rows_an_analysis_built_in_python_are_let_go_once_kept(con):
    """A per-account table an analysis built in pandas (territories) is kept in the engine, and
    the frame is no longer held while the next analysis runs: at a million accounts it is
    hundreds of MB."""
    import gc
    import weakref

    project = Project.model_validate({"sources": {"accounts": {"path": "a.csv"}},
                                      "segmentation": {"segments": [{"name": "Everyone", "when": "true"}]}})
    assignments = engine.materialise(con, ibis.memtable({"account_id": ["a", "b"],
                                                         "segment": ["SMB", "ENT"]}), "a")
    context = RunContext(project, dt.date(2024, 6, 30), {}, assignments, assignments,
                         keep=functools.partial(engine.materialise, con))
    built = []

    def carved(context):
        frame = pd.DataFrame({"account_id": ["a", "b"], "territory": ["T1", "T2"]})
        built.append(weakref.ref(frame))
        return {"carved": ibis.memtable(frame)}

    def next_one(context):
        gc.collect()
        assert built[0]() is None  # the frame went once its table was kept
        return context.results["carved"].group_by("territory").aggregate(n=lambda t: t.count())

    registry = {"carved": Analysis("carved", (), (), carved, per_account=("carved",)),
                "next_one": Analysis("next_one", (), ("carved",), next_one)}
    run = run_analyses(context, registry=registry)
    assert sorted(run.tables["carved"].to_pyarrow().to_pylist(), key=str) == [
        {"account_id": "a", "territory": "T1"}, {"account_id": "b", "territory": "T2"}]
    assert run.frames["next_one"].n.tolist() == [1, 1]


def test_rows_built_in_python_are_not_held_by_duckdb_once_kept():
    """Ibis hands a memtable to DuckDB as Arrow and would hold it until the process exits;
    once its rows are copied into a kept table, the Arrow copy goes, and the rows can still
    be read again."""
    import gc

    import numpy as np
    import pyarrow as pa

    con = engine.connect("duckdb")
    rows = ibis.memtable(pd.DataFrame({"account_id": [f"A{i:07d}" for i in range(200_000)],
                                       "arr": np.arange(200_000, dtype=float)}))
    before = pa.total_allocated_bytes()
    kept = engine.materialise(con, rows.mutate(arr=rows.arr * 2), "built")
    gc.collect()
    assert pa.total_allocated_bytes() - before < 1 << 20  # the Arrow copy (about 3 MB) is gone
    assert not [name for name in con.list_tables() if name.startswith("ibis_")]
    assert float(kept.arr.sum().execute()) == 2 * float(rows.arr.sum().execute())

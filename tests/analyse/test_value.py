"""CLV by segment: totals, shares and the spread across a segment's accounts, on every engine."""

from __future__ import annotations

import ibis
import pyarrow as pa
import pytest

from segmint.analyse.value import clv_by_segment
from segmint.engine import materialise


def test_totals_shares_and_spread_per_segment(con):
    # A: five accounts worth 0, 10, 20, 30, 40; B: one worth 100
    values = [0.0, 10.0, 20.0, 30.0, 40.0, 100.0]
    table = materialise(con, ibis.memtable(pa.table({
        "segment": ["A"] * 5 + ["B"], "clv": values, "clv_repeat": [v / 2 for v in values],
        "clv_contract": [v / 2 for v in values]})), "clv_assignments")
    rows = {r["segment"]: r for r in clv_by_segment(table).to_pyarrow().to_pylist()}
    assert rows["A"]["accounts"] == 5 and rows["A"]["clv"] == 100.0
    assert rows["A"]["clv_repeat"] == rows["A"]["clv_contract"] == 50.0
    assert rows["A"]["clv_share"] == rows["B"]["clv_share"] == pytest.approx(0.5)
    assert rows["A"]["clv_median"] == pytest.approx(20.0, abs=10.0)  # Spark's is approximate
    assert rows["All"]["accounts"] == 6 and rows["All"]["clv_share"] == 1.0


def test_the_analysis_adds_the_models_range_and_keeps_the_largest_first(con):
    import datetime as dt

    import pandas as pd

    from segmint.analyse.value import _clv_by_segment
    from segmint.config.project import Project
    from segmint.context import RunContext

    class Ranges:  # what CustomerLifetimeValue.segment_ranges returns
        def segment_ranges(self, assignments):
            return pd.DataFrame({"segment": ["A", "B", "All"], "clv_low": [90.0, 5.0, 100.0],
                                 "clv_high": [110.0, 15.0, 120.0]})

    table = materialise(con, ibis.memtable(pa.table({
        "account_id": ["1", "2", "3"], "segment": ["B", "A", "A"], "clv": [10.0, 60.0, 40.0],
        "clv_repeat": [10.0, 0.0, 0.0], "clv_contract": [0.0, 60.0, 40.0]})), "ranged")
    project = Project.model_validate({"sources": {"accounts": {"path": "a.csv"}},
                                      "segmentation": {"default": "Everyone"}})
    context = RunContext(project, dt.date(2024, 6, 30), {}, table, assignments=table,
                         models={"clv": Ranges()})
    rows = _clv_by_segment(context).to_pyarrow().to_pylist()
    assert [(r["segment"], r["clv"], r["clv_low"], r["clv_high"]) for r in rows] == [
        ("A", 100.0, 90.0, 110.0), ("B", 10.0, 5.0, 15.0), ("All", 110.0, 100.0, 120.0)]

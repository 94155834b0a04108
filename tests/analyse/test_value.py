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

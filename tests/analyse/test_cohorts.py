"""Start cohorts: logo and revenue retention by segment, cohort and age, worked by hand."""

from __future__ import annotations

import datetime
from decimal import Decimal

import ibis
import pytest

from segmint.analyse.cohorts import cohorts
from segmint.tables import ACCOUNT_ID, AGE, ALL_SEGMENTS, COHORT, MRR, PERIOD, PRODUCT, SEGMENT

Q = [datetime.date(2024, m, 1) for m in (1, 4, 7, 10)]
SCHEMA = {ACCOUNT_ID: "string", PERIOD: "date", PRODUCT: "string", MRR: "float64"}


@pytest.fixture
def cohort_rows(con):
    # Quarterly, ARR = 12 × MRR in Mar / Jun / Sep / Dec:
    #   p (S): 100, 100, —, 50   → cohort Q1
    #   q (S): 100, —, —, —      → cohort Q1
    #   r (S): —, 200, 200, 200  → cohort Q2
    #   t (T): —, —, 10, 10      → cohort Q3
    cells = [("p", 3, 100), ("p", 6, 100), ("p", 12, 50), ("q", 3, 100),
             ("r", 6, 200), ("r", 9, 200), ("r", 12, 200), ("t", 9, 10), ("t", 12, 10)]
    revenue = ibis.memtable(
        {ACCOUNT_ID: [c[0] for c in cells], PERIOD: [datetime.date(2024, c[1], 1) for c in cells],
         PRODUCT: ["x"] * len(cells), MRR: [float(c[2]) for c in cells]},
        schema=SCHEMA,
    )
    assignments = ibis.memtable({ACCOUNT_ID: ["p", "q", "r", "t"], SEGMENT: ["S", "S", "S", "T"]})
    table = cohorts(revenue, assignments).order_by([SEGMENT, COHORT, AGE])
    return con.to_pyarrow(table).to_pylist()


def test_logo_and_revenue_retention_by_age(cohort_rows):
    s_q1 = [r for r in cohort_rows if r[SEGMENT] == "S" and r[COHORT] == Q[0]]
    # 2 logos; ARR at start p 1200 + q 1200 = 2400
    assert [(r[AGE], r["logos"], r["active_logos"], r["arr"]) for r in s_q1] == [
        (0, 2, 2, Decimal("2400.00")),
        (1, 2, 1, Decimal("1200.00")),  # q gone
        (2, 2, 0, Decimal("0.00")),  # nobody pays in September: the age still appears
        (3, 2, 1, Decimal("600.00")),  # p back at 50 × 12
    ]
    assert [r["logo_retention"] for r in s_q1] == [1.0, 0.5, 0.0, 0.5]
    assert [r["revenue_retention"] for r in s_q1] == [1.0, 0.5, 0.0, 0.25]


def test_later_cohorts_have_fewer_ages_and_all_pools_segments(cohort_rows):
    s_q2 = [r for r in cohort_rows if r[SEGMENT] == "S" and r[COHORT] == Q[1]]
    assert [(r[AGE], r["logo_retention"], r["revenue_retention"]) for r in s_q2] == [
        (0, 1.0, 1.0), (1, 1.0, 1.0), (2, 1.0, 1.0)]
    t = [r for r in cohort_rows if r[SEGMENT] == "T"]
    assert [(r[COHORT], r[AGE], r["active_logos"]) for r in t] == [(Q[2], 0, 1), (Q[2], 1, 1)]
    # All, Q3 cohort: only t (r started in Q2)
    all_q3 = [r for r in cohort_rows if r[SEGMENT] == ALL_SEGMENTS and r[COHORT] == Q[2]]
    assert [(r["logos"], r["start_arr"]) for r in all_q3] == [(1, Decimal("120.00"))] * 2

"""Bridge invariants over random revenue histories: the identity, totals and logo counts."""

from __future__ import annotations

import datetime
from decimal import Decimal

import ibis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segmint.analyse.performance import arr_bridge
from segmint.tables import (
    ACCOUNT_ID,
    ALL_SEGMENTS,
    BRIDGE,
    CHURNED_LOGOS,
    CLOSING_ARR,
    CLOSING_LOGOS,
    LOGOS,
    MOVEMENTS,
    MRR,
    NEW_LOGOS,
    OPENING_ARR,
    OPENING_LOGOS,
    PERIOD,
    PRODUCT,
    REACTIVATED_LOGOS,
    SEGMENT,
)

MONTHS = [datetime.date(2024 + (m - 1) // 12, (m - 1) % 12 + 1, 1) for m in range(1, 16)]
SCHEMA = {ACCOUNT_ID: "string", PERIOD: "date", PRODUCT: "string", MRR: "float64"}


@st.composite
def revenue_histories(draw):
    """Up to 5 accounts × 15 months × {x, y, null}: gaps, zeros, returns; MRR in whole cents."""
    accounts = [f"acct{i}" for i in range(draw(st.integers(1, 5)))]
    cells = draw(
        st.dictionaries(
            st.tuples(st.sampled_from(accounts), st.sampled_from(MONTHS), st.sampled_from(["x", "y", None])),
            st.one_of(st.just(0), st.integers(1, 10_000_000)),  # cents; 0 = a row with no revenue
            min_size=1,
            max_size=40,
        )
    )
    segments = draw(st.lists(st.sampled_from(["S1", "S2", "S3"]), min_size=len(accounts),
                             max_size=len(accounts)))
    period = draw(st.sampled_from(["month", "quarter", "year"]))
    keys = list(cells)
    revenue = ibis.memtable(
        {
            ACCOUNT_ID: [k[0] for k in keys],
            PERIOD: [k[1] for k in keys],
            PRODUCT: [k[2] for k in keys],
            MRR: [cells[k] / 100 for k in keys],
        },
        schema=SCHEMA,
    )
    assignments = ibis.memtable({ACCOUNT_ID: accounts, SEGMENT: segments})
    return revenue, assignments, period, cells, dict(zip(accounts, segments, strict=True))


def closing_by_hand(cells, segment_of, period):
    """Closing ARR per (segment, period start), straight from the cells: 12 × MRR in the
    period's last month, or in the latest month of the data for the period holding it."""
    n = {"month": 1, "quarter": 3, "year": 12}[period]
    latest = max(month for _, month, _ in cells)
    out: dict = {}
    for (account, month, _), cents in cells.items():
        if month.month % n == 0 or month == latest:
            start = datetime.date(month.year, (month.month - 1) // n * n + 1, 1)
            key = (segment_of[account], start)
            out[key] = out.get(key, 0) + 12 * cents
    return {key: Decimal(value) / 100 for key, value in out.items() if value}


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(history=revenue_histories())
def test_bridge_identity_and_totals_hold_exactly(con, history):
    revenue, assignments, period, cells, segment_of = history
    rows = con.to_pyarrow(arr_bridge(revenue, assignments, period=period)).to_pylist()
    assert rows
    for r in rows:
        assert r[OPENING_ARR] + sum(r[m] for m in MOVEMENTS) == r[CLOSING_ARR]
        assert isinstance(r[CLOSING_ARR], Decimal)
        assert r[OPENING_LOGOS] + r[NEW_LOGOS] + r[REACTIVATED_LOGOS] - r[CHURNED_LOGOS] == r[CLOSING_LOGOS]
    periods = sorted({r[PERIOD] for r in rows})
    by_segment: dict[str, list] = {}
    for r in rows:
        by_segment.setdefault(r[SEGMENT], []).append(r)
    for segment, own in by_segment.items():
        own.sort(key=lambda r: r[PERIOD])
        assert [r[PERIOD] for r in own] == periods  # every period, gaps included
        assert own[0][OPENING_ARR] == 0
        for before, after in zip(own, own[1:], strict=False):
            assert after[OPENING_ARR] == before[CLOSING_ARR], segment
    closing = {(r[SEGMENT], r[PERIOD]): r[CLOSING_ARR] for r in rows
               if r[SEGMENT] != ALL_SEGMENTS and r[CLOSING_ARR]}
    assert closing == closing_by_hand(cells, segment_of, period)
    for when in periods:
        total = next(r for r in rows if r[PERIOD] == when and r[SEGMENT] == ALL_SEGMENTS)
        parts = [r for r in rows if r[PERIOD] == when and r[SEGMENT] != ALL_SEGMENTS]
        for name in (*BRIDGE, *LOGOS):
            assert total[name] == sum(r[name] for r in parts)

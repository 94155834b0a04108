"""ARR bridge, retention, growth categories, NRR trend and readings, on hand-worked tables."""

from __future__ import annotations

import datetime
from decimal import Decimal

import ibis
import pytest

from segmint.analyse.performance import (
    arr_bridge,
    classify_growth,
    nrr_trend,
    retention,
    segment_readings,
)
from segmint.analyse.registry import run_analyses
from segmint.config.project import Project
from segmint.context import RunContext
from segmint.exceptions import ConfigError
from segmint.tables import (
    ACCOUNT_ID,
    ALL_SEGMENTS,
    BRIDGE,
    LOGOS,
    MOVEMENTS,
    MRR,
    PERIOD,
    PRODUCT,
    SEGMENT,
)

D = Decimal
QUARTERS = [datetime.date(2024, 1, 1), datetime.date(2024, 4, 1), datetime.date(2024, 7, 1),
            datetime.date(2024, 10, 1), datetime.date(2025, 1, 1)]
REVENUE_SCHEMA = {ACCOUNT_ID: "string", PERIOD: "date", PRODUCT: "string", MRR: "float64"}


def revenue_of(rows):
    """rows: (account, "YYYY-MM", product, mrr)."""
    columns = list(zip(*[(a, datetime.date(int(m[:4]), int(m[5:]), 1), p, float(v))
                         for a, m, p, v in rows], strict=True))
    return ibis.memtable(dict(zip(REVENUE_SCHEMA, columns, strict=True)), schema=REVENUE_SCHEMA)


def assignments_of(mapping):
    return ibis.memtable({ACCOUNT_ID: list(mapping), SEGMENT: list(mapping.values())})


def rows_of(table, con, segment):
    table = table.filter(table[SEGMENT] == segment).order_by(PERIOD)
    return con.to_pyarrow(table).to_pylist()


# The main story, quarterly, 2024-Q1 to 2025-Q1 (ARR = 12 × MRR in March, June, Sept, Dec):
#   a: product x 100 → 150 from June; product y 50 from Sept (cross-sell), 20 in Dec.
#   b: x 200 in March, nothing in June (churn), 10 from Sept (reactivation).
#   c: starts in June with x 30 and y 33.333333 (both new logo), drops y in Sept (contraction).
#   d (segment Other): a null product at 10.005, plus x 5 in June; nothing from Sept (churn).
#   e (segment Empty): no revenue at all.
MAIN = [
    ("a", "2024-03", "x", 100), ("a", "2024-06", "x", 150), ("a", "2024-09", "x", 150),
    ("a", "2024-12", "x", 150), ("a", "2025-03", "x", 150),
    ("a", "2024-09", "y", 50), ("a", "2024-12", "y", 20), ("a", "2025-03", "y", 20),
    ("a", "2024-02", "x", 999),  # not a closing month: ignored
    ("b", "2024-03", "x", 200), ("b", "2024-09", "x", 10), ("b", "2024-12", "x", 10),
    ("b", "2025-03", "x", 10),
    ("c", "2024-06", "x", 30), ("c", "2024-06", "y", 33.333333), ("c", "2024-09", "x", 30),
    ("c", "2024-12", "x", 30), ("c", "2025-03", "x", 30),
    ("d", "2024-03", None, 10.005), ("d", "2024-06", None, 10.005), ("d", "2024-06", "x", 5),
]
SEGMENTS = {"a": "Mid", "b": "Mid", "c": "Mid", "d": "Other", "e": "Empty"}


@pytest.fixture
def main_bridge():
    return arr_bridge(revenue_of(MAIN), assignments_of(SEGMENTS))


def bridge_tuple(row):
    return tuple(row[name] for name in BRIDGE)


def test_every_movement_to_the_cent(con, main_bridge):
    #          opening   new_logo  expansion cross_sell contraction churn    reactivation closing
    expected = [
        # Q1: a x 1200 + b x 2400 are new logos.
        (D("0.00"), D("3600.00"), D("0.00"), D("0.00"), D("0.00"), D("0.00"), D("0.00"), D("3600.00")),
        # Q2: a x 1200 → 1800 (+600); b −2400; c new: 12 × 30 + round(12 × 33.333333 = 399.999996) = 760.00.
        (D("3600.00"), D("760.00"), D("600.00"), D("0.00"), D("0.00"), D("-2400.00"), D("0.00"), D("2560.00")),
        # Q3: a adds y 600 (cross-sell); c drops y −400 (contraction); b back with 120 (reactivation).
        (D("2560.00"), D("0.00"), D("0.00"), D("600.00"), D("-400.00"), D("0.00"), D("120.00"), D("2880.00")),
        # Q4: a's y 600 → 240 (−360).
        (D("2880.00"), D("0.00"), D("0.00"), D("0.00"), D("-360.00"), D("0.00"), D("0.00"), D("2520.00")),
        # 2025-Q1: nothing moves.
        (D("2520.00"), D("0.00"), D("0.00"), D("0.00"), D("0.00"), D("0.00"), D("0.00"), D("2520.00")),
    ]
    rows = rows_of(main_bridge, con, "Mid")
    assert [r[PERIOD] for r in rows] == QUARTERS
    assert [bridge_tuple(r) for r in rows] == expected


def test_logo_counts(con, main_bridge):
    # (opening, closing, new, churned, reactivated) per quarter for Mid
    rows = rows_of(main_bridge, con, "Mid")
    assert [tuple(r[n] for n in LOGOS) for r in rows] == [
        (0, 2, 2, 0, 0),  # a, b start
        (2, 2, 1, 1, 0),  # c starts, b leaves
        (2, 3, 0, 0, 1),  # b returns
        (3, 3, 0, 0, 0),
        (3, 3, 0, 0, 0),
    ]


def test_null_product_is_a_product_line_and_many_decimals_round_to_cents(con, main_bridge):
    # d: null product 12 × 10.005 = 120.06; x 12 × 5 = 60 added in Q2 (cross-sell); all gone in Q3.
    rows = rows_of(main_bridge, con, "Other")
    assert [(r["new_logo"], r["cross_sell"], r["churn"], r["closing_arr"]) for r in rows[:3]] == [
        (D("120.06"), D("0.00"), D("0.00"), D("120.06")),
        (D("0.00"), D("60.00"), D("0.00"), D("180.06")),
        (D("0.00"), D("0.00"), D("-180.06"), D("0.00")),
    ]


def test_segment_with_no_customers_has_zero_rows_for_every_period(con, main_bridge):
    rows = rows_of(main_bridge, con, "Empty")
    assert [r[PERIOD] for r in rows] == QUARTERS
    assert all(bridge_tuple(r) == (D("0.00"),) * 8 for r in rows)
    assert all(r["closing_logos"] == 0 for r in rows)


def test_total_row_is_the_sum_of_segments(con, main_bridge):
    rows = con.to_pyarrow(main_bridge).to_pylist()
    total = {r[PERIOD]: r for r in rows if r[SEGMENT] == ALL_SEGMENTS}
    # Q2 total opening = Mid 3600.00 + Other 120.06
    assert total[QUARTERS[1]]["opening_arr"] == D("3720.06")
    for when, row in total.items():
        parts = [r for r in rows if r[PERIOD] == when and r[SEGMENT] != ALL_SEGMENTS]
        for name in (*BRIDGE, *LOGOS):
            assert row[name] == sum(r[name] for r in parts)


def test_churn_then_return_in_a_period_with_no_revenue_at_all(con):
    # z pays 100 in March, nobody pays anything in Q2 (no rows at all), z is back in September.
    revenue = revenue_of([("z", "2024-03", "x", 100), ("z", "2024-09", "x", 120)])
    rows = rows_of(arr_bridge(revenue, assignments_of({"z": "S"})), con, "S")
    assert [r[PERIOD] for r in rows] == QUARTERS[:3]
    assert [(r["new_logo"], r["churn"], r["reactivation"], r["closing_arr"]) for r in rows] == [
        (D("1200.00"), D("0.00"), D("0.00"), D("1200.00")),
        (D("0.00"), D("-1200.00"), D("0.00"), D("0.00")),
        (D("0.00"), D("0.00"), D("1440.00"), D("1440.00")),  # reactivation, not new logo
    ]
    assert [r["reactivated_logos"] for r in rows] == [0, 0, 1]


def test_product_added_in_the_starting_month_is_new_logo_only(con):
    # Monthly: n starts in January with x 10 and y 5 → new logo 12 × 15 = 180, no cross-sell.
    revenue = revenue_of([("n", "2024-01", "x", 10), ("n", "2024-01", "y", 5), ("n", "2024-02", "x", 10),
                          ("n", "2024-02", "y", 5)])
    rows = rows_of(arr_bridge(revenue, assignments_of({"n": "S"}), period="month"), con, "S")
    assert [(r["new_logo"], r["cross_sell"], r["closing_arr"]) for r in rows] == [
        (D("180.00"), D("0.00"), D("180.00")),
        (D("0.00"), D("0.00"), D("180.00")),
    ]


def test_yearly_bridge_and_a_partial_last_period(con):
    # Yearly: 2023 closes in December (100 → 1200); 2024 has data only to March, so it closes
    # in March (150 → 1800): expansion 600.
    revenue = revenue_of([("k", "2023-12", "x", 100), ("k", "2024-03", "x", 150)])
    rows = rows_of(arr_bridge(revenue, assignments_of({"k": "S"}), period="year"), con, "S")
    assert [(r[PERIOD].year, r["expansion"], r["closing_arr"]) for r in rows] == [
        (2023, D("0.00"), D("1200.00")),
        (2024, D("600.00"), D("1800.00")),
    ]


def test_unassigned_revenue_is_counted_not_dropped(con):
    revenue = revenue_of([("ghost", "2024-03", "x", 1)])
    rows = rows_of(arr_bridge(revenue, assignments_of({"a": "S"})), con, "Unassigned")
    assert rows[0]["closing_arr"] == D("12.00")


def test_unknown_period_names_the_closest():
    with pytest.raises(ConfigError, match="Did you mean 'quarter'"):
        arr_bridge(revenue_of(MAIN), assignments_of(SEGMENTS), period="quater")


def test_retention_ratios(con, main_bridge):
    rows = rows_of(retention(main_bridge), con, "Mid")
    q2, q3, q4, q5 = rows[1:]
    assert rows[0]["nrr"] is None  # no opening ARR in the first quarter
    # Q2: NRR = (3600 + 600 − 2400) / 3600 = 0.5; GRR = (3600 − 2400) / 3600; logos (2 − 1) / 2
    assert (q2["nrr"], q2["grr"], q2["logo_retention"]) == pytest.approx((0.5, 1200 / 3600, 0.5))
    # Q3: NRR = (2560 + 600 − 400) / 2560 = 1.078125; GRR = (2560 − 400) / 2560 = 0.84375
    assert (q3["nrr"], q3["grr"], q3["logo_retention"]) == pytest.approx((1.078125, 0.84375, 1.0))
    # Q4: (2880 − 360) / 2880 = 0.875 both ways
    assert (q4["nrr"], q4["grr"]) == pytest.approx((0.875, 0.875))
    # Q3 products per account: a has x and y, b x, c x → 4 lines / 3 accounts
    assert q3["products_per_account"] == pytest.approx(4 / 3)
    assert q3["cross_sell_rate"] == pytest.approx(600 / 2560)
    # TTM at 2025-Q1 against 2024-Q1 (a x 1200, b x 2400 = 3600):
    #   now a 1800 + 240, b 120 → 2160 / 3600 = 0.6
    #   capped per line: a x min(1800, 1200) + a y min(240, 0) + b x min(120, 2400) = 1320 / 3600
    assert (q5["nrr_ttm"], q5["grr_ttm"]) == pytest.approx((0.6, 1320 / 3600))
    assert q4["nrr_ttm"] is None  # no data a year before 2024-Q4


def test_classify_growth_puts_each_movement_in_one_category(con, main_bridge):
    growth = classify_growth(main_bridge.filter(main_bridge[PERIOD] == QUARTERS[2]))
    rows = con.to_pyarrow(growth.filter(growth[SEGMENT] == "Mid")).to_pylist()
    got = {(r["category"], r["movement"]): r["amount"] for r in rows}
    assert got == {
        ("conversion", "new_logo"): D("0.00"),
        ("conversion", "reactivation"): D("120.00"),
        ("retention", "churn"): D("0.00"),
        ("retention", "contraction"): D("-400.00"),
        ("penetration", "expansion"): D("0.00"),
        ("penetration", "cross_sell"): D("600.00"),
    }


def test_nrr_trend_direction_slope_and_driver(con, main_bridge):
    trend = con.to_pyarrow(nrr_trend(retention(main_bridge))).to_pylist()
    mid = next(r for r in trend if r[SEGMENT] == "Mid")
    # Last 4 quarters with an NRR: 0.5, 1.078125, 0.875, 1.0 → rising by 0.5.
    assert (mid["periods"], mid["start_period"], mid["end_period"]) == (4, QUARTERS[1], QUARTERS[4])
    assert (mid["nrr_start"], mid["nrr_end"]) == pytest.approx((0.5, 1.0))
    assert mid["direction"] == "rising"
    # Rates Q2 → 2025-Q1: churn −2400/3600 → 0 (+0.667), expansion 600/3600 → 0 (−0.167):
    # NRR rose, and the rate that rose most is churn's (less churn).
    assert mid["driver"] == "churn"
    assert (mid["driver_rate_start"], mid["driver_rate_end"]) == pytest.approx((-2400 / 3600, 0.0))
    # least squares over x = −3..0, y as above: slope = Σ(x−x̄)(y−ȳ) / Σ(x−x̄)²
    xs, ys = [-3, -2, -1, 0], [0.5, 1.078125, 0.875, 1.0]
    mx, my = sum(xs) / 4, sum(ys) / 4
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)
    assert mid["slope"] == pytest.approx(slope)
    assert "Empty" not in {r[SEGMENT] for r in trend}  # never had opening ARR


def test_segment_readings_quote_the_tables(con, main_bridge):
    trend = nrr_trend(retention(main_bridge))
    deals = ibis.memtable({SEGMENT: ["Mid"], PERIOD: [QUARTERS[4]], "new_win_rate": [0.25]})
    readings = segment_readings(main_bridge, trend, deals=deals)
    # All first; then by closing ARR in 2025-Q1: Mid 2520, Empty and Other 0 (by name)
    assert list(readings) == [ALL_SEGMENTS, "Mid", "Empty", "Other"]
    assert readings["Mid"] == (
        "Mid: net retention rose from 50% in 2024-Q2 to 100% in 2025-Q1, mostly as churn fell "
        "from 67% to 0% of opening ARR; 0 new logos in 2025-Q1 at a 25% new-business win rate; "
        "closing ARR 2.52k across 3 customers."
    )
    assert readings["Empty"] == "Empty: no recurring revenue up to 2025-Q1."


# Four quarters of rates per segment; NRR = 1 + expansion + cross-sell + contraction + churn.
#   Leaky:  1 + .10 + 0 − .01 − .04 = 1.05  →  1 + .11 + 0 − .02 − .09 = 1.00  (churn −5 points)
#   Slowed: 1 + .15 + 0 − .03 − 0   = 1.12  →  1 + .06 + 0 − .03 − 0   = 1.03  (expansion −9)
#   Broad:  1 + .05 + 0 − .02 − .05 = 0.98  →  1 + .08 + .02 − 0 − .05 = 1.05  (+3, +2, +2)
TREND_RATES = {  # segment: (expansion, cross-sell, contraction, churn) in the first and last quarter
    "Leaky": ((0.10, 0.0, -0.01, -0.04), (0.11, 0.0, -0.02, -0.09)),
    "Slowed": ((0.15, 0.0, -0.03, 0.0), (0.06, 0.0, -0.03, 0.0)),
    "Broad": ((0.05, 0.0, -0.02, -0.05), (0.08, 0.02, 0.0, -0.05)),
}


def trend_of(con):
    rows = []
    for segment, (first, last) in TREND_RATES.items():
        for period, rates in zip(QUARTERS[:4], (first, first, last, last), strict=True):
            rows.append({SEGMENT: segment, PERIOD: period, "nrr": 1 + sum(rates),
                         **dict(zip(("expansion_rate", "cross_sell_rate", "contraction_rate",
                                     "churn_rate"), rates, strict=True))})
    return con.to_pyarrow(nrr_trend(ibis.memtable(rows))).to_pylist()


def test_nrr_trend_driver_pulled_nrr_the_way_it_went(con):
    trend = {r[SEGMENT]: r for r in trend_of(con)}
    got = {s: (r["direction"], r["driver"], r["driver_rate_start"], r["driver_rate_end"])
           for s, r in trend.items()}
    assert got == {
        "Leaky": ("falling", "churn", pytest.approx(-0.04), pytest.approx(-0.09)),  # more churn
        "Slowed": ("falling", "expansion", pytest.approx(0.15), pytest.approx(0.06)),  # less growth
        "Broad": ("rising", "expansion", pytest.approx(0.05), pytest.approx(0.08)),
    }


def test_readings_name_the_driver_with_its_direction(con):
    trend = ibis.memtable(trend_of(con))
    bridge = ibis.memtable({SEGMENT: list(TREND_RATES), PERIOD: [QUARTERS[3]] * 3,
                            "closing_arr": [100.0, 300.0, 200.0], "closing_logos": [1, 3, 2],
                            "new_logos": [0, 0, 0], "reactivated_logos": [0, 0, 0]})
    readings = segment_readings(bridge, trend)
    assert list(readings) == ["Slowed", "Broad", "Leaky"]  # by closing ARR: 300, 200, 100
    assert [text.split(";")[0] for text in readings.values()] == [
        "Slowed: net retention fell from 112% in 2024-Q1 to 103% in 2024-Q4, mostly as expansion "
        "slowed from 15% to 6% of opening ARR",
        # expansion's 3 points are under half of the 7-point rise
        "Broad: net retention rose from 98% in 2024-Q1 to 105% in 2024-Q4, partly as expansion "
        "picked up from 5% to 8% of opening ARR",
        "Leaky: net retention fell from 105% in 2024-Q1 to 100% in 2024-Q4, mostly as churn rose "
        "from 4% to 9% of opening ARR",
    ]


def context_of(tables, assignments):
    project = Project.model_validate({"sources": {"accounts": {"path": "a.csv"}},
                                      "segmentation": {"default": "S"}})
    return RunContext(project, datetime.date(2024, 3, 31), tables, assignments, assignments)


def test_registry_runs_what_it_can_and_skips_the_rest(con):
    revenue = revenue_of([("z", "2024-03", "x", 100)])
    run = run_analyses(context_of({"revenue": revenue}, assignments_of({"z": "S"})),
                       names=["arr_bridge", "deal_metrics"])
    assert list(run.tables) == ["arr_bridge", "retention", "nrr_trend"]
    assert [name for name, _ in run.sections] == ["arr_bridge"]
    assert run.skipped == {"deal_metrics": "needs the deals table, which this project does not load"}
    with pytest.raises(ConfigError, match="Did you mean 'arr_bridge'"):
        run_analyses(context_of({}, assignments_of({"z": "S"})), names=["arr_brige"])


def test_movements_constant_matches_bridge_columns(main_bridge):
    assert set(MOVEMENTS) <= set(main_bridge.columns)

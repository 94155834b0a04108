"""Headline figures and the biggest movements, on a hand-worked company of seven accounts."""

from __future__ import annotations

import datetime

import ibis
import pytest

from segmint.analyse.deals import deal_metrics
from segmint.analyse.headline import (
    biggest_movements,
    company_figures,
    describe_figures,
    describe_movements,
)
from segmint.analyse.performance import arr_bridge, retention
from segmint.analyse.registry import run_analyses
from segmint.config.project import Project
from segmint.context import RunContext
from segmint.tables import ACCOUNT_ID, MRR, PERIOD, PRODUCT, SEGMENT

D = datetime.date
Q2025_1 = D(2025, 1, 1)
SEGMENTS = {"e1": "Ent", "e2": "Ent", "s1": "SMB", "s2": "SMB", "s3": "SMB",
            "u1": "Unassigned", "u2": "Unassigned"}
# MRR at the five quarter ends March 2024 to March 2025 (ARR = 12 × MRR):
#   e1 100 throughout, 150 in March 2025 (expansion +600);
#   e2 200, gone in March 2025 (churn −2400);
#   s1 10, 5 in March 2025 (contraction −60);
#   s2 10, 20 from June 2024, gone in March 2025 (churn −240);
#   s3 starts in March 2025 at 20 (new logo +240); u1 50 throughout; u2 never pays.
MONTHS = ["2024-03", "2024-06", "2024-09", "2024-12", "2025-03"]
MRR_BY_ACCOUNT = {"e1": [100, 100, 100, 100, 150], "e2": [200, 200, 200, 200, 0],
                  "s1": [10, 10, 10, 10, 5], "s2": [10, 20, 20, 20, 0], "s3": [0, 0, 0, 0, 20],
                  "u1": [50, 50, 50, 50, 50]}
# 2025-Q1 opening: 1200 + 2400 + 120 + 240 + 600 = 4560; closing: 1800 + 60 + 240 + 600 = 2700
#   NRR = (4560 + 600 − 60 − 2640) / 4560 = 2460 / 4560; GRR = (4560 − 60 − 2640) / 4560
#   TTM against March 2024 (1200 + 2400 + 120 + 120 + 600 = 4440): now 1800 + 60 + 600 = 2460;
#   capped per line at then: 1200 + 60 + 600 = 1860.


def revenue():
    rows = [(a, D(int(m[:4]), int(m[5:]), 1), "x", float(v))
            for a, values in MRR_BY_ACCOUNT.items() for m, v in zip(MONTHS, values, strict=True) if v]
    schema = {ACCOUNT_ID: "string", PERIOD: "date", PRODUCT: "string", MRR: "float64"}
    return ibis.memtable(dict(zip(schema, map(list, zip(*rows, strict=True)), strict=True)), schema=schema)


def assignments():
    return ibis.memtable({ACCOUNT_ID: list(SEGMENTS), SEGMENT: list(SEGMENTS.values())})


def deals():
    # New business closed in 2025-Q1: s3 won, u2, e2 and s2 lost (1 of 4). e1's renewal is
    # not new business; s1's win closed in 2024-Q4.
    ids = ["d1", "d2", "d3", "d4", "d5", "d6"]
    return ibis.memtable({
        "deal_id": ids, "account_id": ["s3", "u2", "e2", "s2", "e1", "s1"],
        "amount": [240.0, 100.0, 900.0, 50.0, 1200.0, 120.0],
        "created_date": [D(2024, 10, 1)] * 6,
        "close_date": [D(2025, 2, 10), D(2025, 3, 1), D(2025, 1, 15), D(2025, 3, 20),
                       D(2025, 2, 1), D(2024, 11, 1)],
        "stage": ["Won", "Lost", "Lost", "Lost", "Won", "Won"],
        "is_won": [True, False, False, False, True, True], "is_closed": [True] * 6,
        "deal_type": ["New Business"] * 4 + ["Renewal", "New Business"],
        "lead_source": ["Web"] * 6,
    })


@pytest.fixture
def tables():
    bridge = arr_bridge(revenue(), assignments())
    return {"bridge": bridge, "retention": retention(bridge),
            "deals": deal_metrics(deals(), assignments(), period="quarter")}


def test_company_figures_of_the_latest_quarter(con, tables):
    figures = company_figures(assignments(), **tables)
    got = {r["figure"]: (r["period"], r["value"], r["count"], r["of"])
           for r in con.to_pyarrow(figures).to_pylist()}
    assert got == {
        "closing_arr": (Q2025_1, 2700.0, 4, None),  # e1, s1, s3, u1 pay at the end
        "nrr": (Q2025_1, pytest.approx(2460 / 4560), None, None),
        "grr": (Q2025_1, pytest.approx(1860 / 4560), None, None),
        "nrr_ttm": (Q2025_1, pytest.approx(2460 / 4440), None, None),
        "grr_ttm": (Q2025_1, pytest.approx(1860 / 4440), None, None),
        "new_win_rate": (Q2025_1, 0.25, 1, 4),
        "unassigned_share": (None, pytest.approx(2 / 7), 2, 7),
    }


def test_biggest_movements_name_the_segment_behind_each(con, tables):
    rows = con.to_pyarrow(biggest_movements(tables["bridge"])).to_pylist()
    got = {r["movement"]: (r["amount"], r["segment"], r["segment_amount"], r["segment_share"])
           for r in rows}
    # Churn −2640 = Ent −2400 (e2) + SMB −240 (s2); cross-sell and reactivation are zero.
    assert got == {
        "churn": (-2640.0, "Ent", -2400.0, pytest.approx(2400 / 2640)),
        "expansion": (600.0, "Ent", 600.0, 1.0),
        "new_logo": (240.0, "SMB", 240.0, 1.0),
        "contraction": (-60.0, "SMB", -60.0, 1.0),
    }
    said = describe_movements(rows)
    assert [(r["label"], r["text"], r["note"]) for r in said] == [
        ("Churn", "−2.64k", "91% of it in Ent (2025-Q1)"),  # 2400 / 2640
        ("Expansion", "+600", "all of it in Ent (2025-Q1)"),
        ("New logo", "+240", "all of it in SMB (2025-Q1)"),
        ("Contraction", "−60", "all of it in SMB (2025-Q1)"),
    ]


def test_headline_says_each_figure_for_leadership(con, tables):
    rows = con.to_pyarrow(company_figures(assignments(), **tables)).to_pylist()
    said = describe_figures(rows, has_revenue=True, has_deals=True, when=None)
    assert [(r["label"], r["text"], r["note"]) for r in said] == [
        ("Closing ARR", "2.7k", "2025-Q1 · 4 customers"),
        ("NRR, 12 months", "55%", "year to 2025-Q1"),  # 2460 / 4440 = 55.4%
        ("GRR, 12 months", "42%", "year to 2025-Q1"),  # 1860 / 4440 = 41.9%
        ("NRR, 2025-Q1", "54%", "quarter on quarter"),  # 2460 / 4560 = 53.9%
        ("GRR, 2025-Q1", "41%", "quarter on quarter"),  # 1860 / 4560 = 40.8%
        ("New-business win rate", "25%", "2025-Q1 · 1 of 4 closed deals won"),
        ("Unassigned accounts", "28.6%", "2 of 7 accounts"),
    ]


def test_a_year_of_data_has_no_twelve_month_retention_and_says_so(con, tables):
    # Only the last four quarters: nothing a year before 2025-Q1.
    recent = revenue().filter(ibis._.period >= D(2024, 6, 1))
    bridge = arr_bridge(recent, assignments())
    rows = con.to_pyarrow(company_figures(assignments(), bridge=bridge,
                                          retention=retention(bridge))).to_pylist()
    said = {r["figure"]: (r["text"], r["note"])
            for r in describe_figures(rows, has_revenue=True, has_deals=False, when=None)}
    assert said["nrr_ttm"] == (None, "no ARR a year before 2025-Q1")
    assert said["nrr"] == ("54%", "quarter on quarter")
    assert said["new_win_rate"] == (
        None, "not shown, as the project loads no deals table (sources.deals)")


def context_of(tables):
    project = Project.model_validate({"sources": {"accounts": {"path": "a.csv"}},
                                      "segmentation": {"default": "S"}})
    return RunContext(project, D(2025, 3, 31), tables, assignments(), assignments())


def test_registered_headline_without_revenue_says_what_is_missing_in_words():
    run = run_analyses(context_of({"deals": deals()}), names=["deal_metrics", "headline"])
    headline = run.tables["headline"].to_pyarrow().to_pylist()
    assert [(r["figure"], r["text"], r["note"]) for r in headline] == [
        ("arr", None, "not shown, as the project loads no revenue table (sources.revenue)"),
        ("new_win_rate", "25%", "2025-Q1 · 1 of 4 closed deals won"),  # the quarter of as_of
        ("unassigned_share", "28.6%", "2 of 7 accounts"),
    ]
    assert "headline_movements" not in run.tables  # no revenue: nothing to move
    assert [name for name, _ in run.sections] == ["headline", "deal_metrics"]  # by order


def test_registered_headline_with_revenue_and_deals():
    run = run_analyses(context_of({"revenue": revenue(), "deals": deals()}),
                       names=["headline", "arr_bridge", "deal_metrics"])
    headline = {r["figure"]: r["text"] for r in run.tables["headline"].to_pyarrow().to_pylist()}
    assert headline == {"closing_arr": "2.7k", "nrr_ttm": "55%", "grr_ttm": "42%", "nrr": "54%",
                        "grr": "41%", "new_win_rate": "25%", "unassigned_share": "28.6%"}
    movements = run.tables["headline_movements"].to_pyarrow().to_pylist()
    assert [r["movement"] for r in movements] == ["churn", "expansion", "new_logo", "contraction"]
    assert run.sections[0][0] == "headline"  # order 1: first in the report

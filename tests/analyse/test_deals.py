"""Deal metrics by segment: win rates, size, cycle days, pipeline and lead sources, worked by hand."""

from __future__ import annotations

import datetime

import ibis
import pytest

from segmint.analyse.deals import deal_metrics, lead_source_mix, normalise_deal_type, open_pipeline
from segmint.tables import ACCOUNT_ID, ALL_SEGMENTS, PERIOD, SEGMENT

d = datetime.date
SCHEMA = {
    "deal_id": "string", "account_id": "string", "amount": "float64", "created_date": "date",
    "close_date": "date", "stage": "string", "is_won": "boolean", "is_closed": "boolean",
    "deal_type": "string", "product": "string", "lead_source": "string",
}
#  id account amount created          close            stage          won    closed type            source   cycle
DEALS = [
    ("1", "a", 1000.0, d(2024, 1, 1), d(2024, 1, 31), "Closed Won", True, True, "New Business", "Web"),  # 30 d
    ("2", "a", 500.0, d(2024, 2, 1), d(2024, 2, 11), "Closed Won", True, True, "Renewal", "Web"),  # 10 d
    ("3", "b", 800.0, d(2024, 1, 10), d(2024, 3, 10), "Closed Lost", False, True, "new business", "Partner"),
    ("4", "b", None, d(2024, 3, 1), d(2024, 5, 20), "Closed Won", True, True, "New Business", "Web"),  # 80 d
    ("5", "b", 700.0, d(2024, 4, 1), d(2024, 6, 30), "Proposal", False, False, "Expansion", None),
    ("6", "a", None, d(2024, 4, 1), d(2024, 6, 15), "Proposal", False, False, "Cross-sell", "Partner"),
    ("7", "a", 300.0, d(2024, 5, 1), d(2024, 7, 15), "Negotiation", False, False, "Upsell", "Web"),
    ("8", "e", 5000.0, d(2024, 1, 1), d(2024, 4, 1), "Closed Lost", False, True, "New Business", "Web"),
]


@pytest.fixture
def deals():
    columns = list(zip(*[(*row[:9], None, row[9]) for row in DEALS], strict=True))
    return ibis.memtable(dict(zip(SCHEMA, columns, strict=True)), schema=SCHEMA)


@pytest.fixture
def assignments():
    return ibis.memtable({ACCOUNT_ID: ["a", "b", "e", "z"], SEGMENT: ["SMB", "SMB", "Ent", "Empty"]})


def by_segment(con, table):
    return {r[SEGMENT]: r for r in con.to_pyarrow(table).to_pylist()}


def test_win_rates_sizes_and_cycle_days(con, deals, assignments):
    rows = by_segment(con, deal_metrics(deals, assignments))
    smb = rows["SMB"]
    # closed: 1, 2, 3, 4; won: 1, 2, 4 → 3 / 4
    assert (smb["closed_deals"], smb["won_deals"], smb["win_rate"]) == (4, 3, 0.75)
    # new business closed: 1, 3, 4; won: 1, 4 → 2 / 3 (renewal 2 is not new business)
    assert (smb["new_closed_deals"], smb["new_won_deals"]) == (3, 2)
    assert smb["new_win_rate"] == pytest.approx(2 / 3)
    # won amounts 1000 and 500 (deal 4 has none): total 1500, mean 750, median 750
    assert (smb["won_amount"], smb["avg_won_amount"], smb["median_won_amount"]) == (1500.0, 750.0, 750.0)
    # won cycles 30, 10, 80 days → median 30; p90 = 30 + 0.8 × (80 − 30) = 70 (interpolated)
    assert (smb["median_cycle_days"], smb["p90_cycle_days"]) == (30.0, 70.0)
    # open: 5 (700), 6 (no amount), 7 (300)
    assert (smb["open_deals"], smb["open_amount"]) == (3, 1000.0)
    ent = rows["Ent"]
    assert (ent["closed_deals"], ent["win_rate"], ent["new_win_rate"]) == (1, 0.0, 0.0)
    assert ent["avg_won_amount"] is None and ent["median_cycle_days"] is None
    total = rows[ALL_SEGMENTS]
    # 5 closed, 3 won; new business 4 closed (1, 3, 4, 8), 2 won
    assert (total["win_rate"], total["new_win_rate"]) == (0.6, 0.5)
    assert "Empty" not in rows  # no deals, no row


def test_metrics_per_quarter_of_close(con, deals, assignments):
    table = deal_metrics(deals, assignments, period="quarter")
    rows = con.to_pyarrow(table.filter(table[SEGMENT] == "SMB").order_by(PERIOD)).to_pylist()
    assert [r[PERIOD] for r in rows] == [d(2024, 1, 1), d(2024, 4, 1), d(2024, 7, 1)]
    q1, q2, q3 = rows
    # Q1 closes 1 (won, new), 2 (won, renewal), 3 (lost, new): 2 / 3 overall, 1 / 2 new business
    assert q1["win_rate"] == pytest.approx(2 / 3) and q1["new_win_rate"] == 0.5
    assert (q1["median_cycle_days"], q1["avg_won_amount"]) == (20.0, 750.0)  # median of 10 and 30
    # Q2: deal 4 won in 80 days; deals 5 and 6 expected to close (open, 700 + nothing)
    assert (q2["win_rate"], q2["median_cycle_days"], q2["open_deals"], q2["open_amount"]) == (1.0, 80.0, 2, 700.0)
    # Q3: only deal 7, open: no win rate
    assert (q3["closed_deals"], q3["win_rate"], q3["open_amount"]) == (0, None, 300.0)


def test_open_pipeline_by_stage(con, deals, assignments):
    table = open_pipeline(deals, assignments)
    rows = con.to_pyarrow(table.filter(table[SEGMENT] == "SMB").order_by("stage")).to_pylist()
    assert [(r["stage"], r["open_deals"], r["open_amount"]) for r in rows] == [
        ("Negotiation", 1, 300.0),
        ("Proposal", 2, 700.0),
    ]


def test_lead_source_mix(con, deals, assignments):
    table = lead_source_mix(deals, assignments)
    rows = con.to_pyarrow(table.filter(table[SEGMENT] == "SMB")).to_pylist()
    got = {r["lead_source"]: (r["deals"], r["deal_share"], r["won_amount"], r["won_amount_share"]) for r in rows}
    # SMB has 7 deals: Web 1, 2, 4, 7; Partner 3, 6; none 5. Won amount: Web 1000 + 500 (+ 4 without amount).
    assert got == {
        "Web": (4, pytest.approx(4 / 7), 1500.0, 1.0),
        "Partner": (2, pytest.approx(2 / 7), 0.0, 0.0),
        None: (1, pytest.approx(1 / 7), 0.0, 0.0),
    }
    ent = con.to_pyarrow(table.filter(table[SEGMENT] == "Ent")).to_pylist()
    assert ent[0]["won_amount_share"] is None  # won nothing: no share to speak of


def test_deal_type_mapping(con):
    raw = ["New Business", "NEW_CUSTOMER", "newbusiness", "Renewal", "Existing Business",
           "Expansion", "Cross-Sell", "cross  sell", "Upsell", "Existing Customer - Upgrade",
           "Partner", None]
    table = ibis.memtable({"deal_type": raw}, schema={"deal_type": "string"})
    assert con.to_pyarrow(normalise_deal_type(table.deal_type).name("t").as_table()).column("t").to_pylist() == [
        "new", "new", "new", "renewal", "expansion", "expansion", "cross_sell", "cross_sell",
        "upsell", "upsell", "other", "other",
    ]


def test_a_deal_closed_before_it_was_created_is_left_out_of_cycle_days(con, deals, assignments):
    # deal 2 re-dated: created 21 Feb, closed 11 Feb (-10 days); the won cycles left are 30 and
    # 80 days → median 55, p90 = 30 + 0.9 × 50 = 75; it still counts as won
    moved = deals.mutate(created_date=ibis.ifelse(deals.deal_id == "2", d(2024, 2, 21),
                                                  deals.created_date))
    smb = by_segment(con, deal_metrics(moved, assignments))["SMB"]
    assert (smb["won_deals"], smb["median_cycle_days"], smb["p90_cycle_days"]) == (3, 55.0, 75.0)


def test_won_and_closed_read_from_the_stage_on_every_engine(con):
    from segmint.config.project import Source
    from segmint.io.outcomes import flags_from_stage
    from segmint.io.sources import first_account

    rows = ibis.memtable({"Stage": ["Closed Won", "closedlost", " won ", "Demo", None],
                          "Company": ["1", "2;3", "4; 5", "", None]})
    flags, _ = flags_from_stage(rows, {"stage": "Stage"}, Source(path="d.csv"), "d.csv")
    first, several = first_account(rows, "Company")
    got = con.to_pyarrow(rows.select(**flags, first=first)).to_pylist()
    assert [tuple(r.values()) for r in got] == [
        ("true", "true", "1"), ("false", "true", "2"), ("true", "true", "4"),
        ("false", "false", ""), (None, None, None)]
    assert con.execute(several.count()) == 2

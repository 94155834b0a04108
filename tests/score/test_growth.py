"""Expected growth on hand-built tables: a propensity that is known is learnt, nothing after
the learning window's start changes the model, and expected growth is whitespace × chance."""

from __future__ import annotations

import datetime as dt

import ibis
import pyarrow as pa
import pytest

from segmint.config.project import Project
from segmint.context import RunContext
from segmint.engine import materialise
from segmint.exceptions import ConfigError
from segmint.score.growth import ExpectedGrowth, GrowthSettings
from segmint.score.growth.signals import grew_after
from segmint.score.potential import Potential, PotentialSettings
from segmint.score.registry import configured

AS_OF = dt.date(2024, 12, 31)  # the model learns from growth between 2024-06-30 and then
JAN, JUN, DEC = dt.date(2024, 1, 1), dt.date(2024, 6, 1), dt.date(2024, 12, 1)
PROJECT = Project.model_validate({"sources": {"accounts": {"path": "a.csv"}},
                                  "segmentation": {"default": "Everyone"}})
CUSTOMERS = [f"c{i:02d}" for i in range(40)]
PROSPECTS = [f"p{i:02d}" for i in range(40)]
# At the end of June, c00-c19 have an expansion deal open and p00-p19 a new-business deal.
# Of each twenty with a deal open, sixteen grew by December; of each twenty without, four:
# the chance to grow is 0.8 with a deal open and 0.2 without, for customers and prospects.
GREW = {*CUSTOMERS[:16], *CUSTOMERS[20:24], *PROSPECTS[:16], *PROSPECTS[20:24]}


def deal(account, kind, created, close, closed, won):
    return {"deal_id": f"{account}-{kind}-{created}", "account_id": account, "deal_type": kind,
            "created_date": created, "close_date": close, "is_closed": closed, "is_won": won}


def history():
    """Revenue (January, June and December) and deals of the eighty accounts."""
    revenue, deals = [], []
    for account in CUSTOMERS:
        revenue += [(account, JAN, 100.0), (account, JUN, 100.0),
                    (account, DEC, 150.0 if account in GREW else 100.0)]
        if account < "c20":  # open at the end of June, closed in August
            deals.append(deal(account, "Expansion", dt.date(2024, 5, 15), dt.date(2024, 8, 15),
                              True, account in GREW))
    for account in PROSPECTS:
        if account in GREW:
            revenue.append((account, DEC, 50.0))
        if account < "p20":
            deals.append(deal(account, "New Business", dt.date(2024, 6, 1),
                              dt.date(2024, 9, 10), True, account in GREW))
        elif account in GREW:  # won on a deal opened after June: nothing to see then
            deals.append(deal(account, "New Business", dt.date(2024, 8, 1),
                              dt.date(2024, 10, 1), True, True))
    # at the run's date c20 (no growth) talks expansion and p30 a first deal
    deals += [deal("c20", "Expansion", dt.date(2024, 12, 1), dt.date(2025, 2, 1), False, False),
              deal("p30", "New Business", dt.date(2024, 12, 1), dt.date(2025, 2, 1), False,
                   False)]
    return revenue, deals


def revenue_of(con, revenue, name):
    rows = pa.Table.from_pylist(
        [{"account_id": a, "period": p, "product": "Core", "mrr": m} for a, p, m in revenue],
        schema=pa.schema([("account_id", pa.string()), ("period", pa.date32()),
                          ("product", pa.string()), ("mrr", pa.float64())]))
    return materialise(con, ibis.memtable(rows), name)


def tables_of(con, revenue, deals, suffix=""):
    return {"revenue": revenue_of(con, revenue, f"revenue{suffix}"),
            "deals": materialise(con, ibis.memtable(pa.Table.from_pylist(deals)),
                                 f"deals{suffix}")}


def accounts_of(con, revenue):
    arr = {a: 12 * m for a, p, m in revenue if p == DEC}
    ids = CUSTOMERS + PROSPECTS
    return materialise(con, ibis.memtable({
        "account_id": ids, "employees": [50.0] * len(ids), "naics_sector": ["52"] * len(ids),
        "region": ["EMEA"] * len(ids), "arr": [arr.get(a, 0.0) for a in ids]}), "accounts")


def fitted(con, tables, accounts):
    """Potential, then expected growth, as the score stage fits them."""
    context = RunContext(PROJECT, AS_OF, tables, accounts)
    potential = Potential(PotentialSettings(features=["employees"], min_customers_per_leaf=5))
    potential.fit(context)
    scored = potential.score(accounts)
    growth = ExpectedGrowth().fit(RunContext(PROJECT, AS_OF, tables, scored,
                                             models={"potential": potential}))
    return growth, scored


@pytest.fixture
def scenario(con):
    revenue, deals = history()
    tables = tables_of(con, revenue, deals)
    accounts = accounts_of(con, revenue)
    growth, scored = fitted(con, tables, accounts)
    rows = {r["account_id"]: r for r in
            growth.score(scored).order_by("account_id").to_pyarrow().to_pylist()}
    return growth, rows, (revenue, deals, accounts)


def test_a_known_propensity_is_learnt_and_weighs_the_whitespace(scenario):
    growth, rows, _ = scenario
    params = growth.parameters().set_index("parameter")["value"]
    assert (params["customers: grew"], params["customers: did_not_grow"]) == (20, 20)
    assert (params["prospects: grew"], params["prospects: did_not_grow"]) == (20, 20)
    # an open deal raises the chance, for customers and prospects alike
    assert params["customers: effect: expansions_open 1"] > 0
    assert params["prospects: effect: new_deals_open 1"] > 0
    # scored at the run's date: c20 and p30 have a deal open, c21 and p31 none; the chances
    # are calibrated near what was planted (0.8 and 0.2), out of fold on forty accounts each
    assert rows["c20"]["growth_probability"] == pytest.approx(0.8, abs=0.1)
    assert rows["c21"]["growth_probability"] == pytest.approx(0.2, abs=0.1)
    assert rows["p30"]["growth_probability"] == pytest.approx(0.8, abs=0.1)
    assert rows["p31"]["growth_probability"] == pytest.approx(0.2, abs=0.1)
    # expected growth is whitespace × that chance (a prospect's whitespace is its potential)
    for row in rows.values():
        assert row["expected_growth"] == pytest.approx(
            round(row["whitespace"] * row["growth_probability"], 2), abs=0.005)
    assert rows["p31"]["whitespace"] == rows["p31"]["potential"] > 0


def test_events_after_the_window_start_cannot_change_the_model(con, scenario):
    growth, _, (revenue, deals, accounts) = scenario
    # deals opened after the end of June (two lost, one still open) and revenue after the
    # run's date: the features are read at the window's start, the labels at the run's date
    later = [deal("c30", "Expansion", dt.date(2024, 7, 1), dt.date(2024, 9, 1), True, False),
             deal("p35", "New Business", dt.date(2024, 9, 1), dt.date(2024, 11, 1), True, False),
             deal("c31", "Renewal", dt.date(2024, 8, 1), dt.date(2025, 3, 1), False, False)]
    beyond = [(a, dt.date(2025, 3, 1), 500.0) for a in CUSTOMERS[20:30]]
    tables = tables_of(con, revenue + beyond, deals + later, suffix="_later")
    again, _ = fitted(con, tables, accounts)
    assert again.parameters().equals(growth.parameters())


def test_a_population_over_max_accounts_is_sampled_in_the_engine(con):
    # three copies of the eighty accounts: 120 customers and 120 prospects, 60 of each grew
    revenue, deals = history()
    copies = range(3)
    revenue = [(f"{a}_{k}", p, m) for k in copies for a, p, m in revenue]
    deals = [{**d, "deal_id": f"{d['deal_id']}_{k}", "account_id": f"{d['account_id']}_{k}"}
             for k in copies for d in deals]
    tables = tables_of(con, revenue, deals, suffix="_copies")
    arr = {a: 12 * m for a, p, m in revenue if p == DEC}
    ids = [f"{a}_{k}" for k in copies for a in CUSTOMERS + PROSPECTS]
    accounts = materialise(con, ibis.memtable({
        "account_id": ids, "employees": [50.0] * len(ids), "naics_sector": ["52"] * len(ids),
        "region": ["EMEA"] * len(ids), "arr": [arr.get(a, 0.0) for a in ids]}), "accounts_copies")
    context = RunContext(PROJECT, AS_OF, tables, accounts, keep=lambda table, name:
                         materialise(con, table, name))
    potential = Potential(PotentialSettings(features=["employees"], min_customers_per_leaf=5))
    potential.fit(context)
    scored = potential.score(accounts)
    growth = ExpectedGrowth(GrowthSettings(max_accounts=100)).fit(RunContext(
        PROJECT, AS_OF, tables, scored, keep=context.keep, models={"potential": potential}))
    params = growth.parameters().set_index("parameter")["value"]
    # each population learnt from 100 of its 120 accounts, drawn in the engine
    for population in ("customers", "prospects"):
        assert params[f"{population}: grew"] + params[f"{population}: did_not_grow"] == 100
        assert 40 <= params[f"{population}: grew"] <= 60
    rows = {r["account_id"]: r["growth_probability"] for r in
            growth.score(scored).to_pyarrow().to_pylist()}
    assert rows["c20_1"] == pytest.approx(0.8, abs=0.1)
    assert rows["c21_1"] == pytest.approx(0.2, abs=0.1)


def test_growth_is_arr_up_by_more_than_one_percent(con):
    revenue = revenue_of(con, [("a", JUN, 100.0), ("a", DEC, 100.5), ("b", DEC, 10.0),
                               ("c", JUN, 100.0), ("c", DEC, 102.0)], "revenue_grew")
    accounts = ibis.memtable({"account_id": ["a", "b", "c", "d"]})
    outcome = grew_after(accounts, revenue, dt.date(2024, 6, 30), AS_OF)
    assert outcome.order_by("account_id").to_pyarrow().to_pylist() == [
        {"account_id": "a", "outcome": False, "weight": 0.0},
        {"account_id": "b", "outcome": True, "weight": 120.0},
        {"account_id": "c", "outcome": True, "weight": pytest.approx(24.0)},
        {"account_id": "d", "outcome": False, "weight": 0.0}]


def test_it_is_backtested_beside_potential_and_needs_it():
    assert [r.label for r in ExpectedGrowth().backtest_rankings()] == [
        "expected_growth · all", "growth_probability · all", "expected_growth · customers",
        "growth_probability · customers", "expected_growth · prospects"]
    with pytest.raises(ConfigError, match="reads the columns of score 'potential'"):
        configured({"expected_growth": {}})

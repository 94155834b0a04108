"""Account potential on hand-built tables: the look-alikes' quantile, whitespace, share of
wallet, bands, product whitespace, monotone in size, and what the back-test counts as growth."""

from __future__ import annotations

import datetime as dt

import ibis
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segmint import tables as t
from segmint.config.project import Project
from segmint.context import RunContext
from segmint.engine import materialise
from segmint.exceptions import ConfigError
from segmint.score.backtest import evaluate_rankings
from segmint.score.potential import Potential, PotentialSettings
from segmint.score.potential import lookalike as la
from segmint.score.stage import score_accounts

AS_OF = dt.date(2024, 6, 30)
PROJECT = Project.model_validate({"sources": {"accounts": {"path": "a.csv"}},
                                  "segmentation": {"default": "Everyone"}})
SCHEMA = pa.schema([("account_id", pa.string()), ("employees", pa.float64()),
                    ("naics_sector", pa.string()), ("region", pa.string()),
                    ("arr", pa.float64())])


def accounts_table(con, rows, name="accounts"):
    """rows: (account_id, employees, naics_sector, region, arr)."""
    table = pa.Table.from_pylist([dict(zip(SCHEMA.names, row)) for row in rows], schema=SCHEMA)
    return materialise(con, ibis.memtable(table), name)


def fit(accounts, tables=None, **settings):
    model = Potential(PotentialSettings(**settings))
    return model.fit(RunContext(PROJECT, AS_OF, tables or {}, accounts))


def scored_rows(model, accounts):
    return {row["account_id"]: row for row in
            model.score(accounts).order_by("account_id").to_pyarrow().to_pylist()}


# Eleven customers of 10 employees pay 100 to 1,100 a year, eleven of 1,000 employees ten times
# that. Interpolating between ranks, their 50th, 80th and 90th percentiles are the 6th, 9th and
# 10th values: 600, 900 and 1,000 for the small ones; 6,000, 9,000, 10,000 for the large.
SMALL = [(f"s{i:02d}", 10.0, "52", "EMEA", 100.0 * i) for i in range(1, 12)]
LARGE = [(f"l{i:02d}", 1000.0, "52", "EMEA", 1000.0 * i) for i in range(1, 12)]
PROSPECTS = [("ps", 10.0, "52", "EMEA", 0.0), ("pl", 1000.0, "52", "EMEA", 0.0)]
# one tree, each leaf straight to its quantile: the potential is the look-alikes' quantile
EXACT = {"learning_rate": 1.0, "iterations": 1, "min_customers_per_leaf": 5,
         "features": ["employees"], "bands": {"edges": [1000, 9500]}}


def test_potential_is_the_lookalikes_quantile_and_never_below_arr(con):
    accounts = accounts_table(con, SMALL + LARGE + PROSPECTS)
    rows = scored_rows(fit(accounts, **EXACT), accounts)
    assert rows["ps"]["potential"] == pytest.approx(900, rel=1e-12)
    assert rows["pl"]["potential"] == pytest.approx(9000, rel=1e-12)
    assert (rows["ps"]["potential_low"], rows["ps"]["potential_high"]) == pytest.approx((600, 1000))
    assert (rows["pl"]["potential_low"], rows["pl"]["potential_high"]) == pytest.approx((6000, 10000))
    # s01 pays 100 of a potential of 900; s11 pays 1,100, more than its look-alikes' 900
    assert (rows["s01"]["whitespace"], rows["s01"]["share_of_wallet"]) == pytest.approx((800, 1 / 9))
    assert rows["s11"]["potential"] == 1100 and rows["s11"]["whitespace"] == 0
    assert rows["s11"]["share_of_wallet"] == 1.0
    assert rows["s11"]["potential_high"] == pytest.approx(1100)  # raised to the ARR too
    assert (rows["ps"]["whitespace"], rows["ps"]["share_of_wallet"]) == pytest.approx((900, 0.0))
    # edges 1,000 and 9,500: below 1,000 Low, then Medium, from 9,500 High
    assert [rows[a]["potential_band"] for a in ("ps", "s11", "pl", "l11")] == [
        "Low", "Medium", "Medium", "High"]
    assert rows["ps"]["product_whitespace"] is None  # no revenue: nothing known of products


def test_one_lookalike_cell_with_the_default_settings(con):
    # all alike: the model cannot split them, every leaf stays at the 80th percentile
    accounts = accounts_table(con, SMALL + [("ps", 10.0, "52", "EMEA", 0.0)])
    model = fit(accounts)
    rows = scored_rows(model, accounts)
    assert rows["ps"]["potential"] == pytest.approx(900, rel=1e-12)
    assert rows["s05"]["whitespace"] == pytest.approx(400, rel=1e-12)
    parameters = model.parameters().set_index("parameter").value
    assert (parameters["customers"], parameters["accounts"]) == (11, 12)


def test_past_max_customers_it_learns_from_numpys_draw_over_the_customers_by_id(con):
    # 300 alike customers, ids not in ARR order; 101 drawn, so the 80th percentile is the
    # 81st of the drawn ARRs exactly (no interpolation, in ARR or in log ARR). The draw is
    # NumPy's over the ids in order, whatever the engine: the same customers on every engine.
    customers = [(f"c{(i * 37) % 300:03d}", 10.0, "52", "EMEA", 100.0 + 7.0 * i)
                 for i in range(300)]
    accounts = accounts_table(con, customers + [("ps", 10.0, "52", "EMEA", 0.0)])
    model = fit(accounts, **{**EXACT, "max_customers": 101})
    by_id = sorted(customers)
    drawn = np.sort(np.random.default_rng(0).choice(len(by_id), 101, replace=False))
    expected = np.quantile([by_id[i][4] for i in drawn], 0.8)
    assert expected in {arr for *_, arr in customers}
    assert scored_rows(model, accounts)["ps"]["potential"] == pytest.approx(expected, rel=1e-12)
    parameters = model.parameters().set_index("parameter").value
    assert (parameters["customers"], parameters["customers_fitted"]) == (300, 101)


def test_band_edges_default_to_quantiles_of_the_accounts_lookalike_potential(con):
    accounts = accounts_table(con, SMALL + LARGE + PROSPECTS)
    model = fit(accounts, **{**EXACT, "bands": {}})
    # 12 accounts at a look-alike 900 and 12 at 9,000: the median and the 80th percentile
    # (the smallest value reaching half and 80% of the accounts) are 900 and 9,000
    assert model.band_edges_ == pytest.approx([900, 9000])
    rows = scored_rows(model, accounts)
    assert [rows[a]["potential_band"] for a in ("s01", "ps", "pl")] == ["Medium", "Medium", "High"]


def test_unseen_and_missing_values_take_the_models_missing_branch(con):
    accounts = accounts_table(con, SMALL + [("x", None, "99", "Mars", 0.0)])
    rows = scored_rows(fit(accounts, features=["employees", "naics_sector", "region"]), accounts)
    assert rows["x"]["potential"] == pytest.approx(900, rel=1e-12)  # a single leaf: no split


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**31), slope=st.floats(-1.0, 1.0), noise=st.floats(0.05, 1.5))
def test_potential_never_falls_as_employees_grow(con, seed, slope, noise):
    # spend that may even fall with size, very noisily: the potential still never does
    rng = np.random.default_rng(seed)
    n = 300
    employees = np.exp(rng.uniform(0, np.log(50_000), n)).round()
    sectors = rng.choice(["52", "54", "62"], n)
    regions = rng.choice(["EMEA", "APAC", None], n)
    arr = np.exp(8 + slope * np.log(employees) / 3 + noise * rng.standard_normal(n)).round(2)
    rows = [(f"c{i}", float(e), s, r, float(a))
            for i, (e, s, r, a) in enumerate(zip(employees, sectors, regions, arr, strict=True))]
    model = fit(accounts_table(con, rows), min_customers_per_leaf=10)
    grid = [(f"g{s}{r}{k:03d}", float(e), s, r, 0.0) for s in ("52", "54", "62", None)
            for r in ("EMEA", "APAC", None) for k, e in enumerate(np.geomspace(1, 3e6, 60).round())]
    scored = model.score(accounts_table(con, grid, "grid")).to_pyarrow().to_pandas()
    for _, part in scored.groupby([scored.naics_sector.fillna("-"), scored.region.fillna("-")]):
        part = part.sort_values("employees")
        assert (np.diff(part.potential.to_numpy()) >= 0).all()
        assert (np.diff(part.potential_high.to_numpy()) >= 0).all()
        assert (part.potential_low <= part.potential).all() and (part.potential <= part.potential_high).all()


MAY, JUNE = dt.date(2024, 5, 1), dt.date(2024, 6, 1)


def revenue_table(con, rows):
    """rows: (account_id, period, product, mrr)."""
    table = pa.Table.from_pylist(
        [dict(zip(("account_id", "period", "product", "mrr"), row)) for row in rows],
        schema=pa.schema([("account_id", pa.string()), ("period", pa.date32()),
                          ("product", pa.string()), ("mrr", pa.float64())]))
    return materialise(con, ibis.memtable(table), "revenue")


def test_product_whitespace_counts_what_lookalikes_hold_at_their_median(con):
    # Eleven alike customers hold Core; six hold Analytics at 10 to 60 a month, two hold
    # Support. With product_share 0.5, Core (11/11) and Analytics (6/11) are offered, Support
    # (2/11) is not. Analytics holders' median: 12 × 35 = 420 a year; Core's: 12 × 100.
    lines = [(f"s{i:02d}", JUNE, "Core", 100.0) for i in range(1, 12)]
    lines += [(f"s{i:02d}", JUNE, "Analytics", 10.0 * i) for i in range(1, 7)]
    lines += [(f"s{i:02d}", JUNE, "Support", 5.0) for i in (10, 11)]
    lines += [("s07", MAY, "Analytics", 50.0)]  # held in May, not in the latest month
    revenue = revenue_table(con, lines)
    arr = {a: 12 * sum(m for b, p, _, m in lines if b == a and p == JUNE) for a, *_ in lines}
    accounts = accounts_table(con, [(a, 10.0, "52", "EMEA", arr[a]) for a in sorted(arr)]
                              + [("ps", 10.0, "52", "EMEA", 0.0)])
    model = fit(accounts, {"revenue": revenue}, product_share=0.5)
    rows = scored_rows(model, accounts)
    assert (rows["s01"]["product_whitespace"], rows["s01"]["product_whitespace_arr"]) == (0, 0.0)
    assert (rows["s07"]["product_whitespace"], rows["s07"]["product_whitespace_arr"]) \
        == (1, pytest.approx(420.0))
    assert (rows["ps"]["product_whitespace"], rows["ps"]["product_whitespace_arr"]) \
        == (2, pytest.approx(1200.0 + 420.0))
    named = {row["account_id"]: row["whitespace_products"] for row in
             model.tables(model.score(accounts))["account_potential"].to_pyarrow().to_pylist()}
    assert (named["ps"], named["s07"], named["s01"]) == ("Analytics; Core", "Analytics", None)


def test_the_backtest_counts_accounts_whose_arr_grew_after_the_cutoff(con):
    cutoff = dt.date(2024, 3, 31)
    revenue = revenue_table(con, [
        ("grew", dt.date(2024, 3, 1), "Core", 100.0), ("grew", JUNE, "Core", 150.0),
        ("won", JUNE, "Core", 80.0),
        ("flat", dt.date(2024, 3, 1), "Core", 100.0), ("flat", JUNE, "Core", 100.5),  # 0.5%
        ("lost", dt.date(2024, 3, 1), "Core", 100.0),
    ])
    accounts = accounts_table(con, [(a, 10.0, None, None, 0.0)
                                    for a in ("flat", "grew", "lost", "none", "won")])
    context = RunContext(PROJECT, AS_OF, {"revenue": revenue}, accounts)
    outcome = Potential().outcome(context, cutoff).order_by("account_id").to_pyarrow().to_pylist()
    assert [(r["account_id"], r["outcome"], r["weight"]) for r in outcome] == [
        ("flat", False, 0.0), ("grew", True, 600.0), ("lost", False, 0.0),
        ("none", False, 0.0), ("won", True, 960.0)]


def test_the_backtest_ranks_customers_and_prospects_apart_and_pooled(con):
    # At the cut-off five customers (arr > 0) and five prospects, with what potential said
    # then; five grew after it (c1, c3, c5 expanded, p1 and p3 were won), by the ARR gained.
    rows = [  # account, arr, potential, grew, gained
        ("c1", 100.0, 500.0, True, 50.0), ("c2", 300.0, 400.0, False, 0.0),
        ("c3", 400.0, 1000.0, True, 200.0), ("c4", 880.0, 1100.0, False, 0.0),
        ("c5", 50.0, 100.0, True, 10.0), ("p1", 0.0, 2000.0, True, 300.0),
        ("p2", 0.0, 700.0, False, 0.0), ("p3", 0.0, 300.0, True, 100.0),
        ("p4", 0.0, 150.0, False, 0.0), ("p5", 0.0, 90.0, False, 0.0)]
    scored = materialise(con, ibis.memtable({
        "account_id": [r[0] for r in rows], "arr": [r[1] for r in rows],
        "potential": [r[2] for r in rows], "whitespace": [r[2] - r[1] for r in rows],
        "share_of_wallet": [r[1] / r[2] for r in rows]}), "scored_at_cutoff")
    outcome = materialise(con, ibis.memtable({
        "account_id": [r[0] for r in rows], "outcome": [r[3] for r in rows],
        "weight": [r[4] for r in rows]}), "grew_after")
    rankings = Potential().backtest_rankings()
    qualities = evaluate_rankings(scored, outcome, rankings)
    found = {r.label: q.summary for r, q in zip(rankings, qualities, strict=True)}
    assert list(found) == ["potential · all", "whitespace · all", "whitespace · customers",
                           "share_of_wallet, lowest first · customers", "whitespace · prospects"]
    figures = {label: (s["accounts"], s["positives"], s["auc"], s["top_decile_lift"],
                       s["top_quintile_weight_share"], s["weighted_auc"])
               for label, s in found.items()}
    # by potential: p1+ c4 c3+ p2 c1+ c2 p3+ p4 c5+ p5; the positives outrank 5, 4, 3, 2, 1
    # of the 5 others; the top fifth (p1, c4) holds 300 of the 660 gained; weighted, the
    # positives count by their gains: (300×5 + 200×4 + 50×3 + 100×2 + 10×1) / (660×5)
    assert figures["potential · all"] == pytest.approx(
        (10, 5, 15 / 25, 2.0, 300 / 660, 2660 / 3300))
    # by whitespace: p1+ p2 c3+ c1+ p3+ c4 p4 c2 p5 c5+: 5 + 4 + 4 + 4 + 0 pairs right
    assert figures["whitespace · all"] == pytest.approx(
        (10, 5, 17 / 25, 2.0, 300 / 660, (300 * 5 + 200 * 4 + 50 * 4 + 100 * 4) / 3300))
    # customers by whitespace: c3+ (600) c1+ (400) c4 (220) c2 (100) c5+ (50); the top
    # decile of 5 is one account, at a rate of 1 against 3/5
    assert figures["whitespace · customers"] == pytest.approx(
        (5, 3, 4 / 6, 5 / 3, 200 / 260, (200 * 2 + 50 * 2) / (260 * 2)))
    # by share of wallet, the least spent first: c1+ (0.2) c3+ (0.4) c5+ (0.5) c2 c4
    assert figures["share_of_wallet, lowest first · customers"] == pytest.approx(
        (5, 3, 1.0, 5 / 3, 50 / 260, 1.0))
    # prospects by whitespace (their potential): p1+ p2 p3+ p4 p5
    assert figures["whitespace · prospects"] == pytest.approx(
        (5, 2, 5 / 6, 2.5, 300 / 400, (300 * 3 + 100 * 2) / (400 * 3)))


def test_the_stage_backtests_potential_per_population_at_the_cutoff(con):
    # eleven customers pay 100 to 1,100 a year in March; by June s02 and s09 grew by half,
    # s05 left, prospect q1 was won and q2 stayed a prospect
    march, june = dt.date(2024, 3, 1), JUNE
    paid = [(a, march, "Core", arr / 12) for a, _, _, _, arr in SMALL]
    paid += [(a, june, "Core", arr / 12 * (1.5 if a in ("s02", "s09") else 1.0))
             for a, _, _, _, arr in SMALL if a != "s05"]
    revenue = revenue_table(con, paid + [("q1", june, "Core", 100.0)])
    now = {r[0]: r[3] * 12 for r in paid if r[1] == june} | {"q1": 1200.0}
    accounts = accounts_table(con, [(a, e, n, r, now.get(a, 0.0)) for a, e, n, r, _ in
                                    SMALL + [("q1", 10.0, "52", "EMEA", 0.0),
                                             ("q2", 10.0, "52", "EMEA", 0.0)]])
    project = Project.model_validate({
        "sources": {"accounts": {"path": "a.csv"}}, "backtest": {"months": 3},
        "scores": {"potential": EXACT}, "segmentation": {"default": "Everyone"}})
    run = score_accounts(RunContext(project, AS_OF, {"revenue": revenue}, accounts))
    backtest = run.frames["backtest"].set_index("ranking")
    assert backtest.loc["potential · all", "cutoff"] == pd.Timestamp(2024, 3, 31)
    # customers at the cut-off: the eleven (s02, s09 grew); prospects: q1 (won) and q2
    assert backtest[["population", "accounts", "positives"]].values.tolist() == [
        ["all", 13, 3], ["all", 13, 3], ["customers", 11, 2], ["customers", 11, 2],
        ["prospects", 2, 1]]
    deciles = run.frames["backtest_deciles"]
    assert deciles.groupby("ranking", sort=False).accounts.sum().tolist() == [13, 13, 11, 11, 2]


@pytest.mark.parametrize(("settings", "message"), [
    ({"quantile": 0.95}, r"range: needs low < quantile < high, between 0 and 1: got \[0\.5, "
                         r"0\.9\] around quantile 0\.95"),
    ({"features": ["region"]}, r"features: must include employees"),
    ({"features": ["employees", "sector"]}, r"features\.1: Input should be 'employees'"),
    ({"bands": {"edges": [5, 1]}}, r"bands: cuts must be strictly increasing"),
    ({"bands": {"labels": ["Low", "High"]}}, r"bands: 2 cuts make 3 bands"),
    ({"sam": "region == "}, r"sam: Rule 'region == ' is not valid: expected a value after '=='"),
])
def test_bad_settings_name_the_key(settings, message):
    from segmint.score.registry import configured

    with pytest.raises(ConfigError, match=rf"^scores\.potential\.{message}"):
        configured({"potential": settings})


def test_size_bins_are_the_same_on_every_engine(con):
    # 1,000 is 10^3 exactly: bin 48 wherever log10 rounds
    table = materialise(con, ibis.memtable({"employees": [0.5, 1.0, 999.0, 1000.0, 1e7]}), "sizes")
    binned = table.select("employees", k=la.size_bin(table.employees, la.NUMERIC["employees"]))
    assert binned.order_by("employees").k.to_pyarrow().to_pylist() == [0, 0, 47, 48, 112]

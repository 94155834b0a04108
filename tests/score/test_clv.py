"""CLV as a score: purchases and contract periods computed in the engine, the value per
account against the fitters' own figures, bands, the hold-out check and missing inputs."""

from __future__ import annotations

import datetime as dt
import functools
import warnings

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
from segmint.exceptions import ModelFitWarning
from segmint.score.clv import ClvSettings, CustomerLifetimeValue
from segmint.score.clv import history as h
from segmint.score.clv import likelihoods
from segmint.score.clv.fitters import BetaGeo, GammaGamma
from segmint.score.clv.value import pattern_forecast

AS_OF = dt.date(2024, 6, 30)
D = dt.date
PROJECT = Project.model_validate({"sources": {"accounts": {"path": "a.csv"}},
                                  "segmentation": {"default": "Everyone"}})


def table(con, name, **columns):
    return materialise(con, ibis.memtable(pa.table(columns)), name)


def rows(expr, key=t.ACCOUNT_ID):
    return {row[key]: row for row in expr.to_pyarrow().to_pylist()}


def test_a_purchase_is_an_accounts_day_of_positive_net_spend(con):
    # a: an invoice of two lines on Jan 2, one on Mar 1 and May 1, a credit note on Jun 1;
    # b: one invoice, then one after as_of (not yet known)
    tx = table(con, "tx", account_id=["a", "a", "a", "a", "a", "b", "b"],
               transaction_id=["1", "1", "2", "3", "CN", "4", "5"],
               date=[D(2024, 1, 2), D(2024, 1, 2), D(2024, 3, 1), D(2024, 5, 1), D(2024, 6, 1),
                     D(2024, 2, 10), D(2024, 7, 1)],
               amount=[60.0, 40.0, 30.0, 50.0, -30.0, 75.0, 10.0])
    bought, source = h.purchases({"transactions": tx}, AS_OF)
    summary = rows(h.repeat_summary(bought, AS_OF))
    assert source == "transactions"
    assert summary["a"] == {"account_id": "a", "frequency": 2, "recency_days": 120,
                            "age_days": 180, "repeat_spend_cents": 8000, "mean_spend": 40.0}
    assert summary["b"] == {"account_id": "b", "frequency": 0, "recency_days": 0,
                            "age_days": 141, "repeat_spend_cents": 0, "mean_spend": 0.0}


def test_won_deals_stand_in_without_transactions(con):
    deals = table(con, "deals", deal_id=["1", "2", "3"], account_id=["a", "a", "a"],
                  is_won=[True, False, True], close_date=[D(2024, 1, 31), D(2024, 2, 1),
                                                          D(2024, 4, 30)],
                  amount=[1000.0, 500.0, 2000.0])
    bought, source = h.purchases({"deals": deals}, AS_OF)
    assert source == "won deals"
    assert rows(h.repeat_summary(bought, AS_OF))["a"]["frequency"] == 1
    assert h.purchases({}, AS_OF) == (None, "")


def hand_made_purchases(con):
    """Eight accounts whose patterns share: a and b buy on the same three days (x=2, 118 days
    from first to last, 177 to AS_OF) for different amounts; c and d once on Feb 1 (x=0, age
    150); e and f twice, a month apart (x=1, 31, 173; both repeat for 30.00); g four times a
    week apart (x=3, 21, 119); h's first day nets to zero, so it first bought on Apr 1."""
    spec = {"a": [(D(2024, 1, 5), 100.0), (D(2024, 3, 1), 80.0), (D(2024, 5, 2), 120.5)],
            "b": [(D(2024, 1, 5), 50.0), (D(2024, 3, 1), 60.0), (D(2024, 5, 2), 70.0)],
            "c": [(D(2024, 2, 1), 35.0)], "d": [(D(2024, 2, 1), 90.0)],
            "e": [(D(2024, 1, 9), 20.0), (D(2024, 2, 9), 30.0)],
            "f": [(D(2024, 1, 9), 25.0), (D(2024, 2, 9), 30.0)],
            "g": [(D(2024, 3, d), a) for d, a in ((3, 10.0), (10, 12.0), (17, 11.0), (24, 9.0))],
            "h": [(D(2024, 1, 2), 40.0), (D(2024, 1, 2), -40.0), (D(2024, 4, 1), 60.0)]}
    bought = [(account, day, amount) for account, rows in spec.items() for day, amount in rows]
    tx = table(con, "hand_tx", account_id=[b[0] for b in bought], date=[b[1] for b in bought],
               amount=[b[2] for b in bought])
    return h.repeat_summary(h.purchases({"transactions": tx}, AS_OF)[0], AS_OF)


def test_the_fits_read_distinct_patterns_worth_every_account(con):
    summary = hand_made_purchases(con)
    patterns, spend = h.fit_patterns(summary)  # one query for both fits
    for one_query, alone in ((patterns, h.repeat_patterns(summary)),
                             (spend, h.spend_patterns(summary))):
        assert {k: v.tolist() for k, v in one_query.items()} == alone.to_pyarrow().to_pydict()
    assert {k: v.tolist() for k, v in patterns.items()} == {
        "frequency": [0, 0, 1, 2, 3], "recency_days": [0, 0, 31, 118, 21],
        "age_days": [90, 150, 173, 177, 119], "accounts": [1, 2, 2, 2, 1]}
    # a: 80.00 + 120.50; b: 60 + 70; e and f: 30; g: 12 + 11 + 9
    assert {k: v.tolist() for k, v in spend.items()} == {
        "frequency": [1, 2, 2, 3], "repeat_spend_cents": [3000, 13000, 20050, 3200],
        "accounts": [2, 1, 1, 1]}
    each = h.collect(summary.order_by(t.ACCOUNT_ID))
    weeks = lambda table, column: table[column] / 7.0  # noqa: E731
    # the compressed likelihoods are the per-account ones, at the papers' CDNOW parameters ...
    bg_params, gg_params = np.log([0.243, 4.414, 0.793, 2.426]), np.log([6.25, 3.74, 15.44])
    assert each["frequency"].size == 8
    per_account = likelihoods.bgnbd(bg_params, each["frequency"].astype(float),
                                    weeks(each, "recency_days"), weeks(each, "age_days"))[0].sum()
    compressed = likelihoods.BgnbdTotal(patterns["frequency"].astype(float),
                                        weeks(patterns, "recency_days"),
                                        weeks(patterns, "age_days"),
                                        patterns["accounts"].astype(float))(bg_params)[0]
    assert compressed == pytest.approx(per_account, rel=1e-12)
    buyers = each["frequency"] > 0
    x, mean_spend, accounts = h.spend_arrays(spend)
    assert likelihoods.GammaGammaTotal(x, mean_spend, accounts)(gg_params)[0] == pytest.approx(
        likelihoods.gamma_gamma(gg_params, each["frequency"][buyers].astype(float),
                                each["mean_spend"][buyers])[0].sum(), rel=1e-12)
    # ... so the fits reach one maximum (eight accounts identify little: a, b and p run to
    # their bounds, where the parameters drift along a flat ridge but the maximum does not)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ModelFitWarning)
        on_patterns = BetaGeo().fit(patterns["frequency"], weeks(patterns, "recency_days"),
                                    weeks(patterns, "age_days"), patterns["accounts"])
        on_accounts = BetaGeo().fit(each["frequency"], weeks(each, "recency_days"),
                                    weeks(each, "age_days"))
        spend_on_patterns = GammaGamma().fit(x, mean_spend, accounts)
        spend_on_accounts = GammaGamma().fit(each["frequency"], each["mean_spend"])
    assert on_patterns.log_likelihood_ == pytest.approx(on_accounts.log_likelihood_, abs=1e-6)
    assert spend_on_patterns.log_likelihood_ == pytest.approx(spend_on_accounts.log_likelihood_,
                                                             abs=1e-6)


def test_contract_periods_count_renewals_and_churn(con):
    # a pays Jan 2023 to Jun 2024 (18 months: in its second year); b paid Mar to May 2023
    months = [D(2023 + (m - 1) // 12, (m - 1) % 12 + 1, 1) for m in range(1, 19)]
    revenue = table(con, "revenue", account_id=["a"] * 18 + ["b"] * 3,
                    period=months + months[2:5], mrr=[10.0] * 21)
    assert {k: (v["periods"], v["churned"], v["started_before_history"], v["start_year"])
            for k, v in rows(h.contract_periods(revenue, AS_OF)).items()} == \
        {"a": (2, False, True, 2023), "b": (1, True, False, 2023)}



def test_a_won_back_account_starts_a_second_spell_and_a_billing_hole_does_not(con):
    # c pays Feb-Apr 2023, nothing May-Jun, then Jul 2023 to Jun 2024: won back, a second spell
    # of 12 months. d pays Feb 2023 on but for Mar 2024 (one month missing from the export):
    # one spell of 17 months. Both first paid in the history's first month (Feb 2023).
    months = [D(2023 + (m - 1) // 12, (m - 1) % 12 + 1, 1) for m in range(1, 19)]
    c_months = months[1:4] + months[6:]
    d_months = [m for m in months[1:] if m != D(2024, 3, 1)]
    revenue = table(con, "spells", account_id=["c"] * len(c_months) + ["d"] * len(d_months),
                    period=c_months + d_months, mrr=[10.0] * (len(c_months) + len(d_months)))
    spells = sorted((r["account_id"], r["spell"], r["periods"], r["churned"],
                     r["started_before_history"], r["start_year"], r["latest_spell"])
                    for r in h.contract_periods(revenue, AS_OF).to_pyarrow().to_pylist())
    assert spells == [("c", 1, 1, True, True, 2023, False), ("c", 2, 1, False, False, 2023, True),
                      ("d", 1, 2, False, True, 2023, True)]


def spells_by_hand(history: list[tuple[str, dt.date, float]], as_of: dt.date,
                   period_months: int) -> list[tuple]:
    """`h.contract_periods` in plain Python: a spell is a run of paid months (MRR > 0, up to
    `as_of`) with gaps of at most one unpaid month."""
    known = [period for _, period, _ in history if period <= as_of]
    first_month, last_month = min(known), max(known)
    paid: dict[str, dict[int, list[dt.date]]] = {}
    for account, period, mrr in history:
        if mrr > 0 and period <= as_of:
            paid.setdefault(account, {}).setdefault(period.year * 12 + period.month, []).append(period)
    out = []
    for account, months in paid.items():
        runs: list[list[int]] = []
        for month in sorted(months):
            if runs and month - runs[-1][-1] <= 2:
                runs[-1].append(month)
            else:
                runs.append([month])
        for spell, run in enumerate(runs, start=1):
            began, ended = min(months[run[0]]), max(months[run[-1]])
            out.append((account, spell, (run[-1] - run[0]) // period_months + 1,
                        ended < last_month, began <= first_month, began.year, spell == len(runs)))
    return sorted(out)


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(history=st.lists(st.tuples(st.sampled_from("ab"), st.integers(0, 29),
                                  st.sampled_from([1, 1, 15]), st.sampled_from([10.0, 10.0, 0.0])),
                        min_size=1, max_size=16),
       cut=st.integers(18, 30), period_months=st.sampled_from([1, 3, 12]))
def test_contract_periods_agree_with_spells_counted_by_hand(con, history, cut, period_months):
    # any paid months, a few unpaid (MRR 0) and two payments in one month, cut at any month
    rows_in = [(account, D(2022 + month // 12, month % 12 + 1, day), mrr)
               for account, month, day, mrr in history]
    as_of = D(2022 + cut // 12, cut % 12 + 1, 1)
    revenue = ibis.memtable(pa.table({"account_id": [r[0] for r in rows_in],
                                      "period": [r[1] for r in rows_in],
                                      "mrr": [r[2] for r in rows_in]}))
    if not any(period <= as_of for _, period, _ in rows_in):
        return  # no history before the cut: nothing to count
    found = sorted((r["account_id"], r["spell"], r["periods"], r["churned"],
                    r["started_before_history"], r["start_year"], r["latest_spell"])
                   for r in con.to_pyarrow(h.contract_periods(revenue, as_of,
                                                              period_months=period_months))
                   .to_pylist())
    assert found == spells_by_hand(rows_in, as_of, period_months)


@functools.cache
def simulated_history(seed=11, accounts=1500):
    """BG/NBD purchases (r=0.8, alpha=14 weeks, a=0.7, b=2.8) of accounts that first bought
    in the two years before AS_OF, each purchase Gamma(2.5, nu), nu ~ Gamma(3, 2400)."""
    rng = np.random.default_rng(seed)
    end = np.datetime64(AS_OF, "D")
    ids, days, amounts = [], [], []
    for i in range(accounts):
        age = int(rng.integers(1, 730))
        rate, dropout = rng.gamma(0.8, 1 / 14.0) / 7.0, rng.beta(0.7, 2.8)  # a day
        scale = 1.0 / rng.gamma(3.0, 1 / 2400.0)
        day = 0.0
        while True:  # the first purchase, then repeats until dropout or AS_OF
            ids.append(f"c{i:04d}")
            days.append(end - np.timedelta64(age - int(day), "D"))
            amounts.append(round(rng.gamma(2.5, scale), 2))
            day += rng.exponential(1 / rate)
            if day >= age or (len(days) > 1 and ids[-2] == ids[-1] and rng.random() < dropout):
                break
    return ids, days, amounts


@pytest.fixture
def history(con):
    ids, days, amounts = simulated_history()
    tx = table(con, "clv_tx", account_id=ids, date=pa.array(np.array(days, dtype="datetime64[D]")), amount=amounts)
    customers = sorted(set(ids))[:40]  # some also pay a contract, monthly since 2023
    months = [D(2023 + (m - 1) // 12, (m - 1) % 12 + 1, 1) for m in range(1, 19)]
    churned = set(customers[:15])  # these stop after 11 months
    rev_ids, rev_months = ["old"], [D(2022, 12, 1)]  # paying before the others: left out
    for c in customers:  # from February 2023
        paid = months[1:12] if c in churned else months[1:]
        rev_ids += [c] * len(paid)
        rev_months += paid
    revenue = table(con, "clv_revenue", account_id=rev_ids, period=rev_months,
                    mrr=[100.0] * len(rev_ids))
    all_ids = sorted(set(ids)) + ["old", "prospect"]
    arr = [1200.0 if c in customers and c not in churned else None for c in all_ids]
    accounts = table(con, "clv_accounts", account_id=all_ids, arr=pa.array(arr, pa.float64()))
    return {"transactions": tx, "revenue": revenue}, accounts


def fitted(history, **settings):
    tables, accounts = history
    context = RunContext(PROJECT, AS_OF, tables, accounts)
    return CustomerLifetimeValue(ClvSettings(**settings)).fit(context)


def test_clv_is_margin_on_discounted_repeat_spend_plus_contract(con, history):
    settings = {"horizon_months": 24, "discount_rate": 0.12, "margin": 0.6}
    model = fitted(history, **settings)
    tables, accounts = history
    scored = rows(model.score(accounts))
    summary = rows(h.repeat_summary(h.purchases(tables, AS_OF)[0], AS_OF))
    repeat_buyer = next(k for k, v in summary.items() if v["frequency"] >= 3)
    s = summary[repeat_buyer]
    forecast = pattern_forecast(model.repeat_, pd.DataFrame([s]), horizon_months=24,
                                annual_discount_rate=0.12).iloc[0]
    spend = model.spend_.expected_spend([s["frequency"]], [s["mean_spend"]])[0]
    row = scored[repeat_buyer]
    assert row[t.EXPECTED_SPEND] == pytest.approx(spend)
    assert row[t.CLV_REPEAT] == pytest.approx(0.6 * spend * forecast.discounted_purchases)
    assert row[t.CLV_REPEAT] < 0.6 * spend * forecast.expected_purchases  # discounting lowers it
    # an active contract: ARR x margin x DERL at its period (17 months paid: the second)
    active = next(k for k, v in scored.items() if v[t.CLV_CONTRACT] > 0)
    derl = model.retention_.discounted_residual_lifetime([2], 0.12)[0]
    assert scored[active][t.CLV_CONTRACT] == pytest.approx(1200.0 * 0.6 * derl)
    assert all(v[t.CLV] == pytest.approx(v[t.CLV_REPEAT] + v[t.CLV_CONTRACT])
               for v in scored.values())
    assert scored["prospect"][t.CLV] == 0.0 and scored["prospect"][t.EXPECTED_PURCHASES] is None


def test_fit_recovers_the_simulated_parameters_and_calibrates(history):
    model = fitted(history, holdout_months=6)
    r, alpha, a, b = (model.repeat_.params_[k] for k in ("r", "alpha", "a", "b"))
    assert r / alpha == pytest.approx(0.8 / 14.0, rel=0.25)  # the mean weekly rate
    assert a / (a + b) == pytest.approx(0.7 / 3.5, rel=0.35)  # the mean dropout probability
    gg = model.spend_.params_
    assert gg["p"] * gg["gamma"] / (gg["q"] - 1) == pytest.approx(2.5 * 2400 / 2, rel=0.2)
    calibration = model._calibration
    assert calibration.frequency.iloc[0] == "0" and calibration.frequency.iloc[-1] == "7+"
    totals = (calibration.accounts * calibration[["predicted_per_account",
                                                  "actual_per_account"]].T).T.sum()
    assert totals.predicted_per_account == pytest.approx(totals.actual_per_account, rel=0.2)


def test_bands_split_valued_accounts_at_the_quantiles(history):
    model = fitted(history, holdout_months=0)
    _, accounts = history
    scored = model.score(accounts).to_pyarrow().to_pylist()
    low, high = model.band_edges_
    valued = np.array([r[t.CLV] for r in scored if r[t.CLV] > 0])
    assert np.mean(valued < low) == pytest.approx(0.5, abs=0.02)
    assert np.mean(valued < high) == pytest.approx(0.8, abs=0.02)
    assert {r[t.CLV_BAND] for r in scored if r[t.CLV] >= high} == {"High"}
    assert {r[t.CLV_BAND] for r in scored if r[t.CLV] == 0} == {"Low"}


def test_parameters_name_every_fitted_model(history):
    frame = fitted(history, holdout_months=0).parameters()
    names = set(frame.parameter)
    assert {"bgnbd_r", "bgnbd_log_likelihood", "gamma_gamma_p", "sbg_alpha", "band_edge_1",
            "margin"} <= names
    assert frame.set_index("parameter").value["bgnbd_accounts"] == 1500
    assert frame.set_index("parameter").value["sbg_accounts"] == 40  # not "old": left truncated


def test_without_any_purchase_history_clv_is_the_contract_alone(con):
    accounts = table(con, "bare", account_id=["a", "b"], arr=[1000.0, None])
    context = RunContext(PROJECT, AS_OF, {}, accounts)
    model = CustomerLifetimeValue(ClvSettings()).fit(context)
    assert model.notes_ == ["no transactions and no won deals: the repeat-purchase part is 0"]
    scored = rows(model.score(accounts))
    assert [scored[k][t.CLV] for k in "ab"] == [0.0, 0.0]


def test_the_score_stage_adds_clv_columns_usable_by_rules(con, history):
    from segmint.score.stage import score_accounts

    tables, accounts = history
    project = Project.model_validate({
        "sources": {"accounts": {"path": "a.csv"}}, "backtest": {"months": 0},
        "scores": {"clv": {"holdout_months": 3}},
        "segmentation": {"segments": [{"name": "Valuable", "when": "clv_band = 'High'"}],
                         "default": "Other"}})
    run = score_accounts(RunContext(project, AS_OF, tables, accounts))
    assert run.columns == ["clv", "clv_repeat", "clv_contract", "clv_band",
                           "expected_purchases", "expected_spend", "probability_alive"]
    assert {"clv_parameters", "clv_calibration", "clv_retention"} <= set(run.tables)
    assert len(run.frames["clv_calibration"]) == 8


def test_a_model_the_data_cannot_identify_is_a_note_of_the_run(con):
    # every account still buys at the end: no dropout to learn, BG/NBD's a runs to 0
    days = [D(2024, 1, 1) + dt.timedelta(days=d) for d in range(0, 180, 30)]
    ids = [f"a{i}" for i in range(30) for _ in days]
    tx = table(con, "steady", account_id=ids, date=days * 30, amount=[10.0 + i % 7 for i in range(len(ids))])
    accounts = table(con, "steady_accounts", account_id=sorted(set(ids)))
    model = CustomerLifetimeValue(ClvSettings(holdout_months=0)).fit(
        RunContext(PROJECT, AS_OF, {"transactions": tx}, accounts))
    assert any(note.startswith("BG/NBD: ") and "reached the edge" in note for note in model.notes_), \
        model.notes_


def test_retention_by_fits_one_curve_per_value_and_scores_with_it(con):
    # 600 accounts start monthly from 2020 on; at each yearly renewal North churns 10%, South 40%
    rng = np.random.default_rng(5)
    ids, periods, region, arr = [], [], {}, {}
    for i in range(600):
        name, start = f"k{i:03d}", int(rng.integers(0, 42))  # months after 2020-01
        region[name] = "North" if i % 2 else "South"
        churn = 0.1 if i % 2 else 0.4
        month = start
        while month < 54:  # to 2024-06
            ids.append(name)
            periods.append(D(2020 + month // 12, month % 12 + 1, 1))
            month += 1
            if (month - start) % 12 == 0 and rng.random() < churn:
                break
        arr[name] = 1200.0 if month >= 54 else None
    ids.append("early")  # the history begins with an account already paying
    periods.append(D(2019, 12, 1))
    revenue = table(con, "regional_revenue", account_id=ids, period=periods,
                    mrr=[100.0] * len(ids))
    names = sorted(region)
    accounts = table(con, "regional_accounts", account_id=names,
                     region=[region[n] for n in names],
                     arr=pa.array([arr[n] for n in names], pa.float64()))
    model = CustomerLifetimeValue(ClvSettings(retention_by="region", holdout_months=0)).fit(
        RunContext(PROJECT, AS_OF, {"revenue": revenue}, accounts))
    curves = model.retention_by_group_
    for group, churn in (("North", 0.1), ("South", 0.4)):
        alpha, beta = curves[group].alpha_, curves[group].beta_
        assert alpha / (alpha + beta) == pytest.approx(churn, abs=0.08), group
    scored = rows(model.score(accounts))
    north = next(n for n in names if region[n] == "North" and arr[n])
    begun = {r["account_id"]: r["periods"]
             for r in h.contract_periods(revenue, AS_OF).to_pyarrow().to_pylist()}
    derl = curves["North"].discounted_residual_lifetime([begun[north]], 0.10)[0]
    assert scored[north][t.CLV_CONTRACT] == pytest.approx(0.75 * 1200.0 * derl)
    assert set(model._retention_curve.group) == {"All", "North", "South"}
    assert "sbg_alpha[North]" in set(model.parameters().parameter)


def test_retention_by_names_a_missing_column(con):
    from segmint.exceptions import ColumnNotFoundError

    revenue = table(con, "rev1", account_id=["a"], period=[D(2024, 1, 1)], mrr=[1.0])
    accounts = table(con, "acc1", account_id=["a"], region=["EMEA"])
    with pytest.raises(ColumnNotFoundError, match="Did you mean 'region'"):
        CustomerLifetimeValue(ClvSettings(retention_by="regoin")).fit(
            RunContext(PROJECT, AS_OF, {"revenue": revenue}, accounts))


def test_retention_by_start_year_fits_a_curve_per_cohort(con, history):
    tables, accounts = history
    model = CustomerLifetimeValue(ClvSettings(retention_by="start_year", holdout_months=0)).fit(
        RunContext(PROJECT, AS_OF, tables, accounts))
    # every contract of the fixture starts in February 2023: one cohort, the pooled curve's
    only = model.retention_by_group_["2023"]
    assert (only.alpha_, only.beta_) == pytest.approx((model.retention_.alpha_,
                                                       model.retention_.beta_), rel=1e-6)


def test_segment_ranges_bracket_each_segments_total(con, history):
    tables, accounts = history
    model = fitted(history, holdout_months=0, uncertainty_draws=30)
    scored = model.score(accounts)
    segmented = scored.mutate(segment=ibis.ifelse(scored[t.ACCOUNT_ID] < "c0700", "A", "B"))
    ranges = model.segment_ranges(segmented).set_index("segment")
    totals = segmented.group_by("segment").aggregate(clv=segmented[t.CLV].sum()).to_pandas() \
        .set_index("segment").clv
    for segment in ("A", "B"):
        low, high = ranges.loc[segment, "clv_low"], ranges.loc[segment, "clv_high"]
        assert low < totals[segment] < high
        assert (high - low) / totals[segment] < 0.5  # 1,500 accounts: a range, not a shrug
    assert ranges.loc["All", "clv_low"] == pytest.approx(
        ranges.loc["A", "clv_low"] + ranges.loc["B", "clv_low"], rel=0.2)
    assert model.segment_ranges(segmented.filter(segmented.segment == "A")).shape[0] == 2
    none = fitted(history, holdout_months=0, uncertainty_draws=0)
    assert none.segment_ranges(segmented).empty

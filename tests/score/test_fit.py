"""ICP fit on hand-built tables: declared scorecards scored by hand, the learned model against
its own NumPy twin, fields recorded after the outcome left out, and what the back-test counts."""

from __future__ import annotations

import datetime as dt

import ibis
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from segmint.config.project import Project
from segmint.context import RunContext
from segmint.engine import materialise
from segmint.exceptions import ConfigError, RuleError
from segmint.score.backtest import known_at
from segmint.score.fit import Fit, FitSettings
from segmint.score.fit.learned import MISSING
from segmint.score.fit.outcomes import LOST, WON, outcome_counts
from segmint.score.registry import configured

AS_OF = dt.date(2024, 6, 30)
CUTOFF = dt.date(2023, 12, 31)
PROJECT = Project.model_validate({"sources": {"accounts": {"path": "a.csv"}},
                                  "segmentation": {"default": "Everyone"}})


def table(con, rows: list[dict], schema: pa.Schema, name: str):
    return materialise(con, ibis.memtable(pa.Table.from_pylist(rows, schema=schema)), name)


ACCOUNT_SCHEMA = pa.schema([("account_id", pa.string()), ("employees", pa.float64()),
                            ("region", pa.string()), ("naics_sector", pa.string())])


def scored(model, accounts) -> dict[str, dict]:
    return {row["account_id"]: row for row in
            model.score(accounts).order_by("account_id").to_pyarrow().to_pylist()}


# ---------------------------------------------------------------------------- declared
CARD = [{"when": "employees >= 200", "points": 30},
        {"when": 'region == "EMEA"', "points": 20},
        {"when": 'naics_sector in ["52", "54"]', "points": 10},
        {"when": "employees < 10", "points": -20}]


def test_a_declared_scorecard_scores_the_points_matched_scaled_0_to_100(con):
    accounts = table(con, [
        {"account_id": "best", "employees": 500.0, "region": "EMEA", "naics_sector": "52"},
        {"account_id": "big", "employees": 500.0, "region": "APAC", "naics_sector": "31"},
        {"account_id": "tiny", "employees": 5.0, "region": "EMEA", "naics_sector": "54"},
        {"account_id": "worst", "employees": 2.0, "region": "APAC", "naics_sector": None},
        {"account_id": "blank", "employees": None, "region": None, "naics_sector": None},
    ], ACCOUNT_SCHEMA, "accounts")
    settings = FitSettings(declared=CARD, bands={"edges": [40, 70]})
    model = Fit(settings).fit(RunContext(PROJECT, AS_OF, {}, accounts))
    rows = scored(model, accounts)
    # points run from -20 (only the negative rule) to 60 (every positive one): a span of 80
    assert {a: r["fit"] for a, r in rows.items()} == {
        "best": 100.0,   # 30 + 20 + 10 = 60
        "big": 62.5,     # 30: (30 + 20) / 80
        "tiny": 37.5,    # 20 + 10 - 20 = 10: (10 + 20) / 80
        "worst": 0.0,    # -20
        "blank": 25.0,   # nothing matched (missing fields match no rule): 20 / 80
    }
    assert {a: r["fit_band"] for a, r in rows.items()} == {
        "best": "High", "big": "Medium", "tiny": "Low", "worst": "Low", "blank": "Low"}
    # the matched rules that weigh most, heaviest first (negatives by their size), three at most
    assert rows["best"]["fit_factors"] == [
        "employees >= 200 (+30)", 'region == "EMEA" (+20)', 'naics_sector in ["52", "54"] (+10)']
    assert rows["tiny"]["fit_factors"] == [
        'region == "EMEA" (+20)', "employees < 10 (-20)", 'naics_sector in ["52", "54"] (+10)']
    assert rows["blank"]["fit_factors"] == []
    parameters = model.parameters().set_index("parameter").value
    assert parameters["points_lowest"] == -20 and parameters["points_highest"] == 60
    assert parameters['rule: region == "EMEA"'] == 20


def test_each_rule_is_written_out_once_in_the_scoring_sql(con):
    # the top factors compare every rule's points with every other's and the band reads the
    # fit once per edge: written out where read, a rule was matched 25 times in the SQL; now
    # twice (the fit, and its factor)
    accounts = table(con, [{"account_id": "a", "employees": 5.0, "region": "EMEA",
                            "naics_sector": "52"}], ACCOUNT_SCHEMA, "accounts")
    model = Fit(FitSettings(declared=CARD, bands={"edges": [40, 70]})).fit(
        RunContext(PROJECT, AS_OF, {}, accounts))
    sql = ibis.to_sql(model.score(accounts))
    assert sql.count("'EMEA'") == 2


def test_a_declared_scorecard_whose_span_has_no_short_decimal_scores_in_the_engine(con):
    # 30 + 10 − (−70) = 110 points from worst to best: each point is 100 / 110 of fit, a
    # scale that overflowed DuckDB's DECIMAL(18) when the literals were bare decimals
    accounts = table(con, [
        {"account_id": "a", "employees": 500.0, "region": "EMEA", "naics_sector": None},
        {"account_id": "b", "employees": 50.0, "region": "EMEA", "naics_sector": None},
        {"account_id": "c", "employees": 5.0, "region": "APAC", "naics_sector": None},
    ], ACCOUNT_SCHEMA, "accounts")
    settings = FitSettings(declared=[{"when": "employees >= 200", "points": 30},
                                     {"when": 'region == "EMEA"', "points": 10},
                                     {"when": "employees < 10", "points": -70}],
                           bands={"edges": [40, 70]})
    model = Fit(settings).fit(RunContext(PROJECT, AS_OF, {}, accounts))
    # a: 40 + 70 = 110 of 110; b: 10 + 70 = 80 of 110 (72.727...); c: −70 + 70 = 0
    assert {a: r["fit"] for a, r in scored(model, accounts).items()} == {
        "a": 100.0, "b": 72.73, "c": 0.0}


def test_declared_band_edges_default_to_the_median_and_80th_percentile(con):
    accounts = table(con, [{"account_id": f"a{i}", "employees": 100.0 * i, "region": None,
                            "naics_sector": None} for i in range(1, 11)], ACCOUNT_SCHEMA, "accounts")
    settings = FitSettings(declared=[{"when": "employees >= 300", "points": 1},
                                     {"when": "employees >= 700", "points": 1},
                                     {"when": "employees >= 900", "points": 2}])
    model = Fit(settings).fit(RunContext(PROJECT, AS_OF, {}, accounts))
    # scores 0 (a1, a2), 25 (a3-a6), 50 (a7, a8), 100 (a9, a10): the median is 25, the 80th 50
    assert model.band_edges_ == [25.0, 50.0]
    bands = {a: r["fit_band"] for a, r in scored(model, accounts).items()}
    assert (bands["a1"], bands["a3"], bands["a7"], bands["a10"]) == ("Low", "Medium", "High", "High")


@pytest.mark.parametrize(("settings", "message"), [
    ({"declared": [{"when": "employees >= ", "points": 5}]}, r"declared\.0\.when: Rule"),
    ({"declared": [{"when": "employees >= 5", "points": 0}]}, r"declared\.0\.points: a rule worth 0"),
    ({"declared": []}, r"declared: List should have at least 1 item"),
    ({"learn_from": ["upsell"]}, r"learn_from\.0: Input should be 'wins' or 'retention'"),
])
def test_bad_settings_name_the_key(settings, message):
    with pytest.raises(ConfigError, match=rf"^scores\.fit\.{message}"):
        configured({"fit": settings})


def test_a_declared_rule_naming_no_column_fails_with_the_rule(con):
    accounts = table(con, [{"account_id": "a", "employees": 5.0, "region": None,
                            "naics_sector": None}], ACCOUNT_SCHEMA, "accounts")
    settings = FitSettings(declared=[{"when": "headcount >= 5", "points": 5}])
    with pytest.raises(RuleError, match=r"^scores\.fit\.declared\[1\]: .*headcount"):
        Fit(settings).fit(RunContext(PROJECT, AS_OF, {}, accounts))


# ---------------------------------------------------------------------------- learned
DEAL_SCHEMA = pa.schema([("deal_id", pa.string()), ("account_id", pa.string()),
                         ("created_date", pa.date32()), ("close_date", pa.date32()),
                         ("is_won", pa.bool_()), ("is_closed", pa.bool_()),
                         ("deal_type", pa.string())])
LEARNED_SCHEMA = pa.schema([*ACCOUNT_SCHEMA, ("contract_tier", pa.string()),
                            ("loss_reason", pa.string())])

def deal_table(con, rows):
    """Deals from (account, created, closed, won, type); one closing after `AS_OF` is open."""
    return table(con, [{"deal_id": str(i), "account_id": account, "created_date": created,
                        "close_date": close, "is_won": won, "is_closed": close <= AS_OF,
                        "deal_type": kind}
                       for i, (account, created, close, won, kind) in enumerate(rows, start=1)],
                 DEAL_SCHEMA, "deals")



def learning_company(con, n: int = 400, seed: int = 3):
    """`n` accounts whose new-business deals (one each, closed before the cut-off for the
    first half, after it for the rest) are won more often the larger they are and in EMEA;
    a tenth are open prospects with no deal. Two fields are recorded with the outcome:
    ``contract_tier`` only for won accounts, ``loss_reason`` 'Won' or the reason for all."""
    rng = np.random.default_rng(seed)
    employees = np.round(np.exp(rng.uniform(np.log(5), np.log(5000), n)))
    emea = rng.random(n) < 0.5
    odds = -3.0 + 0.9 * np.log10(employees) + 1.0 * emea
    won = rng.random(n) < 1 / (1 + np.exp(-odds))
    accounts, deals = [], []
    for i in range(n):
        account = f"a{i:03d}"
        has_deal = i % 10 != 9
        accounts.append({
            "account_id": account, "employees": float(employees[i]),
            "region": "EMEA" if emea[i] else "AMER", "naics_sector": "52" if i % 3 else "31",
            "contract_tier": ("Gold" if i % 2 else "Silver") if has_deal and won[i] else None,
            "loss_reason": None if not has_deal else "Won" if won[i] else "Price"})
        if has_deal:
            close = dt.date(2023, 6, 1) if i < n // 2 else dt.date(2024, 3, 1)
            deals.append({"deal_id": f"d{i:03d}", "account_id": account,
                          "created_date": close - dt.timedelta(days=60), "close_date": close,
                          "is_won": bool(won[i]), "is_closed": True, "deal_type": "New Business"})
    return (table(con, accounts, LEARNED_SCHEMA, "accounts"),
            table(con, deals, DEAL_SCHEMA, "deals"))


def learned(accounts, deals, **settings):
    context = RunContext(PROJECT, AS_OF, {"deals": deals}, accounts)
    return Fit(FitSettings(min_level_accounts=5, **settings)).fit(context), context


def test_the_learned_fit_ranks_what_wins_and_scores_in_the_engine_as_the_model_does(con):
    accounts, deals = learning_company(con)
    model, _ = learned(accounts, deals, exclude=["contract_tier", "loss_reason"])
    fitted = model.learned_
    rows = scored(model, accounts)
    # the engine's score is the calibrated model's probability, level by level
    frame = accounts.order_by("account_id").to_pandas()
    levels = {f.name: f.levels_of(frame[f.name] if f.edges is not None
                                  else frame[f.name].astype(object)) for f in fitted.features}
    twin = np.round(fitted.probability_of(levels) * 100, 2)
    assert [rows[a]["fit"] for a in frame.account_id] == pytest.approx(twin, abs=0.011)
    assert all(0 <= r["fit"] <= 100 for r in rows.values())
    # it learnt the planted pattern: bigger and EMEA raise the fit, the sector nothing much
    effects = fitted.effects
    sizes = [f for f in fitted.features if f.name == "employees"][0].levels[:-1]
    assert effects["employees"][sizes[-1]] > 0 > effects["employees"][sizes[0]]
    assert effects["region"]["EMEA"] > 0 > effects["region"]["AMER"]
    # prospects (no deal) are scored too, and each account's factors name its levels
    prospect = rows["a009"]
    assert prospect["fit"] is not None and 1 <= len(prospect["fit_factors"]) <= 3
    assert any(f.startswith("region ") for f in prospect["fit_factors"])
    # a calibrated probability: the mean fit of the labelled accounts is near their win rate
    labelled = [rows[a]["fit"] for a in frame.account_id[frame.loss_reason.notna()]]
    rate = (frame.loss_reason == "Won").sum() / frame.loss_reason.notna().sum()
    assert np.mean(labelled) / 100 == pytest.approx(rate, abs=0.05)
    parameters = model.parameters().set_index("parameter")
    assert parameters.value["won_or_kept"] + parameters.value["lost_or_churned"] == 360
    assert "effect: region EMEA" in parameters.index


def test_fields_recorded_with_the_outcome_are_left_out(con):
    accounts, deals = learning_company(con)
    model, _ = learned(accounts, deals)  # by default every extra attribute is a candidate
    fitted = model.learned_
    assert set(fitted.excluded) == {"contract_tier", "loss_reason"}
    assert "filled for 100% of accounts won or kept and 0%" in fitted.excluded["contract_tier"]
    assert "alone ranks the outcomes with an AUC of 1.00" in fitted.excluded["loss_reason"]
    assert {f.name for f in fitted.features} == {"employees", "region", "naics_sector"}
    assert any("left contract_tier out" in note for note in model.notes_)
    # the same scores as a model never offered them
    clean, _ = learned(accounts, deals, exclude=["contract_tier", "loss_reason"])
    assert scored(model, accounts) == scored(clean, accounts)
    left_out = model.parameters().set_index("parameter").detail
    assert "recorded with the outcome" in left_out["left out: contract_tier"]


def test_the_fit_learns_only_what_was_known_at_the_cutoff(con):
    accounts, deals = learning_company(con)
    past = known_at({"deals": deals, "accounts": accounts}, CUTOFF)
    counts = outcome_counts(accounts, past, ["wins"])
    labelled = counts.filter((counts[WON] + counts[LOST]) > 0).count().execute()
    assert labelled == 180  # the first half's deals, the prospects apart: later ones were open
    model = Fit(FitSettings(min_level_accounts=5)).fit(
        RunContext(PROJECT, CUTOFF, past, past["accounts"]))
    parameters = model.parameters().set_index("parameter").value
    assert parameters["won_or_kept"] + parameters["lost_or_churned"] == 180


def test_retention_labels_customers_kept_and_churned(con):
    accounts = table(con, [{"account_id": a, "employees": 10.0, "region": None,
                            "naics_sector": None} for a in ("kept", "churned", "never")],
                     ACCOUNT_SCHEMA, "accounts")
    revenue = table(con, [
        {"account_id": "kept", "period": dt.date(2024, 6, 1), "mrr": 10.0},
        {"account_id": "churned", "period": dt.date(2024, 2, 1), "mrr": 10.0},
        {"account_id": "churned", "period": dt.date(2024, 6, 1), "mrr": 0.0},
    ], pa.schema([("account_id", pa.string()), ("period", pa.date32()), ("mrr", pa.float64())]),
        "revenue")
    counts = outcome_counts(accounts, {"revenue": revenue}, ["retention"])
    assert {r["account_id"]: (r[WON], r[LOST]) for r in counts.to_pyarrow().to_pylist()} == {
        "kept": (1, 0), "churned": (0, 1), "never": (0, 0)}


def test_without_anything_to_learn_from_the_error_says_what_to_add(con):
    accounts = table(con, [{"account_id": "a", "employees": 5.0, "region": None,
                            "naics_sector": None}], ACCOUNT_SCHEMA, "accounts")
    with pytest.raises(ConfigError, match=r"scores\.fit learns from .* declare a scorecard"):
        Fit().fit(RunContext(PROJECT, AS_OF, {}, accounts))


# ---------------------------------------------------------------------------- back-test
def test_the_backtest_counts_wins_after_the_cutoff_among_accounts_open_at_it(con):
    accounts = table(con, [{"account_id": a, "employees": 10.0, "region": None,
                            "naics_sector": None}
                           for a in ("customer", "lost_later", "open", "renewal_only",
                                     "won_before", "won_later", "won_twice")],
                     ACCOUNT_SCHEMA, "accounts")
    d = dt.date
    created, decided = d(2024, 1, 5), d(2024, 2, 1)
    deals = deal_table(con, [  # account, created, closed, won, type (closed unless it is later)
        ("won_later", d(2023, 11, 1), decided, True, "New Business"),
        ("lost_later", created, d(2024, 3, 1), False, None),
        ("won_before", d(2023, 5, 1), d(2023, 7, 1), True, "New Business"),
        ("won_before", created, decided, False, "New Business"),
        ("renewal_only", created, decided, True, "Renewal"),
        ("customer", created, decided, True, "New Business"),
        ("won_twice", created, decided, False, "New Business"),
        ("won_twice", created, d(2024, 4, 1), True, "New Logo"),
        ("open", d(2024, 5, 5), d(2024, 9, 1), False, "New Business"),
    ])
    revenue = table(con, [{"account_id": "customer", "period": d(2023, 12, 1), "mrr": 10.0}],
                    pa.schema([("account_id", pa.string()), ("period", pa.date32()),
                               ("mrr", pa.float64())]), "revenue")
    context = RunContext(PROJECT, AS_OF, {"deals": deals, "revenue": revenue}, accounts)
    outcome = Fit().outcome(context, CUTOFF).order_by("account_id").to_pyarrow().to_pylist()
    # paying at the cut-off, won before it, renewals and still-open deals are not asked about
    assert [(r["account_id"], r["outcome"]) for r in outcome] == [
        ("lost_later", False), ("won_later", True), ("won_twice", True)]


def test_the_stage_scores_fit_for_rules_and_backtests_it_at_the_cutoff(con):
    from segmint.score.stage import score_accounts
    from segmint.segment.rules import compile_rule, parse_rule

    accounts, deals = learning_company(con)
    project = Project.model_validate({
        "sources": {"accounts": {"path": "a.csv"}}, "as_of": AS_OF,
        "scores": {"fit": {"min_level_accounts": 5}}, "backtest": {"months": 6},
        "segmentation": {"segments": [{"name": "Ideal", "when": "fit >= 50"}]}})
    run = score_accounts(RunContext(project, AS_OF, {"deals": deals, "accounts": accounts},
                                    accounts))
    assert run.columns == ["fit", "fit_band", "fit_factors"]
    rule = parse_rule('fit >= 50 and "region EMEA (+)" in fit_factors and fit_band == "High"')
    ideal = run.accounts.filter(compile_rule(rule, run.accounts)).count().execute()
    assert 0 < ideal < 400
    backtest = run.frames["backtest"].set_index("score")
    # fitted at the cut-off on the first half's deals, asked about the second half's
    assert backtest.loc["fit", "accounts"] == 180
    assert 0.6 < backtest.loc["fit", "auc"] < 0.95
    assert 0 <= backtest.loc["fit", "calibration_error"] < 0.15  # fit ÷ 100 against the win rate
    assert run.frames["backtest_deciles"].mean_score.max() <= 1.0
    assert set(run.frames["fit_parameters"].columns) == {"parameter", "value", "detail"}
    assert any("left contract_tier out" in note for note in run.notes)


def test_the_learned_fit_is_the_chance_a_deal_is_won_each_account_weighing_its_deals(con):
    # EMEA accounts win 3 of their 4 deals, AMER accounts 1 of 4: a deal's chance is 75% and 25%
    accounts = table(con, [{"account_id": f"{region}{i:02d}", "employees": 100.0,
                            "region": region, "naics_sector": "52"}
                           for region in ("AMER", "EMEA") for i in range(20)],
                     ACCOUNT_SCHEMA, "accounts")
    closed, created = dt.date(2024, 3, 1), dt.date(2024, 1, 1)
    deals = deal_table(con, [(f"{region}{i:02d}", created, closed, won, "New Business")
                             for region, wins in (("AMER", 1), ("EMEA", 3)) for i in range(20)
                             for won in [True] * wins + [False] * (4 - wins)])
    model, _ = learned(accounts, deals, regularisation=100.0)
    rows = scored(model, accounts)
    assert rows["EMEA00"]["fit"] == pytest.approx(75, abs=3)
    assert rows["AMER00"]["fit"] == pytest.approx(25, abs=3)
    parameters = model.parameters().set_index("parameter").value
    assert (parameters["won_or_kept"], parameters["lost_or_churned"]) == (80, 80)


def declared_project(scorecard: str, segmentation: str) -> str:
    """A segmint.yaml reading accounts.csv, with a declared fit and a segmentation (both as
    YAML lines indented as they stand below)."""
    return f"""
        sources:
          accounts: {{path: accounts.csv}}
        scores:
          fit:
            declared:{scorecard}
        segmentation:{segmentation}
        """


def test_a_project_segments_on_a_declared_fit_and_writes_it(make_project):
    from segmint.pipeline import run

    project = make_project(declared_project("""
              - {when: "employees >= 200", points: 30}
              - {when: 'country == "DE"', points: 10}
            bands: {edges: [50, 90]}""", """
          segments: [{name: Ideal, when: 'fit >= 75 and "employees >= 200 (+30)" in fit_factors'}]
          default: Rest"""), accounts__csv="""
        account_id,employees,country
        A,500,DE
        B,500,US
        C,20,DE
        """)
    result = run(project)
    rows = result.assignments.order_by("account_id").to_pyarrow().to_pylist()
    assert [(r["fit"], r["fit_band"], r["segment"]) for r in rows] == [
        (100.0, "High", "Ideal"), (75.0, "Medium", "Ideal"), (25.0, "Low", "Rest")]
    written = pd.read_csv(project.path("segmint-out/assignments.csv"))
    assert written.fit_factors.tolist()[:2] == [
        'employees >= 200 (+30)+country == "DE" (+10)', "employees >= 200 (+30)"]
    assert "fit_parameters.csv" in {path.name for path in result.files}
    report = next(path for path in result.files if path.suffix == ".html").read_text("utf-8")
    assert "ICP fit: how much each account looks like those the company wins" in report
    assert "points_highest" in report


def test_the_learned_fit_is_the_same_on_every_run(con):
    accounts, deals = learning_company(con)
    first, _ = learned(accounts, deals)
    again, _ = learned(accounts, deals)
    assert first.parameters().equals(again.parameters())
    assert scored(first, accounts) == scored(again, accounts)


def test_the_lead_source_of_an_accounts_first_deal_is_an_attribute(con):
    # deals from partners are won 3 times in 4, from the web once in 4; the first deal of an
    # account names its lead source, later ones do not count; a prospect has no deal at all.
    # 30 accounts came from partners, 10 from the web
    counts = {"partner": 30, "web": 10}
    accounts = table(con, [{"account_id": f"{source}{i:02d}", "employees": 100.0,
                            "region": "EMEA", "naics_sector": "52"}
                           for source, count in counts.items() for i in range(count)]
                     + [{"account_id": "prospect", "employees": 100.0, "region": "EMEA",
                         "naics_sector": "52"}], ACCOUNT_SCHEMA, "accounts")
    schema = pa.schema([*DEAL_SCHEMA, ("lead_source", pa.string())])
    rows = []
    for source, wins in (("partner", 3), ("web", 1)):
        for i in range(counts[source]):
            for k, won in enumerate([True] * wins + [False] * (4 - wins)):
                rows.append({"deal_id": f"{source}{i:02d}-{k}", "account_id": f"{source}{i:02d}",
                             "created_date": dt.date(2024, 1, 1 + k),
                             "close_date": dt.date(2024, 3, 1), "is_won": won, "is_closed": True,
                             "deal_type": "New Business",
                             "lead_source": source.title() if k == 0 else "Event"})
    deals = table(con, rows, schema, "deals")
    model, _ = learned(accounts, deals, regularisation=100.0)
    scores = scored(model, accounts)
    assert scores["partner00"]["fit"] == pytest.approx(75, abs=3)
    assert scores["web00"]["fit"] == pytest.approx(25, abs=3)
    assert scores["partner00"]["fit_factors"] == ["lead_source Partner (+)"]
    assert "lead_source" not in model.score(accounts).columns  # read, not added
    effects = model.learned_.effects["lead_source"]
    assert effects["Partner"] > 0 > effects["Web"]
    assert set(effects) == {"Partner", "Web", "other", MISSING}  # later deals' Event is not one
    # no deal: its lead source is missing, a level no account learnt from, which tells
    # nothing: the prospect scores as the average account learnt from, log-odds (30 × ln 3 −
    # 10 × ln 3) / 40 = 0.549, a fit of 63.4, and no factor is named
    assert effects[MISSING] == effects["other"] == 0.0
    assert scores["prospect"]["fit"] == pytest.approx(63.4, abs=3)
    assert scores["prospect"]["fit_factors"] == []


def test_the_project_check_reads_a_declared_scorecards_names_before_any_data(make_project):
    from segmint.preflight import check_project

    project = make_project(declared_project("""
              - {when: 'lead_source == "Partner"', points: 10}
              - {when: "employes >= 200", points: 30}""", """
          segments: [{name: Everyone, when: "true"}]"""), accounts__csv="account_id,employees\nA,5\n")
    with pytest.raises(RuleError, match=r"^scores\.fit\.declared\[2\]: the rule reads 'employes'"
                                        r".*Did you mean 'employees'"):
        check_project(project)

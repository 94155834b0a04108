"""Account health on hand-built tables: a declared scorecard scored by hand, lifecycle stages,
measures the data cannot give, nothing read past the cut-off, and the validation against churn."""

from __future__ import annotations

import datetime as dt

import ibis
import pyarrow as pa
import pytest

from segmint.config.project import Project
from segmint.context import RunContext
from segmint.engine import materialise
from segmint.exceptions import ConfigError
from segmint.score.backtest import known_at
from segmint.score.health import Health, HealthSettings
from segmint.score.registry import configured

AS_OF = dt.date(2024, 6, 30)
PROJECT = Project.model_validate({"sources": {"accounts": {"path": "a.csv"}},
                                  "segmentation": {"default": "Everyone"}})
d = dt.date
MONTHS = [d(2024, 3, 1), d(2024, 4, 1), d(2024, 5, 1), d(2024, 6, 1)]

CARD = {"recent_months": 2, "measures": [
    {"name": "adoption", "kind": "ratio", "metric": "seats_used", "of": "seats", "weight": 2,
     "green": 0.8, "red": 0.5},
    {"name": "active_trend", "kind": "trend", "metric": "active_users", "weight": 2,
     "green": -0.05, "red": -0.2},
    {"name": "products", "kind": "products", "green": 2, "red": 1},
    {"name": "open_expansion", "kind": "open_deals", "deal_types": ["expansion"],
     "green": 1, "red": 0},
    {"name": "renewal_due", "kind": "open_deals", "deal_types": ["renewal"], "within_days": 90,
     "higher_is_better": False, "green": 0, "red": 0},
]}


def table(con, rows: list[dict], schema: pa.Schema, name: str):
    return materialise(con, ibis.memtable(pa.Table.from_pylist(rows, schema=schema)), name)


USAGE_SCHEMA = pa.schema([("account_id", pa.string()), ("date", pa.date32()),
                          ("metric", pa.string()), ("value", pa.float64())])
REVENUE_SCHEMA = pa.schema([("account_id", pa.string()), ("period", pa.date32()),
                            ("product", pa.string()), ("mrr", pa.float64())])
DEAL_SCHEMA = pa.schema([("deal_id", pa.string()), ("account_id", pa.string()),
                         ("deal_type", pa.string()), ("is_closed", pa.bool_()),
                         ("is_won", pa.bool_()), ("created_date", pa.date32()),
                         ("close_date", pa.date32())])
ACCOUNT_SCHEMA = pa.schema([("account_id", pa.string()), ("is_customer", pa.bool_()),
                            ("churned_later", pa.bool_())])


def usage_rows(account: str, metric: str, values: list[float]) -> list[dict]:
    return [{"account_id": account, "date": month, "metric": metric, "value": value}
            for month, value in zip(MONTHS, values) if value is not None]


@pytest.fixture
def company(con):
    """healthy: uses 90% of its seats, steady users, two products, an open expansion.
    fading: 30% of seats, users halved, one product, a renewal due in August.
    new: paying since May, half its seats. prospect: never paid. gone: paid in 2023."""
    accounts = table(con, [
        {"account_id": "fading", "is_customer": True, "churned_later": True},
        {"account_id": "gone", "is_customer": False, "churned_later": False},
        {"account_id": "healthy", "is_customer": True, "churned_later": False},
        {"account_id": "new", "is_customer": True, "churned_later": False},
        {"account_id": "prospect", "is_customer": False, "churned_later": False},
    ], ACCOUNT_SCHEMA, "accounts")
    usage = table(con, [
        *usage_rows("healthy", "seats", [10, 10, 10, 10]),
        *usage_rows("healthy", "seats_used", [9, 9, 9, 9]),
        *usage_rows("healthy", "active_users", [8, 8, 8, 8]),
        *usage_rows("fading", "seats", [10, 10, 10, 10]),
        *usage_rows("fading", "seats_used", [9, 9, 3, 3]),
        *usage_rows("fading", "active_users", [10, 10, 5, 5]),
        *usage_rows("new", "seats", [None, None, 10, 10]),
        *usage_rows("new", "seats_used", [None, None, 5, 5]),
        *usage_rows("new", "active_users", [None, None, 4, 4]),
    ], USAGE_SCHEMA, "usage")
    revenue = table(con, [
        {"account_id": "healthy", "period": d(2023, 1, 1), "product": "Core", "mrr": 100.0},
        {"account_id": "healthy", "period": d(2024, 6, 1), "product": "Core", "mrr": 100.0},
        {"account_id": "healthy", "period": d(2024, 6, 1), "product": "API", "mrr": 50.0},
        {"account_id": "fading", "period": d(2023, 6, 1), "product": "Core", "mrr": 80.0},
        {"account_id": "fading", "period": d(2024, 6, 1), "product": "Core", "mrr": 80.0},
        {"account_id": "new", "period": d(2024, 5, 1), "product": "Core", "mrr": 30.0},
        {"account_id": "new", "period": d(2024, 6, 1), "product": "Core", "mrr": 30.0},
        {"account_id": "gone", "period": d(2023, 3, 1), "product": "Core", "mrr": 20.0},
    ], REVENUE_SCHEMA, "revenue")
    deals = table(con, [
        {"deal_id": "1", "account_id": "healthy", "deal_type": "Expansion", "is_closed": False,
         "is_won": False, "created_date": d(2024, 5, 1), "close_date": d(2024, 9, 1)},
        {"deal_id": "2", "account_id": "fading", "deal_type": "Renewal", "is_closed": False,
         "is_won": False, "created_date": d(2024, 5, 1), "close_date": d(2024, 8, 1)},
        {"deal_id": "3", "account_id": "new", "deal_type": "Renewal", "is_closed": False,
         "is_won": False, "created_date": d(2024, 5, 1), "close_date": d(2025, 5, 1)},
    ], DEAL_SCHEMA, "deals")
    return accounts, {"usage": usage, "revenue": revenue, "deals": deals}


def scored(model, accounts) -> dict[str, dict]:
    return {row["account_id"]: row for row in
            model.score(accounts).order_by("account_id").to_pyarrow().to_pylist()}


def test_a_declared_scorecard_scores_each_customer_by_hand(con, company):
    accounts, tables = company
    model = Health(HealthSettings.model_validate(CARD)).fit(
        RunContext(PROJECT, AS_OF, tables, accounts))
    rows = scored(model, accounts)
    # healthy: every measure green
    assert rows["healthy"]["health"] == 100.0
    assert rows["healthy"]["health_band"] == "Green"
    assert rows["healthy"]["lifecycle_stage"] == "mature"
    assert rows["healthy"]["health_factors"] == ["adoption green", "active_trend green",
                                                 "products green"]
    # fading: adoption 0.3 red (×2), trend −0.5 red (×2), one product yellow, no expansion
    # yellow, renewal due red: (0 + 0 + 50 + 50 + 0) / 7
    assert rows["fading"]["health"] == pytest.approx(14.29)
    assert rows["fading"]["health_band"] == "Red"
    assert rows["fading"]["lifecycle_stage"] == "at risk"
    assert rows["fading"]["health_factors"] == ["adoption red", "active_trend red",
                                                "renewal_due red"]
    # new: adoption 0.5 yellow (×2), no trend yet (left out), one product yellow, no
    # expansion yellow, renewal a year away green: (100 + 50 + 50 + 100) / 5
    assert rows["new"]["health"] == 60.0
    assert rows["new"]["health_band"] == "Yellow"
    assert rows["new"]["lifecycle_stage"] == "onboarding"
    assert rows["new"]["health_factors"] == ["renewal_due green"]
    # no health for those not paying; their stage says why
    assert rows["prospect"]["health"] is None and rows["prospect"]["lifecycle_stage"] == "prospect"
    assert rows["gone"]["health"] is None and rows["gone"]["lifecycle_stage"] == "churned"
    assert rows["gone"]["health_factors"] == []



def test_the_scorecard_writes_health_out_once_however_many_places_read_it(con, company):
    # health is read by its band, the lifecycle stage and the top factors, and each
    # measure's points by health and by the factors: written out wherever read, five
    # measures made 390 kB of SQL here (health written out 8 times) and the demo's eight
    # 1.3 MB, all of it planned per scoring. Read as columns of their own selects, health
    # is written once, and the whole query (measures included) is 43 kB.
    accounts, tables = company
    model = Health(HealthSettings.model_validate(CARD)).fit(
        RunContext(PROJECT, AS_OF, tables, accounts))
    sql = ibis.to_sql(model.score(accounts))
    assert sql.count("ROUND(") == 1
    assert len(sql) < 100_000

def test_graded_points_rank_accounts_that_steps_tie(con, company):
    """Adoption (green 0.8, red 0.2, ×2) and the active-user trend (green 0, red −0.6): fading
    (adoption 0.3, trend −0.5) and new (adoption 0.5, no trend yet) are yellow throughout,
    50 each in steps; graded, a yellow value earns its way from red (0) to green (100)."""
    accounts, tables = company
    card = {"recent_months": 2, "measures": [
        {"name": "adoption", "kind": "ratio", "metric": "seats_used", "of": "seats",
         "weight": 2, "green": 0.8, "red": 0.2},
        {"name": "active_trend", "kind": "trend", "metric": "active_users", "green": 0.0,
         "red": -0.6}]}
    context = RunContext(PROJECT, AS_OF, tables, accounts)
    steps = scored(Health(HealthSettings.model_validate(card)).fit(context), accounts)
    graded_model = Health(HealthSettings.model_validate({**card, "points": "graded"}))
    graded = scored(graded_model.fit(context), accounts)
    assert [steps[a]["health"] for a in ("healthy", "fading", "new")] == [100.0, 50.0, 50.0]
    # fading: adoption (0.3 − 0.2) / 0.6 and trend (−0.5 + 0.6) / 0.6, both 16.67 points
    assert graded["fading"]["health"] == pytest.approx(16.67)
    # new: adoption (0.5 − 0.2) / 0.6 = 50 points; healthy: both green
    assert graded["new"]["health"] == 50.0 and graded["healthy"]["health"] == 100.0
    assert graded["fading"]["health_factors"][0] == "adoption yellow"  # pulls furthest down
    assert ("points: graded" in graded_model.parameters().iloc[:, 0].tolist())


def test_every_customer_has_health_and_every_account_a_stage(con, company):
    accounts, tables = company
    model = Health().fit(RunContext(PROJECT, AS_OF, tables, accounts))  # the default scorecard
    rows = scored(model, accounts)
    for row in rows.values():
        assert row["lifecycle_stage"] in ("prospect", "churned", "onboarding", "at risk",
                                          "adopting", "mature")
        assert (row["health"] is not None) == row["is_customer"]
        if row["health"] is not None:
            assert 0 <= row["health"] <= 100


def test_a_measure_the_data_cannot_give_is_left_out_with_the_reason(con, company):
    accounts, tables = company
    settings = HealthSettings.model_validate({"measures": [
        {"name": "tickets", "kind": "metric", "metric": "support_tickets",
         "higher_is_better": False, "green": 1, "red": 5},
        {"name": "products", "kind": "products", "green": 2, "red": 1}]})
    model = Health(settings).fit(RunContext(PROJECT, AS_OF, {"usage": tables["usage"]}, accounts))
    assert model.skipped_ == {
        "tickets": "the usage table has no metric 'support_tickets' (it has active_users, "
                   "seats, seats_used): fix scores.health.measures",
        "products": "needs the revenue table, which this project does not load"}
    parameters = model.parameters()
    assert "left out: tickets" in parameters.parameter.tolist()
    assert all(row["health"] is None for row in scored(model, accounts).values())


def test_nothing_recorded_after_the_date_is_read(con, company):
    """A planted leak: usage after the cut-off and an account field known only after the
    outcome. Health at the cut-off is the same without them."""
    accounts, tables = company
    cutoff = d(2024, 5, 31)
    future = table(con, usage_rows("fading", "active_users", [None, None, None, 500]),
                   USAGE_SCHEMA, "future_usage")
    leaky = {**tables, "usage": tables["usage"].union(future)}
    settings = HealthSettings.model_validate(CARD)
    without = Health(settings).fit(RunContext(PROJECT, cutoff, known_at(tables, cutoff),
                                              accounts.drop("churned_later")))
    # the model is given every row, as_of the cut-off: it reads nothing after it
    leaked = Health(settings).fit(RunContext(PROJECT, cutoff, leaky, accounts))
    before = scored(without, accounts.drop("churned_later"))
    after = scored(leaked, accounts)
    assert {k: r["health"] for k, r in before.items()} == {k: r["health"] for k, r in after.items()}


def test_health_is_validated_against_later_churn(con):
    """Four customers at the cut-off (March); two of them faded before it and stopped paying
    after it: health ranks them lowest."""
    ids = ["a", "b", "c", "e"]
    accounts = table(con, [{"account_id": i, "is_customer": i in ("a", "c"),
                            "churned_later": i in ("b", "e")} for i in ids],
                     ACCOUNT_SCHEMA, "accounts")
    months = [d(2023, m, 1) for m in range(10, 13)] + [d(2024, m, 1) for m in range(1, 7)]
    usage, revenue = [], []
    for i in ids:
        fades = i in ("b", "e")
        for n, month in enumerate(months):
            if fades and month > d(2024, 3, 1):
                continue
            users = 2.0 if fades and month >= d(2024, 2, 1) else 10.0
            usage.append({"account_id": i, "date": month, "metric": "active_users",
                          "value": users})
            revenue.append({"account_id": i, "period": month, "product": "Core", "mrr": 10.0})
    tables = {"usage": table(con, usage, USAGE_SCHEMA, "usage"),
              "revenue": table(con, revenue, REVENUE_SCHEMA, "revenue")}
    project = Project.model_validate({"sources": {"accounts": {"path": "a.csv"}},
                                      "segmentation": {"default": "Everyone"},
                                      "backtest": {"months": 3}})
    settings = HealthSettings.model_validate({"recent_months": 2, "onboarding_months": 0,
        "measures": [{"name": "active_trend", "kind": "trend", "metric": "active_users",
                      "green": -0.05, "red": -0.2}]})
    model = Health(settings).fit(RunContext(project, AS_OF, tables, accounts))
    out = {name: t.to_pandas() for name, t in model.tables(accounts).items()}
    summary = dict(zip(out["health_validation_summary"].figure,
                       out["health_validation_summary"].value))
    assert summary["customers at the cut-off"] == "4"
    assert summary["churned after"] == "2"
    assert summary["AUC of health on churn"] == "1.000"
    bands = out["health_validation"].set_index("health_band")
    assert bands.loc["Red", "churn_rate"] == 1.0 and bands.loc["Red", "customers"] == 2
    assert bands.loc["Green", "churn_rate"] == 0.0
    # the back-test's own outcome: kept without contracting
    kept = model.outcome(RunContext(project, AS_OF, tables, accounts), d(2024, 3, 31))
    assert [r["outcome"] for r in kept.order_by("account_id").to_pyarrow().to_pylist()] == \
        [True, False, True, False]


def learning_company(con, churners: int):
    """40 customers paying in December 2023, `churners` of them paying nothing by June 2024.
    Over October to December, logins foretell the churn (churners 1-5 a month, the others 8-12)
    and support tickets run the wrong way for a measure declared higher-is-better (churners
    file 6, the others 1). The 40 − `churners` kept customers log in 0, 6 or 12 times in May
    and June."""
    ids = [f"c{i:02d}" for i in range(40)]
    lost = set(ids[:churners])
    accounts = table(con, [{"account_id": i, "is_customer": i not in lost,
                            "churned_later": i in lost} for i in ids], ACCOUNT_SCHEMA, "accounts")
    usage, revenue = [], []
    for n, i in enumerate(ids):
        logins = 1 + n % 5 if i in lost else 8 + n % 5
        for month in (d(2023, 10, 1), d(2023, 11, 1), d(2023, 12, 1)):
            usage += [{"account_id": i, "date": month, "metric": "logins", "value": logins},
                      {"account_id": i, "date": month, "metric": "tickets",
                       "value": 6.0 if i in lost else 1.0}]
        revenue.append({"account_id": i, "period": d(2023, 12, 1), "product": "Core",
                        "mrr": 100.0})
        if i not in lost:
            revenue.append({"account_id": i, "period": d(2024, 6, 1), "product": "Core",
                            "mrr": 100.0})
            for month in (d(2024, 5, 1), d(2024, 6, 1)):
                usage += [{"account_id": i, "date": month, "metric": "logins",
                           "value": 6.0 * (n % 3)},
                          {"account_id": i, "date": month, "metric": "tickets", "value": 1.0}]
    return accounts, {"usage": table(con, usage, USAGE_SCHEMA, "usage"),
                      "revenue": table(con, revenue, REVENUE_SCHEMA, "revenue")}


LEARNED_CARD = {"recent_months": 2, "weights": "learned", "onboarding_months": 0, "measures": [
    {"name": "logins", "kind": "metric", "metric": "logins", "green": 10, "red": 2},
    {"name": "tickets", "kind": "metric", "metric": "tickets", "green": 5, "red": 1}]}


def test_learned_weights_follow_what_foretold_churn(con):
    """Learned from the six months to June: logins carry all the weight (the declared total,
    2), tickets none (green tickets went with churn, and a weight is never negative), so health
    is the logins' points alone: 12 logins green 100, 6 yellow 50, 0 red 0."""
    accounts, tables = learning_company(con, churners=22)
    model = Health(HealthSettings.model_validate(LEARNED_CARD)).fit(
        RunContext(PROJECT, AS_OF, tables, accounts))
    assert model.weights() == {"logins": 2.0, "tickets": 0.0}
    assert any("learned from 40 customers paying at 2023-12-31, 22 of whom churned" in note
               for note in model.notes_)
    health = {a: row["health"] for a, row in scored(model, accounts).items()}
    kept = [f"c{n:02d}" for n in range(22, 40)]
    assert {a: health[a] for a in kept} == {
        f"c{n:02d}": [0.0, 50.0, 100.0][n % 3] for n in range(22, 40)}
    rows = model.parameters().set_index(model.parameters().columns[0])
    assert rows.iloc[:, 0]["weight: tickets"] == 0.0
    assert "declared 1" in rows.iloc[:, 1]["weight: logins"]


def test_learning_keeps_its_tables_in_the_engine_and_drops_them_after(con):
    """With a run's keep and release (the pipeline's), the weights learned are the same, and
    the past measures and losses learning kept are dropped once read; the run date's measures
    stay, for scoring."""
    from segmint.engine import release
    from segmint.engine.common import name_of

    accounts, tables = learning_company(con, churners=22)
    kept_names = []

    def keep(table, name):
        kept_names.append(name)
        return materialise(con, table, name)

    before = set(con.list_tables())
    model = Health(HealthSettings.model_validate(LEARNED_CARD)).fit(RunContext(
        PROJECT, AS_OF, tables, accounts, keep=keep,
        release=lambda *kept: release(con, *kept)))
    assert model.weights() == {"logins": 2.0, "tickets": 0.0}
    assert [name for name in kept_names if name.startswith("health_")] == [
        "health_measures", "health_past_measures", "health_losses"]
    if name_of(con) == "duckdb":
        # each part and each join of the measures in a query of its own, at both dates
        steps = ["part_usage", "joined_usage", "part_revenue", "joined_revenue"]
        assert [name for name in kept_names if not name.startswith("health_")] == steps * 2
        added = set(con.list_tables()) - before
        assert [name.rsplit("_", 1)[0] for name in added] == ["_segmint_health_measures"]
    else:
        assert len(kept_names) == 3


def test_too_few_churners_keep_the_declared_weights(con):
    """Only 5 of the 40 churned: the declared weights (1 and 1) are kept, and said so."""
    accounts, tables = learning_company(con, churners=5)
    model = Health(HealthSettings.model_validate(LEARNED_CARD)).fit(
        RunContext(PROJECT, AS_OF, tables, accounts))
    assert model.weights() is None
    assert any("the declared ones (5 customers" in note for note in model.notes_)
    # declared: logins (12 in May and June: green, 100) and tickets (1 a month: yellow, 50,
    # red only below 1) weigh the same
    assert scored(model, accounts)["c38"]["health"] == 75.0


@pytest.mark.parametrize(("settings", "message"), [
    ({"measures": [{"name": "x", "kind": "ratio", "metric": "a", "green": 1, "red": 0}]},
     "scores.health.measures.0: measure 'x' of kind ratio needs of"),
    ({"measures": [{"name": "x", "kind": "products", "green": 1, "red": 2}]},
     "green (1) must be at least red (2) when higher is better"),
    ({"measures": [{"name": "x", "kind": "products", "green": 2, "red": 1}] * 2},
     "measure names must be unique; x appear twice"),
    ({"bands": {"quantiles": [0.5, 0.8]}}, "health bands need edges"),
])
def test_a_bad_scorecard_names_the_setting(settings, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        configured({"health": settings})

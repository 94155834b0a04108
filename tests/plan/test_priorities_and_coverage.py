"""The priority matrix and the coverage model on hand-built accounts: actions and motions by
rule, stated reasons for missing inputs, the roll-up per segment and the economics warning."""

from __future__ import annotations

import datetime as dt

import ibis
import pyarrow as pa
import pytest

import segmint.plan.coverage  # noqa: F401  (registers both plans)
from segmint.analyse.registry import run_analyses
from segmint.config.project import Project
from segmint.context import RunContext
from segmint.engine import materialise
from segmint.exceptions import ConfigError, RuleError

AS_OF = dt.date(2024, 6, 30)
SCHEMA = pa.schema([("account_id", pa.string()), ("name", pa.string()),
                    ("is_customer", pa.bool_()), ("arr", pa.float64()),
                    ("employees", pa.float64()), ("fit", pa.float64()), ("fit_band", pa.string()),
                    ("health", pa.float64()), ("health_band", pa.string()),
                    ("lifecycle_stage", pa.string()), ("potential", pa.float64()),
                    ("potential_band", pa.string()), ("segment", pa.string())])
ROWS = [  # id, customer, arr, employees, fit band, health band, potential band, segment
    ("at_risk", True, 50_000.0, 300.0, "High", "Red", "High", "A"),
    ("grower", True, 120_000.0, 3_000.0, "Medium", "Green", "High", "A"),
    ("target", False, 0.0, 500.0, "High", None, "Medium", "A"),
    ("steady", True, 8_000.0, 50.0, "Low", "Green", "Low", "B"),
    ("maybe", False, 0.0, 20.0, "Medium", None, "Low", "B"),
    ("poor", False, 0.0, 5.0, "Low", None, "Low", "B"),
]
FIT = {"High": 80.0, "Medium": 50.0, "Low": 10.0}
HEALTH = {"Red": 20.0, "Green": 90.0, None: None}


@pytest.fixture
def accounts(con):
    rows = [{"account_id": i, "name": i.title(), "is_customer": c, "arr": arr, "employees": e,
             "fit": FIT[f], "fit_band": f, "health": HEALTH[h], "health_band": h,
             "lifecycle_stage": "mature" if c else "prospect", "potential": 1.0,
             "potential_band": p, "segment": s} for i, c, arr, e, f, h, p, s in ROWS]
    return materialise(con, ibis.memtable(pa.Table.from_pylist(rows, schema=SCHEMA)), "scored")


def run_plans(accounts, **settings):
    project = Project.model_validate({"sources": {"accounts": {"path": "a.csv"}},
                                      "segmentation": {"default": "Everyone"}, **settings})
    assignments = accounts.select("account_id", "segment")
    context = RunContext(project, AS_OF, {}, accounts.drop("segment"), assignments)
    return run_analyses(context, names=["priorities", "coverage"]).collect()


def by_account(run) -> dict[str, dict]:
    return {r["account_id"]: r for r in run.tables["account_scores"].to_pyarrow().to_pylist()}


def test_every_account_gets_an_action_and_a_motion_by_rule(accounts):
    run = run_plans(accounts, priorities={}, coverage={})
    rows = by_account(run)
    assert {i: r["action"] for i, r in rows.items()} == {
        "at_risk": "protect", "grower": "grow", "target": "invest", "steady": "nurture",
        "maybe": "nurture", "poor": "deprioritise"}
    # field from 100k ARR or 2,000 employees, inside from 15k or 200, digital for the rest
    assert {i: r["motion"] for i, r in rows.items()} == {
        "at_risk": "inside", "grower": "field", "target": "inside", "steady": "digital",
        "maybe": "digital", "poor": "digital"}
    assert rows["at_risk"]["action_reason"] == 'rule 1: is_customer and health_band == "Red"'
    assert rows["poor"]["action_reason"] == "no rule matched; unknown: health_band (customers only)"
    assert rows["poor"]["unknown"] == ["health (customers only)"]
    assert rows["grower"]["unknown"] == []
    assert all(r["marketing_play"] and r["sales_play"] and r["success_play"]
               for r in rows.values())
    assert "account_scores" not in run.frames  # a row per account: written, never fetched


def test_actions_roll_up_per_segment(accounts):
    rolled = run_plans(accounts, priorities={}).frames["segment_priorities"]
    assert rolled[["segment", "action", "accounts", "customers", "arr"]].values.tolist() == [
        ["A", "protect", 1, 1, 50_000.0], ["A", "grow", 1, 1, 120_000.0],
        ["A", "invest", 1, 0, 0.0],
        ["B", "nurture", 2, 1, 8_000.0], ["B", "deprioritise", 1, 0, 0.0],
        ["All", "protect", 1, 1, 50_000.0], ["All", "grow", 1, 1, 120_000.0],
        ["All", "invest", 1, 0, 0.0], ["All", "nurture", 2, 1, 8_000.0],
        ["All", "deprioritise", 1, 0, 0.0]]
    nurture = rolled[(rolled.segment == "B") & (rolled.action == "nurture")].iloc[0]
    assert nurture.mean_fit == 30.0 and nurture.mean_health == 90.0  # (10 + 50) / 2; steady's


def test_a_missing_score_is_a_stated_reason_not_a_silent_default(accounts):
    run = run_plans(accounts.drop("potential", "potential_band"), priorities={})
    rows = by_account(run)
    assert rows["grower"]["action"] == "nurture"  # not grow: its potential is unknown
    assert rows["grower"]["action_reason"] == (
        "rule 3: is_customer; unknown: potential_band (scores.potential is not configured)")
    assert rows["grower"]["unknown"] == ["potential (scores.potential is not configured)"]
    assert rows["target"]["action"] == "nurture"


def test_the_economics_warning_fires_when_acv_cannot_pay_for_the_motion(accounts):
    # segment A: customers paying 50k and 120k, ACV 85k × 50% margin = 42.5k < field's 100k
    run = run_plans(accounts, coverage={"gross_margin": 0.5, "motions": {
        "field": 100_000, "inside": 6_000, "digital": 600}})
    plays = run.frames["segment_plays"]
    a_field = plays[(plays.segment == "A") & (plays.motion == "field")].iloc[0]
    assert a_field.average_acv == 85_000.0 and a_field.margin_per_account == 42_500.0
    assert a_field.warning == (
        "A: average ACV 85k × gross margin 50% = 42.5k a year per account, below the field "
        "motion's 100k per account. Cover these accounts with a cheaper motion "
        "(coverage.plays) or check coverage.motions.field.")
    assert (plays[plays.motion != "field"].warning == "").all()
    assert run.frames["coverage_warnings"].warning.tolist() == [a_field.warning]
    # the playbook: per segment, most accounts first
    assert plays[["segment", "motion", "accounts"]].values.tolist() == [
        ["A", "inside", 2], ["A", "field", 1], ["B", "digital", 3],
        ["All", "digital", 3], ["All", "inside", 2], ["All", "field", 1]]
    every = plays[plays.segment == "All"].iloc[0]
    assert every.average_acv == pytest.approx(178_000 / 3)  # 50k + 120k + 8k over 3 customers


def test_plans_are_off_unless_asked_for(accounts):
    run = run_plans(accounts)
    assert run.skipped["priorities"].startswith("turned off: add priorities: {}")
    assert not run.tables


@pytest.mark.parametrize(("settings", "error", "message"), [
    ({"coverage": {"plays": [{"when": "true", "motion": "phone", "marketing": "m",
                              "sales": "s", "success": "c"}]}},
     ConfigError, "coverage: plays name motions ['phone'] that motions does not cost"),
    ({"priorities": {"rules": [{"action": "grow", "when": "headcount > 5"}]}},
     RuleError, "priorities.rules[1]: Rule 'headcount > 5': 'headcount' is not a column"),
    ({"priorities": {"rules": [{"action": "grow", "when": "employees >"}]}},
     ConfigError, "priorities.rules.0.when"),
])
def test_a_bad_plan_setting_names_the_key(accounts, settings, error, message):
    with pytest.raises(error) as raised:
        run_plans(accounts, **settings)
    assert message in str(raised.value)


def test_the_project_check_reads_plan_rules_before_any_data(tmp_path):
    from segmint.preflight import check_project

    (tmp_path / "a.csv").write_text("account_id,employees\nA,5\n")
    project = Project.model_validate({
        "root": tmp_path, "sources": {"accounts": {"path": "a.csv"}},
        "segmentation": {"default": "Everyone"},
        "priorities": {"rules": [{"action": "grow", "when": 'potential_band == "High"'},
                                 {"action": "invest", "when": "employes > 100"}]}})
    with pytest.raises(RuleError, match=r"priorities.rules\[2\]: the rule reads 'employes'"):
        check_project(project)

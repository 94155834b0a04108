"""Segmentation scenarios worked by hand: re-assignment, the scorecard, the trade-offs.

Eight accounts, four owners. Small ones (under 100 employees) win 1 of their 5 new-business
deals in 10 days and two of them churned; large ones win 4 of 5 in 90 days and none
churned. The baseline cuts by size at 100 employees, `size_300` at 300 (a5 and a7, 24,000
of ARR, move from ENT to SMB), and `region` by country, which splits small and large evenly,
so it separates nothing.
"""

from __future__ import annotations

import datetime as dt
import math
import uuid

import ibis
import pandas as pd
import pytest

from segmint.analyse.performance import arr_bridge
from segmint.config.project import Project, Segmentation
from segmint.context import RunContext
from segmint.plan.scenarios import compare_scenarios, reassign, scenario_base
from segmint.segment.assign import assignment_table


def size_model(edge: float) -> dict:
    return {"dimensions": {"size": {"kind": "bands", "field": "employees", "edges": [edge],
                                    "labels": ["SMB", "ENT"]}}, "default": "{size}"}


REGION = {"dimensions": {"region": {"kind": "map", "field": "country",
                                    "values": {"US": "NA", "FR": "EMEA"}}}, "default": "{region}"}
IDS = [f"a{i}" for i in range(1, 9)]
EMPLOYEES = [10, 50, 20, 80, 150, 5000, 250, 9000]
SMALL = [e < 100 for e in EMPLOYEES]
COUNTRY = ["US", "US", "FR", "FR", "US", "US", "FR", "FR"]
OWNER = ["u1", "u2", "u3", "u3", "u1", "u2", "u4", "u4"]
ARR_2023 = [1200, 2400, 1200, 2400, 12000, 14400, 12000, 14400]
CHURNED = {"a1", "a3"}
ARR_NOW = [0 if a in CHURNED else arr for a, arr in zip(IDS, ARR_2023)]


def tables(*, deals: bool = True, revenue: bool = True) -> dict[str, ibis.Table]:
    out = {"accounts": ibis.memtable({
        "account_id": IDS, "employees": [float(e) for e in EMPLOYEES], "country": COUNTRY,
        "owner_id": OWNER, "is_customer": [a > 0 for a in ARR_NOW],
        "arr": [float(a) for a in ARR_NOW]})}
    if revenue:
        rows = [(a, dt.date(2023, 6, 1), arr / 12) for a, arr in zip(IDS, ARR_2023)]
        rows += [(a, dt.date(2024, 6, 1), arr / 12) for a, arr in zip(IDS, ARR_NOW) if arr]
        out["revenue"] = ibis.memtable(pd.DataFrame(
            [{"account_id": a, "period": p, "product": "core", "mrr": m} for a, p, m in rows]))
    if deals:
        rows = []
        for account, small in zip(IDS, SMALL):
            for number in range(5):
                won = number < (1 if small else 4)
                rows.append({"deal_id": f"{account}-{number}", "account_id": account,
                             "deal_type": "New Business", "is_closed": True, "is_won": won,
                             "created_date": dt.date(2024, 1, 1),
                             "close_date": dt.date(2024, 1, 11 if small else 31) +
                             dt.timedelta(days=0 if small else 60)})
        out["deals"] = ibis.memtable(pd.DataFrame(rows))
    return out


def context(*, capacity: dict | None = None, coverage: dict | None = None,
            **which) -> RunContext:
    project = Project.model_validate({
        "sources": {"accounts": {"path": "a.csv"}}, "segmentation": size_model(100),
        **({"capacity": capacity} if capacity is not None else {}),
        **({"coverage": coverage} if coverage is not None else {})})
    loaded = tables(**which)
    return RunContext(project, dt.date(2024, 6, 30), loaded, loaded["accounts"])


SCENARIOS = {"size_300": Segmentation.model_validate(size_model(300)),
             "region": Segmentation.model_validate(REGION)}
CAPACITY = {"hours_per_account": 100, "rep_hours": 1000, "attrition": 0, "ramp_months": 0}
# field for 100 employees or more (10,000 a year per account), digital for the rest (100)
COVERAGE = {"motions": {"field": 10000, "digital": 100}, "plays": [
    {"when": "employees >= 100", "motion": "field", "marketing": "ABM", "sales": "AE",
     "success": "CSM"},
    {"when": "true", "motion": "digital", "marketing": "email", "sales": "none",
     "success": "pooled"}]}


@pytest.fixture(scope="module")
def compared():
    return compare_scenarios(scenario_base(context(capacity=CAPACITY, coverage=COVERAGE)),
                             SCENARIOS)


def value(comparison, scenario: str, measure: str):
    card = comparison.scorecard
    row = card[(card.scenario == scenario) & (card.measure == measure)]
    assert len(row) == 1, (scenario, measure)
    return row.iloc[0]["value"]


def test_reassignment_gives_the_assignment_and_bridge_of_a_full_run():
    run = context()
    model = Segmentation.model_validate(size_model(300))
    again = reassign(scenario_base(run), model, name="size_300")
    full = assignment_table(run.accounts, model, revenue=run.tables["revenue"])
    assert again.assignments.order_by("account_id").segment.execute().tolist() == \
        full.order_by("account_id").segment.execute().tolist() == \
        ["SMB", "SMB", "SMB", "SMB", "SMB", "ENT", "SMB", "ENT"]
    assert again.summary[["segment", "accounts"]].values.tolist() == [["SMB", 6], ["ENT", 2]]
    ours = again.bridge.order_by("segment", "period").to_pandas()
    theirs = arr_bridge(run.tables["revenue"], full).order_by("segment", "period").to_pandas()
    pd.testing.assert_frame_equal(ours, theirs)
    closing = ours[ours.period == ours.period.max()].set_index("segment").closing_arr
    assert float(closing["SMB"]) == 2400 + 2400 + 12000 + 12000 and float(closing["All"]) == 57600


def test_a_model_that_separates_outcomes_scores_higher_by_the_hand_worked_figures(compared):
    # ACV, customers only: SMB {2400, 2400}, ENT {12000, 14400, 12000, 14400}; mean 9600.
    between = 2 * (2400 - 9600) ** 2 + 4 * (13200 - 9600) ** 2
    within = 4 * 1200**2
    ms_within = within / (6 - 2)
    assert value(compared, "baseline", "acv") == round(
        (between - ms_within) / (between + within + ms_within), 6)
    # every won SMB deal took 10 days, every ENT one 90: all variance is between segments
    assert value(compared, "baseline", "sales_cycle_days") == 1.0
    # churn: SMB 2 of 4, ENT 0 of 4. p = 1/4; MS_between = 0.5, MS_within = 1/6, n0 = 4.
    tau2 = (0.5 - 1 / 6) / 4
    m = 0.25 * 0.75 / tau2 - 1
    shrunk = [(2 + m / 4) / (4 + m), (m / 4) / (4 + m)]

    def kl(p, q):
        return p * math.log(p / q) + (1 - p) * math.log((1 - p) / (1 - q))

    entropy = -(0.25 * math.log(0.25) + 0.75 * math.log(0.75))
    assert value(compared, "baseline", "churn_rate") == round(
        sum(0.5 * kl(p, 0.25) for p in shrunk) / entropy, 6)
    # region splits small and large alike: it separates nothing, on any outcome
    for measure in ("acv", "sales_cycle_days", "nrr", "win_rate", "churn_rate"):
        assert value(compared, "region", measure) == 0.0, measure
        assert value(compared, "baseline", measure) > 0.0, measure


def test_disruption_counts_the_accounts_arr_and_owners_that_move(compared):
    assert value(compared, "size_300", "accounts_moved") == 2  # a5 and a7
    assert value(compared, "size_300", "arr_moved") == 24000
    assert value(compared, "size_300", "arr_moved_share") == round(24000 / 57600, 6)
    assert value(compared, "baseline", "accounts_moved") == 0
    # u2 (a2 SMB, a6 ENT) and u4 (a7 SMB, a8 ENT) span two segments; u1 no longer does
    assert value(compared, "size_300", "owners_split") == 2
    assert value(compared, "size_300", "accounts_off_owner_segment") == 2
    assert value(compared, "region", "owners_split") == 0  # each owner works one country
    transitions = compared.transitions[compared.transitions.scenario == "size_300"]
    assert transitions[["from_segment", "to_segment", "accounts", "arr"]].values.tolist() == [
        ["ENT", "ENT", 2, 28800.0], ["ENT", "SMB", 2, 24000.0], ["SMB", "SMB", 4, 4800.0]]


def test_capacity_and_staffing_from_the_capacity_settings(compared):
    # 100 hours an account, 1,000 a rep: 4 + 4 accounts need a rep each, both under half a rep
    assert value(compared, "baseline", "reps_needed") == 2
    assert value(compared, "baseline", "segments_too_small_to_staff") == 2
    # size_300: SMB 6 accounts (600 h), ENT 2 (200 h): only ENT is under half a rep
    assert value(compared, "size_300", "segments_too_small_to_staff") == 1
    segments = compared.segments[compared.segments.scenario == "size_300"]
    assert segments.set_index("segment").workload_hours.to_dict() == {"ENT": 200.0, "SMB": 600.0}
    # by motion: size_300's SMB holds 4 digital accounts and a5, a7 on field (a rep each)
    assert value(compared, "size_300", "reps_needed_digital") == 1
    assert value(compared, "size_300", "reps_needed_field") == 2
    assert value(compared, "size_300", "reps_needed") == 3


def test_segments_whose_acv_does_not_pay_for_their_motion(compared):
    # baseline ENT: ACV (12,000 + 14,400) / 2 × 75% = 9,900, under field's 10,000
    assert value(compared, "baseline", "segments_motion_unpaid") == 1
    card = compared.scorecard.set_index(["scenario", "measure"])
    assert card.loc[("baseline", "segments_motion_unpaid"), "note"] == "ENT"
    # size_300: ENT now 14,400 × 75% pays; SMB's a5 and a7 are on field at 7,200 × 75%
    assert card.loc[("size_300", "segments_motion_unpaid"), "note"] == "SMB"
    assert value(compared, "region", "segments_motion_unpaid") == 2


def test_a_segment_only_renamed_moves_nobody():
    renamed = {"dimensions": {"size": {"kind": "bands", "field": "employees", "edges": [100],
                                       "labels": ["Small", "Large"]}}, "default": "{size}"}
    compared = compare_scenarios(scenario_base(context()),
                                 {"renamed": Segmentation.model_validate(renamed)})
    assert value(compared, "renamed", "accounts_moved") == 0
    assert value(compared, "renamed", "arr_moved") == 0


def test_a_scenario_reads_the_account_column_the_baseline_names_a_dimension_after():
    # The baseline's dimension `size` (bands of employees) and the accounts' own `size`
    # column (a CRM tier) share a name; worked out side by side in one query, the scenario
    # must read the tier, not the baseline's bands: a1, a2 and a6 are "tiny" (3 accounts,
    # 0 + 2,400 + 14,400 of ARR), the rest "Other".
    run = context()
    tier = ["tiny", "tiny", "big", "big", "big", "tiny", "big", "big"]
    accounts = run.accounts.mutate(size=ibis.cases(
        *[(run.accounts.account_id == a, s) for a, s in zip(IDS, tier)]))
    run = RunContext(run.project, run.as_of, {**run.tables, "accounts": accounts}, accounts)
    by_tier = Segmentation.model_validate({"segments": [{"name": "Tiny",
                                                          "when": 'size == "tiny"'}],
                                           "default": "Other"})
    compared = compare_scenarios(scenario_base(run), {"by_tier": by_tier})
    moved = compared.transitions.set_index(["from_segment", "to_segment"])
    assert moved.loc[("SMB", "Tiny"), "accounts"] == 2 and moved.loc[("ENT", "Tiny"), "accounts"] == 1
    segments = compared.segments[compared.segments.scenario == "by_tier"].set_index("segment")
    assert segments.loc["Tiny", "accounts"] == 3 and segments.loc["Tiny", "arr"] == 16800.0
    again = reassign(scenario_base(run), by_tier, name="by_tier")
    assert again.assignments.order_by("account_id").segment.execute().tolist() == \
        assignment_table(accounts, by_tier).order_by("account_id").segment.execute().tolist()


def test_the_trade_off_reads_in_figures(compared):
    size, region = compared.readings
    assert size.startswith("size_300 separates ")
    assert "moves 42% of ARR (2 accounts) to another segment" in size
    assert region.startswith("region separates win rates 0.0× as well as the baseline (churn 0.0×")
    # every region holds two of SMB and two of ENT: paired one to one, half the accounts keep
    # their peers (say NA with SMB: a1, a2 stay; a5, a6 leave ENT) and half the ARR moves
    # (a3, a4, a5, a6: 0 + 2,400 + 12,000 + 14,400 = 28,800 of 57,600), not all of it
    assert "moves 50% of ARR (4 accounts)" in region


def test_a_figure_without_its_input_is_said_not_dropped():
    compared = compare_scenarios(scenario_base(context(deals=False)), SCENARIOS)
    card = compared.scorecard
    for measure, why in (("win_rate", "no deals table"), ("sales_cycle_days", "no deals table"),
                         ("reps_needed", "capacity not configured"),
                         ("segments_too_small_to_staff", "capacity not configured"),
                         ("segments_motion_unpaid", "coverage not configured")):
        rows = card[card.measure == measure]
        assert len(rows) == 3 and rows["value"].isna().all(), measure
        assert rows["note"].str.startswith(why).all(), measure
    assert list(dict.fromkeys(card.scenario)) == ["baseline", "size_300", "region"]


def test_two_hundred_one_account_segments_do_not_score_better_than_a_sensible_model():
    # 200 accounts: 100 large win 70% of the time and pay about 10k, 100 small win 30%
    # and pay about 1k. One closed deal each. The sensible model cuts by size; the other
    # gives every account its own segment.
    ids = [f"c{i:03d}" for i in range(200)]
    large = [i < 100 for i in range(200)]
    won = [(i % 10) < (7 if big else 3) for i, big in enumerate(large)]
    arr = [(10_000.0 if big else 1_000.0) + 7 * (i % 13) for i, big in enumerate(large)]
    accounts = ibis.memtable({"account_id": ids, "employees": [5000.0 if b else 20.0 for b in large],
                              "is_customer": [True] * 200, "arr": arr})
    deals = ibis.memtable(pd.DataFrame({
        "deal_id": ids, "account_id": ids, "deal_type": ["new"] * 200, "is_closed": [True] * 200,
        "is_won": won, "created_date": [dt.date(2024, 1, 1)] * 200,
        "close_date": [dt.date(2024, 2, 1)] * 200}))
    revenue = ibis.memtable({"account_id": ids, "period": [dt.date(2024, 6, 1)] * 200,
                             "product": ["core"] * 200, "mrr": [a / 12 for a in arr]})
    project = Project.model_validate({"sources": {"accounts": {"path": "a.csv"}},
                                      "segmentation": size_model(1000)})
    run = RunContext(project, dt.date(2024, 6, 30),
                     {"accounts": accounts, "deals": deals, "revenue": revenue}, accounts)
    one_each = Segmentation.model_validate({"dimensions": {"account": {
        "kind": "map", "field": "account_id", "values": {i: i for i in ids}}},
        "default": "{account}"})
    compared = compare_scenarios(scenario_base(run), {"one_each": one_each})
    assert value(compared, "one_each", "segments") == 200
    assert value(compared, "baseline", "win_rate") > 0.1
    assert value(compared, "one_each", "win_rate") == 0.0
    assert value(compared, "baseline", "acv") > 0.99
    assert value(compared, "one_each", "acv") == 0.0


def test_the_comparison_is_the_same_run_after_run_in_a_stated_order(compared):
    again = compare_scenarios(scenario_base(context(capacity=CAPACITY, coverage=COVERAGE)),
                              SCENARIOS)
    for name in ("scorecard", "segments", "transitions"):
        pd.testing.assert_frame_equal(getattr(again, name), getattr(compared, name))
    assert again.readings == compared.readings
    transitions = compared.transitions
    assert transitions.equals(transitions.sort_values(
        ["scenario", "from_segment", "to_segment"], key=lambda c: c.map(
            {"size_300": 0, "region": 1}) if c.name == "scenario" else c))


def test_the_comparison_is_the_same_on_every_engine(con, compared):
    # the outcomes, assignments, transitions and plays are engine expressions
    names = {name: f"scenarios_{name}_{uuid.uuid4().hex[:8]}" for name in tables()}
    loaded = {name: con.create_table(names[name], table.to_pandas())
              for name, table in tables().items()}
    local = context(capacity=CAPACITY, coverage=COVERAGE)
    run = RunContext(local.project, local.as_of, loaded, loaded["accounts"])
    try:
        ours = compare_scenarios(scenario_base(run), SCENARIOS)
    finally:
        for name in names.values():
            con.drop_table(name)
    for name in ("scorecard", "segments", "transitions"):
        pd.testing.assert_frame_equal(getattr(ours, name), getattr(compared, name),
                                      check_dtype=False)

"""The capacity plan worked by hand on a few accounts."""

from __future__ import annotations

import datetime as dt
import uuid

import ibis
import pandas as pd
import pytest

from segmint.config.project import CapacityPlan
from segmint.plan.capacity import capacity_inputs, capacity_plan, owner_figures

PLAN = CapacityPlan(hours_per_account=10, segment_hours={"ENT": 100}, action_hours={"grow": 300},
                    ramp_months=0, target_share=0.5)


def accounts(**extra) -> tuple[ibis.Table, ibis.Table]:
    assignments = ibis.memtable({
        "account_id": ["a", "b", "c", "d", "e"], "segment": ["ENT", "ENT", "ENT", "SMB", "SMB"],
        "arr": [10.0, 20.0, 0.0, 5.0, None], "potential": [50.0, 10.0, 30.0, 5.0, 8.0]})
    enriched = ibis.memtable({"account_id": ["a", "b", "c", "d", "e"],
                              "owner_id": ["u1", "u2", "u2", "u3", None], **extra})
    return assignments, enriched


def test_workload_by_motion_then_segment_then_default():
    assignments, enriched = accounts(action=["grow", "keep", None, "grow", "keep"])
    inputs = capacity_inputs(assignments, enriched, PLAN)
    out = capacity_plan(inputs, PLAN, rep_hours=200, attrition=0.0)
    rows = {(r.segment, r.motion): r for r in out.itertuples()}
    assert list(rows) == [("ENT", "all"), ("ENT", "grow"), ("ENT", "keep"), ("SMB", "grow"),
                          ("SMB", "keep")]
    # c has no action: 'all', at the segment's 100 h; a grows: 300 h, 2 reps of 200 h
    assert rows["ENT", "all"].workload_hours == 100 and rows["ENT", "all"].reps_needed == 1
    assert rows["ENT", "grow"].workload_hours == 300 and rows["ENT", "grow"].reps_needed == 2
    assert rows["SMB", "keep"].workload_hours == 10  # no action hours for keep, no SMB hours
    # whitespace of a = 40, quota half of it
    assert rows["ENT", "grow"].quota == 20.0 and rows["ENT", "grow"].bookings_per_rep == 10.0
    assert rows["SMB", "keep"].owners_today == 0 and rows["SMB", "keep"].gap == 1


def test_segment_totals_and_the_gap_to_todays_owners():
    assignments, enriched = accounts()
    out = capacity_plan(capacity_inputs(assignments, enriched, PLAN), PLAN, rep_hours=120,
                        attrition=0.0).set_index("segment")
    assert out.loc["ENT", "workload_hours"] == 300 and out.loc["ENT", "reps_needed"] == 3
    assert out.loc["ENT", "owners_today"] == 2 and out.loc["ENT", "gap"] == 1
    assert out.loc["ENT", "accounts_per_rep"] == 1.0
    assert out.loc["ENT", "whitespace"] == 40 + 0 + 30  # b's potential is below its ARR
    assert out.loc["SMB", "reps_needed"] == 1 and out.loc["SMB", "gap"] == 0


def test_an_owner_whose_book_spans_segments_counts_for_its_workload_share_in_each():
    # u1 holds a (ENT, 100 h) and c (SMB, 400 h): 0.2 of a rep in ENT, 0.8 in SMB
    rows = ibis.memtable({"account_id": ["a", "b", "c"], "segment": ["ENT", "ENT", "SMB"],
                          "motion": ["all"] * 3, "workload_hours": [100.0, 100.0, 400.0],
                          "potential": [0.0] * 3, "arr": [0.0] * 3,
                          "owner_id": ["u1", "u2", "u1"]})
    out = capacity_plan(rows, PLAN, rep_hours=1000, attrition=0.0).set_index("segment")
    assert out.loc["ENT", "owners_today"] == 2 and out.loc["ENT", "owner_fte_today"] == 1.2
    assert out.loc["SMB", "owners_today"] == 1 and out.loc["SMB", "owner_fte_today"] == 0.8
    assert (out.loc["ENT", "gap"], out.loc["SMB", "gap"]) == (-0.2, 0.2)  # 1 rep needed each


def test_without_a_potential_score_the_quota_is_a_share_of_arr():
    assignments, enriched = accounts()
    inputs = capacity_inputs(assignments.drop("potential"), enriched, PLAN)
    out = capacity_plan(inputs, PLAN, rep_hours=120, attrition=0.0,
                        has_potential=False).set_index("segment")
    assert out.loc["ENT", "quota"] == 15.0  # half of 30 ARR


def test_attrition_and_ramp_cost_capacity():
    # 1,000 hours; 20% leave and are refilled by reps ramping for 12 months at half speed
    plan = CapacityPlan(ramp_months=12)
    assignments, enriched = accounts()
    out = capacity_plan(capacity_inputs(assignments, enriched, plan), plan, rep_hours=1000,
                        attrition=0.2)
    assert out.rep_hours.iloc[0] == pytest.approx(900.0)


def test_owner_figures_fall_back_to_settings_and_say_so():
    hours, attrition, ramped, notes = owner_figures(None, CapacityPlan(), dt.date(2024, 6, 30))
    assert (hours, attrition, ramped) == (1200.0, 0.15, 1.0)
    assert any("capacity.rep_hours" in n for n in notes)
    assert any("capacity.attrition" in n for n in notes)
    owners = pd.DataFrame({"owner_id": ["u1", "u2"], "capacity_hours": [900.0, 1100.0],
                           "active": [True, False]})
    hours, attrition, _, notes = owner_figures(owners, CapacityPlan(), dt.date(2024, 6, 30))
    assert (hours, attrition, notes) == (900.0, 0.5, [])  # only the active rep's hours count


def test_the_plan_is_the_same_on_every_engine(con):
    # the workload lookup, the sums to the cent and the owner count run in the engine
    rows = pd.DataFrame({"account_id": ["a", "b", "c"], "segment": ["ENT", "ENT", "SMB"],
                         "arr": [10.0, 20.0, 0.0], "potential": [50.0, 10.0, 30.0]})
    owners = pd.DataFrame({"account_id": ["a", "b", "c"], "owner_id": ["u1", "u2", None],
                           "action": ["grow", None, "grow"]})
    names = [f"capacity_{part}_{uuid.uuid4().hex[:8]}" for part in ("assignments", "accounts")]
    assignments = con.create_table(names[0], rows)
    enriched = con.create_table(names[1], owners)
    try:
        out = capacity_plan(capacity_inputs(assignments, enriched, PLAN), PLAN, rep_hours=200,
                            attrition=0.0)
    finally:
        for name in names:
            con.drop_table(name)
    assert out[["segment", "motion", "accounts", "workload_hours", "whitespace", "reps_needed",
                "owners_today"]].values.tolist() == [
        ["ENT", "all", 1, 100.0, 0.0, 1, 1], ["ENT", "grow", 1, 300.0, 40.0, 2, 1],
        ["SMB", "grow", 1, 300.0, 30.0, 2, 0]]

"""The sales capacity plan: per segment (and motion), the reps the accounts' workload needs.

For each segment, and each action or motion when the accounts carry one (``action`` or
``motion``: the priorities plan's play per account), it adds up the accounts' workload
(hours a year, `account_workload`), divides by what a rep gives in a year (their hours, less
what attrition costs: a leaver's seat is refilled by a rep who is ramping), and compares
with the owners holding the segment's accounts today. The bookings asked of the segment are
`target_share` of its whitespace (potential less ARR); without a potential score, of its ARR.
"""

from __future__ import annotations

import datetime as dt
import math

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from segmint import tables as t
from segmint.analyse.registry import analysis
from segmint.config.project import CapacityPlan
from segmint.context import RunContext
from segmint.money import sum_to_the_cent
from segmint.sections import Chart, Note, Readings, Section, TableView

CAPACITY_PLAN = "capacity_plan"
MOTION = "motion"  # the action or motion column the plan splits by, when accounts have one
MOTION_COLUMNS = ("action", "motion")  # looked for on the accounts, in this order
NO_MOTION = "all"
WORKLOAD = "workload_hours"
DEFAULT_ATTRITION = 0.15  # yearly; a common B2B sales figure, used when owners cannot tell
DAYS_PER_MONTH = 365.25 / 12
FLAT_WORKLOAD = ("Workload is a flat number of hours per account by segment "
                 "(capacity.segment_hours, else capacity.hours_per_account): the accounts carry "
                 "no action or motion yet.")


def motion_column(table: ir.Table) -> str | None:
    """The accounts' action or motion column, if they have one.

    >>> motion_column(ibis.memtable({"account_id": ["a"], "motion": ["expand"]}))
    'motion'
    >>> motion_column(ibis.memtable({"account_id": ["a"]})) is None
    True
    """
    return next((c for c in MOTION_COLUMNS if c in table.columns), None)


def account_workload(table: ir.Table, plan: CapacityPlan) -> ir.FloatingValue:
    """Hours a year each account takes: by its action or motion (`action_hours`) when it has
    one that is listed, else by its segment (`segment_hours`), else `hours_per_account`.

    >>> plan = CapacityPlan(hours_per_account=10, segment_hours={"ENT": 40},
    ...                     action_hours={"expand": 60})
    >>> rows = ibis.memtable({"segment": ["ENT", "ENT", "SMB"], "action": ["expand", "keep", None]})
    >>> rows.mutate(h=account_workload(rows, plan)).h.execute().tolist()
    [60.0, 40.0, 10.0]
    """
    by_segment = ibis.literal(float(plan.hours_per_account))
    if plan.segment_hours:
        by_segment = table[t.SEGMENT].substitute(
            {k: float(v) for k, v in plan.segment_hours.items()}, else_=by_segment)
    column = motion_column(table)
    if column is None or not plan.action_hours:
        return by_segment.cast("float64")
    return table[column].cast("string").substitute(
        {k: float(v) for k, v in plan.action_hours.items()}, else_=by_segment).cast("float64")


def capacity_inputs(assignments: ir.Table, accounts: ir.Table, plan: CapacityPlan) -> ir.Table:
    """One row per account: segment, motion, workload, potential (or ARR), ARR and owner.

    ``potential`` is the potential score's column when the run has one, else ARR; ARR is 0
    when the project loads no revenue.

    >>> assignments = ibis.memtable({"account_id": ["a"], "segment": ["SMB"], "arr": [5.0]})
    >>> accounts = ibis.memtable({"account_id": ["a"], "owner_id": ["u1"], "motion": ["grow"]})
    >>> capacity_inputs(assignments, accounts, CapacityPlan()).to_pandas().values.tolist()
    [['a', 'SMB', 'grow', 20.0, 5.0, 5.0, 'u1']]
    """
    extra = [c for c in (t.OWNER_ID, *MOTION_COLUMNS) if c in accounts.columns
             and c not in assignments.columns]
    rows = assignments.left_join(accounts.select(t.ACCOUNT_ID, *extra), t.ACCOUNT_ID) \
        .select(*assignments.columns, *extra) if extra else assignments
    column = motion_column(rows)
    # without revenue there is no ARR column: nothing is recurring yet
    arr = rows[t.ARR].cast("float64") if t.ARR in rows.columns else ibis.literal(0.0)
    potential = rows[t.POTENTIAL] if t.POTENTIAL in rows.columns else arr
    return rows.select(
        t.ACCOUNT_ID, t.SEGMENT,
        **{MOTION: rows[column].cast("string").fill_null(NO_MOTION) if column
           else ibis.literal(NO_MOTION),
           WORKLOAD: account_workload(rows, plan),
           t.POTENTIAL: potential.cast("float64").fill_null(0.0),
           t.ARR: arr.fill_null(0.0),
           t.OWNER_ID: rows[t.OWNER_ID].cast("string") if t.OWNER_ID in rows.columns
           else ibis.null("string")})


def capacity_plan(inputs: ir.Table, plan: CapacityPlan, *, rep_hours: float,
                  attrition: float, ramped_share: float = 1.0,
                  has_potential: bool = True) -> pd.DataFrame:
    """Reps needed per segment and motion, against today's owners.

    Parameters
    ----------
    inputs : ibis.Table
        `capacity_inputs`: one row per account.
    plan : CapacityPlan
        The ``capacity:`` settings.
    rep_hours, attrition : float
        Selling hours a fully productive rep has a year, and the yearly share who leave.
    ramped_share : float
        Today's owners' average productivity (1: all past their ramp).
    has_potential : bool
        Whether ``potential`` is the potential score (True) or ARR standing in for it.

    Returns
    -------
    pandas.DataFrame
        ``segment``, ``motion``, ``accounts``, ``workload_hours``, ``potential``, ``arr``,
        ``whitespace``, ``rep_hours`` (effective, after attrition's refill ramp),
        ``reps_needed`` (whole reps), ``accounts_per_rep``, ``quota`` (bookings asked),
        ``bookings_per_rep``, ``owners_today`` (owners holding accounts in it),
        ``owner_fte_today`` (those owners counted for the share of their workload in it: an
        owner whose book spans two segments equally is half a rep in each),
        ``ramped_owners_today`` (that, at today's ramp) and ``gap`` (reps needed less
        ``owner_fte_today``); by segment, then motion.

    Examples
    --------
    Three accounts of 600 hours; a rep gives 1,200 hours less, for the 10% who leave, half
    of a 6-month ramp: 1,200 × (1 - 0.1 × 0.5 × 0.5) = 1,170. 1,800 hours need 2 reps; one
    owner today, so 1 to hire. Quota: half of the whitespace 60 + 0 + 10.

    >>> rows = ibis.memtable({"account_id": ["a", "b", "c"], "segment": ["ENT"] * 3,
    ...     "motion": ["all"] * 3, "workload_hours": [600.0] * 3,
    ...     "potential": [100.0, 50.0, 10.0], "arr": [40.0, 50.0, 0.0],
    ...     "owner_id": ["u1", "u1", None]})
    >>> out = capacity_plan(rows, CapacityPlan(target_share=0.5), rep_hours=1200, attrition=0.1)
    >>> out[["rep_hours", "reps_needed", "quota", "bookings_per_rep", "owners_today", "gap"]] \\
    ...     .astype(float).values.tolist()
    [[1170.0, 2.0, 35.0, 17.5, 1.0, 1.0]]
    """
    whitespace = (inputs[t.POTENTIAL] - inputs[t.ARR]).clip(lower=0.0) if has_potential \
        else inputs[t.ARR]
    # an owner whose book spans segments counts in each for the share of its workload there
    book = inputs[WORKLOAD].sum().over(group_by=inputs[t.OWNER_ID])
    inputs = inputs.mutate(_owner_share=ibis.ifelse(
        inputs[t.OWNER_ID].notnull(), inputs[WORKLOAD] / book.nullif(0.0), 0.0).fill_null(0.0))
    summary = inputs.group_by(t.SEGMENT, MOTION).aggregate(
        accounts=inputs.count(), **{
            WORKLOAD: sum_to_the_cent(inputs[WORKLOAD]),
            t.POTENTIAL: sum_to_the_cent(inputs[t.POTENTIAL]),
            t.ARR: sum_to_the_cent(inputs[t.ARR]),
            "whitespace": sum_to_the_cent(whitespace),
            "owners_today": inputs[t.OWNER_ID].nunique(),
            "owner_fte_today": inputs._owner_share.sum()},
    ).order_by(t.SEGMENT, MOTION).to_pandas()
    return plan_from_sums(summary, plan, rep_hours=rep_hours, attrition=attrition,
                          ramped_share=ramped_share)


def plan_from_sums(summary: pd.DataFrame, plan: CapacityPlan, *, rep_hours: float,
                   attrition: float, ramped_share: float = 1.0) -> pd.DataFrame:
    """`capacity_plan` from its sums per segment and motion (in that order): ``accounts``,
    ``workload_hours``, ``potential``, ``arr``, ``whitespace``, ``owners_today`` and
    ``owner_fte_today``; reps, quota and gap are worked out here.

    >>> sums = pd.DataFrame({"segment": ["ENT"], "motion": ["all"], "accounts": [3],
    ...     "workload_hours": [1800.0], "potential": [160.0], "arr": [90.0],
    ...     "whitespace": [70.0], "owners_today": [1], "owner_fte_today": [1.0]})
    >>> plan_from_sums(sums, CapacityPlan(target_share=0.5), rep_hours=1200, attrition=0.1
    ...                )[["reps_needed", "quota", "gap"]].values.tolist()
    [[2.0, 35.0, 1.0]]
    """
    summary = summary.copy()
    # a leaver's seat is refilled by a rep at half speed, on average, over the ramp
    effective = rep_hours * (1 - attrition * plan.ramp_months / 12 * 0.5)
    summary["rep_hours"] = round(effective, 2)
    summary["reps_needed"] = [max(math.ceil(h / effective - 1e-9), 1) if h > 0 else 0
                              for h in summary[WORKLOAD]]
    reps = summary["reps_needed"].replace(0, np.nan)
    summary["accounts_per_rep"] = (summary["accounts"] / reps).round(1)
    summary["quota"] = (summary["whitespace"] * plan.target_share).round(2)
    summary["bookings_per_rep"] = (summary["quota"] / reps).round(2)
    summary["owners_today"] = summary["owners_today"].astype("int64")
    summary["owner_fte_today"] = summary["owner_fte_today"].astype("float64").round(1)
    summary["ramped_owners_today"] = (summary["owner_fte_today"] * ramped_share).round(1)
    summary["gap"] = (summary["reps_needed"] - summary["owner_fte_today"]).round(1)
    return summary[[t.SEGMENT, MOTION, "accounts", WORKLOAD, t.POTENTIAL, t.ARR, "whitespace",
                    "rep_hours", "reps_needed", "accounts_per_rep", "quota", "bookings_per_rep",
                    "owners_today", "owner_fte_today", "ramped_owners_today", "gap"]]


def owner_figures(owners: pd.DataFrame | None, plan: CapacityPlan, as_of: dt.date
                  ) -> tuple[float, float, float, list[str]]:
    """Rep hours, attrition and the ramped share of today's reps, from the owners table where
    it says, else the plan's settings; with a note for each figure taken from a default.

    >>> owners = pd.DataFrame({"owner_id": ["u1", "u2", "u3", "u4"],
    ...     "capacity_hours": [1000.0, 1400.0, None, None], "active": [True, True, True, False],
    ...     "start_date": [dt.date(2020, 1, 1), dt.date(2024, 5, 1), None, None]})
    >>> hours, attrition, ramped, notes = owner_figures(owners, CapacityPlan(), dt.date(2024, 6, 30))
    >>> hours, attrition, round(ramped, 3)
    (1200.0, 0.25, 0.664)
    """
    notes = []
    hours, attrition, ramped, hours_given = plan.rep_hours, plan.attrition, 1.0, False
    if owners is not None and not owners.empty:
        active = owners[owners[t.ACTIVE].fillna(True).astype(bool)] if t.ACTIVE in owners \
            else owners
        if t.CAPACITY_HOURS in owners and active[t.CAPACITY_HOURS].notna().any():
            hours, hours_given = float(active[t.CAPACITY_HOURS].dropna().median()), True
        if attrition is None and t.ACTIVE in owners and owners[t.ACTIVE].notna().any():
            attrition = float((~owners[t.ACTIVE].fillna(True).astype(bool)).mean())
        if t.START_DATE in owners and active[t.START_DATE].notna().any() and plan.ramp_months:
            start = pd.to_datetime(active[t.START_DATE].dropna())
            months = (pd.Timestamp(as_of) - start).dt.days / DAYS_PER_MONTH
            ramped = float(np.clip(months / plan.ramp_months, 0, 1).mean())
    if not hours_given:
        notes.append(f"Rep capacity: {hours:,.0f} selling hours a year (capacity.rep_hours; "
                     "the owners table gives no capacity_hours).")
    if attrition is None:
        attrition = DEFAULT_ATTRITION
        notes.append(f"Attrition: {attrition:.0%} a year (a default: set capacity.attrition, or "
                     "give the owners table an active column).")
    return hours, attrition, ramped, notes


SECTION = Section("Sales capacity plan", order=80, blocks=(
    Note("Reps each segment needs for its accounts' workload, against the owners holding its "
         "accounts today, each counted for the share of its workload in the segment (owner "
         "FTE); quota is the target share of whitespace (potential less ARR)."),
    Readings("capacity_readings"),
    Chart("capacity_reps", table=CAPACITY_PLAN, empty="No segment has accounts to plan."),
    TableView(CAPACITY_PLAN, columns=(t.SEGMENT, MOTION, "accounts", WORKLOAD, "reps_needed",
                                      "owners_today", "owner_fte_today", "gap",
                                      "accounts_per_rep", "quota",
                                      "bookings_per_rep")),
))


@analysis(CAPACITY_PLAN, setting="capacity", section=SECTION)
def _capacity_plan(context: RunContext) -> dict[str, ir.Table]:
    """`capacity_plan` over the run's accounts and owners table, and what stood in for what."""
    plan = context.project.capacity
    inputs = capacity_inputs(context.assignments, context.accounts, plan)
    owners = context.tables.get("owners")
    hours, attrition, ramped, notes = owner_figures(
        owners.to_pandas() if owners is not None else None, plan, context.as_of)
    has_potential = t.POTENTIAL in context.assignments.columns
    if not has_potential:
        notes.append("No potential score: quota is capacity.target_share of ARR (add scores: "
                     "{potential: {}} to segmint.yaml to ask for a share of whitespace).")
    if motion_column(context.accounts) is None:
        notes.append(FLAT_WORKLOAD)
    table = capacity_plan(inputs, plan, rep_hours=hours, attrition=attrition,
                          ramped_share=ramped, has_potential=has_potential)
    return {CAPACITY_PLAN: ibis.memtable(table),
            "capacity_readings": ibis.memtable(pd.DataFrame({"reading": notes or [
                "Rep hours and attrition are the owners table's."]}))}

"""Start cohorts by segment: how many logos and how much ARR each cohort keeps as it ages."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from segmint.analyse.performance import Period, arr_snapshots, period_index
from segmint.analyse.registry import analysis
from segmint.context import RunContext
from segmint.money import from_cents, to_cents
from segmint.sections import Chart, Section
from segmint.tables import (
    ACCOUNT_ID,
    AGE,
    ALL_SEGMENTS,
    ARR,
    COHORT,
    LOGO_RETENTION,
    PERIOD,
    REVENUE,
    SEGMENT,
    UNASSIGNED,
)


def cohorts(revenue: ir.Table, assignments: ir.Table, *, period: Period = "quarter") -> ir.Table:
    """Logo and revenue retention per segment, start cohort and age.

    An account's start cohort is the first period at whose end it has ARR (ARR as in
    `performance.arr_snapshots`: 12 × MRR in the period's closing month). Its age at a
    later period is the number of periods since. Every age from 0 to the latest period
    appears, with zeros where no account of the cohort has ARR. An account that leaves
    and comes back counts as active again in its first cohort.

    Parameters
    ----------
    revenue : ibis.Table
        ``account_id``, ``period``, ``product``, ``mrr``.
    assignments : ibis.Table
        ``account_id`` and ``segment`` (the account's current segment).
    period : {"month", "quarter", "year"}

    Returns
    -------
    ibis.Table
        ``segment`` (plus ``All``), ``cohort`` (first day of the start period), ``age``
        (periods since the start), ``logos`` (accounts in the cohort), ``active_logos``
        (of those, with ARR at this age), ``logo_retention`` = active_logos / logos,
        ``start_arr`` (the cohort's ARR at age 0), ``arr`` (its ARR at this age) and
        ``revenue_retention`` = arr / start_arr.

    Examples
    --------
    >>> import datetime
    >>> months = [datetime.date(2024, m, 1) for m in (3, 6, 9, 3, 6)]
    >>> revenue = ibis.memtable({"account_id": ["a", "a", "a", "b", "b"], "period": months,
    ...     "product": ["x"] * 5, "mrr": [100.0, 120.0, 80.0, 100.0, 0.0]})
    >>> assignments = ibis.memtable({"account_id": ["a", "b"], "segment": ["SMB", "SMB"]})
    >>> rows = cohorts(revenue, assignments).filter(ibis._.segment == "SMB").order_by("age")
    >>> [(r["age"], r["logo_retention"], r["revenue_retention"]) for r in rows.to_pyarrow().to_pylist()]
    [(0, 1.0, 1.0), (1, 0.5, 0.6), (2, 0.5, 0.4)]
    """
    snap = arr_snapshots(revenue, period=period)
    # sums in whole cents (ARR is rounded to the cent): the same on every run
    cents = to_cents(snap[ARR])
    accounts = snap.group_by([ACCOUNT_ID, PERIOD]).aggregate(_cents=cents.sum())
    # each account's first period by a group-by joined back, not a window over each account:
    # both engines spill a join, and DuckDB could not hold a window partitioned by millions of
    # accounts within its memory limit (see segmint.score.clv.history.contract_periods)
    first = accounts.group_by(ACCOUNT_ID).aggregate(**{COHORT: accounts[PERIOD].min()})
    accounts = accounts.join(first, ACCOUNT_ID)
    accounts = accounts.mutate(
        **{AGE: period_index(accounts[PERIOD], period) - period_index(accounts[COHORT], period)}
    )
    joined = accounts.left_join(assignments.select(ACCOUNT_ID, SEGMENT), ACCOUNT_ID)
    accounts = joined.select(
        *accounts.columns, **{SEGMENT: joined[SEGMENT].fill_null(UNASSIGNED)}
    )
    accounts = ibis.union(accounts, accounts.mutate(**{SEGMENT: ibis.literal(ALL_SEGMENTS)}))
    cells = accounts.group_by([SEGMENT, COHORT, AGE]).aggregate(
        active_logos=accounts.count(), _cents=accounts._cents.sum()
    )
    starts = cells.filter(cells[AGE] == 0).select(
        SEGMENT, COHORT, logos=cells.active_logos, _start_cents=cells._cents
    )
    last = period_index(revenue[PERIOD].max(), period)
    grid = starts.mutate(
        **{AGE: ibis.range(0, last - period_index(starts[COHORT], period) + 1).unnest()}
    )
    full = grid.left_join(cells, [SEGMENT, COHORT, AGE])
    active = full.active_logos.fill_null(0)
    arr_cents = full._cents.fill_null(0)
    start_cents = full._start_cents
    return full.select(
        SEGMENT,
        COHORT,
        AGE,
        "logos",
        active_logos=active,
        **{LOGO_RETENTION: active.cast("float64") / full.logos.cast("float64")},
        start_arr=from_cents(start_cents),
        **{ARR: from_cents(arr_cents)},
        revenue_retention=arr_cents.cast("float64") / start_cents.cast("float64"),
    )


@analysis("cohorts", needs=(REVENUE,), section=Section(
    "Cohorts: logos still paying by start quarter", order=40,
    blocks=(Chart("cohort_heatmap", table="cohorts",
                  empty="No account has had recurring revenue at a quarter end yet."),)))
def cohort_analysis(context: RunContext) -> ir.Table:
    """The registered analysis: `cohorts` of the clean revenue by the run's segments."""
    return cohorts(context.tables[REVENUE.name], context.segments)


__all__ = ["cohorts"]

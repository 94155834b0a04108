"""Segmentation scenarios: other segmentations assigned on the run's loaded and scored tables, each scored against the baseline.

The data is loaded, validated, enriched and scored once (`segmint.pipeline.prepare`). What
every scenario reads is kept in the engine once (`scenario_base`): one row per scored account
with the saved model's dimensions and, under private names, its outcome figures
(`account_outcomes`) and coverage play (``rows``), and each account's ARR bridge movements
(`segmint.analyse.performance.account_movements`). A scenario is then not a table but an
expression: its segment, worked out on those rows from only the columns its model reads
(`segmint.segment.assign.with_segment`), beside the baseline's in the same query. Its whole
scorecard is one group-by of those rows, with no join (`score_scenario`); its summary and
bridge are one query each (`reassign`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import ibis
import ibis.expr.types as ir
import pandas as pd

from segmint import tables as t
from segmint.analyse.deals import normalise_deal_type, sales_cycle_days
from segmint.analyse.performance import (PERIOD_INDEX, account_movements, period_bounds,
                                         segment_bridge)
from segmint.config.project import BASELINE, CapacityPlan, Dimension, Segmentation
from segmint.context import RunContext
from segmint.money import money_text, to_cents
from segmint.plan import scorecard as sc
from segmint.plan.capacity import (NO_MOTION, WORKLOAD, account_workload, motion_column,
                                   owner_figures, plan_from_sums)
from segmint.plan.coverage import (MOTION, PLAYS, CoverageSettings, account_plays,
                                   plays_from_sums)
from segmint.plan.priorities import PrioritySettings, account_actions, settings_of
from segmint.segment.assign import (dimension_columns, dimensions_read, fields_read,
                                    reusable_dimensions, segments_only, with_segment)
from segmint.segment.summary import segment_summary

# Continuous figures (between-segment share of variance) and rates (shrunk information),
# each with how it reads, and the table it needs.
CONTINUOUS = {"acv": ("ACV (customers' ARR)", "revenue"),
              "sales_cycle_days": ("sales cycle of won new business", "deals"),
              "nrr": ("12-month NRR per account", "revenue")}
RATES = {"win_rate": ("new-business win rate", "deals"),
         "churn_rate": ("12-month logo churn", "revenue")}
MIN_STAFFED_REPS = 0.5  # a segment whose workload is less than half a rep cannot be staffed
DIGITS = 6  # scorecard shares are rounded: float sums may differ in their last bits by thread


CARD = "_card_"  # prefix of the scorecard's own columns in `ScenarioBase.rows`
BASE_DIMENSION = "_base_dimension_"  # prefix of the saved model's dimensions kept there
FIGURES = {t.OWNER_ID: CARD + "owner", t.IS_CUSTOMER: CARD + "customer", t.ARR: CARD + "arr",
           t.POTENTIAL: CARD + "potential"}  # `account_outcomes`' figures in the rows
CARD_MOTION, CARD_RULE = CARD + MOTION, CARD + "play_rule"


@dataclass
class ScenarioBase:
    """What every scenario is assigned on and measured with, kept in the engine once.

    ``context`` holds the scored accounts and the clean tables. ``rows`` has one row per
    scored account: its every column, each dimension of the saved model that its segment
    reads (``_base_dimension_<name>``, named in ``dimensions``, worked out as ``specs`` says)
    and, under private names, what the scorecard adds up: `account_outcomes`' figures (owner,
    customer, ARR and potential as ``_card_owner`` ... and the ``_n_`` ... sums), the
    account's motion (``_card_motion``: its coverage motion, else its own action or motion
    column) and, with ``priorities:`` or ``coverage:``, its play (``_card_play_rule`` and
    the three plays; they never read the segment, so they are the same under every
    scenario). ``outcomes`` and ``plays`` are those columns under their own names, for the
    edge search. ``movements`` and ``bounds``: each account's bridge movements and the
    periods (None without revenue).
    """

    context: RunContext
    score_columns: tuple[str, ...]
    movements: ir.Table | None
    bounds: ir.Table | None
    outcomes: ir.Table
    plays: ir.Table | None = None  # account_id, motion and plays, with priorities/coverage
    coverage: CoverageSettings | None = None
    rows: ir.Table | None = None
    dimensions: dict[str, str] = field(default_factory=dict)
    specs: dict[str, Dimension] = field(default_factory=dict)

    def reuse(self, model: Segmentation) -> dict[str, str]:
        """The kept column of each of `model`'s dimensions that is as saved."""
        return reusable_dimensions(model, self.specs, self.dimensions)


@dataclass
class Reassignment:
    """One segmentation assigned on a `ScenarioBase`: the assignments (``account_id`` and
    ``segment``), the segment summary (pandas; None where nothing shows it) and the
    quarterly ARR bridge per segment (None without revenue, or when not asked for).

    ``on_base``: the assignments are an expression over the base's rows, worked out again
    in each query that reads them (`reassign`); otherwise a kept table, joined on
    ``account_id`` (the workbench's edits).
    """

    name: str
    model: Segmentation
    assignments: ir.Table
    summary: pd.DataFrame | None
    bridge: ir.Table | None
    on_base: bool = False


def scenario_base(context: RunContext, score_columns: tuple[str, ...] | list[str] = ()
                  ) -> ScenarioBase:
    """Keep what every scenario reads: the rows (accounts, saved dimensions, outcomes and
    plays), the account movements and the period bounds.

    `context` is a run's context after the score stage (`segmint.pipeline.prepare`);
    `score_columns` are the score columns the scorecard reads: the comparison reads
    ``potential`` alone (the capacity plan's quota; without it, ARR stands in).
    """
    revenue, deals = context.tables.get("revenue"), context.tables.get("deals")
    movements = bounds = None
    if revenue is not None:
        movements = context.keep(account_movements(revenue), "account_movements")
        bounds = context.keep(period_bounds(revenue), "period_bounds")
    accounts = context.accounts
    outcomes = account_outcomes(accounts, movements=movements, bounds=bounds, deals=deals)
    project = context.project
    saved = project.segmentation
    table, dimensions = dimension_columns(accounts, saved, prefix=BASE_DIMENSION,
                                          revenue=revenue, deals=deals,
                                          only=dimensions_read(saved))
    card = outcomes.select(_card_account=outcomes[t.ACCOUNT_ID],
                           **{FIGURES.get(c, c): outcomes[c] for c in outcomes.columns
                              if c != t.ACCOUNT_ID})
    rows = table.join(card, table[t.ACCOUNT_ID] == card._card_account).drop("_card_account")
    coverage = None
    if project.priorities is not None or project.coverage is not None:
        priorities = settings_of(project.priorities, PrioritySettings, "priorities")
        coverage = settings_of(project.coverage, CoverageSettings, "coverage")
        played = account_plays(account_actions(accounts, priorities), coverage)
        played = played.select(_card_account=played[t.ACCOUNT_ID],
                               **{CARD + c: played[c] for c in (MOTION, "play_rule", *PLAYS)})
        rows = rows.left_join(played, rows[t.ACCOUNT_ID] == played._card_account) \
            .drop("_card_account")
    else:  # the capacity plan splits by the accounts' own action or motion, when they have one
        own = motion_column(accounts)
        rows = rows.mutate(**{CARD_MOTION: rows[own].cast("string") if own
                              else ibis.null("string")})
    rows = context.keep(rows, "scenario_rows")
    named = {private: own for own, private in FIGURES.items()}
    outcomes = rows.select(t.ACCOUNT_ID, **{named.get(c, c): rows[c] for c in card.columns
                                            if c != "_card_account"})
    plays = rows.select(t.ACCOUNT_ID, **{c: rows[CARD + c] for c in (MOTION, "play_rule", *PLAYS)}
                        ) if coverage is not None else None
    return ScenarioBase(context, tuple(score_columns), movements, bounds, outcomes, plays,
                        coverage, rows, dimensions,
                        {name: saved.dimensions[name] for name in dimensions})


def reassign(base: ScenarioBase, model: Segmentation, *, name: str = BASELINE,
             bridge: bool = True, summary: bool = True) -> Reassignment:
    """Assign `model` on the base's rows: assignments, segment summary and ARR bridge.

    Nothing is loaded again, and nothing is kept: the assignments are the model's rules over
    the base's rows, reading only the columns the model reads and reusing each dimension
    that is as saved (`segmint.segment.assign.segments_only`), with no reasons; the summary
    is one group-by of them, and the bridge one join of the kept movements and group-by
    (`segment_bridge`). Without `bridge` or `summary` (what `segmint compare` and the
    workbench do not show) they are None and not even built.

    Examples
    --------
    >>> import datetime
    >>> from segmint.config.project import Project
    >>> project = Project.model_validate({"sources": {"accounts": {"path": "a.csv"}},
    ...     "segmentation": {"segments": [{"name": "Everyone", "when": "true"}]}})
    >>> accounts = ibis.memtable({"account_id": ["a", "b"], "employees": [10.0, 900.0]})
    >>> base = scenario_base(RunContext(project, datetime.date(2024, 6, 30), {}, accounts))
    >>> by_size = Segmentation.model_validate({"dimensions": {"size": {"kind": "bands",
    ...     "field": "employees", "edges": [100], "labels": ["SMB", "ENT"]}}, "default": "{size}"})
    >>> reassign(base, by_size, name="by_size").summary[["segment", "accounts"]].values.tolist()
    [['ENT', 1], ['SMB', 1]]
    """
    assignments = _assigned(base, model)
    shown = None
    if summary:  # as the run's summary: from the accounts' own customer flag and ARR
        carry = tuple(c for c in (t.IS_CUSTOMER, t.ARR) if c in base.context.accounts.columns)
        shown = segment_summary(_assigned(base, model, carry=carry)).to_pandas()
    per_segment = None
    if bridge and base.movements is not None and base.bounds is not None:
        named = None if shown is None else ibis.memtable(  # the segments: read once, not twice
            {t.SEGMENT: shown[t.SEGMENT].astype(str).tolist()}, schema={t.SEGMENT: "string"})
        per_segment = segment_bridge(base.movements, assignments, base.bounds, segments=named)
    return Reassignment(name, model, assignments, shown, per_segment, on_base=True)


def _assigned(base: ScenarioBase, model: Segmentation, carry: tuple[str, ...] = ()) -> ir.Table:
    """``account_id``, `carry` and `model`'s ``segment``, over the base's rows."""
    tables = base.context.tables
    return segments_only(base.rows, model, revenue=tables.get("revenue"),
                         deals=tables.get("deals"), reuse=base.reuse(model), carry=carry)


def account_outcomes(accounts: ir.Table, *, movements: ir.Table | None = None,
                     bounds: ir.Table | None = None, deals: ir.Table | None = None) -> ir.Table:
    """One row per account: what the scorecard adds up per segment, whatever the segments.

    ``account_id``, ``owner_id``, ``is_customer``, ``arr`` and ``potential`` (0 when the run
    has none), and per figure of `CONTINUOUS` its ``_n_``, ``_sum_`` and ``_sq_`` columns
    (count, sum and sum of squares of the account's values), per rate of `RATES` its
    ``_trials_`` and ``_hits_``:

    - acv: a customer's ARR (customers with ARR only);
    - nrr: ARR now over ARR a year before, for accounts that had ARR a year before the
      latest period (`movements`' trailing-twelve-month columns);
    - churn_rate: of those accounts, the ones with no ARR now;
    - win_rate: closed new-business deals, and the won ones;
    - sales_cycle_days: close date − created date of won new-business deals with both,
      not negative.

    Examples
    --------
    >>> import datetime
    >>> d = datetime.date
    >>> accounts = ibis.memtable({"account_id": ["a", "b"], "is_customer": [True, False],
    ...                           "arr": [1200.0, 0.0]})
    >>> deals = ibis.memtable({"account_id": ["a", "a", "b"], "deal_type": ["New"] * 3,
    ...     "is_closed": [True, True, True], "is_won": [True, False, False],
    ...     "created_date": [d(2024, 1, 1)] * 3, "close_date": [d(2024, 1, 31)] * 3})
    >>> rows = account_outcomes(accounts, deals=deals).order_by("account_id").execute()
    >>> rows[["_n_acv", "_sum_acv", "_trials_win_rate", "_hits_win_rate", "_sum_sales_cycle_days"]
    ...      ].values.tolist()
    [[1.0, 1200.0, 2.0, 1.0, 30.0], [0.0, 0.0, 1.0, 0.0, 0.0]]
    """
    columns = accounts.columns
    arr = accounts[t.ARR].cast("float64").fill_null(0.0) if t.ARR in columns else ibis.literal(0.0)
    customer = (accounts[t.IS_CUSTOMER].fill_null(False) if t.IS_CUSTOMER in columns
                else ibis.literal(False))
    has_acv = customer & (arr > 0)
    out = accounts.select(
        t.ACCOUNT_ID,
        **{t.OWNER_ID: accounts[t.OWNER_ID].cast("string") if t.OWNER_ID in columns
           else ibis.null("string"),
           t.IS_CUSTOMER: customer, t.ARR: arr,
           t.POTENTIAL: accounts[t.POTENTIAL].cast("float64").fill_null(0.0)
           if t.POTENTIAL in columns else ibis.literal(0.0),
           **_moments("acv", arr, has_acv)})
    zero_int, zero = ibis.literal(0, "int64"), ibis.literal(0.0)
    if movements is not None and bounds is not None:
        latest = movements.join(bounds, movements[PERIOD_INDEX] == bounds._last)
        held = latest.ttm_base_arr > 0
        ratio = latest.ttm_net_arr.cast("float64") / latest.ttm_base_arr.cast("float64").nullif(0)
        per_account = latest.select(
            _account=latest[t.ACCOUNT_ID], **_moments("nrr", ratio.fill_null(0.0), held),
            # in cents, summed per segment: the segment's own trailing-twelve-month NRR
            _base_cents_nrr=latest.ttm_base_arr.cast("int64"),
            _net_cents_nrr=latest.ttm_net_arr.cast("int64"),
            **{"_trials_churn_rate": held.cast("int64"),
               "_hits_churn_rate": (held & (latest[t.CLOSING_ARR] == 0)).cast("int64")})
        out = _left_join(out, per_account)
    else:
        out = out.mutate(_n_nrr=zero_int, _sum_nrr=zero, _sq_nrr=zero,
                         _base_cents_nrr=zero_int, _net_cents_nrr=zero_int,
                         _trials_churn_rate=zero_int, _hits_churn_rate=zero_int)
    if deals is not None:
        new = deals.filter((normalise_deal_type(deals[t.DEAL_TYPE]) == "new")
                           & deals[t.IS_CLOSED].fill_null(False))
        won = new[t.IS_WON].fill_null(False)
        cycle = sales_cycle_days(new[t.CREATED_DATE], new[t.CLOSE_DATE])
        timed = won & cycle.notnull()
        per_account = new.group_by(_account=new[t.ACCOUNT_ID]).aggregate(
            _trials_win_rate=new.count(), _hits_win_rate=won.cast("int64").sum(),
            _n_sales_cycle_days=timed.cast("int64").sum(),
            _sum_sales_cycle_days=ibis.ifelse(timed, cycle, 0).sum(),
            _sq_sales_cycle_days=ibis.ifelse(timed, cycle * cycle, 0).sum())
        out = _left_join(out, per_account)
    else:
        out = out.mutate(_trials_win_rate=zero_int, _hits_win_rate=zero_int,
                         _n_sales_cycle_days=zero_int, _sum_sales_cycle_days=zero_int,
                         _sq_sales_cycle_days=zero_int)
    return out


def _moments(name: str, value: ir.NumericValue, counted: ir.BooleanValue) -> dict[str, ir.Value]:
    """Count, sum and sum of squares of `value` where `counted`, for `sc.variance_explained`."""
    return {f"_n_{name}": counted.cast("int64"),
            f"_sum_{name}": ibis.ifelse(counted, value, 0.0),
            f"_sq_{name}": ibis.ifelse(counted, value * value, 0.0)}


def _left_join(table: ir.Table, per_account: ir.Table) -> ir.Table:
    """`table` with `per_account`'s columns (keyed by ``_account``), zeros where it has none."""
    joined = table.left_join(per_account, table[t.ACCOUNT_ID] == per_account._account)
    added = [c for c in per_account.columns if c != "_account"]
    return joined.select(*table.columns, **{c: joined[c].fill_null(0) for c in added})


# --------------------------------------------------------------------------- the scorecard
@dataclass
class Capacity:
    """The capacity plan's settings and the rep figures taken from the owners table, once."""

    plan: CapacityPlan
    rep_hours: float
    attrition: float
    ramped_share: float
    notes: list[str] = field(default_factory=list)


def capacity_of(context: RunContext) -> Capacity | None:
    """The project's capacity settings with the owners' figures, or None when not configured."""
    plan = context.project.capacity
    if plan is None:
        return None
    owners = context.tables.get("owners")
    hours, attrition, ramped, notes = owner_figures(
        owners.to_pandas() if owners is not None else None, plan, context.as_of)
    return Capacity(plan, hours, attrition, ramped, notes)


@dataclass
class ScenarioScore:
    """A scenario's scorecard rows, its segments' figures and its transitions from the baseline."""

    rows: list[dict]
    segments: pd.DataFrame
    transitions: pd.DataFrame
    outcomes: pd.DataFrame | None = None  # `segment_outcomes`: win rate, NRR, ACV per segment


ASPECTS = ("balance", "discrimination", "actionability", "disruption", "capacity")


def score_scenario(base: ScenarioBase, scenario: Reassignment, baseline: Reassignment,
                   capacity: Capacity | None = None, *,
                   aspects: tuple[str, ...] = ASPECTS) -> ScenarioScore:
    """Balance, discriminative power, actionability, disruption and capacity of `scenario`.

    Rows of the scorecard: ``scenario``, ``aspect``, ``measure``, ``label``, ``value``
    (null when the figure cannot be had) and ``note`` (why not: a table not loaded, a
    setting not configured). Unassigned accounts are counted, but are not a segment in
    balance or discriminative power. Only the rows of `aspects` are worked out (the
    workbench shows disruption alone; capacity and actionability group by motion and play
    too); the segments' figures and the transitions always are. It is all one query of the
    base's rows (`_groups`), with no join when both segmentations are `on_base`.
    """
    groups = _groups(base, scenario, baseline, capacity if "capacity" in aspects else None,
                     plays="actionability" in aspects and base.plays is not None)
    per_segment = _segment_figures(groups, base.outcomes)
    transitions = _transitions(groups)
    plan = (_capacity_plan(groups, capacity) if capacity is not None
            and "capacity" in aspects else None)
    has_revenue = "revenue" in base.context.tables
    card = _Card(scenario.name, aspects)
    segments = per_segment[per_segment[t.SEGMENT] != t.UNASSIGNED]
    if "balance" in aspects:
        _balance(card, per_segment, has_revenue=has_revenue)
    if "discrimination" in aspects:
        _discrimination(card, segments, base.context.tables)
    if "actionability" in aspects:
        _actionability(card, base, groups, plan)
    if "disruption" in aspects:
        _disruption(card, transitions, _owner_segments(groups), has_revenue=has_revenue)
    if plan is None:
        card.add("capacity", "reps_needed", "reps needed", None, NO_CAPACITY)
    else:
        card.add("capacity", "reps_needed", "reps needed", plan["reps_needed"].sum())
        for motion, reps in plan.groupby("motion")["reps_needed"].sum().sort_index().items():
            card.add("capacity", f"reps_needed_{motion}", f"reps needed, motion {motion}", reps)
    shown = per_segment[[t.SEGMENT, "accounts", "customers", t.ARR, t.POTENTIAL]].copy()
    shown[WORKLOAD] = (shown[t.SEGMENT].map(plan.groupby(t.SEGMENT)[WORKLOAD].sum()).fillna(0.0)
                       if plan is not None else float("nan"))
    shown.insert(0, "scenario", scenario.name)
    transitions.insert(0, "scenario", scenario.name)
    return ScenarioScore(card.rows, shown, transitions, segment_outcomes(per_segment))


def segment_outcomes(per_segment: pd.DataFrame) -> pd.DataFrame:
    """Win rate, NRR and ACV per segment, from the outcome sums of `account_outcomes`.

    ``win_rate``: won ÷ closed new-business deals; ``nrr``: the segment's ARR now ÷ its ARR
    a year before, of the accounts that had ARR then (the trailing-twelve-month NRR of
    `segmint.analyse.performance.retention` at the latest period); ``acv``: customers' mean
    ARR. Null where a segment has nothing to divide by.

    Examples
    --------
    >>> sums = pd.DataFrame({"segment": ["SMB", "ENT"], "_trials_win_rate": [5, 0],
    ...     "_hits_win_rate": [1, 0], "_base_cents_nrr": [10_000, 50_000],
    ...     "_net_cents_nrr": [9_000, 60_000], "_n_acv": [2, 1], "_sum_acv": [300.0, 900.0]})
    >>> segment_outcomes(sums).values.tolist()
    [['SMB', 0.2, 0.9, 150.0], ['ENT', nan, 1.2, 900.0]]
    """
    def ratio(top: pd.Series, bottom: pd.Series) -> pd.Series:
        return top.astype("float64") / bottom.astype("float64").where(bottom > 0)

    return pd.DataFrame({
        t.SEGMENT: per_segment[t.SEGMENT],
        "win_rate": ratio(per_segment["_hits_win_rate"], per_segment["_trials_win_rate"]),
        "nrr": ratio(per_segment["_net_cents_nrr"], per_segment["_base_cents_nrr"]),
        "acv": ratio(per_segment["_sum_acv"], per_segment["_n_acv"])}).reset_index(drop=True)


NO_CAPACITY = "capacity not configured (add capacity: {} to segmint.yaml)"
NO_COVERAGE = "coverage not configured (add coverage: {} to segmint.yaml)"


@dataclass
class _Card:
    """A scenario's scorecard rows, added one measure at a time."""

    scenario: str
    aspects: tuple[str, ...] = ASPECTS  # the aspects whose rows are kept
    rows: list[dict] = field(default_factory=list)

    def add(self, aspect: str, measure: str, label: str, value: float | None,
            note: str = "") -> None:
        if aspect not in self.aspects:
            return
        self.rows.append({"scenario": self.scenario, "aspect": aspect, "measure": measure,
                          "label": label, "value": None if value is None or value != value
                          else round(float(value), DIGITS), "note": note})


def _balance(card: _Card, per_segment: pd.DataFrame, *, has_revenue: bool) -> None:
    segments = per_segment[per_segment[t.SEGMENT] != t.UNASSIGNED]
    unassigned = per_segment.loc[per_segment[t.SEGMENT] == t.UNASSIGNED, "accounts"].sum()
    card.add("balance", "segments", "segments", len(segments))
    card.add("balance", "unassigned_accounts", "accounts unassigned", unassigned)
    card.add("balance", "largest_to_smallest_accounts", "largest ÷ smallest segment, accounts",
             sc.largest_to_smallest(segments["accounts"]))
    card.add("balance", "gini_accounts", "Gini of accounts per segment",
             sc.gini(segments["accounts"]))
    ratio = sc.largest_to_smallest(segments[t.ARR]) if has_revenue else None
    card.add("balance", "largest_to_smallest_arr", "largest ÷ smallest segment, ARR", ratio,
             "no revenue table" if not has_revenue else "" if ratio == ratio
             else "a segment has no ARR")
    card.add("balance", "gini_arr", "Gini of ARR per segment",
             sc.gini(segments[t.ARR]) if has_revenue else None,
             "" if has_revenue else "no revenue table")


def _discrimination(card: _Card, segments: pd.DataFrame, tables: Mapping[str, ir.Table]) -> None:
    for name, (label, needs) in CONTINUOUS.items():
        card.add("discrimination", name, f"{label}: share of variance between segments",
                 sc.variance_explained(segments[f"_n_{name}"], segments[f"_sum_{name}"],
                                       segments[f"_sq_{name}"]) if needs in tables else None,
                 "" if needs in tables else f"no {needs} table")
    for name, (label, needs) in RATES.items():
        card.add("discrimination", name, f"{label}: share of uncertainty the segment removes",
                 sc.rate_information(segments[f"_hits_{name}"], segments[f"_trials_{name}"])
                 if needs in tables else None, "" if needs in tables else f"no {needs} table")


def _actionability(card: _Card, base: ScenarioBase, groups: pd.DataFrame,
                   plan: pd.DataFrame | None) -> None:
    label = "segments too small to staff"
    if plan is None:
        card.add("actionability", "segments_too_small_to_staff", label, None, NO_CAPACITY)
    else:
        staffed = plan[plan[t.SEGMENT] != t.UNASSIGNED].groupby(t.SEGMENT)[WORKLOAD].sum()
        small = staffed / plan["rep_hours"].iloc[0] < MIN_STAFFED_REPS
        card.add("actionability", "segments_too_small_to_staff", label, int(small.sum()),
                 f"workload under {MIN_STAFFED_REPS:g} of a rep's hours"
                 + (f": {', '.join(sorted(map(str, small[small].index)))}" if small.any() else ""))
    label = "segments whose ACV does not pay for their coverage motion"
    if base.plays is None:
        card.add("actionability", "segments_motion_unpaid", label, None, NO_COVERAGE)
    else:
        unpaid = _unpaid_segments(groups, base.coverage)
        card.add("actionability", "segments_motion_unpaid", label, len(unpaid),
                 ", ".join(unpaid[:5]) + (f" and {len(unpaid) - 5} more" if len(unpaid) > 5
                                          else ""))


def _disruption(card: _Card, transitions: pd.DataFrame, owners: pd.DataFrame | None, *,
                has_revenue: bool) -> None:
    moved = transitions[~sc.kept_together(transitions)]  # a renamed segment moves nobody
    accounts, arr = transitions["accounts"].sum(), transitions[t.ARR].sum()
    card.add("disruption", "accounts_moved", "accounts that change segment",
             moved["accounts"].sum())
    card.add("disruption", "accounts_moved_share", "share of accounts that change segment",
             moved["accounts"].sum() / accounts if accounts else None)
    no_arr = "no revenue table" if not has_revenue else "" if arr else "no ARR"
    card.add("disruption", "arr_moved", "ARR that changes segment",
             moved[t.ARR].sum() if has_revenue else None, "" if has_revenue else no_arr)
    card.add("disruption", "arr_moved_share", "share of ARR that changes segment",
             moved[t.ARR].sum() / arr if has_revenue and arr else None, no_arr)
    split, away = sc.owner_disruption(owners) if owners is not None else (None, None)
    no_owner = "" if owners is not None else "accounts have no owner_id"
    card.add("disruption", "owners_split", "owners whose book spans several segments", split,
             no_owner)
    card.add("disruption", "accounts_off_owner_segment",
             "accounts outside their owner's main segment", away, no_owner)


FROM, TO = "from_segment", "to_segment"
_CENTS = {t.ARR: "_arr_cents", t.POTENTIAL: "_potential_cents"}  # summed in whole cents


def _groups(base: ScenarioBase, scenario: Reassignment, baseline: Reassignment,
            capacity: Capacity | None, *, plays: bool) -> pd.DataFrame:
    """Everything the scorecard adds up, in one group-by of the base's rows: per baseline
    segment (``from_segment``), scenario segment (``to_segment``) and owner (and motion and
    play, when the capacity plan or the coverage economics are asked for), the accounts,
    customers, ARR and potential in whole cents, the outcome sums, and what the capacity plan
    and the coverage economics add up. The segments, transitions, owners' books, capacity
    plan and plays are each a pandas group-by of these few rows: they nest in them.
    """
    sums = [c for c in base.outcomes.columns if c.startswith("_")]
    card = [c for c in base.rows.columns if c.startswith(CARD)]
    assigned = [r for r in (baseline, scenario) if r.on_base]
    read = {t.ACCOUNT_ID, *card, *sums,
            *(c for r in assigned for c in fields_read(r.model, base.reuse(r.model)))}
    rows = base.rows.select(*(c for c in base.rows.columns if c in read))
    for reassignment, column in ((baseline, FROM), (scenario, TO)):
        if reassignment.on_base:
            tables = base.context.tables
            rows = with_segment(rows, reassignment.model, column=column,
                                revenue=tables.get("revenue"), deals=tables.get("deals"),
                                reuse=base.reuse(reassignment.model))
        else:
            kept = reassignment.assignments
            kept = kept.select(_account=kept[t.ACCOUNT_ID], **{column: kept[t.SEGMENT]})
            rows = rows.join(kept, rows[t.ACCOUNT_ID] == kept._account).drop("_account")
    rows = rows.select(*card, *sums, FROM, TO)  # no account field: `motion_column` reads ours
    if capacity is not None:
        rows = rows.mutate(**{t.SEGMENT: rows[TO], MOTION: rows[CARD_MOTION]})
        rows = rows.mutate(_workload=account_workload(rows, capacity.plan))
    keys = [FROM, TO, FIGURES[t.OWNER_ID]]
    customer, arr = rows[FIGURES[t.IS_CUSTOMER]], rows[FIGURES[t.ARR]]
    paying = customer & (arr > 0)  # as `segment_plays` counts paying customers and their ARR
    figures = {"accounts": rows.count(), "customers": customer.cast("int64").sum(),
               **{cents: to_cents(rows[FIGURES[c]]).sum() for c, cents in _CENTS.items()},
               **{c: rows[c].sum() for c in sums}}
    if plays:
        keys += [CARD_MOTION, CARD_RULE, *(CARD + c for c in PLAYS)]
        figures.update(_paying=paying.cast("int64").sum(),
                       _paid_cents=to_cents(ibis.ifelse(paying, arr, 0.0)).sum())
    if capacity is not None:
        keys += [CARD_MOTION] if CARD_MOTION not in keys else []
        # as `segmint.plan.capacity.capacity_inputs`: without the potential score, ARR
        has_potential = t.POTENTIAL in base.score_columns \
            and t.POTENTIAL in base.context.accounts.columns
        potential = rows[FIGURES[t.POTENTIAL]] if has_potential else arr
        whitespace = (potential - arr).clip(lower=0.0) if has_potential else arr
        figures.update(_workload_cents=to_cents(rows._workload).sum(),
                       _quota_base_cents=to_cents(potential).sum(),
                       _whitespace_cents=to_cents(whitespace).sum())
    grouped = rows.group_by(keys).aggregate(**figures).to_pandas()
    for key in keys:  # a missing key as None, as the engine gives it (not NaN)
        grouped[key] = grouped[key].astype(object).where(grouped[key].notna(), None)
    return grouped


def _sum_by(groups: pd.DataFrame, keys: list[str], columns: list[str]) -> pd.DataFrame:
    """`columns` summed per `keys` (missing keys kept), sorted by them."""
    return groups.groupby(keys, dropna=False, sort=True)[columns].sum().reset_index()


def _segment_figures(groups: pd.DataFrame, outcomes: ir.Table) -> pd.DataFrame:
    """One row per segment: accounts, customers, ARR, potential and the outcome sums."""
    sums = [c for c in outcomes.columns if c.startswith("_")]
    figures = _sum_by(groups, [TO], ["accounts", "customers", *_CENTS.values(), *sums])
    for cents in _CENTS.values():
        figures[cents] = figures[cents].astype("int64") / 100
    return figures.rename(columns={TO: t.SEGMENT, **{v: k for k, v in _CENTS.items()}})


def _transitions(groups: pd.DataFrame) -> pd.DataFrame:
    """Accounts and ARR per (baseline segment, scenario segment), by both names."""
    table = _sum_by(groups, [FROM, TO], ["accounts", _CENTS[t.ARR]])
    table[_CENTS[t.ARR]] = table[_CENTS[t.ARR]].astype("int64") / 100
    return table.rename(columns={_CENTS[t.ARR]: t.ARR})


def _owner_segments(groups: pd.DataFrame) -> pd.DataFrame | None:
    """Accounts per owner and segment (None when no account has an owner)."""
    owner = FIGURES[t.OWNER_ID]
    owned = groups[groups[owner].notna()]
    if owned.empty:
        return None
    return _sum_by(owned, [owner, TO], ["accounts"]).rename(
        columns={owner: t.OWNER_ID, TO: t.SEGMENT})


def _unpaid_segments(groups: pd.DataFrame, coverage: CoverageSettings) -> list[str]:
    """The segments (not Unassigned) whose average ACV × gross margin is below the cost of a
    motion some of their accounts get (`segmint.plan.coverage.segment_plays`), by name."""
    per_segment = _sum_by(groups, [TO], ["_paying", "_paid_cents"])
    per_segment = pd.DataFrame({t.SEGMENT: per_segment[TO],
                                "paying_customers": per_segment["_paying"],
                                "paid_arr": per_segment["_paid_cents"].astype("int64") / 100})
    keys = [TO, CARD_MOTION, CARD_RULE, *(CARD + c for c in PLAYS)]
    per_rule = _sum_by(groups, keys, ["accounts", "_paying"]).rename(columns={
        TO: t.SEGMENT, "_paying": "customers",
        **{CARD + c: c for c in (MOTION, "play_rule", *PLAYS)}})
    for key in (MOTION, *PLAYS):  # pandas keeps a missing key as NaN
        per_rule[key] = per_rule[key].astype(object).where(per_rule[key].notna(), None)
    plays = plays_from_sums(per_segment, per_rule, coverage)
    warned = plays[(plays["warning"] != "") & ~plays[t.SEGMENT].isin([t.ALL_SEGMENTS,
                                                                       t.UNASSIGNED])]
    return sorted(set(map(str, warned[t.SEGMENT])))


def _capacity_plan(groups: pd.DataFrame, capacity: Capacity) -> pd.DataFrame:
    """`segmint.plan.capacity.capacity_plan` of the scenario's segments, as the run's
    capacity analysis makes it, from the groups' sums: split by the accounts' motion (their
    coverage motion, else their own action or motion column), owners counted for the share
    of their book's workload in each segment and motion."""
    owner = FIGURES[t.OWNER_ID]
    rows = groups.assign(**{MOTION: groups[CARD_MOTION].map(
        lambda motion: NO_MOTION if motion is None else str(motion))})
    hours = rows["_workload_cents"] / 100
    book = hours.groupby(rows[owner], dropna=True).transform("sum")
    rows["_owner_share"] = (hours / book.where(book != 0)).where(rows[owner].notna()).fillna(0.0)
    by = rows.groupby([TO, MOTION], sort=True)
    summary = by[["accounts", "_workload_cents", "_quota_base_cents", _CENTS[t.ARR],
                  "_whitespace_cents", "_owner_share"]].sum()
    summary["owners_today"] = by[owner].nunique()
    summary = summary.reset_index()
    money = {"_workload_cents": WORKLOAD, "_quota_base_cents": t.POTENTIAL,
             _CENTS[t.ARR]: t.ARR, "_whitespace_cents": "whitespace"}
    for cents in money:
        summary[cents] = summary[cents].astype("int64") / 100
    summary = summary.rename(columns={TO: t.SEGMENT, "_owner_share": "owner_fte_today",
                                      **money})
    return plan_from_sums(summary, capacity.plan, rep_hours=capacity.rep_hours,
                          attrition=capacity.attrition, ramped_share=capacity.ramped_share)


# --------------------------------------------------------------------------- the comparison
@dataclass
class Comparison:
    """Every scenario's scorecard beside the baseline's, ready to write.

    ``scorecard``: one row per scenario and measure (baseline first, then the scenarios in
    the order given; measures in a fixed order). ``segments``: per scenario and segment,
    accounts, customers, ARR, potential and workload. ``transitions``: per scenario,
    accounts and ARR from each baseline segment to each of its segments. ``readings``: the
    trade-offs in words; ``notes``: where a figure's input came from; ``edge_search``: the
    best band edges for one field, and the current ones (`segmint.plan.edges`), when asked.
    """

    scorecard: pd.DataFrame
    segments: pd.DataFrame
    transitions: pd.DataFrame
    readings: list[str]
    notes: list[str] = field(default_factory=list)
    edge_search: pd.DataFrame | None = None  # `segmint.plan.edges.search_edges`, when asked


def compare_scenarios(base: ScenarioBase, scenarios: Mapping[str, Segmentation], *,
                      progress: Callable[[str], None] | None = None) -> Comparison:
    """Assign the project's segmentation (the baseline) and each scenario on `base`, and
    score each against the baseline."""
    progress = progress or (lambda stage: None)
    capacity = capacity_of(base.context)
    progress(f"assign {BASELINE}")
    # the comparison shows neither the summary nor the bridge: a scenario is its segment
    # expression, and its scorecard one query (`score_scenario`)
    baseline = reassign(base, base.context.project.segmentation, name=BASELINE, bridge=False,
                        summary=False)
    scores = [score_scenario(base, baseline, baseline, capacity)]
    for name, model in scenarios.items():
        progress(f"assign {name}")
        scores.append(score_scenario(base, reassign(base, model, name=name, bridge=False,
                                                    summary=False), baseline, capacity))
    scorecard = pd.DataFrame([row for score in scores for row in score.rows])
    scorecard["value"] = scorecard["value"].astype("float64")  # null where not to be had
    scorecard["text"] = [scorecard_text(row.measure, row.value, row.note)
                         for row in scorecard.itertuples()]
    segments = pd.concat([score.segments for score in scores], ignore_index=True)
    segments[WORKLOAD] = segments[WORKLOAD].astype("float64")  # null without capacity:
    transitions = pd.concat([score.transitions for score in scores[1:]], ignore_index=True) \
        if len(scores) > 1 else scores[0].transitions.iloc[0:0]
    return Comparison(scorecard, segments, transitions, trade_offs(scorecard),
                      capacity.notes if capacity is not None else [])


COUNTS = ("segments", "unassigned_accounts", "segments_too_small_to_staff",
          "segments_motion_unpaid", "accounts_moved", "owners_split",
          "accounts_off_owner_segment")
RATIOS = ("largest_to_smallest_accounts", "largest_to_smallest_arr")


def scorecard_text(measure: str, value: float | None, note: str = "") -> str:
    """A scorecard figure as people read it; without a value, why not.

    >>> scorecard_text("acv", 0.41234), scorecard_text("arr_moved", 2.4e6)
    ('41.2%', '2.4M')
    >>> scorecard_text("largest_to_smallest_accounts", 4.0), scorecard_text("reps_needed_field", 12.0)
    ('4.0×', '12')
    >>> scorecard_text("reps_needed", None, "capacity not configured (add capacity: {} to segmint.yaml)")
    'capacity not configured (add capacity: {} to segmint.yaml)'
    """
    if value is None or value != value:
        return note or "–"
    if measure in COUNTS or measure.startswith("reps_needed"):
        return f"{int(round(value)):,}"
    if measure in RATIOS:
        return f"{value:.1f}×"
    if measure.startswith("gini"):
        return f"{value:.2f}"
    if measure == "arr_moved":
        return money_text(value)
    return f"{value:.1%}"  # shares: of variance, of uncertainty, of accounts or ARR moved


# How each measure reads in a trade-off: (the figure's short name, higher is better).
SEPARATION = {"win_rate": "win rates", "churn_rate": "churn", "acv": "ACV",
              "sales_cycle_days": "sales cycles", "nrr": "NRR"}


def trade_offs(scorecard: pd.DataFrame) -> list[str]:
    """One sentence per scenario: how much better or worse it separates outcomes than the
    baseline, and what it would disrupt, in figures.

    Examples
    --------
    >>> card = pd.DataFrame({"scenario": ["baseline"] * 4 + ["B"] * 4,
    ...     "measure": ["win_rate", "arr_moved_share", "accounts_moved", "owners_split"] * 2,
    ...     "value": [0.02, 0.0, 0, 3, 0.042, 0.31, 120, 5]})
    >>> print(trade_offs(card)[0])
    B separates win rates 2.1× as well as the baseline, but moves 31% of ARR (120 accounts) to another segment; 5 owners' books would span several segments (3 today).
    >>> card.loc[card.measure == "arr_moved_share", "measure"] = "churn_rate"
    >>> print(trade_offs(card)[0].split(",")[0])
    B separates win rates 2.1× as well as the baseline (churn where the baseline does not)
    """
    values = {(row.scenario, row.measure): row.value for row in scorecard.itertuples()}
    names = list(dict.fromkeys(scorecard["scenario"]))
    readings = []
    for name in names[1:]:
        compared = []
        for measure, said in SEPARATION.items():
            ours, theirs = values.get((name, measure)), values.get((BASELINE, measure))
            if ours is None or theirs is None or ours != ours or theirs != theirs:
                continue
            if theirs > 0:
                compared.append(f"{said} {ours / theirs:.1f}×")
            elif ours > 0:
                compared.append(f"{said} where the baseline does not")
        if compared:
            first, *others = compared
            text = f"{name} separates {first} as well as the baseline" + (
                f" ({', '.join(others)})" if others else "")
        else:
            text = f"{name}: no outcome to compare separation on"
        share, moved = values.get((name, "arr_moved_share")), values.get((name, "accounts_moved"))
        if share is not None and share == share:
            text += f", but moves {share:.0%} of ARR ({int(moved or 0):,} accounts) to another segment"
        elif moved is not None:
            text += f", but moves {int(moved):,} accounts to another segment"
        split, today = values.get((name, "owners_split")), values.get((BASELINE, "owners_split"))
        if split is not None and split == split:
            text += (f"; {int(split):,} owners' books would span several segments"
                     f" ({int(today):,} today)" if today is not None and today == today else "")
        reps, reps_today = values.get((name, "reps_needed")), values.get((BASELINE, "reps_needed"))
        if reps is not None and reps == reps and reps_today is not None:
            change = int(reps - reps_today)
            text += (f"; needs {abs(change):,} {'more' if change > 0 else 'fewer'} reps"
                     if change else "; needs as many reps")
        readings.append(text + ".")
    return readings

"""The priority matrix: fit × potential × health → an action per account, by ordered rules, rolled up per segment.

``priorities:`` in segmint.yaml turns it on (``{}`` takes the defaults). Its ``rules`` are
read in order and the first an account matches gives its action; ``default`` is the action
of an account no rule matches. Rules use the segment rule language over the accounts'
columns and every score's (``health_band``, ``fit``, ``potential_band``, ...). The default
matrix (seed 003's "protect, invest, push harder"):

1. ``protect``: a customer whose health is in the lowest band;
2. ``grow``: a customer with high potential (room to expand);
3. ``nurture``: any other customer;
4. ``invest``: a prospect that fits the ICP best and whose potential is not low;
5. ``nurture``: a prospect with a medium or high fit;
6. ``deprioritise``: the rest.

A score the project does not configure reads as unknown (null), so a rule reading it
matches no account; ``action_reason`` says which rule decided each account and which of
the inputs the rules read were unknown for it, and why. So a prospect has no health (health
is for customers), and without ``scores.potential`` nobody is ``grow``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field, field_validator

from segmint import tables as t
from segmint.analyse.registry import analysis
from segmint.sections import Chart, Note, Section, TableView
from segmint.segment.rules import RuleText

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from segmint.context import RunContext

ACTION, ACTION_REASON = "action", "action_reason"
ACTIONS = ("protect", "grow", "invest", "nurture", "deprioritise")
SEGMENT_PRIORITIES = "segment_priorities"
# the score columns the plan reads, with their types: null when their score is not configured
PLAN_INPUTS = {"fit": "float64", "fit_band": "string", "fit_factors": "array<string>",
               "health": "float64", "health_band": "string", "lifecycle_stage": "string",
               "health_factors": "array<string>", "potential": "float64",
               "potential_band": "string"}
CUSTOMERS_ONLY = ("health", "health_band")  # null for every account that is not a customer

SECTION = Section(
    "Priorities: fit and health per segment, and the action for each account", order=70,
    blocks=(
        Note("Each account's action comes from the first priorities rule it matches "
             "(segmint.yaml priorities.rules): protect customers whose health is lowest, "
             "grow customers with high potential, invest in prospects that fit the ICP best, "
             "nurture the rest of the customers and the prospects that fit, deprioritise the "
             "others. Mean fit and mean health are over the accounts that have them (health: "
             "customers only). account_scores has every account's action and the reason."),
        Chart("fit_vs_health", table=SEGMENT_PRIORITIES, empty="No account to place."),
        TableView(SEGMENT_PRIORITIES, title="Fit × health per segment, by action"),
    ))


class ActionRule(BaseModel):
    """One line of the matrix: the action of the accounts matching `when`."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    action: str = Field(min_length=1)
    when: RuleText


def default_rules() -> list[ActionRule]:
    """The default matrix (see the module's docstring).

    >>> [rule.action for rule in default_rules()]
    ['protect', 'grow', 'nurture', 'invest', 'nurture']
    """
    return [ActionRule(action=a, when=w) for a, w in (
        ("protect", 'is_customer and health_band == "Red"'),
        ("grow", 'is_customer and potential_band == "High"'),
        ("nurture", "is_customer"),
        ("invest", 'fit_band == "High" and potential_band != "Low"'),
        ("nurture", 'fit_band in ["High", "Medium"]'),
    )]


class PrioritySettings(BaseModel):
    """``priorities:`` in segmint.yaml; every key has a default."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    rules: list[ActionRule] = Field(default_factory=default_rules, min_length=1)
    default: str = Field(default="deprioritise", min_length=1)


def settings_of(raw: Mapping | None, model: type[BaseModel], key: str) -> BaseModel:
    """`raw` (a segmint.yaml section, None for {}) checked against `model`; a bad setting
    raises `ConfigError` naming ``key.<path>``.

    >>> settings_of({"default": ""}, PrioritySettings, "priorities")
    Traceback (most recent call last):
    ...
    segmint.exceptions.ConfigError: priorities.default: String should have at least 1 character
    """
    from segmint.score.registry import checked_settings

    return checked_settings(model, raw, key)


def plan_on(context: RunContext) -> str:
    """Why the plan does not run ('' when it does): neither key is in segmint.yaml."""
    project = context.project
    if project.priorities is None and project.coverage is None:
        return "turned off: add priorities: {} to segmint.yaml for an action per account"
    return ""


def with_inputs(accounts: ir.Table, extra: Mapping[str, str] = {}) -> tuple[ir.Table, dict[str, str]]:
    """`accounts` with every plan input (`PLAN_INPUTS` and `extra`) it lacks as a null
    column, and why each added one is unknown.

    >>> import ibis
    >>> table, why = with_inputs(ibis.memtable({"account_id": ["a"], "fit": [50.0]}))
    >>> "fit" in why, why["health"]
    (False, 'scores.health is not configured')
    """
    import ibis

    from segmint.score.registry import score_columns

    owners = score_columns()
    missing = {name: kind for name, kind in {**PLAN_INPUTS, **extra}.items()
               if name not in accounts.columns}
    why = {name: (f"scores.{owners[name]} is not configured" if name in owners
                  else f"the accounts have no {name}") for name in missing}
    return accounts.mutate(**{n: ibis.null(k) for n, k in missing.items()}), why


def unknown_inputs(table: ir.Table, names: list[str], why: Mapping[str, str]) -> ir.ArrayValue:
    """Per row, ``name (why)`` for each of `names` that is null there: the reason given in
    `why`, else "customers only" for health on an account that is not one, else "none for
    this account".

    >>> import ibis
    >>> rows = ibis.memtable({"a": [1.0, None], "b": [None, None]})
    >>> rows.select(u=unknown_inputs(rows, ["a", "b"], {"b": "scores.b is off"})).u.to_pyarrow().to_pylist()
    [['b (scores.b is off)'], ['a (none for this account)', 'b (scores.b is off)']]
    """
    import ibis

    from segmint.engine.common import empty_text_list

    if not names:
        return empty_text_list()
    customer = table[t.IS_CUSTOMER].cast("boolean").fill_null(False) \
        if t.IS_CUSTOMER in table.columns else ibis.literal(True)

    def said(name: str) -> ir.StringValue:
        if name in why:
            return ibis.literal(f"{name} ({why[name]})")
        if name in CUSTOMERS_ONLY:  # health is scored for customers only
            return ibis.ifelse(customer, f"{name} (none for this account)",
                               f"{name} (customers only)")
        return ibis.literal(f"{name} (none for this account)")

    labels = [ibis.ifelse(table[n].isnull(), said(n), ibis.null("string")) for n in names]
    return ibis.array(labels).filter(lambda label: label.notnull())


def account_actions(accounts: ir.Table, settings: PrioritySettings) -> ir.Table:
    """`accounts` with ``action`` and ``action_reason``: the first rule each matches, or
    the default, and the inputs the rules read that were unknown for it.

    A rule naming a column that is neither an account's nor a score's raises `RuleError`
    naming ``priorities.rules[i]``.

    >>> import ibis
    >>> accounts = ibis.memtable({"account_id": ["a", "b"], "is_customer": [True, False],
    ...     "health_band": ["Red", None]})
    >>> acted = account_actions(accounts, PrioritySettings()).order_by("account_id").execute()
    >>> acted.action.tolist()
    ['protect', 'deprioritise']
    >>> acted.action_reason[1]
    'no rule matched; unknown: health_band (customers only), potential_band (scores.potential is not configured), fit_band (scores.fit is not configured)'
    """
    import ibis

    from segmint.exceptions import RuleError
    from segmint.segment.rules import compile_rule, parse_rule

    table, why = with_inputs(accounts)
    matches, read = [], []
    for position, rule in enumerate(settings.rules, start=1):
        parsed = parse_rule(rule.when)
        try:
            matches.append(compile_rule(parsed, table).fill_null(False))
        except RuleError as err:
            raise type(err)(f"priorities.rules[{position}]: {err}") from None
        read += [n for n in sorted(parsed.fields) if n not in read and n in table.columns]
    action = ibis.cases(*((m, r.action) for m, r in zip(matches, settings.rules)),
                        else_=settings.default)
    decided = ibis.cases(*((m, f"rule {i}: {r.when}") for i, (m, r) in
                           enumerate(zip(matches, settings.rules), start=1)),
                         else_="no rule matched")
    unknown = unknown_inputs(table, [n for n in read if n in PLAN_INPUTS or n in why], why)
    reason = ibis.ifelse(unknown.length() > 0,
                         decided.concat("; unknown: ", unknown.join(", ")), decided)
    return table.select(*accounts.columns, **{ACTION: action, ACTION_REASON: reason})


def accounts_in_segments(context: RunContext) -> ir.Table:
    """The scored accounts with their ``segment``."""
    segments = context.segments.rename(_segment_id=t.ACCOUNT_ID)
    accounts = context.accounts
    joined = accounts.left_join(segments, accounts[t.ACCOUNT_ID] == segments._segment_id)
    return joined.drop("_segment_id")


def segment_priorities(acted: ir.Table) -> ir.Table:
    """Per segment and action: accounts, customers, their ARR (to the cent), mean fit and
    mean health (over the accounts that have them), ordered by segment then the actions'
    order in `ACTIONS` (others after, by name); then the same per action over every
    account, as segment ``All``.

    >>> import ibis
    >>> acted = ibis.memtable({"segment": ["B", "A", "A"], "action": ["grow", "protect", "grow"],
    ...     "is_customer": [True, True, True], "arr": [1.0, 2.0, 3.0]})
    >>> segment_priorities(acted).execute()[["segment", "action", "accounts", "arr"]].values.tolist()
    [['A', 'protect', 1, 2.0], ['A', 'grow', 1, 3.0], ['B', 'grow', 1, 1.0], ['All', 'protect', 1, 2.0], ['All', 'grow', 2, 4.0]]
    """
    from decimal import ROUND_HALF_UP, Decimal

    import ibis

    from segmint.money import sum_to_the_cent

    table, _ = with_inputs(acted)
    customer = table[t.IS_CUSTOMER].cast("boolean").fill_null(False) \
        if t.IS_CUSTOMER in table.columns else ibis.literal(False)
    arr = table[t.ARR].cast("float64").fill_null(0.0) if t.ARR in table.columns \
        else ibis.literal(0.0)
    marked = table.mutate(_customer=customer.cast("int64"), _arr=arr)
    # the means are rounded here from exact decimal sums: each engine rounds a double that
    # lies on a half (27.85) its own way, so DuckDB and Spark gave 27.9 and 27.8
    sums = {"accounts": lambda r: r.count(), "customers": lambda r: r._customer.sum(),
            "arr": lambda r: sum_to_the_cent(r._arr),
            "_fit_sum": lambda r: r.fit.cast("decimal(18, 4)").sum(),
            "_fit_n": lambda r: r.fit.count(),
            "_health_sum": lambda r: r.health.cast("decimal(18, 4)").sum(),
            "_health_n": lambda r: r.health.count()}
    per_segment = marked.group_by([t.SEGMENT, ACTION]).aggregate(**sums)
    total = marked.group_by(ACTION).aggregate(**sums).mutate(
        **{t.SEGMENT: ibis.literal(t.ALL_SEGMENTS)})
    rolled = per_segment.union(total.select(*per_segment.columns)).to_pandas()
    for score in ("fit", "health"):
        rolled[f"mean_{score}"] = [
            float((Decimal(summed) / n).quantize(Decimal("0.1"), ROUND_HALF_UP)) if n else None
            for summed, n in zip(rolled.pop(f"_{score}_sum"), rolled.pop(f"_{score}_n"))]
    rank = {a: i for i, a in enumerate(ACTIONS)}
    rolled = rolled.assign(_all=rolled[t.SEGMENT] == t.ALL_SEGMENTS,
                           _rank=rolled[ACTION].map(rank).fillna(len(ACTIONS)))
    rolled = rolled.sort_values(["_all", t.SEGMENT, "_rank", ACTION], kind="stable")
    typed = rolled.drop(columns=["_all", "_rank"]).astype(
        {"mean_fit": "float64", "mean_health": "float64"})
    return ibis.memtable(typed.reset_index(drop=True))


@analysis("priorities", skip_unless=plan_on, section=SECTION)
def priorities(context: RunContext) -> dict[str, ir.Table]:
    """The actions rolled up per segment: ``segment_priorities``."""
    settings = settings_of(context.project.priorities, PrioritySettings, "priorities")
    acted = account_actions(accounts_in_segments(context), settings)
    return {SEGMENT_PRIORITIES: segment_priorities(acted)}

"""The coverage model: a motion and marketing, sales and success plays per account, by rule, checked against each segment's economics.

``coverage:`` in segmint.yaml (``{}`` takes the defaults) declares:

- ``motions``: each go-to-market motion's cost of covering one account for a year, in the
  reporting currency. The defaults are rough, fully loaded figures to replace with the
  company's own: ``field`` 25,000 (an account executive, a solutions engineer and a CSM
  shared over a few dozen named accounts), ``inside`` 6,000 (pooled reps and CSMs over a
  few hundred), ``partner`` 3,000 (the partner's margin and enablement), ``digital`` 600
  (product-led and lifecycle marketing, support);
- ``gross_margin``: the share of revenue left after the cost of serving it (default 0.75,
  a SaaS norm);
- ``plays``: ordered rules, first match wins, each naming its motion and its marketing,
  sales and customer-success plays. Rules read account and score columns and the
  account's ``action`` (`segmint.plan.priorities`), never a segment's name (names come from
  templates and change with them). The last default rule matches every account, so each
  has a motion; a project's own rules should end the same way (an account none matches
  has no motion, and the reason says so).

Per segment, the check: the average ACV (its customers' mean ARR) × the gross margin is
what one account earns a year to cover its motion; when it is below the motion's cost per
account, ``segment_plays`` says so in ``warning``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import (BaseModel, ConfigDict, Field, NonNegativeFloat, field_validator,
                      model_validator)

from segmint import tables as t
from segmint.analyse.registry import analysis
from segmint.money import money_text
from segmint.plan.priorities import (ACTION, ACTION_REASON, PrioritySettings,
                                     account_actions, accounts_in_segments, plan_on,
                                     settings_of, unknown_inputs, with_inputs)
from segmint.sections import Note, Readings, Section, TableView
from segmint.segment.rules import RuleText

if TYPE_CHECKING:
    import ibis.expr.types as ir
    import pandas as pd

    from segmint.context import RunContext

MOTION = "motion"
PLAYS = ("marketing_play", "sales_play", "success_play")
ACCOUNT_SCORES, SEGMENT_PLAYS, COVERAGE_WARNINGS = (
    "account_scores", "segment_plays", "coverage_warnings")
SHOWN = ("fit", "fit_band", "fit_factors", "health", "health_band", "lifecycle_stage",
         "health_factors", "potential", "potential_band")

SECTION = Section(
    "Coverage playbook: the motion and plays per segment, and whether they pay", order=71,
    blocks=(
        Note("Each account's motion and plays come from the first coverage rule it matches "
             "(segmint.yaml coverage.plays), read from its size, value, scores and action, "
             "not its segment's name. A segment pays for a motion when its average ACV "
             "(customers' mean ARR) × the gross margin covers the motion's yearly cost per "
             "account (coverage.motions)."),
        Readings(COVERAGE_WARNINGS, column="warning"),
        TableView(SEGMENT_PLAYS, title="The playbook per segment"),
    ))


class Play(BaseModel):
    """One coverage rule: the accounts matching `when` get this motion and these plays."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    when: RuleText
    motion: str
    marketing: str = Field(min_length=1)
    sales: str = Field(min_length=1)
    success: str = Field(min_length=1)


def default_plays() -> list[Play]:
    """Field for the largest and most valuable accounts, inside for the middle, digital for
    the rest (seed 000: how much each segment's offer and service are customised).

    >>> [p.motion for p in default_plays()]
    ['field', 'inside', 'digital']
    """
    return [Play.model_validate(p) for p in (
        {"when": "arr >= 100000 or employees >= 2000", "motion": "field",
         "marketing": "Account-based marketing: named-account campaigns, executive events",
         "sales": "Named account executive with a solutions engineer; mutual close plans",
         "success": "Dedicated CSM: success plan and quarterly business reviews"},
        {"when": "arr >= 15000 or employees >= 200", "motion": "inside",
         "marketing": "Segment campaigns: webinars, industry content, targeted paid media",
         "sales": "Inside sales: pooled reps, demo-led, short cycles",
         "success": "Pooled CSMs: onboarding programme, outreach when health drops"},
        {"when": "true", "motion": "digital",
         "marketing": "Lifecycle email and product-led nurture",
         "sales": "Self-serve checkout; sales assist on request",
         "success": "Digital success: in-app guides, community, help centre"},
    )]


class CoverageSettings(BaseModel):
    """``coverage:`` in segmint.yaml; every key has a default."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    motions: dict[str, NonNegativeFloat] = Field(default_factory=lambda: {
        "field": 25_000.0, "inside": 6_000.0, "partner": 3_000.0, "digital": 600.0})
    gross_margin: float = Field(default=0.75, gt=0, le=1)
    plays: list[Play] = Field(default_factory=default_plays, min_length=1)

    @model_validator(mode="after")
    def _known_motions(self) -> CoverageSettings:
        unknown = sorted({p.motion for p in self.plays} - set(self.motions))
        if unknown:
            raise ValueError(f"plays name motions {unknown} that motions does not cost; "
                             f"add them to coverage.motions (it has {sorted(self.motions)})")
        return self


def account_plays(acted: ir.Table, settings: CoverageSettings) -> ir.Table:
    """`acted` (accounts with their action) with ``motion``, the three plays and
    ``play_rule`` (the position of the rule that matched, null for none).

    >>> import ibis
    >>> accounts = ibis.memtable({"account_id": ["a", "b"], "arr": [200000.0, 0.0],
    ...                           "employees": [50.0, 10.0]})
    >>> played = account_plays(accounts, CoverageSettings()).order_by("account_id").execute()
    >>> played.motion.tolist(), played.play_rule.tolist()
    (['field', 'digital'], [1, 3])
    """
    import ibis

    from segmint.exceptions import RuleError
    from segmint.segment.rules import compile_rule, parse_rule

    table, _ = with_inputs(acted, {t.ARR: "float64", t.EMPLOYEES: "float64"})
    matches = []
    for position, play in enumerate(settings.plays, start=1):
        try:
            matches.append(compile_rule(parse_rule(play.when), table).fill_null(False))
        except RuleError as err:
            raise type(err)(f"coverage.plays[{position}]: {err}") from None

    def pick(values: list) -> ir.Value:
        return ibis.cases(*zip(matches, values), else_=ibis.null(
            "int64" if isinstance(values[0], int) else "string"))

    plays = settings.plays
    return table.select(*acted.columns, **{
        MOTION: pick([p.motion for p in plays]),
        PLAYS[0]: pick([p.marketing for p in plays]), PLAYS[1]: pick([p.sales for p in plays]),
        PLAYS[2]: pick([p.success for p in plays]),
        "play_rule": pick(list(range(1, len(plays) + 1)))})


def account_scores(accounts: ir.Table, priorities: PrioritySettings,
                   coverage: CoverageSettings) -> ir.Table:
    """One row per account: segment, customer, ARR, fit, health, stage, potential, action,
    motion and plays, with ``unknown``: each of those that is missing for the account and
    why (a score not configured, health for a customer only, no rule matched)."""
    import ibis

    played = account_plays(account_actions(accounts, priorities), coverage)
    table, why = with_inputs(played)
    why = {**why, "motion": "no coverage.plays rule matched"}
    front = [c for c in (t.ACCOUNT_ID, t.NAME, t.SEGMENT, t.IS_CUSTOMER, t.ARR)
             if c in table.columns]
    unknown = unknown_inputs(table, ["fit", "health", "lifecycle_stage", "potential", MOTION],
                             why)
    return table.select(*front, *SHOWN, ACTION, ACTION_REASON, MOTION, *PLAYS, "play_rule",
                        unknown=unknown).order_by(t.ACCOUNT_ID)


def segment_plays(scores: ir.Table, coverage: CoverageSettings) -> pd.DataFrame:
    """Per segment and motion (most accounts first), the plays of the rule most of them
    matched, the segment's average ACV, what it earns per account after the gross margin,
    the motion's cost per account and a ``warning`` when the first is below the second.

    Summed in the engine (ARR to the cent), then a row per segment × motion × rule in pandas;
    last, the same over every account as segment ``All``.
    """
    import ibis

    from segmint.money import sum_to_the_cent

    customer = scores[t.IS_CUSTOMER].cast("boolean").fill_null(False) \
        if t.IS_CUSTOMER in scores.columns else ibis.literal(False)
    arr = scores[t.ARR].cast("float64").fill_null(0.0) if t.ARR in scores.columns \
        else ibis.literal(0.0)
    paying = customer & (arr > 0)
    marked = scores.mutate(_paying=paying.cast("int64"), _arr=ibis.ifelse(paying, arr, 0.0))
    per_segment = marked.group_by(t.SEGMENT).aggregate(
        paying_customers=marked._paying.sum(), paid_arr=sum_to_the_cent(marked._arr)).to_pandas()
    per_rule = marked.group_by([t.SEGMENT, MOTION, "play_rule", *PLAYS]).aggregate(
        accounts=marked.count(), customers=marked._paying.sum()).to_pandas()
    return plays_from_sums(per_segment, per_rule, coverage)


def plays_from_sums(per_segment: pd.DataFrame, per_rule: pd.DataFrame,
                    coverage: CoverageSettings) -> pd.DataFrame:
    """`segment_plays` from its sums: ``per_segment`` (``segment``, ``paying_customers``,
    ``paid_arr``) and ``per_rule`` (``segment``, ``motion``, ``play_rule``, the plays,
    ``accounts`` and paying ``customers``); the ``All`` rows, ACV and warnings are added here.
    """
    import pandas as pd

    keys = [MOTION, "play_rule", *PLAYS]
    every = per_rule.groupby(keys, dropna=False, as_index=False)[["accounts", "customers"]].sum()
    per_rule = pd.concat([per_rule, every.assign(**{t.SEGMENT: t.ALL_SEGMENTS})],
                         ignore_index=True)
    per_segment = pd.concat([per_segment, pd.DataFrame({
        t.SEGMENT: [t.ALL_SEGMENTS], "paying_customers": [per_segment.paying_customers.sum()],
        "paid_arr": [round(float(per_segment.paid_arr.sum()), 2)]})], ignore_index=True)
    per_rule = per_rule.merge(per_segment, on=t.SEGMENT, how="left")
    rows = []
    margin = coverage.gross_margin
    for row in per_rule.itertuples(index=False):
        acv = row.paid_arr / row.paying_customers if row.paying_customers else float("nan")
        cost = coverage.motions.get(row.motion, float("nan")) if row.motion else float("nan")
        earns = acv * margin
        rows.append({
            t.SEGMENT: row.segment, MOTION: row.motion, "play_rule": row.play_rule,
            "accounts": int(row.accounts), "customers": int(row.customers),
            "marketing_play": row.marketing_play, "sales_play": row.sales_play,
            "success_play": row.success_play, "average_acv": round(acv, 2),
            "margin_per_account": round(earns, 2), "cost_per_account": cost,
            "warning": "" if row.segment == t.ALL_SEGMENTS  # the segments' are what to fix
            else economics_warning(row.segment, row.motion, acv, margin, cost)})
    columns = [t.SEGMENT, MOTION, "play_rule", "accounts", "customers", *PLAYS, "average_acv",
               "margin_per_account", "cost_per_account", "warning"]
    table = pd.DataFrame(rows, columns=columns)
    table["_total"] = table[t.SEGMENT] == t.ALL_SEGMENTS
    table = table.sort_values(["_total", t.SEGMENT, "accounts", MOTION, "play_rule"],
                              ascending=[True, True, False, True, True], na_position="last")
    return table.drop(columns="_total").reset_index(drop=True)


def economics_warning(segment: str, motion: str | None, acv: float, margin: float,
                      cost: float) -> str:
    """Why a segment's economics cannot pay for a motion, or '' when they can.

    >>> economics_warning("SMB", "field", 20000.0, 0.75, 25000.0)
    "SMB: average ACV 20k × gross margin 75% = 15k a year per account, below the field motion's 25k per account. Cover these accounts with a cheaper motion (coverage.plays) or check coverage.motions.field."
    >>> economics_warning("SMB", "digital", 20000.0, 0.75, 600.0)
    ''
    """
    if motion is None:
        return f"{segment}: some accounts match no coverage.plays rule, so they have no motion."
    if acv != acv:
        return (f"{segment}: no paying customers, so no average ACV to check the {motion} "
                "motion's cost against.")
    if acv * margin >= cost:
        return ""
    return (f"{segment}: average ACV {money_text(acv)} × gross margin {margin:.0%} = "
            f"{money_text(acv * margin)} a year per account, below the {motion} motion's "
            f"{money_text(cost)} per account. Cover these accounts with a cheaper motion "
            f"(coverage.plays) or check coverage.motions.{motion}.")


@analysis("coverage", skip_unless=plan_on, section=SECTION, per_account=(ACCOUNT_SCORES,))
def coverage(context: RunContext) -> dict[str, ir.Table]:
    """Every account's scores, action, motion and plays (``account_scores``), the playbook
    per segment with its economics (``segment_plays``) and the warnings."""
    import ibis

    project = context.project
    priorities = settings_of(project.priorities, PrioritySettings, "priorities")
    settings = settings_of(project.coverage, CoverageSettings, "coverage")
    scores = context.keep(account_scores(accounts_in_segments(context), priorities, settings),
                          ACCOUNT_SCORES)
    plays = segment_plays(scores, settings)
    import pandas as pd

    said = list(dict.fromkeys(w for w in plays.warning if w))
    return {ACCOUNT_SCORES: scores, SEGMENT_PLAYS: ibis.memtable(plays),
            COVERAGE_WARNINGS: ibis.memtable(pd.DataFrame(
                {"warning": pd.Series(said, dtype="string")}))}


def plan_rules(project) -> list[tuple[str, str]]:
    """The priorities and coverage rules a project declares, each with where it is in
    segmint.yaml (the defaults are not listed: they read only known columns); their settings
    are checked on the way (`ConfigError`).

    >>> from segmint.config.project import Project
    >>> project = Project.model_validate({"sources": {"accounts": {"path": "a.csv"}},
    ...     "segmentation": {"default": "Everyone"}, "coverage": {"plays": [{"when": "employees > 5",
    ...     "motion": "inside", "marketing": "m", "sales": "s", "success": "c"}]}})
    >>> plan_rules(project)
    [('coverage.plays[1]', 'employees > 5')]
    """
    if project.priorities is None and project.coverage is None:
        return []
    priorities = settings_of(project.priorities, PrioritySettings, "priorities")
    coverage = settings_of(project.coverage, CoverageSettings, "coverage")
    rules = []
    if "rules" in (project.priorities or {}):
        rules += [(f"priorities.rules[{i}]", r.when)
                  for i, r in enumerate(priorities.rules, start=1)]
    if "plays" in (project.coverage or {}):
        rules += [(f"coverage.plays[{i}]", p.when) for i, p in enumerate(coverage.plays, start=1)]
    return rules

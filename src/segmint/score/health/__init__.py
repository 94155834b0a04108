"""Account health (layer 3): a scorecard of usage, product and deal measures, each green, yellow or red.

``scores: {health: {...}}`` in segmint.yaml turns it on. Every measure is computed per
customer in the engine from what was known at the run's date (a back-test recomputes them at
its cut-off, so nothing recorded later is read); each is green (100 points), yellow (50) or
red (0) by its thresholds, and ``health`` is the weighted mean of the measures an account
has, 0 to 100. With ``points: graded`` a yellow measure earns points in proportion to how
far its value has come from red towards green (0 at red, 100 at green) instead of a flat 50,
so accounts inside the same colours are still ranked. With ``weights: learned`` the weights
are learned on evidence instead of declared: from the customers paying ``learn_months``
(default: the back-test's months, else 6) before the run's date, their measures' points then
against whether they churned since (a logistic model with weights held at zero or above, so
a green measure never counts against an account), scaled to the declared total; the
declared weights are kept, with a note, when too few customers churned. Measure kinds:

- ``ratio``: usage ``metric`` ÷ usage ``of`` over the recent months (adoption: seats used ÷
  seats bought);
- ``trend``: usage ``metric`` in the recent months against the months before, as a change
  (−0.2 is a fifth lower: the active-user trend);
- ``breadth``: the share of usage metrics (all of them, or those listed in ``metrics``) the
  account used in the recent months;
- ``products``: products with recurring revenue in the latest month (product attachment);
- ``open_deals``: open deals of the ``deal_types`` (a renewal coming up, an open expansion),
  closing within ``within_days`` when given;
- ``metric``: usage ``metric``'s monthly mean over the recent months: support tickets,
  logins, NPS responses or any engagement figure exported as a usage metric.

A measure whose table the project does not load, or whose metric the usage table lacks, is
left out of every account's score, with the reason in ``health_parameters``. ``health_band``
cuts the score into bands (by default red below 40, yellow below 70, green), and
``lifecycle_stage`` is ``prospect`` (never paid), ``churned`` (paid before, not now),
``onboarding`` (paying fewer than ``onboarding_months``), ``at risk`` (the lowest band),
``adopting`` (paying fewer than ``mature_months``) or ``mature``. ``health_factors`` names
the measures that pull each account's score furthest from neutral.

This module stays light (the project check imports it before any data is read).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, PositiveFloat, model_validator

from segmint import tables as t
from segmint.score.registry import Bands, ScoreModel, band_of, parameter_table, score_model
from segmint.sections import Chart, Note, Section, TableView

if TYPE_CHECKING:
    import datetime as dt

    import ibis.expr.types as ir
    import pandas as pd

    from segmint.context import RunContext

HEALTH, HEALTH_BAND, LIFECYCLE_STAGE, HEALTH_FACTORS = (
    "health", "health_band", "lifecycle_stage", "health_factors")
ADDS = {HEALTH: "float64", HEALTH_BAND: "string", LIFECYCLE_STAGE: "string",
        HEALTH_FACTORS: "array<string>"}
STAGES = ("prospect", "churned", "onboarding", "at risk", "adopting", "mature")
VALIDATION, VALIDATION_DECILES, VALIDATION_SUMMARY = (
    "health_validation", "health_validation_deciles", "health_validation_summary")

SECTION = Section(
    "Health: how each customer is doing, and whether it foretold churn", order=49, blocks=(
        Note("health is 0 to 100: the weighted mean of the measures below, each green (100), "
             "yellow (50) or red (0) by its thresholds; the weights are declared in "
             "segmint.yaml or, with weights: learned, learned from which measures foretold "
             "churn (the scorecard table shows both). To check it, health was computed "
             "again at the back-test's cut-off from what was known then, and compared with "
             "the customers who churned (stopped paying) or contracted (paid less) by the "
             "run's date. A good health score has churn rates falling from its lowest band "
             "to its highest, and an AUC on churn well above 0.5."),
        TableView(VALIDATION_SUMMARY, title="Health at the cut-off against later churn",
                  empty="Not validated: the back-test is off (backtest.months: 0) or there "
                        "is no revenue table."),
        Chart("health_band_churn", table=VALIDATION, empty="No customer at the cut-off."),
        TableView(VALIDATION, title="Churn and contraction by health band at the cut-off"),
        TableView(VALIDATION_DECILES, title="By decile of health at the cut-off "
                  "(1 = least healthy)"),
        TableView("health_parameters", title="The scorecard"),
    ))


class Measure(BaseModel):
    """One line of the health scorecard: what is measured, its weight and its thresholds.

    Higher values are better unless ``higher_is_better: false``; a value at least ``green``
    is green, one below ``red`` is red (reversed when lower is better), the rest yellow.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    kind: Literal["ratio", "trend", "breadth", "products", "open_deals", "metric"]
    weight: PositiveFloat = 1.0
    green: float
    red: float
    higher_is_better: bool = True
    metric: str | None = None  # ratio, trend, metric: the usage metric
    of: str | None = None  # ratio: the usage metric it is divided by
    metrics: list[str] | None = None  # breadth: the metrics counted (default: all in usage)
    deal_types: list[str] = Field(default_factory=list)  # open_deals: deal types, any case
    within_days: int | None = Field(default=None, ge=0)  # open_deals: closing this soon

    @model_validator(mode="after")
    def _shape(self) -> Measure:
        needs = {"ratio": ("metric", "of"), "trend": ("metric",), "metric": ("metric",),
                 "open_deals": ("deal_types",)}.get(self.kind, ())
        missing = [key for key in needs if not getattr(self, key)]
        if missing:
            raise ValueError(f"measure {self.name!r} of kind {self.kind} needs "
                             f"{' and '.join(missing)}")
        if (self.green < self.red) if self.higher_is_better else (self.green > self.red):
            raise ValueError(
                f"measure {self.name!r}: green ({self.green:g}) must be "
                f"{'at least' if self.higher_is_better else 'at most'} red ({self.red:g}) "
                f"when {'higher' if self.higher_is_better else 'lower'} is better")
        return self


def default_measures() -> list[Measure]:
    """The scorecard used when segmint.yaml declares none: adoption and the active-user
    trend weigh most (customer-success platforms' usual lead), then breadth, products held,
    an open expansion and a renewal coming up.

    >>> [(m.name, m.weight) for m in default_measures()][:2]
    [('adoption', 3.0), ('active_trend', 3.0)]
    """
    return [Measure.model_validate(m) for m in (
        {"name": "adoption", "kind": "ratio", "metric": "seats_used", "of": "seats",
         "weight": 3, "green": 0.8, "red": 0.5},
        {"name": "active_trend", "kind": "trend", "metric": "active_users", "weight": 3,
         "green": -0.05, "red": -0.2},
        {"name": "breadth", "kind": "breadth", "green": 0.75, "red": 0.5},
        {"name": "products", "kind": "products", "green": 2, "red": 1},
        {"name": "open_expansion", "kind": "open_deals",
         "deal_types": ["expansion", "cross", "upsell"], "green": 1, "red": 0},
        {"name": "renewal_due", "kind": "open_deals", "deal_types": ["renewal"],
         "within_days": 90, "higher_is_better": False, "green": 0, "red": 1},
    )]


class HealthSettings(BaseModel):
    """``scores: {health: {...}}`` in segmint.yaml; every key has a default."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    measures: list[Measure] = Field(default_factory=default_measures, min_length=1)
    recent_months: int = Field(default=3, ge=1, le=24)  # usage window; the trend compares two
    points: Literal["steps", "graded"] = "steps"  # a yellow measure: 50, or graded red to green
    weights: Literal["declared", "learned"] = "declared"  # learned: from churn since a cut-off
    learn_months: int | None = Field(default=None, ge=1, le=60)  # default: backtest.months or 6
    onboarding_months: int = Field(default=3, ge=0)
    mature_months: int = Field(default=12, ge=1)
    contraction: float = Field(default=0.1, gt=0, lt=1)  # validation: ARR down by this share
    factors: int = Field(default=3, ge=1, le=10)
    bands: Bands = Field(default_factory=lambda: Bands(edges=[40, 70],
                                                       labels=["Red", "Yellow", "Green"]))

    @model_validator(mode="after")
    def _unique(self) -> HealthSettings:
        names = [m.name for m in self.measures]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"measure names must be unique; {', '.join(twice)} appear twice")
        if self.bands.edges is None:
            raise ValueError("health bands need edges (health is 0 to 100), e.g. "
                             "bands: {edges: [40, 70], labels: [Red, Yellow, Green]}")
        if self.mature_months < self.onboarding_months:
            raise ValueError("mature_months must be at least onboarding_months")
        return self


@score_model(HEALTH, adds=ADDS, section=SECTION)
class Health(ScoreModel):
    """Customer health, 0 to 100, its band, lifecycle stage and top factors.

    Examples
    --------
    Adoption alone: seats used ÷ seats over the last month, green from 0.8, red below 0.5.

    >>> import datetime as dt, ibis
    >>> from segmint.config.project import Project
    >>> from segmint.context import RunContext
    >>> d = dt.date(2024, 6, 1)
    >>> accounts = ibis.memtable({"account_id": ["a", "b", "c"], "is_customer": [True, True, False]})
    >>> usage = ibis.memtable({"account_id": ["a", "a", "b", "b"], "date": [d] * 4,
    ...     "metric": ["seats_used", "seats"] * 2, "value": [9, 10, 3, 10]})
    >>> project = Project.model_validate({"sources": {"accounts": {"path": "a.csv"}},
    ...     "segmentation": {"default": "Everyone"}})
    >>> settings = HealthSettings(recent_months=1, measures=[{"name": "adoption",
    ...     "kind": "ratio", "metric": "seats_used", "of": "seats", "green": 0.8, "red": 0.5}])
    >>> context = RunContext(project, dt.date(2024, 6, 30), {"usage": usage}, accounts)
    >>> scored = Health(settings).fit(context).score(accounts).order_by("account_id").execute()
    >>> scored.health.tolist(), scored.lifecycle_stage.tolist()
    ([100.0, 0.0, nan], ['mature', 'at risk', 'prospect'])
    """

    Settings = HealthSettings
    backtest_column = HEALTH

    def fit(self, context: RunContext) -> Self:
        """Build every measure's per-account values as of the run's date, note the measures
        the data cannot give and, with ``weights: learned``, learn the weights from the
        churn since ``learn_months`` before the run's date (only from what was known then:
        a back-test refits at its own cut-off)."""
        from segmint.score.health.learning import learn_weights
        from segmint.score.health.scorecard import measures_table

        self.as_of_ = context.as_of
        self.context_ = context
        self.measures_, self.skipped_ = measures_table(
            context.accounts, context.tables, self.settings, context.as_of, keep=context.keep,
            release=context.release)
        self.notes_ = [f"measure {name} left out: {why}" for name, why in self.skipped_.items()]
        self.learned_ = None
        if self.settings.weights == "learned":
            months = self.settings.learn_months or context.project.backtest.months or 6
            self.learned_ = learn_weights(context, self.settings, months)
            self.notes_ += self.learned_.notes
        return self

    def weights(self) -> dict[str, float] | None:
        """The weight each measure counts with when learned; None when declared."""
        return None if self.learned_ is None else self.learned_.weights

    def score(self, accounts: ir.Table) -> ir.Table:
        """`accounts` with ``health``, ``health_band``, ``lifecycle_stage`` and
        ``health_factors``, as engine expressions (a join to the measures table)."""
        from segmint.score.health.scorecard import scored

        return scored(accounts, self.measures_, self.settings, self.skipped_, self.as_of_,
                      self.weights())

    def parameters(self) -> pd.DataFrame:
        """The scorecard: each measure's weight and thresholds, and those left out."""
        from segmint.score.health.scorecard import weight_of

        rows: list[tuple[str, float, str]] = []
        learned = self.weights() is not None
        for m in self.settings.measures:
            if m.name in self.skipped_:
                rows.append((f"left out: {m.name}", float("nan"), self.skipped_[m.name]))
                continue
            better = "higher" if m.higher_is_better else "lower"
            how = (f"learned from churn between {self.learned_.cutoff} and {self.as_of_} "
                   f"(declared {m.weight:g})" if learned else "declared")
            rows += [(f"weight: {m.name}", weight_of(m, self.weights()),
                      f"{m.kind}; {better} is better; {how}"),
                     (f"green: {m.name}", m.green, "green (100 points) from this value"),
                     (f"red: {m.name}", m.red, "red (0 points) past this value")]
        if self.settings.points == "graded":
            rows.append(("points: graded", float("nan"), "a yellow measure earns 0 at red to "
                         "100 at green, in proportion to its value"))
        bands = self.settings.bands
        return parameter_table(rows, band=HEALTH_BAND, labels=bands.labels,
                               edges=[float(e) for e in bands.edges or ()], unit="health")

    def outcome(self, context: RunContext, cutoff: dt.date) -> ir.Table | None:
        """The customers at `cutoff`; the outcome is that they were kept without
        contracting by the run's date (so a healthier account should rank first)."""
        from segmint.score.health.validation import later_losses

        losses = later_losses(context.tables, cutoff, context.as_of, self.settings.contraction)
        if losses is None:
            return None
        return losses.select(t.ACCOUNT_ID, outcome=~(losses.churned | losses.contracted))

    def tables(self, accounts: ir.Table) -> dict[str, ir.Table]:
        """Health at the back-test's cut-off against churn and contraction after it:
        by band, by decile and in summary (AUC); none when the back-test is off."""
        from segmint.score.health.validation import validation_tables

        return validation_tables(self, self.context_)

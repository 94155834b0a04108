"""ICP fit (layer 1): how much each account, prospects included, looks like those the company wins.

``fit`` is 0 to 100, two ways:

- **declared**: weighted rules in segmint.yaml (``scores: {fit: {declared: [{when:
  "employees >= 200", points: 30}, ...]}}``, the segment rule language); an account scores
  the points of the rules it matches, scaled so that the best possible match is 100;
- **learned** (without ``declared``): a calibrated logistic regression on the new-business
  deals won against those lost as of the run's date (``learn_from: [wins, retention]`` adds
  customers kept against churned), from the firmographics and the accounts' extra
  attributes, each cut into a few levels; ``fit`` is 100 × the calibrated chance that a
  deal is won. Fitted on one row per account with a decided deal (weighted by its deals),
  scored in the engine.

``fit_band`` cuts it into bands, ``fit_factors`` names the rules or attribute levels that
weigh most on each account. Nothing the model learns from is recorded after the outcome:
labels come from the tables as they stood (`segmint.score.backtest.known_at` in a
back-test), dates are never features, and attributes that exist only for one outcome or give
it away are left out, with the reason in ``fit_parameters``.

This module stays light (the project check imports it before any data is read).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator

from segmint import tables as t
from segmint.exceptions import ConfigError
from segmint.score.registry import (Bands, ScoreModel, band_of, parameter_table,
                                    score_model)
from segmint.sections import Note, Section, TableView
from segmint.segment.rules import RuleText

if TYPE_CHECKING:
    import datetime as dt

    import ibis.expr.types as ir
    import pandas as pd

    from segmint.context import RunContext

FIT, FIT_BAND, FIT_FACTORS = "fit", "fit_band", "fit_factors"
ADDS = {FIT: "float64", FIT_BAND: "string", FIT_FACTORS: "array<string>"}
LEAK_AUC = 0.95  # one attribute alone ranking won against lost this well was recorded after

SECTION = Section(
    "ICP fit: how much each account looks like those the company wins", order=48, blocks=(
        Note("fit is 0 to 100. A declared scorecard adds the points of the rules an account "
             "matches, scaled so the best possible match is 100. A learned fit is 100 × the "
             "calibrated chance that a new-business deal with the account is won, from its "
             "attributes as the accounts table has them; attributes recorded with the "
             "outcome are left out (below, with the reason). Each level's effect is the "
             "log-odds it moves an account from the average: positive raises the fit."),
        TableView("fit_parameters", title="What the fit learnt"),
    ))


class DeclaredRule(BaseModel):
    """One line of a declared scorecard: a rule and the points an account matching it gets."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    when: RuleText
    points: float

    @field_validator("points")
    @classmethod
    def _counts(cls, points: float) -> float:
        if points == 0:
            raise ValueError("a rule worth 0 points changes no score: give it points or drop it")
        return points


class FitSettings(BaseModel):
    """``scores: {fit: {...}}`` in segmint.yaml; every key has a default (learned fit)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    declared: list[DeclaredRule] | None = Field(default=None, min_length=1)
    features: list[str] | None = None  # account columns; default: firmographics + attributes
    exclude: list[str] = Field(default_factory=list)  # account columns never to learn from
    # deal columns read from each account's first new-business deal, as account attributes
    deal_attributes: list[str] = Field(default_factory=lambda: [t.LEAD_SOURCE])
    # wins: deals won against lost. retention adds customers kept against churned, which
    # makes fit "looks like those won and kept" but no longer the chance a deal is won (on
    # the demo its calibration error against later wins goes from 0.01 to 0.13)
    learn_from: list[Literal["wins", "retention"]] = Field(
        default_factory=lambda: ["wins"], min_length=1)
    bins: int = Field(default=6, ge=2, le=20)  # levels of a numeric attribute
    min_level_accounts: int = Field(default=20, ge=1)  # rarer values are "other"
    max_categories: int = Field(default=30, ge=1, le=200)
    max_fill_gap: float = Field(default=0.5, gt=0, le=1)
    regularisation: float = Field(default=1.0, gt=0)  # logistic regression's C
    max_accounts: int = Field(default=200_000, ge=100)  # learnt from a sample of this many
    factors: int = Field(default=3, ge=1, le=10)  # named in fit_factors
    bands: Bands = Field(default_factory=Bands)


@score_model(FIT, adds=ADDS, section=SECTION)
class Fit(ScoreModel):
    """ICP fit, 0 to 100, with its band and top factors, declared or learned.

    Examples
    --------
    A declared scorecard: 30 points for 200 employees or more, 10 for EMEA; the best match
    scores 100.

    >>> import datetime as dt, ibis
    >>> from segmint.config.project import Project
    >>> from segmint.context import RunContext
    >>> accounts = ibis.memtable({"account_id": ["a", "b"], "employees": [500, 50],
    ...                           "region": ["EMEA", "EMEA"]})
    >>> project = Project.model_validate({"sources": {"accounts": {"path": "a.csv"}},
    ...     "segmentation": {"default": "Everyone"}})
    >>> settings = FitSettings(declared=[{"when": "employees >= 200", "points": 30},
    ...     {"when": 'region == "EMEA"', "points": 10}], bands={"edges": [50, 90]})
    >>> model = Fit(settings).fit(RunContext(project, dt.date(2024, 6, 30), {}, accounts))
    >>> scored = model.score(accounts).order_by("account_id").execute()
    >>> scored.fit.tolist(), scored.fit_band.tolist()
    ([100.0, 25.0], ['High', 'Low'])
    >>> [list(f) for f in scored.fit_factors]
    [['employees >= 200 (+30)', 'region == "EMEA" (+10)'], ['region == "EMEA" (+10)']]
    """

    Settings = FitSettings
    backtest_column = FIT
    probability_scale = 100.0  # a learned fit is a percentage (a declared one is no probability)

    def fit(self, context: RunContext) -> Self:
        """Read the scorecard, or learn the model from the accounts with a decided deal; then
        the band edges from the accounts' scores."""
        from segmint.score.fit.declared import Scorecard
        from segmint.score.fit.outcomes import first_deal_attributes

        settings = self.settings
        self.notes_: list[str] = []
        self.scorecard_ = self.learned_ = None
        self.probability = settings.declared is None  # calibration by decile applies
        self.first_deals_ = first_deal_attributes(
            context.tables, [n for n in settings.deal_attributes
                             if n not in context.accounts.columns])
        accounts = self._with_first_deal(context.accounts)
        if settings.declared is not None:
            self.scorecard_ = Scorecard.of([(r.when, r.points) for r in settings.declared])
            self.scorecard_.check(accounts, "scores.fit.declared")
        else:
            self.learned_ = self._learn(context, accounts)
            self.notes_ += [f"left {name} out: {why}"
                            for name, why in self.learned_.excluded.items()]
        self.band_edges_ = self._band_edges(accounts)
        return self

    def score(self, accounts: ir.Table) -> ir.Table:
        """`accounts` with ``fit``, ``fit_band`` and ``fit_factors``, as engine expressions."""
        from segmint.compute_once import in_own_select
        from segmint.score.fit.factors import top_factors

        table = self._with_first_deal(accounts)
        if self.scorecard_ is not None:
            pairs = self.scorecard_.factor_pairs(table)
        else:
            table = in_own_select(self.learned_.with_levels(table))  # each level worked out once
            pairs = self.learned_.factor_pairs(table)
        # the fit and each factor's weight and label in a select of their own, read as
        # columns: `top_factors` compares every factor with every other, and the band reads
        # the fit once per edge; written out there, the demo's fit was 190 kB of SQL
        table = in_own_select(table, _fit_value=self._fit(table), **{
            f"_fit_factor_{part}{i}": value for i, pair in enumerate(pairs)
            for part, value in zip(("weight", "label"), pair)})
        fit = table._fit_value
        factors = top_factors([(table[f"_fit_factor_weight{i}"], table[f"_fit_factor_label{i}"])
                               for i in range(len(pairs))], self.settings.factors)
        return table.select(*accounts.columns, **{
            FIT: fit, FIT_BAND: band_of(fit, self.band_edges_, self.settings.bands.labels),
            FIT_FACTORS: factors})

    def parameters(self) -> pd.DataFrame:
        """The scorecard's rules and points, or what the model learnt: the accounts it learnt
        from, the calibration, each attribute level's effect, what it left out and why."""
        rows: list[tuple[str, float, str]] = []
        if self.scorecard_ is not None:
            card = self.scorecard_
            rows += [(f"rule: {rule}", points, "points for an account matching this rule")
                     for rule, points in zip(card.rules, card.points)]
            rows += [("points_lowest", card.lowest, "points scoring fit 0"),
                     ("points_highest", card.highest, "points scoring fit 100")]
        else:
            model = self.learned_
            rows += [
                ("won_or_kept", model.positives, "deals won and customers kept it learnt from"),
                ("lost_or_churned", model.negatives,
                 "deals lost and customers churned it learnt from"),
                ("intercept", model.intercept, "log-odds of an account at every level's zero"),
                ("calibration_slope", model.slope,
                 "fit = 100 / (1 + exp(slope × log-odds + shift)), fitted out of fold"),
                ("calibration_shift", model.shift, "see calibration_slope"),
            ]
            rows += [(f"effect: {name} {level}", effect, "log-odds of fit this level moves "
                      "an account from the average (positive raises it)")
                     for name, effects in model.effects.items()
                     for level, effect in effects.items()]
            rows += [(f"left out: {name}", float("nan"), why)
                     for name, why in model.excluded.items()]
        return parameter_table(rows, band="fit_band", labels=self.settings.bands.labels,
                               edges=self.band_edges_, unit="fit")

    @classmethod
    def rules_in(cls, settings: FitSettings) -> tuple[list[tuple[str, str]], set[str]]:
        """The declared scorecard's rules; they may read the first deal's attributes too.

        >>> Fit.rules_in(FitSettings(declared=[{"when": "employees > 5", "points": 1}]))
        ([('scores.fit.declared[1]', 'employees > 5')], {'lead_source'})
        """
        rules = [(f"scores.fit.declared[{i}]", rule.when)
                 for i, rule in enumerate(settings.declared or (), start=1)]
        return rules, set(settings.deal_attributes)

    def outcome(self, context: RunContext, cutoff: dt.date) -> ir.Table | None:
        """The accounts open at `cutoff` (not paying, never won) with a new-business deal
        decided after it; the outcome is whether one was won (`outcomes.wins_after`)."""
        from segmint.score.fit.outcomes import wins_after

        return wins_after(context.accounts, context.tables, cutoff, context.as_of)

    # ------------------------------------------------------------------ helpers
    def _fit(self, table: ir.Table) -> ir.NumericValue:
        """The fit of each row of `table` (the accounts, with their levels when learned)."""
        if self.scorecard_ is not None:
            return self.scorecard_.score(table)
        return (self.learned_.probability(table) * 100.0).round(2)

    def _with_first_deal(self, accounts: ir.Table) -> ir.Table:
        """`accounts` with the attributes of their first new-business deal (``lead_source``),
        null for an account without one."""
        first = self.first_deals_
        if first is None:
            return accounts
        first = first.rename(_first_account=t.ACCOUNT_ID)
        joined = accounts.left_join(first, accounts[t.ACCOUNT_ID] == first._first_account)
        return joined.drop("_first_account")

    def _learn(self, context: RunContext, accounts: ir.Table):
        """Fetch one row per account with a decided deal (its counts and attributes) and fit."""
        from segmint.score.fit import learned as lf
        from segmint.score.fit.outcomes import LOST, WON, outcome_counts

        settings = self.settings
        kinds = lf.candidate_features(accounts, settings.features, settings.exclude)
        if settings.features is not None:
            unknown = [c for c in settings.features if c not in accounts.columns]
            if unknown:
                raise ConfigError(f"scores.fit.features names {unknown}, which the accounts "
                                  "do not have: map them in sources.accounts or drop them.")
        counts = outcome_counts(accounts, context.tables, settings.learn_from)
        counts = counts.filter((counts[WON] + counts[LOST]) > 0).rename(_known=t.ACCOUNT_ID)
        joined = accounts.join(counts, accounts[t.ACCOUNT_ID] == counts._known)
        fetched = {name: joined[name].cast("float64" if kind == "numeric" else "string")
                   for name, kind in kinds.items()}
        rows = lf.fetch_sample(joined.select(t.ACCOUNT_ID, WON, LOST, **fetched),
                               settings.max_accounts)
        if rows.empty:
            raise ConfigError("scores.fit learns from accounts won or kept and lost or "
                              f"churned, and none is known on {context.as_of}: add deals "
                              "(sources.deals) or revenue, or declare a scorecard "
                              "(scores.fit.declared).")
        try:
            return lf.fit_learned(
                rows, kinds, bins=settings.bins, min_level_accounts=settings.min_level_accounts,
                max_categories=settings.max_categories, max_fill_gap=settings.max_fill_gap,
                leak_auc=LEAK_AUC, regularisation=settings.regularisation)
        except ValueError as err:
            raise ConfigError(f"scores.fit: {err}. Declare a scorecard instead "
                              "(scores.fit.declared).") from None

    def _band_edges(self, accounts: ir.Table) -> list[float]:
        """The bands' edges: as configured, or quantiles of the accounts' fit (counted by
        distinct value in the engine)."""
        from segmint.score.potential.lookalike import weighted_quantiles

        bands = self.settings.bands
        if bands.edges is not None:
            return [float(e) for e in bands.edges]
        table = accounts if self.learned_ is None else self.learned_.with_levels(accounts)
        fit = table.select(_fit=self._fit(table))
        counts = fit.group_by("_fit").aggregate(_accounts=fit.count()).order_by("_fit")
        counts = counts.filter(counts._fit.notnull()).to_pandas()
        return weighted_quantiles(counts._fit.to_numpy(dtype=float),
                                  counts._accounts.to_numpy(), bands.quantiles)

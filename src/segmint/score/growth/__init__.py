"""Expected growth: the chance an account grows within a horizon, learnt from the company's own history, times its whitespace.

Potential says how much an account could spend; who grows next is another question. A
customer expands when it has room left in its wallet, a renewal falls due, it is the kind
that buys more (it did before) and talks are open; a prospect is won when a deal is open and
it looks like those won. ``growth_probability`` is that chance: two calibrated logistic
regressions on binned features (customers paying at the date, whose growth is an expansion;
the others, whose growth is a win), learnt from what happened over the last
``horizon_months`` before the run's date: each account's firmographics and the signals its
own revenue and deals gave at the start of that window (`segmint.score.growth.signals`),
against whether its ARR grew by the run's date. ``expected_growth`` is whitespace ×
``growth_probability``: the ARR a revenue team can expect to add, ranked.

Nothing after the start of the learning window is a feature: the signals read the tables as
`segmint.score.backtest.known_at` leaves them at that date, the labels alone read after it.
The model is scored in the engine (a sum of level weights and a sigmoid, as the learned ICP
fit is: `segmint.score.fit.learned`).

This module stays light (the project check imports it before any data is read).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

from pydantic import BaseModel, ConfigDict, Field

from segmint import tables as t
from segmint.exceptions import ConfigError
from segmint.score.registry import Ranking, ScoreModel, parameter_table, score_model
from segmint.sections import Note, Section, TableView

if TYPE_CHECKING:
    import datetime as dt

    import ibis.expr.types as ir
    import pandas as pd

    from segmint.context import RunContext
    from segmint.score.fit.learned import LearnedFit

GROWTH_PROBABILITY, EXPECTED_GROWTH = "growth_probability", "expected_growth"
ADDS = {GROWTH_PROBABILITY: "float64", EXPECTED_GROWTH: "float64"}
CUSTOMERS, PROSPECTS = "customers", "prospects"  # paying at the date, or not
_PAYING = "_growth_paying"
LEAK_AUC = 0.95  # one feature alone ranking later growth this well was recorded after it
MAX_FILL_GAP = 0.5  # a feature filled this much more often for one outcome was recorded with it

SECTION = Section(
    "Expected growth: who is likely to grow next, and by how much", order=51, blocks=(
        Note("growth_probability is the chance an account's ARR grows within the horizon "
             "(scores.expected_growth.horizon_months): an expansion for a customer, a win "
             "for a prospect. It is learnt from the company's own last horizon: each "
             "account's size, sector, region and attributes, and what its own revenue and "
             "deals showed when that horizon began (ARR trend, tenure, months into its "
             "contract year, products held, expansions won, deals open, share of wallet), "
             "against whether it grew by the run's date. expected_growth is whitespace × "
             "growth_probability. Below: what it learnt, each level's effect in log-odds "
             "from the average (positive raises the chance)."),
        TableView("expected_growth_parameters", title="What expected growth learnt"),
    ))


class GrowthSettings(BaseModel):
    """``scores: {expected_growth: {...}}`` in segmint.yaml; every key has a default."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    horizon_months: int = Field(default=6, ge=1, le=24)  # growth within this many months
    trend_months: int = Field(default=6, ge=1, le=24)  # ARR trend: now over this many months before
    exclude: list[str] = Field(default_factory=list)  # account columns never to learn from
    bins: int = Field(default=6, ge=2, le=20)  # levels of a numeric feature
    min_level_accounts: int = Field(default=20, ge=1)  # rarer categories are "other"
    regularisation: float = Field(default=1.0, gt=0)  # logistic regression's C
    max_accounts: int = Field(default=200_000, ge=100)  # per population, a sample of this many


@score_model(EXPECTED_GROWTH, adds=ADDS, needs=(t.REVENUE,), after=(t.POTENTIAL,),
             section=SECTION)
class ExpectedGrowth(ScoreModel):
    """The chance each account grows within the horizon, and whitespace × that chance.

    See the module's docstring; `tests/score/test_growth.py` works examples by hand.
    """

    Settings = GrowthSettings
    backtest_column = EXPECTED_GROWTH

    def backtest_rankings(self) -> tuple[Ranking, ...]:
        """Every account by expected growth and by its probability; then customers and
        prospects apart, as potential's rankings are."""
        from segmint.score.potential import paying

        return (Ranking(EXPECTED_GROWTH), Ranking(GROWTH_PROBABILITY),
                Ranking(EXPECTED_GROWTH, CUSTOMERS, paying),
                Ranking(GROWTH_PROBABILITY, CUSTOMERS, paying),
                Ranking(EXPECTED_GROWTH, PROSPECTS, lambda accounts: ~paying(accounts)))

    def fit(self, context: RunContext) -> Self:
        """Learn each population's model from the window of `horizon_months` before the
        run's date: features at its start, growth by the run's date."""
        from segmint.dates import months_before
        from segmint.score.backtest import known_at
        from segmint.score.fit.learned import candidate_features
        from segmint.score.growth.signals import grew_after
        from segmint.score.stage import accounts_at

        settings = self.settings
        potential = context.models.get(t.POTENTIAL)
        revenue = context.tables.get("revenue")
        if potential is None or revenue is None:
            raise ConfigError("scores.expected_growth ranks whitespace by the chance to grow: "
                              "it needs scores.potential and sources.revenue in segmint.yaml.")
        self.potential_, self.tables_, self.as_of_ = potential, context.tables, context.as_of
        # firmographics and attributes, never another score's column (candidate_features)
        self.kinds_ = candidate_features(context.accounts, None, settings.exclude)
        self.start_ = months_before(context.as_of, settings.horizon_months)
        past_tables = known_at(context.tables, self.start_)
        past = accounts_at(context.accounts, past_tables)
        features = self._features(past, past_tables, self.start_)
        grew = grew_after(past, revenue, self.start_, context.as_of).rename(_grew_id=t.ACCOUNT_ID)
        joined = features.join(grew, features[t.ACCOUNT_ID] == grew._grew_id)
        self.notes_: list[str] = []
        self.models_: dict[str, LearnedFit | None] = {}
        self.rates_: dict[str, float] = {}
        for population, (rows, rate) in self._fetch(
                context, joined.select(*features.columns, "outcome")).items():
            self.models_[population] = self._learn(rows, population, rate)
            self.rates_[population] = rate
        return self

    def score(self, accounts: ir.Table) -> ir.Table:
        """`accounts` with ``growth_probability`` and ``expected_growth``, in the engine."""
        import ibis

        features = self._features(accounts, self.tables_, self.as_of_)
        for population, model in self.models_.items():  # each its own levels, one after the other
            if model is None:
                chance = ibis.literal(self.rates_[population])
            else:
                features = model.with_levels(features)
                chance = model.probability(features)
            features = features.mutate(**{f"_chance_{population}": chance})
        chance = ibis.ifelse(features[_PAYING], features[f"_chance_{CUSTOMERS}"],
                             features[f"_chance_{PROSPECTS}"])
        right = features.select(_chance_id=features[t.ACCOUNT_ID], _chance=chance)
        joined = accounts.left_join(right, accounts[t.ACCOUNT_ID] == right._chance_id)
        probability = joined._chance.round(6)
        whitespace = joined[t.WHITESPACE].cast("float64") if t.WHITESPACE in accounts.columns \
            else ibis.null("float64")
        return joined.select(*accounts.columns, **{
            GROWTH_PROBABILITY: probability,
            EXPECTED_GROWTH: (whitespace * probability).round(2)})

    def parameters(self) -> pd.DataFrame:
        """Per population: the accounts it learnt from, how many grew, the calibration and
        each level's effect; the learning window."""
        rows: list[tuple[str, float, str]] = [
            ("horizon_months", self.settings.horizon_months,
             f"learnt from growth between {self.start_} and {self.as_of_}")]
        for population, model in self.models_.items():
            if model is None:
                rows.append((f"{population}: growth_rate", self.rates_[population],
                             "too few grew or stayed to learn from: the observed rate for all"))
                continue
            rows += [
                (f"{population}: grew", model.positives, "accounts that grew in the window"),
                (f"{population}: did_not_grow", model.negatives, "accounts that did not"),
                (f"{population}: calibration_slope", model.slope,
                 "probability = 1 / (1 + exp(slope × log-odds + shift)), fitted out of fold"),
                (f"{population}: calibration_shift", model.shift, "see calibration_slope"),
            ]
            rows += [(f"{population}: effect: {name} {level}", effect,
                      "log-odds of growing this level moves an account from the average")
                     for name, effects in model.effects.items()
                     for level, effect in effects.items()]
            rows += [(f"{population}: left out: {name}", float("nan"), why)
                     for name, why in model.excluded.items()]
        return parameter_table(rows)

    def outcome(self, context: RunContext, cutoff: dt.date) -> ir.Table | None:
        """Accounts whose ARR grew after `cutoff`, weighted by the ARR gained (as potential's)."""
        from segmint.score.growth.signals import grew_after

        revenue = context.tables.get("revenue")
        return None if revenue is None else grew_after(context.accounts, revenue, cutoff,
                                                       context.as_of)

    # ------------------------------------------------------------------ helpers
    def _features(self, accounts: ir.Table, tables, day: dt.date) -> ir.Table:
        """One row per account: its attributes, its signals at `day`, its share of wallet then
        (ARR then over the look-alike potential, raised to that ARR) and whether it paid."""
        import ibis

        from segmint.score.growth.signals import (ARR_NOW, CONTRACT_MONTH, COUNTED,
                                                  SHARE_OF_WALLET_NOW,
                                                  as_level, signals_at)
        from segmint.score.potential import lookalike as la

        potential = self.potential_
        # the look-alike figure depends on firmographics alone (fitted on the customers of
        # the run's date, in cells of many): no account's own later ARR is in its features
        inputs = accounts.select(t.ACCOUNT_ID, *self.kinds_, *(
            c for c in potential.inputs() if c not in self.kinds_))
        spend = potential.spend(inputs)
        signals = signals_at(spend.select(t.ACCOUNT_ID), tables, day,
                             trend_months=self.settings.trend_months).rename(
                                 _signal_id=t.ACCOUNT_ID)
        joined = spend.join(signals, spend[t.ACCOUNT_ID] == signals._signal_id)
        arr = joined[ARR_NOW]
        wallet = ibis.greatest(joined[la.MID], arr)
        return joined.select(t.ACCOUNT_ID, *self.kinds_, *(
            c for c in signals.columns if c not in ("_signal_id", ARR_NOW, *COUNTED)), **{
            name: as_level(joined[name], cap=12 if name == CONTRACT_MONTH else 2)
            for name in COUNTED}, **{
            SHARE_OF_WALLET_NOW: arr / wallet.nullif(0.0), _PAYING: arr > 0})

    def _fetch(self, context: RunContext, window: ir.Table
               ) -> dict[str, tuple[pd.DataFrame, float]]:
        """Per population, its rows of `window` (at most ``max_accounts`` of them, drawn in
        the engine) and the share of all its accounts that grew."""
        from segmint.engine.kept import fetch_frame
        from segmint.score.fit.learned import fetch_sample

        limit = self.settings.max_accounts
        if int(context.accounts.count().execute()) <= limit:  # no population is sampled
            rows = fetch_frame(window.order_by(t.ACCOUNT_ID))
            paying = rows[_PAYING].to_numpy(dtype=bool)
            return {population: (part, float(part["outcome"].mean()) if len(part) else 0.0)
                    for population, part in ((CUSTOMERS, rows[paying]),
                                             (PROSPECTS, rows[~paying]))}
        # a million accounts' features in pandas would be most of a run's memory: keep the
        # window once, count each population in one query, fetch a sample of each
        window = context.keep(window, "growth_window")
        tallies = window.group_by(_PAYING).aggregate(
            accounts=window.count(), grew=window.outcome.cast("int64").sum()).to_pandas()
        fetched = {}
        for population, paying in ((CUSTOMERS, True), (PROSPECTS, False)):
            tally = tallies[tallies[_PAYING] == paying]
            accounts = int(tally.accounts.sum())
            members = window.filter(window[_PAYING] if paying else ~window[_PAYING])
            fetched[population] = (fetch_sample(members, limit, rows=accounts),
                                   float(tally.grew.sum()) / accounts if accounts else 0.0)
        return fetched

    def _learn(self, rows: pd.DataFrame, population: str, rate: float) -> LearnedFit | None:
        """One population's calibrated model from `rows` (a sample of it), or None when too
        few grew (or too few did not) to learn from: its growth `rate` then stands for all."""
        from segmint.score.fit.learned import fit_learned
        from segmint.score.fit.outcomes import LOST, WON
        from segmint.score.growth.signals import COUNTED, SIGNALS

        settings = self.settings
        grew = rows["outcome"].to_numpy(dtype=bool)
        kinds = {**self.kinds_, **{signal: "categorical" if signal in COUNTED else "numeric"
                                   for signal in SIGNALS}}
        frame = rows[list(kinds)].assign(**{WON: grew.astype(int), LOST: (~grew).astype(int)})
        try:
            model = fit_learned(frame, kinds, bins=settings.bins,
                                min_level_accounts=settings.min_level_accounts,
                                max_categories=30, max_fill_gap=MAX_FILL_GAP, leak_auc=LEAK_AUC,
                                regularisation=settings.regularisation)
        except ValueError as err:
            self.notes_.append(f"{population}: {err}; their growth rate, {rate:.1%}, "
                               "stands for every one")
            return None
        for name, why in model.excluded.items():
            self.notes_.append(f"{population}: left {name} out: {why}")
        return model


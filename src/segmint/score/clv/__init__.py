"""Customer lifetime value: what each account is worth over a horizon (`clv`, `clv_band`).

Two parts, each from a published probability model fitted by maximum likelihood
(`segmint.score.clv.fitters`):

- repeat purchases (services, overage, orders; won deals when there is no transactions
  table): BG/NBD for how many purchases an account will still make, Gamma-Gamma for what
  each will be worth, discounted month by month over ``horizon_months``;
- the contract: a shifted-beta-geometric retention curve fitted on contract periods from the
  revenue history; an active account's value is ARR × DERL, its discounted expected residual
  lifetime in periods (Fader & Hardie 2010). Accounts already paying when the revenue
  history begins are scored but left out of the fit: how many renewals they made before it
  is unknown. An account that left and was won back is scored on its latest spell of
  paying; the fit reads first spells only.

``clv`` is the margin on both. Frequency, recency and age are computed in the engine
(`segmint.score.clv.history`); the fit runs on the distinct patterns; the forecast per
pattern is joined back in the engine. A hold-out of the last ``holdout_months`` checks the
repeat-purchase forecast: predicted against actual purchases by past frequency.

This module stays light (the project check imports it before any data is read).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

from pydantic import BaseModel, ConfigDict, Field

from segmint import tables as t
from segmint.money import sum_to_the_cent
from segmint.score.potential import PotentialBands  # labels with quantiles or edges
from segmint.score.registry import ScoreModel, band_of, parameter_table, score_model
from segmint.sections import Chart, Note, Section, TableView

if TYPE_CHECKING:
    import datetime as dt

    import ibis.expr.types as ir
    import pandas as pd

    from segmint.context import RunContext

CLV_CALIBRATION = "clv_calibration"  # output: predicted vs actual hold-out purchases
CLV_RETENTION = "clv_retention"  # output: the sBG curve against the observed one
CLV_BY_SEGMENT = "clv_by_segment"

ADDS = {t.CLV: "float64", t.CLV_REPEAT: "float64", t.CLV_CONTRACT: "float64",
        t.CLV_BAND: "string", t.EXPECTED_PURCHASES: "float64", t.EXPECTED_SPEND: "float64",
        t.PROBABILITY_ALIVE: "float64"}

SECTION = Section(
    "Customer lifetime value: what each account is worth over time", order=55, blocks=(
        Note("CLV is the margin (scores.clv.margin) on two forecasts, discounted at "
             "scores.clv.discount_rate a year: repeat purchases over scores.clv.horizon_months "
             "(BG/NBD for how many, Gamma-Gamma for their value) and the contract (ARR times "
             "the discounted expected residual lifetime from a shifted-beta-geometric "
             "retention curve). Below: the hold-out check of the purchase forecast, by how "
             "often accounts had bought before it, and the retention curve against the one "
             "observed."),
        Chart("clv_calibration", table=CLV_CALIBRATION,
              empty="No hold-out: too little purchase history, or holdout_months is 0."),
        TableView(CLV_CALIBRATION),
        Chart("clv_retention", table=CLV_RETENTION,
              empty="No retention curve: no revenue history with churn and renewals."),
    ))


class ClvSettings(BaseModel):
    """``scores: {clv: {...}}`` in segmint.yaml; every key has a default."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    horizon_months: int = Field(default=36, ge=1, le=240)  # repeat purchases counted this far
    discount_rate: float = Field(default=0.10, gt=0, lt=1)  # a year
    margin: float = Field(default=0.75, gt=0, le=1)  # gross margin on revenue
    contract_months: int = Field(default=12, ge=1, le=60)  # one renewal period
    holdout_months: int = Field(default=6, ge=0, le=36)  # 0: no calibration check
    uncertainty_draws: int = Field(default=20, ge=0, le=500)  # 0: no range per segment
    # an account column (region, naics_sector, an attribute) or start_year (the cohort): one
    # retention curve per value, the pooled one where a value has too little history; never
    # the segment, which CLV may define
    retention_by: str | None = None
    bands: PotentialBands = Field(default_factory=PotentialBands)


@score_model(t.CLV, adds=ADDS, section=SECTION)
class CustomerLifetimeValue(ScoreModel):
    """What each account is worth over the horizon: repeat purchases and contract, at margin.

    Examples
    --------
    Two accounts bought services a few times; a third never bought. The third is worth 0.

    >>> import datetime as dt, ibis
    >>> from segmint.config.project import Project
    >>> from segmint.context import RunContext
    >>> d = dt.date
    >>> tx = ibis.memtable({"account_id": ["a"] * 3 + ["b"] * 2 + ["d", "e", "e"],
    ...     "amount": [100.0, 80.0, 120.0, 50.0, 70.0, 90.0, 20.0, 30.0],
    ...     "date": [d(2024, 1, 5), d(2024, 3, 1), d(2024, 5, 2), d(2024, 2, 1), d(2024, 6, 1),
    ...              d(2024, 4, 1), d(2024, 1, 9), d(2024, 2, 9)]})
    >>> accounts = ibis.memtable({"account_id": ["a", "b", "c", "d", "e"]})
    >>> project = Project.model_validate({"sources": {"accounts": {"path": "a.csv"}},
    ...     "scores": {"clv": {"holdout_months": 0}}, "segmentation": {"default": "Everyone"}})
    >>> context = RunContext(project, d(2024, 6, 30), {"transactions": tx}, accounts)
    >>> model = CustomerLifetimeValue(ClvSettings(holdout_months=0)).fit(context)
    >>> scored = model.score(accounts).order_by("account_id").execute()
    >>> scored.clv.gt(0).tolist()
    [True, True, False, True, True]
    """

    Settings = ClvSettings
    backtest_column = t.CLV

    def fit(self, context: RunContext) -> Self:
        """Fit BG/NBD and Gamma-Gamma on the purchase history, sBG on the contract periods,
        the hold-out calibration and the band edges. What a reader of the figures should
        know (a model the data cannot identify, a part left at 0) is in ``notes_``."""
        import warnings

        from segmint.exceptions import ModelFitWarning

        self.notes_: list[str] = []
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ModelFitWarning)
            self._fit(context)
        for warning in caught:
            if issubclass(warning.category, ModelFitWarning):
                self.notes_.append(str(warning.message))
            else:
                warnings.warn_explicit(warning.message, warning.category, warning.filename,
                                       warning.lineno)
        return self

    def _fit(self, context: RunContext) -> None:
        import ibis

        from segmint.score.clv import history as h
        from segmint.score.clv.value import pattern_forecast

        settings = self.settings
        self.repeat_, self.spend_, self.retention_ = None, None, None
        self._calibration, self._retention_curve = None, None
        bought, self.source_ = h.purchases(context.tables, context.as_of)
        self._forecast = None
        if bought is not None:
            summary = context.keep(h.repeat_summary(bought, context.as_of), "clv_summary")
            self._summary = summary
            self.repeat_, self.spend_ = self._fit_repeat(summary)
            if self.repeat_ is not None:
                self._forecast = ibis.memtable(pattern_forecast(
                    self.repeat_, self._patterns, horizon_months=settings.horizon_months,
                    annual_discount_rate=settings.discount_rate))
                if settings.holdout_months:
                    self._calibration = self._holdout(context, bought)
        else:
            self.notes_.append("no transactions and no won deals: the repeat-purchase part "
                               "is 0")
        revenue = context.tables.get("revenue")
        self._derl = self._group_derl = None
        if revenue is not None:
            self._fit_contract(revenue, context.as_of, context.accounts)
        self._band_edges(context.accounts)

    def score(self, accounts: ir.Table) -> ir.Table:
        """`accounts` with the CLV columns, as engine expressions (joins to the per-pattern
        forecast and the per-period DERL, and the Gamma-Gamma formula)."""
        table = self._value(accounts)
        table = table.mutate(**{t.CLV_BAND: band_of(table[t.CLV], self.band_edges_,
                                                     self.settings.bands.labels)})
        return table.select(*accounts.columns, *ADDS.keys())

    def tables(self, accounts: ir.Table) -> dict[str, ir.Table]:
        """``clv_calibration`` and ``clv_retention`` (empty when there was nothing to check)."""
        import ibis
        import pandas as pd

        calibration = self._calibration if self._calibration is not None else pd.DataFrame(
            {"frequency": pd.Series(dtype="string"), "accounts": pd.Series(dtype="int64"),
             "predicted_per_account": pd.Series(dtype="float64"),
             "actual_per_account": pd.Series(dtype="float64")})
        retention = self._retention_curve if self._retention_curve is not None else \
            pd.DataFrame({"renewals": pd.Series(dtype="int64"),
                          "model": pd.Series(dtype="float64"),
                          "observed": pd.Series(dtype="float64"),
                          "group": pd.Series(dtype="string")})
        return {CLV_CALIBRATION: ibis.memtable(calibration),
                CLV_RETENTION: ibis.memtable(retention)}

    def parameters(self) -> pd.DataFrame:
        """Each fitted model's parameters and log-likelihood, and the settings used."""
        settings = self.settings
        rows = [("horizon_months", settings.horizon_months, "repeat purchases counted this far"),
                ("discount_rate", settings.discount_rate, "a year"),
                ("margin", settings.margin, "share of revenue that is margin")]
        for label, model in (("bgnbd", self.repeat_), ("gamma_gamma", self.spend_),
                             ("sbg", self.retention_)):
            if model is None:
                continue
            errors = model.standard_errors_
            rows += [(f"{label}_{name}", value, f"{model.model_name} {name}, standard error "
                      f"{errors[name]:.3g}" if errors[name] == errors[name]
                      else f"{model.model_name} {name}")
                     for name, value in model.params_.items()]
            rows += [(f"{label}_log_likelihood", model.log_likelihood_,
                      f"{model.model_name} log-likelihood at the fit"),
                     (f"{label}_accounts", model.n_accounts_, f"accounts {model.model_name} "
                      "was fitted on" + (f" ({self.source_})" if label != "sbg" else "")),
                     (f"{label}_converged", float(model.converged_ and not model.at_bounds_),
                      "1: converged with every parameter inside what the data identify")]
        for group, model in getattr(self, "retention_by_group_", {}).items():
            rows += [(f"sbg_{name}[{group}]", value, f"shifted-beta-geometric {name} where "
                      f"{settings.retention_by} is {group!r} ({model.n_accounts_:,} accounts)")
                     for name, value in model.params_.items()]
        return parameter_table(rows, band="clv_band", labels=settings.bands.labels,
                               edges=self.band_edges_, unit="CLV")

    def outcome(self, context: RunContext, cutoff: dt.date) -> ir.Table | None:
        """Accounts that bought after `cutoff`, weighted by what they spent by ``as_of``."""
        from segmint.score.clv import history as h

        bought, _ = h.purchases(context.tables, context.as_of)
        if bought is None:
            return None
        after = bought.filter(bought[h.DAY] > cutoff)
        spent = after.group_by(_spent_account=after[t.ACCOUNT_ID]).aggregate(
            _spent=sum_to_the_cent(after[h.SPEND]))
        accounts = context.accounts.select(t.ACCOUNT_ID)
        joined = accounts.left_join(spent, accounts[t.ACCOUNT_ID] == spent._spent_account)
        value = joined._spent.fill_null(0.0)
        return joined.select(t.ACCOUNT_ID, outcome=value > 0, weight=value)

    def segment_ranges(self, assignments: ir.Table, *, level: float = 0.9) -> pd.DataFrame:
        """Per segment (and ``All``), the range of its total CLV that the uncertainty of the
        BG/NBD fit allows: ``clv_low`` and ``clv_high``, the central `level` of the totals
        under ``uncertainty_draws`` parameter sets drawn from the fit's asymptotic normal
        (on the log scale). Spend per purchase and the contract part are held at their
        estimates. Empty when there is no repeat-purchase fit or no draws.

        `assignments` has ``account_id``, ``segment``, ``clv``, ``clv_repeat`` and
        ``expected_spend``; the totals are summed in the engine, one column per draw.
        """
        import ibis
        import numpy as np
        import pandas as pd

        from segmint.score.clv import history as h
        from segmint.score.clv.fitters import BetaGeo
        from segmint.score.clv.value import DISCOUNTED, pattern_forecast

        settings = self.settings
        empty = pd.DataFrame({t.SEGMENT: pd.Series(dtype="string"),
                              "clv_low": pd.Series(dtype="float64"),
                              "clv_high": pd.Series(dtype="float64")})
        fit = self.repeat_
        if fit is None or not settings.uncertainty_draws \
                or not np.isfinite(fit.log_covariance_).all():
            return empty
        rng = np.random.default_rng(0)
        draws = rng.multivariate_normal(fit.log_params_, fit.log_covariance_,
                                        settings.uncertainty_draws)
        keys = [h.FREQUENCY, h.RECENCY_DAYS, h.AGE_DAYS]
        table = self._patterns[keys].copy()
        for k, log_params in enumerate(draws):
            drawn = BetaGeo()
            drawn.r_, drawn.alpha_, drawn.a_, drawn.b_ = np.exp(log_params)
            table[f"_d{k}"] = pattern_forecast(
                drawn, self._patterns, horizon_months=settings.horizon_months,
                annual_discount_rate=settings.discount_rate)[DISCOUNTED].to_numpy()
        lookup = ibis.memtable(table.rename(columns={k: f"_k_{k}" for k in keys}))
        summary = self._summary.rename(_s_account=t.ACCOUNT_ID)
        joined = assignments.left_join(summary, assignments[t.ACCOUNT_ID] == summary._s_account) \
            .select(t.SEGMENT, t.CLV, t.CLV_REPEAT, t.EXPECTED_SPEND, *keys)
        joined = joined.left_join(lookup, [joined[k] == lookup[f"_k_{k}"] for k in keys]) \
            .select(*joined.columns, *(f"_d{k}" for k in range(len(draws))))
        fixed = joined[t.CLV] - joined[t.CLV_REPEAT]  # the contract part, held
        spend = joined[t.EXPECTED_SPEND].fill_null(0.0)
        value = {f"_t{k}": sum_to_the_cent(
                     fixed + settings.margin * spend * joined[f"_d{k}"].fill_null(0.0))
                 for k in range(len(draws))}
        per_segment = joined.group_by(t.SEGMENT).aggregate(**value).order_by(t.SEGMENT).to_pandas()
        everyone = joined.aggregate(**value).to_pandas().assign(**{t.SEGMENT: t.ALL_SEGMENTS})
        totals = pd.concat([per_segment, everyone], ignore_index=True)
        columns = [f"_t{k}" for k in range(len(draws))]
        tail = (1 - level) / 2
        return pd.DataFrame({
            t.SEGMENT: totals[t.SEGMENT].astype("string"),
            "clv_low": totals[columns].quantile(tail, axis=1).to_numpy(),
            "clv_high": totals[columns].quantile(1 - tail, axis=1).to_numpy()})

    # ------------------------------------------------------------------ helpers
    def _fit_repeat(self, summary: ir.Table):
        """BG/NBD on the distinct patterns, Gamma-Gamma on the repeat buyers' mean spend;
        None for a model the data cannot identify (with a note saying why)."""
        import pandas as pd

        from segmint.exceptions import ModelFitError
        from segmint.score.clv import history as h
        from segmint.score.clv.fitters import BetaGeo, GammaGamma

        # one engine query, through Arrow to NumPy: the distinct patterns, never a row per
        # account
        repeat_patterns, spend_patterns = h.fit_patterns(summary)
        patterns = self._patterns = pd.DataFrame(repeat_patterns)
        try:
            repeat = BetaGeo().fit(patterns[h.FREQUENCY], patterns[h.RECENCY_DAYS] / 7.0,
                                   patterns[h.AGE_DAYS].clip(lower=1) / 7.0, patterns[h.ACCOUNTS])
        except ModelFitError as err:
            self.notes_.append(f"repeat purchases: {err}; the repeat-purchase part is 0")
            return None, None
        frequency, mean_spend, accounts = h.spend_arrays(spend_patterns)
        try:
            value = GammaGamma().fit(frequency, mean_spend, accounts)
        except ModelFitError as err:
            self.notes_.append(f"spend per purchase: {err}; each account's own mean is used")
            value = None
        return repeat, value

    def _fit_contract(self, revenue: ir.Table, as_of: dt.date, accounts: ir.Table) -> None:
        """sBG on the contract periods, pooled and per value of ``retention_by``; the DERL
        of every period begun, per curve."""
        import ibis
        import numpy as np
        import pandas as pd

        from segmint.exceptions import ColumnNotFoundError, ModelFitError
        from segmint.score.clv import history as h
        from segmint.score.clv.fitters import ShiftedBetaGeometric
        from segmint.score.clv.value import retention_curve

        by = self.settings.retention_by
        periods = h.contract_periods(revenue, as_of, period_months=self.settings.contract_months)
        if by == h.START_YEAR:
            periods = periods.mutate(_group=periods[h.START_YEAR].cast("string"))
        elif by is not None:
            if by not in accounts.columns:
                raise ColumnNotFoundError(by, "the accounts", "scores.clv.retention_by",
                                          list(accounts.columns))
            groups = accounts.select(_g_account=accounts[t.ACCOUNT_ID],
                                     _group=accounts[by].cast("string"))
            periods = periods.left_join(groups, periods[t.ACCOUNT_ID] == groups._g_account) \
                .select(*periods.columns, "_group")
        else:
            periods = periods.mutate(_group=ibis.null("string"))
        # accounts paying since before the history began survived an unknown number of
        # renewals: kept in, they would read as first-year churn or renewals (left truncation);
        # a won-back account's later spells are not renewals of its first
        seen = periods.filter(~periods[h.STARTED_BEFORE] & (periods[h.SPELL] == 1))
        counts = seen.group_by(["_group", h.PERIODS, h.CHURNED]).aggregate(
            **{h.ACCOUNTS: seen.count()}).order_by(["_group", h.PERIODS, h.CHURNED]).to_pandas()
        pooled = counts.groupby([h.PERIODS, h.CHURNED], as_index=False)[h.ACCOUNTS].sum()
        try:
            self.retention_ = ShiftedBetaGeometric().fit(
                pooled[h.PERIODS], pooled[h.CHURNED], pooled[h.ACCOUNTS])
        except ModelFitError as err:
            self.notes_.append(f"contracts: {err}; the contractual part is 0")
            return
        self.retention_by_group_: dict[str, ShiftedBetaGeometric] = {}
        for group, rows in counts.dropna(subset=["_group"]).groupby("_group"):
            try:
                self.retention_by_group_[group] = ShiftedBetaGeometric().fit(
                    rows[h.PERIODS], rows[h.CHURNED], rows[h.ACCOUNTS])
            except ModelFitError as err:
                self.notes_.append(f"contracts where {by} is {group!r}: {err}; the pooled "
                                   "retention curve is used")
        curves = [retention_curve(self.retention_, pooled).assign(group=t.ALL_SEGMENTS)]
        curves += [retention_curve(model, counts[counts._group == group]).assign(group=group)
                   for group, model in self.retention_by_group_.items()]
        self._retention_curve = pd.concat(curves, ignore_index=True)
        begun = np.arange(1, int(periods[h.PERIODS].max().execute()) + 1)
        rate = self.settings.discount_rate
        self._periods = periods.filter(periods[h.LATEST])  # an account is scored on its latest
        self._derl = ibis.memtable(pd.DataFrame({
            "_derl_periods": begun, "_derl": self.retention_.discounted_residual_lifetime(
                begun, rate)}))
        by_group = [pd.DataFrame({"_gd_group": group, "_gd_periods": begun,
                                  "_gd_derl": model.discounted_residual_lifetime(begun, rate)})
                    for group, model in self.retention_by_group_.items()]
        self._group_derl = ibis.memtable(pd.concat(by_group, ignore_index=True)) \
            if by_group else None

    def _holdout(self, context: RunContext, bought: ir.Table) -> pd.DataFrame | None:
        """Refit BG/NBD on all but the last ``holdout_months`` and compare its forecast of
        the hold-out with the purchases made in it, by calibration frequency."""
        import warnings

        import pandas as pd

        from segmint.dates import months_before
        from segmint.exceptions import ModelFitError
        from segmint.score.clv import history as h
        from segmint.score.clv.fitters import BetaGeo
        from segmint.score.clv.value import calibration_by_frequency

        cutoff = months_before(context.as_of, self.settings.holdout_months)
        before = bought.filter(bought[h.DAY] <= cutoff)
        summary = h.repeat_summary(before, cutoff)
        later = bought.filter(bought[h.DAY] > cutoff)
        made = later.group_by(_later_account=later[t.ACCOUNT_ID]).aggregate(_made=later.count())
        joined = summary.left_join(made, summary[t.ACCOUNT_ID] == made._later_account)
        patterns = pd.DataFrame(h.collect(joined.group_by(
            [h.FREQUENCY, h.RECENCY_DAYS, h.AGE_DAYS]).aggregate(
            **{h.ACCOUNTS: joined.count(), "actual": joined._made.fill_null(0).sum()},
        ).order_by([h.FREQUENCY, h.RECENCY_DAYS, h.AGE_DAYS])))
        if patterns.empty:
            return None
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # the full fit already warned about its data
                model = BetaGeo().fit(patterns[h.FREQUENCY], patterns[h.RECENCY_DAYS] / 7.0,
                                      patterns[h.AGE_DAYS].clip(lower=1) / 7.0,
                                      patterns[h.ACCOUNTS])
        except ModelFitError:
            return None
        return calibration_by_frequency(model, patterns, (context.as_of - cutoff).days)

    def _value(self, accounts: ir.Table) -> ir.Table:
        """`accounts` with every CLV column but the band."""
        import ibis

        from segmint.score.clv import history as h
        from segmint.score.clv.value import ALIVE, DISCOUNTED, PURCHASES

        margin = self.settings.margin
        table = accounts
        if self._forecast is not None:
            summary = self._summary.rename(**{f"_s_{c}": c for c in self._summary.columns})
            forecast = self._forecast.rename(**{f"_f_{c}": c for c in self._forecast.columns})
            table = table.left_join(summary, table[t.ACCOUNT_ID] == summary[f"_s_{t.ACCOUNT_ID}"]) \
                .select(*accounts.columns, *summary.columns)
            keys = (h.FREQUENCY, h.RECENCY_DAYS, h.AGE_DAYS)
            table = table.left_join(forecast, [table[f"_s_{k}"] == forecast[f"_f_{k}"]
                                               for k in keys]) \
                .select(*table.columns, *forecast.columns)
            x, m = table[f"_s_{h.FREQUENCY}"].cast("float64"), table[f"_s_{h.MEAN_SPEND}"]
            gg = self.spend_
            spend = m if gg is None or gg.q_ <= 1.0 else \
                gg.p_ * (gg.gamma_ + x * m) / (gg.p_ * x + gg.q_ - 1.0)  # "RFM and CLV", Eq. 5
            table = table.mutate(**{
                t.EXPECTED_SPEND: spend, t.PROBABILITY_ALIVE: table[f"_f_{ALIVE}"],
                t.EXPECTED_PURCHASES: table[f"_f_{PURCHASES}"],
                t.CLV_REPEAT: (margin * spend * table[f"_f_{DISCOUNTED}"]).fill_null(0.0)})
        else:
            table = table.mutate(**{t.EXPECTED_SPEND: ibis.null("float64"),
                                    t.PROBABILITY_ALIVE: ibis.null("float64"),
                                    t.EXPECTED_PURCHASES: ibis.null("float64"),
                                    t.CLV_REPEAT: ibis.literal(0.0)})
        if self._derl is not None:
            columns = table.columns
            periods = self._periods.rename(_p_account=t.ACCOUNT_ID, _p_periods=h.PERIODS,
                                           _p_churned=h.CHURNED)
            table = table.left_join(periods, table[t.ACCOUNT_ID] == periods._p_account) \
                .select(*columns, "_p_periods", "_p_churned", "_group")
            derl = self._derl
            table = table.left_join(derl, table._p_periods == derl._derl_periods) \
                .select(*columns, "_p_periods", "_p_churned", "_group", "_derl")
            if self._group_derl is not None:  # the account's own curve where it has one
                own = self._group_derl
                table = table.left_join(own, (table._group == own._gd_group)
                                        & (table._p_periods == own._gd_periods)) \
                    .select(*columns, "_p_churned",
                            _derl=ibis.coalesce(own._gd_derl, table._derl))
            arr = table[t.ARR].cast("float64").fill_null(0.0) if t.ARR in table.columns \
                else ibis.literal(0.0)
            contract = ibis.ifelse(table._p_churned.fill_null(True), 0.0,
                                   margin * arr * table._derl.fill_null(0.0))
        else:
            contract = ibis.literal(0.0)
        table = table.mutate(**{t.CLV_CONTRACT: contract})
        return table.mutate(**{t.CLV: table[t.CLV_REPEAT] + table[t.CLV_CONTRACT]})

    def _band_edges(self, accounts: ir.Table) -> None:
        """Band edges: the configured edges, or quantiles of CLV over accounts worth anything."""
        import numpy as np

        bands = self.settings.bands
        if bands.edges is not None:
            self.band_edges_ = [float(e) for e in bands.edges]
            return
        valued = self._value(accounts.select(*[c for c in (t.ACCOUNT_ID, t.ARR)
                                               if c in accounts.columns]))
        worth = valued.filter(valued[t.CLV] > 0)
        row = worth.aggregate(**{f"q{i}": worth[t.CLV].quantile(q)
                                 for i, q in enumerate(bands.quantiles)}).to_pandas()
        self.band_edges_ = [float(v) if v is not None else np.nan for v in row.iloc[0]]

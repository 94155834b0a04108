"""Account potential: what each account could spend, its whitespace and its share of wallet.

Potential is learnt from the company's own customers: a high quantile (``quantile``, 0.8 by
default) of the ARR of customers like the account, by size, sector and region, from gradient
boosting with quantile loss, monotone in size (more employees never lower it). It is never
below what the account pays today. Whitespace is potential minus ARR; share of wallet is ARR
over potential; product whitespace counts the products that look-alike customers hold (at
least ``product_share`` of them, one in ten by default) and the account does not, valued at
their median ARR on each. The model is fitted on one row per customer and scored in the
engine, as a lookup table joined onto the accounts (see `segmint.score.potential.lookalike`).

Products held are not a feature of the potential: it is what an account could spend on the
whole suite, and a customer holding one product is no less able to buy the others; they
drive the product whitespace instead.

This module stays light (the project check imports it before any data is read): NumPy,
scikit-learn, Ibis and pandas are imported inside the methods.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from segmint import tables as t
from segmint.exceptions import ConfigError
from segmint.score.registry import (Bands, Ranking, ScoreModel, band_of, parameter_table,
                                    score_model)
from segmint.sections import Chart, Note, Section, TableView

if TYPE_CHECKING:
    import datetime as dt

    import ibis.expr.types as ir
    import pandas as pd

    from segmint.context import RunContext

Feature = Literal["employees", "annual_revenue", "naics_sector", "region", "country"]
ACCOUNT_POTENTIAL = "account_potential"  # output: a row per account
POTENTIAL_IMPORTANCE = "potential_importance"  # output: what drives the potential
WHITESPACE_PRODUCTS = "whitespace_products"  # account_potential: the products, "; "-joined
CUSTOMERS, PROSPECTS = "customers", "prospects"  # back-test: paying at the cut-off, or not


def paying(accounts: ir.Table) -> ir.BooleanValue:
    """Whether each account pays (``arr`` above 0): a back-test's customers."""
    return accounts[t.ARR].fill_null(0) > 0

ADDS = {
    t.POTENTIAL: "float64", t.POTENTIAL_LOW: "float64", t.POTENTIAL_HIGH: "float64",
    t.WHITESPACE: "float64", t.SHARE_OF_WALLET: "float64", t.POTENTIAL_BAND: "string",
    t.PRODUCT_WHITESPACE: "int64", t.PRODUCT_WHITESPACE_ARR: "float64",
}

SECTION = Section(
    "Account potential: what each account could spend", order=50, blocks=(
        Note("Potential is a high quantile (scores.potential.quantile, the 80th percentile by "
             "default) of the ARR of customers like the account: gradient boosting with "
             "quantile loss on its size, sector and region, monotone in size, and never below "
             "what it pays today. Whitespace is potential minus ARR; share of wallet is ARR "
             "over potential. Below: how much worse the model predicts when a feature is "
             "shuffled."),
        Chart("potential_drivers", table=POTENTIAL_IMPORTANCE,
              empty="The model has no feature to rank."),
        TableView(POTENTIAL_IMPORTANCE),
    ))


class PotentialBands(Bands):
    """``potential_band``: labels for potentials cut at `edges` (in the reporting currency) or
    at `quantiles` of the accounts' look-alike potential (by default the median and the 80th
    percentile: Low, Medium, High)."""


class PotentialSettings(BaseModel):
    """``scores: {potential: {...}}`` in segmint.yaml; every key has a default."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    quantile: float = Field(default=0.8, gt=0, lt=1)  # "could spend": this quantile of look-alikes
    range: tuple[float, float] = Field(default=(0.5, 0.9), validate_default=True)  # TAM low, high
    features: list[Feature] = Field(
        default_factory=lambda: ["employees", "naics_sector", "region"])
    bands: PotentialBands = Field(default_factory=PotentialBands)
    product_share: float = Field(default=0.1, gt=0, le=1)  # of look-alikes holding a product
    iterations: int = Field(default=100, ge=1, le=5000)
    learning_rate: float = Field(default=0.1, gt=0, le=1)
    max_leaf_nodes: int = Field(default=15, ge=2, le=255)
    min_customers_per_leaf: int = Field(default=20, ge=1)
    max_customers: int = Field(default=30_000, ge=100)  # fitted on a sample of this many at most
    market: Literal["susb_us", "none"] = "susb_us"  # when sources.market is not configured
    sam: str | None = None  # a rule: the serviceable part of the market
    top_accounts: int = Field(default=5, ge=1, le=1000)  # top whitespace accounts per segment

    @field_validator("range")
    @classmethod
    def _around_quantile(cls, bounds: tuple[float, float], info: ValidationInfo) -> tuple[float, float]:
        quantile = info.data.get("quantile", 0.8)
        if not 0 < bounds[0] < quantile < bounds[1] < 1:
            raise ValueError(f"needs low < quantile < high, between 0 and 1: got {list(bounds)} "
                             f"around quantile {quantile}")
        return bounds

    @field_validator("features")
    @classmethod
    def _with_size(cls, features: list[str]) -> list[str]:
        if "employees" not in features:
            raise ValueError("must include employees (potential is monotone in size)")
        if len(set(features)) != len(features):
            raise ValueError(f"repeats a name: {features}")
        return features

    @field_validator("sam")
    @classmethod
    def _parses(cls, sam: str | None) -> str | None:
        if sam is not None:
            from segmint.segment.rules import parse_rule

            parse_rule(sam)  # a RuleSyntaxError points at the problem
        return sam


@score_model(t.POTENTIAL, adds=ADDS, needs=(t.REVENUE,), section=SECTION)
class Potential(ScoreModel):
    """What each account could spend a year (`potential`), with the range, whitespace, share of
    wallet, a band and product whitespace.

    Examples
    --------
    Six customers of one size pay 100 to 600 a year; their 80th percentile is 500. A
    prospect of that size could spend 500; the customer paying 100 has 400 of whitespace.

    >>> import datetime as dt, ibis
    >>> from segmint.config.project import Project
    >>> from segmint.context import RunContext
    >>> accounts = ibis.memtable({"account_id": list("abcdefg"), "employees": [50.0] * 7,
    ...     "naics_sector": [None] * 7, "region": [None] * 7,
    ...     "arr": [100.0, 200.0, 300.0, 400.0, 500.0, 600.0, 0.0]})
    >>> project = Project.model_validate({"sources": {"accounts": {"path": "a.csv"}},
    ...     "segmentation": {"default": "Everyone"}})
    >>> model = Potential().fit(RunContext(project, dt.date(2024, 6, 30), {}, accounts))
    >>> scored = model.score(accounts).order_by("account_id").execute()
    >>> scored.potential.round(6).tolist()
    [500.0, 500.0, 500.0, 500.0, 500.0, 600.0, 500.0]
    >>> scored.whitespace.round(6).tolist()[0], scored.share_of_wallet.round(6).tolist()[0]
    (400.0, 0.2)
    """

    Settings = PotentialSettings
    backtest_column = t.POTENTIAL
    account_tables = (ACCOUNT_POTENTIAL,)

    def backtest_rankings(self) -> tuple[Ranking, ...]:
        """Every account by potential and by whitespace; then apart, as the growth differs:
        the customers at the cut-off (their growth is an expansion) by whitespace and by share
        of wallet (the least spent first), the others (a win, or a win back) by whitespace,
        which for them is the potential.

        On the demo company (benchmarks/README.md), customers' expansions follow the room left
        in their wallet, and within them whitespace ranks above potential; pooled, potential
        ranks above whitespace, since wins follow the wallet's size.
        """
        return (Ranking(t.POTENTIAL), Ranking(t.WHITESPACE),
                Ranking(t.WHITESPACE, CUSTOMERS, paying),
                Ranking(t.SHARE_OF_WALLET, CUSTOMERS, paying, lowest_first=True),
                Ranking(t.WHITESPACE, PROSPECTS, lambda accounts: ~paying(accounts)))

    def fit(self, context: RunContext) -> Self:
        """Fit the look-alike models on one row per paying customer, then the product groups
        and the band edges (from the accounts' keys, counted in the engine)."""
        import ibis
        import numpy as np

        from segmint.score.potential import lookalike as la
        from segmint.score.potential.products import GROUP, fit_product_whitespace

        settings = self.settings
        features = tuple(settings.features)
        accounts = context.accounts
        if t.ARR not in accounts.columns:
            raise ConfigError("scores.potential learns from customers' ARR, and the accounts "
                              "have none: add sources.revenue to segmint.yaml.")
        keys = [la.key(f) for f in features]
        keyed = la.with_keys(accounts, features, None)
        paying = keyed.filter(keyed[t.ARR] > 0)
        # the customers' ids first, and only the sampled customers' rows: at millions of
        # accounts a row per paying customer took hundreds of MB in pandas
        ids = paying.select(t.ACCOUNT_ID).order_by(t.ACCOUNT_ID).to_pyarrow()[t.ACCOUNT_ID]
        if len(ids) == 0:
            raise ConfigError(f"scores.potential learns from customers' ARR, and no account "
                              f"pays anything on {context.as_of}: check the revenue table.")
        sample = paying
        if len(ids) > settings.max_customers:
            chosen = np.random.default_rng(0).choice(len(ids), settings.max_customers,
                                                     replace=False)
            picked = ibis.memtable({"_sampled": ids.take(np.sort(chosen))})
            sample = paying.semi_join(picked, paying[t.ACCOUNT_ID] == picked._sampled)
        sample = sample.select(t.ACCOUNT_ID, *keys, sample[t.ARR].cast("float64")) \
            .order_by(t.ACCOUNT_ID).to_pandas()
        low, high = settings.range
        self.lookalike_ = la.fit_lookalike(
            sample[keys], sample[t.ARR].to_numpy(dtype=float), features,
            quantiles=(low, settings.quantile, high), iterations=settings.iterations,
            learning_rate=settings.learning_rate, max_leaf_nodes=settings.max_leaf_nodes,
            min_leaf=settings.min_customers_per_leaf)
        self.customers_ = len(ids)
        self._lookup = None
        priced = self.spend(paying.select(t.ACCOUNT_ID, *self.inputs()))
        self.products_ = fit_product_whitespace(
            context.tables.get("revenue"),
            priced.select(t.ACCOUNT_ID, spend=priced[la.MID]),
            share=settings.product_share, keep=context.keep)
        if self.products_ is not None:  # each lookup cell's look-alike group, for scoring
            lookup = self.lookalike_.lookup
            lookup[GROUP] = self.products_.group_of(lookup[la.MID].to_numpy())
        counted = la.with_keys(accounts, features, self.lookalike_.categories)
        counts = counted.group_by(keys).aggregate(_accounts=counted.count()).to_pandas()
        self.accounts_ = int(counts._accounts.sum())
        self.missing_employees_ = int(
            counts.loc[counts[la.key("employees")] == la.MISSING_BIN, "_accounts"].sum())
        bands = settings.bands
        if bands.edges is not None:
            self.band_edges_ = [float(e) for e in bands.edges]
        else:
            values = self.lookalike_.spend(counts)[la.MID].to_numpy()
            self.band_edges_ = la.weighted_quantiles(values, counts._accounts.to_numpy(),
                                                     bands.quantiles)
        self._lookup = None
        return self

    def score(self, accounts: ir.Table) -> ir.Table:
        """`accounts` with the potential's columns, as engine expressions (a join to the
        model's lookup table, and one to what each customer holds)."""
        import ibis

        from segmint.score.potential import lookalike as la

        table = self.spend(accounts)
        products = (ibis.null("int64"), ibis.null("float64"))
        if self.products_ is not None:
            table = self.products_.with_held(table)
            products = self._product_whitespace(table)[:2]
        arr = (table[t.ARR].cast("float64").fill_null(0.0) if t.ARR in table.columns
               else ibis.literal(0.0))
        potential = ibis.greatest(table[la.MID], arr)
        return table.select(*accounts.columns, **{
            t.POTENTIAL: potential,
            t.POTENTIAL_LOW: ibis.greatest(table[la.LOW], arr),
            t.POTENTIAL_HIGH: ibis.greatest(table[la.HIGH], arr),
            t.WHITESPACE: potential - arr,
            t.SHARE_OF_WALLET: arr / potential.nullif(0.0),
            t.POTENTIAL_BAND: self._band(potential),
            t.PRODUCT_WHITESPACE: products[0],
            t.PRODUCT_WHITESPACE_ARR: products[1],
        })

    def tables(self, accounts: ir.Table) -> dict[str, ir.Table]:
        """``account_potential`` (a row per account, with the whitespace products named) and
        ``potential_importance`` (each feature's permutation importance)."""
        import ibis

        shown = [c for c in (t.ACCOUNT_ID, t.NAME, t.IS_CUSTOMER, t.ARR, *ADDS)
                 if c in accounts.columns]
        table = accounts.select(*shown)
        if self.products_ is not None:
            inputs = accounts.select(t.ACCOUNT_ID, *self.inputs())
            named = self.products_.with_held(self.spend(inputs))
            named = named.select(_named_account=named[t.ACCOUNT_ID],
                                 _names=self._product_whitespace(named)[2])
            joined = table.join(named, table[t.ACCOUNT_ID] == named._named_account)
            table = joined.select(*shown, **{WHITESPACE_PRODUCTS: joined._names})
        importance = self.lookalike_.importance
        return {ACCOUNT_POTENTIAL: table,
                POTENTIAL_IMPORTANCE: ibis.memtable(importance, schema={
                    "feature": "string", "importance": "float64", "share": "float64"})}

    def parameters(self) -> pd.DataFrame:
        """The quantiles, the customers it learnt from, the band edges, the monotone repair."""
        fitted = self.lookalike_
        low, mid, high = fitted.quantiles
        rows = [
            ("quantile", mid, "potential: this quantile of look-alike customers' ARR, or the "
             "account's own ARR when higher"),
            ("range_low", low, "potential_low: the same at this quantile"),
            ("range_high", high, "potential_high: the same at this quantile"),
            ("customers", self.customers_, "paying customers the model could learn from"),
            ("customers_fitted", fitted.customers, "customers it learnt from (a sample when "
             "there are more than scores.potential.max_customers)"),
            ("accounts", self.accounts_, "accounts scored"),
            ("accounts_without_employees", self.missing_employees_,
             "accounts scored without a headcount (their look-alikes: customers without one)"),
            ("pinball_loss", fitted.pinball_loss, "mean quantile loss of log ARR on the "
             "customers it learnt from (5,000 of them at most)"),
            ("monotone_cells_raised", fitted.raised_cells, "lookup cells raised so that "
             "potential never falls as size grows"),
            ("monotone_largest_raise", fitted.largest_raise, "the largest such raise, as a "
             "share of the model's own figure"),
            ("lookup_cells", len(fitted.lookup), "feature combinations in the lookup table "
             f"({', '.join(fitted.features)})"),
        ]
        if self.products_ is not None:
            held = self.products_.held
            rows.append(("products_offered", int(held.offered.sum()), "look-alike group × "
                         f"product pairs held by at least {self.settings.product_share:.0%} of "
                         "the group's customers"))
        return parameter_table(rows, band="potential_band", labels=self.settings.bands.labels,
                               edges=self.band_edges_, unit="potential")

    def outcome(self, context: RunContext, cutoff: dt.date) -> ir.Table | None:
        """Accounts whose ARR grew after `cutoff` (won, or expanded by more than 1%), weighted
        by the ARR they gained by ``as_of`` (`segmint.score.growth.signals.grew_after`)."""
        from segmint.score.growth.signals import grew_after

        revenue = context.tables.get("revenue")
        return None if revenue is None else grew_after(context.accounts, revenue, cutoff,
                                                       context.as_of)

    def inputs(self) -> list[str]:
        """The account columns the look-alike model reads."""
        from segmint.score.potential import lookalike as la

        return [la.NUMERIC[f].column if f in la.NUMERIC else la.CATEGORICAL[f]
                for f in self.lookalike_.features]

    def spend(self, accounts: ir.Table) -> ir.Table:
        """`accounts` (with the `inputs` columns) with the look-alike spend at the three quantiles and its look-alike
        group (a join to the lookup)."""
        import ibis

        from segmint.score.potential import lookalike as la

        fitted = self.lookalike_
        if self._lookup is None:
            self._lookup = ibis.memtable(fitted.lookup.rename(
                columns={la.key(f): f"{la.key(f)}_" for f in fitted.features}))
        lookup = self._lookup
        keyed = la.with_keys(accounts, fitted.features, fitted.categories)
        joined = keyed.left_join(lookup, [keyed[la.key(f)] == lookup[f"{la.key(f)}_"]
                                          for f in fitted.features])
        return joined.select(*accounts.columns, *(c for c in lookup.columns
                                                  if not c.startswith(la.key(""))))

    # ------------------------------------------------------------------ helpers
    def _product_whitespace(self, table: ir.Table) -> tuple[ir.Value, ir.Value, ir.Value]:
        """Count, value and names of each row's product whitespace, from its look-alike
        group and what it holds (`table` has `GROUP` and `HELD`)."""
        from segmint.score.potential.products import GROUP, HELD

        return self.products_.whitespace(table[GROUP], table[HELD])

    def _band(self, potential: ir.NumericValue) -> ir.StringValue:
        return band_of(potential, self.band_edges_, self.settings.bands.labels)


"""Micro-segments: clusters of buying behaviour inside a parent group fixed before assignment.

Customers are clustered on how they buy (`segmint.score.micro.features`) within each parent
group named by ``within`` (account columns known before segments are assigned, such as a region
or an industry: never the segment, so segment rules can read ``micro_segment``). Each group's
latent-class mixture (`segmint.score.micro.mixture`) is fitted in NumPy on a seeded sample of at
most ``max_customers``, the number of classes chosen by ICL among those whose smallest class
holds ``min_share`` of the sample, and every customer is assigned in the engine: its features
are joined to a lookup of each class's fitted parameters and the class with the highest log
posterior wins. A group with fewer than ``min_customers`` customers is not clustered, and the
run notes say so.

This module stays light (the project check imports it before any data is read).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from segmint import tables as t
from segmint.score.registry import ScoreModel, parameter_table, score_model
from segmint.sections import Chart, Note, Section, TableView

if TYPE_CHECKING:
    import ibis.expr.types as ir
    import pandas as pd

    from segmint.context import RunContext

MICRO_SEGMENT = "micro_segment"  # column: "<parent> / <class>", null for a non-buyer
MICRO_SEGMENTS = "micro_segments"  # output: a row per customer clustered
MICRO_SEGMENT_K = "micro_segment_k"  # output: the ICL curve per parent group and k
MICRO_SEGMENT_PROFILES = "micro_segment_profiles"  # output: a row per micro-segment
PARENT, CLASS, JOINT = "parent", "micro_class", "_log_posterior"
WHOLE_BASE = "All customers"  # the parent group's name when `within` is empty
CURVE_TYPES = {PARENT: "string", "k": "int64", "customers": "int64", "log_likelihood": "float64",
               "bic": "float64", "icl": "float64", "smallest_share": "float64",
               "chosen": "bool"}

SECTION = Section(
    "Micro-segments: how customers buy, inside each group", order=57, blocks=(
        Note("Customers with services invoices are clustered on how they buy (purchases a "
             "year, spend per purchase, the items their invoice lines name, their main "
             "channel) within each parent group (scores.micro_segment.within), by a "
             "latent-class mixture; the number of micro-segments is the one with the lowest "
             "ICL whose smallest micro-segment holds at least scores.micro_segment.min_share "
             "of the group. A lift is the micro-segment's value over its parent group's."),
        Chart("micro_segment_map", table=MICRO_SEGMENT_PROFILES,
              empty="No parent group had enough customers to cluster."),
        # the parent is in the micro-segment's name; what is under-represented stays in the file
        TableView(MICRO_SEGMENT_PROFILES, title="Profiles", columns=(
            MICRO_SEGMENT, "label", "customers", "share_of_parent", t.ARR, "nrr_12m",
            "clv_per_customer", "purchases_per_year", "mean_ticket", "over_represented")),
        TableView(MICRO_SEGMENT_K, title="How the number of micro-segments was chosen"),
    ))


class MicroSegmentSettings(BaseModel):
    """``scores: {micro_segment: {...}}`` in segmint.yaml; every key has a default."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    within: list[str] = Field(default_factory=list)  # account columns: the parent groups
    features: list[str] = Field(
        default_factory=lambda: ["log_purchases_per_year", "log_mean_ticket"])
    counts: list[Literal["item_lines", "main_channel", "lead_source_deals"]] = Field(
        default_factory=lambda: ["item_lines", "main_channel"])  # count families fitted
    item: str = "item"  # the transactions column naming what was bought
    channel: str = "channel"  # ... and through which channel
    k_min: int = Field(default=2, ge=1)
    k_max: int = Field(default=8, ge=1, le=30)
    min_share: float = Field(default=0.02, ge=0, lt=0.5)  # smallest class share ICL may pick
    min_customers: int = Field(default=200, ge=10)  # a smaller parent group is not clustered
    max_customers: int = Field(default=20_000, ge=100)  # fitted on a sample of this many
    starts: int = Field(default=5, ge=1, le=50)
    seed: int = 0

    @field_validator("within")
    @classmethod
    def _not_the_segment(cls, within: list[str]) -> list[str]:
        if t.SEGMENT in within:
            raise ValueError("cannot be the segment: segments are assigned after scores and may "
                             "read micro_segment. Use account columns known before, such as region")
        return within

    @model_validator(mode="after")
    def _k_range(self) -> MicroSegmentSettings:
        if self.k_max < self.k_min:
            raise ValueError(f"k_max ({self.k_max}) is below k_min ({self.k_min})")
        return self


@score_model(MICRO_SEGMENT, adds={MICRO_SEGMENT: "string"}, needs=(t.TRANSACTIONS,),
             section=SECTION)
class MicroSegments(ScoreModel):
    """Each customer's micro-segment: ``<parent> / <n>`` (classes numbered from 1 by purchase
    frequency within the parent), null for an account without a purchase."""

    Settings = MicroSegmentSettings
    account_tables = (MICRO_SEGMENTS,)

    def fit(self, context: RunContext) -> Self:
        """Compute the behaviour features in the engine, fetch them per customer and fit a
        mixture per parent group for every k, keeping the one ICL chooses."""
        import numpy as np
        import pandas as pd

        from segmint.engine.kept import fetch_frame
        from segmint.exceptions import ConfigError
        from segmint.score.micro.features import behaviour_features, with_deals_and_products
        from threadpoolctl import threadpool_limits

        from segmint.score.micro.mixture import fit_classes

        s = self.settings
        behaviour = with_deals_and_products(
            behaviour_features(context.tables[t.TRANSACTIONS.name], context.as_of,
                               item=s.item, channel=s.channel),
            context.as_of, deals=context.tables.get(t.DEALS.name),
            revenue=context.tables.get(t.REVENUE.name))
        unknown = [f for f in s.features if f not in behaviour.numeric]
        if unknown:
            raise ConfigError(f"scores.micro_segment.features: {unknown} are not behaviour "
                              f"features of this project; it has {behaviour.numeric}")
        missing = [c for c in s.within if c not in context.accounts.columns]
        if missing:
            raise ConfigError(f"scores.micro_segment.within: the accounts have no column "
                              f"{missing}; they have {sorted(context.accounts.columns)}")
        self.notes_ = list(behaviour.notes)
        self.revenue_, self.as_of_ = context.tables.get(t.REVENUE.name), context.as_of
        self.behaviour_ = behaviour
        self.families_ = {f: behaviour.counts[f] for f in s.counts if f in behaviour.counts}
        self.notes_ += [f"no {f} in this project's data: not used" for f in s.counts
                        if f not in behaviour.counts]
        self.features_ = table = context.keep(
            _with_parent(behaviour.table, context.accounts, s.within), "micro_segment_features")
        sizes = table.group_by(PARENT).aggregate(_n=table.count()).execute()
        sizes = dict(zip(sizes[PARENT], sizes["_n"].astype(int)))
        summary = fetch_frame(_sample(table, sizes, s.max_customers, s.seed).order_by(t.ACCOUNT_ID))
        rng = np.random.default_rng(s.seed)
        self.classes_: dict[str, object] = {}
        curve = []
        for parent, rows in summary.groupby(PARENT, sort=True):
            if sizes[parent] < s.min_customers:
                self.notes_.append(f"{parent!r} has {sizes[parent]} customers with purchases, "
                                   f"fewer than min_customers ({s.min_customers}): not clustered")
                continue
            if len(rows) > s.max_customers:  # the engine's sample is near the size asked for
                rows = rows.iloc[np.sort(rng.choice(len(rows), s.max_customers, replace=False))]
            complete = rows[s.features].notna().all(axis=1)
            if not complete.all():
                self.notes_.append(f"{parent!r}: {(~complete).sum()} sampled customers lack one "
                                   f"of {s.features} and are left out of the fit (and of "
                                   "micro-segments)")
                rows = rows[complete]
                if len(rows) < s.min_customers:
                    self.notes_.append(f"{parent!r}: too few complete customers left: not "
                                       "clustered")
                    continue
            # the engine's parallel sums may differ in the last bits from run to run: features
            # rounded far below any meaning give the same fit, to the bit, every run
            numeric = rows[s.features].to_numpy(float).round(9)
            counts = [rows[cols].to_numpy(float) for cols in self.families_.values()]
            fits = {}
            # one thread for BLAS and k-means: the matrices are a few columns wide, so threads
            # only add start-up and, on a busy machine, spin-waiting (the fit at 24,000
            # customers took 80 s of wall time with them at load 8, 7 s without)
            with threadpool_limits(1):
                for k in range(s.k_min, max(s.k_min, min(s.k_max, len(rows) // 10)) + 1):
                    fitted = fit_classes(numeric, counts, k, starts=s.starts, seed=s.seed)
                    smallest = np.bincount(fitted.membership(numeric, counts), minlength=k).min()
                    fits[k] = (fitted, smallest / len(rows))
            eligible = {k: f for k, (f, share) in fits.items() if share >= s.min_share}
            chosen = min(eligible, key=lambda k: (eligible[k].icl, k)) if eligible else s.k_min
            if not eligible:
                self.notes_.append(f"{parent!r}: no k from {s.k_min} to {s.k_max} keeps every "
                                   f"micro-segment above min_share ({s.min_share}): k = {s.k_min}")
            self.classes_[parent] = fits[chosen][0]
            curve += [{PARENT: parent, "k": k, "customers": len(rows),
                       "log_likelihood": f.log_likelihood, "bic": f.bic, "icl": f.icl,
                       "smallest_share": share, "chosen": k == chosen}
                      for k, (f, share) in fits.items()]
        self.curve_ = pd.DataFrame(curve, columns=[PARENT, "k", "customers", "log_likelihood",
                                                   "bic", "icl", "smallest_share", "chosen"]
                                   ).astype(CURVE_TYPES)  # typed even when empty
        return self

    def lookup(self) -> pd.DataFrame:
        """A row per parent group and class: its label, log share, per numeric feature the
        mean and variance, per count column the log probability of a line at that level."""
        import numpy as np
        import pandas as pd

        rows = []
        columns = [c for cols in self.families_.values() for c in cols]
        for parent, classes in self.classes_.items():
            log_level = np.hstack(classes.log_level) if classes.log_level else np.zeros((classes.k, 0))
            for i in range(classes.k):
                rows.append({PARENT: parent, MICRO_SEGMENT: f"{parent} / {i + 1}",
                             CLASS: i + 1, "_log_share": classes.log_share[i],
                             **{f"_mean_{f}": classes.mean[i, j]
                                for j, f in enumerate(self.settings.features)},
                             **{f"_var_{f}": classes.variance[i, j]
                                for j, f in enumerate(self.settings.features)},
                             **{f"_logp_{c}": log_level[i, j] for j, c in enumerate(columns)}})
        return pd.DataFrame(rows)

    def memberships(self) -> ir.Table:
        """``account_id``, ``parent``, ``micro_class`` and ``micro_segment`` of every customer
        in a clustered parent group, computed in the engine."""
        import ibis
        import numpy as np

        features = self.settings.features
        if not self.classes_:  # every group too small: nobody is clustered
            none = self.features_.filter(ibis.literal(False))
            return none.select(t.ACCOUNT_ID, PARENT, **{CLASS: ibis.null("int64"),
                                                        MICRO_SEGMENT: ibis.null("string")})
        params = ibis.memtable(self.lookup())
        table = self.features_.join(params, PARENT)
        joint = table._log_share
        for f in features:
            var = table[f"_var_{f}"]
            joint = joint - 0.5 * ((table[f] - table[f"_mean_{f}"]) ** 2 / var
                                   + (var * (2 * np.pi)).ln())
        for cols in self.families_.values():
            for c in cols:
                joint = joint + table[c].cast("float64") * table[f"_logp_{c}"]
        scored = table.mutate(**{JOINT: joint})
        return scored.group_by([t.ACCOUNT_ID, PARENT]).aggregate(
            **{CLASS: scored[CLASS].argmax(scored[JOINT]),
               MICRO_SEGMENT: scored[MICRO_SEGMENT].argmax(scored[JOINT])})

    def score(self, accounts: ir.Table) -> ir.Table:
        """`accounts` with ``micro_segment`` joined on (null for an account not clustered)."""
        members = self.memberships().select(t.ACCOUNT_ID, _micro=MICRO_SEGMENT)
        joined = accounts.left_join(members, t.ACCOUNT_ID)
        return joined.mutate(**{MICRO_SEGMENT: joined._micro}).drop(
            "_micro", f"{t.ACCOUNT_ID}_right")

    def tables(self, accounts: ir.Table) -> dict[str, ir.Table]:
        """``micro_segments`` (a row per clustered customer), ``micro_segment_profiles`` (a
        row per micro-segment, `segmint.score.micro.profiles`) and ``micro_segment_k``."""
        import ibis

        from segmint.score.micro.profiles import profiles

        members = self.memberships()
        described = profiles(members.select(t.ACCOUNT_ID, PARENT, MICRO_SEGMENT),
                             self.behaviour_.table, accounts, self.behaviour_.counts,
                             self.behaviour_.levels, revenue=self.revenue_, as_of=self.as_of_)
        return {MICRO_SEGMENTS: members.order_by(t.ACCOUNT_ID),
                MICRO_SEGMENT_PROFILES: ibis.memtable(described),
                MICRO_SEGMENT_K: ibis.memtable(self.curve_)}

    def parameters(self) -> pd.DataFrame:
        return parameter_table(
            [(f"{parent} k", classes.k, "micro-segments chosen by ICL")
             for parent, classes in self.classes_.items()])


def _sample(features: ir.Table, sizes: dict[str, int], max_customers: int,
            seed: int) -> ir.Table:
    """About `max_customers` of each parent group, chosen in the engine by a hash of the
    account id and `seed` (the same accounts on every run of one engine), so a large customer
    base is never fetched whole; a group no larger is kept whole."""
    import ibis

    buckets = 1_000_000
    keep = {parent: min(buckets, int(buckets * max_customers * 1.2 / n) + 1)
            for parent, n in sizes.items()}  # 20% spare, trimmed to the size after fetching
    if all(v >= buckets for v in keep.values()):
        return features
    below = ibis.cases(*[(features[PARENT] == p, v) for p, v in keep.items()], else_=buckets)
    bucket = features[t.ACCOUNT_ID].concat(f"#{seed}").hash().abs() % buckets
    return features.filter(bucket < below)


def _with_parent(features: ir.Table, accounts: ir.Table, within: list[str]) -> ir.Table:
    """The behaviour features of each account in `accounts`, with its parent group's name."""
    import ibis

    if within:
        parts = [accounts[c].cast("string").fill_null("(none)") for c in within]
        name = parts[0]
        for part in parts[1:]:
            name = name.concat(" · ", part)
    else:
        name = ibis.literal(WHOLE_BASE)
    parents = accounts.select(t.ACCOUNT_ID, **{PARENT: name})
    return features.join(parents, t.ACCOUNT_ID)

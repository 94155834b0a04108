"""The health scorecard in the engine: measure values, their colours, the 0-100 score, band and stage."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import ibis
import ibis.expr.types as ir

from segmint import tables as t
from segmint.compute_once import in_own_select
from segmint.context import Keep, Release, keep_lazily, release_nothing
from segmint.engine.common import empty_text_list
from segmint.score.fit.factors import top_factors
from segmint.score.health.measures import (EVER_PAID, FIRST_PAID, GREEN, POINTS, RED, YELLOW,
                                           left_join_all, measure_column, month_index,
                                           open_deals, products_held, usage_means)
from segmint.score.registry import band_of


def measures_table(accounts: ir.Table, tables: Mapping[str, ir.Table], settings,
                   as_of: dt.date, *, keep: Keep = keep_lazily,
                   release: Release = release_nothing,
                   name: str = "health_measures") -> tuple[ir.Table, dict[str, str]]:
    """One row per account: each measure's value (`measure_column`), the first month it
    paid and whether it ever did, kept as `name` with `keep` (the run's, as
    ``RunContext.keep``; on DuckDB each part and join is kept on the way, and released with
    `release`: `left_join_all`); and the measures left out, each with the reason.

    Only the usage metrics the measures read are aggregated; which metrics the usage table
    has is read once (a small distinct query).
    """
    usage, revenue, deals = (tables.get(n) for n in ("usage", "revenue", "deals"))
    skipped: dict[str, str] = {}
    present: set[str] = set()
    if usage is not None:
        present = set(usage.select(t.METRIC).distinct().to_pyarrow()[t.METRIC].to_pylist())
    wanted: list[str] = []
    for m in settings.measures:
        reason = _missing(m, usage, revenue, deals, present)
        if reason:
            skipped[m.name] = reason
            continue
        reads = {"ratio": [m.metric, m.of], "trend": [m.metric], "metric": [m.metric],
                 "breadth": m.metrics or sorted(present)}.get(m.kind, [])
        wanted += [r for r in reads if r not in wanted]
    parts: dict[str, ir.Table] = {}
    if wanted:
        parts["usage"] = usage_means(usage, wanted, as_of, settings.recent_months)
    if revenue is not None:
        parts["revenue"] = products_held(revenue, as_of)
    for m in settings.measures:
        if m.kind == "open_deals" and m.name not in skipped:
            parts[m.name] = open_deals(deals, measure_column(m.name), m.deal_types, as_of,
                                       m.within_days)
    ids = accounts.select(t.ACCOUNT_ID)
    joined = left_join_all(ids, parts, keep=keep, release=release)
    values = {}
    for m in settings.measures:
        if m.name not in skipped:
            values[measure_column(m.name)] = _value(m, joined, wanted, present)
    extra = {FIRST_PAID: joined[FIRST_PAID] if revenue is not None else ibis.null("date"),
             EVER_PAID: joined[EVER_PAID].fill_null(False) if revenue is not None
             else ibis.literal(False)}
    measures = keep(joined.select(t.ACCOUNT_ID, **values, **extra), name)
    release(joined)  # the last join, when it was kept
    return measures, skipped


def _missing(m, usage, revenue, deals, present: set[str]) -> str:
    """Why measure `m` cannot be computed on this project's data ('' when it can)."""
    if m.kind in ("ratio", "trend", "metric", "breadth"):
        if usage is None:
            return "needs the usage table, which this project does not load"
        absent = [x for x in (m.metric, m.of, *(m.metrics or ())) if x and x not in present]
        if absent:
            return (f"the usage table has no metric {', '.join(map(repr, absent))} (it has "
                    f"{', '.join(sorted(present)) or 'none'}): fix scores.health.measures")
    if m.kind == "products" and revenue is None:
        return "needs the revenue table, which this project does not load"
    if m.kind == "open_deals" and deals is None:
        return "needs the deals table, which this project does not load"
    return ""


def _value(m, joined: ir.Table, wanted: list[str], present: set[str]) -> ir.NumericValue:
    """Measure `m`'s value per account (null where it does not apply)."""
    if m.kind == "ratio":
        top, bottom = joined[f"{m.metric}_recent"], joined[f"{m.of}_recent"]
        return ibis.ifelse(bottom > 0, top / bottom, ibis.null("float64"))
    if m.kind == "trend":
        now, before = joined[f"{m.metric}_recent"], joined[f"{m.metric}_prior"]
        return ibis.ifelse(before > 0, now / before - 1.0, ibis.null("float64"))
    if m.kind == "metric":
        return joined[f"{m.metric}_recent"].fill_null(0.0)
    if m.kind == "breadth":
        counted = m.metrics or sorted(present)
        used = sum(((joined[f"{x}_recent"] > 0).fill_null(False).cast("int64")
                    for x in counted), ibis.literal(0))
        return used.cast("float64") / len(counted)
    if m.kind == "products":
        return joined["_products"].fill_null(0).cast("float64")
    return joined[measure_column(m.name)].fill_null(0).cast("float64")  # open_deals


def colour(value: ir.NumericValue, m) -> ir.StringValue:
    """Green, yellow or red of a measure's value by its thresholds; null for a null value.

    >>> from segmint.score.health import Measure
    >>> m = Measure(name="x", kind="products", green=2, red=1)
    >>> values = ibis.memtable({"v": [3.0, 1.0, 0.0, None]})
    >>> values.select(c=colour(values.v, m)).to_pyarrow()["c"].to_pylist()
    ['green', 'yellow', 'red', None]
    """
    good = value >= m.green if m.higher_is_better else value <= m.green
    bad = value < m.red if m.higher_is_better else value > m.red
    return ibis.cases((value.isnull(), ibis.null("string")), (good, GREEN), (bad, RED),
                      else_=YELLOW)


def points(value: ir.NumericValue, m, graded: bool = False) -> ir.FloatingValue:
    """A measure's points: green 100, red 0, yellow 50; or, `graded`, a yellow value earns
    points in proportion to how far it has come from red towards green (0 at red, 100 at
    green), so two yellow accounts are no longer tied. Null for a null value.

    >>> from segmint.score.health import Measure
    >>> m = Measure(name="x", kind="ratio", metric="a", of="b", green=0.8, red=0.4)
    >>> values = ibis.memtable({"v": [0.9, 0.7, 0.5, 0.3, None]})
    >>> values.select(p=points(values.v, m)).to_pyarrow()["p"].to_pylist()
    [100.0, 50.0, 50.0, 0.0, None]
    >>> [round(p, 1) if p is not None else None for p in
    ...  values.select(p=points(values.v, m, graded=True)).to_pyarrow()["p"].to_pylist()]
    [100.0, 75.0, 25.0, 0.0, None]
    """
    shade = colour(value, m)
    yellow = ibis.literal(POINTS[YELLOW])
    span = abs(m.green - m.red)
    if graded and span > 0:
        come = (value - m.red) if m.higher_is_better else (m.red - value)
        yellow = (POINTS[GREEN] * come.cast("float64") / span).clip(POINTS[RED], POINTS[GREEN])
    return ibis.cases((shade == GREEN, POINTS[GREEN]), (shade == YELLOW, yellow),
                      (shade == RED, POINTS[RED]), else_=ibis.null("float64"))


def weight_of(m, weights: Mapping[str, float] | None) -> float:
    """The weight measure `m` counts with: its learned weight when `weights` were learned
    (0 for a measure they leave out), else the declared one.

    >>> from segmint.score.health import Measure
    >>> m = Measure(name="x", kind="products", green=2, red=1, weight=3)
    >>> weight_of(m, None), weight_of(m, {"x": 0.5}), weight_of(m, {})
    (3.0, 0.5, 0.0)
    """
    return float(m.weight) if weights is None else weights.get(m.name, 0.0)


def scored(accounts: ir.Table, measures: ir.Table, settings, skipped: Mapping[str, str],
           as_of: dt.date, weights: Mapping[str, float] | None = None) -> ir.Table:
    """`accounts` with health, its band, the lifecycle stage and the top factors.

    Only customers (``is_customer``) get a health score; an account none of whose measures
    apply has none either. Weights (the declared ones, or `weights` by measure name when
    learned) are shared out among the measures an account has; a measure of weight 0 counts
    for nothing.

    Each measure's colour and points, then health, are computed in selects of their own
    (`segmint.compute_once.in_own_select`) and read as columns after: written out where
    they were read, a scorecard of eight measures was 1.3 MB of SQL (the band, stage and
    top factors each spelt out health, and health every measure's points), whose planning
    and code generation took Spark 20 s of CPU per scoring.
    """
    right = measures.rename(_health_id=t.ACCOUNT_ID)
    joined = accounts.left_join(right, accounts[t.ACCOUNT_ID] == right._health_id)
    customer = joined[t.IS_CUSTOMER].cast("boolean").fill_null(False) \
        if t.IS_CUSTOMER in joined.columns else ibis.literal(True)
    weight = {m.name: weight_of(m, weights) for m in settings.measures}
    used = [m for m in settings.measures if m.name not in skipped and weight[m.name] > 0]
    graded = settings.points == "graded"
    rated = in_own_select(joined, **{_CUSTOMER: customer}, **{
        name: value for i, m in enumerate(used)
        for name, value in ((f"{_POINTS}{i}", points(joined[measure_column(m.name)], m, graded)),
                            (f"{_SHADE}{i}", colour(joined[measure_column(m.name)], m)))})
    earned = [rated[f"{_POINTS}{i}"] for i in range(len(used))]
    weighted = [(e * weight[m.name]).fill_null(0.0) for e, m in zip(earned, used)]
    counted = [ibis.ifelse(e.isnull(), 0.0, weight[m.name]) for e, m in zip(earned, used)]
    total_weight = sum(counted, ibis.literal(0.0))
    rated = in_own_select(rated, **{_HEALTH: ibis.ifelse(
        rated[_CUSTOMER] & (total_weight > 0),
        (sum(weighted, ibis.literal(0.0)) / total_weight).round(2), ibis.null("float64"))})
    health, customer = rated[_HEALTH], rated[_CUSTOMER]
    # how far each measure pulls the account from neutral (50 points), by its weight
    factors = [((rated[f"{_POINTS}{i}"] - POINTS[YELLOW]) * weight[m.name],
                ibis.literal(f"{m.name} ").concat(rated[f"{_SHADE}{i}"].fill_null("")))
               for i, m in enumerate(used)]
    bands = settings.bands
    band = band_of(health, [float(e) for e in bands.edges], bands.labels)
    stage = lifecycle_stage(rated, customer, band == bands.labels[0], as_of, settings)
    named = top_factors(factors, settings.factors) if factors else empty_text_list()
    named = ibis.ifelse(health.notnull(), named, empty_text_list())
    return rated.select(*accounts.columns, health=health, health_band=band,
                        lifecycle_stage=stage, health_factors=named)


# the hidden columns `scored` computes in selects of their own
_POINTS, _SHADE, _CUSTOMER, _HEALTH = "_health_points_", "_health_shade_", "_health_customer", \
    "_health_value"


def lifecycle_stage(joined: ir.Table, customer: ir.BooleanValue, lowest_band: ir.BooleanValue,
                    as_of: dt.date, settings) -> ir.StringValue:
    """Prospect, churned, onboarding, at risk, adopting or mature (in that order of checks).

    A customer without a first paid month (no revenue table) has no tenure: it is at risk or
    mature.
    """
    tenure = month_index(as_of) - month_index(joined[FIRST_PAID].cast("date"))
    return ibis.cases(
        (~customer & joined[EVER_PAID].fill_null(False), "churned"),
        (~customer, "prospect"),
        ((tenure < settings.onboarding_months).fill_null(False), "onboarding"),
        (lowest_band.fill_null(False), "at risk"),
        ((tenure < settings.mature_months).fill_null(False), "adopting"),
        else_="mature")

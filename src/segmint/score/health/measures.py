"""Health measures per account, in the engine: usage adoption, trend and breadth, products held, open deals."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import ibis
import ibis.expr.types as ir

from segmint import tables as t
from segmint.context import Keep, Release, keep_lazily, release_nothing
from segmint.engine.common import distinct_counts
from segmint.engine.kept import kept_on_duckdb

FIRST_PAID, EVER_PAID = "_health_first_paid", "_health_ever_paid"  # tenure and churned stage
GREEN, YELLOW, RED = "green", "yellow", "red"
POINTS = {GREEN: 100.0, YELLOW: 50.0, RED: 0.0}  # a measure's contribution to the 0-100 score


def measure_column(name: str) -> str:
    """The column holding measure `name`'s value in the measures table.

    >>> measure_column("adoption")
    '_health_adoption'
    """
    return f"_health_{name}"


def month_index(day: ir.DateValue | dt.date) -> ir.IntegerValue | int:
    """Months since year 0 of `day` (an engine date or a Python date): month arithmetic that
    every engine agrees on.

    >>> month_index(dt.date(2024, 3, 31)) - month_index(dt.date(2023, 12, 1))
    3
    """
    return day.year * 12 + day.month - 1 if isinstance(day, dt.date) \
        else day.year().cast("int64") * 12 + day.month().cast("int64") - 1


def usage_means(usage: ir.Table, metrics: Sequence[str], as_of: dt.date,
                months: int) -> ir.Table:
    """Per account, each metric's monthly mean over the `months` months to `as_of`
    (``<metric>_recent``) and over the `months` before those (``<metric>_prior``); a month
    without a row counts as 0. Also ``_metrics_used``: how many of `metrics` are above 0 in
    the recent months.

    >>> d = dt.date
    >>> usage = ibis.memtable({"account_id": ["a", "a", "a", "b"], "date": [d(2024, 6, 3),
    ...     d(2024, 5, 9), d(2024, 3, 1), d(2024, 6, 1)], "metric": ["users"] * 4,
    ...     "value": [4, 2, 9, 1]})
    >>> means = usage_means(usage, ["users"], d(2024, 6, 30), 2).order_by("account_id")
    >>> means.execute().values.tolist()
    [['a', 3.0, 4.5, 1], ['b', 0.5, 0.0, 1]]
    """
    now = month_index(as_of)
    age = now - month_index(usage[t.DATE].cast("date"))
    known = usage.filter((usage[t.DATE].cast("date") <= as_of) & (age < 2 * months))
    age = now - month_index(known[t.DATE].cast("date"))
    value = known[t.VALUE].cast("float64").fill_null(0.0)
    sums = {}
    for metric in metrics:
        mine = known[t.METRIC] == metric
        sums[f"{metric}_recent"] = ibis.ifelse(mine & (age < months), value, 0.0).sum() / months
        sums[f"{metric}_prior"] = ibis.ifelse(mine & (age >= months), value, 0.0).sum() / months
    means = known.group_by(known[t.ACCOUNT_ID]).aggregate(**sums)
    used = sum(((means[f"{m}_recent"] > 0).cast("int64") for m in metrics), ibis.literal(0))
    return means.mutate(_metrics_used=used)


def products_held(revenue: ir.Table, as_of: dt.date) -> ir.Table:
    """Per account: distinct products with recurring revenue in the latest month to `as_of`
    (``_products``), the first month it paid (`FIRST_PAID`) and whether it ever did
    (`EVER_PAID`).

    >>> d = dt.date
    >>> revenue = ibis.memtable({"account_id": ["a", "a", "a", "b"], "period": [d(2024, 5, 1),
    ...     d(2024, 6, 1), d(2024, 6, 1), d(2024, 1, 1)], "product": ["Core", "Core", "API", "Core"],
    ...     "mrr": [10.0, 10.0, 5.0, 3.0]})
    >>> held = products_held(revenue, d(2024, 6, 30)).order_by("account_id").execute()
    >>> held._products.tolist(), held[FIRST_PAID].astype(str).tolist()
    ([2, 0], ['2024-05-01', '2024-01-01'])
    """
    known = revenue.filter((revenue[t.PERIOD] <= as_of) & (revenue[t.MRR] > 0))
    latest = revenue.filter(revenue[t.PERIOD] <= as_of)[t.PERIOD].max().execute()  # one date
    if latest is None or latest != latest:
        latest = as_of
    latest = latest.date() if isinstance(latest, dt.datetime) else latest  # a Timestamp
    product = known[t.PRODUCT] if t.PRODUCT in known.columns else ibis.literal("all")
    current = ibis.ifelse(known[t.PERIOD] == latest, product, ibis.null("string"))
    paid = known.group_by(known[t.ACCOUNT_ID]).aggregate(**{
        FIRST_PAID: known[t.PERIOD].min(), EVER_PAID: known.count() > 0})
    # a distinct then a count, not current.nunique(): DuckDB cannot spill a grouped
    # COUNT(DISTINCT), and at 5M accounts this ran out of its memory (engine.distinct_counts)
    held = distinct_counts(known, t.ACCOUNT_ID, current, "_held").rename(_held_id=t.ACCOUNT_ID)
    joined = paid.left_join(held, paid[t.ACCOUNT_ID] == held._held_id)
    return joined.select(t.ACCOUNT_ID, _products=joined._held.fill_null(0), **{
        FIRST_PAID: joined[FIRST_PAID], EVER_PAID: joined[EVER_PAID]})


def open_deals(deals: ir.Table, name: str, kinds: Sequence[str], as_of: dt.date,
               within_days: int | None) -> ir.Table:
    """Per account, its open deals whose type contains one of `kinds` (any case), closing
    within `within_days` of `as_of` when given (late ones included), as column `name`.

    >>> d = dt.date
    >>> deals = ibis.memtable({"account_id": ["a", "a", "b"], "is_closed": [False, True, False],
    ...     "deal_type": ["Renewal", "Renewal", "Upsell"],
    ...     "close_date": [d(2024, 8, 1), d(2024, 7, 1), d(2024, 7, 1)]})
    >>> open_deals(deals, "due", ["renewal"], d(2024, 6, 30), 90).execute().values.tolist()
    [['a', 1]]
    """
    closed = deals[t.IS_CLOSED].cast("boolean").fill_null(False) if t.IS_CLOSED in deals.columns \
        else deals[t.IS_WON].notnull() if t.IS_WON in deals.columns else ibis.literal(False)
    if t.DEAL_TYPE in deals.columns:
        kind = deals[t.DEAL_TYPE].cast("string").lower()
        of_kind = ibis.or_(*(kind.contains(k.lower()) for k in kinds)).fill_null(False)
    else:
        of_kind = ibis.literal(False)
    wanted = ~closed & of_kind
    if within_days is not None and t.CLOSE_DATE in deals.columns:
        limit = as_of + dt.timedelta(days=within_days)
        wanted = wanted & (deals[t.CLOSE_DATE].cast("date") <= limit).fill_null(False)
    chosen = deals.filter(wanted)
    return chosen.group_by(chosen[t.ACCOUNT_ID]).aggregate(**{name: chosen.count()})


def left_join_all(ids: ir.Table, parts: Mapping[str, ir.Table], *, keep: Keep = keep_lazily,
                  release: Release = release_nothing) -> ir.Table:
    """`ids` (one ``account_id`` column) with every part's columns, by account; each part has
    one row per account at most.

    With the run's `keep` and `release`, on DuckDB each part and then each join is a query of
    its own, kept, and what it replaced released (`segmint.engine.kept.kept_on_duckdb`): run as
    one query, DuckDB holds every join's hash table at once, and at 5M accounts health's four
    parts did not fit within its 1 GB.

    >>> ids = ibis.memtable({"account_id": ["a", "b"]})
    >>> part = ibis.memtable({"account_id": ["b"], "x": [1]})
    >>> left_join_all(ids, {"p": part}).order_by("account_id").execute().x.tolist()
    [nan, 1.0]
    """
    table = ids
    for label, part in parts.items():
        key = f"_{label}_id"
        kept_part = kept_on_duckdb(part, f"part_{label}", keep)
        right = kept_part.rename(**{key: t.ACCOUNT_ID})
        joined = table.left_join(right, table[t.ACCOUNT_ID] == right[key]).drop(key)
        kept_join = kept_on_duckdb(joined, f"joined_{label}", keep)
        if kept_join is not joined:  # the join is kept: the part and the join before it go
            release(*[x for x in (kept_part, table) if x is not part and x is not ids])
        table = kept_join
    return table

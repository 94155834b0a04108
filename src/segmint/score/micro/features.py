"""Behavioural features per customer, computed in the engine: how often, how recently, how much
and how each customer buys.

From the services invoices (``transactions``), in one group-by per customer:

- ``log_purchases_per_year``: purchases (days with a positive net spend, as the CLV models
  count them) per year since the first, the first year counted whole so one purchase last
  week is not 52 a year;
- ``log_days_since_last``: days from the last purchase to ``as_of``, plus one;
- ``log_mean_ticket``: net spend per purchase (at least 1);
- ``mix_<item>``: the share of positive invoice lines per item, log-ratio transformed
  (centred log-ratio, shares floored at ``MIX_FLOOR`` so an item never bought is a finite,
  modestly low value rather than minus infinity);
- ``main_channel``: the channel most of its lines went through (ties: the first channel in
  alphabetical order), a categorical feature.

Item and channel columns are the export's own (``item``/``channel`` by default); a feature
whose column is absent is left out and said so.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import ibis
import ibis.expr.types as ir

from segmint import tables as t
from segmint.engine.common import distinct_counts

MIX_FLOOR = 0.01  # a share below 1% counts as 1%: the log-ratio of a zero share is -inf
LOG_PURCHASES, LOG_RECENCY, LOG_TICKET = ("log_purchases_per_year", "log_days_since_last",
                                          "log_mean_ticket")
MAIN_CHANNEL = "main_channel"
ITEM_LINES, CHANNEL_LINES = "item_lines", "channel_lines"  # count families: lines per level
DAYS_PER_YEAR = 365.25


@dataclass
class Behaviour:
    """The per-customer feature table and what each of its columns is.

    ``table`` has ``account_id`` and one column per name in ``numeric`` (floats) and
    ``categorical`` (strings, never null), and the columns of each count family in
    ``counts``: lines per item (``item_lines_<item>``), and the main channel as one count
    (``main_channel_<channel>``, 1 for its main channel, 0 for the others); ``levels`` maps a
    categorical feature and a count family to its levels in alphabetical order; ``notes`` says which features were left out and why.
    """

    table: ir.Table
    numeric: list[str]
    categorical: list[str]
    levels: dict[str, list[str]] = field(default_factory=dict)
    counts: dict[str, list[str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def column_name(prefix: str, level: str) -> str:
    """A feature column's name for one level of an export's column: lower case, words joined
    by underscores.

    >>> column_name("mix", "Premium Support Hours")
    'mix_premium_support_hours'
    """
    return f"{prefix}_{re.sub(r'[^0-9a-z]+', '_', level.lower()).strip('_')}"


def behaviour_features(transactions: ir.Table, as_of: dt.date, *, item: str = "item",
                       channel: str = "channel", max_levels: int = 20) -> Behaviour:
    """Behavioural features of every account with a purchase up to `as_of`.

    Parameters
    ----------
    transactions : ibis.Table
        Invoice lines: ``account_id``, ``date``, ``amount`` and, when the export has them, an
        `item` and a `channel` column.
    as_of : datetime.date
        Purchases after it are not counted; recency is measured to it.
    item, channel : str
        The export's columns naming what was bought and through which channel.
    max_levels : int
        Items beyond the `max_levels` most bought are pooled as ``other``.

    Examples
    --------
    Account a bought twice in its first year (120 then 80, one line a Training, one an
    Implementation, both through Partner); b once, 300 of Training, 365 days before as_of.

    >>> d = dt.date
    >>> tx = ibis.memtable({"account_id": ["a", "a", "b"], "amount": [120.0, 80.0, 300.0],
    ...     "date": [d(2024, 1, 1), d(2024, 4, 1), d(2023, 7, 1)],
    ...     "item": ["Training", "Implementation", "Training"],
    ...     "channel": ["Partner", "Partner", "Direct"]})
    >>> b = behaviour_features(tx, d(2024, 6, 30))
    >>> b.numeric, b.categorical, b.levels
    (['log_purchases_per_year', 'log_days_since_last', 'log_mean_ticket', 'mix_implementation', 'mix_training'], ['main_channel'], {'item_lines': ['Implementation', 'Training'], 'main_channel': ['Direct', 'Partner']})
    >>> rows = b.table.order_by("account_id").execute()
    >>> rows.log_purchases_per_year.round(4).tolist(), rows.log_mean_ticket.round(4).tolist()
    ([0.6931, 0.0], [4.6052, 5.7038])
    >>> rows.mix_training.round(4).tolist(), rows.main_channel.tolist()
    ([0.0, 2.3026], ['Partner', 'Direct'])
    """
    tx = transactions
    lines = tx.filter(tx[t.DATE].notnull() & (tx[t.DATE].cast("date") <= as_of)
                      & tx[t.ACCOUNT_ID].notnull())
    notes: list[str] = []
    extra = {}
    items = _levels(lines, item, max_levels, notes, "item mix")
    channels = _levels(lines, channel, max_levels, notes, "main channel")
    positive = lines[t.AMOUNT] > 0  # an invoice line, not a credit note
    if items:
        item_of = _pooled(lines[item], items)
        extra |= {column_name(ITEM_LINES, level): (positive & (item_of == level)).cast("int64").sum()
                  for level in items}
    if channels:
        extra |= {column_name(CHANNEL_LINES, level): (positive & (lines[channel] == level)).cast("int64").sum()
                  for level in channels}
    day = lines[t.DATE].cast("date")
    # a purchase is a day with a positive net spend (an invoice's lines and a day's invoices
    # are one purchase; a credit note is none), as the CLV models count them
    daily = lines.group_by([t.ACCOUNT_ID, day.name("_day")]).aggregate(
        _spend=lines[t.AMOUNT].cast("float64").sum())
    daily = daily.filter(daily._spend > 0)
    per_account = daily.group_by(t.ACCOUNT_ID).aggregate(
        _purchases=daily.count(), _spend=daily._spend.sum(), _first=daily._day.min(),
        _last=daily._day.max())
    as_of_literal = ibis.literal(as_of)
    years = ((as_of_literal - per_account._first).cast("int64") / DAYS_PER_YEAR).clip(lower=1.0)
    table = per_account.mutate(**{
        LOG_PURCHASES: (per_account._purchases / years).ln(),
        LOG_RECENCY: ((as_of_literal - per_account._last).cast("int64") + 1).cast("float64").ln(),
        LOG_TICKET: (per_account._spend / per_account._purchases).clip(lower=1.0).ln(),
    })
    numeric = [LOG_PURCHASES, LOG_RECENCY, LOG_TICKET]
    categorical: list[str] = []
    levels: dict[str, list[str]] = {}
    # items are counted per line (a customer with forty lines shows its mix surely); the
    # channel once per customer, as its main channel: a customer buys through one channel, and
    # counting it per line would let the channel outvote every other feature
    families = {family: [column_name(family, level) for level in kept] for family, kept
                in ((ITEM_LINES, items), (MAIN_CHANNEL, channels)) if kept}
    if extra:
        counts = lines.group_by(t.ACCOUNT_ID).aggregate(**extra)
        table = table.left_join(counts, t.ACCOUNT_ID).drop(f"{t.ACCOUNT_ID}_right")
    if items:
        levels[ITEM_LINES] = items
        mix = _centred_log_ratios(table, [column_name(ITEM_LINES, level) for level in items])
        table = table.mutate(**{column_name("mix", level): value
                                for level, value in zip(items, mix)})
        numeric += [column_name("mix", level) for level in items]
    if channels:
        table = table.mutate(**{MAIN_CHANNEL: _most_common(
            table, [(level, column_name(CHANNEL_LINES, level)) for level in channels])})
        categorical.append(MAIN_CHANNEL)
        levels[MAIN_CHANNEL] = channels
        table = table.mutate(**{column_name(MAIN_CHANNEL, level): (
            table[MAIN_CHANNEL] == level).cast("int64") for level in channels})
    count_columns = [c for columns in families.values() for c in columns]
    table = table.mutate(**{c: table[c].fill_null(0) for c in count_columns})
    return Behaviour(table.select(t.ACCOUNT_ID, *numeric, *categorical, *count_columns), numeric,
                     categorical, levels, families, notes)


def _levels(lines: ir.Table, column: str, max_levels: int, notes: list[str],
            feature: str) -> list[str]:
    """The `max_levels` most common values of `column` (then ``other``), alphabetically."""
    if column not in lines.columns:
        notes.append(f"transactions has no {column!r} column: no {feature} feature")
        return []
    known = lines.filter(lines[column].notnull())
    counts = (known.group_by(column).aggregate(_n=known.count()).order_by([ibis.desc("_n"), column]).execute())
    kept = sorted(counts[column].astype(str).head(max_levels))
    if len(counts) > max_levels:
        notes.append(f"{feature}: {len(counts) - max_levels} rarer values of {column!r} pooled "
                     "as 'other'")
        kept.append("other")
    return kept


def _pooled(value: ir.StringValue, levels: Sequence[str]) -> ir.StringValue:
    if levels and levels[-1] == "other":
        return ibis.ifelse(value.isin(list(levels[:-1])), value, "other")
    return value


def _centred_log_ratios(table: ir.Table, count_columns: list[str]) -> list[ir.FloatingValue]:
    """The centred log-ratio of each share (counts over their total, floored at `MIX_FLOOR`):
    log(share) minus the mean log share of the customer. A customer with no positive line
    has every share equal, so every log-ratio 0."""
    total = sum((table[c].fill_null(0) for c in count_columns[1:]),
                table[count_columns[0]].fill_null(0)).cast("float64")
    logs = [ibis.ifelse(total > 0, table[c].fill_null(0) / total, 1.0 / len(count_columns))
            .clip(lower=MIX_FLOOR).ln() for c in count_columns]
    mean = sum(logs[1:], logs[0]) / len(logs)
    return [value - mean for value in logs]


def _most_common(table: ir.Table, counts: list[tuple[str, str]]) -> ir.StringValue:
    """The level with the most lines; ties and customers without a channel: the first level."""
    best = ibis.greatest(*[table[c].fill_null(0) for _, c in counts]) if len(counts) > 1 \
        else table[counts[0][1]].fill_null(0)
    return ibis.cases(*[(table[c].fill_null(0) == best, ibis.literal(level))
                        for level, c in counts], else_=ibis.literal(counts[0][0]))



LEAD_SOURCE_DEALS = "lead_source_deals"  # count family: deals per lead source
LOG_WON_DEAL, PRODUCTS_HELD = "log_median_won_deal", "products_held"


def with_deals_and_products(behaviour: Behaviour, as_of: dt.date, *,
                            deals: ir.Table | None = None, revenue: ir.Table | None = None,
                            max_levels: int = 20) -> Behaviour:
    """`behaviour` with, when the tables are there, each customer's deal profile and product
    mix: ``log_median_won_deal`` (the median won deal closed by `as_of`, at least 1),
    ``lead_source_deals_<source>`` (deals created by `as_of` per lead source, a count family)
    and ``products_held`` plus ``product_mix_<product>`` (share of its MRR per product in its
    last month by `as_of`, centred log-ratios floored at `MIX_FLOOR`). Customers without deals
    or revenue get 0 counts and null deal sizes, products held 0 and even mixes.

    Examples
    --------
    >>> d = dt.date
    >>> tx = ibis.memtable({"account_id": ["a", "b"], "amount": [1.0, 1.0],
    ...     "date": [d(2024, 1, 1), d(2024, 1, 1)]})
    >>> deals = ibis.memtable({"account_id": ["a", "a", "b"], "amount": [10.0, 30.0, 5.0],
    ...     "is_won": [True, True, False], "close_date": [d(2024, 1, 1)] * 3,
    ...     "created_date": [d(2023, 6, 1)] * 3, "lead_source": ["Partner", "Partner", "Web"]})
    >>> revenue = ibis.memtable({"account_id": ["a", "a", "a"], "mrr": [50.0, 50.0, 80.0],
    ...     "period": [d(2024, 5, 1), d(2024, 5, 1), d(2024, 4, 1)],
    ...     "product": ["Core", "Analytics", "Core"]})
    >>> b = with_deals_and_products(behaviour_features(tx, d(2024, 6, 30)), d(2024, 6, 30),
    ...                             deals=deals, revenue=revenue)
    >>> b.counts["lead_source_deals"], b.levels["lead_source_deals"]
    (['lead_source_deals_partner', 'lead_source_deals_web'], ['Partner', 'Web'])
    >>> rows = b.table.order_by("account_id").execute()
    >>> rows.log_median_won_deal.round(4).tolist()[0], rows.products_held.tolist()
    (2.9957, [2, 0])
    >>> rows.lead_source_deals_partner.tolist(), rows.product_mix_core.round(4).tolist()
    ([2, 0], [0.0, 0.0])
    """
    table, numeric = behaviour.table, list(behaviour.numeric)
    counts, levels, notes = dict(behaviour.counts), dict(behaviour.levels), list(behaviour.notes)
    if deals is not None and t.AMOUNT in deals.columns:
        known = deals.filter(deals[t.ACCOUNT_ID].notnull())
        per_account = {}
        won_median = None
        if {t.IS_WON, t.CLOSE_DATE} <= set(known.columns):
            # filtered first, not median(where=): Spark's percentile takes no per-row filter
            won = known.filter(known[t.IS_WON].cast("boolean").fill_null(False)
                               & (known[t.CLOSE_DATE].cast("date") <= as_of))
            won_median = won.group_by(t.ACCOUNT_ID).aggregate(
                _won_median=won[t.AMOUNT].cast("float64").median())
        sources = []
        if t.LEAD_SOURCE in known.columns and t.CREATED_DATE in known.columns:
            created = known.filter(known[t.CREATED_DATE].cast("date") <= as_of)
            sources = _levels(created, t.LEAD_SOURCE, max_levels, notes, "lead-source mix")
            created_by = known[t.CREATED_DATE].cast("date") <= as_of
            source_of = _pooled(known[t.LEAD_SOURCE], sources)
            per_account |= {column_name(LEAD_SOURCE_DEALS, s): (created_by & (source_of == s))
                            .cast("int64").sum() for s in sources}
        if per_account:
            summary = known.group_by(t.ACCOUNT_ID).aggregate(**per_account)
            table = table.left_join(summary, t.ACCOUNT_ID).drop(f"{t.ACCOUNT_ID}_right")
        if won_median is not None:
            table = table.left_join(won_median, t.ACCOUNT_ID).drop(f"{t.ACCOUNT_ID}_right")
            table = table.mutate(**{LOG_WON_DEAL: table._won_median.clip(lower=1.0).ln()})
            table = table.drop("_won_median")
            numeric.append(LOG_WON_DEAL)
        if sources:
            counts[LEAD_SOURCE_DEALS] = [column_name(LEAD_SOURCE_DEALS, s) for s in sources]
            levels[LEAD_SOURCE_DEALS] = sources
            table = table.mutate(**{c: table[c].fill_null(0) for c in counts[LEAD_SOURCE_DEALS]})
    if revenue is not None and t.PRODUCT in revenue.columns:
        paid = revenue.filter(revenue[t.ACCOUNT_ID].notnull() & (revenue[t.MRR] > 0)
                              & (revenue[t.PERIOD].cast("date") <= as_of))
        last = paid.group_by(t.ACCOUNT_ID).aggregate(_last=paid[t.PERIOD].max())
        latest = paid.join(last, [t.ACCOUNT_ID, paid[t.PERIOD] == last._last])
        products = _levels(latest, t.PRODUCT, max_levels, notes, "product mix")
        if products:
            product_of = _pooled(latest[t.PRODUCT], products)
            mrr = latest[t.MRR].cast("float64")
            mix = latest.group_by(t.ACCOUNT_ID).aggregate(
                **{column_name("_mrr", p): mrr.sum(where=product_of == p).fill_null(0.0)
                   for p in products})
            # a distinct then a count, not nunique(): DuckDB cannot spill a grouped
            # COUNT(DISTINCT) (engine.distinct_counts)
            held = distinct_counts(latest, t.ACCOUNT_ID, latest[t.PRODUCT], PRODUCTS_HELD) \
                .rename(_held_id=t.ACCOUNT_ID)
            mix = mix.left_join(held, mix[t.ACCOUNT_ID] == held._held_id)
            mix = mix.select(t.ACCOUNT_ID, PRODUCTS_HELD,
                             *(column_name("_mrr", p) for p in products))
            table = table.left_join(mix, t.ACCOUNT_ID).drop(f"{t.ACCOUNT_ID}_right")
            shares = _centred_log_ratios(table, [column_name("_mrr", p) for p in products])
            table = table.mutate(
                **{PRODUCTS_HELD: table[PRODUCTS_HELD].fill_null(0)},
                **{column_name("product_mix", p): v for p, v in zip(products, shares)})
            table = table.drop(*[column_name("_mrr", p) for p in products])
            numeric += [PRODUCTS_HELD, *(column_name("product_mix", p) for p in products)]
    return Behaviour(table, numeric, behaviour.categorical, levels, counts, notes)

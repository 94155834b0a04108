"""What an account's own history says at a date: ARR trend, tenure, contract month, deals won and open; and who grew after it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import ibis
import ibis.expr.types as ir

from segmint import tables as t
from segmint.dates import months_before
from segmint.score.fit.outcomes import is_closed, is_new_business
from segmint.score.health.measures import FIRST_PAID, left_join_all, month_index, products_held

GROWTH_TOLERANCE = 0.01  # ARR up by more than 1% (not a currency's drift) is growth
EXPANSION_KINDS = ("expansion", "cross", "upsell")  # deal types that grow a customer
RENEWAL_KINDS = ("renewal",)

# the signals, each a numeric column of `signals_at`
ARR_NOW = "arr_now"  # ARR in the latest month to the date
ARR_TREND = "arr_trend"  # ARR now over ARR `trend_months` before (null when it paid nothing then)
TENURE = "tenure_months"  # months since it first paid
PRODUCTS = "products_held"  # products paying in the latest month
CONTRACT_MONTH = "contract_month"  # months since its last renewal or win, modulo 12
EXPANSIONS_WON = "expansions_won"  # expansion deals won in the year to the date
EXPANSIONS_OPEN = "expansions_open"  # expansion deals open at the date
RENEWALS_OPEN = "renewals_open"  # renewal deals open at the date
NEW_DEALS_OPEN = "new_deals_open"  # new-business deals open at the date
NEW_DEALS_LOST = "new_deals_lost"  # new-business deals lost in the year to the date
SHARE_OF_WALLET_NOW = "share_of_wallet_now"  # ARR now over the potential now
# counts are mostly 0: cut at quantiles they would be one level, so they are levels of their
# own (0, 1, 2 or more), as is the month of the contract year (a renewal falls due at 12)
COUNTED = (CONTRACT_MONTH, EXPANSIONS_WON, EXPANSIONS_OPEN, RENEWALS_OPEN, NEW_DEALS_OPEN,
           NEW_DEALS_LOST)
SIGNALS = (ARR_TREND, TENURE, PRODUCTS, CONTRACT_MONTH, EXPANSIONS_WON, EXPANSIONS_OPEN,
           RENEWALS_OPEN, NEW_DEALS_OPEN, NEW_DEALS_LOST, SHARE_OF_WALLET_NOW)


def arr_at(revenue: ir.Table, day: dt.date, name: str) -> ir.Table:
    """Per account that has revenue in the latest month to `day`: ``account_id`` and 12 ×
    that month's MRR, as column `name`.

    >>> d = dt.date
    >>> revenue = ibis.memtable({"account_id": ["a", "a", "b"], "period": [d(2024, 1, 1),
    ...     d(2024, 2, 1), d(2024, 1, 1)], "mrr": [10.0, 20.0, 5.0]})
    >>> arr_at(revenue, d(2024, 2, 29), "now").execute().values.tolist()
    [['a', 240.0]]
    """
    known = revenue.filter(revenue[t.PERIOD] <= day)
    latest = known.filter(known[t.PERIOD] == known[t.PERIOD].max())
    return latest.group_by(t.ACCOUNT_ID).aggregate(
        **{name: (latest[t.MRR].sum() * 12).cast("float64")})


def grew_after(accounts: ir.Table, revenue: ir.Table, cutoff: dt.date, until: dt.date) -> ir.Table:
    """``account_id``, ``outcome`` (its ARR in the latest month to `until` is more than 1%
    above that to `cutoff`: won, or expanded) and ``weight`` (the ARR gained), per account of
    `accounts`.

    >>> d = dt.date
    >>> revenue = ibis.memtable({"account_id": ["a", "a", "b", "c"], "period": [d(2024, 1, 1),
    ...     d(2024, 7, 1), d(2024, 7, 1), d(2024, 1, 1)], "mrr": [10.0, 10.05, 5.0, 5.0]})
    >>> accounts = ibis.memtable({"account_id": ["a", "b", "c"]})
    >>> grew_after(accounts, revenue, d(2024, 3, 31), d(2024, 9, 30)).order_by(
    ...     "account_id").execute().values.tolist()
    [['a', False, 0.0], ['b', True, 60.0], ['c', False, 0.0]]
    """
    joined = left_join_all(accounts.select(t.ACCOUNT_ID), {
        "before": arr_at(revenue, cutoff, "_before"), "after": arr_at(revenue, until, "_after")})
    was, now = joined._before.fill_null(0.0), joined._after.fill_null(0.0)
    grew = now > was * (1 + GROWTH_TOLERANCE) + 0.005  # a cent's rounding is no growth
    return joined.select(t.ACCOUNT_ID, outcome=grew, weight=ibis.ifelse(grew, now - was, 0.0))


def signals_at(ids: ir.Table, tables: Mapping[str, ir.Table], day: dt.date, *,
               trend_months: int = 6) -> ir.Table:
    """Per account of `ids` (an ``account_id`` column), what its own history tells at the
    end of `day`, from the revenue and deals dated to it (anything later is ignored): the
    columns of `SIGNALS` but the share of wallet, and `ARR_NOW`. A table it lacks leaves its
    signals null; counts of deals are 0 for an account without any.

    Examples
    --------
    ``a`` started paying 10 a month in January and 15 from April; its win closed in January,
    an expansion won in April and a renewal is open at the end of June:

    >>> d = dt.date
    >>> revenue = ibis.memtable({"account_id": ["a"] * 3, "period": [d(2024, 1, 1),
    ...     d(2024, 4, 1), d(2024, 6, 1)], "mrr": [10.0, 15.0, 15.0]})
    >>> deals = ibis.memtable({"account_id": ["a", "a", "a", "b"],
    ...     "deal_type": ["New Business", "Expansion", "Renewal", "New Business"],
    ...     "close_date": [d(2024, 1, 20), d(2024, 4, 2), d(2025, 1, 5), d(2024, 7, 9)],
    ...     "is_closed": [True, True, False, True], "is_won": [True, True, False, False]})
    >>> ids = ibis.memtable({"account_id": ["a", "b"]})
    >>> a, b = signals_at(ids, {"revenue": revenue, "deals": deals}, d(2024, 6, 30),
    ...                   trend_months=3).order_by("account_id").to_pyarrow().to_pylist()
    >>> [a[c] for c in (ARR_NOW, ARR_TREND, TENURE, CONTRACT_MONTH, EXPANSIONS_WON, RENEWALS_OPEN)]
    [180.0, 1.5, 5, 5, 1, 1]

    ``b``'s deal closes in July: at the end of June it is open, and ``b`` has paid nothing.

    >>> [b[c] for c in (ARR_NOW, TENURE, NEW_DEALS_OPEN, NEW_DEALS_LOST)]
    [0.0, None, 1, 0]
    """
    from segmint.score.backtest import known_at

    known = known_at({n: v for n, v in tables.items() if n in ("revenue", "deals")}, day)
    parts: dict[str, ir.Table] = {}
    columns: dict[str, ir.Value] = {}
    revenue = known.get("revenue")
    if revenue is not None:
        parts["now"] = arr_at(revenue, day, ARR_NOW)
        parts["then"] = arr_at(revenue, months_before(day, trend_months), "_then")
        held = products_held(revenue, day)
        parts["held"] = held.select(t.ACCOUNT_ID, **{
            PRODUCTS: held._products, TENURE: month_index(day) - month_index(
                held[FIRST_PAID].cast("date"))})
    deals = known.get("deals")
    if deals is not None and t.CLOSE_DATE in deals.columns:
        parts["deals"] = _deal_signals(deals, day)
    table = left_join_all(ids.select(t.ACCOUNT_ID), parts)
    if revenue is not None:
        now = table[ARR_NOW].fill_null(0.0)
        columns |= {ARR_NOW: now, ARR_TREND: now / table._then.nullif(0.0),
                    TENURE: table[TENURE], PRODUCTS: table[PRODUCTS].fill_null(0)}
    else:
        columns |= {ARR_NOW: ibis.literal(0.0), ARR_TREND: ibis.null("float64"),
                    TENURE: ibis.null("int64"), PRODUCTS: ibis.null("int64")}
    counts = (EXPANSIONS_WON, EXPANSIONS_OPEN, RENEWALS_OPEN, NEW_DEALS_OPEN, NEW_DEALS_LOST)
    if "deals" in parts:
        columns[CONTRACT_MONTH] = table[CONTRACT_MONTH]
        columns |= {name: table[name].fill_null(0) for name in counts}
    else:
        columns[CONTRACT_MONTH] = ibis.null("int64")
        columns |= {name: ibis.null("int64") for name in counts}
    return table.select(t.ACCOUNT_ID, **columns)


def _deal_signals(deals: ir.Table, day: dt.date) -> ir.Table:
    """Per account with a deal: its contract month and its deals won, lost and open by kind."""
    closed = is_closed(deals)
    won = closed & deals[t.IS_WON].cast("boolean").fill_null(False)
    kind = deals[t.DEAL_TYPE].cast("string").lower() if t.DEAL_TYPE in deals.columns \
        else ibis.null("string")
    is_new = is_new_business(deals)
    expansion = ibis.or_(*(kind.contains(k) for k in EXPANSION_KINDS)).fill_null(False)
    renewal = ibis.or_(*(kind.contains(k) for k in RENEWAL_KINDS)).fill_null(False)
    close = deals[t.CLOSE_DATE].cast("date")
    in_year = (close > months_before(day, 12)).fill_null(False)
    # a contract starts at a win and again at each renewal: its month tells when the next is due
    start = ibis.ifelse(won & (renewal | is_new), month_index(close), ibis.null("int64"))

    def count(flag: ir.BooleanValue) -> ir.IntegerValue:
        return flag.cast("int64").sum()

    return deals.group_by(deals[t.ACCOUNT_ID]).aggregate(**{
        CONTRACT_MONTH: (month_index(day) - start.max()) % 12,
        EXPANSIONS_WON: count(won & expansion & in_year),
        EXPANSIONS_OPEN: count(~closed & expansion),
        RENEWALS_OPEN: count(~closed & renewal),
        NEW_DEALS_OPEN: count(~closed & is_new),
        NEW_DEALS_LOST: count(closed & ~won & is_new & in_year),
    })


def as_level(count: ir.IntegerValue, cap: int = 2) -> ir.StringValue:
    """A count as a level: its value as text, or ``"<cap> or more"``; null stays null.

    >>> counts = ibis.memtable({"n": [0, 1, 5, None]})
    >>> counts.select(level=as_level(counts.n)).level.to_pyarrow().to_pylist()
    ['0', '1', '2 or more', None]
    """
    return ibis.ifelse(count >= cap, f"{cap} or more", count.cast("int64").cast("string"))

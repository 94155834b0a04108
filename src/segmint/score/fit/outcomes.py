"""What fit learns from and is measured on: deals won and lost, customers kept, later wins."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import ibis
import ibis.expr.types as ir

from segmint import tables as t

WON, LOST = "_fit_won", "_fit_lost"  # per account: deals won and customers kept; lost, churned


def new_business(deals: ir.Table) -> ir.Table:
    """The deals that try to win an account: type new (a type with the word "new" first in
    it: New Business, newbusiness, New Logo), or no type at all; renewals and expansions are
    other questions.

    >>> deals = ibis.memtable({"deal_type": ["New Business", "Renewal", None]})
    >>> new_business(deals).count().execute()
    2
    """
    return deals.filter(is_new_business(deals))


def is_new_business(deals: ir.Table) -> ir.BooleanValue:
    """Whether each deal tries to win an account (`new_business` keeps those).

    >>> deals = ibis.memtable({"deal_type": ["New Logo", "Renewal"]})
    >>> deals.select(new=is_new_business(deals)).new.execute().tolist()
    [True, False]
    """
    if t.DEAL_TYPE not in deals.columns:
        return ibis.literal(True)
    kind = deals[t.DEAL_TYPE].cast("string").lower()
    return kind.isnull() | kind.re_search(r"(^|[^a-z])new")


def is_closed(deals: ir.Table) -> ir.BooleanValue:
    """Whether each deal is closed: its ``is_closed``, else (no such column) whether it has
    an ``is_won``.

    >>> deals = ibis.memtable({"is_won": [True, None]})
    >>> deals.select(closed=is_closed(deals)).closed.execute().tolist()
    [True, False]
    """
    if t.IS_CLOSED in deals.columns:
        return deals[t.IS_CLOSED].cast("boolean").fill_null(False)
    return deals[t.IS_WON].notnull()


def outcome_counts(accounts: ir.Table, tables: Mapping[str, ir.Table],
                   learn_from: Sequence[str]) -> ir.Table:
    """``account_id``, `WON` and `LOST` for every account, from the tables as they stand (at
    the cut-off, in a back-test: `segmint.score.backtest.known_at`): what fit learns from.

    With ``wins``, each new-business deal closed won counts in `WON`, each closed lost in
    `LOST`, so the fit learns the chance a deal is won. With ``retention``, a customer paying
    in the revenue table's latest month counts once more in `WON` (kept), one that paid
    before and not now in `LOST` (churned). Accounts with neither are open: both 0.

    Examples
    --------
    >>> accounts = ibis.memtable({"account_id": ["kept", "churned", "won", "lost", "open"]})
    >>> d = dt.date
    >>> revenue = ibis.memtable({"account_id": ["kept", "churned", "churned"],
    ...     "period": [d(2024, 6, 1), d(2024, 1, 1), d(2024, 2, 1)], "mrr": [5.0, 5.0, 0.0]})
    >>> deals = ibis.memtable({"account_id": ["won", "lost", "churned", "won"],
    ...     "is_won": [True, False, True, False], "is_closed": [True, True, True, True]})
    >>> counts = outcome_counts(accounts, {"revenue": revenue, "deals": deals},
    ...                         ["wins", "retention"]).order_by("account_id").execute()
    >>> counts.values.tolist()  # churned, kept, lost, open, won
    [['churned', 1, 1], ['kept', 1, 0], ['lost', 0, 1], ['open', 0, 0], ['won', 1, 1]]
    """
    ids = accounts.select(_id=accounts[t.ACCOUNT_ID], _won=ibis.literal(0),
                          _lost=ibis.literal(0))
    revenue = tables.get("revenue")
    if "retention" in learn_from and revenue is not None:
        paid = revenue.filter(revenue[t.MRR] > 0)
        paying = paid.filter(paid[t.PERIOD] == revenue[t.PERIOD].max())
        ids = _flag(_flag(ids.drop("_won", "_lost"), paid, "_paid"), paying, "_paying")
        ids = ids.select("_id", _won=ids._paying.cast("int64"),  # kept
                         _lost=(ids._paid & ~ids._paying).cast("int64"))  # churned
    deals = tables.get("deals")
    if "wins" in learn_from and deals is not None and t.IS_WON in deals.columns:
        new = new_business(deals)
        closed = new.filter(is_closed(new))
        is_won = closed[t.IS_WON].cast("boolean").fill_null(False)
        decided = closed.group_by(_decided=closed[t.ACCOUNT_ID]).aggregate(
            _deals_won=is_won.cast("int64").sum(), _deals_lost=(~is_won).cast("int64").sum())
        joined = ids.left_join(decided, ids._id == decided._decided)
        ids = joined.select("_id", _won=joined._won + joined._deals_won.fill_null(0),
                            _lost=joined._lost + joined._deals_lost.fill_null(0))
    return ids.select(**{t.ACCOUNT_ID: ids._id, WON: ids._won.cast("int64"),
                         LOST: ids._lost.cast("int64")})


def _flag(ids: ir.Table, rows: ir.Table, name: str) -> ir.Table:
    """`ids` with `name`: whether the account has a row in `rows`."""
    present = rows.select(_present=rows[t.ACCOUNT_ID]).distinct()
    joined = ids.left_join(present, ids._id == present._present)
    return joined.select(*ids.columns, **{name: joined._present.notnull()})


def wins_after(accounts: ir.Table, tables: Mapping[str, ir.Table], cutoff: dt.date,
               as_of: dt.date) -> ir.Table | None:
    """For a back-test: the accounts that were open at `cutoff` (not paying then and never
    won before) and had a new-business deal decided after it, up to `as_of`; ``outcome`` is
    whether one was won. None without deals.

    Examples
    --------
    >>> d = dt.date
    >>> deals = ibis.memtable({"account_id": ["a", "b", "c", "c"],
    ...     "close_date": [d(2024, 3, 1), d(2024, 3, 1), d(2023, 6, 1), d(2024, 3, 1)],
    ...     "is_won": [True, False, True, True], "is_closed": [True, True, True, True]})
    >>> accounts = ibis.memtable({"account_id": ["a", "b", "c", "d"]})
    >>> later = wins_after(accounts, {"deals": deals}, d(2023, 12, 31), d(2024, 6, 30))
    >>> later.order_by("account_id").execute().values.tolist()
    [['a', True], ['b', False]]
    """
    deals = tables.get("deals")
    if deals is None or t.IS_WON not in deals.columns or t.CLOSE_DATE not in deals.columns:
        return None
    new = new_business(deals)
    closed = new.filter(is_closed(new))
    day = closed[t.CLOSE_DATE].cast("date")
    after = closed.filter((day > cutoff) & (day <= as_of))
    before = closed.filter((day <= cutoff) & closed[t.IS_WON].cast("boolean").fill_null(False))
    decided = after.group_by(_decided=after[t.ACCOUNT_ID]).aggregate(
        _won=after[t.IS_WON].cast("boolean").fill_null(False).any())
    ids = accounts.select(_id=accounts[t.ACCOUNT_ID])
    ids = _flag(ids, before, "_won_before")
    revenue = tables.get("revenue")
    if revenue is not None:
        paid = revenue.filter(revenue[t.PERIOD] <= cutoff)
        paying = paid.filter((paid[t.PERIOD] == paid[t.PERIOD].max()) & (paid[t.MRR] > 0))
        ids = _flag(ids, paying, "_paying_before")
        ids = ids.filter(~ids._paying_before)
    ids = ids.filter(~ids._won_before)
    joined = ids.join(decided, ids._id == decided._decided)
    return joined.select(**{t.ACCOUNT_ID: joined._id, "outcome": joined._won})


def first_deal_attributes(tables: Mapping[str, ir.Table], names: Sequence[str]) -> ir.Table | None:
    """``account_id`` and the `names` columns of each account's first new-business deal (the
    earliest created): what the CRM knew of how the account came (its lead source) from the
    day that deal was opened. None without deals or without any of the columns.

    >>> d = dt.date
    >>> deals = ibis.memtable({"account_id": ["a", "a", "b"], "lead_source": ["Web", "Partner",
    ...     "Event"], "created_date": [d(2024, 3, 1), d(2024, 1, 1), d(2024, 2, 1)]})
    >>> first = first_deal_attributes({"deals": deals}, ["lead_source", "budget"])
    >>> first.order_by("account_id").execute().values.tolist()
    [['a', 'Partner'], ['b', 'Event']]

    Of two deals created the same day, the one with the lower id:

    >>> tied = ibis.memtable({"account_id": ["a", "a"], "deal_id": ["2", "1"],
    ...     "lead_source": ["Web", "Event"], "created_date": [d(2024, 1, 1)] * 2})
    >>> first_deal_attributes({"deals": tied}, ["lead_source"]).execute().values.tolist()
    [['a', 'Event']]
    """
    deals = tables.get("deals")
    present = [n for n in names if deals is not None and n in deals.columns]
    if not present or t.CREATED_DATE not in deals.columns:
        return None
    new = new_business(deals)
    new = new.filter(new[t.CREATED_DATE].notnull())
    # the earliest, and of deals created the same day the first by id: an argmin would pick
    # any of them, and engines pick differently
    ties = [new[t.DEAL_ID]] if t.DEAL_ID in new.columns else [new[n] for n in present]
    ranked = new.mutate(_order=ibis.row_number().over(
        group_by=new[t.ACCOUNT_ID], order_by=[new[t.CREATED_DATE], *ties]))
    first = ranked.filter(ranked._order == 0)
    return first.select(t.ACCOUNT_ID, *present)

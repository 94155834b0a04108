"""What the CLV models learn from, computed in the engine: purchases, repeat-purchase summaries
and contract periods."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import ibis
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa

from segmint import tables as t
from segmint.money import sum_to_the_cent, to_cents

DAY, SPEND = "purchase_day", "spend"  # a purchase: an account's net spend on one day
FREQUENCY, RECENCY_DAYS, AGE_DAYS, MEAN_SPEND = "frequency", "recency_days", "age_days", "mean_spend"
REPEAT_CENTS = "repeat_spend_cents"  # what an account's repeat purchases came to, in whole cents
PERIODS, CHURNED = "periods", "churned"  # contract periods begun, and whether it ended
SPELL, LATEST = "spell", "latest_spell"  # an account's spells of paying: 1 is its first
# paying from the history's first month: its start, hence its periods, are not known
STARTED_BEFORE = "started_before_history"
START_YEAR = "start_year"  # the year of its first paid month: its cohort
ACCOUNTS = "accounts"  # how many accounts share a pattern
DAYS_PER_WEEK = 7.0


def purchases(tables: Mapping[str, ir.Table], as_of: dt.date) -> tuple[ir.Table | None, str]:
    """Each account's purchases to `as_of`: one row per account and day with a positive net
    spend, from ``transactions`` or, when there are none, won deals at their close date.

    Lines of one invoice, and invoices of one day, are one purchase; a day whose lines net
    to zero or less (a credit note) is no purchase. Returns the table (None when there is
    neither source) and the source's name.

    Examples
    --------
    >>> d = dt.date
    >>> tx = ibis.memtable({"account_id": ["a", "a", "a", "b"], "amount": [60.0, 40.0, -5.0, 9.0],
    ...     "date": [d(2024, 1, 2), d(2024, 1, 2), d(2024, 2, 1), d(2024, 9, 1)]})
    >>> table, source = purchases({"transactions": tx}, d(2024, 6, 30))
    >>> source, table.order_by("purchase_day").spend.execute().tolist()
    ('transactions', [100.0])
    """
    if (transactions := tables.get("transactions")) is not None:
        rows = transactions.select(t.ACCOUNT_ID, _day=transactions[t.DATE].cast("date"),
                                   _amount=transactions[t.AMOUNT].cast("float64"))
        source = "transactions"
    elif (deals := tables.get("deals")) is not None and {t.IS_WON, t.CLOSE_DATE, t.AMOUNT} \
            <= set(deals.columns):
        won = deals.filter(deals[t.IS_WON].cast("boolean").fill_null(False))
        rows = won.select(t.ACCOUNT_ID, _day=won[t.CLOSE_DATE].cast("date"),
                          _amount=won[t.AMOUNT].cast("float64"))
        source = "won deals"
    else:
        return None, ""
    rows = rows.filter(rows._day.notnull() & (rows._day <= as_of) & rows[t.ACCOUNT_ID].notnull())
    daily = rows.group_by([t.ACCOUNT_ID, rows._day.name(DAY)]).aggregate(
        **{SPEND: sum_to_the_cent(rows._amount.fill_null(0.0))})
    return daily.filter(daily[SPEND] > 0), source


def repeat_summary(purchases: ir.Table, as_of: dt.date) -> ir.Table:
    """Per account: repeat purchases after its first (`frequency`), days from the first to the
    last (`recency_days`) and to `as_of` (`age_days`), what the repeat purchases came to in
    whole cents (`repeat_spend_cents`) and their mean value (`mean_spend`, that over 100 times
    the frequency; 0 without any): the BG/NBD and Gamma-Gamma inputs.

    Examples
    --------
    >>> d = dt.date
    >>> bought = ibis.memtable({"account_id": ["a", "a", "a"], "spend": [10.0, 30.0, 50.0],
    ...     "purchase_day": [d(2024, 1, 1), d(2024, 1, 15), d(2024, 3, 1)]})
    >>> repeat_summary(bought, d(2024, 3, 31)).to_pyarrow().to_pylist()
    [{'account_id': 'a', 'frequency': 2, 'recency_days': 60, 'age_days': 90, 'repeat_spend_cents': 8000, 'mean_spend': 40.0}]
    """
    # one pass, no join: a purchase is one row per account and day, so the first day's spend
    # is the spend at the earliest day (arg_min), and repeat purchases are the rest; in whole
    # cents (a purchase's spend already is), so the Gamma-Gamma patterns group on an integer
    cents = to_cents(purchases[SPEND])
    summary = purchases.group_by(t.ACCOUNT_ID).aggregate(
        _purchases=purchases.count(), _first=purchases[DAY].min(), _last=purchases[DAY].max(),
        _cents=cents.sum(), _first_cents=cents.argmin(purchases[DAY]))
    frequency = summary._purchases - 1
    repeat_cents = (summary._cents - summary._first_cents).cast("int64")
    return summary.select(
        t.ACCOUNT_ID, **{
            FREQUENCY: frequency.cast("int64"),
            RECENCY_DAYS: summary._last.delta(summary._first, unit="day").cast("int64"),
            AGE_DAYS: ibis.literal(as_of).delta(summary._first, unit="day").cast("int64"),
            REPEAT_CENTS: repeat_cents,
            # (cents / 100) / frequency, as `spend_arrays` computes it: the same double
            MEAN_SPEND: ibis.ifelse(frequency > 0, repeat_cents.cast("float64") / 100.0
                                    / frequency, 0.0)})


REPEAT_KEYS = (FREQUENCY, RECENCY_DAYS, AGE_DAYS)  # what BG/NBD is fitted on
SPEND_KEYS = (FREQUENCY, REPEAT_CENTS)  # what Gamma-Gamma is fitted on
MODEL, BGNBD, GAMMA_GAMMA = "model", 0, 1  # which fit a pattern is for: a small integer


def repeat_patterns(summary: ir.Table) -> ir.Table:
    """The distinct (frequency, recency_days, age_days) patterns and how many accounts have
    each: what BG/NBD is fitted on, thousands of rows at any number of accounts."""
    # in order: the fit adds them up alike every run
    return _counted(summary, REPEAT_KEYS).order_by(list(REPEAT_KEYS))


def spend_patterns(summary: ir.Table) -> ir.Table:
    """The repeat buyers' distinct (frequency, repeat_spend_cents) pairs and how many accounts
    have each: what Gamma-Gamma is fitted on. Exact (an account's mean spend is its repeat
    cents over its frequency), and never more rows than repeat buyers.

    Examples
    --------
    >>> summary = ibis.memtable({"frequency": [0, 2, 2, 3], "repeat_spend_cents": [0, 8000, 8000, 900]})
    >>> spend_patterns(summary).to_pyarrow().to_pydict()
    {'frequency': [2, 3], 'repeat_spend_cents': [8000, 900], 'accounts': [2, 1]}
    """
    return _counted(summary.filter(summary[FREQUENCY] > 0), SPEND_KEYS).order_by(list(SPEND_KEYS))


def _counted(summary: ir.Table, keys: tuple[str, ...]) -> ir.Table:
    """The distinct values of `keys` in `summary` and how many accounts have each."""
    return summary.group_by(list(keys)).aggregate(**{ACCOUNTS: summary.count()})


def fit_patterns(summary: ir.Table) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """`repeat_patterns` and `spend_patterns` from one engine query (`both_patterns`), as
    NumPy arrays through Arrow: nothing per account leaves the engine.

    Examples
    --------
    >>> summary = ibis.memtable({"frequency": [0, 2, 2], "recency_days": [0, 60, 60],
    ...     "age_days": [90, 90, 90], "repeat_spend_cents": [0, 8000, 900]})
    >>> repeat, spend = fit_patterns(summary)
    >>> repeat["accounts"].tolist(), spend["repeat_spend_cents"].tolist()
    ([1, 2], [900, 8000])
    """
    return split_patterns(both_patterns(summary).to_pyarrow())


def split_patterns(both: pa.Table) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """`both_patterns` fetched as Arrow, split into the two fits' NumPy arrays."""
    # sorted by model first: BG/NBD's rows, then Gamma-Gamma's; slices are views, where a
    # filter would copy every column
    split = int(np.searchsorted(both.column(MODEL).to_numpy(), GAMMA_GAMMA))
    return (_arrays(both.slice(0, split), (*REPEAT_KEYS, ACCOUNTS)),
            _arrays(both.slice(split), (*SPEND_KEYS, ACCOUNTS)))


def both_patterns(summary: ir.Table) -> ir.Table:
    """`repeat_patterns` (``model`` 0, no repeat cents) over `spend_patterns` (``model`` 1, no
    recency or age): one query, so the engine plans `summary` once for both group-bys."""
    columns = [MODEL, *dict.fromkeys(REPEAT_KEYS + SPEND_KEYS), ACCOUNTS]
    repeat = _counted(summary, REPEAT_KEYS).mutate(
        **{MODEL: ibis.literal(BGNBD, "int8"), REPEAT_CENTS: ibis.null("int64")})
    spend = _counted(summary.filter(summary[FREQUENCY] > 0), SPEND_KEYS).mutate(
        **{MODEL: ibis.literal(GAMMA_GAMMA, "int8"), RECENCY_DAYS: ibis.null("int64"),
           AGE_DAYS: ibis.null("int64")})
    return repeat.select(columns).union(spend.select(columns)).order_by(columns[:-1])


def collect(table: ir.Table) -> dict[str, np.ndarray]:
    """A small engine result (a table of patterns) as one NumPy array per column, through
    Arrow: no pandas frame, no Python objects.

    >>> collect(ibis.memtable({"frequency": [0, 2], "accounts": [5, 1]}))["accounts"].tolist()
    [5, 1]
    """
    arrow = table.to_pyarrow()
    return _arrays(arrow, arrow.column_names)


def _arrays(arrow: pa.Table, names) -> dict[str, np.ndarray]:
    return {name: arrow.column(name).to_numpy() for name in names}


def spend_arrays(patterns: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(frequency, mean spend, accounts) as floats from collected `spend_patterns`.

    >>> spend_arrays({"frequency": np.array([2]), "repeat_spend_cents": np.array([8001]),
    ...               "accounts": np.array([3])})[1].tolist()
    [40.005]
    """
    x = patterns[FREQUENCY].astype(float)
    return x, patterns[REPEAT_CENTS].astype(float) / 100.0 / x, patterns[ACCOUNTS].astype(float)


def contract_periods(revenue: ir.Table, as_of: dt.date, *, period_months: int = 12) -> ir.Table:
    """Per account and spell of paying (`spell`, 1 for the first; a spell ends at two or more
    months without payment, so a month's hole in a billing export is no churn): contract
    periods begun (`periods`, 1 in the first `period_months`), whether it has `churned` (the
    spell ended before the last revenue month), whether it was already paying in the
    history's first month (`started_before_history`: its periods are then a lower bound, and
    a retention fit leaves it out), the year it began (`start_year`, its cohort) and whether
    it is the account's latest spell (`latest_spell`: what its value is scored on).

    A retention fit reads first spells only: an account that left and came back was won
    back, and its second spell is not one more renewal of the first.

    Examples
    --------
    a pays Jan 2023 to Feb 2024 (in its second period); b pays Mar to May 2023, leaves and
    is won back in Sep 2023 to the end.

    >>> d = dt.date
    >>> months = [d(2023, m, 1) for m in range(1, 13)] + [d(2024, 1, 1), d(2024, 2, 1)]
    >>> revenue = ibis.memtable({"account_id": ["a"] * 14 + ["b"] * 9, "mrr": [10.0] * 23,
    ...     "period": months + months[2:5] + months[8:14]})
    >>> spells = contract_periods(revenue, d(2024, 2, 29)).order_by(["account_id", "spell"])
    >>> spells.drop("account_id").execute().values.tolist()
    [[1, 2, False, True, 2023, True], [1, 1, True, False, 2023, False], [2, 1, False, False, 2023, True]]
    """
    paid = revenue.filter((revenue[t.MRR] > 0) & (revenue[t.PERIOD] <= as_of))
    paid = paid.group_by([t.ACCOUNT_ID, (paid[t.PERIOD].year() * 12 + paid[t.PERIOD].month())
                          .name("_month")]).aggregate(_begun=paid[t.PERIOD].min(),
                                                      _ended=paid[t.PERIOD].max())
    known = revenue.filter(revenue[t.PERIOD] <= as_of)[t.PERIOD]
    first_month, last_month = known.min(), known.max()
    # A spell begins in a month paid with neither of the two months before it paid, and ends
    # in one with neither of the two after it paid; the k-th beginning of an account pairs
    # with its k-th end. Found by anti-joins rather than a lag over each account's months:
    # DuckDB could not hold a window partitioned by 5M accounts (62M revenue rows) within a
    # 1 GB limit, while joins spill.
    def months_paid(shift: int) -> ir.Table:
        return paid.select(_a=paid[t.ACCOUNT_ID], _m=paid._month + shift)

    def numbered(edges: ir.Table, shifts: tuple[int, int], date: str) -> ir.Table:
        for shift in shifts:
            near = months_paid(shift)
            edges = edges.anti_join(near, [edges[t.ACCOUNT_ID] == near._a,
                                           edges._month == near._m])
        return edges.select(t.ACCOUNT_ID, _month=edges._month, _date=edges[date],
                            _k=ibis.row_number().over(group_by=t.ACCOUNT_ID, order_by="_month"))

    begins = numbered(paid, (1, 2), "_begun").view()
    ends = numbered(paid, (-1, -2), "_ended").view()
    joined = begins.join(ends, [begins[t.ACCOUNT_ID] == ends[t.ACCOUNT_ID], begins._k == ends._k])
    spans = joined.select(t.ACCOUNT_ID, (joined._k + 1).cast("int64").name(SPELL),
                          _first=joined._date, _last=joined._date_right,
                          _months=joined._month_right - joined._month + 1)
    periods = ((spans._months - 1) / period_months).floor().cast("int64") + 1
    latest = spans[SPELL] == spans[SPELL].max().over(group_by=t.ACCOUNT_ID)
    return spans.select(t.ACCOUNT_ID, SPELL, **{PERIODS: periods,
                                                CHURNED: spans._last < last_month.as_scalar(),
                                                STARTED_BEFORE: spans._first <= first_month.as_scalar(),
                                                START_YEAR: spans._first.year().cast("int64"),
                                                LATEST: latest})

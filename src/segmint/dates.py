"""The run's one `as_of` date (the last complete month in the data) and cut-offs before it."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Mapping

import ibis
import ibis.expr.types as ir
import pandas as pd

from segmint import tables as t


def month_end(day: dt.date) -> dt.date:
    """The last day of `day`'s month.

    >>> month_end(dt.date(2024, 2, 10))
    datetime.date(2024, 2, 29)
    """
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def complete_month_end(day: dt.date) -> dt.date:
    """The end of the last month that is complete on `day`: `day` itself when it ends a
    month, else the end of the month before.

    >>> complete_month_end(dt.date(2024, 3, 31)), complete_month_end(dt.date(2024, 3, 30))
    (datetime.date(2024, 3, 31), datetime.date(2024, 2, 29))
    """
    return day if day == month_end(day) else day.replace(day=1) - dt.timedelta(days=1)


def months_before(day: dt.date, months: int) -> dt.date:
    """The month end `months` whole months before `day`'s month end.

    >>> months_before(dt.date(2026, 9, 30), 6), months_before(dt.date(2024, 8, 31), 6)
    (datetime.date(2026, 3, 31), datetime.date(2024, 2, 29))
    """
    index = day.year * 12 + day.month - 1 - months
    return month_end(dt.date(index // 12, index % 12 + 1, 1))


def resolve_as_of(tables: Mapping[str, ir.Table], configured: dt.date | None = None) -> dt.date:
    """The date the run is "as of": `configured` (``as_of:`` in segmint.yaml) when given,
    else the end of the last complete month in the data.

    A revenue row for a month is that month's figure, so the latest revenue month counts as
    complete; a dated event (a deal created or closed, a usage reading, a transaction) on the
    last day of a month completes it, one earlier in the month completes the month before.
    Open deals' close dates are expected dates and do not count. With no date at all, the
    last complete month before today.

    Examples
    --------
    >>> revenue = ibis.memtable({"period": [dt.date(2024, 5, 1), dt.date(2024, 6, 1)]})
    >>> deals = ibis.memtable({"created_date": [dt.date(2024, 7, 12)],
    ...     "close_date": [dt.date(2024, 12, 1)], "is_closed": [False]})
    >>> resolve_as_of({"revenue": revenue, "deals": deals})
    datetime.date(2024, 6, 30)
    >>> resolve_as_of({"revenue": revenue}, dt.date(2024, 3, 15))
    datetime.date(2024, 3, 15)
    """
    if configured is not None:
        return configured
    ends: list[dt.date] = []
    for table, latest in _latest_dates(tables).items():  # one query per table
        row = table.aggregate(**{name: value for name, (value, _) in latest.items()}).execute()
        for name, (_, complete) in latest.items():
            value = row[name].iloc[0]
            if value is not None and not pd.isna(value):
                day = pd.Timestamp(value).date()
                ends.append(month_end(day) if complete else complete_month_end(day))
    return max(ends) if ends else complete_month_end(dt.date.today())


def _latest_dates(tables: Mapping[str, ir.Table]) -> dict[ir.Table, dict[str, tuple[ir.Scalar, bool]]]:
    """Per table, its dated columns' latest values and whether their month counts as complete."""
    found: dict[ir.Table, dict[str, tuple[ir.Scalar, bool]]] = {}
    if (revenue := tables.get("revenue")) is not None:
        found[revenue] = {"period": (revenue[t.PERIOD].max(), True)}
    if (deals := tables.get("deals")) is not None:
        latest = {}
        if t.CREATED_DATE in deals.columns:
            latest["created"] = (deals[t.CREATED_DATE].cast("date").max(), False)
        if t.CLOSE_DATE in deals.columns and t.IS_CLOSED in deals.columns:
            closed = deals[t.IS_CLOSED].cast("boolean").fill_null(False)
            latest["closed"] = (ibis.ifelse(closed, deals[t.CLOSE_DATE].cast("date"), None).max(),
                                False)
        if latest:
            found[deals] = latest
    for name in ("usage", "transactions"):
        if (table := tables.get(name)) is not None and t.DATE in table.columns:
            found[table] = {"date": (table[t.DATE].cast("date").max(), False)}
    return found

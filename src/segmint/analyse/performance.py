"""Customer performance by segment: the ARR bridge, retention, growth categories, trends and readings."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from segmint.analyse.registry import analysis
from segmint.context import RunContext
from segmint.sections import Chart, Readings, Section
from segmint.exceptions import ConfigError, closest_hint
from segmint.money import money_text
from segmint.tables import (
    ACCOUNT_ID,
    ALL_SEGMENTS,
    ARR,
    BRIDGE,
    CATEGORY,
    CHURN,
    CHURNED_LOGOS,
    CLOSING_ARR,
    CLOSING_LOGOS,
    CONTRACTION,
    CROSS_SELL,
    EXPANSION,
    GRR,
    GRR_TTM,
    LOGO_RETENTION,
    LOGOS,
    MOVEMENT,
    MRR,
    NEW_LOGO,
    NEW_LOGOS,
    NRR,
    NRR_TTM,
    OPENING_ARR,
    OPENING_LOGOS,
    PERIOD,
    PRODUCT,
    REACTIVATED_LOGOS,
    REACTIVATION,
    REVENUE,
    SEGMENT,
    UNASSIGNED,
)

Period = Literal["month", "quarter", "year"]
MONTHS_PER_PERIOD = {"month": 1, "quarter": 3, "year": 12}
MONEY = dt.Decimal(18, 2)  # every ARR figure; exact sums, so the bridge identity holds to the cent

# Support columns of `arr_bridge`, additive over segments, from which `retention` derives
# products per account and trailing-twelve-month retention.
CLOSING_PRODUCTS = "closing_products"
TTM_BASE_ARR = "ttm_base_arr"
TTM_NET_ARR = "ttm_net_arr"
TTM_GROSS_ARR = "ttm_gross_arr"
SUPPORT = (CLOSING_PRODUCTS, TTM_BASE_ARR, TTM_NET_ARR, TTM_GROSS_ARR)

# The article's three sources of growth. A returning customer is won back by a sale, as a
# new one is, so reactivation counts as conversion; retention holds the losses on what was
# already there; penetration is growth inside accounts that stayed.
GROWTH_CATEGORIES = {
    NEW_LOGO: "conversion",
    REACTIVATION: "conversion",
    CHURN: "retention",
    CONTRACTION: "retention",
    EXPANSION: "penetration",
    CROSS_SELL: "penetration",
}
NRR_MOVEMENTS = (EXPANSION, CROSS_SELL, CONTRACTION, CHURN)  # NRR = 1 + sum of their rates

PERIOD_INDEX = "_period_index"  # `period_index` of a row of `account_movements`
_IDX = PERIOD_INDEX
_CENTS = "_cents"
_MONEY_COLUMNS = (*BRIDGE, TTM_BASE_ARR, TTM_NET_ARR, TTM_GROSS_ARR)
_COUNT_COLUMNS = (*LOGOS, CLOSING_PRODUCTS)


def months_per_period(period: str) -> int:
    """Months in a period named ``month``, ``quarter`` or ``year``.

    Examples
    --------
    >>> months_per_period("quarter")
    3
    """
    try:
        return MONTHS_PER_PERIOD[period]
    except KeyError:
        hint = closest_hint(period, MONTHS_PER_PERIOD)
        raise ConfigError(f"period {period!r} is not one of month, quarter, year. {hint}") from None


def period_index(month: ir.DateValue, period: Period) -> ir.IntegerValue:
    """Whole periods since year 0 of the period holding `month`: consecutive periods differ by 1."""
    months = month.year().cast("int64") * 12 + month.month().cast("int64") - 1
    return months // months_per_period(period)


def period_start(index: ir.IntegerValue, period: Period) -> ir.DateValue:
    """First day of the period numbered `index` by `period_index`."""
    months = index * months_per_period(period)
    return ibis.date(months // 12, months % 12 + 1, 1)


def period_label(start, period: Period) -> str:
    """How a period reads in text: ``2025-Q1``, ``2025-03`` or ``2025``.

    Examples
    --------
    >>> import datetime
    >>> period_label(datetime.date(2025, 4, 1), "quarter")
    '2025-Q2'
    """
    if period == "quarter":
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    if period == "month":
        return f"{start.year}-{start.month:02d}"
    return str(start.year)


def arr_snapshots(revenue: ir.Table, *, period: Period = "quarter") -> ir.Table:
    """ARR per account, product and period: 12 × MRR in the period's closing month.

    The closing month of a period is its last month, or, for the latest period when the
    data stops before that period ends, the latest month in `revenue` (ARR "as of" then).
    ARR is rounded to the cent per account and product line; lines with no ARR are left
    out (a missing row means 0). A null product is a product line of its own.

    Parameters
    ----------
    revenue : ibis.Table
        ``account_id``, ``period`` (first day of a month), ``product`` and ``mrr``.
    period : {"month", "quarter", "year"}

    Returns
    -------
    ibis.Table
        ``account_id``, ``product``, ``period`` (first day of the period) and ``arr``
        (decimal(18, 2), always > 0).

    Examples
    --------
    >>> import datetime
    >>> revenue = ibis.memtable({"account_id": ["a", "a", "a"], "product": ["x", "x", "x"],
    ...     "period": [datetime.date(2024, m, 1) for m in (1, 3, 4)],
    ...     "mrr": [10.0, 33.333333, 50.0]})
    >>> snap = arr_snapshots(revenue).order_by("period").to_pyarrow().to_pylist()
    >>> [(str(r["period"]), r["arr"]) for r in snap]  # March closes Q1; April is the latest month
    [('2024-01-01', Decimal('400.00')), ('2024-04-01', Decimal('600.00'))]
    """
    snap = _closing_cents(revenue, period)
    return snap.select(
        ACCOUNT_ID,
        PRODUCT,
        **{PERIOD: period_start(snap[_IDX], period), ARR: _money(snap[_CENTS])},
    )


def arr_bridge(revenue: ir.Table, assignments: ir.Table, *, period: Period = "quarter") -> ir.Table:
    """Opening ARR, movements and closing ARR per segment and period, with logo counts.

    ARR at a period is 12 × MRR in its closing month (see `arr_snapshots`), per account and
    product line. Opening ARR is the previous period's closing ARR. Each account's change is
    classified, product line by product line, into exactly one movement:

    - ``new_logo``: no ARR at opening and none at any earlier period end; all its closing
      ARR, including products added in the same period;
    - ``reactivation``: no ARR at opening, but ARR at some earlier period end; all its
      closing ARR;
    - ``churn``: ARR at opening, none at closing; minus the opening ARR;
    - for accounts with ARR at both ends: ``expansion`` (a product held at both ends grew),
      ``contraction`` (a product held at both ends shrank, or was dropped) and
      ``cross_sell`` (a product not held at opening).

    Money is summed in integer cents, so ``opening_arr + sum(movements) == closing_arr``
    holds exactly in every row. Every period between the first and the last month in
    `revenue` appears, with zeros where there is nothing; the first period opens at 0, so
    the ARR already there when the data starts shows as ``new_logo`` (skip the first
    period when reading conversion). Periods are snapshots: an account that pays only
    inside a period, never at a period end, does not show.

    Parameters
    ----------
    revenue : ibis.Table
        ``account_id``, ``period`` (first day of a month), ``product`` (may be null) and
        ``mrr`` (≥ 0).
    assignments : ibis.Table
        ``account_id`` and ``segment``, one row per account. Every segment in it appears,
        with zeros if it has no revenue; accounts with revenue but no assignment are
        counted under ``Unassigned``.
    period : {"month", "quarter", "year"}

    Returns
    -------
    ibis.Table
        One row per segment and period, plus a total per period (segment ``All``):
        ``segment``, ``period`` (first day), ``opening_arr``, ``new_logo``, ``expansion``,
        ``cross_sell``, ``contraction``, ``churn``, ``reactivation``, ``closing_arr``
        (decimal(18, 2); losses negative), ``opening_logos``, ``closing_logos``,
        ``new_logos``, ``churned_logos``, ``reactivated_logos`` (accounts), and the support
        columns ``closing_products`` (account × product lines with ARR at closing),
        ``ttm_base_arr``, ``ttm_net_arr`` and ``ttm_gross_arr`` (see `retention`).

    Examples
    --------
    >>> import datetime
    >>> months = [datetime.date(2024, m, 1) for m in (3, 6, 9)]
    >>> revenue = ibis.memtable({"account_id": ["a", "a", "b"], "period": months[:2] + months[2:],
    ...     "product": ["x", "x", "x"], "mrr": [100.0, 150.0, 10.0]})
    >>> assignments = ibis.memtable({"account_id": ["a", "b"], "segment": ["SMB", "SMB"]})
    >>> rows = (arr_bridge(revenue, assignments).filter(ibis._.segment == "SMB")
    ...         .order_by("period").to_pyarrow().to_pylist())
    >>> [(r["opening_arr"], r["new_logo"], r["expansion"], r["churn"], r["closing_arr"]) for r in rows]
    [(Decimal('0.00'), Decimal('1200.00'), Decimal('0.00'), Decimal('0.00'), Decimal('1200.00')), (Decimal('1200.00'), Decimal('0.00'), Decimal('600.00'), Decimal('0.00'), Decimal('1800.00')), (Decimal('1800.00'), Decimal('120.00'), Decimal('0.00'), Decimal('-1800.00'), Decimal('120.00'))]
    """
    return segment_bridge(account_movements(revenue, period=period), assignments,
                          period_bounds(revenue, period=period), period=period)


def period_bounds(revenue: ir.Table, *, period: Period = "quarter") -> ir.Table:
    """One row: the index (`period_index`) of the first and the last period in `revenue`.

    The bridge has a row for every period between them, revenue or not.

    >>> import datetime
    >>> revenue = ibis.memtable({"period": [datetime.date(2024, 2, 1), datetime.date(2024, 7, 1)]})
    >>> bounds = period_bounds(revenue).execute()
    >>> int(bounds._last[0] - bounds._first[0])  # Q1 to Q3
    2
    """
    return revenue.aggregate(_first=period_index(revenue[PERIOD].min(), period),
                             _last=period_index(revenue[PERIOD].max(), period))


def account_movements(revenue: ir.Table, *, period: Period = "quarter") -> ir.Table:
    """Each account's bridge per period, in whole cents: the rows `arr_bridge` adds up.

    One row per account and period with any ARR at opening, closing or a year earlier:
    ``account_id``, ``_period_index`` (`period_index`), the bridge's money columns and
    ``ttm_base_arr``, ``ttm_net_arr``, ``ttm_gross_arr`` in integer cents, and the logo and
    product counts, as `arr_bridge` defines them. It does not depend on the segments, so a
    run that assigns several segmentations (`segmint.plan.scenarios`) keeps it once and each
    segmentation's bridge is one join and group-by (`segment_bridge`).

    >>> import datetime
    >>> revenue = ibis.memtable({"account_id": ["a", "a"], "product": ["x", "x"],
    ...     "period": [datetime.date(2024, 3, 1), datetime.date(2024, 6, 1)], "mrr": [100.0, 150.0]})
    >>> rows = account_movements(revenue).order_by("_period_index").execute()
    >>> rows[["opening_arr", "new_logo", "expansion", "closing_arr"]].values.tolist()
    [[0, 120000, 0, 120000], [120000, 0, 60000, 180000]]
    """
    per_year = 12 // months_per_period(period)
    snap = _closing_cents(revenue, period)
    last = period_index(revenue[PERIOD].max(), period)
    zero = ibis.literal(0, "int64")

    def shifted(by: int, column: str) -> ir.Table:
        values = {name: snap[_CENTS] if name == column else zero for name in ("_c", "_o", "_a")}
        return snap.select(ACCOUNT_ID, PRODUCT, **{_IDX: snap[_IDX] + by}, **values)

    # Closing at p, opening at p + 1, a-year-ago at p + one year: one row per line and period.
    lines = (
        ibis.union(shifted(0, "_c"), shifted(1, "_o"), shifted(per_year, "_a"))
        .group_by([ACCOUNT_ID, PRODUCT, _IDX])
        .aggregate(_c=ibis._._c.sum(), _o=ibis._._o.sum(), _a=ibis._._a.sum())
    )
    lines = lines.filter(lines[_IDX] <= last)
    # Every movement is a sum over an account's lines under a condition on the account's own
    # totals (ARR at opening, at closing, a year earlier), so one aggregate per account and
    # period takes the per-line parts, and the account conditions apply after it. No window
    # over the lines: at 5M accounts (53M revenue rows) windows ran out of a 1 GB memory
    # limit, and at 1M they took longer. The first period with ARR comes from the snapshots.
    c, o, a = lines._c, lines._o, lines._a
    totals = lines.group_by([ACCOUNT_ID, _IDX]).aggregate(
        _o=o.sum(), _c=c.sum(), _a=a.sum(),
        _grew=ibis.ifelse((o > 0) & (c > o), c - o, zero).sum(),
        _added=ibis.ifelse(o == 0, c, zero).sum(),
        _shrank=ibis.ifelse((o > 0) & (c < o), c - o, zero).sum(),
        _kept=ibis.least(c, a).sum(),
        **{CLOSING_PRODUCTS: (c > 0).cast("int64").sum()},
    )
    firsts = snap.group_by(_f_id=snap[ACCOUNT_ID]).aggregate(_first=snap[_IDX].min())
    totals = totals.left_join(firsts, totals[ACCOUNT_ID] == firsts._f_id)
    O, C, A, first = totals._o, totals._c, totals._a, totals._first
    starts = (O == 0) & (C > 0)
    stays = (O > 0) & (C > 0)
    held_before = A > 0  # for trailing twelve months: had ARR a year earlier
    accounts = totals.select(
        ACCOUNT_ID, _IDX,
        **{OPENING_ARR: O, CLOSING_ARR: C, CLOSING_PRODUCTS: totals[CLOSING_PRODUCTS],
           NEW_LOGO: ibis.ifelse(starts & (totals[_IDX] == first), C, zero),
           EXPANSION: ibis.ifelse(stays, totals._grew, zero),
           CROSS_SELL: ibis.ifelse(stays, totals._added, zero),
           CONTRACTION: ibis.ifelse(stays, totals._shrank, zero),
           CHURN: ibis.ifelse((O > 0) & (C == 0), -O, zero),
           REACTIVATION: ibis.ifelse(starts & (totals[_IDX] > first), C, zero),
           TTM_BASE_ARR: ibis.ifelse(held_before, A, zero),
           TTM_NET_ARR: ibis.ifelse(held_before, C, zero),
           TTM_GROSS_ARR: ibis.ifelse(held_before, totals._kept, zero)},
    )
    accounts = accounts.mutate(
        **{
            OPENING_LOGOS: (accounts[OPENING_ARR] > 0).cast("int64"),
            CLOSING_LOGOS: (accounts[CLOSING_ARR] > 0).cast("int64"),
            NEW_LOGOS: (accounts[NEW_LOGO] > 0).cast("int64"),
            CHURNED_LOGOS: (accounts[CHURN] < 0).cast("int64"),
            REACTIVATED_LOGOS: (accounts[REACTIVATION] > 0).cast("int64"),
        }
    )
    return accounts


def segment_bridge(movements: ir.Table, assignments: ir.Table, bounds: ir.Table, *,
                   period: Period = "quarter", segments: ir.Table | None = None) -> ir.Table:
    """`arr_bridge` from each account's movements (`account_movements`) and the period
    bounds (`period_bounds`): one join and group-by, so a changed segmentation's bridge does
    not go back to the revenue.

    `segments` (a ``segment`` column) are the segments the bridge has rows for, when known
    already (a scenario's summary): then `assignments` is read once, by the join, which
    matters when it is an expression worked out in the query.

    >>> import datetime
    >>> revenue = ibis.memtable({"account_id": ["a", "b"], "product": ["x", "x"],
    ...     "period": [datetime.date(2024, 3, 1), datetime.date(2024, 6, 1)], "mrr": [100.0, 10.0]})
    >>> movements, bounds = account_movements(revenue), period_bounds(revenue)
    >>> one = segment_bridge(movements, ibis.memtable({"account_id": ["a", "b"],
    ...                                                "segment": ["SMB", "ENT"]}), bounds)
    >>> sorted((r["segment"], str(r["period"]), float(r["closing_arr"])) for r in
    ...        one.filter(ibis._.segment != "All").to_pyarrow().to_pylist())
    [('ENT', '2024-01-01', 0.0), ('ENT', '2024-04-01', 120.0), ('SMB', '2024-01-01', 1200.0), ('SMB', '2024-04-01', 0.0)]
    """
    accounts = _with_segment(movements, assignments)
    summed = (*_MONEY_COLUMNS, *_COUNT_COLUMNS)
    per_segment = accounts.group_by([SEGMENT, _IDX]).aggregate(
        **{name: accounts[name].sum() for name in summed}
    )

    # Every segment × every period from the first to the last month, zeros where empty.
    segments = ibis.union(
        assignments.select(SEGMENT) if segments is None else segments.select(SEGMENT),
        accounts.select(SEGMENT), distinct=True
    )
    spine = bounds.select(**{_IDX: ibis.range(bounds._first, bounds._last + 1).unnest()})
    grid = segments.cross_join(spine)
    joined = grid.left_join(per_segment, [SEGMENT, _IDX])
    rows = joined.select(
        SEGMENT, _IDX, **{name: joined[name].fill_null(0) for name in summed}
    )
    total = rows.group_by(_IDX).aggregate(**{name: rows[name].sum() for name in summed})
    total = total.select(**{SEGMENT: ibis.literal(ALL_SEGMENTS)}, **{n: total[n] for n in rows.columns[1:]})
    both = ibis.union(rows, total)
    return both.select(
        SEGMENT,
        **{PERIOD: period_start(both[_IDX], period)},
        **{name: _money(both[name]) for name in BRIDGE},
        **{name: both[name].cast("int64") for name in _COUNT_COLUMNS},
        **{name: _money(both[name]) for name in (TTM_BASE_ARR, TTM_NET_ARR, TTM_GROSS_ARR)},
    )


def retention(bridge: ir.Table) -> ir.Table:
    """Net and gross revenue retention, logo retention and products per account.

    Parameters
    ----------
    bridge : ibis.Table
        Output of `arr_bridge`.

    Returns
    -------
    ibis.Table
        ``segment``, ``period`` and, each null where its denominator is 0:

        - ``nrr`` = (opening + expansion + cross_sell + contraction + churn) / opening:
          this period's ARR from the accounts that had ARR at opening, over their opening;
        - ``grr`` = (opening + contraction + churn) / opening (growth not counted);
        - ``logo_retention`` = (opening_logos − churned_logos) / opening_logos;
        - ``nrr_ttm``: take every account with ARR at the end of the same period a year
          earlier (4 quarters, 12 months or 1 year back); ``nrr_ttm`` = their ARR now /
          their ARR then, whatever happened in between (an account that churned and came
          back counts with its ARR now);
        - ``grr_ttm``: the same, with each account × product line capped at its ARR a year
          earlier (sum of min(now, then) / sum of then), so growth is left out and
          dropped products count as lost: the twelve-month analogue of ``grr``;
        - ``products_per_account`` = product lines with ARR / accounts with ARR, at closing;
        - ``expansion_rate``, ``cross_sell_rate``, ``contraction_rate``, ``churn_rate``:
          each movement / opening (losses negative), so ``nrr`` = 1 + their sum.

    Examples
    --------
    >>> bridge = ibis.memtable({"segment": ["SMB"], "period": ["2024-04-01"],
    ...     "opening_arr": [200.0], "expansion": [40.0], "cross_sell": [0.0],
    ...     "contraction": [-10.0], "churn": [-20.0], "opening_logos": [4],
    ...     "churned_logos": [1], "closing_logos": [4], "closing_products": [6],
    ...     "ttm_base_arr": [0.0], "ttm_net_arr": [0.0], "ttm_gross_arr": [0.0]})
    >>> row = retention(bridge).to_pyarrow().to_pylist()[0]
    >>> row["nrr"], row["grr"], row["logo_retention"], row["nrr_ttm"], row["products_per_account"]
    (1.05, 0.85, 0.75, None, 1.5)
    """
    money = {name: bridge[name].cast("float64") for name in (OPENING_ARR, *NRR_MOVEMENTS)}
    opening = money[OPENING_ARR].nullif(0)
    net = bridge[OPENING_ARR] + sum(bridge[m] for m in NRR_MOVEMENTS)
    gross = bridge[OPENING_ARR] + bridge[CONTRACTION] + bridge[CHURN]
    logos = bridge[OPENING_LOGOS].cast("float64").nullif(0)
    base = bridge[TTM_BASE_ARR].cast("float64").nullif(0)
    return bridge.select(
        SEGMENT,
        PERIOD,
        **{
            NRR: net.cast("float64") / opening,
            GRR: gross.cast("float64") / opening,
            LOGO_RETENTION: (bridge[OPENING_LOGOS] - bridge[CHURNED_LOGOS]).cast("float64") / logos,
            NRR_TTM: bridge[TTM_NET_ARR].cast("float64") / base,
            GRR_TTM: bridge[TTM_GROSS_ARR].cast("float64") / base,
            "products_per_account": bridge[CLOSING_PRODUCTS].cast("float64")
            / bridge[CLOSING_LOGOS].cast("float64").nullif(0),
        },
        **{f"{m}_rate": money[m] / opening for m in NRR_MOVEMENTS},
    )


def classify_growth(bridge: ir.Table) -> ir.Table:
    """The bridge's movements as conversion, retention and penetration, one row each.

    Conversion is ARR from accounts that start or come back (``new_logo`` and
    ``reactivation``: both are won by a sale); retention is what the accounts at opening
    lose (``churn``, ``contraction``); penetration is what they add (``expansion``,
    ``cross_sell``).

    Parameters
    ----------
    bridge : ibis.Table
        Output of `arr_bridge`.

    Returns
    -------
    ibis.Table
        ``segment``, ``period``, ``category``, ``movement``, ``amount`` (the bridge's
        value, losses negative): six rows per segment and period.

    Examples
    --------
    >>> bridge = ibis.memtable({"segment": ["SMB"], "period": ["2024-04-01"],
    ...     "new_logo": [50.0], "reactivation": [5.0], "expansion": [40.0],
    ...     "cross_sell": [10.0], "contraction": [-10.0], "churn": [-20.0]})
    >>> rows = classify_growth(bridge).to_pyarrow().to_pylist()
    >>> sorted((r["category"], r["movement"], r["amount"]) for r in rows)[:3]
    [('conversion', 'new_logo', 50.0), ('conversion', 'reactivation', 5.0), ('penetration', 'cross_sell', 10.0)]
    """
    return ibis.union(
        *(
            bridge.select(
                SEGMENT,
                PERIOD,
                **{
                    CATEGORY: ibis.literal(category),
                    MOVEMENT: ibis.literal(movement),
                    "amount": bridge[movement],
                },
            )
            for movement, category in GROWTH_CATEGORIES.items()
        )
    )


def nrr_trend(retention: ir.Table, *, quarters: int = 4, flat_within: float = 0.01) -> ir.Table:
    """Which way each segment's net retention moved over its last few periods, and why.

    Takes each segment's last `quarters` periods that have an NRR (quarters for a
    quarterly bridge). The change is NRR at the last of them minus NRR at the first;
    within ±`flat_within` it is ``flat``. Since NRR = 1 + the sum of the four movement
    rates (movement / opening ARR, losses negative), the change is the sum of the rates'
    changes. The driver is the movement whose rate changed most in the direction NRR
    moved (for a flat NRR, in the direction of its small change): for a fall, the rate
    that dropped most (churn or contraction grew, or expansion or cross-sell slowed); for
    a rise, the one that climbed most. So the driver always pulled NRR the way it went,
    and ``driver_rate_start`` and ``driver_rate_end`` say by how much.

    Parameters
    ----------
    retention : ibis.Table
        Output of `retention`.
    quarters : int
        How many of the latest periods to read.
    flat_within : float
        Largest change, in NRR points (0.01 = one percentage point), that reads as flat.

    Returns
    -------
    ibis.Table
        ``segment``, ``periods`` (how many were read), ``start_period``, ``end_period``,
        ``nrr_start``, ``nrr_end``, ``nrr_change``, ``slope`` (least-squares NRR change
        per period; null with one period), ``direction`` (``rising``, ``falling`` or
        ``flat``; null with one period), ``driver`` (a movement name) and
        ``driver_rate_start``, ``driver_rate_end`` (its rate at the first and the last
        period read, as in `retention`: churn and contraction negative; each null with
        one period). Segments with no NRR in any period have no row.

    Examples
    --------
    >>> retention = ibis.memtable({"segment": ["SMB"] * 3, "period": [1, 2, 3],
    ...     "nrr": [1.10, 1.05, 0.98], "expansion_rate": [0.15, 0.14, 0.13],
    ...     "cross_sell_rate": [0.0] * 3, "contraction_rate": [-0.03, -0.06, -0.12],
    ...     "churn_rate": [-0.02, -0.03, -0.03]})
    >>> row = nrr_trend(retention).to_pyarrow().to_pylist()[0]
    >>> row["direction"], row["driver"], row["driver_rate_start"], row["driver_rate_end"]
    ('falling', 'contraction', -0.03, -0.12)
    >>> round(row["slope"], 3)
    -0.06
    """
    known = retention.filter(retention[NRR].notnull())
    latest_first = ibis.window(group_by=SEGMENT, order_by=ibis.desc(PERIOD))
    known = known.mutate(_back=ibis.row_number().over(latest_first))
    known = known.filter(known._back < quarters)
    known = known.mutate(_n=known.count().over(group_by=SEGMENT), _x=-known._back.cast("float64"))
    first, last = known._back == known._n - 1, known._back == 0
    x, y = known._x, known[NRR]

    def at(column: str, where: ir.BooleanValue) -> ir.FloatingScalar:
        return known[column].max(where=where)

    trend = known.group_by(SEGMENT).aggregate(
        periods=known.count(),
        start_period=known[PERIOD].min(),
        end_period=known[PERIOD].max(),
        nrr_start=at(NRR, first),
        nrr_end=at(NRR, last),
        _sx=x.sum(),
        _sy=y.sum(),
        _sxy=(x * y).sum(),
        _sxx=(x * x).sum(),
        **{f"_start_{m}": at(f"{m}_rate", first) for m in NRR_MOVEMENTS},
        **{f"_end_{m}": at(f"{m}_rate", last) for m in NRR_MOVEMENTS},
    )
    n = trend.periods.cast("float64")
    change = trend.nrr_end - trend.nrr_start
    slope = (n * trend._sxy - trend._sx * trend._sy) / (n * trend._sxx - trend._sx * trend._sx).nullif(0)
    sign = ibis.ifelse(change < 0, -1.0, 1.0)
    scores = {m: (trend[f"_end_{m}"] - trend[f"_start_{m}"]) * sign for m in NRR_MOVEMENTS}
    best = ibis.greatest(*scores.values())
    several = trend.periods > 1

    def of_driver(values: dict[str, ir.Value], null: ir.Value) -> ir.Value:
        """The value of the driving movement (the first to reach the best score, in ties)."""
        return ibis.ifelse(several, ibis.cases(*((scores[m] == best, values[m]) for m in scores)), null)

    direction = ibis.cases(
        (change > flat_within, "rising"), (change < -flat_within, "falling"), else_="flat"
    )
    return trend.select(
        SEGMENT,
        "periods",
        "start_period",
        "end_period",
        "nrr_start",
        "nrr_end",
        nrr_change=change,
        slope=slope,
        direction=ibis.ifelse(several, direction, ibis.null("string")),
        driver=of_driver({m: ibis.literal(m) for m in scores}, ibis.null("string")),
        driver_rate_start=of_driver({m: trend[f"_start_{m}"] for m in scores}, ibis.null("float64")),
        driver_rate_end=of_driver({m: trend[f"_end_{m}"] for m in scores}, ibis.null("float64")),
    )


def segment_readings(
    bridge: ir.Table,
    trend: ir.Table,
    *,
    deals: ir.Table | None = None,
    period: Period = "quarter",
) -> dict[str, str]:
    """One plain-language paragraph per segment, every number taken from the tables given.

    Reads small, finished tables only (one row per segment, or per segment and period).

    Parameters
    ----------
    bridge : ibis.Table
        Output of `arr_bridge`; its latest period is "this period".
    trend : ibis.Table
        Output of `nrr_trend`.
    deals : ibis.Table, optional
        Output of `deals.deal_metrics(..., period=...)` for the same period length; adds
        the new-business win rate of the latest period when it has one.
    period : {"month", "quarter", "year"}
        The period the bridge was built with, for the labels.

    Returns
    -------
    dict of str to str
        Segment → paragraph: ``All`` first (the company, then its parts, as leadership
        reads down), then segments by closing ARR in the latest period, largest first
        (ties and segments without ARR by name).

    Examples
    --------
    >>> import datetime
    >>> q = [datetime.date(2024, 1, 1), datetime.date(2024, 4, 1)]
    >>> bridge = ibis.memtable({"segment": ["SMB", "SMB"], "period": q,
    ...     "closing_arr": [1000.0, 1500.0], "closing_logos": [2, 3], "new_logos": [2, 1],
    ...     "reactivated_logos": [0, 0]})
    >>> trend = ibis.memtable({"segment": ["SMB"], "periods": [2], "start_period": [q[0]],
    ...     "end_period": [q[1]], "nrr_start": [1.12], "nrr_end": [1.03],
    ...     "direction": ["falling"], "driver": ["expansion"], "driver_rate_start": [0.15],
    ...     "driver_rate_end": [0.06]})
    >>> segment_readings(bridge, trend)["SMB"]
    'SMB: net retention fell from 112% in 2024-Q1 to 103% in 2024-Q2, mostly as expansion slowed from 15% to 6% of opening ARR; 1 new logo in 2024-Q2; closing ARR 1.5k across 3 customers.'
    """
    latest = bridge.filter(bridge[PERIOD] == bridge[PERIOD].max())
    now = {row[SEGMENT]: row for row in latest.to_pyarrow().to_pylist()}
    trends = {row[SEGMENT]: row for row in trend.to_pyarrow().to_pylist()}
    wins: dict[str, float | None] = {}
    if deals is not None:
        in_latest = deals.filter(deals[PERIOD] == latest[PERIOD].max())
        wins = {row[SEGMENT]: row["new_win_rate"] for row in in_latest.to_pyarrow().to_pylist()}
    order = sorted(now, key=lambda name: (name != ALL_SEGMENTS, -now[name][CLOSING_ARR], name))
    readings = {}
    for segment in order:
        row = now[segment]
        label = period_label(row[PERIOD], period)
        if not row[CLOSING_ARR] and segment not in trends:
            readings[segment] = f"{segment}: no recurring revenue up to {label}."
            continue
        parts = [_retention_text(trends.get(segment), period)]
        logos = f"{_count(row[NEW_LOGOS], 'new logo')} in {label}"
        if row[REACTIVATED_LOGOS]:
            logos += f" (and {row[REACTIVATED_LOGOS]} reactivated)"
        if wins.get(segment) is not None:
            logos += f" at a {wins[segment]:.0%} new-business win rate"
        parts.append(logos)
        parts.append(
            f"closing ARR {money_text(row[CLOSING_ARR])} across "
            f"{_count(row[CLOSING_LOGOS], 'customer')}"
        )
        readings[segment] = f"{segment}: {'; '.join(parts)}."
    return readings


def _retention_text(trend: dict | None, period: Period) -> str:
    if trend is None:
        return "no net retention yet (no account had ARR at the start of a period)"
    end = f"{trend['nrr_end']:.0%} in {period_label(trend['end_period'], period)}"
    if trend["periods"] < 2:
        return f"net retention was {end}"
    start = f"{trend['nrr_start']:.0%} in {period_label(trend['start_period'], period)}"
    if trend["direction"] == "flat":
        return f"net retention held steady ({start}, {end})"
    verb = "rose" if trend["direction"] == "rising" else "fell"
    return f"net retention {verb} from {start} to {end}, {_driver_text(trend)}"


# How a change in a movement's rate reads, (rate went up, rate went down): churn and
# contraction have negative rates, so a loss that grows is a rate that goes down.
_RATE_MOVES = {EXPANSION: ("picked up", "slowed"), CROSS_SELL: ("picked up", "slowed"),
               CONTRACTION: ("fell", "rose"), CHURN: ("fell", "rose")}


def _driver_text(trend: dict) -> str:
    """The driver with its direction and rates: "mostly as churn rose from 4% to 9% of opening ARR".

    "mostly" when the driver's move is at least half the NRR change, else "partly".

    >>> _driver_text({"driver": "churn", "driver_rate_start": -0.04, "driver_rate_end": -0.09,
    ...               "nrr_start": 1.12, "nrr_end": 1.03})
    'mostly as churn rose from 4% to 9% of opening ARR'
    >>> _driver_text({"driver": "cross_sell", "driver_rate_start": 0.0, "driver_rate_end": 0.004,
    ...               "nrr_start": 0.98, "nrr_end": 1.0})
    'partly as cross-sell picked up from 0.0% to 0.4% of opening ARR'
    """
    start, end = trend["driver_rate_start"], trend["driver_rate_end"]
    rate_up, rate_down = _RATE_MOVES[trend["driver"]]
    share = (end - start) / (trend["nrr_end"] - trend["nrr_start"])
    before, after = _percents(abs(start), abs(end))
    return (f"{'mostly' if share >= 0.5 else 'partly'} as {trend['driver'].replace('_', '-')} "
            f"{rate_up if end > start else rate_down} from {before} to {after} of opening ARR")


def _percents(*shares: float) -> list[str]:
    """Shares as whole percents, or with one decimal where whole ones would read the same."""
    whole = [f"{share:.0%}" for share in shares]
    return whole if len(set(whole)) == len(whole) else [f"{share:.1%}" for share in shares]


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _closing_cents(revenue: ir.Table, period: Period) -> ir.Table:
    """``account_id``, ``product``, period index and ARR in whole cents (> 0), per line."""
    n = months_per_period(period)
    months = revenue[PERIOD].year().cast("int64") * 12 + revenue[PERIOD].month().cast("int64") - 1
    closing = ((months + 1) % n == 0) | (revenue[PERIOD] == revenue[PERIOD].max())
    kept = revenue.filter(closing)
    snap = kept.group_by(
        [kept[ACCOUNT_ID], kept[PRODUCT], period_index(kept[PERIOD], period).name(_IDX)]
    ).aggregate(**{_CENTS: (kept[MRR].sum() * 1200).round().cast("int64")})
    return snap.filter(snap[_CENTS] > 0)


def _money(cents: ir.IntegerValue) -> ir.DecimalValue:
    return (cents.cast(MONEY) * ibis.literal(Decimal("0.01"))).cast(MONEY)


def _with_segment(table: ir.Table, assignments: ir.Table) -> ir.Table:
    """`table` with each account's segment; accounts without one are ``Unassigned``."""
    joined = table.left_join(assignments.select(ACCOUNT_ID, SEGMENT), ACCOUNT_ID)
    return joined.select(*table.columns, **{SEGMENT: joined[SEGMENT].fill_null(UNASSIGNED)})


@analysis("arr_bridge", needs=(REVENUE,), section=Section(
    "Revenue: ARR bridge and retention", order=20,
    blocks=(Chart("bridge_waterfalls", table="arr_bridge",
                  empty="No account has had recurring revenue at a quarter end yet."),
            Chart("nrr_small_multiples", table="retention", also={"bridge": "arr_bridge"},
                  empty="No segment had ARR at the start of a quarter yet, so no retention."))))
def bridge_analysis(context: RunContext) -> dict[str, ir.Table]:
    """The registered analysis: the quarterly `arr_bridge`, its `retention` and `nrr_trend`."""
    bridge = context.keep(arr_bridge(context.tables[REVENUE.name], context.segments), "arr_bridge")
    rates = context.keep(retention(bridge), "retention")
    return {"arr_bridge": bridge, "retention": rates, "nrr_trend": nrr_trend(rates)}


READING = "reading"


@analysis("segment_readings", needs=(REVENUE,), after=("arr_bridge", "deal_metrics"),
          section=Section("Readings", order=10, blocks=(Readings("segment_readings"),)))
def readings_analysis(context: RunContext) -> ir.Table:
    """The registered analysis: `segment_readings` as a table of ``segment`` and ``reading``."""
    readings = segment_readings(context.results["arr_bridge"], context.results["nrr_trend"],
                                deals=context.results.get("deal_metrics_by_quarter"))
    return ibis.memtable({SEGMENT: list(readings), READING: list(readings.values())},
                         schema={SEGMENT: "string", READING: "string"})


__all__ = [
    "GROWTH_CATEGORIES",
    "PERIOD_INDEX",
    "arr_bridge",
    "account_movements",
    "arr_snapshots",
    "classify_growth",
    "nrr_trend",
    "period_bounds",
    "retention",
    "segment_bridge",
    "segment_readings",
]

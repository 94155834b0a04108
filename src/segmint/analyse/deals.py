"""Deal metrics by segment: win rates, deal size, sales cycle, open pipeline and lead-source mix."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from segmint.analyse.performance import Period, period_index, period_start
from segmint.analyse.registry import analysis
from segmint.context import RunContext
from segmint.money import from_cents, round_to_the_cent, sum_to_the_cent, to_cents
from segmint.sections import Chart, Section
from segmint.tables import (
    ACCOUNT_ID,
    ALL_SEGMENTS,
    AMOUNT,
    CLOSE_DATE,
    CREATED_DATE,
    DEAL_TYPE,
    DEALS,
    IS_CLOSED,
    IS_WON,
    LEAD_SOURCE,
    PERIOD,
    PROBABILITY,
    SEGMENT,
    STAGE,
    UNASSIGNED,
    WIN_RATE,
)

# CRM deal types, lower-cased with "-", "_" and runs of spaces read as one space, mapped
# onto segmint's six. Salesforce's defaults ("New Customer", "Existing Customer -
# Upgrade") and HubSpot's ("newbusiness", "existingbusiness") are covered; anything else
# is "other" (kept, counted, never guessed).
DEAL_TYPES = {
    "new": "new",
    "new business": "new",
    "newbusiness": "new",
    "new customer": "new",
    "new logo": "new",
    "renewal": "renewal",
    "existing customer renewal": "renewal",
    "expansion": "expansion",
    "existing business": "expansion",
    "existingbusiness": "expansion",
    "existing customer expansion": "expansion",
    "cross sell": "cross_sell",
    "crosssell": "cross_sell",
    "upsell": "upsell",
    "up sell": "upsell",
    "upgrade": "upsell",
    "existing customer upgrade": "upsell",
}
DEAL_TYPE_NAMES = ("new", "renewal", "expansion", "cross_sell", "upsell", "other")

_TYPE, _CLOSED, _WON, _CYCLE = "_type", "_closed", "_won", "_cycle_days"


def normalise_deal_type(deal_type: ir.StringValue) -> ir.StringValue:
    """The CRM's deal type as one of new, renewal, expansion, cross_sell, upsell, other.

    Examples
    --------
    >>> t = ibis.memtable({"deal_type": ["New Business", " cross-sell", "Existing Customer - Upgrade",
    ...                                  "Partner", None]})
    >>> normalise_deal_type(t.deal_type).to_pyarrow().to_pylist()
    ['new', 'cross_sell', 'upsell', 'other', 'other']
    """
    text = deal_type.lower().replace("-", " ").replace("_", " ").re_replace(r"\s+", " ").strip()
    return text.substitute(DEAL_TYPES, else_="other").fill_null("other")


def deal_metrics(
    deals: ir.Table, assignments: ir.Table, *, period: Period | None = None
) -> ir.Table:
    """Win rates, deal size, sales cycle and open pipeline per segment (and period of close).

    A deal is closed when ``is_closed`` is true and won when it is closed and ``is_won``;
    win rate = won / closed. New business is a deal whose type normalises to ``new``
    (`normalise_deal_type`). Deal size is over won deals with an amount. The sales cycle
    is close date − created date in days, over won deals with both dates and not closed
    before they were created (a negative cycle is a date typed wrong or a deal re-created
    after it closed: the audit counts them, `negative_sales_cycles`). Medians and
    p90 are exact and interpolated (Ibis ``quantile``: ``percentile_cont`` on DuckDB,
    ``percentile`` on Spark), so a median of 10 and 21 days is 15.5.

    Parameters
    ----------
    deals : ibis.Table
        The clean deals table.
    assignments : ibis.Table
        ``account_id`` and ``segment``; deals of unassigned accounts count as ``Unassigned``.
    period : {"month", "quarter", "year"}, optional
        Also split by the period of ``close_date`` (for open deals, the expected close).

    Returns
    -------
    ibis.Table
        ``segment`` (plus ``All``), ``period`` when asked for, and ``closed_deals``,
        ``won_deals``, ``win_rate``, ``new_closed_deals``, ``new_won_deals``,
        ``new_win_rate`` (null with no closed deal), ``won_amount``, ``avg_won_amount``,
        ``median_won_amount``, ``median_cycle_days``, ``p90_cycle_days``, ``open_deals``,
        ``open_amount``.

    Examples
    --------
    >>> import datetime
    >>> d = datetime.date
    >>> deals = ibis.memtable({"deal_id": ["1", "2", "3"], "account_id": ["a", "a", "b"],
    ...     "amount": [100.0, 300.0, 50.0], "created_date": [d(2024, 1, 1)] * 3,
    ...     "close_date": [d(2024, 1, 11), d(2024, 1, 31), d(2024, 3, 1)],
    ...     "stage": ["Won", "Won", "Lost"], "is_won": [True, True, False],
    ...     "is_closed": [True, True, True], "deal_type": ["New Business"] * 3,
    ...     "lead_source": ["Web"] * 3})
    >>> assignments = ibis.memtable({"account_id": ["a", "b"], "segment": ["SMB", "SMB"]})
    >>> row = deal_metrics(deals, assignments).filter(ibis._.segment == "SMB").to_pyarrow().to_pylist()[0]
    >>> round(row["win_rate"], 4), row["avg_won_amount"], row["median_cycle_days"]
    (0.6667, 200.0, 20.0)
    """
    table = _prepared(deals, assignments)
    keys = [SEGMENT]
    if period is not None:
        table = table.mutate(**{PERIOD: period_start(period_index(table[CLOSE_DATE], period), period)})
        keys.append(PERIOD)
    closed, won = table[_CLOSED], table[_WON]
    new = table[_TYPE] == "new"
    won_amount = ibis.ifelse(won, table[AMOUNT], ibis.null("float64"))
    # whole cents, so the mean does not depend on the order an engine adds the amounts in
    won_cents = to_cents(won_amount)
    cycle = ibis.ifelse(won, table[_CYCLE], ibis.null("int64"))
    is_open = ~closed
    out = table.group_by(keys).aggregate(
        closed_deals=closed.cast("int64").sum(),
        won_deals=won.cast("int64").sum(),
        new_closed_deals=(closed & new).cast("int64").sum(),
        new_won_deals=(won & new).cast("int64").sum(),
        won_cents=won_cents.sum().fill_null(0),
        avg_won_cents=won_cents.mean(),
        median_won_amount=won_amount.quantile(0.5),
        median_cycle_days=cycle.quantile(0.5),
        p90_cycle_days=cycle.quantile(0.9),
        open_deals=is_open.cast("int64").sum(),
        open_cents=to_cents(ibis.ifelse(is_open, table[AMOUNT], 0.0)).sum().fill_null(0),
    )
    rate = out.won_deals.cast("float64") / out.closed_deals.cast("float64").nullif(0)
    new_rate = out.new_won_deals.cast("float64") / out.new_closed_deals.cast("float64").nullif(0)
    return out.select(
        *keys,
        "closed_deals",
        "won_deals",
        **{WIN_RATE: rate},
        new_closed_deals=out.new_closed_deals,
        new_won_deals=out.new_won_deals,
        new_win_rate=new_rate,
        won_amount=from_cents(out.won_cents),
        avg_won_amount=out.avg_won_cents.round(0) / 100,
        median_won_amount=round_to_the_cent(out.median_won_amount),
        median_cycle_days=out.median_cycle_days.cast("float64"),
        p90_cycle_days=out.p90_cycle_days.cast("float64"),
        open_deals=out.open_deals,
        open_amount=from_cents(out.open_cents),
    )


def sales_cycle_days(created: ir.DateValue, close: ir.DateValue) -> ir.IntegerValue:
    """Days from created to close; null when either is unknown or the deal closed before it
    was created (left out of cycle figures, counted by the audit).

    Examples
    --------
    >>> import datetime
    >>> t = ibis.memtable({"created": [datetime.date(2024, 1, 1), datetime.date(2024, 5, 1)],
    ...                    "close": [datetime.date(2024, 1, 31), datetime.date(2024, 1, 1)]})
    >>> t.select(days=sales_cycle_days(t.created, t.close)).days.to_pyarrow().to_pylist()
    [30, None]
    """
    days = close.delta(created, unit="day").cast("int64")
    return ibis.ifelse(days >= 0, days, ibis.null("int64"))


def open_pipeline(deals: ir.Table, assignments: ir.Table) -> ir.Table:
    """Open deals and their amount per segment and stage (plus ``All``), weighted by probability.

    Returns
    -------
    ibis.Table
        ``segment``, ``stage``, ``open_deals``, ``open_amount`` (deals without an amount
        count in ``open_deals`` and add nothing to ``open_amount``) and, when deals have a
        ``probability`` column, ``weighted_amount``: the sum of amount × probability (each
        product rounded to the cent) over the deals that have both; null when none has.

    Examples
    --------
    >>> deals = ibis.memtable({"deal_id": ["1", "2", "3"], "account_id": ["a", "a", "a"],
    ...     "amount": [100.0, None, 50.0], "stage": ["Proposal", "Proposal", "Won"],
    ...     "is_won": [False, False, True], "is_closed": [False, False, True],
    ...     "deal_type": [None] * 3, "created_date": [None] * 3, "close_date": [None] * 3})
    >>> assignments = ibis.memtable({"account_id": ["a"], "segment": ["SMB"]})
    >>> open_pipeline(deals, assignments).filter(ibis._.segment == "SMB").to_pyarrow().to_pylist()
    [{'segment': 'SMB', 'stage': 'Proposal', 'open_deals': 2, 'open_amount': 100.0}]
    >>> weighted = open_pipeline(deals.mutate(probability=ibis.literal(0.25)), assignments)
    >>> weighted.filter(ibis._.segment == "SMB").weighted_amount.to_pyarrow().to_pylist()
    [25.0]
    """
    table = _prepared(deals, assignments)
    table = table.filter(~table[_CLOSED])
    metrics = {"open_deals": table.count(),
               "open_amount": from_cents(to_cents(table[AMOUNT]).sum().fill_null(0))}
    if PROBABILITY in table.columns:
        # whole cents, so the sum does not depend on the order an engine adds them in
        weighted = table[AMOUNT] * table[PROBABILITY].cast("float64")
        metrics["weighted_amount"] = sum_to_the_cent(weighted)
    return table.group_by([SEGMENT, STAGE]).aggregate(**metrics)


def lead_source_mix(deals: ir.Table, assignments: ir.Table) -> ir.Table:
    """Each lead source's share of a segment's deals and of its won amount (plus ``All``).

    Returns
    -------
    ibis.Table
        ``segment``, ``lead_source`` (null where the CRM has none), ``deals``,
        ``deal_share`` (of the segment's deals), ``won_amount``, ``won_amount_share``
        (of the segment's won amount; null when it won nothing).

    Examples
    --------
    >>> deals = ibis.memtable({"deal_id": ["1", "2", "3", "4"], "account_id": ["a"] * 4,
    ...     "amount": [100.0, 300.0, 50.0, 10.0], "lead_source": ["Web", "Web", "Partner", "Web"],
    ...     "is_won": [True, True, True, False], "is_closed": [True] * 4,
    ...     "deal_type": [None] * 4, "created_date": [None] * 4, "close_date": [None] * 4})
    >>> assignments = ibis.memtable({"account_id": ["a"], "segment": ["SMB"]})
    >>> rows = (lead_source_mix(deals, assignments).filter(ibis._.segment == "SMB")
    ...         .order_by("lead_source").to_pyarrow().to_pylist())
    >>> [(r["lead_source"], r["deal_share"], r["won_amount_share"]) for r in rows]
    [('Partner', 0.25, 0.1111111111111111), ('Web', 0.75, 0.8888888888888888)]
    """
    table = _prepared(deals, assignments)
    won_cents = to_cents(ibis.ifelse(table[_WON], table[AMOUNT], 0.0).fill_null(0.0))
    mix = table.group_by([SEGMENT, LEAD_SOURCE]).aggregate(
        deals=table.count(), won_cents=won_cents.sum()
    )
    in_segment = ibis.window(group_by=SEGMENT)
    return mix.select(
        SEGMENT,
        LEAD_SOURCE,
        "deals",
        deal_share=mix.deals.cast("float64") / mix.deals.sum().over(in_segment).cast("float64"),
        won_amount=from_cents(mix.won_cents),
        won_amount_share=mix.won_cents.cast("float64")
        / mix.won_cents.sum().over(in_segment).cast("float64").nullif(0),
    )


@analysis("deal_metrics", needs=(DEALS,), section=Section(
    "New business: win rate and deal size", order=30,
    blocks=(Chart("win_rate_vs_deal_size", table="deal_metrics",
                  empty="No closed deals with an amount yet."),)))
def deal_analysis(context: RunContext) -> dict[str, ir.Table]:
    """The registered analysis: `deal_metrics` per segment, and per segment and quarter."""
    deals, segments = context.tables[DEALS.name], context.segments
    return {"deal_metrics": deal_metrics(deals, segments),
            "deal_metrics_by_quarter": deal_metrics(deals, segments, period="quarter")}


@analysis("open_pipeline", needs=(DEALS,))
def open_pipeline_analysis(context: RunContext) -> ir.Table:
    """The registered analysis: `open_pipeline` of the clean deals by the run's segments."""
    return open_pipeline(context.tables[DEALS.name], context.segments)


@analysis("lead_source_mix", needs=(DEALS,))
def lead_source_analysis(context: RunContext) -> ir.Table:
    """The registered analysis: `lead_source_mix` of the clean deals by the run's segments."""
    return lead_source_mix(context.tables[DEALS.name], context.segments)


def _prepared(deals: ir.Table, assignments: ir.Table) -> ir.Table:
    """Deals with segment, normalised type, closed/won flags and cycle days, plus an ``All`` copy."""
    joined = deals.left_join(assignments.select(ACCOUNT_ID, SEGMENT), ACCOUNT_ID)
    closed = joined[IS_CLOSED].cast("boolean").fill_null(False)
    # Casts are no-ops on validated tables; they type columns a source left entirely empty.
    created, close = joined[CREATED_DATE].cast("date"), joined[CLOSE_DATE].cast("date")
    table = joined.select(
        *(name for name in deals.columns if name not in (SEGMENT, AMOUNT, CLOSE_DATE)),
        **{
            SEGMENT: joined[SEGMENT].fill_null(UNASSIGNED),
            AMOUNT: joined[AMOUNT].cast("float64"),
            CLOSE_DATE: close,
            _TYPE: normalise_deal_type(joined[DEAL_TYPE].cast("string")),
            _CLOSED: closed,
            _WON: closed & joined[IS_WON].cast("boolean").fill_null(False),
            _CYCLE: sales_cycle_days(created, close),
        },
    )
    return ibis.union(table, table.mutate(**{SEGMENT: ibis.literal(ALL_SEGMENTS)}))

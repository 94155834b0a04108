"""Headline figures for leadership: company ARR, retention, win rate, unassigned share and the
biggest ARR movements of the latest period with the segments behind them."""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from segmint.analyse.performance import Period, classify_growth, period_label
from segmint.analyse.registry import analysis
from segmint.context import RunContext
from segmint.money import money_text
from segmint.sections import Figures, Section
from segmint.tables import (
    ALL_SEGMENTS,
    CLOSING_ARR,
    CLOSING_LOGOS,
    DEALS,
    GRR,
    GRR_TTM,
    MOVEMENT,
    NRR,
    NRR_TTM,
    PERIOD,
    REVENUE,
    SEGMENT,
    UNASSIGNED,
)

FIGURE, VALUE, COUNT, OF = "figure", "value", "count", "of"
LABEL, TEXT, NOTE = "label", "text", "note"
AMOUNT, SEGMENT_AMOUNT, SEGMENT_SHARE = "amount", "segment_amount", "segment_share"
NEW_WIN_RATE, UNASSIGNED_SHARE = "new_win_rate", "unassigned_share"
# The headline's figures, in the order leadership reads them.
FIGURES = (CLOSING_ARR, NRR_TTM, GRR_TTM, NRR, GRR, NEW_WIN_RATE, UNASSIGNED_SHARE)
_ARR_FIGURES = FIGURES[:5]
_MOVEMENT_NAMES = {"new_logo": "New logo", "expansion": "Expansion", "cross_sell": "Cross-sell",
                   "contraction": "Contraction", "churn": "Churn", "reactivation": "Reactivation"}

HEADLINE_SCHEMA = {FIGURE: "string", LABEL: "string", PERIOD: "date", VALUE: "float64",
                   COUNT: "int64", OF: "int64", TEXT: "string", NOTE: "string"}
MOVEMENTS_SCHEMA = {MOVEMENT: "string", LABEL: "string", PERIOD: "date", AMOUNT: "float64",
                    SEGMENT: "string", SEGMENT_AMOUNT: "float64", SEGMENT_SHARE: "float64",
                    TEXT: "string", NOTE: "string"}


def company_figures(
    assignments: ir.Table,
    *,
    bridge: ir.Table | None = None,
    retention: ir.Table | None = None,
    deals: ir.Table | None = None,
    when: dt.date | None = None,
) -> ir.Table:
    """The company's headline figures, one row each, from the finished per-segment tables.

    The period read is the bridge's latest; without a bridge, `when` (a period's first day).
    A figure whose table is not given has no row; one whose ratio has no denominator has a
    null ``value``.

    Parameters
    ----------
    assignments : ibis.Table
        ``segment`` per account (the run's assignments).
    bridge, retention : ibis.Table, optional
        Outputs of `performance.arr_bridge` and `performance.retention`.
    deals : ibis.Table, optional
        Output of `deals.deal_metrics(..., period=...)`, by the bridge's period length.
    when : datetime.date, optional
        The period to read when there is no bridge.

    Returns
    -------
    ibis.Table
        ``figure``, ``period`` (first day; null for ``unassigned_share``, which is now),
        ``value``, ``count`` and ``of``:

        - ``closing_arr``: ``All``'s closing ARR; ``count`` its customers (closing logos);
        - ``nrr``, ``grr``: retention in the period; ``nrr_ttm``, ``grr_ttm``: over the
          twelve months to its end (as in `retention`);
        - ``new_win_rate``: new-business deals won / closed in the period (``count`` of
          ``of``); null when none closed;
        - ``unassigned_share``: accounts in ``Unassigned`` (``count``) of all (``of``).

    Examples
    --------
    >>> assignments = ibis.memtable({"segment": ["SMB", "Unassigned", "SMB", "SMB"]})
    >>> company_figures(assignments).to_pyarrow().to_pylist()
    [{'figure': 'unassigned_share', 'period': None, 'value': 0.25, 'count': 1, 'of': 4}]
    """

    def row(table: ir.Table, figure: str, value: ir.Value, count=None, of=None,
            period: ir.Value | None = None) -> ir.Table:
        return table.select(**{
            FIGURE: ibis.literal(figure),
            PERIOD: (table[PERIOD] if period is None else period).cast("date"),
            VALUE: value.cast("float64"),
            COUNT: (ibis.null() if count is None else count).cast("int64"),
            OF: (ibis.null() if of is None else of).cast("int64"),
        })

    latest = bridge[PERIOD].max() if bridge is not None else ibis.literal(when, "date")
    rows = []
    if bridge is not None:
        now = bridge.filter((bridge[SEGMENT] == ALL_SEGMENTS) & (bridge[PERIOD] == latest))
        rows.append(row(now, CLOSING_ARR, now[CLOSING_ARR], now[CLOSING_LOGOS]))
    if retention is not None:
        rates = retention.filter((retention[SEGMENT] == ALL_SEGMENTS) & (retention[PERIOD] == latest))
        rows += [row(rates, name, rates[name]) for name in (NRR_TTM, GRR_TTM, NRR, GRR)]
    if deals is not None and (bridge is not None or when is not None):
        won = deals.filter((deals[SEGMENT] == ALL_SEGMENTS) & (deals[PERIOD] == latest))
        rows.append(row(won, NEW_WIN_RATE, won[NEW_WIN_RATE], won.new_won_deals,
                        won.new_closed_deals))
    counts = assignments.aggregate(
        _unassigned=(assignments[SEGMENT] == UNASSIGNED).cast("int64").sum().fill_null(0),
        _accounts=assignments.count(),
    )
    rows.append(row(counts, UNASSIGNED_SHARE,
                    counts._unassigned.cast("float64") / counts._accounts.cast("float64").nullif(0),
                    counts._unassigned, counts._accounts, period=ibis.null("date")))
    return ibis.union(*rows)


def biggest_movements(bridge: ir.Table) -> ir.Table:
    """Each ARR movement of the latest period, company-wide, with the segment holding most of it.

    Movements that are zero company-wide have no row. Each movement has one sign in every
    segment (losses negative), so ``segment_share`` lies between 0 and 1; ties go to the
    segment first by name. ``Unassigned`` counts as a segment: ARR behind unassigned
    accounts is worth saying.

    Returns
    -------
    ibis.Table
        ``movement``, ``period``, ``amount`` (``All``'s, losses negative), ``segment``,
        ``segment_amount`` and ``segment_share`` = segment_amount / amount.

    Examples
    --------
    >>> bridge = ibis.memtable({"segment": ["A", "B", "All"], "period": [1, 1, 1],
    ...     "new_logo": [0, 0, 0], "reactivation": [0, 0, 0], "expansion": [10, 30, 40],
    ...     "cross_sell": [0, 0, 0], "contraction": [0, 0, 0], "churn": [-5, 0, -5]})
    >>> rows = biggest_movements(bridge).order_by("movement").to_pyarrow().to_pylist()
    >>> [(r["movement"], r["amount"], r["segment"], r["segment_share"]) for r in rows]
    [('churn', -5.0, 'A', 1.0), ('expansion', 40.0, 'B', 0.75)]
    """
    moves = classify_growth(bridge.filter(bridge[PERIOD] == bridge[PERIOD].max()))
    moves = moves.mutate(**{AMOUNT: moves[AMOUNT].cast("float64")})
    totals = moves.filter((moves[SEGMENT] == ALL_SEGMENTS) & (moves[AMOUNT] != 0))
    parts = moves.filter((moves[SEGMENT] != ALL_SEGMENTS) & (moves[AMOUNT] != 0))
    largest_first = ibis.window(group_by=MOVEMENT, order_by=[ibis.desc(parts[AMOUNT].abs()), SEGMENT])
    parts = parts.mutate(_rank=ibis.row_number().over(largest_first))
    top = parts.filter(parts._rank == 0).select(
        _movement=parts[MOVEMENT], **{SEGMENT: parts[SEGMENT], SEGMENT_AMOUNT: parts[AMOUNT]}
    )
    joined = totals.join(top, totals[MOVEMENT] == top._movement)
    return joined.select(
        MOVEMENT, PERIOD, AMOUNT,
        **{SEGMENT: top[SEGMENT], SEGMENT_AMOUNT: top[SEGMENT_AMOUNT],
           SEGMENT_SHARE: top[SEGMENT_AMOUNT] / totals[AMOUNT]},
    )


def describe_figures(rows: list[dict], *, has_revenue: bool, has_deals: bool,
                     when: dt.date | None, period: Period = "quarter") -> list[dict]:
    """`company_figures` rows (fetched) as the headline: each figure in `FIGURES` order with a
    label, its value as text and a note; a figure the data cannot give says why instead.

    Examples
    --------
    >>> rows = [{"figure": "unassigned_share", "period": None, "value": 0.25, "count": 1, "of": 4}]
    >>> said = describe_figures(rows, has_revenue=False, has_deals=False, when=None)
    >>> [(r["label"], r["text"], r["note"]) for r in said]  # doctest: +NORMALIZE_WHITESPACE
    [('ARR, NRR and GRR', None, 'not shown, as the project loads no revenue table (sources.revenue)'),
     ('New-business win rate', None, 'not shown, as the project loads no deals table (sources.deals)'),
     ('Unassigned accounts', '25.0%', '1 of 4 accounts')]
    """
    found = {row[FIGURE]: row for row in rows}
    arr_period = next((found[name][PERIOD] for name in _ARR_FIGURES if name in found), None)
    now = period_label(arr_period or when, period) if (arr_period or when) else "the latest period"
    said = []
    if not any(name in found for name in _ARR_FIGURES):
        why = ("the project loads no revenue table (sources.revenue)" if not has_revenue
               else f"no recurring revenue at a {period} end yet")
        said.append(_said("arr", "ARR, NRR and GRR", None, None, f"not shown, as {why}"))
    if (closing := found.get(CLOSING_ARR)) is not None:
        customers = f"{closing[COUNT]:,} customer{'' if closing[COUNT] == 1 else 's'}"
        said.append(_said(CLOSING_ARR, "Closing ARR", closing, money_text(closing[VALUE]),
                          f"{now} · {customers}"))
    for name, label, note, missing in (
        (NRR_TTM, "NRR, 12 months", f"year to {now}", f"no ARR a year before {now}"),
        (GRR_TTM, "GRR, 12 months", f"year to {now}", f"no ARR a year before {now}"),
        (NRR, f"NRR, {now}", f"{period} on {period}", f"no ARR at the start of {now}"),
        (GRR, f"GRR, {now}", f"{period} on {period}", f"no ARR at the start of {now}"),
    ):
        if (row := found.get(name)) is not None:
            known = row[VALUE] is not None
            said.append(_said(name, label, row, f"{row[VALUE]:.0%}" if known else None,
                              note if known else missing))
    win = found.get(NEW_WIN_RATE)
    if not has_deals:
        said.append(_said(NEW_WIN_RATE, "New-business win rate", None, None,
                          "not shown, as the project loads no deals table (sources.deals)"))
    elif win is None or win[VALUE] is None:
        said.append(_said(NEW_WIN_RATE, "New-business win rate", win, None,
                          f"no new-business deal closed in {now}"))
    else:
        said.append(_said(NEW_WIN_RATE, "New-business win rate", win, f"{win[VALUE]:.0%}",
                          f"{now} · {win[COUNT]:,} of {win[OF]:,} closed deals won"))
    unassigned = found[UNASSIGNED_SHARE]
    said.append(_said(UNASSIGNED_SHARE, "Unassigned accounts", unassigned,
                      None if unassigned[VALUE] is None else f"{unassigned[VALUE]:.1%}",
                      f"{unassigned[COUNT]:,} of {unassigned[OF]:,} accounts"))
    return said


def describe_movements(rows: list[dict], *, period: Period = "quarter") -> list[dict]:
    """`biggest_movements` rows (fetched), largest first, each with a label, the amount as
    signed text and a note naming the segment behind most of it.

    Examples
    --------
    >>> rows = [{"movement": "churn", "period": dt.date(2026, 7, 1), "amount": -1.2e6,
    ...          "segment": "Enterprise-EMEA", "segment_amount": -7.2e5, "segment_share": 0.6}]
    >>> said = describe_movements(rows)[0]
    >>> said["label"], said["text"], said["note"]
    ('Churn', '−1.2M', '60% of it in Enterprise-EMEA (2026-Q3)')
    """
    said = []
    for row in sorted(rows, key=lambda r: (-abs(r[AMOUNT]), r[MOVEMENT])):
        share = row[SEGMENT_SHARE]
        where = "all" if share == 1 else f"{share:.0%}"
        said.append({
            **{name: row[name] for name in (MOVEMENT, PERIOD, AMOUNT, SEGMENT, SEGMENT_AMOUNT,
                                            SEGMENT_SHARE)},
            LABEL: _MOVEMENT_NAMES[row[MOVEMENT]],
            TEXT: f"{'+' if row[AMOUNT] > 0 else '−'}{money_text(abs(row[AMOUNT]))}",
            NOTE: f"{where} of it in {row[SEGMENT]} ({period_label(row[PERIOD], period)})",
        })
    return said


def _said(figure: str, label: str, row: dict | None, text: str | None, note: str) -> dict:
    row = row or {}
    return {FIGURE: figure, LABEL: label, PERIOD: row.get(PERIOD), VALUE: row.get(VALUE),
            COUNT: row.get(COUNT), OF: row.get(OF), TEXT: text, NOTE: note}


def _quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


@analysis("headline", after=("arr_bridge", "deal_metrics"), section=Section(
    "Headline", order=1,
    blocks=(Figures("headline"),
            Figures("headline_movements", title="Biggest ARR movements in the latest quarter",
                    empty="No ARR moved in the latest quarter.", signed=AMOUNT))))
def headline_analysis(context: RunContext) -> dict[str, ir.Table]:
    """The registered analysis: `company_figures` and `biggest_movements`, said for leadership.

    Reads the tables the ARR bridge and deal analyses returned (``arr_bridge``,
    ``retention``, ``deal_metrics_by_quarter``) and the assignments; what a project lacks
    is said in words. Without revenue the win rate is of the quarter holding ``as_of``, and
    there is no ``headline_movements``.
    """
    results = context.results
    bridge = results.get("arr_bridge")
    when = None if bridge is not None else _quarter_start(context.as_of)
    figures = company_figures(context.segments, bridge=bridge, retention=results.get("retention"),
                              deals=results.get("deal_metrics_by_quarter"), when=when)
    headline = describe_figures(figures.to_pyarrow().to_pylist(),
                                has_revenue=REVENUE.name in context.tables,
                                has_deals=DEALS.name in context.tables, when=when)
    said = {"headline": _table(headline, HEADLINE_SCHEMA)}
    if bridge is not None:  # no revenue, no movements to speak of (nor an empty table)
        movements = describe_movements(biggest_movements(bridge).to_pyarrow().to_pylist())
        said["headline_movements"] = _table(movements, MOVEMENTS_SCHEMA)
    return said


def _table(rows: list[dict], schema: dict[str, str]) -> ir.Table:
    """`rows` as an in-memory table of `schema` (through Arrow, so an all-null column keeps its type)."""
    arrow = ibis.schema(schema).to_pyarrow()
    return ibis.memtable(pa.Table.from_pylist([{n: row[n] for n in schema} for row in rows], arrow))


__all__ = ["FIGURES", "biggest_movements", "company_figures", "describe_figures",
           "describe_movements"]

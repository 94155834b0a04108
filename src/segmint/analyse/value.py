"""Customer lifetime value by segment: how much each segment is worth, and how it spreads."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from segmint import tables as t
from segmint.analyse.registry import analysis
from segmint.context import RunContext
from segmint.money import sum_to_the_cent
from segmint.sections import Chart, Section, TableView

CLV_BY_SEGMENT = "clv_by_segment"
SPREAD = {"clv_p10": 0.1, "clv_median": 0.5, "clv_p90": 0.9}  # across a segment's accounts


def clv_by_segment(assignments: ir.Table) -> ir.Table:
    """Accounts, total CLV (repeat and contract parts), its share, and the spread of CLV
    across the accounts of each segment, plus ``All``.

    Parameters
    ----------
    assignments : ibis.Table
        ``segment``, ``clv``, ``clv_repeat`` and ``clv_contract`` per account.

    Returns
    -------
    ibis.Table
        ``segment``, ``accounts``, ``clv``, ``clv_repeat``, ``clv_contract``, ``clv_share``
        (of all accounts' CLV), ``clv_mean``, ``clv_p10``, ``clv_median``, ``clv_p90``;
        largest CLV first, ``All`` last.

    Examples
    --------
    >>> rows = ibis.memtable({"segment": ["A", "A", "B"], "clv": [10.0, 30.0, 60.0],
    ...     "clv_repeat": [10.0, 0.0, 20.0], "clv_contract": [0.0, 30.0, 40.0]})
    >>> out = clv_by_segment(rows).to_pyarrow().to_pylist()
    >>> [(r["segment"], r["clv"], r["clv_share"]) for r in out]
    [('B', 60.0, 0.6), ('A', 40.0, 0.4), ('All', 100.0, 1.0)]
    """
    def summarise(table: ir.Table) -> dict[str, ir.Value]:
        # whole cents, so no total depends on the order the engine adds it in
        return {"accounts": table.count(), t.CLV: sum_to_the_cent(table[t.CLV]),
                t.CLV_REPEAT: sum_to_the_cent(table[t.CLV_REPEAT]),
                t.CLV_CONTRACT: sum_to_the_cent(table[t.CLV_CONTRACT]),
                "clv_mean": sum_to_the_cent(table[t.CLV]) / table[t.CLV].count(),
                **{name: table[t.CLV].quantile(q) for name, q in SPREAD.items()}}

    per_segment = assignments.group_by(t.SEGMENT).aggregate(**summarise(assignments))
    everyone = assignments.aggregate(**summarise(assignments)).mutate(
        **{t.SEGMENT: ibis.literal(t.ALL_SEGMENTS)})
    both = per_segment.union(everyone.select(*per_segment.columns))
    total = sum_to_the_cent(assignments[t.CLV]).as_scalar()
    return _largest_first(both.mutate(clv_share=both[t.CLV] / total.nullif(0.0)))


def _largest_first(value: ir.Table) -> ir.Table:
    """Segments by CLV, largest first, ``All`` last."""
    return value.order_by([value[t.SEGMENT] == t.ALL_SEGMENTS, ibis.desc(t.CLV)])


SECTION = Section("Lifetime value by segment", order=56, blocks=(
    Chart(CLV_BY_SEGMENT, table=CLV_BY_SEGMENT, empty="No account has a CLV."),
    # the columns a reader compares; the repeat / contract split is in the chart and the file
    TableView(CLV_BY_SEGMENT, columns=(t.SEGMENT, "accounts", t.CLV, "clv_low", "clv_high",
                                       "clv_share", "clv_median", "clv_p90")),
))


@analysis(CLV_BY_SEGMENT, scores=(t.CLV,), section=SECTION)
def _clv_by_segment(context: RunContext) -> ir.Table:
    """`clv_by_segment` with the range the CLV model's own uncertainty allows each total
    (``clv_low``, ``clv_high``: `segmint.score.clv.CustomerLifetimeValue.segment_ranges`)."""
    value = clv_by_segment(context.assignments)
    ranges = context.models[t.CLV].segment_ranges(context.assignments)
    if ranges.empty:
        return value.mutate(clv_low=ibis.null("float64"), clv_high=ibis.null("float64"))
    bounds = ibis.memtable(ranges.rename(columns={t.SEGMENT: "_range_segment"}))
    joined = value.left_join(bounds, value[t.SEGMENT] == bounds._range_segment) \
        .select(*value.columns, "clv_low", "clv_high")
    return _largest_first(joined)  # a join keeps no order

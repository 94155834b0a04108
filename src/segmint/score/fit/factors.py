"""Top contributing factors per account, ranked in the engine from per-factor weights."""

from __future__ import annotations

from collections.abc import Sequence

import ibis
import ibis.expr.types as ir

from segmint.engine.common import empty_text_list

SMALLEST_FACTOR = 1e-9  # a factor that moves the score by less than this is not named


def top_factors(factors: Sequence[tuple[ir.NumericValue, ir.StringValue]],
                count: int) -> ir.ArrayValue:
    """The labels of the `count` factors with the largest absolute weight on each row,
    largest first (ties: in the given order); factors weighing nothing or null are left out.

    Each factor is an engine expression of its weight on the row and its label there. Each
    factor's rank is counted by comparing it with every other (a few tens of factors at most),
    so no engine needs to sort inside a row.

    Examples
    --------
    >>> rows = ibis.memtable({"a": [1.0, 0.0, -3.0], "b": [2.0, 0.5, 1.0]})
    >>> named = top_factors([(rows.a, ibis.literal("a")), (rows.b, ibis.literal("b"))], 1)
    >>> rows.select(top=named).to_pyarrow()["top"].to_pylist()
    [['b'], ['b'], ['a']]
    """
    sizes = [weight.abs().fill_null(0.0) for weight, _ in factors]
    ranks = []
    for i, size in enumerate(sizes):
        above = [(other > size) if j > i else (other >= size)
                 for j, other in enumerate(sizes) if j != i]
        ranks.append(sum((b.cast("int64") for b in above), ibis.literal(0)))
    picked = []
    for position in range(min(count, len(factors))):
        cases = [((rank == position) & (size > SMALLEST_FACTOR), label)
                 for rank, size, (_, label) in zip(ranks, sizes, factors)]
        picked.append(ibis.cases(*cases, else_=ibis.null("string")))
    if not picked:
        return empty_text_list()
    return ibis.array(picked).filter(lambda label: label.notnull())

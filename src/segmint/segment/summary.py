"""Per-segment summaries of the assignments: accounts, customers, share and ARR; why unassigned."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from segmint import tables as t
from segmint.money import sum_to_the_cent


def segment_summary(assignments: ir.Table) -> ir.Table:
    """Accounts, customers, share of accounts and ARR (when known) per segment, largest first.

    Examples
    --------
    >>> a = ibis.memtable({"segment": ["SMB", "SMB", "ENT"], "is_customer": [True, False, True],
    ...                    "arr": [1200.0, 0.0, 24000.0]})
    >>> segment_summary(a).execute().values.tolist()
    [['SMB', 2, 1, 0.6666666666666666, 1200.0], ['ENT', 1, 1, 0.3333333333333333, 24000.0]]
    """
    metrics = {"accounts": lambda a: a.count()}
    if t.IS_CUSTOMER in assignments.columns:
        metrics["customers"] = lambda a: a[t.IS_CUSTOMER].fill_null(False).cast("int64").sum()
    grouped = assignments.group_by(t.SEGMENT).aggregate(**metrics)
    grouped = grouped.mutate(share=grouped.accounts / grouped.accounts.sum().over())
    if t.ARR in assignments.columns:
        arr = assignments.group_by(t.SEGMENT).aggregate(arr=sum_to_the_cent(assignments[t.ARR]))
        grouped = grouped.join(arr, t.SEGMENT)
    return grouped.order_by(ibis.desc("accounts"), t.SEGMENT)


def reason_counts(assignments: ir.Table, *, limit: int = 20) -> ir.Table:
    """The reasons accounts are unassigned, with how many accounts each, most first.

    Examples
    --------
    >>> a = ibis.memtable({"segment": ["Unassigned", "Unassigned", "SMB"],
    ...                    "reason": ["employees missing", "employees missing", "default"]})
    >>> reason_counts(a).execute().values.tolist()
    [['employees missing', 2]]
    """
    return (
        assignments.filter(assignments[t.SEGMENT] == t.UNASSIGNED)
        .group_by(t.REASON).aggregate(accounts=lambda a: a.count())
        .order_by(ibis.desc("accounts"), t.REASON).limit(limit)
    )

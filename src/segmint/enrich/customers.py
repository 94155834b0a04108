"""Who is a customer: paying in the latest revenue month, or typed as a customer in the CRM."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from segmint import tables as t


def mark_customers(accounts: ir.Table, revenue: ir.Table | None = None) -> ir.Table:
    """Add ``is_customer`` (and ``arr``, when there is revenue) to the accounts.

    With a revenue table, a customer is an account with positive recurring revenue in the
    latest month of that table, and ``arr`` is 12 × that month's MRR (0 for the others).
    Without one, the CRM's account type decides: a type containing "customer", but not
    "former" or "ex-", marks a customer.

    Examples
    --------
    >>> accounts = ibis.memtable({"account_id": ["a", "b", "c"],
    ...                           "account_type": ["Prospect", "Customer", "Former Customer"]})
    >>> mark_customers(accounts).order_by("account_id").is_customer.execute().tolist()
    [False, True, False]
    """
    if revenue is None:
        if t.ACCOUNT_TYPE not in accounts.columns:
            return accounts.mutate(**{t.IS_CUSTOMER: ibis.null("boolean")})
        kind = accounts[t.ACCOUNT_TYPE].lower()
        customer = kind.contains("customer") & ~kind.re_search(r"former|\bex[- ]|churn")
        return accounts.mutate(**{t.IS_CUSTOMER: customer.fill_null(False)})
    latest = revenue[t.PERIOD].max()
    current = (
        revenue.filter(revenue[t.PERIOD] == latest)
        .group_by(t.ACCOUNT_ID)
        .aggregate(_mrr=lambda r: r[t.MRR].sum())
    )
    joined = accounts.left_join(current, t.ACCOUNT_ID).drop(f"{t.ACCOUNT_ID}_right")
    mrr = joined._mrr.fill_null(0)
    return joined.mutate(**{t.IS_CUSTOMER: mrr > 0, t.ARR: (mrr * 12).round(2)}).drop("_mrr")

"""Who is a customer: paying in the latest revenue month, else a won deal or the CRM's type."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from segmint import tables as t


def mark_customers(accounts: ir.Table, revenue: ir.Table | None = None,
                   deals: ir.Table | None = None) -> ir.Table:
    """Add ``is_customer`` (and ``arr``, when there is revenue) to the accounts.

    With a revenue table, a customer is an account with positive recurring revenue in the
    latest month of that table, and ``arr`` is 12 × that month's MRR (0 for the others).
    Without one, an account is a customer when it has a won deal, or when the CRM's account
    type contains "customer" (but not "former", "ex-" or "churn"); `customer_rule` says
    which rule decided how many.

    Examples
    --------
    >>> accounts = ibis.memtable({"account_id": ["a", "b", "c", "d"],
    ...     "account_type": ["Prospect", "Customer", "Former Customer", "Prospect"]})
    >>> deals = ibis.memtable({"account_id": ["d", "a"], "is_won": [True, False],
    ...                        "is_closed": [True, True]})
    >>> mark_customers(accounts, deals=deals).order_by("account_id").is_customer.execute().tolist()
    [False, True, False, True]
    """
    if revenue is None:
        typed = _typed_customer(accounts)
        if deals is None:
            return accounts.mutate(**{t.IS_CUSTOMER: typed})
        won = _won_account_ids(deals)
        return accounts.mutate(**{t.IS_CUSTOMER: typed.fill_null(False)
                                  | accounts[t.ACCOUNT_ID].isin(won)})
    latest = revenue[t.PERIOD].max()
    current = (
        revenue.filter(revenue[t.PERIOD] == latest)
        .group_by(t.ACCOUNT_ID)
        .aggregate(_mrr=lambda r: r[t.MRR].sum())
    )
    joined = accounts.left_join(current, t.ACCOUNT_ID).drop(f"{t.ACCOUNT_ID}_right")
    mrr = joined._mrr.fill_null(0)
    return joined.mutate(**{t.IS_CUSTOMER: mrr > 0, t.ARR: (mrr * 12).round(2)}).drop("_mrr")


def _typed_customer(accounts: ir.Table) -> ir.BooleanValue:
    """Whether the CRM's account type says customer; null without an account type column."""
    if t.ACCOUNT_TYPE not in accounts.columns:
        return ibis.null("boolean")
    kind = accounts[t.ACCOUNT_TYPE].lower()
    return (kind.contains("customer") & ~kind.re_search(r"former|\bex[- ]|churn")).fill_null(False)


def _won_account_ids(deals: ir.Table) -> ir.Column:
    """The accounts with a won (closed and won) deal."""
    won = deals[t.IS_CLOSED].cast("boolean").fill_null(False) \
        & deals[t.IS_WON].cast("boolean").fill_null(False)
    return deals.filter(won)[t.ACCOUNT_ID]


def customer_rule(accounts: ir.Table, revenue: ir.Table | None = None,
                  deals: ir.Table | None = None) -> str:
    """Which rule decided who is a customer, with the accounts each rule made one; empty when a
    revenue table decides (an account paying in its latest month is a customer), the plain case.

    Examples
    --------
    >>> accounts = ibis.memtable({"account_id": ["a", "b", "c"],
    ...                           "account_type": ["Customer", "Prospect", "Prospect"]})
    >>> deals = ibis.memtable({"account_id": ["b", "a"], "is_won": [True, True],
    ...                        "is_closed": [True, True]})
    >>> print(customer_rule(accounts, deals=deals))
    Customers: no revenue table, so an account with a won deal is one (2 accounts), as is one whose account type says customer (1 account, 0 of them without a won deal).
    """
    if revenue is not None:  # the plain rule: said in the README, not on every run
        return ""
    no_account = accounts[t.ACCOUNT_ID].isnull() & ibis.literal(False)  # a column of false
    typed = _typed_customer(accounts).fill_null(False) | no_account
    won = (accounts[t.ACCOUNT_ID].isin(_won_account_ids(deals)) if deals is not None
           else no_account)
    typed_known = (accounts[t.ACCOUNT_TYPE].notnull() if t.ACCOUNT_TYPE in accounts.columns
                   else no_account)
    counts = accounts.aggregate(
        won=won.cast("int64").sum(), typed=typed.cast("int64").sum(),
        typed_only=(typed & ~won).cast("int64").sum(),
        typed_known=typed_known.cast("int64").sum()).to_pyarrow().to_pylist()[0]
    won_n, typed_n, only_n, known_n = (int(counts[k] or 0)
                                       for k in ("won", "typed", "typed_only", "typed_known"))

    def accounts_text(n: int) -> str:
        return f"{n:,} account{'s' if n != 1 else ''}"

    if deals is None:
        if not known_n:
            return ("Customers: unknown. There is no revenue table, no deals table and no "
                    "account type: add one of them to count customers.")
        return (f"Customers: the account type says customer ({accounts_text(typed_n)}); with no "
                "revenue or deals table nothing else decides. Add deals (won deals make "
                "customers) or revenue.")
    typed_text = (f", as is one whose account type says customer ({accounts_text(typed_n)}, "
                  f"{only_n:,} of them without a won deal)" if known_n else "")
    return (f"Customers: no revenue table, so an account with a won deal is one "
            f"({accounts_text(won_n)}){typed_text}.")

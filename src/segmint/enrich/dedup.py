"""Duplicate accounts: found by domain or by name and country, merged into one surviving id."""

from __future__ import annotations

from collections.abc import Callable

import ibis
import ibis.expr.types as ir

from segmint import tables as t
from segmint.engine.kept import kept_if_reread
from segmint.enrich.geography import attach_geography
from segmint.enrich.names import company_name_first_word, normalise_company_name, normalise_domain

SURVIVOR_ID, MATCHED_ON, MATCH_KEY = "survivor_id", "matched_on", "match_key"
BY_DOMAIN, BY_NAME = "domain", "name and country"  # values of matched_on
_DOMAIN, _NAME, _CLUSTER = "_dup_domain", "_dup_name", "_dup_cluster"


def find_duplicates(
    accounts: ir.Table, *, deals: ir.Table | None = None, revenue: ir.Table | None = None,
    keep: Callable[[ir.Table, str], ir.Table] = lambda table, name: table,
) -> ir.Table:
    """Group accounts that are one company, and choose the id that survives a merge.

    Two accounts are one company when their domains are equal after `normalise_domain`
    (``https://www.acme.com/`` and ``acme.com``), or, when one of them has no domain, when their
    names are equal after `normalise_company_name` ("ACME, Inc." and "Acme Incorporated") and
    their countries are the same ISO country. Accounts whose domains differ are never grouped:
    an account without a domain whose name and country match accounts of two different domains
    is left alone, since it cannot be told which one it is.

    The survivor of a group is the account with the most deals, then the most recurring
    revenue (sum of MRR), then the oldest created date (a missing date counts as newest), then
    the smallest id.

    Parameters
    ----------
    accounts : ibis.Table
        Validated accounts (``account_id``, ``name``, ``domain``, ``country``, ``created_date``;
        country as typed: it is normalised here).
    deals, revenue : ibis.Table, optional
        Validated deals and revenue, to choose survivors.
    keep : callable, optional
        ``keep(table, name)`` computes a table once in the engine (as ``RunContext.keep``):
        on Spark the accounts' keys and clusters are kept, since several parts read them.

    Returns
    -------
    ibis.Table
        One row per account in a group of two or more: ``account_id``, ``survivor_id`` (itself
        for the survivor), ``matched_on`` ('domain' or 'name and country') and ``match_key``
        (the domain, or "name|country"). Accounts not listed have no duplicate.

    Examples
    --------
    >>> accounts = ibis.memtable({"account_id": ["a", "b", "c", "d"],
    ...     "name": ["Acme Inc.", "ACME", "Acme Ltd", "Zeta"],
    ...     "domain": ["https://www.acme.com/", "acme.com", None, "acme.co.uk"],
    ...     "country": ["USA", "US", "United States", "UK"],
    ...     "created_date": [None, None, None, None]}).cast({"created_date": "date"})
    >>> out = find_duplicates(accounts).order_by("account_id").execute()
    >>> out[["account_id", "survivor_id", "matched_on"]].values.tolist()
    [['a', 'a', 'domain'], ['b', 'a', 'domain'], ['c', 'a', 'name and country']]
    """
    geo = attach_geography(accounts.select(t.ACCOUNT_ID, t.NAME, t.DOMAIN, t.COUNTRY,
                                           t.CREATED_DATE))
    base = geo.mutate(**{_DOMAIN: normalise_domain(geo[t.DOMAIN])})
    # Names only matter for accounts without a domain, and for the accounts named like one of
    # those. Keying a name costs seconds a million, so the few are keyed first and the many
    # narrowed to those whose cheap first word is one of the few keys' first words (or is
    # unknown): a name keyed alike starts with the same word (`company_name_first_word`).
    lonely = base.filter(base[_DOMAIN].isnull() & base[t.NAME].notnull()
                         & base[t.COUNTRY].notnull())
    lonely_keys = lonely.select(_key=normalise_company_name(lonely[t.NAME]))
    words = lonely_keys.select(_word=lonely_keys._key.re_extract("^[^ ]+", 0))
    word = company_name_first_word(base[t.NAME])
    maybe_named = (base[t.COUNTRY].notnull()
                   & (word.isnull() | word.isin(words._word)).fill_null(False))
    keyed = base.select(
        t.ACCOUNT_ID, t.CREATED_DATE, t.COUNTRY, _DOMAIN,
        **{_NAME: ibis.ifelse(maybe_named, normalise_company_name(base[t.NAME]),
                              ibis.null("string"))},
    )
    keyed = kept_if_reread(keyed, "duplicates_keyed", keep)
    named = keyed.filter(keyed[_NAME].notnull() & keyed[t.COUNTRY].notnull())
    by_name = named.group_by(_name_key=named[_NAME], _name_country=named[t.COUNTRY]).aggregate(
        _domains=named[_DOMAIN].nunique(), _one_domain=named[_DOMAIN].max(),
    )
    joined = keyed.left_join(
        by_name, [keyed[_NAME] == by_name._name_key, keyed[t.COUNTRY] == by_name._name_country]
    )
    name_key = joined[_NAME] + "|" + joined[t.COUNTRY]
    cluster = ibis.cases(
        (joined[_DOMAIN].notnull(), "domain:" + joined[_DOMAIN]),
        (joined._domains == 1, "domain:" + joined._one_domain),
        (joined._domains == 0, "name:" + name_key),
    )  # null: no domain and no name match, or a name shared by two domains
    clustered = joined.select(
        t.ACCOUNT_ID, t.CREATED_DATE,
        **{_CLUSTER: cluster,
           MATCHED_ON: ibis.ifelse(joined[_DOMAIN].notnull(), BY_DOMAIN, BY_NAME),
           MATCH_KEY: ibis.ifelse(joined[_DOMAIN].notnull() | (joined._domains == 1),
                                  joined[_DOMAIN].fill_null(joined._one_domain), name_key)},
    ).filter(lambda r: r[_CLUSTER].notnull())
    clustered = kept_if_reread(clustered, "duplicates_clustered", keep)
    # clusters of two or more by a hash aggregate and a semi-join (a window over every
    # account's cluster sorted a million rows); deals and revenue counted for their members only
    shared = (clustered.group_by(_shared=clustered[_CLUSTER])
              .aggregate(_size=lambda c: c.count()).filter(lambda c: c._size >= 2))
    grouped = clustered.filter(clustered[_CLUSTER].isin(shared._shared))
    members = grouped.select(_member=grouped[t.ACCOUNT_ID])

    weights = grouped.mutate(_deals=ibis.literal(0, "int64"), _mrr=ibis.literal(0.0, "float64"))
    if deals is not None:
        deals = deals.filter(deals[t.ACCOUNT_ID].isin(members._member))
        per = deals.group_by(_d_id=deals[t.ACCOUNT_ID]).aggregate(_n=deals.count())
        weights = weights.left_join(per, weights[t.ACCOUNT_ID] == per._d_id).mutate(
            _deals=lambda r: r._n.fill_null(0)).drop("_d_id", "_n")
    if revenue is not None:
        revenue = revenue.filter(revenue[t.ACCOUNT_ID].isin(members._member))
        per = revenue.group_by(_r_id=revenue[t.ACCOUNT_ID]).aggregate(_m=revenue[t.MRR].sum())
        weights = weights.left_join(per, weights[t.ACCOUNT_ID] == per._r_id).mutate(
            _mrr=lambda r: r._m.fill_null(0.0)).drop("_r_id", "_m")
    rank = ibis.row_number().over(
        group_by=weights[_CLUSTER],
        order_by=[ibis.desc(weights._deals), ibis.desc(weights._mrr),
                  weights[t.CREATED_DATE].isnull(), weights[t.CREATED_DATE], weights[t.ACCOUNT_ID]],
    )
    ranked = weights.mutate(_rank=rank)
    survivors = ranked.filter(ranked._rank == 0).select(
        _s_cluster=ranked[_CLUSTER], **{SURVIVOR_ID: ranked[t.ACCOUNT_ID]})
    out = ranked.join(survivors, ranked[_CLUSTER] == survivors._s_cluster)
    return out.select(t.ACCOUNT_ID, SURVIVOR_ID, MATCHED_ON, MATCH_KEY)


def merge_duplicates(tables: dict[str, ir.Table], duplicates: ir.Table) -> dict[str, ir.Table]:
    """Keep one account per duplicate group and point every row at the survivor.

    Merged accounts leave ``accounts``; the ``account_id`` of deals, revenue and usage rows, and
    the ``parent_id`` of accounts, are mapped through `duplicates` (from `find_duplicates`), so
    no row of those tables is lost: row counts before and after are equal. A survivor keeps its
    own values; a parent id that would point at the account itself becomes null.

    Examples
    --------
    >>> accounts = ibis.memtable({"account_id": ["a", "b"], "parent_id": [None, "a"]})
    >>> deals = ibis.memtable({"deal_id": ["d1", "d2"], "account_id": ["a", "b"]})
    >>> mapping = ibis.memtable({"account_id": ["a", "b"], "survivor_id": ["a", "a"]})
    >>> merged = merge_duplicates({"accounts": accounts, "deals": deals}, mapping)
    >>> merged["accounts"].execute().values.tolist(), merged["deals"].account_id.execute().tolist()
    ([['a', None]], ['a', 'a'])
    """
    moved = duplicates.filter(duplicates[t.ACCOUNT_ID] != duplicates[SURVIVOR_ID]).select(
        _old=duplicates[t.ACCOUNT_ID], _new=duplicates[SURVIVOR_ID])
    merged = {}
    for name, table in tables.items():
        if name == "accounts":
            kept = table.filter(~table[t.ACCOUNT_ID].isin(moved._old))
            if t.PARENT_ID in kept.columns:
                parent = _remap(kept, t.PARENT_ID, moved)
                kept = parent.mutate(**{t.PARENT_ID: ibis.ifelse(
                    parent[t.PARENT_ID] == parent[t.ACCOUNT_ID], ibis.null("string"),
                    parent[t.PARENT_ID])})
            merged[name] = kept
        elif t.ACCOUNT_ID in table.columns:
            merged[name] = _remap(table, t.ACCOUNT_ID, moved)
        else:
            merged[name] = table
    return merged


def _remap(table: ir.Table, column: str, moved: ir.Table) -> ir.Table:
    """`column` through old → new ids; one row out per row in (each old id is listed once)."""
    joined = table.left_join(moved, table[column] == moved._old)
    return joined.select(*[
        joined._new.fill_null(joined[c]).name(c) if c == column else joined[c]
        for c in table.columns
    ]).view()  # a view, so later joins on this table start a new join chain

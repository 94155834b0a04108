"""Duplicates: found by domain or by name and country; never across domains; no row lost."""

from __future__ import annotations

import ibis

from segmint.enrich.dedup import find_duplicates, merge_duplicates

ACCOUNTS = ibis.memtable({
    "account_id": ["a1", "a2", "a3", "b1", "b2", "c1", "c2", "d1", "e1"],
    "name": ["Acme Inc.", "ACME", "Acme Ltd", "Beta GmbH", "Beta AG", "Gamma", "Gamma LLC",
             "Delta", "Acme"],
    "domain": ["https://www.acme.com/", "acme.com", None, "beta.de", "beta.ch", None, None,
               "gmail.com", None],
    "country": ["USA", "US", "United States", "Germany", "Germany", "France", "FR", "UK", "UK"],
    "created_date": ["2021-01-01", "2020-01-01", "2019-01-01", None, None, "2022-05-01",
                     "2022-01-01", None, None],
    "parent_id": [None, None, "a2", None, None, None, None, None, None],
}).cast({"created_date": "date"})
DEALS = ibis.memtable({"deal_id": ["d1", "d2", "d3", "d4", "d5"],
                       "account_id": ["a1", "a2", "a2", "a3", "c1"]})
REVENUE = ibis.memtable({"account_id": ["a1", "a3", "c2", "zz"], "period": ["2024-01-01"] * 4,
                         "mrr": [10.0, 5.0, 1.0, 3.0]}).cast({"period": "date"})


def mapping():
    out = find_duplicates(ACCOUNTS, deals=DEALS, revenue=REVENUE).execute()
    return {r.account_id: (r.survivor_id, r.matched_on) for r in out.itertuples()}


def test_groups_and_survivors():
    # acme: a1 and a2 by domain, a3 (no domain) by name and US; a2 has the most deals (2).
    # gamma: no domains, same name in France; c1 has a deal, c2 only revenue: deals come first.
    # beta.de and beta.ch differ: never merged. gmail.com is no company domain.
    assert mapping() == {
        "a1": ("a2", "domain"), "a2": ("a2", "domain"), "a3": ("a2", "name and country"),
        "c1": ("c1", "name and country"), "c2": ("c1", "name and country"),
    }


def test_never_merges_two_different_domains():
    both = ibis.memtable({"account_id": ["p", "q", "r"], "name": ["Same", "Same", "Same"],
                          "domain": ["same.com", "same.co.uk", None],
                          "country": ["US", "US", "US"], "created_date": [None, None, None]},
                         ).cast({"created_date": "date"})
    # r could be either, so it is left alone too
    assert find_duplicates(both).count().execute() == 0


def test_merge_keeps_every_deal_and_revenue_row():
    dups = find_duplicates(ACCOUNTS, deals=DEALS, revenue=REVENUE)
    merged = merge_duplicates({"accounts": ACCOUNTS, "deals": DEALS, "revenue": REVENUE}, dups)
    assert merged["deals"].count().execute() == 5 and merged["revenue"].count().execute() == 4
    deals = merged["deals"].order_by("deal_id").account_id.execute().tolist()
    assert deals == ["a2", "a2", "a2", "a2", "c1"]
    assert sorted(merged["revenue"].account_id.execute()) == ["a2", "a2", "c1", "zz"]
    accounts = merged["accounts"].execute().set_index("account_id")
    assert sorted(accounts.index) == ["a2", "b1", "b2", "c1", "d1", "e1"]
    assert merged["deals"].columns == DEALS.columns


def test_names_that_only_key_alike_after_folding_still_match():
    # Only the accounts named like a domainless one are keyed; the narrowing must keep names
    # whose first word changes when keyed: accents, a leading "The", legal forms only.
    accounts = ibis.memtable({
        "account_id": ["s1", "s2", "t1", "t2", "m1", "m2", "x1"],
        "name": ["Société Générale", "SOCIETE GENERALE SA", "The Widget Co", "Widget Company",
                 "Müller GmbH", "Mueller", "Widget Works"],
        "domain": ["socgen.com", None, None, "widget.com", None, "mueller.de", "works.com"],
        "country": ["France", "FR", "US", "USA", "Germany", "DE", "US"],
        "created_date": [None] * 7,
    }).cast({"created_date": "date"})
    out = find_duplicates(accounts).execute()
    got = {r.account_id: r.survivor_id for r in out.itertuples()}
    assert got == {"s1": "s1", "s2": "s1", "t1": "t1", "t2": "t1"}  # Müller ≠ Mueller


def test_on_each_engine_with_its_keep_the_groups_are_the_same(con):
    """The run's keep: Spark keeps the keyed accounts and their clusters (each read by several
    parts of the query, which Spark would compute again for each); DuckDB computes a shared
    subquery once itself, so nothing is kept there."""
    from segmint.engine import materialise
    from segmint.engine.common import name_of

    kept = []

    def keep(table, name):
        kept.append(name)
        return materialise(con, table, name)

    accounts, deals, revenue = (materialise(con, table, name) for table, name in
                                ((ACCOUNTS, "accounts"), (DEALS, "deals"), (REVENUE, "revenue")))
    out = find_duplicates(accounts, deals=deals, revenue=revenue, keep=keep).execute()
    assert {r.account_id: (r.survivor_id, r.matched_on) for r in out.itertuples()} == mapping()
    assert kept == (["duplicates_keyed", "duplicates_clustered"] if name_of(con) == "spark"
                    else [])

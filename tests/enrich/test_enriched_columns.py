"""The columns enrichment adds are the ones `tables.ENRICHED_COLUMNS` declares to the project check."""

from __future__ import annotations

import ibis

from segmint import tables as t
from segmint.config.project import Enrich
from segmint.enrich import enrich
from segmint.enrich.parents import INHERITABLE


def test_enrichment_adds_exactly_the_declared_columns():
    accounts = ibis.memtable({c: [None] for c in t.ACCOUNTS.columns}).cast(
        {c: {"number": "float64", "money": "float64", "date": "date", "boolean": "boolean"}
         .get(kind, "string") for c, kind in t.ACCOUNTS.columns.items()})
    accounts = accounts.mutate(**{t.ACCOUNT_ID: ibis.literal("A")})
    revenue = ibis.memtable({t.ACCOUNT_ID: ["A"], t.PERIOD: [ibis.date(2024, 1, 1).execute()],
                             t.MRR: [1.0]})
    settings = Enrich(parent_size_for_subsidiaries=True)
    added = set(enrich(accounts, revenue, settings=settings).columns) - set(t.ACCOUNTS.columns)
    assert added == set(t.ENRICHED_COLUMNS)
    assert tuple(INHERITABLE) == t.INHERITED_GROUPS

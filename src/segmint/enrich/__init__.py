"""Enrich: normalise geography and industry, merge duplicates, fill from parents, mark customers.

``segmint.enrich`` is this package and also the function `enrich`: calling the package runs
it, so ``segmint.enrich(accounts)`` works whichever submodule was imported before.

>>> import ibis, segmint
>>> import segmint.enrich.geography  # importing a submodule keeps segmint.enrich callable
>>> segmint.enrich(ibis.memtable({"account_id": ["A"], "country": ["Deutschland"]})).region.execute().tolist()
['EMEA']
"""

from __future__ import annotations

import sys
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import ibis  # noqa: F401  (the examples use it)
import ibis.expr.types as ir

from segmint.config.project import Enrich, Project
from segmint.enrich.customers import mark_customers
from segmint.enrich.dedup import find_duplicates, merge_duplicates
from segmint.enrich.geography import attach_geography
from segmint.enrich.industry import attach_industry
from segmint.enrich.parents import inherit_from_parents
from segmint.tables import ENRICHED_COLUMNS

Keep = Callable[[ir.Table, str], ir.Table]

def enrich(accounts: ir.Table, revenue: ir.Table | None = None, *,
           settings: Enrich | None = None, deals: ir.Table | None = None) -> ir.Table:
    """Normalise geography (ISO country, region, state) and industry (NAICS), fill what is
    missing from parent accounts (as `settings` say; flagged in ``<group>_source``), mark customers.

    Duplicates are merged before this, by `segmint.enrich.dedup.merge_duplicates`, since deals
    and revenue must follow the surviving account (`enrich_tables` does both).

    Examples
    --------
    >>> a = ibis.memtable({"account_id": ["P", "C"], "parent_id": [None, "P"],
    ...                    "country": ["France", None]})
    >>> enrich(a).order_by("account_id").select("country", "region").execute().values.tolist()
    [['FR', 'EMEA'], ['FR', 'EMEA']]
    """
    return fill_from_parents(normalise(accounts, revenue, deals), settings)


def normalise(accounts: ir.Table, revenue: ir.Table | None = None,
              deals: ir.Table | None = None) -> ir.Table:
    """Enrichment without parents: geography and industry normalised, customers marked
    (`mark_customers`: from revenue, else won deals and the account type).

    Examples
    --------
    >>> a = ibis.memtable({"account_id": ["A"], "country": ["Deutschland"]})
    >>> normalise(a).select("country", "region").execute().values.tolist()
    [['DE', 'EMEA']]
    """
    return mark_customers(attach_industry(attach_geography(accounts)), revenue, deals)


def fill_from_parents(normalised: ir.Table, settings: Enrich | None = None) -> ir.Table:
    """`normalise`d accounts with what they lack filled from their parents, as `settings` say.

    Examples
    --------
    >>> a = normalise(ibis.memtable({"account_id": ["P", "C"], "parent_id": [None, "P"],
    ...                              "country": ["France", None]}))
    >>> fill_from_parents(a).order_by("account_id").country.execute().tolist()
    ['FR', 'FR']
    """
    settings = settings or Enrich()
    groups = [*settings.inherit_from_parent,
              *(["employees"] if settings.parent_size_for_subsidiaries else [])]
    return inherit_from_parents(normalised, groups, max_depth=settings.max_parent_depth)


@dataclass(frozen=True)
class Enriched:
    """What enrichment hands on: the enriched `accounts`, the clean `tables` (every table,
    duplicates merged when the project says so), the `duplicates` found (``account_id`` →
    ``survivor_id``) and the accounts only `normalised` (no merge, no parents), which the
    audit compares with."""

    accounts: ir.Table
    tables: Mapping[str, ir.Table]
    duplicates: ir.Table
    normalised: ir.Table


def enrich_tables(clean: Mapping[str, ir.Table], project: Project, *,
                  keep: Keep = lambda table, name: table) -> Enriched:
    """Find duplicates, normalise, merge duplicates (``enrich.dedupe``) and fill from parents.

    Examples
    --------
    >>> project = Project.model_validate({"sources": {"accounts": {"path": "a.csv"}},
    ...     "segmentation": {"segments": [{"name": "Everyone", "when": "true"}]}})
    >>> accounts = ibis.memtable({"account_id": ["A", "B"], "name": ["Acme", "Beta"],
    ...     "domain": [None, None], "parent_id": [None, "A"], "country": ["US", None],
    ...     "created_date": [None, None]}).cast({"created_date": "date"})
    >>> out = enrich_tables({"accounts": accounts}, project)
    >>> out.accounts.order_by("account_id").country.execute().tolist()
    ['US', 'US']
    """
    tables = dict(clean)
    duplicates = keep(find_duplicates(tables["accounts"], deals=tables.get("deals"),
                                      revenue=tables.get("revenue"), keep=keep), "duplicates")
    # normalised once: the audit compares with it, and without merging it is where parents fill in
    normalised = keep(normalise(tables["accounts"], tables.get("revenue"), tables.get("deals")),
                      "normalised")
    if project.enrich.dedupe:
        tables = {name: keep(table, f"{name}_merged")
                  for name, table in merge_duplicates(tables, duplicates).items()}
        accounts = enrich(tables["accounts"], tables.get("revenue"), settings=project.enrich,
                          deals=tables.get("deals"))
    else:
        accounts = fill_from_parents(normalised, project.enrich)
    return Enriched(keep(accounts, "enriched"), tables, duplicates, normalised)


class _CallableModule(types.ModuleType):
    """This package, callable as `enrich`: Python binds ``segmint.enrich`` to the package once
    any submodule is imported, and the documented API calls ``segmint.enrich(...)``."""

    def __call__(self, *args, **kwargs) -> ir.Table:
        return enrich(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule

__all__ = ["ENRICHED_COLUMNS", "Enriched", "enrich", "enrich_tables", "fill_from_parents",
           "normalise"]

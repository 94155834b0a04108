"""The audit's "before" picture: the segments accounts would get without parents and merging."""

from __future__ import annotations

import functools
import operator
from collections.abc import Mapping, Sequence

import ibis
import ibis.expr.types as ir

from segmint import tables as t
from segmint.config.project import Project
from segmint.enrich import Enriched
from segmint.enrich.industry import NAICS_SOURCE
from segmint.enrich.parents import BY_NAME, INHERITABLE, PARENT, PARENT_SOURCE, SOURCE_SUFFIX
from segmint.segment.assign import assign

COLUMNS = (t.ACCOUNT_ID, t.SEGMENT, t.REASON)


def baseline_assignments(project: Project, raw: Mapping[str, ir.Table], enriched: Enriched,
                         assignments: ir.Table, scored: ir.Table,
                         score_columns: Sequence[str] = ()) -> ir.Table:
    """``account_id``, ``segment`` and ``reason`` as the accounts would be segmented with only
    normalising: no parents filled, no duplicates merged.

    Without merging, only accounts that took something from a parent (or found their parent
    by name) can be in another segment, so only they are assigned again; the others keep
    theirs. That is a few percent of the accounts instead of all of them on every run. Score
    columns (`score_columns` of `scored`) are carried over as they are, since a rule may use
    them: the comparison is about what enrichment filled in.

    Examples
    --------
    >>> from segmint.enrich import enrich_tables
    >>> project = Project.model_validate({"sources": {"accounts": {"path": "a.csv"}},
    ...     "segmentation": {"dimensions": {"geo": {"kind": "map", "field": "country",
    ...         "builtin": "iso_region"}}, "default": "{geo}"}})
    >>> accounts = ibis.memtable({"account_id": ["P", "C"], "name": ["Parent", "Child"],
    ...     "domain": [None, None], "parent_id": [None, "P"], "country": ["FR", None],
    ...     "created_date": [None, None]}).cast({"created_date": "date"})
    >>> enriched = enrich_tables({"accounts": accounts}, project)
    >>> now = assign(enriched.accounts, project.segmentation)
    >>> before = baseline_assignments(project, {"accounts": accounts}, enriched, now,
    ...                               enriched.accounts)
    >>> before.order_by("account_id").segment.execute().tolist()
    ['Unassigned', 'EMEA']
    """
    normalised = _with_scores(enriched.normalised, scored, score_columns)
    if not project.enrich.dedupe:
        accounts = enriched.accounts
        marks = [*(group + SOURCE_SUFFIX for group in INHERITABLE), NAICS_SOURCE]
        flags = [accounts[c] == PARENT for c in marks if c in accounts.columns]
        if PARENT_SOURCE in accounts.columns:
            flags.append(accounts[PARENT_SOURCE] == BY_NAME)
        changed = functools.reduce(operator.or_, flags, ibis.literal(False)).fill_null(False)
        ids = accounts.filter(changed).select(_changed=accounts[t.ACCOUNT_ID])
        if not int(ids.count().execute()):
            return assignments.select(*COLUMNS)
        normalised = normalised.filter(normalised[t.ACCOUNT_ID].isin(ids._changed))
        kept = assignments.filter(~assignments[t.ACCOUNT_ID].isin(ids._changed))
        again = assign(normalised, project.segmentation, revenue=raw.get("revenue"),
                       deals=raw.get("deals"))
        return ibis.union(kept.select(*COLUMNS), again.select(*COLUMNS))
    return assign(normalised, project.segmentation, revenue=raw.get("revenue"),
                  deals=raw.get("deals")).select(*COLUMNS)


def _with_scores(accounts: ir.Table, scored: ir.Table, columns: Sequence[str]) -> ir.Table:
    if not columns:
        return accounts
    scores = scored.select(_s_id=scored[t.ACCOUNT_ID], *columns)
    joined = accounts.left_join(scores, accounts[t.ACCOUNT_ID] == scores._s_id)
    return joined.drop("_s_id")

"""What every stage after enrichment sees: the project, its as_of date and the tables so far."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import ibis.expr.types as ir

from segmint import tables as t
from segmint.config.project import Project

if TYPE_CHECKING:
    from segmint.score.registry import ScoreModel

Keep = Callable[[ir.Table, str], ir.Table]  # compute a table once in the engine, by name
Release = Callable[..., None]  # drop tables a `Keep` kept, once nothing reads them again


def keep_lazily(table: ir.Table, name: str) -> ir.Table:
    """A `Keep` that keeps nothing: the table stays an expression (tests, small runs)."""
    return table


def release_nothing(*tables: ir.Table) -> None:
    """A `Release` that drops nothing (with `keep_lazily`, or where tables may be read later)."""


def in_stated_order(table: ir.Table) -> ir.Table:
    """`table` with its rows in an order that is the same on every run: the analysis's own
    (an ``order_by``, or rows it built in order, as a memtable), else its columns' values from
    left to right. A group-by alone gives its groups in whatever order the engine's threads
    finish them.

    >>> import ibis
    >>> t = ibis.memtable({"segment": ["SMB", "ENT"], "n": [1, 2]})
    >>> in_stated_order(t) is t, in_stated_order(t.filter(t.n > 0)).execute().segment.tolist()
    (True, ['ENT', 'SMB'])
    """
    import ibis.expr.operations as ops

    if isinstance(table.op(), ops.Sort | ops.InMemoryTable):
        return table
    return table.order_by(*[c for c, dtype in table.schema().items()
                            if not (dtype.is_array() or dtype.is_map() or dtype.is_struct())])


@dataclass
class RunContext:
    """The tables and settings a score, an analysis or a plan works from.

    Attributes
    ----------
    project : Project
        The project's settings (segmentation, scores, outputs, ...).
    as_of : datetime.date
        The one date the whole run is "as of" (`segmint.as_of.resolve_as_of`).
    tables : mapping of str to ibis.Table
        The clean canonical tables by name (``accounts``, ``deals``, ``revenue``, ``usage``,
        ...), duplicates merged when the project says so; absent tables are not in it.
    accounts : ibis.Table
        The enriched accounts (ISO country, region, NAICS, parents filled, customers marked),
        with every score's columns once the score stage has run.
    assignments : ibis.Table or None
        One row per account: ``account_id``, ``name``, each dimension, each score column,
        ``segment``, ``reason``, ``is_customer``, ``arr``; None before segments are assigned.
    keep : callable
        ``keep(table, name)`` computes a table once in the engine and returns it.
    release : callable
        ``release(*tables)`` drops tables ``keep`` kept once nothing will read them again,
        freeing the engine's memory (`segmint.engine.release`); ignores any other table.
    results : dict of str to ibis.Table
        The tables the analyses and plans before this one returned, by output name.
    models : mapping of str to ScoreModel
        The fitted score models by name, in the order they were fitted (empty before the
        score stage): an analysis scores rows that are not accounts (market cells) with them.

    Examples
    --------
    >>> import ibis, datetime
    >>> project = Project.model_validate({"sources": {"accounts": {"path": "a.csv"}},
    ...     "segmentation": {"segments": [{"name": "Everyone", "when": "true"}]}})
    >>> assignments = ibis.memtable({"account_id": ["a"], "segment": ["Everyone"], "arr": [1.0]})
    >>> context = RunContext(project, datetime.date(2024, 6, 30), {}, assignments, assignments)
    >>> context.segments.columns
    ('account_id', 'segment')
    """

    project: Project
    as_of: dt.date
    tables: Mapping[str, ir.Table]
    accounts: ir.Table
    assignments: ir.Table | None = None
    keep: Keep = keep_lazily
    release: Release = release_nothing
    results: dict[str, ir.Table] = field(default_factory=dict)
    models: Mapping[str, ScoreModel] = field(default_factory=dict)

    @property
    def segments(self) -> ir.Table:
        """``account_id`` and ``segment`` of every account (once segments are assigned)."""
        if self.assignments is None:
            raise RuntimeError("segments are assigned after the score stage; nothing to read yet")
        return self.assignments.select(t.ACCOUNT_ID, t.SEGMENT)

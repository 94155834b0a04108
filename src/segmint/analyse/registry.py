"""The analysis registry: each analysis by name, with the tables it needs; missing ones skip it."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import ibis.expr.types as ir

from segmint.exceptions import ConfigError, closest_hint
from segmint.tables import TableSpec


@dataclass(frozen=True)
class Analysis:
    """A registered analysis: ``compute(*needed_tables, assignments)`` returns one table."""

    name: str
    needs: tuple[TableSpec, ...]
    compute: Callable[..., ir.Table]


@dataclass(frozen=True)
class AnalysisRun:
    """What `run_analyses` computed (name → table) and what it skipped (name → reason)."""

    results: dict[str, ir.Table]
    skipped: dict[str, str]


ANALYSES: dict[str, Analysis] = {}


def analysis(name: str, *, needs: tuple[TableSpec, ...]):
    """Register an analysis; if a table it needs is missing, it is skipped with a reason.

    The decorated function takes the needed tables in the order of `needs`, then the
    segment assignments (``account_id``, ``segment``), and returns an Ibis table.
    Built-in analyses register this way too, as a user's would.

    Examples
    --------
    >>> from segmint.tables import REVENUE
    >>> @analysis("example_rows", needs=(REVENUE,))
    ... def example_rows(revenue, assignments):
    ...     return revenue.count().as_table()
    >>> ANALYSES["example_rows"].needs[0].name
    'revenue'
    >>> del ANALYSES["example_rows"]
    """

    def register(fn: Callable[..., ir.Table]) -> Callable[..., ir.Table]:
        ANALYSES[name] = Analysis(name=name, needs=needs, compute=fn)
        return fn

    return register


def run_analyses(
    tables: Mapping[str, ir.Table],
    assignments: ir.Table,
    *,
    names: Iterable[str] | None = None,
) -> AnalysisRun:
    """Run the named analyses (all registered ones by default) over the tables at hand.

    Parameters
    ----------
    tables : mapping of str to ibis.Table
        Clean canonical tables by name (``revenue``, ``deals``, ...); absent ones are
        simply not in the mapping.
    assignments : ibis.Table
        ``account_id`` and ``segment``, one row per account.
    names : iterable of str, optional
        Which analyses to run. An unknown name raises `ConfigError` with the closest match.

    Returns
    -------
    AnalysisRun
        ``results`` maps each analysis that could run to its (lazy) table; ``skipped``
        maps each one that could not to the reason, e.g. ``needs the deals table, which
        this project does not load``.

    Examples
    --------
    >>> import ibis
    >>> import segmint.analyse  # registers the built-in analyses
    >>> assignments = ibis.memtable({"account_id": ["a"], "segment": ["SMB"]})
    >>> run = run_analyses({}, assignments, names=["arr_bridge"])
    >>> run.skipped["arr_bridge"]
    'needs the revenue table, which this project does not load'
    """
    wanted = list(ANALYSES) if names is None else list(names)
    for name in wanted:
        if name not in ANALYSES:
            raise ConfigError(f"No analysis named {name!r}. {closest_hint(name, ANALYSES)}")
    results: dict[str, ir.Table] = {}
    skipped: dict[str, str] = {}
    for name in wanted:
        entry = ANALYSES[name]
        missing = [spec.name for spec in entry.needs if spec.name not in tables]
        if missing:
            skipped[name] = (
                f"needs the {' and '.join(missing)} table{'s' if len(missing) > 1 else ''}, "
                "which this project does not load"
            )
            continue
        results[name] = entry.compute(*(tables[spec.name] for spec in entry.needs), assignments)
    return AnalysisRun(results=results, skipped=skipped)

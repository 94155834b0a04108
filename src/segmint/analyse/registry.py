"""The analysis registry: each analysis by name, with the tables it needs and its report section."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import ibis.expr.types as ir
import pandas as pd

from segmint.context import RunContext, in_stated_order
from segmint.engine import keep_fetched
from segmint.exceptions import ConfigError, closest_hint
from segmint.resident import hand_back_freed_memory
from segmint.sections import Section
from segmint.tables import TableSpec

Computed = ir.Table | Mapping[str, ir.Table]


@dataclass(frozen=True)
class Analysis:
    """A registered analysis: ``compute(context)`` returns one table or several, by name."""

    name: str
    needs: tuple[TableSpec, ...]
    after: tuple[str, ...]
    compute: Callable[[RunContext], Computed]
    section: Section | None = None
    scores: tuple[str, ...] = ()  # fitted score models it reads (``context.models``)
    setting: str | None = None  # a segmint.yaml key it runs on; unset in the project, skipped
    # why it does not run for this project ('' when it does): a setting it needs is off
    skip_unless: Callable[[RunContext], str] | None = None
    per_account: tuple[str, ...] = ()  # outputs with a row per account: written, never fetched


@dataclass
class AnalysisRun:
    """What `run_analyses` computed and what it skipped.

    ``tables`` maps each output name to its engine table (every table an analysis returned;
    all are small: a row per segment × period or fewer); ``frames`` holds the same as pandas
    (each as it is kept, the rest once `collect` has run); ``sections`` are the report
    sections of the analyses that ran, in report order; ``skipped`` maps each analysis that
    could not run to the reason.
    """

    tables: dict[str, ir.Table] = field(default_factory=dict)
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    sections: list[tuple[str, Section]] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    per_account: set[str] = field(default_factory=set)  # tables too big to fetch as pandas

    def collect(self) -> AnalysisRun:
        """Fetch every result table as pandas (they are small by contract); returns self.

        A table already fetched when it was kept (`segmint.engine.keep_fetched`) is not
        fetched again.
        """
        self.frames = {name: self.frames[name] if name in self.frames else table.to_pandas()
                       for name, table in self.tables.items() if name not in self.per_account}
        return self


ANALYSES: dict[str, Analysis] = {}


def analysis(name: str, *, needs: tuple[TableSpec, ...] = (), after: tuple[str, ...] = (),
             scores: tuple[str, ...] = (), section: Section | None = None,
             setting: str | None = None,
             skip_unless: Callable[[RunContext], str] | None = None,
             per_account: tuple[str, ...] = ()):
    """Register an analysis; if a table or a score it needs is missing, it is skipped with a reason.

    The decorated function takes a `segmint.context.RunContext` (enriched and scored accounts,
    clean tables, assignments, settings, ``as_of`` and the results of the analyses named in
    `after`, which run first) and returns an Ibis table, named after the analysis, or a
    mapping of output name to table. Each table is written as an output of that name, and
    `section` says what the report shows of them. `scores` names the score models it reads
    from ``context.models``; a project that does not configure them skips it, as one that
    leaves the top-level key `setting` (such as ``territories``) unset, or for which
    `skip_unless` gives a reason (a setting the analysis needs is off). `per_account`
    names outputs with a row per account: written, never fetched into pandas. Built-in
    analyses register this way too, as a user's would.

    Examples
    --------
    >>> from segmint.tables import REVENUE
    >>> @analysis("example_rows", needs=(REVENUE,))
    ... def example_rows(context):
    ...     return context.tables["revenue"].count().as_table()
    >>> ANALYSES["example_rows"].needs[0].name
    'revenue'
    >>> del ANALYSES["example_rows"]
    """

    def register(fn: Callable[[RunContext], Computed]) -> Callable[[RunContext], Computed]:
        ANALYSES[name] = Analysis(name=name, needs=needs, after=after, compute=fn, section=section,
                                  scores=scores, setting=setting, skip_unless=skip_unless,
                                  per_account=per_account)
        return fn

    return register


def run_analyses(context: RunContext, *, names: Iterable[str] | None = None,
                 registry: Mapping[str, Analysis] | None = None) -> AnalysisRun:
    """Run the named analyses (all registered ones by default) over the run's context.

    Each table an analysis returns is kept in the engine (``context.keep``) under its output
    name, in its stated order (`segmint.context.in_stated_order`), unless the analysis kept it itself in an
    order it stated, and added to ``context.results`` for the analyses after it. A table
    that is not `per_account` is small, so it is kept and fetched together
    (`segmint.engine.keep_fetched`: on Spark, computed once and kept as fetched), its frame
    in ``frames`` at once.

    Parameters
    ----------
    context : RunContext
        The run so far; ``context.assignments`` must be set.
    names : iterable of str, optional
        Which analyses to run. An unknown name raises `ConfigError` with the closest match.
    registry : mapping, optional
        The analyses to choose from (default: every registered one).

    Returns
    -------
    AnalysisRun
        ``tables`` maps each output to its (kept) table; ``skipped`` maps each analysis that
        could not run to the reason, e.g. ``needs the deals table, which this project does
        not load``.

    Examples
    --------
    >>> import datetime, ibis
    >>> import segmint.analyse  # registers the built-in analyses
    >>> from segmint.config.project import Project
    >>> project = Project.model_validate({"sources": {"accounts": {"path": "a.csv"}},
    ...     "segmentation": {"segments": [{"name": "SMB", "when": "true"}]}})
    >>> assignments = ibis.memtable({"account_id": ["a"], "segment": ["SMB"]})
    >>> context = RunContext(project, datetime.date(2024, 6, 30), {}, assignments, assignments)
    >>> run = run_analyses(context, names=["arr_bridge"])
    >>> run.skipped["arr_bridge"]
    'needs the revenue table, which this project does not load'
    """
    registry = ANALYSES if registry is None else registry
    wanted = list(registry) if names is None else list(names)
    for name in wanted:
        if name not in registry:
            raise ConfigError(f"No analysis named {name!r}. {closest_hint(name, registry)}")
    run = AnalysisRun()
    kept: set[int] = set()

    def keep(table: ir.Table, name: str) -> ir.Table:
        stored = context.keep(table, name)
        kept.add(id(stored))
        return stored

    own = RunContext(context.project, context.as_of, context.tables, context.accounts,
                     context.assignments, keep=keep, results=context.results,
                     models=context.models)
    for name in _in_order(wanted, registry):
        entry = registry[name]
        missing = [spec.name for spec in entry.needs if spec.name not in context.tables]
        if missing:
            run.skipped[name] = (
                f"needs the {' and '.join(missing)} table{'s' if len(missing) > 1 else ''}, "
                "which this project does not load"
            )
            continue
        unscored = [score for score in entry.scores if score not in context.models]
        if unscored:
            run.skipped[name] = (f"needs the {' and '.join(unscored)} score: add scores: "
                                 f"{{{unscored[0]}: {{}}}} to segmint.yaml")
            continue
        if entry.setting is not None and getattr(context.project, entry.setting, None) is None:
            run.skipped[name] = f"needs {entry.setting}: in segmint.yaml"
            continue
        reason = entry.skip_unless(own) if entry.skip_unless is not None else ""
        if reason:
            run.skipped[name] = reason
            continue
        run.per_account.update(entry.per_account)
        # handed straight on, so that no name here holds what the analysis computed once it is
        # kept: rows built in Python (a row per account, for territories) go with it
        _keep_outputs(name, entry, entry.compute(own), run, context.results, keep, kept)
        hand_back_freed_memory()  # what it built in Python is kept in the engine now
        if entry.section is not None:
            run.sections.append((name, entry.section))
    run.sections.sort(key=lambda item: item[1].order)
    return run


def _keep_outputs(name: str, entry: Analysis, computed: Computed,
                  run: AnalysisRun, results: dict[str, ir.Table],
                  keep: Callable[[ir.Table, str], ir.Table], kept: set[int]) -> None:
    """Keep each table analysis `name` returned in the engine (a small one also as fetched),
    and record it in `run` and `results` by its output name."""
    outputs = {name: computed} if isinstance(computed, ir.Table) else dict(computed)
    for output, table in outputs.items():
        if output in run.tables:
            raise ConfigError(f"Analyses {name!r} and another both return a table named "
                              f"{output!r}; output names must be unique.")
        ordered = in_stated_order(table)
        if id(table) in kept and ordered is table:
            stored = table
        elif output in entry.per_account:
            stored = keep(ordered, output)
        else:  # small by contract: kept as fetched; a later read or collect won't rerun it
            stored, run.frames[output] = keep_fetched(ordered, output, keep)
        run.tables[output] = results[output] = stored


def _in_order(wanted: list[str], registry: Mapping[str, Analysis]) -> list[str]:
    """`wanted` with each analysis after those it names in ``after`` (registration order else).

    >>> a = Analysis("a", (), ("b",), compute=None)
    >>> b = Analysis("b", (), (), compute=None)
    >>> _in_order(["a", "b"], {"a": a, "b": b})
    ['b', 'a']
    """
    ordered: list[str] = []

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name in ordered or name not in wanted:
            return
        if name in path:
            raise ConfigError(f"Analyses run after each other in a circle: {' → '.join(path)}.")
        for before in registry[name].after:
            visit(before, (*path, name))
        ordered.append(name)

    for name in wanted:
        visit(name, ())
    return ordered

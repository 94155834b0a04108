"""run(project): check → load → enrich → score → assign → analyse → audit → write; orchestration only."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import ibis
import ibis.expr.types as ir
import pandas as pd

import segmint.analyse  # noqa: F401  (registers the built-in analyses)
import segmint.plan.capacity  # noqa: F401  (registers the capacity plan)
import segmint.plan.territories  # noqa: F401  (registers the territory carving)
import segmint.plan.coverage  # noqa: F401  (registers the priorities and coverage plans)
import segmint.score  # noqa: F401  (registers the built-in scores)
from segmint import engine
from segmint import tables as t
from segmint.analyse.registry import AnalysisRun, run_analyses
from segmint.audit import AuditResult, audit_run
from segmint.config.project import Project, Segmentation
from segmint.exceptions import ConfigError
from segmint.context import RunContext
from segmint.dates import resolve_as_of
from segmint.enrich import Enriched, enrich_tables
from segmint.enrich.currency import fx_rates, to_reporting_currency
from segmint.io.outputs import staged_outputs
from segmint.io.rates import read_rates
from segmint.io.sources import load_source
from segmint.preflight import check_project, columns_read
from segmint.resident import hand_back_freed_memory
from segmint.score.stage import ScoreRun, score_accounts
from segmint.segment.assign import assignment_table, divisions_by_zero, unassigned_reasons
from segmint.segment.summary import reason_counts, segment_summary
from segmint.validate.checks import Validated, validate

if TYPE_CHECKING:
    from segmint.plan.scenarios import Comparison

Progress = Callable[[str], None]
STAGES = ("check", "load accounts", "load deals", "load revenue", "load usage",
          "load transactions", "load owners", "load market", "enrich", "score", "assign",
          "analyse", "audit", "write")
# loaded after accounts, in this order
LOADED = ("deals", "revenue", "usage", "transactions", "owners", "market")


@dataclass
class RunResult:
    """What a run produced: engine tables, the small summaries, and the files written.

    ``analyses`` holds every analysis's tables (``tables``, as pandas in ``frames``), its
    report sections and what was skipped; ``scores`` the scored accounts, fitted models,
    parameter and back-test tables; ``as_of`` the date the run is as of.
    """

    assignments: ir.Table
    rejects: ir.Table
    validated: dict[str, Validated]
    segment_summary: pd.DataFrame
    row_counts: pd.DataFrame
    unassigned_reasons: pd.DataFrame
    as_of: dt.date
    analyses: AnalysisRun = field(default_factory=AnalysisRun)
    scores: ScoreRun | None = None
    audit: AuditResult | None = None
    duplicates: ir.Table | None = None  # account_id -> survivor_id, see enrich.dedup
    reasons: ir.Table | None = None  # every reason of each Unassigned account, one row each
    files: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # what the project should fix, in words
    context: RunContext | None = None  # the scored tables, for assigning other segmentations

    @property
    def rejected_rows(self) -> int:
        return int(self.row_counts["rows_rejected"].sum())

    @property
    def tables(self) -> dict[str, ir.Table]:
        """Every result table a run writes besides assignments and rejects, by output name."""
        scored = self.scores.tables if self.scores is not None else {}
        return {**scored, **self.analyses.tables}

    @property
    def frames(self) -> dict[str, pd.DataFrame]:
        """The same as pandas (each is small: a row per segment, period or parameter)."""
        scored = self.scores.frames if self.scores is not None else {}
        return {**scored, **self.analyses.frames}


def connect(project: Project) -> ibis.BaseBackend:
    """A connection to the project's engine (for Spark: its master and settings; for DuckDB,
    where its kept tables live, chosen by the size of the project's files)."""
    sources = [getattr(project.sources, name) for name in type(project.sources).model_fields]
    # a file two sources read (accounts derived from the deals file) is stored once
    files = list(dict.fromkeys((project.path(source.path), source.resolved_format)
                               for source in sources if source))
    return engine.connect(project.engine, master=project.spark.master, conf=project.spark.settings,
                          input_bytes=engine.stored_bytes(files))


def load(project: Project, con: ibis.BaseBackend | None = None) -> dict[str, Validated]:
    """Load and validate every configured table; deals, revenue and usage must name known accounts.

    Owners are not checked against accounts, nor accounts against owners: an owner_id no owner
    has is counted by the audit, never rejected.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "a.csv").write_text("account_id,employees\\nA,12\\nB,x\\n")
    >>> project = Project.model_validate({"root": folder, "sources": {"accounts": {"path": "a.csv"}},
    ...     "segmentation": {"segments": [{"name": "Everyone", "when": "true"}]}})
    >>> tables = load(project)
    >>> tables["accounts"].clean.count().execute(), tables["accounts"].rows_rejected
    (2, 0)
    """
    con = con or connect(project)
    return _load(project, con, progress=lambda stage: None)


def _load(project: Project, con: ibis.BaseBackend, progress: Progress) -> dict[str, Validated]:
    keep = functools.partial(engine.materialise, con)
    release = functools.partial(engine.release, con)
    fx = fx_rates(read_rates(project), project.currency)  # a bad rates file stops the run first
    progress("load accounts")
    # of the columns no preset or mapping names, a very wide export keeps only those read
    accounts = load_source(con, project, "accounts", read_by_project=columns_read(project))
    validated = {"accounts": validate(accounts, materialise=keep, release=release)}
    known = validated["accounts"].clean
    for name in LOADED:
        progress(f"load {name}")
        if getattr(project.sources, name) is None:
            continue
        validated[name] = validate(load_source(con, project, name, read_by_project=()),
                                   known_accounts=known, materialise=keep, release=release)
        validated[name] = to_reporting_currency(validated[name], fx, keep=keep)  # deals, revenue
    return validated


def _handing_back(progress: Progress | None) -> Progress:
    """`progress` (or nothing), called at each stage's start once the memory the stage before
    freed is handed back to the system (`hand_back_freed_memory`)."""
    if getattr(progress, "hands_back", False):
        return progress

    def stage(name: str) -> None:
        hand_back_freed_memory()
        if progress is not None:
            progress(name)

    stage.hands_back = True
    return stage


def run(project: Project, *, con: ibis.BaseBackend | None = None,
        progress: Progress | None = None, write: bool = True) -> RunResult:
    """Run the whole project and (by default) write every output it asks for.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "a.csv").write_text("account_id,employees,country\\nA,12,USA\\nB,5000,France\\nC,,Peru\\n")
    >>> project = Project.model_validate({"root": folder, "sources": {"accounts": {"path": "a.csv"}},
    ...     "segmentation": {"dimensions": {
    ...         "size": {"kind": "bands", "field": "employees", "edges": [1000], "labels": ["SMB", "ENT"]},
    ...         "geo": {"kind": "map", "field": "country", "builtin": "iso_region"}},
    ...       "default": "{size}-{geo}"}})
    >>> result = run(project, write=False)
    >>> result.assignments.order_by("account_id").segment.execute().tolist()
    ['SMB-North America', 'ENT-EMEA', 'Unassigned']
    """
    progress = _handing_back(progress)
    con = con or connect(project)
    prepared = prepare(project, con, progress=progress)
    validated, enriched, context, scores = (prepared.validated, prepared.enriched,
                                            prepared.context, prepared.scores)
    warnings, tables, as_of, keep = prepared.warnings, context.tables, context.as_of, context.keep
    progress("assign")
    context.assignments = keep(assignment_table(
        scores.accounts, project.segmentation, revenue=tables.get("revenue"),
        deals=tables.get("deals"), score_columns=scores.columns), "assignments")
    reasons = keep(unassigned_reasons(context.assignments, scores.accounts, project.segmentation),
                   "unassigned_reasons")
    warnings += divisions_by_zero(scores.accounts, project.segmentation,
                                  revenue=tables.get("revenue"), deals=tables.get("deals"))
    rejects = keep(ibis.union(*(v.rejects for v in validated.values())), "rejects")
    progress("analyse")
    analyses = run_analyses(context).collect()
    progress("audit")
    quality = audit_run(project, validated, enriched, context.assignments, reasons, rejects,
                        scored=scores.accounts, score_columns=scores.columns, as_of=as_of,
                        keep=keep)
    quality.warnings = warnings
    result = RunResult(
        context.assignments, rejects, validated,
        segment_summary(context.assignments).to_pandas(), _row_counts(project, validated),
        reason_counts(context.assignments).to_pandas(), as_of, analyses, scores,
        audit=quality, duplicates=enriched.duplicates, reasons=reasons,
        notes=[*(note for v in validated.values() for note in v.notes), *scores.notes,
               *quality.notes],
        warnings=warnings, context=context)
    if write:
        progress("write")
        _write(project, con, result)
    return result


@dataclass
class Prepared:
    """A project loaded, validated, enriched and scored: what every segmentation is assigned on.

    ``context`` holds the scored accounts (``context.accounts``), the clean tables, the
    fitted models and ``keep``; ``warnings`` what the project check found.
    """

    validated: dict[str, Validated]
    enriched: Enriched
    context: RunContext
    scores: ScoreRun
    warnings: list[str]


def prepare(project: Project, con: ibis.BaseBackend | None = None, *,
            progress: Progress | None = None) -> Prepared:
    """Check, load, validate, enrich and score `project`: everything before segments.

    `run` assigns the project's segmentation on the result; `segmint.plan.scenarios` assigns
    other segmentations on the same tables without loading anything again.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "a.csv").write_text("account_id,employees\\nA,12\\nB,400\\n")
    >>> project = Project.model_validate({"root": folder, "sources": {"accounts": {"path": "a.csv"}},
    ...     "segmentation": {"segments": [{"name": "Everyone", "when": "true"}]}})
    >>> prepare(project).context.accounts.count().execute()
    2
    """
    progress = _handing_back(progress)
    progress("check")
    warnings = check_project(project)  # every rule and score, before any data is read
    con = con or connect(project)
    keep = functools.partial(engine.materialise, con)
    validated = _load(project, con, progress)
    progress("enrich")
    enriched = enrich_tables({name: v.clean for name, v in validated.items()}, project, keep=keep)
    as_of = resolve_as_of(enriched.tables, project.as_of)
    context = RunContext(project, as_of, enriched.tables, enriched.accounts, keep=keep,
                         release=functools.partial(engine.release, con))
    progress("score")
    scores = score_accounts(context, progress=progress)
    context.accounts, context.models = scores.accounts, scores.models
    return Prepared(validated, enriched, context, scores, warnings)


@dataclass
class ComparisonRun:
    """What `compare` produced: the comparison's tables (`segmint.plan.scenarios.Comparison`),
    the run's notes and warnings, and the files written."""

    comparison: Comparison
    warnings: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)


COMPARE_FOLDER = "compare"  # inside outputs.dir; a run of the project leaves it in place


def compare(project: Project, *, scenarios: Mapping[str, Segmentation] | None = None,
            edges: str | None = None, edge_measure: str = "win_rate",
            con: ibis.BaseBackend | None = None, progress: Progress | None = None,
            write: bool = True) -> ComparisonRun:
    """Load, enrich and score `project` once, assign its segmentation (the baseline) and
    each scenario on the same tables, score each against the baseline, and (by default)
    write ``scenario_scorecard``, ``scenario_segments``, ``scenario_transitions`` and
    ``compare.html`` into the ``compare`` folder of ``outputs.dir``.

    `scenarios` adds segmentations to those under ``scenarios:`` in segmint.yaml (from files
    on the command line, `segmint.config.project.load_segmentation`). `edges` names a
    numeric account field to search band edges on, scored by `edge_measure`
    (`segmint.plan.edges.search_edges`), written as ``edge_search``.
    """
    from segmint.plan.edges import outcome_columns, search_edges
    from segmint.plan.scenarios import compare_scenarios, scenario_base

    if edges is not None:
        outcome_columns(edge_measure)  # a measure that is not one stops before any loading

    given = dict(scenarios or {})
    for name in given:
        if name in project.scenarios:
            raise ConfigError(f"scenario {name!r} is both in segmint.yaml (scenarios.{name}) and "
                              "given as a file: rename the file, or remove one of them.")
    chosen = {**project.scenarios, **given}
    if not chosen:
        raise ConfigError("There is no scenario to compare with the segmentation: add "
                          "scenarios: {<name>: {dimensions: ..., segments: ..., default: ...}} "
                          "to segmint.yaml, or give a segmentation file: segmint compare "
                          "segmint.yaml --scenario region_first.yaml")
    project = project.model_copy(update={"scenarios": chosen})  # checked with the rest
    progress = _handing_back(progress)
    con = con or connect(project)
    prepared = prepare(project, con, progress=progress)
    progress("keep scenario tables")
    base = scenario_base(prepared.context, [c for c in prepared.scores.columns
                                            if c == t.POTENTIAL])  # what the comparison reads
    comparison = compare_scenarios(base, chosen, progress=progress)
    if edges is not None:
        progress("search edges")
        comparison.edge_search = search_edges(base, edges, measure=edge_measure)
    result = ComparisonRun(comparison, warnings=prepared.warnings)
    if write:
        progress("write")
        _write_comparison(project, con, result)
    return result


def _write_comparison(project: Project, con: ibis.BaseBackend, result: ComparisonRun) -> None:
    """The comparison's tables and page, staged and swapped in together."""
    from segmint.report.compare import render_comparison  # the report's imports: only here

    comparison, formats = result.comparison, project.outputs.formats
    target = project.path(project.outputs.dir) / COMPARE_FOLDER
    with staged_outputs(target) as out:
        for name, frame in (("scenario_scorecard", comparison.scorecard),
                            ("scenario_segments", comparison.segments),
                            ("scenario_transitions", comparison.transitions)):
            out.write_table(con, ibis.memtable(frame), name, formats)  # rows in stated order
        if comparison.edge_search is not None:
            out.write_table(con, ibis.memtable(comparison.edge_search), "edge_search", formats)
        out.write_text("compare.html", render_comparison(
            project_name=project.name, scorecard=comparison.scorecard,
            segments=comparison.segments, transitions=comparison.transitions,
            readings=comparison.readings, notes=comparison.notes,
            edge_search=comparison.edge_search))
    result.files += out.files


def audit_project(project: Project, con: ibis.BaseBackend | None = None) -> AuditResult:
    """Load, enrich and segment `project` without writing anything, and audit its data.

    The same figures as the report's data-quality section and `segmint check`.
    """
    result = run(project, con=con, write=False)
    assert result.audit is not None
    return result.audit


def _row_counts(project: Project, validated: dict[str, Validated]) -> pd.DataFrame:
    return pd.DataFrame(
        [{"table": v.table, "file": getattr(project.sources, v.table).path, "rows_in": v.rows_in,
          "rows_used": v.rows_used, "rows_rejected": v.rows_rejected} for v in validated.values()]
    )


def _write(project: Project, con: ibis.BaseBackend, result: RunResult) -> None:
    """Every output, staged and swapped in together (`io.outputs.staged_outputs`)."""
    from segmint.report.html import render_report  # the report's imports are only paid here

    formats = project.outputs.formats
    with staged_outputs(project.path(project.outputs.dir)) as out:
        # every table in a stated order: the same input gives the same bytes
        out.write_table(con, result.assignments.order_by(t.ACCOUNT_ID), "assignments", formats)
        if result.reasons is not None:
            out.write_table(con, result.reasons.order_by(t.ACCOUNT_ID, t.DIMENSION),
                            "unassigned_reasons", formats)
        out.write_table(con, result.rejects.order_by("table", t.SOURCE_FILE, t.SOURCE_ROW,
                                                     "column", "check"), "rejects", formats)
        out.write_table(con, ibis.memtable(result.segment_summary), "segment_summary", formats)
        out.write_table(con, ibis.memtable(result.row_counts), "row_counts", formats)
        for name, table in result.tables.items():
            out.write_table(con, table, name, formats)
        if project.outputs.report:
            rejects_by_check = (
                result.rejects.group_by("table", "check", "action")
                .aggregate(rows=lambda r: r.count(), example_reason=lambda r: r.reason.min())
                .order_by(ibis.desc("rows"), "table", "check", "action").to_pandas()
            )
            scored = result.scores.sections if result.scores is not None else []
            out.write_text("report.html", render_report(
                project_name=project.name, summary=result.segment_summary,
                row_counts=result.row_counts, unassigned_reasons=result.unassigned_reasons,
                rejects_by_check=rejects_by_check,
                sections=sorted([*scored, *result.analyses.sections], key=lambda s: s[1].order),
                frames=result.frames, skipped=result.analyses.skipped, data_quality=result.audit,
            ))
    result.files += out.files

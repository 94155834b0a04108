"""run(project): load → validate → enrich → assign → outputs, for one project file."""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import ibis
import ibis.expr.types as ir
import pandas as pd

from segmint import engine
from segmint.analyse.overview import PerformanceOverview, performance_overview
from segmint import tables as t
from segmint.audit.quality import AuditResult, audit_tables
from segmint.config.project import Enrich, Project
from segmint.enrich.currency import load_fx_rates, to_reporting_currency
from segmint.enrich.customers import mark_customers
from segmint.enrich.dedup import find_duplicates, merge_duplicates
from segmint.enrich.geography import attach_geography
from segmint.enrich.industry import NAICS_SOURCE, attach_industry
from segmint.enrich.parents import (BY_NAME, INHERITABLE, PARENT, PARENT_SOURCE, SOURCE_SUFFIX,
                                    inherit_from_parents)
from segmint.io.outputs import write_table, write_text
from segmint.io.sources import load_source
from segmint.report.html import render_report
from segmint.segment.assign import assign, unassigned_reasons
from segmint.validate.checks import Validated, validate

Progress = Callable[[str], None]
STAGES = ("load accounts", "load deals", "load revenue", "load usage", "enrich", "assign",
          "analyse", "write")


@dataclass
class RunResult:
    """What a run produced: engine tables, the small summaries, and the files written."""

    assignments: ir.Table
    rejects: ir.Table
    validated: dict[str, Validated]
    segment_summary: pd.DataFrame
    row_counts: pd.DataFrame
    unassigned_reasons: pd.DataFrame
    performance: PerformanceOverview = field(default_factory=PerformanceOverview)
    audit: AuditResult | None = None
    duplicates: ir.Table | None = None  # account_id -> survivor_id, see enrich.dedup
    reasons: ir.Table | None = None  # every reason of each Unassigned account, one row each
    files: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def rejected_rows(self) -> int:
        return int(self.row_counts["rows_rejected"].sum())


def connect(project: Project) -> ibis.BaseBackend:
    """A connection to the project's engine (for Spark: its master and settings)."""
    return engine.connect(project.engine, master=project.spark.master, conf=project.spark.settings)


def load(project: Project, con: ibis.BaseBackend | None = None) -> dict[str, Validated]:
    """Load and validate every configured table; deals, revenue and usage must name known accounts.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "a.csv").write_text("account_id,employees\\nA,12\\nB,x\\n")
    >>> project = Project.model_validate({"root": folder, "sources": {"accounts": {"path": "a.csv"}},
    ...     "segmentation": {"segments": [{"name": "All", "when": "true"}]}})
    >>> tables = load(project)
    >>> tables["accounts"].clean.count().execute(), tables["accounts"].rows_rejected
    (2, 0)
    """
    con = con or connect(project)
    return _load(project, con, progress=lambda stage: None)


def _load(project: Project, con: ibis.BaseBackend, progress: Progress) -> dict[str, Validated]:
    keep = functools.partial(engine.materialise, con)
    fx = load_fx_rates(project)  # first: a bad rates file stops the run before any loading
    progress("load accounts")
    validated = {"accounts": validate(con, load_source(con, project, "accounts"), materialise=keep)}
    known = validated["accounts"].clean
    for name in ("deals", "revenue", "usage"):
        progress(f"load {name}")
        if getattr(project.sources, name) is None:
            continue
        validated[name] = validate(con, load_source(con, project, name), known_accounts=known,
                                   materialise=keep)
        validated[name] = to_reporting_currency(validated[name], fx, keep=keep)  # deals, revenue
    return validated


def enrich(accounts: ir.Table, revenue: ir.Table | None = None, *,
           settings: Enrich | None = None) -> ir.Table:
    """Normalise geography (ISO country, region, state) and industry (NAICS), fill what is
    missing from parent accounts (as `settings` say; flagged in ``<group>_source``), mark customers.

    Duplicates are merged before this, by `segmint.enrich.dedup.merge_duplicates`, since deals
    and revenue must follow the surviving account.
    """
    return fill_from_parents(normalise(accounts, revenue), settings)


def normalise(accounts: ir.Table, revenue: ir.Table | None = None) -> ir.Table:
    """Enrichment without parents: geography and industry normalised, customers marked.

    Examples
    --------
    >>> a = ibis.memtable({"account_id": ["A"], "country": ["Deutschland"]})
    >>> normalise(a).select("country", "region").execute().values.tolist()
    [['DE', 'EMEA']]
    """
    return mark_customers(attach_industry(attach_geography(accounts)), revenue)


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
    con = con or connect(project)
    progress = progress or (lambda stage: None)
    validated = _load(project, con, progress)
    progress("enrich")
    keep = lambda table, name: engine.materialise(con, table, name)  # noqa: E731
    clean = {name: v.clean for name, v in validated.items()}
    duplicates = keep(find_duplicates(clean["accounts"], deals=clean.get("deals"),
                                      revenue=clean.get("revenue")), "duplicates")
    # normalised once: the audit compares with it, and without merging it is where parents fill in
    normalised = keep(normalise(clean["accounts"], clean.get("revenue")), "normalised")
    if project.enrich.dedupe:
        clean = {name: keep(table, f"{name}_merged")
                 for name, table in merge_duplicates(clean, duplicates).items()}
        accounts = keep(enrich(clean["accounts"], clean.get("revenue"), settings=project.enrich),
                        "enriched")
    else:
        accounts = keep(fill_from_parents(normalised, project.enrich), "enriched")
    revenue, deals = clean.get("revenue"), clean.get("deals")
    progress("assign")
    assigned = assign(accounts, project.segmentation, revenue=revenue, deals=deals)
    dimension_names = list(project.segmentation.dimensions)
    wanted = [t.ACCOUNT_ID, t.NAME, *dimension_names, t.SEGMENT, *t.REASON_COLUMNS, t.IS_CUSTOMER,
              t.ARR]
    seen: set[str] = set()
    columns = [c for c in wanted if c in assigned.columns and not (c in seen or seen.add(c))]
    assignments = engine.materialise(con, assigned.select(*columns), "assignments")
    reason_rows = keep(unassigned_reasons(assignments, accounts, project.segmentation),
                       "unassigned_reasons")
    rejects = engine.materialise(con, ibis.union(*(v.rejects for v in validated.values())), "rejects")

    summary = segment_summary(assignments).to_pandas()
    row_counts = pd.DataFrame(
        [{"table": v.table, "file": getattr(project.sources, v.table).path, "rows_in": v.rows_in,
          "rows_used": v.rows_used, "rows_rejected": v.rows_rejected} for v in validated.values()]
    )
    reasons = (
        assignments.filter(assignments[t.SEGMENT] == t.UNASSIGNED)
        .group_by(t.REASON).aggregate(accounts=lambda a: a.count())
        .order_by(ibis.desc("accounts")).limit(20).to_pandas()
    )
    progress("analyse")
    performance = performance_overview(clean, assignments, keep=keep)
    quality = _audit(project, validated, clean, normalised, accounts, assignments, reason_rows,
                     duplicates, rejects, keep)
    result = RunResult(assignments, rejects, validated, summary, row_counts, reasons, performance,
                       audit=quality, duplicates=duplicates, reasons=reason_rows,
                       notes=[note for v in validated.values() for note in v.notes])
    if write:
        progress("write")
        _write(project, con, result)
    return result


def _audit(project, validated, used, normalised, accounts, assignments, reasons, duplicates,
           rejects, keep) -> AuditResult:
    """The data-quality audit, comparing with accounts only normalised (no parents, no merge)."""
    baseline = keep(_baseline_assignments(project, validated, normalised, accounts, assignments),
                    "baseline_assignments")
    return audit_tables(project, validated, used=used, normalised=normalised, enriched=accounts,
                        baseline=baseline, assignments=assignments, reasons=reasons,
                        duplicates=duplicates, rejects=rejects, keep=keep)


def _baseline_assignments(project, validated, normalised, enriched, assignments) -> ir.Table:
    """The segments accounts would get without parents and merging, for the audit's before/after.

    Without merging, only accounts that took something from a parent (or found their parent by
    name) can be in another segment, so only they are assigned again; the others keep theirs.
    That is a few percent of the accounts instead of all of them on every run.
    """
    columns = (t.ACCOUNT_ID, t.SEGMENT, t.REASON)
    raw = {name: v.clean for name, v in validated.items()}
    if not project.enrich.dedupe:
        marks = [*(group + SOURCE_SUFFIX for group in INHERITABLE), NAICS_SOURCE]
        flags = [enriched[c] == PARENT for c in marks if c in enriched.columns]
        if PARENT_SOURCE in enriched.columns:
            flags.append(enriched[PARENT_SOURCE] == BY_NAME)
        changed = functools.reduce(operator.or_, flags, ibis.literal(False)).fill_null(False)
        ids = enriched.filter(changed).select(_changed=enriched[t.ACCOUNT_ID])
        if not int(ids.count().execute()):
            return assignments.select(*columns)
        normalised = normalised.filter(normalised[t.ACCOUNT_ID].isin(ids._changed))
        assignments = assignments.filter(~assignments[t.ACCOUNT_ID].isin(ids._changed))
        again = assign(normalised, project.segmentation, revenue=raw.get("revenue"),
                       deals=raw.get("deals"))
        return ibis.union(assignments.select(*columns), again.select(*columns))
    return assign(normalised, project.segmentation, revenue=raw.get("revenue"),
                  deals=raw.get("deals")).select(*columns)


def segment_summary(assignments: ir.Table) -> ir.Table:
    """Accounts, customers, share of accounts and ARR (when known) per segment, largest first.

    Examples
    --------
    >>> a = ibis.memtable({"segment": ["SMB", "SMB", "ENT"], "is_customer": [True, False, True],
    ...                    "arr": [1200.0, 0.0, 24000.0]})
    >>> segment_summary(a).execute().values.tolist()
    [['SMB', 2, 1, 0.6666666666666666, 1200.0], ['ENT', 1, 1, 0.3333333333333333, 24000.0]]
    """
    metrics = {"accounts": lambda a: a.count()}
    if t.IS_CUSTOMER in assignments.columns:
        metrics["customers"] = lambda a: a[t.IS_CUSTOMER].fill_null(False).cast("int64").sum()
    grouped = assignments.group_by(t.SEGMENT).aggregate(**metrics)
    grouped = grouped.mutate(share=grouped.accounts / grouped.accounts.sum().over())
    if t.ARR in assignments.columns:
        arr = assignments.group_by(t.SEGMENT).aggregate(arr=lambda a: a[t.ARR].sum().round(2))
        grouped = grouped.join(arr, t.SEGMENT)
    return grouped.order_by(ibis.desc("accounts"), t.SEGMENT)


def _write(project: Project, con: ibis.BaseBackend, result: RunResult) -> None:
    folder = project.path(project.outputs.dir)
    formats = project.outputs.formats
    result.files += write_table(con, result.assignments, folder, "assignments", formats)
    if result.reasons is not None:
        result.files += write_table(con, result.reasons.order_by(t.ACCOUNT_ID, t.DIMENSION),
                                    folder, "unassigned_reasons", formats)
    result.files += write_table(con, result.rejects.order_by("table", t.SOURCE_FILE, t.SOURCE_ROW),
                                folder, "rejects", formats)
    result.files += write_table(con, ibis.memtable(result.segment_summary), folder,
                                "segment_summary", formats)
    result.files += write_table(con, ibis.memtable(result.row_counts), folder, "row_counts", formats)
    for name, table in result.performance.tables.items():
        result.files += write_table(con, table, folder, name, formats)
    if project.outputs.report:
        rejects_by_check = (
            result.rejects.group_by("table", "check", "action")
            .aggregate(rows=lambda r: r.count(), example_reason=lambda r: r.reason.arbitrary())
            .order_by(ibis.desc("rows")).to_pandas()
        )
        page = render_report(
            project_name=project.name, summary=result.segment_summary,
            row_counts=result.row_counts, unassigned_reasons=result.unassigned_reasons,
            rejects_by_check=rejects_by_check, performance=result.performance,
            data_quality=result.audit,
        )
        result.files.append(write_text(folder / "report.html", page))

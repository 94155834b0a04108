"""Audit: the data-quality check a RevOps analyst runs before trusting a segmentation.

>>> from segmint.audit import AuditResult, audit_run
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence

import ibis.expr.types as ir

from segmint.audit.before import baseline_assignments
from segmint.audit.quality import AuditResult, audit_tables, unassigned_fixes
from segmint.config.project import Project
from segmint.enrich import Enriched
from segmint.validate.checks import Validated

__all__ = ["AuditResult", "audit_run", "audit_tables", "baseline_assignments", "unassigned_fixes"]


def audit_run(project: Project, validated: Mapping[str, Validated], enriched: Enriched,
              assignments: ir.Table, reasons: ir.Table, rejects: ir.Table, *, scored: ir.Table,
              score_columns: Sequence[str] = (), as_of: dt.date | None = None,
              keep: Callable[[ir.Table, str], ir.Table] = lambda table, name: table) -> AuditResult:
    """The data-quality audit of a run, comparing with the accounts only normalised.

    `reasons` is every reason of each Unassigned account (`segmint.segment.assign.unassigned_reasons`),
    which the fixes that free the most accounts are counted from.

    The same figures as the report's data-quality section and `segmint check`
    (`segmint.pipeline.audit_project` runs a project and returns them).
    """
    raw = {name: v.clean for name, v in validated.items()}
    baseline = keep(baseline_assignments(project, raw, enriched, assignments, scored,
                                         score_columns), "baseline_assignments")
    return audit_tables(project, validated, used=enriched.tables, normalised=enriched.normalised,
                        enriched=enriched.accounts, baseline=baseline, assignments=assignments,
                        reasons=reasons, duplicates=enriched.duplicates, rejects=rejects, keep=keep, as_of=as_of)

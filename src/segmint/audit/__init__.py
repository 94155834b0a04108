"""Audit: the data-quality check a RevOps analyst runs before trusting a segmentation.

>>> from segmint.audit import AuditResult, audit
"""

from __future__ import annotations

import ibis

from segmint.audit.quality import AuditResult, audit_tables, unassigned_fixes
from segmint.config.project import Project

__all__ = ["AuditResult", "audit", "audit_tables", "unassigned_fixes"]


def audit(project: Project, con: ibis.BaseBackend | None = None) -> AuditResult:
    """Load, enrich and segment `project` without writing anything, and audit its data.

    The same figures as the report's data-quality section and `segmint check`.
    """
    from segmint.pipeline import run  # the pipeline calls the audit; import it only when used

    result = run(project, con=con, write=False)
    assert result.audit is not None
    return result.audit

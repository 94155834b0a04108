"""The performance overview a run reports: every built-in analysis, computed once, kept small."""

from __future__ import annotations

from dataclasses import dataclass, field

import ibis
import ibis.expr.types as ir
import pandas as pd

from segmint import tables as t
from segmint.analyse.deals import deal_metrics
from segmint.analyse.performance import nrr_trend, retention, segment_readings
from segmint.analyse.registry import run_analyses


@dataclass
class PerformanceOverview:
    """Engine tables for every analysis that ran, pandas copies of the small ones, and skips.

    ``tables`` maps an output name (``arr_bridge``, ``retention``, ``nrr_trend``,
    ``deal_metrics``, ``deal_metrics_by_quarter``, ``open_pipeline``, ``lead_source_mix``,
    ``cohorts``) to its Ibis table; ``frames`` holds the same as pandas (each has one row
    per segment × period or fewer, never one per account); ``readings`` is one paragraph
    per segment; ``skipped`` says which analyses could not run and why.
    """

    tables: dict[str, ir.Table] = field(default_factory=dict)
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    readings: dict[str, str] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)


def performance_overview(
    tables: dict[str, ir.Table], assignments: ir.Table, *, keep=lambda table, name: table
) -> PerformanceOverview:
    """Run the built-in analyses over the clean tables and the segment assignments.

    `keep(table, name)` may materialise a result in the engine so the report and the
    written outputs do not compute it twice.

    Examples
    --------
    >>> import datetime
    >>> assignments = ibis.memtable({"account_id": ["a"], "segment": ["SMB"]})
    >>> revenue = ibis.memtable({"account_id": ["a", "a"], "product": ["Core", "Core"],
    ...     "period": [datetime.date(2024, 3, 1), datetime.date(2024, 6, 1)], "mrr": [100.0, 110.0]})
    >>> overview = performance_overview({"revenue": revenue}, assignments)
    >>> overview.frames["arr_bridge"].query("segment == 'SMB'")["expansion"].astype(float).tolist()
    [0.0, 120.0]
    >>> sorted(overview.skipped)
    ['deal_metrics', 'lead_source_mix', 'open_pipeline']
    """
    segments = assignments.select(t.ACCOUNT_ID, t.SEGMENT)
    ran = run_analyses(tables, segments)
    overview = PerformanceOverview(skipped=dict(ran.skipped))
    results = {name: keep(table, name) for name, table in ran.results.items()}
    if "arr_bridge" in results:
        results["retention"] = keep(retention(results["arr_bridge"]), "retention")
        results["nrr_trend"] = keep(nrr_trend(results["retention"]), "nrr_trend")
    if "deal_metrics" in results:
        by_quarter = deal_metrics(tables["deals"], segments, period="quarter")
        results["deal_metrics_by_quarter"] = keep(by_quarter, "deal_metrics_by_quarter")
    overview.tables = results
    overview.frames = {name: table.to_pandas() for name, table in results.items()}
    if "arr_bridge" in results:
        overview.readings = segment_readings(
            results["arr_bridge"], results["nrr_trend"],
            deals=results.get("deal_metrics_by_quarter"),
        )
    return overview

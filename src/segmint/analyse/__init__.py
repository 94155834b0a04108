"""Analyse: how each segment performs (ARR bridge, retention, deals, cohorts, headline), registered by name."""

from segmint.analyse import cohorts, deals, headline, performance  # noqa: F401  (registers the built-ins)
from segmint.analyse.registry import ANALYSES, AnalysisRun, analysis, run_analyses

__all__ = ["ANALYSES", "AnalysisRun", "analysis", "run_analyses"]

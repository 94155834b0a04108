"""Analyse: how each segment performs (ARR bridge, retention, deals, cohorts, headline).

Importing the package registers every analysis module in it: a new analysis is a new module
here with one `@analysis` function, and nothing else changes.
"""

from importlib import import_module
from pkgutil import iter_modules

from segmint.analyse.registry import ANALYSES, AnalysisRun, analysis, run_analyses

for _module in iter_modules(__path__):
    if _module.name != "registry":
        import_module(f"{__name__}.{_module.name}")

__all__ = ["ANALYSES", "AnalysisRun", "analysis", "run_analyses"]

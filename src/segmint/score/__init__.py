"""Score: account-level models fitted on summaries and scored in the engine, before segments.

Importing this package registers the built-in models and stays light (no engine, no pandas);
`score_accounts` and `ScoreRun` load the stage itself on first use.

>>> from segmint.score import SCORES, ScoreModel, score_model, score_accounts
"""

from __future__ import annotations

from importlib import import_module
from pkgutil import iter_modules

from segmint.score.registry import (SCORES, NoSettings, ScoreModel, ScoreSpec, configured,
                                    score_columns, score_model)

_MACHINERY = {"registry", "stage", "backtest"}  # every other module here is a model: registered
for _module in iter_modules(__path__):
    if _module.name not in _MACHINERY:
        import_module(f"{__name__}.{_module.name}")

__all__ = ["SCORES", "NoSettings", "ScoreModel", "ScoreRun", "ScoreSpec", "configured",
           "score_accounts", "score_columns", "score_model"]


def __getattr__(name: str):
    if name in ("score_accounts", "ScoreRun", "model_tables"):  # the stage needs the engine
        return getattr(import_module("segmint.score.stage"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

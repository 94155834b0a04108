"""segmint: customer segmentation for B2B go-to-market teams, from CRM, billing and usage exports.

The library API, imported on first use so that ``import segmint`` stays fast:

>>> import segmint
>>> sorted(segmint.__all__)
['Project', 'RunResult', 'SegmintError', 'assign', 'audit_project', 'check_project', 'connect', 'enrich', 'load', 'load_project', 'run']
"""

from importlib import import_module

__version__ = "0.1.0"

_HOMES = {
    "Project": "segmint.config.project",
    "load_project": "segmint.config.project",
    "connect": "segmint.engine",
    "SegmintError": "segmint.exceptions",
    "load": "segmint.pipeline",
    "run": "segmint.pipeline",
    "RunResult": "segmint.pipeline",
    "audit_project": "segmint.pipeline",
    "check_project": "segmint.preflight",
    "assign": "segmint.segment.assign",
}
__all__ = sorted([*_HOMES, "enrich"])


def __getattr__(name: str):
    if name == "enrich":  # the package, which is callable as the function (see segmint.enrich)
        return import_module("segmint.enrich")
    if name in _HOMES:
        return getattr(import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'segmint' has no attribute {name!r}")

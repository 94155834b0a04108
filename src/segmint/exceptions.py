"""The SegmintError family: every error segmint raises on purpose."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class SegmintError(Exception):
    """Root of every error raised on purpose; the CLI prints it as one line and exits 2."""


class ConfigError(SegmintError, ValueError):
    """segmint.yaml is missing, unreadable or says something that cannot be run."""


class SourceError(SegmintError, ValueError):
    """A data file cannot be read at all (missing, empty, wrong encoding, unknown format)."""


class ColumnNotFoundError(SegmintError, KeyError):
    """A mapped column is not in the source file.

    Examples
    --------
    >>> print(ColumnNotFoundError("NumberOfEmployes", "accounts.csv",
    ...       "sources.accounts.columns.employees", ["Id", "NumberOfEmployees"]))
    accounts.csv has no column 'NumberOfEmployes'. Did you mean 'NumberOfEmployees'? Fix sources.accounts.columns.employees in segmint.yaml.
    """

    def __str__(self) -> str:  # KeyError's own str() is a quoted repr
        column, source, yaml_key, available = self.args
        return (
            f"{source} has no column {column!r}. {closest_hint(column, available)} "
            f"Fix {yaml_key} in segmint.yaml."
        )


class RuleError(SegmintError, ValueError):
    """A segment rule or dimension refers to something that does not exist or mixes types.

    ``key`` is the YAML key of the rule (``segmentation.segments[2].when``) and ``position``
    the 0-based offset in the rule's text the error points at, when they are known: the
    workbench shows the message at that caret.
    """

    key: str | None = None
    position: int | None = None

    def located(self, *, key: str | None = None, position: int | None = None) -> RuleError:
        """This error with its YAML key and caret set (those given), for chaining.

        >>> err = RuleError("the rule reads 'x'").located(key="segmentation.segments[1].when")
        >>> err.key, err.position
        ('segmentation.segments[1].when', None)
        """
        if key is not None:
            self.key = key
        if position is not None:
            self.position = position
        return self


class RuleSyntaxError(RuleError):
    """A segment rule is not valid in the rule language."""


def closest_hint(name: str, available: Iterable[str]) -> str:
    """One sentence naming the closest match to `name`, or listing what exists.

    Examples
    --------
    >>> closest_hint("regoin", ["region", "size"])
    "Did you mean 'region'?"
    >>> closest_hint("zzz", ["region", "size"])
    'Known names: region, size.'
    """
    available = list(available)
    close = difflib.get_close_matches(name, available, n=1, cutoff=0.6)
    if close:
        return f"Did you mean {close[0]!r}?"
    return f"Known names: {', '.join(available) or '(none)'}."


class ModelFitError(SegmintError, ValueError):
    """A model cannot be fitted on the data it was given; the message says why."""


class ModelFitWarning(UserWarning):
    """A model was fitted but should be read with care: a parameter at a bound, no convergence."""

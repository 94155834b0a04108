"""A deal's probability as a fraction from 0 to 1, and the evidence for a column's scale."""

from __future__ import annotations

import re
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

from segmint.validate.parsers.common import (
    BLANK, INVALID, OK, _SP, Parsed, _extract, _extract_py, _is_blank, _is_blank_py, _outcome,
    _strip, _strip_py,
)

# Salesforce and Dynamics write a deal's probability as 0-100, HubSpot as 0-1. Which one a
# column uses is decided for the whole column (`infer_probability_scale`); a '%' sign settles
# it for its own value. Only plain numbers are probabilities: no ranges, suffixes or groups, so
# a grammar of its own, far smaller than `parse_number`'s, reads them (the number is used
# several times per value, and Ibis inlines each use).
_PERCENT_SIGN = f"{_SP}*%$"
_PROBABILITY_NUMBER = (
    r"^[+]?(?:[0-9]{1,18}(?:\.[0-9]{1,20})?(?:[eE]-?[0-9]{1,3})?|\.[0-9]{1,20}"
    r"|[0-9]{1,18},[0-9]{1,2})$"  # a decimal comma has 1-2 digits after it ('1,000' is no chance)
)


def _probability_number(t: ir.StringValue) -> tuple[ir.BooleanValue, ir.FloatingValue]:
    """Whether the stripped text `t` ends in '%', and its number (null unless a plain one)."""
    signed = t.re_search(_PERCENT_SIGN)
    bare = _extract(t.re_replace(_PERCENT_SIGN, ""), _PROBABILITY_NUMBER, 0)
    return signed, bare.translate(",+", ".").nullif("").cast("float64")


def _probability_number_py(t: str) -> tuple[bool, float | None]:
    signed = re.search(_PERCENT_SIGN, t) is not None
    bare = _extract_py(re.sub(_PERCENT_SIGN, "", t), _PROBABILITY_NUMBER, 0)
    return signed, float(bare.translate(str.maketrans(",", ".", "+"))) if bare else None


def parse_probability(col: ir.StringValue, *, percent: bool | None = None) -> Parsed:
    """Read a deal's probability as a fraction from 0 to 1.

    ``'45%'`` and ``'45 %'`` are 0.45 in any column (``percent_sign``). Other values follow
    the column's scale: with `percent`, ``'45'`` is 0.45 (``percent``); without, ``'0.45'``
    is 0.45 (``fraction``). A decimal comma is read (``'12,5'``). Values outside 0 to 1 once
    scaled, ranges, ``k``/``M`` suffixes and words are invalid.

    Parameters
    ----------
    col : ibis.StringValue
        Raw text.
    percent : bool or None
        The column's scale, decided for the whole column (see `infer_probability_scale`):
        True for 0-100 (Salesforce ``Probability``, Dynamics ``closeprobability``), False or
        None for 0-1 (HubSpot ``hs_deal_stage_probability``).

    Returns
    -------
    Parsed
        `value` is float64 from 0 to 1.

    Examples
    --------
    >>> t = ibis.memtable({"p": ["45", "45%", "0.5", "150", "n/a"]})
    >>> p = parse_probability(t.p, percent=True)
    >>> t.select(v=p.value, s=p.status, r=p.rule).to_pyarrow().to_pylist()
    ... # doctest: +NORMALIZE_WHITESPACE
    [{'v': 0.45, 's': 'ok', 'r': 'percent'}, {'v': 0.45, 's': 'ok', 'r': 'percent_sign'},
     {'v': 0.005, 's': 'ok', 'r': 'percent'}, {'v': None, 's': 'invalid', 'r': None},
     {'v': None, 's': 'blank', 'r': None}]
    """
    t = _strip(col)
    signed, number = _probability_number(t)
    # a divisor rather than two branches, so the number is written once (x / 1.0 == x)
    scaled = number / (100.0 if percent else ibis.ifelse(signed, 100.0, 1.0))
    value = ibis.ifelse((scaled >= 0) & (scaled <= 1), scaled, ibis.null("float64"))
    rule = ibis.ifelse(signed, "percent_sign", "percent" if percent else "fraction")
    return _outcome(_is_blank(t), value, rule)


def parse_probability_py(
    s: str | None, *, percent: bool | None = None
) -> tuple[float | None, str, str | None]:
    """Read one text as `parse_probability` does: (value, status, rule).

    Examples
    --------
    >>> parse_probability_py("0.2"), parse_probability_py("20", percent=True)
    ((0.2, 'ok', 'fraction'), (0.2, 'ok', 'percent'))
    >>> parse_probability_py("20"), parse_probability_py("12,5 %")
    ((None, 'invalid', None), (0.125, 'ok', 'percent_sign'))
    """
    t = None if s is None else _strip_py(s)
    if _is_blank_py(t):
        return None, BLANK, None
    signed, number = _probability_number_py(t)
    if number is None:
        return None, INVALID, None
    scaled = number / 100 if percent or signed else number
    if not 0 <= scaled <= 1:
        return None, INVALID, None
    return scaled, OK, "percent_sign" if signed else "percent" if percent else "fraction"


@dataclass(frozen=True)
class ProbabilityEvidence:
    """Counts over a probability column that tell 0-100 from 0-1.

    Attributes
    ----------
    above_one : ibis.IntegerScalar
        Numbers without a '%' sign above 1: the column is on 0-100.
    numbers : ibis.IntegerScalar
        Numbers without a '%' sign (the values the scale applies to).
    """

    above_one: ir.IntegerScalar
    numbers: ir.IntegerScalar


def infer_probability_scale(col: ir.StringValue) -> ProbabilityEvidence:
    """Count the evidence in a column for probabilities on 0-100 or on 0-1.

    Examples
    --------
    >>> t = ibis.memtable({"p": ["10", "0.5", "90%", "n/a", "x"]})
    >>> e = infer_probability_scale(t.p)
    >>> t.aggregate(a=e.above_one, n=e.numbers).to_pyarrow().to_pylist()
    [{'a': 1, 'n': 2}]
    """
    signed, number = _probability_number(_strip(col))
    unsigned = number.notnull() & ~signed
    return ProbabilityEvidence(above_one=number.count(where=unsigned & (number > 1)),
                               numbers=number.count(where=unsigned))


def infer_probability_scale_py(s: str | None) -> tuple[bool, bool]:
    """What one text adds to `infer_probability_scale`: (above one, a number without '%').

    Examples
    --------
    >>> infer_probability_scale_py("45"), infer_probability_scale_py("45%")
    ((True, True), (False, False))
    """
    t = None if s is None else _strip_py(s)
    if _is_blank_py(t):
        return False, False
    signed, number = _probability_number_py(t)
    unsigned = number is not None and not signed
    return unsigned and number > 1, unsigned

"""Strings, flags and multi-valued lists."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from segmint.text_classes import TO_ASCII_LOWER
from segmint.validate.parsers.common import (
    BLANK, OK, Parsed, _ascii_lower, _is_blank, _is_blank_py, _outcome,
    _outcome_py, _strip, _strip_py,
)

_BOOLEANS = {
    "true": (True, "true_false"), "false": (False, "true_false"),
    "t": (True, "true_false"), "f": (False, "true_false"),
    "yes": (True, "yes_no"), "no": (False, "yes_no"),
    "y": (True, "yes_no"), "n": (False, "yes_no"),
    "1": (True, "one_zero"), "0": (False, "one_zero"),
    "1.0": (True, "one_zero"), "0.0": (False, "one_zero"),  # a pandas round trip of 0/1
}  # fmt: skip


def parse_boolean(col: ir.StringValue) -> Parsed:
    """Read flags: true/false, t/f, yes/no, y/n, 1/0 (and 1.0/0.0), in any ASCII case.

    Parameters
    ----------
    col : ibis.StringValue
        Raw text.

    Returns
    -------
    Parsed
        `value` is boolean; `rule` is ``true_false``, ``yes_no`` or ``one_zero``.

    Examples
    --------
    >>> t = ibis.memtable({"is_customer": ["TRUE", "n", "1", "NULL", "maybe"]})
    >>> p = parse_boolean(t.is_customer)
    >>> t.select(v=p.value, s=p.status).to_pyarrow().to_pylist()
    ... # doctest: +NORMALIZE_WHITESPACE
    [{'v': True, 's': 'ok'}, {'v': False, 's': 'ok'}, {'v': True, 's': 'ok'},
     {'v': None, 's': 'blank'}, {'v': None, 's': 'invalid'}]
    """
    t = _strip(col)
    word = _ascii_lower(t)
    value = word.substitute(
        {w: flag for w, (flag, _) in _BOOLEANS.items()}, else_=ibis.null("boolean")
    )
    rule = word.substitute({w: rule for w, (_, rule) in _BOOLEANS.items()})
    return _outcome(_is_blank(t), value, rule)


def parse_boolean_py(s: str | None) -> tuple[bool | None, str, str | None]:
    """Read one text as `parse_boolean` does: (value, status, rule).

    Examples
    --------
    >>> parse_boolean_py(" Yes ")
    (True, 'ok', 'yes_no')
    """
    t = None if s is None else _strip_py(s)
    if _is_blank_py(t):
        return None, BLANK, None
    return _outcome_py(*_BOOLEANS.get(t.translate(TO_ASCII_LOWER), (None, None)))


def parse_string(col: ir.StringValue) -> Parsed:
    """Strip text; empty text and null spellings become null.

    Parameters
    ----------
    col : ibis.StringValue
        Raw text.

    Returns
    -------
    Parsed
        `value` is the stripped string; `rule` is ``stripped`` when whitespace was removed,
        else ``plain``. Strings are never invalid.

    Examples
    --------
    >>> t = ibis.memtable({"name": [" Acme Corp ", "#N/A", "Globex"]})
    >>> p = parse_string(t.name)
    >>> t.select(v=p.value, r=p.rule).to_pyarrow().to_pylist()
    ... # doctest: +NORMALIZE_WHITESPACE
    [{'v': 'Acme Corp', 'r': 'stripped'}, {'v': None, 'r': None},
     {'v': 'Globex', 'r': 'plain'}]
    """
    t = _strip(col)
    blank = _is_blank(t)
    value = ibis.ifelse(blank, ibis.null("string"), t)
    return _outcome(blank, value, ibis.ifelse(t == col, "plain", "stripped"))


def parse_string_py(s: str | None) -> tuple[str | None, str, str | None]:
    """Read one text as `parse_string` does: (value, status, rule).

    Examples
    --------
    >>> parse_string_py("  Initech\\t")
    ('Initech', 'ok', 'stripped')
    """
    t = None if s is None else _strip_py(s)
    if _is_blank_py(t):
        return None, BLANK, None
    return t, OK, "plain" if t == s else "stripped"


# A multi-valued column ('Analytics;CRM', as HubSpot exports multiple checkboxes and Salesforce
# multi-select picklists) is split only where a preset or the project says so, since a ';' may
# also sit inside one picklist value ('Food; drink; tobacco').
LIST_SEPARATOR = ";"


def parse_list(col: ir.StringValue) -> Parsed:
    """Split ``;``-separated values into a list; parts are stripped, blank parts dropped.

    Parameters
    ----------
    col : ibis.StringValue
        Raw text of a column declared multi-valued.

    Returns
    -------
    Parsed
        `value` is an array of strings, null when no part has a value (``blank``); `rule` is
        ``plain`` for one value, ``split`` for several. Lists are never invalid.

    Examples
    --------
    >>> t = ibis.memtable({"products": ["Analytics; CRM", "CRM", " ; n/a", None]})
    >>> p = parse_list(t.products)
    >>> t.select(v=p.value, r=p.rule).to_pyarrow().to_pylist()
    ... # doctest: +NORMALIZE_WHITESPACE
    [{'v': ['Analytics', 'CRM'], 'r': 'split'}, {'v': ['CRM'], 'r': 'plain'},
     {'v': None, 'r': None}, {'v': None, 'r': None}]
    """
    parts = col.split(LIST_SEPARATOR).map(_strip).filter(lambda part: ~_is_blank(part))
    count = parts.length().fill_null(0)
    value = ibis.ifelse(count > 0, parts, ibis.null("array<string>"))
    return _outcome(count == 0, value, ibis.ifelse(count > 1, "split", "plain"))


def parse_list_py(s: str | None) -> tuple[list[str] | None, str, str | None]:
    """Read one text as `parse_list` does: (value, status, rule).

    Examples
    --------
    >>> parse_list_py("Food;; drink ;tobacco")
    (['Food', 'drink', 'tobacco'], 'ok', 'split')
    >>> parse_list_py(" ; ")
    (None, 'blank', None)
    """
    parts = [] if s is None else [_strip_py(part) for part in s.split(LIST_SEPARATOR)]
    parts = [part for part in parts if not _is_blank_py(part)]
    if not parts:
        return None, BLANK, None
    return parts, OK, "split" if len(parts) > 1 else "plain"

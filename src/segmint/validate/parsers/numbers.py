"""Counts and measures (plain, grouped, scientific, k/M/bn, ranges) and coordinates."""

from __future__ import annotations

import re

import ibis
import ibis.expr.types as ir

from segmint.text_classes import ASCII_LOWER, ASCII_UPPER, TO_ASCII_LOWER
from segmint.validate.parsers.common import (
    _SPACES, BLANK, INVALID, OK, _SP, Parsed, _ascii_lower, _extract,
    _extract_py, _is_blank, _is_blank_py, _outcome, _outcome_py, _strip, _strip_py,
)

# A thousands group always has 3 digits, so a comma followed by 1-2 digits can only be
# a decimal comma, and several dot groups ('1.234.567') can only be thousands: such a text is
# European, and swapping its commas and dots turns it into the US form the grammar reads.
# '1,234' therefore reads 1234, '1.234' reads 1.234, and '1.234,567' is invalid (ambiguous).
# Digit counts are capped so no well-formed text overflows a float64.
_EUROPEAN = r",[0-9]{1,2}(?:[^0-9]|$)|[0-9]\.[0-9]{3}\."
_PLAIN = r"[0-9]{1,18}(?:\.[0-9]{0,20})?|\.[0-9]{1,20}"
_GROUPED = (
    r"[0-9]{1,3}(?:,[0-9]{3}){1,6}(?:\.[0-9]{1,20})?"
    rf"|[0-9]{{1,3}}(?:{_SP}[0-9]{{3}}){{1,6}}(?:\.[0-9]{{1,20}})?"
    r"|[0-9]{1,3}(?:['’][0-9]{3}){1,6}(?:\.[0-9]{1,20})?"
)
_SUFFIX = "[kK]|[mM][mM]|[mM][nN]|[mM]|[bB][nN]|[bB]"  # m is million (never milli or 'M' = 1000)
_QUANTITY = f"(?:{_PLAIN}|{_GROUPED})(?:[eE][+-]?[0-9]{{1,2}}|{_SP}*(?:{_SUFFIX}))?"
_NUMBER = (  # spaces may surround it: money leaves them where it took out a currency
    f"^{_SP}*(?:[+\\-−]?{_SP}*{_QUANTITY}"  # one amount
    f"|{_QUANTITY}{_SP}*(?:-|–|—|[tT][oO]){_SP}*{_QUANTITY}"  # a range
    f"|{_QUANTITY}{_SP}*\\+|(?:>=|≥|>){_SP}*{_QUANTITY}){_SP}*$"  # an open range
)
# A well-formed number is then rewritten into 'low-high' (one amount is the range from itself to
# itself) by literal replacements only: Ibis inlines an expression wherever it is used, so each
# regex read several times multiplies the SQL (a first, regex-heavy draft compiled to 2 MB).
# lower case; every dash a '-'; drop grouping marks, spaces and the + > ≥ = of signs and ranges
_TIDY_FROM, _TIDY_TO = ASCII_UPPER + "–—−" + ",'’+>≥=" + _SPACES, ASCII_LOWER + "---"
_TIDY = str.maketrans(_TIDY_FROM[: len(_TIDY_TO)], _TIDY_TO, _TIDY_FROM[len(_TIDY_TO) :])
_MARK = "\x01"  # marks the start, to protect a leading minus; never in a well-formed number
_REWRITES = (
    ("to", "-"), ("e-", "e_"), (_MARK + "-", "_"), (_MARK, ""),  # only range dashes stay '-'
    ("mm", "m"), ("mn", "m"), ("bn", "b"), ("k", "#3"), ("m", "#6"), ("b", "#9"),
)  # fmt: skip
_LOW = ("-[^-]*$", "")
_HIGH = ("^[^-]*-", "")
_INHERITED = "^[^-e#]*-[^-]*(#[0-9])$"  # '10-50k' is 10k-50k: a bare lower bound takes 'k'
_FLOAT = r"^-?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:e[0-9]{1,3}|e-[0-9]{1,3})?$"
# Rules are read off the stripped text, before any rewriting.
_IS_RANGE = f"[0-9.kKmMbBnN]{_SP}*(?:-|–|—|[tT][oO]){_SP}*[0-9.]"
_OPEN = f"^{_SP}*(?:>=|≥|>)|\\+{_SP}*$"
_SUFFIX_LETTER = f"[0-9.]{_SP}*([kKmMbB])"
_SUFFIX_RULES = {"k": "suffix_k", "m": "suffix_m", "b": "suffix_bn"}
_GROUPING = f"[0-9](?:[,'’]|{_SP})[0-9]"
_INTEGER_LIMIT = 2.0**53  # beyond it a float64 no longer holds every integer


def _us_form(t: ir.StringValue) -> tuple[ir.BooleanValue, ir.StringValue]:
    european = t.re_search(_EUROPEAN)
    return european, ibis.ifelse(european, t.translate(",.", ".,"), t)


def _us_form_py(t: str) -> tuple[bool, str]:
    european = re.search(_EUROPEAN, t) is not None
    return european, t.translate(str.maketrans(",.", ".,")) if european else t


def _to_float(text: ir.StringValue) -> ir.FloatingValue:
    # cast only text shaped like a float, so no engine ever fails a cast
    return text.translate("#_", "e-").re_extract(_FLOAT, 0).nullif("").cast("float64")


def _to_float_py(text: str) -> float | None:
    text = text.translate(str.maketrans("#_", "e-"))
    return float(text) if re.fullmatch(_FLOAT, text) else None


def _number(
    us: ir.StringValue, *, european: ir.BooleanValue, comma: ir.BooleanValue, t: ir.StringValue
) -> tuple[ir.FloatingValue, ir.StringValue]:
    """(value, rule) of a number in US form `us`; the value is null unless well formed.

    The rule is read off `t`, the text before the swap and the rewriting: only the decimal
    comma depends on the swap, so `european` and `comma` (a comma in the text) carry it.
    """
    s = _MARK + us.translate(_TIDY_FROM, _TIDY_TO)
    for old, new in _REWRITES:
        s = s.replace(old, new)
    low = _to_float(s.re_replace(*_LOW).concat(_extract(s, _INHERITED, 1)))
    high = _to_float(s.re_replace(*_HIGH))
    well_formed = us.re_search(_NUMBER) & (low <= high)
    value = ibis.ifelse(well_formed, (low + high) / 2, ibis.null("float64"))  # (x + x) / 2 == x
    rule = ibis.cases(
        (t.re_search(_IS_RANGE), "range_midpoint"),
        (t.re_search(_OPEN), "open_range_lower_bound"),
        (
            t.re_search(_SUFFIX_LETTER),
            _ascii_lower(_extract(t, _SUFFIX_LETTER, 1)).substitute(_SUFFIX_RULES),
        ),
        (european & comma, "decimal_comma"),
        (european, "thousands_separator"),  # '1.234.567'
        (t.re_search("[0-9][eE]"), "scientific"),
        (t.re_search(_GROUPING), "thousands_separator"),
        else_="plain",
    )
    return value, rule


def _number_py(us: str, *, european: bool, comma: bool, t: str) -> tuple[float | None, str]:
    s = _MARK + us.translate(_TIDY)
    for old, new in _REWRITES:
        s = s.replace(old, new)
    low = _to_float_py(re.sub(*_LOW, s) + _extract_py(s, _INHERITED, 1))
    high = _to_float_py(re.sub(*_HIGH, s))
    well_formed = (
        re.fullmatch(_NUMBER, us) is not None
        and low is not None
        and high is not None
        and low <= high
    )
    value = (low + high) / 2 if well_formed else None
    if re.search(_IS_RANGE, t):
        rule = "range_midpoint"
    elif re.search(_OPEN, t):
        rule = "open_range_lower_bound"
    elif re.search(_SUFFIX_LETTER, t):
        rule = _SUFFIX_RULES[_extract_py(t, _SUFFIX_LETTER, 1).translate(TO_ASCII_LOWER)]
    elif european:
        rule = "decimal_comma" if comma else "thousands_separator"
    elif re.search("[0-9][eE]", t):
        rule = "scientific"
    elif re.search(_GROUPING, t):
        rule = "thousands_separator"
    else:
        rule = "plain"
    return value, rule


def parse_number(col: ir.StringValue) -> Parsed:
    """Read counts and measures such as employees: plain, grouped, scientific, k/M/bn, ranges.

    Accepted, with the `rule` reported: ``'42'``, ``'+42'``, ``'-3.5'`` (``plain``);
    ``'1,000'``, ``'1 000'``, ``"1'000"``, ``'1.000.000'`` (``thousands_separator``);
    ``'1.234,56'``, ``'12,5'`` (``decimal_comma``: a comma then 1-2 digits);
    ``'1.39E8'`` (``scientific``); ``'5k'``, ``'2.5M'``, ``'3mm'``, ``'1bn'`` (``suffix_k``,
    ``suffix_m``, ``suffix_bn``: times 1e3, 1e6, 1e9); ``'51-200'``, ``'51 – 200'``,
    ``'51 to 200'``, ``'10-50k'`` (``range_midpoint``: the midpoint; a bare lower bound takes
    the upper bound's suffix, and a lower bound above the upper one is invalid);
    ``'10,000+'``, ``'>5000'`` (``open_range_lower_bound``: the bound). Negative numbers are
    ok here; whether they are allowed is the validator's call. ``'<50'``, ``'1.234,567'``
    (ambiguous), ``'1e3k'`` and words are invalid.

    Parameters
    ----------
    col : ibis.StringValue
        Raw text, as load reads every column.

    Returns
    -------
    Parsed
        `value` is float64.

    Examples
    --------
    >>> t = ibis.memtable({"employees": ["1,001-5,000", "10,000+", "2.5k", "n/a", "lots"]})
    >>> p = parse_number(t.employees)
    >>> t.select(v=p.value, s=p.status, r=p.rule).to_pyarrow().to_pylist()
    ... # doctest: +NORMALIZE_WHITESPACE
    [{'v': 3000.5, 's': 'ok', 'r': 'range_midpoint'},
     {'v': 10000.0, 's': 'ok', 'r': 'open_range_lower_bound'},
     {'v': 2500.0, 's': 'ok', 'r': 'suffix_k'},
     {'v': None, 's': 'blank', 'r': None},
     {'v': None, 's': 'invalid', 'r': None}]
    """
    t = _strip(col)
    european, us = _us_form(t)
    value, rule = _number(us, european=european, comma=t.contains(","), t=t)
    return _outcome(_is_blank(t), value, rule)


def parse_number_py(s: str | None) -> tuple[float | None, str, str | None]:
    """Read one text as `parse_number` does: (value, status, rule).

    Examples
    --------
    >>> parse_number_py("51 – 200")
    (125.5, 'ok', 'range_midpoint')
    >>> parse_number_py("N/A"), parse_number_py("unknown")
    ((None, 'blank', None), (None, 'invalid', None))
    """
    t = None if s is None else _strip_py(s)
    if _is_blank_py(t):
        return None, BLANK, None
    european, us = _us_form_py(t)
    return _outcome_py(*_number_py(us, european=european, comma="," in t, t=t))


def parse_integer(col: ir.StringValue) -> Parsed:
    """Read whole numbers: everything `parse_number` reads, if the result is integral.

    A range midpoint such as ``'51-200'`` (125.5) is therefore invalid, ``'1.5k'`` is 1500,
    and values beyond ±2**53, where a float64 stops holding every integer, are invalid.

    Parameters
    ----------
    col : ibis.StringValue
        Raw text.

    Returns
    -------
    Parsed
        `value` is int64.

    Examples
    --------
    >>> t = ibis.memtable({"seats": ["1,200", "1.5k", "2.5", ""]})
    >>> p = parse_integer(t.seats)
    >>> t.select(v=p.value, s=p.status).to_pyarrow().to_pylist()
    ... # doctest: +NORMALIZE_WHITESPACE
    [{'v': 1200, 's': 'ok'}, {'v': 1500, 's': 'ok'}, {'v': None, 's': 'invalid'},
     {'v': None, 's': 'blank'}]
    """
    t = _strip(col)
    european, us = _us_form(t)
    number, rule = _number(us, european=european, comma=t.contains(","), t=t)
    whole = (number % 1 == 0) & (number.abs() <= _INTEGER_LIMIT)  # also keeps the cast in range
    value = ibis.ifelse(whole, number, ibis.null("float64")).cast("int64")
    return _outcome(_is_blank(t), value, rule)


def parse_integer_py(s: str | None) -> tuple[int | None, str, str | None]:
    """Read one text as `parse_integer` does: (value, status, rule).

    Examples
    --------
    >>> parse_integer_py("1.2K"), parse_integer_py("51-200")
    ((1200, 'ok', 'suffix_k'), (None, 'invalid', None))
    """
    value, status, rule = parse_number_py(s)
    if status != OK:
        return None, status, None
    if value % 1 == 0 and abs(value) <= _INTEGER_LIMIT:
        return int(value), OK, rule
    return None, INVALID, None


# ---------------------------------------------------------------------------------------------
# Coordinates. Decimal degrees are never grouped in thousands, so a comma in one is a decimal
# comma (a European export: '45,7578'): read as numbers, '0,123' would be the longitude 123.
_COORDINATE = r"^[-+]?[0-9]{1,3}(?:[.,][0-9]{1,15})?$"


def parse_coordinate(col: ir.StringValue) -> Parsed:
    """Read a latitude or longitude in decimal degrees, with a decimal point or comma.

    ``'42.3736'``, ``'-71.1097'``, ``'+48'`` (``plain``); ``'45,7578'``, ``'0,123'``
    (``decimal_comma``). Anything else is invalid: thousands separators, degrees-minutes-seconds
    (``'40°26′46″N'``), hemisphere letters. Whether the value is on the globe is the
    validator's call (checks DQ105, DQ106).

    Parameters
    ----------
    col : ibis.StringValue
        Raw text.

    Returns
    -------
    Parsed
        `value` is float64.

    Examples
    --------
    >>> t = ibis.memtable({"lon": ["-71.1097", "0,123", "1,234.5", "N/A"]})
    >>> p = parse_coordinate(t.lon)
    >>> t.select(v=p.value, s=p.status, r=p.rule).to_pyarrow().to_pylist()
    ... # doctest: +NORMALIZE_WHITESPACE
    [{'v': -71.1097, 's': 'ok', 'r': 'plain'}, {'v': 0.123, 's': 'ok', 'r': 'decimal_comma'},
     {'v': None, 's': 'invalid', 'r': None}, {'v': None, 's': 'blank', 'r': None}]
    """
    t = _strip(col)
    shaped = t.re_search(_COORDINATE)
    value = ibis.ifelse(shaped, t.replace(",", ".").cast("float64"), ibis.null("float64"))
    return _outcome(_is_blank(t), value,
                    ibis.ifelse(t.contains(","), "decimal_comma", "plain"))


def parse_coordinate_py(s: str | None) -> tuple[float | None, str, str | None]:
    """Read one text as `parse_coordinate` does: (value, status, rule).

    Examples
    --------
    >>> parse_coordinate_py(" 45,7578 "), parse_coordinate_py("4,832.1")
    ((45.7578, 'ok', 'decimal_comma'), (None, 'invalid', None))
    """
    t = None if s is None else _strip_py(s)
    if _is_blank_py(t):
        return None, BLANK, None
    if not re.fullmatch(_COORDINATE, t):
        return None, INVALID, None
    return float(t.replace(",", ".")), OK, "decimal_comma" if "," in t else "plain"

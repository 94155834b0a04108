"""Raw CRM text to typed values as Ibis expressions, each with a Python twin for one value."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
import pycountry

__all__ = [
    "BLANK",
    "INVALID",
    "LIST_SEPARATOR",
    "NULL_SPELLINGS",
    "OK",
    "DateOrder",
    "DayFirstEvidence",
    "Parsed",
    "ProbabilityEvidence",
    "ProbabilityScale",
    "ParsedMoney",
    "day_first_evidence_text",
    "day_first_from_evidence",
    "decide_date_order",
    "decide_probability_scale",
    "infer_day_first",
    "infer_probability_scale",
    "parse_boolean",
    "parse_boolean_text",
    "parse_coordinate",
    "parse_coordinate_text",
    "parse_date",
    "parse_date_text",
    "parse_integer",
    "parse_integer_text",
    "parse_list",
    "parse_list_text",
    "parse_money",
    "parse_money_text",
    "parse_number",
    "parse_number_text",
    "parse_probability",
    "parse_probability_text",
    "probability_evidence_text",
    "parse_string",
    "parse_string_text",
]

# Every parser gives each cell one of three statuses. 'blank' is an empty cell or one of the
# spellings exports use for "no value" (NULL_SPELLINGS, any ASCII case); anything else that does
# not parse, such as 'unknown' or 'abc', is 'invalid', so a validator can reject it with its value.
OK, BLANK, INVALID = "ok", "blank", "invalid"
NULL_SPELLINGS = frozenset(
    {"", "-", "--", "null", "none", "nil", "nan", "na", "n/a", "#n/a", "(blank)"}
)

# Regex rules that keep the engine and the Python twins in step (DuckDB's RE2, Spark's Java
# regex and Python's re agree on them): ASCII classes such as [0-9] rather than \d, which is
# Unicode in Python; no '.', lookaround or back-references; every pattern anchored with ^...$ or
# searched; replacements are literal strings (back-reference syntax differs between engines).
_STRIP_CHARS = " \t\n\r\x0b\x0c\u00a0\u2007\u2009\u202f\ufeff"  # incl. no-break spaces, BOM
_STRIP_START = f"^[{_STRIP_CHARS}]+"
_STRIP_END = f"[{_STRIP_CHARS}]+$"
_SPACES = " \t\u00a0\u2007\u2009\u202f"  # inside a value: French and Swiss thousands use NBSP
_SP = f"[{_SPACES}]"
_UPPER, _LOWER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz"
_ASCII_LOWER = str.maketrans(_UPPER, _LOWER)  # only ASCII: Unicode lower() differs by engine

# Numbers. A thousands group always has 3 digits, so a comma followed by 1-2 digits can only be
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
_TIDY_FROM, _TIDY_TO = _UPPER + "–—−" + ",'’+>≥=" + _SPACES, _LOWER + "---"
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

# Money. '$' alone is read as USD, but an ISO code next to it wins ('CAD $5' is CAD), since
# dollars and pesos share the sign; '¥' is read as JPY although CNY shares it. ISO codes are
# recognised in upper case only, before or after the amount, so 'mn' or 'Mio' are never codes.
_SYMBOL = r"US\$|C\$|A\$|\$|€|£|¥|₹"
_SYMBOL_CHARS = "[$€£¥₹]"
_FIRST_SYMBOL = f"({_SYMBOL})"
_LAST_SYMBOL = f"({_SYMBOL})[^$€£¥₹]*$"
_SYMBOL_CURRENCY = {"US$": "USD", "C$": "CAD", "A$": "AUD", "$": "USD", "€": "EUR",
                    "£": "GBP", "¥": "JPY", "₹": "INR"}  # fmt: skip
_CODE_PREFIX = f"^{_SP}*([A-Z]{{3}})"
_CODE_SUFFIX = f"([A-Z]{{3}}){_SP}*$"
ISO_CURRENCIES = frozenset(c.alpha_3 for c in pycountry.currencies)
_PARENTHESES = f"^{_SP}*\\([^()]*\\){_SP}*$"

# Booleans.
_BOOLEANS = {
    "true": (True, "true_false"), "false": (False, "true_false"),
    "t": (True, "true_false"), "f": (False, "true_false"),
    "yes": (True, "yes_no"), "no": (False, "yes_no"),
    "y": (True, "yes_no"), "n": (False, "yes_no"),
    "1": (True, "one_zero"), "0": (False, "one_zero"),
    "1.0": (True, "one_zero"), "0.0": (False, "one_zero"),  # a pandas round trip of 0/1
}  # fmt: skip

# Dates. Only the date is kept: a trailing time and offset must be well formed but are not
# applied, so '2024-01-19T23:30:00-0500' is 2024-01-19, the day the export shows.
_TIME = (
    f"(?:[Tt]|{_SP}+)(?:[01]?[0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:[.,][0-9]{{1,9}})?)?"
    f"(?:{_SP}*[AaPp][Mm])?(?:{_SP}*(?:Z|UTC|GMT|[+-][0-9]{{2}}(?::?[0-9]{{2}})?))?$"
)
_YEAR = "([0-9]{4}|[0-9]{2})"
_ISO_DATE = "^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})$"
_YMD_SLASH = "^([0-9]{4})/([0-9]{1,2})/([0-9]{1,2})$"
_DOTTED = f"^([0-9]{{1,2}})\\.([0-9]{{1,2}})\\.{_YEAR}$"
_SLASHED = f"^([0-9]{{1,2}})/([0-9]{{1,2}})/{_YEAR}$"  # m/d/y, or d/m/y
_DASHED = f"^([0-9]{{1,2}})-([0-9]{{1,2}})-{_YEAR}$"
_MONTHS = "janfebmaraprmayjunjulaugsepoctnovdec"
_MONTH_WORD = "|".join(  # any ASCII case, as written: no engine's lower() is trusted here
    "".join(f"[{c}{c.upper()}]" for c in word)
    for word in ("january", "february", "march", "april", "may", "june", "july", "august",
                 "september", "sept", "october", "november", "december",
                 "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
)  # fmt: skip
_DAY_MONTH_NAME = f"^([0-9]{{1,2}})(?:{_SP}+|-)({_MONTH_WORD})\\.?(?:{_SP}+|-){_YEAR}$"
_MONTH_NAME_DAY = f"^({_MONTH_WORD})\\.?{_SP}+([0-9]{{1,2}}),?{_SP}+([0-9]{{4}})$"
# Two-digit years: 00-68 are 2000-2068 and 69-99 are 1969-1999, the POSIX %y pivot.
_YEAR_LAST = f"^[0-9]{{1,2}}(?:[./-][0-9]{{1,2}}[./-]|(?:{_SP}+|-)[A-Za-z]{{3,9}}\\.?(?:{_SP}+|-))"
_YY_2000S = f"{_YEAR_LAST}(?:[0-5][0-9]|6[0-8])$"
_YY_1900S = f"{_YEAR_LAST}(?:69|[7-9][0-9])$"
# A real calendar date as YYYY-M-D (month and day may lack their zero), year 0001-9999,
# 29 February in leap years only.
_LEAP_YEAR = "(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:0[48]|[2468][048]|[13579][26])00)"
_REAL_DATE = (
    "^(?:(?:[0-9]{3}[1-9]|[0-9]{2}[1-9]0|[0-9][1-9]00|[1-9]000)-"
    "(?:(?:0?[13578]|1[02])-(?:0?[1-9]|[12][0-9]|3[01])"
    "|(?:0?[469]|11)-(?:0?[1-9]|[12][0-9]|30)"
    "|0?2-(?:0?[1-9]|1[0-9]|2[0-8]))"
    f"|{_LEAP_YEAR}-0?2-29)$"
)


@dataclass(frozen=True)
class Parsed:
    """One parsed column: the typed value, a status and the rule that produced the value.

    Attributes
    ----------
    value : ibis.Value
        The typed value; null when the text is blank or invalid.
    status : ibis.StringValue
        ``'ok'``, ``'blank'`` (null, whitespace or a null spelling) or ``'invalid'``.
    rule : ibis.StringValue
        Name of the reading used, such as ``'thousands_separator'``; null unless ok.
    """

    value: ir.Value
    status: ir.StringValue
    rule: ir.StringValue


@dataclass(frozen=True)
class ParsedMoney(Parsed):
    """A parsed money column; `currency` is the ISO code seen in the text, null if none."""

    currency: ir.StringValue


@dataclass(frozen=True)
class DayFirstEvidence:
    """Counts over a column that tell day-first (d/m/y) from US (m/d/y) slash dates.

    Attributes
    ----------
    first_over_12 : ibis.IntegerScalar
        Slash dates whose first part is above 12, so it must be the day.
    second_over_12 : ibis.IntegerScalar
        Slash dates whose second part is above 12, so the first must be the month.
    slash_dates : ibis.IntegerScalar
        Well-formed slash (or dash) dates with the year last, ambiguous or not.
    """

    first_over_12: ir.IntegerScalar
    second_over_12: ir.IntegerScalar
    slash_dates: ir.IntegerScalar


# ---------------------------------------------------------------------------------------------
# Shared pieces. Each engine step has a Python twin next to it, so the two stay alike.


def _strip(col: ir.StringValue) -> ir.StringValue:
    return col.re_replace(_STRIP_START, "").re_replace(_STRIP_END, "")


def _strip_text(s: str) -> str:
    return s.strip(_STRIP_CHARS)


def _ascii_lower(col: ir.StringValue) -> ir.StringValue:
    # `translate` is exact but slow in DuckDB (1.7 s per million values, 15x `lower`), and
    # `lower` agrees with it on printable ASCII: text with anything else takes `translate`.
    return ibis.ifelse(col.re_search("[^ -~]"), col.translate(_UPPER, _LOWER), col.lower())


def _spelling_pattern(spellings: frozenset[str]) -> str:
    """An anchored regex matching the spellings in any ASCII case, every character in a class
    (`[Nn][Aa]`, `[#]`), so RE2, Java and Python read it alike."""
    def char(c: str) -> str:
        return f"[{c.upper()}{c}]" if c.isascii() and c.isalpha() else f"[{c}]"

    words = sorted(spellings, key=len, reverse=True)
    return "^(?:" + "|".join("".join(char(c) for c in word) for word in words) + ")$"


_NULL_SPELLING_PATTERN = _spelling_pattern(NULL_SPELLINGS)


def _is_blank(text: ir.StringValue) -> ir.BooleanValue:
    # One anchored regex: 15x cheaper in DuckDB than lower-casing with `translate` and looking
    # the text up in an array, and a parser uses this test several times per column.
    return text.isnull() | text.re_search(_NULL_SPELLING_PATTERN)


def _is_blank_text(text: str | None) -> bool:
    return text is None or text.translate(_ASCII_LOWER) in NULL_SPELLINGS


def _extract(col: ir.StringValue, pattern: str, group: int) -> ir.StringValue:
    # DuckDB and Spark return '' when nothing matches; fill_null makes that true everywhere
    return col.re_extract(pattern, group).fill_null("")


def _extract_text(s: str, pattern: str, group: int) -> str:
    match = re.search(pattern, s)
    return (match.group(group) or "") if match else ""


def _outcome(blank: ir.BooleanValue, value: ir.Value, rule: ir.StringValue) -> Parsed:
    """Status and rule from a value that is already null unless the text parsed.

    No null spelling parses as any type (a test checks it), so blank texts have null values.
    """
    parsed = value.notnull()
    return Parsed(
        value=value,
        status=ibis.cases((blank, BLANK), (parsed, OK), else_=INVALID),
        rule=ibis.ifelse(parsed, rule, ibis.null("string")),
    )


def _outcome_text(value: object, rule: str | None) -> tuple[object, str, str | None]:
    return (None, INVALID, None) if value is None else (value, OK, rule)


# ---------------------------------------------------------------------------------------------
# Numbers


def _us_form(t: ir.StringValue) -> tuple[ir.BooleanValue, ir.StringValue]:
    european = t.re_search(_EUROPEAN)
    return european, ibis.ifelse(european, t.translate(",.", ".,"), t)


def _us_form_text(t: str) -> tuple[bool, str]:
    european = re.search(_EUROPEAN, t) is not None
    return european, t.translate(str.maketrans(",.", ".,")) if european else t


def _to_float(text: ir.StringValue) -> ir.FloatingValue:
    # cast only text shaped like a float, so no engine ever fails a cast
    return text.translate("#_", "e-").re_extract(_FLOAT, 0).nullif("").cast("float64")


def _to_float_text(text: str) -> float | None:
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


def _number_text(us: str, *, european: bool, comma: bool, t: str) -> tuple[float | None, str]:
    s = _MARK + us.translate(_TIDY)
    for old, new in _REWRITES:
        s = s.replace(old, new)
    low = _to_float_text(re.sub(*_LOW, s) + _extract_text(s, _INHERITED, 1))
    high = _to_float_text(re.sub(*_HIGH, s))
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
        rule = _SUFFIX_RULES[_extract_text(t, _SUFFIX_LETTER, 1).translate(_ASCII_LOWER)]
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


def parse_number_text(s: str | None) -> tuple[float | None, str, str | None]:
    """Read one text as `parse_number` does: (value, status, rule).

    Examples
    --------
    >>> parse_number_text("51 – 200")
    (125.5, 'ok', 'range_midpoint')
    >>> parse_number_text("N/A"), parse_number_text("unknown")
    ((None, 'blank', None), (None, 'invalid', None))
    """
    t = None if s is None else _strip_text(s)
    if _is_blank_text(t):
        return None, BLANK, None
    european, us = _us_form_text(t)
    return _outcome_text(*_number_text(us, european=european, comma="," in t, t=t))


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


def parse_integer_text(s: str | None) -> tuple[int | None, str, str | None]:
    """Read one text as `parse_integer` does: (value, status, rule).

    Examples
    --------
    >>> parse_integer_text("1.2K"), parse_integer_text("51-200")
    ((1200, 'ok', 'suffix_k'), (None, 'invalid', None))
    """
    value, status, rule = parse_number_text(s)
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


def parse_coordinate_text(s: str | None) -> tuple[float | None, str, str | None]:
    """Read one text as `parse_coordinate` does: (value, status, rule).

    Examples
    --------
    >>> parse_coordinate_text(" 45,7578 "), parse_coordinate_text("4,832.1")
    ((45.7578, 'ok', 'decimal_comma'), (None, 'invalid', None))
    """
    t = None if s is None else _strip_text(s)
    if _is_blank_text(t):
        return None, BLANK, None
    if not re.fullmatch(_COORDINATE, t):
        return None, INVALID, None
    return float(t.replace(",", ".")), OK, "decimal_comma" if "," in t else "plain"


# ---------------------------------------------------------------------------------------------
# Money


def parse_money(col: ir.StringValue) -> ParsedMoney:
    """Read amounts of money: every `parse_number` spelling plus currencies and parentheses.

    Currency symbols ``$ US$ C$ A$ € £ ¥ ₹`` (USD, USD, CAD, AUD, EUR, GBP, JPY, INR) may
    stand anywhere around the amount, ISO 4217 codes in upper case before or after it:
    ``'$1.2M'``, ``'-$1,200'``, ``'€3 bn'``, ``'£450k'``, ``'USD 1,200.50'``, ``'500kEUR'``,
    ``'1.200,50 €'``, ``'$1M-$5M'`` (revenue bands: the midpoint, as for numbers).
    ``'(1,200)'`` and ``'($1,200)'`` are negative (``parentheses_negative``).
    A symbol next to a code must agree with it, except ``$``, which dollars and pesos share,
    so ``'CAD $5'`` is CAD. Two different symbols, two different codes, a 3-letter word that
    is no ISO code (``'ABC 5'``) or unbalanced parentheses make the text invalid.

    The rule is the most consequential reading applied: ``range_midpoint``,
    ``open_range_lower_bound``, ``parentheses_negative``, a number rule other than ``plain``,
    then ``currency_symbol`` or ``currency_code``, then ``plain``.

    Parameters
    ----------
    col : ibis.StringValue
        Raw text.

    Returns
    -------
    ParsedMoney
        `value` is float64 (cast to a decimal downstream if needed); `currency` is the ISO
        code seen, null when none or when the text did not parse.

    Examples
    --------
    >>> t = ibis.memtable({"revenue": ["$1.2M", "1.200,50 €", "(1,200)", "USD 5", "€5 GBP"]})
    >>> p = parse_money(t.revenue)
    >>> t.select(v=p.value, r=p.rule, c=p.currency).to_pyarrow().to_pylist()
    ... # doctest: +NORMALIZE_WHITESPACE
    [{'v': 1200000.0, 'r': 'suffix_m', 'c': 'USD'},
     {'v': 1200.5, 'r': 'decimal_comma', 'c': 'EUR'},
     {'v': -1200.0, 'r': 'parentheses_negative', 'c': None},
     {'v': 5.0, 'r': 'currency_code', 'c': 'USD'},
     {'v': None, 'r': None, 'c': None}]
    """
    t = _strip(col)
    european, us = _us_form(t)
    first, last = _extract(t, _FIRST_SYMBOL, 1), _extract(t, _LAST_SYMBOL, 1)
    symbols = t.length() - t.re_replace(_SYMBOL_CHARS, "").length()
    unsigned = t.re_replace(_SYMBOL, "")
    prefix, suffix = _extract(unsigned, _CODE_PREFIX, 1), _extract(unsigned, _CODE_SUFFIX, 1)
    code = ibis.ifelse(prefix != "", prefix, suffix)
    symbol_currency = first.substitute(_SYMBOL_CURRENCY, else_="")
    iso = sorted(ISO_CURRENCIES)
    bare = unsigned.re_replace(_CODE_PREFIX, "").re_replace(_CODE_SUFFIX, "")
    in_parentheses = bare.re_search(_PARENTHESES)
    consistent = (
        (first == last)
        & (symbols <= 2)  # '$1M-$5M' has two, both '$'
        & ((prefix == "") | prefix.isin(iso))
        & ((suffix == "") | suffix.isin(iso))
        & ((prefix == "") | (suffix == "") | (prefix == suffix))
        & ((first == "") | (code == "") | (first == "$") | (symbol_currency == code))
        & (in_parentheses | ~bare.re_search("[()]"))
    )
    # the same removals on the US form; '(1,200)' becomes '-1,200'
    amount = (
        us.re_replace(_SYMBOL, "")
        .re_replace(_CODE_PREFIX, "")
        .re_replace(_CODE_SUFFIX, "")
        .translate("()", "-")
    )
    number, rule = _number(amount, european=european, comma=t.contains(","), t=bare)
    value = ibis.ifelse(consistent, number, ibis.null("float64"))
    rule = ibis.cases(
        (in_parentheses, "parentheses_negative"),
        (rule != "plain", rule),
        (first != "", "currency_symbol"),
        (code != "", "currency_code"),
        else_="plain",
    )
    currency = ibis.cases((code != "", code), (first != "", symbol_currency))
    parsed = _outcome(_is_blank(t), value, rule)
    return ParsedMoney(
        parsed.value,
        parsed.status,
        parsed.rule,
        ibis.ifelse(value.notnull(), currency, ibis.null("string")),
    )


def parse_money_text(s: str | None) -> tuple[float | None, str, str | None, str | None]:
    """Read one text as `parse_money` does: (value, status, rule, currency).

    Examples
    --------
    >>> parse_money_text("$1M-$5M")
    (3000000.0, 'ok', 'range_midpoint', 'USD')
    >>> parse_money_text("£450k")
    (450000.0, 'ok', 'suffix_k', 'GBP')
    """
    t = None if s is None else _strip_text(s)
    if _is_blank_text(t):
        return None, BLANK, None, None
    european, us = _us_form_text(t)
    first, last = _extract_text(t, _FIRST_SYMBOL, 1), _extract_text(t, _LAST_SYMBOL, 1)
    symbols = len(t) - len(re.sub(_SYMBOL_CHARS, "", t))
    unsigned = re.sub(_SYMBOL, "", t)
    prefix = _extract_text(unsigned, _CODE_PREFIX, 1)
    suffix = _extract_text(unsigned, _CODE_SUFFIX, 1)
    code = prefix or suffix
    symbol_currency = _SYMBOL_CURRENCY.get(first, "")
    bare = re.sub(_CODE_SUFFIX, "", re.sub(_CODE_PREFIX, "", unsigned))
    in_parentheses = re.search(_PARENTHESES, bare) is not None
    consistent = (
        first == last
        and symbols <= 2
        and prefix in ISO_CURRENCIES | {""}
        and suffix in ISO_CURRENCIES | {""}
        and (not prefix or not suffix or prefix == suffix)
        and (not first or not code or first == "$" or symbol_currency == code)
        and (in_parentheses or not re.search("[()]", bare))
    )
    amount = re.sub(_CODE_SUFFIX, "", re.sub(_CODE_PREFIX, "", re.sub(_SYMBOL, "", us)))
    amount = amount.translate(str.maketrans("(", "-", ")"))
    value, rule = _number_text(amount, european=european, comma="," in t, t=bare)
    if not consistent or value is None:
        return None, INVALID, None, None
    if in_parentheses:
        rule = "parentheses_negative"
    elif rule == "plain":
        rule = "currency_symbol" if first else "currency_code" if code else "plain"
    return value, OK, rule, code or symbol_currency or None


# ---------------------------------------------------------------------------------------------
# Probabilities

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


def _probability_number_text(t: str) -> tuple[bool, float | None]:
    signed = re.search(_PERCENT_SIGN, t) is not None
    bare = _extract_text(re.sub(_PERCENT_SIGN, "", t), _PROBABILITY_NUMBER, 0)
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


def parse_probability_text(
    s: str | None, *, percent: bool | None = None
) -> tuple[float | None, str, str | None]:
    """Read one text as `parse_probability` does: (value, status, rule).

    Examples
    --------
    >>> parse_probability_text("0.2"), parse_probability_text("20", percent=True)
    ((0.2, 'ok', 'fraction'), (0.2, 'ok', 'percent'))
    >>> parse_probability_text("20"), parse_probability_text("12,5 %")
    ((None, 'invalid', None), (0.125, 'ok', 'percent_sign'))
    """
    t = None if s is None else _strip_text(s)
    if _is_blank_text(t):
        return None, BLANK, None
    signed, number = _probability_number_text(t)
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


def probability_evidence_text(s: str | None) -> tuple[bool, bool]:
    """What one text adds to `infer_probability_scale`: (above one, a number without '%').

    Examples
    --------
    >>> probability_evidence_text("45"), probability_evidence_text("45%")
    ((True, True), (False, False))
    """
    t = None if s is None else _strip_text(s)
    if _is_blank_text(t):
        return False, False
    signed, number = _probability_number_text(t)
    unsigned = number is not None and not signed
    return unsigned and number > 1, unsigned


@dataclass(frozen=True)
class ProbabilityScale:
    """The scale a probability column is read on, decided for the whole column.

    Examples
    --------
    >>> ProbabilityScale("probability", percent=True, above_one=40, numbers=52).note("deals")
    'deals.probability: read as percentages (0-100): 40 of 52 values are above 1.'
    >>> ProbabilityScale("probability", percent=False, above_one=0, numbers=52).note("deals")
    'deals.probability: read as fractions (0-1): none of 52 values is above 1.'
    """

    column: str
    percent: bool
    above_one: int
    numbers: int

    def note(self, table: str) -> str | None:
        """What a run says about the column; None when no value depends on the scale."""
        if not self.numbers:
            return None
        where = f"{table}.{self.column}"
        if self.percent:
            return (f"{where}: read as percentages (0-100): {self.above_one:,} of "
                    f"{self.numbers:,} values {'are' if self.above_one != 1 else 'is'} above 1.")
        none = f"none of {self.numbers:,} values is" if self.numbers != 1 else "its one value is not"
        return f"{where}: read as fractions (0-1): {none} above 1."

    @property
    def scale(self) -> str:
        return "percentages (0-100)" if self.percent else "fractions (0-1)"


def decide_probability_scale(column: str, above_one: int, numbers: int) -> ProbabilityScale:
    """Percent (0-100) if any value without a '%' sign is above 1, else fractions (0-1).

    Examples
    --------
    >>> decide_probability_scale("probability", 3, 10).percent
    True
    """
    return ProbabilityScale(column, above_one > 0, above_one, numbers)


# ---------------------------------------------------------------------------------------------
# Booleans and strings


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


def parse_boolean_text(s: str | None) -> tuple[bool | None, str, str | None]:
    """Read one text as `parse_boolean` does: (value, status, rule).

    Examples
    --------
    >>> parse_boolean_text(" Yes ")
    (True, 'ok', 'yes_no')
    """
    t = None if s is None else _strip_text(s)
    if _is_blank_text(t):
        return None, BLANK, None
    return _outcome_text(*_BOOLEANS.get(t.translate(_ASCII_LOWER), (None, None)))


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


def parse_string_text(s: str | None) -> tuple[str | None, str, str | None]:
    """Read one text as `parse_string` does: (value, status, rule).

    Examples
    --------
    >>> parse_string_text("  Initech\\t")
    ('Initech', 'ok', 'stripped')
    """
    t = None if s is None else _strip_text(s)
    if _is_blank_text(t):
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


def parse_list_text(s: str | None) -> tuple[list[str] | None, str, str | None]:
    """Read one text as `parse_list` does: (value, status, rule).

    Examples
    --------
    >>> parse_list_text("Food;; drink ;tobacco")
    (['Food', 'drink', 'tobacco'], 'ok', 'split')
    >>> parse_list_text(" ; ")
    (None, 'blank', None)
    """
    parts = [] if s is None else [_strip_text(part) for part in s.split(LIST_SEPARATOR)]
    parts = [part for part in parts if not _is_blank_text(part)]
    if not parts:
        return None, BLANK, None
    return parts, OK, "split" if len(parts) > 1 else "plain"


# ---------------------------------------------------------------------------------------------
# Dates


def _iso_text(d: ir.StringValue, *, day_first: bool | None) -> ir.StringValue:
    """The date in `d` as 'YYYY-M-D', real or not; each format leaves the others' parts ''."""
    month_of_slash, day_of_slash = (2, 1) if day_first else (1, 2)
    year = _extract(d, _ISO_DATE, 1).concat(
        _extract(d, _YMD_SLASH, 1),
        _extract(d, _DOTTED, 3),
        _extract(d, _SLASHED, 3),
        _extract(d, _DASHED, 3),
        _extract(d, _DAY_MONTH_NAME, 3),
        _extract(d, _MONTH_NAME_DAY, 3),
    )
    month_word = _extract(d, _DAY_MONTH_NAME, 2).concat(_extract(d, _MONTH_NAME_DAY, 1))
    month = _extract(d, _ISO_DATE, 2).concat(
        _extract(d, _YMD_SLASH, 2),
        _extract(d, _DOTTED, 2),
        _extract(d, _SLASHED, month_of_slash),
        _extract(d, _DASHED, month_of_slash),
        # the month's number from where its first 3 letters sit in 'janfeb...dec'
        ((ibis.literal(_MONTHS).find(_ascii_lower(month_word).left(3).nullif("")) // 3 + 1)
         .cast("string"))
        .fill_null(""),
    )
    day = _extract(d, _ISO_DATE, 3).concat(
        _extract(d, _YMD_SLASH, 3),
        _extract(d, _DOTTED, 1),
        _extract(d, _SLASHED, day_of_slash),
        _extract(d, _DASHED, day_of_slash),
        _extract(d, _DAY_MONTH_NAME, 1),
        _extract(d, _MONTH_NAME_DAY, 2),
    )
    century = ibis.cases((d.re_search(_YY_2000S), "20"), (d.re_search(_YY_1900S), "19"), else_="")
    return century.concat(year, "-", month, "-", day)


def _iso_text_text(d: str, *, day_first: bool | None) -> str:
    month_of_slash, day_of_slash = (2, 1) if day_first else (1, 2)
    year = "".join(
        _extract_text(d, pattern, group)
        for pattern, group in [(_ISO_DATE, 1), (_YMD_SLASH, 1), (_DOTTED, 3), (_SLASHED, 3),
                               (_DASHED, 3), (_DAY_MONTH_NAME, 3), (_MONTH_NAME_DAY, 3)]
    )  # fmt: skip
    month_word = _extract_text(d, _DAY_MONTH_NAME, 2) + _extract_text(d, _MONTH_NAME_DAY, 1)
    month = "".join(
        _extract_text(d, pattern, group)
        for pattern, group in [(_ISO_DATE, 2), (_YMD_SLASH, 2), (_DOTTED, 2),
                               (_SLASHED, month_of_slash), (_DASHED, month_of_slash)]
    )  # fmt: skip
    if month_word:
        month += str(_MONTHS.find(month_word[:3].translate(_ASCII_LOWER)) // 3 + 1)
    day = "".join(
        _extract_text(d, pattern, group)
        for pattern, group in [(_ISO_DATE, 3), (_YMD_SLASH, 3), (_DOTTED, 1),
                               (_SLASHED, day_of_slash), (_DASHED, day_of_slash),
                               (_DAY_MONTH_NAME, 1), (_MONTH_NAME_DAY, 2)]
    )  # fmt: skip
    century = "20" if re.search(_YY_2000S, d) else "19" if re.search(_YY_1900S, d) else ""
    return f"{century}{year}-{month}-{day}"


def parse_date(col: ir.StringValue, *, day_first: bool | None = None) -> Parsed:
    """Read dates and datetimes, keeping the date as written.

    ====================================  ==================  ===========================
    text                                  rule                order
    ====================================  ==================  ===========================
    2023-02-07, 2023-2-7                  ``iso_date``        year-month-day
    2023-02-07 20:47, ...T...000+0000     ``iso_datetime``    (time and offset dropped)
    2024/03/15                            ``ymd_slash``       year/month/day
    15.03.2024, 15.03.24                  ``dotted_date``     day.month.year, always
    02/03/24, 4/8/2025 5:19 PM, 2-3-2024  ``us_date``         month/day/year
    (the same)                            ``day_first_date``  day/month/year if `day_first`
    15 Mar 2024, 15-Mar-24, Mar 15, 2024  ``month_name``
    ====================================  ==================  ===========================

    Impossible dates (2023-02-30, 13/45/2024, 2023-02-29, year 0) are invalid, never rolled
    over. Two-digit years 00-68 are 2000-2068 and 69-99 are 1969-1999 (the POSIX ``%y``
    pivot). Excel serial numbers and compact ``20240315`` are invalid.

    Parameters
    ----------
    col : ibis.StringValue
        Raw text.
    day_first : bool or None
        Order of slash and dash dates with the year last, decided for the whole column,
        never per cell (see `infer_day_first`). None, not decided, reads them US-style, as
        False does.

    Returns
    -------
    Parsed
        `value` is a date.

    Examples
    --------
    >>> t = ibis.memtable({"d": ["2024-01-19T09:42:24.000+0000", "02/03/24", "2023-02-29"]})
    >>> p = parse_date(t.d)
    >>> t.select(v=p.value, r=p.rule).to_pyarrow().to_pylist()
    ... # doctest: +NORMALIZE_WHITESPACE
    [{'v': datetime.date(2024, 1, 19), 'r': 'iso_datetime'},
     {'v': datetime.date(2024, 2, 3), 'r': 'us_date'},
     {'v': None, 'r': None}]
    >>> parse_date(t.d, day_first=True).value.to_pyarrow().to_pylist()[1]
    datetime.date(2024, 3, 2)
    """
    t = _strip(col)
    d = t.re_replace(_TIME, "")
    iso_text = _iso_text(d, day_first=day_first)
    value = iso_text.re_extract(_REAL_DATE, 0).nullif("").cast("date")
    rule = ibis.cases(
        (d.re_search(_ISO_DATE), ibis.ifelse(d == t, "iso_date", "iso_datetime")),
        (d.re_search(_YMD_SLASH), "ymd_slash"),
        (d.re_search(_DOTTED), "dotted_date"),
        (d.re_search(_SLASHED) | d.re_search(_DASHED), _slash_rule(day_first)),
        else_="month_name",
    )
    return _outcome(_is_blank(t), value, rule)


def _slash_rule(day_first: bool | None) -> str:
    return "day_first_date" if day_first else "us_date"


def parse_date_text(
    s: str | None, *, day_first: bool | None = None
) -> tuple[dt.date | None, str, str | None]:
    """Read one text as `parse_date` does: (value, status, rule).

    Examples
    --------
    >>> parse_date_text("4/8/2025 17:19")
    (datetime.date(2025, 4, 8), 'ok', 'us_date')
    >>> parse_date_text("4/8/2025 17:19", day_first=True)
    (datetime.date(2025, 8, 4), 'ok', 'day_first_date')
    >>> parse_date_text("2023-02-30")
    (None, 'invalid', None)
    """
    t = None if s is None else _strip_text(s)
    if _is_blank_text(t):
        return None, BLANK, None
    d = re.sub(_TIME, "", t)
    iso_text = _iso_text_text(d, day_first=day_first)
    if not re.fullmatch(_REAL_DATE, iso_text):
        return None, INVALID, None
    if re.fullmatch(_ISO_DATE, d):
        rule = "iso_date" if d == t else "iso_datetime"
    elif re.fullmatch(_YMD_SLASH, d):
        rule = "ymd_slash"
    elif re.fullmatch(_DOTTED, d):
        rule = "dotted_date"
    elif re.fullmatch(_SLASHED, d) or re.fullmatch(_DASHED, d):
        rule = _slash_rule(day_first)
    else:
        rule = "month_name"
    return dt.date(*map(int, iso_text.split("-"))), OK, rule


def infer_day_first(col: ir.StringValue) -> DayFirstEvidence:
    """Count the evidence in a column for day-first or US order of its slash dates.

    A first part above 12 (and a second at most 12) can only be a day: day-first. A second
    part above 12 (and a first at most 12) can only be a day: US. Dates such as 02/03/24 are
    evidence of neither, and 13/14/2024 fits no order.

    Parameters
    ----------
    col : ibis.StringValue
        Raw text of one column.

    Returns
    -------
    DayFirstEvidence
        Scalar count expressions over the column; execute them, or aggregate them together.

    Examples
    --------
    >>> t = ibis.memtable({"d": ["25/12/2023", "01/02/2024", "2024-01-05", "13-1-24 9:30"]})
    >>> e = infer_day_first(t.d)
    >>> t.aggregate(f=e.first_over_12, s=e.second_over_12, n=e.slash_dates).to_pyarrow().to_pylist()
    [{'f': 2, 's': 0, 'n': 3}]
    >>> day_first_from_evidence(2, 0)
    True
    """
    d = _strip(col).re_replace(_TIME, "")
    slashed = d.re_search(_SLASHED) | d.re_search(_DASHED)
    first = _extract(d, _SLASHED, 1).concat(_extract(d, _DASHED, 1)).nullif("").cast("int64")
    second = _extract(d, _SLASHED, 2).concat(_extract(d, _DASHED, 2)).nullif("").cast("int64")
    return DayFirstEvidence(
        first_over_12=d.count(where=slashed & (first > 12) & (second <= 12)),
        second_over_12=d.count(where=slashed & (second > 12) & (first <= 12)),
        slash_dates=d.count(where=slashed),
    )


def day_first_evidence_text(s: str | None) -> tuple[bool, bool, bool]:
    """What one text adds to `infer_day_first`: (fits day first only, fits US only, slash date).

    Examples
    --------
    >>> day_first_evidence_text("25/12/2023"), day_first_evidence_text("4/8/2025 5:19 PM")
    ((True, False, True), (False, False, True))
    >>> day_first_evidence_text("2024-01-05")
    (False, False, False)
    """
    if s is None:
        return False, False, False
    d = re.sub(_TIME, "", _strip_text(s))
    match = re.search(_SLASHED, d) or re.search(_DASHED, d)
    if match is None:
        return False, False, False
    first, second = int(match.group(1)), int(match.group(2))
    return first > 12 and second <= 12, second > 12 and first <= 12, True


def day_first_from_evidence(first_over_12: int, second_over_12: int) -> bool | None:
    """Decide a column's order from `infer_day_first` counts.

    True when only day-first evidence exists, False when only US evidence exists, None when
    there is none or both (a mixed column: the caller should ask, not guess).

    Examples
    --------
    >>> day_first_from_evidence(0, 7), day_first_from_evidence(0, 0), day_first_from_evidence(3, 2)
    (False, None, None)
    """
    if first_over_12 and not second_over_12:
        return True
    if second_over_12 and not first_over_12:
        return False
    return None


@dataclass(frozen=True)
class DateOrder:
    """The order a text date column's slash dates are read in, decided for the whole column.

    Attributes
    ----------
    column : str
        The canonical date column.
    order : str
        ``'day_first'`` (d/m/y) or ``'month_first'`` (m/d/y, the US order).
    basis : str
        How it was decided: ``'evidence'`` (some values fit one order only, none the other),
        ``'mixed'`` (values fit each order only: the majority wins, ties go to month first),
        ``'ambiguous'`` (every slash date fits both orders; month first assumed),
        ``'configured'`` (``sources.<table>.date_order``) or ``'no_slash_dates'`` (the column
        has none, so the order changes nothing).
    first_over_12, second_over_12, slash_dates : int
        The counts of `infer_day_first`.

    Examples
    --------
    >>> order = decide_date_order("close_date", 37, 2, 120)
    >>> order.order, order.basis, order.contradicting
    ('day_first', 'mixed', 2)
    >>> order.note("deals")  # doctest: +NORMALIZE_WHITESPACE
    'deals.close_date: read day first, as most values say: 37 values have a first number above
     12, 2 a second; those 2 are cleared (DQ010). Set sources.deals.date_order to override.'
    """

    column: str
    order: str
    basis: str
    first_over_12: int
    second_over_12: int
    slash_dates: int

    @property
    def day_first(self) -> bool:
        return self.order == DAY_FIRST

    @property
    def contradicting(self) -> int:
        """Values that fit only the other order: invalid in this one, so they are cleared."""
        return self.second_over_12 if self.day_first else self.first_over_12

    @property
    def needs_attention(self) -> bool:
        """Whether the data does not settle the order: ambiguous, or values against it."""
        return self.basis == AMBIGUOUS or self.contradicting > 0

    def evidence(self) -> str:
        """The counts in words: '37 values have a first number above 12, none a second'."""
        first, second = self.first_over_12, self.second_over_12
        lead = f"{first:,} value{'s' if first != 1 else ''} {'have' if first != 1 else 'has'}"
        return (f"{lead if first else 'no value has'} a first number above 12, "
                f"{f'{second:,}' if second else 'none'} a second")

    def note(self, table: str) -> str | None:
        """What a run says about this column, or None when the order is the obvious one."""
        where, words = f"{table}.{self.column}", _ORDER_WORDS[self.order]
        override = f"Set sources.{table}.date_order to override."
        cleared = (f"those {self.contradicting:,} are cleared (DQ010)" if self.contradicting > 1
                   else "that one is cleared (DQ010)")
        if self.basis == EVIDENCE and self.day_first:
            return f"{where}: read {words}: {self.evidence()}."
        if self.basis == MIXED:
            most = ("as most values say" if self.first_over_12 != self.second_over_12
                    else "as many values say one order as the other")
            return f"{where}: read {words}, {most}: {self.evidence()}; {cleared}. {override}"
        if self.basis == AMBIGUOUS:
            fit = f"{self.slash_dates:,} value{'s fit' if self.slash_dates != 1 else ' fits'}"
            return f"{where}: ambiguous: {fit} both orders; read {words}. {override}"
        if self.basis == CONFIGURED and self.contradicting:
            return f"{where}: read {words}, as configured, but {self.evidence()}; {cleared}."
        return None

    def reason(self, table: str) -> str:
        """The reason given for a value cleared because it fits only the other order."""
        how = {EVIDENCE: "as its values say", MIXED: "as most of its values say",
               CONFIGURED: "as configured"}.get(self.basis, "assumed")
        other = _ORDER_WORDS[MONTH_FIRST if self.day_first else DAY_FIRST]
        return (f"the date fits {other} only, but {table}.{self.column} is read "
                f"{_ORDER_WORDS[self.order]} ({how}: {self.evidence()}); the value was cleared. "
                f"Set sources.{table}.date_order to override")


DAY_FIRST, MONTH_FIRST = "day_first", "month_first"
EVIDENCE, MIXED, AMBIGUOUS, CONFIGURED, NO_SLASH_DATES = (
    "evidence", "mixed", "ambiguous", "configured", "no_slash_dates")
_ORDER_WORDS = {DAY_FIRST: "day first", MONTH_FIRST: "month first"}


def decide_date_order(
    column: str, first_over_12: int, second_over_12: int, slash_dates: int, *,
    configured: str | None = None,
) -> DateOrder:
    """Decide the order of a column's slash dates from `infer_day_first` counts.

    A configured order wins. Otherwise values that fit one order only decide it; when values
    fit each order only, the majority wins (month first on a tie) and the others are invalid;
    when no value tells, month first (the US order) is assumed.

    Examples
    --------
    >>> decide_date_order("close_date", 37, 0, 120).order
    'day_first'
    >>> decide_date_order("close_date", 0, 0, 120).basis
    'ambiguous'
    >>> decide_date_order("close_date", 37, 0, 120, configured="month_first").contradicting
    37
    """
    counts = (first_over_12, second_over_12, slash_dates)
    if configured is not None:
        return DateOrder(column, configured, CONFIGURED, *counts)
    if not slash_dates:
        return DateOrder(column, MONTH_FIRST, NO_SLASH_DATES, *counts)
    day_first = day_first_from_evidence(first_over_12, second_over_12)
    if day_first is not None:
        return DateOrder(column, DAY_FIRST if day_first else MONTH_FIRST, EVIDENCE, *counts)
    if first_over_12 or second_over_12:
        order = DAY_FIRST if first_over_12 > second_over_12 else MONTH_FIRST
        return DateOrder(column, order, MIXED, *counts)
    return DateOrder(column, MONTH_FIRST, AMBIGUOUS, *counts)

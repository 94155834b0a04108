"""Dates and datetimes in the spellings exports use, and the evidence for a column's order."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

from segmint.text_classes import TO_ASCII_LOWER
from segmint.validate.parsers.common import (
    BLANK, INVALID, OK, _SP, Parsed, _ascii_lower, _extract, _extract_py,
    _is_blank, _is_blank_py, _outcome, _strip, _strip_py,
)

# Only the date is kept: a trailing time and offset must be well formed but are not
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


def _iso_text_py(d: str, *, day_first: bool | None) -> str:
    month_of_slash, day_of_slash = (2, 1) if day_first else (1, 2)
    year = "".join(
        _extract_py(d, pattern, group)
        for pattern, group in [(_ISO_DATE, 1), (_YMD_SLASH, 1), (_DOTTED, 3), (_SLASHED, 3),
                               (_DASHED, 3), (_DAY_MONTH_NAME, 3), (_MONTH_NAME_DAY, 3)]
    )  # fmt: skip
    month_word = _extract_py(d, _DAY_MONTH_NAME, 2) + _extract_py(d, _MONTH_NAME_DAY, 1)
    month = "".join(
        _extract_py(d, pattern, group)
        for pattern, group in [(_ISO_DATE, 2), (_YMD_SLASH, 2), (_DOTTED, 2),
                               (_SLASHED, month_of_slash), (_DASHED, month_of_slash)]
    )  # fmt: skip
    if month_word:
        month += str(_MONTHS.find(month_word[:3].translate(TO_ASCII_LOWER)) // 3 + 1)
    day = "".join(
        _extract_py(d, pattern, group)
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


def parse_date_py(
    s: str | None, *, day_first: bool | None = None
) -> tuple[dt.date | None, str, str | None]:
    """Read one text as `parse_date` does: (value, status, rule).

    Examples
    --------
    >>> parse_date_py("4/8/2025 17:19")
    (datetime.date(2025, 4, 8), 'ok', 'us_date')
    >>> parse_date_py("4/8/2025 17:19", day_first=True)
    (datetime.date(2025, 8, 4), 'ok', 'day_first_date')
    >>> parse_date_py("2023-02-30")
    (None, 'invalid', None)
    """
    t = None if s is None else _strip_py(s)
    if _is_blank_py(t):
        return None, BLANK, None
    d = re.sub(_TIME, "", t)
    iso_text = _iso_text_py(d, day_first=day_first)
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

    `segmint.validate.decisions` decides the column's order from these counts.
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


def infer_day_first_py(s: str | None) -> tuple[bool, bool, bool]:
    """What one text adds to `infer_day_first`: (fits day first only, fits US only, slash date).

    Examples
    --------
    >>> infer_day_first_py("25/12/2023"), infer_day_first_py("4/8/2025 5:19 PM")
    ((True, False, True), (False, False, True))
    >>> infer_day_first_py("2024-01-05")
    (False, False, False)
    """
    if s is None:
        return False, False, False
    d = re.sub(_TIME, "", _strip_py(s))
    match = re.search(_SLASHED, d) or re.search(_DASHED, d)
    if match is None:
        return False, False, False
    first, second = int(match.group(1)), int(match.group(2))
    return first > 12 and second <= 12, second > 12 and first <= 12, True

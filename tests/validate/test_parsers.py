"""Parsers read real CRM spellings, and the engine agrees with the Python twins on random text."""

from __future__ import annotations

import datetime as dt

import ibis
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segmint.validate.parsers import (
    BLANK,
    INVALID,
    NULL_SPELLINGS,
    OK,
    ParsedMoney,
    infer_day_first,
    parse_boolean,
    parse_boolean_py,
    parse_coordinate,
    parse_coordinate_py,
    parse_date,
    parse_date_py,
    parse_integer,
    parse_integer_py,
    parse_money,
    parse_money_py,
    parse_number,
    parse_number_py,
    parse_string,
    parse_string_py,
)
from segmint.validate.decisions import day_first_from_evidence

D = dt.date
# Each example is one query over a batch of texts, so few examples still cover many texts.
PROPERTY = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def con():
    return ibis.duckdb.connect()


def _texts(texts: list[str | None]) -> ibis.Table:
    rows = pa.array(range(len(texts)), pa.int64())
    return ibis.memtable(pa.table({"i": rows, "text": pa.array(texts, pa.string())}))


def run(con, parse, texts, **options) -> list[tuple]:
    """Parse `texts` in one query: (value, status, rule[, currency]) per text, in order."""
    t = _texts(texts)
    p = parse(t.text, **options)
    columns = {"value": p.value, "status": p.status, "rule": p.rule}
    if isinstance(p, ParsedMoney):
        columns["currency"] = p.currency
    rows = con.to_pyarrow(t.select(t.i, **columns).order_by("i")).to_pylist()
    return [tuple(row[c] for c in columns) for row in rows]


def run_many(con, texts, parsers: dict) -> dict[str, list[tuple]]:
    """Several parsers over the same texts, in one query."""
    t = _texts(texts)
    columns = {}
    for name, parse in parsers.items():
        p = parse(t.text)
        columns |= {f"{name}_value": p.value, f"{name}_status": p.status, f"{name}_rule": p.rule}
        if isinstance(p, ParsedMoney):
            columns[f"{name}_currency"] = p.currency
    rows = con.to_pyarrow(t.select(t.i, **columns).order_by("i")).to_pylist()
    return {
        name: [tuple(v for k, v in row.items() if k.startswith(f"{name}_")) for row in rows]
        for name in parsers
    }


def expected(cases):
    """(text, value, rule) → (value, 'ok', rule); (text, status) → (None, status, None)."""
    return [(c[1], OK, c[2]) if len(c) == 3 else (None, c[1], None) for c in cases]


def check(con, parse, twin, cases, **options):
    texts = [c[0] for c in cases]
    want = expected(cases)
    assert run(con, parse, texts, **options) == want
    assert [twin(s, **options) for s in texts] == want


# --- numbers ---------------------------------------------------------------------------------

NUMBER_CASES = [
    ("42", 42.0, "plain"),
    ("+42", 42.0, "plain"),
    ("-3.5", -3.5, "plain"),
    ("−7", -7.0, "plain"),  # Unicode minus, as pasted from a PDF
    (" 250 ", 250.0, "plain"),
    (".5", 0.5, "plain"),
    ("11760000.000000002", 11760000.000000002, "plain"),  # float noise from a spreadsheet
    ("1,000", 1000.0, "thousands_separator"),
    ("12,345,678", 12345678.0, "thousands_separator"),
    ("1 000", 1000.0, "thousands_separator"),
    ("1\u00a0000", 1000.0, "thousands_separator"),  # no-break space, as French exports
    ("1'000", 1000.0, "thousands_separator"),  # Swiss
    ("1.000.000", 1000000.0, "thousands_separator"),  # several dot groups: European
    ("1,234.5", 1234.5, "thousands_separator"),
    ("1.234,56", 1234.56, "decimal_comma"),
    ("12,5", 12.5, "decimal_comma"),
    ("1 234,5", 1234.5, "decimal_comma"),
    ("1.39E8", 139000000.0, "scientific"),
    ("2.5e-3", 0.0025, "scientific"),
    ("5k", 5000.0, "suffix_k"),
    ("2.5K", 2500.0, "suffix_k"),
    ("1.2M", 1200000.0, "suffix_m"),
    ("3mm", 3000000.0, "suffix_m"),
    ("450 MM", 450000000.0, "suffix_m"),
    ("1bn", 1e9, "suffix_bn"),
    ("2.5 B", 2.5e9, "suffix_bn"),
    ("51-200", 125.5, "range_midpoint"),
    ("1,001-5,000", 3000.5, "range_midpoint"),
    ("51 – 200", 125.5, "range_midpoint"),  # en dash
    ("51 to 200", 125.5, "range_midpoint"),
    ("10-50k", 30000.0, "range_midpoint"),  # the lower bound takes the upper's k
    ("1k-5k", 3000.0, "range_midpoint"),
    ("10,000+", 10000.0, "open_range_lower_bound"),
    ("1000+", 1000.0, "open_range_lower_bound"),
    (">5000", 5000.0, "open_range_lower_bound"),
    (">= 100", 100.0, "open_range_lower_bound"),
    ("unknown", INVALID),
    ("abc", INVALID),
    ("12 employees", INVALID),
    ("<50", INVALID),  # an upper bound gives no value
    ("1.234,567", INVALID),  # thousands and decimals ambiguous
    ("500-1M", INVALID),  # 500M-1M: the lower bound would exceed the upper
    ("1e3k", INVALID),
    ("5 5", INVALID),
    ("1,2,3", INVALID),
    ("--5", INVALID),
    (None, BLANK),
    ("", BLANK),
    ("   ", BLANK),
    ("N/A", BLANK),
    ("n/a", BLANK),
    ("null", BLANK),
    ("NULL", BLANK),
    ("none", BLANK),
    ("na", BLANK),
    ("-", BLANK),
    ("#N/A", BLANK),
]


def test_number_reads_real_crm_spellings(con):
    check(con, parse_number, parse_number_py, NUMBER_CASES)


INTEGER_CASES = [
    ("1,200", 1200, "thousands_separator"),
    ("1.5k", 1500, "suffix_k"),
    ("-40", -40, "plain"),
    ("1e3", 1000, "scientific"),
    ("9007199254740992", 9007199254740992, "plain"),  # 2**53, the last safe integer
    ("51-201", 126, "range_midpoint"),
    ("2.5", INVALID),
    ("51-200", INVALID),  # midpoint 125.5
    ("1e20", INVALID),  # beyond 2**53
    ("", BLANK),
]


def test_integer_must_be_whole(con):
    check(con, parse_integer, parse_integer_py, INTEGER_CASES)


# --- money -----------------------------------------------------------------------------------

MONEY_CASES = [
    ("$1.2M", 1200000.0, "suffix_m", "USD"),
    ("€3 bn", 3e9, "suffix_bn", "EUR"),
    ("£450k", 450000.0, "suffix_k", "GBP"),
    ("USD 1,200.50", 1200.5, "thousands_separator", "USD"),
    ("1,200.50 USD", 1200.5, "thousands_separator", "USD"),
    ("1.200,50 €", 1200.5, "decimal_comma", "EUR"),
    ("EUR 1.200.000", 1200000.0, "thousands_separator", "EUR"),
    ("(1,200)", -1200.0, "parentheses_negative", None),
    ("($1,200)", -1200.0, "parentheses_negative", "USD"),
    ("$ (1,200.00)", -1200.0, "parentheses_negative", "USD"),
    ("-$1,200", -1200.0, "thousands_separator", "USD"),
    ("$-1,200", -1200.0, "thousands_separator", "USD"),
    ("$1M-$5M", 3000000.0, "range_midpoint", "USD"),
    ("$1M - $5M", 3000000.0, "range_midpoint", "USD"),
    ("$1-5M", 3000000.0, "range_midpoint", "USD"),
    ("$10M+", 10000000.0, "open_range_lower_bound", "USD"),
    ("US$ 5", 5.0, "currency_symbol", "USD"),
    ("C$250", 250.0, "currency_symbol", "CAD"),
    ("CAD $5", 5.0, "currency_symbol", "CAD"),  # '$' is any dollar; the code says which
    ("¥1000", 1000.0, "currency_symbol", "JPY"),
    ("500kEUR", 500000.0, "suffix_k", "EUR"),
    ("5 CHF", 5.0, "currency_code", "CHF"),
    ("1000", 1000.0, "plain", None),
    ("1.5e6", 1500000.0, "scientific", None),
    ("€5 GBP", INVALID),  # symbol and code disagree
    ("USD 5 EUR", INVALID),
    ("$5 €6", INVALID),
    ("ABC 5", INVALID),  # no ISO 4217 code
    ("(1,200", INVALID),
    ("(-5)", INVALID),
    ("$", INVALID),
    ("USD", INVALID),
    ("five dollars", INVALID),
    ("n/a", BLANK),
    ("", BLANK),
    (None, BLANK),
]


def test_money_reads_currencies_and_parentheses(con):
    texts = [c[0] for c in MONEY_CASES]
    want = [
        (c[1], OK, c[2], c[3]) if len(c) == 4 else (None, c[1], None, None) for c in MONEY_CASES
    ]
    assert run(con, parse_money, texts) == want
    assert [parse_money_py(s) for s in texts] == want


# --- booleans and strings --------------------------------------------------------------------

BOOLEAN_CASES = [
    ("true", True, "true_false"),
    ("TRUE", True, "true_false"),
    ("True", True, "true_false"),
    ("t", True, "true_false"),
    ("F", False, "true_false"),
    ("false", False, "true_false"),
    ("FALSE", False, "true_false"),
    ("yes", True, "yes_no"),
    ("YES", True, "yes_no"),
    (" Yes ", True, "yes_no"),
    ("y", True, "yes_no"),
    ("N", False, "yes_no"),
    ("no", False, "yes_no"),
    ("1", True, "one_zero"),
    ("0", False, "one_zero"),
    ("1.0", True, "one_zero"),
    ("0.0", False, "one_zero"),
    ("maybe", INVALID),
    ("2", INVALID),
    ("ja", INVALID),
    ("", BLANK),
    (None, BLANK),
    ("NULL", BLANK),
]


def test_boolean_reads_flag_spellings(con):
    check(con, parse_boolean, parse_boolean_py, BOOLEAN_CASES)


STRING_CASES = [
    ("Acme", "Acme", "plain"),
    ("  Acme Corp ", "Acme Corp", "stripped"),
    ("\ufeffGlobex", "Globex", "stripped"),  # a byte-order mark on the first cell
    ("Initech\u00a0", "Initech", "stripped"),
    ("unknown", "unknown", "plain"),
    ("N/A", BLANK),
    ("#N/A", BLANK),
    ("", BLANK),
    (" \t", BLANK),
    (None, BLANK),
]


def test_string_strips_and_blanks(con):
    check(con, parse_string, parse_string_py, STRING_CASES)


def test_no_null_spelling_parses_as_any_type(con):
    # _outcome relies on it: a blank text never yields a value
    spellings = sorted(NULL_SPELLINGS | {s.upper() for s in NULL_SPELLINGS})
    parsers = {"n": parse_number, "i": parse_integer, "m": parse_money, "b": parse_boolean,
               "d": parse_date, "s": parse_string, "c": parse_coordinate}  # fmt: skip
    for name, rows in run_many(con, spellings, parsers).items():
        assert {row[:3] for row in rows} == {(None, BLANK, None)}, name


# --- dates -----------------------------------------------------------------------------------

DATE_CASES = [
    ("2023-02-07", D(2023, 2, 7), "iso_date"),
    ("2023-2-7", D(2023, 2, 7), "iso_date"),
    ("2023-02-07 20:47:49", D(2023, 2, 7), "iso_datetime"),
    ("2024-01-19T09:42:24.000+0000", D(2024, 1, 19), "iso_datetime"),
    ("2026-09-02T22:07:23.000Z", D(2026, 9, 2), "iso_datetime"),
    ("2023-05-31 14:27", D(2023, 5, 31), "iso_datetime"),
    ("2024-01-19T23:30:00-05:00", D(2024, 1, 19), "iso_datetime"),  # the day as written
    ("4/8/2025 17:19", D(2025, 4, 8), "us_date"),
    ("4/8/2025 5:19 PM", D(2025, 4, 8), "us_date"),
    ("02/03/24", D(2024, 2, 3), "us_date"),
    ("12/31/1999", D(1999, 12, 31), "us_date"),
    ("03-15-2024", D(2024, 3, 15), "us_date"),
    ("1/1/68", D(2068, 1, 1), "us_date"),  # the pivot: 68 is 2068
    ("1/1/69", D(1969, 1, 1), "us_date"),  # and 69 is 1969
    ("2024/03/15", D(2024, 3, 15), "ymd_slash"),
    ("15.03.2024", D(2024, 3, 15), "dotted_date"),
    ("1.3.24", D(2024, 3, 1), "dotted_date"),
    ("15 Mar 2024", D(2024, 3, 15), "month_name"),
    ("15-Mar-24", D(2024, 3, 15), "month_name"),
    ("March 15, 2024", D(2024, 3, 15), "month_name"),
    ("Sept 3 2024", D(2024, 9, 3), "month_name"),
    ("2024-02-29", D(2024, 2, 29), "iso_date"),  # leap year
    ("2000-02-29", D(2000, 2, 29), "iso_date"),  # divisible by 400: leap
    ("2023-02-29", INVALID),  # not a leap year: never rolled into March
    ("1900-02-29", INVALID),  # divisible by 100 only: not leap
    ("2023-02-30", INVALID),
    ("2023-04-31", INVALID),
    ("2023-13-01", INVALID),
    ("0000-01-01", INVALID),
    ("13/45/2024", INVALID),
    ("15/03/2024", INVALID),  # month 15 in US order
    ("2023-02-07 25:00", INVALID),
    ("45123", INVALID),  # an Excel serial number
    ("20240315", INVALID),
    ("15 Foo 2024", INVALID),
    ("1/2-2024", INVALID),
    ("yesterday", INVALID),
    ("", BLANK),
    (None, BLANK),
    ("N/A", BLANK),
]


def test_date_reads_iso_us_dotted_and_month_names(con):
    check(con, parse_date, parse_date_py, DATE_CASES)


DAY_FIRST_CASES = [
    ("15/03/2024", D(2024, 3, 15), "day_first_date"),
    ("02/03/24", D(2024, 3, 2), "day_first_date"),
    ("31-12-1999 23:59", D(1999, 12, 31), "day_first_date"),
    ("15.03.2024", D(2024, 3, 15), "dotted_date"),  # dotted dates are day first anyway
    ("2024-03-02", D(2024, 3, 2), "iso_date"),  # ISO is never reordered
    ("12/25/2023", INVALID),  # month 25
]


def test_date_day_first_reorders_slash_dates_only(con):
    check(con, parse_date, parse_date_py, DAY_FIRST_CASES, day_first=True)


@pytest.mark.parametrize(
    ("texts", "counts", "decision"),
    [
        (["25/12/2023", "01/02/2024", "13-1-24 9:30", "2024-01-05", None], (2, 0, 3), True),
        (["12/25/2023", "1/13/24", "02/03/24", "n/a"], (0, 2, 3), False),
        (["02/03/24", "04/05/2024"], (0, 0, 2), None),  # no evidence either way
        (["25/12/2023", "12/25/2023"], (1, 1, 2), None),  # a mixed column
        (["2024-01-05", "15.03.2024"], (0, 0, 0), None),  # no slash dates at all
    ],
)
def test_infer_day_first_counts_evidence(con, texts, counts, decision):
    t = _texts(texts)
    e = infer_day_first(t.text)
    row = con.to_pyarrow(
        t.aggregate(f=e.first_over_12, s=e.second_over_12, n=e.slash_dates)
    ).to_pylist()[0]
    assert (row["f"], row["s"], row["n"]) == counts
    assert day_first_from_evidence(row["f"], row["s"]) is decision


# --- properties ------------------------------------------------------------------------------

TOKENS = [
    *"0123456789", "1,000", "000", ",", ".", "'", " ", "\u00a0", "+", "-", "−", "–", " to ",
    "e", "E", "k", "K", "m", "M", "mm", "bn", "B", "$", "€", "£", "US$", "USD", "EUR", "ABC",
    "(", ")", ">", ">=", "/", ":", "T", "Z", "Mar", "n/a", "true", "yes", "0.0", "12", "31",
    "2024", "02", "29",
]  # fmt: skip
date_like = st.builds(
    "{}{}{}{}{}{}".format,
    st.integers(0, 40), st.sampled_from("/-. "), st.integers(0, 40), st.sampled_from("/-. "),
    st.one_of(st.integers(0, 99), st.integers(1890, 2100)),
    st.sampled_from(["", " 9:30", "T23:59:59Z", " 12:00 PM", " 25:00"]),
)  # fmt: skip
crm_text = st.one_of(
    st.lists(st.sampled_from(TOKENS), max_size=8).map("".join),
    date_like,
    st.text(max_size=12),
    st.none(),
)
TWINS = {
    "number": (parse_number, parse_number_py),
    "integer": (parse_integer, parse_integer_py),
    "money": (parse_money, parse_money_py),
    "boolean": (parse_boolean, parse_boolean_py),
    "string": (parse_string, parse_string_py),
    "coordinate": (parse_coordinate, parse_coordinate_py),
    "date": (parse_date, parse_date_py),
    "dayfirst": (
        lambda col: parse_date(col, day_first=True),
        lambda s: parse_date_py(s, day_first=True),
    ),
}


@PROPERTY
@given(texts=st.lists(crm_text, min_size=1, max_size=60))
def test_engine_agrees_with_python_twin(con, texts):
    texts = [s.replace("\x00", "") if s else s for s in texts]  # DuckDB strings end at NUL
    engine = run_many(con, texts, {name: parse for name, (parse, _) in TWINS.items()})
    for name, (_, twin) in TWINS.items():
        assert engine[name] == [twin(s) for s in texts], name


def _grouped(digits: str, mark: str) -> str:
    head = len(digits) % 3 or 3
    return mark.join([digits[:head], *(digits[i : i + 3] for i in range(head, len(digits), 3))])


@PROPERTY
@given(
    amounts=st.lists(
        st.tuples(
            st.integers(0, 10**15),
            st.sampled_from(["", "5", "05", "50"]),  # decimals, at most 2 (a decimal comma)
            st.sampled_from([",", " ", "'", "\u00a0", "."]),
            st.booleans(),
        ),
        min_size=1,
        max_size=40,
    )
)
def test_grouped_numbers_read_back_exactly(con, amounts):
    texts, want = [], []
    for whole, decimals, mark, negative in amounts:
        if mark == "." and whole < 10**6 and not decimals:
            whole += 10**6  # '1.234' alone is 1.234, so dot groups need two marks or a comma
        point = "," if mark in ".\u00a0" else "."  # '1.234,5', '1 234,5', '1,234.5', "1'234.5"
        text = _grouped(str(whole), mark) + (point + decimals if decimals else "")
        texts.append(("-" if negative else "") + text)
        value = float(f"{whole}.{decimals or 0}")
        want.append(-value if negative else value)
    t = _texts(texts)
    number, money = parse_number(t.text), parse_money(ibis.literal("$").concat(t.text))
    rows = con.to_pyarrow(t.select(t.i, n=number.value, m=money.value).order_by("i")).to_pylist()
    assert [row["n"] for row in rows] == want
    assert [row["m"] for row in rows] == want


FORMATS = [  # (format, two-digit year, day first)
    ("%Y-%m-%d", False, False),
    ("%Y-%m-%dT%H:%M:%S.000+0000", False, False),
    ("%Y-%m-%d %H:%M", False, False),
    ("%Y/%m/%d", False, False),
    ("%m/%d/%Y", False, False),
    ("{month}/{day}/%Y %H:%M", False, False),
    ("%m/%d/%y", True, False),
    ("%d.%m.%Y", False, False),
    ("%d %b %Y", False, False),
    ("%B {day}, %Y", False, False),
    ("%d-%b-%y", True, False),
    ("%d/%m/%Y", False, True),
    ("{day}-{month}-%y", True, True),
]


@PROPERTY
@given(
    moments=st.lists(
        st.datetimes(dt.datetime(1000, 1, 1), dt.datetime(9999, 12, 31)), min_size=1, max_size=20
    )
)
def test_every_format_reads_back_its_date(con, moments):
    us, day_first, want_us, want_day_first = [], [], [], []
    for moment in moments:
        for fmt, two_digit_year, is_day_first in FORMATS:
            if two_digit_year and not 1969 <= moment.year <= 2068:
                continue
            text = moment.strftime(fmt.format(month=moment.month, day=moment.day))
            (day_first if is_day_first else us).append(text)
            (want_day_first if is_day_first else want_us).append(moment.date())
    assert [row[0] for row in run(con, parse_date, us)] == want_us
    assert [row[0] for row in run(con, parse_date, day_first, day_first=True)] == want_day_first
    assert [parse_date_py(s)[0] for s in us] == want_us

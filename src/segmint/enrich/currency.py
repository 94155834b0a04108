"""Currency: FX rates, and money in deals and revenue converted to the reporting currency."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from segmint import tables as t
from segmint.config.project import ISO_CURRENCIES, RATE_COLUMNS, Currency
from segmint.exceptions import ColumnNotFoundError, SourceError, closest_hint
from segmint.loaded import RatesFile
from segmint.money import round_to_the_cent, to_cents
from segmint.validate.checks import REJECTS_SCHEMA, Action, Validated
from segmint.validate.parsers import parse_number_py

FX_RULE = "fx_rule"  # how `convert_amounts` got each amount (see RULES)
LOCAL_SUFFIX = "_local"  # amount -> amount_local: the amount as the CRM gave it
RULES = {
    "reporting": "already in the reporting currency",
    "assumed": "no currency given: taken as the reporting currency",
    "rate": "converted at the rate in force on its date",
    "first_rate": "dated before its currency's first rate: converted at that first rate",
    "latest_rate": "no date: converted at its currency's latest rate",
    "no_rate": "no rate for its currency: the amount is left out (null)",
}
_NUMBER_RULES = {"plain", "thousands_separator", "decimal_comma", "scientific"}
_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?Z?)?"  # a datetime's time, ignored
_ISO_DAY = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})" + _TIME)
_ISO_MONTH = re.compile(r"(\d{4})-(\d{1,2})")


@dataclass(frozen=True)
class Money:
    """Where a table keeps money: the amount column, the dates that pick a rate (first
    present wins), and what happens to a row whose amount cannot be converted."""

    amount: str
    dates: tuple[str, ...]
    code: str
    action: Action
    rows: str  # what a row is called in a note


MONEY = {
    "deals": Money(t.AMOUNT, (t.CLOSE_DATE, t.CREATED_DATE), "DQ203", "value cleared", "deals"),
    # mrr is required: a revenue row with no amount in the reporting currency cannot be used
    "revenue": Money(t.MRR, (t.PERIOD,), "DQ302", "row rejected", "revenue rows"),
}


@dataclass(frozen=True)
class FxRates:
    """FX rates to the reporting currency: per ISO code, ``(from date, rate)`` in date order.

    A rate holds from its date until the currency's next rate. `label` is the rates file as
    segmint.yaml names it, None without one.

    Examples
    --------
    >>> fx = FxRates("USD", "fx.csv", {"EUR": ((dt.date(2024, 1, 1), 1.08),)})
    >>> fx.has_rates("EUR"), fx.has_rates("GBP")
    (True, False)
    """

    reporting: str = "USD"
    label: str | None = None
    rates: dict[str, tuple[tuple[dt.date, float], ...]] = field(default_factory=dict)

    def has_rates(self, code: str) -> bool:
        return code in self.rates


def fx_rates(file: RatesFile | None, settings: Currency) -> FxRates:
    """Check an FX rates file and read its rates.

    Each row needs an ISO 4217 ``currency``, a ``date`` (``2024-03-01``, or ``2024-03`` for
    the month) and a positive ``rate`` (units of the reporting currency for one unit of the
    currency); a currency has one rate per date. Headers match ignoring case, unless
    `settings.columns` names them. A row for the reporting currency must say 1 (it is
    skipped). The first problem found stops the run with its row and column.

    Examples
    --------
    >>> file = RatesFile("fx.csv", ["Currency", "Date", "Rate"],
    ...                  [(2, ("eur", "2024-03", "1.10")), (3, ("EUR", "2024-01-01", "1.08"))])
    >>> fx_rates(file, Currency()).rates
    {'EUR': ((datetime.date(2024, 1, 1), 1.08), (datetime.date(2024, 3, 1), 1.1))}
    >>> bad = RatesFile("fx.csv", ["currency", "date", "rate"], [(2, ("EUR", "2024-01", "0"))])
    >>> fx_rates(bad, Currency())
    Traceback (most recent call last):
    segmint.exceptions.SourceError: fx.csv (currency.rates) row 2, column rate: 0 is not a positive rate. A rate is the units of USD that 1 EUR buys, such as 1.08.
    """
    reporting = settings.reporting
    if file is None:
        return FxRates(reporting)
    position = {name: _header(file, settings, name) for name in RATE_COLUMNS}
    problems: list[str] = []
    seen: dict[tuple[str, dt.date], int] = {}
    rates: dict[str, list[tuple[dt.date, float]]] = {}
    for row, values in file.rows:
        cell = {name: values[i] if i < len(values) else None for name, i in position.items()}
        where = lambda name: f"row {row}, column {file.headers[position[name]]}"  # noqa: E731
        if len(values) > len(file.headers):
            problems.append(f"row {row}: {len(values)} values for {len(file.headers)} columns; "
                            "quote a value that holds the delimiter, or write 1.08, not 1,08")
            continue
        code, problem = _code(cell["currency"])
        if problem:
            problems.append(f"{where('currency')}: {problem}")
            continue
        day, problem = _day(cell["date"])
        if problem:
            problems.append(f"{where('date')}: {problem}")
            continue
        rate, problem = _rate(cell["rate"], code, reporting)
        if problem:
            problems.append(f"{where('rate')}: {problem}")
            continue
        if (code, day) in seen:
            problems.append(f"row {row}: {code} on {day} repeats row {seen[code, day]}; keep one "
                            "rate per currency and date")
            continue
        seen[code, day] = row
        if code != reporting:
            rates.setdefault(code, []).append((day, rate))
    if problems:
        more = f" ({len(problems) - 1:,} more problem(s) in the file)" if len(problems) > 1 else ""
        raise SourceError(f"{file.label} (currency.rates) {problems[0]}{more}")
    return FxRates(reporting, file.label, {code: tuple(sorted(rows)) for code, rows in
                                           sorted(rates.items())})


def _header(file: RatesFile, settings: Currency, name: str) -> int:
    wanted = settings.columns.get(name)
    if wanted is not None:
        if wanted not in file.headers:
            raise ColumnNotFoundError(wanted, file.label, f"currency.columns.{name}", file.headers)
        return file.headers.index(wanted)
    matches = [i for i, header in enumerate(file.headers) if header.strip().lower() == name]
    if not matches:
        free = [h for h in file.headers if h.strip().lower() not in RATE_COLUMNS
                and h not in settings.columns.values()]  # a hint never names a column in use
        raise ColumnNotFoundError(name, file.label, f"currency.columns.{name}", free)
    return matches[0]


def _code(value: object) -> tuple[str, str | None]:
    code = "" if value is None else str(value).strip().upper()
    if not code:
        return code, "blank; every rate needs the ISO 4217 code of its currency, such as EUR"
    if code not in ISO_CURRENCIES:
        return code, (f"{value!r} is not an ISO 4217 currency code. "
                      f"{closest_hint(code, sorted(ISO_CURRENCIES))}")
    return code, None


def _day(value: object) -> tuple[dt.date, str | None]:
    if isinstance(value, dt.datetime):
        return value.date(), None
    if isinstance(value, dt.date):
        return value, None
    text = "" if value is None else str(value).strip()
    fix = "write the day the rate holds from as 2024-03-01, or the month as 2024-03"
    if not text:
        return dt.date.min, f"blank; {fix}"
    day, month = _ISO_DAY.fullmatch(text), _ISO_MONTH.fullmatch(text)
    try:
        if day:
            return dt.date(*map(int, day.groups())), None
        if month:
            return dt.date(int(month[1]), int(month[2]), 1), None
    except ValueError:
        pass
    return dt.date.min, f"{text!r} is not a date; {fix}"


def _rate(value: object, code: str, reporting: str) -> tuple[float, str | None]:
    example = f"A rate is the units of {reporting} that 1 {code} buys, such as 1.08."
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        rate = float(value)
    else:
        text = "" if value is None else str(value)
        rate, status, rule = parse_number_py(text)
        if status == "blank":
            return math.nan, f"blank. {example}"
        if status != "ok" or rule not in _NUMBER_RULES:
            return math.nan, f"{text.strip()!r} is not a number. {example}"
    if not math.isfinite(rate):
        return math.nan, f"{value!r} is not a number. {example}"
    if rate <= 0:
        return rate, f"{value} is not a positive rate. {example}"
    if code == reporting and rate != 1:
        return rate, (f"{code} is the reporting currency (currency.reporting), so its rate is 1, "
                      f"not {value}; remove the row")
    return rate, None


def convert_amounts(
    rows: ir.Table, fx: FxRates, *, amount: str = t.AMOUNT,
    dates: Sequence[str] = (t.CLOSE_DATE, t.CREATED_DATE),
) -> ir.Table:
    """Amounts in the reporting currency, by the rate of each row's currency on its date.

    The rate is the latest dated on or before the row's date: the first of `dates` it has
    (a deal's close date, else its created date). A row dated before its currency's first
    rate takes that first rate; a row with no date takes the latest. A blank currency is
    taken as the reporting currency. Codes match trimmed and in any case.

    Parameters
    ----------
    rows : ibis.Table
        With `amount`, ``currency`` and the `dates` columns.
    fx : FxRates
        From `fx_rates`.

    Returns
    -------
    ibis.Table
        `rows` with `amount` in the reporting currency, to the cent (null when its currency
        has no rate), ``<amount>_local`` (the amount as given) and ``fx_rule`` (see `RULES`).
        ``currency`` is unchanged.

    Examples
    --------
    >>> fx = FxRates("USD", "fx.csv",
    ...              {"EUR": ((dt.date(2024, 1, 1), 1.08), (dt.date(2024, 3, 1), 1.10))})
    >>> deals = ibis.memtable({"amount": [1000.0, 1000.0, 500.0, 70.0, 9.0],
    ...     "currency": ["EUR", "eur", "USD", None, "CHF"],
    ...     "close_date": [dt.date(2024, 3, 15), dt.date(2024, 2, 29), None, None, None],
    ...     "created_date": [None, None, None, None, dt.date(2024, 1, 1)]})
    >>> out = convert_amounts(deals, fx).to_pyarrow().to_pylist()
    >>> [(r["amount"], r["amount_local"], r["fx_rule"]) for r in out]
    ... # doctest: +NORMALIZE_WHITESPACE
    [(1100.0, 1000.0, 'rate'), (1080.0, 1000.0, 'rate'), (500.0, 500.0, 'reporting'),
     (70.0, 70.0, 'assumed'), (None, 9.0, 'no_rate')]
    """
    columns = list(rows.columns)
    code = rows[t.CURRENCY].cast("string").strip().upper().nullif("")
    days = [rows[name].cast("date") for name in dates]
    day = days[0] if len(days) == 1 else ibis.coalesce(*days)
    keyed = rows.mutate(_fx_code=code, _fx_day=day)
    bounds, intervals = _rate_tables(fx)
    keyed = keyed.left_join(bounds, keyed._fx_code == bounds._fx_bound_code)
    lookup = ibis.cases(
        (keyed._fx_day.isnull(), keyed._fx_last),
        (keyed._fx_day < keyed._fx_first, keyed._fx_first),
        (keyed._fx_day > keyed._fx_last, keyed._fx_last),
        else_=keyed._fx_day,
    )
    keyed = keyed.mutate(_fx_lookup=lookup, _fx_month=_month_number(lookup))
    joined = keyed.left_join(intervals, (keyed._fx_code == intervals._fx_rate_code)
                             & (keyed._fx_month == intervals._fx_rate_month)
                             & (keyed._fx_lookup >= intervals._fx_from)
                             & (keyed._fx_lookup < intervals._fx_to))
    given = joined[amount].cast("float64")
    blank = joined._fx_code.isnull()
    reporting = blank | (joined._fx_code == fx.reporting)
    converted = round_to_the_cent(given * joined._fx_rate)
    rule = ibis.cases(
        (blank, "assumed"),
        (reporting, "reporting"),
        (joined._fx_rate.isnull(), "no_rate"),
        (joined._fx_day.isnull(), "latest_rate"),
        (joined._fx_day < joined._fx_first, "first_rate"),
        else_="rate",
    )
    return joined.select(
        *[joined[c] for c in columns if c != amount],
        **{amount: ibis.ifelse(reporting, given, converted),
           amount + LOCAL_SUFFIX: given, FX_RULE: rule},
    ).select(*columns, amount + LOCAL_SUFFIX, FX_RULE)


def _month_number(day: ir.DateValue) -> ir.IntegerValue:
    return day.year().cast("int64") * 12 + day.month().cast("int64")


def _rate_tables(fx: FxRates) -> tuple[ir.Table, ir.Table]:
    """Two small lookup tables: each currency's first and last rate date, and each rate's
    span [from, to), listed once per month it touches, so a row finds its rate by an equality
    join on (currency, month) then a range test, never a scan of all the currency's rates."""
    bounds = {"_fx_bound_code": [], "_fx_first": [], "_fx_last": []}
    spans = {"_fx_rate_code": [], "_fx_rate_month": [], "_fx_from": [], "_fx_to": [],
             "_fx_rate": []}
    for code, rates in fx.rates.items():
        bounds["_fx_bound_code"].append(code)
        bounds["_fx_first"].append(rates[0][0])
        bounds["_fx_last"].append(rates[-1][0])
        ends = [day for day, _ in rates[1:]] + [rates[-1][0] + dt.timedelta(days=1)]
        for (start, rate), end in zip(rates, ends):
            last = end - dt.timedelta(days=1)
            for month in range(start.year * 12 + start.month, last.year * 12 + last.month + 1):
                spans["_fx_rate_code"].append(code)
                spans["_fx_rate_month"].append(month)
                spans["_fx_from"].append(start)
                spans["_fx_to"].append(end)
                spans["_fx_rate"].append(rate)
    bound_types = {"_fx_bound_code": pa.string(), "_fx_first": pa.date32(),
                   "_fx_last": pa.date32()}
    span_types = {"_fx_rate_code": pa.string(), "_fx_rate_month": pa.int64(),
                  "_fx_from": pa.date32(), "_fx_to": pa.date32(), "_fx_rate": pa.float64()}
    return (ibis.memtable(pa.table(bounds, schema=pa.schema(bound_types))),
            ibis.memtable(pa.table(spans, schema=pa.schema(span_types))))


def to_reporting_currency(
    validated: Validated, fx: FxRates, *,
    keep: Callable[[ir.Table, str], ir.Table] | None = None,
) -> Validated:
    """A validated deals or revenue table with its money in the reporting currency.

    Nothing changes when every row is in the reporting currency or has none. Otherwise money
    is converted by `convert_amounts`, the amount as given is kept as ``amount_local`` (for
    revenue ``mrr_local``), and a row whose currency has no rate gets a rejects record: a
    deal's amount is cleared (DQ203), a revenue row is rejected (DQ302; ``mrr`` is required).
    Its `notes` gain one line per thing a reader of the money figures should know: amounts
    left out per currency, amounts taken as the reporting currency for want of one, dates
    before a currency's first rate, rows with no date.

    Other tables are returned as they are.

    Examples
    --------
    >>> deals = ibis.memtable({"deal_id": ["1", "2"], "amount": [100.0, 200.0],
    ...     "currency": ["USD", "EUR"], "close_date": [None, dt.date(2024, 5, 1)],
    ...     "created_date": [None, None], "_source_file": ["deals.csv"] * 2,
    ...     "_source_row": [2, 3]})
    >>> validated = Validated("deals", deals, ibis.memtable([], schema=REJECTS_SCHEMA), 2, 2, 0)
    >>> out = to_reporting_currency(validated, FxRates("USD"))
    >>> out.clean.order_by("deal_id").amount.to_pyarrow().to_pylist()
    [100.0, None]
    >>> out.rejects.select("_source_row", "check", "value", "reason").to_pyarrow().to_pylist()
    ... # doctest: +NORMALIZE_WHITESPACE
    [{'_source_row': 3, 'check': 'DQ203', 'value': '200.00',
      'reason': 'EUR amounts are not converted: add an FX rates table under currency.rates in segmint.yaml'}]
    >>> out.notes[-1]
    'deals: 1 amount(s) in other currencies than USD are left out of money figures (EUR 1): add an FX rates table under currency.rates in segmint.yaml'
    """
    money = MONEY.get(validated.table)
    clean = validated.clean
    if money is None or t.CURRENCY not in clean.columns:
        return validated
    keep = keep or (lambda table, name: table)
    code = clean[t.CURRENCY].cast("string").strip().upper().nullif("")
    counts = (clean.group_by(_fx_code=code).aggregate(_fx_rows=clean.count())
              .to_pyarrow().to_pylist())
    per_code = {row["_fx_code"]: int(row["_fx_rows"]) for row in counts}
    if all(c is None or c == fx.reporting for c in per_code):
        return validated
    converted = keep(convert_amounts(clean, fx, amount=money.amount, dates=money.dates),
                     f"{validated.table}_converted")
    local = converted[money.amount + LOCAL_SUFFIX]
    summary = (
        converted.group_by(_fx_code=converted[t.CURRENCY].cast("string").strip().upper()
                           .nullif(""), _fx_rule=converted[FX_RULE])
        .aggregate(_fx_rows=converted.count(), _fx_amounts=local.notnull().cast("int64").sum())
        .to_pyarrow().to_pylist()
    )
    missing = converted.filter(converted[FX_RULE] == "no_rate")
    reasons = {c: _reason(c, fx) for c in per_code if c is not None and not fx.has_rates(c)
               and c != fx.reporting}
    failed = (missing if money.action == "row rejected"
              else missing.filter(missing[money.amount + LOCAL_SUFFIX].notnull()))
    records = _rejects(failed, validated.table, money, reasons)
    removed = sum(r["_fx_rows"] for r in summary if r["_fx_rule"] == "no_rate")
    if money.action == "row rejected":
        clean = converted.filter(converted[FX_RULE] != "no_rate").drop(FX_RULE)
        counts_change = {"rows_used": validated.rows_used - removed,
                         "rows_rejected": validated.rows_rejected + removed}
    else:
        clean = converted.drop(FX_RULE)
        counts_change = {}
    return replace(
        validated, clean=clean, rejects=ibis.union(validated.rejects, records),
        notes=(*validated.notes, *_notes(summary, fx, money)), **counts_change,
    )


def _reason(code: str, fx: FxRates) -> str:
    if code not in ISO_CURRENCIES:
        return (f"currency {code!r} is not an ISO 4217 code, so it has no rate; write the "
                "currency's code (such as EUR) in the CRM")
    if fx.label is None:
        return (f"{code} amounts are not converted: add an FX rates table under currency.rates "
                "in segmint.yaml")
    return f"no {code} rate in {fx.label}; add {code} rows to currency.rates"


def _rejects(rows: ir.Table, table: str, money: Money, reasons: dict[str, str]) -> ir.Table:
    """One rejects record per row (REJECTS_SCHEMA): the amount as given, to the cent."""
    local = rows[money.amount + LOCAL_SUFFIX]
    cents = to_cents(local)
    text = ((cents // 100).cast("string") + "."
            + (cents % 100).cast("string").lpad(2, "0"))  # 1234.5 -> '1234.50' on every engine
    code = rows[t.CURRENCY].cast("string").strip().upper()
    values = {
        "table": ibis.literal(table), t.SOURCE_FILE: rows[t.SOURCE_FILE],
        t.SOURCE_ROW: rows[t.SOURCE_ROW], "column": ibis.literal(money.amount),
        "check": ibis.literal(money.code), "value": text,
        "reason": code.substitute(reasons, else_="") if reasons else ibis.literal(""),
        "action": ibis.literal(money.action),
    }
    return rows.select(**{name: values[name].cast(dtype) for name, dtype in REJECTS_SCHEMA.items()})


def _notes(summary: list[dict], fx: FxRates, money: Money) -> list[str]:
    """What a reader of the money figures should know, one line each, largest counts first."""
    def by_code(rule: str, count: str = "_fx_rows") -> list[tuple[str, int]]:
        found = [(r["_fx_code"], r[count]) for r in summary if r["_fx_rule"] == rule and r[count]]
        return sorted(found, key=lambda pair: (-pair[1], pair[0] or ""))

    def listing(pairs: list[tuple[str, int]]) -> str:
        return ", ".join(f"{code} {n:,}" for code, n in pairs)

    rows, reporting, notes = money.rows, fx.reporting, []
    left_out = by_code("no_rate", "_fx_amounts")
    if left_out:
        total = sum(n for _, n in left_out)
        fix = ("add an FX rates table under currency.rates in segmint.yaml" if fx.label is None
               else f"add their rates to {fx.label}")
        notes.append(f"{money.rows}: {total:,} amount(s) in other currencies than {reporting} "
                     f"are left out of money figures ({listing(left_out)}): {fix}")
    converted = [(c, n) for rule in ("rate", "first_rate", "latest_rate") for c, n in by_code(rule)]
    if converted:
        merged: dict[str, int] = {}
        for code, n in converted:
            merged[code] = merged.get(code, 0) + n
        pairs = sorted(merged.items(), key=lambda pair: (-pair[1], pair[0]))
        notes.append(f"{rows}: {sum(merged.values()):,} converted to {reporting} with "
                     f"{fx.label} ({listing(pairs)})")
    early = by_code("first_rate")
    if early:
        firsts = ", ".join(f"{code} {n:,} (first rate {fx.rates[code][0][0]})" for code, n in early)
        notes.append(f"{rows}: dated before their currency's first rate, so converted at it: "
                     f"{firsts}")
    undated = by_code("latest_rate")
    if undated:
        notes.append(f"{rows}: no date, so converted at their currency's latest rate: "
                     f"{listing(undated)}")
    blank = sum(n for _, n in by_code("assumed"))
    if blank:
        notes.append(f"{rows}: {blank:,} have no currency; their amounts are taken as {reporting}, "
                     "the reporting currency")
    return notes

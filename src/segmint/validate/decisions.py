"""How to read a column, decided once per column and never per cell, from one query per table.

Some texts cannot be read alone: 02/03/24 is 2 March or 3 February, and a probability of 0.5
is 50% or half a percent. The rest of the column says which, so before any value is parsed the
evidence of every such column of a table is counted in one aggregate query, and each column's
reading is decided from it (or taken from segmint.yaml), recorded, and said in the run notes
when the data does not make it obvious.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import ibis
import ibis.expr.types as ir

from segmint.validate.parsers import OK, infer_day_first, infer_probability_scale, parse_date


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



@dataclass(frozen=True)
class Decisions:
    """The reading decided for each column that needs one, and what to tell the user.

    Attributes
    ----------
    table : str
        The canonical table, to name its columns in notes and reasons.
    options : dict
        Column → keyword arguments for its parser (``{"day_first": True}``).
    date_orders : dict of DateOrder
        Per text date column, its order and the evidence.
    probability_scales : dict of ProbabilityScale
        Per probability column, 0-100 or 0-1 and the evidence.
    notes : tuple of str
        One line per decision the data does not make obvious.
    """

    table: str
    options: dict[str, dict[str, Any]] = field(default_factory=dict)
    date_orders: dict[str, DateOrder] = field(default_factory=dict)
    probability_scales: dict[str, ProbabilityScale] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def invalid_reason(self, column: str, text: ir.StringValue, usual: str) -> ir.StringValue:
        """The reason for clearing an invalid value of `column`, given its raw `text`.

        A date that would parse in the other order was cleared because of the column's order,
        and its reason says so; other values get the `usual` reason.
        """
        if column in self.probability_scales:
            scale = self.probability_scales[column]
            return ibis.literal(f"not a probability from 0 to 1 ({self.table}.{column} is read as "
                                f"{scale.scale}); the value was cleared")
        order = self.date_orders.get(column)
        if order is None or not order.contradicting:
            return ibis.literal(usual)
        other = parse_date(text, day_first=not order.day_first)
        return ibis.ifelse(other.status == OK, order.reason(self.table), usual)


def decide(raw: ir.Table, kinds: dict[str, str], *, table: str,
           date_order: dict[str, str] | None = None) -> Decisions:
    """Count the evidence of every column of `raw` that needs a decision, in one query, and decide.

    Parameters
    ----------
    raw : ibis.Table
        The loaded rows, canonical columns as text (typed columns need no decision).
    kinds : dict
        Column → the kind it is parsed as (``date``, ``probability``, ...).
    table : str
        The canonical table, to name columns in notes (``deals.close_date``).
    date_order : dict, optional
        Column → ``day_first`` or ``month_first``, as configured in segmint.yaml.

    A probability column is on 0-100 if any of its values without a '%' sign is above 1,
    else on 0-1.

    Examples
    --------
    >>> raw = ibis.memtable({"close_date": ["25/12/2023", "01/02/2024"],
    ...                      "created_date": ["02/03/24", "04/05/24"]})
    >>> decided = decide(raw, {"close_date": "date", "created_date": "date"}, table="deals")
    >>> decided.options
    {'close_date': {'day_first': True}, 'created_date': {'day_first': False}}
    >>> print("\\n".join(decided.notes))
    deals.close_date: read day first: 1 value has a first number above 12, none a second.
    deals.created_date: ambiguous: 2 values fit both orders; read month first. Set sources.deals.date_order to override.
    """
    configured = date_order or {}
    present = [c for c in kinds if c in raw.columns]
    dates = [c for c in present if kinds[c] == "date" and raw[c].type().is_string()]
    chances = [c for c in present if kinds[c] == "probability"]
    if not dates and not chances:
        return Decisions(table)
    counts: dict[str, ir.Scalar] = {}
    for i, column in enumerate(dates):
        evidence = infer_day_first(raw[column])
        counts |= {f"_f{i}": evidence.first_over_12, f"_s{i}": evidence.second_over_12,
                   f"_n{i}": evidence.slash_dates}
    for i, column in enumerate(chances):
        text = raw[column] if raw[column].type().is_string() else raw[column].cast("string")
        scale = infer_probability_scale(text)
        counts |= {f"_a{i}": scale.above_one, f"_p{i}": scale.numbers}
    row = {k: int(v or 0) for k, v in raw.aggregate(**counts).to_pyarrow().to_pylist()[0].items()}
    orders = {
        column: decide_date_order(column, row[f"_f{i}"], row[f"_s{i}"], row[f"_n{i}"],
                                          configured=configured.get(column))
        for i, column in enumerate(dates)
    }
    scales = {column: decide_probability_scale(column, row[f"_a{i}"], row[f"_p{i}"])
              for i, column in enumerate(chances)}
    decided = [*orders.values(), *scales.values()]
    notes = tuple(note for decision in decided if (note := decision.note(table)))
    options = {column: {"day_first": order.day_first} for column, order in orders.items()}
    options |= {column: {"percent": scale.percent} for column, scale in scales.items()}
    return Decisions(table, options, orders, scales, notes)

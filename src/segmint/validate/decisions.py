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

from segmint.validate import parsers


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
    date_orders: dict[str, parsers.DateOrder] = field(default_factory=dict)
    probability_scales: dict[str, parsers.ProbabilityScale] = field(default_factory=dict)
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
        other = parsers.parse_date(text, day_first=not order.day_first)
        return ibis.ifelse(other.status == parsers.OK, order.reason(self.table), usual)


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
        evidence = parsers.infer_day_first(raw[column])
        counts |= {f"_f{i}": evidence.first_over_12, f"_s{i}": evidence.second_over_12,
                   f"_n{i}": evidence.slash_dates}
    for i, column in enumerate(chances):
        text = raw[column] if raw[column].type().is_string() else raw[column].cast("string")
        scale = parsers.infer_probability_scale(text)
        counts |= {f"_a{i}": scale.above_one, f"_p{i}": scale.numbers}
    row = {k: int(v or 0) for k, v in raw.aggregate(**counts).to_pyarrow().to_pylist()[0].items()}
    orders = {
        column: parsers.decide_date_order(column, row[f"_f{i}"], row[f"_s{i}"], row[f"_n{i}"],
                                          configured=configured.get(column))
        for i, column in enumerate(dates)
    }
    scales = {column: parsers.decide_probability_scale(column, row[f"_a{i}"], row[f"_p{i}"])
              for i, column in enumerate(chances)}
    decided = [*orders.values(), *scales.values()]
    notes = tuple(note for decision in decided if (note := decision.note(table)))
    options = {column: {"day_first": order.day_first} for column, order in orders.items()}
    options |= {column: {"percent": scale.percent} for column, scale in scales.items()}
    return Decisions(table, options, orders, scales, notes)

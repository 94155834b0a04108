"""Raw CRM text to typed values as Ibis expressions, each with a Python twin for one value.

One module per kind of value: `numbers` (counts, measures, coordinates), `money`, `dates`,
`probability`, `text` (strings, flags, lists) and `crm` (Salesforce and HubSpot ids, owners,
Dynamics status); `common` holds what they share (the statuses, null spellings, stripping, the
outcome). How a whole column is read (its date order, its probability scale) is decided once
per column in `segmint.validate.decisions`, from the evidence `infer_day_first` and
`infer_probability_scale` count here.

Every parser gives each cell a value, a status (``ok``, ``blank`` or ``invalid``) and the rule
that read it. Regex rules keep the engine and the Python twins in step (DuckDB's RE2, Spark's
Java regex and Python's re agree on them): ASCII classes such as ``[0-9]`` rather than ``\\d``,
which is Unicode in Python; no ``.``, lookaround or back-references; every pattern anchored with
``^...$`` or searched; replacements are literal strings (back-reference syntax differs between
engines).

>>> from segmint.validate.parsers import parse_number_text
>>> parse_number_text("1,001-5,000")
(3000.5, 'ok', 'range_midpoint')
"""

from __future__ import annotations

from segmint.validate.parsers.common import BLANK, INVALID, NULL_SPELLINGS, OK, Parsed
from segmint.validate.parsers.crm import (
    parse_dynamics_closed,
    parse_dynamics_closed_text,
    parse_dynamics_won,
    parse_dynamics_won_text,
    parse_hubspot_id,
    parse_hubspot_id_text,
    parse_owner,
    parse_owner_text,
    parse_salesforce_id,
    parse_salesforce_id_column,
    parse_salesforce_id_text,
    salesforce_id_18,
)
from segmint.validate.parsers.dates import (
    DayFirstEvidence,
    day_first_evidence_text,
    infer_day_first,
    parse_date,
    parse_date_text,
)
from segmint.validate.parsers.money import (
    ISO_CURRENCIES,
    ParsedMoney,
    parse_money,
    parse_money_text,
)
from segmint.validate.parsers.numbers import (
    parse_coordinate,
    parse_coordinate_text,
    parse_integer,
    parse_integer_text,
    parse_number,
    parse_number_text,
)
from segmint.validate.parsers.probability import (
    ProbabilityEvidence,
    infer_probability_scale,
    parse_probability,
    parse_probability_text,
    probability_evidence_text,
)
from segmint.validate.parsers.text import (
    LIST_SEPARATOR,
    parse_boolean,
    parse_boolean_text,
    parse_list,
    parse_list_text,
    parse_string,
    parse_string_text,
)

__all__ = [
    "BLANK",
    "INVALID",
    "ISO_CURRENCIES",
    "LIST_SEPARATOR",
    "NULL_SPELLINGS",
    "OK",
    "DayFirstEvidence",
    "Parsed",
    "ParsedMoney",
    "ProbabilityEvidence",
    "day_first_evidence_text",
    "infer_day_first",
    "infer_probability_scale",
    "parse_boolean",
    "parse_boolean_text",
    "parse_coordinate",
    "parse_coordinate_text",
    "parse_date",
    "parse_date_text",
    "parse_dynamics_closed",
    "parse_dynamics_closed_text",
    "parse_dynamics_won",
    "parse_dynamics_won_text",
    "parse_hubspot_id",
    "parse_hubspot_id_text",
    "parse_integer",
    "parse_integer_text",
    "parse_list",
    "parse_list_text",
    "parse_money",
    "parse_money_text",
    "parse_number",
    "parse_number_text",
    "parse_owner",
    "parse_owner_text",
    "parse_probability",
    "parse_probability_text",
    "parse_salesforce_id",
    "parse_salesforce_id_column",
    "parse_salesforce_id_text",
    "parse_string",
    "parse_string_text",
    "probability_evidence_text",
    "salesforce_id_18",
]

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

Naming: an engine expression and its Python twin. The engine version is the product and takes
the plain name (`parse_number`, `normalise_key`, `compile_rule`); its twin for one value in
plain Python takes the same name with ``_py`` (`parse_number_py`, `normalise_key_py`,
`compile_rule_py`). The twin is the reference the engine version is tested against
(hypothesis feeds both the same text) and serves where no engine runs. Private steps follow
the same rule (`_strip`, `_strip_py`), and a function with no twin takes its plain name.
tests/test_twins.py checks that each twin has its engine version beside it.

>>> from segmint.validate.parsers import parse_number_py
>>> parse_number_py("1,001-5,000")
(3000.5, 'ok', 'range_midpoint')
"""

from __future__ import annotations

from segmint.validate.parsers.common import BLANK, INVALID, NULL_SPELLINGS, OK, Parsed
from segmint.validate.parsers.crm import (
    parse_dynamics_closed,
    parse_dynamics_closed_py,
    parse_dynamics_won,
    parse_dynamics_won_py,
    parse_hubspot_id,
    parse_hubspot_id_py,
    parse_owner,
    parse_owner_py,
    parse_salesforce_id,
    parse_salesforce_id_column,
    parse_salesforce_id_py,
    salesforce_id_18,
)
from segmint.validate.parsers.dates import (
    DayFirstEvidence,
    infer_day_first,
    infer_day_first_py,
    parse_date,
    parse_date_py,
)
from segmint.validate.parsers.money import (
    ISO_CURRENCIES,
    ParsedMoney,
    parse_money,
    parse_money_py,
)
from segmint.validate.parsers.numbers import (
    parse_coordinate,
    parse_coordinate_py,
    parse_integer,
    parse_integer_py,
    parse_number,
    parse_number_py,
)
from segmint.validate.parsers.probability import (
    ProbabilityEvidence,
    infer_probability_scale,
    infer_probability_scale_py,
    parse_probability,
    parse_probability_py,
)
from segmint.validate.parsers.text import (
    LIST_SEPARATOR,
    parse_boolean,
    parse_boolean_py,
    parse_list,
    parse_list_py,
    parse_string,
    parse_string_py,
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
    "infer_day_first",
    "infer_day_first_py",
    "infer_probability_scale",
    "infer_probability_scale_py",
    "parse_boolean",
    "parse_boolean_py",
    "parse_coordinate",
    "parse_coordinate_py",
    "parse_date",
    "parse_date_py",
    "parse_dynamics_closed",
    "parse_dynamics_closed_py",
    "parse_dynamics_won",
    "parse_dynamics_won_py",
    "parse_hubspot_id",
    "parse_hubspot_id_py",
    "parse_integer",
    "parse_integer_py",
    "parse_list",
    "parse_list_py",
    "parse_money",
    "parse_money_py",
    "parse_number",
    "parse_number_py",
    "parse_owner",
    "parse_owner_py",
    "parse_probability",
    "parse_probability_py",
    "parse_salesforce_id",
    "parse_salesforce_id_column",
    "parse_salesforce_id_py",
    "parse_string",
    "parse_string_py",
    "salesforce_id_18",
]

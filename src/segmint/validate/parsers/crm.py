"""CRM record ids and owners as Ibis expressions, each with a Python twin for one value.

Salesforce ids come in two spellings of the same record: 15 characters, case-sensitive (report
exports, the UI), and 18 characters, case-insensitive (the API, Data Loader, weekly Data
Export). The last three characters of the 18 encode which of the first 15 are upper case, so a
15-character id widens to exactly one 18-character id, and an 18-character id whose case was
lost (a tool upper-cased it) has its case restored. Both sides of a join are widened to 18.

HubSpot record ids are integers of 10 to 12 digits. They are kept as the exact text; a value
that a spreadsheet rewrote as a float (``1.2345678901E10``, ``12345678901.0``) is flagged
invalid, never read as a number, since the digits Excel dropped cannot be recovered.

Owners exported as display names carry their status: ``jane@acme.com (Deactivated User)``
is owner ``jane@acme.com``, no longer active.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

from segmint.engine.templates import Template, apply
from segmint.text_classes import ASCII_LOWER, ASCII_UPPER, TO_ASCII_LOWER
from segmint.validate.parsers.common import BLANK, INVALID, NULL_SPELLINGS, OK, Parsed
from segmint.validate.parsers.text import (
    parse_boolean,
    parse_boolean_py,
    parse_string,
    parse_string_py,
)

__all__ = [
    "ID_SENTINELS",
    "PARSERS",
    "SALESFORCE_NULL_IDS",
    "IdSentinels",
    "ParsedOwner",
    "count_id_sentinels",
    "parse_dynamics_closed",
    "parse_dynamics_closed_py",
    "parse_dynamics_won",
    "parse_dynamics_won_py",
    "parse_hubspot_id",
    "parse_hubspot_id_py",
    "parse_owner",
    "parse_owner_py",
    "parse_salesforce_id",
    "parse_salesforce_lookup",
    "parse_salesforce_id_column",
    "parse_salesforce_id_py",
    "salesforce_id_18",
]

# Salesforce writes an empty lookup (ParentId with no parent) as the all-zero id in some exports.
SALESFORCE_NULL_IDS = frozenset({"000000000000000", "000000000000000AAA"})
_SUFFIX_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"  # 5 case bits -> one character
_SF_15 = "^[a-zA-Z0-9]{15}$"
_SF_18 = "^[a-zA-Z0-9]{18}$"
_DIGITS = "^[0-9]{1,20}$"
# What a spreadsheet turns a long integer into: 1.2345678901E10, 1.23457E+10, 12345678901.0
_FLOATED = r"^[0-9]+\.?[0-9]*[eE][+]?[0-9]{1,3}$|^[0-9]+\.[0-9]+$"
# ' (Deactivated User)', ' (Inactive)', ' (deactivated)' after an owner's name or email
_INACTIVE = r"[ ]*\((?:[Dd]eactivated(?: [Uu]ser)?|[Ii]nactive(?: [Uu]ser)?)\)$"


# ---------------------------------------------------------------------------------------------
# Salesforce


def _blank_id(text: ir.StringValue) -> ir.BooleanValue:
    return text.isnull() | text.lower().isin(sorted(NULL_SPELLINGS))


def _blank_salesforce_id(text: ir.StringValue) -> ir.BooleanValue:
    """Empty, a null spelling, or the all-zero id Salesforce writes for an empty lookup."""
    return _blank_id(text) | text.isin(sorted(SALESFORCE_NULL_IDS))


def _is_upper(c: ir.StringValue) -> ir.BooleanValue:
    return (c >= "A") & (c <= "Z")  # byte order: ASCII capitals only


def _suffix(id15: ir.StringValue) -> ir.StringValue:
    """The 3 checksum characters of a 15-character id: bit i of chunk k is 'char 5k+i is A-Z'."""
    alphabet = ibis.literal(_SUFFIX_ALPHABET)
    chars = []
    for chunk in range(3):
        bits = sum(
            ibis.ifelse(_is_upper(id15.substr(chunk * 5 + i, 1)), 2**i, 0) for i in range(5)
        )
        chars.append(alphabet.substr(bits, 1))
    return chars[0].concat(chars[1], chars[2])


def _suffix_py(id15: str) -> str:
    out = ""
    for chunk in range(3):
        bits = sum(2**i for i in range(5) if "A" <= id15[chunk * 5 + i] <= "Z")
        out += _SUFFIX_ALPHABET[bits]
    return out


def _restore_case(id18: ir.StringValue) -> tuple[ir.StringValue, ir.BooleanValue]:
    """The first 15 characters in the case the checksum says, then the checksum in capitals;
    and whether the checksum is consistent (it never marks a digit as upper case)."""
    alphabet = ibis.literal(_SUFFIX_ALPHABET)
    restored, consistent = [], ibis.literal(True)
    for chunk in range(3):  # each checksum character is one of the 32 the alphabet has
        consistent &= alphabet.find(id18.substr(15 + chunk, 1).upper()) >= 0
    for position in range(15):
        bits = alphabet.find(id18.substr(15 + position // 5, 1).upper())
        char = id18.substr(position, 1)
        upper = (bits // 2 ** (position % 5)) % 2 == 1
        restored.append(ibis.ifelse(upper, char.upper(), char.lower()))
        consistent &= ~(upper & (char >= "0") & (char <= "9"))
    return restored[0].concat(*restored[1:], id18.substr(15, 3).upper()), consistent


def _restore_case_py(id18: str) -> str | None:
    suffix = id18[15:].upper()
    if any(c not in _SUFFIX_ALPHABET for c in suffix):
        return None
    chars = []
    for position, char in enumerate(id18[:15]):
        upper = (_SUFFIX_ALPHABET.index(suffix[position // 5]) >> (position % 5)) & 1
        chars.append(char.upper() if upper else char.lower())
    return "".join(chars) + suffix


def salesforce_id_18(id15: str) -> str:
    """The 18-character, case-insensitive form of a 15-character Salesforce id.

    Examples
    --------
    >>> salesforce_id_18("001A000001Mf2dR")
    '001A000001Mf2dRIAR'
    """
    return id15 + _suffix_py(id15)


def parse_salesforce_id(col: ir.StringValue) -> Parsed:
    """Salesforce ids in their 18-character form, whichever form the export used.

    ===================================  ==================  ======================
    text                                 rule                value
    ===================================  ==================  ======================
    15 letters or digits                 ``widened``         the id + its checksum
    18, checksum consistent              ``plain``           case restored
    ``000000000000000``, ``...000AAA``   (blank)             null: an empty lookup
    18 with a checksum that cannot be    (invalid)           null
    any other text                       ``not_salesforce``  as written
    ===================================  ==================  ======================

    An 18-character id whose checksum names an upper-case digit cannot come from Salesforce
    (it was typed or truncated) and is invalid. Other text is kept as written, since a
    project may key its accounts by something else.

    Examples
    --------
    >>> t = ibis.memtable({"id": ["001A000001Mf2dR", "001A000001MF2DRIAR", "000000000000000AAA",
    ...                           "acct-7", "001A000001Mf2dR999"]})
    >>> p = parse_salesforce_id(t.id)
    >>> t.select(v=p.value, s=p.status, r=p.rule).to_pyarrow().to_pylist()
    ... # doctest: +NORMALIZE_WHITESPACE
    [{'v': '001A000001Mf2dRIAR', 's': 'ok', 'r': 'widened'},
     {'v': '001A000001Mf2dRIAR', 's': 'ok', 'r': 'plain'},
     {'v': None, 's': 'blank', 'r': None},
     {'v': 'acct-7', 's': 'ok', 'r': 'not_salesforce'},
     {'v': None, 's': 'invalid', 'r': None}]
    """
    # TRIM, not parse_string: the id is used many times below and Ibis inlines every use, so
    # a heavier text expression made the SQL hundreds of kilobytes and DuckDB minutes slow.
    # The CASE branches are ordered so that the costly case restoration is evaluated only for
    # the 18-character ids whose case does not already match their checksum (rare).
    text = col.strip()
    blank = _blank_salesforce_id(text)
    is15, is18 = text.re_search(_SF_15), text.re_search(_SF_18)
    head, checksum = text.substr(0, 15), text.substr(15, 3).upper()
    as_written = _suffix(head) == checksum  # case intact: the usual 18-character id
    restored, consistent = _restore_case(text)
    value = ibis.cases(
        (blank, ibis.null("string")),
        (is15, text.concat(_suffix(text))),
        (~is18, text),
        (as_written, head.concat(checksum)),
        (consistent, restored),
        else_=ibis.null("string"),
    )
    invalid = ibis.cases((~is18, False), (as_written, False), else_=~consistent)
    status = ibis.cases((blank, BLANK), (invalid, INVALID), else_=OK)
    rule = ibis.cases(
        (blank, ibis.null("string")),
        (is15, "widened"),
        (~is18, "not_salesforce"),
        (invalid, ibis.null("string")),
        else_="plain",
    )
    return Parsed(value, status, rule)


def _needs_repair(col: ir.StringValue) -> ir.BooleanValue:
    text = col.strip()
    head, checksum = text.substr(0, 15), text.substr(15, 3)
    return text.re_search(_SF_15) | (text.re_search(_SF_18) & (_suffix(head) != checksum))


def salesforce_ids_need_repair(col: ir.StringValue) -> bool:
    """Whether any id of the column is 15 characters long, or 18 with its case or checksum off:
    one aggregate query, which `parse_salesforce_id_column` runs unless told its answer.

    >>> salesforce_ids_need_repair(ibis.memtable({"id": ["001A000001Mf2dR", None]}).id)
    True
    """
    return bool(_needs_repair(col).any().execute())  # None for an empty table


def salesforce_columns_needing_repair(table: ir.Table, columns: list[str]) -> dict[str, bool]:
    """`salesforce_ids_need_repair` for several columns of `table` in one query, the check
    built and compiled once per process (`segmint.engine.templates`).

    >>> table = ibis.memtable({"a": ["001A000001Mf2dRIAR"], "b": ["001A000001Mf2dR"]})
    >>> salesforce_columns_needing_repair(table, ["a", "b"])
    {'a': False, 'b': True}
    """
    if not columns:
        return {}
    checks = {}
    for column in columns:
        dtype = table[column].type()
        template = Template.of("salesforce_needs_repair", dtype, lambda col, dtype=dtype: {
            "needs": _needs_repair(col if dtype.is_string() else col.cast("string"))})
        checks[column] = (template, column)
    with_checks, made = apply(table, checks)
    row = with_checks.aggregate(**{f"_needs_{i}": made[c]["needs"].any()
                                   for i, c in enumerate(columns)}).to_pyarrow().to_pylist()[0]
    return {c: bool(row[f"_needs_{i}"]) for i, c in enumerate(columns)}  # None: no rows


def parse_salesforce_id_column(col: ir.StringValue, *, full: bool | None = None) -> Parsed:
    """`parse_salesforce_id`, after one scan that checks whether the column needs it.

    Most exports write every id in its 18-character form with its case intact (the API, Data
    Loader, the weekly export). Such a column only needs its blanks and null sentinels read,
    which costs a tenth of widening and restoring every id, the most expensive expression of a
    load otherwise. One aggregate over the column decides (`salesforce_ids_need_repair`, the
    only query it runs, skipped when `full` gives its answer); a column with any 15-character
    id, or any 18-character id whose case or checksum is off, gets the full
    `parse_salesforce_id`. Both give the same values for such a column.

    Examples
    --------
    >>> t = ibis.memtable({"id": ["001A000001Mf2dRIAR", "000000000000000AAA", "x-1"]})
    >>> p = parse_salesforce_id_column(t.id)
    >>> t.select(v=p.value, s=p.status).to_pyarrow().to_pylist()
    ... # doctest: +NORMALIZE_WHITESPACE
    [{'v': '001A000001Mf2dRIAR', 's': 'ok'}, {'v': None, 's': 'blank'},
     {'v': 'x-1', 's': 'ok'}]
    """
    if full is None:
        full = salesforce_ids_need_repair(col)
    if not full:
        text = col.strip()
        blank = _blank_salesforce_id(text)
        is18 = text.re_search(_SF_18)
        return Parsed(
            ibis.ifelse(blank, ibis.null("string"), text),
            ibis.ifelse(blank, BLANK, OK),
            ibis.cases((blank, ibis.null("string")), (is18, "plain"), else_="not_salesforce"),
        )
    return parse_salesforce_id(col)


def parse_salesforce_lookup(col: ir.StringValue) -> Parsed:
    """An unmapped Salesforce lookup column: the all-zero id of an empty lookup is blank, every
    other value is kept as written, trimmed (it may be another system's id, so it is never
    widened or re-cased, and never invalid).

    Examples
    --------
    >>> t = ibis.memtable({"partner": ["000000000000000AAA", " 001A000001Mf2dR ", "ERP-0042"]})
    >>> p = parse_salesforce_lookup(t.partner)
    >>> t.select(v=p.value, s=p.status).to_pyarrow().to_pylist()
    ... # doctest: +NORMALIZE_WHITESPACE
    [{'v': None, 's': 'blank'}, {'v': '001A000001Mf2dR', 's': 'ok'},
     {'v': 'ERP-0042', 's': 'ok'}]
    """
    return parse_salesforce_id_column(col, full=False)


def parse_salesforce_id_py(s: str | None) -> tuple[str | None, str, str | None]:
    """Read one text as `parse_salesforce_id` does: (value, status, rule).

    Examples
    --------
    >>> parse_salesforce_id_py("001a000001mf2drIAR")  # case lost; the checksum restores it
    ('001A000001Mf2dRIAR', 'ok', 'plain')
    >>> parse_salesforce_id_py("000000000000000")
    (None, 'blank', None)
    """
    text, status, _ = parse_string_py(s)
    if status == BLANK or text in SALESFORCE_NULL_IDS:
        return None, BLANK, None
    if re.fullmatch(_SF_15, text):
        return salesforce_id_18(text), OK, "widened"
    if re.fullmatch(_SF_18, text):
        restored = _restore_case_py(text)
        if restored is None or _suffix_py(restored[:15]) != restored[15:]:
            return None, INVALID, None
        return restored, OK, "plain"
    return text, OK, "not_salesforce"


# ---------------------------------------------------------------------------------------------
# HubSpot


def parse_hubspot_id(col: ir.StringValue) -> Parsed:
    """HubSpot record ids as their exact digits; a float spelling is invalid, never rounded.

    Examples
    --------
    >>> t = ibis.memtable({"id": ["12345678901", "1.2345678901E10", "12345678901.0", " ", "A-1"]})
    >>> p = parse_hubspot_id(t.id)
    >>> t.select(v=p.value, s=p.status, r=p.rule).to_pyarrow().to_pylist()
    ... # doctest: +NORMALIZE_WHITESPACE
    [{'v': '12345678901', 's': 'ok', 'r': 'plain'},
     {'v': None, 's': 'invalid', 'r': None},
     {'v': None, 's': 'invalid', 'r': None},
     {'v': None, 's': 'blank', 'r': None},
     {'v': 'A-1', 's': 'ok', 'r': 'not_hubspot'}]
    """
    text = col.strip()
    blank = _blank_id(text)
    floated = text.re_search(_FLOATED)
    value = ibis.ifelse(blank | floated, ibis.null("string"), text)
    status = ibis.cases((blank, BLANK), (floated, INVALID), else_=OK)
    rule = ibis.cases(
        (status != OK, ibis.null("string")),
        (text.re_search(_DIGITS), "plain"),
        else_="not_hubspot",
    )
    return Parsed(value, status, rule)


def parse_hubspot_id_py(s: str | None) -> tuple[str | None, str, str | None]:
    """Read one text as `parse_hubspot_id` does: (value, status, rule).

    Examples
    --------
    >>> parse_hubspot_id_py("1.23457E+10")
    (None, 'invalid', None)
    """
    text, status, _ = parse_string_py(s)
    if status == BLANK:
        return None, BLANK, None
    if re.search(_FLOATED, text):
        return None, INVALID, None
    return text, OK, "plain" if re.fullmatch(_DIGITS, text) else "not_hubspot"


# ---------------------------------------------------------------------------------------------
# Owners


@dataclass(frozen=True)
class ParsedOwner:
    """An owner column: `value` is the owner without its status, `active` false if deactivated."""

    value: ir.StringValue
    status: ir.StringValue
    rule: ir.StringValue
    active: ir.BooleanValue


def parse_owner(col: ir.StringValue) -> ParsedOwner:
    """Split an owner's status off its name, id or email.

    Examples
    --------
    >>> t = ibis.memtable({"o": ["jane@acme.com (Deactivated User)", "Raj Patel", "005A000000Xy1ZQ",
    ...                          "Ann Lee (Inactive)", ""]})
    >>> p = parse_owner(t.o)
    >>> t.select(v=p.value, a=p.active, r=p.rule).to_pyarrow().to_pylist()
    ... # doctest: +NORMALIZE_WHITESPACE
    [{'v': 'jane@acme.com', 'a': False, 'r': 'deactivated'},
     {'v': 'Raj Patel', 'a': True, 'r': 'plain'},
     {'v': '005A000000Xy1ZQ', 'a': True, 'r': 'plain'},
     {'v': 'Ann Lee', 'a': False, 'r': 'deactivated'},
     {'v': None, 'a': None, 'r': None}]
    """
    text = parse_string(col).value
    inactive = text.re_search(_INACTIVE)
    owner = text.re_replace(_INACTIVE, "").nullif("")
    status = ibis.ifelse(owner.isnull(), BLANK, OK)
    return ParsedOwner(
        value=owner,
        status=status,
        rule=ibis.cases((owner.isnull(), ibis.null("string")), (inactive, "deactivated"),
                        else_="plain"),
        active=ibis.ifelse(owner.isnull(), ibis.null("boolean"), ~inactive),
    )


def parse_owner_py(s: str | None) -> tuple[str | None, str, str | None, bool | None]:
    """Read one text as `parse_owner` does: (value, status, rule, active).

    Examples
    --------
    >>> parse_owner_py("jane@acme.com (Deactivated User)")
    ('jane@acme.com', 'ok', 'deactivated', False)
    """
    text, status, _ = parse_string_py(s)
    if status == BLANK:
        return None, BLANK, None, None
    owner = re.sub(_INACTIVE, "", text)
    if not owner:
        return None, BLANK, None, None
    inactive = owner != text
    return owner, OK, "deactivated" if inactive else "plain", not inactive


# ---------------------------------------------------------------------------------------------
# Dynamics 365

# An opportunity's Status (Dataverse `statecode`): Open 0, Won 1, Lost 2. Dynamics exports no
# IsWon or IsClosed, and its sales stage names are localised, so won and closed are read from
# the status, one header feeding both columns. A column holding true/false flags instead (one
# mapped by hand) reads as those flags: '1' and '0' mean the same either way.
DYNAMICS_STATES = {"open": "open", "0": "open", "won": "won", "1": "won", "lost": "lost",
                   "2": "lost"}
_WON = {"open": False, "won": True, "lost": False}
_CLOSED = {"open": False, "won": True, "lost": True}


def _dynamics_flag(col: ir.StringValue, flags: dict[str, bool]) -> Parsed:
    text = parse_string(col).value
    state = text.translate(ASCII_UPPER, ASCII_LOWER).substitute(
        DYNAMICS_STATES, else_=ibis.null("string"))
    flag = parse_boolean(col)
    value = ibis.ifelse(state.notnull(), state.substitute(flags, else_=ibis.null("boolean")),
                        flag.value)
    status = ibis.cases((text.isnull(), BLANK), (value.notnull(), OK), else_=INVALID)
    rule = ibis.cases((state.notnull(), "dynamics_status"), else_=flag.rule)
    return Parsed(value, status, rule)


def _dynamics_flag_py(s: str | None, flags: dict[str, bool]) -> tuple[bool | None, str, str | None]:
    text, status, _ = parse_string_py(s)
    if status == BLANK:
        return None, BLANK, None
    state = DYNAMICS_STATES.get(text.translate(TO_ASCII_LOWER))
    if state is not None:
        return flags[state], OK, "dynamics_status"
    return parse_boolean_py(text)


def parse_dynamics_won(col: ir.StringValue) -> Parsed:
    """Whether a Dynamics opportunity was won, from its Status (``statecode``).

    ``Won`` (``1``) is won; ``Open`` (``0``) and ``Lost`` (``2``) are not. True/false flags
    read as themselves. Any other text is invalid.

    Examples
    --------
    >>> t = ibis.memtable({"status": ["Won", "Open", "lost", "2", "TRUE", "Cancelled", ""]})
    >>> p = parse_dynamics_won(t.status)
    >>> t.select(v=p.value, s=p.status, r=p.rule).to_pyarrow().to_pylist()
    ... # doctest: +NORMALIZE_WHITESPACE
    [{'v': True, 's': 'ok', 'r': 'dynamics_status'}, {'v': False, 's': 'ok', 'r': 'dynamics_status'},
     {'v': False, 's': 'ok', 'r': 'dynamics_status'}, {'v': False, 's': 'ok', 'r': 'dynamics_status'},
     {'v': True, 's': 'ok', 'r': 'true_false'}, {'v': None, 's': 'invalid', 'r': None},
     {'v': None, 's': 'blank', 'r': None}]
    """
    return _dynamics_flag(col, _WON)


def parse_dynamics_won_py(s: str | None) -> tuple[bool | None, str, str | None]:
    """Read one text as `parse_dynamics_won` does: (value, status, rule).

    Examples
    --------
    >>> parse_dynamics_won_py(" Won "), parse_dynamics_won_py("2")
    ((True, 'ok', 'dynamics_status'), (False, 'ok', 'dynamics_status'))
    """
    return _dynamics_flag_py(s, _WON)


def parse_dynamics_closed(col: ir.StringValue) -> Parsed:
    """Whether a Dynamics opportunity is closed, from its Status (``statecode``).

    ``Won`` (``1``) and ``Lost`` (``2``) are closed; ``Open`` (``0``) is not. True/false flags
    read as themselves. Any other text is invalid.

    Examples
    --------
    >>> t = ibis.memtable({"status": ["Won", "Open", "Lost", "0"]})
    >>> parse_dynamics_closed(t.status).value.to_pyarrow().to_pylist()
    [True, False, True, False]
    """
    return _dynamics_flag(col, _CLOSED)


def parse_dynamics_closed_py(s: str | None) -> tuple[bool | None, str, str | None]:
    """Read one text as `parse_dynamics_closed` does: (value, status, rule).

    Examples
    --------
    >>> parse_dynamics_closed_py("Lost"), parse_dynamics_closed_py("maybe")
    ((True, 'ok', 'dynamics_status'), (None, 'invalid', None))
    """
    return _dynamics_flag_py(s, _CLOSED)


# Parsers by value kind, for the kinds a preset declares (`config.presets.value_kinds`);
# each takes raw text and gives `value`, `status` and `rule` as the other parsers do.
PARSERS: dict[str, Callable[[ir.StringValue], Parsed | ParsedOwner]] = {
    "salesforce_id": parse_salesforce_id_column,
    "hubspot_id": parse_hubspot_id,
    "owner": parse_owner,
    "dynamics_won": parse_dynamics_won,  # is_won and is_closed from a Dynamics Status
    "dynamics_closed": parse_dynamics_closed,
    "salesforce_lookup": parse_salesforce_lookup,  # an unmapped lookup: only its blanks read
}


# ---------------------------------------------------------------------------------------------
# Placeholders loading read as no id: what the audit reports, since afterwards they look like
# any blank or invalid value.

# value kind -> what its placeholder is, and what loading made of it
ID_SENTINELS: dict[str, str] = {
    "salesforce_id": "empty lookup written as the all-zero id; read as blank",
    "salesforce_lookup": "empty lookup written as the all-zero id; read as blank",
    "hubspot_id": "id a spreadsheet rewrote as a float; invalid, its digits are lost",
    # not a placeholder, but what loading strips off the same way: counted here for the audit
    "owner": "owner marked (Deactivated User) or (Inactive); kept as that owner, not active",
}


@dataclass(frozen=True)
class IdSentinels:
    """How many values of one id column were a placeholder (`ID_SENTINELS`), with examples."""

    column: str
    kind: str
    rows: int
    examples: tuple[str, ...]


def count_id_sentinels(rows: ir.Table, kinds: dict[str, str]) -> tuple[IdSentinels, ...]:
    """Count, per id column, the values that were a placeholder rather than an id, and per
    owner column the owners marked deactivated.

    Salesforce writes an empty lookup as ``000000000000000AAA`` or ``000000000000000``, which
    `parse_salesforce_id` reads as blank; a spreadsheet rewrites a HubSpot id as a float
    (``1.2345678901E10``), which `parse_hubspot_id` flags invalid; an owner exported as
    ``Jane Doe (Deactivated User)`` is read as ``Jane Doe``, no longer active (`parse_owner`),
    which the audit counts even without an owners table. All are counted on the rows as
    loaded, before parsing, in one pass of the engine; a column with none is left out.

    Parameters
    ----------
    rows : ibis.Table
        Loaded rows (`segmint.io.sources.LoadedSource.rows`), text or typed.
    kinds : dict of str to str
        Column → CRM value kind (`LoadedSource.value_kinds`); other kinds and absent columns
        are skipped.

    Returns
    -------
    tuple of IdSentinels
        One per column with placeholders, in the order of `kinds`; `examples` are the smallest
        and largest placeholder seen (one when they are the same).

    Examples
    --------
    >>> rows = ibis.memtable({"parent_id": ["000000000000000AAA", "001A000001Mf2dRIAR", "",
    ...                                     "000000000000000AAA", "000000000000000"]})
    >>> count_id_sentinels(rows, {"parent_id": "salesforce_id"})  # doctest: +NORMALIZE_WHITESPACE
    (IdSentinels(column='parent_id', kind='salesforce_id', rows=3,
                 examples=('000000000000000', '000000000000000AAA')),)
    >>> owners = ibis.memtable({"owner_id": ["Ann Lee (Deactivated User)", "Raj Patel", None]})
    >>> count_id_sentinels(owners, {"owner_id": "owner"})  # doctest: +NORMALIZE_WHITESPACE
    (IdSentinels(column='owner_id', kind='owner', rows=1,
                 examples=('Ann Lee (Deactivated User)',)),)
    """
    checked = {c: k for c, k in kinds.items() if k in ID_SENTINELS and c in rows.columns}
    if not checked:
        return ()
    found = {}
    for i, (column, kind) in enumerate(checked.items()):
        text = rows[column].cast("string").strip()  # as the parsers see it
        pattern = {"salesforce_id": None, "salesforce_lookup": None, "hubspot_id": _FLOATED,
                   "owner": _INACTIVE}[kind]
        placeholder = (text.isin(sorted(SALESFORCE_NULL_IDS)) if pattern is None
                       else text.re_search(pattern)).fill_null(False)
        found |= {f"n{i}": placeholder.cast("int64").sum(), f"lo{i}": text.min(where=placeholder),
                  f"hi{i}": text.max(where=placeholder)}
    counts = rows.aggregate(**found).to_pyarrow().to_pylist()[0]
    return tuple(
        IdSentinels(column, kind, int(counts[f"n{i}"]),
                    tuple(dict.fromkeys((counts[f"lo{i}"], counts[f"hi{i}"]))))
        for i, (column, kind) in enumerate(checked.items()) if counts[f"n{i}"]
    )

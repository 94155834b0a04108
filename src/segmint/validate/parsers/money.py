"""Amounts of money: every number spelling, plus currency symbols, ISO codes and parentheses."""

from __future__ import annotations

import re
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
import pycountry

from segmint.validate.parsers.common import (
    BLANK, INVALID, OK, _SP, Parsed, _extract, _extract_py, _is_blank, _is_blank_py, _outcome,
    _strip, _strip_py,
)
from segmint.validate.parsers.numbers import _number, _number_py, _us_form, _us_form_py

# '$' alone is read as USD, but an ISO code next to it wins ('CAD $5' is CAD), since
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


@dataclass(frozen=True)
class ParsedMoney(Parsed):
    """A parsed money column; `currency` is the ISO code seen in the text, null if none."""

    currency: ir.StringValue


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


def parse_money_py(s: str | None) -> tuple[float | None, str, str | None, str | None]:
    """Read one text as `parse_money` does: (value, status, rule, currency).

    Examples
    --------
    >>> parse_money_py("$1M-$5M")
    (3000000.0, 'ok', 'range_midpoint', 'USD')
    >>> parse_money_py("£450k")
    (450000.0, 'ok', 'suffix_k', 'GBP')
    """
    t = None if s is None else _strip_py(s)
    if _is_blank_py(t):
        return None, BLANK, None, None
    european, us = _us_form_py(t)
    first, last = _extract_py(t, _FIRST_SYMBOL, 1), _extract_py(t, _LAST_SYMBOL, 1)
    symbols = len(t) - len(re.sub(_SYMBOL_CHARS, "", t))
    unsigned = re.sub(_SYMBOL, "", t)
    prefix = _extract_py(unsigned, _CODE_PREFIX, 1)
    suffix = _extract_py(unsigned, _CODE_SUFFIX, 1)
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
    value, rule = _number_py(amount, european=european, comma="," in t, t=bare)
    if not consistent or value is None:
        return None, INVALID, None, None
    if in_parentheses:
        rule = "parentheses_negative"
    elif rule == "plain":
        rule = "currency_symbol" if first else "currency_code" if code else "plain"
    return value, OK, rule, code or symbol_currency or None

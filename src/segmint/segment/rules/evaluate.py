"""The reference evaluator: a segment rule on one account in plain Python, with SQL's nulls."""

from __future__ import annotations

from typing import Any

from segmint.exceptions import RuleError, closest_hint
from segmint.segment.rules.grammar import (
    OPERATORS, And, Arithmetic, Boolean, Compare, Contains, Expr, Field, InList, IsNull, Negate,
    Not, Null, Number, Or, Rule, String, short_text,
)
from segmint.segment.rules.grammar import parse_rule  # noqa: F401  (the examples use it)


def compile_rule_py(rule: Rule, row: dict[str, Any]) -> bool | None:
    """`compile_rule` in plain Python: the rule on one account, with the same nulls.

    It is the reference the compiled Ibis expression is tested against, and explains a rule on a
    single account. Missing values must be ``None`` (not NaN).

    Parameters
    ----------
    rule : Rule
        From `parse_rule`.
    row : dict
        Column name → value; list columns hold lists.

    Returns
    -------
    bool or None
        None when the answer is unknown because a value it needs is null.

    Examples
    --------
    >>> rule = parse_rule('employees >= 1000 and "Analytics" in products')
    >>> compile_rule_py(rule, {"employees": 5000, "products": ["Analytics", "CRM"]})
    True
    >>> compile_rule_py(rule, {"employees": None, "products": ["Analytics"]}) is None
    True
    >>> compile_rule_py(rule, {"employees": None, "products": ["CRM"]})
    False
    """
    try:
        result = _evaluate(rule.expr, row)
    except TypeError as err:
        raise RuleError(f"Rule {short_text(rule.text)} mixes types on this row: {err}.") from None
    if result is not None and not isinstance(result, bool):
        raise RuleError(f"Rule {short_text(rule.text)} gives {result!r}, not true or false.")
    return result


def _evaluate(node: Expr, row: dict[str, Any]) -> Any:
    match node:
        case Field(name):
            if name not in row:
                raise RuleError(f"The row has no column {name!r}. {closest_hint(name, row)}")
            return row[name]
        case Number(value) | String(value) | Boolean(value):
            return value
        case Null():
            return None
        case Negate(operand):
            value = _evaluate(operand, row)
            return None if value is None else -value
        case Arithmetic(op, left, right):
            a, b = _evaluate(left, row), _evaluate(right, row)
            if a is None or b is None or (op == "/" and b == 0):
                return None
            return OPERATORS[op](a, b)
        case Compare(op, left, right):
            a, b = _evaluate(left, row), _evaluate(right, row)
            return None if a is None or b is None else OPERATORS[op](a, b)
        case InList(value, options, negated):
            found = _in(_evaluate(value, row), [o.value if not isinstance(o, Null) else None
                                                 for o in options])
            return _not(found) if negated else found
        case Contains(item, array, negated):
            values, wanted = _evaluate(array, row), _evaluate(item, row)
            found = None if values is None or wanted is None else wanted in values
            return _not(found) if negated else found
        case IsNull(value, negated):
            return (_evaluate(value, row) is None) != negated
        case Not(operand):
            return _not(_evaluate(operand, row))
        case And(operands):
            values = [_evaluate(o, row) for o in operands]  # no short-circuit: SQL has none
            return False if False in values else None if None in values else True
        case Or(operands):
            values = [_evaluate(o, row) for o in operands]
            return True if True in values else None if None in values else False
    raise TypeError(f"not a rule node: {node!r}")


def _not(value: bool | None) -> bool | None:
    return None if value is None else not value


def _in(value: Any, options: list[Any]) -> bool | None:
    # SQL's x IN (...): null if x is null, or if nothing matched and the list holds a null.
    if value is None:
        return None
    if any(value == o for o in options if o is not None):
        return True
    return None if None in options else False

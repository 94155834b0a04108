"""Segment rules compiled to Ibis boolean expressions, type-checked against the accounts table."""

from __future__ import annotations

import operator
from functools import reduce

import ibis
import ibis.expr.types as ir

from segmint.exceptions import RuleError, closest_hint
from segmint.segment.rules.grammar import (
    OPERATORS, SUM_LEVEL, And, Arithmetic, Boolean, Compare, Contains, Expr, Field, InList,
    IsNull, Literal, Negate, Not, Null, Number, Or, Rule, String, _children, precedence, short_text,
    unparse,
)
from segmint.segment.rules.grammar import parse_rule  # noqa: F401  (the examples use it)

_KIND_WORDS = {"number": "a number", "text": "text", "boolean": "true/false", "list": "a list",
               "null": "null", "date": "a date", "timestamp": "a timestamp", "time": "a time"}
_COLUMN_WORDS = {"number": "a number column", "text": "a text column",
                 "boolean": "a true/false column", "list": "a list column"}
_ORDERED = {"number", "text", "date", "timestamp", "time"}
_COMPARABLE = _ORDERED | {"boolean"}


def _kind(dtype) -> str:
    if dtype.is_null():
        return "null"
    if dtype.is_boolean():
        return "boolean"
    if dtype.is_numeric():
        return "number"
    if dtype.is_string():
        return "text"
    if dtype.is_array():
        return "list"
    for kind in ("date", "timestamp", "time"):
        if getattr(dtype, f"is_{kind}")():
            return kind
    return str(dtype)


def compile_rule(rule: Rule, table: ir.Table) -> ir.BooleanValue:
    """Compile a rule to a boolean Ibis expression over `table`.

    Null follows SQL: a comparison with a null value is null, ``and``/``or``/``not`` use
    three-valued logic, and dividing by zero gives null on every engine. Callers treat a null
    result as "no match".

    Parameters
    ----------
    rule : Rule
        From `parse_rule`.
    table : ibis.Table
        Holds every column the rule names.

    Returns
    -------
    ibis.expr.types.BooleanValue
        True, false or null per row.

    Raises
    ------
    RuleError
        A name is not a column of `table`, or the rule mixes types (text compared with a
        number, arithmetic on text, ``"x" in col`` where col is not a list column, ...).

    Examples
    --------
    >>> accounts = ibis.memtable({"employees": [50, 5000, None, None],
    ...                           "region": ["EMEA", "EMEA", "EMEA", "APAC"]})
    >>> rule = parse_rule('employees >= 1000 and region == "EMEA"')
    >>> accounts.select(hit=compile_rule(rule, accounts)).to_pyarrow()["hit"].to_pylist()
    [False, True, None, False]
    """
    compiler = _Compiler(rule, table)
    result = compiler.compile(rule.expr)
    kind = _kind(result.type())
    if kind != "boolean":
        raise compiler.error(
            f"a rule must be a condition (true or false), not {_what(rule.expr, kind)}.",
            f"Compare it, for example '{_example_condition(rule.expr, kind)}'.",
        )
    return result


def zero_divisors(rule: Rule, table: ir.Table) -> dict[str, ir.BooleanValue]:
    """Each divisor in `rule` that reads a column, as written, with where it is zero in
    `table` (a division by zero has no value, so the rule does not match there).

    Examples
    --------
    >>> accounts = ibis.memtable({"revenue": [10.0, 5.0], "employees": [0, 5]})
    >>> found = zero_divisors(parse_rule("revenue / employees > 1"), accounts)
    >>> {text: zero.to_pyarrow().to_pylist() for text, zero in found.items()}
    {'employees': [True, False]}
    """
    compiler, found, stack = _Compiler(rule, table), {}, [rule.expr]
    while stack:
        node = stack.pop()
        if isinstance(node, Arithmetic) and node.op == "/" and Rule(node.right).fields:
            found.setdefault(unparse(node.right), compiler.compile(node.right) == 0)
        stack.extend(_children(node))
    return found


def _example_condition(node: Expr, kind: str) -> str:
    text = unparse(node)
    if precedence(node) < SUM_LEVEL:
        text = f"({text})"
    return {"number": f"{text} > 0", "text": f'{text} == "..."', "list": f'"..." in {text}',
            "null": "employees >= 1000"}.get(kind, f"{text} is not null")


class _Compiler:
    def __init__(self, rule: Rule, table: ir.Table):
        self.rule, self.table = rule, table

    def error(self, problem: str, fix: str = "") -> RuleError:
        return RuleError(f"Rule {short_text(self.rule.text)}: {problem}" + (f" {fix}" if fix else ""))

    def typed(self, node: Expr) -> tuple[ir.Value, str]:
        value = self.compile(node)
        return value, _kind(value.type())

    def compile(self, node: Expr) -> ir.Value:
        match node:
            case Field(name):
                if name not in self.table.columns:
                    raise self.error(f"{name!r} is not a column.",
                                     closest_hint(name, self.table.columns))
                return self.table[name]
            case Number(value) if isinstance(value, int):
                # Typed as BIGINT, or DuckDB takes small literals as INT32 and 100000 * 100000
                # overflows.
                return ibis.literal(value).cast("int64")
            case Number(value):
                # Cast from text so engines read a DOUBLE: a bare 0.1 is DECIMAL in DuckDB and
                # Spark, which would make 3 * 0.1 == 0.3 true there but not in Python.
                return ibis.literal(repr(value)).cast("float64")
            case String(value):
                return ibis.literal(value, type="string")
            case Boolean(value):
                return ibis.literal(value, type="boolean")
            case Null():
                return ibis.null()
            case Negate(operand):
                return -self.numeric(operand, "-")
            case Arithmetic(op, left, right):
                left_value, right_value = self.numeric(left, op), self.numeric(right, op)
                if op == "/":  # DuckDB gives inf, Spark null or an error: make it null everywhere
                    return left_value / right_value.nullif(0)
                return OPERATORS[op](left_value, right_value)
            case Compare(op, left, right):
                return self.compare(op, left, right)
            case InList(value, options, negated):
                return self.in_list(value, options, negated)
            case Contains(item, array, negated):
                return self.contains(item, array, negated)
            case IsNull(value, negated):
                compiled = self.compile(value)
                return compiled.notnull() if negated else compiled.isnull()
            case Not(operand):
                return ~self.condition(operand, "not")
            case And(operands):
                return reduce(operator.and_, (self.condition(o, "and") for o in operands))
            case Or(operands):
                return reduce(operator.or_, (self.condition(o, "or") for o in operands))
        raise TypeError(f"not a rule node: {node!r}")

    def numeric(self, node: Expr, op: str) -> ir.NumericValue:
        value, kind = self.typed(node)
        if kind != "number":
            fix = "Arithmetic works on number columns only"
            if kind == "text":
                fix += '; compare text with == or in ["a", "b"]'
            raise self.error(f"'{op}' needs numbers, not {_what(node, kind)}.", fix + ".")
        return value

    def condition(self, node: Expr, word: str) -> ir.BooleanValue:
        value, kind = self.typed(node)
        if kind != "boolean":
            raise self.error(
                f"'{word}' joins conditions, not {_what(node, kind)}.",
                f"Compare it, for example '{_example_condition(node, kind)}'.",
            )
        return value

    def compare(self, op: str, left: Expr, right: Expr) -> ir.BooleanValue:
        (left_value, left_kind), (right_value, right_kind) = self.typed(left), self.typed(right)
        if "null" in (left_kind, right_kind):
            other = unparse(right if left_kind == "null" else left)
            raise self.error(f"'{op}' with null is never true.",
                             f"Write '{other} is null' or '{other} is not null'.")
        if left_kind != right_kind:
            raise self.error(
                f"cannot compare {_what(left, left_kind)} with {_what(right, right_kind)}.",
                _mismatch_fix(left_kind, right_kind),
            )
        allowed = _ORDERED if op not in ("==", "!=") else _COMPARABLE
        if left_kind not in allowed:
            fix = ("Use '==' or '!='." if left_kind in _COMPARABLE
                   else 'Test membership with "x" in column, or use "is null".')
            raise self.error(f"'{op}' cannot compare {_what(left, left_kind)}.", fix)
        return OPERATORS[op](left_value, right_value)

    def in_list(self, value: Expr, options: tuple[Literal, ...], negated: bool):
        compiled, kind = self.typed(value)
        shown = f"[{', '.join(unparse(o) for o in options)}]"
        if any(isinstance(o, Null) for o in options):
            bare = unparse(value)
            raise self.error(f"the list {shown} holds null, which 'in' never matches.",
                             f"Write '{bare} is null or {bare} in [...]' instead.")
        option_kinds = sorted({_kind(self.compile(o).type()) for o in options})
        if len(option_kinds) > 1:
            words = " and ".join(_plural(k) for k in option_kinds)
            raise self.error(f"the list {shown} mixes {words}.",
                             "Make every value the same type: all text in quotes, or all numbers.")
        if option_kinds != [kind]:
            raise self.error(
                f"cannot look for {_what(value, kind)} in a list of {_plural(option_kinds[0])}.",
                _mismatch_fix(kind, option_kinds[0]))
        if kind not in _COMPARABLE:
            raise self.error(f"'in [...]' cannot test {_what(value, kind)}.")
        values = [self.compile(o) for o in options]
        return compiled.notin(values) if negated else compiled.isin(values)

    def contains(self, item: Expr, array: Field, negated: bool):
        array_value, array_kind = self.typed(array)
        item_value, item_kind = self.typed(item)
        if array_kind != "list":
            raise self.error(
                f"'{unparse(item)} in {array.name}' needs {array.name} to be a list column, but "
                f"it is {_COLUMN_WORDS.get(array_kind, f'a {array_kind} column')}.",
                f"To compare values write '{array.name} == {unparse(item)}'; to test a list of "
                f"options write '{array.name} in [{unparse(item)}, ...]'.",
            )
        element_kind = _kind(array_value.type().value_type)
        if item_kind != element_kind:
            raise self.error(
                f"cannot look for {_what(item, item_kind)} in {array.name}, a list of "
                f"{_plural(element_kind)}.",
                _mismatch_fix(item_kind, element_kind),
            )
        found = array_value.contains(item_value)
        return ~found if negated else found


def _what(node: Expr, kind: str) -> str:
    """`employees (a number column)`, `"1000" (text)`, `'a + b' (a number)`."""
    if isinstance(node, Field):
        return f"{node.name} ({_COLUMN_WORDS.get(kind, f'a {kind} column')})"
    text = unparse(node)
    shown = text if isinstance(node, (Number, String, Boolean, Null)) else repr(text)
    return shown if kind == "null" else f"{shown} ({_KIND_WORDS.get(kind, kind)})"


def _plural(kind: str) -> str:
    return {"number": "numbers", "boolean": "true/false values"}.get(kind, kind)


def _mismatch_fix(kind: str, other: str) -> str:
    if {kind, other} == {"number", "text"}:
        return 'Write numbers without quotes (employees >= 1000) and text in quotes (region == "EMEA").'
    if "boolean" in (kind, other):
        return "Write true and false without quotes, and compare them only with conditions."
    return "Compare values of the same type."

"""The segment rule language: text → typed AST → Ibis boolean expression."""

from __future__ import annotations

import math
import operator
import re
from dataclasses import dataclass
from functools import reduce
from typing import Any, Union

import ibis
import ibis.expr.types as ir
from lark import Lark, Transformer, Tree, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken, VisitError

from segmint.exceptions import RuleError, RuleSyntaxError, closest_hint

__all__ = [
    "And", "Arithmetic", "Boolean", "Compare", "Contains", "Expr", "Field", "InList", "IsNull",
    "Negate", "Not", "Null", "Number", "Or", "Rule", "String",
    "compile_rule", "evaluate_python", "parse_rule", "unparse",
]

# Rules are one-liners in segmint.yaml; the caps keep a pasted blob or `not not not ...` from
# exhausting the stack in the recursive walks below (each level costs a few Python frames).
MAX_RULE_LENGTH = 10_000
MAX_DEPTH = 100

KEYWORDS = frozenset({"and", "or", "not", "in", "is", "null", "true", "false"})
COMPARISONS = ("==", "!=", "<", "<=", ">", ">=")
ARITHMETIC = ("+", "-", "*", "/")
_INT64_MAX = 2**63 - 1


# ---------------------------------------------------------------------------------------------
# AST


@dataclass(frozen=True)
class Field:
    """A column of the accounts table, by name."""

    name: str


@dataclass(frozen=True)
class Number:
    """An int or finite float; a minus sign written before a number is part of it."""

    value: int | float


@dataclass(frozen=True)
class String:
    """Text in quotes, with its backslash escapes resolved."""

    value: str


@dataclass(frozen=True)
class Boolean:
    value: bool


@dataclass(frozen=True)
class Null:
    pass


@dataclass(frozen=True)
class Negate:
    """``-operand`` for anything but a number literal."""

    operand: Expr


@dataclass(frozen=True)
class Arithmetic:
    op: str  # one of ARITHMETIC
    left: Expr
    right: Expr


@dataclass(frozen=True)
class Compare:
    op: str  # one of COMPARISONS
    left: Expr
    right: Expr


@dataclass(frozen=True)
class InList:
    """``value in [options]``, or ``value not in [...]`` when negated."""

    value: Expr
    options: tuple[Literal, ...]
    negated: bool = False


@dataclass(frozen=True)
class Contains:
    """``item in array_column``: the account's list column holds `item`."""

    item: Expr
    array: Field
    negated: bool = False


@dataclass(frozen=True)
class IsNull:
    value: Expr
    negated: bool = False


@dataclass(frozen=True)
class Not:
    operand: Expr


@dataclass(frozen=True)
class And:
    """Two or more conditions that must all hold (``a and b and c`` is one node)."""

    operands: tuple[Expr, ...]

    def __post_init__(self) -> None:
        if len(self.operands) < 2:
            raise ValueError("And needs at least two operands")


@dataclass(frozen=True)
class Or:
    """Two or more conditions of which one must hold."""

    operands: tuple[Expr, ...]

    def __post_init__(self) -> None:
        if len(self.operands) < 2:
            raise ValueError("Or needs at least two operands")


Literal = Union[Number, String, Boolean, Null]
Expr = Union[
    Field, Number, String, Boolean, Null, Negate, Arithmetic, Compare, InList, Contains, IsNull,
    Not, And, Or,
]


@dataclass(frozen=True)
class Rule:
    """A parsed segment rule: the root of the AST.

    Examples
    --------
    >>> rule = parse_rule("Employees >= 1e3  AND region IN ['EMEA']")
    >>> rule.text
    'Employees >= 1000.0 and region in ["EMEA"]'
    >>> sorted(rule.fields)
    ['Employees', 'region']
    """

    expr: Expr

    @property
    def text(self) -> str:
        """The rule in canonical form; parsing it gives this rule back."""
        return unparse(self.expr)

    @property
    def fields(self) -> frozenset[str]:
        """Every column name the rule reads."""
        names, stack = set(), [self.expr]
        while stack:
            node = stack.pop()
            if isinstance(node, Field):
                names.add(node.name)
            stack.extend(_children(node))
        return frozenset(names)

    def __str__(self) -> str:
        return self.text


def _children(node: Expr) -> tuple[Expr, ...]:
    match node:
        case Negate(x) | Not(x) | IsNull(x, _):
            return (x,)
        case Arithmetic(_, left, right) | Compare(_, left, right):
            return (left, right)
        case InList(value, options, _):
            return (value, *options)
        case Contains(item, array, _):
            return (item, array)
        case And(operands) | Or(operands):
            return operands
    return ()


# ---------------------------------------------------------------------------------------------
# Parsing

# Keywords are case-insensitive regexes ranked above NAME, so `AND` is a keyword but `android`
# and `is_customer` are names. Each precedence level is one rule; `?` inlines single children,
# so parentheses leave no trace in the tree. `sum COMP_OP sum` makes `a < b < c` a syntax error.
_GRAMMAR = r"""
?start: or_test
?or_test: and_test (_OR and_test)*
?and_test: not_test (_AND not_test)*
?not_test: _NOT not_test -> not_
         | predicate
?predicate: sum
          | sum COMP_OP sum -> compare
          | sum _IN list -> in_list
          | sum _NOT _IN list -> not_in_list
          | sum _IN NAME -> contains
          | sum _NOT _IN NAME -> not_contains
          | sum _IS _NULL -> is_null
          | sum _IS _NOT _NULL -> is_not_null
?sum: product
    | sum PLUS product -> arithmetic
    | sum MINUS product -> arithmetic
?product: unary
        | product MUL_OP unary -> arithmetic
?unary: MINUS unary -> negate
      | atom
?atom: value
     | NAME -> field
     | "(" or_test ")"
list: "[" item ("," item)* "]"
?item: value
     | MINUS NUMBER -> negative_number
?value: NUMBER -> number
      | STRING -> string
      | _TRUE -> true
      | _FALSE -> false
      | _NULL -> null

_OR.2: /or\b/i
_AND.2: /and\b/i
_NOT.2: /not\b/i
_IN.2: /in\b/i
_IS.2: /is\b/i
_NULL.2: /null\b/i
_TRUE.2: /true\b/i
_FALSE.2: /false\b/i
NAME: /[A-Za-z_][A-Za-z0-9_]*/
NUMBER: /[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?/
STRING: /"(?:[^"\\]|\\["'\\])*"|'(?:[^'\\]|\\["'\\])*'/
COMP_OP: /==|!=|<=|>=|<|>/
PLUS: "+"
MINUS: "-"
MUL_OP: /[*\/]/
%ignore /\s+/
"""
_PARSER = Lark(_GRAMMAR, parser="lalr", lexer="basic")


class _BadLiteral(Exception):
    def __init__(self, pos: int, problem: str, hint: str = ""):
        super().__init__(pos, problem, hint)
        self.pos, self.problem, self.hint = pos, problem, hint


@v_args(inline=True)
class _ToAst(Transformer):
    def or_test(self, *operands):
        return Or(operands)

    def and_test(self, *operands):
        return And(operands)

    def not_(self, operand):
        return Not(operand)

    def compare(self, left, op, right):
        return Compare(str(op), left, right)

    def in_list(self, value, options):
        return InList(value, options)

    def not_in_list(self, value, options):
        return InList(value, options, negated=True)

    def contains(self, item, name):
        return Contains(item, Field(str(name)))

    def not_contains(self, item, name):
        return Contains(item, Field(str(name)), negated=True)

    def is_null(self, value):
        return IsNull(value)

    def is_not_null(self, value):
        return IsNull(value, negated=True)

    def arithmetic(self, left, op, right):
        return Arithmetic(str(op), left, right)

    def negate(self, _minus, operand):
        # Folding `-5` into Number(-5) makes a negative number mean the same inside and outside
        # `in [...]` lists, and gives unparse one spelling for it.
        if isinstance(operand, Number):
            return Number(-operand.value)
        return Negate(operand)

    def list(self, *options):
        return options

    def negative_number(self, _minus, token):
        return Number(-self.number(token).value)

    def number(self, token):
        if any(c in token for c in ".eE"):
            value = float(token)
            if not math.isfinite(value):
                raise _BadLiteral(token.start_pos, f"the number {token} is too large")
            return Number(value)
        # Past 4300 digits int() itself refuses; past int64 no engine column can hold it.
        if len(token.lstrip("0")) > 19 or int(token) > _INT64_MAX:
            raise _BadLiteral(token.start_pos, f"the whole number {token[:30]} is too large",
                              "Write it as a decimal such as 1e20.")
        return Number(int(token))

    def string(self, token):
        return String(re.sub(r"\\(.)", r"\1", token[1:-1], flags=re.DOTALL))  # \\ \" \' only

    def true(self):
        return Boolean(True)

    def false(self):
        return Boolean(False)

    def null(self):
        return Null()

    def field(self, name):
        return Field(str(name))


def parse_rule(text: str) -> Rule:
    """Parse a segment rule written in segmint.yaml.

    Parameters
    ----------
    text : str
        A condition such as ``employees >= 1000 and region == "EMEA"``. Keywords (``and or not
        in is null true false``) are case-insensitive; column names are not.

    Returns
    -------
    Rule
        The typed AST; columns are checked later, by `compile_rule`.

    Raises
    ------
    RuleSyntaxError
        For any text that is not a rule, with the column and what was expected there.

    Examples
    --------
    >>> rule = parse_rule('sector in ["Finance", "Health"] or not (country == "US")')
    >>> rule.expr.operands[1]
    Not(operand=Compare(op='==', left=Field(name='country'), right=String(value='US')))
    >>> parse_rule("employees >= ")
    Traceback (most recent call last):
    ...
    segmint.exceptions.RuleSyntaxError: Rule 'employees >= ' is not valid: expected a value after '>=' at column 14.
        employees >=
                     ^
    """
    if not text.strip():
        raise RuleSyntaxError("Rule is empty: write a condition such as 'employees >= 1000'.")
    if len(text) > MAX_RULE_LENGTH:
        raise RuleSyntaxError(
            f"Rule {_short(text)} is {len(text):,} characters long; the limit is "
            f"{MAX_RULE_LENGTH:,}. Use 'in [...]' lists, or split it into several segments."
        )
    try:
        tree = _PARSER.parse(text)
    except UnexpectedInput as err:
        raise _explain(text, err) from None
    depth = _depth(tree)
    if depth > MAX_DEPTH:
        raise RuleSyntaxError(
            f"Rule {_short(text)} nests {depth} levels deep; the limit is {MAX_DEPTH}. "
            "Use 'in [...]' lists, or split it into several segments."
        )
    try:
        return Rule(_ToAst().transform(tree))
    except VisitError as err:
        if isinstance(err.orig_exc, _BadLiteral):
            bad = err.orig_exc
            raise _located(text, bad.pos, bad.problem, bad.hint) from None
        raise


def _depth(tree: Tree) -> int:
    # iter_subtrees is iterative and yields children before parents.
    depth: dict[int, int] = {}
    for sub in tree.iter_subtrees():
        depth[id(sub)] = 1 + max((depth[id(c)] for c in sub.children if isinstance(c, Tree)),
                                 default=0)
    return depth[id(tree)]


_VALUES = {"NUMBER", "STRING", "NAME", "_TRUE", "_FALSE", "_NULL", "LPAR"}
_OPERATORS = {"_AND": "and", "_OR": "or", "COMP_OP": "==", "_IN": "in", "_IS": "is", "PLUS": "+",
              "MINUS": "-", "MUL_OP": "*"}
_CHARACTER_HINTS = {
    "=": "Use '==' to compare.",
    "&": "Use 'and'.",
    "|": "Use 'or'.",
    "!": "Use 'not', or '!=' for 'is not equal to'.",
    '"': "The quoted text is not closed, or has a backslash escape other than \\\\, \\\" or \\'.",
    "'": "The quoted text is not closed, or has a backslash escape other than \\\\, \\\" or \\'.",
}


def _explain(text: str, err: UnexpectedInput) -> RuleSyntaxError:
    """Turn lark's error into one saying, in words, what the rule needs at that column."""
    if isinstance(err, UnexpectedCharacters):
        char = text[err.pos_in_stream]
        hint = _CHARACTER_HINTS.get(char, "")
        return _located(text, err.pos_in_stream, f"unexpected character {char!r}", hint)
    if not isinstance(err, UnexpectedToken):  # LALR raises only the two above; be safe
        return _located(text, err.pos_in_stream or 0, "this is not a rule")
    at_end = err.token.type == "$END"
    pos = len(text.rstrip("\n")) if at_end else err.token.start_pos
    previous = _previous_token(text, pos)
    # LALR's own expected set over-approximates (it offers ')' with no '(' open); asking the
    # parser which tokens it would really take gives the true list.
    try:
        expected = set(err.interactive_parser.accepts())
    except Exception:  # noqa: BLE001 - a worse message beats a crash
        expected = set(err.expected)
    problem = f"expected {_expected_words(expected)}"
    if previous is not None:
        problem += f" after {previous!r}"
    found = "" if at_end else f", found {str(err.token)!r}"
    hint = ""
    if err.token.type == "COMP_OP":
        hint = "Comparisons do not chain: write 'a < b and b < c'."
    elif err.token.type == "LPAR" and "_AND" in expected:
        hint = "Rules have no function calls."
    elif err.token.type in _VALUES and "_AND" in expected:
        hint = "Join conditions with 'and' or 'or'."
    return _located(text, pos, problem, hint, found=found)


def _expected_words(expected: set[str]) -> str:
    if expected and expected <= {"_NULL", "_NOT"}:
        return "'null' or 'not null'" if "_NOT" in expected else "'null'"
    if expected == {"_IN"}:
        return "'in'"
    if expected == {"NUMBER"}:
        return "a number"
    words = []
    if "LSQB" in expected:
        words.append('a list such as ["a", "b"]' + (" or a list column" if "NAME" in expected else ""))
    elif expected & _VALUES:
        words.append("a value")
    if expected & {"COMMA", "RSQB"}:
        words.append("',' or ']'")
    if expected & _VALUES:
        expected = expected - {"MINUS"}  # where a value may start, '-' is its sign
    operators = [word for name, word in _OPERATORS.items() if name in expected]
    if operators:
        words.append(f"an operator such as {', '.join(repr(w) for w in operators[:4])}")
    if "RPAR" in expected:
        words.append("')'")
    if "$END" in expected:
        words.append("the end of the rule")
    if not words:
        return "something else"
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"


def _previous_token(text: str, pos: int) -> str | None:
    try:  # the tokens before `pos` lexed once already, so this cannot fail; stay safe anyway
        tokens = list(_PARSER.lex(text[:pos]))
    except UnexpectedInput:
        return None
    return str(tokens[-1]) if tokens else None


def _located(text: str, pos: int, problem: str, hint: str = "", *, found: str = "") -> RuleSyntaxError:
    line_no = text.count("\n", 0, pos) + 1
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    line = text[start:] if end == -1 else text[start:end]
    column = pos - start + 1
    where = f"column {column}" if "\n" not in text.strip() else f"line {line_no}, column {column}"
    # Show at most ~100 characters around the caret so a long rule still points somewhere.
    window = max(0, column - 60)
    shown = "".join(" " if c.isspace() else c for c in line[window:window + 100]).rstrip()
    caret = " " * (column - 1 - window) + "^"
    message = f"Rule {_short(text)} is not valid: {problem} at {where}{found}."
    if hint:
        message += f" {hint}"
    return RuleSyntaxError(f"{message}\n    {shown}\n    {caret}")


def _short(text: str) -> str:
    return repr(text if len(text) <= 120 else text[:117] + "...")


# ---------------------------------------------------------------------------------------------
# Canonical text

# Binding strength of each form, loosest first: or, and, not, predicate, sum, product, unary,
# atom. A child printed below the strength its slot needs gets parentheses.
_OR_LEVEL, _AND_LEVEL, _NOT_LEVEL, _PREDICATE, _SUM, _PRODUCT, _UNARY, _ATOM = range(1, 9)


def _level(node: Expr) -> int:
    match node:
        case Or():
            return _OR_LEVEL
        case And():
            return _AND_LEVEL
        case Not():
            return _NOT_LEVEL
        case Compare() | InList() | Contains() | IsNull():
            return _PREDICATE
        case Arithmetic(op=("+" | "-")):
            return _SUM
        case Arithmetic():
            return _PRODUCT
        case Negate():
            return _UNARY
        case Number(value) if repr(value).startswith("-"):  # also -0.0
            return _UNARY
    return _ATOM


def unparse(node: Rule | Expr) -> str:
    """Write a rule or AST node back as canonical rule text.

    Keywords come out lower-case, strings double-quoted, and parentheses only where needed, so
    ``parse_rule(unparse(rule)) == rule`` for any rule `parse_rule` returns.

    Examples
    --------
    >>> unparse(parse_rule("NOT ((a)) OR b AND state IS NULL or x in ['it\\\\'s']"))
    'not a or b and state is null or x in ["it\\'s"]'
    >>> unparse(And((Or((Field("a"), Field("b"))), Field("c"))))
    '(a or b) and c'
    """
    if isinstance(node, Rule):
        node = node.expr

    def wrap(child: Expr, needs: int) -> str:
        text = unparse(child)
        return f"({text})" if _level(child) < needs else text

    match node:
        case Field(name):
            return name
        case Number(value):
            return repr(value)
        case String(value):
            return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
        case Boolean(value):
            return "true" if value else "false"
        case Null():
            return "null"
        case Negate(operand):
            return "-" + wrap(operand, _UNARY)
        case Arithmetic(op, left, right):
            level = _SUM if op in "+-" else _PRODUCT
            return f"{wrap(left, level)} {op} {wrap(right, level + 1)}"  # left-associative
        case Compare(op, left, right):
            return f"{wrap(left, _SUM)} {op} {wrap(right, _SUM)}"
        case InList(value, options, negated):
            listed = ", ".join(unparse(o) for o in options)
            return f"{wrap(value, _SUM)} {'not in' if negated else 'in'} [{listed}]"
        case Contains(item, array, negated):
            return f"{wrap(item, _SUM)} {'not in' if negated else 'in'} {array.name}"
        case IsNull(value, negated):
            return f"{wrap(value, _SUM)} is {'not null' if negated else 'null'}"
        case Not(operand):
            return "not " + wrap(operand, _NOT_LEVEL)
        case And(operands):
            return " and ".join(wrap(o, _NOT_LEVEL) for o in operands)
        case Or(operands):
            return " or ".join(wrap(o, _AND_LEVEL) for o in operands)
    raise TypeError(f"not a rule node: {node!r}")


# ---------------------------------------------------------------------------------------------
# Compiling to Ibis

_KIND_WORDS = {"number": "a number", "text": "text", "boolean": "true/false", "list": "a list",
               "null": "null", "date": "a date", "timestamp": "a timestamp", "time": "a time"}
_COLUMN_WORDS = {"number": "a number column", "text": "a text column",
                 "boolean": "a true/false column", "list": "a list column"}
_ORDERED = {"number", "text", "date", "timestamp", "time"}
_COMPARABLE = _ORDERED | {"boolean"}
_PY_OPS = {"==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le,
           ">": operator.gt, ">=": operator.ge, "+": operator.add, "-": operator.sub,
           "*": operator.mul, "/": operator.truediv}


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


def _example_condition(node: Expr, kind: str) -> str:
    text = unparse(node)
    if _level(node) < _SUM:
        text = f"({text})"
    return {"number": f"{text} > 0", "text": f'{text} == "..."', "list": f'"..." in {text}',
            "null": "employees >= 1000"}.get(kind, f"{text} is not null")


class _Compiler:
    def __init__(self, rule: Rule, table: ir.Table):
        self.rule, self.table = rule, table

    def error(self, problem: str, fix: str = "") -> RuleError:
        return RuleError(f"Rule {_short(self.rule.text)}: {problem}" + (f" {fix}" if fix else ""))

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
                return _PY_OPS[op](left_value, right_value)
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
        return _PY_OPS[op](left_value, right_value)

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


# ---------------------------------------------------------------------------------------------
# Reference evaluator


def evaluate_python(rule: Rule, row: dict[str, Any]) -> bool | None:
    """Evaluate a rule on one account in plain Python, with the same nulls as `compile_rule`.

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
    >>> evaluate_python(rule, {"employees": 5000, "products": ["Analytics", "CRM"]})
    True
    >>> evaluate_python(rule, {"employees": None, "products": ["Analytics"]}) is None
    True
    >>> evaluate_python(rule, {"employees": None, "products": ["CRM"]})
    False
    """
    try:
        result = _evaluate(rule.expr, row)
    except TypeError as err:
        raise RuleError(f"Rule {_short(rule.text)} mixes types on this row: {err}.") from None
    if result is not None and not isinstance(result, bool):
        raise RuleError(f"Rule {_short(rule.text)} gives {result!r}, not true or false.")
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
            return _PY_OPS[op](a, b)
        case Compare(op, left, right):
            a, b = _evaluate(left, row), _evaluate(right, row)
            return None if a is None or b is None else _PY_OPS[op](a, b)
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

"""The segment rule language: its grammar, the typed AST, parsing with located errors, and canonical text."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator

import math
import operator
import re
from dataclasses import dataclass
from typing import Union

from lark import Lark, Transformer, Tree, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken, VisitError

from segmint.exceptions import RuleSyntaxError

# Rules are one-liners in segmint.yaml; the caps keep a pasted blob or `not not not ...` from
# exhausting the stack in the recursive walks below (each level costs a few Python frames).
MAX_RULE_LENGTH = 10_000
MAX_DEPTH = 100

KEYWORDS = frozenset({"and", "or", "not", "in", "is", "null", "true", "false"})
COMPARISONS = ("==", "!=", "<", "<=", ">", ">=")
ARITHMETIC = ("+", "-", "*", "/")
_INT64_MAX = 2**63 - 1
# Each operator as Python applies it: the reference evaluator, and literals folded in compiling.
OPERATORS = {"==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le,
           ">": operator.gt, ">=": operator.ge, "+": operator.add, "-": operator.sub,
           "*": operator.mul, "/": operator.truediv}


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
            f"Rule {short_text(text)} is {len(text):,} characters long; the limit is "
            f"{MAX_RULE_LENGTH:,}. Use 'in [...]' lists, or split it into several segments."
        )
    try:
        tree = _PARSER.parse(text)
    except UnexpectedInput as err:
        raise _explain(text, err) from None
    depth = _depth(tree)
    if depth > MAX_DEPTH:
        raise RuleSyntaxError(
            f"Rule {short_text(text)} nests {depth} levels deep; the limit is {MAX_DEPTH}. "
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
    message = f"Rule {short_text(text)} is not valid: {problem} at {where}{found}."
    if hint:
        message += f" {hint}"
    return RuleSyntaxError(f"{message}\n    {shown}\n    {caret}").located(position=pos)


def short_text(text: str) -> str:
    return repr(text if len(text) <= 120 else text[:117] + "...")


# ---------------------------------------------------------------------------------------------
# Canonical text

# Binding strength of each form, loosest first: or, and, not, predicate, sum, product, unary,
# atom. A child printed below the strength its slot needs gets parentheses.
_OR_LEVEL, _AND_LEVEL, _NOT_LEVEL, _PREDICATE, SUM_LEVEL, _PRODUCT, _UNARY, _ATOM = range(1, 9)


def precedence(node: Expr) -> int:
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
            return SUM_LEVEL
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
        return f"({text})" if precedence(child) < needs else text

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
            level = SUM_LEVEL if op in "+-" else _PRODUCT
            return f"{wrap(left, level)} {op} {wrap(right, level + 1)}"  # left-associative
        case Compare(op, left, right):
            return f"{wrap(left, SUM_LEVEL)} {op} {wrap(right, SUM_LEVEL)}"
        case InList(value, options, negated):
            listed = ", ".join(unparse(o) for o in options)
            return f"{wrap(value, SUM_LEVEL)} {'not in' if negated else 'in'} [{listed}]"
        case Contains(item, array, negated):
            return f"{wrap(item, SUM_LEVEL)} {'not in' if negated else 'in'} {array.name}"
        case IsNull(value, negated):
            return f"{wrap(value, SUM_LEVEL)} is {'not null' if negated else 'null'}"
        case Not(operand):
            return "not " + wrap(operand, _NOT_LEVEL)
        case And(operands):
            return " and ".join(wrap(o, _NOT_LEVEL) for o in operands)
        case Or(operands):
            return " or ".join(wrap(o, _AND_LEVEL) for o in operands)
    raise TypeError(f"not a rule node: {node!r}")


def checked_rule(text: str) -> str:
    """`text` unchanged once it parses as a rule (a RuleSyntaxError points at the problem): the
    check of every rule a settings model holds, as `RuleText`.

    >>> checked_rule("employees >= 200")
    'employees >= 200'
    """
    parse_rule(text)
    return text


# a rule in a settings model (a priorities action, a coverage play, a declared fit line)
RuleText = Annotated[str, AfterValidator(checked_rule)]

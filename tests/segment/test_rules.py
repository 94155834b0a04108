"""Segment rule language: parsing, canonical text, errors, and Ibis compilation on DuckDB."""

from __future__ import annotations

import ibis
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segmint.exceptions import RuleError, RuleSyntaxError
from segmint.segment.rules import (
    ARITHMETIC,
    COMPARISONS,
    KEYWORDS,
    MAX_RULE_LENGTH,
    And,
    Arithmetic,
    Boolean,
    Compare,
    Contains,
    Field,
    InList,
    IsNull,
    Negate,
    Not,
    Null,
    Number,
    Or,
    Rule,
    String,
    compile_rule,
    compile_rule_py,
    parse_rule,
    unparse,
)

a, b, c, x = Field("a"), Field("b"), Field("c"), Field("x")


# --- parsing ------------------------------------------------------------------------------

PARSES = [
    # precedence: not > and > or; and/or chains are one node, parentheses group
    ("a or b and c", Or((a, And((b, c))))),
    ("(a or b) and c", And((Or((a, b)), c))),
    ("a and b and c", And((a, b, c))),
    ("(a and b) and c", And((And((a, b)), c))),
    ("not a and b", And((Not(a), b))),
    ("not (a and b)", Not(And((a, b)))),
    ("not not a", Not(Not(a))),
    ("not a == 1", Not(Compare("==", a, Number(1)))),
    ("NOT a OR b", Or((Not(a), b))),
    # arithmetic: * / before + -, left-associative, unary minus binds tightest
    ("1 + 2 * 3 > x", Compare(">", Arithmetic("+", Number(1), Arithmetic("*", Number(2), Number(3))), x)),
    ("10 - 4 - 3 == x", Compare("==", Arithmetic("-", Arithmetic("-", Number(10), Number(4)), Number(3)), x)),
    ("(1 + 2) * 3 == x", Compare("==", Arithmetic("*", Arithmetic("+", Number(1), Number(2)), Number(3)), x)),
    ("-x * 2 < 0", Compare("<", Arithmetic("*", Negate(x), Number(2)), Number(0))),
    ("x - -3 > 0", Compare(">", Arithmetic("-", x, Number(-3)), Number(0))),
    ("annual_revenue / employees > 250000",
     Compare(">", Arithmetic("/", Field("annual_revenue"), Field("employees")), Number(250000))),
    # numbers: a minus sign before a number is part of it
    ("x > -5", Compare(">", x, Number(-5))),
    ("x > -(5)", Compare(">", x, Number(-5))),
    ("x >= 1e6", Compare(">=", x, Number(1_000_000.0))),
    ("x < 1.5E-3", Compare("<", x, Number(0.0015))),
    ("x != 0.25", Compare("!=", x, Number(0.25))),
    ("x == 0000000000000000000000007", Compare("==", x, Number(7))),
    # lists, membership, nulls
    ('sector in ["Finance", "Health"]',
     InList(Field("sector"), (String("Finance"), String("Health")))),
    ("x not in [1, -2.5, true]", InList(x, (Number(1), Number(-2.5), Boolean(True)), negated=True)),
    ('"Analytics" in products', Contains(String("Analytics"), Field("products"))),
    ("'CRM' NOT IN products", Contains(String("CRM"), Field("products"), negated=True)),
    ("state is null", IsNull(Field("state"))),
    ("owner_id IS NOT NULL", IsNull(Field("owner_id"), negated=True)),
    ("x + 1 is null", IsNull(Arithmetic("+", x, Number(1)))),
    # literals
    ("is_customer == TRUE", Compare("==", Field("is_customer"), Boolean(True))),
    ("false", Boolean(False)),
    ("null is null", IsNull(Null())),
    (r'name == "say \"hi\" \\ bye"', Compare("==", Field("name"), String('say "hi" \\ bye'))),
    (r"name == 'it\'s'", Compare("==", Field("name"), String("it's"))),
    ("name == 'say \"hi\"'", Compare("==", Field("name"), String('say "hi"'))),
    # keywords only as whole words
    ("android and order and is_customer and nullable",
     And((Field("android"), Field("order"), Field("is_customer"), Field("nullable")))),
    ("((((x))))", x),
]


@pytest.mark.parametrize(("text", "expected"), PARSES)
def test_parse(text, expected):
    assert parse_rule(text) == Rule(expected)


def test_number_types_follow_the_spelling():
    assert type(parse_rule("x > 1e6").expr.right.value) is float
    assert type(parse_rule("x > -5").expr.right.value) is int


CANONICAL = [
    ("Employees  >=  1000 AND region == 'EMEA'", 'Employees >= 1000 and region == "EMEA"'),
    ("(((a)))  Or (b AND c)", "a or b and c"),
    ("(a or b) and c", "(a or b) and c"),
    ("not (a == 1)", "not a == 1"),
    ("(a + b) * -(c)", "(a + b) * -c"),
    ("a - (b - c) > 1", "a - (b - c) > 1"),
    ("x in [ -1,2 , 3.50 ]", "x in [-1, 2, 3.5]"),
    ("x >= 1e6", "x >= 1000000.0"),
    ("(x < 1) == (y < 2)", "(x < 1) == (y < 2)"),
    ("x IS NOT NULL", "x is not null"),
    (r"x == 'a\\b\'c'", r'x == "a\\b' + "'" + 'c"'),
]


@pytest.mark.parametrize(("text", "canonical"), CANONICAL)
def test_canonical_text(text, canonical):
    rule = parse_rule(text)
    assert rule.text == canonical
    assert parse_rule(rule.text) == rule


def test_fields_lists_every_column_read():
    rule = parse_rule('a + b > c and (d is null or "CRM" in products) and e in [1, 2]')
    assert rule.fields == frozenset({"a", "b", "c", "d", "products", "e"})


# --- syntax errors ------------------------------------------------------------------------

SYNTAX_ERRORS = [
    ("employees >= ", ["expected a value after '>=' at column 14", "\n    employees >=\n" + " " * 17 + "^"]),
    ("a < b < c", ["at column 7", "found '<'", "Comparisons do not chain"]),
    ("a == b == c", ["at column 8", "Comparisons do not chain"]),
    ("region = 'EMEA'", ["unexpected character '=' at column 8", "Use '=='"]),
    ("a && b", ["unexpected character '&' at column 3", "Use 'and'"]),
    ("x in [1, 2", ["expected ',' or ']' after '2' at column 11"]),
    ("x in [1,]", ["expected a value after ',' at column 9", "found ']'"]),
    ("x in []", ["expected a value after '[' at column 7"]),
    ("x in", ["expected a list such as", "or a list column after 'in' at column 5"]),
    ("x is", ["expected 'null' or 'not null' after 'is'"]),
    ("x is not 5", ["expected 'null' after 'not' at column 10, found '5'"]),
    ("(a and b", ["expected ')' after 'b' at column 9"]),
    ("a b", ["at column 3", "found 'b'", "Join conditions with 'and' or 'or'"]),
    ("region == 'EMEA", ["unexpected character \"'\" at column 11", "not closed"]),
    (r"region == 'a\n'", ["column 11", "backslash escape"]),
    ("x > 99999999999999999999", ["whole number 99999999999999999999 is too large at column 5"]),
    ("x > 1e999", ["number 1e999 is too large at column 5"]),
    ("x and\ny >=", ["expected a value after '>=' at line 2, column 5"]),
    ("and", ["expected a value at column 1", "found 'and'"]),
    ("null = x", ["unexpected character '='"]),
]


@pytest.mark.parametrize(("text", "fragments"), SYNTAX_ERRORS)
def test_syntax_error_says_where_and_what(text, fragments):
    with pytest.raises(RuleSyntaxError) as err:
        parse_rule(text)
    message = str(err.value)
    assert message.startswith(f"Rule {text!r} is not valid: ")
    for fragment in fragments:
        assert fragment in message


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_blank_rule_is_an_error(text):
    with pytest.raises(RuleSyntaxError, match="Rule is empty"):
        parse_rule(text)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("x" * (MAX_RULE_LENGTH + 1), "the limit is 10,000"),
        ("not " * 2000 + "x", "nests 2001 levels deep; the limit is 100"),
        ("-" * 5000 + "x", "the limit is 100"),
        ("x" + " + x" * 2000 + " > 0", "the limit is 100"),
        ("(" * 100_000 + "x" + ")" * 100_000, "the limit is 10,000"),
    ],
)
def test_absurd_rules_are_syntax_errors_not_recursion_errors(text, fragment):
    with pytest.raises(RuleSyntaxError, match=fragment):
        parse_rule(text)


def test_rule_at_the_nesting_limit_still_compiles_and_runs(con):
    # 95 nested nots around a comparison: every walk (unparse, compile, evaluate) recurses.
    text = "not " * 95 + "n > 1"
    rule = parse_rule(text)
    table = ibis.memtable({"n": [0, 5]})
    assert parse_rule(rule.text) == rule
    assert con.to_pyarrow(table.select(hit=compile_rule(rule, table)))["hit"].to_pylist() == [
        True, False]  # 95 nots flip n > 1 once
    assert compile_rule_py(rule, {"n": 5}) is False


def test_parentheses_do_not_count_as_nesting():
    assert parse_rule("(" * 4000 + "x" + ")" * 4000) == Rule(x)


# --- compiling on DuckDB ------------------------------------------------------------------

ACCOUNT_SCHEMA = pa.schema([
    ("i", pa.int64()), ("employees", pa.int64()), ("annual_revenue", pa.float64()),
    ("region", pa.string()), ("state", pa.string()), ("owner_id", pa.string()),
    ("products", pa.list_(pa.string())), ("is_customer", pa.bool_()),
])
ACCOUNT_ROWS = [  # five accounts; every column has a gap somewhere
    dict(i=0, employees=5000, annual_revenue=2e9, region="EMEA", state=None, owner_id="u1",
         products=["Analytics", "CRM"], is_customer=True),
    dict(i=1, employees=200, annual_revenue=1e7, region="EMEA", state="CA", owner_id=None,
         products=["CRM"], is_customer=False),
    dict(i=2, employees=None, annual_revenue=5e7, region="NA", state="NY", owner_id="u2",
         products=None, is_customer=None),
    dict(i=3, employees=1000, annual_revenue=None, region="APAC", state=None, owner_id="u3",
         products=[], is_customer=True),
    dict(i=4, employees=0, annual_revenue=1e6, region=None, state="TX", owner_id=None,
         products=["Analytics"], is_customer=False),
]
T, F, N = True, False, None

COMPILED = [
    ('employees >= 1000 and region == "EMEA"', [T, F, F, F, F]),  # null and false is false
    ('employees >= 1000 or region == "EMEA"', [T, T, N, T, N]),  # null or false is null
    ("employees > 100 and annual_revenue > 5e6", [T, T, N, N, F]),
    # 400000, 50000, null employees, null revenue, 1e6 / 0 is null
    ("annual_revenue / employees > 250000", [T, F, N, N, N]),
    ("employees - 200 * 2 == 600", [F, F, N, T, F]),
    ("-employees < -500", [T, F, N, T, F]),
    ('region in ["EMEA", "APAC"]', [T, T, F, T, N]),
    ('region not in ["EMEA", "APAC"]', [F, F, T, F, N]),
    ('not (region == "EMEA")', [F, F, T, T, N]),
    ('region < "F"', [T, T, F, T, N]),
    ('"Analytics" in products', [T, F, N, F, T]),
    ('"Analytics" not in products', [F, T, N, T, F]),
    ("state is null", [T, F, F, T, F]),
    ("owner_id is not null", [T, F, T, T, F]),
    ("is_customer", [T, F, N, T, F]),
    ("not is_customer", [F, T, N, F, T]),
    ("is_customer == false", [F, T, N, F, T]),
    ("employees in [0, 1000, 1e3]", [F, F, N, T, T]),
    ("state is null or true", [T, T, T, T, T]),
    ("true", [T, T, T, T, T]),
    ('region == "EMEA\'; DROP TABLE accounts; --"', [F, F, F, F, N]),
]


@pytest.fixture(scope="module")
def con():
    return ibis.duckdb.connect()


@pytest.fixture(scope="module")
def accounts():
    return ibis.memtable(pa.Table.from_pylist(ACCOUNT_ROWS, schema=ACCOUNT_SCHEMA))


def hits(con, rule: Rule, table) -> list[bool | None]:
    query = table.select("i", hit=compile_rule(rule, table)).order_by("i")
    return con.to_pyarrow(query)["hit"].to_pylist()


@pytest.mark.parametrize(("text", "expected"), COMPILED)
def test_compiled_rule_on_duckdb(con, accounts, text, expected):
    rule = parse_rule(text)
    assert hits(con, rule, accounts) == expected
    assert [compile_rule_py(rule, row) for row in ACCOUNT_ROWS] == expected


def test_injection_is_only_a_value(con):
    con.create_table("accounts", pa.Table.from_pylist(ACCOUNT_ROWS, schema=ACCOUNT_SCHEMA),
                     overwrite=True)
    table = con.table("accounts")
    rule = parse_rule('region == "x\\"; DROP TABLE accounts; --" or region == "\'); DROP TABLE accounts; --"')
    assert hits(con, rule, table) == [F, F, F, F, N]
    assert con.table("accounts").count().execute() == 5


def test_python_looking_rules_are_rejected_not_run(tmp_path):
    marker = tmp_path / "ran"
    for text in (f"__import__('os').system('touch {marker}')", f"exec(\"open('{marker}', 'w')\")",
                 "1; DROP TABLE x", "x == 1 /* c */", "`x` == 1"):
        with pytest.raises(RuleSyntaxError):
            parse_rule(text)
    assert not marker.exists()


def test_sql_comment_is_just_two_minus_signs(accounts):
    rule = parse_rule("employees == 1 -- comment")
    assert rule.text == "employees == 1 - -comment"
    with pytest.raises(RuleError, match="'comment' is not a column"):
        compile_rule(rule, accounts)


COMPILE_ERRORS = [
    ("employes >= 1000", ["Rule 'employes >= 1000'", "'employes' is not a column",
                          "Did you mean 'employees'?"]),
    ("Region == 'EMEA'", ["'Region' is not a column", "Did you mean 'region'?"]),
    ('employees == "1000"', ['cannot compare employees (a number column) with "1000" (text)',
                             "Write numbers without quotes"]),
    ("region > 5", ["cannot compare region (a text column) with 5 (a number)"]),
    ("region + 1 > 2", ["'+' needs numbers, not region (a text column)"]),
    ("-region < 0", ["'-' needs numbers, not region (a text column)"]),
    ('region in ["EMEA", 3]', ['the list ["EMEA", 3] mixes numbers and text',
                               "all text in quotes, or all numbers"]),
    ('employees in ["1000"]', ["cannot look for employees (a number column) in a list of text"]),
    ("region in ['EMEA', null]", ["holds null", "region is null or region in [...]"]),
    ('"Analytics" in region', ["needs region to be a list column, but it is a text column",
                               "region == \"Analytics\""]),
    ("5 in products", ["cannot look for 5 (a number) in products, a list of text"]),
    ("state == null", ["'==' with null is never true", "Write 'state is null'"]),
    ("employees", ["a rule must be a condition", "not employees (a number column)",
                   "for example 'employees > 0'"]),
    ("employees > 5 and region", ["'and' joins conditions, not region (a text column)"]),
    ("is_customer < true", ["'<' cannot compare is_customer (a true/false column)",
                            "Use '==' or '!='"]),
    ("is_customer == 'true'", ["Write true and false without quotes"]),
]


@pytest.mark.parametrize(("text", "fragments"), COMPILE_ERRORS)
def test_compile_error_says_what_mismatched(accounts, text, fragments):
    with pytest.raises(RuleError) as err:
        compile_rule(parse_rule(text), accounts)
    assert not isinstance(err.value, RuleSyntaxError)
    for fragment in fragments:
        assert fragment in str(err.value)


def test_compile_rule_py_names_a_missing_column():
    with pytest.raises(RuleError, match="Did you mean 'employees'"):
        compile_rule_py(parse_rule("employes > 1"), {"employees": 3})


# --- properties -----------------------------------------------------------------------------

names = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,6}", fullmatch=True).filter(
    lambda name: name.lower() not in KEYWORDS)
literals = st.one_of(
    st.integers(-(2**63) + 1, 2**63 - 1).map(Number),
    st.floats(allow_nan=False, allow_infinity=False).map(Number),
    st.text(max_size=8).map(String),
    st.booleans().map(Boolean),
    st.just(Null()),
)


def negate(operand):
    """Negate as the parser builds it: a minus on a number folds into the number."""
    return Number(-operand.value) if isinstance(operand, Number) else Negate(operand)


def _grow(children):
    two_or_three = st.lists(children, min_size=2, max_size=3).map(tuple)
    return st.one_of(
        children.map(negate),
        st.builds(Arithmetic, st.sampled_from(ARITHMETIC), children, children),
        st.builds(Compare, st.sampled_from(COMPARISONS), children, children),
        st.builds(InList, children, st.lists(literals, min_size=1, max_size=3).map(tuple),
                  st.booleans()),
        st.builds(Contains, children, names.map(Field), st.booleans()),
        st.builds(IsNull, children, st.booleans()),
        children.map(Not),
        two_or_three.map(And),
        two_or_three.map(Or),
    )


any_ast = st.recursive(st.one_of(literals, names.map(Field)), _grow, max_leaves=20)


@settings(max_examples=200, deadline=None)
@given(any_ast)
def test_unparse_round_trips(expr):
    rule = Rule(expr)
    assert parse_rule(unparse(rule)) == rule
    assert parse_rule(rule.text).text == rule.text


TOKENS = [
    "and", "or", "not", "in", "is", "null", "true", "false", "AND", "Not", "IS", "(", ")", "[",
    "]", ",", "==", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/", "1", "-5", "1e6", "1.5", "0",
    '"EMEA"', "'x'", r'"a\"b"', "employees", "region", "products", "x", "__import__", "'os'",
    ";", "DROP", "TABLE", "--", "/*", "=", "&&", "!", "\\", "'", '"', "`", "\n", "1e999",
]
INJECTIONS = ["1; DROP TABLE x", "__import__('os').system('ls')", "x == 1 OR 1=1",
              "region == '' ; DELETE FROM accounts", "eval('1')", "${x}", "{{ x }}"]
random_text = st.one_of(
    st.text(max_size=40),
    st.lists(st.sampled_from(TOKENS), max_size=15).map(" ".join),
    st.lists(st.sampled_from(TOKENS), max_size=15).map("".join),
    st.sampled_from(INJECTIONS),
)


@settings(max_examples=200, deadline=None)
@given(random_text)
def test_any_text_is_a_rule_or_a_rule_error(accounts, text):
    try:
        rule = parse_rule(text)
    except RuleSyntaxError as err:
        assert str(err).startswith("Rule ")
        return
    assert parse_rule(rule.text) == rule
    try:
        compile_rule(rule, accounts)
    except RuleError:
        pass


# Well-typed rules over a small table, to check the engine against the reference evaluator.
WORDS = ["", "a", "b", "EMEA", "émigré", "it's", 'say "hi"', "back\\slash"]
TYPED_SCHEMA = pa.schema([
    ("i", pa.int64()), ("n", pa.int64()), ("m", pa.int64()), ("x", pa.float64()),
    ("s", pa.string()), ("t", pa.string()), ("b", pa.bool_()), ("tags", pa.list_(pa.string())),
])
rows = st.lists(
    st.fixed_dictionaries({
        "n": st.none() | st.integers(-4, 4),
        "m": st.none() | st.integers(-4, 4),
        "x": st.none() | st.sampled_from([0.0, 0.5, -1.25, 3.0]),
        "s": st.none() | st.sampled_from(WORDS),
        "t": st.none() | st.sampled_from(WORDS),
        "b": st.none() | st.booleans(),
        "tags": st.none() | st.lists(st.sampled_from(WORDS), max_size=3, unique=True),
    }),
    min_size=1, max_size=6,
)


number_literals = st.integers(-4, 4).map(Number) | st.sampled_from([0.5, -1.25, 2.0]).map(Number)


def numbers(depth: int):
    leaf = st.sampled_from(["n", "m", "x"]).map(Field) | number_literals
    if depth == 0:
        return leaf
    inner = numbers(depth - 1)
    return leaf | inner.map(negate) | st.builds(Arithmetic, st.sampled_from(ARITHMETIC), inner, inner)


texts = st.sampled_from(["s", "t"]).map(Field) | st.sampled_from(WORDS).map(String)


def conditions(depth: int):
    leaf = st.one_of(
        st.just(Field("b")),
        st.booleans().map(Boolean),
        st.builds(Compare, st.sampled_from(COMPARISONS), numbers(2), numbers(2)),
        st.builds(Compare, st.sampled_from(COMPARISONS), texts, texts),
        st.builds(InList, numbers(1), st.lists(number_literals, min_size=1, max_size=3).map(tuple),
                  st.booleans()),
        st.builds(InList, texts, st.lists(st.sampled_from(WORDS).map(String), min_size=1,
                                          max_size=3).map(tuple), st.booleans()),
        st.builds(IsNull, numbers(1) | texts | st.sampled_from([Field("b"), Field("tags")]),
                  st.booleans()),
        st.builds(Contains, texts, st.just(Field("tags")), st.booleans()),
    )
    if depth == 0:
        return leaf
    inner = conditions(depth - 1)
    some = st.lists(inner, min_size=2, max_size=3).map(tuple)
    return st.one_of(leaf, inner.map(Not), some.map(And), some.map(Or),
                     st.builds(Compare, st.sampled_from(["==", "!="]), inner, inner))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(expr=conditions(2), data=rows)
def test_compiled_rule_matches_python_evaluator(con, expr, data):
    data = [{"i": i, **row} for i, row in enumerate(data)]
    table = ibis.memtable(pa.Table.from_pylist(data, schema=TYPED_SCHEMA))
    rule = parse_rule(unparse(expr))  # what a user would have written
    assert hits(con, rule, table) == [compile_rule_py(rule, row) for row in data]

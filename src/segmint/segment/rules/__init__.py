"""The segment rule language: text → typed AST (`grammar`) → Ibis expression (`compile`), with a
plain-Python twin (`evaluate`: `compile_rule_py`) that the compiled expression is tested
against.

Parsing imports no engine, so the project check reads every rule in a fraction of a second;
`compile_rule` is imported when first used.

>>> from segmint.segment.rules import parse_rule
>>> parse_rule("employees >= 1e3").text
'employees >= 1000.0'
"""

from __future__ import annotations

from importlib import import_module

from segmint.segment.rules.evaluate import compile_rule_py
from segmint.segment.rules.grammar import (
    ARITHMETIC,
    COMPARISONS,
    KEYWORDS,
    MAX_DEPTH,
    MAX_RULE_LENGTH,
    And,
    Arithmetic,
    Boolean,
    Compare,
    Contains,
    Expr,
    Field,
    InList,
    IsNull,
    Negate,
    Not,
    Null,
    Number,
    Or,
    Rule,
    RuleText,
    String,
    checked_rule,
    parse_rule,
    unparse,
)

__all__ = [
    "ARITHMETIC", "COMPARISONS", "KEYWORDS", "MAX_DEPTH", "MAX_RULE_LENGTH",
    "And", "Arithmetic", "Boolean", "Compare", "Contains", "Expr", "Field", "InList", "IsNull",
    "Negate", "Not", "Null", "Number", "Or", "Rule", "RuleText", "String",
    "checked_rule", "compile_rule", "compile_rule_py", "parse_rule", "unparse", "zero_divisors",
]


def __getattr__(name: str):
    if name in ("compile_rule", "zero_divisors"):  # need Ibis: imported on first use
        return getattr(import_module("segmint.segment.rules.compile"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

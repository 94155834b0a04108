"""The declared fit scorecard: weighted rules from segmint.yaml, scaled 0 to 100, in the engine."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

from segmint.exceptions import RuleError
from segmint.segment.rules import compile_rule, parse_rule


@dataclass(frozen=True)
class Scorecard:
    """Rules and their points. An account scores the points of the rules it matches (a rule
    that is null on it, for a missing field, does not match), scaled so that matching no
    negative rule and every positive one is 100 and the reverse is 0.

    Examples
    --------
    >>> card = Scorecard.of([("employees >= 200", 30), ('region == "EMEA"', 10)])
    >>> accounts = ibis.memtable({"employees": [500, 500, 50, None],
    ...                           "region": ["EMEA", "APAC", "EMEA", None]})
    >>> accounts.select(fit=card.score(accounts)).to_pyarrow()["fit"].to_pylist()
    [100.0, 75.0, 25.0, 0.0]
    """

    rules: tuple[str, ...]
    points: tuple[float, ...]

    @classmethod
    def of(cls, weighted: Sequence[tuple[str, float]]) -> Scorecard:
        """A scorecard from (rule, points) pairs; every rule is parsed now."""
        for rule, _ in weighted:
            parse_rule(rule)
        return cls(tuple(r for r, _ in weighted), tuple(float(p) for _, p in weighted))

    @property
    def lowest(self) -> float:
        """The points of an account matching every negative rule and no positive one."""
        return sum(p for p in self.points if p < 0)

    @property
    def highest(self) -> float:
        """The points of an account matching every positive rule and no negative one."""
        return sum(p for p in self.points if p > 0)

    def check(self, accounts: ir.Table, where: str) -> None:
        """Compile every rule against `accounts`; a `RuleError` names the rule's place in
        segmint.yaml (`where` and its position, from 1).

        >>> Scorecard.of([("headcount > 5", 1)]).check(ibis.table({"employees": "int64"}),
        ...                                            "scores.fit.declared")
        Traceback (most recent call last):
        ...
        segmint.exceptions.RuleError: scores.fit.declared[1]: Rule 'headcount > 5': 'headcount' is not a column. Known names: employees.
        """
        for position, rule in enumerate(self.rules, start=1):
            try:
                compile_rule(parse_rule(rule), accounts)
            except RuleError as err:
                raise type(err)(f"{where}[{position}]: {err}") from None

    def matched_points(self, accounts: ir.Table) -> list[ir.NumericValue]:
        """Per rule, its points where it matches and 0 elsewhere."""
        return [ibis.ifelse(compile_rule(parse_rule(rule), accounts).fill_null(False),
                            _double(points), _double(0.0))
                for rule, points in zip(self.rules, self.points)]

    def score(self, accounts: ir.Table) -> ir.NumericValue:
        """The 0 to 100 score of every account, rounded to two decimals."""
        total = sum(self.matched_points(accounts), _double(0.0))
        span = self.highest - self.lowest
        if span <= 0:
            return _double(0.0)
        return ((total - _double(self.lowest)) * _double(100.0 / span)).round(2)

    def factor_pairs(self, accounts: ir.Table) -> list[tuple[ir.NumericValue, ir.StringValue]]:
        """Per rule, its points on each account and its label ``rule (+points)``, as
        `segmint.score.fit.factors.top_factors` ranks them."""
        labels = [ibis.literal(f"{rule} ({points:+g})")
                  for rule, points in zip(self.rules, self.points)]
        return list(zip(self.matched_points(accounts), labels))


def _double(value: float) -> ir.FloatingValue:
    """`value` as a DOUBLE in every engine: a bare 0.909 is a DECIMAL in DuckDB and Spark, and
    a scale of 100 / 110 then overflows DECIMAL(18) when it multiplies the points (cast from
    text, as the rule compiler does)."""
    return ibis.literal(repr(float(value))).cast("float64")

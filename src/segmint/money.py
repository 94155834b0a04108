"""Amounts of money: as people read them (105M, -2.64k, 600) and in whole cents in the engine.

Neutral, so that `analyse` (readings and headlines) and `report` (chart axes and labels) write
amounts alike without either importing the other, and every stage adds money in the same cents.
"""

from __future__ import annotations

from collections.abc import Iterable

_SUFFIXES = ((1e9, "B"), (1e6, "M"), (1e3, "k"))


def money_text(value: float, *, digits: int = 3) -> str:
    """An amount as people read it: `digits` significant figures and k, M or B.

    Below a thousand it is whole units (and a decimal for each digit asked beyond 3).

    >>> money_text(104976309.72), money_text(-2640), money_text(600), money_text(20.75e6)
    ('105M', '-2.64k', '600', '20.8M')
    >>> money_text(20.75e6, digits=4), money_text(12.5, digits=4), money_text(25, digits=4)
    ('20.75M', '12.5', '25.0')
    """
    value = float(value)
    for size, suffix in _SUFFIXES:
        if abs(value) >= size:
            return f"{value / size:.{digits}g}{suffix}"
    return f"{value:.{max(digits - 3, 0)}f}"


def money_ticks(values: Iterable[float]) -> list[str]:
    """Axis tick labels as `money_text` writes them, with as many figures as keep each exact.

    Three significant figures suffice for most axes; a zoomed one (20.5M, 20.75M, 21M) needs
    more, or two ticks would read alike and a third would read wrong.

    >>> money_ticks([0, 5e6, 10e6, 15e6])
    ['0', '5M', '10M', '15M']
    >>> money_ticks([20.5e6, 20.75e6, 21e6])
    ['20.5M', '20.75M', '21M']
    >>> money_ticks([100e6, 102.5e6, 105e6]), money_ticks([0, 12.5, 25])
    (['100M', '102.5M', '105M'], ['0.0', '12.5', '25.0'])
    """
    values = [float(v) for v in values]
    tolerance = 1e-9 * max((abs(v) for v in values), default=1.0)
    for digits in range(3, 16):
        labels = [money_text(v, digits=digits) for v in values]
        if all(abs(_amount(label) - v) <= tolerance for label, v in zip(labels, values, strict=True)):
            return labels
    return labels


def _amount(text: str) -> float:
    """The amount a `money_text` label stands for: '20.8M' is 20,800,000."""
    for size, suffix in _SUFFIXES:
        if text.endswith(suffix):
            return float(text.removesuffix(suffix)) * size
    return float(text)


def to_cents(amount):
    """An engine column of amounts in whole cents (int64), so a sum of them does not depend on
    the order the engine's threads add them in (a float sum's last digit can change from run
    to run).

    >>> import ibis
    >>> ibis.memtable({"arr": [0.1, 2543.105]}).arr.pipe(to_cents).execute().tolist()
    [10, 254311]
    """
    return (amount * 100).round(0).cast("int64")


def from_cents(cents):
    """Whole cents (an engine integer) back to an amount.

    >>> import ibis
    >>> ibis.literal(254311).pipe(from_cents).execute()
    2543.11
    """
    return cents.cast("float64") / 100


def sum_to_the_cent(amount):
    """The sum of an engine column of amounts, added in whole cents: the same on every run.

    >>> import ibis
    >>> ibis.memtable({"arr": [0.1, 0.2, 0.105]}).arr.pipe(sum_to_the_cent).execute()
    0.41
    """
    return from_cents(to_cents(amount).sum())


def round_to_the_cent(amount):
    """An amount rounded to the cent, half away from zero, the same on every engine.

    A median can end in half a cent (374638.585), which a float holds a hair below; DuckDB's
    round(x, 2) rounds x * 100 (…58.5, up) and Spark's the exact binary value (down).

    >>> import ibis
    >>> ibis.literal(374638.585).pipe(round_to_the_cent).execute()
    374638.59
    """
    return (amount * 100).round(0) / 100

"""Amounts read as people write them, and axis ticks that stay exact and apart when zoomed."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from matplotlib.ticker import MaxNLocator

from segmint.money import money_text, money_ticks


@pytest.mark.parametrize(("value", "text"), [
    (104_976_309.72, "105M"), (-2_640, "-2.64k"), (600, "600"),
    (1_000, "1k"), (20_750_000, "20.8M"), (2_500_000_000, "2.5B"), (0, "0"),
])
def test_money_text_keeps_three_significant_figures(value, text):
    assert money_text(value) == text


def test_a_zoomed_waterfall_axis_names_each_tick_exactly():
    # the demo-like case: ARR from 20.5M to 21M in steps of 0.25M
    assert money_ticks([20.5e6, 20.75e6, 21e6]) == ["20.5M", "20.75M", "21M"]
    assert money_ticks([0, 2.5e6, 5e6]) == ["0", "2.5M", "5M"]  # three figures suffice


@given(low=st.floats(0, 1e10), spread=st.floats(1e-3, 1.0))
def test_ticks_of_any_axis_read_back_exactly_and_are_distinct(low, spread):
    high = low * (1 + spread) + 1
    ticks = [float(t) for t in MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]).tick_values(low, high)]
    labels = money_ticks(ticks)
    assert len(set(labels)) == len(labels)
    scale = {"B": 1e9, "M": 1e6, "k": 1e3}
    for label, tick in zip(labels, ticks, strict=True):
        amount = float(label[:-1]) * scale[label[-1]] if label[-1] in scale else float(label)
        assert amount == pytest.approx(tick, rel=1e-9, abs=1e-9 * max(map(abs, ticks)))

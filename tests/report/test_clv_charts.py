"""The CLV charts draw the tables the CLV score and analysis write, as they are."""

from __future__ import annotations

import pandas as pd

from segmint.report.clv_charts import clv_by_segment, clv_calibration, clv_retention


def test_calibration_draws_actual_and_predicted_bars_per_frequency():
    table = pd.DataFrame({"frequency": ["0", "1", "7+"], "accounts": [10, 5, 2],
                          "predicted_per_account": [0.2, 0.5, 2.0],
                          "actual_per_account": [0.25, 0.4, 2.2]})
    ax = clv_calibration(table).axes[0]
    assert [round(p.get_height(), 2) for p in ax.patches] == [0.25, 0.4, 2.2, 0.2, 0.5, 2.0]
    assert [label.get_text() for label in ax.get_xticklabels()] == ["0", "1", "7+"]
    assert clv_calibration(table.iloc[:0]) is None


def test_retention_draws_each_groups_curve_and_only_the_observed_points():
    nan = float("nan")
    table = pd.DataFrame({"renewals": [0, 1, 2] * 2, "model": [1.0, 0.8, 0.7, 1.0, 0.6, 0.4],
                          "observed": [1.0, 0.82, nan, 1.0, 0.55, nan],
                          "group": ["All"] * 3 + ["South"] * 3})
    ax = clv_retention(table).axes[0]
    model, observed, south, south_observed = ax.get_lines()
    assert list(model.get_ydata()) == [1.0, 0.8, 0.7] and list(observed.get_ydata()) == [1.0, 0.82]
    assert list(south.get_ydata()) == [1.0, 0.6, 0.4] and south.get_label() == "South"
    assert list(south_observed.get_ydata()) == [1.0, 0.55]


def test_value_by_segment_stacks_contract_and_repeat_without_the_total_row():
    table = pd.DataFrame({"segment": ["B", "A", "All"], "accounts": [1, 2, 3],
                          "clv": [60.0, 40.0, 100.0], "clv_repeat": [20.0, 10.0, 30.0],
                          "clv_contract": [40.0, 30.0, 70.0], "clv_share": [0.6, 0.4, 1.0],
                          "clv_mean": [60.0, 20.0, 33.3], "clv_p10": [60.0, 10.0, 10.0],
                          "clv_median": [60.0, 20.0, 30.0], "clv_p90": [60.0, 30.0, 60.0]})
    total = clv_by_segment(table).axes[0]
    assert [label.get_text() for label in total.get_yticklabels()] == ["A", "B"]
    assert [p.get_width() for p in total.patches] == [30.0, 40.0, 10.0, 20.0]


def test_value_by_segment_draws_the_models_range_when_given():
    table = pd.DataFrame({"segment": ["A", "All"], "accounts": [2, 2], "clv": [40.0, 40.0],
                          "clv_repeat": [10.0, 10.0], "clv_contract": [30.0, 30.0],
                          "clv_share": [1.0, 1.0], "clv_mean": [20.0, 20.0],
                          "clv_p10": [10.0, 10.0], "clv_median": [20.0, 20.0],
                          "clv_p90": [30.0, 30.0], "clv_low": [35.0, 35.0],
                          "clv_high": [47.0, 47.0]})
    total = clv_by_segment(table).axes[0]
    (bars,) = [c for c in total.containers if c.__class__.__name__ == "ErrorbarContainer"]
    segments = bars.lines[2][0].get_segments()
    assert [tuple(point) for point in segments[0]] == [(35.0, 0.0), (47.0, 0.0)]

"""The priority charts draw the tables the priorities plan and the health score write, as they are."""

from __future__ import annotations

import pandas as pd
import pytest

from segmint.report.priority_charts import fit_vs_health, health_band_churn


def test_fit_vs_health_places_each_segment_at_its_weighted_means():
    table = pd.DataFrame({"segment": ["A", "A", "B", "All"],
                          "action": ["protect", "invest", "nurture", "nurture"],
                          "accounts": [1, 3, 2, 6], "customers": [1, 0, 2, 3],
                          "mean_fit": [40.0, 80.0, 20.0, 50.0],
                          "mean_health": [20.0, None, 90.0, 66.7]})
    scatter, bars = fit_vs_health(table).axes
    # A: fit (40 + 3 × 80) / 4 = 70, health its one customer's 20; B: 20 and 90
    assert scatter.collections[0].get_offsets().tolist() == [[70.0, 20.0], [20.0, 90.0]]
    widths = {(p.get_y(), p.get_x()): p.get_width() for p in bars.patches if p.get_width()}
    assert sorted(widths.values()) == pytest.approx([0.25, 0.75, 1.0])


def test_health_band_churn_draws_churn_and_contraction_per_band():
    table = pd.DataFrame({"health_band": ["Red", "Green"], "customers": [10, 90],
                          "churn_rate": [0.5, 0.02], "contraction_rate": [0.1, 0.05]})
    ax = health_band_churn(table).axes[0]
    assert [round(p.get_height(), 2) for p in ax.patches] == [0.5, 0.02, 0.1, 0.05]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["Red\n10 customers",
                                                           "Green\n90 customers"]

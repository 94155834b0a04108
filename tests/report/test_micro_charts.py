"""The micro-segment chart draws `micro_segment_profiles` as it is."""

from __future__ import annotations

import pandas as pd

from segmint.report.micro_charts import micro_segment_map


def test_map_places_each_micro_segment_by_rate_and_ticket_per_parent():
    table = pd.DataFrame({"parent": ["EMEA", "EMEA", "APAC"],
                          "micro_segment": ["EMEA / 1", "EMEA / 2", "APAC / 1"],
                          "customers": [100, 50, 10], "purchases_per_year": [0.5, 4.0, 2.0],
                          "mean_ticket": [3000.0, 200.0, 900.0]})
    ax = micro_segment_map(table).axes[0]
    apac, emea = ax.collections  # parents in alphabetical order
    assert apac.get_offsets().tolist() == [[2.0, 900.0]]
    assert emea.get_offsets().tolist() == [[0.5, 3000.0], [4.0, 200.0]]
    assert [t.get_text() for t in ax.texts] == ["1", "1", "2"]
    assert list(emea.get_sizes()) == [640.0, 340.0]  # 40 + 600 × customers / the largest
    assert micro_segment_map(table.iloc[:0]) is None

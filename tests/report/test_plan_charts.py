"""The plan charts draw the tables as given: bar lengths and tile labels checked."""

from __future__ import annotations

import pandas as pd
import pytest

from segmint.report.plan_charts import MAX_MAPS, capacity_reps, territory_tiles


def test_reps_needed_and_today_are_summed_over_motions():
    plan = pd.DataFrame({"segment": ["ENT", "ENT", "SMB"], "reps_needed": [2, 3, 4],
                         "owners_today": [1, 1, 6]})
    ax = capacity_reps(plan).axes[0]
    widths = [bar.get_width() for bar in ax.patches]
    assert widths == [5, 4, 2, 6]  # needed (ENT, SMB), then today (ENT, SMB)


@pytest.mark.parametrize("cells, labels", [
    (["US-CA", "US-NY", "FR"], ["CA\n3", "FR\n1", "NY\n2"]),
    # a CRM writes Alberta as a US state: no tile on the US grid, so one in the row below
    (["US-CA", "US-AB", "FR"], ["CA\n3", "FR\n1", "US-AB\n2"]),
], ids=["states-then-countries", "a-state-code-with-no-us-tile"])
def test_each_state_is_a_tile_labelled_with_its_territories_and_countries_follow(cells, labels):
    states = pd.DataFrame({"segment": ["A"] * 3, "cell": cells, "accounts": [5, 3, 1],
                           "territories": [3, 2, 1], "potential": [10.0, 5.0, 1.0]})
    ax = territory_tiles(states).axes[0]
    assert sorted(text.get_text() for text in ax.texts) == labels


def test_only_the_largest_segments_get_a_map():
    states = pd.DataFrame({"segment": [f"S{i}" for i in range(MAX_MAPS + 2)], "cell": "FR",
                           "accounts": range(MAX_MAPS + 2), "territories": 1, "potential": 1.0})
    titles = [ax.get_title(loc="left") for ax in territory_tiles(states).axes]
    assert len(titles) == MAX_MAPS and titles[0].startswith(f"S{MAX_MAPS + 1}:")

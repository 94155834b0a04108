"""Edge search worked by hand: the edges that separate win rates best, within a minimum size."""

from __future__ import annotations

import uuid

import ibis
import pandas as pd
import pytest

from segmint.exceptions import ConfigError
from segmint.plan.edges import edge_bins, edge_curve

# 60 accounts from 10 to 600 employees, cut into 12 tiles of 5 (10, 60, 110, ...). Under 310
# they win 1 deal in 4, from 310 on 3 in 4; the last tile (560 to 600) wins every deal.
EMPLOYEES = [10.0 * i for i in range(1, 61)]
HITS = [1 if e < 310 else 4 if e >= 560 else 3 for e in EMPLOYEES]


def tables():
    ids = [f"a{i:02d}" for i in range(60)]
    accounts = ibis.memtable({"account_id": ids, "employees": EMPLOYEES})
    outcomes = ibis.memtable({"account_id": ids, "_trials_win_rate": [4] * 60,
                              "_hits_win_rate": HITS})
    return accounts, outcomes


def test_the_best_two_bands_cut_where_the_win_rate_jumps_and_the_current_edge_scores_less():
    accounts, outcomes = tables()
    bins = edge_bins(accounts, outcomes, "employees", current=[500.0], bins=12)
    assert bins.accounts.sum() == 60 and bins._hits_win_rate.sum() == sum(HITS)
    assert list(bins.lower[1:]) == [60.0, 110.0, 160.0, 210.0, 260.0, 310.0, 360.0, 410.0,
                                    460.0, 500.0, 510.0, 560.0]  # the tiles and the current edge
    curve = edge_curve(bins, min_accounts=5, current=[500.0])
    two, current = curve.iloc[0], curve.iloc[-1]
    assert (two.bands, two.edges, two.smallest_band) == (2, [310.0], 30)
    assert current.current and current.edges == [500.0] and current.smallest_band == 11
    assert two.score > current.score > 0


def test_a_minimum_band_size_keeps_the_search_from_carving_off_a_few_accounts():
    accounts, outcomes = tables()
    bins = edge_bins(accounts, outcomes, "employees", bins=12)
    loose = edge_curve(bins, min_accounts=1, max_bands=3)
    strict = edge_curve(bins, min_accounts=10, max_bands=3)
    assert loose.iloc[1].edges == [310.0, 560.0]  # the five all-winning accounts apart
    assert min(strict.iloc[1].edges) >= 100.0 and strict.iloc[1].smallest_band >= 10
    assert 560.0 not in strict.iloc[1].edges


def test_an_unknown_field_or_outcome_is_refused_with_the_fix():
    accounts, outcomes = tables()
    with pytest.raises(ConfigError, match="no column 'employes'.*Did you mean 'employees'"):
        edge_bins(accounts, outcomes, "employes")
    with pytest.raises(ConfigError, match="'win' is not an outcome.*win_rate"):
        edge_bins(accounts, outcomes, "employees", measure="win")


def test_the_bins_are_the_same_on_every_engine(con):
    # the tiles (ntile), the cut positions and the sums run in the engine
    accounts, outcomes = tables()
    names = [f"edges_{part}_{uuid.uuid4().hex[:8]}" for part in ("accounts", "outcomes")]
    loaded = [con.create_table(name, table.to_pandas()) for name, table in
              zip(names, (accounts, outcomes))]
    try:
        ours = edge_bins(*loaded, "employees", current=[500.0], bins=12)
    finally:
        for name in names:
            con.drop_table(name)
    expected = edge_bins(accounts, outcomes, "employees", current=[500.0], bins=12)
    pd.testing.assert_frame_equal(ours, expected, check_dtype=False)

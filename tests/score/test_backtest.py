"""The back-test helper and the run's as_of date, on hand-worked tables."""

from __future__ import annotations

import datetime as dt

import ibis
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segmint.dates import complete_month_end, months_before, resolve_as_of
from segmint.score.backtest import evaluate, known_at, ranking_quality

d = dt.date


def test_deciles_lift_and_calibration_by_hand():
    # 10 accounts, 4 positives; ranked by score: + + - + - - + - - -
    scores = np.array([0.95, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1])
    outcomes = np.array([1, 1, 0, 1, 0, 0, 1, 0, 0, 0], dtype=bool)
    quality = ranking_quality(scores, outcomes, probability=True, deciles=5)
    table = quality.deciles
    assert table.accounts.tolist() == [2, 2, 2, 2, 2]
    assert table.observed_rate.tolist() == [1.0, 0.5, 0.0, 0.5, 0.0]
    assert table.lift.tolist() == [2.5, 1.25, 0.0, 1.25, 0.0]
    # mean scores .925 .75 .55 .35 .15 against rates 1 .5 0 .5 0
    assert quality.summary["calibration_error"] == pytest.approx(
        (0.075 + 0.25 + 0.55 + 0.15 + 0.15) / 5)
    # pairs (positive above negative): 6 negatives; positives at ranks 1,2,4,7 beat 6,6,5,3
    assert quality.summary["auc"] == pytest.approx(20 / 24)
    assert quality.summary["top_decile_lift"] == 2.5


def test_top_quintile_share_of_the_outcome_weight():
    scores = np.arange(10, 0, -1, dtype=float)
    outcomes = np.ones(10, dtype=bool)
    weights = np.array([50, 30, 5, 5, 5, 5, 0, 0, 0, 0], dtype=float)
    quality = ranking_quality(scores, outcomes, weights=weights)
    assert quality.summary["top_quintile_weight_share"] == 0.8
    assert np.isnan(quality.summary["auc"])  # one outcome only: no AUC


def test_weighted_auc_counts_each_positive_by_its_weight():
    # ranked: +9 - - +1 - ; the big gain is on top, the small one below two negatives
    scores = np.array([5.0, 4.0, 3.0, 2.0, 1.0])
    outcomes = np.array([1, 0, 0, 1, 0], dtype=bool)
    weights = np.array([9.0, 0.0, 0.0, 1.0, 0.0])
    summary = ranking_quality(scores, outcomes, weights=weights).summary
    assert summary["auc"] == pytest.approx((3 + 1) / 6)
    assert summary["weighted_auc"] == pytest.approx((9 * 3 + 1 * 1) / (10 * 3))
    assert np.isnan(ranking_quality(scores, outcomes).summary["weighted_auc"])  # no weights


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.booleans()), min_size=2, max_size=40))
def test_auc_is_the_share_of_positive_negative_pairs_ranked_right(pairs):
    scores = np.array([p[0] for p in pairs], dtype=float)
    outcomes = np.array([p[1] for p in pairs], dtype=bool)
    auc = ranking_quality(scores, outcomes).summary["auc"]
    pos, neg = scores[outcomes], scores[~outcomes]
    if not len(pos) or not len(neg):
        assert np.isnan(auc)
        return
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    assert auc == pytest.approx(wins / (len(pos) * len(neg)))


def test_evaluate_joins_the_outcome_population(con):
    scored = ibis.memtable({"account_id": ["a", "b", "c", "d"], "s": [0.9, 0.2, 0.5, None]})
    outcome = ibis.memtable({"account_id": ["a", "b", "d"], "outcome": [True, False, True],
                             "weight": [10.0, 0.0, 5.0]})
    quality = evaluate(con.create_table("scored", scored, overwrite=True),
                       con.create_table("outcome", outcome, overwrite=True), "s")
    # c has no outcome and d no score: a and b remain
    assert (quality.summary["accounts"], quality.summary["positives"], quality.summary["auc"]) \
        == (2, 1, 1.0)


def test_known_at_keeps_only_what_existed_then(con):
    accounts = ibis.memtable({"account_id": ["a", "b", "c"],
                              "created_date": [d(2023, 1, 1), d(2024, 5, 1), None]})
    revenue = ibis.memtable({"account_id": ["a", "a"], "period": [d(2024, 3, 1), d(2024, 4, 1)],
                             "mrr": [1.0, 2.0]})
    usage = ibis.memtable({"account_id": ["a", "a"], "date": [d(2024, 3, 31), d(2024, 4, 1)],
                           "metric": ["x", "x"], "value": [1.0, 1.0]})
    past = known_at({"accounts": accounts, "revenue": revenue, "usage": usage}, d(2024, 3, 31))
    assert sorted(past["accounts"].account_id.execute()) == ["a", "c"]
    assert past["revenue"].mrr.execute().tolist() == [1.0]
    assert past["usage"].count().execute() == 1


def test_as_of_is_the_last_complete_month():
    revenue = ibis.memtable({"period": [d(2024, 8, 1)]})
    usage = ibis.memtable({"date": [d(2024, 10, 30)]})  # October is not complete on the 30th
    assert resolve_as_of({"revenue": revenue, "usage": usage}) == d(2024, 9, 30)
    assert resolve_as_of({"usage": ibis.memtable({"date": [d(2024, 10, 31)]})}) == d(2024, 10, 31)
    assert complete_month_end(d(2024, 1, 1)) == d(2023, 12, 31)
    assert months_before(d(2024, 3, 31), 1) == d(2024, 2, 29)

"""The scenario scorecard's measures: balance, discriminative power and disruption, as pure functions of small per-segment tables.

Each takes a few numbers per segment (or per pair of segments), so a test can work it by
hand; `segmint.plan.scenarios` computes those numbers in the engine, one group-by per
scenario.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment
from scipy.special import entr, rel_entr


def gini(values: Sequence[float]) -> float:
    """Gini coefficient of how unevenly `values` (accounts or ARR per segment) are spread:
    0 when every segment holds the same, towards 1 when one holds everything.

    Uses the sorted-values form G = 2 Σ i·x₍ᵢ₎ / (n Σ x) − (n + 1) / n, i = 1..n.

    >>> gini([10, 10, 10]), gini([0, 0, 30]), round(gini([1, 2, 3, 4]), 4)
    (0.0, 0.6666666666666667, 0.25)
    >>> gini([]) != gini([])  # no segment: no figure (NaN)
    True
    """
    x = np.sort(np.asarray(values, dtype="float64"))
    n, total = len(x), x.sum() if len(x) else 0.0
    if n == 0 or total <= 0:
        return float("nan")
    rank = np.arange(1, n + 1)
    return float(2 * (rank * x).sum() / (n * total) - (n + 1) / n)


def largest_to_smallest(values: Sequence[float]) -> float:
    """The largest segment over the smallest (accounts or ARR); NaN when the smallest is 0.

    >>> largest_to_smallest([50, 200, 100]), largest_to_smallest([5, 0]) != 0
    (4.0, True)
    """
    x = np.asarray(values, dtype="float64")
    if not len(x) or x.min() <= 0:
        return float("nan")
    return float(x.max() / x.min())


def variance_explained(n: Sequence[float], total: Sequence[float],
                       squares: Sequence[float]) -> float:
    """Share of a figure's variance between segments, corrected for how many segments there
    are (ω², Hays 1963), from each segment's count, sum and sum of squares.

    η² = SS_between / SS_total rises towards 1 as segments get smaller, whatever the figure
    (200 segments of one account explain "all" of it); ω² = (SS_between − (k − 1) MS_within)
    / (SS_total + MS_within) takes off what k segments of pure noise would explain. It is 0
    when no segment has two accounts to show what varies within it, and is clipped at 0.
    Segments with no value (n = 0) are left out.

    Examples
    --------
    Two segments, {1, 3} and {5, 7}: grand mean 4; SS_between = 2·(2−4)² + 2·(6−4)² = 16,
    SS_within = 2 + 2 = 4, MS_within = 4 / (4 − 2) = 2; ω² = (16 − 2) / (20 + 2).

    >>> variance_explained([2, 2], [4, 12], [10, 74]) == 14 / 22
    True
    >>> variance_explained([1, 1, 1], [1, 5, 9], [1, 25, 81])  # one account each: no evidence
    0.0
    """
    n, s, q = (np.asarray(v, dtype="float64") for v in (n, total, squares))
    keep = n > 0
    n, s, q = n[keep], s[keep], q[keep]
    k, count = len(n), n.sum()
    if k < 2 or count - k <= 0:
        return 0.0
    mean = s.sum() / count
    ss_total = q.sum() - count * mean**2
    ss_within = (q - s**2 / n).sum()
    ss_between = ss_total - ss_within
    ms_within = ss_within / (count - k)
    if ss_total + ms_within <= 0:
        return 0.0
    return float(max((ss_between - (k - 1) * ms_within) / (ss_total + ms_within), 0.0))


def shrunk_rates(hits: Sequence[float], trials: Sequence[float]) -> tuple[np.ndarray, float, float]:
    """Each segment's rate (win rate, churn) shrunk toward the overall rate, by how much the
    segments truly differ: empirical-Bayes Beta-binomial, with the prior's variance τ² from
    the one-way analysis of variance of the 0/1 outcomes (Fleiss, *Statistical Methods for
    Rates and Proportions*, the ANOVA estimator of the intraclass correlation).

    MS_between = Σ nᵢ (pᵢ − p)² / (k − 1) and MS_within = Σ nᵢ pᵢ (1 − pᵢ) / (N − k) give
    τ² = (MS_between − MS_within) / n₀, n₀ = (N − Σ nᵢ² / N) / (k − 1); the Beta prior with
    mean p and that variance has strength m = p (1 − p) / τ² − 1, and each rate becomes
    (hits + m p) / (trials + m). A segment with few trials stays near the overall rate; when
    the spread between segments is no more than the noise within them (τ² ≤ 0), or no
    segment has two trials to show that noise (N = k), every segment gets the overall rate.
    Written out here because neither SciPy nor scikit-learn estimates a Beta-binomial prior
    from grouped counts, and the moment estimate has a closed form a test can check by hand.

    Returns the shrunk rates, the overall rate and m (inf when every rate is pooled).

    Examples
    --------
    20 of 40 and 10 of 40: p = 0.375, MS_between = 1.25, MS_within = (10 + 7.5) / 78,
    n₀ = 40, τ² = (1.25 − 0.2244) / 40, m = 0.234375 / τ² − 1 ≈ 8.14.

    >>> rates, p, m = shrunk_rates([20, 10], [40, 40])
    >>> p, round(m, 2), [round(float(r), 4) for r in rates]  # (20 + 8.14·0.375) / 48.14
    (0.375, 8.14, [0.4789, 0.2711])
    >>> shrunk_rates([1, 0, 1, 0], [1, 1, 1, 1])[0].tolist()  # four one-trial segments: noise
    [0.5, 0.5, 0.5, 0.5]
    """
    h, n = (np.asarray(v, dtype="float64") for v in (hits, trials))
    count = n.sum()
    if count <= 0:
        return np.full(len(n), np.nan), float("nan"), float("inf")
    overall = h.sum() / count
    spread = overall * (1 - overall)
    has = n > 0
    k = int(has.sum())
    rates = np.divide(h, n, out=np.full(len(n), overall), where=has)
    if k < 2 or count - k <= 0 or spread == 0:
        return np.full(len(n), overall), float(overall), float("inf")
    ms_between = (n * (rates - overall) ** 2).sum() / (k - 1)
    ms_within = (n * rates * (1 - rates)).sum() / (count - k)
    n0 = (count - (n**2).sum() / count) / (k - 1)
    tau2 = (ms_between - ms_within) / n0
    if tau2 <= 0:
        return np.full(len(n), overall), float(overall), float("inf")
    strength = max(spread / tau2 - 1, 0.0)
    return (h + strength * overall) / (n + strength), float(overall), float(strength)


def rate_information(hits: Sequence[float], trials: Sequence[float]) -> float:
    """Share of the uncertainty in an outcome (won or lost, churned or kept) that knowing the
    segment removes, with small segments' rates shrunk first (`shrunk_rates`).

    It is the mutual information between segment and outcome over the outcome's entropy
    (Theil's uncertainty coefficient), Σᵢ (nᵢ / N) KL(p̃ᵢ ‖ p) / H(p), from the shrunk rates
    p̃ᵢ: 0 when the segments' rates differ no more than chance, 1 when the segment alone
    tells the outcome. Splitting into tiny segments does not raise it: their rates are
    pulled back to the overall rate. ``2 N ln(2) × MI`` would be the likelihood-ratio G
    statistic of the same table; the share is kept as it compares across outcomes.

    Examples
    --------
    Win rates 50% and 25% on 40 deals each (shrunk to 47.9% and 27.1%), and the same
    40 + 40 deals split into 80 one-deal segments:

    >>> round(rate_information([20, 10], [40, 40]), 4)
    0.0351
    >>> rate_information([1] * 30 + [0] * 50, [1] * 80)
    0.0
    """
    h, n = (np.asarray(v, dtype="float64") for v in (hits, trials))
    rates, overall, _ = shrunk_rates(h, n)
    count = n.sum()
    if count <= 0 or overall in (0.0, 1.0) or overall != overall:
        return 0.0
    divergence = rel_entr(rates, overall) + rel_entr(1 - rates, 1 - overall)
    entropy = entr(overall) + entr(1 - overall)
    return float(max((n / count * divergence).sum() / entropy, 0.0))


def kept_together(transitions: pd.DataFrame) -> pd.Series:
    """Which rows of a transition table (``from_segment``, ``to_segment``, ``accounts``) keep
    their accounts together: each scenario segment is paired with at most one baseline
    segment so that the most accounts stay with the peers they had (a maximum-weight
    matching); the accounts of every other pair move. A segment that is only renamed moves
    nobody; one split in two keeps its larger part. Of equal pairings, the one keeping a
    segment's name wins.

    >>> moves = pd.DataFrame({"from_segment": ["SMB", "SMB", "ENT"],
    ...     "to_segment": ["Small", "Mid", "Large"], "accounts": [40, 10, 25]})
    >>> kept_together(moves).tolist()  # renamed, and 10 of SMB split off into Mid
    [True, False, True]
    """
    if transitions.empty:
        return pd.Series([], dtype=bool, index=transitions.index)
    grid = transitions.pivot_table(index="from_segment", columns="to_segment", values="accounts",
                                   aggfunc="sum", fill_value=0)
    same_name = np.equal.outer(grid.index.to_numpy(object), grid.columns.to_numpy(object))
    rows, columns = linear_sum_assignment(grid.to_numpy(float) + 0.5 * same_name, maximize=True)
    pairs = {(grid.index[r], grid.columns[c]) for r, c in zip(rows, columns) if grid.iat[r, c]}
    return pd.Series([(a, b) in pairs for a, b in zip(transitions["from_segment"],
                                                      transitions["to_segment"])],
                     index=transitions.index, dtype=bool)


def owner_disruption(owner_segments: pd.DataFrame) -> tuple[int, int]:
    """Owners whose book would span several segments, and accounts away from their owner's
    main segment (the one holding most of its accounts; ties to the first by name).

    Takes one row per owner and segment: ``owner_id``, ``segment``, ``accounts``. When reps
    are aligned to segments, each such account changes hands.

    >>> rows = pd.DataFrame({"owner_id": ["u1", "u1", "u2", "u3", "u3"],
    ...     "segment": ["A", "B", "A", "A", "B"], "accounts": [5, 2, 4, 3, 3]})
    >>> owner_disruption(rows)
    (2, 5)
    """
    if owner_segments.empty:
        return 0, 0
    by_owner = owner_segments.groupby("owner_id")["accounts"]
    split = int((by_owner.size() > 1).sum())
    away = int((by_owner.sum() - by_owner.max()).sum())
    return split, away

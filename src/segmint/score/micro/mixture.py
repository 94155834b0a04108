"""A latent-class mixture for buying behaviour: Gaussian numerics and multinomial counts.

Each class has a share, a mean and a variance per numeric feature (diagonal Gaussian) and,
per count family the probability of each level: a customer's invoice lines are draws from its
class's multinomial over items, and its main channel one draw over channels.
Fitted by EM from the best of several k-means starts (short EM) on a seeded sample; the number of classes is the one
with the lowest ICL (BIC plus twice the classification entropy: Biernacki, Celeux & Govaert
2000, "Assessing a mixture model for clustering with the integrated completed likelihood",
IEEE TPAMI 22(7)) among those whose smallest class holds at least ``min_share`` of the sample.

Hand-written rather than StepMix: StepMix 3.0's categorical measurement reads one category
per column, so a customer's mix of items must be either a share (a Gaussian on log-ratios,
which collapses onto the many customers with one or two lines: ARI 0.2-0.3 on the demo) or
one draw; the multinomial over a customer's line counts weighs a customer with forty lines
forty times more surely than one with a single line, which is what recovers the clusters.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

VARIANCE_FLOOR = 1e-3  # of each numeric feature's overall variance: no class collapses on a point
COUNT_PRIOR = 0.5  # Dirichlet pseudo-count per level (Jeffreys): no probability is exactly 0


@dataclass
class Classes:
    """A fitted mixture: per class its share, Gaussian means and variances, level probabilities."""

    log_share: np.ndarray  # (k,)
    mean: np.ndarray  # (k, numeric)
    variance: np.ndarray  # (k, numeric)
    log_level: list[np.ndarray] = field(default_factory=list)  # per family: (k, levels)
    log_likelihood: float = float("nan")
    entropy: float = float("nan")
    n: int = 0

    @property
    def k(self) -> int:
        return len(self.log_share)

    @property
    def parameters(self) -> int:
        """Free parameters: shares, means and variances, level probabilities."""
        return (self.k - 1 + 2 * self.mean.size
                + sum(self.k * (p.shape[1] - 1) for p in self.log_level))

    @property
    def bic(self) -> float:
        return -2 * self.log_likelihood + self.parameters * np.log(self.n)

    @property
    def icl(self) -> float:
        return self.bic + 2 * self.entropy

    def joint(self, numeric: np.ndarray, counts: list[np.ndarray]) -> np.ndarray:
        """log P(class) + log P(features | class), a row per customer and a column per class."""
        return _design(numeric, counts) @ self.weights().T + self.offsets()[None]

    def weights(self) -> np.ndarray:
        """The log density as weights on `_design`'s columns, a row per class: the Gaussian
        expanded, -(x - m)² / 2v = -x²/2v + x·m/v - m²/2v, then each level's log probability."""
        precision = 1 / self.variance
        return np.hstack([-0.5 * precision, self.mean * precision, *self.log_level])

    def offsets(self) -> np.ndarray:
        """The part of each class's log density no feature multiplies: its share and the
        Gaussians' normalising terms."""
        return self.log_share - 0.5 * (self.mean**2 / self.variance
                                       + np.log(2 * np.pi * self.variance)).sum(1)

    def membership(self, numeric: np.ndarray, counts: list[np.ndarray]) -> np.ndarray:
        """The class of each customer: the most probable (ties: the lowest class)."""
        return self.joint(numeric, counts).argmax(1)


def fit_classes(numeric: np.ndarray, counts: list[np.ndarray], k: int, *, starts: int = 5,
                seed: int = 0, max_iter: int = 300, short_iter: int = 15,
                tol: float = 1e-7) -> Classes:
    """EM with `k` classes from the best of `starts` k-means starts (the highest
    log-likelihood after `short_iter` iterations), run on to convergence.

    Examples
    --------
    Two groups of 50 customers, one buying small and often item A, the other large and
    rarely item B, are told apart whatever the seed:

    >>> rng = np.random.default_rng(0)
    >>> numeric = np.r_[rng.normal(0, 0.3, (50, 1)), rng.normal(3, 0.3, (50, 1))]
    >>> items = np.r_[np.tile([4, 0], (50, 1)), np.tile([0, 2], (50, 1))]
    >>> classes = fit_classes(numeric, [items], 2, seed=1)
    >>> labels = classes.membership(numeric, [items])
    >>> len(set(labels[:50])), len(set(labels[50:])), bool(labels[0] != labels[-1])
    (1, 1, True)
    """
    from sklearn.cluster import KMeans

    scale = numeric.std(0)
    scale[scale == 0] = 1.0
    shares = [c / np.maximum(c.sum(1, keepdims=True), 1) for c in counts]
    start_space = np.hstack([(numeric - numeric.mean(0)) / scale, *shares])
    floor = VARIANCE_FLOOR * scale**2
    # "short EM" (Biernacki, Celeux & Govaert 2003, "Choosing starting values for the EM
    # algorithm", CSDA 41): every start runs `short_iter` iterations, only the best of them
    # runs on to convergence
    runs = []
    for start in range(starts):
        labels = KMeans(k, n_init=1, random_state=seed * 1000 + start).fit_predict(start_space)
        runs.append(_em(np.eye(k)[labels], numeric, counts, floor, short_iter, tol))
    resp, loglik, _ = max(runs, key=lambda run: run[1])  # the first of equals: stated order
    resp, loglik, classes = _em(resp, numeric, counts, floor, max_iter, tol)
    classes.log_likelihood, classes.n = loglik, len(numeric)
    classes.entropy = float(-(resp * np.log(np.clip(resp, 1e-300, None))).sum())
    return _in_stated_order(classes)


def _design(numeric: np.ndarray, counts: list[np.ndarray]) -> np.ndarray:
    """Each customer's x², x and level counts side by side: with `Classes.weights` the whole
    log density of every class is one matrix product (a class's Gaussian and multinomial terms
    are all linear in these columns)."""
    return np.hstack([numeric**2, numeric, *counts])


def _em(resp: np.ndarray, numeric: np.ndarray, counts: list[np.ndarray], floor: np.ndarray,
        iterations: int, tol: float) -> tuple[np.ndarray, float, Classes]:
    """EM from responsibilities `resp`, until the log-likelihood gains less than `tol` of
    itself or after `iterations`: the last responsibilities, log-likelihood and classes."""
    previous = -np.inf
    design = _design(numeric, counts)  # built once: every iteration is one product with it
    for _ in range(iterations):
        classes = _m_step(resp, numeric, counts, floor)
        joint = design @ classes.weights().T + classes.offsets()[None]
        # log-sum-exp by the row maximum: scipy's logsumexp checks and converts its input on
        # every call, which cost as much as the rest of an iteration here
        top = joint.max(1)
        resp = np.exp(joint - top[:, None])
        row_total = resp.sum(1)
        resp /= row_total[:, None]
        total = top + np.log(row_total)
        loglik = float(total.sum())
        if loglik - previous <= tol * abs(loglik):
            break
        previous = loglik
    return resp, loglik, classes


def _m_step(resp: np.ndarray, numeric: np.ndarray, counts: list[np.ndarray],
            floor: np.ndarray) -> Classes:
    weight = resp.sum(0) + 1e-12
    mean = resp.T @ numeric / weight[:, None]
    variance = np.maximum(resp.T @ numeric**2 / weight[:, None] - mean**2, floor[None])
    log_level = []
    for c in counts:
        expected = resp.T @ c + COUNT_PRIOR
        log_level.append(np.log(expected / expected.sum(1, keepdims=True)))
    return Classes(np.log(weight / weight.sum()), mean, variance, log_level)


def _in_stated_order(classes: Classes) -> Classes:
    """Classes numbered by their mean on the first numeric feature, so the same fit gives the
    same numbers whatever start found it."""
    order = np.lexsort(classes.mean.T[::-1])
    return Classes(classes.log_share[order], classes.mean[order], classes.variance[order],
                   [p[order] for p in classes.log_level], classes.log_likelihood,
                   classes.entropy, classes.n)

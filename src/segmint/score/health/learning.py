"""Health weights learned on evidence: each measure's weight from how well its points foretold churn."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import minimize

from segmint import tables as t
from segmint.dates import months_before
from segmint.score.health.measures import POINTS, YELLOW, measure_column

# Fewer churners than this at the learning cut-off and the declared weights are kept: a
# weight learned from a handful of losses says more about them than about the measures.
MIN_CHURNED = 20
# The L2 penalty per customer on the weights (in points ÷ 50): enough to keep two measures
# that move together from trading weight on noise, small against a real effect.
PENALTY = 1e-3


@dataclass(frozen=True)
class LearnedWeights:
    """What `learn_weights` found: a weight per measure (``None`` when the declared weights
    are kept), the window it learned on and why, in words."""

    weights: dict[str, float] | None
    cutoff: dt.date
    customers: int = 0
    churned: int = 0
    notes: list[str] = field(default_factory=list)


def nonnegative_logistic(points: np.ndarray, churned: np.ndarray,
                         penalty: float = PENALTY) -> np.ndarray:
    """Weights w ≥ 0 of the logistic model P(churn) = σ(b − Σ wᵢ·xᵢ), xᵢ = (pointsᵢ − 50)
    ÷ 50 (a missing measure counts as neutral), fitted by maximum likelihood with a small L2
    penalty; the weights alone are returned.

    Hand-written because scikit-learn's LogisticRegression has no sign constraint, and a
    health measure must never count against an account for being green: a negative weight
    (two correlated measures trading weight) would make a scorecard nobody can read. The
    fit is a bounded L-BFGS-B (SciPy) on the exact gradient.

    >>> rng = np.random.default_rng(0)
    >>> pts = rng.uniform(0, 100, (4000, 2))
    >>> risk = 1 / (1 + np.exp(-(-2 - 3 * (pts[:, 0] - 50) / 50)))
    >>> w = nonnegative_logistic(pts, rng.random(4000) < risk)
    >>> bool(2.5 < w[0] < 3.5), bool(w[1] < 0.2)
    (True, True)
    """
    x = np.nan_to_num((np.asarray(points, float) - POINTS[YELLOW]) / POINTS[YELLOW])
    y = np.asarray(churned, float)
    n, k = x.shape

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        b, w = theta[0], theta[1:]
        z = b - x @ w
        # log(1 + e^z) − y·z, stable for large |z|
        value = np.logaddexp(0.0, z).sum() - y @ z + penalty * n * (w @ w)
        residual = 1.0 / (1.0 + np.exp(-z)) - y
        grad = np.concatenate([[residual.sum()], -(x.T @ residual) + 2 * penalty * n * w])
        return value / n, grad / n

    rate = min(max(y.mean(), 1e-6), 1 - 1e-6)
    start = np.concatenate([[np.log(rate / (1 - rate))], np.zeros(k)])
    found = minimize(loss, start, jac=True, method="L-BFGS-B",
                     bounds=[(None, None)] + [(0.0, None)] * k)
    return found.x[1:]


def learn_weights(context, settings, months: int) -> LearnedWeights:
    """Each measure's weight learned from the customers paying `months` before the run's
    date: their measures' points then, from what was known then, against whether they churned
    by the run's date. The weights are scaled to the declared weights' total, so the score
    reads on the same 0-100 scale. Declared weights are kept (with a note) without a revenue
    table, with fewer than `MIN_CHURNED` churners, or when no measure foretold churn.
    """
    from segmint.score.backtest import known_at
    from segmint.score.health.scorecard import measures_table, points
    from segmint.score.health.validation import later_losses
    from segmint.score.stage import accounts_at

    cutoff = months_before(context.as_of, months)
    losses = later_losses(context.tables, cutoff, context.as_of, settings.contraction)
    if losses is None:
        return LearnedWeights(None, cutoff, notes=[
            "health weights: the declared ones (learning them needs the revenue table)"])
    past_tables = known_at(context.tables, cutoff)
    past_accounts = accounts_at(context.accounts, past_tables)
    # kept before the join below, as the losses are: at 5M accounts DuckDB could not hold the
    # measures' joins, the losses' two revenue aggregations and this join in one query
    measures, skipped = measures_table(past_accounts, past_tables, settings, cutoff,
                                       keep=context.keep, release=context.release,
                                       name="health_past_measures")
    used = [m for m in settings.measures if m.name not in skipped]
    graded = settings.points == "graded"
    losses = context.keep(losses, "health_losses")
    right = measures.rename(_measured_id=t.ACCOUNT_ID)
    joined = losses.left_join(right, losses[t.ACCOUNT_ID] == right._measured_id)
    frame = joined.select(
        t.ACCOUNT_ID, "churned",
        **{m.name: points(joined[measure_column(m.name)], m, graded) for m in used},
    ).order_by(t.ACCOUNT_ID).to_pyarrow()
    context.release(measures, losses)
    churned = np.asarray(frame["churned"].to_numpy(zero_copy_only=False), bool)
    customers, lost = len(churned), int(churned.sum())
    if lost < MIN_CHURNED or not used:
        return LearnedWeights(None, cutoff, customers, lost, notes=[
            f"health weights: the declared ones ({lost} customers paying at {cutoff} churned "
            f"by {context.as_of}; learning needs at least {MIN_CHURNED})"])
    matrix = np.column_stack([
        np.asarray(frame[m.name].to_numpy(zero_copy_only=False), float) for m in used])
    raw = nonnegative_logistic(matrix, churned)
    if not (raw > 1e-9).any():
        return LearnedWeights(None, cutoff, customers, lost, notes=[
            f"health weights: the declared ones (no measure at {cutoff} foretold the churn "
            f"of the {lost} customers lost by {context.as_of})"])
    total = sum(m.weight for m in used)
    scaled = raw / raw.sum() * total
    weights = {m.name: round(float(w), 4) for m, w in zip(used, scaled, strict=True)}
    return LearnedWeights(weights, cutoff, customers, lost, notes=[
        f"health weights learned from {customers:,} customers paying at {cutoff}, "
        f"{lost:,} of whom churned by {context.as_of}"])

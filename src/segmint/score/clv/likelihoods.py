"""Log-likelihoods of the published CLV models, per distinct pattern, with their gradients.

Each function takes the model's parameters on the log scale (the optimiser works there, so
every parameter stays positive) and NumPy arrays with one entry per distinct pattern, and
returns the log-likelihood of one account with that pattern and its gradient with respect to
the log-parameters (one column per parameter). The fitters weight them by account counts.

Everything is computed in logs, with the large powers factored out, so a frequency of several
hundred or a recency equal to T gives a finite number rather than an overflow or a NaN.
"""

from __future__ import annotations

import numpy as np
from scipy.special import betaln, digamma, expit, gammaln, roots_legendre

_NODES, _NODE_WEIGHTS = roots_legendre(48)  # on [-1, 1]: the Pareto/NBD dropout-time integral


def bgnbd(log_params: np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray,
          frequencies: tuple[np.ndarray, np.ndarray] | None = None
          ) -> tuple[np.ndarray, np.ndarray]:
    """BG/NBD log-likelihood and its gradient per (x, t_x, T) pattern.

    Fader, Hardie & Lee (2005), "Counting your customers the easy way", Eq. (6): with
    A = Γ(r+x)α^r / (Γ(r)(α+T)^(r+x)) · B(a, b+x)/B(a, b),
    L = A · (1 + δ(x>0) · a/(b+x-1) · ((α+T)/(α+t_x))^(r+x)); the second factor is a
    log-sum-exp, so neither power is ever formed.

    The gamma-function terms depend on x alone and are computed once per distinct frequency:
    pass ``np.unique(x, return_inverse=True)`` as `frequencies` to reuse it across calls.

    Examples
    --------
    >>> ll, grad = bgnbd(np.log([0.243, 4.414, 0.793, 2.426]), np.array([2.0]),
    ...                  np.array([30.43]), np.array([38.86]))
    >>> round(float(ll[0]), 4), grad.shape
    (-9.4586, (1, 4))
    """
    r, alpha, a, b = np.exp(log_params)
    values, index = frequencies if frequencies is not None else np.unique(x, return_inverse=True)
    ab = a + b
    # per distinct frequency: the x-only terms of the log-likelihood and of its gradient
    per_x = np.stack([
        gammaln(r + values) + betaln(a, b + values),
        digamma(r + values),
        digamma(ab + values),
        digamma(b + values),
    ])[:, index]
    repeat = x > 0
    log_alpha_T, log_alpha_tx = np.log(alpha + T), np.log(alpha + t_x)
    log_ratio = log_alpha_T - log_alpha_tx
    b_x1 = np.where(repeat, b + x - 1.0, 1.0)  # only repeat buyers can have dropped out
    z = np.where(repeat, np.log(a) - np.log(b_x1) + (r + x) * log_ratio, -np.inf)
    ll = (per_x[0] - gammaln(r) + r * np.log(alpha) - (r + x) * log_alpha_T - betaln(a, b)
          + np.logaddexp(0.0, z))
    dropped = expit(z)  # the dropout branch's share of the likelihood (0 when x = 0)
    d_r = per_x[1] - digamma(r) + np.log(alpha) - log_alpha_T + dropped * log_ratio
    d_alpha = (r / alpha - (r + x) / (alpha + T)
               + dropped * (r + x) * (1.0 / (alpha + T) - 1.0 / (alpha + t_x)))
    d_a = digamma(ab) - per_x[2] + dropped / a
    d_b = per_x[3] - per_x[2] - digamma(b) + digamma(ab) - dropped / b_x1
    grad = np.column_stack([d_r * r, d_alpha * alpha, d_a * a, d_b * b])
    return ll, grad


class BgnbdTotal:
    """The weighted BG/NBD log-likelihood summed over distinct patterns, and its gradient, with
    each term computed over only what it depends on.

    Of `bgnbd`'s terms, most depend on the frequency alone (a few dozen distinct values) or
    on T alone (a few hundred): they are summed per distinct value with the weights added up
    once, here. Only the dropout term, a log-sum-exp in (x, t_x, T) jointly, is evaluated
    per repeat pattern, its log((α + T) / (α + t_x)) read from a table over the distinct
    (T, t_x) pairs. Long weighted sums use einsum, not ``@``: a BLAS dot product wakes
    OpenBLAS's threads, which cost milliseconds a call on a busy machine.

    Examples
    --------
    >>> x, t_x, T = np.array([0.0, 2.0, 5.0]), np.array([0.0, 30.4, 20.0]), np.array([38.9] * 3)
    >>> w = np.array([10.0, 3.0, 1.0])
    >>> lp = np.log([0.243, 4.414, 0.793, 2.426])
    >>> total, grad = BgnbdTotal(x, t_x, T, w)(lp)
    >>> ll, per_pattern = bgnbd(lp, x, t_x, T)
    >>> bool(np.isclose(total, w @ ll)), bool(np.allclose(grad, w @ per_pattern))
    (True, True)
    """

    def __init__(self, x: np.ndarray, t_x: np.ndarray, T: np.ndarray, weights: np.ndarray):
        self.x_values, x_index = _distinct(x)
        self.x_weight = np.bincount(x_index, weights)
        self.T_values, T_index = _distinct(T)
        self.T_weight = np.bincount(T_index, weights)
        self.T_purchases = np.bincount(T_index, weights * x)  # Σ w·x per T: the (r+x) factor
        self.total = float(weights.sum())
        repeat = x > 0
        self.tx_values, tx_index = _distinct(t_x[repeat])
        # per repeat pattern: its weight, x, and where its x and (T, t_x) pair are found
        self.rep_weight, self.rep_x = weights[repeat], x[repeat]
        self.rep_x_index = x_index[repeat]
        self.rep_pair = T_index[repeat] * self.tx_values.size + tx_index
        self.repeat_x_values = self.x_values > 0

    def __call__(self, log_params: np.ndarray) -> tuple[float, np.ndarray]:
        r, alpha, a, b = np.exp(log_params)
        xs, n, w_x = self.x_values, self.total, self.x_weight
        rate_weight = r * self.T_weight + self.T_purchases  # Σ w·(r + x) per T
        log_alpha_T = np.log(alpha + self.T_values)
        inv_T = 1.0 / (alpha + self.T_values)
        pair_log_ratio = (log_alpha_T[:, None] - np.log(alpha + self.tx_values)[None, :]).ravel()
        pair_inv = (inv_T[:, None] - 1.0 / (alpha + self.tx_values)[None, :]).ravel()
        b_x1 = np.where(self.repeat_x_values, b + xs - 1.0, 1.0)
        log_ratio = pair_log_ratio[self.rep_pair]
        r_x = r + self.rep_x
        z = (np.log(a) - np.log(b_x1))[self.rep_x_index] + r_x * log_ratio
        small = np.exp(-np.abs(z))  # log(1 + e^z) and e^z / (1 + e^z) from one exp, stably
        softplus = np.maximum(z, 0.0) + np.log1p(small)
        dropped = self.rep_weight * np.where(z >= 0, 1.0, small) / (1.0 + small)
        ab = a + b
        ll = (w_x @ (gammaln(r + xs) + betaln(a, b + xs))
              + n * (r * np.log(alpha) - gammaln(r) - betaln(a, b))
              - rate_weight @ log_alpha_T + _dot(self.rep_weight, softplus))
        dropped_x = np.bincount(self.rep_x_index, dropped, minlength=xs.size)
        d_r = (w_x @ digamma(r + xs) + n * (np.log(alpha) - digamma(r))
               - self.T_weight @ log_alpha_T + _dot(dropped, log_ratio))
        d_alpha = (n * r / alpha - rate_weight @ inv_T
                   + _dot(dropped * r_x, pair_inv[self.rep_pair]))
        psi_abx = digamma(ab + xs)
        d_a = n * digamma(ab) - w_x @ psi_abx + dropped_x.sum() / a
        d_b = (w_x @ (digamma(b + xs) - psi_abx) + n * (digamma(ab) - digamma(b))
               - dropped_x @ (self.repeat_x_values / b_x1))
        return float(ll), np.array([d_r * r, d_alpha * alpha, d_a * a, d_b * b])


def _distinct(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct values and each entry's index among them, as ``np.unique(values,
    return_inverse=True)`` but by hashing: a few distinct values among 10^5 entries need no
    sort of the entries."""
    import pandas as pd

    codes, uniques = pd.factorize(values, sort=True)
    return np.asarray(uniques, dtype=float), codes


def _dot(left: np.ndarray, right: np.ndarray) -> float:
    return float(np.einsum("i,i->", left, right))


def bgnbd_alive(params: tuple[float, float, float, float], x: np.ndarray, t_x: np.ndarray,
                T: np.ndarray) -> np.ndarray:
    """P(alive at T | x, t_x, T) under BG/NBD (Fader, Hardie & Lee 2005, Eq. 11).

    >>> float(bgnbd_alive((0.243, 4.414, 0.793, 2.426), np.array([0.0]), np.array([0.0]),
    ...                   np.array([38.86]))[0])
    1.0
    """
    r, alpha, a, b = params
    repeat = x > 0
    b_x1 = np.where(repeat, b + x - 1.0, 1.0)
    z = np.where(repeat, np.log(a) - np.log(b_x1)
                 + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x)), -np.inf)
    return expit(-z)


def pareto_nbd(log_params: np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray
               ) -> np.ndarray:
    """Pareto/NBD log-likelihood per (x, t_x, T) pattern.

    Schmittlein, Morrison & Colombo (1987), as Eq. (22) of Fader & Hardie's 2005 note
    "A note on deriving the Pareto/NBD model": the likelihood is the alive-at-T term plus
    s·∫ from t_x to T of (α+τ)^-(r+x) (β+τ)^-(s+1) dτ, the account dying at τ. The closed
    form takes Gauss's hypergeometric function, which overflows at frequencies in the
    hundreds; the integral is taken here by Gauss-Legendre quadrature after the change of
    variable y = ((α+t_x)/(α+τ))^(r+x), which flattens the sharply falling integrand, in logs.

    Examples
    --------
    >>> ll = pareto_nbd(np.log([0.553, 10.58, 0.606, 11.67]), np.array([0.0, 300.0]),
    ...                 np.array([0.0, 38.0]), np.array([38.86, 38.86]))
    >>> bool(np.isfinite(ll).all())
    True
    """
    r, alpha, s, beta = np.exp(log_params)
    k = r + x
    alive = -k * np.log(alpha + T) - s * np.log(beta + T)
    log_A = np.log(alpha + t_x)
    y_T = np.exp(-k * (np.log(alpha + T) - log_A))  # in (0, 1]: 1 when t_x = T
    width = 1.0 - y_T
    y = y_T[:, None] + width[:, None] * (_NODES[None, :] + 1.0) / 2.0
    tau = np.exp(log_A[:, None] - np.log(y) / k[:, None]) - alpha
    log_f = np.log(alpha + tau) - (s + 1.0) * np.log(beta + tau)
    with np.errstate(divide="ignore"):  # t_x = T: no time to die in, the term is 0
        log_integral = (np.log(width / 2.0) + _logsumexp(log_f + np.log(_NODE_WEIGHTS), axis=1)
                        - k * log_A - np.log(k))
    dead = np.log(s) + log_integral
    return (gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
            + np.logaddexp(alive, dead))


def gamma_gamma(log_params: np.ndarray, x: np.ndarray, mean_spend: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray]:
    """Gamma-Gamma log-likelihood of x repeat transactions averaging `mean_spend`, and gradient.

    Fader, Hardie & Lee (2005), "RFM and CLV", Eq. (3), as in Hardie's note "The Gamma-Gamma
    model of monetary value" (2013): spend per transaction is Gamma(p, ν), ν ~ Gamma(q, γ).
    Needs x > 0 and mean_spend > 0.

    >>> ll, _ = gamma_gamma(np.log([6.25, 3.74, 15.44]), np.array([2.0]), np.array([22.35]))
    >>> round(float(ll[0]), 4)
    -3.5513
    """
    p, q, gamma = np.exp(log_params)
    px = p * x
    log_total = np.log(gamma + x * mean_spend)
    ll = (gammaln(px + q) - gammaln(px) - gammaln(q) + q * np.log(gamma)
          + (px - 1.0) * np.log(mean_spend) + px * np.log(x) - (px + q) * log_total)
    d_p = x * (digamma(px + q) - digamma(px) + np.log(mean_spend) + np.log(x) - log_total)
    d_q = digamma(px + q) - digamma(q) + np.log(gamma) - log_total
    d_gamma = q / gamma - (px + q) / (gamma + x * mean_spend)
    return ll, np.column_stack([d_p * p, d_q * q, d_gamma * gamma])


class GammaGammaTotal:
    """The weighted Gamma-Gamma log-likelihood summed over distinct (x, mean spend) pairs, and
    its gradient, with each term computed over only what it depends on.

    Of `gamma_gamma`'s terms, the gamma functions depend on x alone (a few dozen distinct
    values), and (p·x - 1)·log m enters through Σ w·log m per x, added up once here. Only
    (p·x + q)·log(γ + x·m) is evaluated per pair: one log and one division each, where the
    per-pair form takes two gamma functions, two digammas and three logs.

    Examples
    --------
    >>> x, m, w = np.array([1.0, 2.0, 2.0]), np.array([30.0, 22.35, 41.0]), np.array([4.0, 1.0, 2.0])
    >>> lp = np.log([6.25, 3.74, 15.44])
    >>> total, grad = GammaGammaTotal(x, m, w)(lp)
    >>> ll, per_pair = gamma_gamma(lp, x, m)
    >>> bool(np.isclose(total, w @ ll)), bool(np.allclose(grad, w @ per_pair))
    (True, True)
    """

    def __init__(self, x: np.ndarray, mean_spend: np.ndarray, weights: np.ndarray):
        self.x_values, x_index = _distinct(x)
        self.x_weight = np.bincount(x_index, weights)
        self.x_log_spend = np.bincount(x_index, weights * np.log(mean_spend))  # Σ w·log m per x
        self.log_x = np.log(self.x_values)
        self.total = float(weights.sum())
        self.x, self.weights, self.spent = x, weights, x * mean_spend  # x·m: the repeat total

    def __call__(self, log_params: np.ndarray) -> tuple[float, np.ndarray]:
        p, q, gamma = np.exp(log_params)
        xs, n, w_x = self.x_values, self.total, self.x_weight
        px = p * xs
        log_total = np.log(gamma + self.spent)
        shape = self.weights * (p * self.x + q)  # w·(p·x + q), per pair
        ll = (w_x @ (gammaln(px + q) - gammaln(px) + px * self.log_x)
              + n * (q * np.log(gamma) - gammaln(q))
              + p * (xs @ self.x_log_spend) - self.x_log_spend.sum() - _dot(shape, log_total))
        psi = digamma(px + q)
        d_p = (w_x @ (xs * (psi - digamma(px) + self.log_x)) + xs @ self.x_log_spend
               - _dot(self.weights * self.x, log_total))
        d_q = w_x @ psi + n * (np.log(gamma) - digamma(q)) - _dot(self.weights, log_total)
        d_gamma = n * q / gamma - _dot(shape, 1.0 / (gamma + self.spent))
        return float(ll), np.array([d_p * p, d_q * q, d_gamma * gamma])


def shifted_beta_geometric(log_params: np.ndarray, periods: np.ndarray, churned: np.ndarray
                           ) -> tuple[np.ndarray, np.ndarray]:
    """sBG log-likelihood of an account seen for `periods` contract periods, and its gradient.

    Fader & Hardie (2007), "How to project customer retention", Eqs. (3) and (4): an account
    that churned at the end of period t has P(T = t) = B(α+1, β+t-1)/B(α, β); one still
    active in period t has renewed t-1 times, S(t-1) = B(α, β+t-1)/B(α, β).

    >>> ll, _ = shifted_beta_geometric(np.log([0.668, 3.806]), np.array([1.0, 8.0]),
    ...                                np.array([True, False]))
    >>> np.round(ll, 4).tolist()
    [-1.9017, -0.7155]
    """
    alpha, beta = np.exp(log_params)
    t = periods
    base_a, base_b = digamma(alpha + beta) - digamma(alpha), digamma(alpha + beta) - digamma(beta)
    churn_ll = betaln(alpha + 1.0, beta + t - 1.0) - betaln(alpha, beta)
    churn_a = digamma(alpha + 1.0) - digamma(alpha + beta + t) + base_a
    churn_b = digamma(beta + t - 1.0) - digamma(alpha + beta + t) + base_b
    stay_ll = betaln(alpha, beta + t - 1.0) - betaln(alpha, beta)
    stay_a = digamma(alpha) - digamma(alpha + beta + t - 1.0) + base_a
    stay_b = digamma(beta + t - 1.0) - digamma(alpha + beta + t - 1.0) + base_b
    ll = np.where(churned, churn_ll, stay_ll)
    grad = np.column_stack([np.where(churned, churn_a, stay_a) * alpha,
                            np.where(churned, churn_b, stay_b) * beta])
    return ll, grad


def _logsumexp(values: np.ndarray, axis: int) -> np.ndarray:
    top = np.max(values, axis=axis, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    return np.log(np.sum(np.exp(values - top), axis=axis)) + np.squeeze(top, axis=axis)

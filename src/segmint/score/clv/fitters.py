"""Maximum-likelihood fitters of the CLV models: BG/NBD, Pareto/NBD, Gamma-Gamma and sBG.

Hand-written rather than taken from a library: no well-kept package under our dependency set
fits these models by weighted maximum likelihood with analytic gradients on distinct
patterns. `lifetimes` did (without gradients) and is unmaintained; PyMC-Marketing needs PyMC
and is far slower at a million accounts. Both stay bench-only comparisons (`benchmarks/`).

Every fitter follows scikit-learn's contract: settings in `__init__`, `fit` returns
``self``, learned state ends in ``_`` (the parameters, ``log_likelihood_``,
``standard_errors_`` and ``log_covariance_`` from the observed information: NaN for
Pareto/NBD, whose gradient is numerical, and where the likelihood is flat). `fit` takes one entry per distinct pattern with the
number of accounts sharing it (`weights`), so a million accounts cost what their few thousand
distinct (frequency, recency, T) patterns cost. A fit whose parameters end at a bound, or
that does not converge, warns (`ModelFitWarning`); data that cannot identify the model raises
`ModelFitError` saying why.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Self

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from threadpoolctl import threadpool_limits

from segmint.exceptions import ModelFitError, ModelFitWarning
from segmint.score.clv import likelihoods

LOG_BOUND = np.log(1e7)  # parameters live in [1e-7, 1e7]: far outside any real fit
_AT_BOUND = 1e-3  # this close to a bound (in logs), a parameter is reported as stuck there
# A shape parameter (unitless, unlike the time and money scales) outside this range means the
# likelihood ran flat towards a corner: e.g. BG/NBD's a -> 0 when no account has dropped out.
EXTREME_SHAPE = (1e-4, 1e4)


class _Fitter:
    """The shared maximum-likelihood machinery: maximise, record, warn."""

    model_name: str = ""
    parameter_names: tuple[str, ...] = ()
    scale_names: tuple[str, ...] = ()  # in the data's units of time or money

    def __init__(self, *, max_iterations: int = 500):
        self.max_iterations = max_iterations

    def _maximise(self, loglik: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray | None]],
                  start: Sequence[float], weights: np.ndarray) -> None:
        """Maximise a likelihood given per pattern (`loglik`), weighted by account counts."""

        # einsum, not `@`: a BLAS dot product over 10^5 patterns wakes OpenBLAS's threads,
        # which cost 15 ms a call on a busy machine against 0.1 ms for einsum's loop
        def summed(log_params: np.ndarray):
            ll, grad = loglik(log_params)
            total = float(np.einsum("i,i->", weights, ll))
            return total, None if grad is None else np.einsum("i,ij->j", weights, grad)

        analytic = loglik(np.log(np.asarray(start, dtype=float)))[1] is not None
        self._maximise_total(summed, start, float(weights.sum()), analytic=analytic)

    def _maximise_total(self, loglik: Callable[[np.ndarray], tuple[float, np.ndarray | None]],
                        start: Sequence[float], total: float, *, analytic: bool,
                        rough: Callable[[np.ndarray], tuple[float, np.ndarray]] | None = None
                        ) -> None:
        """Maximise a log-likelihood already summed over accounts (`loglik` gives it and its
        gradient, None without one); `total` accounts.

        `rough`, a cheaper likelihood near this one (the same accounts on coarser patterns),
        guides the search: maximised first, its optimum is the start and its curvature the
        metric, so the full likelihood needs a handful of evaluations instead of a few dozen.
        Where it cannot guide (an optimum at a bound, no curvature), or the guided search
        fails, the search starts over from `start` without it.
        """

        def objective(log_params: np.ndarray):
            ll, grad = loglik(log_params)
            value = -ll / total  # per account: well scaled
            return value if not analytic else (value, -grad / total)

        # one BLAS thread: L-BFGS-B's small vector steps woke OpenBLAS's pool at each of its
        # calls, which cost more than the likelihood at a million accounts on a busy machine
        with np.errstate(over="ignore", invalid="ignore"), threadpool_limits(1, "blas"):
            # trial steps may leave the domain: overflow there is expected
            result = _guided_search(objective, rough, np.log(start), total) \
                if rough is not None and analytic else None
            if result is None:
                result = minimize(objective, np.log(start), jac=analytic, method="L-BFGS-B",
                                  bounds=[(-LOG_BOUND, LOG_BOUND)] * len(start),
                                  options={"maxiter": self.max_iterations, "ftol": 1e-13,
                                           "gtol": 1e-9})
            covariance = _log_covariance(objective, result.x, result.jac, total) \
                if analytic else np.full((len(start), len(start)), np.nan)
        params = np.exp(result.x)
        self.log_likelihood_ = -result.fun * total
        if not np.isfinite(self.log_likelihood_):
            raise ModelFitError(f"{self.model_name}: the likelihood is not finite at the "
                                f"fitted parameters {self._describe(params)}")
        for name, value in zip(self.parameter_names, params):
            setattr(self, f"{name}_", float(value))
        self.n_accounts_ = int(round(total))
        self.converged_ = bool(result.success)
        self.log_params_ = result.x
        self.log_covariance_ = covariance
        log_errors = np.sqrt(np.diag(self.log_covariance_))
        self.standard_errors_ = dict(zip(self.parameter_names, (params * log_errors).tolist()))
        low, high = EXTREME_SHAPE
        stuck = [name for name, log_value in zip(self.parameter_names, result.x)
                 if abs(abs(log_value) - LOG_BOUND) < _AT_BOUND
                 or (name not in self.scale_names and not low < np.exp(log_value) < high)]
        self.at_bounds_ = tuple(stuck)
        if stuck:
            warnings.warn(f"{self.model_name}: {', '.join(stuck)} reached the edge of what "
                          f"the data can identify ({self._describe(params)}) on "
                          f"{self.n_accounts_:,} accounts; read its forecasts as rough",
                          ModelFitWarning, stacklevel=3)
        elif not result.success:
            warnings.warn(f"{self.model_name} did not converge on {self.n_accounts_:,} "
                          f"accounts ({result.message}); parameters so far "
                          f"{self._describe(params)}", ModelFitWarning, stacklevel=3)

    def _describe(self, params: np.ndarray) -> str:
        return ", ".join(f"{n}={v:.4g}" for n, v in zip(self.parameter_names, params))

    @property
    def params_(self) -> dict[str, float]:
        """The fitted parameters by name."""
        return {name: getattr(self, f"{name}_") for name in self.parameter_names}


def _guided_search(objective, rough, start: np.ndarray, total: float):
    """Maximise `objective` from the optimum of `rough` (a likelihood summed over the same
    accounts), in coordinates where the Hessian of `rough` there is the identity; None when
    `rough` cannot guide or the search does not converge inside the bounds."""
    box = [(-LOG_BOUND, LOG_BOUND)] * start.size

    def rough_objective(log_params: np.ndarray):
        ll, grad = rough(log_params)
        return -ll / total, -grad / total

    first = minimize(rough_objective, start, jac=True, method="L-BFGS-B", bounds=box,
                     options={"ftol": 1e-11, "gtol": 1e-7})
    if not first.success or (np.abs(first.x) > LOG_BOUND - 1.0).any():
        return None
    try:  # y = Lᵀ(θ − θ₀) with H = L·Lᵀ: a unit step in y is a Newton step in θ
        lower = np.linalg.cholesky(_hessian(rough_objective, first.x, first.jac))
    except np.linalg.LinAlgError:
        return None
    back = np.linalg.inv(lower.T)  # θ = θ₀ + back·y

    def guided(y: np.ndarray):
        value, grad = objective(first.x + back @ y)
        return value, back.T @ grad

    result = minimize(guided, np.zeros(start.size), jac=True, method="BFGS",
                      options={"gtol": 1e-9})
    result.x = first.x + back @ result.x
    result.jac = lower @ result.jac  # the gradient in θ
    if not result.success and np.abs(result.jac).max() > 1e-8 \
            or (np.abs(result.x) > LOG_BOUND).any():
        return None
    result.success = True
    return result


def _hessian(objective, log_params: np.ndarray, gradient: np.ndarray) -> np.ndarray:
    """The objective's Hessian by forward differences of its analytic gradient from
    `gradient`, its value at `log_params` (one evaluation per parameter)."""
    step = 1e-6
    hessian = np.empty((log_params.size, log_params.size))
    for i in range(log_params.size):
        shift = np.zeros_like(log_params)
        shift[i] = step
        hessian[i] = (objective(log_params + shift)[1] - gradient) / step
    return (hessian + hessian.T) / 2


def _log_covariance(objective, log_params: np.ndarray, gradient: np.ndarray,
                    total: float) -> np.ndarray:
    """Asymptotic covariance of the log-parameters: the inverse of the observed information,
    the Hessian of the log-likelihood taken by forward differences of its analytic gradient
    from `gradient`, the objective's at the fit (the error, of the order of the step, 1e-6,
    is far below a standard error's own). NaN where the likelihood is not curved (a
    parameter at an edge)."""
    size = log_params.size
    hessian = _hessian(objective, log_params, gradient) * total
    try:
        covariance = np.linalg.inv(hessian)  # the objective is -LL: its Hessian is -H
    except np.linalg.LinAlgError:
        return np.full((size, size), np.nan)
    if not (np.isfinite(covariance).all() and (np.linalg.eigvalsh(covariance) > 0).all()):
        return np.full((size, size), np.nan)
    return covariance


def _repeat_arrays(frequency, recency, T, weights, model_name: str):
    x, t_x, T = (np.asarray(v, dtype=float) for v in (frequency, recency, T))
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=float)
    if not (x.shape == t_x.shape == T.shape == w.shape) or x.ndim != 1:
        raise ModelFitError(f"{model_name}: frequency, recency, T and weights must be "
                            "1-d arrays of one length")
    bad = ~(np.isfinite(x) & np.isfinite(t_x) & np.isfinite(T) & np.isfinite(w)) | (x < 0) \
        | (t_x < 0) | (t_x > T) | (T <= 0) | (w < 0) | ((x == 0) & (t_x != 0))
    if bad.any():
        i = int(np.argmax(bad))
        raise ModelFitError(
            f"{model_name}: {int(bad.sum()):,} patterns are not valid repeat-purchase "
            f"summaries, e.g. frequency={x[i]:g}, recency={t_x[i]:g}, T={T[i]:g}, "
            f"weight={w[i]:g}: needs frequency >= 0, 0 <= recency <= T, T > 0, recency 0 "
            "when frequency is 0")
    keep = w > 0
    x, t_x, T, w = x[keep], t_x[keep], T[keep], w[keep]
    if w.sum() < 2:
        raise ModelFitError(f"{model_name}: needs at least 2 accounts, got {w.sum():g}")
    if not (x > 0).any():
        raise ModelFitError(f"{model_name}: none of the {w.sum():,.0f} accounts made a repeat "
                            "purchase, so how often accounts buy cannot be learnt; with a "
                            "longer history, or transactions rather than deals, it can")
    return x, t_x, T, w


COARSE_STEPS = 64  # a rough fit sees recency and T on a grid of this many steps to the oldest


def _coarse_patterns(x: np.ndarray, t_x: np.ndarray, T: np.ndarray, w: np.ndarray, *,
                     least: int = 5_000):
    """The same accounts with recency and T on a grid of `COARSE_STEPS` steps up to the
    largest T, as distinct patterns with weights: a likelihood a few times cheaper whose
    optimum is near the exact one. None below `least` patterns, or when the grid would not
    make them three times fewer.

    >>> x, t_x, T = np.ones(9), np.linspace(10.0, 10.4, 9), np.full(9, 64.0)
    >>> [v.tolist() for v in _coarse_patterns(x, t_x, T, np.ones(9), least=0)]
    [[1.0], [10.0], [64.0], [9.0]]
    """
    if x.size < least:
        return None
    step = T.max() / COARSE_STEPS
    grid = COARSE_STEPS + 2  # cells per axis: 0 to COARSE_STEPS, and one to spare
    grid_T = np.maximum(np.round(T / step), 1.0).astype(np.int64)
    grid_t = np.minimum(np.round(t_x / step).astype(np.int64), grid_T)
    x_codes, x_values = pd.factorize(x)
    codes, keys = pd.factorize((x_codes * grid + grid_T) * grid + grid_t)
    if keys.size > x.size / 3:
        return None
    return (np.asarray(x_values, dtype=float)[keys // grid // grid],
            (keys % grid) * step, (keys // grid % grid) * step, np.bincount(codes, w))


class BetaGeo(_Fitter):
    """BG/NBD: how often an account buys (Poisson rate λ ~ Gamma(r, α)) and whether it still
    does (after each purchase it drops out with probability p ~ Beta(a, b)).

    Examples
    --------
    >>> import pandas as pd
    >>> from importlib.resources import files
    >>> cdnow = pd.read_csv(files("segmint.data") / "cdnow_sample_rfm.csv")
    >>> model = BetaGeo().fit(cdnow.frequency, cdnow.recency, cdnow["T"])
    >>> {name: round(value, 3) for name, value in model.params_.items()}
    {'r': 0.243, 'alpha': 4.414, 'a': 0.793, 'b': 2.426}
    """

    model_name = "BG/NBD"
    parameter_names = ("r", "alpha", "a", "b")
    scale_names = ("alpha",)

    def fit(self, frequency, recency, T, weights=None) -> Self:
        """Fit on repeat-purchase summaries, one entry per distinct pattern with its count."""
        x, t_x, T, w = _repeat_arrays(frequency, recency, T, weights, self.model_name)
        scale = float(w @ T / w.sum())
        coarse = _coarse_patterns(x, t_x, T, w)
        self._maximise_total(likelihoods.BgnbdTotal(x, t_x, T, w), (1.0, scale, 1.0, 1.0),
                             float(w.sum()), analytic=True,
                             rough=None if coarse is None else likelihoods.BgnbdTotal(*coarse))
        return self

    def probability_alive(self, frequency, recency, T) -> np.ndarray:
        """P(still buying at T) per account (Fader, Hardie & Lee 2005, Eq. 11)."""
        return likelihoods.bgnbd_alive(tuple(self.params_.values()),
                                       *(np.asarray(v, dtype=float) for v in (frequency, recency, T)))

    def expected_purchases(self, horizon, frequency, recency, T, *, nodes: int = 48) -> np.ndarray:
        """Expected purchases in (T, T + horizon] per account; `horizon` may be an array of
        horizons (one column each).

        P(alive) times the mean for an account still alive, whose rate is Gamma(r+x, α+T)
        and dropout probability Beta(a, b+x) given its history: E = ∫ (1 - ((α+T)/(α+T+p·t))^(r+x))
        / p over that Beta, by Gauss-Jacobi quadrature. Equal to Eq. (10) of Fader, Hardie &
        Lee (2005), whose hypergeometric function overflows at large frequencies.

        >>> model = BetaGeo()
        >>> model.r_, model.alpha_, model.a_, model.b_ = 0.243, 4.414, 0.793, 2.426
        >>> round(float(model.expected_purchases(39, [2], [30.43], [38.86])[0]), 3)
        1.226
        """
        x, t_x, T = (np.atleast_1d(np.asarray(v, dtype=float)) for v in (frequency, recency, T))
        horizons = np.atleast_1d(np.asarray(horizon, dtype=float))
        r, alpha, a, b = self.r_, self.alpha_, self.a_, self.b_
        alive_mean = np.empty((x.size, horizons.size))
        for value in np.unique(x):
            rows = np.flatnonzero(x == value)
            # the mean depends on (x, T) alone: once per distinct age, not per pattern (at a
            # million accounts, 144,000 patterns share a few thousand (x, T) pairs)
            ages, at = np.unique(T[rows], return_inverse=True)
            p, weight = beta_quadrature(a, b + value, nodes)
            span = (alpha + ages)[:, None, None]
            pt = p[None, None, :] * horizons[None, :, None]
            bought = -np.expm1(-(r + value) * np.log1p(pt / span)) / p[None, None, :]
            alive_mean[rows] = (bought @ weight)[at]
        result = self.probability_alive(x, t_x, T)[:, None] * alive_mean
        return result[:, 0] if np.ndim(horizon) == 0 else result


class ParetoNBD(_Fitter):
    """Pareto/NBD: purchases at rate λ ~ Gamma(r, α) until an exponential lifetime with rate
    μ ~ Gamma(s, β) ends. Fitted for comparison with BG/NBD; its gradient is numerical.

    >>> import pandas as pd
    >>> from importlib.resources import files
    >>> cdnow = pd.read_csv(files("segmint.data") / "cdnow_sample_rfm.csv")
    >>> model = ParetoNBD().fit(cdnow.frequency, cdnow.recency, cdnow["T"])
    >>> round(model.log_likelihood_, 1)
    -9595.0
    """

    model_name = "Pareto/NBD"
    parameter_names = ("r", "alpha", "s", "beta")
    scale_names = ("alpha", "beta")

    def fit(self, frequency, recency, T, weights=None) -> Self:
        """Fit on repeat-purchase summaries, one entry per distinct pattern with its count."""
        x, t_x, T, w = _repeat_arrays(frequency, recency, T, weights, self.model_name)
        scale = float(w @ T / w.sum())
        self._maximise(lambda lp: (likelihoods.pareto_nbd(lp, x, t_x, T), None),
                       (1.0, scale, 1.0, scale), w)
        return self


class GammaGamma(_Fitter):
    """Gamma-Gamma: spend per transaction is Gamma(p, ν), with ν ~ Gamma(q, γ) across accounts.

    Fitted on repeat buyers with positive mean spend; accounts without are left out with a
    warning saying how many.

    >>> rng = np.random.default_rng(0)
    >>> x = rng.integers(1, 6, 500)
    >>> spend = rng.gamma(2.0 * x, 1 / rng.gamma(3.0, 1 / 200.0, 500)) / x  # p=2, q=3, γ=200
    >>> model = GammaGamma().fit(x, spend)
    >>> bool(100 < model.expected_spend([0], [0.0])[0] < 400)  # p·γ/(q-1) = 200 planted
    True
    """

    model_name = "Gamma-Gamma"
    parameter_names = ("p", "q", "gamma")
    scale_names = ("gamma",)

    def fit(self, frequency, mean_spend, weights=None) -> Self:
        """Fit on each account's repeat transactions (`frequency`) and their mean value."""
        x, m = np.asarray(frequency, dtype=float), np.asarray(mean_spend, dtype=float)
        w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=float)
        usable = (x > 0) & (m > 0) & np.isfinite(m) & (w > 0)
        left_out = float(w[(x > 0) & ~usable].sum())
        if left_out:
            warnings.warn(f"Gamma-Gamma: {left_out:,.0f} repeat buyers with zero, negative or "
                          "missing spend were left out of the fit", ModelFitWarning, stacklevel=2)
        if w[usable].sum() < 2:
            raise ModelFitError("Gamma-Gamma: needs at least 2 accounts with repeat purchases "
                                f"of positive value, got {w[usable].sum():g}")
        x, m, w = x[usable], m[usable], w[usable]
        if np.ptp(m) == 0:
            raise ModelFitError(f"Gamma-Gamma: every repeat buyer spends the same ({m[0]:g}) "
                                "per transaction, so spend does not vary and the model has "
                                "nothing to learn")
        self._maximise_total(likelihoods.GammaGammaTotal(x, m, w),
                             (1.0, 2.0, float(w @ m / w.sum())), float(w.sum()), analytic=True)
        if self.q_ <= 1.0:
            warnings.warn(f"Gamma-Gamma: q = {self.q_:.3g} <= 1, so the mean spend per "
                          "transaction is infinite in the model; spend forecasts fall back "
                          "to each account's own mean", ModelFitWarning, stacklevel=2)
        return self

    def expected_spend(self, frequency, mean_spend) -> np.ndarray:
        """Expected value of an account's future transactions (Fader, Hardie & Lee 2005,
        "RFM and CLV", Eq. 5): a weighted mean of its own mean spend and the population's.

        >>> model = GammaGamma()
        >>> model.p_, model.q_, model.gamma_ = 6.25, 3.74, 15.44
        >>> round(float(model.expected_spend([2], [22.35])[0]), 2)
        24.66
        """
        x, m = np.asarray(frequency, dtype=float), np.asarray(mean_spend, dtype=float)
        m = np.where(x > 0, m, 0.0)
        if self.q_ <= 1.0:
            return m
        return self.p_ * (self.gamma_ + x * m) / (self.p_ * x + self.q_ - 1.0)


class ShiftedBetaGeometric(_Fitter):
    """Shifted-beta-geometric: at each renewal an account churns with probability θ,
    θ ~ Beta(α, β) across accounts (Fader & Hardie 2007).

    Examples
    --------
    >>> model = ShiftedBetaGeometric().fit_survivors([1000, 869, 743, 653, 593, 551, 517, 491])
    >>> round(model.alpha_, 3), round(model.beta_, 3)
    (0.668, 3.806)
    """

    model_name = "shifted-beta-geometric"
    parameter_names = ("alpha", "beta")

    def fit(self, periods, churned, weights=None) -> Self:
        """Fit on accounts seen for `periods` contract periods (1 = still in its first) that
        churned at the end of the last (`churned`) or are still active."""
        t = np.asarray(periods, dtype=float)
        lost = np.asarray(churned, dtype=bool)
        w = np.ones_like(t) if weights is None else np.asarray(weights, dtype=float)
        if (t < 1).any() or not np.isfinite(t).all():
            raise ModelFitError(f"{self.model_name}: periods start at 1, got {t.min():g}")
        if w.sum() < 2:
            raise ModelFitError(f"{self.model_name}: needs at least 2 accounts, got {w.sum():g}")
        if not w[lost].sum():
            raise ModelFitError(f"{self.model_name}: no account has churned, so the churn "
                                "rate cannot be learnt (it may be 0)")
        if not w[t > 1].sum():
            raise ModelFitError(f"{self.model_name}: no account has reached a renewal, so "
                                "retention cannot be learnt yet")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ModelFitWarning)
            self._maximise(lambda lp: likelihoods.shifted_beta_geometric(lp, t, lost),
                           (1.0, 1.0), w)
        if self.at_bounds_ == ("alpha", "beta") and min(self.alpha_, self.beta_) > 1.0:
            # both running off together: no spread in churn, a corner that is a fine answer
            caught = [warnings.WarningMessage(ModelFitWarning(
                f"{self.model_name}: churn looks the same for every account (alpha and beta "
                f"run off together at {self.alpha_ / (self.alpha_ + self.beta_):.1%} a period "
                f"on {self.n_accounts_:,} accounts): retention is one geometric curve, and "
                "the spread between accounts, if any, is too small to measure"),
                ModelFitWarning, __file__, 0)]
        for warning in caught:
            warnings.warn(warning.message, warning.category, stacklevel=2)
        return self

    def fit_survivors(self, survivors: Sequence[float]) -> Self:
        """Fit on a cohort's survivor counts: ``survivors[0]`` at the start, then after each
        renewal (Fader & Hardie 2007's Table 1 layout)."""
        alive = np.asarray(survivors, dtype=float)
        lost = -np.diff(alive)
        periods = np.arange(1, alive.size + 1, dtype=float)
        return self.fit(periods, np.r_[np.ones(lost.size, bool), False],
                        np.r_[lost, alive[-1]])

    def survival(self, periods) -> np.ndarray:
        """S(t): share of a new cohort still active after t renewals (Eq. 2 of the paper).

        >>> model = ShiftedBetaGeometric()
        >>> model.alpha_, model.beta_ = 0.668, 3.806
        >>> np.round(model.survival([0, 1, 7]), 3).tolist()
        [1.0, 0.851, 0.489]
        """
        from scipy.special import betaln

        t = np.asarray(periods, dtype=float)
        return np.exp(betaln(self.alpha_, self.beta_ + t) - betaln(self.alpha_, self.beta_))

    def discounted_residual_lifetime(self, periods, discount_rate: float,
                                     *, terms: int = 2000) -> np.ndarray:
        """DERL: expected discounted number of future period payments of an account in its
        `periods`-th period (Fader & Hardie 2010, Eq. 6), the next payment undiscounted.

        Summed as a series in logs rather than with the paper's hypergeometric function.

        >>> model = ShiftedBetaGeometric()
        >>> model.alpha_, model.beta_ = 0.668, 3.806
        >>> np.round(model.discounted_residual_lifetime([1, 5], 0.10), 2).tolist()
        [5.41, 6.9]
        """
        from scipy.special import betaln

        n = np.atleast_1d(np.asarray(periods, dtype=float))[:, None]
        ahead = np.arange(terms, dtype=float)[None, :]
        log_terms = (betaln(self.alpha_, self.beta_ + n + ahead)
                     - betaln(self.alpha_, self.beta_ + n - 1.0)
                     - ahead * np.log1p(discount_rate))
        return np.exp(log_terms).sum(axis=1)


def beta_quadrature(a: float, b: float, nodes: int) -> tuple[np.ndarray, np.ndarray]:
    """Gauss-Jacobi nodes on [0, 1] and weights summing to 1 for a Beta(a, b) density.

    By Golub-Welsch on the Jacobi recurrence, as `scipy.special.roots_jacobi` does, but
    without its normalising constant 2^(a+b-1)·B(a, b), which overflows once b passes ~1000
    (a frequency in the hundreds).

    >>> p, w = beta_quadrature(2.0, 3.0, 8)
    >>> round(float(w @ p), 12)  # the Beta(2, 3) mean, 2/5
    0.4
    """
    from scipy.linalg import eigh_tridiagonal

    al, be = b - 1.0, a - 1.0  # weight (1-u)^al (1+u)^be on [-1, 1], u = 2p - 1
    k = np.arange(nodes, dtype=float)
    s = 2.0 * k + al + be
    diagonal = np.empty(nodes)
    diagonal[0] = (be - al) / (al + be + 2.0)
    diagonal[1:] = (be * be - al * al) / (s[1:] * (s[1:] + 2.0))
    k, s = k[1:], s[1:]
    off = np.sqrt(4.0 * k * (k + al) * (k + be) * (k + al + be) / (s * s * (s + 1.0) * (s - 1.0)))
    u, vectors = eigh_tridiagonal(diagonal, off)
    weight = vectors[0] ** 2
    return (1.0 + u) / 2.0, weight / weight.sum()

"""The CLV fitters reproduce their papers on the papers' own data and survive hostile input."""

from __future__ import annotations

import hashlib
import warnings
from importlib.resources import files

import numpy as np
import pandas as pd
import pytest
from scipy.special import betaln, gammaln, hyp2f1

from segmint.exceptions import ModelFitError, ModelFitWarning
from segmint.score.clv import likelihoods
from segmint.score.clv.fitters import (BetaGeo, GammaGamma, ParetoNBD, ShiftedBetaGeometric,
                                       _coarse_patterns)

# Fader & Hardie (2007), "How to project customer retention", Table 1: survivors of 1,000.
REGULAR = [1000, 869, 743, 653, 593, 551, 517, 491]
HIGH_END = [1000, 631, 468, 382, 326, 289, 262, 241]


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    """The 2,357 customers of the CDNOW sample (see data/cdnow_sample_rfm.PROVENANCE.md)."""
    with files("segmint.data").joinpath("cdnow_sample_rfm.csv").open() as f:
        return pd.read_csv(f)


@pytest.fixture(scope="module")
def cdnow_patterns(cdnow) -> pd.DataFrame:
    return cdnow.groupby(["frequency", "recency", "T"]).size().rename("accounts").reset_index()


def _fit_repeat(model, patterns):
    return model.fit(patterns.frequency, patterns.recency, patterns["T"], patterns.accounts)


def test_cdnow_is_the_papers_sample(cdnow, cdnow_patterns):
    data = files("segmint.data")
    digest = hashlib.sha256(data.joinpath("cdnow_sample_rfm.csv").read_bytes()).hexdigest()
    assert digest in data.joinpath("cdnow_sample_rfm.PROVENANCE.md").read_text(encoding="utf-8")
    assert len(cdnow) == 2357 and (cdnow.frequency > 0).sum() == 946
    assert cdnow_patterns.accounts.sum() == 2357


def test_bgnbd_matches_fader_hardie_lee_2005_cdnow(cdnow_patterns):
    model = _fit_repeat(BetaGeo(), cdnow_patterns)
    assert (model.r_, model.alpha_, model.a_, model.b_) == pytest.approx(
        (0.243, 4.414, 0.793, 2.426), abs=1e-3)
    assert model.log_likelihood_ == pytest.approx(-9582.4, abs=0.1)
    assert model.converged_ and model.at_bounds_ == ()


def test_bgnbd_standard_errors_match_lifetimes_on_cdnow(cdnow_patterns):
    # lifetimes' quickstart summary of the same fit: se(coef) 0.012557, 0.378221, 0.185719,
    # 0.705345 (from the inverse Hessian, as ours)
    model = _fit_repeat(BetaGeo(), cdnow_patterns)
    assert list(model.standard_errors_.values()) == pytest.approx(
        [0.012557, 0.378221, 0.185719, 0.705345], rel=2e-3)


def test_pareto_nbd_matches_fader_hardie_lee_2005_cdnow(cdnow_patterns):
    model = _fit_repeat(ParetoNBD(), cdnow_patterns)
    assert (model.r_, model.s_) == pytest.approx((0.553, 0.606), abs=1e-3)
    assert (model.alpha_, model.beta_) == pytest.approx((10.58, 11.67), abs=0.01)
    assert model.log_likelihood_ == pytest.approx(-9595.0, abs=0.1)


def test_gamma_gamma_matches_fader_hardie_lee_2005_cdnow(cdnow):
    model = GammaGamma().fit(cdnow.frequency, cdnow.mean_spend)  # the 946 repeat buyers
    assert (model.p_, model.q_, model.gamma_) == pytest.approx((6.25, 3.74, 15.44), abs=0.01)
    assert model.n_accounts_ == 946


@pytest.mark.parametrize(("survivors", "published"), [(REGULAR, (0.668, 3.806)),
                                                      (HIGH_END, (0.704, 1.182))])
def test_sbg_matches_fader_hardie_2007(survivors, published):
    model = ShiftedBetaGeometric().fit_survivors(survivors)
    assert (model.alpha_, model.beta_) == pytest.approx(published, abs=1e-3)
    # the fitted curve runs through the survivors it was fitted on, within two points
    assert model.survival(range(8)) * 1000 == pytest.approx(survivors, abs=20)


def test_weighted_patterns_fit_as_the_accounts_themselves(cdnow, cdnow_patterns):
    one_row_each = BetaGeo().fit(cdnow.frequency, cdnow.recency, cdnow["T"])
    patterns = _fit_repeat(BetaGeo(), cdnow_patterns)
    assert list(one_row_each.params_.values()) == pytest.approx(list(patterns.params_.values()),
                                                                rel=1e-5)
    assert one_row_each.log_likelihood_ == pytest.approx(patterns.log_likelihood_, abs=1e-4)


def test_gamma_gamma_on_distinct_spend_fits_as_the_accounts_themselves(cdnow):
    pairs = cdnow.groupby(["frequency", "mean_spend"]).size().rename("accounts").reset_index()
    assert len(pairs) == 754  # of 2,357 accounts: the 1,411 one-time buyers share (0, 0)
    one_row_each = GammaGamma().fit(cdnow.frequency, cdnow.mean_spend)
    on_pairs = GammaGamma().fit(pairs.frequency, pairs.mean_spend, pairs.accounts)
    assert list(on_pairs.params_.values()) == pytest.approx(list(one_row_each.params_.values()),
                                                            rel=1e-5)
    assert on_pairs.log_likelihood_ == pytest.approx(one_row_each.log_likelihood_, abs=1e-6)
    assert on_pairs.n_accounts_ == one_row_each.n_accounts_ == 946


def test_pareto_nbd_quadrature_equals_the_closed_form(cdnow_patterns):
    # Fader & Hardie's 2005 note, Eq. (22), alpha >= beta branch; fine at CDNOW's frequencies.
    r, alpha, s, beta = 0.553, 11.67, 0.606, 10.58
    x, t_x, T = (cdnow_patterns[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    z = lambda t: (alpha - beta) / (alpha + t)  # noqa: E731
    A0 = (hyp2f1(r + s + x, s + 1, r + s + x + 1, z(t_x)) / (alpha + t_x) ** (r + s + x)
          - hyp2f1(r + s + x, s + 1, r + s + x + 1, z(T)) / (alpha + T) ** (r + s + x))
    closed = (gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
              + np.log(1 / ((alpha + T) ** (r + x) * (beta + T) ** s) + s / (r + s + x) * A0))
    ours = likelihoods.pareto_nbd(np.log([r, alpha, s, beta]), x, t_x, T)
    assert ours == pytest.approx(closed, rel=1e-6)  # 48 nodes: 3e-7 at x = 29, the most


def test_expected_purchases_match_the_papers_worked_customer():
    # Fader, Hardie & Lee (2005), section 5: x=2, t_x=30.43, T=38.86 expects 1.226 in 39 weeks
    model = BetaGeo()
    model.r_, model.alpha_, model.a_, model.b_ = 0.243, 4.414, 0.793, 2.426
    assert model.expected_purchases(39, [2], [30.43], [38.86])[0] == pytest.approx(1.226, abs=1e-3)


def test_expected_purchases_equal_eq10_and_grow_with_the_horizon(cdnow_patterns):
    r, alpha, a, b = 0.243, 4.414, 0.793, 2.426
    model = BetaGeo()
    model.r_, model.alpha_, model.a_, model.b_ = r, alpha, a, b
    x, t_x, T = (cdnow_patterns[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    t = 39.0
    eq10 = ((a + b + x - 1) / (a - 1) * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x)
            * hyp2f1(r + x, b + x, a + b + x - 1, t / (alpha + T + t)))
            / (1 + (x > 0) * a / (b + x - 1 + (x == 0)) * ((alpha + T) / (alpha + t_x)) ** (r + x)))
    assert model.expected_purchases(t, x, t_x, T) == pytest.approx(eq10, rel=1e-7)
    by_horizon = model.expected_purchases([13.0, 26.0, 39.0], x, t_x, T)
    assert (np.diff(by_horizon, axis=1) > 0).all()


@pytest.mark.parametrize("name", ["bgnbd", "gamma_gamma", "shifted_beta_geometric"])
def test_analytic_gradients_equal_finite_differences(name):
    rng = np.random.default_rng(3)
    x = rng.integers(0, 40, 200).astype(float)
    t_x = np.where(x > 0, rng.uniform(0, 30, 200), 0.0)
    T = t_x + rng.uniform(0, 20, 200)
    cases = {"bgnbd": (np.log([0.4, 6.0, 0.9, 2.0]), (x, t_x, T)),
             "gamma_gamma": (np.log([3.0, 4.0, 50.0]), (x + 1, rng.gamma(2, 30, 200))),
             "shifted_beta_geometric": (np.log([0.7, 2.5]), (x + 1, rng.random(200) < 0.5))}
    log_params, data = cases[name]
    loglik = getattr(likelihoods, name)
    _, grad = loglik(log_params, *data)
    for i in range(log_params.size):
        step = np.zeros_like(log_params)
        step[i] = 1e-6
        numeric = (loglik(log_params + step, *data)[0].sum()
                   - loglik(log_params - step, *data)[0].sum()) / 2e-6
        assert grad[:, i].sum() == pytest.approx(numeric, rel=1e-5)


def test_derl_equals_the_papers_hypergeometric_form():
    # Fader & Hardie (2010), Eq. (6): DERL = (β+n-1)/(α+β+n-1) · 2F1(1, β+n; α+β+n; 1/(1+d))
    model = ShiftedBetaGeometric()
    model.alpha_, model.beta_ = 0.668, 3.806
    n, d = np.array([1.0, 2.0, 5.0, 20.0]), 0.10
    closed = (model.beta_ + n - 1) / (model.alpha_ + model.beta_ + n - 1) * hyp2f1(
        1, model.beta_ + n, model.alpha_ + model.beta_ + n, 1 / (1 + d))
    assert model.discounted_residual_lifetime(n, d) == pytest.approx(closed, rel=1e-9)


# Inputs that break naive fitters: a correct fit or a clear message, never NaN or overflow.

def test_all_zero_repeats_say_nothing_can_be_learnt():
    with pytest.raises(ModelFitError, match="none of the 50 accounts made a repeat purchase"):
        BetaGeo().fit([0] * 50, [0.0] * 50, [30.0] * 50)
    with pytest.raises(ModelFitError, match="repeat purchase"):
        ParetoNBD().fit([0, 0], [0.0, 0.0], [30.0, 20.0], [10, 5])


def test_one_customer_says_it_needs_more():
    with pytest.raises(ModelFitError, match="needs at least 2 accounts, got 1"):
        BetaGeo().fit([3], [20.0], [30.0])
    with pytest.raises(ModelFitError, match="needs at least 2 accounts"):
        GammaGamma().fit([3], [20.0])


def test_frequencies_in_the_hundreds_fit_without_overflow():
    # BG/NBD accounts buying about 10 times a week for a year, next to occasional buyers
    rng = np.random.default_rng(7)
    n = 3000
    lam = rng.gamma(2.0, 1 / 0.2, n)  # mean 10 a week
    p = rng.beta(1.0, 200.0, n)
    T = np.full(n, 52.0)
    x, t_x = _simulate_bgnbd(rng, lam, p, T)
    assert x.max() > 500
    for model in (BetaGeo(), ParetoNBD()):
        with warnings.catch_warnings():
            warnings.simplefilter("error", ModelFitWarning)
            model.fit(x, t_x, T)
        assert np.isfinite(model.log_likelihood_)
        assert np.isfinite(list(model.params_.values())).all()
    bg = BetaGeo().fit(x, t_x, T)
    assert bg.r_ / bg.alpha_ == pytest.approx(10.0, rel=0.1)  # the mean rate, recovered
    assert np.isfinite(bg.expected_purchases(52.0, x, t_x, T)).all()


def test_recency_equal_to_T_is_finite_and_alive():
    x, t_x, T = np.array([5.0, 200.0, 0.0]), np.array([30.0, 30.0, 0.0]), np.array([30.0] * 3)
    for loglik, params in ((likelihoods.pareto_nbd, [0.5, 10.0, 0.6, 12.0]),
                           (lambda lp, *a: likelihoods.bgnbd(lp, *a)[0], [0.5, 10.0, 0.8, 2.0])):
        assert np.isfinite(loglik(np.log(params), x, t_x, T)).all()
    model = BetaGeo()
    model.r_, model.alpha_, model.a_, model.b_ = 0.5, 10.0, 0.8, 2.0
    assert model.probability_alive(x, t_x, T)[0] == pytest.approx(1 / (1 + 0.8 / 6))


def test_zero_spend_is_left_out_with_a_warning(cdnow):
    spend = cdnow.mean_spend.copy()
    spend.iloc[:10] = 0.0  # the first ten customers include repeat buyers
    left_out = int(((cdnow.frequency > 0) & (spend <= 0)).sum())
    with pytest.warns(ModelFitWarning, match=f"{left_out} repeat buyers with zero"):
        model = GammaGamma().fit(cdnow.frequency, spend)
    assert model.n_accounts_ == 946 - left_out and np.isfinite(model.p_)
    with pytest.raises(ModelFitError, match="positive value"), pytest.warns(ModelFitWarning):
        GammaGamma().fit([1, 2, 3], [0.0, 0.0, 0.0])


def test_a_parameter_at_its_bound_warns():
    # every account still buying at T: nobody drops out, so BG/NBD's a runs to 0
    x, T = np.array([1.0, 2.0, 3.0, 5.0, 8.0] * 20), np.full(100, 40.0)
    with pytest.warns(ModelFitWarning, match="a, b reached the edge of what the data can identify"):
        model = BetaGeo().fit(x, T, T)
    assert "a" in model.at_bounds_ and np.isfinite(model.log_likelihood_)


def test_invalid_summaries_are_named():
    with pytest.raises(ModelFitError, match="frequency=2, recency=50, T=40"):
        BetaGeo().fit([1, 2], [10.0, 50.0], [40.0, 40.0])


def test_sbg_needs_churn_and_renewals():
    with pytest.raises(ModelFitError, match="no account has churned"):
        ShiftedBetaGeometric().fit([1, 2, 3], [False] * 3)
    with pytest.raises(ModelFitError, match="reached a renewal"):
        ShiftedBetaGeometric().fit([1, 1, 1], [True, False, False])


def test_a_fit_guided_by_coarse_patterns_reaches_the_exact_optimum():
    # 100,000 CDNOW-like accounts (first purchases over 12 weeks, then watched for 39), recency
    # and T to the day (in weeks): thousands of
    # distinct patterns, so BG/NBD is first fitted on a coarse grid of them, then polished on
    # the exact ones. The result must be the exact optimum: what the plain search on
    # per-pattern terms finds.
    rng = np.random.default_rng(3)
    n = 100_000
    rate, dropout = rng.gamma(0.243, 1 / 4.414, n), rng.beta(0.793, 2.426, n)
    T = (39 * 7 + rng.integers(0, 84, n)) / 7.0
    x, t_x, clock, live = np.zeros(n), np.zeros(n), np.zeros(n), np.arange(n)
    while live.size:  # every account alive buys again after an exponential wait
        clock[live] += rng.exponential(1 / rate[live])
        live = live[clock[live] <= T[live]]
        x[live] += 1
        t_x[live] = np.floor(clock[live] * 7.0) / 7.0  # on a day
        live = live[rng.random(live.size) >= dropout[live]]
    patterns = pd.DataFrame({"x": x, "t_x": t_x, "T": T}).value_counts().reset_index()
    x, t_x, T, w = (patterns[c].to_numpy(float) for c in ("x", "t_x", "T", "count"))
    assert _coarse_patterns(x, t_x, T, w) is not None  # the guided search runs
    guided = BetaGeo().fit(x, t_x, T, w)
    plain = BetaGeo()
    plain._maximise(lambda lp: likelihoods.bgnbd(lp, x, t_x, T), (1.0, 20.0, 1.0, 1.0), w)
    assert guided.converged_ and guided.log_likelihood_ == pytest.approx(
        plain.log_likelihood_, abs=1e-6 * n)
    assert list(guided.params_.values()) == pytest.approx(list(plain.params_.values()), rel=1e-4)
    assert list(guided.standard_errors_.values()) == pytest.approx(
        list(plain.standard_errors_.values()), rel=1e-3)


def _simulate_bgnbd(rng, lam, p, T):
    """Purchases of BG/NBD accounts: returns frequency and recency at T."""
    x, t_x = np.zeros(lam.size), np.zeros(lam.size)
    for i in range(lam.size):
        t, alive = 0.0, True
        while alive:
            t += rng.exponential(1 / lam[i])
            if t > T[i]:
                break
            if x[i] > 0 or t > 0:  # the first arrival after the first purchase is a repeat
                x[i] += 1
                t_x[i] = t
            alive = rng.random() >= p[i]
    return x, t_x


def test_churn_without_spread_is_named_a_geometric_curve():
    # 1,000 accounts each churning at 20% a renewal: the Beta has no spread to find
    survivors = [1000 * 0.8 ** k for k in range(8)]
    with pytest.warns(ModelFitWarning, match="churn looks the same for every account.*20.0%"):
        model = ShiftedBetaGeometric().fit_survivors(survivors)
    assert model.survival([3])[0] == pytest.approx(0.8 ** 3, rel=1e-3)

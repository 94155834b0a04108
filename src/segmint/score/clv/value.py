"""From fitted CLV models to value: discounted expected purchases per pattern, the hold-out
calibration by frequency and the retention curve against the one observed."""

from __future__ import annotations

import numpy as np
import pandas as pd

from segmint.score.clv.fitters import BetaGeo, ShiftedBetaGeometric
from segmint.score.clv.history import (ACCOUNTS, AGE_DAYS, CHURNED, DAYS_PER_WEEK, FREQUENCY,
                                       PERIODS, RECENCY_DAYS)

WEEKS_PER_MONTH = 365.25 / 12 / DAYS_PER_WEEK
ALIVE, PURCHASES, DISCOUNTED = "probability_alive", "expected_purchases", "discounted_purchases"
CALIBRATION_CAP = 7  # frequencies of 7 and more share the calibration's last row


def pattern_forecast(model: BetaGeo, patterns: pd.DataFrame, *, horizon_months: int,
                     annual_discount_rate: float) -> pd.DataFrame:
    """Per (frequency, recency_days, age_days) pattern: P(alive), expected purchases over the
    horizon, and the same discounted monthly at the annual rate (a purchase in month m is
    worth 1/(1+rate)^(m/12)).

    Examples
    --------
    >>> model = BetaGeo()
    >>> model.r_, model.alpha_, model.a_, model.b_ = 0.243, 4.414, 0.793, 2.426
    >>> p = pd.DataFrame({"frequency": [2], "recency_days": [213], "age_days": [272]})
    >>> out = pattern_forecast(model, p, horizon_months=9, annual_discount_rate=0.0)
    >>> round(float(out.expected_purchases[0]), 2), bool(out.discounted_purchases[0] == out.expected_purchases[0])
    (1.23, True)
    """
    x = patterns[FREQUENCY].to_numpy(float)
    t_x = patterns[RECENCY_DAYS].to_numpy(float) / DAYS_PER_WEEK
    T = patterns[AGE_DAYS].to_numpy(float) / DAYS_PER_WEEK
    months = np.arange(1, horizon_months + 1, dtype=float)
    cumulative = model.expected_purchases(months * WEEKS_PER_MONTH, x, t_x, T)
    monthly = np.diff(cumulative, axis=1, prepend=0.0)
    discount = (1.0 + annual_discount_rate) ** (-months / 12.0)
    out = patterns[[FREQUENCY, RECENCY_DAYS, AGE_DAYS]].copy()
    out[ALIVE] = model.probability_alive(x, t_x, T)
    out[PURCHASES] = cumulative[:, -1]
    out[DISCOUNTED] = monthly @ discount
    return out


def calibration_by_frequency(model: BetaGeo, patterns: pd.DataFrame, holdout_days: int
                             ) -> pd.DataFrame:
    """Predicted against actual repeat purchases in the hold-out, per calibration frequency
    (0 to 6, then 7+), as in Fader, Hardie & Lee (2005), Figure 4.

    `patterns` are the calibration patterns with ``accounts`` and ``actual`` (repeat
    purchases in the hold-out, summed over the pattern's accounts).

    >>> model = BetaGeo()
    >>> model.r_, model.alpha_, model.a_, model.b_ = 0.243, 4.414, 0.793, 2.426
    >>> p = pd.DataFrame({"frequency": [0, 9], "recency_days": [0, 250], "age_days": [272] * 2,
    ...                   "accounts": [10, 1], "actual": [2, 5]})
    >>> calibration_by_frequency(model, p, 273).frequency.tolist()
    ['0', '7+']
    """
    x = patterns[FREQUENCY].to_numpy(float)
    predicted = model.expected_purchases(
        holdout_days / DAYS_PER_WEEK, x, patterns[RECENCY_DAYS].to_numpy(float) / DAYS_PER_WEEK,
        patterns[AGE_DAYS].to_numpy(float) / DAYS_PER_WEEK)
    capped = np.minimum(x, CALIBRATION_CAP).astype(int)
    frame = pd.DataFrame({"bucket": capped, ACCOUNTS: patterns[ACCOUNTS].to_numpy(float),
                          "predicted": predicted * patterns[ACCOUNTS].to_numpy(float),
                          "actual": patterns["actual"].to_numpy(float)})
    table = frame.groupby("bucket", as_index=False).sum()
    return pd.DataFrame({
        FREQUENCY: [f"{b}+" if b == CALIBRATION_CAP else str(b) for b in table.bucket],
        ACCOUNTS: table[ACCOUNTS].astype("int64"),
        "predicted_per_account": table.predicted / table[ACCOUNTS],
        "actual_per_account": table.actual / table[ACCOUNTS]})


def retention_curve(model: ShiftedBetaGeometric, periods: pd.DataFrame, *, up_to: int = 10
                    ) -> pd.DataFrame:
    """Share of accounts still active after each renewal: the fitted sBG curve against the
    observed one (Kaplan-Meier over accounts still in their period, which are censored).

    >>> model = ShiftedBetaGeometric()
    >>> model.alpha_, model.beta_ = 1.0, 1.0
    >>> counts = pd.DataFrame({"periods": [1, 2, 2], "churned": [True, True, False],
    ...                        "accounts": [50, 25, 25]})
    >>> retention_curve(model, counts, up_to=2).observed.round(3).tolist()
    [1.0, 0.5, nan]
    """
    t = periods[PERIODS].to_numpy(int)
    lost = periods[CHURNED].to_numpy(bool)
    n = periods[ACCOUNTS].to_numpy(float)
    observed, share = [1.0], 1.0
    for renewal in range(1, up_to + 1):
        at_risk = n[(t > renewal) | ((t == renewal) & lost)].sum()
        renewed = n[t > renewal].sum()
        # with no account past this renewal yet, those at risk are only the ones who left
        share = share * renewed / at_risk if renewed else np.nan
        observed.append(share)
    steps = np.arange(up_to + 1)
    return pd.DataFrame({"renewals": steps, "model": model.survival(steps),
                         "observed": observed})

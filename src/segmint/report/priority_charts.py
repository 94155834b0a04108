"""Priority charts: fit against health per segment with its actions, and churn by health band, drawn as given."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # no screen: render to files only
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import PercentFormatter  # noqa: E402

from segmint.report.charts import chart, tidy_axes  # noqa: E402
from segmint.tables import ALL_SEGMENTS  # noqa: E402

# one colour per default action, in the matrix's order; other actions grey
ACTION_COLOURS = {"protect": "#c0392b", "grow": "#2f8f5b", "invest": "#2f5d9e",
                  "nurture": "#d9822b", "deprioritise": "#a0a0a0"}
BAND_COLOURS = {"Red": "#c0392b", "Yellow": "#e0b03a", "Green": "#2f8f5b"}


@chart("fit_vs_health")
def fit_vs_health(priorities: pd.DataFrame) -> Figure:
    """Left, each segment at its mean fit (all accounts) and mean health (customers), its
    size the accounts it has; right, the share of its accounts per action. The ``All``
    rows are not drawn.

    Draws `segmint.plan.priorities` ``segment_priorities`` as it is: ``segment``,
    ``action``, ``accounts``, ``customers``, ``mean_fit``, ``mean_health``.
    """
    frame = priorities[priorities.segment != ALL_SEGMENTS].copy()
    frame["_fit_sum"] = frame.mean_fit.fillna(0) * frame.accounts
    frame["_fit_n"] = np.where(frame.mean_fit.notna(), frame.accounts, 0)
    frame["_health_sum"] = frame.mean_health.fillna(0) * frame.customers
    frame["_health_n"] = np.where(frame.mean_health.notna(), frame.customers, 0)
    per = frame.groupby("segment", sort=True)[
        ["accounts", "_fit_sum", "_fit_n", "_health_sum", "_health_n"]].sum()
    per["fit"] = per._fit_sum / per._fit_n.replace(0, np.nan)
    per["health"] = per._health_sum / per._health_n.replace(0, np.nan)
    segments = list(per.index)
    figure = Figure(figsize=(11, 0.32 * len(segments) + 2.2), layout="constrained")
    left, right = figure.subplots(1, 2, width_ratios=(1, 1.2))
    shown = per.dropna(subset=["fit", "health"])
    sizes = 30 + 400 * shown.accounts / max(float(per.accounts.max()), 1.0)
    left.scatter(shown.fit, shown.health, s=sizes, color="#2f5d9e", alpha=0.55)
    for name, row in shown.iterrows():
        left.annotate(str(name), (row.fit, row.health), fontsize=7, xytext=(4, 3),
                      textcoords="offset points")
    left.set_xlabel("mean fit")
    left.set_ylabel("mean health (customers)")
    left.set_title("Fit against health per segment", loc="left", fontsize=10)
    tidy_axes(left, grid="both")
    shares = frame.pivot_table(index="segment", columns="action", values="accounts",
                               aggfunc="sum", fill_value=0).reindex(segments[::-1])
    shares = shares.div(shares.sum(axis=1), axis=0)
    actions = [a for a in ACTION_COLOURS if a in shares.columns] + sorted(
        a for a in shares.columns if a not in ACTION_COLOURS)
    start = np.zeros(len(shares))
    for action in actions:
        right.barh(shares.index, shares[action], left=start, label=action,
                   color=ACTION_COLOURS.get(action, "#cccccc"), height=0.7)
        start += shares[action].to_numpy()
    right.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    right.set_title("Accounts per action", loc="left", fontsize=10)
    right.tick_params(axis="y", labelsize=7)
    right.legend(frameon=False, fontsize=7, ncols=len(actions), loc="upper left",
                 bbox_to_anchor=(0, -0.04 - 0.6 / max(len(segments), 1)))
    tidy_axes(right, grid="x")
    return figure


@chart("health_band_churn")
def health_band_churn(validation: pd.DataFrame) -> Figure:
    """Churn and contraction rate after the cut-off per health band at the cut-off.

    Draws `segmint.score.health` ``health_validation`` as it is: ``health_band``,
    ``customers``, ``churn_rate``, ``contraction_rate``.
    """
    figure = Figure(figsize=(6, 3.2), layout="constrained")
    ax = figure.subplots()
    x = np.arange(len(validation))
    colours = [BAND_COLOURS.get(b, "#a0a0a0") for b in validation.health_band]
    ax.bar(x - 0.2, validation.churn_rate, width=0.4, color=colours, label="churned")
    ax.bar(x + 0.2, validation.contraction_rate, width=0.4, color=colours, alpha=0.45,
           label="contracted")
    ax.set_xticks(x, [f"{b}\n{n:,} customers" for b, n in
                      zip(validation.health_band, validation.customers)])
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_title("After the cut-off, by health band at the cut-off", loc="left", fontsize=10)
    ax.legend(frameon=False, fontsize=8)
    tidy_axes(ax, grid="y")
    return figure

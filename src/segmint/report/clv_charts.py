"""CLV charts: the hold-out calibration by frequency and the retention curve, drawn as given."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # no screen: render to files only
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import PercentFormatter  # noqa: E402

from segmint.report.charts import MoneyAxis, chart, tidy_axes  # noqa: E402

MODEL, OBSERVED = "#d9822b", "#2f5d9e"
PALETTE = (OBSERVED, MODEL, "#4e9a6a", "#8a5fb0", "#b5484b", "#777777")


@chart("clv_calibration")
def clv_calibration(calibration: pd.DataFrame) -> Figure | None:
    """Repeat purchases per account in the hold-out, predicted (BG/NBD) against actual, by
    how many repeat purchases the accounts had made before it (Fader, Hardie & Lee 2005,
    Figure 4).

    Draws `clv_calibration` as it is: ``frequency``, ``accounts``, ``predicted_per_account``,
    ``actual_per_account``.
    """
    if calibration.empty:
        return None
    figure = Figure(figsize=(6.5, 3.4), layout="constrained")
    ax = figure.subplots()
    where = np.arange(len(calibration))
    ax.bar(where - 0.2, calibration.actual_per_account, width=0.4, color=OBSERVED,
           label="actual")
    ax.bar(where + 0.2, calibration.predicted_per_account, width=0.4, color=MODEL,
           label="predicted")
    ax.set_xticks(list(where), calibration.frequency.astype(str).tolist())
    return _finish(ax, "Hold-out check of the purchase forecast",
                   x="repeat purchases before the hold-out", y="purchases per account in it")


@chart("clv_retention")
def clv_retention(retention: pd.DataFrame) -> Figure | None:
    """Share of accounts still active after each renewal: the shifted-beta-geometric curve
    (a line) and the one observed (dots), pooled (``All``) and per ``retention_by`` value
    (Fader & Hardie 2007, Figure 2).

    Draws `clv_retention` as it is: ``renewals``, ``model``, ``observed``, ``group``.
    """
    if retention.empty:
        return None
    figure = Figure(figsize=(6.5, 3.4), layout="constrained")
    ax = figure.subplots()
    groups = retention["group"] if "group" in retention else pd.Series("All", retention.index)
    for i, (group, curve) in enumerate(retention.groupby(groups, sort=False)):
        color = PALETTE[i % len(PALETTE)]
        ax.plot(curve.renewals, curve.model, color=color, label=str(group))
        seen = curve.dropna(subset=["observed"])
        ax.plot(seen.renewals, seen.observed, color=color, marker="o", markersize=4,
                linestyle="none")
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_ylim(0, 1.02)
    return _finish(ax, "Retention: fitted curves, observed dots", x="renewals",
                   y="still active")


@chart("clv_by_segment")
def clv_by_segment(value: pd.DataFrame) -> Figure | None:
    """Each segment's lifetime value, repeat purchases and contract stacked (with the range
    the model's uncertainty allows, when given), and the 10th to 90th percentile of its
    accounts' CLV beside it.

    Draws `analyse.value.clv_by_segment` as it is (the ``All`` row is left out).
    """
    rows = value[value["segment"] != "All"].iloc[::-1]
    if rows.empty or not (rows["clv"] > 0).any():
        return None
    figure = Figure(figsize=(9.0, max(2.4, 0.45 * len(rows) + 1.2)), layout="constrained")
    total, spread = figure.subplots(1, 2, sharey=True)
    where = np.arange(len(rows))
    total.barh(where, rows["clv_contract"], color=OBSERVED, label="contract")
    total.barh(where, rows["clv_repeat"], left=rows["clv_contract"], color=MODEL,
               label="repeat purchases")
    if "clv_low" in rows and rows["clv_low"].notna().any():  # what the fit's uncertainty allows
        below = (rows["clv"] - rows["clv_low"]).clip(lower=0).to_numpy(float)
        above = (rows["clv_high"] - rows["clv"]).clip(lower=0).to_numpy(float)
        total.errorbar(rows["clv"].to_numpy(float), where, xerr=np.vstack([below, above]),
                       fmt="none", ecolor="#333333", capsize=3)
    total.set_yticks(list(where), rows["segment"].astype(str).tolist())
    total.xaxis.set_major_formatter(MoneyAxis())
    total.set_title("Lifetime value by segment", loc="left", fontsize=11)
    total.legend(frameon=False, loc="lower right")
    spread.hlines(where, rows["clv_p10"], rows["clv_p90"], color="#999999")
    spread.plot(rows["clv_median"], where, "o", color=OBSERVED, markersize=4)
    spread.xaxis.set_major_formatter(MoneyAxis())
    spread.set_title("Per account: 10th, 50th, 90th percentile", loc="left", fontsize=11)
    for ax in (total, spread):
        tidy_axes(ax, grid="x")
    return figure


def _finish(ax, title: str, *, x: str, y: str) -> Figure:
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    ax.set_title(title, loc="left", fontsize=11)
    ax.legend(frameon=False)
    tidy_axes(ax, grid="y")
    return ax.figure

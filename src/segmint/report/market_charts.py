"""Market and potential charts: TAM against penetration, whitespace by segment, what drives
potential; each draws its finished table as given."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")  # no screen: render to files only
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter, NullFormatter, PercentFormatter  # noqa: E402

from segmint.analyse.performance import money_text  # noqa: E402
from segmint.report.charts import chart  # noqa: E402
from segmint.report.performance_charts import _tidy, place_labels  # noqa: E402
from segmint.tables import ALL_SEGMENTS, ARR, SEGMENT, WHITESPACE  # noqa: E402

SPEND, ROOM, MARKET, POINT = "#2f5d9e", "#9dc3e6", "#d9d9d9", "#d9822b"


@chart("tam_penetration")
def tam_penetration(market: pd.DataFrame) -> Figure | None:
    """TAM (log scale) against penetration (ARR ÷ TAM), one bubble per segment, its area the
    segment's ARR; the TAM's low-high range as a line through it.

    Draws `segment_market` as it is; the ``All`` row and segments without TAM are left out.
    """
    shown = market[(market[SEGMENT] != ALL_SEGMENTS) & (market["tam"] > 0)]
    if shown.empty:
        return None
    figure = Figure(figsize=(8.5, 5.5), layout="constrained")
    ax = figure.subplots()
    largest = max(float(shown[ARR].max()), 1.0)
    points, radii = [], []
    for _, row in shown.iterrows():
        point = (float(row["tam"]), float(row["penetration"]))
        area = 30 + 600 * float(row[ARR]) / largest
        ax.plot([row["tam_low"], row["tam_high"]], [point[1]] * 2, color="#98a2b3",
                linewidth=1, zorder=2)
        ax.scatter(*point, s=area, color=POINT, alpha=0.75, edgecolor="white", zorder=3)
        points.append(point)
        radii.append(math.sqrt(area / math.pi))
    ax.set_xscale("log")
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: money_text(value)))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=1))
    ax.set_xlabel("TAM (log scale; line: low to high)")
    ax.set_ylabel("penetration (ARR ÷ TAM)")
    ax.margins(x=0.15, y=0.15)
    ax.set_title("TAM and penetration by segment (area: ARR)", loc="left", fontsize=11)
    _tidy(ax, grid="both")
    order = sorted(range(len(points)), key=lambda i: (-radii[i], str(shown[SEGMENT].iloc[i])))
    place_labels(ax, points, [str(name) for name in shown[SEGMENT]], radii, order=order)
    return figure


@chart("whitespace_by_segment")
def whitespace_by_segment(market: pd.DataFrame) -> Figure | None:
    """Per segment, ARR and the accounts' whitespace (potential − ARR) as one bar, and the
    potential of the market's firms that are not accounts yet beside it; segments by TAM.

    Draws `segment_market` as it is; the ``All`` row is left out.
    """
    shown = market[(market[SEGMENT] != ALL_SEGMENTS) & (market["accounts"] > 0)]
    if shown.empty:
        return None
    rows = shown.iloc[::-1]  # largest TAM on top
    figure = Figure(figsize=(10, max(2.5, 0.4 * len(rows) + 1.3)), layout="constrained")
    left, right = figure.subplots(1, 2, sharey=True)
    positions = range(len(rows))
    left.barh(positions, rows[ARR], color=SPEND, label="ARR")
    left.barh(positions, rows[WHITESPACE], left=rows[ARR], color=ROOM, label="whitespace")
    left.set_yticks(list(positions), rows[SEGMENT].astype(str).tolist())
    left.set_title("Accounts: ARR and whitespace", loc="left", fontsize=11)
    left.legend(loc="lower right", frameon=False, fontsize=8)
    right.barh(positions, rows["market_potential"], color=MARKET)
    right.set_title("Market firms not yet accounts: potential", loc="left", fontsize=11)
    for ax in (left, right):
        ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: money_text(value)))
        _tidy(ax, grid="x")
    return figure


@chart("potential_drivers")
def potential_drivers(importance: pd.DataFrame) -> Figure | None:
    """Each feature's permutation importance for the potential model (how much worse its
    quantile loss gets when the feature is shuffled), largest on top.

    Draws `potential_importance` as it is: ``feature``, ``importance``, ``share``.
    """
    if importance.empty:
        return None
    rows = importance.iloc[::-1]
    figure = Figure(figsize=(6.5, max(2.2, 0.45 * len(rows) + 1.0)), layout="constrained")
    ax = figure.subplots()
    ax.barh(range(len(rows)), rows["share"], color=SPEND)
    ax.set_yticks(list(range(len(rows))), rows["feature"].astype(str).tolist())
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xlabel("share of the importance (loss added when shuffled)")
    ax.set_title("What drives potential", loc="left", fontsize=11)
    _tidy(ax, grid="x")
    return figure


"""Performance charts: ARR bridges, retention, win rate against deal size and cohorts, drawn as given."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")  # no screen: render to files only
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.ticker import MaxNLocator, NullFormatter, PercentFormatter  # noqa: E402

from segmint.analyse.performance import Period, period_label  # noqa: E402
from segmint.money import money_text, money_ticks  # noqa: E402
from segmint.report.charts import MoneyAxis, chart, tidy_axes  # noqa: E402
from segmint.tables import (  # noqa: E402
    AGE,
    ALL_SEGMENTS,
    BRIDGE,
    CLOSING_ARR,
    COHORT,
    GRR,
    LOGO_RETENTION,
    NRR,
    OPENING_ARR,
    PERIOD,
    SEGMENT,
    WIN_RATE,
)

UP, DOWN, LEVEL, TOTAL = "#3a8f5c", "#c0504d", "#9aa7b8", "#2f5d9e"
_STEP_NAMES = {
    OPENING_ARR: "Opening",
    "new_logo": "New logo",
    "expansion": "Expansion",
    "cross_sell": "Cross-sell",
    "contraction": "Contraction",
    "churn": "Churn",
    "reactivation": "Reactivation",
    CLOSING_ARR: "Closing",
}


def bridge_waterfall(
    bridge: pd.DataFrame,
    segment: str = ALL_SEGMENTS,
    *,
    when=None,
    period: Period = "quarter",
) -> Figure:
    """One segment's ARR bridge for one period: opening, each movement, closing.

    Draws `arr_bridge` output as it is (as pandas). Movements float from the running
    total: green up, red down; opening and closing stand on zero.

    Parameters
    ----------
    bridge : pandas.DataFrame
        `arr_bridge` output.
    segment : str
        Which segment; ``All`` (the total) by default.
    when : date, optional
        Which period (its first day); the latest by default.
    period : {"month", "quarter", "year"}
        What the bridge's periods are, for the title.
    """
    figure = Figure(figsize=(8, 4.2), layout="constrained")
    ax = figure.subplots()
    row = _bridge_row(bridge, segment, when)
    _draw_waterfall(ax, row, labels=True)
    ax.set_ylabel("ARR")
    ax.set_title(f"{segment}: ARR bridge, {period_label(row[PERIOD], period)}", loc="left", fontsize=11)
    return figure


@chart("bridge_waterfalls")
def bridge_waterfalls(
    bridge: pd.DataFrame, *, when=None, period: Period = "quarter", columns: int = 3
) -> Figure:
    """Every segment's ARR bridge for one period, one small panel each: ``All`` first, then
    by closing ARR, largest first.

    Each panel has its own scale, so a small segment's movements stay readable, and starts
    above zero where opening and closing would dwarf the movements (marked; `zoomed_range`).
    """
    when = bridge[PERIOD].max() if when is None else when
    names = by_arr(bridge[bridge[PERIOD] == when])
    rows_needed = math.ceil(len(names) / columns)
    figure = Figure(figsize=(4.2 * columns, 3.0 * rows_needed + 0.6), layout="constrained")
    axes = figure.subplots(rows_needed, columns, squeeze=False).ravel()
    for ax, name in zip(axes, names, strict=False):
        _draw_waterfall(ax, _bridge_row(bridge, name, when), labels=False)
        ax.set_title(name, loc="left", fontsize=10)
    for ax in axes[len(names):]:
        ax.set_visible(False)
    figure.suptitle(f"ARR bridge per segment, {period_label(when, period)}", x=0.01, ha="left")
    return figure


@chart("nrr_small_multiples")
def nrr_small_multiples(
    retention: pd.DataFrame,
    *,
    bridge: pd.DataFrame | None = None,
    period: Period = "quarter",
    columns: int = 4,
) -> Figure | None:
    """Net (solid) and gross (dashed) retention over time, one small panel per segment.

    Draws `retention` output as it is. Panels share one y-axis and the 100% line (growing
    above, shrinking below); each but ``All``'s has ``All``'s NRR as a light grey line to
    compare with. ``All`` comes first, then the segments by closing ARR in the latest
    period of `bridge` (`arr_bridge` output; by name without it). Periods with no opening
    ARR (null ratios) leave gaps; with no ratio at all there is nothing to draw (None).
    """
    known = retention[retention[NRR].notna() | retention[GRR].notna()]
    if known.empty:
        return None
    periods = sorted(known[PERIOD].unique())
    names = _ordered_segments(known[SEGMENT].unique(), bridge)
    rows_needed = math.ceil(len(names) / columns)
    figure = Figure(figsize=(2.75 * columns, 1.9 * rows_needed + 0.7), layout="constrained")
    axes = figure.subplots(rows_needed, columns, sharex=True, sharey=True, squeeze=False).ravel()
    x = {p: i for i, p in enumerate(periods)}

    def line(ax: Axes, name: str, column: str, **style) -> None:
        rows = retention[(retention[SEGMENT] == name) & retention[PERIOD].isin(x)].sort_values(PERIOD)
        ax.plot([x[p] for p in rows[PERIOD]], rows[column].astype(float), **style)  # NaN: a gap

    ticks = list(range(len(periods) - 1, -1, -4))[::-1]  # every fourth period, ending at the latest
    for ax, name in zip(axes, names, strict=False):
        ax.axhline(1.0, color="#555555", linestyle=":", linewidth=1)  # 100%
        if name != ALL_SEGMENTS:
            line(ax, ALL_SEGMENTS, NRR, color="#c4c9d2", linewidth=1.6, label="All: NRR")
        line(ax, name, GRR, color=TOTAL, linewidth=1, linestyle="--", alpha=0.7, label="GRR")
        line(ax, name, NRR, color="#222222" if name == ALL_SEGMENTS else TOTAL, linewidth=1.8,
             marker="o", markersize=2.5, label="NRR")
        ax.set_title(name, loc="left", fontsize=9)
        ax.set_xticks(ticks, [period_label(periods[i], period) for i in ticks], fontsize=7)
        ax.tick_params(axis="y", labelsize=7)
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        tidy_axes(ax, grid="y")
    for ax in axes[len(names):]:
        ax.set_visible(False)
    handles, labels = axes[min(1, len(names) - 1)].get_legend_handles_labels()
    figure.legend(handles, labels, loc="outside upper right", ncols=3, frameon=False, fontsize=8)
    figure.suptitle(f"Net and gross revenue retention per {period}, by segment", x=0.01, ha="left",
                    fontsize=11)
    return figure


@chart("win_rate_vs_deal_size")
def win_rate_vs_deal_size(metrics: pd.DataFrame) -> Figure:
    """Win rate against average won deal size, one labelled point per segment.

    Draws `deal_metrics` output (per segment, no period) as it is; point area follows
    the number of closed deals; ``All`` is the dark point. Deal sizes more than 10× apart
    are drawn on a log scale. Labels are placed by `place_labels`, so none overlaps
    another or a point. Segments with no won deal have no size and are listed under the
    chart instead.
    """
    figure = Figure(figsize=(8.5, 5.5), layout="constrained")
    ax = figure.subplots()
    shown = metrics[metrics["avg_won_amount"].notna() & metrics[WIN_RATE].notna()]
    largest = max(float(shown["closed_deals"].max()), 1.0) if len(shown) else 1.0
    points, areas = [], []
    for _, row in shown.iterrows():
        total = row[SEGMENT] == ALL_SEGMENTS
        points.append((float(row["avg_won_amount"]), float(row[WIN_RATE])))
        areas.append(40 + 400 * float(row["closed_deals"]) / largest)
        ax.scatter(*points[-1], s=areas[-1], color="#222222" if total else TOTAL, alpha=0.75,
                   edgecolor="white", zorder=3)
    sizes = [x for x, _ in points]
    log = bool(sizes) and min(sizes) > 0 and max(sizes) > 10 * min(sizes)
    if log:
        ax.set_xscale("log")
        ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("average won deal size" + (" (log scale)" if log else ""))
    ax.set_ylabel("win rate (won / closed)")
    ax.xaxis.set_major_formatter(MoneyAxis())
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.margins(x=0.12, y=0.12)  # room for labels beside the outermost points
    ax.set_title("Win rate and deal size by segment (area: closed deals)", loc="left", fontsize=11)
    missing = metrics.loc[~metrics.index.isin(shown.index), SEGMENT].tolist()
    if missing:
        figure.text(0.01, 0.0, "No won deals: " + ", ".join(map(str, missing)), fontsize=8, va="bottom")
    tidy_axes(ax, grid="both")
    first = sorted(range(len(points)), key=lambda i: (shown[SEGMENT].iloc[i] != ALL_SEGMENTS,
                                                       -areas[i], str(shown[SEGMENT].iloc[i])))
    place_labels(ax, points, [str(name) for name in shown[SEGMENT]],
                 [math.sqrt(area / math.pi) for area in areas], order=first)
    return figure


# Where a label may go around its point, nearest first: right, left, above, below, then the
# diagonals; each ring further out (with a leader line) when every nearer place is taken.
_PLACES = ((1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (-1, 1), (1, -1), (-1, -1))
_RINGS = (3.0, 14.0, 28.0, 44.0)  # points beyond the marker's edge


def place_labels(ax: Axes, points: list[tuple[float, float]], labels: list[str],
                 radii: list[float], *, order: list[int] | None = None, fontsize: float = 8) -> None:
    """Label each point (data coordinates) where its label overlaps no other label or point.

    Deterministic: points are labelled in `order` (default: as given); each takes the first
    place in `_PLACES` × `_RINGS` (nearest first) that overlaps nothing placed so far, no
    marker (radius in points, from `radii`) and stays inside the axes; if none is free, the
    place overlapping least. Labels away from the first ring get a thin leader line. The
    figure's layout is settled first and then fixed, so the places hold when it is saved.
    """
    figure = ax.get_figure()
    renderer = FigureCanvasAgg(figure).get_renderer()
    figure.draw_without_rendering()  # settle the layout, then keep it as it is
    figure.set_layout_engine("none")
    px = figure.dpi / 72
    frame = ax.get_window_extent(renderer)
    centres = ax.transData.transform(points) if points else np.empty((0, 2))
    markers = [(x - r * px, y - r * px, x + r * px, y + r * px)
               for (x, y), r in zip(centres, radii, strict=True)]
    taken: list[tuple[float, float, float, float]] = []
    chosen: dict[int, tuple[float, float, str, str, bool]] = {}
    for i in order if order is not None else range(len(points)):
        text = ax.text(0, 0, labels[i], fontsize=fontsize)
        extent = text.get_window_extent(renderer)
        text.remove()
        best = None
        for ring, (ux, uy) in ((ring, place) for ring in _RINGS for place in _PLACES):
            reach = (radii[i] + ring) * (0.75 if ux and uy else 1.0)
            dx, dy = ux * reach, uy * reach
            x0 = centres[i][0] + dx * px - (extent.width if ux < 0 else extent.width / 2 if ux == 0 else 0)
            y0 = centres[i][1] + dy * px - (extent.height if uy < 0 else extent.height / 2 if uy == 0 else 0)
            box = (x0, y0, x0 + extent.width, y0 + extent.height)
            others = taken + [m for j, m in enumerate(markers) if j != i]
            cost = sum(_overlap(box, other) for other in others) + _outside(box, frame.extents)
            if best is None or cost < best[0]:
                ha = "left" if ux > 0 else "right" if ux < 0 else "center"
                va = "bottom" if uy > 0 else "top" if uy < 0 else "center"
                best = (cost, box, (dx, dy, ha, va, ring != _RINGS[0]))
            if cost == 0:
                break
        taken.append(best[1])
        chosen[i] = best[2]
    for i in sorted(chosen):  # labels in the table's order
        dx, dy, ha, va, far = chosen[i]
        ax.annotate(labels[i], points[i], xytext=(dx, dy), textcoords="offset points", ha=ha,
                    va=va, fontsize=fontsize,
                    arrowprops={"arrowstyle": "-", "color": "#98a2b3", "linewidth": 0.6,
                                "shrinkA": 0, "shrinkB": radii[i]} if far else None)


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    """Area shared by two boxes (x0, y0, x1, y1)."""
    return max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))


def _outside(box: tuple[float, ...], frame: tuple[float, ...]) -> float:
    """Area of `box` outside `frame`, both (x0, y0, x1, y1)."""
    return (box[2] - box[0]) * (box[3] - box[1]) - _overlap(box, frame)


@chart("cohort_heatmap")
def cohort_heatmap(
    cohorts: pd.DataFrame, segment: str = ALL_SEGMENTS, *, period: Period = "quarter"
) -> Figure:
    """Share of each start cohort's logos still paying at each age, with the % in each cell.

    Draws `cohorts` output for one segment (``All`` by default) as it is: one row per
    start cohort, one column per age.
    """
    rows = cohorts[cohorts[SEGMENT] == segment]
    grid = rows.pivot(index=COHORT, columns=AGE, values=LOGO_RETENTION).sort_index()
    values = grid.to_numpy(dtype=float)
    figure = Figure(figsize=(1.0 + 0.62 * max(grid.shape[1], 4), 1.2 + 0.42 * max(grid.shape[0], 3)),
                    layout="constrained")
    ax = figure.subplots()
    image = ax.imshow(np.ma.masked_invalid(values), cmap="Blues", vmin=0, vmax=1, aspect="auto")
    for (i, j), value in np.ndenumerate(values):
        if not np.isnan(value):
            ax.text(j, i, f"{value:.0%}", ha="center", va="center", fontsize=8,
                    color="white" if value > 0.6 else "#222222")
    ax.set_xticks(range(grid.shape[1]), [str(age) for age in grid.columns])
    ax.set_yticks(range(grid.shape[0]), [period_label(c, period) for c in grid.index])
    ax.set_xlabel(f"age ({period}s since start)")
    ax.set_ylabel("start cohort")
    ax.set_title(f"{segment}: logos still paying, by start cohort", loc="left", fontsize=11)
    figure.colorbar(image, ax=ax, format=PercentFormatter(1.0), shrink=0.8, label="logo retention")
    return figure


def by_arr(bridge: pd.DataFrame) -> list[str]:
    """The segments of one period's `arr_bridge` rows: ``All`` first, then by closing ARR,
    largest first (ties by name).

    >>> by_arr(pd.DataFrame({"segment": ["B", "All", "A", "C"], "closing_arr": [5, 9, 1, 5]}))
    ['All', 'B', 'C', 'A']
    """
    rows = bridge.assign(_arr=bridge[CLOSING_ARR].astype(float), _rest=bridge[SEGMENT] != ALL_SEGMENTS)
    return rows.sort_values(["_rest", "_arr", SEGMENT], ascending=[True, False, True])[SEGMENT].tolist()


def _ordered_segments(names, bridge: pd.DataFrame | None) -> list[str]:
    """`names` in `by_arr` order of `bridge`'s latest period; ``All`` then by name without it."""
    ranked = [] if bridge is None or bridge.empty else by_arr(bridge[bridge[PERIOD] == bridge[PERIOD].max()])
    rank = {name: i for i, name in enumerate(ranked)}
    return sorted(names, key=lambda name: (name != ALL_SEGMENTS, rank.get(name, len(rank)), name))


def _bridge_row(bridge: pd.DataFrame, segment: str, when) -> pd.Series:
    rows = bridge[bridge[SEGMENT] == segment]
    when = rows[PERIOD].max() if when is None else when
    return rows[rows[PERIOD] == when].iloc[0]


def _draw_waterfall(ax: Axes, row: pd.Series, *, labels: bool) -> None:
    values = [float(row[name]) for name in BRIDGE]
    bottoms, heights, colours = [], [], []
    running = 0.0
    for name, value in zip(BRIDGE, values, strict=True):
        if name in (OPENING_ARR, CLOSING_ARR):
            bottoms.append(0.0)
            heights.append(value)
            colours.append(LEVEL if name == OPENING_ARR else TOTAL)
            running = value
        else:
            bottoms.append(running)
            heights.append(value)
            colours.append(UP if value >= 0 else DOWN)
            running += value
    positions = range(len(BRIDGE))
    ax.bar(positions, heights, bottom=bottoms, color=colours, width=0.7)
    ax.set_xticks(list(positions), [_STEP_NAMES[name] for name in BRIDGE], rotation=35, ha="right",
                  fontsize=9 if labels else 7)
    ax.yaxis.set_major_formatter(MoneyAxis())
    levels = [bottom + height for bottom, height in zip(bottoms, heights, strict=True)]
    low, high = zoomed_range(levels)
    if labels:
        for x, bottom, height in zip(positions, bottoms, heights, strict=True):
            level = x in (0, len(BRIDGE) - 1)
            if not level and height == 0:
                continue  # an empty movement needs no "+0"
            text = (money_text(height) if level
                    else f"{'+' if height > 0 else '−'}{money_text(abs(height))}")
            ax.annotate(text, (x, bottom + max(height, 0.0)), xytext=(0, 3), textcoords="offset points",
                        ha="center", fontsize=8)
    if low > 0:
        _mark_zoomed(ax, low, high + (0.1 if labels else 0.05) * (high - low), len(BRIDGE))
    elif labels:
        ax.set_ylim(top=ax.get_ylim()[1] * 1.08)  # room for the labels above the tallest bar
    tidy_axes(ax, grid="y")


def zoomed_range(levels: list[float], *, zoom_above: float = 0.5) -> tuple[float, float]:
    """Where a waterfall's value axis starts and its highest level: (0, high) unless zoomed.

    The axis is zoomed when every running level (opening, after each movement, closing)
    lies above `zoom_above` × the highest one, so opening and closing would dwarf the
    movements: it then starts at a round value a quarter of the levels' spread below the
    lowest level.

    >>> zoomed_range([100.0, 104.0, 103.0, 106.0])  # spread 6: start at or below 100 − 1.5
    (98.0, 106.0)
    >>> zoomed_range([100.0, 20.0, 60.0])  # a fall below half the top: from zero
    (0.0, 100.0)
    """
    low, high = min(levels), max(levels)
    if high <= 0 or low <= zoom_above * high or low == high:
        return 0.0, max(high, 0.0)
    start = low - (high - low) / 4
    ticks = MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]).tick_values(start, high)
    return float(max(tick for tick in ticks if tick <= start)), high


def _mark_zoomed(ax: Axes, low: float, top: float, bars: int) -> None:
    """Start the value axis at `low`, with a break on the axis and across the bars, and say so."""
    ax.set_ylim(low, top)
    ax.set_xlim(-0.6, bars - 0.4)
    ax.axhline(low + 0.045 * (top - low), color="white", linewidth=2.5, zorder=3)  # the bars' cut
    for y in (0.035, 0.06):  # "//" across the y axis
        ax.plot((-0.012, 0.012), (y - 0.012, y + 0.012), transform=ax.transAxes, color="#444444",
                linewidth=1, clip_on=False, zorder=4)
    ax.set_title(f"axis starts at {money_ticks([low])[0]}", loc="right", fontsize=8,
                 color="#475467", style="italic")

"""Scenario charts: where the baseline's accounts land under a scenario (an alluvial chart), and the edge search's curve; drawn as given."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # no screen: render to files only
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib import colormaps  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import PathPatch, Rectangle  # noqa: E402
from matplotlib.path import Path  # noqa: E402

from segmint.report.charts import chart, tidy_axes  # noqa: E402

GAP = 0.02  # between stacked segments, as a share of the total
BAR = 0.06  # width of each column of segments, in axis units (the axis runs 0 to 1)
MOVED, STAYED = 0.55, 0.3  # opacity of a flow to another segment, and of one that stays


@chart("scenario_transitions")
def scenario_transitions(transitions: pd.DataFrame, *, weight: str = "accounts",
                         title: str = "") -> Figure | None:
    """Baseline segments on the left, the scenario's on the right, and a band from each to
    each whose width is its accounts (or ARR: ``weight="arr"``); a band to a segment of
    another name is darker, as those accounts change segment.

    Draws `segmint.plan.scenarios` ``scenario_transitions`` for one scenario as it is:
    ``from_segment``, ``to_segment`` and the `weight` column. Segments stack largest first.

    >>> frame = pd.DataFrame({"from_segment": ["SMB", "SMB", "ENT"],
    ...     "to_segment": ["SMB", "ENT", "ENT"], "accounts": [6, 2, 2]})
    >>> figure = scenario_transitions(frame)
    >>> len(figure.axes[0].patches)  # 2 + 2 segment bars and 3 bands
    7
    >>> scenario_transitions(frame.assign(accounts=0)) is None
    True
    """
    flows = transitions[transitions[weight].fillna(0) > 0]
    if flows.empty:
        return None
    total = float(flows[weight].sum())
    left = _stack(flows.groupby("from_segment")[weight].sum(), total)
    right = _stack(flows.groupby("to_segment")[weight].sum(), total)
    height = max(3.0, 0.32 * max(len(left), len(right)) + 1.6)
    figure = Figure(figsize=(8.5, height), layout="constrained")
    ax = figure.subplots()
    palette = colormaps["tab20"]
    colour = {name: palette(i % 20) for i, name in enumerate(left.index)}
    out_at = left["bottom"].to_dict()  # where each baseline segment's next band leaves
    in_at = right["bottom"].to_dict()  # where each scenario segment's next band arrives
    order = flows.assign(_left=flows["from_segment"].map(left["bottom"]),
                         _right=flows["to_segment"].map(right["bottom"]))
    for row in order.sort_values(["_left", "_right"]).itertuples(index=False):
        share = float(getattr(row, weight)) / total
        start, end = out_at[row.from_segment], in_at[row.to_segment]
        out_at[row.from_segment] += share
        in_at[row.to_segment] += share
        moved = row.from_segment != row.to_segment
        ax.add_patch(_band(start, end, share, colour[row.from_segment],
                           alpha=MOVED if moved else STAYED))
    for side, stack, x in (("from", left, 0.0), ("to", right, 1.0 - BAR)):
        for name, place in stack.iterrows():
            ax.add_patch(Rectangle((x, place["bottom"]), BAR, place["share"],
                                   color=colour.get(name, "#98a2b3") if side == "from" else "#475467"))
            ax.text(x - 0.01 if side == "from" else x + BAR + 0.01,
                    place["bottom"] + place["share"] / 2, f"{name} ({place['share']:.0%})",
                    ha="right" if side == "from" else "left", va="center", fontsize=8)
    ax.set_xlim(-0.45, 1.45)
    ax.set_ylim(1 + GAP * max(len(left), len(right)), 0)
    ax.axis("off")
    ax.text(BAR / 2, -0.01, "baseline", ha="center", va="bottom", fontsize=9, weight="bold")
    ax.text(1 - BAR / 2, -0.01, title or "scenario", ha="center", va="bottom", fontsize=9,
            weight="bold")
    ax.set_title(f"Where the baseline's {weight.replace('arr', 'ARR')} go", loc="left", pad=16)
    return figure


@chart("edge_curve")
def edge_curve(curve: pd.DataFrame) -> Figure | None:
    """The best score for each number of bands (a line), and the current edges' (a point):
    how far the current edges are from the best the field allows.

    Draws `segmint.plan.edges.search_edges` as it is: ``bands``, ``score``, ``current``,
    ``edges`` (text) and ``measure``.

    >>> curve = pd.DataFrame({"bands": [2, 3, 2], "score": [0.05, 0.06, 0.02],
    ...     "current": [False, False, True], "edges": ["300", "300, 590", "500"],
    ...     "measure": ["win_rate"] * 3})
    >>> len(edge_curve(curve).axes[0].lines)
    2
    """
    best, now = curve[~curve["current"]], curve[curve["current"]]
    if best.empty and now.empty:
        return None
    figure = Figure(figsize=(6.5, 3.2), layout="constrained")
    ax = figure.subplots()
    ax.plot(best["bands"], best["score"], marker="o", color="#2f5d9e", label="best edges")
    for row in best.itertuples(index=False):
        ax.annotate(row.edges, (row.bands, row.score), textcoords="offset points",
                    xytext=(0, 7), ha="center", fontsize=8)
    ax.plot(now["bands"], now["score"], marker="D", linestyle="none", color="#d9822b",
            label=f"current edges ({', '.join(now['edges'])})")
    ax.set_xticks(sorted(set(curve["bands"])))
    ax.set_xlabel("bands")
    ax.set_ylabel(f"{curve['measure'].iloc[0]}: separation")
    ax.set_ylim(bottom=0)
    ax.legend(frameon=False, loc="lower right")
    tidy_axes(ax, grid="y")
    return figure


def _stack(sizes: pd.Series, total: float) -> pd.DataFrame:
    """Segments stacked top to bottom, largest first (ties by name): share and top edge."""
    ordered = sorted(sizes.index, key=lambda name: (-sizes[name], str(name)))
    share = np.array([sizes[name] / total for name in ordered])
    bottom = np.concatenate([[0.0], np.cumsum(share + GAP)[:-1]])
    return pd.DataFrame({"share": share, "bottom": bottom}, index=ordered)


def _band(start: float, end: float, share: float, colour, *, alpha: float) -> PathPatch:
    """A band from the left column at `start` to the right one at `end`, `share` thick,
    its edges cubic Bézier curves."""
    x0, x1 = BAR, 1.0 - BAR
    middle = (x0 + x1) / 2
    vertices = [(x0, start), (middle, start), (middle, end), (x1, end),
                (x1, end + share), (middle, end + share), (middle, start + share),
                (x0, start + share), (x0, start)]
    codes = [Path.MOVETO, Path.CURVE4, Path.CURVE4, Path.CURVE4, Path.LINETO,
             Path.CURVE4, Path.CURVE4, Path.CURVE4, Path.CLOSEPOLY]
    return PathPatch(Path(vertices, codes), facecolor=colour, edgecolor="none", alpha=alpha)

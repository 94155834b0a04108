"""Plan charts: reps needed against today's, and territories on a tile-grid map; drawn as given."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # no screen: render to files only
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib import colormaps  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

from segmint.report.charts import chart, tidy_axes  # noqa: E402

NEEDED, TODAY = "#2f5d9e", "#b0b7c3"
MAX_MAPS = 4
# The US as a tile grid (row, column): one equal square per state, placed roughly where it
# lies, so small states stay visible and no map file is needed (offline, no downloads).
US_TILES = {
    "AK": (0, 0), "ME": (0, 10),
    "VT": (1, 9), "NH": (1, 10),
    "WA": (2, 0), "ID": (2, 1), "MT": (2, 2), "ND": (2, 3), "MN": (2, 4), "IL": (2, 5),
    "WI": (2, 6), "MI": (2, 7), "NY": (2, 8), "RI": (2, 9), "MA": (2, 10),
    "OR": (3, 0), "NV": (3, 1), "WY": (3, 2), "SD": (3, 3), "IA": (3, 4), "IN": (3, 5),
    "OH": (3, 6), "PA": (3, 7), "NJ": (3, 8), "CT": (3, 9),
    "CA": (4, 0), "UT": (4, 1), "CO": (4, 2), "NE": (4, 3), "MO": (4, 4), "KY": (4, 5),
    "WV": (4, 6), "VA": (4, 7), "MD": (4, 8), "DE": (4, 9),
    "AZ": (5, 1), "NM": (5, 2), "KS": (5, 3), "AR": (5, 4), "TN": (5, 5), "NC": (5, 6),
    "SC": (5, 7), "DC": (5, 8),
    "OK": (6, 3), "LA": (6, 4), "MS": (6, 5), "AL": (6, 6), "GA": (6, 7),
    "HI": (7, 0), "TX": (7, 3), "FL": (7, 7),
}


@chart("capacity_reps")
def capacity_reps(plan: pd.DataFrame) -> Figure | None:
    """Reps needed and owners today, side by side, per segment (motions added up).

    Draws `plan.capacity.capacity_plan` as it is: ``segment``, ``reps_needed`` and
    ``owner_fte_today`` (owners counted for their workload's share in the segment), else
    ``owners_today``.
    """
    if plan.empty:
        return None
    today = "owner_fte_today" if "owner_fte_today" in plan.columns else "owners_today"
    rows = plan.groupby("segment", sort=False)[["reps_needed", today]].sum()
    figure = Figure(figsize=(7.0, max(2.4, 0.45 * len(rows) + 1.2)), layout="constrained")
    ax = figure.subplots()
    where = np.arange(len(rows))[::-1]
    ax.barh(where + 0.2, rows["reps_needed"], height=0.4, color=NEEDED, label="reps needed")
    ax.barh(where - 0.2, rows[today], height=0.4, color=TODAY, label="owners today (FTE)")
    ax.set_yticks(list(where), [str(s) for s in rows.index])
    ax.set_xlabel("reps")
    ax.legend(frameon=False, loc="lower right")
    tidy_axes(ax, grid="x")
    ax.set_title("Reps needed against today's owners", loc="left")
    return figure


@chart("territory_tiles")
def territory_tiles(states: pd.DataFrame) -> Figure | None:
    """Per segment, a tile per US state (and a row of tiles for other countries): its shade is
    its share of the segment's potential, its label the territories working it.

    Draws `plan.territories` ``territory_states`` as it is: ``segment``, ``cell`` ("US-CA",
    "FR"), ``accounts``, ``territories``, ``potential``; the `MAX_MAPS` segments with the most
    accounts.
    """
    if states.empty:
        return None
    # the segments with the most accounts, at most MAX_MAPS of them: a page, not a scroll
    size = states.groupby("segment", sort=False)["accounts"].sum()
    segments = sorted(size.index, key=lambda s: (-size[s], str(s)))[:MAX_MAPS]
    def on_us_grid(cell: str) -> bool:
        """A US state with a tile; any other cell ("FR", or "US-AB": a province's code
        written as a US state's in the CRM) takes a tile in the rows below."""
        return cell.startswith("US-") and cell[3:] in US_TILES

    def tile_rows(segment) -> tuple[int, int]:
        """Rows of the US grid (0 without a US state) and rows in all, for `segment`."""
        cells = [str(c) for c in states.loc[states["segment"] == segment, "cell"]]
        others = sum(not on_us_grid(c) for c in cells)
        us_rows = 8 if others < len(cells) else 0
        return us_rows, us_rows + (others + 10) // 11

    heights = [max(tile_rows(segment)[1], 1) for segment in segments]
    figure = Figure(figsize=(7.5, 0.5 * sum(heights) + 0.45 * len(segments)),
                    layout="constrained")
    axes = np.atleast_1d(figure.subplots(len(segments), 1,
                                         gridspec_kw={"height_ratios": heights}))
    for ax, segment in zip(axes, segments, strict=True):
        rows = states[states["segment"] == segment]
        share = rows["potential"] / max(rows["potential"].sum(), 1e-300)
        darkest = max(share.max(), 1e-300)
        others = [str(c) for c in rows["cell"] if not on_us_grid(str(c))]
        us_rows, rows_used = tile_rows(segment)
        if us_rows:  # the US's outline: every state, grey where none is
            for row, column in US_TILES.values():
                ax.add_patch(Rectangle((column, -row), 0.92, 0.92, color="#f0f0f0"))
        for (cell, count), part in zip(rows[["cell", "territories"]].itertuples(index=False),
                                       share, strict=True):
            cell = str(cell)
            if on_us_grid(cell):
                row, column, label = *US_TILES[cell[3:]], cell[3:]
            else:
                row, column, label = (us_rows + others.index(cell) // 11,
                                      others.index(cell) % 11, cell)
            ax.add_patch(Rectangle((column, -row), 0.92, 0.92,
                                   color=colormaps["Blues"](0.15 + 0.8 * part / darkest)))
            ax.text(column + 0.46, -row + 0.46, f"{label}\n{count}", ha="center", va="center",
                    fontsize=6.5, color="white" if part / darkest > 0.55 else "#222222")
        ax.set_xlim(-0.1, 11)
        ax.set_ylim(-rows_used + 0.9, 1)
        ax.set_aspect("equal")
        ax.axis("off")
        ax.set_title(f"{segment}: territories per state or country (shade: share of potential)",
                     loc="left", fontsize=9)
    return figure

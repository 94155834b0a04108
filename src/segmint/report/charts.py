"""Charts: draw finished tables (no sums, no joins) with matplotlib and return inline SVG."""

from __future__ import annotations

import io
from collections.abc import Callable

import matplotlib

matplotlib.use("Agg")  # no screen: render to files only
import pandas as pd  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import Formatter  # noqa: E402

from segmint import tables as t  # noqa: E402
from segmint.money import money_text, money_ticks  # noqa: E402

PALETTE = {"accounts": "#c9d3e3", "customers": "#2f5d9e", "arr": "#d9822b"}

Drawing = Callable[..., Figure | None]  # (frame, **options) -> figure, or None: nothing to draw
CHARTS: dict[str, Drawing] = {}


def chart(kind: str) -> Callable[[Drawing], Drawing]:
    """Register a drawing under the chart `kind` that report sections name (`segmint.sections.Chart`).

    A drawing takes the result table as pandas and the chart's options, and returns a figure,
    or None when the table holds nothing it can draw.

    Examples
    --------
    >>> @chart("example_bars")
    ... def example_bars(frame):
    ...     return None
    >>> CHARTS["example_bars"] is example_bars
    True
    >>> del CHARTS["example_bars"]
    """

    def register(drawing: Drawing) -> Drawing:
        CHARTS[kind] = drawing
        return drawing

    return register


def segment_bars(summary: pd.DataFrame) -> Figure:
    """Accounts and customers per segment (bars) beside ARR per segment, largest first.

    Draws `segment_summary` as it is given: one row per segment with ``accounts``,
    ``customers`` and, when there is revenue, ``arr``.
    """
    rows = summary.sort_values("accounts", ascending=True)
    has_arr = "arr" in rows.columns and rows["arr"].notna().any()
    height = max(2.5, 0.38 * len(rows) + 1.2)
    figure = Figure(figsize=(10 if has_arr else 6.5, height), layout="constrained")
    axes = figure.subplots(1, 2 if has_arr else 1, sharey=True, squeeze=False)[0]
    left = axes[0]
    positions = range(len(rows))
    left.barh(positions, rows["accounts"], color=PALETTE["accounts"], label="accounts")
    left.barh(positions, rows["customers"], color=PALETTE["customers"], label="customers")
    left.set_yticks(list(positions), rows[t.SEGMENT].tolist())
    left.set_xlabel("accounts")
    left.legend(loc="lower right", frameon=False)
    left.set_title("Accounts and customers per segment", loc="left", fontsize=11)
    if has_arr:
        right = axes[1]
        right.barh(positions, rows["arr"].fillna(0), color=PALETTE["arr"])
        right.set_xlabel("ARR")
        right.xaxis.set_major_formatter(MoneyAxis())
        right.set_title("Current ARR per segment", loc="left", fontsize=11)
    for ax in axes:
        tidy_axes(ax, grid="x")
    return figure


def load_drawings() -> dict[str, Drawing]:
    """Every chart kind: imports each ``*_charts`` module of this package, which register
    their drawings, so a new chart module needs no other change.

    >>> {"bridge_waterfalls", "decile_lift"} <= set(load_drawings())
    True
    """
    import importlib
    import pkgutil

    import segmint.report as package

    for module in pkgutil.iter_modules(package.__path__):
        if module.name.endswith("_charts"):
            importlib.import_module(f"{package.__name__}.{module.name}")
    return CHARTS


def to_svg(figure: Figure, *, salt: str = "segmint") -> str:
    """The figure as an inline SVG element (text escaped by matplotlib's SVG writer).

    The same figure gives the same SVG every time: no date, and element ids hashed from
    their content and `salt` instead of a random one (give each chart of a page its own
    `salt`, so ids stay unique on the page).

    >>> figure = Figure(figsize=(2, 1))
    >>> _ = figure.subplots().plot([1, 2])
    >>> to_svg(figure) == to_svg(figure) and to_svg(figure) != to_svg(figure, salt="other")
    True
    """
    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": salt}):
        figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    svg = buffer.getvalue()
    return svg[svg.index("<svg"):]  # drop the XML prolog and DOCTYPE for inlining


def tidy_axes(ax: Axes, *, grid: str) -> None:
    """Every chart's axes: no top or right spine, a light grid along `grid` behind the data."""
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis=grid, color="#eeeeee")
    ax.set_axisbelow(True)


class MoneyAxis(Formatter):
    """Money on an axis: each tick as `money_text` writes it, with as many figures as keep
    every tick exact (`money_ticks`), so a zoomed axis never shows two ticks alike."""

    def __call__(self, x: float, pos: int | None = None) -> str:
        return money_text(x)  # one value alone, such as the cursor's

    def format_ticks(self, values) -> list[str]:
        return money_ticks(values)

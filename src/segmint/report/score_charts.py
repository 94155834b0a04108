"""Score charts: back-test lift and calibration by decile, drawn as given."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")  # no screen: render to files only
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import PercentFormatter  # noqa: E402

from segmint.report.charts import chart, tidy_axes  # noqa: E402

BAR, LINE = "#2f5d9e", "#d9822b"


@chart("decile_lift")
def decile_lift(deciles: pd.DataFrame, *, columns: int = 3) -> Figure:
    """Per back-test ranking (a score's column over a population), the outcome rate in each
    score decile (top decile first), beside the overall rate; the mean score per decile as a
    line when it is a probability.

    Draws `segmint.score` ``backtest_deciles`` as it is: ``ranking`` (its name),
    ``decile``, ``accounts``, ``mean_score``, ``observed_rate``, ``lift`` and ``probability``
    (the score is one).
    """
    names = list(dict.fromkeys(deciles["ranking"]))
    shown = min(columns, len(names))
    rows = math.ceil(len(names) / shown)
    figure = Figure(figsize=(4.4 * shown, 3.2 * rows + 0.5), layout="constrained")
    axes = figure.subplots(rows, shown, squeeze=False).ravel()
    for ax, name in zip(axes, names, strict=False):
        part = deciles[deciles["ranking"] == name].sort_values("decile")
        base = float((part.observed_rate * part.accounts).sum() / part.accounts.sum())
        ax.bar(part.decile, part.observed_rate, color=BAR, width=0.75, label="what happened")
        ax.axhline(base, color="#555555", linestyle=":", linewidth=1, label="overall")
        if part.probability.all():  # a share of wallet is within 0 to 1 too: no line
            ax.plot(part.decile, part.mean_score, color=LINE, marker="o", markersize=3,
                    label="score (mean)")
        ax.set_title(f"{name}: top decile lift {float(part.lift.iloc[0]):.1f}×", loc="left",
                     fontsize=9)
        ax.set_xlabel("score decile (1 = ranked first)")
        ax.set_xticks(list(part.decile))
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        tidy_axes(ax, grid="y")
    axes[0].legend(frameon=False, fontsize=8)
    for ax in axes[len(names):]:
        ax.set_visible(False)
    return figure

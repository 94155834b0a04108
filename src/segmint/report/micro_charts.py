"""Micro-segment chart: each micro-segment placed by how often and how much its customers buy."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # no screen: render to files only
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from segmint.report.charts import chart, tidy_axes  # noqa: E402

PALETTE = ("#2f5d9e", "#d9822b", "#4e9a6a", "#8a5fb0", "#b5484b", "#777777")


@chart("micro_segment_map")
def micro_segment_map(profiles: pd.DataFrame) -> Figure | None:
    """Each micro-segment at its purchases a year (x) and spend per purchase (y), both on log
    scales, a bubble as large as its customers, a colour per parent group, numbered as in its
    name.

    Draws `micro_segment_profiles` as it is: ``parent``, ``micro_segment``, ``customers``,
    ``purchases_per_year``, ``mean_ticket``.
    """
    if profiles.empty:
        return None
    figure = Figure(figsize=(6.5, 4.0), layout="constrained")
    ax = figure.subplots()
    largest = max(int(profiles.customers.max()), 1)
    for i, (parent, rows) in enumerate(profiles.groupby("parent", sort=True)):
        ax.scatter(rows.purchases_per_year, rows.mean_ticket, s=40 + 600 * rows.customers / largest,
                   color=PALETTE[i % len(PALETTE)], alpha=0.55, label=str(parent),
                   edgecolors="white")
        for _, row in rows.iterrows():
            ax.annotate(str(row.micro_segment).rsplit(" / ", 1)[-1],
                        (row.purchases_per_year, row.mean_ticket), ha="center", va="center",
                        fontsize=8)
    ax.set_xscale("log")
    ax.set_yscale("log")
    spread = np.log10(profiles[["purchases_per_year", "mean_ticket"]].clip(lower=1e-9))
    if (spread.max() - spread.min()).min() == 0:  # one point: a log axis needs some room
        ax.margins(0.5)
    ax.set_xlabel("purchases a year (geometric mean)")
    ax.set_ylabel("spend per purchase (geometric mean)")
    ax.set_title("Micro-segments: how often and how much they buy", loc="left", fontsize=11)
    ax.legend(frameon=False, markerscale=0.5)
    tidy_axes(ax, grid="both")
    return figure

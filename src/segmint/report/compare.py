"""The scenario comparison page (compare.html): the scorecards side by side, the trade-offs in words and where the accounts go; one self-contained page, every value escaped."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone
from html import escape

import pandas as pd

from segmint.report import charts
from segmint.report.html import STYLE
from segmint.report.html import _table as table_html

ASPECTS = {"balance": "Balance", "discrimination": "Discriminative power",
           "actionability": "Actionability", "disruption": "Disruption against the baseline",
           "capacity": "Capacity"}
MEANINGS = (
    "Discriminative power: for ACV, sales cycle and NRR, the share of their variance that "
    "lies between segments, less what as many segments of noise would explain (ω²); for "
    "win rate and churn, the share of the outcome's uncertainty that knowing the segment "
    "removes, each segment's rate first shrunk toward the overall rate by how little it has "
    "seen. Splitting into tiny segments does not raise either. Disruption counts an account "
    "as moved when it leaves the peers it had: each scenario segment is paired with the "
    "baseline segment it keeps most accounts of (one each), so a segment only renamed moves "
    "nobody and one split in two keeps its larger part.")

EDGES = ("The best band edges for one field, for each number of bands, and the current edges: "
         "each band holds at least 5% of the accounts with a value, and the score is the "
         "scorecard's discriminative power on the outcome named. Edges are where an "
         "equal-count tile of accounts starts, or a current edge.")


def render_comparison(*, project_name: str, scorecard: pd.DataFrame, segments: pd.DataFrame,
                      transitions: pd.DataFrame, readings: Sequence[str],
                      notes: Sequence[str] = (), edge_search: pd.DataFrame | None = None) -> str:
    """The comparison page as a string, from the finished tables of
    `segmint.plan.scenarios.compare_scenarios`.

    Examples
    --------
    >>> card = pd.DataFrame({"scenario": ["baseline", "<B>"], "aspect": ["balance"] * 2,
    ...     "measure": ["segments"] * 2, "label": ["segments"] * 2, "value": [3.0, 4.0],
    ...     "note": ["", ""], "text": ["3", "4"]})
    >>> page = render_comparison(project_name="Acme", scorecard=card,
    ...     segments=pd.DataFrame({"scenario": ["<B>"], "segment": ["x"], "accounts": [1]}),
    ...     transitions=pd.DataFrame({"scenario": ["<B>"], "from_segment": ["a"],
    ...         "to_segment": ["x"], "accounts": [1], "arr": [0.0]}),
    ...     readings=["<B> moves everything."])
    >>> "&lt;B&gt;" in page and "<B>" not in page, page.count('data-chart="scenario_transitions"')
    (True, 1)
    """
    generated = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    names = list(dict.fromkeys(scorecard["scenario"]))
    drawings = charts.load_drawings()
    parts = [
        f"<h1>{escape(project_name)}: segmentation scenarios</h1>",
        f'<p class="muted">The baseline (the project\'s segmentation) beside {len(names) - 1} '
        f"scenario{'s' if len(names) != 2 else ''}, each assigned on the same loaded, "
        f"enriched and scored data. Generated {generated} by segmint.</p>",
        '<section data-section="trade_offs"><h2>Trade-offs</h2>',
        '<ul class="readings">' + "".join(f"<li>{escape(text)}</li>" for text in readings)
        + "</ul></section>",
        '<section data-section="scorecard"><h2>Scorecard</h2>',
        f'<p class="muted">{escape(MEANINGS)}</p>',
    ]
    for aspect, title in ASPECTS.items():
        rows = scorecard[scorecard["aspect"] == aspect]
        if rows.empty:
            continue
        side_by_side = rows.pivot(index="label", columns="scenario", values="text")
        side_by_side = side_by_side.reindex(index=list(dict.fromkeys(rows["label"])),
                                            columns=names).reset_index()
        parts += [f"<h3>{escape(title)}</h3>", table_html(side_by_side.rename(
            columns={"label": "measure"}))]
    parts.append("</section>")
    for name in names[1:]:
        moved = transitions[transitions["scenario"] == name]
        parts.append(f'<section data-section="scenario" data-scenario="{escape(name)}">'
                     f"<h2>{escape(name)}</h2>")
        figure = drawings["scenario_transitions"](moved, title=name) if len(moved) else None
        if figure is None:
            parts.append('<p class="muted empty">No account to draw.</p>')
        else:
            parts.append('<figure data-chart="scenario_transitions">'
                         f"{charts.to_svg(figure, salt=f'compare:{name}')}</figure>")
        shown = segments[segments["scenario"] == name].drop(columns="scenario")
        parts += ["<h3>Segments</h3>", table_html(shown), "</section>"]
    baseline = segments[segments["scenario"] == names[0]].drop(columns="scenario")
    parts += ['<section data-section="baseline"><h2>Baseline segments</h2>',
              table_html(baseline), "</section>"]
    if edge_search is not None:
        figure = drawings["edge_curve"](edge_search)
        parts += ['<section data-section="edge_search"><h2>Edge search</h2>',
                  f'<p class="muted">{escape(EDGES)}</p>',
                  '<figure data-chart="edge_curve">'
                  f"{charts.to_svg(figure, salt='compare:edges')}</figure>" if figure else "",
                  table_html(edge_search.assign(current=edge_search["current"].map(
                      {True: "current", False: "best"}))), "</section>"]
    parts += [f'<p class="muted">{escape(note)}</p>' for note in notes]
    body = "\n".join(parts)
    return ('<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
            f"<title>{escape(project_name)}: segmint scenarios</title>"
            f"<style>{STYLE}</style></head><body>\n{body}\n</body></html>\n")

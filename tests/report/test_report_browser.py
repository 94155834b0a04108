"""The HTML report opened in a real headless browser: it renders, with no console errors."""

from __future__ import annotations

import pytest

from segmint.report.html import something_to_draw
from segmint.sections import Chart, Figures, Readings, Section, TableView


@pytest.fixture(scope="module")
def report(demo_run):
    """The report of the demo company the session runs once (`demo_run`), and its run."""
    _, result = demo_run
    return next(p for p in result.files if p.name == "report.html"), result


def test_report_renders_in_chromium_without_console_errors(report, open_in_chromium):
    path, result = report
    page, problems = open_in_chromium(path)
    title = page.title()
    readings = page.locator('section[data-section="segment_readings"] ul.readings li').count()
    drawn = {}  # section -> [(chart kind, width, height)] of the charts it rendered
    for name, _ in sections(result):
        figures = page.locator(f'section[data-section="{name}"] figure[data-chart]')
        drawn[name] = [(figures.nth(i).get_attribute("data-chart"),
                        *_size(figures.nth(i).locator("svg").bounding_box()))
                       for i in range(figures.count())]
    headings = {name: page.locator(f'section[data-section="{name}"] h2').inner_text()
                for name, _ in sections(result)}
    bars = page.locator('figure[data-chart="segment_bars"] svg').bounding_box()
    first_heading = page.locator("h2").first.inner_text()
    tiles = page.locator('section[data-section="headline"] .tile').all_inner_texts()
    assert problems == []
    assert title == "Demo Company: segmint report"
    assert bars["width"] > 300 and bars["height"] > 100
    assert len(sections(result)) >= 4  # readings, bridge, deals, cohorts at least
    for name, section in sections(result):
        assert headings[name] == section.title
        expected = [block.kind for block in section.blocks if isinstance(block, Chart)
                    and something_to_draw(result.frames.get(block.table))]
        assert [kind for kind, _, _ in drawn[name]] == expected, name
        assert all(width > 200 and height > 100 for _, width, height in drawn[name]), drawn[name]
    assert readings == len(result.frames["segment_readings"]) > 1
    # The headline comes first, before the segments, with a tile per figure the data gives.
    assert first_heading == "Headline"
    shown = [row for name in ("headline", "headline_movements")
             for row in result.frames[name].to_dict("records") if row["text"] is not None]
    assert [tile.split("\n")[:2] for tile in tiles] == [[r["label"], r["text"]] for r in shown]
    assert {"Closing ARR", "NRR, 12 months", "New-business win rate",
            "Unassigned accounts"} <= {r["label"] for r in shown}


def sections(result):
    """Every registered section the run rendered: the analyses' and the scores'."""
    return [*result.analyses.sections, *(result.scores.sections if result.scores else [])]


def _size(box):
    return (box or {}).get("width", 0), (box or {}).get("height", 0)


def test_report_escapes_what_it_shows(tmp_path):
    from segmint.io.atomic import write_text
    from segmint.report.html import render_report
    import pandas as pd

    hostile = '<script>alert("x")</script>'
    page = render_report(
        project_name=hostile,
        summary=pd.DataFrame({"segment": [hostile], "accounts": [1], "customers": [0], "share": [1.0]}),
        row_counts=pd.DataFrame({"table": ["accounts"], "file": [hostile], "rows_in": [1],
                                 "rows_used": [1], "rows_rejected": [0]}),
        unassigned_reasons=pd.DataFrame({"reason": [hostile], "accounts": [1]}),
        rejects_by_check=pd.DataFrame({"table": [], "check": [], "rows": []}),
        sections=[(hostile, Section(hostile, 1, (Readings("said"), TableView("said"),
                                                 Figures("figures"))))],
        frames={"said": pd.DataFrame({"reading": [hostile]}),
                "figures": pd.DataFrame({"label": [hostile] * 2, "text": [hostile, None],
                                         "note": [hostile] * 2})},
        skipped={hostile: hostile},
    )
    write_text(tmp_path / "report.html", page)
    assert "<script>" not in page
    assert page.count("&lt;script&gt;") >= 12

"""The demo's scenario comparison (compare.html) opened in a real headless browser."""

from __future__ import annotations

import pytest

from segmint.config.project import load_project
from segmint.config.starter import demo_project
from segmint.demo.generator import generate_company
from segmint.pipeline import compare


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    folder = tmp_path_factory.mktemp("compare")
    generate_company(folder, accounts=1500, seed=5)
    (folder / "segmint.yaml").write_text(demo_project("csv"))
    result = compare(load_project(folder / "segmint.yaml"), edges="employees")
    return next(p for p in result.files if p.name == "compare.html"), result


def test_the_demo_ships_two_scenarios_and_compare_writes_their_tables(page):
    path, result = page
    card = result.comparison.scorecard
    assert list(dict.fromkeys(card.scenario)) == ["baseline", "region_first", "potential_bands"]
    assert {p.name for p in result.files} >= {
        "compare.html", "scenario_scorecard.parquet", "scenario_segments.csv",
        "scenario_transitions.csv"}
    # every account of the baseline is in each scenario's transitions, once
    accounts = result.comparison.segments.query("scenario == 'baseline'").accounts.sum()
    for name in ("region_first", "potential_bands"):
        moved = result.comparison.transitions.query("scenario == @name")
        assert moved.accounts.sum() == accounts
    assert len(result.comparison.readings) == 2
    # the edge search: the best two to four bands, then the demo's own edges, 200 and 2,000
    edges = result.comparison.edge_search
    assert list(edges.bands) == [2, 3, 4, 3] and list(edges.current) == [False] * 3 + [True]
    assert edges.edges.iloc[-1] == "200, 2,000"
    assert (edges.smallest_band >= 0.05 * accounts * 0.8).all()  # 5% of those with a headcount


def test_compare_page_renders_in_chromium_without_console_errors(page, open_in_chromium):
    path, result = page
    tab, problems = open_in_chromium(path)
    title = tab.title()
    trade_offs = tab.locator('section[data-section="trade_offs"] li').all_inner_texts()
    headers = tab.locator('section[data-section="scorecard"] table').first \
        .locator("th").all_inner_texts()
    edge_rows = tab.locator('section[data-section="edge_search"] tbody tr').count()
    edge_chart = tab.locator('figure[data-chart="edge_curve"] svg').bounding_box()
    charts = {name: tab.locator(f'section[data-scenario="{name}"] '
                                'figure[data-chart="scenario_transitions"] svg').bounding_box()
              for name in ("region_first", "potential_bands")}
    assert problems == []
    assert title == "Demo Company: segmint scenarios"
    assert trade_offs == result.comparison.readings
    assert headers == ["measure", "baseline", "region_first", "potential_bands"]
    assert edge_rows == len(result.comparison.edge_search)
    assert edge_chart["width"] > 300 and edge_chart["height"] > 150
    assert all(box["width"] > 300 and box["height"] > 150 for box in charts.values()), charts

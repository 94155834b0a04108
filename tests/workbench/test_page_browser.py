"""The workbench page in a real headless Chromium: edit a band edge and a rule from the keyboard,
see the library's figures; a rule that does not parse is shown at its caret; no token, no page."""

from __future__ import annotations

import copy

import pandas as pd
import pytest

from segmint.engine import release
from segmint.plan.scenarios import reassign, score_scenario, scorecard_text
from segmint.workbench.session import DISRUPTION, SEGMENT_FIGURES, check_edit


def library_figures(workbench, model: dict) -> dict:
    """`model`'s figures by the library's own scenario path, as `segmint compare` has them:
    every dimension and every reason worked out again (`reassign`), scored by
    `score_scenario`; not the workbench's shortcut (`edited_assignments`)."""
    scenario = reassign(workbench.base, check_edit(workbench.project, model), name="edited",
                        bridge=False)
    try:
        score = score_scenario(workbench.base, scenario, workbench.saved)
    finally:
        release(workbench.con, scenario.assignments)
    segments = score.segments.merge(score.outcomes, on="segment", how="left")
    return {"segments": [{"segment": row["segment"],
                          **{name: None if pd.isna(row[name]) else row[name]
                             for name in SEGMENT_FIGURES}}
                         for row in segments.to_dict("records")],
            "disruption": {row["measure"]: scorecard_text(row["measure"], row["value"],
                                                          row["note"])
                           for row in score.rows if row["measure"] in DISRUPTION}}


def shown_segments(page) -> list[dict]:
    """The segment table as shown: each figure's exact value (data-value) and its text."""
    return page.eval_on_selector_all("#segment-figures tbody tr", """rows => rows.map(row => ({
        segment: row.dataset.segment,
        values: Object.fromEntries([...row.querySelectorAll("td[data-name]")].map(
            td => [td.dataset.name, td.dataset.value === "" ? null : Number(td.dataset.value)])),
    }))""")


def expected_segments(figures: dict) -> list[dict]:
    return [{"segment": row["segment"], "values": {name: row[name] for name in SEGMENT_FIGURES}}
            for row in figures["segments"]]


def shown_disruption(page) -> dict:
    return page.eval_on_selector_all("#disruption dd", """cells => Object.fromEntries(
        cells.map(dd => [dd.dataset.measure, dd.textContent]))""")


def type_into(page, selector: str, text: str) -> None:
    """Focus a field and replace its text from the keyboard, as a user would."""
    page.focus(selector)
    page.keyboard.press("Control+A")
    page.keyboard.type(text)


def wait_for_edit(page, number: int) -> None:
    page.wait_for_function(
        f"() => document.getElementById('status').textContent.includes('edit {number})')")


@pytest.fixture(scope="module")
def opened(served, chromium_page):
    url, token, workbench = served
    page, answer, problems = chromium_page(f"{url}/?token={token}")
    assert answer.status == 200
    page.wait_for_function("() => document.getElementById('status').textContent"
                           " === 'Figures for the saved model.'")
    return page, problems, workbench


def test_the_page_shows_the_saved_models_figures(opened):
    page, problems, workbench = opened
    saved = workbench.project.segmentation.model_dump(mode="json", exclude_none=True)
    assert page.title() == "Tiny Co: segmint workbench"
    figures = library_figures(workbench, saved)
    assert shown_segments(page) == expected_segments(figures)
    assert shown_disruption(page) == figures["disruption"]
    assert shown_disruption(page)["accounts_moved"] == "0"
    assert problems == []


def test_editing_a_band_edge_then_a_rule_shows_the_librarys_figures(opened):
    page, problems, workbench = opened
    model = copy.deepcopy(workbench.project.segmentation.model_dump(mode="json",
                                                                    exclude_none=True))
    type_into(page, '[data-key="segmentation.dimensions.size.edges[1]"]', "300")
    wait_for_edit(page, 1)
    model["dimensions"]["size"]["edges"] = [300.0]
    figures = library_figures(workbench, model)
    assert shown_segments(page) == expected_segments(figures)
    assert shown_disruption(page) == figures["disruption"]
    smb = next(row for row in shown_segments(page) if row["segment"] == "SMB")
    assert (smb["values"]["accounts"], smb["values"]["arr"]) == (6, 28800)  # a5, a7 join
    assert shown_disruption(page)["accounts_moved"] == "2"
    assert shown_disruption(page)["arr_moved"] == "24k"
    moved = page.locator("#transitions tr.moved td").all_inner_texts()
    assert moved[:4] == ["ENT", "SMB", "2", "24,000"]

    type_into(page, '[data-key="segmentation.segments[1].when"]', "employees >= 5000")
    wait_for_edit(page, 2)
    model["segments"][0]["when"] = "employees >= 5000"  # a6 (5,000) joins a8 in Strategic
    figures = library_figures(workbench, model)
    assert shown_segments(page) == expected_segments(figures)
    assert shown_disruption(page) == figures["disruption"]
    strategic = next(row for row in shown_segments(page) if row["segment"] == "Strategic")
    assert (strategic["values"]["accounts"], strategic["values"]["arr"]) == (2, 28800)
    assert problems == []


def test_the_segment_chart_is_drawn_for_the_figures_shown(opened):
    # after the edits above: the report's chart of the segments shown, loaded as an image
    # under the page's Content-Security-Policy (no console error), one bar per segment
    page, problems, workbench = opened
    shown = shown_segments(page)
    page.wait_for_function("() => { const image = document.getElementById("
                           "'segment-chart-image'); return image.complete && "
                           f"image.naturalWidth > 0 && image.dataset.segments === '{len(shown)}'; }}")
    alt = page.get_attribute("#segment-chart-image", "alt")
    assert alt.startswith("Accounts, customers and ARR per segment: ")
    for row in shown:
        assert f"{row['segment']} {row['values']['accounts']:,} accounts" in alt
    assert problems == []


def test_a_rule_that_does_not_parse_is_shown_at_its_caret(opened):
    page, problems, workbench = opened
    before = shown_segments(page)
    rule = '[data-key="segmentation.segments[1].when"]'
    type_into(page, rule, "employees >> 5")
    slot = page.locator('[data-error-for="segmentation.segments[1].when"]')
    slot.locator("pre.caret").wait_for()
    assert "is not valid" in slot.inner_text()
    assert slot.locator("pre.caret").inner_text() == "employees >> 5\n" + " " * 11 + "^"
    assert page.get_attribute(rule, "aria-invalid") == "true"
    assert shown_segments(page) == before  # the last valid model's figures stay
    type_into(page, rule, "employees >= 5000")  # fixed: the error goes
    page.wait_for_function("() => !document.querySelector('[aria-invalid]')")
    assert slot.inner_text() == ""
    assert [e for e in problems if "422" not in e] == []  # the refused edit's answer only


def test_a_value_is_shown_as_text_never_as_markup(opened):
    page, problems, workbench = opened
    label = '[data-key="segmentation.dimensions.size.labels[1]"]'
    type_into(page, label, "<img src=x onerror=alert(1)>SMB")
    page.wait_for_function("() => document.querySelector('#segment-figures tbody')"
                           ".textContent.includes('<img')")
    assert page.locator("#segment-figures img").count() == 0
    assert "<img src=x onerror=alert(1)>SMB" in page.locator(
        "#segment-figures tbody").inner_text()


def test_without_the_token_the_page_is_refused(served, chromium_page):
    url, token, workbench = served
    page, answer, problems = chromium_page(f"{url}/")
    assert answer.status == 403
    assert "no valid token" in page.locator("body").inner_text()
    page, answer, problems = chromium_page(f"{url}/?token={token[:-1]}")
    assert answer.status == 403


def test_a_path_outside_the_workbench_is_refused(served, chromium_page):
    url, token, workbench = served
    for path in ("/assets/..%2Fsegmint.yaml", "/assets/..%2F..%2Fsegmint.yaml",
                 "/segmint.yaml", "/accounts.csv"):
        page, answer, problems = chromium_page(f"{url}{path}?token={token}")
        assert answer.status == 404, path


@pytest.mark.parametrize("scenario", ["../../evil", "/tmp/evil", "..", "sub/evil",
                                      "C:\\evil"])
def test_a_save_naming_a_path_is_refused_and_writes_nothing(opened, scenario):
    # the only name a request gives is a scenario's: never a path, whatever the page sends
    page, problems, workbench = opened
    path = workbench.project_file
    before = path.read_text()
    folder = sorted(p.name for p in path.parent.rglob("*"))
    model = workbench.project.segmentation.model_dump(mode="json", exclude_none=True)
    for endpoint, extra in (("/api/save/preview", {}), ("/api/save", {"diff": ""})):
        status, body = page.evaluate("""async ([endpoint, body]) => {
            const answer = await fetch(endpoint, {method: "POST", body: JSON.stringify(body),
                headers: {"X-Segmint-Token": new URL(location).searchParams.get("token"),
                          "Content-Type": "application/json"}});
            return [answer.status, await answer.json()];
        }""", [endpoint, {"segmentation": model, "scenario": scenario, **extra}])
        assert status in (409, 422), endpoint
        assert f"scenario name {scenario!r}" in body["problems"][0]["message"]
    assert path.read_text() == before
    assert sorted(p.name for p in path.parent.rglob("*")) == folder


def test_adding_and_removing_bands_and_segments_shows_the_librarys_figures(served,
                                                                           chromium_page):
    url, token, workbench = served
    page, answer, problems = chromium_page(f"{url}/?token={token}")
    page.wait_for_function("() => document.getElementById('status').textContent"
                           " === 'Figures for the saved model.'")
    model = copy.deepcopy(workbench.project.segmentation.model_dump(mode="json",
                                                                    exclude_none=True))
    page.focus("button.add-band")  # size: a third band from 200 employees (twice the edge)
    page.keyboard.press("Enter")
    wait_for_edit(page, 1)
    assert page.evaluate("document.activeElement.dataset.key") == \
        "segmentation.dimensions.size.edges[2]"
    model["dimensions"]["size"].update(edges=[100, 200], labels=["SMB", "ENT", "band 3"])
    figures = library_figures(workbench, model)
    assert shown_segments(page) == expected_segments(figures)
    by_name = {row["segment"]: row["values"]["accounts"] for row in shown_segments(page)}
    assert by_name == {"SMB": 4, "ENT": 1, "band 3": 2, "Strategic": 1}  # a6 and a7 from 200

    page.focus("li[data-key='segmentation.segments[1]'] button.remove-segment")
    page.keyboard.press("Enter")  # Strategic goes: a8 (9,000 employees) is in band 3
    wait_for_edit(page, 2)
    model["segments"] = []
    assert shown_segments(page) == expected_segments(library_figures(workbench, model))
    assert shown_disruption(page) == library_figures(workbench, model)["disruption"]

    page.focus("#add-segment")
    page.keyboard.press("Enter")
    wait_for_edit(page, 3)
    # one input event, so one edit (typing could send two when keys come slower than the wait)
    page.fill('[data-key="segmentation.segments[1].when"]', 'country == "FR"')
    wait_for_edit(page, 4)
    model["segments"] = [{"name": "New segment", "when": 'country == "FR"'}]
    figures = library_figures(workbench, model)
    assert shown_segments(page) == expected_segments(figures)
    assert {row["segment"]: row["values"]["accounts"] for row in shown_segments(page)} == {
        "New segment": 4, "SMB": 2, "ENT": 1, "band 3": 1}  # a3, a4, a7, a8 are in FR

    page.focus("button.remove-band")
    page.keyboard.press("Enter")  # back to two bands
    wait_for_edit(page, 5)
    model["dimensions"]["size"].update(edges=[100], labels=["SMB", "ENT"])
    assert shown_segments(page) == expected_segments(library_figures(workbench, model))
    assert page.locator("button.remove-band").is_disabled()  # one edge is the fewest
    assert problems == []

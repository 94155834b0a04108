"""Saving an edited model into segmint.yaml: a minimal diff, shown first, comments kept."""

from __future__ import annotations

import copy

import pytest

pytest.importorskip("ruamel.yaml", reason="the serve extra is not installed")
from starlette.testclient import TestClient  # noqa: E402

from segmint.config.project import Segmentation, load_project  # noqa: E402
from segmint.exceptions import ConfigError  # noqa: E402
from segmint.workbench.app import workbench_app  # noqa: E402
from segmint.workbench.save import plan_save, save  # noqa: E402
from segmint.workbench.session import edit_figures, open_workbench  # noqa: E402

TOKEN = "save-token-0123456789"


@pytest.fixture
def workbench(fresh_project):
    path = fresh_project / "segmint.yaml"
    return open_workbench(load_project(path), project_file=path)


def edited(workbench, **changes) -> dict:
    model = copy.deepcopy(workbench.project.segmentation.model_dump(mode="json",
                                                                    exclude_none=True))
    if "edge" in changes:
        model["dimensions"]["size"]["edges"] = [changes["edge"]]
    if "rule" in changes:
        model["segments"][0]["when"] = changes["rule"]
    return model


def test_saving_a_moved_edge_and_a_rule_changes_those_lines_only(workbench):
    model = Segmentation.model_validate(edited(workbench, edge=300, rule="employees >= 5000"))
    plan = plan_save(workbench, model)
    changed = [line for line in plan.diff.splitlines()
               if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    assert changed == [
        "-    size: {kind: bands, field: employees, edges: [100], labels: [SMB, ENT]}  # the cut",
        "+    size: {kind: bands, field: employees, edges: [300], labels: [SMB, ENT]}  # the cut",
        '-    - {name: Strategic, when: "employees >= 9000"}',
        '+    - {name: Strategic, when: "employees >= 5000"}']
    assert plan.path.read_text() == plan.old  # nothing written yet
    save(workbench, model, shown_diff=plan.diff)
    text = plan.path.read_text()
    assert text.startswith("# The workbench's test project: comments stay when a model is saved.")
    assert "# the cut" in text
    reloaded = load_project(plan.path).segmentation
    assert reloaded.dimensions["size"].edges == [300.0]
    assert reloaded.segments[0].when == "employees >= 5000"
    # the saved model is now what edits compare with: itself moves nobody
    figures = edit_figures(workbench, reloaded)
    assert {r["measure"]: r["value"] for r in figures["disruption"]}["accounts_moved"] == 0


def test_saving_as_a_scenario_adds_it_and_keeps_the_segmentation(workbench):
    model = Segmentation.model_validate(edited(workbench, edge=300))
    plan = save(workbench, model, shown_diff=plan_save(workbench, model, scenario="edge_300").diff,
                scenario="edge_300")
    project = load_project(plan.path)
    assert project.scenarios["edge_300"].dimensions["size"].edges == [300.0]
    assert project.segmentation.dimensions["size"].edges == [100.0]
    assert plan.old in plan.path.read_text()  # only added to


def test_a_save_whose_diff_is_no_longer_the_one_shown_is_refused(workbench):
    model = Segmentation.model_validate(edited(workbench, edge=300))
    shown = plan_save(workbench, model).diff
    path = workbench.project_file
    path.write_text(path.read_text().replace("FR: EMEA", "FR: Europe"))  # beside the edge
    with pytest.raises(ConfigError, match="changed since the diff was shown"):
        save(workbench, model, shown_diff=shown)
    assert "edges: [100]" in path.read_text()


def test_a_bad_scenario_name_is_refused(workbench):
    model = workbench.project.segmentation
    with pytest.raises(ConfigError, match="scenario name '../x'"):
        plan_save(workbench, model, scenario="../x")


def test_the_save_endpoints_show_the_diff_then_write_it(workbench):
    client = TestClient(workbench_app(workbench, token=TOKEN), base_url="http://127.0.0.1")
    body = {"segmentation": edited(workbench, edge=300)}
    preview = client.post(f"/api/save/preview?token={TOKEN}", json=body).json()
    assert preview["saved"] is False and "+    size: {kind: bands" in preview["diff"]
    assert "edges: [100]" in workbench.project_file.read_text()
    stale = client.post(f"/api/save?token={TOKEN}", json={**body, "diff": "something else"})
    assert stale.status_code == 409
    done = client.post(f"/api/save?token={TOKEN}", json={**body, "diff": preview["diff"]})
    assert done.status_code == 200 and done.json()["saved"] is True
    assert "edges: [300]" in workbench.project_file.read_text()
    again = client.post(f"/api/save/preview?token={TOKEN}", json=body).json()
    assert again["diff"] == ""  # the saved model is now this one: nothing left to write

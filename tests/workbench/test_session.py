"""The workbench's figures for an edited model, against the saved one, worked by hand and
checked against the scenario comparison (`segmint.pipeline.compare`) on the same project."""

from __future__ import annotations

import copy

import pytest

from segmint.config.project import Segmentation, load_project
from segmint.exceptions import ConfigError
from segmint.pipeline import compare
from segmint.workbench.session import (DISRUPTION, EditError, check_edit, edit_figures,
                                       open_workbench)


@pytest.fixture(scope="module")
def workbench(tiny_project):
    return open_workbench(load_project(tiny_project / "segmint.yaml"))


def saved_model(workbench) -> dict:
    return copy.deepcopy(workbench.project.segmentation.model_dump(mode="json",
                                                                   exclude_none=True))


def with_edge(workbench, edge: float) -> dict:
    model = saved_model(workbench)
    model["dimensions"]["size"]["edges"] = [edge]
    return model


def test_moving_the_band_edge_to_300_moves_a5_and_a7_to_smb(workbench):
    # a5 (150 employees) and a7 (250), 12,000 of ARR each, leave ENT for SMB. SMB then wins
    # 4 + 8 of 30 deals; its accounts had 31,200 of ARR a year ago and 28,800 now.
    figures = edit_figures(workbench, check_edit(workbench.project, with_edge(workbench, 300)))
    by_name = {row["segment"]: row for row in figures["segments"]}
    assert by_name["SMB"] == {"segment": "SMB", "accounts": 6, "customers": 4, "arr": 28800,
                              "potential": 0, "win_rate": 0.4,
                              "nrr": pytest.approx(28800 / 31200), "acv": 7200}
    assert by_name["ENT"]["accounts"] == 1 and by_name["ENT"]["arr"] == 14400
    disruption = {row["measure"]: row["value"] for row in figures["disruption"]}
    assert disruption["accounts_moved"] == 2 and disruption["arr_moved"] == 24000
    # u1 holds a1 (SMB) and a5 (now SMB too); u2 a2 (SMB) and a6 (Strategic); u4 a7 and a8
    assert disruption["owners_split"] == 2
    moved = [(r["from_segment"], r["to_segment"], r["accounts"], r["arr"])
             for r in figures["transitions"] if r["moved"]]
    assert moved == [("ENT", "SMB", 2, 24000)]


def rule_and_edge(model: dict) -> dict:
    model["dimensions"]["size"]["edges"] = [300]
    model["segments"].append({"name": "EMEA Mid", "when": 'country == "FR" and employees < 1000'})
    return model


def region_map_in_the_name(model: dict) -> dict:
    # the map is edited and named in the template; size is kept as saved (its kept column)
    model["dimensions"]["region"]["values"] = {"US": "Americas", "FR": "Europe"}
    model["default"] = "{size}-{region}"
    return model


def size_renamed_and_reading_a_dimension(model: dict) -> dict:
    # `tier` bands the employees as size did, under another name; `label` maps the field
    # named like a dimension (region), so it is worked out, never taken from a kept column
    model["dimensions"]["tier"] = model["dimensions"].pop("size")
    model["dimensions"]["label"] = {"kind": "map", "field": "region",
                                    "values": {"NA": "North", "EMEA": "South"}}
    model["default"] = "{tier} {label}"
    return model


@pytest.mark.parametrize(("edit", "names"), [
    (rule_and_edge, ["EMEA Mid", "ENT", "SMB", "Strategic"]),
    (region_map_in_the_name, ["ENT-Americas", "ENT-Europe", "SMB-Americas", "SMB-Europe",
                              "Strategic"]),
    (size_renamed_and_reading_a_dimension, ["ENT North", "ENT South", "SMB North",
                                            "SMB South", "Strategic"])])
def test_the_figures_equal_the_scenario_comparison_for_the_same_model(workbench, tiny_project,
                                                                      edit, names):
    model = edit(saved_model(workbench))
    figures = edit_figures(workbench, check_edit(workbench.project, model))
    assert [row["segment"] for row in figures["segments"]] == names
    project = load_project(tiny_project / "segmint.yaml")
    library = compare(project, scenarios={"edited": Segmentation.model_validate(model)},
                      write=False).comparison
    segments = library.segments.query("scenario == 'edited'")
    assert [(r["segment"], r["accounts"], r["customers"], r["arr"], r["potential"])
            for r in figures["segments"]] == [
        (r.segment, r.accounts, r.customers, r.arr, r.potential) for r in segments.itertuples()]
    card = library.scorecard.query("scenario == 'edited'").set_index("measure")
    for row in figures["disruption"]:
        assert row["value"] == pytest.approx(card.loc[row["measure"], "value"]), row
        assert row["text"] == card.loc[row["measure"], "text"]
    assert [row["measure"] for row in figures["disruption"]] == list(DISRUPTION)
    transitions = library.transitions.query("scenario == 'edited'")
    assert [(r["from_segment"], r["to_segment"], r["accounts"], r["arr"])
            for r in figures["transitions"]] == [
        (r.from_segment, r.to_segment, r.accounts, r.arr) for r in transitions.itertuples()]


def test_the_saved_model_moves_nothing(workbench):
    figures = edit_figures(workbench, workbench.project.segmentation)
    assert {row["measure"]: row["value"] for row in figures["disruption"]}["accounts_moved"] == 0
    assert [row["segment"] for row in figures["segments"]] == ["ENT", "SMB", "Strategic"]


@pytest.mark.parametrize(("rule", "position", "said"), [
    ("employees >= ", 13, "expected a value after '>='"),  # does not parse
    ("country == 'US' and employes > 10", 20, "Did you mean 'employees'?"),  # unknown name
])
def test_a_bad_rule_is_returned_with_its_key_and_caret(workbench, rule, position, said):
    model = saved_model(workbench)
    model["segments"][0]["when"] = rule
    with pytest.raises(EditError) as caught:
        check_edit(workbench.project, model)
    [problem] = caught.value.problems
    assert (problem["key"], problem["position"]) == ("segmentation.segments[1].when", position)
    assert said in problem["message"]


def test_settings_pydantic_refuses_are_named_by_their_yaml_key(workbench):
    model = saved_model(workbench)
    model["dimensions"]["size"]["edges"] = ["1k"]
    model["segments"][0]["colour"] = "red"
    with pytest.raises(EditError) as caught:
        check_edit(workbench.project, model)
    assert [(p["key"], p["message"]) for p in caught.value.problems] == [
        ("segmentation.dimensions.size.edges[1]", "segmentation.dimensions.size.edges[1]: Input "
         "should be a valid number, unable to parse string as a number (got '1k')"),
        ("segmentation.segments[1].colour",
         "segmentation.segments[1].colour: Extra inputs are not permitted (got 'red')")]


def test_engine_spark_is_refused_with_what_to_do(tiny_project):
    project = load_project(tiny_project / "segmint.yaml").model_copy(update={"engine": "spark"})
    with pytest.raises(ConfigError, match="DuckDB only.*engine: duckdb"):
        open_workbench(project)

"""scenarios: in segmint.yaml and segmentation files on the command line: read, or refused with
the scenario and the setting named."""

from __future__ import annotations

import pytest

from segmint.config.project import load_segmentation
from segmint.exceptions import ConfigError, RuleError
from segmint.preflight import check_project, columns_read

PROJECT = """
sources: {accounts: {path: accounts.csv}}
segmentation:
  dimensions: {size: {kind: bands, field: employees, edges: [100], labels: [SMB, ENT]}}
  default: "{size}"
"""
ACCOUNTS = "account_id,employees,country,tier\nA,5,US,Gold\n"


def test_scenarios_are_segmentations_by_name(make_project):
    project = make_project(PROJECT + """
scenarios:
  region_first:
    dimensions: {region: {kind: map, field: country, builtin: iso_region}}
    segments: [{name: Gold, when: 'tier == "Gold"'}]
    default: "{region}"
""", accounts__csv=ACCOUNTS)
    assert list(project.scenarios) == ["region_first"]
    assert project.scenarios["region_first"].default == "{region}"
    check_project(project)
    assert {"country", "tier", "employees"} <= columns_read(project)  # kept from a wide export


def test_a_misspelt_scenario_key_names_the_scenario_and_the_fix(make_project):
    with pytest.raises(ConfigError) as err:
        make_project(PROJECT + """
scenarios:
  region_first: {segments: [{name: Big, when: employees > 9}], defualt: Other}
""", accounts__csv=ACCOUNTS)
    assert "scenarios.region_first.defualt: unknown key 'defualt'. Did you mean 'default'?" \
        in str(err.value)


def test_a_scenario_rule_reading_no_column_is_refused_before_any_data_is_read(make_project):
    project = make_project(PROJECT + """
scenarios:
  by_tier: {segments: [{name: Gold, when: 'teir == "Gold"'}]}
""", accounts__csv=ACCOUNTS)
    with pytest.raises(RuleError) as err:
        check_project(project)
    assert str(err.value).startswith(
        "scenarios.by_tier.segments[1] (Gold): the rule reads 'teir'")
    assert "Did you mean 'tier'?" in str(err.value)


def test_the_baseline_name_is_taken(make_project, tmp_path):
    with pytest.raises(ConfigError, match="scenarios: 'Baseline' is the name the project's own"):
        make_project(PROJECT + """
scenarios:
  Baseline: {segments: [{name: Big, when: employees > 9}]}
""", accounts__csv=ACCOUNTS)
    path = tmp_path / "baseline.yaml"
    path.write_text("segments: [{name: Big, when: employees > 9}]\n")
    with pytest.raises(ConfigError, match="rename the file"):
        load_segmentation(path)


def test_a_segmentation_file_may_hold_the_segmentation_key(tmp_path):
    path = tmp_path / "potential bands.yml"
    path.write_text("segmentation:\n  segments: [{name: Big, when: employees > 9}]\n"
                    "  default: Rest\n")
    name, model = load_segmentation(path)
    assert (name, model.default, model.segments[0].name) == ("potential bands", "Rest", "Big")
    path.write_text("- just a list\n")
    with pytest.raises(ConfigError, match="must be a YAML mapping"):
        load_segmentation(path)

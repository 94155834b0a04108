"""The project check: what segmint.yaml asks for, checked before any data is read, and what is
worth a warning."""

from __future__ import annotations

import textwrap

import pytest

from segmint.config.project import load_project
from segmint.exceptions import ConfigError
from segmint.preflight import check_project

PROJECT = """
sources:
  accounts: {path: accounts.csv}
segmentation:
  segments:
    - {name: Big, when: "employees >= 1000"}
    - {name: Small, when: "employees < 1000"}
outputs: {dir: segmint-out}
"""


def project(tmp_path, text=PROJECT):
    (tmp_path / "accounts.csv").write_text("account_id,employees\nA,5\n")
    (tmp_path / "segmint.yaml").write_text(textwrap.dedent(text))
    return load_project(tmp_path / "segmint.yaml")


def test_a_sound_project_has_no_warning(tmp_path):
    assert check_project(project(tmp_path)) == []


def test_a_key_given_twice_is_named_with_both_lines(tmp_path):
    twice = PROJECT + "outputs: {dir: other-out}\n"  # YAML keeps the last one, silently
    checked = project(tmp_path, twice)
    assert checked.outputs.dir == "other-out"
    assert check_project(checked) == [
        "segmint.yaml line 9: 'outputs' is given twice in the same mapping (first on line 8); "
        "YAML keeps the last one, so line 8 is ignored. Remove one of them."]


def test_two_segments_of_one_name_are_one_segment_and_said_so(tmp_path):
    checked = project(tmp_path, PROJECT.replace("name: Small", "name: Big"))
    assert check_project(checked) == [
        "segmentation.segments[1] and [2] are both named 'Big': their accounts make one "
        "segment. Rename one if they are meant apart."]


def test_an_output_folder_outside_the_project_folder_is_a_warning(tmp_path):
    (tmp_path / "project").mkdir()
    checked = project(tmp_path / "project", PROJECT.replace("dir: segmint-out", "dir: ../out"))
    assert check_project(checked) == [
        f"outputs.dir '../out' is outside the project folder ({tmp_path / 'out'}): check it is "
        "meant, since each run writes its outputs there."]


@pytest.mark.parametrize(("setting", "what"), [("accounts.csv", "is a file"),
                                               ("accounts.csv/out", "is inside accounts.csv, which is a file")])
def test_an_output_folder_that_is_a_file_stops_before_any_data_is_read(tmp_path, setting, what):
    checked = project(tmp_path, PROJECT.replace("dir: segmint-out", f"dir: {setting}"))
    with pytest.raises(ConfigError) as raised:
        check_project(checked)
    assert str(raised.value) == (f"outputs.dir {setting!r} {what}, not a folder. Name a folder "
                                 "of its own for the outputs (outputs: {dir: segmint-out}).")


def test_an_output_folder_holding_a_source_file_stops_before_any_data_is_read(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "accounts.csv").write_text("account_id,employees\nA,5\n")
    (tmp_path / "segmint.yaml").write_text(textwrap.dedent(PROJECT).replace(
        "path: accounts.csv", "path: data/accounts.csv").replace("dir: segmint-out", "dir: data"))
    with pytest.raises(ConfigError) as raised:
        check_project(load_project(tmp_path / "segmint.yaml"))
    assert str(raised.value) == (
        "outputs.dir 'data' holds sources.accounts.path (data/accounts.csv): segmint replaces its "
        "output folder as a whole at the end of each run. Name a folder of its own for the "
        "outputs (outputs: {dir: segmint-out}).")

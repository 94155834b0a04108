"""Broken files: every record is used or rejected, counted against the file as it was written,
and every problem is said in segmint's own exact words.

The corpus is tests/fixtures/malformed/corpus.py (`python corpus.py FOLDER` writes it out).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from segmint.config.project import load_project
from segmint.exceptions import SegmintError
from segmint.pipeline import audit_project, load
from segmint.preflight import check_project

_spec = importlib.util.spec_from_file_location(
    "malformed_corpus", Path(__file__).parents[1] / "fixtures" / "malformed" / "corpus.py")
corpus = sys.modules["malformed_corpus"] = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(corpus)


@pytest.mark.parametrize("case", corpus.CASES, ids=[c.name for c in corpus.CASES])
def test_every_record_is_used_or_rejected_and_said_exactly(case, tmp_path, con):
    path = corpus.write_case(case, tmp_path)
    if case.error is not None:
        with pytest.raises(SegmintError) as raised:
            project = load_project(path)
            check_project(project)
            load(project, con)
        assert str(raised.value) == case.error
        return
    project = load_project(path)
    assert check_project(project) == []
    accounts = load(project, con)["accounts"]
    # rows in = used + rejected, and rows in = the records the file was written with
    assert (accounts.rows_in, accounts.rows_used + accounts.rows_rejected) == (
        case.records, case.records)
    assert accounts.rows_rejected == case.rejected
    refused = accounts.rejects.filter(accounts.rejects.check == "DQ000").execute()
    assert dict(zip(refused._source_row, refused.reason)) == case.reasons
    assert set(case.notes) <= set(accounts.notes), accounts.notes


@pytest.mark.parametrize("case", [c for c in corpus.CASES if c.audit],
                         ids=[c.name for c in corpus.CASES if c.audit])
def test_the_audit_runs_and_counts_every_record(case, tmp_path):
    audit = audit_project(load_project(corpus.write_case(case, tmp_path)))
    scores = audit.scores.set_index("table")
    assert scores.loc["accounts", "rows_in"] == case.records
    if case.records:
        reading = audit.file_reading.set_index("table")
        assert reading.loc["accounts", "broken_quotes"] == case.rejected
        # the broken line is a record lost: the table is not scored as whole
        assert scores.loc["accounts", "kept"] == (case.records - case.rejected) / case.records
    else:
        assert audit.accounts == 0 and audit.headline()["accounts"] == 0


def test_a_project_folder_without_a_project_file_says_so(tmp_path):
    with pytest.raises(SegmintError) as raised:
        load_project(tmp_path)
    assert str(raised.value) == (
        f"{tmp_path} is a folder with no segmint.yaml in it. Give the project file itself, or "
        "run `segmint init` in the folder to write one.")

"""The audit reports how each text date column was read, and the columns the data leaves open."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from segmint.pipeline import audit_project as audit
from segmint.report.html import data_quality_section

YAML = """
sources:
  accounts: {path: accounts.csv}
  deals: {path: deals.csv}
segmentation:
  segments: [{name: Everyone, when: "true"}]
outputs: {dir: out, report: false}
"""
# accounts.created_date: ambiguous (every slash date fits both orders);
# deals.close_date: mostly day first, one value US only; deals.created_date: ISO only.
ACCOUNTS = "account_id,created_date\nA,02/03/2023\nB,04/05/2023\nC,\n"
DEALS = """deal_id,account_id,close_date,created_date
d1,A,25/12/2023,2023-01-01
d2,A,13/01/2024,2023-01-02
d3,B,12/25/2023,2023-01-03
d4,B,02/03/2024,2023-01-04
"""


@pytest.fixture(scope="module")
def project_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dates")
    (folder / "segmint.yaml").write_text(textwrap.dedent(YAML))
    (folder / "accounts.csv").write_text(ACCOUNTS)
    (folder / "deals.csv").write_text(DEALS)
    return folder


@pytest.fixture(scope="module")
def result(project_folder):
    from segmint.config.project import load_project

    return audit(load_project(project_folder / "segmint.yaml"))


def test_every_text_date_column_has_its_order_and_evidence(result):
    rows = result.date_orders.drop(columns="note").values.tolist()
    assert rows == [
        ["accounts", "created_date", "month_first", "ambiguous", 0, 0, 2, 0],
        ["deals", "created_date", "month_first", "no_slash_dates", 0, 0, 0, 0],
        ["deals", "close_date", "day_first", "mixed", 2, 1, 4, 1],
    ]


def test_only_unsettled_columns_are_flagged(result):
    unsettled = result.unsettled_date_orders
    assert unsettled[["table", "column"]].values.tolist() == [["accounts", "created_date"],
                                                             ["deals", "close_date"]]
    assert unsettled.note.tolist() == [
        "accounts.created_date: ambiguous: 2 values fit both orders; read month first. Set "
        "sources.accounts.date_order to override.",
        "deals.close_date: read day first, as most values say: 2 values have a first number "
        "above 12, 1 a second; that one is cleared (DQ010). Set sources.deals.date_order to "
        "override.",
    ]
    assert set(unsettled.note) <= set(result.load_notes)  # said in the run notes too


def test_the_json_and_the_report_carry_them(result):
    as_json = result.to_dict()["date_orders"]
    assert [(d["table"], d["column"], d["basis"]) for d in as_json] == [
        ("accounts", "created_date", "ambiguous"), ("deals", "created_date", "no_slash_dates"),
        ("deals", "close_date", "mixed")]
    html = data_quality_section(result)
    assert "Date columns whose order the data does not settle" in html
    assert "<td class=\"\">close_date</td><td class=\"\">day_first</td><td class=\"\">mixed</td>" \
           "<td class=\"n\">2</td><td class=\"n\">1</td><td class=\"n\">4</td>" \
           "<td class=\"n\">1</td>" in html


def test_check_prints_the_unsettled_columns_with_counts(project_folder):
    done = subprocess.run([sys.executable, "-m", "segmint.cli", "check", "segmint.yaml"],
                          cwd=project_folder, capture_output=True, text=True, timeout=300,
                          env={"COLUMNS": "250", "PATH": ""}, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "Date columns whose order the data does not settle" in out
    lines = [" ".join(line.replace("│", " ").split()) for line in out.splitlines()]
    assert "accounts created_date month_first ambiguous 0 0 2 0" in lines
    assert "deals close_date day_first mixed 2 1 4 1" in lines

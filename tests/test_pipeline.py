"""The whole pipeline on the demo company: counts reconcile with what the generator planted."""

from __future__ import annotations

import duckdb
import pytest

from segmint import tables as t


@pytest.fixture(scope="module")
def demo(demo_run):
    return demo_run


def rejects_by(result, table, check):
    rejects = result.rejects
    return int(rejects.filter((rejects.table == table) & (rejects.check == check)).count().execute())


def test_every_table_balances_and_reads_every_row_written(demo):
    manifest, result = demo
    counts = result.row_counts.set_index("table")
    for table, written in (("accounts", "accounts"), ("deals", "opportunities"),
                           ("revenue", "revenue"), ("usage", "usage")):
        row = counts.loc[table]
        assert row.rows_in == manifest.rows[written], table
        assert row.rows_in == row.rows_used + row.rows_rejected, table


def test_rejects_match_the_planted_mess(demo):
    manifest, result = demo
    planted = manifest.planted
    assert rejects_by(result, "deals", "DQ003") == planted["deals_unknown_account"]
    assert rejects_by(result, "deals", "DQ201") == planted["deals_negative_amount"]
    assert rejects_by(result, "deals", "DQ202") == planted["deals_absurd_amount"]
    assert rejects_by(result, "revenue", "DQ003") == planted["revenue_unknown_account"]
    assert rejects_by(result, "revenue", "DQ301") == planted["revenue_negative_mrr"]
    assert rejects_by(result, "accounts", "DQ104") == planted["accounts_revenue_absurd"]
    assert rejects_by(result, "accounts", "DQ103") == planted["accounts_revenue_negative"]
    # Junk headcounts: "unknown", "TBD" are invalid (cleared, reported); "n/a", "-" are blanks.
    junk = result.rejects.filter((result.rejects.table == "accounts")
                                 & (result.rejects.column == t.EMPLOYEES)
                                 & (result.rejects.check == "DQ010"))
    spelled_blank = duckdb.sql(
        f"SELECT count(*) FROM read_csv('{manifest.files['accounts']}', all_varchar=true) "
        "WHERE lower(NumberOfEmployees) IN ('n/a', '-')").fetchone()[0]
    assert int(junk.count().execute()) == planted["accounts_employee_junk"] - spelled_blank
    assert 0 < spelled_blank < planted["accounts_employee_junk"]


def test_every_account_gets_exactly_one_segment(demo):
    manifest, result = demo
    assignments = result.assignments
    used = int(result.row_counts.set_index("table").loc["accounts"].rows_used)
    assert int(assignments.count().execute()) == used
    assert int(assignments[t.ACCOUNT_ID].nunique().execute()) == used
    assert int(assignments[t.SEGMENT].isnull().sum().execute()) == 0
    assert int(result.segment_summary["accounts"].sum()) == used


def test_customers_are_the_accounts_paying_in_the_last_month(demo):
    manifest, result = demo
    # Worked out on the raw files, independently of segmint: positive MRR in the last month
    # (credit notes, written as negative rows, are not revenue) for an account in the file.
    expected = duckdb.sql(f"""
        WITH revenue AS (SELECT account_id, month, CAST(mrr AS DOUBLE) AS mrr
                         FROM read_csv('{manifest.files['revenue']}', all_varchar=true))
        SELECT count(DISTINCT account_id) FROM revenue
        WHERE month = (SELECT max(month) FROM revenue) AND mrr > 0
          AND account_id IN (SELECT Id FROM read_csv('{manifest.files['accounts']}', all_varchar=true))
    """).fetchone()[0]
    assert int(result.segment_summary["customers"].sum()) == expected
    # The generator's count differs only by customers whose last month was a credit note.
    assert 0 <= manifest.planted["customers"] - expected <= manifest.planted["revenue_negative_mrr"]


def test_unassigned_accounts_say_why(demo):
    _, result = demo
    unassigned = result.assignments.filter(result.assignments[t.SEGMENT] == t.UNASSIGNED).execute()
    assert len(unassigned) > 0  # the demo plants blank employees and countries
    assert all(("missing" in r) or ("has no" in r) or ("not recognised" in r) for r in unassigned[t.REASON])


def test_outputs_are_written(demo):
    _, result = demo
    names = sorted(p.name for p in result.files)
    assert "report.html" in names and "assignments.parquet" in names and "rejects.csv" in names

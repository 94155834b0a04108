"""The whole pipeline on the demo company: counts reconcile with what the generator planted."""

from __future__ import annotations

import csv
import datetime as dt

import duckdb
import pytest

from segmint import tables as t
from segmint.enrich.currency import LOCAL_SUFFIX


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
    assert rejects_by(result, "deals", "DQ203") == 0  # fx_rates.csv has every EUR and GBP month
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


def test_eur_and_gbp_deals_are_converted_with_the_demo_rates(demo):
    manifest, result = demo
    with manifest.fx_rates.open(newline="") as f:
        rates = [(r["currency"], dt.date.fromisoformat(r["date"]), float(r["rate"]))
                 for r in csv.DictReader(f)]
    with manifest.files["opportunities"].open(newline="") as f:
        raw = list(csv.DictReader(f))
    with manifest.files["accounts"].open(newline="") as f:
        known = {r["Id"] for r in csv.DictReader(f)}
    foreign = [d for d in raw if d["CurrencyIsoCode"] != "USD" and d["AccountId"] in known]
    per_code = {code: sum(d["CurrencyIsoCode"] == code for d in foreign) for code in ("EUR", "GBP")}
    note = (f"deals: {len(foreign):,} converted to USD with fx_rates.csv "
            f"(EUR {per_code['EUR']:,}, GBP {per_code['GBP']:,})")
    assert note in result.notes

    def by_hand(deal: dict) -> float:
        """Amount × the latest rate dated on or before the close date (after the file's last
        month, that last rate), to the cent."""
        close = dt.date.fromisoformat(deal["CloseDate"])
        rate = [r for code, day, r in rates if code == deal["CurrencyIsoCode"] and day <= close][-1]
        return round(float(deal["Amount"]) * rate, 2)

    # The first two EUR and GBP deals, and the first closing after the rates' last month
    # (2026-09-01), which takes that last rate. E.g. 1,000.00 EUR closing 2024-03-15 takes the
    # rate from 2024-03-01, 1.1045, and counts as 1,104.50 USD.
    picked = ([d for d in foreign if d["CurrencyIsoCode"] == "EUR"][:2]
              + [d for d in foreign if d["CurrencyIsoCode"] == "GBP"][:2]
              + [d for d in foreign if d["CloseDate"] > "2026-09-30"][:1])
    deals = result.validated["deals"].clean
    got = {r[t.SOURCE_ROW]: r for r in deals.filter(
        deals[t.SOURCE_ROW].isin([raw.index(d) + 2 for d in picked])).to_pyarrow().to_pylist()}
    for deal in picked:
        row = got[raw.index(deal) + 2]  # line 1 is the header
        assert (row[t.CURRENCY], row[t.AMOUNT + LOCAL_SUFFIX]) == (deal["CurrencyIsoCode"],
                                                               float(deal["Amount"]))
        assert row[t.AMOUNT] == pytest.approx(by_hand(deal), abs=0.005), deal["Id"]
    assert len(got) == 5


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

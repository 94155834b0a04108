"""The audit on the demo company finds every kind of mess the generator planted, and the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import duckdb
import pytest

from segmint import tables as t


@pytest.fixture(scope="module")
def demo(demo_run):
    """The shared demo run; `audit(project)` returns exactly its `.audit` (see segmint.audit)."""
    manifest, result = demo_run
    return manifest, result.audit


def raw(manifest, table, where):
    return duckdb.sql(f"SELECT count(*) FROM read_csv('{manifest.files[table]}', all_varchar=true) "
                      f"WHERE {where}").fetchone()[0]


def test_audit_counts_equal_what_was_planted(demo):
    manifest, result = demo
    planted = manifest.planted
    assert result.duplicate_accounts == planted["duplicate_accounts"]
    assert result.orphans["deals"] == planted["deals_unknown_account"]
    assert result.orphans["revenue"] == planted["revenue_unknown_account"]
    assert result.no_owner == planted["accounts_no_owner"]
    fill = result.fill_rates.set_index("column")
    accounts = manifest.rows["accounts"]
    assert accounts - fill.loc[t.INDUSTRY, "in_crm"] == planted["accounts_missing_industry"]
    assert accounts - fill.loc[t.NAICS, "in_crm"] == planted["accounts_missing_naics"]
    # Deals in another currency: those kept, plus those rejected for naming an unknown account.
    orphan_non_usd = raw(manifest, "opportunities", "CurrencyIsoCode <> 'USD' AND AccountId NOT IN "
                         f"(SELECT Id FROM read_csv('{manifest.files['accounts']}', all_varchar=true))")
    assert result.deals_not_in_reporting_currency + orphan_non_usd == planted["deals_non_usd"]
    assert result.headline()["deals_not_in_USD"] == result.deals_not_in_reporting_currency
    # fx_rates.csv has a rate for every EUR and GBP deal: each is converted, none left out.
    mix = result.currency_mix.set_index(t.CURRENCY)
    assert sorted(mix.index) == ["EUR", "GBP", "USD"]
    foreign = mix.loc[["EUR", "GBP"]]  # (blank and bad USD amounts are cleared, not converted)
    assert (foreign["converted"] == foreign["deals"]).all() and (mix["no_rate"] == 0).all()


def test_junk_is_counted_once_as_blank_or_invalid(demo):
    manifest, result = demo
    planted = manifest.planted
    invalid = result.invalid_values.set_index(["table", "column", "check"])["rows"]
    fill = result.fill_rates.set_index("column")
    accounts = manifest.rows["accounts"]
    # "n/a" and "-" read as blank; "unknown", "TBD", "?" are invalid and cleared (DQ010).
    spelled_blank = raw(manifest, "accounts", "lower(NumberOfEmployees) IN ('n/a', '-')")
    assert invalid[("accounts", "employees", "DQ010")] == planted["accounts_employee_junk"] - spelled_blank
    assert accounts - fill.loc[t.EMPLOYEES, "in_crm"] == (planted["accounts_employees_blank"]
                                                         + planted["accounts_employee_junk"])
    # Countries: "N/A", "-" are blank; "Earth", "TBD", ... are kept but not recognised.
    country_blank = raw(manifest, "accounts", "BillingCountry IN ('N/A', '-')")
    assert invalid[("accounts", "country", "unrecognised")] == planted["accounts_country_junk"] - country_blank
    assert fill.loc[t.COUNTRY, "in_crm"] - fill.loc[t.COUNTRY, "usable"] == invalid[
        ("accounts", "country", "unrecognised")]
    assert invalid[("accounts", "annual_revenue", "DQ104")] == planted["accounts_revenue_absurd"]
    assert invalid[("accounts", "annual_revenue", "DQ103")] == planted["accounts_revenue_negative"]


def test_enrichment_only_adds_values_and_moves_accounts_out_of_unassigned(demo):
    _, result = demo
    fill = result.fill_rates
    assert (fill["enriched"] >= fill["usable"]).all()
    filled = fill.set_index("column")
    assert filled.loc[t.COUNTRY, "enriched"] - filled.loc[t.COUNTRY, "usable"] == \
        result.filled_from_parent["country"]
    assert result.unassigned_before - result.unassigned_after == result.left_unassigned
    assert result.fixes["accounts_affected"].sum() >= result.unassigned_after
    assert 0 <= result.scores.set_index("table").loc["accounts", "score"] <= 100


def test_check_command_prints_the_audit_and_writes_json(tmp_path):
    (tmp_path / "segmint.yaml").write_text(textwrap.dedent("""
        sources:
          accounts: {path: accounts.csv, preset: salesforce}
        segmentation:
          dimensions:
            size: {kind: bands, field: employees, edges: [200], labels: [SMB, Enterprise]}
            region: {kind: map, field: country, builtin: iso_region}
          default: "{size}-{region}"
    """))
    (tmp_path / "accounts.csv").write_text(
        "Id,Name,Website,NumberOfEmployees,BillingCountry,ParentId,OwnerId\n"
        "A,Acme Inc.,https://www.acme.com/,10,USA,,u1\n"
        "B,ACME,acme.com,,US,,\n"
        "C,Acme Child,,12,,A,u1\n"
        "D,Delta,delta.io,unknown,Earth,,u2\n")
    done = subprocess.run([sys.executable, "-m", "segmint.cli", "check", "segmint.yaml",
                           "--json", "audit.json"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120, env={"COLUMNS": "200", **__import__("os").environ})
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    assert "fill NumberOfEmployees for 2 accounts" in done.stdout
    assert "Earth" in done.stdout
    headline = json.loads((tmp_path / "audit.json").read_text())["headline"]
    # B duplicates A (same domain); C takes its country from A, which moves it out of Unassigned.
    assert (headline["duplicate_accounts"], headline["accounts_no_owner"],
            headline["country_from_parent"], headline["accounts_leaving_unassigned"]) == (1, 1, 1, 1)
    assert (headline["unassigned_before_enrichment"], headline["unassigned_after_enrichment"]) == (3, 2)

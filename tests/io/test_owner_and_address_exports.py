"""Owners (CRM user exports) and account addresses load as they come, values checked by hand.

The fixtures are in tests/fixtures/exports, written by make_exports.py there.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from segmint.config.project import Project
from segmint.io.sources import load_source
from segmint.validate.checks import validate

EXPORTS = Path(__file__).parents[1] / "fixtures" / "exports"


def project(table: str, file: str, preset: str, **columns: str) -> Project:
    source = {"path": file, "preset": preset, **({"columns": columns} if columns else {})}
    sources = {"accounts": source} if table == "accounts" else {
        "accounts": {"path": "sf_accounts_api.csv", "preset": "salesforce"}, table: source}
    return Project.model_validate({"root": EXPORTS, "sources": sources,
                                   "segmentation": {"segments": [{"name": "Everyone", "when": "true"}]}})


def validated(con, table: str, file: str, preset: str, **columns: str):
    return validate(load_source(con, project(table, file, preset, **columns), table))


def rows(result, *columns: str) -> list[tuple]:
    clean = result.clean.order_by("_source_row").to_pyarrow().to_pylist()
    return [tuple(row[c] for c in columns) for row in clean]


def rejects(result) -> list[tuple]:
    found = result.rejects.order_by("_source_row", "column").to_pyarrow().to_pylist()
    return [(r["_source_row"], r["column"], r["check"], r["value"]) for r in found]


OWNER = ("owner_id", "name", "email", "role", "region", "start_date", "active")


def test_salesforce_user_export_through_data_loader(con):
    result = validated(con, "owners", "sf_users_api.csv", "salesforce",
                       capacity_hours="ANNUAL_CAPACITY_HOURS__C")
    assert (result.rows_in, result.rows_used, result.rows_rejected) == (3, 3, 0)
    assert rows(result, *OWNER, "capacity_hours") == [
        ("005A000000Xy1ZQIAZ", "Jane Roe", "jane.roe@acme.com", "West Enterprise AE", "West",
         dt.date(2021, 3, 1), True, 1400.0),
        ("005A000000Xy1ZRIAZ", "Sam Okafor", "sam.okafor@acme.com", "EMEA Mid-Market AE", "EMEA",
         dt.date(2019, 6, 17), False, None),  # 9000 hours: cleared, more than a year has
        ("005A000000Xy1ZSIAZ", "Integration User", "noreply@acme.com", None, None,
         dt.date(2018, 1, 2), True, None),
    ]
    assert rejects(result) == [(3, "capacity_hours", "DQ502", "9000")]
    # what the preset does not map stays, for rules and for the plan
    assert rows(result, "title", "division")[0] == ("Account Executive", "Sales")


def test_salesforce_users_report_builds_names_and_accounts_for_every_row(con):
    result = validated(con, "owners", "sf_users_report.csv", "salesforce")
    assert (result.rows_in, result.rows_used, result.rows_rejected) == (5, 3, 2)
    assert result.balanced
    assert rows(result, *OWNER) == [
        ("005A000000Xy1ZQIAZ", "Jane Roe", "jane.roe@acme.com", "West Enterprise AE", "Sales",
         dt.date(2021, 3, 1), True),  # 15-character id widened to the API's 18
        ("005A000000Xy1ZTIAZ", "Dana Brooks", "dana.brooks@acme.com", "West SDR", "Sales",
         dt.date(2023, 9, 12), True),
        ("005A000000Xy1ZRIAZ", "Sam", "sam.okafor@acme.com", "EMEA Mid-Market AE", "Sales",
         dt.date(2019, 6, 17), False),  # no last name: the first name alone
    ]
    assert rejects(result) == [(4, "owner_id", "DQ001", None),
                               (5, "owner_id", "DQ002", "005A000000Xy1ZQ")]


def test_hubspot_users_and_teams_export(con):
    result = validated(con, "owners", "hubspot_users.csv", "hubspot")
    assert (result.rows_in, result.rows_used, result.rows_rejected) == (3, 3, 0)
    assert rows(result, *OWNER) == [
        ("1296619", "Raj Patel", "raj.patel@acme.com", "Sales Rep", "EMEA Sales", None, None),
        ("9586504", "Ana Ruiz", "ana.ruiz@acme.com", "Sales Manager", "North America Sales",
         None, None),
        ("9586505", "Okafor", "s.okafor@acme.com", "Sales Rep", "EMEA Sales", None, None),
    ]
    assert rows(result, "first_name", "last_name")[2] == (None, "Okafor")


ADDRESS = ("account_id", "city", "state", "postal_code", "latitude", "longitude")


def test_salesforce_billing_address_keeps_zip_codes_as_text_and_clears_off_globe_points(con):
    result = validated(con, "accounts", "sf_accounts_report_addresses.csv", "salesforce")
    assert (result.rows_in, result.rows_used, result.rows_rejected) == (4, 4, 0)
    assert rows(result, *ADDRESS) == [
        ("001A000001Mf2dRIAR", "Cambridge", "MA", "02139", 42.3736, -71.1097),
        ("001A000001Mf2dSIAR", "Boston", "MA", "02110-1301", 42.357, -71.052),
        ("001A000001Mf2dTIAR", "Austin", "TX", "78701", None, -97.7431),  # latitude 95.1
        ("001A000001Mf2dUIAR", "München", "BY", "80331", 48.1374, None),  # longitude 191.5
    ]
    assert rejects(result) == [(4, "latitude", "DQ105", "95.1"), (5, "longitude", "DQ106", "191.5")]


def test_hubspot_company_address(con):
    result = validated(con, "accounts", "hubspot_companies_addresses.csv", "hubspot")
    assert rows(result, "account_id", "city", "postal_code", "latitude") == [
        ("9876543210", "Cambridge", "02139", None), ("123456789012", "Hamburg", "20095", None),
        ("123456789013", "Dublin", "D02 X285", None)]


def test_dynamics_address_from_a_decimal_comma_export(con):
    result = validated(con, "accounts", "dynamics_accounts_addresses.csv", "dynamics")
    assert rows(result, "name", "city", "postal_code", "latitude", "longitude") == [
        ("Contoso Ltd", "Redmond", "98052", 47.674, -122.1215),
        ("Fabrikam SARL", "Lyon", "69002", 45.7578, 4.832),  # not 4832
        ("Litware UK", "London", "EC1A 1BB", 51.5074, -0.128),  # not -128, a point in China
    ]
    assert rejects(result) == []


def test_a_name_column_wins_over_first_and_last_name(con, tmp_path):
    (tmp_path / "users.csv").write_text("Owner ID,First Name,Last Name,Name,Email\n"
                                        "77001,Ana,Ruiz,ana-r,ana.ruiz@acme.com\n")
    (tmp_path / "a.csv").write_text("account_id\na1\n")
    project = Project.model_validate({"root": tmp_path, "sources": {
        "accounts": {"path": "a.csv"}, "owners": {"path": "users.csv", "preset": "hubspot"}},
        "segmentation": {"segments": [{"name": "Everyone", "when": "true"}]}})
    result = validate(load_source(con, project, "owners"))
    assert rows(result, "owner_id", "name", "first_name") == [("77001", "ana-r", "Ana")]

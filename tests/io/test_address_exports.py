"""Account addresses load as they come, values checked by hand.

The fixtures are in tests/fixtures/exports, written by make_exports.py there.
"""

from __future__ import annotations

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
                                   "segmentation": {"segments": [{"name": "All", "when": "true"}]}})


def validated(con, table: str, file: str, preset: str, **columns: str):
    return validate(con, load_source(con, project(table, file, preset, **columns), table))


def rows(result, *columns: str) -> list[tuple]:
    clean = result.clean.order_by("_source_row").to_pyarrow().to_pylist()
    return [tuple(row[c] for c in columns) for row in clean]


def rejects(result) -> list[tuple]:
    found = result.rejects.order_by("_source_row", "column").to_pyarrow().to_pylist()
    return [(r["_source_row"], r["column"], r["check"], r["value"]) for r in found]


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


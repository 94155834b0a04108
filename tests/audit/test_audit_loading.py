"""The audit reports what loading repaired or could not resolve, counted on the export fixtures.

The fixtures are in tests/fixtures/exports (see make_exports.py there): encodings, mojibake,
Salesforce's all-zero empty lookup, a HubSpot id Excel rewrote as a float, and Dynamics'
"Parent Account" given as a name.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from segmint.pipeline import audit_project as audit
from segmint.config.project import Project
from segmint.report.html import data_quality_section

EXPORTS = Path(__file__).parents[1] / "fixtures" / "exports"
LOADING = ("values_repaired_on_load", "placeholder_ids", "parents_found_by_name",
           "parents_ambiguous", "parents_unknown")


def audited(accounts: str, preset: str, **more: dict):
    sources = {"accounts": {"path": accounts, "preset": preset}, **more}
    segments = {"segments": [{"name": "Everyone", "when": "true"}]}
    project = Project.model_validate({"root": EXPORTS, "sources": sources, "segmentation": segments})
    return audit(project)


def figures(result) -> tuple[int, ...]:
    headline = result.headline()
    return tuple(headline[name] for name in LOADING)


def rows(frame) -> list[tuple]:
    return [tuple(r) for r in frame.itertuples(index=False)]


@pytest.fixture(scope="module")
def mojibake():
    return audited("sf_mojibake_utf8.csv", "salesforce")


def test_double_encoded_values_are_counted_per_column_with_examples(mojibake):
    # Name: rows 2 and 3 (cp1252 mojibake); Description: row 4 (Mac Roman); São Paulo is real.
    assert rows(mojibake.repairs) == [
        ("accounts", "sf_mojibake_utf8.csv", "Description", 1, "It‚Äôs fine → It’s fine"),
        ("accounts", "sf_mojibake_utf8.csv", "Name", 2,
         "Oâ€™Connor & Sons → O’Connor & Sons; "
         "SociÃ©tÃ© GÃ©nÃ©rale → Société Générale"),
    ]
    assert rows(mojibake.file_reading) == [
        ("accounts", "sf_mojibake_utf8.csv", "utf-8", "as is", 5, 0, 0, 0, 0, "", 0, "")]
    assert figures(mojibake) == (3, 0, 0, 0, 0)
    assert mojibake.load_notes[0].startswith(
        "sf_mojibake_utf8.csv: repaired mojibake in 3 value(s)")


def test_a_detected_encoding_and_its_repairs_are_reported_per_file():
    result = audited("sf_weekly_export_cp1252.csv", "salesforce",
                     deals={"path": "sf_opportunities_report.csv", "preset": "salesforce"})
    # Every line of the cp1252 file converted (header and 3 rows): ü ö é é é é ‚ Ä ô ú are
    # the 10 characters converted; the deals file is UTF-8.
    assert rows(result.file_reading) == [
        ("accounts", "sf_weekly_export_cp1252.csv", "cp1252", "detected", 4, 4, 0, 0, 10,
         "Müller, Köln, Société", 0, ""),
        ("deals", "sf_opportunities_report.csv", "utf-8", "as is", 3, 0, 0, 0, 0, "", 0, ""),
    ]
    assert rows(result.repairs) == [("accounts", "sf_weekly_export_cp1252.csv", "Name", 1,
                                     "O‚ÄôConnor & Sons → O’Connor & Sons")]
    assert figures(result)[0] == 1


def test_salesforce_empty_lookups_are_counted_and_parents_found_by_id():
    result = audited("sf_accounts_api.csv", "salesforce")
    # Müller's ParentId is 000000000000000AAA; Société's parent is Müller, by id.
    assert rows(result.id_sentinels[["table", "column", "kind", "rows", "examples"]]) == [
        ("accounts", "parent_id", "salesforce_id", 1, "000000000000000AAA")]
    links = result.parent_links.set_index("found")["accounts"].to_dict()
    assert links == {"id": 1, "name": 0, "ambiguous": 0, "unknown": 0}
    assert figures(result) == (0, 1, 0, 0, 0)


def test_hubspot_ids_rewritten_as_floats_are_counted():
    result = audited("hubspot_companies_ui.csv", "hubspot")
    assert rows(result.id_sentinels[["table", "column", "kind", "rows", "examples"]]) == [
        ("accounts", "account_id", "hubspot_id", 1, "1.2345678901E10"),
        # Acme's owner is exported as "jane@acme.com (Deactivated User)": not a placeholder
        ("accounts", "owner_id", "owner", 1, "jane@acme.com (Deactivated User)")]
    assert figures(result)[1] == 1
    assert result.headline()["rows_with_deactivated_owner"] == 1
    assert result.parent_links.empty  # the file has no parent column


def test_dynamics_parent_account_given_by_name_is_resolved():
    result = audited("dynamics_accounts.csv", "dynamics")
    # Fabrikam's Parent Account is "Contoso Ltd", the name of the other account.
    links = result.parent_links.set_index("found")["accounts"].to_dict()
    assert links == {"id": 0, "name": 1, "ambiguous": 0, "unknown": 0}
    assert figures(result) == (0, 0, 1, 0, 0)
    assert result.to_dict()["parent_links"][1] == {
        "found": "name", "accounts": 1, "examples": "",
        "meaning": "parent_id is one account's name; resolved to its id"}


def test_the_report_shows_repairs_escaped(mojibake):
    page = data_quality_section(mojibake)
    assert "<h3>Values repaired on loading (mojibake, before → after)</h3>" in page
    assert "Oâ€™Connor &amp; Sons → O’Connor &amp; Sons" in page
    assert "O’Connor & Sons" not in page  # every value escaped
    assert "How the files were read" not in page  # UTF-8 as is: nothing to say

"""`segmint init --from`: each export is placed as the right table and preset, and the project
file it writes runs as written."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from segmint.config.sniff import FileSample, propose
from segmint.exceptions import SegmintError

EXPORTS = Path(__file__).parents[1] / "fixtures" / "exports"


def sample(name: str, headers: list[str], rows: list[list[str]] | None = None) -> FileSample:
    return FileSample(Path(name), headers, rows or [])


def placed(proposal):
    return {table: (p.sample.path.name, p.preset) for table, p in proposal.placements.items()}


def test_each_file_becomes_the_table_and_preset_that_maps_most_of_it():
    proposal = propose([
        sample("deals.csv", ["hs_object_id", "dealname", "amount", "dealstage",
                             "associatedcompanyid"]),
        sample("companies.csv", ["Record ID", "Company name", "Company Domain Name"]),
        sample("mrr.csv", ["customer_id", "month", "mrr"]),
        sample("notes.csv", ["Note", "Author"]),
    ])
    assert placed(proposal) == {"deals": ("deals.csv", "hubspot"),
                                "accounts": ("companies.csv", "hubspot"),
                                "revenue": ("mrr.csv", None)}
    assert proposal.placements["revenue"].columns == {
        "account_id": "customer_id", "period": "month", "mrr": "mrr"}
    assert [(s.path.name, why) for s, why in proposal.unplaced] == [
        ("notes.csv", "no table's required columns are in it (accounts needs an account id)")]


def test_second_accounts_file_is_reported_not_silently_dropped():
    proposal = propose([sample("a.csv", ["Id", "Name", "Industry"]), sample("b.csv", ["Id", "Name"])])
    assert placed(proposal) == {"accounts": ("a.csv", "salesforce")}
    assert proposal.unplaced[0][1] == "it could also be accounts, but those come from a.csv"


def test_without_an_accounts_file_init_says_what_is_missing():
    with pytest.raises(SegmintError, match="None of mrr.csv looks like an accounts export"):
        propose([sample("mrr.csv", ["account_id", "month", "mrr"])])


SF_USERS = ["Id", "Username", "FirstName", "LastName", "Email", "Title", "UserRoleId", "IsActive",
            "CreatedDate"]


def test_a_user_export_is_placed_as_owners():
    proposal = propose([sample("users.csv", SF_USERS),
                        sample("accounts.csv", ["Id", "Name", "BillingCity", "OwnerId"]),
                        sample("hubspot_users.csv", ["User ID", "First Name", "Last Name",
                                                     "Email", "Teams", "Role"])])
    assert placed(proposal) == {"owners": ("users.csv", "salesforce"),
                                "accounts": ("accounts.csv", "salesforce")}
    owners = proposal.placements["owners"]
    assert owners.composed == {"name": ("FirstName", "LastName")}
    assert "name" not in owners.missing and "Username" in owners.unmapped
    assert proposal.unplaced[0][1] == "it could also be owners, but those come from users.csv"
    hubspot = propose([sample("a.csv", ["Record ID", "Company name"]),
                       sample("hubspot_users.csv", ["User ID", "First Name", "Last Name",
                                                    "Email", "Teams", "Role"])])
    assert placed(hubspot)["owners"] == ("hubspot_users.csv", "hubspot")


def test_a_file_with_an_id_and_no_sign_of_people_is_not_owners():
    # every CRM export has an Id: an owners export must also have an email, active flag or role
    proposal = propose([sample("a.csv", ["Id", "Name", "Industry"]), sample("b.csv", ["Id", "Name"])])
    assert placed(proposal) == {"accounts": ("a.csv", "salesforce")}


def test_a_user_export_alone_is_named_as_owners_in_the_error():
    with pytest.raises(SegmintError, match="users.csv looks like owners. Add the accounts file"):
        propose([sample("users.csv", SF_USERS)])


def test_deals_that_name_their_accounts_key_accounts_by_name():
    accounts = sample("acc.csv", ["(Do Not Modify) Account", "Account Name"],
                      [["6f9f-1", "Contoso Ltd"], ["7a0a-2", "Fabrikam Inc"]])
    deals = sample("opp.csv", ["(Do Not Modify) Opportunity", "Topic", "Potential Customer"],
                   [["0a1b-1", "Expansion", "Contoso Ltd"]])
    proposal = propose([accounts, deals])
    assert proposal.placements["accounts"].columns == {"account_id": "Account Name"}
    assert "accounts are keyed by 'Account Name'" in proposal.placements["accounts"].notes[0]


def segmint(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "segmint.cli", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize(("files", "expected"), [
    (["sf_accounts_api.csv", "sf_opportunities_report.csv", "billing_mrr.csv",
      "sf_users_report.csv"],
     {"accounts": ("salesforce", 3), "deals": ("salesforce", 2), "revenue": (None, 3),
      "owners": ("salesforce", 5)}),
    (["hubspot_companies_ui.csv", "hubspot_deals_api.csv", "hubspot_users.csv"],
     {"accounts": ("hubspot", 3), "deals": ("hubspot", 2), "owners": ("hubspot", 3)}),
    (["dynamics_opportunities.csv", "dynamics_accounts.csv"],
     {"accounts": ("dynamics", 2), "deals": ("dynamics", 3)}),
], ids=["salesforce", "hubspot", "dynamics"])
def test_init_from_exports_writes_a_project_that_runs_unedited(tmp_path, files, expected):
    for name in files:  # the exports sit next to segmint.yaml, as an analyst's would
        (tmp_path / name).write_bytes((EXPORTS / name).read_bytes())
    done = segmint("init", *[arg for name in files for arg in ("--from", name)], cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "not found, left empty" in done.stdout
    written = (tmp_path / "segmint.yaml").read_text(encoding="utf-8")
    if "owners" in expected:
        assert "name <- First Name + Last Name" in " ".join(written.replace("#", "").split())
    document = yaml.safe_load(written)
    assert {table: (source.get("preset"), None) for table, source in document["sources"].items()} \
        == {table: (preset, None) for table, (preset, _) in expected.items()}
    ran = segmint("run", cwd=tmp_path)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    import csv

    with (tmp_path / "segmint-out" / "row_counts.csv").open(encoding="utf-8") as handle:
        counts = {row["table"]: row for row in csv.DictReader(handle)}
    for table, (_, rows) in expected.items():
        assert int(counts[table]["rows_in"]) == rows
        assert int(counts[table]["rows_used"]) + int(counts[table]["rows_rejected"]) == rows


def test_init_from_refuses_to_write_over_an_export(tmp_path):
    (tmp_path / "accounts.csv").write_text("Id,Name\n001A,Acme\n")
    (tmp_path / "deals.csv").write_text("Id,AccountId\n006A,001A\n")
    done = segmint("init", "--from", "accounts.csv", "deals.csv", cwd=tmp_path)
    assert done.returncode == 2
    assert "Give each export its own --from" in " ".join(done.stderr.split())
    assert (tmp_path / "deals.csv").read_text() == "Id,AccountId\n006A,001A\n"

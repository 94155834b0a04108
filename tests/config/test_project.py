"""segmint.yaml parsing: good files load, mistakes name the key, the value and the fix."""

from __future__ import annotations

import pytest

from segmint.config.presets import composed_columns, header_key, preset_columns, value_kinds
from segmint.config.project import load_project
from segmint.exceptions import ConfigError

GOOD = """
sources:
  accounts: {path: accounts.csv, preset: salesforce}
segmentation:
  dimensions:
    size: {kind: bands, field: employees, edges: [200, 2000], labels: [SMB, MM, ENT]}
    region: {kind: map, field: country, builtin: iso_region}
    sector: {kind: sector, groups: {Finance: [52, "5415"]}}
  segments:
    - {name: Strategic, when: "employees >= 20000"}
  default: "{size}-{region}"
"""


def write(tmp_path, text):
    path = tmp_path / "segmint.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_good_file_loads_with_paths_relative_to_it(tmp_path):
    project = load_project(write(tmp_path, GOOD))
    assert project.engine == "duckdb"
    assert project.path(project.sources.accounts.path) == tmp_path.resolve() / "accounts.csv"
    assert project.segmentation.dimensions["sector"].groups == {"Finance": ["52", "5415"]}
    assert project.segmentation.template_fields == ["size", "region"]
    assert project.outputs.formats == ["parquet", "csv"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("preset: salesforce", "presett: salesforce"),
         "sources.accounts.presett: unknown key 'presett'. Did you mean 'preset'?"),
        (("preset: salesforce", "preset: salesforse"),
         "unknown preset 'salesforse'. Did you mean 'salesforce'?"),
        (("edges: [200, 2000]", "edges: [2000, 200]"), "edges must be strictly increasing"),
        (("labels: [SMB, MM, ENT]", "labels: [SMB, MM]"), "2 edges make 3 bands, so labels needs 3 names"),
        (("kind: map", "kind: mapp"), "kind 'mapp' is not a dimension kind"),
        (('"{size}-{region}"', '"{size}-{regoin}"'), "uses {regoin}, which is not a dimension. Did you mean 'region'?"),
        (('[52, "5415"]', '["Finance"]'), "NAICS prefixes are 2 to 6 digits"),
        (("    size: {kind", "    value: {kind"), "dimension 'value' has the name of a column "
         "assignments carry beside the dimensions (segment, reason, reason_code, dimension, "
         "field, value). Rename it, and the rules and default using it."),
        (("accounts: {path", "acounts: {path"), "sources.acounts: unknown key 'acounts'. Did you mean 'accounts'?"),
        # the total row of every per-segment table is 'All': a segment so named adds to it
        (("name: Strategic", "name: all"), "segmentation: segments[1] is named 'all', the name "
         "of the total row every per-segment table ends with: its figures would be added to the "
         "total's. Rename it (for example 'Everyone' or 'All accounts')."),
        (('default: "{size}-{region}"', "default: All"), "default 'All' names every account's "
         "segment 'All', the name of the total row every per-segment table ends with"),
        (("preset: salesforce}", "preset: salesforce, derived_from: deals}"),
         "sources.accounts.derived_from builds accounts from the deals file's account column: it "
         "belongs under sources.accounts, with columns: {account_id: <the deals file's account "
         "column>}."),
        (("preset: salesforce}", "preset: salesforce, stages: {won: [Signed]}}"),
         "sources.accounts.stages names won and lost stages, which only deals have: move it "
         "under sources.deals."),
    ],
)
def test_mistakes_name_the_key_and_the_fix(tmp_path, change, message):
    old, new = change
    assert old in GOOD
    with pytest.raises(ConfigError) as error:
        load_project(write(tmp_path, GOOD.replace(old, new)))
    assert message in str(error.value)


def test_missing_file_says_how_to_start(tmp_path):
    with pytest.raises(ConfigError, match="segmint init"):
        load_project(tmp_path / "nope.yaml")


def test_broken_yaml_names_the_line(tmp_path):
    with pytest.raises(ConfigError, match="not valid YAML at line 3"):
        load_project(write(tmp_path, "sources:\n  accounts: {path: a.csv\nsegmentation: [\n"))


def test_mapping_an_unknown_canonical_column_is_an_error(tmp_path):
    text = GOOD.replace("preset: salesforce", "columns: {employes: Staff}")
    with pytest.raises(ConfigError, match="'employes', which is not a column of the accounts table. Did you mean 'employees'"):
        load_project(write(tmp_path, text))


def test_header_key_ignores_case_space_and_punctuation():
    assert header_key("Is Deal Closed?") == header_key("isdealclosed") == "isdealclosed"
    assert header_key("Billing State/Province") == "billingstateprovince"


SALESFORCE_ACCOUNT = ["Id", "Name", "Industry", "NumberOfEmployees", "AnnualRevenue", "BillingCountry",
                      "BillingState", "ParentId", "OwnerId", "Type"]
SALESFORCE_OPPORTUNITY = ["Id", "AccountId", "Amount", "CloseDate", "CreatedDate", "StageName",
                          "IsWon", "IsClosed", "Type"]


def test_salesforce_account_preset_maps_every_standard_field():
    assert preset_columns("salesforce", "accounts", SALESFORCE_ACCOUNT) == {
        "account_id": "Id", "name": "Name", "industry": "Industry", "employees": "NumberOfEmployees",
        "annual_revenue": "AnnualRevenue", "country": "BillingCountry", "state": "BillingState",
        "parent_id": "ParentId", "owner_id": "OwnerId", "account_type": "Type",
    }


def test_salesforce_opportunity_preset_maps_every_standard_field():
    assert preset_columns("salesforce", "deals", SALESFORCE_OPPORTUNITY) == {
        "deal_id": "Id", "account_id": "AccountId", "amount": "Amount", "close_date": "CloseDate",
        "created_date": "CreatedDate", "stage": "StageName", "is_won": "IsWon",
        "is_closed": "IsClosed", "deal_type": "Type",
    }


def test_salesforce_report_labels_match_too():
    headers = ["Account ID", "Account Name", "Employees", "Billing Country"]
    assert preset_columns("salesforce", "accounts", headers) == {
        "account_id": "Account ID", "name": "Account Name", "employees": "Employees",
        "country": "Billing Country",
    }


def test_hubspot_company_export_ui_labels_and_api_names():
    ui = ["Record ID", "Company name", "Company Domain Name", "Industry", "Number of Employees",
          "Annual Revenue", "Country/Region", "State/Region", "Company owner", "Create Date"]
    assert preset_columns("hubspot", "accounts", ui) == {
        "account_id": "Record ID", "name": "Company name", "domain": "Company Domain Name",
        "industry": "Industry", "employees": "Number of Employees",
        "annual_revenue": "Annual Revenue", "country": "Country/Region", "state": "State/Region",
        "owner_id": "Company owner", "created_date": "Create Date",
    }
    api = ["hs_object_id", "name", "domain", "numberofemployees", "country", "hubspot_owner_id"]
    assert preset_columns("hubspot", "accounts", api) == {
        "account_id": "hs_object_id", "name": "name", "domain": "domain",
        "employees": "numberofemployees", "country": "country", "owner_id": "hubspot_owner_id",
    }


def test_hubspot_deal_export():
    headers = ["Record ID", "Deal Name", "Amount", "Close Date", "Create Date", "Deal Stage",
               "Is Closed Won", "Is Deal Closed?", "Associated Company IDs (Primary)"]
    assert preset_columns("hubspot", "deals", headers) == {
        "deal_id": "Record ID", "account_id": "Associated Company IDs (Primary)",
        "name": "Deal Name", "amount": "Amount", "close_date": "Close Date",
        "created_date": "Create Date", "stage": "Deal Stage", "is_won": "Is Closed Won",
        "is_closed": "Is Deal Closed?",
    }


def test_preset_for_a_table_it_does_not_cover():
    with pytest.raises(ConfigError, match="has no mapping for the revenue table"):
        preset_columns("salesforce", "revenue", ["Id"])


def test_salesforce_account_address_api_names_and_report_labels():
    api = ["Id", "BillingCity", "BillingPostalCode", "BillingLatitude", "BillingLongitude"]
    assert preset_columns("salesforce", "accounts", api) == {
        "account_id": "Id", "postal_code": "BillingPostalCode", "city": "BillingCity",
        "latitude": "BillingLatitude", "longitude": "BillingLongitude"}
    labels = ["Account ID", "Billing City", "Billing Zip/Postal Code", "Billing Latitude",
              "Billing Longitude"]
    assert preset_columns("salesforce", "accounts", labels) == {
        "account_id": "Account ID", "postal_code": "Billing Zip/Postal Code",
        "city": "Billing City", "latitude": "Billing Latitude", "longitude": "Billing Longitude"}


def test_hubspot_and_dynamics_account_address_columns():
    hubspot = ["Record ID", "City", "Postal Code"]
    assert preset_columns("hubspot", "accounts", hubspot) == {
        "account_id": "Record ID", "postal_code": "Postal Code", "city": "City"}
    assert preset_columns("hubspot", "accounts", ["hs_object_id", "city", "zip"]) == {
        "account_id": "hs_object_id", "postal_code": "zip", "city": "city"}
    dynamics = ["accountid", "address1_city", "address1_postalcode", "address1_latitude",
                "address1_longitude"]
    assert preset_columns("dynamics", "accounts", dynamics) == {
        "account_id": "accountid", "postal_code": "address1_postalcode", "city": "address1_city",
        "latitude": "address1_latitude", "longitude": "address1_longitude"}


SALESFORCE_USER = ["Id", "Username", "FirstName", "LastName", "Email", "Title", "UserRoleId",
                   "UserRole.Name", "Division", "Region__c", "IsActive", "CreatedDate"]


def test_salesforce_user_preset_maps_the_user_object():
    assert preset_columns("salesforce", "owners", SALESFORCE_USER) == {
        "owner_id": "Id", "email": "Email", "role": "UserRole.Name", "region": "Region__c",
        "start_date": "CreatedDate", "active": "IsActive"}
    # without a role name or a region field: the title, then the division
    fallback = [h for h in SALESFORCE_USER if h not in ("UserRole.Name", "Region__c")]
    found = preset_columns("salesforce", "owners", fallback)
    assert (found["role"], found["region"]) == ("Title", "Division")


def test_a_full_name_is_built_from_first_and_last_only_without_a_name_column():
    assert composed_columns("salesforce", "owners", SALESFORCE_USER,
                            preset_columns("salesforce", "owners", SALESFORCE_USER)) == {
        "name": ("FirstName", "LastName")}
    with_name = [*SALESFORCE_USER, "Name"]
    assert composed_columns("salesforce", "owners", with_name,
                            preset_columns("salesforce", "owners", with_name)) == {}
    hubspot = ["User ID", "First Name", "Last Name", "Email"]
    assert composed_columns("hubspot", "owners", hubspot, {}) == {
        "name": ("First Name", "Last Name")}
    assert composed_columns("hubspot", "owners", ["User ID", "First Name"], {}) == {}
    assert composed_columns("hubspot", "accounts", hubspot, {}) == {}


def test_owners_ids_are_read_as_the_crm_writes_record_ids():
    # an owners export's id is a record id (widened, exact digits), not an owner reference
    assert value_kinds("salesforce", {"owner_id": "Id"}, "owners") == {"owner_id": "salesforce_id"}
    assert value_kinds("hubspot", {"owner_id": "User ID"}, "owners") == {"owner_id": "hubspot_id"}
    assert value_kinds("salesforce", {"owner_id": "OwnerId"}, "accounts") == {"owner_id": "owner"}


def test_owners_source_is_checked_like_the_others(tmp_path):
    text = GOOD.replace("  accounts: {path: accounts.csv, preset: salesforce}",
                        "  accounts: {path: accounts.csv, preset: salesforce}\n"
                        "  owners: {path: users.csv, preset: salesforce, "
                        "columns: {capacity: Capacity__c}}")
    with pytest.raises(ConfigError, match="sources.owners.columns has 'capacity', which is not a "
                                          "column of the owners table. Did you mean"):
        load_project(write(tmp_path, text))
    good = text.replace("capacity: Capacity__c", "capacity_hours: Capacity__c")
    assert load_project(write(tmp_path, good)).sources.owners.columns == {
        "capacity_hours": "Capacity__c"}

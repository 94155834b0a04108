"""Real CRM exports load as they come: one fixture per quirk, values checked, every row counted.

The fixtures are in tests/fixtures/exports, written byte for byte by make_exports.py there.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from segmint import engine
from segmint.config.project import Project
from segmint.io.sources import Reading, load_source
from segmint.io.text import sample_file
from segmint.validate.parsers import crm
from segmint.validate.checks import validate

EXPORTS = Path(__file__).parents[1] / "fixtures" / "exports"

# file, table, preset, records in the file (data rows, refused ones included)
CORPUS = [
    ("sf_accounts_api.csv", "accounts", "salesforce", 3),
    ("sf_opportunities_report.csv", "deals", "salesforce", 2),
    ("sf_weekly_export_cp1252.csv", "accounts", "salesforce", 3),
    ("sf_mixed_utf8_cp1252.csv", "accounts", "salesforce", 3),
    ("sf_mojibake_utf8.csv", "accounts", "salesforce", 4),
    ("sf_multiline_addresses.csv", "accounts", "salesforce", 5),
    ("hubspot_companies_ui.csv", "accounts", "hubspot", 3),
    ("hubspot_deals_api.csv", "deals", "hubspot", 2),
    ("hubspot_companies_connector.csv", "accounts", "hubspot", 2),
    ("dynamics_accounts.csv", "accounts", "dynamics", 2),
    ("dynamics_opportunities.csv", "deals", "dynamics", 3),
    ("dynamics_opportunities_api.csv", "deals", "dynamics", 3),
    ("billing_mrr.csv", "revenue", None, 3),
    ("sf_users_api.csv", "owners", "salesforce", 3),
    ("sf_users_report.csv", "owners", "salesforce", 5),
    ("hubspot_users.csv", "owners", "hubspot", 3),
    ("sf_accounts_report_addresses.csv", "accounts", "salesforce", 4),
    ("hubspot_companies_addresses.csv", "accounts", "hubspot", 3),
    ("dynamics_accounts_addresses.csv", "accounts", "dynamics", 3),
    ("sf_accounts_lookups.csv", "accounts", "salesforce", 3),
    ("pipedrive_organizations.csv", "accounts", "pipedrive", 3),
]


def project(file: str, table: str = "accounts", preset: str | None = "salesforce") -> Project:
    source = {"path": file, **({"preset": preset} if preset else {})}
    if table == "revenue":
        source["columns"] = {"account_id": "account_id", "period": "month", "mrr": "mrr"}
    sources = {"accounts": {"path": "sf_accounts_api.csv", "preset": "salesforce"}, table: source}
    return Project.model_validate({"root": EXPORTS, "sources": sources,
                                   "segmentation": {"segments": [{"name": "Everyone", "when": "true"}]}})


@pytest.fixture
def duck():
    return engine.connect("duckdb")


def column(loaded, name):
    return loaded.rows.order_by("_source_row")[name].to_pyarrow().to_pylist()


def test_the_files_are_what_the_generator_writes():
    spec = importlib.util.spec_from_file_location("make_exports", EXPORTS / "make_exports.py")
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    assert {name: (EXPORTS / name).read_bytes() for name in generator.FILES} == generator.FILES


@pytest.fixture(scope="module")
def validated():
    """`validate(load_source(...))` of an export, once per engine for the module's tests: the
    row counts and the id placeholders are asserted on the same result."""
    results = {}

    def on(con, file: str, table: str, preset: str | None):
        key = (engine.name_of(con), file, table, preset)
        if key not in results:
            results[key] = validate(load_source(con, project(file, table, preset), table))
        return results[key]

    return on


@pytest.mark.parametrize(("file", "table", "preset", "records"), CORPUS, ids=[c[0] for c in CORPUS])
def test_every_record_is_used_or_rejected(con, validated, file, table, preset, records):
    result = validated(con, file, table, preset)
    assert result.rows_in == records
    assert result.rows_in == result.rows_used + result.rows_rejected


def test_bom_crlf_repeated_header_extra_and_empty_columns(duck):
    loaded = load_source(duck, project("sf_accounts_api.csv"), "accounts")
    assert loaded.mapping["account_id"] == "Id"  # the BOM is not part of the first header
    assert loaded.attributes == {"Phone": "phone", "Phone_2": "phone_2", "Tier__c": "tier__c"}
    assert column(loaded, "name") == ["Müller Maschinenbau GmbH", "Société Générale",
                                      "O’Connor & Sons"]
    assert column(loaded, "phone_2") == ["+49 2", None, None]
    clean = validate(loaded).clean.order_by("_source_row")
    assert clean.annual_revenue.to_pyarrow().to_pylist() == [None, None, None]  # empty, run goes on
    # Tier__c is a custom field no preset maps: read as a possible lookup (an all-zero id
    # would be blank), its picklist values kept as written
    assert loaded.value_kinds == {"account_id": "salesforce_id", "parent_id": "salesforce_id",
                                  "owner_id": "owner", "tier__c": "salesforce_lookup"}
    assert loaded.notes == () and loaded.repairs is None


def test_cp1252_weekly_export_is_detected_and_its_double_encoded_row_repaired(duck):
    loaded = load_source(duck, project("sf_weekly_export_cp1252.csv"), "accounts")
    assert column(loaded, "name") == ["Müller Maschinenbau GmbH", "Société Générale",
                                      "O’Connor & Sons"]
    assert column(loaded, "city") == ["Köln", "Paris", "Dún Laoghaire"]  # BillingCity
    assert "sf_weekly_export_cp1252.csv: read as cp1252" in loaded.notes[0]
    assert "repaired mojibake in 1 value(s)" in loaded.notes[1]
    assert loaded.repairs.to_pyarrow().to_pylist() == [{
        "_source_file": "sf_weekly_export_cp1252.csv", "_source_row": 4, "column": "Name",
        "before": "O‚ÄôConnor & Sons", "after": "O’Connor & Sons"}]


def test_mostly_utf8_file_with_a_cp1252_line_is_repaired_line_by_line(duck):
    loaded = load_source(duck, project("sf_mixed_utf8_cp1252.csv"), "accounts")
    assert column(loaded, "name") == ["Müller Maschinenbau GmbH", "Société Générale", "Zoë Ltd"]
    assert loaded.notes == ("sf_mixed_utf8_cp1252.csv: mostly UTF-8, but 1 line(s) had bytes "
                            "that are not UTF-8; those bytes were read as cp1252 (such as "
                            "'Société')",)


def test_mojibake_is_repaired_per_value_and_every_repair_listed(duck):
    loaded = load_source(duck, project("sf_mojibake_utf8.csv"), "accounts")
    assert column(loaded, "name") == ["Société Générale", "O’Connor & Sons", "Acme",
                                      "São Paulo Têxtil"]  # real Portuguese is left alone
    repairs = loaded.repairs.order_by("_source_row").to_pyarrow().to_pylist()
    assert [(r["_source_row"], r["column"], r["before"], r["after"]) for r in repairs] == [
        (2, "Name", "SociÃ©tÃ© GÃ©nÃ©rale", "Société Générale"),
        (3, "Name", "Oâ€™Connor & Sons", "O’Connor & Sons"),
        (4, "Description", "It‚Äôs fine", "It’s fine"),
    ]


def test_quoted_line_breaks_keep_row_numbers_on_the_line_each_record_starts(duck):
    # Lines: 1 header; Acme 2-3; Beta 4-5; 6 blank; Gamma 7 (a field too many); Delta 8-10;
    # Epsilon 11.
    loaded = load_source(duck, project("sf_multiline_addresses.csv"), "accounts")
    assert column(loaded, "name") == ["Acme", "Beta", "Delta", "Epsilon"]
    assert column(loaded, "_source_row") == [2, 4, 8, 11]
    assert loaded.parse_rejects.to_pyarrow().to_pylist()[0]["_source_row"] == 7
    assert column(loaded, "billingstreet")[0] == "1 Main St\nSuite 200"
    assert column(loaded, "description")[1] == 'She said "hello"\nthen left'
    assert column(loaded, "billingaddress")[1] == '{"street": "Hauptstraße 5\\nHof 2", "city": "Köln"}'
    assert "3 record(s) span several lines" in loaded.notes[0]


def test_hubspot_ui_labels_keep_record_ids_as_exact_strings(duck):
    loaded = load_source(duck, project("hubspot_companies_ui.csv", preset="hubspot"), "accounts")
    assert loaded.mapping["employees"] == "Number of Employees"
    assert column(loaded, "account_id") == ["9876543210", "123456789012", "1.2345678901E10"]
    parsed = [crm.parse_hubspot_id_py(v) for v in column(loaded, "account_id")]
    assert parsed == [("9876543210", "ok", "plain"), ("123456789012", "ok", "plain"),
                      (None, "invalid", None)]  # Excel's float: flagged, never rounded
    owners = [crm.parse_owner_py(v)[::3] for v in column(loaded, "owner_id")]
    assert owners == [("jane@acme.com", False), ("Raj Patel", True), ("Raj Patel", True)]


def test_hubspot_connector_layout_strips_the_property_prefix(duck):
    loaded = load_source(duck, project("hubspot_companies_connector.csv", preset="hubspot"),
                         "accounts")
    assert loaded.mapping == {"account_id": "id", "name": "property_name",
                              "domain": "property_domain",
                              "employees": "property_numberofemployees",
                              "country": "property_country", "owner_id": "property_hubspot_owner_id"}


def test_dynamics_display_names_map_and_do_not_modify_columns_stay(duck):
    loaded = load_source(duck, project("dynamics_accounts.csv", preset="dynamics"), "accounts")
    assert loaded.mapping == {
        "account_id": "(Do Not Modify) Account", "name": "Account Name", "industry": "Industry",
        "employees": "Number of Employees", "annual_revenue": "Annual Revenue",
        "country": "Address 1: Country/Region", "state": "Address 1: State/Province",
        "city": "Address 1: City", "parent_id": "Parent Account", "owner_id": "Owner",
        "created_date": "Created On"}
    assert column(loaded, "parent_id") == [None, "Contoso Ltd"]  # a name: enrich resolves it
    deals = load_source(duck, project("dynamics_opportunities.csv", "deals", "dynamics"), "deals")
    assert (deals.mapping["deal_id"], deals.mapping["amount"], deals.mapping["stage"]) == (
        "(Do Not Modify) Opportunity", "Est. Revenue", "Sales Stage")


# Dynamics exports no IsWon or IsClosed: both come from the Status (display names) or
# statecode (Dataverse), which one header feeds; Probability is on 0-100.
DYNAMICS_DEALS = [  # file, (deal name, is_won, is_closed, probability, close date) per row
    ("dynamics_opportunities.csv", [("Contoso expansion", True, True, 1.0, "2024-04-30"),
                                    ("Fabrikam pilot", False, False, 0.4, "2024-09-30"),
                                    ("Contoso renewal", False, True, 0.0, "2024-06-15")]),
    ("dynamics_opportunities_api.csv", [("Northwind CRM", False, False, 0.25, "2024-06-30"),
                                        ("Northwind BI", True, True, 1.0, "2024-03-31"),
                                        ("Litware pilot", False, True, 0.0, "2024-04-15")]),
]


@pytest.mark.parametrize(("file", "expected"), DYNAMICS_DEALS, ids=[d[0] for d in DYNAMICS_DEALS])
def test_dynamics_status_gives_won_and_closed(con, file, expected):
    loaded = load_source(con, project(file, "deals", "dynamics"), "deals")
    status = loaded.mapping["is_won"]
    assert status in ("Status", "statecode") and loaded.mapping["is_closed"] == status
    assert loaded.value_kinds["is_won"] == "dynamics_won"
    result = validate(loaded)
    rows = result.clean.order_by("_source_row").to_pyarrow().to_pylist()
    assert [(r["name"], r["is_won"], r["is_closed"], r["probability"], str(r["close_date"]))
            for r in rows] == expected
    assert result.rejects.count().execute() == 0
    assert "deals.probability: read as percentages (0-100): 2 of 3 values are above 1." in result.notes


def test_report_ids_of_15_characters_widen_to_the_api_ids_of_18(duck):
    accounts = load_source(duck, project("sf_accounts_api.csv"), "accounts")
    deals = load_source(duck, project("sf_opportunities_report.csv", "deals"), "deals")
    api_ids = set(column(accounts, "account_id"))
    widened = crm.parse_salesforce_id(deals.rows.account_id)
    assert set(widened.value.to_pyarrow().to_pylist()) == {"001A000001Mf2dRIAR", "001A000001Mf2dSIAR"}
    assert set(widened.value.to_pyarrow().to_pylist()) <= api_ids
    assert [crm.parse_salesforce_id_py(v)[0] for v in column(accounts, "parent_id")] == [
        None, "001A000001Mf2dRIAR", None]  # 000000000000000AAA is an empty lookup


@pytest.mark.parametrize(("id15", "id18"), [
    ("001A000001Mf2dR", "001A000001Mf2dRIAR"),
    ("0015000000Gv7qJ", "0015000000Gv7qJAAR"),
    ("a0B3000000FxrJo", "a0B3000000FxrJoEAJ"),
    ("005a000000abcde", "005a000000abcdeAAA"),
    ("ABCDEABCDEABCDE", "ABCDEABCDEABCDE555"),
])
def test_salesforce_checksum_worked_by_hand(id15, id18):
    # Chunk 'Gv7qJ': G (bit 0) and J (bit 4) are capitals, 1 + 16 = 17, the 18th letter: R.
    assert crm.salesforce_id_18(id15) == id18
    assert crm.parse_salesforce_id_py(id18.lower())[0] == id18  # case restored


def test_engine_and_python_read_ids_alike(duck):
    import ibis

    texts = ["001A000001Mf2dR", "001a000001mf2drIAR", "001A000001Mf2dR999", "000000000000000",
             " 12345678901 ", "1.23457E+10", "12345678901.0", "NULL", "acct-7",
             "Ann Lee (Inactive)", "jane@acme.com (Deactivated User)"]
    table = ibis.memtable({"v": texts})
    for expr, text in [(crm.parse_salesforce_id, crm.parse_salesforce_id_py),
                       (crm.parse_hubspot_id, crm.parse_hubspot_id_py)]:
        parsed = expr(table.v)
        got = duck.execute(table.select(v=parsed.value, s=parsed.status, r=parsed.rule))
        assert [tuple(None if x != x else x for x in row) for row in got.values.tolist()] == [
            text(v) for v in texts]


def test_init_sample_reads_a_cp1252_file_and_drops_a_cut_record(tmp_path):
    path = tmp_path / "big.csv"
    path.write_bytes(b"Id,Name\n" + "001A,M\u00fcller\n".encode("cp1252") * 150_000)
    sample = sample_file(path, rows=3)
    assert sample.headers == ["Id", "Name"] and sample.rows == [["001A", "Müller"]] * 3
    assert sample.encoding == "cp1252"


# How each file was read, as the audit reports it: encoding, decided by, lines, lines
# transcoded, records spanning lines, then characters converted and examples of them.
# Converted in the cp1252 file: ü ö é é é é ‚ Ä ô ú (10); in the mixed file é é é é (4).
READINGS = [
    ("sf_accounts_api.csv", Reading("utf-8", "as is", 4, 0, 0)),  # a BOM is still UTF-8
    ("sf_weekly_export_cp1252.csv", Reading(  # every line converted
        "cp1252", "detected", 4, 4, 0, characters_converted=10,
        examples=("Müller", "Köln", "Société"))),
    ("sf_mixed_utf8_cp1252.csv", Reading(  # Société Générale's line
        "utf-8 + cp1252", "line by line", 4, 1, 0, characters_converted=4,
        examples=("Société",))),
    ("sf_multiline_addresses.csv", Reading("utf-8", "as is", 11, 0, 3)),  # Acme, Beta, Delta
]


@pytest.mark.parametrize(("file", "expected"), READINGS, ids=[r[0] for r in READINGS])
def test_how_each_file_was_read_is_recorded(duck, file, expected):
    loaded = load_source(duck, project(file), "accounts")
    assert loaded.reading == expected


def test_a_declared_encoding_converts_every_line(duck):
    source = Project.model_validate({"root": EXPORTS, "sources": {"accounts": {
        "path": "sf_weekly_export_cp1252.csv", "preset": "salesforce", "encoding": "cp1252"}},
        "segmentation": {"segments": [{"name": "Everyone", "when": "true"}]}})
    assert load_source(duck, source, "accounts").reading == Reading(
        "cp1252", "declared", 4, 4, characters_converted=10, examples=("Müller", "Köln", "Société"))


def test_parquet_has_no_reading(duck, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"Id": ["001A000001Mf2dRIAR"]}), tmp_path / "a.parquet")
    source = Project.model_validate({"root": tmp_path, "sources": {"accounts": {
        "path": "a.parquet", "preset": "salesforce"}}, "segmentation": {"segments": [
            {"name": "Everyone", "when": "true"}]}})
    assert load_source(duck, source, "accounts").reading is None


# (file, table, preset) -> id placeholders per column, and owners marked deactivated, as
# validation counts them on each engine
SENTINELS = [
    ("sf_accounts_api.csv", "accounts", "salesforce",
     [("parent_id", "salesforce_id", 1, ("000000000000000AAA",))]),  # Müller's empty ParentId
    ("hubspot_companies_ui.csv", "accounts", "hubspot",
     [("account_id", "hubspot_id", 1, ("1.2345678901E10",)),  # Initech's id, as Excel wrote it
      ("owner_id", "owner", 1, ("jane@acme.com (Deactivated User)",))]),  # Acme's owner
    ("sf_opportunities_report.csv", "deals", "salesforce",  # 15-character ids, none empty
     [("owner_id", "owner", 1, ("jane@acme.com (Deactivated User)",))]),  # Risk suite's owner
    ("dynamics_accounts.csv", "accounts", "dynamics",  # Fabrikam's owner, by display name
     [("owner_id", "owner", 1, ("Dana Brooks (Deactivated User)",))]),
    ("sf_accounts_lookups.csv", "accounts", "salesforce",  # lookups no preset maps
     [("masterrecordid", "salesforce_lookup", 2, ("000000000000000AAA",)),
      ("partner_account__c", "salesforce_lookup", 2, ("000000000000000AAA",)),
      ("primary_campaign_source_id", "salesforce_lookup", 1, ("000000000000000",))]),
]


@pytest.mark.parametrize(("file", "table", "preset", "expected"), SENTINELS,
                         ids=[s[0] for s in SENTINELS])
def test_id_placeholders_are_counted_per_column(con, validated, file, table, preset, expected):
    result = validated(con, file, table, preset)
    assert [(s.column, s.kind, s.rows, s.examples) for s in result.id_sentinels] == expected


def test_validation_carries_what_loading_repaired(duck):
    result = validate(load_source(duck, project("sf_mojibake_utf8.csv"), "accounts"))
    assert result.reading == Reading("utf-8", "as is", 5, 0)
    assert result.notes[0].startswith("sf_mojibake_utf8.csv: repaired mojibake in 3 value(s)")
    repaired = result.repairs.group_by("column").aggregate(n=lambda r: r.count())
    assert {r["column"]: r["n"] for r in repaired.to_pyarrow().to_pylist()} == {
        "Name": 2, "Description": 1}


def test_unmapped_salesforce_lookups_read_their_empty_lookups_as_blank(con):
    # A rule on `partner_account__c is not null` must not count the all-zero id as a partner;
    # every other value stays as written: a Salesforce id is not widened, an ERP key of 15
    # letters and digits is not taken for one, a picklist is only trimmed.
    result = validate(load_source(con, project("sf_accounts_lookups.csv"), "accounts"))
    clean = result.clean.order_by("_source_row").to_pyarrow().to_pydict()
    assert clean["masterrecordid"] == [None, None, None]
    assert clean["partner_account__c"] == ["001A000001Mf2dTIAR", None, None]
    assert clean["primary_campaign_source_id"] == ["701A0000000AbCdIAK", None, None]
    assert clean["erp_key__c"] == ["ERPKEY000000042", "ERPKEY000000043", None]
    assert clean["tier__c"] == ["Gold", "Silver", None]
    assert (result.rows_in, result.rows_used, result.rows_rejected) == (3, 3, 0)


def test_a_typed_custom_field_is_no_lookup(duck, tmp_path):
    # Lead_Score__c in a Parquet export is a number: it stays one (a rule compares it with
    # 70), while a text lookup beside it still reads its all-zero id as blank
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"Id": ["001A000001Mf2dRIAR", "001A000001Mf2dSIAR"],
                             "Lead_Score__c": pa.array([72, 15], pa.int64()),
                             "Partner_Account__c": ["000000000000000AAA", "001A000001Mf2dRIAR"]}),
                   tmp_path / "a.parquet")
    source = Project.model_validate({"root": tmp_path, "sources": {"accounts": {
        "path": "a.parquet", "preset": "salesforce"}}, "segmentation": {"segments": [
            {"name": "Everyone", "when": "true"}]}})
    clean = validate(load_source(duck, source, "accounts")).clean.order_by("_source_row")
    assert clean.lead_score__c.type().is_integer()
    assert clean.to_pyarrow().to_pydict()["partner_account__c"] == [None, "001A000001Mf2dRIAR"]

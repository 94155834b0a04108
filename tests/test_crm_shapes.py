"""CRM exports as people really make them (issue 20): each shape goes through `init --from`,
the project check and a run, and gives the figures worked out by hand below.

The files are in tests/fixtures/exports, written byte for byte by make_exports.py there.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from segmint import tables as t
from segmint.config.project import load_project
from segmint.config.sniff import propose, render
from segmint.io.text import sample_file
from segmint.pipeline import run
from segmint.preflight import check_project

SHAPES = Path(__file__).parent / "fixtures" / "exports"


def initialised(folder: Path, *files: str):
    """The project `segmint init --from` writes for the fixtures `files`, copied into
    `folder`, and the project check's warnings."""
    for name in files:
        shutil.copy(SHAPES / name, folder / name)
    return initialised_existing(folder, *files)


def initialised_existing(folder: Path, *files: str):
    """The project `segmint init --from` writes for `files` in `folder`, and its warnings."""
    proposal = propose([sample_file(folder / name) for name in files])
    (folder / "segmint.yaml").write_text(render(proposal, folder))
    project = load_project(folder / "segmint.yaml")
    return project, check_project(project)


def conserved(result) -> dict[str, tuple[int, int, int]]:
    """Rows in, used and rejected per table; in = used + rejected on each."""
    counts = {r.table: (r.rows_in, r.rows_used, r.rows_rejected)
              for r in result.row_counts.itertuples(index=False)}
    assert all(rows_in == used + rejected for rows_in, used, rejected in counts.values())
    return counts


def totals(result) -> dict:
    """The deal figures of the total row."""
    metrics = result.analyses.frames["deal_metrics"].set_index(t.SEGMENT).loc[t.ALL_SEGMENTS]
    return {"closed": int(metrics.closed_deals), "won": int(metrics.won_deals),
            "win_rate": float(metrics.win_rate), "open_deals": int(metrics.open_deals),
            "open_amount": float(metrics.open_amount)}


# --- encoding -------------------------------------------------------------------------------


def test_a_cp1252_export_reads_its_accented_names_and_says_how(tmp_path):
    project, warnings = initialised(tmp_path, "latin_accounts_cp1252.csv")
    assert warnings == []
    result = run(project, write=False)
    assert conserved(result) == {"accounts": (6, 6, 0)}
    names = result.validated["accounts"].clean.order_by(t.SOURCE_ROW)
    assert names.name.execute().tolist() == [
        "Grupo Bimbo México", "Zürich Versicherung", "Köln Logistik GmbH",
        "Øresund Shipping A/S", "Têxtil São Paulo Ltda", "Acme Corp"]
    assert names.city.execute().tolist()[:5] == [
        "Ciudad de México", "Zürich", "Köln", "København", "São Paulo"]
    reading = result.audit.file_reading.iloc[0]
    # converted: é é (México twice), ü ü, ö ö, Ø ø (Øresund, København), ê ã ã (Têxtil, São
    # twice): 11 characters; header and 6 rows are 7 lines, every one converted
    assert (reading.encoding, reading.decided_by, reading.lines, reading.lines_transcoded,
            reading.characters_converted, reading.examples) == (
        "cp1252", "detected", 7, 7, 11, "México, Zürich, Köln")
    assert result.notes[0].startswith(
        "latin_accounts_cp1252.csv: read as cp1252 (detected: the file is not UTF-8) and "
        "converted to UTF-8, giving names such as 'México', 'Zürich', 'Köln'.")


def test_a_cp1252_export_declared_utf8_names_the_first_bad_line_and_the_encoding(tmp_path):
    from segmint.exceptions import SourceError

    project, _ = initialised(tmp_path, "latin_accounts_cp1252.csv")
    yaml = (tmp_path / "segmint.yaml").read_text().replace(
        "preset: salesforce", "preset: salesforce\n    encoding: utf-8")
    (tmp_path / "segmint.yaml").write_text(yaml)
    with pytest.raises(SourceError) as error:
        run(load_project(tmp_path / "segmint.yaml"), write=False)
    assert str(error.value) == (
        "latin_accounts_cp1252.csv is not UTF-8: line 2 has b'\\xe9', which UTF-8 cannot "
        "read, though sources.accounts.encoding says utf-8. It reads as cp1252 ('México'): "
        "set sources.accounts.encoding: cp1252, or remove the key to let segmint detect it.")


def test_characters_lost_before_export_are_counted_with_examples(tmp_path):
    (tmp_path / "accounts.csv").write_text(
        "Account ID,Account Name,Billing City\n"
        "001A,M\ufffdller GmbH,K\ufffdln\n"
        "002A,Acme,Boston\n"
        "003A,Soci\ufffdt\ufffd G\ufffdn\ufffdrale,Paris\n", encoding="utf-8")
    project, _ = initialised_existing(tmp_path, "accounts.csv")
    result = run(project, write=False)
    reading = result.audit.file_reading.iloc[0]
    assert (reading.replaced_characters, reading.replaced_examples) == (
        6, "M\ufffdller GmbH, K\ufffdln, Soci\ufffdt\ufffd G\ufffdn\ufffdrale")
    assert result.audit.headline()["replaced_characters_in_files"] == 6


# --- won and lost from the stage --------------------------------------------------------------


def test_a_hubspot_deals_view_reads_won_and_lost_from_its_stage(tmp_path):
    project, warnings = initialised(tmp_path, "hubspot_companies_view.csv",
                                    "hubspot_deals_view.csv")
    assert warnings == []
    result = run(project, write=False)
    assert conserved(result) == {"accounts": (3, 3, 0), "deals": (7, 7, 0)}
    # won: 9001, 9002, 9007; lost: 9003, 9006; open: 9004 (3,000) and 9005 (7,000)
    assert totals(result) == {"closed": 5, "won": 3, "win_rate": 0.6, "open_deals": 2,
                              "open_amount": 10_000.0}
    notes = " ".join(result.notes)
    assert ("hubspot_deals_view.csv has no won or closed flag: both were read from Deal Stage, "
            "'Closed won' as won (3 deals), 'Closed lost' as lost (2), other stages as open "
            "(2, in 2 stages).") in notes
    # 9007 is associated with Globex and Initech: it counts for Globex, not as an orphan
    assert ("hubspot_deals_view.csv: 1 deal(s) name several accounts in Associated Company IDs "
            "(Primary) (such as '5102;5103'); each counts for the first one named.") in notes


def test_a_spreadsheet_crm_with_a_deal_stage_column_reads_won_and_lost(tmp_path):
    project, warnings = initialised(tmp_path, "sheet_accounts.csv", "sheet_deals.csv")
    assert warnings == []
    result = run(project, write=False)
    assert conserved(result) == {"accounts": (3, 3, 0), "deals": (7, 7, 0)}
    # won: D-1, D-2, D-3; lost: D-4, D-5; open: D-6 (2,500) and D-7 (4,000)
    assert totals(result) == {"closed": 5, "won": 3, "win_rate": 0.6, "open_deals": 2,
                              "open_amount": 6_500.0}


def test_custom_stage_names_are_set_in_the_project_file(tmp_path):
    shutil.copy(SHAPES / "sheet_accounts.csv", tmp_path)
    data = (SHAPES / "sheet_deals.csv").read_text().replace(",Won,", ",Signed,").replace(
        ",Lost,", ",Dropped,")
    (tmp_path / "sheet_deals.csv").write_text(data)
    project, _ = initialised_existing(tmp_path, "sheet_accounts.csv", "sheet_deals.csv")
    result = run(project, write=False)
    assert totals(result)["closed"] == 0  # nothing reads as won or lost: all open, and said
    assert ("sheet_deals.csv has no won or closed flag, and none of its stages in deal_stage "
            "('Signed', 'Dropped', 'Negotiation', 'Proposal') reads as won or lost") in " ".join(
                result.notes)
    yaml = (tmp_path / "segmint.yaml").read_text().replace(
        '      stage: "deal_stage"\n',
        '      stage: "deal_stage"\n    stages: {won: [Signed], lost: [Dropped]}\n')
    (tmp_path / "segmint.yaml").write_text(yaml)
    result = run(load_project(tmp_path / "segmint.yaml"), write=False)
    assert totals(result) == {"closed": 5, "won": 3, "win_rate": 0.6, "open_deals": 2,
                              "open_amount": 6_500.0}


def test_a_closed_flag_with_the_stage_reads_won_from_the_stage(tmp_path):
    shutil.copy(SHAPES / "sheet_accounts.csv", tmp_path)
    lines = (SHAPES / "sheet_deals.csv").read_text().splitlines()
    closed = [lines[0] + ",is_closed"] + [
        line + ("," + str(line.split(",")[3] in ("Won", "Lost")).lower()) for line in lines[1:]]
    (tmp_path / "sheet_deals.csv").write_text("\n".join(closed) + "\n")
    project, _ = initialised_existing(tmp_path, "sheet_accounts.csv", "sheet_deals.csv")
    result = run(project, write=False)
    assert totals(result)["win_rate"] == 0.6  # not 0%: the closed deals are not all lost
    assert "sheet_deals.csv has no won flag: it was read from deal_stage" in " ".join(result.notes)


def test_an_export_with_only_won_and_lost_dates_reads_its_outcomes_from_them(tmp_path):
    project, warnings = initialised(tmp_path, "sheet_accounts.csv", "sheet_deals_dates.csv")
    assert warnings == []  # the dates tell won from open: no warning
    result = run(project, write=False)
    assert conserved(result) == {"accounts": (3, 3, 0), "deals": (7, 7, 0)}
    # won D-1, D-2, D-3 (30,500); lost D-4, D-5; open D-6 and D-7 (2,500 + 4,000)
    assert totals(result) == {"closed": 5, "won": 3, "win_rate": 0.6, "open_deals": 2,
                              "open_amount": 6_500.0}
    assert ("sheet_deals_dates.csv has no won flag and no stage: won and closed were read from "
            "date_won and date_lost (3 deals won, 2 lost, 2 open), and the close date is the "
            "date it was won or lost.") in result.notes
    # cycles end at the won date: 30, 45 and 90 days (2024 is a leap year); the median is 45
    metrics = result.analyses.frames["deal_metrics"].set_index(t.SEGMENT).loc[t.ALL_SEGMENTS]
    assert float(metrics.median_cycle_days) == 45.0


def test_a_deals_table_with_no_way_to_tell_won_from_open_is_a_loud_warning(tmp_path):
    shutil.copy(SHAPES / "sheet_accounts.csv", tmp_path)
    lines = (SHAPES / "sheet_deals.csv").read_text().splitlines()
    (tmp_path / "sheet_deals.csv").write_text(
        "\n".join(",".join(f for i, f in enumerate(line.split(",")) if i != 3)
                  for line in lines) + "\n")
    project, warnings = initialised_existing(tmp_path, "sheet_accounts.csv", "sheet_deals.csv")
    assert warnings == [
        "sheet_deals.csv has no way to tell won deals from open ones: no won or closed flag "
        "and no stage column, so every deal counts as open pipeline and no win rate can be "
        "measured. Map the stage (or the flags) under sources.deals.columns (stage, is_won, "
        "is_closed)."]


# --- negative sales cycles ---------------------------------------------------------------------


def test_deals_closed_before_they_were_created_are_counted_and_left_out_of_cycles(tmp_path):
    shutil.copy(SHAPES / "sheet_accounts.csv", tmp_path)
    data = (SHAPES / "sheet_deals.csv").read_text()
    (tmp_path / "sheet_deals.csv").write_text(data.replace(
        "D-3,A-2,Contoso suite,Won,20000,2024-02-01,2024-05-01",
        "D-3,A-2,Contoso suite,Won,20000,2024-06-01,2024-05-01"))
    project, _ = initialised_existing(tmp_path, "sheet_accounts.csv", "sheet_deals.csv")
    result = run(project, write=False)
    assert conserved(result) == {"accounts": (3, 3, 0), "deals": (7, 7, 0)}
    metrics = result.analyses.frames["deal_metrics"].set_index(t.SEGMENT).loc[t.ALL_SEGMENTS]
    # won cycles: D-1 30 days, D-2 45; D-3's -31 is left out (it made the median 30)
    assert metrics.median_cycle_days == 37.5
    assert result.audit.headline()["negative_sales_cycles"] == 1
    assert ("1 deal(s) close before they were created (a close date typed wrong, or a deal "
            "re-created after it closed): they are left out of the sales-cycle figures.") in \
        " ".join(result.notes)


# --- customers without revenue data ---------------------------------------------------------


def test_without_revenue_an_account_with_a_won_deal_is_a_customer(tmp_path):
    project, _ = initialised(tmp_path, "hubspot_companies_view.csv", "hubspot_deals_view.csv")
    result = run(project, write=False)
    enriched = result.scores.accounts.order_by(t.ACCOUNT_ID)
    # Acme (5101) won twice and is typed Customer; Globex (5102, typed Opportunity) won the
    # bundle; Initech won nothing
    assert enriched.is_customer.execute().tolist() == [True, True, False]
    assert ("Customers: no revenue table, so an account with a won deal is one (2 accounts), "
            "as is one whose account type says customer (1 account, 0 of them without a won "
            "deal).") in result.notes


def test_a_won_deal_makes_a_customer_the_account_type_does_not_say_is(tmp_path):
    project, _ = initialised(tmp_path, "sheet_accounts.csv", "sheet_deals.csv")
    result = run(project, write=False)
    # Northwind and Contoso won deals; Fabrikam lost one; no account type
    enriched = result.scores.accounts.order_by(t.ACCOUNT_ID)
    assert enriched.is_customer.execute().tolist() == [True, True, False]
    assert "Customers: no revenue table, so an account with a won deal is one (2 accounts)." \
        in result.notes


# --- init ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "message"), [
    ("Deals.xlsx", "Deals.xlsx is an Excel workbook, which segmint does not read: save the sheet "
                   "as CSV (File > Save As > CSV UTF-8), or export the CRM report or view as CSV."),
    ("companies.json", "companies.json is JSON (an API response), which segmint does not read: "
                       "export the CRM report or view as CSV, or load the records into Parquet "
                       "or DuckDB."),
])
def test_init_names_a_file_type_segmint_does_not_read_and_the_export_to_use(tmp_path, name,
                                                                              message):
    from segmint.exceptions import SourceError

    (tmp_path / name).write_bytes(b"PK\x03\x04" if name.endswith("xlsx") else b'{"results": []}')
    with pytest.raises(SourceError) as error:
        sample_file(tmp_path / name)
    assert str(error.value) == message


def test_the_starting_model_reads_filled_columns_only(tmp_path):
    project, warnings = initialised(tmp_path, "hubspot_companies_sparse.csv")
    assert warnings == []
    size = project.segmentation.dimensions["size"]
    # no headcount at all: the bands read annual revenue; no country, but states written out
    assert (size.field, size.edges, list(project.segmentation.dimensions)) == (
        "annual_revenue", [50_000_000, 1_000_000_000], ["size", "region"])
    result = run(project, write=False)
    assert conserved(result) == {"accounts": (4, 4, 0)}
    segments = dict(zip(result.segment_summary.segment, result.segment_summary.accounts))
    # 20M in Massachusetts, 250M in Pennsylvania: US; Maple Leaf (Ontario, so Canada) has no
    # revenue and Pacific Rim (3B) no state: 2 of 4 unassigned
    assert segments == {"SMB-North America": 1, "Mid-Market-North America": 1, "Unassigned": 2}
    assert ("3 account(s) have no country but a US state or Canadian province written out: the "
            "country is taken from it.") in " ".join(result.notes)
    # completeness counts the fields figures read even when the export lacks them: filled
    # id 4 + name 4 + revenue 3 + state 3 over 4 rows x 8 columns (industry, headcount,
    # country and owner among them, absent or empty)
    scores = result.audit.scores.set_index("table")
    assert scores.loc["accounts", "complete"] == pytest.approx(14 / 32)
    sources = result.audit.fill_rates.set_index("column").source
    assert (sources["employees"], sources["industry"]) == (
        "Number of Employees", "(not in the export)")


def test_with_nothing_filled_the_starting_model_is_one_segment_and_says_what_to_fill(tmp_path):
    data = (SHAPES / "hubspot_companies_sparse.csv").read_text().splitlines()
    (tmp_path / "companies.csv").write_text("\n".join(
        ",".join(f if i < 2 else "" for i, f in enumerate(line.split(",")))
        if n else line for n, line in enumerate(data)) + "\n")
    project, _ = initialised_existing(tmp_path, "companies.csv")
    assert [s.name for s in project.segmentation.segments] == ["All accounts"]
    assert ("  # Every account is in one segment: employees, annual_revenue, country are empty in "
            "the\n  #   export. Fill employees (or annual revenue) and country in the CRM and "
            "export again") in (tmp_path / "segmint.yaml").read_text()
    result = run(project, write=False)
    assert dict(zip(result.segment_summary.segment, result.segment_summary.accounts)) == {
        "All accounts": 4}


def test_an_export_of_deals_alone_builds_the_accounts_its_deals_name(tmp_path):
    project, warnings = initialised(tmp_path, "hubspot_deals_view.csv")
    assert warnings == []
    assert (project.sources.accounts.derived_from, project.sources.accounts.columns) == (
        "deals", {"account_id": "Associated Company IDs (Primary)"})
    result = run(project, write=False)
    # 5101, 5102 and 5103 (9007's '5102;5103' counts for 5102): 3 accounts, no deal orphaned
    assert conserved(result) == {"accounts": (3, 3, 0), "deals": (7, 7, 0)}
    assert totals(result) == {"closed": 5, "won": 3, "win_rate": 0.6, "open_deals": 2,
                              "open_amount": 10_000.0}
    summary = result.segment_summary.set_index("segment")
    assert (summary.loc["All accounts", "accounts"], summary.loc["All accounts", "customers"]) == (
        3, 2)  # 5101 and 5102 won deals
    assert result.notes[0] == (
        "hubspot_deals_view.csv: the accounts were built from the deals' Associated Company IDs "
        "(Primary) column (3 accounts, each numbered by the first line naming it); they have no "
        "firmographics, so every account is in one segment until an accounts export is added.")


def test_pipedrive_organizations_and_deals_read_outcomes_from_status_and_key_by_name(tmp_path):
    project, warnings = initialised(tmp_path, "pipedrive_organizations.csv",
                                    "pipedrive_deals.csv")
    assert warnings == []
    assert (project.sources.accounts.preset, project.sources.deals.preset) == (
        "pipedrive", "pipedrive")
    # a deal names its organization, so accounts are keyed by name, not by Organization - ID
    assert project.sources.accounts.columns == {"account_id": "Organization - Name"}
    result = run(project, write=False)
    assert conserved(result) == {"accounts": (3, 3, 0), "deals": (5, 5, 0)}
    # Status: won 101 and 104, lost 102, open 103 (45,000) and 105 (60,000)
    assert totals(result) == {"closed": 3, "won": 2, "win_rate": 2 / 3, "open_deals": 2,
                              "open_amount": 105_000.0}
    # cycles from created to closed on: 101 Jan 5 -> Feb 20, 46 days; 104 Feb 1 -> Mar 15, 43
    metrics = result.analyses.frames["deal_metrics"].set_index(t.SEGMENT).loc[t.ALL_SEGMENTS]
    assert float(metrics.median_cycle_days) == 44.5
    segments = result.assignments.order_by(t.ACCOUNT_ID).select(t.ACCOUNT_ID, t.SEGMENT)
    assert segments.to_pyarrow().to_pylist() == [
        {"account_id": "Cascade Outfitters", "segment": "Mid-Market-North America"},
        {"account_id": "Harbor Logistics Ltd", "segment": "Mid-Market-EMEA"},
        {"account_id": "Nordlicht Bäckerei GmbH", "segment": "SMB-EMEA"}]

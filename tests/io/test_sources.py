"""Load: files become engine tables with canonical names and line numbers; bad files fail clearly."""

from __future__ import annotations

import pytest

from segmint.exceptions import ColumnNotFoundError, SourceError
from segmint.io.sources import load_source

SALESFORCE = """
sources:
  accounts: {path: accounts.csv, preset: salesforce}
segmentation:
  segments: [{name: Everyone, when: "true"}]
"""


def rows(loaded, *columns):
    return loaded.rows.order_by("_source_row").select(*columns).execute().values.tolist()


def test_preset_maps_headers_and_keeps_extra_columns_as_attributes(con, make_project):
    project = make_project(SALESFORCE, accounts__csv="""
        Id,Name,NumberOfEmployees,Tier__c,Customer Since
        001A,Acme,120,Gold,2020
        """)
    loaded = load_source(con, project, "accounts")
    assert loaded.mapping == {"account_id": "Id", "name": "Name", "employees": "NumberOfEmployees"}
    assert loaded.attributes == {"Tier__c": "tier__c", "Customer Since": "customer_since"}
    assert rows(loaded, "account_id", "employees", "tier__c", "_source_file", "_source_row") == [
        ["001A", "120", "Gold", "accounts.csv", 2]
    ]


def test_broken_quote_becomes_a_parse_reject_and_the_rest_loads(con, make_project):
    project = make_project(SALESFORCE, accounts__csv="""
        Id,Name,NumberOfEmployees
        A,Acme,10
        B,"Beta, Inc",20
        C,too,many,fields
        D,Delta,40
        E,"Unclosed,50
        F,Foxtrot,60
        """)
    loaded = load_source(con, project, "accounts")
    # E's quote is never closed: E alone is refused, F after it is read, not swallowed
    assert rows(loaded, "account_id", "name", "_source_row") == [
        ["A", "Acme", 2], ["B", "Beta, Inc", 3], ["D", "Delta", 5], ["F", "Foxtrot", 7]
    ]
    rejects = loaded.parse_rejects.order_by("_source_row").execute()
    assert rejects._source_row.tolist() == [4, 6]
    assert rejects.raw_line.tolist() == ["C,too,many,fields", 'E,"Unclosed,50']
    assert rejects.error.tolist() == [
        "4 fields where the header has 3",
        "a quote opened on this line is never closed, so it would swallow every line after it; "
        "this line alone is refused and the lines after it are read"]


def test_line_numbers_stay_right_after_several_rejects(con, make_project):
    lines = ["Id,Name"] + [f"{i},n{i}" if i % 3 else f"{i},x,extra" for i in range(1, 11)]
    project = make_project(SALESFORCE, accounts__csv="\n".join(lines) + "\n")
    loaded = load_source(con, project, "accounts")
    # Row i of the data is on line i + 1; every third one has an extra field.
    assert rows(loaded, "account_id", "_source_row") == [
        [str(i), i + 1] for i in range(1, 11) if i % 3
    ]
    assert sorted(loaded.parse_rejects.execute()._source_row.tolist()) == [4, 7, 10]


def test_semicolon_files_are_read_with_their_delimiter(con, make_project):
    project = make_project(SALESFORCE, accounts__csv="Id;Name;AnnualRevenue\nA;Acme;1.200,50\n")
    assert rows(load_source(con, project, "accounts"), "account_id", "annual_revenue") == [
        ["A", "1.200,50"]
    ]


def test_utf8_bom_and_crlf_are_handled(con, make_project):
    data = "\ufeffId,Name\r\nA,Müller AG\r\nB,Société Générale\r\n".encode()
    project = make_project(SALESFORCE, accounts__csv=data)
    loaded = load_source(con, project, "accounts")
    assert loaded.mapping["account_id"] == "Id"
    assert rows(loaded, "name") == [["Müller AG"], ["Société Générale"]]


def test_duplicate_headers_are_kept_apart(con, make_project):
    project = make_project(SALESFORCE, accounts__csv="Id,Name,Phone,Phone\nA,Acme,1,2\n")
    loaded = load_source(con, project, "accounts")
    assert loaded.attributes == {"Phone": "phone", "Phone_2": "phone_2"}
    assert rows(loaded, "phone", "phone_2") == [["1", "2"]]


def test_empty_file_is_one_clear_error(con, make_project):
    project = make_project(SALESFORCE, accounts__csv=b"")
    with pytest.raises(SourceError, match="accounts.csv is empty"):
        load_source(con, project, "accounts")


def test_header_only_file_loads_no_rows(con, make_project):
    project = make_project(SALESFORCE, accounts__csv="Id,Name\n")
    assert load_source(con, project, "accounts").rows.count().execute() == 0


def test_latin1_file_is_detected_converted_and_noted(con, make_project):
    data = "Id,Name\nA,Müller Maschinenbau\nB,Société Générale\n".encode("cp1252")
    project = make_project(SALESFORCE, accounts__csv=data)
    loaded = load_source(con, project, "accounts")
    assert rows(loaded, "name") == [["Müller Maschinenbau"], ["Société Générale"]]
    assert "accounts.csv: read as cp1252" in loaded.notes[0]


def test_declared_utf8_that_is_not_names_the_encoding_and_the_fix(con, make_project):
    data = "Id,Name\nA,Müller Maschinenbau\n".encode("cp1252")
    project = make_project(SALESFORCE.replace("preset: salesforce", "preset: salesforce, encoding: utf-8"),
                           accounts__csv=data)
    with pytest.raises(SourceError) as error:
        load_source(con, project, "accounts")
    message = str(error.value)
    assert "accounts.csv is not UTF-8" in message and "line 2" in message
    assert message == (
        "accounts.csv is not UTF-8: line 2 has b'\\xfc', which UTF-8 cannot read, though "
        "sources.accounts.encoding says utf-8. It reads as cp1252 ('Müller'): set "
        "sources.accounts.encoding: cp1252, or remove the key to let segmint detect it.")


def test_declared_encoding_is_converted(con, make_project):
    data = "Id,Name\nA,Müller Maschinenbau\n".encode("cp1252")
    project = make_project(SALESFORCE.replace("preset: salesforce", "preset: salesforce, encoding: cp1252"),
                           accounts__csv=data)
    assert rows(load_source(con, project, "accounts"), "name") == [["Müller Maschinenbau"]]


def test_mapped_column_that_is_not_there_suggests_the_closest(con, make_project):
    yaml = SALESFORCE.replace("preset: salesforce", "columns: {account_id: Id, employees: NumberOfEmployes}")
    project = make_project(yaml, accounts__csv="Id,NumberOfEmployees\nA,1\n")
    with pytest.raises(ColumnNotFoundError) as error:
        load_source(con, project, "accounts")
    assert str(error.value) == (
        "accounts.csv has no column 'NumberOfEmployes'. Did you mean 'NumberOfEmployees'? "
        "Fix sources.accounts.columns.employees in segmint.yaml."
    )


def test_missing_key_column_lists_what_the_file_has(con, make_project):
    project = make_project(SALESFORCE, accounts__csv="AccountNumber,Name\nA,Acme\n")
    with pytest.raises(SourceError, match="accounts.csv has no column for account_id .* Its columns are: AccountNumber, Name"):
        load_source(con, project, "accounts")


def test_missing_file_names_the_key(con, make_project):
    project = make_project(SALESFORCE)
    with pytest.raises(SourceError, match=r"accounts.csv \(sources.accounts.path\) does not exist"):
        load_source(con, project, "accounts")


def test_parquet_rows_are_numbered_from_one(con, make_project, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"account_id": ["a", "b"], "employees": [10, 20]}), tmp_path / "a.parquet")
    project = make_project("""
        sources: {accounts: {path: a.parquet}}
        segmentation: {segments: [{name: Everyone, when: "true"}]}
        """)
    assert rows(load_source(con, project, "accounts"), "account_id", "employees", "_source_row") == [
        ["a", 10, 1], ["b", 20, 2]
    ]


def test_a_file_of_one_column_reads_a_blank_line_as_a_blank_id(con, make_project):
    # with one column, a blank line is a record of one empty value (rejected: no id)
    project = make_project("""
        sources: {accounts: {path: accounts.csv}}
        segmentation: {segments: [{name: Everyone, when: "true"}]}
        """, accounts__csv=b"account_id\nA\n\nB\n")
    from segmint.validate.checks import validate

    accounts = validate(load_source(con, project, "accounts"))
    assert (accounts.rows_in, accounts.rows_used, accounts.rows_rejected) == (3, 2, 1)
    reject = accounts.rejects.execute()
    assert (reject._source_row.tolist(), reject.check.tolist()) == ([3], ["DQ001"])

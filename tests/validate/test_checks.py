"""Validation: figures worked out by hand, and the invariant that every row is used or rejected."""

from __future__ import annotations

import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segmint import engine
from segmint.config.project import Project
from segmint.io.sources import load_source
from segmint.validate.checks import validate

ACCOUNTS_YAML = """
sources:
  accounts: {path: accounts.csv, preset: salesforce}
  deals: {path: deals.csv, preset: salesforce}
segmentation:
  segments: [{name: Everyone, when: "true"}]
"""

ACCOUNTS = """
Id,Name,NumberOfEmployees,AnnualRevenue,CreatedDate
A,Acme,120,1000000,2024-01-05
,No id,5,,
A,Acme again,7,,
B,Beta,-3,5e13,
C,Gamma,51-200,abc,2024-02-30
D,Delta,"1,000",,
E,"Unclosed,1
"""

DEALS = """
Id,AccountId,Amount,IsWon
d1,A,1000,true
d2,Z,500,false
d3,B,-20,false
d4,C,,true
"""


def validated(con, make_project):
    project = make_project(ACCOUNTS_YAML, accounts__csv=ACCOUNTS, deals__csv=DEALS)
    accounts = validate(load_source(con, project, "accounts"))
    deals = validate(load_source(con, project, "deals"), known_accounts=accounts.clean)
    return accounts, deals


def records(table):
    frame = table.order_by("_source_row", "column").execute()
    return [(r["_source_row"], r["column"], r["check"], r["action"]) for r in frame.to_dict("records")]


def test_accounts_counts_add_up(con, make_project):
    accounts, _ = validated(con, make_project)
    assert (accounts.rows_in, accounts.rows_used, accounts.rows_rejected) == (7, 4, 3)
    assert accounts.balanced


def test_accounts_typed_values(con, make_project):
    accounts, _ = validated(con, make_project)
    clean = accounts.clean.order_by("_source_row").execute()
    assert clean.account_id.tolist() == ["A", "B", "C", "D"]
    employees = clean.employees.tolist()
    assert employees[0] == 120 and employees[2] == 125.5 and employees[3] == 1000
    assert math.isnan(employees[1])  # -3 was cleared
    assert str(clean.created_date.tolist()[0])[:10] == "2024-01-05"


def test_accounts_rejects_name_row_column_and_check(con, make_project):
    accounts, _ = validated(con, make_project)
    assert records(accounts.rejects) == [
        (3, "account_id", "DQ001", "row rejected"),
        (4, "account_id", "DQ002", "row rejected"),
        (5, "annual_revenue", "DQ104", "value cleared"),
        (5, "employees", "DQ101", "value cleared"),
        (6, "annual_revenue", "DQ010", "value cleared"),
        (6, "created_date", "DQ010", "value cleared"),
        (8, None, "DQ000", "row rejected"),
    ]
    reasons = accounts.rejects.order_by("_source_row").execute().reason.tolist()
    assert reasons[1] == "repeats account_id A first seen at row 2; the first row is kept"


def test_deals_for_unknown_accounts_and_negative_amounts_are_rejected(con, make_project):
    _, deals = validated(con, make_project)
    assert (deals.rows_in, deals.rows_used, deals.rows_rejected) == (4, 2, 2)
    assert records(deals.rejects) == [
        (3, "account_id", "DQ003", "row rejected"),
        (4, "amount", "DQ201", "row rejected"),
    ]
    reason = deals.rejects.order_by("_source_row").execute().reason.tolist()[0]
    assert reason == "account_id Z is not in accounts; add the account to accounts or fix the id"
    assert deals.clean.order_by("_source_row").is_won.execute().tolist() == [True, True]


ids = st.sampled_from(["A", "B", "C", "", " ", "A1"])
values = st.sampled_from(["12", "-4", "1,000", "51-200", "n/a", "abc", "", "1e99", "3.5k"])
lines = st.one_of(
    st.tuples(ids, values, values).map(lambda r: ",".join(r)),
    st.sampled_from(['X,"open quote,1', "Y,1,2,3,4", "Z"]),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.lists(lines, min_size=0, max_size=25))
def test_every_row_is_used_or_rejected_never_both(tmp_path_factory, body):
    folder = tmp_path_factory.mktemp("conservation")
    (folder / "accounts.csv").write_text("Id,NumberOfEmployees,AnnualRevenue\n" + "\n".join(body) + "\n")
    project = Project.model_validate({
        "root": folder, "sources": {"accounts": {"path": "accounts.csv", "preset": "salesforce"}},
        "segmentation": {"segments": [{"name": "Everyone", "when": "true"}]},
    })
    con = engine.connect()
    result = validate(load_source(con, project, "accounts"))
    used = set(result.clean.execute()._source_row)
    rejected = result.rejects.filter(result.rejects.action == "row rejected").execute()
    rejected_rows = set(rejected._source_row)
    assert len(rejected) == len(rejected_rows)  # one record per rejected row
    assert not used & rejected_rows
    assert result.rows_in == result.rows_used + result.rows_rejected
    assert len(used) == result.rows_used and len(rejected_rows) == result.rows_rejected
    # Every physical data line is accounted for, except lines swallowed by an unclosed quote.
    swallowed = {line for line in range(2, len(body) + 2)
                 if any(row < line for row in rejected_rows if "open quote" in body[row - 2])}
    assert used | rejected_rows | swallowed == set(range(2, len(body) + 2))

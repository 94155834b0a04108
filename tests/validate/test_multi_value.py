"""';'-separated columns are lists only where a preset or the project says so."""

from __future__ import annotations

import ibis
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segmint.exceptions import ConfigError
from segmint.io.sources import load_source
from segmint.pipeline import run
from segmint.validate.checks import validate
from segmint.validate.parsers import BLANK, OK, parse_list, parse_list_py

LIST_CASES = [
    ("Analytics;CRM", ["Analytics", "CRM"], "split"),
    (" Analytics ; CRM ;", ["Analytics", "CRM"], "split"),
    ("Food; drink; tobacco", ["Food", "drink", "tobacco"], "split"),  # declared, so split
    ("CRM", ["CRM"], "plain"),
    ("A;;B", ["A", "B"], "split"),
    ("A;n/a", ["A"], "plain"),  # a null spelling is no value
    ("A;A", ["A", "A"], "split"),  # as written; the products dimension keeps each once
    ("\u00a0A\u00a0;B", ["A", "B"], "split"),
    (";", BLANK),
    (" ; ", BLANK),
    ("", BLANK),
    ("N/A", BLANK),
    (None, BLANK),
]


def engine_reads(con, texts):
    t = ibis.memtable(pa.table({"i": list(range(len(texts))), "v": pa.array(texts, pa.string())}))
    p = parse_list(t.v)
    rows = con.to_pyarrow(t.select(t.i, v=p.value, s=p.status, r=p.rule).order_by("i")).to_pylist()
    return [(r["v"], r["s"], r["r"]) for r in rows]


def test_list_reads_declared_columns(con):
    texts = [c[0] for c in LIST_CASES]
    want = [(c[1], OK, c[2]) if len(c) == 3 else (None, c[1], None) for c in LIST_CASES]
    assert engine_reads(con, texts) == want
    assert [parse_list_py(s) for s in texts] == want


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(texts=st.lists(st.one_of(
    st.lists(st.sampled_from(["A", "b c", ";", " ", "\u00a0", "n/a", "", "NULL", "x;"]),
             max_size=6).map("".join), st.text(max_size=8), st.none()), min_size=1, max_size=30))
def test_engine_agrees_with_python_twin(con, texts):
    texts = [s.replace("\x00", "") if s else s for s in texts]  # DuckDB strings end at NUL
    assert engine_reads(con, texts) == [parse_list_py(s) for s in texts]


# --- loading ----------------------------------------------------------------------------------

YAML = """
sources:
  accounts: {path: accounts.csv%s}
  deals: {path: deals.csv%s}
segmentation:
  dimensions:
    products: {kind: products, source: deals}
  segments:
    - {name: BI buyers, when: '"BI" in products'}
    - {name: Retail, when: '"Retail" in segments__c'}
    - {name: Food and drink, when: 'sector__c == "Food; drink; tobacco"'}
  default: Other
"""
ACCOUNTS = """account_id,Segments__c,Sector__c
A,Retail;Wholesale,Food; drink; tobacco
B,Wholesale,Food; drink; tobacco
C,,Mining
D,Retail,Mining
"""
DEALS = """deal_id,account_id,product,is_won
d1,A,Core;BI,true
d2,B,Core,true
d3,C, BI ; Core ,false
d4,D,Core;;Support,true
"""


def project_with(make_project, accounts="", deals=""):
    return make_project(YAML % (accounts, deals), accounts__csv=ACCOUNTS, deals__csv=DEALS)


def test_a_declared_product_column_is_read_as_lists(con, make_project):
    project = project_with(make_project, deals=", multi_value: [product]")
    deals = validate(load_source(con, project, "deals"))
    assert deals.clean.order_by("_source_row").product.to_pyarrow().to_pylist() == [
        ["Core", "BI"], ["Core"], ["BI", "Core"], ["Core", "Support"]]


def test_an_undeclared_column_keeps_its_semicolons(con, make_project):
    project = project_with(make_project)
    deals = validate(load_source(con, project, "deals"))
    assert deals.clean.order_by("_source_row").product.to_pyarrow().to_pylist() == [
        "Core;BI", "Core", "BI ; Core", "Core;;Support"]
    accounts = load_source(con, project, "accounts")
    assert accounts.multi_value == ()


@pytest.mark.parametrize("name", ["Segments__c", "segments__c"])  # the header, or its rule name
def test_attribute_lists_and_products_held_work_in_rules(con, make_project, name):
    project = project_with(make_project, accounts=f", multi_value: [{name}]",
                           deals=", multi_value: [product]")
    result = run(project, con=con, write=False)
    segments = {r["account_id"]: r["segment"] for r in result.assignments.to_pyarrow().to_pylist()}
    # A won Core;BI: holds BI. B holds Core only, is no Retail account, and its sector text
    # keeps its semicolons. C's BI deal was lost. D is Retail.
    assert segments == {"A": "BI buyers", "B": "Food and drink", "C": "Other", "D": "Retail"}
    held = result.assignments.order_by("account_id").products.to_pyarrow().to_pylist()
    assert held == [["BI", "Core"], ["Core"], [], ["Core", "Support"]]


def test_the_hubspot_preset_splits_its_multiple_checkbox_columns(con, make_project):
    project = make_project(
        YAML % ("", ", preset: hubspot"), accounts__csv=ACCOUNTS,
        deals__csv="hs_object_id,associatedcompanyid,dealname,hs_tag_ids,Deal collaborator\n"
                   "1,A,Acme renewal,Renewal;Priority,jane@acme.com;raj@acme.com\n")
    loaded = load_source(con, project, "deals")
    assert loaded.multi_value == ("hs_tag_ids", "deal_collaborator")
    row = validate(loaded).clean.to_pyarrow().to_pylist()[0]
    assert (row["hs_tag_ids"], row["deal_collaborator"], row["name"]) == (
        ["Renewal", "Priority"], ["jane@acme.com", "raj@acme.com"], "Acme renewal")


@pytest.mark.parametrize(("option", "message"), [
    (", multi_value: [Segmnets__c]", "sources.accounts.multi_value has 'Segmnets__c', which is no "
                                     "column of accounts.csv. Did you mean 'Segments__c'?"),
    (", multi_value: [country], columns: {account_id: account_id, country: Sector__c}",
     "sources.accounts.multi_value has 'country', which segmint reads as one value (country); "
     "in accounts, extra attribute columns can hold lists."),
])
def test_a_bad_multi_value_entry_names_the_fix(con, make_project, option, message):
    project = project_with(make_project, accounts=option)
    with pytest.raises(ConfigError) as err:
        load_source(con, project, "accounts")
    assert str(err.value) == message

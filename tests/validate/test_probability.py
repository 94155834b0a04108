"""Deal probabilities: 0-100 or 0-1 decided per column, stored as a fraction from 0 to 1."""

from __future__ import annotations

import ibis
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segmint.config.presets import preset_columns
from segmint.io.sources import load_source
from segmint.validate.checks import validate
from segmint.validate.parsers import (
    BLANK,
    INVALID,
    OK,
    infer_probability_scale,
    infer_probability_scale_py,
    parse_probability,
    parse_probability_py,
)

PROPERTY = settings(max_examples=25, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def engine_reads(con, texts, **options):
    t = ibis.memtable(pa.table({"i": list(range(len(texts))), "p": pa.array(texts, pa.string())}))
    p = parse_probability(t.p, **options)
    rows = con.to_pyarrow(t.select(t.i, v=p.value, s=p.status, r=p.rule).order_by("i")).to_pylist()
    return [(r["v"], r["s"], r["r"]) for r in rows]


PERCENT_CASES = [  # a 0-100 column (Salesforce Probability, Dynamics closeprobability)
    ("10", 0.1, "percent"),
    ("45", 0.45, "percent"),
    ("100", 1.0, "percent"),
    ("0", 0.0, "percent"),
    ("12,5", 0.125, "percent"),  # decimal comma
    (" 90 ", 0.9, "percent"),
    ("0.5", 0.005, "percent"),  # the column is 0-100, so this is half a percent
    ("45%", 0.45, "percent_sign"),
    ("45 %", 0.45, "percent_sign"),
    ("150", INVALID),
    ("-5", INVALID),
    ("101%", INVALID),
    ("10-20", INVALID),  # a range is no probability
    ("5k", INVALID),
    ("likely", INVALID),
    ("%", INVALID),
    ("", BLANK),
    ("n/a", BLANK),
    (None, BLANK),
]
FRACTION_CASES = [  # a 0-1 column (HubSpot hs_deal_stage_probability)
    ("0.2", 0.2, "fraction"),
    ("1", 1.0, "fraction"),
    ("1.0", 1.0, "fraction"),
    (".9", 0.9, "fraction"),
    ("0", 0.0, "fraction"),
    ("0,25", 0.25, "fraction"),
    ("20%", 0.2, "percent_sign"),  # a sign settles its own value
    ("0.5%", 0.005, "percent_sign"),
    ("20", INVALID),
    ("1.5", INVALID),
    ("-0.1", INVALID),
    ("NULL", BLANK),
]


@pytest.mark.parametrize(("cases", "percent"), [(PERCENT_CASES, True), (FRACTION_CASES, False)],
                         ids=["percent", "fraction"])
def test_probability_reads_each_scale(con, cases, percent):
    texts = [c[0] for c in cases]
    want = [(c[1], OK, c[2]) if len(c) == 3 else (None, c[1], None) for c in cases]
    assert engine_reads(con, texts, percent=percent) == want
    assert [parse_probability_py(s, percent=percent) for s in texts] == want


TOKENS = [*"0123456789", ".", ",", "%", " ", "-", "+", "e", "k", "100", "0.", "n/a", "\u00a0"]
probability_text = st.one_of(st.lists(st.sampled_from(TOKENS), max_size=6).map("".join),
                             st.text(max_size=6), st.none())


@PROPERTY
@given(texts=st.lists(probability_text, min_size=1, max_size=40), percent=st.booleans())
def test_engine_agrees_with_python_twin(con, texts, percent):
    texts = [s.replace("\x00", "") if s else s for s in texts]  # DuckDB strings end at NUL
    assert engine_reads(con, texts, percent=percent) == [
        parse_probability_py(s, percent=percent) for s in texts]
    t = ibis.memtable(pa.table({"p": pa.array(texts, pa.string())}))
    e = infer_probability_scale(t.p)
    row = con.execute(t.aggregate(a=e.above_one, n=e.numbers)).values.tolist()
    twins = [infer_probability_scale_py(s) for s in texts]
    assert row == [[sum(a for a, _ in twins), sum(n for _, n in twins)]]


@pytest.mark.parametrize(("preset", "headers", "header"), [
    ("salesforce", ["Id", "AccountId", "Probability"], "Probability"),
    ("salesforce", ["Opportunity ID", "Account ID", "Probability (%)"], "Probability (%)"),
    ("hubspot", ["Record ID", "Associated Company IDs", "Deal probability"], "Deal probability"),
    ("hubspot", ["hs_object_id", "associatedcompanyid", "hs_deal_stage_probability"],
     "hs_deal_stage_probability"),
    ("hubspot", ["id", "company_id", "property_hs_deal_stage_probability"],
     "property_hs_deal_stage_probability"),
    ("dynamics", ["(Do Not Modify) Opportunity", "Potential Customer", "Probability"],
     "Probability"),
    ("dynamics", ["opportunityid", "customerid", "closeprobability"], "closeprobability"),
])
def test_presets_map_each_crms_probability(preset, headers, header):
    assert preset_columns(preset, "deals", headers)["probability"] == header


YAML = """
sources:
  accounts: {path: accounts.csv}
  deals: {path: deals.csv, preset: %s}
segmentation:
  segments: [{name: Everyone, when: "true"}]
"""


def load_deals(con, make_project, preset, deals):
    project = make_project(YAML % preset, accounts__csv="account_id\nA\n", deals__csv=deals)
    return validate(load_source(con, project, "deals"))


def probabilities(result):
    return result.clean.order_by("_source_row").probability.to_pyarrow().to_pylist()


def test_a_salesforce_column_on_0_to_100_is_read_as_percentages(con, make_project):
    deals = "Id,AccountId,Probability (%)\nd1,A,10\nd2,A,75%\nd3,A,100\nd4,A,150\nd5,A,\n"
    result = load_deals(con, make_project, "salesforce", deals)
    assert probabilities(result) == [0.1, 0.75, 1.0, None, None]
    assert result.notes == ("deals.probability: read as percentages (0-100): 3 of 3 values are "
                            "above 1.",)
    rejects = result.rejects.to_pyarrow().to_pylist()
    assert [(r["_source_row"], r["column"], r["check"], r["value"], r["reason"])
            for r in rejects] == [
        (5, "probability", "DQ010", "150", "not a probability from 0 to 1 (deals.probability is "
                                           "read as percentages (0-100)); the value was cleared")]


def test_a_hubspot_column_on_0_to_1_is_read_as_fractions(con, make_project):
    deals = ("hs_object_id,associatedcompanyid,hs_deal_stage_probability\n"
             "1,A,0.2\n2,A,1.0\n3,A,0\n4,A,40%\n")
    result = load_deals(con, make_project, "hubspot", deals)
    assert probabilities(result) == [0.2, 1.0, 0.0, 0.4]
    assert result.notes == ("deals.probability: read as fractions (0-1): none of 3 values is "
                            "above 1.",)


def test_a_typed_column_is_scaled_too(con, tmp_path):
    import pyarrow.parquet as pq

    from segmint.config.project import Project

    (tmp_path / "accounts.csv").write_text("account_id\nA\n")
    pq.write_table(pa.table({"Id": ["d1", "d2"], "AccountId": ["A", "A"],
                             "Probability": [20.0, 90.0]}), tmp_path / "deals.parquet")
    project = Project.model_validate({
        "root": tmp_path, "segmentation": {"segments": [{"name": "Everyone", "when": "true"}]},
        "sources": {"accounts": {"path": "accounts.csv"},
                    "deals": {"path": "deals.parquet", "preset": "salesforce"}}})
    result = validate(load_source(con, project, "deals"))
    assert probabilities(result) == [0.2, 0.9]

"""Assignment: band edges, rule order, the default template and the Unassigned reasons, by hand."""

from __future__ import annotations

from pathlib import Path

import ibis
import pytest

from segmint import tables as t
from segmint.config.project import Segmentation
from segmint.exceptions import RuleError
from segmint.segment.assign import assign, divisions_by_zero, unassigned_reasons

MODEL = {
    "dimensions": {
        "size": {"kind": "bands", "field": "employees", "edges": [200, 2000],
                 "labels": ["SMB", "Mid-Market", "Enterprise"]},
        "region": {"kind": "map", "field": "country", "builtin": "iso_region"},
        "sector": {"kind": "sector", "field": "naics",
                   "groups": {"Finance": ["52"], "Health": ["62"]}, "default": "Other"},
    },
    "segments": [
        {"name": "Strategic", "when": "employees >= 20000"},
        {"name": "FinServ EMEA", "when": 'sector in ["Finance"] and region == "EMEA"'},
        {"name": "Big health", "when": 'sector == "Health" and employees >= 1000'},
    ],
    "default": "{size}-{region}",
}

ACCOUNTS = {
    #             id    employees  country  naics
    "a": ("a", 199.0, "US", "541511"),
    "b": ("b", 200.0, "US", "541511"),
    "c": ("c", 1999.0, "DE", "541511"),
    "d": ("d", 2000.0, "BR", "541511"),
    "e": ("e", 50000.0, "DE", "522110"),   # Strategic beats FinServ EMEA (order)
    "f": ("f", 50.0, "FR", "522110"),      # FinServ EMEA
    "g": ("g", 5000.0, "JP", "622110"),    # Big health
    "h": ("h", None, "US", "541511"),      # no size
    "i": ("i", 10.0, None, "541511"),      # no country
    "j": ("j", None, None, None),          # nothing
    "k": ("k", 10.0, "ZZ", "541511"),      # a code the region map lacks
    "l": ("l", None, "GB", "522110"),      # FinServ EMEA needs no size
}


def run(model=MODEL, rows=ACCOUNTS):
    columns = list(zip(*rows.values()))
    table = ibis.memtable({"account_id": list(columns[0]), "employees": list(columns[1]),
                           "country": list(columns[2]), "naics": list(columns[3])},
                          schema={"account_id": "string", "employees": "float64",
                                  "country": "string", "naics": "string"})
    out = assign(table, Segmentation.model_validate(model)).order_by("account_id").execute()
    return {r.account_id: (r.segment, r.reason) for r in out.itertuples()}


def test_band_edges_are_lower_inclusive():
    result = run()
    assert result["a"][0] == "SMB-North America"          # 199 < 200
    assert result["b"][0] == "Mid-Market-North America"   # 200 is the first Mid-Market
    assert result["c"][0] == "Mid-Market-EMEA"            # 1999 < 2000
    assert result["d"][0] == "Enterprise-LATAM"           # 2000 is the first Enterprise


def test_rules_first_match_wins():
    result = run()
    assert result["e"] == ("Strategic", "rule 1: employees >= 20000")
    assert result["f"] == ("FinServ EMEA", 'rule 2: sector in ["Finance"] and region == "EMEA"')
    assert result["g"] == ("Big health", 'rule 3: sector == "Health" and employees >= 1000')
    assert result["l"][0] == "FinServ EMEA"


def test_default_reason_names_the_template():
    assert run()["a"] == ("SMB-North America", "default {size}-{region}")


def test_unassigned_reasons_name_the_missing_field():
    result = run()
    assert result["h"] == ("Unassigned", "employees missing")
    assert result["i"] == ("Unassigned", "country missing")
    assert result["j"] == ("Unassigned", "employees missing; country missing")
    assert result["k"] == ("Unassigned", "country ZZ has no region")


def test_builtin_region_map_agrees_with_enrichment():
    # Kosovo (XK) is not in ISO 3166 but CRMs use it; enrichment gives it a region, and so
    # must the iso_region dimension, or the two would disagree on the same account.
    assert run()["k"][0] == "Unassigned"
    rows = {**ACCOUNTS, "k": ("k", 10.0, "XK", "541511")}
    assert run(rows=rows)["k"] == ("SMB-EMEA", "default {size}-{region}")


def test_unrecognised_raw_value_is_named_in_the_reason():
    model = {**MODEL, "segments": []}
    table = ibis.memtable({"account_id": ["a", "b"], "employees": [10.0, 10.0],
                           "country": [None, None], "country_raw": ["Earth", None],
                           "naics": ["52", "52"]})
    out = assign(table, Segmentation.model_validate(model)).order_by("account_id").execute()
    assert out.reason.tolist() == ["country Earth not recognised", "country missing"]


def test_every_account_gets_exactly_one_segment():
    result = run()
    assert sorted(result) == sorted(ACCOUNTS)


def test_reordering_rules_changes_the_winner():
    model = {**MODEL, "segments": list(reversed(MODEL["segments"]))}
    assert run(model)["e"] == ("FinServ EMEA", 'rule 2: sector in ["Finance"] and region == "EMEA"')


def test_without_a_default_unmatched_accounts_are_unassigned():
    model = {**MODEL, "default": None}
    assert run(model)["a"] == ("Unassigned", "no rule matched and there is no default")


def test_dimension_reading_an_unknown_field_is_a_clear_error():
    model = {**MODEL, "dimensions": {**MODEL["dimensions"],
             "size": {**MODEL["dimensions"]["size"], "field": "employes"}}}
    with pytest.raises(RuleError, match="reads field 'employes'.*Did you mean 'employees'"):
        run(model)


def test_rule_with_unknown_column_is_a_clear_error():
    model = {**MODEL, "segments": [{"name": "X", "when": "regoin == 'EMEA'"}]}
    with pytest.raises(RuleError, match="region"):
        run(model)


# What the CRM said beside each enriched value: country_raw is kept by enrichment, and a
# country it could not read is blank with the raw value kept.
RAW = {
    #        id    employees  country  country_raw           naics
    "a": ("a", 199.0, "US", "USA", "541511"),            # default
    "e": ("e", 50000.0, "DE", "Germany", "522110"),      # rule 1
    "h": ("h", None, "US", "US", "541511"),              # no employees
    "k": ("k", 10.0, "ZZ", "ZZ", "541511"),              # a code the region map lacks
    "m": ("m", None, None, "Earth; Mars", "541511"),     # no employees, country unreadable
    "n": ("n", 10.0, None, None, "541511"),              # no country at all
}


def raw_accounts(rows=RAW):
    columns = list(zip(*rows.values()))
    return ibis.memtable(
        dict(zip(["account_id", "employees", "country", "country_raw", "naics"], columns)),
        schema={"account_id": "string", "employees": "float64", "country": "string",
                "country_raw": "string", "naics": "string"})


def reason_rows(con, model=MODEL):
    out = assign(raw_accounts(), Segmentation.model_validate(model))
    out = out.select(t.ACCOUNT_ID, t.SEGMENT, *t.REASON_COLUMNS).order_by(t.ACCOUNT_ID)
    return {r[t.ACCOUNT_ID]: tuple(list(r.values())[1:]) for r in con.to_pyarrow(out).to_pylist()}


def test_reason_as_data_beside_the_readable_reason(con):
    # segment, reason, reason_code, dimension, field, value
    assert reason_rows(con) == {
        "a": ("SMB-North America", "default {size}-{region}", "default", None, None,
              "{size}-{region}"),
        "e": ("Strategic", "rule 1: employees >= 20000", "rule", None, "Strategic",
              "employees >= 20000"),
        "h": ("Unassigned", "employees missing", "missing", "size", "employees", None),
        "k": ("Unassigned", "country ZZ has no region", "unmapped", "region", "country", "ZZ"),
        # two reasons: the columns hold the first in the template's order, the text both
        "m": ("Unassigned", "employees missing; country Earth; Mars not recognised", "missing",
              "size", "employees", None),
        "n": ("Unassigned", "country missing", "missing", "region", "country", None),
    }


def test_unassigned_reasons_has_one_row_per_reason(con):
    model = Segmentation.model_validate(MODEL)
    accounts = raw_accounts()
    rows = unassigned_reasons(assign(accounts, model), accounts, model)
    assert con.to_pyarrow(rows.order_by(t.ACCOUNT_ID, t.DIMENSION)).to_pylist() == [
        {"account_id": "h", "reason_code": "missing", "dimension": "size", "field": "employees",
         "value": None},
        {"account_id": "k", "reason_code": "unmapped", "dimension": "region", "field": "country",
         "value": "ZZ"},
        {"account_id": "m", "reason_code": "unrecognised", "dimension": "region",
         "field": "country", "value": "Earth; Mars"},
        {"account_id": "m", "reason_code": "missing", "dimension": "size", "field": "employees",
         "value": None},
        {"account_id": "n", "reason_code": "missing", "dimension": "region", "field": "country",
         "value": None},
    ]


def test_without_a_default_the_reason_code_is_no_default(con):
    model = {**MODEL, "default": None}
    rows = reason_rows(con, model)
    assert rows["a"] == ("Unassigned", "no rule matched and there is no default", "no_default",
                         None, None, None)
    assert rows["e"][:3] == ("Strategic", "rule 1: employees >= 20000", "rule")
    validated = Segmentation.model_validate(model)
    accounts = raw_accounts()
    long = unassigned_reasons(assign(accounts, validated), accounts, validated)
    assert con.to_pyarrow(long.order_by(t.ACCOUNT_ID)).to_pylist() == [
        {"account_id": a, "reason_code": "no_default", "dimension": None, "field": None,
         "value": None} for a in ("a", "h", "k", "m", "n")]


def test_every_reason_code_is_documented_in_the_readme():
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    table = readme.split("| reason_code |", 1)[1].split("\n\n", 1)[0]
    documented = [line.split("|")[1].strip(" `") for line in table.splitlines()[2:]]
    assert documented == list(t.REASON_CODES)


def test_a_rule_dividing_by_a_column_that_is_zero_for_some_accounts_is_a_warning():
    # a: no employees to divide by; b: fine; c: revenue per employee of a dimension's input
    model = Segmentation.model_validate({
        "dimensions": {"size": {"kind": "bands", "field": "employees", "edges": [10],
                                "labels": ["S", "L"]}},
        "segments": [{"name": "Lean", "when": "annual_revenue / employees > 1e6"},
                     {"name": "Odd", "when": 'size == "S" and employees / (employees - 5) > 2'},
                     {"name": "Fine", "when": "employees / 2 > 1"}]})
    accounts = ibis.memtable({"account_id": ["a", "b", "c"], "employees": [0.0, 20.0, 5.0],
                              "annual_revenue": [1e6, 3e7, None]})
    assert divisions_by_zero(accounts, model) == [
        "segmentation.segments[1] (Lean): the rule divides by employees, which is 0 for 1 "
        "account; a division by zero has no value, so the rule cannot match them.",
        "segmentation.segments[2] (Odd): the rule divides by employees - 5, which is 0 for 1 "
        "account; a division by zero has no value, so the rule cannot match them."]

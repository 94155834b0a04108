"""Assignment: band edges, rule order, the default template and the Unassigned reasons, by hand."""

from __future__ import annotations

import ibis
import pytest

from segmint.config.project import Segmentation
from segmint.exceptions import RuleError
from segmint.segment.assign import assign

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

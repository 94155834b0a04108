"""Inheritance from parents: a 3-level hierarchy and a cycle, worked by hand."""

from __future__ import annotations

import ibis

from segmint.enrich.parents import inherit_from_parents

# top (US, 5221, 9000 staff) <- mid (no country, no naics) <- leaf (no country, own naics 62)
# x <-> y: a cycle, neither knows anything; z -> ghost (a parent not in the file); w: no parent.
ACCOUNTS = {
    "account_id": ["top", "mid", "leaf", "x", "y", "z", "w"],
    "parent_id": [None, "top", "mid", "y", "x", "ghost", None],
    "country": ["US", None, None, None, None, None, "DE"],
    "region": ["North America", None, None, None, None, None, "EMEA"],
    "naics": ["5221", None, "62", None, None, None, None],
    "naics_sector": ["52", None, "62", None, None, None, None],
    "sector_title": ["Finance and Insurance", None, "Health Care and Social Assistance",
                     None, None, None, None],
    "naics_source": ["naics", None, "naics", None, None, None, None],
    "industry": ["Banking", None, None, None, None, None, None],
    "employees": [9000.0, None, 40.0, None, None, None, None],
}


def rows(groups, **kwargs):
    table = ibis.memtable(ACCOUNTS)
    out = inherit_from_parents(table, groups, **kwargs).execute().set_index("account_id")
    assert len(out) == len(ACCOUNTS["account_id"])  # never adds or drops an account
    return out


def test_three_levels_and_a_cycle():
    out = rows(["industry", "country"])
    assert out.loc["mid", ["country", "region", "country_source"]].tolist() == [
        "US", "North America", "parent"]
    assert out.loc["leaf", ["country", "country_source"]].tolist() == ["US", "parent"]  # 2 up
    assert out.loc["mid", ["naics", "naics_sector", "naics_source", "industry",
                           "industry_source"]].tolist() == ["5221", "52", "parent", "Banking",
                                                             "parent"]
    # leaf keeps its own code; its blank industry text is not filled since its code is its own
    assert out.loc["leaf", ["naics", "industry_source", "industry"]].tolist()[:2] == ["62", "own"]
    assert out.loc["top", ["country_source", "industry_source"]].tolist() == ["own", "own"]
    for unknown in ("x", "y", "z"):  # a cycle, or a parent not in the file: still unknown
        assert out.loc[unknown, ["country", "country_source", "naics"]].isna().all()
    assert out.loc["w", "country_source"] == "own" and out.loc["w", "industry_source"] is None
    assert "employees_source" not in out.columns  # parent size is off unless asked for


def test_depth_cap_stops_the_walk():
    out = rows(["country"], max_depth=1)
    assert out.loc["mid", "country"] == "US" and out.loc["leaf", "country"] is None


def test_subsidiaries_take_the_parents_size_when_asked():
    out = rows(["employees"])
    assert out.loc["mid", ["employees", "employees_source"]].tolist() == [9000.0, "parent"]
    assert out.loc["leaf", ["employees", "employees_source"]].tolist() == [40.0, "own"]

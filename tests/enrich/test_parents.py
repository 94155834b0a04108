"""Inheritance from parents: a 3-level hierarchy and a cycle, worked by hand."""

from __future__ import annotations

import ibis
from hypothesis import given, settings
from hypothesis import strategies as st

from segmint.enrich.names import company_name_first_word, normalise_company_name
from segmint.enrich.parents import inherit_from_parents, resolve_parent_names

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


# Parents given by name (Dynamics' "Parent Account"), worked by hand:
#   g1 Contoso Ltd         no parent
#   g2 Fabrikam Inc        "CONTOSO, Ltd."      -> g1 by name (case, comma and legal form ignored)
#   g3 Northwind Traders   "g1"                 -> g1 by id
#   g4 Northwind Traders GmbH  "Ghost Corp"     -> no id, no name: unknown
#   g5 Tailspin            "Northwind Traders"  -> g3 and g4 both normalise to it: ambiguous
#   g6 Litware             "Litware Inc"        -> only g6 itself has that name: unknown
#   acme Acme Holdings     no parent
#   x9 Acme                "acme"               -> the id of acme, though also x9's own name: id
#   x8 Blank Parent        "Ltd."               -> nothing left once the legal form goes: unknown
NAMED = {
    "account_id": ["g1", "g2", "g3", "g4", "g5", "g6", "acme", "x9", "x8"],
    "name": ["Contoso Ltd", "Fabrikam Inc", "Northwind Traders", "Northwind Traders GmbH",
             "Tailspin", "Litware", "Acme Holdings", "Acme", "Blank Parent"],
    "parent_id": [None, "CONTOSO, Ltd.", "g1", "Ghost Corp", "Northwind Traders", "Litware Inc",
                  None, "acme", "Ltd."],
    "country": ["US", None, None, None, None, None, None, None, None],
}


def resolved(con, accounts=NAMED):
    out = con.to_pyarrow(resolve_parent_names(ibis.memtable(accounts))).to_pylist()
    assert len(out) == len(accounts["account_id"])  # never adds or drops an account
    return {r["account_id"]: (r["parent_id"], r["parent_source"]) for r in out}


def test_parents_given_by_name_resolve_to_the_one_account_with_that_name(con):
    assert resolved(con) == {
        "g1": (None, None),
        "g2": ("g1", "name"),
        "g3": ("g1", "id"),
        "g4": ("Ghost Corp", "unknown"),
        "g5": ("Northwind Traders", "ambiguous"),  # left as written
        "g6": ("Litware Inc", "unknown"),  # an account is not its own parent by name
        "acme": (None, None),
        "x9": ("acme", "id"),  # an id wins over a name
        "x8": ("Ltd.", "unknown"),
    }


def test_a_parent_found_by_name_passes_its_values_down(con):
    rows = con.to_pyarrow(inherit_from_parents(ibis.memtable(NAMED), ["country"])).to_pylist()
    found = {r["account_id"]: (r["country"], r["country_source"], r["parent_source"]) for r in rows}
    # g2 names Contoso: it takes g1's country; g3 gives g1's id: the same; g5 stays unknown
    assert (found["g2"], found["g3"], found["g5"]) == (
        ("US", "parent", "name"), ("US", "parent", "id"), (None, None, "ambiguous"))


def test_without_names_parents_are_found_by_id_only(con):
    accounts = {k: v for k, v in NAMED.items() if k != "name"}
    found = resolved(con, accounts)
    assert (found["g2"], found["g3"]) == (("CONTOSO, Ltd.", "unknown"), ("g1", "id"))


WORDS = ["the", "The", "acme", "ACME", "Société", "Ötztal", "3M", "co", "Inc.", "GmbH", "&",
         "S.A.", "株式会社", "山田", "(株)", "Ltd", "ß", "Æther", ",", "-", "  ", "Kg", "l.l.c."]


@settings(max_examples=200, deadline=None)
@given(names=st.lists(st.lists(st.sampled_from(WORDS), min_size=1, max_size=5).map(" ".join),
                      min_size=1, max_size=20))
def test_the_cheap_first_word_is_the_first_word_of_the_key(names):
    # The narrowing resolve_parent_names relies on: where the cheap word is known, the key
    # starts with it (or there is no key), so no name that could match is left out.
    table = ibis.memtable({"name": names})
    got = table.select(word=company_name_first_word(table.name),
                       key=normalise_company_name(table.name)).to_pyarrow().to_pylist()
    for name, row in zip(names, got):
        if row["word"] is not None and row["key"] is not None:
            assert row["key"].split(" ")[0] == row["word"], name


def test_every_account_of_a_hierarchy_has_the_top_as_its_family():
    out = rows(["industry", "country"])
    assert out["family_id"].to_dict() == {
        "top": "top", "mid": "top", "leaf": "top",  # 3 levels
        "x": "x", "y": "x",  # a cycle: its smallest id
        "z": "z",  # its parent 'ghost' is no account: the top in the data is z itself
        "w": "w",  # no parent
    }


# g <- c <- p: three levels; k -> n -> m -> k: a cycle, with t hanging from n; s is its own
# parent; o names a parent that is no account, and oc hangs from o.
FAMILIES = {
    "account_id": ["g", "c", "p", "m", "k", "n", "t", "s", "o", "oc"],
    "parent_id": ["c", "p", None, "k", "n", "m", "n", "s", "Ghost Corp", "o"],
    "name": ["Gamma", "Charlie", "Papa", "Mike", "Kilo", "November", "Tango", "Sierra", "Oscar",
             "Oscar Child"],
}


def families(con, accounts=FAMILIES, groups=(), **kwargs) -> dict[str, str]:
    out = con.to_pyarrow(inherit_from_parents(ibis.memtable(accounts), groups, **kwargs))
    found = {r["account_id"]: r["family_id"] for r in out.to_pylist()}
    assert len(found) == len(accounts["account_id"])  # never adds or drops an account
    return found


def test_families_of_a_hierarchy_a_cycle_and_an_orphan(con):
    assert families(con) == {
        "g": "p", "c": "p", "p": "p",
        "m": "k", "k": "k", "n": "k", "t": "k",  # the cycle's smallest id, its tail too
        "s": "s",  # its own parent
        "o": "o", "oc": "o",  # the orphan heads its family
    }


def test_families_do_not_depend_on_row_order(con):
    reversed_rows = {column: values[::-1] for column, values in FAMILIES.items()}
    assert families(con, reversed_rows) == families(con)


def test_a_walk_cut_at_max_depth_takes_the_smallest_id_it_met(con):
    found = families(con, max_depth=1)
    # g reaches c, not p: the smallest id met is c. c reaches p, a top, as before.
    assert (found["g"], found["c"], found["p"]) == ("c", "p", "p")
    assert found["t"] == "n"  # t meets n only


def test_a_parent_given_by_name_joins_its_family(con):
    accounts = {"account_id": ["a", "b"], "name": ["Contoso Ltd", "Fabrikam"],
                "parent_id": [None, "CONTOSO LTD."]}
    assert families(con, accounts, ["country"]) == {"a": "a", "b": "a"}


def test_without_parent_ids_every_account_is_its_own_family(con):
    assert families(con, {"account_id": ["a", "b"]}) == {"a": "a", "b": "b"}

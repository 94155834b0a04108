"""Owners of accounts found in the owners table by id, email or name, worked by hand."""

from __future__ import annotations

import ibis

from segmint.enrich.owners import link_owners

# Owners as a Salesforce user export gives them (18-character ids), plus a HubSpot-style one.
OWNERS = {
    "owner_id": ["005A000000Xy1ZQIAZ", "005A000000Xy1ZRIAZ", "9586504", "9586505", "9586506"],
    "name": ["Jane Roe", "Sam Okafor", "Ana Ruiz", "Li Wei", "Li  WEI"],
    "email": ["jane.roe@acme.com", "sam.okafor@acme.com", "ana.ruiz@acme.com", None,
              "li.wei@acme.com"],
    "active": [True, False, None, True, False],
}
# a1: Jane's 15-character id (a report)  a2: Sam's 18-character id (the API)
# a3: Ana's email, in capitals            a4: Sam by name, spaced and cased differently
# a5: two owners are called Li Wei         a6: nobody                 a7: no owner
ACCOUNTS = {
    "account_id": ["a1", "a2", "a3", "a4", "a5", "a6", "a7"],
    "owner_id": ["005A000000Xy1ZQ", "005A000000Xy1ZRIAZ", "ANA.RUIZ@acme.com", " sam  okafor",
                 "Li Wei", "Pat Doe", None],
}


def test_each_account_finds_its_owner_by_id_email_or_name(con):
    out = con.to_pyarrow(link_owners(ibis.memtable(ACCOUNTS), ibis.memtable(OWNERS)))
    found = {r["account_id"]: (r["owner_match"], r["matched_owner_id"], r["owner_active"])
             for r in out.to_pylist()}
    kept = {r["account_id"]: r["owner_id"] for r in out.to_pylist()}
    assert found == {
        "a1": ("id", "005A000000Xy1ZQIAZ", True),
        "a2": ("id", "005A000000Xy1ZRIAZ", False),
        "a3": ("email", "9586504", None),  # active not given
        "a4": ("name", "005A000000Xy1ZRIAZ", False),
        "a5": ("ambiguous", None, None),
        "a6": ("unknown", None, None),
        "a7": (None, None, None),
    }
    assert kept == dict(zip(ACCOUNTS["account_id"], ACCOUNTS["owner_id"]))  # as exported

"""The fixes that free the most Unassigned accounts, read from the reasons as data, by hand."""

from __future__ import annotations

import ibis
import pytest

from segmint import engine
from segmint import tables as t
from segmint.audit import unassigned_fixes
from segmint.config.project import Segmentation
from segmint.segment.assign import assign, unassigned_reasons

LABELS = {"employees": "NumberOfEmployees", "country": "BillingCountry", "tier_c": "Tier__c"}
MODEL = Segmentation.model_validate({
    "dimensions": {
        "size": {"kind": "bands", "field": "employees", "edges": [200], "labels": ["SMB", "ENT"]},
        "region": {"kind": "map", "field": "country", "builtin": "iso_region"},
        "tier": {"kind": "map", "field": "tier_c", "values": {"Gold": "A", "Silver": "B"}},
    },
    "default": "{size}-{region}-{tier}",
})
# Values holding the separators the readable reasons use ("; ", " -> ", ", ", " has no ").
ACCOUNTS = {
    #       employees  country  country_raw              tier_c
    "p1": (10.0, None, "Earth; Mars", "Gold"),
    "p2": (10.0, None, "Earth; Mars", "Gold"),
    "p3": (None, None, "Moon, Sun (TBD) -> x", "Gold"),
    "p4": (10.0, "US", "USA", "Bronze; Gold | has no tier"),
    "p5": (None, "FR", "France", "Gold"),
    "p6": (10.0, "US", "USA", "Gold"),
    "p7": (10.0, None, "Earth; Mars", "Tin -> Gold"),
}


def accounts_table(rows=ACCOUNTS):
    columns = list(zip(*rows.values()))
    return ibis.memtable(
        {"account_id": list(rows), "employees": list(columns[0]), "country": list(columns[1]),
         "country_raw": list(columns[2]), "tier_c": list(columns[3])},
        schema={"account_id": "string", "employees": "float64", "country": "string",
                "country_raw": "string", "tier_c": "string"})


def run_kept(con, model=MODEL, rows=ACCOUNTS):
    """As a run does: assignments kept in the engine, the reasons read from them."""
    accounts = accounts_table(rows)
    kept = engine.materialise(con, assign(accounts, model).select(
        t.ACCOUNT_ID, *model.dimensions, t.SEGMENT, *t.REASON_COLUMNS), "assignments")
    reasons = engine.materialise(con, unassigned_reasons(kept, accounts, model), "reasons")
    return kept, reasons


def test_values_with_separators_are_one_value_each(con):
    assignments, reasons = run_kept(con)
    readable = {r[t.ACCOUNT_ID]: r[t.REASON] for r in con.to_pyarrow(assignments).to_pylist()}
    assert readable == {  # the readable reasons are as they always were
        "p1": "country Earth; Mars not recognised",
        "p2": "country Earth; Mars not recognised",
        "p3": "employees missing; country Moon, Sun (TBD) -> x not recognised",
        "p4": "tier_c Bronze; Gold | has no tier has no tier",
        "p5": "employees missing",
        "p6": "default {size}-{region}-{tier}",
        "p7": "country Earth; Mars not recognised; tier_c Tin -> Gold has no tier",
    }
    fixes = unassigned_fixes(reasons, LABELS)
    assert fixes.to_dict("records") == [
        {"fix": "correct BillingCountry for 4 accounts (not recognised: Earth; Mars, "
                "Moon, Sun (TBD) -> x)",
         "reason_code": "unrecognised", "dimension": None, "field": "country",
         "accounts_freed": 2, "accounts_affected": 4,
         "examples": "Earth; Mars, Moon, Sun (TBD) -> x"},
        {"fix": "fill NumberOfEmployees for 2 accounts",
         "reason_code": "missing", "dimension": None, "field": "employees",
         "accounts_freed": 1, "accounts_affected": 2, "examples": ""},
        {"fix": "map Tier__c values to a tier for 2 accounts (Bronze; Gold | has no tier, "
                "Tin -> Gold): add them under the dimension's values",
         "reason_code": "unmapped", "dimension": "tier", "field": "tier_c",
         "accounts_freed": 1, "accounts_affected": 2,
         "examples": "Bronze; Gold | has no tier, Tin -> Gold"},
    ]


def test_a_field_two_dimensions_read_is_one_fix(con):
    # region and territory both read country: filling it frees the account, so it is one fix
    # that frees both accounts, not two fixes that free none.
    model = Segmentation.model_validate({
        "dimensions": {
            "region": {"kind": "map", "field": "country", "builtin": "iso_region"},
            "territory": {"kind": "map", "field": "country", "values": {"US": "West"}}},
        "default": "{region}/{territory}"})
    rows = {"q1": (10.0, None, None, "Gold"), "q2": (10.0, None, None, "Gold"),
            "q3": (10.0, "FR", "France", "Gold")}
    _, reasons = run_kept(con, model, rows)
    assert unassigned_fixes(reasons, LABELS)[["fix", "dimension", "accounts_freed",
                                               "accounts_affected"]].values.tolist() == [
        ["fill BillingCountry for 2 accounts", None, 2, 2],
        ["map BillingCountry values to a territory for 1 accounts (FR): add them under the "
         "dimension's values", "territory", 1, 1],
    ]


def test_fixes_are_ranked_by_accounts_freed(con):
    # 243 miss employees only, 2 miss employees and country, 3 have an unknown country only.
    rows = [(f"e{i}", "missing", "size", "employees", None) for i in range(243)]
    rows += [(f"b{i}", code, dimension, field, None) for i in range(2) for code, dimension, field
             in (("missing", "size", "employees"), ("missing", "region", "country"))]
    rows += [(f"c{i}", "unrecognised", "region", "country", "Earth") for i in range(3)]
    columns = (t.ACCOUNT_ID, t.REASON_CODE, t.DIMENSION, t.FIELD, t.VALUE)
    reasons = engine.materialise(con, ibis.memtable(
        dict(zip(columns, zip(*rows))), schema=dict.fromkeys(columns, "string")), "reasons")
    fixes = unassigned_fixes(reasons, LABELS)
    assert fixes[["fix", "accounts_freed", "accounts_affected"]].values.tolist() == [
        ["fill NumberOfEmployees for 245 accounts", 243, 245],
        ["correct BillingCountry for 3 accounts (not recognised: Earth)", 3, 3],
        ["fill BillingCountry for 2 accounts", 0, 2],
    ]


@pytest.mark.parametrize("count", [6, 7])
def test_five_examples_are_shown_then_an_ellipsis(con, count):
    rows = {f"r{i}": (10.0, None, f"Planet {i}", "Gold") for i in range(count)}
    _, reasons = run_kept(con, rows=rows)
    [fix] = unassigned_fixes(reasons, LABELS).examples.tolist()
    shown = ", ".join(f"Planet {i}" for i in range(5))
    assert fix == shown + ", ..."

"""Open pipeline weighted by each deal's probability of closing, worked by hand."""

from __future__ import annotations

import ibis

from segmint.analyse.deals import open_pipeline

SCHEMA = {"deal_id": "string", "account_id": "string", "amount": "float64", "stage": "string",
          "is_won": "boolean", "is_closed": "boolean", "deal_type": "string",
          "created_date": "date", "close_date": "date", "probability": "float64"}
#        id   account amount   stage        won    closed probability
DEALS = [("1", "a", 1000.0, "Proposal", False, False, 0.25),  # 250.00
         ("2", "a", 333.33, "Proposal", False, False, 0.5),  # 166.665 → 166.67 (to the cent)
         ("3", "b", None, "Proposal", False, False, 0.9),  # no amount: adds nothing
         ("4", "b", 800.0, "Proposal", False, False, None),  # no probability: adds nothing
         ("5", "b", 200.0, "Negotiation", False, False, 0.8),  # 160.00
         ("6", "a", 5000.0, "Closed Won", True, True, 1.0)]  # closed: not pipeline


def pipeline(con, rows=DEALS):
    columns = list(zip(*[(i, a, amt, st, w, c, None, None, None, p)
                         for i, a, amt, st, w, c, p in rows], strict=True))
    deals = ibis.memtable(dict(zip(SCHEMA, columns, strict=True)), schema=SCHEMA)
    assignments = ibis.memtable({"account_id": ["a", "b"], "segment": ["SMB", "SMB"]})
    table = open_pipeline(deals, assignments).filter(ibis._.segment == "SMB").order_by("stage")
    return [(r["stage"], r["open_deals"], r["open_amount"], r["weighted_amount"])
            for r in con.to_pyarrow(table).to_pylist()]


def test_weighted_pipeline_sums_amount_times_probability(con):
    assert pipeline(con) == [("Negotiation", 1, 200.0, 160.0),
                             ("Proposal", 4, 2133.33, 416.67)]


def test_no_probability_leaves_the_weighted_amount_empty(con):
    rows = [(*row[:6], None) for row in DEALS]
    assert pipeline(con, rows) == [("Negotiation", 1, 200.0, None),
                                   ("Proposal", 4, 2133.33, None)]

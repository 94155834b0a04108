"""Micro-segment profiles: size, ARR and what sets each micro-segment apart from its parent group.

Sums and counts per micro-segment and per parent group are computed in the engine; the lifts
and labels are worked out on the result, one row per micro-segment. A feature's lift is the
micro-segment's value over its parent group's: purchases a year and spend per purchase as
geometric means (the features are logs), an item as its share of the invoice lines, a
channel as the share of customers buying mainly through it. A lift of at least `NOTABLE`
(or at most its inverse) is over- (under-) represented; the label names the strongest over-
represented features in words, such as "high-frequency, Training-heavy, Self-serve-led" or
"Partner-sourced" (a lead source's share of the deals).
"""

from __future__ import annotations

import datetime as dt
import math

import ibis
import ibis.expr.types as ir
import pandas as pd

from segmint import tables as t
from segmint.money import sum_to_the_cent
from segmint.score.micro.features import (ITEM_LINES, LEAD_SOURCE_DEALS, LOG_PURCHASES,
                                          LOG_TICKET)

NOTABLE = 1.5  # a lift this far from 1 (either way) is worth naming
LABEL_WORDS = 3  # the label names at most this many features
PARENT, MICRO_SEGMENT = "parent", "micro_segment"
NRR_12M, CLV_PER_CUSTOMER = "nrr_12m", "clv_per_customer"
PROFILE_COLUMNS = (PARENT, MICRO_SEGMENT, "label", "customers", "share_of_parent", t.ARR,
                   NRR_12M, CLV_PER_CUSTOMER, "purchases_per_year", "mean_ticket",
                   "over_represented", "under_represented")
PROFILE_TYPES = {PARENT: "string", MICRO_SEGMENT: "string", "label": "string",
                 "customers": "int64", "share_of_parent": "float64", t.ARR: "float64",
                 NRR_12M: "float64", CLV_PER_CUSTOMER: "float64",
                 "purchases_per_year": "float64", "mean_ticket": "float64",
                 "over_represented": "string", "under_represented": "string"}
# numeric features: (column, word when high, word when low)
NUMERIC_WORDS = ((LOG_PURCHASES, "high-frequency", "low-frequency"),
                 (LOG_TICKET, "large-ticket", "small-ticket"))


def profiles(members: ir.Table, features: ir.Table, accounts: ir.Table,
             families: dict[str, list[str]], levels: dict[str, list[str]], *,
             revenue: ir.Table | None = None, as_of: dt.date | None = None) -> pd.DataFrame:
    """A row per micro-segment, ordered by parent and micro-segment: its label, customers,
    share of its parent's customers, ARR (summed to the cent), net revenue retention over
    the twelve months to `as_of`, CLV per customer, geometric-mean purchases a year and spend
    per purchase, and the over- and under-represented features with their lifts ("Training
    lines ×3.2; ...").

    `members` is ``account_id``, ``parent`` and ``micro_segment``; `features` the behaviour
    features (`segmint.score.micro.features.behaviour_features`); `families` its count
    families and `levels` the levels of each family, in the same order. NRR is the ARR in
    `as_of`'s month of the members that had ARR twelve months before, over that earlier ARR
    (12 × MRR of each month in `revenue`); it is null without `revenue` or without such
    members, and CLV per customer null unless the accounts carry a ``clv`` score.

    Examples
    --------
    Two micro-segments of one parent: A buys Training only, B Consulting only, both through
    Direct; A twice as often.

    >>> members = ibis.memtable({"account_id": ["a", "b"], "parent": ["All", "All"],
    ...     "micro_segment": ["All / 1", "All / 2"]})
    >>> features = ibis.memtable({"account_id": ["a", "b"],
    ...     "log_purchases_per_year": [math.log(4), math.log(2)],
    ...     "log_mean_ticket": [math.log(100), math.log(100)],
    ...     "item_lines_consulting": [0, 3], "item_lines_training": [5, 0],
    ...     "main_channel_direct": [1, 1]})
    >>> accounts = ibis.memtable({"account_id": ["a", "b"], "arr": [1000.10, 500.0]})
    >>> families = {"item_lines": ["item_lines_consulting", "item_lines_training"],
    ...             "main_channel": ["main_channel_direct"]}
    >>> levels = {"item_lines": ["Consulting", "Training"], "main_channel": ["Direct"]}
    >>> p = profiles(members, features, accounts, families, levels)
    >>> p.label.tolist()
    ['Training-heavy', 'Consulting-heavy']
    >>> p.over_represented.tolist()[0], p.under_represented.tolist()[0]
    ('Training lines ×1.6', 'Consulting lines ×0.0')
    >>> p.arr.tolist(), p.purchases_per_year.round(2).tolist()
    ([1000.1, 500.0], [4.0, 2.0])

    With revenue, a's MRR from 100 to 120 over the year (NRR 1.2) and b's from 50 to 0:

    >>> import datetime as dt
    >>> revenue = ibis.memtable({"account_id": ["a", "a", "b"], "mrr": [100.0, 120.0, 50.0],
    ...     "period": [dt.date(2024, 6, 1), dt.date(2025, 6, 1), dt.date(2024, 6, 1)]})
    >>> p = profiles(members, features, accounts, families, levels, revenue=revenue,
    ...              as_of=dt.date(2025, 6, 30))
    >>> p.nrr_12m.tolist(), p.clv_per_customer.isna().all()
    ([1.2, 0.0], np.True_)
    """
    counts = [c for columns in families.values() for c in columns]
    numeric = [c for c, _, _ in NUMERIC_WORDS]
    money = {"_arr": accounts[t.ARR].cast("float64").fill_null(0.0)
             if t.ARR in accounts.columns else ibis.literal(0.0),
             "_clv": accounts[t.CLV].cast("float64")
             if t.CLV in accounts.columns else ibis.null("float64")}
    rows = members.join(features, t.ACCOUNT_ID).join(
        accounts.select(t.ACCOUNT_ID, **money), t.ACCOUNT_ID)
    if revenue is not None and as_of is not None:
        rows = rows.left_join(_arr_a_year_apart(revenue, as_of), t.ACCOUNT_ID).drop(
            f"{t.ACCOUNT_ID}_right")
    else:
        rows = rows.mutate(_then=ibis.null("float64"), _now=ibis.null("float64"))

    def sums(keys: list[str]) -> pd.DataFrame:
        kept = rows._then.fill_null(0) > 0
        return rows.group_by(keys).aggregate(
            customers=rows.count(), **{t.ARR: sum_to_the_cent(rows._arr)},
            _then=rows._then.sum(where=kept), _now=rows._now.fill_null(0).sum(where=kept),
            _clv=rows._clv.mean(),
            **{c: rows[c].mean() for c in numeric},
            **{c: rows[c].cast("float64").sum() for c in counts}).execute()

    micro = sums([PARENT, MICRO_SEGMENT]).sort_values([PARENT, MICRO_SEGMENT])
    parent = sums([PARENT]).set_index(PARENT)
    out = []
    for _, row in micro.iterrows():
        whole = parent.loc[row[PARENT]]
        lifts: list[tuple[str, float, str]] = []  # (feature, lift, word when over-represented)
        for column, high, low in NUMERIC_WORDS:
            lift = math.exp(row[column] - whole[column])
            lifts.append((column.removeprefix("log_").replace("_", " "), lift,
                          high if lift >= 1 else low))
        for family, columns in families.items():
            total, parent_total = row[columns].sum(), whole[columns].sum()
            for level, column in zip(levels[family], columns):
                if parent_total == 0 or whole[column] == 0:
                    continue
                share = row[column] / total if total else 0.0
                lift = share / (whole[column] / parent_total)
                name, word = {ITEM_LINES: (f"{level} lines", f"{level}-heavy"),
                              LEAD_SOURCE_DEALS: (f"{level} deals", f"{level}-sourced")}.get(
                    family, (f"{level} channel", f"{level}-led"))
                lifts.append((name, lift, word))
        over = sorted((x for x in lifts if x[1] >= NOTABLE), key=lambda x: -x[1])
        under = sorted((x for x in lifts if x[1] <= 1 / NOTABLE), key=lambda x: x[1])
        numeric_low = [x for x in under if x[0] in ("purchases per year", "mean ticket")]
        words = [w for _, _, w in sorted(over + numeric_low,
                                         key=lambda x: -abs(math.log(max(x[1], 1e-9))))]
        out.append({
            PARENT: row[PARENT], MICRO_SEGMENT: row[MICRO_SEGMENT],
            "label": ", ".join(words[:LABEL_WORDS]) or f"typical of {row[PARENT]}",
            "customers": int(row["customers"]),
            "share_of_parent": row["customers"] / whole["customers"], t.ARR: row[t.ARR],
            # rounded: the engine's parallel sums may differ in the last bits run to run
            NRR_12M: (round(row["_now"] / row["_then"], 6)
                      if pd.notna(row["_then"]) and row["_then"] > 0 else float("nan")),
            CLV_PER_CUSTOMER: round(row["_clv"], 2) if pd.notna(row["_clv"]) else float("nan"),
            "purchases_per_year": round(math.exp(row[LOG_PURCHASES]), 6),
            "mean_ticket": round(math.exp(row[LOG_TICKET]), 4),
            "over_represented": "; ".join(f"{n} ×{lift:.1f}" for n, lift, _ in over[:4]),
            "under_represented": "; ".join(f"{n} ×{lift:.1f}" for n, lift, _ in under[:4]),
        })
    # typed even when no group was clustered: an engine cannot keep a column of no type
    return pd.DataFrame(out, columns=list(PROFILE_COLUMNS)).astype(PROFILE_TYPES)


def _arr_a_year_apart(revenue: ir.Table, as_of: dt.date) -> ir.Table:
    """Each account's ARR (12 × MRR) in `as_of`'s month (``_now``) and twelve months before
    (``_then``), from the revenue rows of those two months only."""
    now = dt.date(as_of.year, as_of.month, 1)
    then = dt.date(as_of.year - 1, as_of.month, 1)
    month = revenue[t.PERIOD].cast("date")
    two = revenue.filter(month.isin([now, then]))
    mrr = two[t.MRR].cast("float64")
    return two.group_by(t.ACCOUNT_ID).aggregate(
        _now=(12 * mrr).sum(where=two[t.PERIOD].cast("date") == now),
        _then=(12 * mrr).sum(where=two[t.PERIOD].cast("date") == then))


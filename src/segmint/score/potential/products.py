"""Product whitespace: the products look-alike customers hold that an account does not.

Look-alikes are the customers in the same tenth of the look-alike spend (the potential's
model): a group of customers of like size, sector and region as the model weighs them, never
too small to say anything. A product is whitespace for an account when at least
``product_share`` of its group's customers hold it and the account does not; it is valued at
the median ARR those holders pay for it.
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from segmint import tables as t

GROUPS = 10  # look-alike groups: tenths of the customers by look-alike spend
GROUP, PRODUCT_ARR = "_lookalike_group", "_product_arr"
OFFERS = {GROUP: "int64", t.PRODUCT: "string", PRODUCT_ARR: "float64"}


@dataclass
class ProductWhitespace:
    """What each look-alike group holds: the group edges and a row per group and product."""

    edges: list[float]  # look-alike spend where each group after the first begins
    held: pd.DataFrame  # group, product, customers, holders, share, median_arr, offered
    revenue: ir.Table  # the revenue the holdings are read from (latest month)

    def group(self, spend: ir.NumericValue) -> ir.IntegerValue:
        """The look-alike group of each look-alike spend (0 = lowest)."""
        cases = [(spend < edge, ibis.literal(number, "int64"))
                 for number, edge in enumerate(self.edges)]
        return ibis.cases(*cases, else_=ibis.literal(len(self.edges), "int64")) if cases \
            else ibis.literal(0, "int64")

    def missing(self, table: ir.Table) -> ir.Table:
        """``account_id``, ``product`` and its value, for each offered product each row of
        `table` (with `GROUP`) does not hold."""
        offered = self.held[self.held.offered]
        offers = ibis.memtable(
            pd.DataFrame({GROUP: offered.group.astype("int64"), t.PRODUCT: offered["product"],
                          PRODUCT_ARR: offered.median_arr.astype(float)}), schema=OFFERS)
        pairs = table.select(t.ACCOUNT_ID, GROUP).join(offers, GROUP)
        holding = holdings(self.revenue).select(
            _held_account=t.ACCOUNT_ID, _held_product=t.PRODUCT)
        return pairs.anti_join(holding, [pairs[t.ACCOUNT_ID] == holding._held_account,
                                         pairs[t.PRODUCT] == holding._held_product]) \
            .select(t.ACCOUNT_ID, t.PRODUCT, PRODUCT_ARR)


def holdings(revenue: ir.Table) -> ir.Table:
    """``account_id``, ``product`` and ``arr`` for each product paid for in the latest month."""
    latest = revenue[t.PERIOD].max()
    paying = revenue.filter((revenue[t.PERIOD] == latest) & (revenue[t.MRR] > 0)
                            & revenue[t.PRODUCT].notnull())
    return paying.group_by(t.ACCOUNT_ID, t.PRODUCT).aggregate(
        **{t.ARR: (paying[t.MRR].sum() * 12).cast("float64")})


def fit_product_whitespace(revenue: ir.Table | None, customers: pd.DataFrame, *,
                           share: float) -> ProductWhitespace | None:
    """Group `customers` (``account_id``, look-alike spend ``spend``; all of them) into tenths
    and find what each group holds; None without products in revenue.

    Examples
    --------
    >>> import datetime as dt
    >>> month = dt.date(2024, 6, 1)
    >>> revenue = ibis.memtable({"account_id": ["a", "a", "b", "c"], "period": [month] * 4,
    ...     "product": ["Core", "BI", "Core", "Core"], "mrr": [100.0, 10.0, 200.0, 300.0]})
    >>> customers = pd.DataFrame({"account_id": ["a", "b", "c"], "spend": [5e3, 5e3, 5e3]})
    >>> found = fit_product_whitespace(revenue, customers, share=0.3)
    >>> found.held[["product", "holders", "share", "median_arr", "offered"]].values.tolist()
    [['BI', 1, 0.3333333333333333, 120.0, True], ['Core', 3, 1.0, 2400.0, True]]
    """
    if revenue is None or t.PRODUCT not in revenue.columns:
        return None
    held = holdings(revenue).order_by(t.ACCOUNT_ID, t.PRODUCT).to_pandas()
    if held.empty or customers.empty:
        return None
    spend = customers["spend"].to_numpy(dtype=float)
    edges = sorted(set(np.quantile(spend, np.arange(1, GROUPS) / GROUPS).tolist()))
    edges = [e for e in edges if e > spend.min()]  # a group below the lowest spend is empty
    groups = pd.DataFrame({t.ACCOUNT_ID: customers[t.ACCOUNT_ID],
                           "group": np.searchsorted(edges, spend, side="right")})
    sizes = groups.groupby("group").size().rename("customers")
    held = held.merge(groups, on=t.ACCOUNT_ID)  # customers only
    per = (held.groupby(["group", t.PRODUCT])
           .agg(holders=(t.ACCOUNT_ID, "size"), median_arr=(t.ARR, "median")).reset_index()
           .join(sizes, on="group"))
    per["share"] = per.holders / per.customers
    per["offered"] = per.share >= share
    return ProductWhitespace(edges, per[["group", t.PRODUCT, "customers", "holders", "share",
                                         "median_arr", "offered"]], revenue)

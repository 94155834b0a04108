"""Product whitespace: the products look-alike customers hold that an account does not.

Look-alikes are the customers in the same tenth of the look-alike spend (the potential's
model): a group of customers of like size, sector and region as the model weighs them, never
too small to say anything. A product is whitespace for an account when at least
``product_share`` of its group's customers hold it and the account does not; it is valued at
the median ARR those holders pay for it. What a customer holds is kept in the engine as one
bit per product that some group offers, so scoring is integer arithmetic, not a join per
product.
"""

from __future__ import annotations

import decimal
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from segmint import tables as t

GROUPS = 10  # look-alike groups: tenths of the customers by look-alike spend
GROUP = "_lookalike_group"  # a lookup column: the group of the look-alike spend
HELD = "_products_held"  # a bit per offered product the account holds in the latest month
MAX_PRODUCTS = 62  # offered products one bit each in an int64; beyond, the most held


@dataclass
class ProductWhitespace:
    """Where the look-alike groups begin, what each holds (a row per group and product:
    ``group``, ``product``, ``customers``, ``holders``, ``share``, ``median_arr``,
    ``offered``), the offered products' bits, and what each customer holds (kept in the
    engine: ``account_id`` and `HELD`)."""

    edges: list[float]  # look-alike spend where each group after the first begins
    held: pd.DataFrame
    bits: dict[str, int]  # offered product -> its bit
    holdings: ir.Table

    def group_of(self, spend: np.ndarray) -> np.ndarray:
        """The look-alike group of each spend (0 = lowest)."""
        return np.searchsorted(self.edges, spend, side="right")

    def with_held(self, table: ir.Table) -> ir.Table:
        """`table` with `HELD` (0: holds nothing offered)."""
        holdings = self.holdings.rename(_held_account=t.ACCOUNT_ID)
        joined = table.left_join(holdings, table[t.ACCOUNT_ID] == holdings._held_account)
        return joined.select(*table.columns, **{HELD: joined[HELD].fill_null(0)})

    def whitespace(self, group: ir.IntegerValue, held: ir.IntegerValue) -> tuple[ir.Value, ...]:
        """Per account: how many offered products of its group it does not hold, their value
        and their names ("; "-joined, sorted; null when none)."""
        offered = self.held[self.held.offered].sort_values(["group", t.PRODUCT])
        counts, values, names = [], [], []
        for number, rows in offered.groupby("group"):
            lacks = [(held & self.bits[product]) == 0 for product in rows[t.PRODUCT]]
            counts.append((group == number, sum(lack.cast("int64") for lack in lacks)))
            values.append((group == number, sum(
                (ibis.ifelse(lack, _exact_cents(value), _exact_cents(0.0))
                 for lack, value in zip(lacks, rows.median_arr)), _exact_cents(0.0))))
            names.append((group == number, sum((ibis.ifelse(lack, f"; {product}", "")
                                                for lack, product in zip(lacks, rows[t.PRODUCT])),
                                               ibis.literal(""))))
        none = (ibis.literal(0, "int64"), _exact_cents(0.0), ibis.literal(""))
        count, value, listed = (ibis.cases(*cases, else_=empty) if cases else empty
                                for cases, empty in zip((counts, values, names), none))
        return count.cast("int64"), value.cast("float64"), listed.substr(2).nullif("")


def holdings(revenue: ir.Table) -> ir.Table:
    """``account_id``, ``product`` and ``arr`` for each product paid for in the latest month."""
    latest = revenue[t.PERIOD].max()
    paying = revenue.filter((revenue[t.PERIOD] == latest) & (revenue[t.MRR] > 0)
                            & revenue[t.PRODUCT].notnull())
    return paying.group_by(t.ACCOUNT_ID, t.PRODUCT).aggregate(
        **{t.ARR: (paying[t.MRR].sum() * 12).cast("float64")})


def fit_product_whitespace(revenue: ir.Table | None, customers: ir.Table, *, share: float,
                           keep=lambda table, name: table) -> ProductWhitespace | None:
    """Group `customers` (``account_id`` and look-alike ``spend``; all of them) into tenths
    and find what each group holds; None without products in revenue. `keep` computes each
    customer's products once in the engine.

    Only counts come back from the engine (customers per distinct spend, holders and median
    ARR per group and product), never a row per customer: at millions of accounts a row per
    customer and one per product each holds are hundreds of MB in pandas.

    Examples
    --------
    >>> import datetime as dt
    >>> month = dt.date(2024, 6, 1)
    >>> revenue = ibis.memtable({"account_id": ["a", "a", "b", "c"], "period": [month] * 4,
    ...     "product": ["Core", "BI", "Core", "Core"], "mrr": [100.0, 10.0, 200.0, 300.0]})
    >>> customers = ibis.memtable({"account_id": ["a", "b", "c"], "spend": [5e3, 5e3, 5e3]})
    >>> found = fit_product_whitespace(revenue, customers, share=0.3)
    >>> found.held[["product", "holders", "share", "median_arr", "offered"]].values.tolist()
    [['BI', 1, 0.3333333333333333, 120.0, True], ['Core', 3, 1.0, 2400.0, True]]
    >>> found.bits
    {'Core': 1, 'BI': 2}
    """
    if revenue is None or t.PRODUCT not in revenue.columns:
        return None
    paid = holdings(revenue)
    counted = customers.group_by("spend").aggregate(_customers=customers.count()).to_pandas()
    if counted.empty:
        return None
    # every customer's spend (in no particular order): the tenths are quantiles over customers
    spend = np.repeat(counted["spend"].to_numpy(dtype=float), counted._customers.to_numpy())
    edges = sorted(set(np.quantile(spend, np.arange(1, GROUPS) / GROUPS).tolist()))
    edges = [e for e in edges if e > spend.min()]  # a group below the lowest spend is empty
    sizes = counted.groupby(np.searchsorted(edges, counted["spend"].to_numpy(dtype=float),
                                            side="right"))._customers.sum().rename("customers")
    sizes.index.name = "group"
    # the group as `ProductWhitespace.group_of` finds it: how many edges the spend reaches
    group = sum(((customers.spend >= edge).cast("int64") for edge in edges),
                ibis.literal(0, "int64"))
    grouped = customers.select(_group_account=customers[t.ACCOUNT_ID], group=group)
    joined = paid.join(grouped, paid[t.ACCOUNT_ID] == grouped._group_account)  # customers only
    per = (joined.group_by("group", t.PRODUCT)
           .aggregate(holders=joined.count(), median_arr=joined[t.ARR].median())
           .to_pandas())
    if per.empty and int(paid.count().execute()) == 0:  # no products held by anyone
        return None
    per = (per.astype({"group": "int64", "holders": "int64", "median_arr": "float64"})
           .sort_values(["group", t.PRODUCT], kind="stable").reset_index(drop=True)
           .join(sizes, on="group"))
    per["share"] = per.holders / per.customers
    per["offered"] = per.share >= share
    offered = (per[per.offered].groupby(t.PRODUCT).holders.sum()
               .sort_values(ascending=False, kind="stable").index[:MAX_PRODUCTS])
    per["offered"] &= per[t.PRODUCT].isin(offered)
    bits = {product: 1 << i for i, product in enumerate(offered)}
    mine = paid.filter(paid[t.PRODUCT].isin(list(bits))) if bits else paid.filter(False)
    bit = mine[t.PRODUCT].substitute({p: ibis.literal(b, "int64") for p, b in bits.items()},
                                     else_=ibis.literal(0, "int64")) if bits \
        else ibis.literal(0, "int64")
    each = mine.group_by(t.ACCOUNT_ID).aggregate(**{HELD: bit.sum().cast("int64")})
    return ProductWhitespace(edges, per[["group", t.PRODUCT, "customers", "holders", "share",
                                         "median_arr", "offered"]], bits,
                             keep(each, "potential_products_held"))


def _exact_cents(amount: float) -> ir.Value:
    """An amount as an exact decimal literal, to the cent.

    Spark reads a bare float literal (2543.1) as a DECIMAL, DuckDB as a DOUBLE, and Ibis drops
    a cast to float64 from an expression it already types float64; typed as a decimal, the sum
    is exact on both engines and its final cast to float64 is kept.

    >>> _exact_cents(2543.104).type()
    Decimal(precision=18, scale=2, nullable=True)
    """
    return ibis.literal(decimal.Decimal(f"{amount:.2f}"), "decimal(18, 2)")


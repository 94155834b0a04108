"""The demo's services invoices: each customer's BG/NBD purchase stream, Gamma-Gamma spend
and behaviour cluster.

Every account that was ever a customer buys services (implementation, consulting, training,
support hours, usage overage, marketplace add-ons) as a non-contractual stream, beside its
subscription: a first invoice when the subscription starts, then repeat purchases as a Poisson
process at its rate `lambda` until it drops out, with probability `p` after each repeat purchase
(Fader, Hardie & Lee 2005, "Counting your customers the easy way", Marketing Science 24(2)).
Rates are Gamma(r, alpha) and dropout probabilities Beta(a, b) across customers; each invoice's
amount is Gamma(p, nu) with nu Gamma(q, gamma) across customers (Fader, Hardie & Lee 2005, "RFM
and CLV", Journal of Marketing Research 42(4); Colombo & Jiang 1999). Time is in weeks.

Rates, dropout probabilities and spend levels are iid draws, independent of one another and
of everything else about the account (its size included: tying spend to size would tie it to
tenure, hence to who makes repeat purchases, and bias a Gamma-Gamma fit on repeat buyers), so a
model fitted on the invoices recovers the planted parameters. Behaviour clusters are drawn
*from* the rate's and the spend level's quantiles (never the other way round, which would bend
the marginals), then set the channel and the mix of items invoiced.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["BGNBD", "CHANNELS", "CLUSTERS", "GAMMA_GAMMA", "ITEMS", "WEEK_DAYS",
           "customer_traits", "invoices"]

WEEK_DAYS = 7  # the time unit of lambda and alpha
BGNBD = {"r": 0.8, "alpha": 14.0, "a": 0.7, "b": 2.8}  # mean rate 0.057 a week (3 a year)
GAMMA_GAMMA = {"p": 2.5, "q": 3.0, "gamma": 2400.0}  # mean spend p·gamma/(q-1) = 3,000 USD

ITEMS = ("Implementation", "Consulting", "Training", "Premium Support Hours", "Usage Overage",
         "Marketplace Add-on")
CHANNELS = ("Direct", "Partner", "Marketplace", "Self-serve")
CHANNEL_PURITY = 0.95  # share of a cluster's customers buying through its channel
SPLIT_LINES = 0.04  # invoices written as two lines (two items, one date)
CREDIT_NOTES = 0.006  # invoices partly or wholly credited 5-60 days later


@dataclass(frozen=True)
class Cluster:
    """A behaviour cluster: how often and how much its customers buy, and how."""

    id: int
    name: str
    frequency: str  # tier of the purchase rate's quantile: occasional, regular, frequent
    ticket: str  # tier of the spend level's quantile: small, large
    channel: str
    items: tuple[float, ...]  # share of invoices per item of ITEMS

    def as_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "frequency": self.frequency,
                "ticket": self.ticket, "channel": self.channel, "channel_share": CHANNEL_PURITY,
                "items": dict(zip(ITEMS, self.items))}


#                               Impl  Cons  Train Supp  Over  Addon
CLUSTERS = (
    Cluster(0, "Occasional self-serve learners", "occasional", "small", "Self-serve",
            (0.04, 0.04, 0.80, 0.04, 0.04, 0.04)),
    Cluster(1, "Project buyers", "occasional", "large", "Direct",
            (0.55, 0.35, 0.025, 0.025, 0.025, 0.025)),
    Cluster(2, "Marketplace add-on buyers", "regular", "small", "Marketplace",
            (0.04, 0.04, 0.04, 0.04, 0.04, 0.80)),
    Cluster(3, "Partner-led services", "regular", "large", "Partner",
            (0.20, 0.60, 0.05, 0.05, 0.05, 0.05)),
    Cluster(4, "Pay-as-you-go overage", "frequent", "small", "Self-serve",
            (0.04, 0.04, 0.04, 0.04, 0.80, 0.04)),
    Cluster(5, "Managed heavy users", "frequent", "large", "Direct",
            (0.025, 0.025, 0.025, 0.55, 0.35, 0.025)),
)
# soft tiers over quantiles: frequency by distance to 1/6, 1/2, 5/6; ticket by a logistic at 1/2
_FREQ_CENTRES, _FREQ_WIDTH, _TICKET_WIDTH = np.array([1, 3, 5]) / 6, 0.1, 0.06
_ITEM_CUM = np.cumsum([c.items for c in CLUSTERS], axis=1)
_ITEM_CUM[:, -1] = 1.0
_CLUSTER_CHANNEL = np.array([CHANNELS.index(c.channel) for c in CLUSTERS])
_ITEMS, _CHANNELS = pa.array(ITEMS), pa.array(CHANNELS)


def customer_traits(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Stream parameters, behaviour cluster and channel for `n` customers.

    Returns
    -------
    dict of numpy.ndarray
        ``lam`` (purchases a week), ``p`` (dropout after each repeat purchase), ``nu`` (spend
        rate; mean spend per invoice is ``GAMMA_GAMMA["p"] / nu``), ``cluster`` and ``channel``
        (indices into `CLUSTERS` and `CHANNELS`).
    """
    g, gg = BGNBD, GAMMA_GAMMA
    lam = rng.gamma(g["r"], 1 / g["alpha"], n)
    p = rng.beta(g["a"], g["b"], n)
    nu = rng.gamma(gg["q"], 1 / gg["gamma"], n)

    u_rate = (_ranks(lam) + 0.5) / max(n, 1)
    u_spend = (_ranks(-nu) + 0.5) / max(n, 1)
    near = np.exp(-((u_rate[:, None] - _FREQ_CENTRES) ** 2) / (2 * _FREQ_WIDTH**2))
    frequency = (rng.random(n)[:, None] * near.sum(1, keepdims=True)
                 >= np.cumsum(near, 1)).sum(1)
    large = rng.random(n) < 1 / (1 + np.exp(-(u_spend - 0.5) / _TICKET_WIDTH))
    cluster = 2 * frequency + large
    channel = _CLUSTER_CHANNEL[cluster].copy()
    other = rng.random(n) >= CHANNEL_PURITY
    channel[other] = (channel[other] + rng.integers(1, len(CHANNELS), other.sum())) % len(CHANNELS)
    return {"lam": lam, "p": p, "nu": nu, "cluster": cluster, "channel": channel}


def _ranks(values: np.ndarray) -> np.ndarray:
    ranks = np.empty(len(values), np.int64)
    ranks[np.argsort(values, kind="stable")] = np.arange(len(values))
    return ranks


@dataclass
class Stream:
    """What `invoices` realised: the invoice lines and, per customer, the clean stream."""

    lines: dict[str, np.ndarray]  # customer, day, amount, item, line, credit (bool)
    repeat: np.ndarray  # repeat purchases made by the as-of date
    last_day: np.ndarray  # day of the last purchase (the first when there was no repeat)
    alive: np.ndarray  # not yet dropped out at the as-of date
    split_lines: int
    credit_notes: int


def invoices(rng: np.random.Generator, birth: np.ndarray, as_of_day: int,
             traits: dict[str, np.ndarray]) -> Stream:
    """Realise each customer's stream from its `birth` day (the first invoice) to `as_of_day`.

    Repeat purchases: N ~ Poisson(lambda·T) arrivals of the process over the T weeks observed,
    J ~ Geometric(p) purchases until dropout; the customer makes the first min(N, J) of them
    and is still alive when N < J. Each purchase is one invoice on its day, of amount
    Gamma(p, nu) rounded to the cent; some are split over two lines or later credited
    (`SPLIT_LINES`, `CREDIT_NOTES`), which a model must undo.
    """
    n = len(birth)
    days = (as_of_day - birth).astype(float)
    arrivals = rng.poisson(traits["lam"] * days / WEEK_DAYS)
    until_dropout = rng.geometric(np.maximum(traits["p"], 1e-12))
    repeat = np.minimum(arrivals, until_dropout)
    alive = arrivals < until_dropout

    # the first x of N sorted uniforms, without drawing the other N - x: with E_i ~ Exp(1) and
    # R ~ Gamma(N + 1 - x), U_(i) = (E_1 + ... + E_i) / (E_1 + ... + E_x + R)
    owner = np.repeat(np.arange(n), repeat)
    spacing = np.cumsum(rng.exponential(1.0, len(owner)))
    start = np.cumsum(repeat) - repeat
    before = np.r_[0.0, spacing][np.repeat(start, repeat)]  # the sum ahead of each customer's
    partial = spacing - before
    total = np.zeros(n)
    has = repeat > 0
    total[has] = partial[np.cumsum(repeat)[has] - 1]
    total += rng.gamma(arrivals + 1 - repeat)
    u = partial / total[owner]
    repeat_day = birth[owner] + np.floor(u * days[owner]).astype(np.int64)

    cust = np.r_[np.arange(n), owner]  # first invoices, then repeats
    day = np.r_[birth, repeat_day]
    last_day = birth.copy()
    np.maximum.at(last_day, owner, repeat_day)
    amount = np.maximum(np.round(rng.gamma(GAMMA_GAMMA["p"], 1 / traits["nu"][cust]), 2), 0.01)
    item = _items(rng, traits["cluster"][cust])

    m = len(cust)
    split = rng.random(m) < SPLIT_LINES
    first = np.where(split, np.round(amount * rng.uniform(0.3, 0.8, m), 2), amount)
    second_item = _items(rng, traits["cluster"][cust])
    credit = rng.random(m) < CREDIT_NOTES
    credit_day = day + rng.integers(5, 61, m)
    credit &= credit_day <= as_of_day
    credited = -np.round(amount * rng.uniform(0.1, 1.0, m), 2)
    lines = {
        "customer": np.r_[cust, cust[split], cust[credit]],
        "day": np.r_[day, day[split], credit_day[credit]],
        "amount": np.r_[first, np.round(amount[split] - first[split], 2), credited[credit]],
        "item": np.r_[item, second_item[split], item[credit]],
        "line": np.r_[np.ones(m, np.int64), np.full(split.sum(), 2),
                      np.ones(credit.sum(), np.int64)],
        "credit": np.r_[np.zeros(m + split.sum(), bool), np.ones(credit.sum(), bool)],
        "purchase": np.r_[np.arange(m), np.flatnonzero(split), np.flatnonzero(credit)],
    }
    return Stream(lines, repeat, last_day, alive, int(split.sum()), int(credit.sum()))


def _items(rng: np.random.Generator, cluster: np.ndarray) -> np.ndarray:
    u = rng.random(len(cluster))
    return (u[:, None] >= _ITEM_CUM[cluster]).sum(1)


def invoice_table(stream: Stream, account_ids: pa.Array, channel: np.ndarray,
                  numbers: tuple[int, int], schema: pa.Schema) -> tuple[pa.Table, tuple[int, int]]:
    """The invoice lines as the billing system exports them, by date; ids continue `numbers`.

    ``numbers`` is (invoices, credit notes) issued by earlier chunks; the new totals come back.
    """
    lines = stream.lines
    order = np.lexsort((lines["line"], lines["purchase"], lines["credit"], lines["day"]))
    lines = {key: value[order] for key, value in lines.items()}
    credit = lines["credit"]
    # one number per document: an invoice's lines share theirs, a credit note has its own
    doc = np.where(credit, -1, lines["purchase"])
    first_line = ~credit & (lines["line"] == 1)
    invoice_no = np.zeros(len(doc), np.int64)
    invoice_no[first_line] = numbers[0] + np.arange(first_line.sum())
    by_purchase = np.zeros(int(lines["purchase"].max(initial=-1)) + 1, np.int64)
    by_purchase[doc[first_line]] = invoice_no[first_line]
    invoice_no[~credit] = by_purchase[doc[~credit]]
    invoice_no[credit] = numbers[1] + np.arange(credit.sum())
    digits = pc.utf8_lpad(pc.cast(pa.array(invoice_no + 1), pa.string()), 9, "0")
    ids = pc.binary_join_element_wise(pc.if_else(pa.array(credit), "CN-", "INV-"), digits, "")
    table = pa.table([
        ids, pa.array(lines["line"]), account_ids.take(pa.array(lines["customer"])),
        pa.array(lines["day"].astype(np.int32), pa.date32()),
        _ITEMS.take(pa.array(lines["item"])),
        _CHANNELS.take(pa.array(channel[lines["customer"]])),
        pa.array(lines["amount"]),
    ], schema=schema)
    return table, (numbers[0] + int(first_line.sum()), numbers[1] + int(credit.sum()))

"""What the demo generator knows and the pipeline must estimate: `truth.parquet`'s columns.

`truth.parquet` has one row per row of ``accounts`` (duplicates included), in the same order.
segmint never reads it; it is the answer key for the models that estimate these quantities
(potential, win and churn propensity, health, lifetime value, micro-segments, territories).

What drives what
----------------
Quantities that *drove* the existing exports are the ones the generator used, recomputed
from its own state, never redrawn:

- ``p_win`` drove every closed new-business opportunity's IsWon (a Bernoulli draw at this
  probability: the draw is the noise that makes the answer not trivial);
  ``new_business_per_year`` how many a prospect got (by size band only). ``p_win`` is the
  size band's rate × the sector's multiplier × the region's (North America 1.1, EMEA 0.95,
  the rest 0.8) × (the wallet before any spend / 20,000 USD)^0.35 × what the first contact
  told × an account's own hidden lognormal (mean 1, log-sd 0.25), within [0.01, 0.8].
  The first contact is in the accounts export, set when the company first came and never
  after (so known before any deal): ``AccountSource`` (Referral 1.8, Partner 1.35, Web 1.0,
  Event 0.9, Outbound 0.65) and, for a company that came as a marketing lead (all but
  Outbound), ``Lead_Score__c``, the lead's score at conversion (normal, mean 50, sd 20,
  within 1-99), which multiplies p_win by exp(0.6 × (score − 50) / 20 − 0.18).
  ``p_win_known`` is the same without the hidden lognormal: what the exports can tell (the
  wallet's headroom aside, which only the size hints at). The opportunities' own LeadSource
  is drawn per deal and drives nothing.
- ``p_expand`` drove expansions: a customer kept at a renewal expands with probability
  min(0.9, ``p_expand`` × room³), room = 1 − its ARR / its wallet just before, and an
  expansion fills 10-30% of the room left; mid-term cross-sells and seat expansions a month
  (1.2% and 0.8% at the average renewal probability, 0.28) scale with the same probability.
  So growth slows as spend nears the wallet, and accounts with the most room grow most.
- ``p_churn`` drove each annual renewal (lost at this probability). It is the account's own
  draw from a Beta around its size band's rate (22%, 13%, 7% a renewal; α + β = 2, planted.json
  truth.renewal_churn), drawn once on the truth's stream before the book, so renewals follow
  the shifted-beta-geometric model a retention fit estimates. Usage shows most of it long
  before any churn: ``churn_signal`` is p_churn as a normal score over all companies (the
  bands' Betas mixed at their shares of companies, 70/19/10%) × sqrt(0.9) plus a hidden
  standard normal × sqrt(0.1), drawn on a stream of its own (10% of the signal's variance is
  not p_churn: what no export records). ``seat_utilisation`` and ``active_user_share`` are
  their old Beta(6, 2) and Beta(5, 2) draws moved by a Gaussian copula of correlation −0.9
  with the signal (so their spread is unchanged and the riskier accounts use less), and seats
  used drift down by 1% a month paid × the signal where it is above 0 (planted.json
  truth.renewal_churn.usage). On top of that, usage fades in the four months before a churn,
  so it foretells churn a quarter ahead. Measured on the demo (seed 7, back-test at
  2026-03-31, churn by 2026-09-30; benchmarks/README.md): ranking customers by p_churn
  reaches AUC 0.887 at 20,000 accounts (0.872 at 5,000), the demo's health scorecard 0.862
  (0.831), the usage fade alone 0.839 (0.808).
- ``list_mrr`` set new-business Amounts (12 × it) and a customer's starting Core Platform
  MRR; renewals, expansions and cross-sells then moved MRR (``arr``, ``peak_arr``).
- ``seat_utilisation``, ``active_user_share`` and ``api_intensity`` drove the usage export
  (the first two leaning on ``churn_signal``, above).
- ``wallet`` = 12 × the typical Core Platform price at the company's size (40 × employees^0.72
  USD a month, at least 49) × 2.25 (every product) × a lognormal headroom (median 1.5, sigma
  0.3), raised to ``peak_arr`` where that is higher, so wallet ≥ ARR always. ``list_mrr`` is
  that typical price × the account's own lognormal (sigma 0.35): what it is charged, not what
  it could spend, so a customer paying more than its look-alikes has less room left (share of
  wallet is informative). The wallet drives the wins and expansions above (``p_win``,
  ``p_expand``); its systematic part is the size, and the headroom is what a potential model
  cannot know. It is the potential in the owners' books (planted.json truth.owners). The
  headroom is drawn on the truth's own stream (the values it had when the wallet drove
  nothing), before the book.

Quantities planted for the new exports only (drawn on streams of their own):

- ``bgnbd_lambda``, ``bgnbd_p``, ``gg_nu``, ``cluster`` drive ``transactions`` only.
- Postal code, city and coordinates are written in ``accounts`` directly (not repeated here).

Not planted, because it would change files the demo already wrote
------------------------------------------------------------------
- Behaviour clusters in product mix, lead source or deal sizes: clusters show only in the
  services invoices (channel, items, frequency, ticket). ``_book`` (which products are
  cross-sold, how often MRR expands) and ``_deals_table`` (LeadSource) would have to draw from
  the cluster.
- A hard cap of spend at the wallet: renewal expansions fill only part of the room left,
  but cross-sells and seat expansions add a fixed step, so ``peak_arr`` can pass the
  pre-spend wallet (``wallet`` is then raised to it).
- Geographic books: OwnerIds were drawn without regard to where accounts are, so the owners'
  Division names no territory; every book spans every region.
"""

from __future__ import annotations

import pyarrow as pa

__all__ = ["COLUMNS", "FEW_VALUES", "SCHEMA", "SIZE_BANDS"]

SIZE_BANDS = ("<100", "100-999", "1,000+")  # the generator's own bands, by employees

COLUMNS: dict[str, tuple[pa.DataType, str]] = {
    "account_id": (pa.string(), "Id of the accounts row (one truth row per accounts row, in "
                   "the same order)"),
    "company_id": (pa.string(), "Id of the real company: the row's own Id, or for a duplicate "
                   "the Id of the row it duplicates"),
    "is_duplicate": (pa.bool_(), "the row is an extra copy of company_id"),
    "family_id": (pa.string(), "Id of the company's parent, or its own when it has none "
                  "(parents have no parents)"),
    "industry": (pa.string(), "true Industry picklist value (accounts may leave it blank)"),
    "naics": (pa.string(), "true NAICS 2022 code"),
    "employees": (pa.int64(), "true headcount (accounts may write a band, junk or nothing)"),
    "annual_revenue": (pa.int64(), "true annual revenue, USD (before blanks, absurd and "
                       "negative values were planted)"),
    "country": (pa.string(), "ISO 3166 alpha-2 code of the true country"),
    "state": (pa.string(), "US state or Canadian province code; null elsewhere"),
    "size_band": (pa.string(), "the generator's size band (<100, 100-999, 1,000+ employees), "
                  "which sets p_win, the mean of p_churn and new_business_per_year"),
    "customer_before_window": (pa.bool_(), "already a customer when the data starts (2023-10)"),
    "ever_customer": (pa.bool_(), "paid in some month 2023-10 to 2026-09"),
    "paying_at_as_of": (pa.bool_(), "paid in 2026-09 (Type 'Customer' on the original row)"),
    "arr": (pa.float64(), "12 × true MRR of 2026-09 across products, USD (credit notes are mess "
            "on top of it); 0 when not paying"),
    "peak_arr": (pa.float64(), "highest 12 × monthly MRR in the window, USD"),
    "list_mrr": (pa.float64(), "monthly Core Platform price at the company's size, USD: "
                 "drove new-business Amounts (12 ×) and a customer's starting Core MRR"),
    "wallet": (pa.float64(), "true annual spend potential on the whole suite, USD; "
               ">= peak_arr >= arr"),
    "p_expand": (pa.float64(), "expansion propensity: a customer kept at a renewal expands "
                 "with probability min(0.9, p_expand × (1 − ARR / wallet)³); mid-term "
                 "cross-sells and seat expansions scale with it. Drawn for every account"),
    "p_win": (pa.float64(), "probability a closed new-business opportunity is won: drove IsWon"),
    "p_win_known": (pa.float64(), "p_win without the account's hidden lognormal (log-sd 0.25): "
                    "what size, sector, region, wallet and the first contact (AccountSource, "
                    "Lead_Score__c) make it, within [0.01, 0.8]"),
    "new_business_per_year": (pa.float64(), "expected new-business opportunities created a "
                              "year while a prospect (customers before the window get none)"),
    "p_churn": (pa.float64(), "probability of churning at each annual renewal, Beta around "
                "the size band's rate (planted.json truth.renewal_churn): drove renewals"),
    "seat_utilisation": (pa.float64(), "share of bought seats in use, before the drift and "
                         "the fade ahead of a churn; lower the higher churn_signal: drove "
                         "seats_used (ever-customers; else null)"),
    "active_user_share": (pa.float64(), "share of used seats active, lower the higher "
                          "churn_signal: drove active_users"),
    "api_intensity": (pa.float64(), "multiplier of API calls per active user: drove api_calls"),
    "churn_signal": (pa.float64(), "what usage shows of p_churn (higher is riskier): p_churn as "
                     "a normal score over all companies mixed with a hidden normal (planted.json "
                     "truth.renewal_churn.usage); seat_utilisation and active_user_share lean "
                     "on it and seats used drift down with it"),
    "cluster": (pa.int8(), "behaviour cluster (planted.json truth.clusters), ever-customers "
                "only: drives the channel and items of their invoices"),
    "cluster_name": (pa.string(), "the cluster's name"),
    "stream_start": (pa.date32(), "date of the first services invoice (the subscription start; "
                     "for customers before the window, a day between CreatedDate and 2023-10)"),
    "bgnbd_lambda": (pa.float64(), "repeat purchases a week while alive (Gamma(r, alpha))"),
    "bgnbd_p": (pa.float64(), "probability of dropping out after each repeat purchase "
                "(Beta(a, b)): the per-account churn probability of the services stream"),
    "gg_nu": (pa.float64(), "Gamma-Gamma spend rate (Gamma(q, gamma)); an invoice is "
              "Gamma(p, gg_nu)"),
    "gg_mean_spend": (pa.float64(), "expected amount of one purchase, p / gg_nu, USD"),
    "repeat_purchases": (pa.int64(), "repeat purchases made by 2026-09-30 (x of BG/NBD): "
                         "invoices after the first, credit notes and second lines not counted"),
    "last_purchase": (pa.date32(), "date of the last purchase by 2026-09-30 (stream_start when "
                      "there was no repeat)"),
    "alive_at_as_of": (pa.bool_(), "has not dropped out of the services stream by 2026-09-30"),
}
SCHEMA = pa.schema([(name, dtype) for name, (dtype, _) in COLUMNS.items()])
# columns with few distinct values, dictionary-encoded in the file (the others would only spend
# time trying)
FEW_VALUES = ("industry", "naics", "country", "state", "size_band",
              "new_business_per_year", "cluster", "cluster_name")

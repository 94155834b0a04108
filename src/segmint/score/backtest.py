"""Back-tests: what was known at a cut-off, and how well a score ranked what happened after it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from segmint import tables as t
from segmint.score.registry import Ranking

OUTCOME, WEIGHT = "outcome", "weight"  # the columns of a model's outcome table
DECILES = 10
LIKELY_LEAK_AUC = 0.95  # a first-contact or health model far above this learnt the answer


def known_at(tables: Mapping[str, ir.Table], cutoff: dt.date) -> dict[str, ir.Table]:
    """The clean tables as they stood at the end of `cutoff`: nothing dated after it.

    - accounts created after the cut-off did not exist yet (no created date: kept);
    - deals created after it are gone; a deal that closed after it was still open then:
      ``is_closed`` and ``is_won`` false, ``stage`` and ``probability`` unknown (they give
      the outcome away), its ``close_date`` kept as the expected close;
    - revenue to the cut-off's month, usage and transactions to the cut-off day;
    - other tables (owners, market) as they are.

    Examples
    --------
    >>> d = dt.date
    >>> deals = ibis.memtable({"deal_id": ["1", "2", "3"], "created_date": [d(2024, 1, 5),
    ...     d(2024, 2, 1), d(2024, 5, 1)], "close_date": [d(2024, 2, 1), d(2024, 4, 2), None],
    ...     "is_closed": [True, True, False], "is_won": [True, True, False],
    ...     "stage": ["Won", "Won", "Open"]})
    >>> past = known_at({"deals": deals}, d(2024, 3, 31))["deals"].order_by("deal_id").execute()
    >>> past.deal_id.tolist(), past.is_won.tolist(), past.stage.tolist()
    (['1', '2'], [True, False], ['Won', None])
    """
    past: dict[str, ir.Table] = dict(tables)
    if (accounts := tables.get("accounts")) is not None and t.CREATED_DATE in accounts.columns:
        created = accounts[t.CREATED_DATE].cast("date")
        past["accounts"] = accounts.filter(created.isnull() | (created <= cutoff))
    if (deals := tables.get("deals")) is not None:
        past["deals"] = _deals_at(deals, cutoff)
    if (revenue := tables.get("revenue")) is not None:
        past["revenue"] = revenue.filter(revenue[t.PERIOD] <= cutoff)
    for name in ("usage", "transactions"):
        if (table := tables.get(name)) is not None:
            past[name] = table.filter(table[t.DATE] <= cutoff)
    return past


def _deals_at(deals: ir.Table, cutoff: dt.date) -> ir.Table:
    dated = deals
    if t.CREATED_DATE in deals.columns:
        created = deals[t.CREATED_DATE].cast("date")
        early_close = deals[t.CLOSE_DATE].cast("date") <= cutoff if t.CLOSE_DATE in deals.columns \
            else ibis.literal(False)
        dated = deals.filter((created <= cutoff) | (created.isnull() & early_close.fill_null(False)))
    if t.CLOSE_DATE not in deals.columns:
        return dated
    later = dated[t.CLOSE_DATE].cast("date") > cutoff
    still_open = later.fill_null(False) & dated[t.IS_CLOSED].cast("boolean").fill_null(False) \
        if t.IS_CLOSED in dated.columns else later.fill_null(False)
    reopened = {}
    for column, unknown in ((t.IS_CLOSED, False), (t.IS_WON, False),
                            (t.STAGE, None), (t.PROBABILITY, None)):
        if column in dated.columns:
            value = ibis.literal(unknown, dated[column].type()) if unknown is not None \
                else ibis.null(dated[column].type())
            reopened[column] = ibis.ifelse(still_open, value, dated[column])
    return dated.mutate(**reopened)


@dataclass(frozen=True)
class RankingQuality:
    """How well one score ranked an outcome: a summary row and a row per decile (1 = top)."""

    summary: dict[str, object]
    deciles: pd.DataFrame


def ranking_quality(scores: np.ndarray, outcomes: np.ndarray, *, weights: np.ndarray | None = None,
                    probability: bool = False, deciles: int = DECILES,
                    lowest_first: bool = False) -> RankingQuality:
    """AUC, lift by decile, calibration by decile and (with weights) the share of the
    outcome's weight in the top quintile and the weighted AUC, for one score against what
    happened.

    Accounts are ranked by score, highest first (lowest first with `lowest_first`: the AUC
    and lift are then those of the negated score); equal scores keep their given order, so
    pass them in a stable order (by account id). Deciles hold equal numbers of accounts
    (the first ones one more when they do not divide evenly). Lift is a decile's outcome
    rate over the overall rate. Calibration error, for a score that is a probability, is
    the account-weighted mean |mean score − outcome rate| over the deciles. The weighted AUC
    counts each positive by its weight (each negative once): the chance that a unit of the
    outcome's weight (a dollar of ARR gained) sits on an account ranked above one without
    the outcome. It asks of a score of value what the AUC asks of a probability.

    Examples
    --------
    >>> scores = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05])
    >>> outcomes = np.array([1, 1, 0, 1, 0, 0, 0, 0, 0, 0], dtype=bool)
    >>> quality = ranking_quality(scores, outcomes, probability=True, deciles=5)
    >>> round(quality.summary["auc"], 4), quality.summary["top_decile_lift"]
    (0.9524, 3.3333333333333335)
    >>> quality.deciles.observed_rate.tolist()
    [1.0, 0.5, 0.0, 0.0, 0.0]

    A positive ranked last weighs little when it gained little:

    >>> later = np.array([1, 1, 0, 0, 0, 0, 0, 0, 0, 1], dtype=bool)
    >>> gained = np.array([9.0, 9.0, 0, 0, 0, 0, 0, 0, 0, 0.5])
    >>> quality = ranking_quality(scores, later, weights=gained)
    >>> round(quality.summary["auc"], 4), round(quality.summary["weighted_auc"], 4)
    (0.6667, 0.973)
    """
    scores = np.asarray(scores, dtype=float)
    outcomes = np.asarray(outcomes, dtype=bool)
    n, positives = len(scores), int(outcomes.sum())
    ranked = scores if lowest_first else -scores  # ascending order of this is the ranking
    order = np.argsort(ranked, kind="stable")
    groups = np.array_split(order, min(deciles, n)) if n else []
    base = positives / n if n else float("nan")
    rows = []
    for number, members in enumerate(groups, start=1):
        rate = float(outcomes[members].mean())
        rows.append({"decile": number, "accounts": len(members),
                     "mean_score": float(scores[members].mean()),
                     "positives": int(outcomes[members].sum()), "observed_rate": rate,
                     "lift": rate / base if base else float("nan")})
    table = pd.DataFrame(rows, columns=["decile", "accounts", "mean_score", "positives",
                                        "observed_rate", "lift"])
    summary: dict[str, object] = {
        "accounts": n, "positives": positives, "base_rate": base,
        "auc": _auc(-ranked, outcomes),
        "top_decile_lift": float(table.lift.iloc[0]) if len(table) else float("nan"),
        "calibration_error": (float(np.average((table.mean_score - table.observed_rate).abs(),
                                               weights=table.accounts))
                              if probability and len(table) else float("nan")),
        "top_quintile_weight_share": float("nan"),
        "weighted_auc": float("nan"),
    }
    if weights is not None and n:
        weights = np.asarray(weights, dtype=float)
        total = weights.sum()
        top = order[: max(1, int(round(n / 5)))]
        summary["top_quintile_weight_share"] = float(weights[top].sum() / total) if total else float("nan")
        summary["weighted_auc"] = _auc(-ranked, outcomes,
                                       np.where(outcomes, np.maximum(weights, 0.0), 1.0))
    return RankingQuality(summary, table)


def _auc(scores: np.ndarray, outcomes: np.ndarray, weights: np.ndarray | None = None) -> float:
    """Area under the ROC curve (ties count half), each account counted `weights` times;
    NaN unless both outcomes occur with some weight.

    >>> _auc(np.array([3.0, 2.0, 2.0, 1.0]), np.array([True, True, False, False]))
    0.875
    >>> _auc(np.array([3.0, 2.0, 2.0, 1.0]), np.array([True, True, False, False]),
    ...      np.array([1.0, 3.0, 1.0, 1.0]))
    0.8125
    """
    if weights is not None and (weights < 0).any():
        raise ValueError("weights must not be negative")
    counted = outcomes if weights is None else outcomes[weights > 0]
    if counted.all() or not counted.any():
        return float("nan")
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(outcomes, scores, sample_weight=weights))


def evaluate(scored: ir.Table, outcome: ir.Table, column: str, *,
             probability: bool = False, scale: float = 1.0) -> RankingQuality:
    """`ranking_quality` of ``scored[column]`` ÷ `scale` (100 for a percentage) against a
    model's outcome table.

    The population is the accounts in `outcome` (``account_id``, ``outcome`` and optionally
    ``weight``) that `scored` has a score for; only those two or three columns are fetched.

    Examples
    --------
    >>> scored = ibis.memtable({"account_id": ["a", "b", "c"], "s": [0.9, 0.5, None]})
    >>> outcome = ibis.memtable({"account_id": ["a", "b", "c"], "outcome": [True, False, True]})
    >>> evaluate(scored, outcome, "s").summary["accounts"]
    2
    """
    return evaluate_rankings(scored, outcome, [Ranking(column)], probability=probability,
                             scale=scale)[0]


def evaluate_rankings(scored: ir.Table, outcome: ir.Table, rankings: Sequence[Ranking], *,
                      probability: bool = False, scale: float = 1.0) -> list[RankingQuality]:
    """`ranking_quality` of each of `rankings` against a model's outcome table, in their order.

    A ranking's population is the accounts in `outcome` (``account_id``, ``outcome`` and
    optionally ``weight``) that its ``where`` keeps in `scored` and that have a score in its
    column; scores are divided by `scale` (100 for a percentage). One query fetches the
    outcome, each ranked column and each population's flag, in account id order.

    Examples
    --------
    Customers (``arr`` > 0) ranked by whitespace, the others by potential:

    >>> scored = ibis.memtable({"account_id": ["a", "b", "c", "d"], "arr": [50.0, 10.0, 0.0, 0.0],
    ...     "whitespace": [10.0, 40.0, 30.0, 20.0], "potential": [60.0, 50.0, 30.0, 20.0]})
    >>> outcome = ibis.memtable({"account_id": ["a", "b", "c", "d"],
    ...     "outcome": [False, True, False, True]})
    >>> customers = Ranking("whitespace", "customers", lambda accounts: accounts.arr > 0)
    >>> prospects = Ranking("potential", "prospects", lambda accounts: accounts.arr == 0)
    >>> [q.summary["auc"] for q in evaluate_rankings(scored, outcome, [customers, prospects])]
    [1.0, 0.0]
    """
    columns = list(dict.fromkeys(r.column for r in rankings))
    fetched = {f"_score_{i}": scored[c] for i, c in enumerate(columns)}
    fetched |= {f"_in_{i}": r.where(scored).fill_null(False)
                for i, r in enumerate(rankings) if r.where is not None}
    right = outcome.rename(_acct=t.ACCOUNT_ID)
    left = scored.select(t.ACCOUNT_ID, **fetched)
    joined = left.join(right, left[t.ACCOUNT_ID] == right._acct)
    fields = [t.ACCOUNT_ID, *fetched, OUTCOME] + ([WEIGHT] if WEIGHT in outcome.columns else [])
    frame = joined.select(*fields).order_by(t.ACCOUNT_ID).to_pyarrow()

    def values(name: str) -> np.ndarray:
        return frame[name].to_numpy(zero_copy_only=False)

    outcomes = values(OUTCOME).astype(bool)
    weights = np.nan_to_num(values(WEIGHT).astype(float)) if WEIGHT in outcome.columns else None
    qualities = []
    for i, ranking in enumerate(rankings):
        scores = values(f"_score_{columns.index(ranking.column)}").astype(float) / scale
        kept = ~np.isnan(scores)
        if ranking.where is not None:
            kept &= values(f"_in_{i}").astype(bool)
        qualities.append(ranking_quality(
            scores[kept], outcomes[kept], weights=None if weights is None else weights[kept],
            probability=probability, lowest_first=ranking.lowest_first))
    return qualities

"""Health validated on evidence: health at a past cut-off against churn and contraction after it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from segmint import tables as t
from segmint.dates import months_before


def later_losses(tables: Mapping[str, ir.Table], cutoff: dt.date, as_of: dt.date,
                 contraction: float) -> ir.Table | None:
    """The customers paying in the latest revenue month to `cutoff`, with ``churned`` (paying
    nothing in the latest month to `as_of`) and ``contracted`` (paying less than 1 −
    `contraction` of what they paid at the cut-off, without churning). None without revenue.

    >>> d = dt.date
    >>> revenue = ibis.memtable({"account_id": ["a", "a", "b", "b", "c", "c", "d"],
    ...     "period": [d(2024, 1, 1), d(2024, 6, 1)] * 3 + [d(2024, 6, 1)],
    ...     "mrr": [10.0, 0.0, 10.0, 5.0, 10.0, 9.5, 7.0]})
    >>> losses = later_losses({"revenue": revenue}, d(2024, 1, 31), d(2024, 6, 30), 0.1)
    >>> losses.order_by("account_id").execute().values.tolist()
    [['a', True, False], ['b', False, True], ['c', False, False]]
    """
    revenue = tables.get("revenue")
    if revenue is None:
        return None

    def paid_at(day: dt.date, name: str) -> ir.Table:
        known = revenue.filter(revenue[t.PERIOD] <= day)
        latest = known.filter(known[t.PERIOD] == known[t.PERIOD].max())
        return latest.group_by(_paid_id=latest[t.ACCOUNT_ID]).aggregate(
            **{name: latest[t.MRR].cast("float64").sum()})

    before, after = paid_at(cutoff, "_before"), paid_at(as_of, "_after")
    customers = before.filter(before._before > 0)
    after = after.rename(_after_id="_paid_id")
    joined = customers.left_join(after, customers._paid_id == after._after_id)
    now = joined._after.fill_null(0.0)
    churned = now <= 0
    return joined.select(**{t.ACCOUNT_ID: joined._paid_id, "churned": churned,
                            "contracted": ~churned & (now < joined._before * (1 - contraction))})


def validation_tables(model, context) -> dict[str, ir.Table]:
    """Health recomputed at ``backtest.months`` before the run's date from what was known
    then, against churn and contraction after: ``health_validation`` (by band),
    ``health_validation_deciles`` (1 = least healthy) and ``health_validation_summary``
    (customers, churned, contracted, AUC). Empty when the back-test is off or there is no
    revenue table."""
    from segmint.score.backtest import known_at, ranking_quality
    from segmint.score.stage import accounts_at

    months = context.project.backtest.months
    if not months or context.tables.get("revenue") is None:
        return {}
    cutoff = months_before(context.as_of, months)
    past_tables = known_at(context.tables, cutoff)
    past_accounts = accounts_at(context.accounts, past_tables)
    from segmint.context import RunContext
    from segmint.engine.kept import fetch_frame

    past = RunContext(context.project, cutoff, past_tables, past_accounts, keep=context.keep,
                      release=context.release)
    past_model = type(model)(model.settings).fit(past)
    scored = past_model.score(past_accounts)
    # kept before the join, as in learning the weights (`learning.learn_weights`)
    losses = context.keep(
        later_losses(context.tables, cutoff, context.as_of, model.settings.contraction),
        "health_losses")
    right = scored.select(_scored_id=scored[t.ACCOUNT_ID], health=scored.health,
                          health_band=scored.health_band)
    joined = losses.left_join(right, losses[t.ACCOUNT_ID] == right._scored_id)
    frame = fetch_frame(joined.select(t.ACCOUNT_ID, "health", "health_band", "churned",
                                      "contracted").order_by(t.ACCOUNT_ID))
    context.release(losses)
    frame["health_band"] = frame.health_band.fillna("no health")
    by_band = band_rates(frame, [*model.settings.bands.labels, "no health"])
    rated = frame[frame.health.notna()]
    health = rated.health.to_numpy(dtype=float)
    churned = rated.churned.to_numpy(dtype=bool)
    lost = churned | rated.contracted.to_numpy(dtype=bool)
    on_churn = ranking_quality(100.0 - health, churned)
    on_loss = ranking_quality(100.0 - health, lost)
    deciles = on_churn.deciles.rename(columns={"positives": "churned",
                                               "observed_rate": "churn_rate"})
    deciles["mean_health"] = 100.0 - deciles.pop("mean_score")
    deciles["churn_or_contraction_rate"] = on_loss.deciles.observed_rate
    deciles = deciles[["decile", "accounts", "mean_health", "churned", "churn_rate",
                       "churn_or_contraction_rate", "lift"]]
    summary = pd.DataFrame({
        "figure": ["cutoff", "as_of", "customers at the cut-off", "with a health score",
                   "churned after", "contracted after", "AUC of health on churn",
                   "AUC of health on churn or contraction"],
        "value": [str(cutoff), str(context.as_of), str(len(frame)), str(len(rated)),
                  str(int(frame.churned.sum())), str(int(frame.contracted.sum())),
                  _figure(on_churn.summary["auc"]), _figure(on_loss.summary["auc"])],
    })
    return {"health_validation": ibis.memtable(by_band),
            "health_validation_deciles": ibis.memtable(deciles),
            "health_validation_summary": ibis.memtable(summary)}


def band_rates(frame: pd.DataFrame, labels: list[str]) -> pd.DataFrame:
    """Per health band, in `labels` order: customers, churned and contracted after the
    cut-off, their rates and the band's mean health (bands without customers are left out).

    >>> frame = pd.DataFrame({"health_band": ["Red", "Red", "Green"], "health": [10.0, 30.0, 90.0],
    ...                       "churned": [True, False, False], "contracted": [False, True, False]})
    >>> band_rates(frame, ["Red", "Green"]).values.tolist()
    [['Red', 2, 20.0, 1, 1, 0.5, 0.5], ['Green', 1, 90.0, 0, 0, 0.0, 0.0]]
    """
    rows = []
    for label in labels:
        members = frame[frame.health_band == label]
        if members.empty:
            continue
        rows.append({"health_band": label, "customers": len(members),
                     "mean_health": float(members.health.mean()) if members.health.notna().any()
                     else float("nan"),
                     "churned": int(members.churned.sum()),
                     "contracted": int(members.contracted.sum()),
                     "churn_rate": float(members.churned.mean()),
                     "contraction_rate": float(members.contracted.mean())})
    return pd.DataFrame(rows, columns=["health_band", "customers", "mean_health", "churned",
                                       "contracted", "churn_rate", "contraction_rate"])


def _figure(value: float) -> str:
    """A rate or AUC as text, three decimals; "n/a" when it could not be computed.

    >>> _figure(0.71234), _figure(float("nan"))
    ('0.712', 'n/a')
    """
    return "n/a" if not np.isfinite(value) else f"{value:.3f}"

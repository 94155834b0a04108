"""Edge search: band edges for one numeric field that separate an outcome best, subject to a minimum band size.

The engine cuts the field into equal-count tiles (and at the current edges) into a few dozen bins
and adds up, per bin, the figures the scorecard reads (`segmint.plan.scenarios.account_outcomes`);
every choice of edges among those cut points is then scored from the bins' sums alone, as
the scorecard scores segments (`segmint.plan.scorecard`). So the curve of discriminative power
against the number of bands costs one engine query.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from segmint import tables as t
from segmint.exceptions import ConfigError
from segmint.plan import scorecard as sc
from segmint.config.project import Bands
from segmint.plan.scenarios import CONTINUOUS, RATES, ScenarioBase

BINS = 40  # quantile cut points tried; C(40, 3) = 9,880 choices of four bands
MAX_BANDS = 4


def edge_bins(accounts: ir.Table, outcomes: ir.Table, field: str, *, measure: str = "win_rate",
              current: Sequence[float] = (), bins: int = BINS) -> pd.DataFrame:
    """Per bin of `field` (cut where each of `bins` equal-count tiles starts, and at the
    `current` edges), the accounts and
    the sums `measure` is scored from: ``lower`` (the bin's lower edge; the first is -inf),
    ``accounts`` and ``_n``/``_sum``/``_sq`` or ``_trials``/``_hits``.

    Accounts with no value are left out (a bands dimension leaves them unassigned).

    >>> accounts = ibis.memtable({"account_id": list("abcd"), "employees": [5.0, 50, 500, None]})
    >>> outcomes = ibis.memtable({"account_id": list("abcd"), "_trials_win_rate": [2, 2, 2, 2],
    ...                           "_hits_win_rate": [0, 1, 2, 2]})
    >>> edge_bins(accounts, outcomes, "employees", current=[100], bins=3).values.tolist()
    [[-inf, 1.0, 2.0, 0.0], [50.0, 1.0, 2.0, 1.0], [100.0, 0.0, 0.0, 0.0], [500.0, 1.0, 2.0, 2.0]]
    """
    columns = outcome_columns(measure)
    if field not in accounts.columns:
        raise ConfigError(f"the accounts have no column {field!r} to search band edges on. "
                          f"{_hint(field, accounts)}")
    value = accounts[field].cast("float64")
    known = accounts.filter(value.notnull()).select(t.ACCOUNT_ID, _value=value)
    # the smallest value of each of `bins` equal-count tiles: cuts are values accounts have
    tiles = known.mutate(_tile=ibis.ntile(bins).over(order_by=known._value))
    found = tiles.group_by("_tile").aggregate(_lowest=tiles._value.min())._lowest \
        .to_pyarrow().to_pylist()
    lowest = min(found, default=None)
    cuts = sorted({float(v) for v in (*found, *current) if v != lowest})
    if not cuts:
        return pd.DataFrame(columns=["lower", "accounts", *columns])
    rows = known.join(outcomes.select(t.ACCOUNT_ID, *columns), t.ACCOUNT_ID)
    # the bin is how many cuts lie at or below the value: a cut's own value goes above it,
    # as a bands dimension's lower edges are inclusive
    position = sum((rows._value >= cut).cast("int64") for cut in cuts)
    per_bin = rows.group_by(_bin=position).aggregate(
        accounts=rows.count(), **{c: rows[c].sum() for c in columns}).to_pandas()
    lower = [-np.inf, *cuts]
    frame = pd.DataFrame({"_bin": range(len(lower)), "lower": lower})
    frame = frame.merge(per_bin, on="_bin", how="left").fillna(0).drop(columns="_bin")
    frame["accounts"] = frame["accounts"].astype("int64")
    return frame[["lower", "accounts", *columns]]


def edge_curve(bins: pd.DataFrame, *, measure: str = "win_rate", min_accounts: int = 1,
               max_bands: int = MAX_BANDS, current: Sequence[float] = ()) -> pd.DataFrame:
    """The best edges for 2 to `max_bands` bands, each band holding at least `min_accounts`,
    and where the `current` edges sit: one row per number of bands, then the current edges.

    Columns: ``bands``, ``edges`` (the lower edges of every band but the first),
    ``score`` (`segmint.plan.scorecard.variance_explained` or `rate_information` of the
    bands), ``smallest_band`` (accounts) and ``current`` (True on the current edges' row).
    A number of bands no choice of edges can fill to `min_accounts` has no row.

    Examples
    --------
    Win rates 0/2, 1/2, 2/2 and 2/2 in four bins: two bands are best cut at 50 or 500, and
    the current edge, 5,000, separates less.

    >>> bins = pd.DataFrame({"lower": [-np.inf, 50.0, 500.0, 5000.0], "accounts": [1] * 4,
    ...     "_trials_win_rate": [20] * 4, "_hits_win_rate": [0, 10, 20, 20]})
    >>> curve = edge_curve(bins, max_bands=3, current=[5000.0])
    >>> curve[["bands", "edges", "current"]].values.tolist()
    [[2, [500.0], False], [3, [50.0, 500.0], False], [2, [5000.0], True]]
    >>> bool(curve.score[0] > curve.score[2])
    True
    """
    columns = outcome_columns(measure)
    inner = list(bins["lower"].iloc[1:])
    sums = bins[["accounts", *columns]].to_numpy(dtype="float64")
    rows = []
    for bands in range(2, max_bands + 1):
        best = None
        for chosen in itertools.combinations(range(1, len(bins)), bands - 1):
            grouped = np.add.reduceat(sums, [0, *chosen], axis=0)
            if grouped[:, 0].min() < min_accounts:
                continue
            score = _score(grouped, measure)
            if best is None or score > best[0] + 1e-12:  # ties: the first, lowest edges
                best = (score, [inner[i - 1] for i in chosen], int(grouped[:, 0].min()))
        if best is not None:
            rows.append({"bands": bands, "edges": best[1], "score": round(best[0], 6),
                         "smallest_band": best[2], "current": False})
    if len(current):
        starts = [0, *(int(np.searchsorted(bins["lower"].to_numpy(), edge)) for edge in current)]
        grouped = np.add.reduceat(sums, starts, axis=0)
        rows.append({"bands": len(current) + 1, "edges": [float(e) for e in current],
                     "score": round(_score(grouped, measure), 6),
                     "smallest_band": int(grouped[:, 0].min()), "current": True})
    return pd.DataFrame(rows, columns=["bands", "edges", "score", "smallest_band", "current"])


def _score(grouped: np.ndarray, measure: str) -> float:
    """`measure` of bands given as rows of (accounts, the measure's sums)."""
    if measure in RATES:
        return sc.rate_information(grouped[:, 2], grouped[:, 1])
    return sc.variance_explained(grouped[:, 1], grouped[:, 2], grouped[:, 3])


def outcome_columns(measure: str) -> list[str]:
    """The outcome columns `measure` is scored from, in the order `_score` reads them; a
    measure that is none of `RATES` and `CONTINUOUS` is refused.

    >>> outcome_columns("win_rate")
    ['_trials_win_rate', '_hits_win_rate']
    """
    if measure in RATES:
        return [f"_trials_{measure}", f"_hits_{measure}"]
    if measure in CONTINUOUS:
        return [f"_n_{measure}", f"_sum_{measure}", f"_sq_{measure}"]
    raise ConfigError(f"{measure!r} is not an outcome to search band edges on: use one of "
                      f"{', '.join([*RATES, *CONTINUOUS])}.")


def _hint(field: str, accounts: ir.Table) -> str:
    from segmint.exceptions import closest_hint

    numeric = [c for c, dtype in accounts.schema().items() if dtype.is_numeric()]
    return closest_hint(field, numeric)


def search_edges(base: ScenarioBase, field: str, *, measure: str = "win_rate",
                 min_share: float = 0.05, max_bands: int = MAX_BANDS) -> pd.DataFrame:
    """The edge search for `field` on a scenario base: the best edges per number of bands,
    each band holding at least `min_share` of the accounts with a value, and the current
    edges (those of the project's bands dimension on `field`, if it has one).

    Returns `edge_curve`'s table with ``field`` and ``measure`` first and the edges as text
    (``"200, 2,000"``), ready to write.
    """
    context = base.context
    current: list[float] = next(
        (list(spec.edges) for spec in context.project.segmentation.dimensions.values()
         if isinstance(spec, Bands) and spec.field == field), [])
    bins = edge_bins(context.accounts, base.outcomes, field, measure=measure, current=current)
    minimum = max(1, int(np.ceil(min_share * bins["accounts"].sum())))
    curve = edge_curve(bins, measure=measure, min_accounts=minimum, max_bands=max_bands,
                       current=current)
    curve["edges"] = [", ".join(f"{edge:,.6g}" for edge in edges) for edges in curve["edges"]]
    curve.insert(0, "measure", measure)
    curve.insert(0, "field", field)
    return curve

"""Look-alike spend: quantile gradient boosting on binned firmographics, kept as a lookup table.

The model reads a few features of each account: employees (and optionally annual revenue),
binned on a log scale in the engine, and categories such as the NAICS sector and the sales
region. Three `HistGradientBoostingRegressor` with quantile loss (the low end of the range,
the potential's quantile, the high end) learn the log of customers' ARR from them. Since the
inputs are bins, the fitted models are functions of a finite grid of feature values: the grid
is predicted once, made monotone in size, and joined onto any table in the engine. Scoring
never pulls the accounts into Python.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from segmint import tables as t


@dataclass(frozen=True)
class Binning:
    """A size feature binned on a log scale: bin k holds ``floor × 10^(k / per_decade)`` up to
    the next edge; values below `floor` fall in bin 0, values above the last bin in the last."""

    column: str
    per_decade: int
    floor: float
    bins: int  # the highest bin

    def lower_edge(self, k: int) -> float:
        """The smallest value of bin `k`.

        >>> round(NUMERIC["employees"].lower_edge(32), 6)  # 10^(32 / 16)
        100.0
        """
        return self.floor * 10 ** (k / self.per_decade)


# Size features (monotone: more of it never lowers the potential) and categorical features.
NUMERIC = {
    "employees": Binning(t.EMPLOYEES, per_decade=16, floor=1.0, bins=16 * 7),  # steps of 15%
    "annual_revenue": Binning(t.ANNUAL_REVENUE, per_decade=4, floor=1e4, bins=4 * 9),
}
CATEGORICAL = {"naics_sector": t.NAICS_SECTOR, "region": t.REGION, "country": t.COUNTRY}
FEATURES = (*NUMERIC, *CATEGORICAL)
MISSING_BIN, MISSING_CATEGORY = -1, ""  # a feature the account does not have, in the keys
MAX_GRID_CELLS = 2_000_000
LOW, MID, HIGH = "_lookalike_low", "_lookalike", "_lookalike_high"  # spend at the three quantiles
# The edge of a bin is computed as floor(per_decade × log10(x)), nudged up so that an exact
# power of ten (1,000 employees) lands in its own bin on every engine's log10.
_NUDGE = 1e-9


def key(feature: str) -> str:
    """The name of a feature's key column while potential is scored."""
    return f"_potential_{feature}"


def size_bin(value: ir.NumericValue, binning: Binning) -> ir.IntegerValue:
    """The log-scale bin of each value; `MISSING_BIN` where it is missing.

    >>> table = ibis.memtable({"employees": [1.0, 99.0, 100.0, 1000.0, 5e7, None]})
    >>> size_bin(table.employees, NUMERIC["employees"]).execute().tolist()
    [0, 31, 32, 48, 112, -1]
    """
    x = value.cast("float64").clip(lower=binning.floor) / binning.floor
    k = (x.log10() * binning.per_decade + _NUDGE).floor().cast("int64").clip(upper=binning.bins)
    return k.fill_null(MISSING_BIN)


def category(value: ir.Value, known: Sequence[str]) -> ir.StringValue:
    """The value where the model knows it, else `MISSING_CATEGORY` (unseen values are missing)."""
    text = value.cast("string")
    if not known:
        return ibis.literal(MISSING_CATEGORY)
    return ibis.ifelse(text.isin(list(known)).fill_null(False), text, MISSING_CATEGORY)


def with_keys(table: ir.Table, features: Sequence[str],
              categories: dict[str, list[str]] | None) -> ir.Table:
    """`table` with a key column per feature. Without `categories` (before the fit knows them)
    a categorical key is the value as it is, missing as `MISSING_CATEGORY`."""
    keys = {}
    for feature in features:
        if feature in NUMERIC:
            keys[key(feature)] = size_bin(table[NUMERIC[feature].column], NUMERIC[feature])
        elif categories is None:
            keys[key(feature)] = table[CATEGORICAL[feature]].cast("string").fill_null(MISSING_CATEGORY)
        else:
            keys[key(feature)] = category(table[CATEGORICAL[feature]], categories[feature])
    return table.mutate(**keys)


@dataclass
class Lookalike:
    """The fitted quantile models on their grid: a row per combination of feature keys with
    the look-alike spend at the three quantiles (`LOW`, `MID`, `HIGH`)."""

    features: tuple[str, ...]
    categories: dict[str, list[str]]
    quantiles: tuple[float, float, float]
    lookup: pd.DataFrame
    importance: pd.DataFrame
    raised_cells: int  # grid cells the monotone projection raised
    largest_raise: float  # ... by at most this factor − 1
    customers: int
    pinball_loss: float  # of the potential's model on (a sample of) its customers, in log ARR

    def spend(self, keys: pd.DataFrame) -> pd.DataFrame:
        """`LOW`, `MID`, `HIGH` for rows of feature keys (as `with_keys` makes them; a
        category the model never saw is taken as missing, as `category` does)."""
        columns = [key(f) for f in self.features]
        known = keys[columns].copy()
        for feature, seen in self.categories.items():
            known[key(feature)] = known[key(feature)].where(
                known[key(feature)].isin(seen), MISSING_CATEGORY)
        return known.merge(self.lookup, on=columns, how="left")[[LOW, MID, HIGH]]


def encode(keys: pd.DataFrame, features: Sequence[str],
           categories: dict[str, list[str]]) -> np.ndarray:
    """The model's inputs: bins as numbers, categories as codes, missing as NaN."""
    columns = []
    for feature in features:
        values = keys[key(feature)]
        if feature in NUMERIC:
            numbers = values.to_numpy(dtype=float)
            columns.append(np.where(numbers == MISSING_BIN, np.nan, numbers))
        else:
            codes = {name: code for code, name in enumerate(categories[feature])}
            columns.append(values.map(codes).to_numpy(dtype=float))  # unseen or '' → NaN
    return np.column_stack(columns)


def fit_lookalike(keys: pd.DataFrame, arr: np.ndarray, features: Sequence[str], *,
                  quantiles: tuple[float, float, float], iterations: int,
                  learning_rate: float, max_leaf_nodes: int, min_leaf: int,
                  importance_rows: int = 5_000) -> Lookalike:
    """Fit the three quantile models on customers' keys and ARR, and predict their grid.

    Quantiles of log ARR are the logs of quantiles of ARR, so the models learn log ARR, which
    trees split far better (spend grows by factors, not by amounts). scikit-learn's quantile
    loss resets each leaf to a quantile of its residuals after the tree is grown, which can
    break the monotone constraint by a little (a percent or two on the demo company); the grid is
    then projected onto it: along each size feature, each value is at least the one below.
    The three quantiles are kept from crossing the same way.
    """
    from sklearn.ensemble import HistGradientBoostingRegressor
    from sklearn.inspection import permutation_importance
    from sklearn.metrics import make_scorer, mean_pinball_loss
    from threadpoolctl import threadpool_limits

    categories = {f: sorted(set(keys[key(f)]) - {MISSING_CATEGORY})
                  for f in features if f in CATEGORICAL}
    x = encode(keys, features, categories)
    y = np.log(arr)
    monotone = [1 if f in NUMERIC else 0 for f in features]
    categorical = np.array([f in CATEGORICAL for f in features], dtype=bool)
    models = []
    # one thread: on a few tens of thousands of rows, OpenMP threads cost more than they give,
    # many times more on a busy machine
    with threadpool_limits(limits=1, user_api="openmp"):
        for q in quantiles:
            models.append(HistGradientBoostingRegressor(
                loss="quantile", quantile=q, max_iter=iterations, learning_rate=learning_rate,
                max_leaf_nodes=max_leaf_nodes, min_samples_leaf=min_leaf,
                monotonic_cst=monotone, categorical_features=categorical,
                early_stopping=False, random_state=0).fit(x, y))
        axes = _axes(features, categories)
        cells = int(np.prod([len(values) for _, values in axes]))
        if cells > MAX_GRID_CELLS:
            raise ValueError(
                f"scores.potential.features {list(features)} make {cells:,} combinations to "
                f"score, more than {MAX_GRID_CELLS:,}: use region rather than country, or leave "
                "annual_revenue out")
        grid = np.array(list(itertools.product(*(codes for codes, _ in axes))), dtype=float)
        grid = grid.reshape(-1, len(features))
        shape = tuple(len(codes) for codes, _ in axes)
        predicted = [m.predict(grid).reshape(shape) for m in models]
        mid = models[1]
        sample = np.random.default_rng(0).permutation(len(y))[:importance_rows]
        scorer = make_scorer(mean_pinball_loss, alpha=quantiles[1], greater_is_better=False)
        shuffled = permutation_importance(mid, x[sample], y[sample], scoring=scorer,
                                          n_repeats=5, random_state=0)
        loss = float(mean_pinball_loss(y[sample], mid.predict(x[sample]), alpha=quantiles[1]))
    before = [p.copy() for p in predicted]
    for axis, feature in enumerate(features):
        if feature in NUMERIC:
            predicted = [_monotone_along(p, axis) for p in predicted]
    low, middle, high = predicted
    middle = np.maximum(middle, low)
    high = np.maximum(high, middle)
    raised = np.stack([low, middle, high]) - np.stack(before)
    lookup = pd.DataFrame(list(itertools.product(*(values for _, values in axes))),
                          columns=[key(f) for f in features])
    for column, values in ((LOW, low), (MID, middle), (HIGH, high)):
        lookup[column] = np.round(np.exp(values.ravel()), 2)  # in cents, as ARR is
    importance = pd.DataFrame({"feature": list(features),
                               "importance": shuffled.importances_mean})
    positive = importance.importance.clip(lower=0)
    importance["share"] = positive / positive.sum() if positive.sum() > 0 else 0.0
    return Lookalike(tuple(features), categories, quantiles, lookup,
                     importance.sort_values("importance", ascending=False, kind="stable")
                     .reset_index(drop=True),
                     int((raised > 1e-12).any(axis=0).sum()),
                     float(np.expm1(raised.max())) if raised.size else 0.0,
                     len(y), loss)


def _axes(features: Sequence[str], categories: dict[str, list[str]]) -> list[tuple[list, list]]:
    """Per feature, the model's input codes and the key values they stand for, missing first."""
    axes = []
    for feature in features:
        if feature in NUMERIC:
            bins = list(range(NUMERIC[feature].bins + 1))
            axes.append(([np.nan, *bins], [MISSING_BIN, *bins]))
        else:
            known = categories[feature]
            axes.append(([np.nan, *range(len(known))], [MISSING_CATEGORY, *known]))
    return axes


def _monotone_along(values: np.ndarray, axis: int) -> np.ndarray:
    """Each value at least the one before it along `axis`, the first (missing) entry apart.

    >>> _monotone_along(np.array([5.0, 1.0, 3.0, 2.0, 4.0]), 0).tolist()
    [5.0, 1.0, 3.0, 3.0, 4.0]
    """
    out = values.copy()
    body = [slice(None)] * values.ndim
    body[axis] = slice(1, None)
    out[tuple(body)] = np.maximum.accumulate(values[tuple(body)], axis=axis)
    return out


def weighted_quantiles(values: np.ndarray, weights: np.ndarray, quantiles: Sequence[float]) -> list[float]:
    """Quantiles of `values` repeated `weights` times (the smallest value reaching each share).

    >>> weighted_quantiles(np.array([10.0, 20.0, 30.0]), np.array([1, 1, 2]), [0.5, 0.75])
    [20.0, 30.0]
    """
    if not len(values) or weights.sum() <= 0:
        return [float("nan")] * len(quantiles)
    return [float(v) for v in np.quantile(values, list(quantiles), weights=weights,
                                          method="inverted_cdf")]

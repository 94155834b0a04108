"""The learned fit: a calibrated logistic regression on binned attributes, scored in the engine.

Every feature is cut into a few levels (a numeric one at quantiles of the accounts learnt from,
a categorical one into its frequent values, ``other`` and ``missing``), so the fitted model
is a sum of one weight per level followed by a sigmoid: an engine expression (a ``CASE`` per
feature), and each account's top factors are the levels that move its log-odds most from the
average. Fitted in scikit-learn on one row per account with a decided deal.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from segmint import tables as t
from segmint.engine.kept import fetch_frame
from segmint.score.fit.outcomes import LOST, WON
from segmint.score.registry import score_columns

MISSING, OTHER = "missing", "other"
FIRMOGRAPHICS = (t.EMPLOYEES, t.ANNUAL_REVENUE, t.NAICS_SECTOR, t.REGION)
# Columns that are no attribute of the company: keys, names, what enrichment derived from them
# (the firmographics above stand for it), whether and what it pays (the outcome itself).
NOT_ATTRIBUTES = frozenset({
    *t.ACCOUNTS.columns, *t.ENRICHED_COLUMNS, *t.LINEAGE, t.IS_CUSTOMER, t.ARR,
}) - set(FIRMOGRAPHICS)


@dataclass(frozen=True)
class Feature:
    """One attribute cut into levels: numeric at `edges`, categorical into `categories`."""

    name: str
    edges: tuple[float, ...] | None = None
    categories: tuple[str, ...] | None = None

    @property
    def levels(self) -> list[str]:
        """Every level this feature can take, in a fixed order.

        >>> Feature("employees", edges=(50.0, 1000.0)).levels
        ['under 50', '50 to 1,000', '1,000 or more', 'missing']
        """
        if self.edges is None:
            return [*self.categories, OTHER, MISSING]
        shown = [_number(e) for e in self.edges]
        if not shown:
            return ["any", MISSING]
        middle = [f"{a} to {b}" for a, b in zip(shown, shown[1:])]
        return [f"under {shown[0]}", *middle, f"{shown[-1]} or more", MISSING]

    def level(self, table: ir.Table) -> ir.StringValue:
        """Each row's level, as an engine expression (`levels_of` is its twin in NumPy)."""
        value = table[self.name]
        labels = self.levels
        if self.edges is None:
            text = value.cast("string")
            return ibis.cases((text.isnull(), MISSING),
                              (text.isin(list(self.categories)), text), else_=OTHER)
        number = value.cast("float64")
        cases = [(number < edge, labels[i]) for i, edge in enumerate(self.edges)]
        return ibis.cases((number.isnull() | number.isnan(), MISSING), *cases,
                          else_=labels[len(self.edges)])

    def levels_of(self, values: pd.Series) -> np.ndarray:
        """Each value's level, as `level` gives it in the engine (categories as text)."""
        labels = np.array(self.levels, dtype=object)
        if self.edges is None:
            known = values.isin(self.categories).to_numpy()
            return np.where(values.isna().to_numpy(), MISSING,
                            np.where(known, values.to_numpy(dtype=object), OTHER))
        numbers = values.to_numpy(dtype=float)
        index = np.searchsorted(np.array(self.edges), numbers, side="right")
        return np.where(np.isnan(numbers), MISSING, labels[np.minimum(index, len(labels) - 2)])


def level_column(feature: str) -> str:
    """The name of a feature's level column while fit is scored."""
    return f"_fit_level_{feature}"


def _number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 10 or value == int(value) else f"{value:g}"


def candidate_features(accounts: ir.Table, chosen: Sequence[str] | None,
                       excluded: Sequence[str]) -> dict[str, str]:
    """The attributes fit may learn from, each ``numeric`` or ``categorical``: those named
    in `chosen`, or by default the firmographics the accounts have and every extra
    attribute column, never another score's (share of wallet is read off what the account
    pays: the outcome); dates never (a calendar feature learns when labels were recorded).

    >>> accounts = ibis.memtable({"account_id": ["a"], "employees": [5.0], "tier": ["Gold"],
    ...     "signed": [__import__("datetime").date(2024, 1, 1)], "arr": [1.0],
    ...     "share_of_wallet": [0.5]})
    >>> candidate_features(accounts, None, [])
    {'employees': 'numeric', 'tier': 'categorical'}
    """
    schema = accounts.schema()
    scores = score_columns()  # other scores: most are read off what an account pays
    names = list(chosen) if chosen is not None else [
        c for c in schema if c in FIRMOGRAPHICS
        or (c not in NOT_ATTRIBUTES and c not in scores and not c.startswith("_"))]
    kinds = {}
    for name in names:
        if name in excluded or name not in schema:
            continue
        dtype = schema[name]
        if dtype.is_numeric() and not dtype.is_boolean():
            kinds[name] = "numeric"
        elif dtype.is_string() or dtype.is_boolean():
            kinds[name] = "categorical"
    return kinds


@dataclass
class LearnedFit:
    """The fitted model: features, a weight per level, the calibration, what was left out."""

    features: list[Feature]
    weights: dict[str, dict[str, float]]  # feature -> level -> weight on the log-odds
    intercept: float
    slope: float  # the calibration: probability = 1 / (1 + exp(slope × log-odds + shift))
    shift: float
    effects: dict[str, dict[str, float]]  # feature -> level -> log-odds moved from the average
    positives: int  # deals won and customers kept it learnt from
    negatives: int  # deals lost and customers churned
    excluded: dict[str, str] = field(default_factory=dict)  # feature -> why

    def with_levels(self, table: ir.Table) -> ir.Table:
        """`table` with each feature's level in a column of its own (`level_column`), which
        `probability` and `factor_pairs` read: each level is worked out once per row."""
        return table.mutate(**{level_column(f.name): f.level(table) for f in self.features})

    def probability(self, leveled: ir.Table) -> ir.FloatingValue:
        """The calibrated probability of each row (levels from `with_levels`), in the engine."""
        odds = ibis.literal(self.intercept)
        for feature in self.features:
            odds = odds + leveled[level_column(feature.name)].substitute(
                self.weights[feature.name], else_=0.0)
        return 1.0 / (1.0 + (odds * self.slope + self.shift).exp())

    def probability_of(self, levels: Mapping[str, np.ndarray]) -> np.ndarray:
        """The same from levels in NumPy (the fit checks the engine against it)."""
        odds = np.full(len(next(iter(levels.values()))) if levels else 1, self.intercept)
        for feature in self.features:
            odds = odds + np.array([self.weights[feature.name][lv] for lv in levels[feature.name]])
        return 1.0 / (1.0 + np.exp(odds * self.slope + self.shift))

    def factor_pairs(self, leveled: ir.Table) -> list[tuple[ir.NumericValue, ir.StringValue]]:
        """Per feature, the effect of each row's level and its label ``feature level`` with
        ``(+)`` where it raises the fit and ``(-)`` where it lowers it, as
        `segmint.score.fit.factors.top_factors` ranks them (levels from `with_levels`)."""
        pairs = []
        for feature in self.features:
            level = leveled[level_column(feature.name)]
            effects = self.effects[feature.name]
            labels = {lv: f"{feature.name} {lv} ({'+' if e > 0 else '-'})"
                      for lv, e in effects.items()}
            pairs.append((level.substitute(effects, else_=0.0),
                          level.substitute(labels, else_=ibis.null("string"))))
        return pairs


def fetch_sample(table: ir.Table, limit: int, *, key: str = t.ACCOUNT_ID,
                 rows: int | None = None) -> pd.DataFrame:
    """`table`'s rows in the order of `key`, as pandas; when it has more than `limit` rows, a
    sample of `limit` of them drawn in the engine, so only those rows leave it.

    The sample is the same on every engine and as drawing it in NumPy from every row:
    positions ``numpy.random.default_rng(0).choice(rows, limit, replace=False)`` in the order
    of `key`, sorted. `rows` is the table's row count when the caller already has it (else
    it is counted). A learned model needs a few hundred thousand rows at most; at a million
    accounts fetching them all first would hold every one of them in pandas.

    Examples
    --------
    >>> table = ibis.memtable({"account_id": list("edcba"), "x": [5, 4, 3, 2, 1]})
    >>> fetch_sample(table, 10).x.tolist()
    [1, 2, 3, 4, 5]
    >>> positions = np.sort(np.random.default_rng(0).choice(5, 3, replace=False))
    >>> fetch_sample(table, 3).x.tolist() == [[1, 2, 3, 4, 5][i] for i in positions]
    True
    """
    rows = int(table.count().execute()) if rows is None else rows
    if rows > limit:
        chosen = np.sort(np.random.default_rng(0).choice(rows, limit, replace=False))
        picked = ibis.memtable({"_sample_position": chosen.astype("int64")})
        numbered = table.mutate(_sample_position=ibis.row_number().over(order_by=table[key]))
        table = numbered.semi_join(picked, "_sample_position").drop("_sample_position")
    return fetch_frame(table.order_by(key))


def fit_learned(rows: pd.DataFrame, kinds: Mapping[str, str], *, bins: int,
                min_level_accounts: int, max_categories: int, max_fill_gap: float,
                leak_auc: float, regularisation: float) -> LearnedFit:
    """Fit on one row per account with something to learn from: `WON` and `LOST` (deals won
    and customers kept; deals lost and customers churned) and a column per candidate feature
    (categorical ones as text). Each account weighs as its counts: the model learns the
    chance that a deal is won (or a customer kept).

    A feature is left out when its filling differs between the two outcomes by more than
    `max_fill_gap` (a field recorded when a deal is won or a customer leaves: it exists only
    for one side), when it has a value per account (an identifier), or when its levels alone
    rank the outcomes with an AUC of `leak_auc` or more (no attribute known before the
    outcome tells it that well). What is left out is said in `LearnedFit.excluded`.
    """
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score

    won, lost = rows[WON].to_numpy(dtype=float), rows[LOST].to_numpy(dtype=float)
    account = np.concatenate([np.flatnonzero(won > 0), np.flatnonzero(lost > 0)])
    y = np.concatenate([np.ones(int((won > 0).sum()), bool), np.zeros(int((lost > 0).sum()), bool)])
    weight = np.concatenate([won[won > 0], lost[lost > 0]])
    positives, negatives = int((won > 0).sum()), int((lost > 0).sum())
    if min(positives, negatives) < 2:
        raise ValueError(f"fit needs at least two accounts with a deal won or kept and two with "
                         f"one lost or churned; there are {positives} and {negatives}")
    features, excluded, levels = [], {}, {}
    for name, kind in kinds.items():
        values = rows[name]
        filled = values.notna().to_numpy()[account]
        on_won, on_lost = (np.average(filled[side], weights=weight[side]) for side in (y, ~y))
        if abs(on_won - on_lost) > max_fill_gap:
            excluded[name] = (f"filled for {on_won:.0%} of accounts won or kept and "
                              f"{on_lost:.0%} of those lost or churned: recorded with the "
                              "outcome, not before it")
            continue
        feature = _cut(name, kind, values, bins=bins, min_level_accounts=min_level_accounts,
                       max_categories=max_categories)
        if feature is None:
            excluded[name] = "a different value for nearly every account: an identifier"
            continue
        level = feature.levels_of(values)[account]
        frame = pd.DataFrame({"level": level, "won": y * weight, "weight": weight})
        sums = frame.groupby("level")[["won", "weight"]].transform("sum")
        alone = roc_auc_score(y, (sums.won / sums.weight).to_numpy(), sample_weight=weight)
        if alone >= leak_auc:
            excluded[name] = (f"alone ranks the outcomes with an AUC of {alone:.2f}: more than "
                              "an attribute known beforehand can tell, likely recorded after")
            continue
        features.append(feature)
        levels[name] = level
    x, columns = _one_hot(features, levels, len(y))
    splits = _account_folds(account, won > 0, max(2, min(5, positives, negatives)))
    model = CalibratedClassifierCV(
        LogisticRegression(C=regularisation, max_iter=5000), method="sigmoid",
        cv=splits, ensemble=False).fit(x, y, sample_weight=weight)
    calibrated = model.calibrated_classifiers_[0]
    base, calibrator = calibrated.estimator, calibrated.calibrators[0]
    coefficients = dict(zip(columns, base.coef_[0]))
    weights = {f.name: {lv: float(coefficients[(f.name, lv)]) for lv in f.levels}
               for f in features}
    slope, shift = float(calibrator.a_), float(calibrator.b_)
    effects = {}
    for feature in features:
        used = np.array([weights[feature.name][lv] for lv in levels[feature.name]])
        average = np.average(used, weights=weight)
        # a level no account learnt from (missing, when every account learnt from had the
        # field) tells nothing: it scores as the average, not as the coding's zero
        seen = set(levels[feature.name])
        weights[feature.name] = {lv: w if lv in seen else float(average)
                                 for lv, w in weights[feature.name].items()}
        effects[feature.name] = {lv: -slope * (w - average)  # + raises the probability
                                 for lv, w in weights[feature.name].items()}
    return LearnedFit(features, weights, float(base.intercept_[0]), slope, shift, effects,
                      int(won.sum()), int(lost.sum()), excluded)


def _account_folds(account: np.ndarray, won: np.ndarray,
                   folds: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Train and test rows of `folds` cross-validation folds that keep each account's rows
    together, the accounts with a win and those without dealt out evenly (a seeded shuffle:
    scikit-learn's StratifiedGroupKFold takes seconds on a few thousand accounts).

    >>> [test.tolist() for _, test in _account_folds(np.array([0, 1, 2, 3, 0]),
    ...                                               np.array([True, True, False, False]), 2)]
    [[0, 2, 4], [1, 3]]
    """
    fold = np.empty(len(won), dtype=int)
    shuffle = np.random.default_rng(0)
    for stratum in (won, ~won):
        members = shuffle.permutation(np.flatnonzero(stratum))
        fold[members] = np.arange(len(members)) % folds
    row_fold = fold[account]
    return [(np.flatnonzero(row_fold != f), np.flatnonzero(row_fold == f)) for f in range(folds)]


def _cut(name: str, kind: str, values: pd.Series, *, bins: int, min_level_accounts: int,
         max_categories: int) -> Feature | None:
    """The feature's levels from the values of the accounts learnt from; None for an identifier."""
    present = values.dropna()
    if kind == "numeric":
        numbers = present.to_numpy(dtype=float)
        numbers = numbers[np.isfinite(numbers)]
        if not len(numbers):
            return Feature(name, edges=())
        cuts = np.quantile(numbers, np.arange(1, bins) / bins)
        edges = sorted({_two_digits(c) for c in cuts if c > numbers.min()})
        return Feature(name, edges=tuple(edges))
    counts = present.astype(str).value_counts()
    if len(counts) > max_categories and len(counts) > 0.5 * len(values):
        return None
    frequent = counts[counts >= min_level_accounts]
    frequent = frequent.sort_index(kind="stable").sort_values(ascending=False, kind="stable")
    return Feature(name, categories=tuple(frequent.index[:max_categories]))


def _two_digits(value: float) -> float:
    """`value` rounded to two significant digits (an edge people can read).

    >>> _two_digits(1234.5), _two_digits(0.0567), _two_digits(0.0)
    (1200.0, 0.057, 0.0)
    """
    if value == 0:
        return 0.0
    digits = 1 - int(math.floor(math.log10(abs(value))))
    return float(round(value, digits))


def _one_hot(features: Sequence[Feature], levels: Mapping[str, np.ndarray],
             rows: int) -> tuple[object, list[tuple[str, str]]]:
    """A column per (feature, level), 1 where the row has that level: sparse, since a row
    has one level per feature (200,000 rows × 300 levels dense would be 480 MB).

    >>> size = Feature("employees", edges=(50.0,))
    >>> x, columns = _one_hot([size], {"employees": np.array(["missing", "under 50"])}, 2)
    >>> columns[2], x.toarray().tolist()
    (('employees', 'missing'), [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])
    """
    from scipy import sparse

    columns = [(f.name, lv) for f in features for lv in f.levels]
    if not columns:  # nothing to learn from: the base rate alone
        return sparse.csr_matrix((rows, 1)), [("", "")]
    row_ids, column_ids = [], []
    first = 0
    for feature in features:
        # a category written like a level of its own ("other") sets its first column only
        distinct = list(dict.fromkeys(feature.levels))
        at = np.array([feature.levels.index(lv) for lv in distinct], dtype=np.int64)
        code = pd.Categorical(levels[feature.name], categories=distinct).codes
        row_ids.append(np.flatnonzero(code >= 0))
        column_ids.append(first + at[code[code >= 0]])
        first += len(feature.levels)
    rows_at, columns_at = np.concatenate(row_ids), np.concatenate(column_ids)
    x = sparse.csr_matrix((np.ones(len(rows_at)), (rows_at, columns_at)),
                          shape=(rows, len(columns)))
    return x, columns

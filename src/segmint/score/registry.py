"""The score registry: account-level models by name, what they need, and the columns they add."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict, Field, PositiveFloat, ValidationError, model_validator

from segmint.exceptions import ConfigError, closest_hint
from segmint.sections import Section
from segmint.tables import TableSpec

if TYPE_CHECKING:  # the registry stays light: the project check imports it before any engine
    import ibis.expr.types as ir
    import pandas as pd

    from segmint.context import RunContext

PARAMETER, VALUE, DETAIL = "parameter", "value", "detail"  # a fitted-parameters table's columns
EVERY_ACCOUNT = "all"  # a back-test ranking's population: every account the outcome covers


@dataclass(frozen=True)
class Ranking:
    """One ranking a back-test measures: the accounts of `population` (those `where` keeps
    of the accounts scored at the cut-off; every one without it) ranked by `column`, highest
    first, or lowest first with `lowest_first` (a share of wallet: the least spent first).

    >>> Ranking("whitespace", "customers", lambda accounts: accounts.arr > 0).label
    'whitespace · customers'
    >>> Ranking("share_of_wallet", "customers", lowest_first=True).label
    'share_of_wallet, lowest first · customers'
    """

    column: str
    population: str = EVERY_ACCOUNT
    where: Callable[[ir.Table], ir.BooleanValue] | None = None
    lowest_first: bool = False

    @property
    def label(self) -> str:
        """How the back-test table and its chart name the ranking."""
        order = ", lowest first" if self.lowest_first else ""
        return f"{self.column}{order} · {self.population}"


class NoSettings(BaseModel):
    """A model without settings: `scores: {name: {}}` configures it."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ScoreModel:
    """Base of every account-level model: settings in, `fit` on summaries, `score` in the engine.

    A model's module imports NumPy, Ibis, scikit-learn and pandas inside its methods, not at
    the top: importing it registers the model, and the project check imports every model
    before any data is read, which must stay well under a second.

    Follows scikit-learn's contract: `__init__` stores the settings, `fit` learns from
    compact summaries (one row per account or per distinct statistic, fetched into NumPy)
    and returns ``self``, learned state ends in ``_``. `score` adds the registered columns
    to the accounts as engine expressions (a join to a small lookup table, bins, a formula),
    so scoring never pulls every account into pandas.

    A model that can be back-tested says what counts as success after a cut-off in
    `outcome` (see `segmint.score.backtest`); `parameters` is the small table of what it
    learned, written to the outputs so a run can be explained. A model may offer more output
    tables from a ``tables(accounts)`` method; those named in `account_tables` have a row
    per account: they are written, but never fetched into pandas.
    """

    Settings: ClassVar[type[BaseModel]] = NoSettings
    probability: ClassVar[bool] = False  # its score column is a probability (calibration applies)
    probability_scale: ClassVar[float] = 1.0  # ... on this scale (100: a percentage)
    backtest_column: ClassVar[str | None] = None  # what a back-test ranks (the first column added)
    account_tables: ClassVar[tuple[str, ...]] = ()  # outputs with a row per account

    def __init__(self, settings: BaseModel | None = None):
        self.settings = settings if settings is not None else self.Settings()

    def fit(self, context: RunContext) -> Self:
        """Learn from what `context` holds; the default learns nothing."""
        return self

    def score(self, accounts: ir.Table) -> ir.Table:
        """`accounts` with this model's columns added."""
        raise NotImplementedError

    def parameters(self) -> pd.DataFrame:
        """What the fit learned: ``parameter``, ``value`` and a ``detail`` in words."""
        import pandas as pd

        return pd.DataFrame({PARAMETER: pd.Series(dtype="string"),
                             VALUE: pd.Series(dtype="float64"), DETAIL: pd.Series(dtype="string")})

    @classmethod
    def rules_in(cls, settings: BaseModel) -> tuple[list[tuple[str, str]], set[str]]:
        """The rules its settings hold, each with where it is in segmint.yaml, and the
        columns beyond the accounts' that the model gives them to read; the project check
        looks their names up before any data is read. None by default."""
        return [], set()

    def outcome(self, context: RunContext, cutoff) -> ir.Table | None:
        """For a back-test: ``account_id`` and a boolean ``outcome`` (what the score should
        rank first) over what happened after `cutoff` up to ``context.as_of``; None when the
        model cannot be back-tested."""
        return None

    def backtest_rankings(self) -> tuple[Ranking, ...]:
        """The rankings a back-test measures against `outcome`; by default one, by
        `backtest_column` over every account the outcome covers (empty: the stage ranks by
        the first column the model adds)."""
        return (Ranking(self.backtest_column),) if self.backtest_column else ()


def parameter_table(rows: list[tuple[str, float, str]], *, band: str | None = None,
                    labels: list[str] = (), edges: list[float] = (),
                    unit: str = "") -> pd.DataFrame:
    """A fitted-parameters table from (parameter, value, detail) rows, then, for a `band`
    column, a ``band_edge_<i>`` row per edge: where `labels[i]` starts, in `unit`.

    >>> parameter_table([("customers", 12, "learnt from")], band="size_band",
    ...                 labels=["Low", "High"], edges=[5.0], unit="size").parameter.tolist()
    ['customers', 'band_edge_1']
    """
    import pandas as pd

    rows = [*rows, *((f"band_edge_{i}", edge, f"{band} {labels[i]} from this {unit}")
                     for i, edge in enumerate(edges, start=1))]
    return pd.DataFrame({PARAMETER: pd.Series([r[0] for r in rows], dtype="string"),
                         VALUE: pd.Series([float(r[1]) for r in rows], dtype="float64"),
                         DETAIL: pd.Series([r[2] for r in rows], dtype="string")})


class Bands(BaseModel):
    """A score's band: labels for values cut at `edges` (in the score's units) or at
    `quantiles` of the accounts' scores (by default the median and the 80th percentile:
    Low, Medium, High)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    labels: list[str] = Field(default_factory=lambda: ["Low", "Medium", "High"], min_length=2)
    quantiles: list[float] = Field(default_factory=lambda: [0.5, 0.8])
    edges: list[PositiveFloat] | None = None

    @model_validator(mode="after")
    def _shape(self) -> Bands:
        if self.edges is not None and "quantiles" in self.model_fields_set:
            raise ValueError("give edges or quantiles, not both")
        cuts = self.edges if self.edges is not None else self.quantiles
        if any(b <= a for a, b in zip(cuts, cuts[1:])):
            raise ValueError(f"cuts must be strictly increasing, got {cuts}")
        if self.edges is None and not all(0 < q < 1 for q in cuts):
            raise ValueError(f"quantiles are between 0 and 1, got {cuts}")
        if len(self.labels) != len(cuts) + 1:
            raise ValueError(f"{len(cuts)} cuts make {len(cuts) + 1} bands, so labels needs "
                             f"{len(cuts) + 1} names (got {self.labels})")
        return self


def band_of(value: ir.NumericValue, edges: list[float], labels: list[str]) -> ir.StringValue:
    """The band label of `value` as an engine expression: ``labels[i]`` below ``edges[i]``,
    the last label from the last edge up, null for null; a NaN edge (too few accounts to
    place it) is skipped.

    >>> import ibis
    >>> values = ibis.memtable({"v": [5.0, 50.0, 500.0, None]})
    >>> band = band_of(values.v, [10.0, 100.0], ["Low", "Mid", "High"])
    >>> values.select(band=band).band.to_pyarrow().to_pylist()
    ['Low', 'Mid', 'High', None]
    """
    import ibis

    cases = [(value < edge, ibis.literal(label))
             for edge, label in zip(edges, labels) if edge == edge]  # NaN: no band
    return ibis.cases((value.isnull(), ibis.null("string")), *cases,
                      else_=ibis.literal(labels[-1]))


@dataclass(frozen=True)
class ScoreSpec:
    """A registered model: its name, the tables it needs, the columns it adds and its section."""

    name: str
    model: type[ScoreModel]
    needs: tuple[TableSpec, ...]
    adds: Mapping[str, str]  # column -> Ibis type name
    after: tuple[str, ...] = ()  # scores whose columns it reads
    section: Section | None = None


SCORES: dict[str, ScoreSpec] = {}


def score_model(name: str, *, adds: Mapping[str, str], needs: tuple[TableSpec, ...] = (),
                after: tuple[str, ...] = (), section: Section | None = None):
    """Register a `ScoreModel` class under `name`; `scores: {name: {...}}` turns it on.

    `adds` names each column the model adds and its type; rules and dimensions can use them
    like any account column. `needs` are the tables it cannot work without (a project that
    configures it without them fails before any data is read); `after` names scores whose
    columns it reads, which are scored first.

    Examples
    --------
    >>> import ibis
    >>> @score_model("example_size", adds={"size_score": "float64"})
    ... class ExampleSize(ScoreModel):
    ...     def score(self, accounts):
    ...         return accounts.mutate(size_score=accounts.employees.log10())
    >>> SCORES["example_size"].adds
    {'size_score': 'float64'}
    >>> del SCORES["example_size"]
    """

    def register(model: type[ScoreModel]) -> type[ScoreModel]:
        SCORES[name] = ScoreSpec(name, model, needs, dict(adds), after, section)
        return model

    return register


def score_columns(registry: Mapping[str, ScoreSpec] | None = None) -> dict[str, str]:
    """Every column a registered score adds → the score's name.

    >>> isinstance(score_columns(), dict)
    True
    """
    registry = SCORES if registry is None else registry
    return {column: spec.name for spec in registry.values() for column in spec.adds}


def checked_settings(model: type[BaseModel], raw: Mapping[str, Any] | None,
                     key: str) -> BaseModel:
    """`raw` (a section of segmint.yaml; None reads as {}) checked against `model`; a bad
    setting raises `ConfigError` naming each problem's place under `key`.

    >>> checked_settings(Bands, {"labels": ["Low"]}, "scores.fit.bands")
    Traceback (most recent call last):
    ...
    segmint.exceptions.ConfigError: scores.fit.bands.labels: List should have at least 2 items after validation, not 1
    """
    try:
        return model.model_validate(raw or {})
    except ValidationError as err:
        raise ConfigError("; ".join(
            f"{'.'.join(map(str, (key, *e['loc'])))}: {e['msg'].removeprefix('Value error, ')}"
            for e in err.errors())) from None


def configured(scores: Mapping[str, Any],
               registry: Mapping[str, ScoreSpec] | None = None) -> dict[str, tuple[ScoreSpec, BaseModel]]:
    """The scores a project turns on (`scores:` in segmint.yaml), each with its checked settings.

    Returned in the order they must be fitted (a score after those it reads). An unknown
    score or a bad setting raises `ConfigError` naming the key, the value and the closest match.

    Examples
    --------
    >>> @score_model("example_flag", adds={"flag": "boolean"})
    ... class ExampleFlag(ScoreModel):
    ...     pass
    >>> [spec.name for spec, _ in configured({"example_flag": {}}).values()]
    ['example_flag']
    >>> configured({"example_flg": {}})
    Traceback (most recent call last):
    ...
    segmint.exceptions.ConfigError: scores.example_flg: no score model of that name. Did you mean 'example_flag'?
    >>> del SCORES["example_flag"]
    """
    registry = SCORES if registry is None else registry
    chosen: dict[str, tuple[ScoreSpec, BaseModel]] = {}
    for name, raw in scores.items():
        if name not in registry:
            raise ConfigError(f"scores.{name}: no score model of that name. "
                              f"{closest_hint(name, registry)}")
        spec = registry[name]
        chosen[name] = (spec, checked_settings(spec.model.Settings, raw, f"scores.{name}"))
    ordered: dict[str, tuple[ScoreSpec, BaseModel]] = {}

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name in ordered:
            return
        if name in path:
            raise ConfigError(f"scores read each other's columns in a circle: {' → '.join(path)}")
        for before in chosen[name][0].after:
            if before not in chosen:
                raise ConfigError(f"scores.{name} reads the columns of score {before!r}, which "
                                  f"this project does not configure. Add scores.{before}.")
            visit(before, (*path, name))
        ordered[name] = chosen[name]

    for name in chosen:
        visit(name, ())
    return ordered

"""The score registry: account-level models by name, what they need, and the columns they add."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict, ValidationError

from segmint.exceptions import ConfigError, closest_hint
from segmint.sections import Section
from segmint.tables import TableSpec

if TYPE_CHECKING:  # the registry stays light: the project check imports it before any engine
    import ibis.expr.types as ir
    import pandas as pd

    from segmint.context import RunContext

PARAMETER, VALUE, DETAIL = "parameter", "value", "detail"  # a fitted-parameters table's columns


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

    def outcome(self, context: RunContext, cutoff) -> ir.Table | None:
        """For a back-test: ``account_id`` and a boolean ``outcome`` (what the score should
        rank first) over what happened after `cutoff` up to ``context.as_of``; None when the
        model cannot be back-tested."""
        return None


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
        try:
            settings = spec.model.Settings.model_validate(raw or {})
        except ValidationError as err:
            problems = "; ".join(
                f"scores.{'.'.join(map(str, (name, *e['loc'])))}: "
                f"{e['msg'].removeprefix('Value error, ')}" for e in err.errors())
            raise ConfigError(problems) from None
        chosen[name] = (spec, settings)
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

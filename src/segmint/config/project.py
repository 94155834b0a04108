"""segmint.yaml → a typed, checked Project (pydantic); every error names the key and the fix."""

from __future__ import annotations

import datetime as dt
import re
import string
from pathlib import Path
from typing import Annotated, Any, Literal

import pycountry
import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PositiveFloat,
    PositiveInt,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from segmint import tables as t
from segmint.config.presets import PRESETS
from segmint.exceptions import ConfigError, closest_hint

Engine = Literal["duckdb", "spark"]
DateOrderSetting = Literal["day_first", "month_first"]
ISO_CURRENCIES = frozenset(c.alpha_3 for c in pycountry.currencies)
BASELINE = "baseline"  # the project's own segmentation, in a comparison of scenarios


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# Files CRM users often have that segmint does not read, and the export to make instead.
UNREAD_FORMATS = {
    ".xlsx": "an Excel workbook: save the sheet as CSV (File > Save As > CSV UTF-8), or export "
             "the CRM report or view as CSV",
    ".xls": "an Excel workbook: save the sheet as CSV (File > Save As > CSV UTF-8), or export "
            "the CRM report or view as CSV",
    ".json": "JSON (an API response): export the CRM report or view as CSV, or load the records "
             "into Parquet or DuckDB",
    ".jsonl": "JSON lines: export the CRM report or view as CSV, or load the records into "
              "Parquet or DuckDB",
}


def unread_format(path: str | Path) -> str | None:
    """What to do with a file of a kind segmint does not read (by its suffix); None otherwise.

    >>> unread_format("Deals.XLSX").split(":")[0]
    'Deals.XLSX is an Excel workbook, which segmint does not read'
    """
    what = UNREAD_FORMATS.get(Path(path).suffix.lower())
    if what is None:
        return None
    kind, fix = what.split(": ", 1)
    return f"{Path(path).name} is {kind}, which segmint does not read: {fix}."


class Stages(Strict):
    """The stage names that mean won and lost, for a deals export whose stage is the only
    outcome it has (``stages: {won: [Signed], lost: [Dropped, No decision]}``). Each list
    given replaces the built-in spellings (`io.outcomes.WON`, `io.outcomes.LOST`); names
    compare ignoring case, spaces and punctuation."""

    won: list[str] | None = None
    lost: list[str] | None = None


class Source(Strict):
    """Where one canonical table comes from and how its columns are named."""

    path: str
    format: Literal["csv", "parquet", "duckdb"] | None = None  # inferred from the suffix
    table: str | None = None  # the table inside a .duckdb file
    preset: str | None = None
    columns: dict[str, str] = Field(default_factory=dict)  # canonical -> source column
    encoding: str | None = None
    delimiter: str | None = None
    # Slash dates such as 02/03/24: day_first (d/m/y) or month_first (m/d/y, US) for every date
    # column of the source, or per column ({close_date: day_first}); unset, each text date
    # column is decided from its values.
    date_order: DateOrderSetting | dict[str, DateOrderSetting] | None = None
    multi_value: list[str] = Field(default_factory=list)  # columns holding 'a;b' lists
    stages: Stages | None = None  # deals: the stage names meaning won and lost
    # accounts: built from the deals file's account column (one account per account named),
    # for an export of opportunities alone; columns.account_id names that column
    derived_from: Literal["deals"] | None = None

    @field_validator("preset")
    @classmethod
    def _known_preset(cls, preset: str | None) -> str | None:
        if preset is not None and preset not in PRESETS:
            raise ValueError(f"unknown preset {preset!r}. {closest_hint(preset, PRESETS)}")
        return preset

    @property
    def resolved_format(self) -> str:
        if self.format:
            return self.format
        suffix = Path(self.path).suffix.lower()
        formats = {".csv": "csv", ".txt": "csv", ".tsv": "csv", ".parquet": "parquet",
                   ".pq": "parquet", ".duckdb": "duckdb", ".db": "duckdb"}
        if unread_format(self.path):
            raise ConfigError(unread_format(self.path))
        if suffix not in formats:
            raise ConfigError(
                f"Cannot tell the format of {self.path!r} from its suffix. "
                "Add format: csv, parquet or duckdb to its source in segmint.yaml."
            )
        return formats[suffix]


class Sources(Strict):
    accounts: Source
    deals: Source | None = None
    revenue: Source | None = None
    usage: Source | None = None
    transactions: Source | None = None  # invoices or orders: repeat-purchase CLV (scores.clv)
    owners: Source | None = None  # reps: a CRM user export, for territories and capacity
    market: Source | None = None  # firms per industry x size class; default: US Census SUSB

    @model_validator(mode="after")
    def _known_columns(self) -> Sources:
        for name in t.SPECS:
            source = getattr(self, name)
            if source is None:
                continue
            spec = t.SPECS[name]
            if source.derived_from is not None and (
                    name != "accounts" or t.ACCOUNT_ID not in source.columns):
                raise ValueError(
                    f"sources.{name}.derived_from builds accounts from the deals file's account "
                    "column: it belongs under sources.accounts, with columns: {account_id: <the "
                    "deals file's account column>}.")
            if source.stages is not None and name != "deals":
                raise ValueError(
                    f"sources.{name}.stages names won and lost stages, which only deals have: "
                    "move it under sources.deals.")
            for canonical in source.columns:
                if canonical not in spec.columns:
                    raise ValueError(
                        f"sources.{name}.columns has {canonical!r}, which is not a column of "
                        f"the {name} table. {closest_hint(canonical, spec.columns)}"
                    )
        return self


class Bands(Strict):
    """Numeric bands: edges [200, 1000] give <200, 200 to <1000, ≥1000 (lower edge inclusive)."""

    kind: Literal["bands"]
    field: str
    edges: list[float] = Field(min_length=1)
    labels: list[str]

    @model_validator(mode="after")
    def _shape(self) -> Bands:
        if sorted(self.edges) != self.edges or len(set(self.edges)) != len(self.edges):
            raise ValueError(f"edges must be strictly increasing, got {self.edges}")
        if len(self.labels) != len(self.edges) + 1:
            raise ValueError(
                f"{len(self.edges)} edges make {len(self.edges) + 1} bands, so labels needs "
                f"{len(self.edges) + 1} names (got {len(self.labels)}: {self.labels})"
            )
        return self


class ValueMap(Strict):
    """Categorical map: field value → dimension value; `builtin: iso_region` maps ISO countries."""

    kind: Literal["map"]
    field: str
    values: dict[str, str] = Field(default_factory=dict)
    builtin: Literal["iso_region"] | None = None
    default: str | None = None  # for values not in the map; None leaves them unassigned

    @model_validator(mode="after")
    def _something_to_map(self) -> ValueMap:
        if not self.values and self.builtin is None:
            raise ValueError("a map needs values: {from: to, ...} or builtin: iso_region")
        return self


class SectorGroups(Strict):
    """Sector groups by NAICS prefix: the longest matching prefix wins."""

    kind: Literal["sector"]
    field: str = t.NAICS
    groups: dict[str, list[str]]
    default: str | None = "Other"

    @field_validator("groups", mode="before")
    @classmethod
    def _prefixes_are_digits(cls, groups: Any) -> Any:
        if not isinstance(groups, dict):
            return groups
        groups = {name: [str(p) for p in prefixes] if isinstance(prefixes, list) else prefixes
                  for name, prefixes in groups.items()}  # YAML reads 52 as a number
        for group, prefixes in groups.items():
            if not isinstance(prefixes, list):
                continue
            for prefix in prefixes:
                if not re.fullmatch(r"\d{2,6}", str(prefix)):
                    raise ValueError(
                        f"group {group!r} has prefix {prefix!r}; NAICS prefixes are 2 to 6 "
                        "digits, written in quotes (\"52\", \"5415\")"
                    )
        return groups


class ProductsHeld(Strict):
    """The products an account holds: positive revenue in its latest month, or won deals."""

    kind: Literal["products"]
    source: Literal["revenue", "deals"] = "revenue"


Dimension = Annotated[Bands | ValueMap | SectorGroups | ProductsHeld, Field(discriminator="kind")]


class SegmentRule(Strict):
    name: str = Field(min_length=1)
    when: str = Field(min_length=1)


class Segmentation(Strict):
    """Dimensions, ordered segment rules (first match wins) and a default name template."""

    dimensions: dict[str, Dimension] = Field(default_factory=dict)
    segments: list[SegmentRule] = Field(default_factory=list)
    default: str | None = None  # e.g. "{size}-{region}"

    @model_validator(mode="after")
    def _dimension_names_are_free(self) -> Segmentation:
        taken = (t.SEGMENT, *t.REASON_COLUMNS)  # assign writes these over a dimension so named
        for name in self.dimensions:
            if name in taken:
                raise ValueError(
                    f"dimension {name!r} has the name of a column assignments carry beside the "
                    f"dimensions ({', '.join(taken)}). Rename it, and the rules and default "
                    "using it."
                )
        return self

    @model_validator(mode="after")
    def _no_segment_named_as_the_total(self) -> Segmentation:
        # every per-segment table ends with a total row of this name: a segment so named
        # would be summed together with it (87 deals reported as 174)
        total = t.ALL_SEGMENTS
        for position, segment in enumerate(self.segments, start=1):
            if segment.name.strip().casefold() == total.casefold():
                raise ValueError(
                    f"segments[{position}] is named {segment.name!r}, the name of the total row "
                    f"every per-segment table ends with: its figures would be added to the "
                    f"total's. Rename it (for example 'Everyone' or 'All accounts').")
        if self.default is not None and not self.template_fields \
                and self.default.strip().casefold() == total.casefold():
            raise ValueError(
                f"default {self.default!r} names every account's segment {total!r}, the name of "
                "the total row every per-segment table ends with: its figures would be counted "
                "twice. Name it otherwise (for example 'Everyone').")
        return self

    @model_validator(mode="after")
    def _template_names_dimensions(self) -> Segmentation:
        for name in self.template_fields:
            if name not in self.dimensions:
                raise ValueError(
                    f"default {self.default!r} uses {{{name}}}, which is not a dimension. "
                    f"{closest_hint(name, self.dimensions)}"
                )
        if not self.segments and self.default is None:
            raise ValueError("give segments (rules) or a default name template, or both")
        return self

    @property
    def template_fields(self) -> list[str]:
        if self.default is None:
            return []
        return [f for _, f, _, _ in string.Formatter().parse(self.default) if f]


class Outputs(Strict):
    dir: str = "segmint-out"
    formats: list[Literal["parquet", "csv"]] = Field(default_factory=lambda: ["parquet", "csv"])
    report: bool = True


InheritedField = Literal["industry", "country"]


class Enrich(Strict):
    """What enrichment may fill in, beyond normalising: from parents, and by merging duplicates.

    Filled values are flagged (``industry_source``, ``country_source``, ``employees_source``:
    'own', 'parent' or null), never written over a value the account has.
    """

    inherit_from_parent: list[InheritedField] = Field(
        default_factory=lambda: ["industry", "country"])  # a child missing it takes its parent's
    parent_size_for_subsidiaries: bool = False  # a subsidiary missing employees takes its parent's
    max_parent_depth: int = Field(default=8, ge=1, le=50)  # levels walked up; stops cycles
    dedupe: bool = False  # False: duplicates are reported by `segmint check`; True: merged


class Audit(Strict):
    """Settings of the data-quality audit (`segmint check`)."""

    stale_after_months: int = Field(default=24, ge=1)  # no deal and no creation for this long
    outlier_factor: float = Field(default=100.0, gt=1)  # revenue/employee vs sector median


RATE_COLUMNS = ("currency", "date", "rate")  # the columns of an FX rates table
RATE_FORMATS = {".csv": "csv", ".txt": "csv", ".tsv": "csv",
                ".parquet": "parquet", ".pq": "parquet"}


class Currency(Strict):
    """The currency money figures are reported in, and the FX rates that convert deals to it.

    `rates` is a CSV or Parquet file with ``currency`` (ISO 4217), ``date`` (the day, or the
    month, from which the rate holds until the currency's next one) and ``rate`` (units of
    the reporting currency for 1 unit of ``currency``); `columns` renames them.
    """

    reporting: str = "USD"  # ISO 4217
    rates: str | None = None  # path, relative to segmint.yaml
    columns: dict[str, str] = Field(default_factory=dict)  # currency/date/rate -> your header

    @field_validator("reporting", mode="before")
    @classmethod
    def _iso_code(cls, code: Any) -> Any:
        if not isinstance(code, str):
            return code
        code = code.strip().upper()
        if code not in ISO_CURRENCIES:
            raise ValueError(f"{code!r} is not an ISO 4217 currency code (such as USD, EUR, GBP). "
                             f"{closest_hint(code, sorted(ISO_CURRENCIES))}")
        return code

    @field_validator("rates")
    @classmethod
    def _csv_or_parquet(cls, rates: str | None) -> str | None:
        if rates is not None and Path(rates).suffix.lower() not in RATE_FORMATS:
            raise ValueError(f"{rates!r} is not a .csv or .parquet file; export the rates as CSV")
        return rates

    @field_validator("columns")
    @classmethod
    def _rate_columns(cls, columns: dict[str, str]) -> dict[str, str]:
        for name in columns:
            if name not in RATE_COLUMNS:
                raise ValueError(f"{name!r} is not a column of the rates table. "
                                 f"{closest_hint(name, RATE_COLUMNS)}")
        return columns


class Backtest(Strict):
    """How the scores are back-tested: fitted on what was known `months` before ``as_of`` and
    measured on what happened after; 0 turns back-tests off."""

    months: int = Field(default=6, ge=0, le=60)


class Spark(Strict):
    """Where `engine: spark` runs: local mode on this machine by default, or a cluster."""

    master: str = "local[2]"  # or spark://host:7077, yarn, k8s://...
    conf: dict[str, str | int | float | bool] = Field(default_factory=dict)  # spark.* settings

    @field_validator("conf")
    @classmethod
    def _spark_keys(cls, conf: dict) -> dict:
        for key in conf:
            if not key.startswith("spark."):
                raise ValueError(f"{key!r} is not a Spark setting; they start with 'spark.'")
        return conf

    @property
    def settings(self) -> dict[str, str]:
        """The conf as Spark wants it: text, booleans in lower case."""
        return {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in self.conf.items()}


class CapacityPlan(Strict):
    """capacity: how many reps each segment (and motion) needs, from workload and rep hours.

    Workload per account is looked up by the account's action or motion (`action_hours`, when
    accounts have an ``action`` or ``motion`` column), else by its segment (`segment_hours`),
    else `hours_per_account`. A rep's hours come from the owners table's ``capacity_hours``
    when it has them, else `rep_hours`.
    """

    hours_per_account: float = Field(default=20.0, gt=0)  # hours a year an account takes
    segment_hours: dict[str, PositiveFloat] = Field(default_factory=dict)  # segment -> hours
    action_hours: dict[str, PositiveFloat] = Field(default_factory=dict)  # action -> hours
    rep_hours: float = Field(default=1200.0, gt=0)  # selling hours a rep has in a year
    ramp_months: float = Field(default=6.0, ge=0, le=36)  # until a new rep is fully productive
    # yearly share of reps who leave; unset: the owners table's inactive share, else 15%
    attrition: float | None = Field(default=None, ge=0, lt=1)
    target_share: float = Field(default=0.2, gt=0, le=1)  # of whitespace booked in a year


class CrmColumns(Strict):
    """The headers of the CRM update file (Salesforce's by default)."""

    id: str = "Id"
    territory: str = "Territory__c"
    owner: str = "OwnerId"


class TerritoryPlan(Strict):
    """territories: each segment carved into balanced territories (segmint.plan.territories).

    `count` is the number of territories per segment (one number for all, or by segment);
    unset, the capacity plan's reps needed (or, without it, today's owners in the segment).
    """

    count: PositiveInt | dict[str, PositiveInt] | None = None
    tolerance: float = Field(default=0.03, ge=0, lt=1)  # on potential and workload
    keep_share: float = Field(default=0.9, ge=0, le=1)  # at least this stays with its owner
    keep_by: Literal["accounts", "arr"] = "accounts"
    segments: list[str] | None = None  # which to carve; unset, every one but Unassigned
    time_limit_seconds: float = Field(default=30.0, gt=0, le=3600)  # per segment
    strict: bool = False  # a request no carving can meet stops the run, instead of being eased
    crm_columns: CrmColumns = Field(default_factory=CrmColumns)


class Project(Strict):
    """A whole segmint.yaml, with paths resolved against the file's folder."""

    engine: Engine = "duckdb"
    spark: Spark = Field(default_factory=Spark)  # used when engine is spark
    name: str = "segmint project"
    sources: Sources
    segmentation: Segmentation
    # Other segmentations to compare with this one (`segmint compare`), by name; each has
    # the same keys as segmentation. Assigned on the same loaded and scored tables.
    scenarios: dict[str, Segmentation] = Field(default_factory=dict)
    outputs: Outputs = Field(default_factory=Outputs)
    enrich: Enrich = Field(default_factory=Enrich)
    audit: Audit = Field(default_factory=Audit)
    currency: Currency = Field(default_factory=Currency)
    # The date the run is "as of"; unset, the end of the last complete month in the data.
    as_of: dt.date | None = None
    # Account-level models to fit before segments, by name, each with its settings
    # ({potential: {quantile: 0.8}}); checked against the registered models before any data is read.
    scores: dict[str, dict[str, Any] | None] = Field(default_factory=dict)
    backtest: Backtest = Field(default_factory=Backtest)
    capacity: CapacityPlan | None = None  # the sales capacity plan (segmint.plan.capacity)
    territories: TerritoryPlan | None = None  # territory carving (segmint.plan.territories)
    # The priority matrix (fit × potential × health → an action per account) and the coverage
    # model (motion and plays per account, checked against each segment's economics); either
    # key turns both on, each with its defaults ({} is enough). Checked by segmint.plan.
    priorities: dict[str, Any] | None = None
    coverage: dict[str, Any] | None = None
    root: Path = Path(".")  # the folder of segmint.yaml; set by load_project
    # What reading the file noticed that is not wrong enough to stop (a key given twice);
    # the project check says it with its own warnings.
    _file_warnings: tuple[str, ...] = PrivateAttr(default=())

    @field_validator("scenarios")
    @classmethod
    def _scenario_names(cls, scenarios: dict[str, Segmentation]) -> dict[str, Segmentation]:
        for name in scenarios:
            if not name.strip():
                raise ValueError("a scenario needs a name: scenarios: {region_first: {...}}")
            if name.strip().casefold() == BASELINE.casefold():
                raise ValueError(f"{name!r} is the name the project's own segmentation has in "
                                 "a comparison: name the scenario otherwise.")
        return scenarios

    @property
    def file_warnings(self) -> tuple[str, ...]:
        """What `load_project` noticed in the file itself, such as a key given twice."""
        return self._file_warnings

    def path(self, relative: str) -> Path:
        """A path from segmint.yaml, resolved against the file's folder."""
        candidate = Path(relative).expanduser()
        return candidate if candidate.is_absolute() else self.root / candidate


def load_project(path: str | Path) -> Project:
    """Read and check segmint.yaml (given a folder, the segmint.yaml in it).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "segmint.yaml").write_text('''
    ... sources: {accounts: {path: accounts.csv, preset: salesforce}}
    ... segmentation:
    ...   dimensions:
    ...     size: {kind: bands, field: employees, edges: [200], labels: [SMB, Enterprise]}
    ...   default: "{size}"
    ... ''')
    >>> load_project(folder / "segmint.yaml").segmentation.dimensions["size"].labels
    ['SMB', 'Enterprise']
    """
    path = Path(path)
    if path.is_dir():
        if not (path / "segmint.yaml").is_file():
            raise ConfigError(f"{path} is a folder with no segmint.yaml in it. Give the project "
                              "file itself, or run `segmint init` in the folder to write one.")
        path = path / "segmint.yaml"  # the project file of the folder given
    if not path.exists():
        raise ConfigError(f"{path} does not exist. Run `segmint init` to write a starter file.")
    document, loader = _read_yaml(path)
    if not isinstance(document, dict):
        raise ConfigError(f"{path} must be a YAML mapping with sources: and segmentation:.")
    try:
        project = Project.model_validate({**document, "root": path.resolve().parent})
    except ValidationError as err:
        raise ConfigError(_explain(path, err)) from None
    project._file_warnings = tuple(
        f"{path.name} line {line}: {key!r} is given twice in the same mapping (first on line "
        f"{first}); YAML keeps the last one, so line {first} is ignored. Remove one of them."
        for key, first, line in loader.repeated)
    return project


def load_segmentation(path: str | Path) -> tuple[str, Segmentation]:
    """Read a segmentation-only YAML file (a scenario given on the command line): its name
    (the file's name without suffix) and the segmentation, with the keys `segmentation:` has
    in segmint.yaml, at the top level or under ``segmentation:``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "region_first.yaml"
    >>> _ = path.write_text("segments: [{name: Big, when: employees > 1000}]\\ndefault: Other\\n")
    >>> name, model = load_segmentation(path)
    >>> name, model.default
    ('region_first', 'Other')
    >>> _ = path.write_text("segments: [{name: Big, when: employees > 1000}]\\ndefualt: Other\\n")
    >>> load_segmentation(path)
    Traceback (most recent call last):
    ...
    segmint.exceptions.ConfigError: ...region_first.yaml has 1 problem(s):
      defualt: unknown key 'defualt'. Did you mean 'default'?
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path} does not exist. Give a YAML file holding one segmentation "
                          "(dimensions:, segments:, default:), as under segmentation: in "
                          "segmint.yaml.")
    document, _ = _read_yaml(path)
    if isinstance(document, dict) and set(document) == {"segmentation"}:
        document = document["segmentation"]
    if not isinstance(document, dict):
        raise ConfigError(f"{path} must be a YAML mapping with the keys of segmentation: in "
                          "segmint.yaml (dimensions:, segments:, default:).")
    try:
        model = Segmentation.model_validate(document)
    except ValidationError as err:
        raise ConfigError(_explain(path, err, within=("scenarios", path.stem))) from None
    if path.stem.strip().casefold() == BASELINE:
        raise ConfigError(f"{path}: {BASELINE!r} is the name the project's own segmentation has "
                          "in a comparison: rename the file.")
    return path.stem, model


def _read_yaml(path: Path) -> tuple[Any, _Loader]:
    """The YAML document in `path`, and its loader (which noted each key given twice)."""
    try:
        loader = _Loader(path.read_text(encoding="utf-8"))
        try:
            document = loader.get_single_data()
        finally:
            loader.dispose()
    except UnicodeDecodeError as err:
        raise ConfigError(f"{path} is not UTF-8 text ({err.reason}). Save it as UTF-8.") from None
    except yaml.YAMLError as err:
        where = getattr(err, "problem_mark", None)
        line = f" at line {where.line + 1}, column {where.column + 1}" if where else ""
        problem = getattr(err, "problem", None) or str(err)
        raise ConfigError(f"{path} is not valid YAML{line}: {problem}.") from None
    return document, loader


class _Loader(yaml.SafeLoader):
    """`yaml.safe_load`'s loader, noting each key given twice in one mapping, which YAML
    itself takes silently (the last one wins).

    >>> loader = _Loader("a: 1\\nb: {c: 1}\\na: 2\\n")
    >>> loader.get_single_data(), loader.repeated
    ({'a': 2, 'b': {'c': 1}}, [('a', 1, 3)])
    """

    def __init__(self, stream: str):
        super().__init__(stream)
        self.repeated: list[tuple[str, int, int]] = []  # key, first line, repeated line

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: dict[str, int] = {}
        for key, _ in node.value:
            if isinstance(key, yaml.ScalarNode) and key.tag != "tag:yaml.org,2002:merge":
                line = key.start_mark.line + 1
                if key.value in seen:
                    self.repeated.append((key.value, seen[key.value], line))
                seen.setdefault(key.value, line)
        return super().construct_mapping(node, deep=deep)


def _explain(path: Path, err: ValidationError, *, within: tuple[str, ...] = ()) -> str:
    """One message per problem: the key path, the bad value and what would fix it.

    `within` is where the validated mapping sits in a project file (a scenario's file:
    ``("scenarios", name)``), for the closest valid key; keys are said as in `path`.
    """
    lines = []
    for problem in err.errors():
        key = ".".join(str(part) for part in problem["loc"] if not _is_union_tag(part))
        value = problem.get("input")
        if problem["type"] == "extra_forbidden":
            parent = _parent_model(err.title, (*within, *problem["loc"]))
            known = sorted(parent.model_fields) if parent else []
            name = str(problem["loc"][-1])
            lines.append(f"{key}: unknown key {name!r}. {closest_hint(name, known)}")
        elif problem["type"] == "missing":
            lines.append(f"{key}: required key is missing.")
        elif problem["type"] == "union_tag_invalid":
            lines.append(
                f"{key}: kind {problem['input'].get('kind')!r} is not a dimension kind; "
                "use bands, map, sector or products."
            )
        elif problem["type"] == "union_tag_not_found":
            lines.append(f"{key}: needs kind: bands, map, sector or products.")
        else:
            message = problem["msg"].removeprefix("Value error, ")
            shown = "" if isinstance(value, (dict, list)) else f" (got {value!r})"
            lines.append(f"{key}: {message}{shown}")
    return f"{path} has {len(lines)} problem(s):\n  " + "\n  ".join(lines)


def _is_union_tag(part: Any) -> bool:
    return part in ("bands", "map", "sector", "products")


def _parent_model(_title: str, loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The model that owns the key at `loc`, walking the Project schema."""
    model: Any = Project
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        if model is Project and part == "scenarios":
            model = "scenarios"
            continue
        if model == "scenarios":
            model = Segmentation  # scenarios.<name> holds a segmentation
            continue
        if model is Segmentation and part == "dimensions":
            model = "dimensions"
            continue
        if model == "dimensions":
            model = {"bands": Bands, "map": ValueMap, "sector": SectorGroups,
                     "products": ProductsHeld}.get(str(part), "dimensions")
            continue
        field = model.model_fields.get(str(part)) if isinstance(model, type) else None
        if field is None:
            return None
        model = _model_of(field.annotation)
    return model if isinstance(model, type) else None


def _model_of(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_of(arg)
        if found is not None:
            return found
    return None

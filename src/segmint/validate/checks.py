"""Validate: raw text rows → typed clean rows + a rejects table; every row used or rejected."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from segmint import tables as t
from segmint.compute_once import compute_once
from segmint.engine.templates import HIDDEN_PREFIX as _TEMPLATE_COLUMNS
from segmint.engine.templates import Template
from segmint.engine.templates import apply as apply_template
from segmint.loaded import LoadedSource, Reading
from segmint.validate import decisions, parsers
from segmint.validate.parsers import crm

Action = Literal["row rejected", "value cleared"]

REJECTS_SCHEMA = ibis.schema(
    {
        "table": "string",
        t.SOURCE_FILE: "string",
        t.SOURCE_ROW: "int64",
        "column": "string",
        "check": "string",
        "value": "string",
        "reason": "string",
        "action": "string",
    }
)

PARSERS: dict[str, Callable[..., parsers.Parsed]] = {
    "string": parsers.parse_string,
    "integer": parsers.parse_integer,
    "number": parsers.parse_number,
    "money": parsers.parse_money,
    "date": parsers.parse_date,
    "boolean": parsers.parse_boolean,
    "probability": parsers.parse_probability,
    "coordinate": parsers.parse_coordinate,
    "list": parsers.parse_list,  # the columns a preset or the project declares multi-valued
    **crm.PARSERS,  # CRM ids and owners, for the columns a preset declares
}


ENGINE_TYPES = {"string": "string", "integer": "int64", "number": "float64", "money": "float64",
                "date": "date", "boolean": "boolean", "probability": "float64",
                "coordinate": "float64",
                "list": "array<string>",
                **{kind: "string" for kind in crm.PARSERS}}


# Money columns whose text may carry the row's currency ("€1,200", "1200 EUR").
MONEY_WITH_CURRENCY = (t.AMOUNT, t.MRR)


@dataclass(frozen=True)
class Check:
    """A data check with a stable code: rows where `failing` is true are rejected or cleared."""

    code: str
    table: str
    column: str
    action: Action
    reason: str
    failing: Callable[[ir.Table], ir.BooleanValue]


CHECKS: dict[str, Check] = {}


def check(code: str, *, table: str, column: str, action: Action, reason: str):
    """Register a check on typed rows (the way users would add their own)."""

    def register(failing: Callable[[ir.Table], ir.BooleanValue]):
        CHECKS[code] = Check(code, table, column, action, reason, failing)
        return failing

    return register


@check("DQ101", table="accounts", column=t.EMPLOYEES, action="value cleared",
       reason="negative employee count; map the headcount field")
def _negative_employees(rows: ir.Table) -> ir.BooleanValue:
    return rows[t.EMPLOYEES] < 0


@check("DQ102", table="accounts", column=t.EMPLOYEES, action="value cleared",
       reason="more than 3,000,000 employees (no company has that many); check the unit")
def _absurd_employees(rows: ir.Table) -> ir.BooleanValue:
    return rows[t.EMPLOYEES] > 3_000_000


@check("DQ103", table="accounts", column=t.ANNUAL_REVENUE, action="value cleared",
       reason="negative annual revenue")
def _negative_revenue(rows: ir.Table) -> ir.BooleanValue:
    return rows[t.ANNUAL_REVENUE] < 0


@check("DQ104", table="accounts", column=t.ANNUAL_REVENUE, action="value cleared",
       reason="annual revenue above $1 trillion; check the unit")
def _absurd_revenue(rows: ir.Table) -> ir.BooleanValue:
    return rows[t.ANNUAL_REVENUE] > 1e12


@check("DQ105", table="accounts", column=t.LATITUDE, action="value cleared",
       reason="latitude outside -90 to 90 degrees; map the decimal latitude (not longitude, "
              "not degrees-minutes-seconds)")
def _latitude_off_the_globe(rows: ir.Table) -> ir.BooleanValue:
    return (rows[t.LATITUDE] < -90) | (rows[t.LATITUDE] > 90)


@check("DQ106", table="accounts", column=t.LONGITUDE, action="value cleared",
       reason="longitude outside -180 to 180 degrees; map the decimal longitude")
def _longitude_off_the_globe(rows: ir.Table) -> ir.BooleanValue:
    return (rows[t.LONGITUDE] < -180) | (rows[t.LONGITUDE] > 180)


@check("DQ201", table="deals", column=t.AMOUNT, action="row rejected",
       reason="negative deal amount; credit notes belong in billing, not in deals")
def _negative_amount(rows: ir.Table) -> ir.BooleanValue:
    return rows[t.AMOUNT] < 0


@check("DQ202", table="deals", column=t.AMOUNT, action="row rejected",
       reason="deal amount above 1,000,000,000; check the unit or a typo")
def _absurd_amount(rows: ir.Table) -> ir.BooleanValue:
    return rows[t.AMOUNT] > 1e9


@check("DQ301", table="revenue", column=t.MRR, action="row rejected",
       reason="negative recurring revenue; refunds and credits are not recurring revenue")
def _negative_mrr(rows: ir.Table) -> ir.BooleanValue:
    return rows[t.MRR] < 0


HOURS_A_YEAR = 8784  # in a leap year: no rep has more selling hours than that


@check("DQ501", table="owners", column=t.CAPACITY_HOURS, action="value cleared",
       reason="negative capacity in hours")
def _negative_hours(rows: ir.Table) -> ir.BooleanValue:
    return rows[t.CAPACITY_HOURS] < 0


@check("DQ502", table="owners", column=t.CAPACITY_HOURS, action="value cleared",
       reason=f"capacity above {HOURS_A_YEAR:,} hours, more than a year has; capacity_hours "
              "is hours per year")
def _hours_beyond_a_year(rows: ir.Table) -> ir.BooleanValue:
    return rows[t.CAPACITY_HOURS] > HOURS_A_YEAR


@check("DQ503", table="owners", column=t.CAPACITY_ACCOUNTS, action="value cleared",
       reason="negative capacity in accounts")
def _negative_accounts_capacity(rows: ir.Table) -> ir.BooleanValue:
    return rows[t.CAPACITY_ACCOUNTS] < 0


@dataclass(frozen=True)
class Validated:
    """A validated table: clean typed rows, its rejects, and the row counts that must add up.

    `notes`, `repairs` and `reading` are the loaded source's (how the file was read, the values
    whose mojibake was repaired); `notes` then say what validation decided per column when the
    data does not make it obvious. `date_orders` has the order each text date column is read
    in and why (`decisions.decide`). `id_sentinels` counts the id placeholders loading read as
    no id (`parsers.crm.count_id_sentinels`). `headers` maps each canonical column the file
    has to its header (a column not in it is all null in `clean`). The audit reports them.
    """

    table: str
    clean: ir.Table
    rejects: ir.Table
    rows_in: int
    rows_used: int
    rows_rejected: int
    notes: tuple[str, ...] = ()
    repairs: ir.Table | None = None
    reading: Reading | None = None
    id_sentinels: tuple[crm.IdSentinels, ...] = ()
    date_orders: dict[str, decisions.DateOrder] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)  # canonical column -> file's header

    @property
    def balanced(self) -> bool:
        return self.rows_in == self.rows_used + self.rows_rejected


def validate(
    loaded: LoadedSource,
    *,
    known_accounts: ir.Table | None = None,
    materialise: Callable[..., ir.Table] | None = None,  # as engine.materialise, con bound
    release: Callable[..., None] | None = None,  # as engine.release, con bound
) -> Validated:
    """Type every canonical column, apply the checks and split rows into clean and rejected.

    Row-level failures (blank or repeated key, unparseable required value, a reference to
    an unknown account, a registered ``row rejected`` check) reject the row, with one
    rejects record naming the first failure. Value-level failures (an unparseable optional
    value, a registered ``value cleared`` check) clear that value and keep the row, with a
    rejects record per value. `materialise` keeps a working table in the engine and
    `release` drops those no later stage reads, both bound to the run's connection.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from segmint import engine
    >>> from segmint.config.project import Project
    >>> from segmint.io.sources import load_source
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "a.csv").write_text("Id,NumberOfEmployees\\nA,120\\n,5\\nA,7\\nB,-3\\n")
    >>> project = Project.model_validate({"root": folder,
    ...     "sources": {"accounts": {"path": "a.csv", "preset": "salesforce"}},
    ...     "segmentation": {"segments": [{"name": "Everyone", "when": "true"}]}})
    >>> con = engine.connect()
    >>> result = validate(load_source(con, project, "accounts"))
    >>> (result.rows_in, result.rows_used, result.rows_rejected)
    (4, 2, 2)
    >>> result.clean.order_by("_source_row").employees.execute().tolist()
    [120.0, nan]
    """
    spec = t.SPECS[loaded.table]
    keep = materialise or (lambda table, prefix, **how: table)
    raw = loaded.rows
    typed_columns: dict[str, ir.Value] = {}
    written_currency: ir.StringValue | None = None  # a currency written in the amounts' text
    status: dict[str, ir.Value] = {}
    kinds = {**spec.columns, **loaded.value_kinds}  # a preset's CRM ids and owners
    kinds |= dict.fromkeys(loaded.multi_value, "list")  # 'a;b' lists, attributes included
    # per column, never per cell: the order of slash dates, the scale of probabilities
    decided = decisions.decide(raw, kinds, table=loaded.table, date_order=loaded.date_order)
    templates: dict[str, tuple[Template, str]] = {}
    # which Salesforce id columns need their ids widened and restored: one scan for them all
    salesforce_full = crm.salesforce_columns_needing_repair(raw, [
        c for c, kind in kinds.items()
        if kind == "salesforce_id" and c in raw.columns and not _is_native(raw[c], kind)])
    for column in kinds:
        if column not in raw.columns:
            continue
        if _is_native(raw[column], kinds[column]):
            typed_columns[column] = raw[column].cast(ENGINE_TYPES[kinds[column]])
            status[column] = ibis.ifelse(raw[column].isnull(), "blank", "ok")
            continue
        options = decided.options.get(column, {})
        if column in salesforce_full:
            options = {**options, "full": salesforce_full[column]}
        templates[column] = (_parser_template(kinds[column], raw[column].type(), options), column)
    # each parser is built and compiled once per process and spliced in per column; its steps
    # reused within it (the trimmed text, the parsed value in the status) are computed once
    with_parsers, parsed = apply_template(raw, templates)
    for column, outputs in parsed.items():
        typed_columns[column] = outputs["value"]
        status[column] = outputs["status"]
        if "currency" in outputs and column in MONEY_WITH_CURRENCY:
            written_currency = outputs["currency"]
    typed = compute_once(with_parsers, {
        # the text a reject shows; a typed column (Parquet) shows its value, written when needed
        **{f"_raw_{c}": _as_text(raw[c]) for c in typed_columns
           if not _is_native(raw[c], kinds[c])},
        **{f"_status_{c}": s for c, s in status.items()},
        **typed_columns,
    })
    if written_currency is not None and t.CURRENCY in spec.columns:
        # "€1,200" in a row whose currency column is blank, or a file without one: the amount
        # says its currency, so conversion (enrich.currency) does not take it for the
        # reporting currency
        own = typed[t.CURRENCY] if t.CURRENCY in typed.columns else ibis.null("string")
        typed = typed.mutate(**{t.CURRENCY: own.fill_null(written_currency)})
    typed = typed.drop(*[c for c in typed.columns if c.startswith(_TEMPLATE_COLUMNS)])
    typed = _with_row_helpers(typed, spec, known_accounts)
    if not _is_blocking(typed):
        # nothing stops Ibis from inlining the parsers into each test below: compute them once
        typed = keep(typed, f"{loaded.table}_typed", short_lived=True)
    row_failures = _row_failures(typed, spec, known_accounts)

    def first(pick: Callable[[tuple], ir.Value], null_type: str) -> ir.Value:
        if not row_failures:
            return ibis.null(null_type)
        return ibis.cases(*[(f[1], pick(f)) for f in row_failures], else_=ibis.null(null_type))

    flagged = keep(
        typed.mutate(
            _reject=first(lambda f: ibis.literal(f[0]), "string"),
            _reject_column=first(lambda f: ibis.literal(f[2]), "string"),
            _reject_value=first(lambda f: _raw(typed, f[2]), "string"),
            _reject_reason=first(lambda f: f[3], "string"),
        ),
        f"{loaded.table}_flagged",
        short_lived=True,
    )
    rejected = flagged.filter(flagged._reject.notnull())
    reject_records = [
        _records(rejected, loaded, rejected._reject_column, rejected._reject,
                 value=rejected._reject_value, reason=rejected._reject_reason,
                 action="row rejected")
    ]
    accepted = flagged.filter(flagged._reject.isnull())
    clears: dict[str, ir.BooleanValue] = {}
    for column in typed_columns:
        if column in spec.required:
            continue
        invalid = accepted[f"_status_{column}"] == "invalid"
        reject_records.append(
            _records(accepted.filter(invalid), loaded, column, "DQ010",
                     value=_raw(accepted, column),
                     reason=decided.invalid_reason(
                         column, _raw(accepted, column),
                         f"not a valid {spec.columns.get(column, kinds[column])}; the value "
                         "was cleared"),
                     action="value cleared")
        )
    for registered in CHECKS.values():
        if registered.table != loaded.table or registered.action != "value cleared":
            continue
        if registered.column not in typed_columns:
            continue
        failing = registered.failing(accepted).fill_null(False)
        clears[registered.column] = clears.get(registered.column, ibis.literal(False)) | failing
        reject_records.append(
            _records(accepted.filter(failing), loaded, registered.column, registered.code,
                     value=_raw(accepted, registered.column),
                     reason=ibis.literal(registered.reason), action="value cleared")
        )
    clean_columns = {
        c: ibis.ifelse(cond, ibis.null(accepted[c].type()), accepted[c]) for c, cond in clears.items()
    }
    hidden = [c for c in accepted.columns if c.startswith(("_raw_", "_status_", "_reject"))]
    # Unmapped canonical columns are present but empty, so later stages can rely on them and
    # say "country missing" rather than fail on a column a CRM export did not have.
    absent = {c: ibis.null(ENGINE_TYPES[kind]) for c, kind in spec.columns.items()
              if c not in accepted.columns}
    clean = keep(accepted.mutate(**clean_columns, **absent).drop(*hidden), loaded.table)

    parse_records = loaded.parse_rejects.select(
        table=ibis.literal(loaded.table),
        **{t.SOURCE_FILE: loaded.parse_rejects[t.SOURCE_FILE],
           t.SOURCE_ROW: loaded.parse_rejects[t.SOURCE_ROW].cast("int64")},
        column=ibis.null("string"),
        check=ibis.literal("DQ000"),
        value=loaded.parse_rejects.raw_line.cast("string"),
        reason=("the record cannot be split into the header's columns: "
                + loaded.parse_rejects.error.cast("string")),
        action=ibis.literal("row rejected"),
    )
    rejects = keep(ibis.union(parse_records, *reject_records), f"{loaded.table}_rejects")

    # the four counts in one query: a round trip each cost more than counting
    counts = (loaded.parse_rejects.aggregate(_unsplit=lambda r: r.count())
              .cross_join(raw.aggregate(_read=lambda r: r.count()))
              .cross_join(clean.aggregate(_used=lambda r: r.count()))
              .cross_join(rejected.aggregate(_rejected=lambda r: r.count()))
              .to_pyarrow().to_pylist()[0])
    parse_rejected = int(counts["_unsplit"])
    rows_in = int(counts["_read"]) + parse_rejected
    rows_used = int(counts["_used"])
    rows_rejected = int(counts["_rejected"]) + parse_rejected
    # clean rows and rejects are kept: the wide working tables can go (at 1M accounts they
    # held a quarter of DuckDB's memory limit through the rest of the run)
    if release is not None:
        release(flagged, typed)
    empty = (f"{loaded.file} has no rows: the {loaded.table} table is empty",) if not rows_in else ()
    return Validated(loaded.table, clean, rejects, rows_in, rows_used, rows_rejected,
                     notes=(*loaded.notes, *decided.notes, *empty), repairs=loaded.repairs,
                     reading=loaded.reading, date_orders=decided.date_orders,
                     id_sentinels=crm.count_id_sentinels(loaded.rows, loaded.value_kinds),
                     headers=dict(loaded.mapping))


def _parser_template(kind: str, dtype: dt.DataType, options: dict) -> Template:
    """The parser of `kind` with `options` (such as a column's date order) as a template on a
    column of `dtype`: its value, status and, for money, the currency written in the text."""

    def build(column: ir.Value) -> dict[str, ir.Value]:
        parsed = PARSERS[kind](column if dtype.is_string() else column.cast("string"), **options)
        currency = {"currency": parsed.currency} if isinstance(parsed, parsers.ParsedMoney) else {}
        return {"value": parsed.value, "status": parsed.status, **currency}

    return Template.of(("parser", kind, tuple(sorted(options.items()))), dtype, build)


def _is_native(column: ir.Value, kind: str) -> bool:
    """Whether a column already has the type `kind` asks for (a typed file), so is used as is."""
    dtype = column.type()
    return ((kind in ("number", "money", "coordinate") and dtype.is_numeric())
            or (kind == "integer" and dtype.is_integer())
            or (kind == "date" and dtype.is_temporal())
            or (kind == "boolean" and dtype.is_boolean())
            or (kind == "list" and dtype.is_array()))


def _with_row_helpers(typed: ir.Table, spec: t.TableSpec, known_accounts: ir.Table | None) -> ir.Table:
    """`typed` with the expensive parts of the row tests as helper columns named ``_reject_*``
    (dropped with the other hidden columns): the first row of each repeated key, and whether
    each reference is a known account. Computed once, rather than once per use in the four
    ``_reject*`` columns.
    """
    helpers: dict[str, ir.Value] = {}
    if len(spec.key) == 1:
        # the first row of each repeated key: an aggregate joined back, not a window over every
        # row (the window sorted 2.7M deals by id: 5 s at 1M accounts, against 1 s)
        key = spec.key[0]
        repeated = (typed.group_by(_key=typed[key])
                    .aggregate(_reject_first_row=typed[t.SOURCE_ROW].min(), _rows=typed.count())
                    .filter(lambda g: g._rows > 1).drop("_rows"))
        typed = (typed.left_join(repeated, typed[key] == repeated._key)
                 .select(*typed.columns, "_reject_first_row"))
    for column, target in spec.references.items():
        if known_accounts is None or column not in typed.columns:
            continue
        known = known_accounts.select(_known_id=known_accounts[t.ACCOUNT_ID]).distinct()
        helpers[f"_reject_known_{column}"] = typed[column].isin(known._known_id)
    return typed.mutate(**helpers) if helpers else typed


def _row_failures(
    typed: ir.Table, spec: t.TableSpec, known_accounts: ir.Table | None
) -> list[tuple[str, ir.BooleanValue, str, ir.StringValue]]:
    """(code, condition, column, reason) for each way a whole row is rejected, in order;
    `typed` has the helper columns of `_with_row_helpers`."""
    failures = []
    for column in spec.required:
        raw = _raw(typed, column)
        failures.append((
            "DQ001", typed[f"_status_{column}"] != "ok", column,
            ibis.ifelse(typed[f"_status_{column}"] == "blank",
                        f"{column} is blank; every {spec.name} row needs one",
                        f"{column} is not a valid {spec.columns[column]}: " + raw.fill_null("")),
        ))
    if len(spec.key) == 1:
        key = spec.key[0]
        first_row = typed._reject_first_row
        failures.append((
            "DQ002", (typed[t.SOURCE_ROW] != first_row) & typed[key].notnull(), key,
            f"repeats {key} " + typed[key].cast("string") + " first seen at row "
            + first_row.cast("string") + "; the first row is kept",
        ))
    for column, target in spec.references.items():
        if known_accounts is None or column not in typed.columns:
            continue
        failures.append((
            "DQ003", ~typed[f"_reject_known_{column}"] & typed[column].notnull(), column,
            f"{column} " + typed[column].cast("string") + f" is not in {target}; "
            f"add the account to {target} or fix the id",
        ))
    for registered in CHECKS.values():
        if registered.table == spec.name and registered.action == "row rejected" \
                and registered.column in typed.columns:
            failures.append((registered.code, registered.failing(typed).fill_null(False),
                             registered.column, ibis.literal(registered.reason)))
    return failures


def _is_blocking(table: ir.Table) -> bool:
    """Whether `table` computes a window, a semi-join or a join, which Ibis never inlines into
    the selects built on it (so what it computes is computed once)."""
    import ibis.expr.operations as ops

    op = table.op()
    return bool(op.find_below((ops.WindowFunction, ops.InSubquery), filter=ops.Value)
                or isinstance(op, ops.JoinChain)
                or (isinstance(op, ops.Project) and isinstance(op.parent, ops.JoinChain)))


def _as_text(value: ir.Value) -> ir.StringValue:
    """A value as the text a reject shows, written alike on every engine.

    Text stays as it is. A float from a typed file (Parquet) is written in plain notation, to
    4 decimals without trailing zeros (8626750000, 12.5), since engines write floats
    differently (DuckDB 8626750000.0, Spark 8.62675E9). Where 4 decimals could round apart
    (DuckDB rounds the exact binary value, Spark the shortest decimal), that is at 1e11 and
    more unless whole, and for NaN and infinity, the engine's own text is kept.
    """
    if not value.type().is_floating():
        return value.cast("string")
    plain = value.cast("decimal(38, 4)").cast("string").re_replace("[.]?0+$", "")
    whole = (value % 1.0) == 0
    ordinary = (~value.isnan() & ~value.isinf()
                & ((value.abs() < 1e11) | (whole & (value.abs() < 2.0**53))))
    return ibis.ifelse(ordinary, plain, value.cast("string"))


def _raw(typed: ir.Table, column: str) -> ir.Value:
    """The text a reject shows for `column`: the file's text, or a typed column's value as text
    (its value is the file's, unchanged), or null for a column the file does not have."""
    name = f"_raw_{column}"
    if name in typed.columns:
        return typed[name]
    return _as_text(typed[column]) if column in typed.columns else ibis.null("string")


def _records(
    rows: ir.Table, loaded: LoadedSource, column: str | ir.Value, code: str | ir.Value, *,
    value: ir.Value, reason: str | ir.Value, action: Action,
) -> ir.Table:
    return rows.select(
        table=ibis.literal(loaded.table),
        **{t.SOURCE_FILE: rows[t.SOURCE_FILE], t.SOURCE_ROW: rows[t.SOURCE_ROW]},
        column=column if isinstance(column, ir.Value) else ibis.literal(column),
        check=code if isinstance(code, ir.Value) else ibis.literal(code),
        value=value.cast("string"),
        reason=reason if isinstance(reason, ir.Value) else ibis.literal(reason),
        action=ibis.literal(action),
    )

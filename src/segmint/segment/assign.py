"""Assign: every account gets exactly one segment (first matching rule, else the default) and a reason."""

from __future__ import annotations

import string
from collections.abc import Mapping
from typing import NamedTuple

import ibis
import ibis.expr.types as ir

from segmint import tables as t
from segmint.config.project import (Bands, Dimension, ProductsHeld, SectorGroups, Segmentation,
                                    ValueMap)
from segmint.enrich.geography import region_by_country
from segmint.segment import dimensions as dims
from segmint.segment.rules import compile_rule, parse_rule, zero_divisors


def assign(
    accounts: ir.Table,
    model: Segmentation,
    *,
    revenue: ir.Table | None = None,
    deals: ir.Table | None = None,
) -> ir.Table:
    """Segment every account: rules in order (first match wins), then the default template.

    Returns the accounts with one column per dimension, ``segment``, the readable ``reason``
    and the same reason as data: ``reason_code`` (stable codes, `segmint.tables.REASON_CODES`),
    ``dimension``, ``field`` and ``value``. By code, with the readable reason:

    - ``rule``: field is the rule's segment name, value its ``when``
      (``rule 2: employees >= 20000``, rules counted from 1).
    - ``default``: value is the template (``default {size}-{region}``).
    - ``missing``: the template's `dimension` has no value as its `field` is blank
      (``employees missing``).
    - ``unrecognised``: the field is blank because enrichment could not read what the CRM
      said, which value holds (from ``country_raw``, ``naics_raw``:
      ``country Earth not recognised``).
    - ``unmapped``: value is the field's value, which the dimension's map or sector groups
      have no entry for (``country ZZ has no region``).
    - ``no_default``: no rule matched and there is no template.

    Columns a code does not use are null.

    An account that no rule matches and whose default name cannot be formed (a dimension it
    needs is missing) is ``Unassigned``. Its reason names every missing dimension, in the
    template's order ("employees missing; country missing"); the columns hold the first,
    and `unassigned_reasons` gives all of them, one row each.

    Examples
    --------
    >>> from segmint.config.project import Segmentation
    >>> model = Segmentation.model_validate({
    ...     "dimensions": {"size": {"kind": "bands", "field": "employees", "edges": [1000],
    ...                             "labels": ["SMB", "Enterprise"]}},
    ...     "segments": [{"name": "Strategic", "when": "employees >= 50000"}],
    ...     "default": "{size}"})
    >>> accounts = ibis.memtable({"account_id": ["a", "b", "c", "d"],
    ...                           "employees": [60000.0, 5000.0, 10.0, None]})
    >>> out = assign(accounts, model).order_by("account_id").execute()
    >>> out.segment.tolist()
    ['Strategic', 'Enterprise', 'SMB', 'Unassigned']
    >>> out.reason.tolist()[-1]
    'employees missing'
    >>> out.iloc[-1][["reason_code", "dimension", "field", "value"]].tolist()
    ['missing', 'size', 'employees', None]
    """
    table = _with_dimensions(accounts, model, revenue=revenue, deals=deals)
    return _segment_and_reason(table, model)


def unassigned_reasons(assignments: ir.Table, accounts: ir.Table, model: Segmentation) -> ir.Table:
    """Every reason each Unassigned account has, one row per reason.

    An account the default template cannot name may miss several dimensions at once (no
    employees and no country). `assign` keeps one row per account, so its ``reason_code``,
    ``dimension``, ``field`` and ``value`` hold the first reason only; this long table holds
    all of them, keyed by ``account_id`` and ``dimension``, with those four columns as
    `assign` defines them (an account Unassigned for another reason, such as ``no_default``,
    has its one row). A long table rather than an array of structs in the assignments: its
    columns are flat text, which a CSV holds, a spreadsheet filters and every engine Ibis
    reaches groups by, and the fixes that free the most accounts are a plain group-by on it
    (see `segmint.audit.unassigned_fixes`).

    Parameters
    ----------
    assignments : ibis.Table
        `assign`'s output for `model`, or the part of it a run keeps: ``account_id``,
        ``segment``, the reason's columns and the dimensions.
    accounts : ibis.Table
        The accounts `assign` was given, for the fields the template's dimensions read (and
        what the CRM said, ``country_raw``), read for the Unassigned accounts only: the
        segments are not worked out again.

    Examples
    --------
    >>> from segmint.config.project import Segmentation
    >>> model = Segmentation.model_validate({"dimensions": {
    ...     "size": {"kind": "bands", "field": "employees", "edges": [1000], "labels": ["S", "L"]},
    ...     "region": {"kind": "map", "field": "country", "values": {"FR": "EMEA"}}},
    ...     "default": "{size}-{region}"})
    >>> accounts = ibis.memtable({"account_id": ["a", "b", "c"], "employees": [None, 5.0, 5.0],
    ...                           "country": [None, "ZZ; YY", "FR"]})
    >>> rows = unassigned_reasons(assign(accounts, model), accounts, model)
    >>> rows = rows.order_by("account_id", "field").execute()
    >>> rows.values.tolist()  # doctest: +NORMALIZE_WHITESPACE
    [['a', 'missing', 'region', 'country', None], ['a', 'missing', 'size', 'employees', None],
     ['b', 'unmapped', 'region', 'country', 'ZZ; YY']]
    """
    reason = {c: f"_reason_{c}" for c in (t.REASON_CODE, t.DIMENSION, t.FIELD, t.VALUE)}
    unassigned = assignments.filter(assignments[t.SEGMENT] == t.UNASSIGNED)
    template = [name for name in dict.fromkeys(model.template_fields)
                if not isinstance(model.dimensions[name], ProductsHeld)]
    # the fields as assign read them: where a dimension is named like its field, the dimension
    fields = {c for name in template for c in (model.dimensions[name].field,
                                               f"{model.dimensions[name].field}_raw")
              if c in accounts.columns and c not in model.dimensions and c != t.ACCOUNT_ID}
    read = accounts.select(_account=accounts[t.ACCOUNT_ID], *sorted(fields))
    joined = unassigned.select(t.ACCOUNT_ID, *template,
                               **{private: unassigned[c] for c, private in reason.items()})
    joined = joined.join(read, joined[t.ACCOUNT_ID] == read._account)
    failed = joined[reason[t.REASON_CODE]].isin(t.TEMPLATE_FAILURES).fill_null(False)
    rows = [joined.filter(~failed).select(  # one reason: no_default, or a rule named Unassigned
        t.ACCOUNT_ID, **{c: joined[private] for c, private in reason.items()})]
    for name, why in _template_whys(joined, model).items():  # a row per dimension without value
        rows.append(joined.filter(failed & why.code.notnull()).select(
            t.ACCOUNT_ID, **{t.REASON_CODE: why.code, t.DIMENSION: ibis.literal(name),
                             t.FIELD: ibis.literal(why.field), t.VALUE: why.value}))
    return ibis.union(*rows)


def _with_dimensions(accounts: ir.Table, model: Segmentation, *, revenue: ir.Table | None,
                     deals: ir.Table | None, reuse: Mapping[str, str] | None = None,
                     only: set[str] | None = None) -> ir.Table:
    """`accounts` with one column per dimension (those of `only`, when given), in the model's
    order (a dimension may read a field named like an earlier one); a dimension in `reuse` is
    copied from the column of `accounts` it names, which holds it already (`segments_only`)."""
    table = accounts
    for name, spec in model.dimensions.items():
        if only is not None and name not in only:
            continue
        if reuse and name in reuse:
            table = table.mutate(**{name: table[reuse[name]]})
        elif isinstance(spec, ProductsHeld):
            table = dims.products_held(table, spec, revenue=revenue, deals=deals, name=name)
        else:
            table = table.mutate(**{name: _dimension(table, name, spec)})
    return table


def segments_only(accounts: ir.Table, model: Segmentation, *, revenue: ir.Table | None = None,
                  deals: ir.Table | None = None, reuse: Mapping[str, str] | None = None,
                  carry: tuple[str, ...] = ()) -> ir.Table:
    """``account_id``, the columns of `carry` and ``segment`` as `assign` gives it: no
    dimension, no reason.

    The workbench re-assigns on every edit and shows no reasons: leaving them out, and the
    columns the model does not read, keeps the query a fraction of `assign`'s size, and
    compiling it is most of an edit's time. `reuse` maps a dimension to a column of
    `accounts` that holds it already (worked out once for the saved model); only the
    dimensions not in it are worked out here.

    Examples
    --------
    The region is taken from the kept column (its map is not worked out again); the rule
    and the template are.

    >>> model = Segmentation.model_validate({"dimensions": {"region": {"kind": "map",
    ...     "field": "country", "values": {"FR": "EMEA", "US": "NA"}}},
    ...     "segments": [{"name": "Key", "when": "arr > 100"}], "default": "Core {region}"})
    >>> accounts = ibis.memtable({"account_id": ["x", "y", "z"], "arr": [500.0, 0.0, 0.0],
    ...     "country": ["FR", "FR", "BR"], "_kept_region": ["EMEA", "EMEA", None]})
    >>> out = segments_only(accounts, model, reuse={"region": "_kept_region"})
    >>> out.columns, out.order_by("account_id").segment.execute().tolist()
    (('account_id', 'segment'), ['Key', 'Core EMEA', 'Unassigned'])
    """
    read = {t.ACCOUNT_ID, *carry, *fields_read(model, reuse)}
    table = with_segment(accounts.select(*(c for c in accounts.columns if c in read)), model,
                         column=t.SEGMENT, revenue=revenue, deals=deals, reuse=reuse)
    return table.select(t.ACCOUNT_ID, *(c for c in carry if c != t.ACCOUNT_ID), t.SEGMENT)


def with_segment(table: ir.Table, model: Segmentation, *, column: str,
                 revenue: ir.Table | None = None, deals: ir.Table | None = None,
                 reuse: Mapping[str, str] | None = None) -> ir.Table:
    """`table` with one more column, `column`: `model`'s segment of each row, as `assign`
    gives it; every other column as it was, even one named like a dimension.

    Only the dimensions the segment reads are worked out (`dimensions_read`), not the
    reasons; a dimension in `reuse` is copied from the column holding it. Two models'
    segments can so sit side by side in one query, without a join (the scenarios'
    transitions).

    Examples
    --------
    >>> by_size = Segmentation.model_validate({"dimensions": {"employees": {"kind": "bands",
    ...     "field": "employees", "edges": [100], "labels": ["S", "L"]}}, "default": "{employees}"})
    >>> rows = ibis.memtable({"account_id": ["a", "b"], "employees": [5.0, 500.0]})
    >>> out = with_segment(rows, by_size, column="size_segment").order_by("account_id")
    >>> out.execute().values.tolist()
    [['a', 5.0, 'S'], ['b', 500.0, 'L']]
    """
    only = dimensions_read(model)
    shadowed = {c: f"_shadowed_{c}" for c in (*only, t.SEGMENT) if c in table.columns}
    marked = table.mutate(**{private: table[c] for c, private in shadowed.items()}) \
        if shadowed else table
    assigned = _with_dimensions(marked, model, revenue=revenue, deals=deals, reuse=reuse,
                                only=only)
    assigned = _segment_and_reason(assigned, model, columns=(t.SEGMENT,))
    return assigned.select(**{c: assigned[shadowed.get(c, c)] for c in table.columns},
                           **{column: assigned[t.SEGMENT]})


def dimensions_read(model: Segmentation) -> set[str]:
    """The dimensions `model`'s segment reads: those of its default name and its rules, and
    the dimensions those read in turn.

    >>> model = Segmentation.model_validate({"dimensions": {
    ...     "size": {"kind": "bands", "field": "employees", "edges": [100], "labels": ["S", "L"]},
    ...     "products": {"kind": "products"}}, "default": "{size}"})
    >>> sorted(dimensions_read(model))
    ['size']
    """
    read = set(model.template_fields) | {
        field for rule in model.segments for field in parse_rule(rule.when).fields
        if field in model.dimensions}
    while True:
        more = {spec.field for name in read for spec in [model.dimensions[name]]
                if not isinstance(spec, ProductsHeld) and spec.field in model.dimensions} - read
        if not more:
            return read
        read |= more


def fields_read(model: Segmentation, reuse: Mapping[str, str] | None = None) -> set[str]:
    """The account columns `model`'s segment reads: its rules' fields, the fields of the
    dimensions it works out, and the columns of `reuse` holding the others.

    >>> model = Segmentation.model_validate({"dimensions": {"region": {"kind": "map",
    ...     "field": "country", "values": {"FR": "EMEA"}}},
    ...     "segments": [{"name": "Key", "when": "arr > 100"}], "default": "{region}"})
    >>> sorted(fields_read(model)), sorted(fields_read(model, {"region": "_kept_region"}))
    (['arr', 'country'], ['_kept_region', 'arr'])
    """
    reuse = reuse or {}
    only = dimensions_read(model)
    return {*(reuse[name] for name in only if name in reuse),
            *(field for rule in model.segments for field in parse_rule(rule.when).fields),
            *(spec.field for name, spec in model.dimensions.items()
              if name in only and name not in reuse and not isinstance(spec, ProductsHeld))}


def reusable_dimensions(model: Segmentation, specs: Mapping[str, Dimension],
                        columns: Mapping[str, str]) -> dict[str, str]:
    """The column of `columns` holding each of `model`'s dimensions that is as in `specs` (the
    model the columns were worked out for) and reads an account field, not a column another
    dimension of either model writes: the ``reuse`` of `segments_only` and `with_segment`.

    >>> def model(edge):
    ...     return Segmentation.model_validate({"dimensions": {
    ...         "size": {"kind": "bands", "field": "employees", "edges": [edge],
    ...                  "labels": ["S", "L"]},
    ...         "region": {"kind": "map", "field": "country", "values": {"FR": "EMEA"}}},
    ...         "default": "{size} {region}"})
    >>> kept = {"size": "_kept_size", "region": "_kept_region"}
    >>> reusable_dimensions(model(300), model(100).dimensions, kept)  # the size bands moved
    {'region': '_kept_region'}
    """
    written = set(model.dimensions) | set(specs)
    return {name: columns[name] for name, spec in model.dimensions.items()
            if name in columns and specs[name] == spec
            and (isinstance(spec, ProductsHeld) or spec.field not in written)}


def dimension_columns(accounts: ir.Table, model: Segmentation, *, prefix: str,
                      revenue: ir.Table | None = None, deals: ir.Table | None = None,
                      only: set[str] | None = None) -> tuple[ir.Table, dict[str, str]]:
    """`accounts` with each of `model`'s dimensions (those of `only`, when given) as a column
    named `prefix` + its name, and which column holds which dimension (the ``reuse`` of
    `segments_only`).

    A dimension reading a field named like another dimension is left out: which column it
    reads depends on the model's order, so it is worked out with the model that uses it.

    Examples
    --------
    >>> from segmint.config.project import Segmentation
    >>> model = Segmentation.model_validate({"dimensions": {"size": {"kind": "bands",
    ...     "field": "employees", "edges": [1000], "labels": ["SMB", "ENT"]}}, "default": "{size}"})
    >>> accounts = ibis.memtable({"account_id": ["a", "b"], "employees": [5.0, 5000.0]})
    >>> table, columns = dimension_columns(accounts, model, prefix="_kept_")
    >>> columns, table._kept_size.execute().tolist()
    ({'size': '_kept_size'}, ['SMB', 'ENT'])
    """
    table, columns = accounts, {}
    for name, spec in model.dimensions.items():
        if only is not None and name not in only:
            continue
        if isinstance(spec, ProductsHeld):
            table = dims.products_held(table, spec, revenue=revenue, deals=deals,
                                       name=prefix + name)
        elif spec.field not in model.dimensions:
            table = table.mutate(**{prefix + name: _dimension(accounts, name, spec)})
        else:
            continue
        columns[name] = prefix + name
    return table, columns


def _segment_and_reason(table: ir.Table, model: Segmentation,
                        columns: tuple[str, ...] = (t.SEGMENT, *t.REASON_COLUMNS)) -> ir.Table:
    """`table` with ``segment`` and the reason's columns (those of `columns`)."""
    compiled = [
        (rule, compile_rule(parse_rule(rule.when), table).fill_null(False))
        for rule in model.segments
    ]
    reasons = any(column != t.SEGMENT for column in columns)
    default = _default(table, model, _template_whys(table, model) if reasons else {})
    by_rule = {  # what each column holds when rule i matched
        t.SEGMENT: lambda i, rule: ibis.literal(rule.name),
        t.REASON: lambda i, rule: ibis.literal(f"rule {i}: {rule.when}"),
        t.REASON_CODE: lambda i, rule: ibis.literal(t.RULE),
        t.DIMENSION: lambda i, rule: ibis.null("string"),
        t.FIELD: lambda i, rule: ibis.literal(rule.name),
        t.VALUE: lambda i, rule: ibis.literal(rule.when),
    }
    if not compiled:
        return table.mutate(**{column: default[column] for column in columns})
    return table.mutate(**{
        column: ibis.cases(*[(hit, of(i, rule)) for i, (rule, hit) in enumerate(compiled, 1)],
                           else_=default[column])
        for column, of in by_rule.items() if column in columns})


def assignment_table(
    accounts: ir.Table,
    model: Segmentation,
    *,
    revenue: ir.Table | None = None,
    deals: ir.Table | None = None,
    score_columns: tuple[str, ...] | list[str] = (),
) -> ir.Table:
    """`assign`, kept to the columns the outputs show: ``account_id``, ``name``, each dimension,
    each score column, ``segment``, ``reason``, ``is_customer`` and ``arr`` (those present).

    Examples
    --------
    >>> from segmint.config.project import Segmentation
    >>> model = Segmentation.model_validate({"segments": [{"name": "Everyone", "when": "true"}]})
    >>> accounts = ibis.memtable({"account_id": ["a"], "fit": [80.0], "country": ["FR"]})
    >>> assignment_table(accounts, model, score_columns=["fit"]).columns
    ('account_id', 'fit', 'segment', 'reason', 'reason_code', 'dimension', 'field', 'value')
    """
    assigned = assign(accounts, model, revenue=revenue, deals=deals)
    wanted = [t.ACCOUNT_ID, t.NAME, *model.dimensions, *score_columns, t.SEGMENT,
              *t.REASON_COLUMNS, t.IS_CUSTOMER, t.ARR]
    return assigned.select(*(c for c in dict.fromkeys(wanted) if c in assigned.columns))


def divisions_by_zero(accounts: ir.Table, model: Segmentation, *, revenue: ir.Table | None = None,
                      deals: ir.Table | None = None) -> list[str]:
    """A warning for each rule that divides by something zero for some accounts: for them the
    division has no value, so the rule cannot match them, which is rarely what was meant.

    Examples
    --------
    >>> from segmint.config.project import Segmentation
    >>> model = Segmentation.model_validate({"segments": [
    ...     {"name": "Efficient", "when": "annual_revenue / employees > 100000"}]})
    >>> accounts = ibis.memtable({"account_id": ["a", "b", "c"], "employees": [0, 10, 0],
    ...                           "annual_revenue": [5e6, 5e6, 1e6]})
    >>> print(*divisions_by_zero(accounts, model))
    segmentation.segments[1] (Efficient): the rule divides by employees, which is 0 for 2 accounts; a division by zero has no value, so the rule cannot match them.
    """
    parsed = [(position, segment, parse_rule(segment.when))
              for position, segment in enumerate(model.segments, start=1)]
    if not any("/" in segment.when for _, segment, _ in parsed):
        return []  # nothing divides: no need to work out the dimensions
    table = _with_dimensions(accounts, model, revenue=revenue, deals=deals)
    counts, said = {}, []
    for position, segment, rule in parsed:
        for text, zero in zero_divisors(rule, table).items():
            counts[f"_{len(counts)}"] = zero.fill_null(False).cast("int64").sum()
            said.append((position, segment.name, text))
    if not counts:
        return []
    found = table.aggregate(**counts).to_pyarrow().to_pylist()[0]
    return [f"segmentation.segments[{position}] ({name}): the rule divides by {text}, which is "
            f"0 for {found[key]:,} account{'s' if found[key] != 1 else ''}; a division by zero "
            "has no value, so the rule cannot match them."
            for key, (position, name, text) in zip(counts, said) if found[key]]


def _dimension(table: ir.Table, name: str, spec: Bands | ValueMap | SectorGroups) -> ir.StringValue:
    values = dims.field_of(table, name, spec.field)
    if isinstance(spec, Bands):
        return dims.band(values.cast("float64"), spec)
    if isinstance(spec, SectorGroups):
        return dims.sector_group(values, spec)
    builtin = region_by_country() if spec.builtin == "iso_region" else None
    return dims.map_values(values, spec, builtin=builtin)


def _default(table: ir.Table, model: Segmentation, whys: dict[str, _Why]) -> dict[str, ir.Value]:
    """The columns when no rule matched: the default name and why it is that, or Unassigned."""
    null = ibis.null("string")
    if model.default is None:
        return {t.SEGMENT: ibis.literal(t.UNASSIGNED),
                t.REASON: ibis.literal("no rule matched and there is no default"),
                t.REASON_CODE: ibis.literal(t.NO_DEFAULT), t.DIMENSION: null, t.FIELD: null,
                t.VALUE: null}
    pieces: list[ir.StringValue] = []
    texts: list[ir.StringValue] = []
    for literal_text, name, _, _ in string.Formatter().parse(model.default):
        if literal_text:
            pieces.append(ibis.literal(literal_text))
        if not name:
            continue
        value = table[name]
        if isinstance(model.dimensions[name], ProductsHeld):
            value = ibis.ifelse(value.length() == 0, dims.NO_PRODUCTS, value.join("+"))
        pieces.append(value)
        if name in whys:
            texts.append(whys[name].text)
    formed = pieces[0]
    for piece in pieces[1:]:
        formed = formed + piece  # concatenation is null when any dimension is null
    why = ibis.literal("")
    for text in texts:
        why = why + ibis.ifelse(text.isnull(), "", text + "; ")
    reason = ibis.ifelse(
        formed.isnull(), why.re_replace(r"; $", ""), "default " + ibis.literal(model.default)
    )

    def first(of, otherwise: ir.Value) -> ir.Value:
        """`of(name, why)` of the template's first dimension without a value."""
        if not whys:
            return otherwise
        branches = [(why.code.notnull(), of(name, why)) for name, why in whys.items()]
        return ibis.ifelse(formed.isnull(), ibis.cases(*branches, else_=null), otherwise)

    return {
        t.SEGMENT: formed.fill_null(t.UNASSIGNED), t.REASON: reason,
        t.REASON_CODE: first(lambda name, why: why.code, ibis.literal(t.DEFAULT)),
        t.DIMENSION: first(lambda name, why: ibis.literal(name), null),
        t.FIELD: first(lambda name, why: ibis.literal(why.field), null),
        t.VALUE: first(lambda name, why: why.value, ibis.literal(model.default)),
    }


class _Why(NamedTuple):
    """Why a dimension has no value: each expression is null while it has one."""

    field: str  # the account field the dimension reads
    code: ir.StringValue  # missing, unrecognised or unmapped
    value: ir.StringValue  # what the CRM said (unrecognised) or the value not mapped
    text: ir.StringValue  # as the readable reason says it


def _template_whys(table: ir.Table, model: Segmentation) -> dict[str, _Why]:
    """Per dimension the default template uses, in its order, why it may have no value."""
    whys = {}
    for name in model.template_fields:
        spec = model.dimensions[name]
        if name not in whys and not isinstance(spec, ProductsHeld):  # 'none' when nothing held
            whys[name] = _why_missing(table, name, spec)
    return whys


def _why_missing(table: ir.Table, name: str, spec: Bands | ValueMap | SectorGroups) -> _Why:
    field = table[spec.field]
    null = ibis.null("string")
    branches = [(table[name].notnull(), (null, null, null))]
    raw = f"{spec.field}_raw"  # enrichment keeps what the CRM said (country_raw, naics_raw)
    if raw in table.columns:
        said = table[raw].cast("string")
        branches.append((field.isnull() & table[raw].notnull(), (
            ibis.literal(t.UNRECOGNISED), said, f"{spec.field} " + said + " not recognised")))
    branches.append((field.isnull(), (ibis.literal(t.MISSING), null,
                                      ibis.literal(f"{spec.field} missing"))))
    if isinstance(spec, Bands):
        otherwise = (null, null, null)  # a present number always falls in a band
    else:
        value = field.cast("string")
        otherwise = (ibis.literal(t.UNMAPPED), value, f"{spec.field} " + value + f" has no {name}")
    code, value, text = (ibis.cases(*[(when, then[i]) for when, then in branches],
                                    else_=otherwise[i]) for i in range(3))
    return _Why(spec.field, code, value, text)

"""Assign: every account gets exactly one segment (first matching rule, else the default) and a reason."""

from __future__ import annotations

import string

import ibis
import ibis.expr.types as ir

from segmint import tables as t
from segmint.config.project import Bands, ProductsHeld, SectorGroups, Segmentation, ValueMap
from segmint.enrich.geography import region_by_country
from segmint.segment import dimensions as dims
from segmint.segment.rules import compile_rule, parse_rule


def assign(
    accounts: ir.Table,
    model: Segmentation,
    *,
    revenue: ir.Table | None = None,
    deals: ir.Table | None = None,
) -> ir.Table:
    """Segment every account: rules in order (first match wins), then the default template.

    Returns the accounts with one column per dimension, ``segment`` and ``reason``. An
    account that no rule matches and whose default name cannot be formed (a dimension it
    needs is missing) is ``Unassigned``, and its reason names the missing field.

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
    """
    table = accounts
    for name, spec in model.dimensions.items():
        if isinstance(spec, ProductsHeld):
            table = dims.products_held(table, spec, revenue=revenue, deals=deals, name=name)
        else:
            table = table.mutate(**{name: _dimension(table, name, spec)})

    compiled = [
        (rule, compile_rule(parse_rule(rule.when), table).fill_null(False))
        for rule in model.segments
    ]
    default_name, default_reason = _default(table, model)
    segment = ibis.cases(*[(hit, ibis.literal(rule.name)) for rule, hit in compiled],
                         else_=default_name) if compiled else default_name
    reason = ibis.cases(
        *[(hit, ibis.literal(f"rule {i}: {rule.when}")) for i, (rule, hit) in enumerate(compiled, 1)],
        else_=default_reason,
    ) if compiled else default_reason
    return table.mutate(**{t.SEGMENT: segment, t.REASON: reason})


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
    ('account_id', 'fit', 'segment', 'reason')
    """
    assigned = assign(accounts, model, revenue=revenue, deals=deals)
    wanted = [t.ACCOUNT_ID, t.NAME, *model.dimensions, *score_columns, t.SEGMENT, t.REASON,
              t.IS_CUSTOMER, t.ARR]
    return assigned.select(*(c for c in dict.fromkeys(wanted) if c in assigned.columns))


def _dimension(table: ir.Table, name: str, spec: Bands | ValueMap | SectorGroups) -> ir.StringValue:
    values = dims.field_of(table, name, spec.field)
    if isinstance(spec, Bands):
        return dims.band(values.cast("float64"), spec)
    if isinstance(spec, SectorGroups):
        return dims.sector_group(values, spec)
    builtin = region_by_country() if spec.builtin == "iso_region" else None
    return dims.map_values(values, spec, builtin=builtin)


def _default(table: ir.Table, model: Segmentation) -> tuple[ir.StringValue, ir.StringValue]:
    """The default segment name from the template, and the reason when it cannot be formed."""
    if model.default is None:
        return ibis.literal(t.UNASSIGNED), ibis.literal("no rule matched and there is no default")
    pieces: list[ir.StringValue] = []
    missing: list[ir.StringValue] = []
    for literal_text, name, _, _ in string.Formatter().parse(model.default):
        if literal_text:
            pieces.append(ibis.literal(literal_text))
        if not name:
            continue
        spec = model.dimensions[name]
        value = table[name]
        if isinstance(spec, ProductsHeld):
            value = ibis.ifelse(value.length() == 0, dims.NO_PRODUCTS, value.join("+"))
        pieces.append(value)
        missing.append(_why_missing(table, name, spec))
    formed = pieces[0]
    for piece in pieces[1:]:
        formed = formed + piece  # concatenation is null when any dimension is null
    name_or_unassigned = formed.fill_null(t.UNASSIGNED)
    why = ibis.literal("")
    for part in missing:
        why = why + ibis.ifelse(part.isnull(), "", part + "; ")
    reason = ibis.ifelse(
        formed.isnull(), why.re_replace(r"; $", ""), "default " + ibis.literal(model.default)
    )
    return name_or_unassigned, reason


def _why_missing(table: ir.Table, name: str, spec) -> ir.StringValue:
    """Null when dimension `name` has a value; else which field is missing or unmapped."""
    if isinstance(spec, ProductsHeld):
        return ibis.null("string")
    field = table[spec.field]
    if isinstance(spec, Bands):
        unmapped = ibis.null("string")  # a present number always falls in a band
    else:
        unmapped = f"{spec.field} " + field.cast("string") + f" has no {name}"
    missing = ibis.literal(f"{spec.field} missing")
    raw = f"{spec.field}_raw"  # enrichment keeps what the CRM said (country_raw, naics_raw)
    if raw in table.columns:
        missing = ibis.ifelse(table[raw].isnull(), missing,
                              f"{spec.field} " + table[raw].cast("string") + " not recognised")
    because = ibis.ifelse(field.isnull(), missing, unmapped)
    return ibis.ifelse(table[name].isnull(), because, ibis.null("string"))

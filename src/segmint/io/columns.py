"""How a source's headers map onto canonical columns: presets, `columns:`, attributes, lists, date orders.

Reads headers only, so the project check can name every column before any data is loaded.
"""

from __future__ import annotations

import re

from segmint import tables as t
from segmint.config.presets import composed_columns, multi_value_headers, preset_columns
from segmint.config.project import Project, Source
from segmint.exceptions import ColumnNotFoundError, ConfigError, SourceError, closest_hint
from segmint.io.text import sample_file


def source_columns(project: Project, table: str) -> list[str] | None:
    """The columns `load_source` would give `table` (canonical names, then unmapped headers as
    attribute names), read from the file's header alone; None for a DuckDB table or a file
    that is not there (loading says what is wrong with it).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "a.csv").write_text("Id,Tier__c,NumberOfEmployees\\n001A,Gold,5\\n")
    >>> project = Project.model_validate({"root": folder,
    ...     "sources": {"accounts": {"path": "a.csv", "preset": "salesforce"}},
    ...     "segmentation": {"segments": [{"name": "Everyone", "when": "true"}]}})
    >>> source_columns(project, "accounts")
    ['account_id', 'employees', 'tier__c']
    """
    source: Source = getattr(project.sources, table)
    path = project.path(source.path)
    if source.resolved_format == "duckdb" or not path.is_file():
        return None
    if source.derived_from:  # accounts built from the deals' account column: that alone
        return [t.ACCOUNT_ID]
    headers = sample_file(path, rows=1).headers
    mapping = canonical_mapping(table, source, headers, source.path)
    composed = composed_columns(source.preset, table, headers, mapping) if source.preset else {}
    return [*mapping, *composed, *attribute_names(headers, mapping, taken=set(composed)).values()]


def date_order(table: str, source: Source) -> dict[str, str]:
    """Canonical date column → the order `sources.<table>.date_order` sets for it."""
    dates = [c for c, kind in t.SPECS[table].columns.items() if kind == "date"]
    if source.date_order is None:
        return {}
    if isinstance(source.date_order, str):
        return dict.fromkeys(dates, source.date_order)
    for column in source.date_order:
        if column not in dates:
            raise ConfigError(
                f"sources.{table}.date_order has {column!r}, which is not a date column of "
                f"{table} ({', '.join(dates)}). {closest_hint(column, dates)}")
    return dict(source.date_order)


def multi_value(table: str, source: Source, headers: list[str], mapping: dict[str, str],
                 attributes: dict[str, str]) -> tuple[str, ...]:
    """The columns of the loaded rows holding ';'-separated lists: the preset's, then those
    `sources.<table>.multi_value` names by canonical name, header or attribute name."""
    listable = t.MULTI_VALUE_COLUMNS.get(table, ())
    name_of = {**attributes, **{header: c for c, header in mapping.items()}}  # header → name
    names = [name_of[h] for h in multi_value_headers(source.preset, table, headers)
             if h in name_of and (name_of[h] not in mapping or name_of[h] in listable)]
    known = {**name_of, **{n: n for n in attributes.values()}, **{c: c for c in mapping}}
    for entry in source.multi_value:
        if entry not in known:
            raise ConfigError(
                f"sources.{table}.multi_value has {entry!r}, which is no column of "
                f"{source.path}. {closest_hint(entry, [*mapping, *headers])}")
        if known[entry] in mapping and known[entry] not in listable:
            allowed = f"{', '.join(listable)} and " if listable else ""
            raise ConfigError(
                f"sources.{table}.multi_value has {entry!r}, which segmint reads as one value "
                f"({known[entry]}); in {table}, {allowed}extra attribute columns can hold lists.")
        names.append(known[entry])
    return tuple(dict.fromkeys(names))


def canonical_mapping(table: str, source: Source, headers: list[str], label: str) -> dict[str, str]:
    mapping = preset_columns(source.preset, table, headers) if source.preset else {}
    if not source.preset:
        # No preset: headers that already carry canonical names are taken as they are, and
        # `columns` maps the others (columns: {period: month} beside account_id and mrr).
        mapping = {h: h for h in headers if h in t.SPECS[table].columns}
    for canonical, header in source.columns.items():
        if header not in headers:
            raise ColumnNotFoundError(header, label, f"sources.{table}.columns.{canonical}", headers)
        mapping[canonical] = header
    for required in t.SPECS[table].required:
        if required not in mapping:
            expected = f" (preset {source.preset} looks for one of its usual names)" if source.preset else ""
            raise SourceError(
                f"{label} has no column for {required}{expected}. Its columns are: "
                f"{', '.join(headers)}. Map one under sources.{table}.columns.{required} "
                "in segmint.yaml."
            )
    return mapping


def attribute_names(headers: list[str], mapping: dict[str, str],
                    taken: set[str] | None = None) -> dict[str, str]:
    """Unmapped columns stay, as snake_case names a rule can use (Product__c → product__c),
    none of them a canonical or lineage name, nor one of `taken`."""
    taken = set(mapping) | set(t.LINEAGE) | (taken or set())
    mapped = set(mapping.values())
    names = {}
    for header in headers:
        if header in mapped:
            continue
        name = re.sub(r"\W+", "_", header).strip("_").lower() or "column"
        if name[0].isdigit():
            name = f"c_{name}"
        base, n = name, 1
        while name in taken:
            n += 1
            name = f"{base}_{n}"
        taken.add(name)
        names[header] = name
    return names

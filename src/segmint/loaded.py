"""What `io` hands to the stages after it: a loaded source, how its bytes were read, a rates file.

Shared types only, so that `validate` and `enrich` read what `io` loaded without importing it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import ibis.expr.types as ir


@dataclass(frozen=True)
class Reading:
    """How a CSV file's bytes were read as text, for the audit to report.

    `encoding` is what the file was read as (``utf-8``, ``cp1252``, ``utf-16``, ...; ``utf-8 +
    cp1252`` for a UTF-8 file with some lines in cp1252), and `decided_by` says why: ``as is``
    (it is UTF-8), ``declared`` (sources.<table>.encoding), ``byte-order mark`` (UTF-16),
    ``detected`` (charset-normalizer) or ``line by line`` (the mixed file). `lines_transcoded`
    counts the lines converted to UTF-8: every line of a converted file, the repaired lines of
    a mixed one, none of a UTF-8 file. `records_spanning_lines` counts records with quoted
    line breaks, `broken_quotes` the lines whose quote is never closed or would swallow the
    lines after it (each refused alone, `segmint.io.records`). `lines` counts the file's
    lines, the header's included.
    `characters_converted` counts the characters beyond ASCII in the lines converted, and
    `examples` shows up to 3 words holding them as decoded ('México', 'Zürich'), for the user
    to check the encoding at a glance. `replaced_characters` counts U+FFFD (�) in the file as
    read: characters an earlier conversion could not read, lost before segmint saw the file,
    with up to 3 `replaced_examples`.

    Examples
    --------
    >>> Reading("cp1252", "detected", lines=3, lines_transcoded=3).records_spanning_lines
    0
    """

    encoding: str
    decided_by: str
    lines: int
    lines_transcoded: int
    records_spanning_lines: int = 0
    broken_quotes: int = 0
    characters_converted: int = 0
    replaced_characters: int = 0
    examples: tuple[str, ...] = ()
    replaced_examples: tuple[str, ...] = ()


@dataclass(frozen=True)
class LoadedSource:
    """One source file in the engine: canonical columns (text for CSV), extras and lineage.

    `rows` carries ``_source_file`` and ``_source_row`` on every row; `parse_rejects` has
    the records the file parser could not split (``_source_row``, ``error``, ``raw_line``).
    `mapping` is canonical column → source header; `attributes` is source header → the
    column name it got in `rows` (unmapped columns, kept for use in rules). `notes` say how
    the file was read when that was not plain UTF-8 CSV (an encoding detected, lines
    repaired, records spanning several lines). `repairs` has one row per value whose
    mojibake was repaired (``_source_file``, ``_source_row``, ``column`` (the file's
    header), ``before``, ``after``), or is None when the file showed no mojibake.
    `value_kinds` is canonical column → CRM value kind (``salesforce_id``, ``hubspot_id``,
    ``owner``) for validation to read those columns with (`validate.parsers.crm`). `reading`
    says how a CSV file's bytes were read (None for Parquet and DuckDB tables). `date_order`
    is canonical date column → ``day_first`` or ``month_first``, as configured. `multi_value`
    names the columns of `rows` whose values are ``;``-separated lists, as the preset or
    ``sources.<table>.multi_value`` declares them. `composed` is canonical column → the
    headers whose values were joined with a space to make it, when the preset builds it from
    several (a user's name from ``FirstName`` and ``LastName``, `config.presets.COMPOSED`);
    the parts also stay as attributes.
    """

    table: str
    file: str
    rows: ir.Table
    parse_rejects: ir.Table
    mapping: dict[str, str]
    attributes: dict[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    repairs: ir.Table | None = None
    value_kinds: dict[str, str] = field(default_factory=dict)
    reading: Reading | None = None
    date_order: dict[str, str] = field(default_factory=dict)
    multi_value: tuple[str, ...] = ()
    composed: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class RatesFile:
    """An FX rates file as read: its header and every record, numbered as rejects number rows.

    `rows` holds ``(row, values)`` pairs, `values` aligned with `headers`: text for a CSV (the
    row is its line number, the header being line 1), the file's own types for Parquet (the
    row is the 1-based position). `label` is the path as segmint.yaml writes it.
    """

    label: str
    headers: list[str]
    rows: list[tuple[int, tuple[object, ...]]]

"""Load: read each source file into the engine as text, mapped onto canonical column names."""

from __future__ import annotations

import codecs
import csv
import io
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import charset_normalizer
import ibis
import ibis.expr.types as ir

from segmint import engine
from segmint import tables as t
from segmint.config.presets import preset_columns
from segmint.config.project import Project, Source
from segmint.exceptions import ColumnNotFoundError, SourceError

SAMPLE_BYTES = 1 << 20
DELIMITERS = (",", ";", "\t", "|")


@dataclass(frozen=True)
class LoadedSource:
    """One source file in the engine: canonical columns (text for CSV), extras and lineage.

    `rows` carries ``_source_file`` and ``_source_row`` on every row; `parse_rejects` has
    the records the file parser could not split (``_source_row``, ``error``, ``raw_line``).
    `mapping` is canonical column → source header; `attributes` is source header → the
    column name it got in `rows` (unmapped columns, kept for use in rules).
    """

    table: str
    file: str
    rows: ir.Table
    parse_rejects: ir.Table
    mapping: dict[str, str]
    attributes: dict[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


def load_source(con: ibis.BaseBackend, project: Project, table: str) -> LoadedSource:
    """Read the source configured for `table` and map its columns onto canonical names.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from segmint.config.project import Project
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "accounts.csv").write_text("Id,Name,NumberOfEmployees\\n001A,Acme,120\\n")
    >>> project = Project.model_validate({"root": folder,
    ...     "sources": {"accounts": {"path": "accounts.csv", "preset": "salesforce"}},
    ...     "segmentation": {"segments": [{"name": "All", "when": "true"}]}})
    >>> loaded = load_source(engine.connect(), project, "accounts")
    >>> loaded.rows.select("account_id", "employees", "_source_row").execute().values.tolist()
    [['001A', '120', 2]]
    """
    source: Source = getattr(project.sources, table)
    path = project.path(source.path)
    label = source.path
    if not path.exists():
        raise SourceError(
            f"{label} (sources.{table}.path) does not exist under {project.root.name or '.'}/. "
            "Paths in segmint.yaml are relative to the file itself."
        )
    if path.is_dir():
        raise SourceError(f"{label} (sources.{table}.path) is a folder; point it at one file.")
    fmt = source.resolved_format
    notes: list[str] = []
    if fmt == "csv":
        read, headers, notes = _read_csv(con, path, label, table, source)
    elif fmt == "parquet":
        read = engine.read_parquet_text(con, path)
        headers = [c for c in read.rows.columns if c != t.SOURCE_ROW]
    else:
        if not source.table:
            raise SourceError(f"sources.{table} reads a DuckDB file; name its table with table:.")
        read = engine.read_duckdb_table(con, path, source.table)
        headers = [c for c in read.rows.columns if c != t.SOURCE_ROW]
    mapping = _mapping(table, source, headers, label)
    attributes = _attribute_names(headers, mapping)
    columns = {canonical: read.rows[header] for canonical, header in mapping.items()}
    columns |= {name: read.rows[header] for header, name in attributes.items()}
    rows = read.rows.select(
        **columns,
        **{t.SOURCE_FILE: ibis.literal(label), t.SOURCE_ROW: read.rows[t.SOURCE_ROW].cast("int64")},
    )
    parse_rejects = read.parse_rejects.mutate(**{t.SOURCE_FILE: ibis.literal(label)})
    return LoadedSource(table, label, rows, parse_rejects, mapping, attributes, tuple(notes))


def _read_csv(
    con: ibis.BaseBackend, path: Path, label: str, table: str, source: Source
) -> tuple[engine.RawRead, list[str], list[str]]:
    sample = path.open("rb").read(SAMPLE_BYTES)
    if not sample.strip():
        raise SourceError(f"{label} is empty: it has no header row. Export it again with headers.")
    notes: list[str] = []
    encoding = (source.encoding or "utf-8").lower().replace("_", "-")
    if encoding in ("utf-8", "utf8", "utf-8-sig"):
        _check_utf8(path, label, table, sample)
    else:
        path = _transcode(path, source.encoding or encoding, label, table)
        notes.append(f"{label}: read as {source.encoding} and converted to UTF-8")
        sample = path.open("rb").read(SAMPLE_BYTES)
    text = sample.decode("utf-8-sig", errors="replace")
    first_line = text.splitlines()[0] if text.splitlines() else ""
    delimiter = source.delimiter or _sniff_delimiter(first_line)
    try:
        headers = next(csv.reader(io.StringIO(text), delimiter=delimiter))
    except (csv.Error, StopIteration) as err:
        raise SourceError(f"{label}: the header row cannot be read ({err}).") from None
    headers = _unique_headers([h.strip() for h in headers])
    if not any(headers):
        raise SourceError(f"{label}: the header row is blank. Export it again with headers.")
    read = engine.read_csv_text(con, path, headers, delimiter=delimiter)
    return read, headers, notes


def _check_utf8(path: Path, label: str, table: str, sample: bytes) -> None:
    """Refuse a file that is not UTF-8, naming the encoding it most likely is."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    with path.open("rb") as handle:
        while chunk := handle.read(SAMPLE_BYTES):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as err:
                where = offset + err.start
                line = 1 + sample.count(b"\n", 0, where) if where < len(sample) else None
                guess = charset_normalizer.from_bytes(chunk).best()
                named = f" It looks like {guess.encoding}." if guess else ""
                at = f"line {line}" if line else f"byte {where:,}"
                raise SourceError(
                    f"{label} is not UTF-8 (byte {chunk[err.start:err.start + 1]!r} at {at})."
                    f"{named} Set sources.{table}.encoding: "
                    f"{guess.encoding if guess else 'cp1252'} in segmint.yaml."
                ) from None
            offset += len(chunk)
    decoder.decode(b"", final=True)


def _transcode(path: Path, encoding: str, label: str, table: str) -> Path:
    """Write a UTF-8 copy of a file in another encoding, streaming, and return its path."""
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise SourceError(
            f"sources.{table}.encoding: {encoding!r} is not an encoding Python knows. "
            "Try cp1252, latin-1 or utf-16."
        ) from None
    target = Path(tempfile.mkdtemp(prefix="segmint-")) / path.name
    try:
        with path.open(encoding=encoding, newline="") as src, target.open(
            "w", encoding="utf-8", newline=""
        ) as dst:
            while chunk := src.read(SAMPLE_BYTES):
                dst.write(chunk)
    except UnicodeDecodeError as err:
        raise SourceError(
            f"{label} is not valid {encoding} ({err.reason}). Check sources.{table}.encoding."
        ) from None
    return target


def _sniff_delimiter(header_line: str) -> str:
    """The delimiter that splits the header into the most fields (comma on a tie)."""
    outside_quotes = re.sub(r'"[^"]*"', "", header_line)
    return max(DELIMITERS, key=lambda d: (outside_quotes.count(d), d == ","))


def _unique_headers(headers: list[str]) -> list[str]:
    """Blank headers become column_N; repeated headers get _2, _3 (HubSpot repeats some)."""
    seen: dict[str, int] = {}
    unique = []
    for position, header in enumerate(headers, start=1):
        header = header or f"column_{position}"
        seen[header] = seen.get(header, 0) + 1
        unique.append(header if seen[header] == 1 else f"{header}_{seen[header]}")
    return unique


def _mapping(table: str, source: Source, headers: list[str], label: str) -> dict[str, str]:
    mapping = preset_columns(source.preset, table, headers) if source.preset else {}
    if not source.preset and not source.columns:
        # No preset and no mapping: take headers that already carry canonical names.
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


def _attribute_names(headers: list[str], mapping: dict[str, str]) -> dict[str, str]:
    """Unmapped columns stay, as snake_case names a rule can use (Product__c → product__c)."""
    taken = set(mapping) | set(t.LINEAGE)
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

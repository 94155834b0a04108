"""Load: read each source file into the engine as text, mapped onto canonical column names."""

from __future__ import annotations

import codecs
import csv
import io
import re
from array import array
from collections.abc import Collection
from dataclasses import dataclass, replace
from pathlib import Path

import ftfy
import ibis
import ibis.expr.types as ir
import pyarrow as pa

from segmint import engine
from segmint import tables as t
from segmint.config.presets import attribute_value_kinds, composed_columns, value_kinds
from segmint.config.project import Project, Source
from segmint.exceptions import ColumnNotFoundError, SourceError
from segmint.io.columns import attribute_names, canonical_mapping, date_order, multi_value
from segmint.io.outcomes import flags_from_dates, flags_from_stage
from segmint.io.records import BrokenQuote, RecordMap, map_records, without_lines
from segmint.io.text import (NOT_UTF8, SAMPLE_BYTES, check_line_breaks, decoded_examples,
                             detect_encoding, detected_note, first_undecodable, is_empty,
                             not_in_encoding, sniff_delimiter, unique_headers)
from segmint.loaded import LoadedSource, Reading


# Mojibake: UTF-8 text that was decoded as cp1252, Latin-1 or Mac Roman and encoded again
# ('Société' → 'SociÃ©tÃ©', '’' → 'â€™' or '‚Äô'). These sequences almost never occur in real
# names, so they mark the values worth handing to ftfy. Literal characters, no escapes, so
# DuckDB's RE2, Spark's Java regex and Python's re read the pattern alike.
_CP1252_PUNCTUATION = "€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ"
MOJIBAKE = f"[ÃÂ][\u0080-\u00bf{_CP1252_PUNCTUATION}]|â€|‚Ä|√[\u00a0-\u2122]"
_MOJIBAKE_RE = re.compile(MOJIBAKE)


MAX_ATTRIBUTES = 100  # unmapped columns kept as they are; beyond, only those the project reads


def load_source(con: ibis.BaseBackend, project: Project, table: str, *,
                read_by_project: Collection[str] | None = None) -> LoadedSource:
    """Read the source configured for `table` and map its columns onto canonical names.

    Unmapped columns are kept as attributes (`io.columns.attribute_names`). A file with more
    than `MAX_ATTRIBUTES` of them (an export of every field: 20 rows of 1,000 columns filled
    the engine's memory) keeps only those `read_by_project` names (the names rules and
    dimensions read, as attribute names or headers) and those holding lists, and a note says
    how many were left out. Without `read_by_project`, every column is kept.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from segmint.config.project import Project
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "accounts.csv").write_text("Id,Name,NumberOfEmployees\\n001A,Acme,120\\n")
    >>> project = Project.model_validate({"root": folder,
    ...     "sources": {"accounts": {"path": "accounts.csv", "preset": "salesforce"}},
    ...     "segmentation": {"segments": [{"name": "Everyone", "when": "true"}]}})
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
    repairs = reading = None
    if fmt == "csv":
        read, headers, notes, repairs, reading = _read_csv(con, path, label, table, source)
    elif fmt == "parquet":
        read = engine.read_parquet_text(con, path)
        headers = [c for c in read.rows.columns if c != t.SOURCE_ROW]
    else:
        if not source.table:
            raise SourceError(f"sources.{table} reads a DuckDB file; name its table with table:.")
        read = engine.read_duckdb_table(con, path, source.table)
        headers = [c for c in read.rows.columns if c != t.SOURCE_ROW]
    if source.derived_from:  # accounts named by the deals: their account column alone
        return _accounts_from_deals(read, headers, source, label, notes, reading)
    mapping = canonical_mapping(table, source, headers, label)
    composed = composed_columns(source.preset, table, headers, mapping) if source.preset else {}
    attributes = attribute_names(headers, mapping, taken=set(composed))
    lists = multi_value(table, source, headers, mapping, attributes)
    if len(attributes) > MAX_ATTRIBUTES and read_by_project is not None:
        wanted = {*read_by_project, *lists}
        kept = {h: name for h, name in attributes.items() if name in wanted or h in wanted}
        notes.append(
            f"{label}: {len(attributes) - len(kept):,} of its {len(headers):,} columns are not "
            "mapped and no rule or dimension reads them, so they were left out (a file with "
            f"more than {MAX_ATTRIBUTES} unmapped columns would slow every stage and can fill "
            f"the engine's memory). Map one under sources.{table}.columns, or use it in a rule, "
            "to keep it.")
        attributes = kept
    columns = {canonical: read.rows[header] for canonical, header in mapping.items()}
    columns |= {canonical: _joined([read.rows[h] for h in parts])
                for canonical, parts in composed.items()}
    columns |= {name: read.rows[header] for header, name in attributes.items()}
    if table == "deals":  # won and closed from the stage, when the export has no flag for them
        flags, stage_notes = flags_from_stage(read.rows, mapping, source, label)
        if not flags:  # no stage: the dates a deal was won and lost, when the export has them
            flags, stage_notes = flags_from_dates(read.rows, mapping, label)
        columns |= flags
        notes += stage_notes
        if t.ACCOUNT_ID in mapping:
            columns[t.ACCOUNT_ID], several = first_account(read.rows, mapping[t.ACCOUNT_ID])
            notes += _several_accounts_note(several, label, mapping[t.ACCOUNT_ID])
    rows = read.rows.select(
        **columns,
        **{t.SOURCE_FILE: ibis.literal(label), t.SOURCE_ROW: read.rows[t.SOURCE_ROW].cast("int64")},
    )
    parse_rejects = read.parse_rejects.mutate(**{t.SOURCE_FILE: ibis.literal(label)})
    if repairs is not None:
        repairs = repairs.select(
            **{t.SOURCE_FILE: ibis.literal(label)}, **{c: repairs[c] for c in repairs.columns})
    return LoadedSource(table, label, rows, parse_rejects, mapping, attributes, tuple(notes),
                        repairs, value_kinds(source.preset, mapping, table)
                        | attribute_value_kinds(source.preset, {
                            h: name for h, name in attributes.items()
                            if read.rows[h].type().is_string()}),  # a typed column holds no id
                        reading,
                        date_order=date_order(table, source), multi_value=lists,
                        composed=composed)


def _accounts_from_deals(read: engine.RawRead, headers: list[str], source: Source, label: str,
                         notes: list[str], reading: Reading | None) -> LoadedSource:
    """The accounts an export of deals alone names: one per distinct account in its account
    column (the first of several, `first_account`), numbered by the first line naming it."""
    header = source.columns[t.ACCOUNT_ID]
    if header not in headers:
        raise ColumnNotFoundError(header, label, "sources.accounts.columns.account_id", headers)
    account, _ = first_account(read.rows, header)
    named = read.rows.select(account=account.strip().nullif(""),
                             row=read.rows[t.SOURCE_ROW].cast("int64"))
    accounts = named.group_by(_id=named.account).aggregate(_row=named.row.min())
    rows = accounts.select(**{t.ACCOUNT_ID: accounts._id, t.SOURCE_FILE: ibis.literal(label),
                              t.SOURCE_ROW: accounts._row})
    count = int(rows.count().execute())
    notes = [*notes, f"{label}: the accounts were built from the deals' {header} column "
                     f"({count:,} accounts, each numbered by the first line naming it); they "
                     "have no firmographics, so every account is in one segment until an "
                     "accounts export is added."]
    empty = read.parse_rejects.filter(ibis.literal(False)).mutate(
        **{t.SOURCE_FILE: ibis.literal(label)})
    mapping = {t.ACCOUNT_ID: header}
    return LoadedSource("accounts", label, rows, empty, mapping, {}, tuple(notes), None,
                        value_kinds(source.preset, mapping, "accounts"), reading)


def first_account(rows: ir.Table, header: str) -> tuple[ir.StringValue, ir.Table]:
    """A deal's account when its export names several ('5101;5102', as HubSpot writes a deal
    associated with several companies): the first one named. Returns the column and the
    deals naming several (``several``: their text), to count.

    Examples
    --------
    >>> t = ibis.memtable({"company": ["5101", "5101; 5102", None]})
    >>> first, several = first_account(t, "company")
    >>> t.select(first=first).first.to_pyarrow().to_pylist(), several.count().execute()
    (['5101', '5101', None], 1)
    """
    text = rows[header].cast("string")
    first = ibis.ifelse(text.contains(";"), text.re_extract("^([^;]*)", 1).strip(), text)
    return first, rows.select(several=text).filter(lambda r: r.several.contains(";"))


def _several_accounts_note(several: ir.Table, label: str, header: str) -> list[str]:
    """What the run says about deals naming several accounts: how many, with an example."""
    rows = several.aggregate(n=several.count(), example=several.several.min()).to_pyarrow()
    count, example = rows.column("n")[0].as_py(), rows.column("example")[0].as_py()
    if not count:
        return []
    return [f"{label}: {count:,} deal(s) name several accounts in {header} (such as "
            f"{example!r}); each counts for the first one named."]


def _joined(parts: list[ir.Value]) -> ir.StringValue:
    """The parts' text joined with a space, blank parts left out; null when every part is.

    Examples
    --------
    >>> t = ibis.memtable({"first": ["Ana", " ", None, "Li "], "last": ["Ruiz", "Okafor", None, ""]})
    >>> t.select(name=_joined([t.first, t["last"]])).to_pyarrow().column("name").to_pylist()
    ['Ana Ruiz', 'Okafor', None, 'Li']
    """
    joined: ir.StringValue = ibis.null("string")
    for part in parts:
        text = part.cast("string").strip().nullif("")
        joined = ibis.cases((joined.isnull(), text), (text.isnull(), joined),
                            else_=joined + " " + text)
    return joined


def _read_csv(
    con: ibis.BaseBackend, path: Path, label: str, table: str, source: Source
) -> tuple[engine.RawRead, list[str], list[str], ir.Table | None, Reading]:
    with path.open("rb") as handle:
        sample = handle.read(SAMPLE_BYTES)
    if is_empty(sample):
        raise SourceError(f"{label} is empty: it has no header row. Export it again with headers.")
    check_line_breaks(sample, label)
    path, scan, notes, reading = _as_utf8(path, label, table, source, sample)
    with path.open("rb") as handle:
        text = handle.read(SAMPLE_BYTES).decode("utf-8-sig", errors="replace")
    if not text.strip("\ufeff\x00 \t\r\n"):
        raise SourceError(f"{label} is empty: it has no header row. Export it again with headers.")
    first_line = text.splitlines()[0] if text.splitlines() else ""
    delimiter = source.delimiter or sniff_delimiter(first_line)
    try:
        headers = next(csv.reader(io.StringIO(text), delimiter=delimiter))
    except (csv.Error, StopIteration) as err:
        raise SourceError(f"{label}: the header row cannot be read ({err}).") from None
    headers = unique_headers([h.strip() for h in headers])
    if not any(headers):
        raise SourceError(f"{label}: the header row is blank. Export it again with headers.")
    read = engine.read_csv_text(con, path, headers, delimiter=delimiter)
    changed = False
    accepted, refused = int(read.rows.count().execute()), int(read.parse_rejects.count().execute())
    if scan.lines != 1 + accepted + refused and not engine.splits_lines(con, path):
        # Some record spans several lines (a quoted address with line breaks, or a stray
        # quote swallowing the lines after it) or the file has blank lines: the engine
        # numbers records, not lines, so map them here.
        found = map_records(path, delimiter, len(headers))
        if found.broken:
            # each broken quote's line is refused alone: the engine reads a copy without it
            blanked = without_lines(path, {b.line for b in found.broken},
                                    engine.scratch_file(path.name))
            read = engine.read_csv_text(con, blanked, headers, delimiter=delimiter)
            notes.append(_broken_quotes_note(label, found.broken))
        read = _number_by_line(read, found)
        _check_every_record_counted(read, found, label)
        reading = replace(reading, records_spanning_lines=found.spanning,
                          broken_quotes=len(found.broken))
        changed = True
        if found.spanning:
            notes.append(f"{label}: {found.spanning:,} record(s) span several lines (quoted "
                         "line breaks); a row number is the line its record starts on")
    repairs = None
    if scan.mojibake:
        read, repairs = _repair_mojibake(read, headers)
        changed = True
        repaired = int(repairs.count().execute())
        if repaired:
            first = repairs.order_by(t.SOURCE_ROW, "column").limit(2).to_pyarrow().to_pylist()
            such = "; ".join(f"{r['before']!r} for {r['after']!r}" for r in first)
            notes.append(f"{label}: repaired mojibake in {repaired:,} value(s) (such as {such}); "
                         "each is listed in the repairs table")
    if changed:
        read = engine.RawRead(engine.materialise(con, read.rows, "csv_read"), read.parse_rejects)
        if repairs is not None:
            repairs = engine.materialise(con, repairs, "repairs")
    return read, headers, notes, repairs, reading


@dataclass(frozen=True)
class _Scan:
    """What one streaming pass over a file's bytes found."""

    high_bytes: int = 0  # bytes >= 0x80
    not_utf8: int = 0  # of those, bytes that are not part of a valid UTF-8 sequence
    lines: int = 0
    mojibake: bool = False
    non_ascii: int = 0  # characters beyond ASCII, in a UTF-8 file (its lead bytes)
    replaced: int = 0  # U+FFFD: characters an earlier conversion could not read, lost for good
    replaced_examples: tuple[str, ...] = ()  # words holding one, as examples


def _scan(path: Path) -> _Scan:
    """Count non-UTF-8 bytes, characters beyond ASCII, replacement characters and lines, and
    look for mojibake, in one pass at C speed."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="surrogateescape")
    high = not_utf8 = lines = leads = replaced = 0
    mojibake = False
    tail, last = "", b""
    examples: list[str] = []
    with path.open("rb") as handle:
        while chunk := handle.read(SAMPLE_BYTES):
            high += len(chunk) - len(chunk.translate(None, bytes(range(128, 256))))
            leads += len(chunk) - len(chunk.translate(None, bytes(range(192, 256))))
            lines += chunk.count(b"\n")
            last = chunk[-1:]
            text = decoder.decode(chunk)
            not_utf8 += len(NOT_UTF8.findall(text))
            # a few characters of overlap, so a sequence split between chunks is still seen
            mojibake = mojibake or _MOJIBAKE_RE.search(tail + text) is not None
            tail = text[-4:]
            if "\ufffd" in text:
                replaced += text.count("\ufffd")
                examples += _REPLACED_RE.findall(text)[:3 - len(examples)]
    text = decoder.decode(b"", final=True)
    not_utf8 += len(NOT_UTF8.findall(text))
    lines += 1 if last and last != b"\n" else 0
    return _Scan(high, not_utf8, lines, mojibake, leads, replaced, tuple(dict.fromkeys(examples)))


_REPLACED_RE = re.compile('[^,;\t\r\n"|]*\ufffd[^,;\t\r\n"|]*')  # the field around a U+FFFD


def _as_utf8(
    path: Path, label: str, table: str, source: Source, sample: bytes
) -> tuple[Path, _Scan, list[str], Reading]:
    """The file as UTF-8 (itself, or a converted copy), what a scan of it found, notes, and
    how it was read.

    A declared `encoding` is used as given. Otherwise a file that is UTF-8 is read as it is;
    one that is mostly UTF-8 with some lines in cp1252 (rows pasted in from another export)
    is repaired line by line; one with no UTF-8 in it at all is converted from the encoding
    charset-normalizer detects, cp1252 when that is as likely (Salesforce's Data Export).
    """
    declared = (source.encoding or "").lower().replace("_", "-")

    def converted(copy: Path, encoding: str, decided_by: str, note: str,
                  lines: int | None = None, characters: int | None = None,
                  examples: tuple[str, ...] | None = None):
        scan = _scan(copy)  # every line was converted, unless told how many
        if examples is None:
            with copy.open("rb") as handle:
                examples = decoded_examples(handle.read(SAMPLE_BYTES).decode("utf-8", "replace"))
        return copy, scan, [note], _reading(
            scan, encoding, decided_by, scan.lines if lines is None else lines,
            scan.non_ascii if characters is None else characters, examples)

    if declared and declared not in ("utf-8", "utf8", "utf-8-sig"):
        return converted(_transcode(path, source.encoding, label, table), source.encoding,
                         "declared", f"{label}: read as {source.encoding} and converted to UTF-8")
    if not declared and sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return converted(_transcode(path, "utf-16", label, table), "utf-16", "byte-order mark",
                         f"{label}: read as UTF-16 and converted to UTF-8")
    scan = _scan(path)
    if not scan.not_utf8:
        return path, scan, [], _reading(scan, "utf-8", "as is", 0, 0, ())
    if declared:
        _check_utf8(path, label, table, sample)
    if scan.high_bytes - scan.not_utf8 > scan.not_utf8:
        copy, repaired, characters, examples = _repair_lines(path)
        shown = f" (such as {', '.join(repr(e) for e in examples)})" if examples else ""
        return converted(copy, "utf-8 + cp1252", "line by line",
                         f"{label}: mostly UTF-8, but {repaired:,} line(s) had bytes that are not "
                         f"UTF-8; those bytes were read as cp1252{shown}", lines=repaired,
                         characters=characters, examples=examples)
    encoding = detect_encoding(sample)
    return converted(_transcode(path, encoding, label, table, declared=False), encoding, "detected",
                     detected_note(label, table, sample, encoding))


def _reading(scan: _Scan, encoding: str, decided_by: str, lines_transcoded: int,
             characters: int, examples: tuple[str, ...]) -> Reading:
    return Reading(encoding, decided_by, scan.lines, lines_transcoded,
                   characters_converted=characters, examples=examples,
                   replaced_characters=scan.replaced, replaced_examples=scan.replaced_examples)


def _repair_lines(path: Path) -> tuple[Path, int, int, tuple[str, ...]]:
    """Write a UTF-8 copy in which each byte sequence that is not UTF-8 is read as cp1252.

    Line by line, so memory stays flat; a line break is never inside a multi-byte character
    in UTF-8 or cp1252, so splitting on it cannot cut one. Returns the copy, the number of
    lines that needed it, the characters beyond ASCII in them, and words of them as examples.
    """
    target = engine.scratch_file(path.name)  # removed when the run ends
    repaired = characters = 0
    examples: tuple[str, ...] = ()
    with path.open("rb") as src, target.open("wb") as dst:
        for line in src:
            try:
                line.decode("utf-8")
            except UnicodeDecodeError:
                text = line.decode("utf-8", errors="segmint-cp1252")
                line = text.encode("utf-8")
                repaired += 1
                characters += sum(ord(c) > 127 for c in text)
                if len(examples) < 3:
                    examples = tuple(dict.fromkeys([*examples, *decoded_examples(text)]))[:3]
            dst.write(line)
    return target, repaired, characters, examples


def _broken_quotes_note(label: str, broken: list[BrokenQuote]) -> str:
    lines = ", ".join(f"{b.line:,}" for b in broken[:5]) + (", ..." if len(broken) > 5 else "")
    return (f"{label}: {len(broken):,} line(s) open a quote that is never closed or that would "
            f"swallow the lines after it (line {lines}); each was rejected alone (DQ000) and the "
            "lines after it were read as records")


def _check_every_record_counted(read: engine.RawRead, found: RecordMap, label: str) -> None:
    """Fail loudly when the engine split the file into other records than the lines say."""
    read_or_refused = (int(read.rows.count().execute())
                       + int(read.parse_rejects.count().execute()))
    if read_or_refused != found.records:
        first = min((b.line for b in found.broken), default=None)
        where = f" from line {first:,} on" if first else ""
        raise SourceError(
            f"{label}: the CSV reader found {read_or_refused:,} records but the file has "
            f"{found.records:,}{where}: its quotes cannot be read one way. Check the quotes"
            f"{where} and export the file again.")


def _number_by_line(read: engine.RawRead, found: RecordMap) -> engine.RawRead:
    """Renumber rows and refused records by the line each record starts on.

    The engine numbers records; a record with a quoted line break spans several lines, and
    it skips blank lines when numbering accepted rows but not refused ones. `found` (one
    streaming pass, `map_records`, which splits records as the engine does) has each
    record's first line: refused records are looked up by the record number the engine
    gave them, accepted rows by their rank among the records it did not refuse. The lines of
    broken quotes, blank in what the engine read, are refused here with their reason.
    """
    refused = {int(n) for n in read.parse_rejects[t.SOURCE_ROW].execute().tolist()}
    accepted_lines, refused_at, refused_lines = array("q"), array("q"), array("q")
    for number, (start, blank) in enumerate(zip(found.starts, found.blank), start=2):
        if number in refused:
            refused_at.append(number)
            refused_lines.append(start)
        elif not blank:  # a blank line is no row
            accepted_lines.append(start)
    ranks = pa.table({"_rank": pa.array(range(len(accepted_lines)), pa.int64()),
                      "_line": pa.array(accepted_lines, pa.int64())})
    lines = ibis.memtable(ranks)
    rows = read.rows.mutate(_rank=ibis.row_number().over(order_by=read.rows[t.SOURCE_ROW]))
    rows = rows.left_join(lines, rows._rank == lines._rank)
    rows = rows.select(
        *[c for c in read.rows.columns if c != t.SOURCE_ROW],
        **{t.SOURCE_ROW: rows._line.fill_null(rows[t.SOURCE_ROW])},
    )
    starts = pa.table({"_number": pa.array(refused_at, pa.int64()),
                       "_line": pa.array(refused_lines, pa.int64())})
    refused_table = ibis.memtable(starts)
    rejects = read.parse_rejects
    joined = rejects.left_join(refused_table, rejects[t.SOURCE_ROW] == refused_table._number)
    rejects = joined.select(
        **{c: (joined._line.fill_null(joined[c]) if c == t.SOURCE_ROW else joined[c])
           for c in read.parse_rejects.columns})
    if found.broken:
        quotes = ibis.memtable(pa.table({
            t.SOURCE_ROW: pa.array([b.line for b in found.broken], pa.int64()),
            "error": [b.reason for b in found.broken], "raw_line": [b.text for b in found.broken]}))
        rejects = ibis.union(rejects.cast(quotes.schema()), quotes.select(rejects.columns))
    return engine.RawRead(rows, rejects)


def _repair_mojibake(read: engine.RawRead, headers: list[str]) -> tuple[engine.RawRead, ir.Table]:
    """Repair mojibake with ftfy, value by value, and list every value changed.

    ftfy is Python, so the engine first picks the distinct values that match `MOJIBAKE` (a
    regex it runs natively), ftfy fixes those few here, and the fixes are joined back in.
    Chosen over a Python pre-pass that rewrites the file: the file is read once and its
    records stay exactly as the engine split them (rewriting a CSV moves broken quotes and
    changes what is refused); every row is looked at, not a sample; only suspicious values
    cross into Python; and no Python runs inside the engine, so Spark executors need no ftfy.
    The cost is one more scan per text column, and only for a file `_scan` found mojibake in.
    """
    rows = read.rows
    suspicious = [
        rows.filter(rows[h].re_search(MOJIBAKE)).select(column=ibis.literal(h), before=rows[h])
        for h in headers
    ]
    found = ibis.union(*suspicious, distinct=True).to_pyarrow().to_pylist()
    fixes: dict[str, list[tuple[str, str]]] = {}
    for value in found:
        after = ftfy.fix_encoding(value["before"])
        if after != value["before"]:
            fixes.setdefault(value["column"], []).append((value["before"], after))
    changes = []
    for header, pairs in fixes.items():
        table = ibis.memtable(pa.table({"_before": [b for b, _ in pairs],
                                        "_after": [a for _, a in pairs]}))
        joined = rows.left_join(table, rows[header] == table._before)
        changes.append(joined.filter(joined._after.notnull()).select(
            **{t.SOURCE_ROW: joined[t.SOURCE_ROW].cast("int64")}, column=ibis.literal(header),
            before=joined[header], after=joined._after))
        rows = joined.select(*[joined[c] for c in rows.columns if c != header],
                             **{header: joined._after.fill_null(joined[header])}).select(rows.columns)
    if not changes:
        empty = {t.SOURCE_ROW: "int64", "column": "string", "before": "string", "after": "string"}
        changes.append(ibis.memtable({c: [] for c in empty}, schema=empty))
    repairs = ibis.union(*changes) if len(changes) > 1 else changes[0]
    return engine.RawRead(rows, read.parse_rejects), repairs


def _check_utf8(path: Path, label: str, table: str, sample: bytes) -> None:
    """Refuse a file declared UTF-8 that is not, naming the encoding it most likely is."""
    if first_undecodable(path, "utf-8") is not None:
        raise SourceError(not_in_encoding(path, label, table, "utf-8"))


def _transcode(path: Path, encoding: str, label: str, table: str, *, declared: bool = True) -> Path:
    """Write a UTF-8 copy of a file in another encoding, streaming, and return its path.

    A detected cp1252 was chosen from the file's first MiB: a byte cp1252 leaves undefined
    further on is read as Latin-1 (a C1 control), as in a mixed file, rather than failing.
    """
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise SourceError(
            f"sources.{table}.encoding: {encoding!r} is not an encoding Python knows. "
            "Try cp1252, latin-1 or utf-16."
        ) from None
    target = engine.scratch_file(path.name)  # removed when the run ends
    errors = "strict" if declared or encoding != "cp1252" else "segmint-cp1252"
    try:
        with path.open(encoding=encoding, errors=errors, newline="") as src, target.open(
            "w", encoding="utf-8", newline=""
        ) as dst:
            while chunk := src.read(SAMPLE_BYTES):
                dst.write(chunk)
    except UnicodeDecodeError:
        raise SourceError(not_in_encoding(path, label, table, encoding, declared=declared)) from None
    return target

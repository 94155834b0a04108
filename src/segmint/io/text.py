"""How a file's bytes become text: the encodings CRM exports are written in, the delimiter, the
header, and the sample `segmint init` reads. Light on purpose: the project check uses it."""

from __future__ import annotations

import codecs
import csv
import io
import re
from pathlib import Path

import charset_normalizer

from segmint.config.sniff import FileSample
from segmint.exceptions import SourceError

SAMPLE_BYTES = 1 << 20
DELIMITERS = (",", ";", "\t", "|")
NOT_UTF8 = re.compile("[\udc80-\udcff]")  # what surrogateescape makes of a byte UTF-8 refuses
_CP1252_UNDEFINED = {0x81, 0x8D, 0x8F, 0x90, 0x9D}  # read as Latin-1 C1 controls instead


def detect_encoding(sample: bytes) -> str:
    """The sample's encoding per charset-normalizer; cp1252 when it fits as well as the best.

    On a few accented names charset-normalizer cannot tell cp1252 from cp1250 or cp1006
    (they decode é, ü, ö alike), but CRM exports in a single-byte Western encoding are
    nearly always cp1252, so it wins ties.
    """
    best = charset_normalizer.from_bytes(sample).best()
    western = charset_normalizer.from_bytes(sample, cp_isolation=["cp1252"]).best()
    if western is not None and (best is None or western.chaos <= best.chaos + 0.02):
        return "cp1252"
    return best.encoding if best is not None else "cp1252"


def _cp1252_fallback(err: UnicodeDecodeError) -> tuple[str, int]:
    bad = err.object[err.start:err.end]
    return "".join(chr(b) if b in _CP1252_UNDEFINED else bytes([b]).decode("cp1252")
                   for b in bad), err.end


codecs.register_error("segmint-cp1252", _cp1252_fallback)


def sample_file(path: Path, *, rows: int = 200) -> FileSample:
    """The header and first `rows` records of a CSV or Parquet file, for `segmint init --from`.

    Reads at most the first MiB of a CSV, decoded as `load_source` would decode it.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "accounts.csv"
    >>> _ = path.write_bytes("Id;Name\\n001A;Müller\\n".encode("cp1252"))
    >>> sample = sample_file(path)
    >>> sample.headers, sample.rows, sample.delimiter
    (['Id', 'Name'], [['001A', 'Müller']], ';')
    """
    if not path.exists():
        raise SourceError(f"{path} does not exist.")
    if path.suffix.lower() in (".parquet", ".pq"):
        import pyarrow.parquet as pq

        head = pq.ParquetFile(path).iter_batches(batch_size=rows)
        batch = next(head, None)
        names = pq.ParquetFile(path).schema_arrow.names
        records = [] if batch is None else [
            ["" if v is None else str(v) for v in row.values()] for row in batch.to_pylist()]
        return FileSample(path=path, headers=names, rows=records, format="parquet")
    with path.open("rb") as handle:
        raw = handle.read(SAMPLE_BYTES)
        truncated = bool(handle.read(1))
    if is_empty(raw):
        raise SourceError(f"{path.name} is empty: it has no header row. Export it again with headers.")
    check_line_breaks(raw, path.name)
    encoding = None
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding, text = "utf-16", raw.decode("utf-16", errors="replace")
    else:
        text = raw.decode("utf-8-sig", errors="surrogateescape")
        bad = len(NOT_UTF8.findall(text))
        high = len(raw) - len(raw.translate(None, bytes(range(128, 256))))
        if bad and high - bad <= bad:
            encoding = detect_encoding(raw)
            text = raw.decode(encoding, errors="replace").removeprefix("\ufeff")
        elif bad:
            text = raw.decode("utf-8-sig", errors="segmint-cp1252")
    lines = text.splitlines()
    delimiter = sniff_delimiter(lines[0] if lines else "")
    csv.field_size_limit(max(csv.field_size_limit(), SAMPLE_BYTES))  # a long value in the sample
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records = list(reader)
    if truncated and records:
        records.pop()  # the sample may end inside a record
    headers = unique_headers([h.strip() for h in records[0]]) if records else []
    body = [r for r in records[1:rows + 1] if r]
    return FileSample(path=path, headers=headers, rows=body, delimiter=delimiter,
                      encoding=encoding)


_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def is_empty(sample: bytes) -> bool:
    """Whether a file's first bytes hold nothing but a byte-order mark and white space.

    >>> is_empty(b"\\xef\\xbb\\xbf"), is_empty(b" \\r\\n"), is_empty(b"Id\\n")
    (True, True, False)
    """
    for bom in _BOMS:
        sample = sample.removeprefix(bom)
    return not sample.replace(b"\x00", b"").strip()


def check_line_breaks(sample: bytes, name: str) -> None:
    """Refuse a file whose lines end in a carriage return alone, naming the fix.

    Classic Mac OS software ended lines with CR only; CSV readers take such a file for one
    endless line. A CR inside a value of a file with LF or CRLF line ends is fine.

    >>> check_line_breaks(b"Id,Name\\rA,Acme\\r", "accounts.csv")
    Traceback (most recent call last):
    ...
    segmint.exceptions.SourceError: accounts.csv ends its lines with a carriage return alone (CR, as old Mac software wrote), which segmint cannot split into rows. Save it again with Windows (CRLF) or Unix (LF) line ends.
    """
    if b"\r" in sample and b"\n" not in sample:
        raise SourceError(
            f"{name} ends its lines with a carriage return alone (CR, as old Mac software "
            "wrote), which segmint cannot split into rows. Save it again with Windows (CRLF) "
            "or Unix (LF) line ends.")


def sniff_delimiter(header_line: str) -> str:
    """The delimiter that splits the header into the most fields (comma on a tie)."""
    outside_quotes = re.sub(r'"[^"]*"', "", header_line)
    return max(DELIMITERS, key=lambda d: (outside_quotes.count(d), d == ","))


def unique_headers(headers: list[str]) -> list[str]:
    """Blank headers become column_N; repeated headers get _2, _3 (HubSpot repeats some)."""
    seen: dict[str, int] = {}
    unique = []
    for position, header in enumerate(headers, start=1):
        header = header or f"column_{position}"
        seen[header] = seen.get(header, 0) + 1
        unique.append(header if seen[header] == 1 else f"{header}_{seen[header]}")
    return unique



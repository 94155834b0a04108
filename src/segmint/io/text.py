"""How a file's bytes become text: the encodings CRM exports are written in, the delimiter, the
header, and the sample `segmint init` reads. Light on purpose: the project check uses it."""

from __future__ import annotations

import codecs
import csv
import io
import re
from pathlib import Path

import charset_normalizer

from segmint.config.project import unread_format
from segmint.config.sniff import FileSample
from segmint.exceptions import SourceError

SAMPLE_BYTES = 1 << 20
DELIMITERS = (",", ";", "\t", "|")
NOT_UTF8 = re.compile("[\udc80-\udcff]")  # what surrogateescape makes of a byte UTF-8 refuses
_CP1252_UNDEFINED = {0x81, 0x8D, 0x8F, 0x90, 0x9D}  # read as Latin-1 C1 controls instead


# The single-byte encodings CRM exports are written in: Salesforce's Data Export, Excel's
# "CSV" on Windows and most European tools write cp1252; Latin-1 is its subset for the bytes
# cp1252 leaves undefined. A file that is not UTF-8 is read in one of these unless the bytes
# cannot be Western text (`looks_western`) or sources.<table>.encoding says otherwise.
WESTERN = ("cp1252", "latin-1")
_NON_ASCII_RUN = re.compile("[^\x00-\x7f]+")
_C1_CONTROLS = re.compile("[\x80-\x9f]")
# A word with a character beyond ASCII, as shown for a decoded value ('México', 'Zürich').
_DECODED_WORD = re.compile("[^\\W_]*[^\x00-\x7f][^\\W_]*")


def western_encoding(sample: bytes) -> str:
    """cp1252 when every byte of `sample` is defined in it, else Latin-1 (which reads any byte).

    >>> western_encoding("México".encode("cp1252")), western_encoding(b"\\x81")
    ('cp1252', 'latin-1')
    """
    try:
        sample.decode("cp1252")
    except UnicodeDecodeError:
        return "latin-1"
    return "cp1252"


def looks_western(text: str) -> bool:
    """Whether text decoded as cp1252 or Latin-1 reads as Western European text.

    In Western text, characters beyond ASCII stand alone or in pairs inside words ('México',
    'Ærø'); a Cyrillic, Greek, Arabic or Asian file read as cp1252 turns whole words into runs
    of them ('Ðîññèÿ' for 'Россия'), and Latin-1 shows C1 control characters for the lead
    bytes of Asian encodings. Western when fewer than half of the characters beyond ASCII are
    in runs of three or more, and there is no C1 control character.

    >>> looks_western("Société Générale,Köln,Ærøskøbing"), looks_western("ÎÎÎ Ðîìàøêà,Ìîñêâà")
    (True, False)
    """
    if _C1_CONTROLS.search(text):
        return False
    runs = [len(run) for run in _NON_ASCII_RUN.findall(text)]
    return sum(n for n in runs if n >= 3) < 0.5 * sum(runs) if runs else True


def detect_encoding(sample: bytes) -> str:
    """The encoding of a sample that is not UTF-8, preferring those CRM exports are written in.

    cp1252 (Latin-1 when a byte is undefined in cp1252) whenever the sample reads as Western
    text (`looks_western`): on accented names charset-normalizer cannot tell cp1252 from Baltic,
    Central European or DOS code pages (cp775 reads 'México' as 'Mķxico', cp1250 'Köln' as
    'Köln' but 'Øresund' as 'Řresund', and a '€' tips it to them), and a CRM export in one of
    those is rare enough to be declared (sources.<table>.encoding). Otherwise the encoding
    charset-normalizer finds (cp1251 for Cyrillic, Shift-JIS, GBK, ...).

    >>> detect_encoding("€uro Ltd,Perú,México".encode("cp1252"))
    'cp1252'
    >>> detect_encoding("ООО Ромашка,Москва,Газпром нефть,Санкт-Петербург".encode("cp1251"))
    'cp1251'
    """
    western = western_encoding(sample)
    if looks_western(sample.decode(western)):
        return western
    best = charset_normalizer.from_bytes(sample).best()
    return best.encoding if best is not None else western


# Code pages a CRM export in another European language is written in: worth naming when
# charset-normalizer prefers one of them (it also proposes DOS and Urdu pages on short samples).
REGIONAL = ("cp1250", "cp1253", "cp1254", "cp1257", "iso8859_2", "iso8859_13", "mac_roman")


def other_reading(sample: bytes, encoding: str) -> tuple[str, str, str] | None:
    """The regional code page charset-normalizer would have read `sample` in, when it reads a
    word differently from `encoding`: (that code page, the word as read, the word as it would
    read it), for the user to judge which is right. None when there is none.

    >>> other_reading("Łódź,Kraków,Wrocław,Gdańsk,Poznań".encode("cp1250"), "cp1252")
    ('cp1250', '£ódŸ', 'Łódź')
    >>> other_reading("1,México\\n".encode("cp1252"), "cp1252") is None
    True
    """
    best = charset_normalizer.from_bytes(sample).best()
    if best is None or best.encoding not in REGIONAL:
        return None
    ours = _DECODED_WORD.findall(sample.decode(encoding, errors="replace"))
    theirs = _DECODED_WORD.findall(sample.decode(best.encoding, errors="replace"))
    differ = next(((a, b) for a, b in zip(ours, theirs) if a != b), None)
    return None if differ is None else (best.encoding, *differ)


def decoded_examples(text: str, *, limit: int = 3) -> tuple[str, ...]:
    """Words of `text` with characters beyond ASCII, each showing one not shown before: what a
    decoding made of the file's accented names, for the user to check at a glance.

    >>> decoded_examples("Id,Name\\n1,México\\n2,Mérida\\n3,Zürich\\n4,Köln\\n")
    ('México', 'Zürich', 'Köln')
    """
    shown: list[str] = []
    seen: set[str] = set()
    for word in _DECODED_WORD.findall(text):
        new = {c for c in word if ord(c) > 127} - seen
        if new and word not in shown:
            shown.append(word)
            seen |= new
            if len(shown) == limit:
                break
    return tuple(shown)


def detected_note(label: str, table: str, sample: bytes, encoding: str) -> str:
    """What a run says about a file whose encoding was detected: which, with examples of the
    names it gave, and the regional code page charset-normalizer preferred when it differs.

    >>> print(detected_note("a.csv", "accounts", "1,México\\n".encode("cp1252"), "cp1252"))
    a.csv: read as cp1252 (detected: the file is not UTF-8) and converted to UTF-8, giving names such as 'México'. If names look wrong, set sources.accounts.encoding in segmint.yaml.
    """
    examples = decoded_examples(sample.decode(encoding, errors="replace"))
    giving = f", giving names such as {', '.join(repr(e) for e in examples)}" if examples else ""
    other = other_reading(sample, encoding)
    fix = (f"set sources.{table}.encoding: {other[0]} if the file is in that encoding (it "
           f"would read {other[1]!r} as {other[2]!r})" if other else f"set sources.{table}.encoding")
    return (f"{label}: read as {encoding} (detected: the file is not UTF-8) and converted to "
            f"UTF-8{giving}. If names look wrong, {fix} in segmint.yaml.")


def first_undecodable(path: Path, encoding: str) -> tuple[int, bytes] | None:
    """The line (from 1) and the bytes of the first place `path` cannot be read in `encoding`;
    None when all of it can. Streams the file, so it works on any size.

    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "a.csv"
    >>> _ = path.write_bytes(b"Id,Name\\nA,Acme\\nB,M\\xfcller\\n")
    >>> first_undecodable(path, "utf-8")
    (3, b'\\xfc')
    """
    decoder = codecs.getincrementaldecoder(encoding)()
    line = 1
    with path.open("rb") as handle:
        while chunk := handle.read(SAMPLE_BYTES):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as err:
                # the decoder may hold a few bytes from the chunk before: the error is in `err.object`
                start = max(0, err.start - (len(err.object) - len(chunk)))
                return line + chunk.count(b"\n", 0, start), err.object[err.start:err.end]
            line += chunk.count(b"\n")
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as err:
            return line, err.object[err.start:err.end]
    return None


def not_in_encoding(path: Path, label: str, table: str, encoding: str, *,
                    declared: bool = True) -> str:
    """The message for a file that cannot be read in the encoding `sources.<table>.encoding`
    gives: the first line it fails on, its bytes, and the encoding that reads that line.

    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "a.csv"
    >>> _ = path.write_bytes("Id,Name\\nA,Acme\\nB,Müller\\n".encode("cp1252"))
    >>> print(not_in_encoding(path, "a.csv", "accounts", "utf-8"))
    a.csv is not UTF-8: line 3 has b'\\xfc', which UTF-8 cannot read, though sources.accounts.encoding says utf-8. It reads as cp1252 ('Müller'): set sources.accounts.encoding: cp1252, or remove the key to let segmint detect it.
    """
    found = first_undecodable(path, encoding)
    name = "UTF-8" if codecs.lookup(encoding).name == "utf-8" else encoding
    if found is None:
        return f"{label} cannot be read as {name}. Check sources.{table}.encoding."
    line, bad = found
    text = _line(path, line)
    guess = detect_encoding(text)
    shown = decoded_examples(text.decode(guess, errors="replace"), limit=1)
    reads = f" ({shown[0]!r})" if shown else ""
    says = f", though sources.{table}.encoding says {encoding}" if declared else ""
    return (f"{label} is not {name}: line {line:,} has {bad!r}, which {name} cannot read{says}. "
            f"It reads as {guess}{reads}: set sources.{table}.encoding: {guess}, or remove the "
            "key to let segmint detect it.")


def _line(path: Path, number: int) -> bytes:
    """Line `number` (from 1) of a file, as bytes; read line by line, so memory stays flat."""
    with path.open("rb") as handle:
        for position, line in enumerate(handle, start=1):
            if position == number:
                return line
    return b""


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
    if unread_format(path):
        raise SourceError(unread_format(path))
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



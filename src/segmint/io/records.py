"""Where each record of a CSV file starts, found line by line, and the quotes that are broken.

A quoted value may hold line breaks (a street address), so a record can span several lines.
A stray quote makes one too: read as the start of a quoted value, it swallows every line up to
the next quote, or to the end of the file, into one bad record, and the accounts on those lines
vanish. `map_records` walks the file once, as the engine's CSV reader splits it (RFC 4180: a
quote opens a value only at the start of a field, ``""`` inside one is a quote), and calls a
record that spans lines a broken quote when it cannot be a quoted value:

- it is never closed before the end of the file;
- text follows its closing quote before the next delimiter, which the reader refuses;
- read whole, it does not split into the header's fields;
- its lines between the first and the last each split into the header's fields on their own:
  they are records, not the lines of one value.

The line the broken quote opens on is then refused alone, and the lines after it are read as
records again. Everything here reads bytes: in UTF-8 a quote, a delimiter or a line break is
never part of another character.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field
from pathlib import Path

_QUOTE = ord('"')


@dataclass(frozen=True)
class BrokenQuote:
    """A line whose quote opens a value that cannot be one; it is refused alone.

    `closes_on` is the line the quote would close on, or None when it never closes before the
    end of the file.
    """

    line: int
    text: str
    closes_on: int | None

    @property
    def reason(self) -> str:
        """Why the line is refused, in words that name the quote.

        >>> BrokenQuote(5, 'A3,"Acme,30', None).reason
        'a quote opened on this line is never closed, so it would swallow every line after it; this line alone is refused and the lines after it are read'
        >>> BrokenQuote(5, 'A3,"Acme,30', 9).reason
        'a quote opened on this line only closes on line 9, so it would swallow 3 lines that are records of their own; this line alone is refused and the lines after it are read'
        """
        if self.closes_on is None:
            swallowed = "every line after it"
        else:
            between = self.closes_on - self.line - 1
            swallowed = (f"{between:,} line{'s' if between != 1 else ''} that are records of "
                         "their own" if between else "the next line")
        closes = "is never closed" if self.closes_on is None else f"only closes on line {self.closes_on:,}"
        return (f"a quote opened on this line {closes}, so it would swallow {swallowed}; this "
                "line alone is refused and the lines after it are read")


@dataclass
class RecordMap:
    """How a CSV file's lines make records, as the engine numbers them.

    `starts` holds the first line of each record after the header, in file order, and
    `blank` marks the entries the engine reads as no row: blank lines, and the lines of
    `broken` quotes (blanked in the copy the engine reads, `without_lines`). The engine
    numbers a refused record by its position in `starts` plus 2 (the header is record 1).
    `spanning` counts records with quoted line breaks.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "a.csv"
    >>> _ = path.write_bytes(b'id,city\\n1,"Main St\\nBoston"\\n\\n2,"Unclosed\\n3,Paris\\n')
    >>> found = map_records(path, ",", width=2)
    >>> list(found.starts), list(found.blank), found.spanning, found.records
    ([2, 4, 5, 6], [0, 1, 1, 0], 1, 3)
    >>> [(b.line, b.closes_on) for b in found.broken]
    [(5, None)]
    """

    starts: array = field(default_factory=lambda: array("q"))
    blank: bytearray = field(default_factory=bytearray)
    broken: list[BrokenQuote] = field(default_factory=list)
    spanning: int = 0

    @property
    def records(self) -> int:
        """Physical records after the header: rows read or refused, the broken quotes' lines
        included; blank lines are none."""
        return len(self.starts) - self.blank.count(1) + len(self.broken)


def _scan_line(line: bytes, inside: bool, delimiter: bytes) -> tuple[bool, int, bool]:
    """One line (without its line break), entered inside a quoted value or not: whether it
    ends inside one, the delimiters outside quotes, and whether text follows a closing quote.

    >>> _scan_line(b'1,"a, b",3', False, b",")
    (False, 2, False)
    >>> _scan_line(b'1,"Main St', False, b","), _scan_line(b'Boston",x', True, b",")
    ((True, 1, False), (False, 1, False))
    >>> _scan_line(b'1,Acme "Best",3', False, b","), _scan_line(b'1,"a"b,3', False, b",")
    ((False, 2, False), (False, 2, True))
    """
    n, i, delimiters, malformed = len(line), 0, 0, False
    while i < n:
        quote = line.find(b'"', i)
        if inside:
            if quote < 0:
                return True, delimiters, malformed
            if quote + 1 < n and line[quote + 1] == _QUOTE:  # "" is a quote inside the value
                i = quote + 2
                continue
            inside, i = False, quote + 1
            malformed = malformed or (i < n and line[i:i + len(delimiter)] != delimiter)
            continue
        end = quote if quote >= 0 else n
        delimiters += line.count(delimiter, i, end)
        if quote < 0:
            break
        # a quote opens a value only at the start of a field; elsewhere it is a character
        inside = quote == 0 or line[max(0, quote - len(delimiter)):quote] == delimiter
        i = quote + 1
    return inside, delimiters, malformed


def _is_record(line: bytes, delimiter: bytes, width: int) -> bool:
    """Whether a line, read alone, is a whole record of `width` fields."""
    inside, delimiters, malformed = _scan_line(line, False, delimiter)
    return not inside and not malformed and delimiters + 1 == width


def _strip(raw: bytes) -> bytes:
    return raw[:-1] if raw.endswith(b"\n") else raw


def _text(line: bytes) -> str:
    return line.rstrip(b"\r").decode("utf-8", errors="replace")


def map_records(path: Path, delimiter: str, width: int, *, skip_lines: int = 0) -> RecordMap:
    """Walk `path` (UTF-8) once and map its records, finding broken quotes (module docstring).

    `width` is the header's number of fields. A file of one column cannot tell a record
    from the line of a value, so no quote is called broken there; and its blank lines are
    records, each one empty value, as the engine reads them.
    """
    sep = delimiter.encode("utf-8")
    found = RecordMap()
    with path.open("rb") as handle:
        for _ in range(1 + skip_lines):  # the header
            handle.readline()
        line_no = 1 + skip_lines
        while raw := handle.readline():
            line_no += 1
            line = _strip(raw).rstrip(b"\r")
            if not line:
                found.starts.append(line_no)
                found.blank.append(width > 1)
                continue
            if b'"' not in line:
                found.starts.append(line_no)
                found.blank.append(0)
                continue
            inside, delimiters, malformed = _scan_line(line, False, sep)
            if not inside:
                found.starts.append(line_no)
                found.blank.append(0)
                continue
            # a quoted value runs on past this line: follow it to its closing quote
            start, resume = line_no, handle.tell()
            inner_records, inner_lines, closes_on = True, 0, None
            while more := handle.readline():
                line_no += 1
                piece = _strip(more).rstrip(b"\r")
                inside, count, bad = _scan_line(piece, True, sep)
                delimiters += count
                malformed = malformed or bad
                if not inside:
                    closes_on = line_no
                    break
                inner_lines += 1
                inner_records = inner_records and _is_record(piece, sep, width)
            broken = (closes_on is None or malformed or delimiters + 1 != width
                      or (inner_lines > 0 and inner_records))
            if width > 1 and broken:
                found.broken.append(BrokenQuote(start, _text(line), closes_on))
                found.starts.append(start)
                found.blank.append(1)  # blanked in the copy the engine reads
                handle.seek(resume)
                line_no = start
                continue
            found.starts.append(start)
            found.blank.append(0)
            found.spanning += 1
    return found


def without_lines(path: Path, lines: set[int], target: Path) -> Path:
    """Copy `path` to `target` with the given lines (1-based) emptied, so every other line
    keeps its number; streaming, so memory stays flat.

    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "a.csv").write_bytes(b'id,n\\n1,"x\\n2,y\\r\\n')
    >>> without_lines(folder / "a.csv", {2}, folder / "b.csv").read_bytes()
    b'id,n\\n\\n2,y\\r\\n'
    """
    with path.open("rb") as src, target.open("wb") as dst:
        for number, raw in enumerate(src, start=1):
            if number in lines:
                raw = raw[len(raw.rstrip(b"\r\n")):]  # keep the line break, drop the rest
            dst.write(raw)
    return target

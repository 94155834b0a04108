"""Read the FX rates file a project names under `currency.rates`, as its rows and row numbers."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from segmint.config.project import RATE_FORMATS, Project
from segmint.exceptions import SourceError
from segmint.loaded import RatesFile

DELIMITERS = (",", ";", "\t", "|")


def read_rates(project: Project) -> RatesFile | None:
    """The rates file of `project`, or None when it names none.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "fx.csv").write_text("currency;date;rate\\nEUR;2024-01;1,08\\n")
    >>> project = Project.model_validate({"root": folder, "currency": {"rates": "fx.csv"},
    ...     "sources": {"accounts": {"path": "a.csv"}},
    ...     "segmentation": {"segments": [{"name": "Everyone", "when": "true"}]}})
    >>> read_rates(project)
    RatesFile(label='fx.csv', headers=['currency', 'date', 'rate'], rows=[(2, ('EUR', '2024-01', '1,08'))])
    """
    label = project.currency.rates
    if label is None:
        return None
    path = project.path(label)
    if not path.is_file():
        raise SourceError(
            f"{label} (currency.rates) does not exist under {project.root.name or '.'}/. "
            "Paths in segmint.yaml are relative to the file itself."
        )
    if RATE_FORMATS[path.suffix.lower()] == "parquet":
        return _read_parquet(path, label)
    return _read_csv(path, label)


def _read_csv(path: Path, label: str) -> RatesFile:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252")  # a spreadsheet's 'CSV'; codes, dates and rates are ASCII
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise SourceError(f"{label} (currency.rates) is empty: it needs a header row "
                          "currency,date,rate and one row per rate.")
    header_line = lines[0]
    delimiter = max(DELIMITERS, key=lambda d: (header_line.count(d), d == ","))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    headers = [h.strip() for h in next(reader)]
    rows = []
    end = 1
    for record in reader:
        start, end = end + 1, reader.line_num
        if any(value.strip() for value in record):  # a blank line is no row
            rows.append((start, tuple(record)))
    return RatesFile(label, headers, rows)


def _read_parquet(path: Path, label: str) -> RatesFile:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except Exception as err:  # pyarrow raises several kinds; one message
        raise SourceError(f"{label} (currency.rates) could not be read as Parquet: {err}") from None
    columns = [table.column(name).to_pylist() for name in table.column_names]
    rows = [(number, values) for number, values in enumerate(zip(*columns), start=1)]
    return RatesFile(label, list(table.column_names), rows)

"""Outputs: tables as Parquet and spreadsheet-safe CSV, and the HTML report, written atomically."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import ibis
import ibis.expr.types as ir

from segmint.io.atomic import atomic

# A spreadsheet runs a cell that starts with one of these as a formula (OWASP: CSV injection).
FORMULA_STARTS = r"^[=+\-@\t\r]"


def neutralise_formulas(table: ir.Table) -> ir.Table:
    """Prefix text cells that a spreadsheet would run as a formula with a quote.

    Arrays are written as ``a+b`` text first. Numbers are left alone (-5 is a number,
    not a formula).

    Examples
    --------
    >>> table = ibis.memtable({"name": ["=HYPERLINK(\\"x\\")", "Acme", "-1+1", "@SUM(A1)"],
    ...                        "n": [-5, 1, 2, 3]})
    >>> neutralise_formulas(table).execute().name.tolist()
    ['\\'=HYPERLINK("x")', 'Acme', "'-1+1", "'@SUM(A1)"]
    """
    columns = {}
    for name, dtype in table.schema().items():
        column = table[name]
        if dtype.is_array():
            column = column.join("+")
            dtype = column.type()
        if dtype.is_string():
            columns[name] = ibis.ifelse(column.re_search(FORMULA_STARTS), "'" + column, column)
    return table.mutate(**columns) if columns else table


def write_table(
    con: ibis.BaseBackend, table: ir.Table, folder: Path, name: str, formats: Iterable[str]
) -> list[Path]:
    """Write `table` as ``name.parquet`` and/or ``name.csv`` in `folder`, each atomically."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for fmt in formats:
        target = folder / f"{name}.{fmt}"
        with atomic(target) as temporary:
            if fmt == "parquet":
                con.to_parquet(table, temporary)
            else:
                con.to_csv(neutralise_formulas(table), temporary)
        written.append(target)
    return written

"""The fair baseline: hand-written DuckDB SQL that validates the demo company as segmint does,
then computes the same assignments and ARR bridge.

What a careful engineer would write without segmint (issue 22, goal 2), under segmint's
default DuckDB memory limit: every canonical column the demo project reads cast with TRY_CAST
(text trimmed, blanks and null spellings read as missing, employee text through the bare
baseline's range grammar), a rejects table with one row per (table, row, column, check,
value), required values present, single-column keys unique (the first row kept), account ids
found in the clean accounts (an anti-join), segmint's check codes and thresholds (rows
rejected, values cleared), and then, on the clean tables, the bare baseline's assignments
(with industry and country inherited from the nearest parent) and quarterly ARR bridge
(`baseline.assign_and_bridge`). The SQL mirrors the demo project's sources
(`segmint.config.starter.DEMO`, the Salesforce preset); `run.py` checks that it agrees with
segmint: segments, closing ARR to the cent, reject counts per (table, column, check).

    python benchmarks/fair_baseline.py benchmarks/data/1M-seed7-362adaaf
"""

from __future__ import annotations

import atexit
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent))
from baseline import _key, _number, assign_and_bridge, naics_code  # noqa: E402

from segmint.validate.parsers.common import NULL_SPELLINGS  # noqa: E402

MEMORY_LIMIT = "1GB"  # segmint's default (segmint.engine.duck.DUCKDB_MEMORY_LIMIT)

# per table: the file, its canonical columns (name, kind, the file's column), the key that
# must be unique, the required columns, the columns that must name a known account
TABLES: dict[str, dict] = {
    "accounts": {"file": "accounts.parquet", "key": "account_id", "required": ("account_id",),
                 "columns": [
        ("account_id", "id", "Id"), ("name", "text", "Name"), ("domain", "text", "Website"),
        ("parent_id", "id", "ParentId"), ("industry", "text", "Industry"),
        ("naics", "text", "NaicsCode"), ("employees", "number", "NumberOfEmployees"),
        ("annual_revenue", "DOUBLE", "AnnualRevenue"), ("country", "text", "BillingCountry"),
        ("state", "text", "BillingState"), ("postal_code", "text", "BillingPostalCode"),
        ("city", "text", "BillingCity"), ("latitude", "DOUBLE", "BillingLatitude"),
        ("longitude", "DOUBLE", "BillingLongitude"), ("owner_id", "text", "OwnerId"),
        ("account_type", "text", "Type"), ("created_date", "DATE", "CreatedDate")]},
    "deals": {"file": "opportunities.parquet", "key": "deal_id",
              "required": ("deal_id", "account_id"), "references": ("account_id",), "columns": [
        ("deal_id", "id", "Id"), ("account_id", "id", "AccountId"), ("name", "text", "Name"),
        ("amount", "DOUBLE", "Amount"), ("currency", "text", "CurrencyIsoCode"),
        ("close_date", "DATE", "CloseDate"), ("created_date", "DATE", "CreatedDate"),
        ("stage", "text", "StageName"), ("is_won", "BOOLEAN", "IsWon"),
        ("is_closed", "BOOLEAN", "IsClosed"), ("deal_type", "text", "Type"),
        ("lead_source", "text", "LeadSource"), ("product", "text", "Product__c")]},
    "revenue": {"file": "revenue.parquet", "required": ("account_id", "period", "mrr"),
                "references": ("account_id",), "columns": [
        ("account_id", "text", "account_id"), ("period", "DATE", "month"),
        ("product", "text", "product"), ("mrr", "DOUBLE", "mrr")]},
    "usage": {"file": "usage.parquet", "required": ("account_id", "date", "metric", "value"),
              "references": ("account_id",), "columns": [
        ("account_id", "text", "account_id"), ("date", "DATE", "date"),
        ("metric", "text", "metric"), ("value", "DOUBLE", "value")]},
    "transactions": {"file": "transactions.parquet", "required": ("account_id", "date", "amount"),
                     "references": ("account_id",), "columns": [
        ("transaction_id", "text", "invoice_id"), ("account_id", "text", "account_id"),
        ("date", "DATE", "invoice_date"), ("amount", "DOUBLE", "amount")]},
    "owners": {"file": "owners.parquet", "key": "owner_id", "required": ("owner_id",), "columns": [
        ("owner_id", "id", "Id"), ("name", "text", "Name"), ("email", "text", "Email"),
        ("role", "text", "UserRole.Name"), ("region", "text", "Division"),
        ("capacity_hours", "DOUBLE", "Capacity_Hours__c"), ("start_date", "DATE", "CreatedDate"),
        ("active", "BOOLEAN", "IsActive")]},
}

# segmint's registered checks (segmint.validate.checks): code, table, column, failing rows
REJECT_ROW = [("DQ201", "deals", "amount", "amount < 0"),
              ("DQ202", "deals", "amount", "amount > 1e9"),
              ("DQ301", "revenue", "mrr", "mrr < 0")]
CLEAR_VALUE = [
    ("DQ101", "accounts", "employees", "employees < 0"),
    ("DQ102", "accounts", "employees", "employees > 3000000"),
    ("DQ103", "accounts", "annual_revenue", "annual_revenue < 0"),
    ("DQ104", "accounts", "annual_revenue", "annual_revenue > 1e12"),
    ("DQ105", "accounts", "latitude", "latitude < -90 OR latitude > 90"),
    ("DQ106", "accounts", "longitude", "longitude < -180 OR longitude > 180"),
    ("DQ501", "owners", "capacity_hours", "capacity_hours < 0"),
    ("DQ502", "owners", "capacity_hours", "capacity_hours > 8784"),
]
_NULLS = ", ".join(f"'{s}'" for s in sorted(NULL_SPELLINGS))
_EMPTY_LOOKUPS = "'000000000000000', '000000000000000AAA'"  # Salesforce's empty lookup


def _text(column: str, kind: str = "text") -> str:
    """Trimmed text; blank, a null spelling (and for an id Salesforce's all-zero id) is NULL."""
    sentinel = f" OR trim({column}) IN ({_EMPTY_LOOKUPS})" if kind == "id" else ""
    return (f"CASE WHEN lower(trim({column})) IN ({_NULLS}){sentinel} THEN NULL "
            f"ELSE trim({column}) END")


def _typed(kind: str, source: str, source_type: str) -> tuple[str, str | None]:
    """(typed value, the condition under which a value that is there is invalid, or None when
    none can be: text, and a file's column of the type already). `source` is the file's
    column, or for a parsed kind its text as `_text` reads it."""
    if kind in ("text", "id"):
        return _text(source, kind), None
    if kind == "number":
        return _number(source), f"{source} IS NOT NULL AND {_number(source)} IS NULL"
    if source_type == kind or (kind == "DOUBLE" and source_type in ("BIGINT", "INTEGER")):
        return f"{source}::{kind}", None
    cast = f"TRY_CAST({source} AS {kind})"
    return cast, f"{source} IS NOT NULL AND {cast} IS NULL"


def _shown(source: str, source_type: str) -> str:
    """The value a reject shows: the file's text, or a typed value written plainly."""
    if source_type == "VARCHAR":
        return source
    if source_type in ("DOUBLE", "FLOAT"):
        return f"regexp_replace({source}::DECIMAL(38, 4)::VARCHAR, '[.]?0+$', '')"
    return f"{source}::VARCHAR"


def _validate(con: duckdb.DuckDBPyConnection, table: str, path: Path) -> None:
    """The table as `fair_<table>`, typed, each row flagged with its first failure (`_reject`);
    its rejects appended to `fair_rejects`; then its rejected rows deleted and failed values
    cleared, which leaves the clean table."""
    spec = TABLES[table]
    read = f"read_parquet('{path}', file_row_number = true)"
    types = dict(con.execute(
        f"SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM {read})").fetchall())
    # the file's columns as "_src_<canonical name>", and the text of those parsed, read once
    files, typed, invalid, shown = ["file_row_number + 1 AS _row"], {}, {}, {}
    for name, kind, src in spec["columns"]:
        if src not in types:
            continue
        column, source = f'"{src}"', f'"_src_{name}"'
        files.append(f"{column} AS {source}")
        shown[name] = _shown(source, types[src])
        if kind == "number" or (kind not in ("text", "id") and types[src] == "VARCHAR"):
            files.append(f'{_text(column)} AS "_text_{name}"')
            source = f'"_text_{name}"'
        typed[name], invalid[name] = _typed(kind, source, types[src])
    flags = {f'"_invalid_{n}"': f"coalesce({c}, false)" for n, c in invalid.items() if c}
    # a row's failures in segmint's order; the first names its check (one record per row)
    fail = [(f"{n} IS NULL", "DQ001", n) for n in spec["required"]]
    joins = ""
    if key := spec.get("key"):
        fail.append(("_row <> repeated._first", "DQ002", key))
        joins += (f" LEFT JOIN (SELECT {key} AS _key, min(_row) AS _first FROM typed"
                  f" WHERE {key} IS NOT NULL GROUP BY ALL HAVING count(*) > 1) repeated"
                  f" ON repeated._key = typed.{key}")
    for column in spec.get("references", ()):  # an anti-join on the clean accounts
        fail.append((f"known._known IS NULL AND typed.{column} IS NOT NULL", "DQ003", column))
        joins += (" LEFT JOIN (SELECT DISTINCT account_id AS _known FROM fair_accounts) known"
                  f" ON known._known = typed.{column}")
    fail += [(f"coalesce({cond}, false)", code, col)
             for code, tab, col, cond in REJECT_ROW if tab == table]
    clears = [(f'"_invalid_{n}"', "DQ010", n) for n, c in invalid.items() if c]
    clears += [(f"coalesce({cond}, false)", code, col) for code, tab, col, cond in CLEAR_VALUE
               if tab == table and col in typed]
    reject = "CASE " + " ".join(
        f"WHEN {cond} THEN {{'check': '{code}', 'column': '{col}', 'value': {shown[col]}}}"
        for cond, code, col in fail) + " END"
    kept = [*typed, *flags, *(f'{shown[n]} AS "_raw_{n}"'
                              for n in dict.fromkeys(col for _, _, col in clears))]
    con.execute(f"""
        CREATE TABLE fair_{table} AS
        WITH typed AS (
          SELECT *, {', '.join(f'{v} AS {n}' for n, v in {**typed, **flags}.items())}
          FROM (SELECT {', '.join(files)} FROM {read}))
        SELECT _row, {', '.join(kept)}, {reject} AS _reject FROM typed{joins}""")
    records = [f"SELECT _row, _reject.column, _reject.check, _reject.value, 'row rejected' "
               f"FROM fair_{table} WHERE _reject IS NOT NULL"]
    records += [f"SELECT _row, '{col}', '{code}', \"_raw_{col}\", 'value cleared' "
                f"FROM fair_{table} WHERE _reject IS NULL AND {cond}"
                for cond, code, col in clears]
    con.execute(f"INSERT INTO fair_rejects SELECT '{table}', * FROM "
                f"({' UNION ALL '.join(records)})")
    # the clean table: rejected rows out, failed values cleared (the helper columns stay)
    con.execute(f"DELETE FROM fair_{table} WHERE _reject IS NOT NULL")
    for column in dict.fromkeys(col for _, _, col in clears):
        con.execute(f"UPDATE fair_{table} SET {column} = NULL WHERE "
                    + " OR ".join(cond for cond, _, c in clears if c == column))


class _Clock:
    """Wall and CPU seconds (this process's, DuckDB's threads included) since the last lap."""

    def __init__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def lap(self) -> list[float]:
        wall, cpu = time.perf_counter(), time.process_time()
        taken = [wall - self.wall, cpu - self.cpu]
        self.wall, self.cpu = wall, cpu
        return taken


def run(folder: Path, con: duckdb.DuckDBPyConnection) -> dict[str, object]:
    """Validate the demo company in `folder`, then assign and bridge it: segments, closing
    cents per quarter, reject counts per 'table column check', rows used and rejected per
    table, and [wall, CPU] seconds per step. Sets segmint's memory limit and a spill folder
    on `con`, and makes a compressed in-memory database its default; its tables
    (`fair_rejects`, `fair_<table>`, `base_assignments`, `base_bridge`) stay there."""
    spill = tempfile.mkdtemp(prefix="fair-baseline-")
    atexit.register(shutil.rmtree, spill, ignore_errors=True)  # once the connection is gone
    con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
    con.execute(f"SET temp_directory = '{spill}'")
    # the tables kept compressed in memory, as segmint keeps its own (segmint.engine.duck):
    # at 1M accounts uncompressed typed and clean copies spilled 4.3 GB (benchmarks/README.md)
    con.execute("ATTACH ':memory:' AS fair (COMPRESS)")
    con.execute("USE fair")
    con.execute('CREATE TEMP TABLE fair_rejects ("table" VARCHAR, "row" BIGINT, "column" VARCHAR, '
                '"check" VARCHAR, "value" VARCHAR, action VARCHAR)')
    steps, clock = {}, _Clock()
    for table in TABLES:  # accounts first: the others' account ids are checked against them
        _validate(con, table, folder / TABLES[table]["file"])
        steps[f"validate {table}"] = clock.lap()
    accounts = f"""SELECT account_id, name, parent_id, employees AS employees_parsed,
        annual_revenue, {_key('country')} AS country_key, {naics_code('naics')} AS naics_in,
        {_key('industry')} AS industry_key FROM fair_accounts"""
    revenue = "(SELECT account_id, period AS month, product, mrr FROM fair_revenue)"
    answer = assign_and_bridge(con, accounts, revenue)
    steps["assign + bridge"] = clock.lap()
    rejects = con.execute('SELECT "table", "column", "check", count(*) FROM fair_rejects '
                          "GROUP BY ALL").fetchall()
    rows = con.execute(" UNION ALL ".join(
        f"SELECT '{t}', (SELECT count(*) FROM fair_{t}), (SELECT count(*) FROM fair_rejects "
        f"WHERE \"table\" = '{t}' AND action = 'row rejected')" for t in TABLES)).fetchall()
    return {**answer, "rejects": {f"{t} {c} {k}": n for t, c, k, n in sorted(rejects)},
            "rows": {t: {"used": used, "rejected": rejected} for t, used, rejected in rows},
            "steps": steps}


def main(argv: list[str] | None = None) -> int:
    """Run the fair baseline alone on a demo company folder: seconds, CPU, peak RSS, counts."""
    import argparse
    import json

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="a demo company as Parquet (benchmarks/data/...)")
    args = parser.parse_args(argv)
    con = duckdb.connect()
    clock = _Clock()
    answer = run(args.folder, con)
    wall, cpu = clock.lap()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": round(wall, 2), "cpu_seconds": round(cpu, 2),
                      "peak_rss_mb": round(peak), **answer}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

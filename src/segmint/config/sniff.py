"""`segmint init --from`: which table and preset each export is, and the segmint.yaml to run it.

Works on samples (`FileSample`: a file's header and first records, read by `io.sources`);
nothing here opens a file.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from segmint import tables as t
from segmint.config.presets import PRESETS, composed_columns, header_key, preset_columns
from segmint.exceptions import SegmintError

TABLES = ("accounts", "deals", "revenue", "usage", "owners")

# Beyond its required columns, what a file must have to be taken for a table: every CRM
# export has an Id, so an owners (user) export is one that also says who a person is.
SIGNATURE: dict[str, tuple[str, ...]] = {"owners": (t.EMAIL, t.ACTIVE, t.ROLE)}

# Tables no preset covers (billing and product exports are not CRM-shaped): the usual names.
GENERIC: dict[str, dict[str, tuple[str, ...]]] = {
    "accounts": {column: (column,) for column in t.ACCOUNTS.columns},
    "deals": {column: (column,) for column in t.DEALS.columns}
    | {t.STAGE: (t.STAGE, "deal_stage", "opportunity_stage", "pipeline_stage", "sales_stage")},
    "revenue": {
        t.ACCOUNT_ID: ("account_id", "customer_id", "Account ID", "Customer ID", "account"),
        t.PERIOD: ("period", "month", "billing_month", "invoice_month", "billing_period"),
        t.PRODUCT: ("product", "plan", "product_name", "sku"),
        t.MRR: ("mrr", "monthly_recurring_revenue", "recurring_revenue", "mrr_amount"),
    },
    "usage": {
        t.ACCOUNT_ID: ("account_id", "customer_id", "Account ID", "Customer ID", "account"),
        t.DATE: ("date", "day", "event_date", "usage_date"),
        t.METRIC: ("metric", "metric_name", "event", "feature"),
        t.VALUE: ("value", "count", "quantity", "amount"),
    },
    "owners": {
        t.OWNER_ID: ("owner_id", "user_id", "rep_id", "Owner ID", "User ID"),
        t.NAME: ("name", "full_name", "owner_name", "rep_name"),
        t.EMAIL: ("email", "email_address"),
        t.ROLE: ("role", "title", "job_title"),
        t.REGION: ("region", "team", "territory"),
        t.CAPACITY_HOURS: ("capacity_hours",),
        t.CAPACITY_ACCOUNTS: ("capacity_accounts",),
        t.START_DATE: ("start_date", "hire_date"),
        t.ACTIVE: ("active", "is_active"),
    },
}


@dataclass(frozen=True)
class FileSample:
    """A file's header and first records, as text (see `segmint.io.text.sample_file`)."""

    path: Path
    headers: list[str]
    rows: list[list[str]]
    delimiter: str = ","
    encoding: str | None = None  # set when the file is not UTF-8
    format: str = "csv"

    def values(self, header: str) -> list[str]:
        at = self.headers.index(header)
        return [row[at].strip() for row in self.rows if len(row) > at and row[at].strip()]


@dataclass
class Placement:
    """One file placed as one canonical table: its preset, mapping and what is left over."""

    sample: FileSample
    table: str
    preset: str | None
    mapping: dict[str, str]  # canonical -> header, everything that will be read
    columns: dict[str, str] = field(default_factory=dict)  # what segmint.yaml must spell out
    notes: list[str] = field(default_factory=list)
    composed: dict[str, tuple[str, ...]] = field(default_factory=dict)  # the preset joins them
    derived_from: str | None = None  # accounts built from the deals file's account column

    @property
    def unmapped(self) -> list[str]:
        if self.derived_from:  # only the account column is read
            return []
        used = set(self.mapping.values()) | {h for parts in self.composed.values() for h in parts}
        return [h for h in self.sample.headers if h not in used]

    @property
    def missing(self) -> list[str]:
        return [c for c in t.SPECS[self.table].columns
                if c not in self.mapping and c not in self.composed]


@dataclass
class Proposal:
    """Where each canonical table comes from, and the files that found no place."""

    placements: dict[str, Placement]
    unplaced: list[tuple[FileSample, str]] = field(default_factory=list)


def _generic_columns(table: str, headers: list[str]) -> dict[str, str]:
    by_key = {header_key(h): h for h in reversed(headers)}
    found = {}
    for canonical, candidates in GENERIC[table].items():
        for candidate in candidates:
            if header_key(candidate) in by_key:
                found[canonical] = by_key[header_key(candidate)]
                break
    return found


def _candidates(sample: FileSample) -> list[tuple[int, int, str, str | None, dict[str, str]]]:
    """(score, -preference, table, preset, mapping) for every table the file can load as.

    The score counts the canonical columns found, one a preset builds from several headers
    (`config.presets.COMPOSED`: a user's name) included.
    """
    found = []
    for order, table in enumerate(TABLES):
        options: list[tuple[str | None, dict[str, str]]] = [
            (preset, preset_columns(preset, table, sample.headers))
            for preset, tables in PRESETS.items() if table in tables
        ]
        options.append((None, _generic_columns(table, sample.headers)))
        for preset, mapping in options:
            composed = composed_columns(preset, table, sample.headers, mapping)
            if all(column in mapping for column in t.SPECS[table].required) and (
                    table not in SIGNATURE or any(c in mapping for c in SIGNATURE[table])):
                found.append((len(mapping) + len(composed), -order, table, preset, mapping))
    return sorted(found, key=lambda c: (c[0], c[1]), reverse=True)


def propose(samples: list[FileSample]) -> Proposal:
    """Place each file as the table (and preset) that maps the most of its columns.

    A file is accounts, deals, revenue, usage or owners when it has that table's required
    columns (owners: also an email, an active flag or a role, as a user export has);
    among those, the table and preset mapping the most headers win, and each table takes
    one file (the best-matching one).

    Examples
    --------
    >>> accounts = FileSample(Path("a.csv"), ["Id", "Name", "NumberOfEmployees"], [])
    >>> deals = FileSample(Path("o.csv"), ["Id", "AccountId", "Amount", "StageName"], [])
    >>> proposal = propose([deals, accounts])
    >>> {table: (p.sample.path.name, p.preset) for table, p in proposal.placements.items()}
    {'deals': ('o.csv', 'salesforce'), 'accounts': ('a.csv', 'salesforce')}
    """
    ranked = sorted(
        ((candidate, index) for index, sample in enumerate(samples)
         for candidate in _candidates(sample)),
        key=lambda item: (item[0][0], item[0][1]), reverse=True,
    )
    placements: dict[str, Placement] = {}
    placed: set[int] = set()
    for (_, _, table, preset, mapping), index in ranked:
        if index in placed or table in placements:
            continue
        sample = samples[index]
        columns = {} if preset else dict(mapping)
        placements[table] = Placement(sample, table, preset, dict(mapping), columns,
                                      composed=composed_columns(preset, table, sample.headers,
                                                                mapping))
        placed.add(index)
    unplaced = []
    for index, sample in enumerate(samples):
        if index in placed:
            continue
        tables = sorted({c[2] for c in _candidates(sample)})
        why = (f"it could also be {', '.join(tables)}, but those come from "
               + ", ".join(placements[x].sample.path.name for x in tables) if tables else
               "no table's required columns are in it (accounts needs an account id)")
        unplaced.append((sample, why))
    if "accounts" not in placements and t.ACCOUNT_ID in getattr(
            placements.get("deals"), "mapping", {}):
        deals = placements["deals"]
        header = deals.mapping[t.ACCOUNT_ID]
        placements["accounts"] = Placement(
            deals.sample, "accounts", deals.preset, {t.ACCOUNT_ID: header},
            {t.ACCOUNT_ID: header}, derived_from="deals", notes=[
                f"No accounts export: the accounts are built from the deals' {header} column "
                "(derived_from: deals), one per account the deals name, with no firmographics. "
                "Add an accounts export with --from to segment them."])
    if "accounts" not in placements:
        names = ", ".join(s.path.name for s in samples)
        placed_as = "".join(f" {p.sample.path.name} looks like {table}." for table, p in
                            placements.items())
        raise SegmintError(
            f"None of {names} looks like an accounts export: no column reads as an account id "
            f"(Id, Record ID, (Do Not Modify) Account, account_id).{placed_as} Add the accounts "
            "file, or write segmint.yaml by hand with `segmint init`."
        )
    _key_accounts_like_their_references(placements)
    return Proposal(placements, unplaced)


def _key_accounts_like_their_references(placements: dict[str, Placement]) -> None:
    """Key accounts by name when the deals file names its accounts instead of giving ids.

    Dynamics exports a lookup as the related record's name (Potential Customer: 'Contoso
    Ltd'), so deals would match no account id. If the sampled references match more account
    names than ids, accounts are keyed by name; a repeated name is then reported (DQ002).
    """
    accounts, deals = placements["accounts"], placements.get("deals")
    if deals is None or t.NAME not in accounts.mapping:
        return
    refs = set(deals.sample.values(deals.mapping[t.ACCOUNT_ID]))
    ids = set(accounts.sample.values(accounts.mapping[t.ACCOUNT_ID]))
    names = set(accounts.sample.values(accounts.mapping[t.NAME]))
    if len(refs & names) > len(refs & ids):
        name_header, id_header = accounts.mapping[t.NAME], accounts.mapping[t.ACCOUNT_ID]
        accounts.mapping[t.ACCOUNT_ID] = name_header
        accounts.columns[t.ACCOUNT_ID] = name_header
        accounts.notes.append(
            f"{deals.sample.path.name} names its accounts ({deals.mapping[t.ACCOUNT_ID]}) "
            f"instead of giving their ids, so accounts are keyed by {name_header!r}; "
            f"{id_header!r} stays as an attribute. Two accounts with one name are reported."
        )


def render(proposal: Proposal, project_dir: Path) -> str:
    """A commented segmint.yaml that runs as written.

    Paths are written relative to `project_dir`, the folder segmint.yaml goes in.
    """
    lines = [
        "# segmint project file, written by `segmint init --from`. Paths are relative to this",
        "# file. Every key is explained in the README (section \"The project file\").",
        "name: My company",
        "engine: duckdb",
        "",
        "sources:",
    ]
    for table in TABLES:
        placement = proposal.placements.get(table)
        if placement is None:
            continue
        lines += _source_lines(placement, project_dir)
    lines += ["", *_segmentation_lines(proposal.placements["accounts"])]
    lines += ["", "outputs:", "  dir: segmint-out", "  formats: [parquet, csv]", "  report: true", ""]
    return "\n".join(lines)


def _source_lines(placement: Placement, project_dir: Path) -> list[str]:
    sample = placement.sample
    kind = f"a {placement.preset.capitalize()} export" if placement.preset else "a file"
    what = (f"the {placement.derived_from} file, read for the {placement.table} it names"
            if placement.derived_from else f"{kind} of {placement.table}")
    out = [f"  # {sample.path.name}: {what} ({len(placement.mapping)} canonical columns found)."]
    mapped = ", ".join([*(f"{c} <- {h}" for c, h in placement.mapping.items()),
                        *(f"{c} <- {' + '.join(parts)}" for c, parts in placement.composed.items())])
    out += [f"  #   {line}" for line in _wrap(f"mapped: {mapped}")]
    if placement.unmapped:
        out += [f"  #   {line}" for line in _wrap(
            "kept as attributes for rules: " + ", ".join(placement.unmapped))]
    if placement.missing:
        out += [f"  #   {line}" for line in _wrap(
            "not found (left empty; map them under columns:): " + ", ".join(placement.missing))]
    if sample.encoding:
        out.append(f"  #   encoding: looks like {sample.encoding}; segmint detects it on every "
                   "run (set encoding: to force one)")
    for note in placement.notes:
        out += [f"  #   {line}" for line in _wrap(note)]
    out += [f"  {placement.table}:", f"    path: {json.dumps(_relative(sample.path, project_dir))}"]
    if placement.preset:
        out.append(f"    preset: {placement.preset}")
    if placement.derived_from:
        out.append(f"    derived_from: {placement.derived_from}")
    if placement.columns:
        out.append("    columns:")
        out += [f"      {c}: {json.dumps(h, ensure_ascii=False)}" for c, h in placement.columns.items()]
    return out


# The starting size bands, by the column they read: headcount, else annual revenue.
SIZE_BANDS = {
    t.EMPLOYEES: ("    # Bands: edges [200, 2000] give <200, 200 to 1,999, and 2,000 or more.",
                  "[200, 2000]"),
    t.ANNUAL_REVENUE: ("    # Bands of annual revenue: under 50M, 50M to under 1B, and 1B or more.",
                       "[50000000, 1000000000]"),
}


def filled_columns(accounts: Placement) -> list[str]:
    """The mapped canonical columns with at least one value in the file's sample: a starting
    model on an empty column would leave every account Unassigned.

    Examples
    --------
    >>> sample = FileSample(Path("a.csv"), ["Id", "Employees", "Country"], [["1", "", "US"]])
    >>> filled_columns(Placement(sample, "accounts", None,
    ...     {"account_id": "Id", "employees": "Employees", "country": "Country"}))
    ['account_id', 'country']
    """
    return [column for column, header in accounts.mapping.items()
            if accounts.sample.values(header)]


def _segmentation_lines(accounts: Placement) -> list[str]:
    dimensions, template = [], []
    filled = filled_columns(accounts)
    size = next((column for column in SIZE_BANDS if column in filled), None)
    if size is not None:
        comment, edges = SIZE_BANDS[size]
        dimensions += [comment, "    size:", "      kind: bands", f"      field: {size}",
                       f"      edges: {edges}", "      labels: [SMB, Mid-Market, Enterprise]"]
        template.append("{size}")
    if t.COUNTRY in filled or t.STATE in filled:
        dimensions += [
            "    # The built-in map from country to North America, LATAM, EMEA, APAC.",
            *([] if t.COUNTRY in filled else [
                "    # The export's country is empty: an account whose state is a US state or",
                "    # Canadian province written out takes that country; the others stay",
                "    # Unassigned until their country is filled in the CRM."]),
            "    region:", "      kind: map", "      field: country", "      builtin: iso_region",
        ]
        template.append("{region}")
    out = ["segmentation:"]
    if dimensions:
        out += ["  dimensions:", *dimensions,
                "  # Accounts are named from their dimensions; one missing a value it needs is",
                "  # Unassigned, with the missing field as the reason.",
                f"  default: {json.dumps('-'.join(template))}"]
    else:
        empty = [c for c in (t.EMPLOYEES, t.ANNUAL_REVENUE, t.COUNTRY) if c in accounts.mapping]
        why = (f"{', '.join(empty)} {'is' if len(empty) == 1 else 'are'} empty in the export"
               if empty else "the export has no headcount, annual revenue or country column")
        out += [f"  # {line}" for line in _wrap(
                    f"Every account is in one segment: {why}. Fill employees (or annual revenue) "
                    "and country in the CRM and export again, or add dimensions and rules (see "
                    "the README).", 88)]
        out += ["  segments:", "    - name: All accounts", "      when: \"true\""]
    return out


def _relative(path: Path, project_dir: Path) -> str:
    """Relative to segmint.yaml when the file is in its folder or below, else absolute."""
    try:
        relative = os.path.relpath(path.resolve(), project_dir.resolve())
    except ValueError:  # another drive on Windows
        return str(path.resolve())
    return str(path.resolve()) if relative.startswith("..") else relative


def _wrap(text: str, width: int = 92) -> list[str]:
    words, lines, line = text.split(" "), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = "  " + word
        else:
            line = f"{line} {word}" if line else word
    return [*lines, line] if line else lines

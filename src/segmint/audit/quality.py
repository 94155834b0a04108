"""The data-quality audit: how complete, valid and unique the CRM is, and what to fix first."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd

from segmint import tables as t
from segmint.config.presets import PRESETS
from segmint.config.project import Project
from segmint.enrich.dedup import SURVIVOR_ID
from segmint.enrich.industry import NAICS_SECTOR, NAICS_SOURCE
from segmint.enrich.parents import INHERITABLE, PARENT, SOURCE_SUFFIX
from segmint.validate.checks import Validated

# Account columns whose fill rate is measured (the id is always there; is_customer is derived).
FILL_COLUMNS = tuple(c for c in t.ACCOUNTS.columns if c not in (t.ACCOUNT_ID, t.IS_CUSTOMER))
UNRECOGNISED = "unrecognised"  # check name of a value present but not understood
EXAMPLES = 3  # example values shown per problem
MAX_LISTED = 50  # outliers listed by name; all are counted


@dataclass
class AuditResult:
    """What `segmint check` reports. Every table is small (a row per column, check or fix).

    Attributes
    ----------
    accounts : int
        Accounts segmented (after enrichment; after merging duplicates when ``enrich.dedupe``).
    fill_rates : DataFrame
        Per account column: ``source`` (its header in the export), ``in_crm`` (accounts with a
        value after validation), ``usable`` (after normalising: a recognised country, a real
        NAICS code), ``enriched`` (after filling from parents), and the three shares.
    fill_by_segment : DataFrame
        ``segment``, ``accounts`` and the share of accounts with a value, per column.
    invalid_values : DataFrame
        ``table``, ``column``, ``check``, ``action``, ``rows`` and ``examples``: the validation
        rejects grouped by check, and values present but not recognised (``unrecognised``).
    duplicates : DataFrame
        Accounts in duplicate groups: ``account_id``, ``survivor_id``, ``matched_on``,
        ``match_key``, ``name``. `duplicate_accounts` counts those that are not survivors.
    orphans : dict[str, int]
        Deal, revenue and usage rows naming an account not in accounts (check DQ003).
    scores : DataFrame
        Per table: ``rows_in``, ``kept`` (R), ``valid`` (V), ``complete`` (C), ``unique`` (U),
        ``score`` = 100 × R × V × C × U. R = rows used / rows in; V = 1 − cleared values /
        (rows used × columns with any value); C = mean share filled over those columns;
        U = 1 − duplicate accounts / accounts (1 for other tables).
    fixes : DataFrame
        What would move accounts out of Unassigned: ``fix``, ``field``, ``accounts_freed`` (whose
        only problem it is), ``accounts_affected`` (with it among others), ``examples``; most
        accounts freed first.
    """

    accounts: int
    fill_rates: pd.DataFrame
    fill_by_segment: pd.DataFrame
    invalid_values: pd.DataFrame
    duplicates: pd.DataFrame
    orphans: dict[str, int]
    no_owner: int
    stale: int
    stale_after_months: int
    as_of: dt.date | None
    currency_mix: pd.DataFrame
    outliers: pd.DataFrame
    outlier_count: int
    scores: pd.DataFrame
    fixes: pd.DataFrame
    unassigned_before: int
    unassigned_after: int
    left_unassigned: int
    filled_from_parent: dict[str, int] = field(default_factory=dict)
    dedupe: bool = False

    @property
    def duplicate_accounts(self) -> int:
        """Accounts that would be (or were) merged into another: group members minus survivors."""
        d = self.duplicates
        return int((d[t.ACCOUNT_ID] != d[SURVIVOR_ID]).sum()) if len(d) else 0

    @property
    def non_usd_deals(self) -> int:
        mix = self.currency_mix
        return int(mix.loc[mix[t.CURRENCY] != "USD", "deals"].sum()) if len(mix) else 0

    def headline(self) -> dict[str, Any]:
        """The key figures, one number each."""
        return {
            "accounts": self.accounts, "duplicate_accounts": self.duplicate_accounts,
            "orphan_deals": self.orphans.get("deals", 0),
            "orphan_revenue_rows": self.orphans.get("revenue", 0),
            "orphan_usage_rows": self.orphans.get("usage", 0),
            "accounts_no_owner": self.no_owner,
            f"stale_accounts_{self.stale_after_months}m": self.stale,
            "non_usd_deals": self.non_usd_deals, "revenue_per_employee_outliers": self.outlier_count,
            "unassigned_before_enrichment": self.unassigned_before,
            "unassigned_after_enrichment": self.unassigned_after,
            "accounts_leaving_unassigned": self.left_unassigned,
            **{f"{g}_from_parent": n for g, n in self.filled_from_parent.items()},
        }

    def to_dict(self) -> dict[str, Any]:
        """Everything, as plain JSON-ready values."""
        def records(frame: pd.DataFrame) -> list[dict]:
            clean = frame.astype(object).where(frame.notna(), None)
            return [{k: _plain(v) for k, v in row.items()} for row in clean.to_dict("records")]

        return {
            "headline": self.headline(),
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "dedupe": self.dedupe,
            "scores": records(self.scores), "fill_rates": records(self.fill_rates),
            "fill_by_segment": records(self.fill_by_segment),
            "invalid_values": records(self.invalid_values),
            "duplicates": records(self.duplicates), "orphans": self.orphans,
            "currency_mix": records(self.currency_mix), "outliers": records(self.outliers),
            "fixes": records(self.fixes),
        }


def _plain(value: Any) -> Any:
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    if isinstance(value, (dt.date, pd.Timestamp)):
        return value.isoformat()
    return value


def audit_tables(
    project: Project,
    validated: dict[str, Validated],
    *,
    used: dict[str, ir.Table],
    normalised: ir.Table,
    enriched: ir.Table,
    baseline: ir.Table,
    assignments: ir.Table,
    duplicates: ir.Table,
    rejects: ir.Table,
    keep: Callable[[ir.Table, str], ir.Table] | None = None,
) -> AuditResult:
    """Audit a run from its tables; every count is computed in the engine.

    Parameters
    ----------
    project : Project
        For the audit settings and the export's column names.
    validated : dict of Validated
        Per table, as loaded (clean rows and row counts).
    used : dict of ibis.Table
        The tables the run segmented and analysed (after merging duplicates, when enabled).
    normalised, enriched : ibis.Table
        Accounts after normalising only, and after every enrichment step.
    baseline, assignments : ibis.Table
        Segments assigned to `normalised` and to `enriched` accounts.
    duplicates : ibis.Table
        Output of `segmint.enrich.dedup.find_duplicates`.
    rejects : ibis.Table
        Every table's rejects.
    """
    keep = keep or (lambda table, name: table)
    labels = source_labels(project)
    crm = validated["accounts"].clean
    fill = _fill_rates({"in_crm": crm, "usable": normalised, "enriched": enriched}, labels)
    segments = keep(enriched.join(assignments.select(t.ACCOUNT_ID, t.SEGMENT), t.ACCOUNT_ID),
                    "audit_segments")
    by_segment = _fill_by_segment(segments)
    invalid = _invalid_values(rejects, normalised)
    dup_frame = _duplicates(duplicates, crm)
    orphans = (rejects.filter(rejects.check == "DQ003").group_by("table")
               .aggregate(rows=lambda r: r.count()).to_pandas())
    orphan_counts = {name: 0 for name in ("deals", "revenue", "usage") if name in validated}
    orphan_counts |= {row.table: int(row.rows) for row in orphans.itertuples()}
    no_owner = int(enriched[t.OWNER_ID].isnull().sum().execute())
    months = project.audit.stale_after_months
    as_of, stale = _stale(enriched, used.get("deals"), used.get("revenue"), months)
    currency = _currency_mix(used.get("deals"))
    outliers, outlier_count = _outliers(enriched, project.audit.outlier_factor)
    scores = _scores(validated, rejects, len(dup_frame) and int(
        (dup_frame[t.ACCOUNT_ID] != dup_frame[SURVIVOR_ID]).sum()))
    fixes = unassigned_fixes(_reasons(assignments), labels)
    before = _unassigned(baseline)
    after = _unassigned(assignments)
    left = baseline.filter(baseline[t.SEGMENT] == t.UNASSIGNED).select(_id=baseline[t.ACCOUNT_ID])
    now = assignments.filter(assignments[t.SEGMENT] != t.UNASSIGNED)
    left_count = int(now.filter(now[t.ACCOUNT_ID].isin(left._id)).count().execute())
    inherited = {g: int((enriched[g + SOURCE_SUFFIX] == PARENT).fill_null(False)
                        .cast("int64").sum().execute() or 0)
                 for g in INHERITABLE if g + SOURCE_SUFFIX in enriched.columns}
    return AuditResult(
        accounts=int(enriched.count().execute()), fill_rates=fill, fill_by_segment=by_segment,
        invalid_values=invalid, duplicates=dup_frame, orphans=orphan_counts, no_owner=no_owner,
        stale=stale, stale_after_months=months, as_of=as_of, currency_mix=currency,
        outliers=outliers, outlier_count=outlier_count, scores=scores, fixes=fixes,
        unassigned_before=before, unassigned_after=after, left_unassigned=left_count,
        filled_from_parent=inherited, dedupe=project.enrich.dedupe,
    )


def source_labels(project: Project) -> dict[str, str]:
    """Account column → its header in the export: the project's mapping, else the preset's name."""
    source = project.sources.accounts
    preset = PRESETS.get(source.preset or "", {}).get("accounts", {})
    return {c: source.columns.get(c) or (preset[c][0] if c in preset else c)
            for c in t.ACCOUNTS.columns}


def _count_filled(table: ir.Table, columns: list[str]) -> dict[str, int]:
    present = [c for c in columns if c in table.columns]
    row = table.aggregate(
        _n=table.count(), **{c: table[c].notnull().cast("int64").sum() for c in present}
    ).to_pandas().iloc[0]
    return {"_n": int(row["_n"]), **{c: int(row[c] or 0) for c in present}}


def _fill_rates(stages: dict[str, ir.Table], labels: dict[str, str]) -> pd.DataFrame:
    counts = {stage: _count_filled(table, list(FILL_COLUMNS)) for stage, table in stages.items()}
    rows = []
    for column in FILL_COLUMNS:
        row = {"column": column, "source": labels.get(column, column)}
        for stage, filled in counts.items():
            row[stage] = filled.get(column, 0)
        for stage, filled in counts.items():
            row[f"{stage}_share"] = filled.get(column, 0) / filled["_n"] if filled["_n"] else 0.0
        rows.append(row)
    return pd.DataFrame(rows)


def _fill_by_segment(segments: ir.Table) -> pd.DataFrame:
    columns = [c for c in FILL_COLUMNS if c in segments.columns]
    grouped = segments.group_by(t.SEGMENT).aggregate(
        accounts=segments.count(),
        **{c: segments[c].notnull().cast("float64").mean() for c in columns},
    ).order_by(ibis.desc("accounts"), t.SEGMENT)
    return grouped.to_pandas()


def _invalid_values(rejects: ir.Table, normalised: ir.Table) -> pd.DataFrame:
    problems = [rejects.select("table", "check", "action", "value",  # DQ000: the whole record
                               column=rejects.column.fill_null("(record)"))
                .select("table", "column", "check", "action", "value")]
    a = normalised
    unrecognised = [  # (column, value shown, present but not understood)
        (t.COUNTRY, a[t.COUNTRY + "_raw"], a[t.COUNTRY + "_raw"].notnull() & a[t.COUNTRY].isnull()),
        (t.NAICS, a[t.NAICS + "_raw"],
         a[t.NAICS + "_raw"].notnull() & (a[NAICS_SOURCE].fill_null("") != "naics")),
        (t.INDUSTRY, a[t.INDUSTRY], a[t.INDUSTRY].notnull() & a[t.NAICS].isnull()),
    ]
    if t.STATE + "_raw" in a.columns:
        unrecognised.append((t.STATE, a[t.STATE + "_raw"], a[t.STATE + "_raw"].notnull()
                             & a[t.STATE].isnull() & a[t.COUNTRY].isin(["US", "CA"])))
    for column, value, failing in unrecognised:
        problems.append(a.filter(failing).select(
            table=ibis.literal("accounts"), column=ibis.literal(column),
            check=ibis.literal(UNRECOGNISED), action=ibis.literal("value kept, not used"),
            value=value.cast("string")))
    everything = ibis.union(*problems)
    keys = ["table", "column", "check", "action"]
    per_value = everything.group_by([*keys, "value"]).aggregate(n=lambda r: r.count())
    ranked = per_value.mutate(_rank=ibis.row_number().over(
        group_by=[per_value[k] for k in keys], order_by=[ibis.desc(per_value.n), per_value.value]))
    top = ranked.filter(ranked._rank < EXAMPLES).to_pandas()
    totals = everything.group_by(keys).aggregate(rows=lambda r: r.count()).to_pandas()
    examples = (top.sort_values([*keys, "_rank"]).groupby(keys, dropna=False)
                .apply(lambda g: ", ".join(f"{v} ({n:,})" if v is not None else f"blank ({n:,})"
                                           for v, n in zip(g.value, g.n)), include_groups=False)
                .rename("examples").reset_index()) if len(top) else None
    if examples is not None:
        totals = totals.merge(examples, on=keys, how="left")
    else:
        totals["examples"] = pd.Series(dtype=str)
    return totals.sort_values(["rows", "table", "column"], ascending=[False, True, True],
                              ignore_index=True)


def _duplicates(duplicates: ir.Table, accounts: ir.Table) -> pd.DataFrame:
    names = accounts.select(_n_id=accounts[t.ACCOUNT_ID], **{t.NAME: accounts[t.NAME]})
    joined = duplicates.left_join(names, duplicates[t.ACCOUNT_ID] == names._n_id).drop("_n_id")
    return joined.order_by(SURVIVOR_ID, t.ACCOUNT_ID).to_pandas()


def _stale(accounts: ir.Table, deals: ir.Table | None, revenue: ir.Table | None,
           months: int) -> tuple[dt.date | None, int]:
    """As of the latest date in the data, accounts with no deal created or closed, and not
    created, in the last `months` months; an account with no date at all counts as stale."""
    latest = [accounts[t.CREATED_DATE].max()]
    if deals is not None:
        latest.append(deals[t.CREATED_DATE].max())
    if revenue is not None:
        latest.append(revenue[t.PERIOD].max())
    dates = [v for v in (x.execute() for x in latest) if v is not None and not pd.isna(v)]
    if not dates:
        return None, int(accounts.count().execute())
    as_of = max(pd.Timestamp(v).date() for v in dates)
    cutoff = _months_before(as_of, months)
    last = accounts.select(t.ACCOUNT_ID, _last=accounts[t.CREATED_DATE])
    if deals is not None:
        closed = ibis.ifelse(deals[t.CLOSE_DATE] <= as_of, deals[t.CLOSE_DATE], None)
        activity = deals.group_by(_d_id=deals[t.ACCOUNT_ID]).aggregate(
            _deal=ibis.greatest(deals[t.CREATED_DATE].max(), closed.max()))
        last = last.left_join(activity, last[t.ACCOUNT_ID] == activity._d_id).select(
            t.ACCOUNT_ID, _last=lambda r: ibis.greatest(r._last, r._deal))
    stale = last._last.isnull() | (last._last < cutoff)
    return as_of, int(stale.cast("int64").sum().execute() or 0)


def _months_before(day: dt.date, months: int) -> dt.date:
    month = day.year * 12 + day.month - 1 - months
    year, month = divmod(month, 12)
    for last_day in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month + 1, min(day.day, last_day))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _currency_mix(deals: ir.Table | None) -> pd.DataFrame:
    if deals is None:
        return pd.DataFrame({t.CURRENCY: [], "deals": [], t.AMOUNT: []})
    currency = deals[t.CURRENCY].upper().fill_null("(blank)")
    return (deals.group_by(**{t.CURRENCY: currency})
            .aggregate(deals=deals.count(), **{t.AMOUNT: deals[t.AMOUNT].sum().round(2)})
            .order_by(ibis.desc("deals"), t.CURRENCY).to_pandas())


def _outliers(accounts: ir.Table, factor: float) -> tuple[pd.DataFrame, int]:
    """Accounts whose annual revenue per employee is off their NAICS sector's median by more
    than `factor` either way (a headcount typed in thousands, revenue in cents)."""
    known = accounts.filter((accounts[t.EMPLOYEES] > 0) & (accounts[t.ANNUAL_REVENUE] > 0)
                            & accounts[NAICS_SECTOR].notnull())
    known = known.mutate(revenue_per_employee=known[t.ANNUAL_REVENUE] / known[t.EMPLOYEES])
    medians = known.group_by(_sector=known[NAICS_SECTOR]).aggregate(
        sector_median=known.revenue_per_employee.median())
    joined = known.join(medians, known[NAICS_SECTOR] == medians._sector)
    ratio = joined.revenue_per_employee / joined.sector_median
    off = joined.filter((ratio > factor) | (ratio < 1 / factor)).mutate(ratio=ratio)
    count = int(off.count().execute())
    listed = off.select(t.ACCOUNT_ID, t.NAME, NAICS_SECTOR, t.EMPLOYEES, t.ANNUAL_REVENUE,
                        "revenue_per_employee", "sector_median", "ratio")
    far = ibis.greatest(listed.ratio, 1 / listed.ratio)
    return listed.order_by(ibis.desc(far), t.ACCOUNT_ID).limit(MAX_LISTED).to_pandas(), count


def _scores(validated: dict[str, Validated], rejects: ir.Table, duplicates: int) -> pd.DataFrame:
    cleared = (rejects.filter(rejects.action == "value cleared").group_by("table")
               .aggregate(n=lambda r: r.count()).to_pandas().set_index("table")["n"].to_dict())
    rows = []
    for name, v in validated.items():
        columns = [c for c in t.SPECS[name].columns if c in v.clean.columns]
        filled = _count_filled(v.clean, columns)
        populated = [c for c in columns if filled.get(c, 0) > 0]
        used = filled["_n"]
        kept = v.rows_used / v.rows_in if v.rows_in else 1.0
        cells = used * len(populated)
        valid = 1 - int(cleared.get(name, 0)) / cells if cells else 1.0
        complete = sum(filled[c] for c in populated) / cells if cells else 1.0
        unique = 1 - duplicates / used if name == "accounts" and used else 1.0
        rows.append({"table": name, "rows_in": v.rows_in, "kept": kept, "valid": valid,
                     "complete": complete, "unique": unique,
                     "score": round(100 * kept * valid * complete * unique, 1)})
    return pd.DataFrame(rows)


def _reasons(assignments: ir.Table) -> pd.DataFrame:
    unassigned = assignments.filter(assignments[t.SEGMENT] == t.UNASSIGNED)
    return unassigned.group_by(t.REASON).aggregate(accounts=lambda a: a.count()).to_pandas()


def _unassigned(assignments: ir.Table) -> int:
    return int((assignments[t.SEGMENT] == t.UNASSIGNED).cast("int64").sum().execute() or 0)


_MISSING = re.compile(r"^(?P<field>\S+) missing$")
_NOT_RECOGNISED = re.compile(r"^(?P<field>\S+) (?P<value>.*) not recognised$")
_NO_DIMENSION = re.compile(r"^(?P<field>\S+) (?P<value>.*) has no (?P<dimension>\S+)$")


def unassigned_fixes(reasons: pd.DataFrame, labels: dict[str, str] | None = None) -> pd.DataFrame:
    """Rank the fixes that would move the most accounts out of Unassigned.

    Reads the ``reason`` of unassigned accounts ("employees missing; country Earth not
    recognised"): each part is one fix. An account leaves Unassigned only when every part of
    its reason is fixed, so fixes are ranked by the accounts whose only problem they are
    (``accounts_freed``), then by all the accounts they concern (``accounts_affected``).

    Parameters
    ----------
    reasons : DataFrame
        ``reason`` and ``accounts``: unassigned accounts grouped by reason.
    labels : dict, optional
        Column → header in the export, to name the field to fix as the user knows it.

    Examples
    --------
    >>> reasons = pd.DataFrame({"reason": ["employees missing", "employees missing; country Earth "
    ...     "not recognised", "country TBD not recognised"], "accounts": [243, 2, 3]})
    >>> fixes = unassigned_fixes(reasons, {"employees": "NumberOfEmployees"})
    >>> fixes.fix.tolist()
    ['fill NumberOfEmployees for 245 accounts', 'correct country for 5 accounts (not recognised: TBD, Earth)']
    >>> fixes.accounts_freed.tolist()
    [243, 3]
    """
    labels = labels or {}
    fixes: dict[tuple[str, str], dict] = {}
    for reason, accounts in zip(reasons[t.REASON], reasons["accounts"]):
        parts = [p for p in str(reason).split("; ") if p]
        for part in parts:
            key, value = _fix_of(part)
            fix = fixes.setdefault(key, {"freed": 0, "affected": 0, "values": {}})
            fix["affected"] += int(accounts)
            fix["freed"] += int(accounts) if len(parts) == 1 else 0
            if value is not None:
                fix["values"][value] = fix["values"].get(value, 0) + int(accounts)
    rows = []
    for (kind, what), fix in fixes.items():
        n, label = fix["affected"], labels.get(what, what)
        values = sorted(fix["values"], key=lambda v: (-fix["values"][v], v))
        shown = ", ".join(values[:5]) + (", ..." if len(values) > 5 else "")
        if kind == "fill":
            text = f"fill {label} for {n:,} accounts"
        elif kind == "correct":
            text = f"correct {label} for {n:,} accounts (not recognised: {shown})"
        elif kind == "map":
            field_name, dimension = what.split(" -> ")
            text = (f"map {labels.get(field_name, field_name)} values to a {dimension} for {n:,} "
                    f"accounts ({shown}): add them under the dimension's values")
        else:
            text = f"{what} ({n:,} accounts)"
        rows.append({"fix": text, "field": what, "accounts_freed": fix["freed"],
                     "accounts_affected": n, "examples": shown})
    frame = pd.DataFrame(rows, columns=["fix", "field", "accounts_freed", "accounts_affected",
                                        "examples"])
    return frame.sort_values(["accounts_freed", "accounts_affected", "fix"],
                             ascending=[False, False, True], ignore_index=True)


def _fix_of(part: str) -> tuple[tuple[str, str], str | None]:
    if m := _MISSING.match(part):
        return ("fill", m["field"]), None
    if m := _NO_DIMENSION.match(part):
        return ("map", f"{m['field']} -> {m['dimension']}"), m["value"]
    if m := _NOT_RECOGNISED.match(part):
        return ("correct", m["field"]), m["value"]
    return ("other", part), None

"""The data-quality audit: how complete, valid and unique the CRM is, and what to fix first."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd

from segmint import tables as t
from segmint.config.presets import PRESETS
from segmint.config.project import Project
from segmint.enrich.currency import LOCAL_SUFFIX
from segmint.enrich.customers import customer_rule
from segmint.enrich.dedup import SURVIVOR_ID
from segmint.enrich.geography import normalise_key
from segmint.enrich.industry import NAICS_SECTOR, NAICS_SOURCE
from segmint.enrich.owners import (BY_EMAIL, MATCHED_OWNER_ID, OWNER_ACTIVE, OWNER_MATCH,
                                   link_owners)
from segmint.enrich.parents import (
    AMBIGUOUS, BY_ID, BY_NAME, INHERITABLE, PARENT, PARENT_SOURCE, SOURCE_SUFFIX, UNKNOWN,
)
from segmint.validate.checks import Validated
from segmint.validate.parsers.crm import ID_SENTINELS

# Account columns whose fill rate is measured (the id is always there; is_customer is derived).
FILL_COLUMNS = tuple(c for c in t.ACCOUNTS.columns if c not in (t.ACCOUNT_ID, t.IS_CUSTOMER))
UNRECOGNISED = "unrecognised"  # check name of a value present but not understood
EXAMPLES = 3  # example values shown per problem
FIX_EXAMPLES = 5  # values shown per fix of Unassigned accounts
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
        What would move accounts out of Unassigned: ``fix``, the ``reason_code``, ``dimension``
        and ``field`` it is about, ``accounts_freed`` (whose only problem it is),
        ``accounts_affected`` (with it among others), ``examples``; most accounts freed first
        (see `unassigned_fixes`).
    file_reading : DataFrame
        Per CSV file: ``table``, ``file``, ``encoding`` it was read as, ``decided_by`` (``as is``,
        ``declared``, ``byte-order mark``, ``detected``, ``line by line``), ``lines``,
        ``lines_transcoded`` (converted to UTF-8), ``records_spanning_lines``,
        ``broken_quotes`` (lines refused alone for a quote that is never closed),
        ``characters_converted`` (beyond ASCII, in the lines converted) with ``examples`` of the
        words they make ('México, Zürich'), and ``replaced_characters`` (U+FFFD in the file: text
        lost before segmint read it) with ``replaced_examples``.
    repairs : DataFrame
        Values whose mojibake loading repaired, per file column: ``table``, ``file``, ``column``
        (the file's header), ``values_repaired`` and up to 3 ``examples`` (before → after).
    id_sentinels : DataFrame
        Id placeholders loading read as no id, and owners marked deactivated (kind
        ``owner``), per column: ``table``, ``file``, ``column``, ``kind``, ``what`` they are,
        ``rows`` and ``examples``.
    parent_links : DataFrame
        How accounts' ``parent_id`` found a parent: ``found`` (``id``, ``name``, ``ambiguous``,
        ``unknown``; see `segmint.enrich.parents.resolve_parent_names`), ``accounts``,
        ``meaning`` and up to 3 ``examples`` of the parents left unresolved.
    owner_links : DataFrame
        With an owners table: how accounts' ``owner_id`` found their owner, ``found`` (``id``,
        ``email``, ``name``, ``ambiguous``, ``unknown``; see
        `segmint.enrich.owners.link_owners`), ``accounts``, ``meaning`` and up to 3
        ``examples`` of the owners not found. Empty without one.
    inactive_owners, accounts_with_inactive_owner : int or None
        Owners whose ``active`` is false that still hold accounts, and the accounts they
        hold; None without an owners table.
    load_notes : list of str
        The notes of loading and validation, in words: how a file was read when that was not
        plain UTF-8, and what was decided for a column when the data did not make it obvious.
    date_orders : DataFrame
        The order each text date column's slash dates (02/03/24) were read in: ``table``,
        ``column``, ``order`` (``day_first``, ``month_first``), ``basis`` (``evidence``,
        ``mixed``, ``ambiguous``, ``configured``, ``no_slash_dates``), the evidence
        ``first_over_12`` (values fitting day first only), ``second_over_12`` (month first
        only) and ``slash_dates``, ``cleared`` (values fitting only the other order) and
        ``note`` (see `segmint.validate.decisions.DateOrder`).
    negative_sales_cycles : int, optional
        Deals closing before they were created, left out of sales-cycle figures (`notes`
        says so); None without a deals table.
    customer_rule : str
        Which rule decided who is a customer, and for how many accounts, when no revenue table
        does (`segmint.enrich.customers.customer_rule`); `notes` has it.
    country_from_state : int
        Accounts with no country whose state named a US state or Canadian province, so the
        country was taken from it (`segmint.enrich.geography.attach_geography`); in `notes`.
    reporting_currency : str
        The project's ``currency.reporting``, which money figures are in; the headline counts
        the deals in another currency as ``deals_not_in_<code>`` and those with a blank
        currency, whose amounts are taken as in it, as ``deals_assumed_in_<code>``.
    warnings : list of str
        What the project should fix, in words: a key given twice in segmint.yaml, two segments
        of one name, an output folder outside the project folder, a rule dividing by a column
        that is zero for some accounts (set by the run, `segmint.pipeline.run`).
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
    file_reading: pd.DataFrame = field(default_factory=pd.DataFrame)
    repairs: pd.DataFrame = field(default_factory=pd.DataFrame)
    id_sentinels: pd.DataFrame = field(default_factory=pd.DataFrame)
    parent_links: pd.DataFrame = field(default_factory=pd.DataFrame)
    owner_links: pd.DataFrame = field(default_factory=pd.DataFrame)
    inactive_owners: int | None = None
    accounts_with_inactive_owner: int | None = None
    load_notes: list[str] = field(default_factory=list)
    date_orders: pd.DataFrame = field(default_factory=pd.DataFrame)
    reporting_currency: str = "USD"
    warnings: list[str] = field(default_factory=list)
    negative_sales_cycles: int | None = None  # deals closed before they were created
    customer_rule: str = ""  # which rule decided who is a customer (`customer_rule`)
    country_from_state: int = 0  # accounts with no country whose state name gave it

    @property
    def notes(self) -> list[str]:
        """What a run says about how figures were decided: the rule that made customers, and
        deals left out of sales cycles."""
        notes = [self.customer_rule] if self.customer_rule else []
        if self.country_from_state:
            notes.append(f"{self.country_from_state:,} account(s) have no country but a US state "
                         "or Canadian province written out: the country is taken from it. Fill "
                         "the country in the CRM to make it explicit.")
        if not self.negative_sales_cycles:
            return notes
        return notes + [f"{self.negative_sales_cycles:,} deal(s) close before they were created (a "
                "close date typed wrong, or a deal re-created after it closed): they are left "
                "out of the sales-cycle figures. Fix their created or close date in the CRM."]

    @property
    def duplicate_accounts(self) -> int:
        """Accounts that would be (or were) merged into another: group members minus survivors."""
        d = self.duplicates
        return int((d[t.ACCOUNT_ID] != d[SURVIVOR_ID]).sum()) if len(d) else 0

    @property
    def unsettled_date_orders(self) -> pd.DataFrame:
        """Date columns whose order the data does not settle: ambiguous (no value tells), or
        with values that fit only the other order (cleared), as `date_orders` has them."""
        d = self.date_orders
        if not len(d):
            return d
        return d[(d["basis"] == "ambiguous") | (d["cleared"] > 0)].reset_index(drop=True)

    @property
    def deals_not_in_reporting_currency(self) -> int:
        """Deals whose currency is not `reporting_currency`, as counted in `currency_mix`; a
        deal with a blank currency is assumed in it (`deals_assumed_in_reporting_currency`).

        Examples
        --------
        >>> mix = pd.DataFrame({"currency": ["EUR", "USD", "(blank)"], "deals": [5, 3, 1]})
        >>> audit = AuditResult(accounts=0, fill_rates=pd.DataFrame(),
        ...     fill_by_segment=pd.DataFrame(), invalid_values=pd.DataFrame(),
        ...     duplicates=pd.DataFrame(), orphans={}, no_owner=0, stale=0,
        ...     stale_after_months=24, as_of=None, currency_mix=mix, outliers=pd.DataFrame(),
        ...     outlier_count=0, scores=pd.DataFrame(), fixes=pd.DataFrame(),
        ...     unassigned_before=0, unassigned_after=0, left_unassigned=0,
        ...     reporting_currency="EUR")
        >>> audit.deals_not_in_reporting_currency, audit.headline()["deals_not_in_EUR"]
        (3, 3)
        >>> audit.headline()["deals_assumed_in_EUR"]
        1
        """
        mix = self.currency_mix
        if not len(mix):
            return 0
        other = (mix[t.CURRENCY] != self.reporting_currency) & (mix[t.CURRENCY] != BLANK_CURRENCY)
        return int(mix.loc[other, "deals"].sum())

    @property
    def deals_assumed_in_reporting_currency(self) -> int:
        """Deals with a blank currency: their amounts are taken as in `reporting_currency`."""
        mix = self.currency_mix
        return int(mix.loc[mix[t.CURRENCY] == BLANK_CURRENCY, "deals"].sum()) if len(mix) else 0

    def headline(self) -> dict[str, Any]:
        """The key figures, one number each."""
        return {
            "accounts": self.accounts, "duplicate_accounts": self.duplicate_accounts,
            "orphan_deals": self.orphans.get("deals", 0),
            "orphan_revenue_rows": self.orphans.get("revenue", 0),
            "orphan_usage_rows": self.orphans.get("usage", 0),
            "accounts_no_owner": self.no_owner,
            f"stale_accounts_{self.stale_after_months}m": self.stale,
            f"deals_not_in_{self.reporting_currency}": self.deals_not_in_reporting_currency,
            f"deals_assumed_in_{self.reporting_currency}":
                self.deals_assumed_in_reporting_currency,
            "revenue_per_employee_outliers": self.outlier_count,
            "unassigned_before_enrichment": self.unassigned_before,
            "unassigned_after_enrichment": self.unassigned_after,
            "accounts_leaving_unassigned": self.left_unassigned,
            **{f"{g}_from_parent": n for g, n in self.filled_from_parent.items()},
            **self._owner_figures(),
            **self._loading_figures(),
            **({} if self.negative_sales_cycles is None
               else {"negative_sales_cycles": self.negative_sales_cycles}),
        }

    def _owner_figures(self) -> dict[str, int]:
        """With an owners table: accounts whose owner it does not have, and inactive owners."""
        if self.inactive_owners is None:
            return {}
        links = self.owner_links
        found = links.set_index("found")["accounts"] if len(links) else pd.Series(dtype="int64")
        return {"accounts_owner_not_in_owners": int(found.get(UNKNOWN, 0)),
                "accounts_owner_ambiguous": int(found.get(AMBIGUOUS, 0)),
                "inactive_owners_holding_accounts": self.inactive_owners,
                "accounts_held_by_inactive_owners": self.accounts_with_inactive_owner or 0}

    def _loading_figures(self) -> dict[str, int]:
        """What loading repaired or could not resolve: repaired values, placeholder ids, parents."""
        def total(frame: pd.DataFrame, column: str) -> int:
            return int(frame[column].sum()) if len(frame) else 0

        sentinels = (self.id_sentinels if len(self.id_sentinels)
                     else pd.DataFrame({"kind": [], "rows": []}))
        parents = (self.parent_links.set_index("found")["accounts"] if len(self.parent_links)
                   else pd.Series(dtype="int64"))
        return {
            "values_repaired_on_load": total(self.repairs, "values_repaired"),
            "characters_converted_on_load": total(self.file_reading, "characters_converted"),
            "replaced_characters_in_files": total(self.file_reading, "replaced_characters"),
            "placeholder_ids": total(sentinels[sentinels.kind != "owner"], "rows"),
            "rows_with_deactivated_owner": total(sentinels[sentinels.kind == "owner"], "rows"),
            "parents_found_by_name": int(parents.get(BY_NAME, 0)),
            "parents_ambiguous": int(parents.get(AMBIGUOUS, 0)),
            "parents_unknown": int(parents.get(UNKNOWN, 0)),
        }

    def to_dict(self) -> dict[str, Any]:
        """Everything, as plain JSON-ready values."""
        def records(frame: pd.DataFrame) -> list[dict]:
            clean = frame.astype(object).where(frame.notna(), None)
            return [{k: _plain(v) for k, v in row.items()} for row in clean.to_dict("records")]

        return {
            "headline": self.headline(),
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "dedupe": self.dedupe, "reporting_currency": self.reporting_currency,
            "scores": records(self.scores), "fill_rates": records(self.fill_rates),
            "fill_by_segment": records(self.fill_by_segment),
            "invalid_values": records(self.invalid_values),
            "duplicates": records(self.duplicates), "orphans": self.orphans,
            "currency_mix": records(self.currency_mix), "outliers": records(self.outliers),
            "fixes": records(self.fixes),
            "file_reading": records(self.file_reading), "repairs": records(self.repairs),
            "id_sentinels": records(self.id_sentinels),
            "parent_links": records(self.parent_links), "load_notes": self.load_notes,
            "owner_links": records(self.owner_links),
            "date_orders": records(self.date_orders), "warnings": self.warnings,
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
    reasons: ir.Table,
    duplicates: ir.Table,
    rejects: ir.Table,
    keep: Callable[[ir.Table, str], ir.Table] | None = None,
    as_of: dt.date | None = None,
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
    reasons : ibis.Table
        Every reason of each Unassigned account in `assignments`, one row each
        (`segmint.segment.assign.unassigned_reasons`).
    duplicates : ibis.Table
        Output of `segmint.enrich.dedup.find_duplicates`.
    rejects : ibis.Table
        Every table's rejects.
    as_of : datetime.date, optional
        The run's date (`segmint.dates.resolve_as_of`); staleness is counted back from it.
        Unset, from the latest account, deal or revenue date.
    """
    keep = keep or (lambda table, name: table)
    labels = source_labels(project)
    crm = validated["accounts"].clean
    fill = _fill_rates({"in_crm": crm, "usable": normalised, "enriched": enriched},
                       validated["accounts"].headers)
    # read by one group-by, so not kept: a kept copy was every enriched column of every
    # account, held in the engine until the run ended
    by_segment = _fill_by_segment(enriched.join(assignments.select(t.ACCOUNT_ID, t.SEGMENT),
                                                t.ACCOUNT_ID))
    invalid = _invalid_values(rejects, normalised)
    dup_frame = _duplicates(duplicates, crm)
    orphans = (rejects.filter(rejects.check == "DQ003").group_by("table")
               .aggregate(rows=lambda r: r.count()).to_pandas())
    orphan_counts = {name: 0 for name in ("deals", "revenue", "usage") if name in validated}
    orphan_counts |= {row.table: int(row.rows) for row in orphans.itertuples()}
    months = project.audit.stale_after_months
    as_of, stale = _stale(enriched, used.get("deals"), used.get("revenue"), months, as_of)
    currency = _currency_mix(used.get("deals"))
    outliers, outlier_count = _outliers(enriched, project.audit.outlier_factor)
    scores = _scores(validated, rejects, len(dup_frame) and int(
        (dup_frame[t.ACCOUNT_ID] != dup_frame[SURVIVOR_ID]).sum()))
    fixes = unassigned_fixes(reasons, labels)
    before = _unassigned(baseline)
    after = _unassigned(assignments)
    left = baseline.filter(baseline[t.SEGMENT] == t.UNASSIGNED).select(_id=baseline[t.ACCOUNT_ID])
    now = assignments.filter(assignments[t.SEGMENT] != t.UNASSIGNED)
    left_count = int(now.filter(now[t.ACCOUNT_ID].isin(left._id)).count().execute())
    # the counts over the enriched accounts, in one query rather than one each
    inheritable = [g for g in INHERITABLE if g + SOURCE_SUFFIX in enriched.columns]
    from_state = ibis.literal(0, "int64")  # countries taken from a state name (attach_geography)
    if t.STATE in enriched.columns and t.COUNTRY + t.RAW_SUFFIX in enriched.columns:
        own = (enriched[t.COUNTRY + SOURCE_SUFFIX] != PARENT).fill_null(True) if (
            t.COUNTRY + SOURCE_SUFFIX in enriched.columns) else ibis.literal(True)
        from_state = (enriched[t.COUNTRY].notnull() & own & normalise_key(
            enriched[t.COUNTRY + t.RAW_SUFFIX].cast("string")).isnull()).cast("int64").sum()
    counts = enriched.aggregate(
        _accounts=enriched.count(), _no_owner=enriched[t.OWNER_ID].isnull().cast("int64").sum(),
        _from_state=from_state,
        **{g: (enriched[g + SOURCE_SUFFIX] == PARENT).fill_null(False).cast("int64").sum()
           for g in inheritable},
    ).to_pyarrow().to_pylist()[0]
    no_owner = int(counts["_no_owner"] or 0)
    inherited = {g: int(counts[g] or 0) for g in inheritable}
    return AuditResult(
        accounts=int(counts["_accounts"]), fill_rates=fill, fill_by_segment=by_segment,
        invalid_values=invalid, duplicates=dup_frame, orphans=orphan_counts, no_owner=no_owner,
        stale=stale, stale_after_months=months, as_of=as_of, currency_mix=currency,
        outliers=outliers, outlier_count=outlier_count, scores=scores, fixes=fixes,
        unassigned_before=before, unassigned_after=after, left_unassigned=left_count,
        filled_from_parent=inherited, dedupe=project.enrich.dedupe,
        **_what_loading_did(project, validated), parent_links=_parent_links(enriched),
        **_owner_links(enriched, used.get("owners"), keep),
        date_orders=date_orders(validated), reporting_currency=project.currency.reporting,
        negative_sales_cycles=_negative_cycles(used.get("deals")),
        customer_rule=customer_rule(enriched, used.get("revenue"), used.get("deals")),
        country_from_state=int(counts["_from_state"] or 0),
    )


def _negative_cycles(deals: ir.Table | None) -> int | None:
    """Deals whose close date is before their created date; None without a deals table."""
    if deals is None:
        return None
    before = deals[t.CLOSE_DATE] < deals[t.CREATED_DATE]
    return int(before.fill_null(False).cast("int64").sum().execute() or 0)


DATE_ORDER_COLUMNS = ("table", "column", "order", "basis", "first_over_12", "second_over_12",
                      "slash_dates", "cleared", "note")


def date_orders(validated: dict[str, Validated]) -> pd.DataFrame:
    """The order each text date column was read in, and the evidence, one row per column.

    Examples
    --------
    >>> from segmint.validate.decisions import decide_date_order
    >>> class Loaded:  # a validated table, as far as this reads it
    ...     date_orders = {"close_date": decide_date_order("close_date", 37, 2, 120)}
    >>> date_orders({"deals": Loaded()})[["column", "order", "basis", "cleared"]].values.tolist()
    [['close_date', 'day_first', 'mixed', 2]]
    """
    rows = [{"table": name, "column": o.column, "order": o.order, "basis": o.basis,
             "first_over_12": o.first_over_12, "second_over_12": o.second_over_12,
             "slash_dates": o.slash_dates, "cleared": o.contradicting, "note": o.note(name)}
            for name, v in validated.items() for o in v.date_orders.values()]
    return pd.DataFrame(rows, columns=list(DATE_ORDER_COLUMNS))


def _what_loading_did(project: Project, validated: dict[str, Validated]) -> dict[str, Any]:
    """How each file was read, the values repaired and the id placeholders, per table and file."""
    reading, repairs, sentinels, notes = [], [], [], []
    for name, v in validated.items():
        file = getattr(project.sources, name).path
        notes += list(v.notes)
        if v.reading is not None:
            reading.append({"table": name, "file": file, **{
                k: ", ".join(value) if isinstance(value, tuple) else value
                for k, value in vars(v.reading).items()}})
        if v.repairs is not None:
            repairs += [{"table": name, **row} for row in _repairs_per_column(v.repairs)]
        sentinels += [{"table": name, "file": file, "column": s.column, "kind": s.kind,
                       "what": ID_SENTINELS[s.kind], "rows": s.rows,
                       "examples": ", ".join(s.examples)} for s in v.id_sentinels]
    columns = {
        "file_reading": ["table", "file", "encoding", "decided_by", "lines", "lines_transcoded",
                         "records_spanning_lines", "broken_quotes", "characters_converted",
                         "examples", "replaced_characters", "replaced_examples"],
        "repairs": ["table", "file", "column", "values_repaired", "examples"],
        "id_sentinels": ["table", "file", "column", "kind", "what", "rows", "examples"],
    }
    found = {"file_reading": reading, "repairs": repairs, "id_sentinels": sentinels}
    return {key: pd.DataFrame(found[key], columns=columns[key]) for key in columns} | {
        "load_notes": notes}


def _repairs_per_column(repairs: ir.Table) -> list[dict[str, Any]]:
    """Values repaired per file and column, with the most frequent repairs as examples."""
    pairs = repairs.group_by(t.SOURCE_FILE, "column", "before", "after").aggregate(
        n=lambda r: r.count())
    per_column = [pairs[t.SOURCE_FILE], pairs.column]
    ranked = pairs.mutate(
        _rank=ibis.row_number().over(group_by=per_column, order_by=[ibis.desc(pairs.n),
                                                                    pairs.before]),
        _values=pairs.n.sum().over(group_by=per_column))
    top = ranked.filter(ranked._rank < EXAMPLES).order_by(
        t.SOURCE_FILE, "column", "_rank").to_pyarrow().to_pylist()
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for pair in top:
        row = rows.setdefault((pair[t.SOURCE_FILE], pair["column"]), {
            "file": pair[t.SOURCE_FILE], "column": pair["column"],
            "values_repaired": int(pair["_values"]), "examples": []})
        row["examples"].append(f"{pair['before']} → {pair['after']}")
    return [{**row, "examples": "; ".join(row["examples"])} for row in rows.values()]


PARENT_MEANINGS = {
    BY_ID: "parent_id is an account's id",
    BY_NAME: "parent_id is one account's name; resolved to its id",
    AMBIGUOUS: "parent_id is a name several accounts share; left unresolved",
    UNKNOWN: "parent_id is neither an account's id nor its name; left unresolved",
}


def _parent_links(accounts: ir.Table) -> pd.DataFrame:
    """Accounts per way their parent was found, with examples of the parents left unresolved."""
    if PARENT_SOURCE not in accounts.columns:
        return pd.DataFrame(columns=LINK_COLUMNS)
    return _links(accounts.select(_found=accounts[PARENT_SOURCE], _value=accounts[t.PARENT_ID]),
                  PARENT_MEANINGS)


OWNER_MEANINGS = {
    BY_ID: "owner_id is an owner's id",
    BY_EMAIL: "owner_id is one owner's email",
    BY_NAME: "owner_id is one owner's full name",
    AMBIGUOUS: "owner_id is an email or name several owners share",
    UNKNOWN: "owner_id is not in the owners table (no id, email or name matches)",
}


def _owner_links(accounts: ir.Table, owners: ir.Table | None,
                 keep: Callable[[ir.Table, str], ir.Table]) -> dict[str, Any]:
    """With an owners table: accounts per way their owner was found (examples of those not
    found), and the inactive owners holding accounts, as `AuditResult` fields."""
    if owners is None:
        return {}
    # kept: three queries read the links, and matching ids, emails and names is a large
    # expression (Salesforce ids widened on both sides) that would be compiled for each
    linked = keep(link_owners(accounts.select(t.ACCOUNT_ID, t.OWNER_ID), owners),
                  "audit_owner_links")
    inactive = linked.filter((~linked[OWNER_ACTIVE]).fill_null(False))
    counts = inactive.aggregate(accounts=inactive.count(),
                                owners=inactive[MATCHED_OWNER_ID].nunique())
    counts = counts.to_pyarrow().to_pylist()[0]
    return {
        "owner_links": _links(linked.select(_found=linked[OWNER_MATCH],
                                            _value=linked[t.OWNER_ID]), OWNER_MEANINGS),
        "inactive_owners": int(counts["owners"] or 0),
        "accounts_with_inactive_owner": int(counts["accounts"] or 0),
    }


LINK_COLUMNS = ["found", "accounts", "meaning", "examples"]


def _links(links: ir.Table, meanings: dict[str, str]) -> pd.DataFrame:
    """Accounts per way a reference was resolved (`_found`, null when there is none), with up to
    3 examples of the values (`_value`) left ambiguous or unknown; a row per meaning."""
    per_way = links.filter(links._found.notnull()).group_by(found=links._found).aggregate(
        n=lambda r: r.count())
    counts = {row["found"]: int(row["n"]) for row in per_way.to_pyarrow().to_pylist()}
    if not counts:
        return pd.DataFrame(columns=LINK_COLUMNS)
    unresolved = links.filter(links._found.isin([AMBIGUOUS, UNKNOWN]))
    per_value = unresolved.group_by(found=unresolved._found, value=unresolved._value).aggregate(
        n=lambda r: r.count())
    ranked = per_value.mutate(_rank=ibis.row_number().over(
        group_by=per_value.found, order_by=[ibis.desc(per_value.n), per_value.value]))
    examples: dict[str, list[str]] = {}
    top = ranked.filter(ranked._rank < EXAMPLES).order_by("found", "_rank")
    for row in sorted(top.to_pyarrow().to_pylist(), key=lambda row: row["_rank"]):
        examples.setdefault(row["found"], []).append(f"{row['value']} ({row['n']:,})")
    return pd.DataFrame([{"found": found, "accounts": counts.get(found, 0),
                          "meaning": meaning, "examples": ", ".join(examples.get(found, []))}
                         for found, meaning in meanings.items()], columns=LINK_COLUMNS)


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


NOT_IN_EXPORT = "(not in the export)"  # fill rates' source of a column the file does not have


def _fill_rates(stages: dict[str, ir.Table], headers: dict[str, str]) -> pd.DataFrame:
    """Per account column, accounts with a value at each stage; ``source`` is the export's
    header (`Validated.headers`), or `NOT_IN_EXPORT`."""
    counts = {stage: _count_filled(table, list(FILL_COLUMNS)) for stage, table in stages.items()}
    rows = []
    for column in FILL_COLUMNS:
        row = {"column": column, "source": headers.get(column, NOT_IN_EXPORT)}
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
    # every key in the order, so ties come out alike on every run
    return totals.sort_values(["rows", "table", "column", "check", "action"],
                              ascending=[False, True, True, True, True], ignore_index=True)


def _duplicates(duplicates: ir.Table, accounts: ir.Table) -> pd.DataFrame:
    names = accounts.select(_n_id=accounts[t.ACCOUNT_ID], **{t.NAME: accounts[t.NAME]})
    joined = duplicates.left_join(names, duplicates[t.ACCOUNT_ID] == names._n_id).drop("_n_id")
    return joined.order_by(SURVIVOR_ID, t.ACCOUNT_ID).to_pandas()


def _stale(accounts: ir.Table, deals: ir.Table | None, revenue: ir.Table | None,
           months: int, as_of: dt.date | None = None) -> tuple[dt.date | None, int]:
    """As of `as_of` (else the latest date in the data), accounts with no deal created or
    closed, and not created, in the last `months` months; an account with no date at all
    counts as stale."""
    if as_of is not None:
        return as_of, _stale_count(accounts, deals, as_of, months)
    latest = [accounts[t.CREATED_DATE].max()]
    if deals is not None:
        latest.append(deals[t.CREATED_DATE].max())
    if revenue is not None:
        latest.append(revenue[t.PERIOD].max())
    dates = [v for v in (x.execute() for x in latest) if v is not None and not pd.isna(v)]
    if not dates:
        return None, int(accounts.count().execute())
    as_of = max(pd.Timestamp(v).date() for v in dates)
    return as_of, _stale_count(accounts, deals, as_of, months)


def _stale_count(accounts: ir.Table, deals: ir.Table | None, as_of: dt.date, months: int) -> int:
    cutoff = _months_before(as_of, months)
    last = accounts.select(t.ACCOUNT_ID, _last=accounts[t.CREATED_DATE])
    if deals is not None:
        closed = ibis.ifelse(deals[t.CLOSE_DATE] <= as_of, deals[t.CLOSE_DATE], None)
        activity = deals.group_by(_d_id=deals[t.ACCOUNT_ID]).aggregate(
            _deal=ibis.greatest(deals[t.CREATED_DATE].max(), closed.max()))
        last = last.left_join(activity, last[t.ACCOUNT_ID] == activity._d_id).select(
            t.ACCOUNT_ID, _last=lambda r: ibis.greatest(r._last, r._deal))
    stale = last._last.isnull() | (last._last < cutoff)
    return int(stale.cast("int64").sum().execute() or 0)


def _months_before(day: dt.date, months: int) -> dt.date:
    month = day.year * 12 + day.month - 1 - months
    year, month = divmod(month, 12)
    for last_day in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month + 1, min(day.day, last_day))
        except ValueError:
            continue
    raise AssertionError("unreachable")


BLANK_CURRENCY = "(blank)"  # the currency_mix row of deals without a currency


def _currency_mix(deals: ir.Table | None) -> pd.DataFrame:
    """Deals per currency: ``deals``, ``amount`` (summed in that currency, as the CRM gives it),
    ``converted`` (deals whose amount counts in money figures, in the reporting currency:
    converted, or already in it), ``no_rate`` (deals whose amount is left out for want of a
    rate, see `segmint.enrich.currency`) and ``reporting_amount`` (their sum in the reporting
    currency)."""
    columns = (t.CURRENCY, "deals", t.AMOUNT, "converted", "no_rate", "reporting_amount")
    if deals is None:
        return pd.DataFrame({c: [] for c in columns})
    local_column = t.AMOUNT + LOCAL_SUFFIX
    local = deals[local_column] if local_column in deals.columns else deals[t.AMOUNT]
    reporting = deals[t.AMOUNT]
    currency = deals[t.CURRENCY].strip().upper().nullif("").fill_null(BLANK_CURRENCY)
    return (deals.group_by(**{t.CURRENCY: currency})
            .aggregate(deals=deals.count(), **{t.AMOUNT: local.sum().round(2)},
                       converted=reporting.notnull().cast("int64").sum(),
                       no_rate=(local.notnull() & reporting.isnull()).cast("int64").sum(),
                       reporting_amount=reporting.sum().round(2))
            .order_by(ibis.desc("deals"), t.CURRENCY).select(*columns).to_pandas())


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


# The columns each table's figures read: completeness counts them whether or not the export has
# them, so an accounts file with an id and a name alone is not "100% complete". Other canonical
# columns (coordinates, city, domain...) count only when the export has them filled.
EXPECTED_COLUMNS = {
    "accounts": (t.NAME, t.INDUSTRY, t.EMPLOYEES, t.ANNUAL_REVENUE, t.COUNTRY, t.OWNER_ID),
    "deals": (t.AMOUNT, t.CREATED_DATE, t.CLOSE_DATE, t.STAGE),
    "revenue": (t.PERIOD, t.MRR),
    "usage": (t.DATE, t.METRIC, t.VALUE),
    "transactions": (t.DATE, t.AMOUNT),
}


def completeness(filled: dict[str, int], rows: int, table: str) -> float:
    """Share of cells filled over the columns the export has filled and the columns `table`'s
    figures read (`EXPECTED_COLUMNS`), whether the export has them or not.

    Examples
    --------
    >>> completeness({"account_id": 4, "name": 4}, 4, "accounts")  # 5 expected fields absent
    0.2857142857142857
    >>> completeness({"account_id": 4, "name": 4, "industry": 2, "employees": 4, "country": 4,
    ...               "annual_revenue": 4, "owner_id": 4}, 4, "accounts")
    0.9285714285714286
    """
    columns = {c for c, n in filled.items() if n > 0} | set(EXPECTED_COLUMNS.get(table, ()))
    cells = rows * len(columns)
    return sum(filled.get(c, 0) for c in columns) / cells if cells else 1.0


def _scores(validated: dict[str, Validated], rejects: ir.Table, duplicates: int) -> pd.DataFrame:
    cleared = (rejects.filter(rejects.action == "value cleared").group_by("table")
               .aggregate(n=lambda r: r.count()).to_pandas().set_index("table")["n"].to_dict())
    rows = []
    for name, v in validated.items():
        columns = [c for c in t.SPECS[name].columns if c in v.clean.columns]
        filled = _count_filled(v.clean, columns)
        populated = [c for c in columns if filled.get(c, 0) > 0]
        used = filled.pop("_n")
        kept = v.rows_used / v.rows_in if v.rows_in else 1.0
        cells = used * len(populated)
        valid = 1 - int(cleared.get(name, 0)) / cells if cells else 1.0
        complete = completeness(filled, used, name)
        unique = 1 - duplicates / used if name == "accounts" and used else 1.0
        rows.append({"table": name, "rows_in": v.rows_in, "kept": kept, "valid": valid,
                     "complete": complete, "unique": unique,
                     "score": round(100 * kept * valid * complete * unique, 1)})
    return pd.DataFrame(rows)


def _unassigned(assignments: ir.Table) -> int:
    return int((assignments[t.SEGMENT] == t.UNASSIGNED).cast("int64").sum().execute() or 0)


def unassigned_fixes(reasons: ir.Table, labels: dict[str, str] | None = None) -> pd.DataFrame:
    """Rank the fixes that would move the most accounts out of Unassigned.

    A fix is what the user does: fill a missing field, or correct the values enrichment could
    not read (one fix per field, whichever dimensions read it), or add the values a dimension's
    map has no entry for (one fix per dimension). An account leaves Unassigned only when all
    its fixes are made, so fixes are ranked by the accounts they alone would free
    (``accounts_freed``), then by all the accounts they concern (``accounts_affected``).
    Values are taken as they are, never split: a country ``Earth; Mars`` is one value.

    Parameters
    ----------
    reasons : ibis.Table
        Output of `segmint.segment.assign.unassigned_reasons`: one row per reason of each
        Unassigned account (``account_id``, ``reason_code``, ``dimension``, ``field``,
        ``value``).
    labels : dict, optional
        Column → header in the export, to name the field to fix as the user knows it.

    Returns
    -------
    DataFrame
        ``fix`` (in words), ``reason_code``, ``dimension`` (of a map, for ``unmapped``),
        ``field``, ``accounts_freed``, ``accounts_affected`` and ``examples`` (the 5 commonest
        values, most accounts first), most accounts freed first.

    Examples
    --------
    >>> reasons = ibis.memtable({"account_id": ["a", "b", "b", "c", "d"],
    ...     "reason_code": ["missing", "missing", "unrecognised", "unrecognised", "unrecognised"],
    ...     "dimension": ["size", "size", "region", "region", "region"],
    ...     "field": ["employees", "employees", "country", "country", "country"],
    ...     "value": [None, None, "Earth", "TBD", "Earth"]})
    >>> fixes = unassigned_fixes(reasons, {"employees": "NumberOfEmployees"})
    >>> fixes.fix.tolist()  # doctest: +NORMALIZE_WHITESPACE
    ['correct country for 3 accounts (not recognised: Earth, TBD)',
     'fill NumberOfEmployees for 2 accounts']
    >>> fixes[["accounts_freed", "accounts_affected"]].values.tolist()
    [[2, 3], [1, 2]]
    """
    labels = labels or {}
    key = [t.REASON_CODE, t.DIMENSION, t.FIELD]
    code = reasons[t.REASON_CODE]
    fixes = reasons.select(  # a blank country is one fix, if region and territory both need it
        t.ACCOUNT_ID, t.REASON_CODE, t.FIELD, t.VALUE,
        **{t.DIMENSION: ibis.ifelse(code == t.UNMAPPED, reasons[t.DIMENSION], ibis.null("string"))},
    ).distinct()
    per_account = fixes.group_by(_id=fixes[t.ACCOUNT_ID]).aggregate(_fixes=fixes.count())
    joined = fixes.join(per_account, fixes[t.ACCOUNT_ID] == per_account._id)
    totals = joined.group_by(key).aggregate(
        accounts_freed=lambda r: (r._fixes == 1).cast("int64").sum(),
        accounts_affected=lambda r: r.count())
    valued = fixes.filter(fixes[t.VALUE].notnull())
    per_value = valued.group_by([*key, t.VALUE]).aggregate(_n=lambda r: r.count())
    ranked = per_value.mutate(_rank=ibis.row_number().over(
        group_by=[per_value[k] for k in key],
        order_by=[ibis.desc(per_value._n), per_value[t.VALUE]]))
    top = ranked.filter(ranked._rank <= FIX_EXAMPLES + 1)  # one more than shown: "..."
    examples: dict[tuple, list[str]] = {}
    for row in sorted(top.to_pyarrow().to_pylist(), key=lambda row: row["_rank"]):
        examples.setdefault(tuple(row[k] for k in key), []).append(row[t.VALUE])
    rows = []
    for fix in totals.to_pyarrow().to_pylist():
        code, dimension, field_name = (fix[k] for k in key)
        values = examples.get((code, dimension, field_name), [])
        shown = ", ".join(values[:FIX_EXAMPLES]) + (", ..." if len(values) > FIX_EXAMPLES else "")
        rows.append({"fix": _fix_text(code, dimension, field_name, fix["accounts_affected"],
                                      shown, labels),
                     **{k: fix[k] for k in (*key, "accounts_freed", "accounts_affected")},
                     "examples": shown})
    frame = pd.DataFrame(rows, columns=["fix", *key, "accounts_freed", "accounts_affected",
                                        "examples"])
    return frame.sort_values(["accounts_freed", "accounts_affected", "fix"],
                             ascending=[False, False, True], ignore_index=True)


def _fix_text(code: str | None, dimension: str | None, field_name: str | None, n: int,
              shown: str, labels: dict[str, str]) -> str:
    label = labels.get(field_name, field_name) if field_name else ""
    if code == t.MISSING:
        return f"fill {label} for {n:,} accounts"
    if code == t.UNRECOGNISED:
        return f"correct {label} for {n:,} accounts (not recognised: {shown})"
    if code == t.UNMAPPED:
        return (f"map {label} values to a {dimension} for {n:,} accounts ({shown}): add them "
                "under the dimension's values")
    if code == t.NO_DEFAULT:
        return (f"no rule matched and there is no default ({n:,} accounts): add a rule or "
                "segmentation.default")
    if code == t.RULE:
        return f"rule {field_name!r} names {n:,} accounts Unassigned"
    return f"{code} ({n:,} accounts)"

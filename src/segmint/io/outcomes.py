"""Which deals are won and which closed, when an export says so only by its stage name."""

from __future__ import annotations

from collections.abc import Iterable

import ibis
import ibis.expr.types as ir

from segmint import tables as t
from segmint.config.presets import header_key
from segmint.config.project import Source

# The stage names that mean won and lost, as the CRMs write them; compared by `stage_key_py`,
# so 'Closed Won', 'closed-won' and HubSpot's internal 'closedwon' are one spelling.
# Salesforce: Closed Won / Closed Lost. HubSpot: Closed won / Closed lost (labels), closedwon /
# closedlost (internal ids of the default pipeline). Custom pipelines and spreadsheet CRMs:
# Won / Lost, Deal won / Deal lost. Dynamics 365: its Status (Won, Lost) is read as a flag
# (`validate.parsers.crm.parse_dynamics_won`), its Sales Stage is no outcome.
WON = ("Closed Won", "Won", "Deal Won", "Closed - Won")
LOST = ("Closed Lost", "Lost", "Deal Lost", "Closed - Lost")


# Exports that record an outcome only by its date: Pipedrive's "Won time" / "Lost time" ("Deal -
# Won time" in its deals export), spreadsheet CRMs' "Date won" / "Won date". Compared by
# `header_key`, also after a "Deal" or "Opportunity" prefix.
WON_DATES = ("Won Time", "Won Date", "Date Won", "Closed Won Date", "Won On")
LOST_DATES = ("Lost Time", "Lost Date", "Date Lost", "Closed Lost Date", "Lost On")
_DATE_PREFIXES = ("", "deal", "opportunity")


def stage_key(stage: ir.StringValue) -> ir.StringValue:
    """A stage name as the spellings compare: lower case, letters and digits only.

    Examples
    --------
    >>> table = ibis.memtable({"stage": ["Closed Won", "closedwon", " Closed - Lost "]})
    >>> table.select(key=stage_key(table.stage)).key.to_pyarrow().to_pylist()
    ['closedwon', 'closedwon', 'closedlost']
    """
    return stage.lower().re_replace("[^0-9a-z]", "")


def stage_key_py(stage: str) -> str:
    """Read one stage name as `stage_key` does.

    >>> stage_key_py("Closed - Won"), stage_key_py("closedwon")
    ('closedwon', 'closedwon')
    """
    return header_key(stage.lower())


def outcome_spellings(source: Source) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The stage names read as won and as lost for `source`: sources.deals.stages where it
    names them, else the built-in spellings (`WON`, `LOST`).

    Examples
    --------
    >>> outcome_spellings(Source(path="d.csv", stages={"won": ["Signed"]}))[0]
    ('Signed',)
    """
    stages = source.stages
    won = tuple(stages.won) if stages is not None and stages.won is not None else WON
    lost = tuple(stages.lost) if stages is not None and stages.lost is not None else LOST
    return won, lost


def flags_from_stage(rows: ir.Table, mapping: dict[str, str], source: Source,
                     label: str) -> tuple[dict[str, ir.StringValue], list[str]]:
    """``is_won`` and ``is_closed`` as text flags read from the deals' stage, for the flags the
    export does not have (or maps to the stage itself), with a note saying how.

    A stage among the won spellings is won and closed, one among the lost spellings closed and
    not won, any other stage open; a blank stage leaves both unknown. The note counts the
    deals each way and names the stages read as won and lost, or warns when none is (every
    deal would count as open pipeline). Returns no columns when the flags are the export's.

    Examples
    --------
    >>> rows = ibis.memtable({"Deal Stage": ["Closed won", "Closed lost", "Demo", "Closed won"]})
    >>> flags, notes = flags_from_stage(rows, {"stage": "Deal Stage"}, Source(path="d.csv"),
    ...                                 "d.csv")
    >>> rows.select(**flags).to_pyarrow().to_pylist()[:2]
    [{'is_won': 'true', 'is_closed': 'true'}, {'is_won': 'false', 'is_closed': 'true'}]
    >>> print(notes[0])
    d.csv has no won or closed flag: both were read from Deal Stage, 'Closed won' as won (2 deals), 'Closed lost' as lost (1), other stages as open (1, in 1 stage). If a stage is read wrongly, list the won and lost ones under sources.deals.stages in segmint.yaml.
    """
    header = mapping.get(t.STAGE)
    if header is None:
        return {}, []
    derived = [flag for flag in (t.IS_WON, t.IS_CLOSED) if mapping.get(flag, header) == header]
    if not derived:
        return {}, []
    won, lost = outcome_spellings(source)
    won_keys = sorted({stage_key_py(s) for s in won})
    lost_keys = sorted({stage_key_py(s) for s in lost} - set(won_keys))
    stage = rows[header].cast("string")
    key = stage_key(stage)
    blank = stage.isnull() | (stage.strip() == "")
    flag = {t.IS_WON: key.isin(won_keys), t.IS_CLOSED: key.isin([*won_keys, *lost_keys])}
    columns = {name: ibis.ifelse(blank, ibis.null("string"),
                                 ibis.ifelse(flag[name], "true", "false")) for name in derived}
    stages = rows.select(key=key, name=stage.strip(), blank=blank).filter(lambda r: ~r.blank)
    counts = (stages.group_by("key").aggregate(deals=stages.count(), name=stages.name.min())
              .order_by([ibis.desc("deals"), "key"]).to_pyarrow().to_pylist())
    return columns, [_stage_note(label, header, derived, counts, won_keys, lost_keys)]


def _stage_note(label: str, header: str, derived: list[str], counts: list[dict],
                won_keys: Iterable[str], lost_keys: Iterable[str]) -> str:
    """What the run says about flags read from the stage: the stages read each way, counted."""
    won = [c for c in counts if c["key"] in won_keys]
    lost = [c for c in counts if c["key"] in lost_keys]
    other = [c for c in counts if c not in won and c not in lost]
    missing = "no won or closed flag" if len(derived) == 2 else f"no {derived[0][3:]} flag"
    if not won and not lost:
        shown = ", ".join(repr(c["name"]) for c in other[:5])
        return (f"{label} has {missing}, and none of its stages in {header} ({shown}) reads as "
                "won or lost: every deal counts as open pipeline and no win rate can be "
                "measured. List the won and lost stages under sources.deals.stages in "
                "segmint.yaml (stages: {won: [...], lost: [...]}).")
    which = "both were" if len(derived) == 2 else "it was"

    def named(group: list[dict]) -> str:
        return " / ".join(repr(c["name"]) for c in group) or "no stage"

    won_deals, lost_deals = sum(c["deals"] for c in won), sum(c["deals"] for c in lost)
    open_deals = sum(c["deals"] for c in other)
    return (f"{label} has {missing}: {which} read from {header}, {named(won)} as won ({won_deals:,} "
            f"deals), {named(lost)} as lost ({lost_deals:,}), other stages as open "
            f"({open_deals:,}, in {len(other):,} stage{'s' if len(other) != 1 else ''}). If a "
            "stage is read wrongly, list the won and lost ones under sources.deals.stages in "
            "segmint.yaml.")


def outcome_date_headers(headers: Iterable[str]) -> dict[str, str]:
    """``won`` and ``lost`` → the header holding the date a deal was won or lost, for the
    headers that are there (`WON_DATES`, `LOST_DATES`).

    Examples
    --------
    >>> outcome_date_headers(["Deal - Title", "Deal - Won time", "Deal - Lost time"])
    {'won': 'Deal - Won time', 'lost': 'Deal - Lost time'}
    >>> outcome_date_headers(["won_date", "amount"])
    {'won': 'won_date'}
    """
    keys = {prefix + header_key(name): kind
            for kind, names in (("won", WON_DATES), ("lost", LOST_DATES))
            for name in names for prefix in _DATE_PREFIXES}
    found: dict[str, str] = {}
    for header in headers:
        kind = keys.get(header_key(header))
        if kind is not None:
            found.setdefault(kind, header)
    return found


def flags_from_dates(rows: ir.Table, mapping: dict[str, str], label: str
                     ) -> tuple[dict[str, ir.StringValue], list[str]]:
    """``is_won``, ``is_closed`` and ``close_date`` as text read from the dates a deal was won
    and lost, for an export that has neither a won flag nor a stage, with a note saying how.

    A deal with a won date is won and closed, one with a lost date closed and not won, one with
    neither open; without a lost date column the deals not won cannot be told open from lost,
    which the note says. The close date, when the export has none, is the won or lost date.

    Examples
    --------
    >>> rows = ibis.memtable({"Won time": ["2024-03-05 14:22:10", None, None],
    ...                       "Lost time": [None, "2024-04-01 09:00:00", None]})
    >>> flags, notes = flags_from_dates(rows, {}, "deals.csv")
    >>> [(r["is_won"], r["is_closed"]) for r in rows.select(**flags).to_pyarrow().to_pylist()]
    [('true', 'true'), ('false', 'true'), ('false', 'false')]
    >>> print(notes[0])
    deals.csv has no won flag and no stage: won and closed were read from Won time and Lost time (1 deal won, 1 lost, 1 open), and the close date is the date it was won or lost.
    """
    if t.STAGE in mapping or t.IS_WON in mapping:
        return {}, []
    dates = outcome_date_headers(h for h in rows.columns if h not in mapping.values())
    if "won" not in dates:
        return {}, []

    def filled(header: str) -> ir.BooleanValue:
        text = rows[header].cast("string").strip()
        return text.notnull() & (text != "")

    won = filled(dates["won"])
    lost = filled(dates["lost"]) if "lost" in dates else None
    columns = {t.IS_WON: ibis.ifelse(won, "true", "false")}
    if t.IS_CLOSED not in mapping:
        columns[t.IS_CLOSED] = (ibis.ifelse(won | lost, "true", "false") if lost is not None
                                else ibis.ifelse(won, "true", ibis.null("string")))
    if t.CLOSE_DATE not in mapping:
        when = [rows[dates[k]].cast("string") for k in ("won", "lost") if k in dates]
        columns[t.CLOSE_DATE] = ibis.coalesce(*when) if len(when) > 1 else when[0]
    counts = rows.aggregate(won=won.cast("int64").sum(), lost=(
        lost.cast("int64").sum() if lost is not None else ibis.literal(0, "int64")),
        deals=rows.count()).to_pyarrow().to_pylist()[0]
    won_n, lost_n, deals = (int(counts[k] or 0) for k in ("won", "lost", "deals"))
    read = " and ".join(dates[k] for k in ("won", "lost") if k in dates)
    closed = ("" if t.CLOSE_DATE in mapping
              else ", and the close date is the date it was won or lost")
    if lost is None:
        return columns, [
            f"{label} has no won flag and no stage: won deals were read from {dates['won']} "
            f"({won_n:,} of {deals:,}){closed}. Lost deals cannot be told from open ones: map "
            "the date a deal was lost, a closed flag or the stage under sources.deals.columns."]
    return columns, [
        f"{label} has no won flag and no stage: won and closed were read from {read} "
        f"({won_n:,} deal{'s' if won_n != 1 else ''} won, {lost_n:,} lost, "
        f"{deals - won_n - lost_n:,} open){closed}."]

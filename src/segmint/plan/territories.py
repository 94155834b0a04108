"""Territories: each segment's accounts carved into balanced territories, and the tables that say so.

One row per account is fetched from the engine once (at 100k accounts, a few MB), families are
made whole units, and `segmint.plan.carving` does the work in NumPy. The outputs are small
pandas tables: ``territories`` (account → territory → rep), ``territory_balance``,
``territory_disruption``, ``territory_summary`` and the CRM update file.
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd
import pyarrow as pa

from segmint import tables as t
from segmint.analyse.registry import analysis
from segmint.config.project import CapacityPlan, TerritoryPlan
from segmint.context import RunContext
from segmint.engine.kept import ARROW_TEXT, fetch_frame
from segmint.exceptions import ConfigError, closest_hint
from segmint.plan.capacity import (
    CAPACITY_PLAN,
    FLAT_WORKLOAD,
    WORKLOAD,
    capacity_inputs,
    motion_column,
)
from segmint.plan.carving import CARVE_OUT_SHARE, TerritoryError, Units, carve, granularity_floor
from segmint.sections import Chart, Note, Readings, Section, TableView

TERRITORY = "territory"
PREVIOUS_OWNER = "previous_owner_id"
KEPT = "kept_owner"
OPEN_TERRITORY = "open"  # the rep of a territory no current owner holds: a seat to fill


@dataclass
class SegmentUnits:
    """One segment's `Units` and how they map back to accounts and owners."""

    units: Units
    account_unit: np.ndarray  # per account row: its unit
    owners: list[str]  # territory index → owner id, for territories that start from an owner
    cells: list[str]  # cell index → its name ("US-CA", "FR")


def geographic_rank(frame: pd.DataFrame) -> np.ndarray:
    """Each account's place along a geographic order: country, state, then postal code, or a
    Hilbert curve through its coordinates when it has them; account id breaks ties.

    >>> frame = pd.DataFrame({"account_id": ["a", "b", "c", "d"], "country": ["US", "US", "FR", "US"],
    ...     "state": ["NY", "CA", "", "CA"], "postal_code": ["10001", "94105", "75001", "90001"]})
    >>> geographic_rank(frame).tolist()
    [3, 2, 0, 1]
    """
    keys = []
    for column in (t.COUNTRY, t.STATE):
        values = frame[column] if column in frame else pd.Series([None] * len(frame))
        keys.append(_sort_codes(values))
    fine = np.zeros(len(frame), dtype=np.int64)
    if t.POSTAL_CODE in frame:
        fine = _sort_codes(frame[t.POSTAL_CODE])
    if t.LATITUDE in frame and t.LONGITUDE in frame:
        lat = pd.to_numeric(frame[t.LATITUDE], errors="coerce").to_numpy(float)
        lon = pd.to_numeric(frame[t.LONGITUDE], errors="coerce").to_numpy(float)
        located = np.isfinite(lat) & np.isfinite(lon)
        if located.any():
            curve = hilbert_index(lat, lon)
            fine = np.where(located, curve, fine + (1 << 40))  # located first, then by postal code
    ids = _sort_codes(frame[t.ACCOUNT_ID])
    order = np.lexsort((ids, fine, keys[1], keys[0]))
    rank = np.empty(len(frame), dtype=np.int64)
    rank[order] = np.arange(len(frame))
    return rank


def _sort_codes(values: pd.Series) -> np.ndarray:
    """Integer codes in sorted order of the text; empty and missing last."""
    text = values.astype(ARROW_TEXT).fillna("").str.strip()
    codes, uniques = pd.factorize(text, sort=True)
    codes = codes.astype(np.int64)
    if "" in set(uniques):
        codes[(text == "").to_numpy()] = len(uniques)
    return codes


def hilbert_index(lat: np.ndarray, lon: np.ndarray, bits: int = 16) -> np.ndarray:
    """The place of each point along a Hilbert curve over the globe (nearby points, nearby places).

    Hand-written (the classic xy2d walk, vectorised): a few lines, where a curve library
    would be one more dependency for one function.

    On a 2 × 2 grid the curve visits the four quarters of the globe in a U:

    >>> hilbert_index(np.array([-45., 45, 45, -45]), np.array([-90., -90, 90, 90]), bits=1).tolist()
    [0, 1, 2, 3]
    """
    side = 1 << bits
    x = np.clip(((np.nan_to_num(lon) + 180) / 360 * side).astype(np.int64), 0, side - 1)
    y = np.clip(((np.nan_to_num(lat) + 90) / 180 * side).astype(np.int64), 0, side - 1)
    d = np.zeros_like(x)
    s = side >> 1
    while s > 0:
        rx = ((x & s) > 0).astype(np.int64)
        ry = ((y & s) > 0).astype(np.int64)
        d += s * s * ((3 * rx) ^ ry)
        flip = ry == 0
        swap_x = np.where(flip & (rx == 1), s - 1 - x, x)
        swap_y = np.where(flip & (rx == 1), s - 1 - y, y)
        x, y = np.where(flip, swap_y, swap_x), np.where(flip, swap_x, swap_y)
        s >>= 1
    return d


def cell_names(frame: pd.DataFrame) -> pd.Series:
    """Each account's map cell: country and state ("US-CA") when it has a state, else country.

    >>> cell_names(pd.DataFrame({"country": ["US", "FR", None], "state": ["CA", None, None]})).tolist()
    ['US-CA', 'FR', 'unknown']
    """
    country = frame[t.COUNTRY].astype(ARROW_TEXT).fillna("") if t.COUNTRY in frame else \
        pd.Series([""] * len(frame), dtype=ARROW_TEXT)
    state = frame[t.STATE].astype(ARROW_TEXT).fillna("") if t.STATE in frame else \
        pd.Series([""] * len(frame), dtype=ARROW_TEXT)
    cell = (country + "-" + state).where(state != "", country)
    return cell.where(cell != "", "unknown")


def segment_units(frame: pd.DataFrame, *, keep_by: str = "accounts") -> SegmentUnits:
    """Units of one segment's accounts: each family (``family_id``) one unit, else each account.

    `frame` has ``account_id``, ``potential``, ``workload_hours``, ``arr`` and optionally
    ``family_id``, ``owner_id`` and geography. A unit's home is the owner holding most of its
    `keep_by` (accounts or arr); owners are numbered by what they hold, largest first.

    >>> frame = pd.DataFrame({"account_id": ["a", "b", "c"], "family_id": ["a", "a", "c"],
    ...     "potential": [1., 2., 3.], "workload_hours": [10., 10., 10.], "arr": [5., 0., 1.],
    ...     "owner_id": ["u1", "u2", "u2"], "state": ["CA", "CA", "NY"], "country": "US"})
    >>> built = segment_units(frame)
    >>> built.units.potential.tolist(), built.units.accounts.tolist(), built.owners
    ([3.0, 3.0], [2, 1], ['u2', 'u1'])
    >>> built.units.home.tolist(), built.account_unit.tolist()
    ([0, 0], [0, 0, 1])
    """
    n = len(frame)
    family = frame[t.FAMILY_ID] if t.FAMILY_ID in frame else frame[t.ACCOUNT_ID]
    family = family.astype(ARROW_TEXT).fillna(frame[t.ACCOUNT_ID].astype(ARROW_TEXT))
    account_unit, _ = pd.factorize(family, sort=False)
    n_units = int(account_unit.max()) + 1 if n else 0
    potential = np.nan_to_num(frame[t.POTENTIAL].to_numpy(float)).clip(min=0)
    workload = np.nan_to_num(frame[WORKLOAD].to_numpy(float)).clip(min=0)
    arr = np.nan_to_num(frame[t.ARR].to_numpy(float)).clip(min=0)
    keep = arr if keep_by == "arr" else np.ones(n)
    rank = geographic_rank(frame)
    cells = cell_names(frame)
    cell_code, cell_list = pd.factorize(cells, sort=True)
    # a unit sits where its heaviest account (by potential, then first in order) sits
    lead = pd.DataFrame({"unit": account_unit, "p": potential, "i": np.arange(n)}) \
        .sort_values(["unit", "p", "i"], ascending=[True, False, True], kind="stable") \
        .drop_duplicates("unit")["i"].to_numpy()
    owners: list[str] = []
    home = np.full(n_units, -1, dtype=np.int64)
    if t.OWNER_ID in frame and frame[t.OWNER_ID].notna().any():
        owner = frame[t.OWNER_ID].astype(ARROW_TEXT)
        held = pd.DataFrame({"owner": owner, "keep": keep, "unit": account_unit}).dropna()
        held = held[held.owner.str.strip() != ""]
        totals = held.groupby("owner").keep.sum()
        owners = sorted(totals.index, key=lambda o: (-totals[o], o))
        number = {o: i for i, o in enumerate(owners)}
        per_unit = held.groupby(["unit", "owner"], as_index=False).keep.sum()
        per_unit["number"] = per_unit.owner.map(number)
        per_unit = per_unit.sort_values(["unit", "keep", "number"], ascending=[True, False, True],
                                        kind="stable").drop_duplicates("unit")
        home[per_unit.unit.to_numpy()] = per_unit.number.to_numpy()
        # only the accounts the home owner holds stay with their owner when the unit stays home
        numbered = owner.map(number).to_numpy(dtype=float, na_value=np.nan)
        with_home_owner = numbered == home[account_unit]
    else:
        with_home_owner = np.ones(n, dtype=bool)
    units = Units(
        potential=np.bincount(account_unit, potential, n_units),
        workload=np.bincount(account_unit, workload, n_units),
        accounts=np.bincount(account_unit, minlength=n_units),
        keep=np.bincount(account_unit, np.where(with_home_owner, keep, 0.0), n_units),
        cell=cell_code[lead].astype(np.int64),
        rank=rank[lead].astype(float),
        home=home,
        keep_total=float(keep.sum()),
    )
    return SegmentUnits(units, account_unit, owners, list(cell_list))


def carve_out_candidates(frame: pd.DataFrame, built: SegmentUnits, k: int) -> pd.DataFrame:
    """Units above `CARVE_OUT_SHARE` of a mean territory: named-account candidates, largest first.

    Thirty accounts in three territories, one with potential 20 and the rest 1 each: the
    first alone is 20 / (49 / 3) = 1.224 of a mean territory.

    >>> frame = pd.DataFrame({"account_id": [f"a{i:02d}" for i in range(30)],
    ...     "potential": [20.0] + [1.0] * 29, "workload_hours": [1.0] * 30, "arr": [0.0] * 30})
    >>> carve_out_candidates(frame, segment_units(frame), 3).values.tolist()
    [['a00', 1, 1.224]]
    """
    share = granularity_floor(built.units, k)
    big = np.flatnonzero(share > CARVE_OUT_SHARE)
    family = frame[t.FAMILY_ID] if t.FAMILY_ID in frame else frame[t.ACCOUNT_ID]
    lead = pd.Series(family.to_numpy()).groupby(built.account_unit).first()
    rows = pd.DataFrame({"family_id": lead.reindex(big).to_numpy(),
                         "accounts": built.units.accounts[big],
                         "share_of_mean_territory": share[big].round(3)})
    return rows.sort_values(["share_of_mean_territory", "family_id"], ascending=[False, True],
                            kind="stable").reset_index(drop=True)


OPTIONAL_FIGURES = ("kept_accounts_share", "kept_arr_share", "granularity_floor", "lower_bound")
GEOGRAPHY = (t.FAMILY_ID, t.COUNTRY, t.STATE, t.POSTAL_CODE, t.LATITUDE, t.LONGITUDE)


@dataclass
class CarvedTerritories:
    """Every table a carving writes, as pandas, in a stated order, and notes for the run."""

    territories: pd.DataFrame
    balance: pd.DataFrame
    disruption: pd.DataFrame
    summary: pd.DataFrame
    states: pd.DataFrame
    crm_update: pd.DataFrame
    notes: list[str]


def territory_counts(rows: pd.DataFrame, plan: TerritoryPlan,
                     reps_needed: pd.DataFrame | None = None) -> dict[str, int]:
    """Territories per segment: `plan.count` (one number or by segment), else the capacity
    plan's reps needed, else the owners holding the segment's accounts today.

    >>> rows = pd.DataFrame({"segment": ["A", "A", "B"], "owner_id": ["u1", "u2", "u1"]})
    >>> territory_counts(rows, TerritoryPlan(count={"A": 3}))
    {'A': 3, 'B': 1}
    """
    counts = {}
    reps = ({} if reps_needed is None
            else reps_needed.groupby(t.SEGMENT)["reps_needed"].sum().to_dict())
    owners = rows.groupby(t.SEGMENT)[t.OWNER_ID].nunique().to_dict() if t.OWNER_ID in rows \
        else {}
    for segment in sorted(rows[t.SEGMENT].dropna().unique()):
        if isinstance(plan.count, int):
            counts[segment] = plan.count
        elif isinstance(plan.count, dict) and segment in plan.count:
            counts[segment] = plan.count[segment]
        elif reps.get(segment):
            counts[segment] = int(reps[segment])
        else:
            counts[segment] = max(int(owners.get(segment, 0)), 1)
    return counts


def carve_territories(rows: pd.DataFrame, plan: TerritoryPlan, counts: dict[str, int],
                      *, progress=None, strict: bool = False) -> CarvedTerritories:
    """Carve each segment of `rows` (one row per account) into its count of territories.

    Parameters
    ----------
    rows : pandas.DataFrame
        ``account_id``, ``segment``, ``potential``, ``workload_hours``, ``arr``, and
        optionally ``owner_id``, ``family_id`` and the geography columns.
    plan : TerritoryPlan
        The ``territories:`` settings (tolerance, keep_share, keep_by, segments, CRM headers).
    counts : dict of str to int
        Territories per segment (`territory_counts`).
    progress : callable, optional
        Called with each segment's name before it is carved.
    strict : bool
        Raise `TerritoryError` for a request no carving can meet (also when ``plan.strict``);
        by default the segment is carved with the closest feasible setting instead, and a
        note says so.

    Returns
    -------
    CarvedTerritories
        ``territories`` (account → territory → rep, by account_id), ``balance`` (per
        territory), ``disruption`` (per rep), ``summary`` (per segment), ``states`` (accounts
        and territories per state or country) and ``crm_update`` (Id, territory and owner
        under the configured headers).

    Examples
    --------
    u1 holds a, b and c (potential 7), u2 holds d (3); only {a, b} and {c, d} balance:

    >>> rows = pd.DataFrame({"account_id": list("abcd"), "segment": "ENT",
    ...     "potential": [4.0, 1.0, 2.0, 3.0], "workload_hours": [10.0] * 4, "arr": [1.0] * 4,
    ...     "owner_id": ["u1", "u1", "u1", "u2"], "state": "CA", "country": "US"})
    >>> out = carve_territories(rows, TerritoryPlan(tolerance=0.0, keep_share=0.5), {"ENT": 2})
    >>> out.territories[["account_id", "owner_id", "kept_owner"]].values.tolist()
    [['a', 'u1', True], ['b', 'u1', True], ['c', 'u2', False], ['d', 'u2', True]]
    >>> out.balance[["territory", "potential", "potential_deviation"]].values.tolist()
    [['ENT 01', 5.0, 0.0], ['ENT 02', 5.0, 0.0]]
    """
    strict = strict or plan.strict
    wanted = plan.segments or [s for s in counts if s != t.UNASSIGNED]
    for key, named in (("segments", plan.segments or []),
                       ("count", plan.count if isinstance(plan.count, dict) else {})):
        unknown = [s for s in named if s not in counts]
        if unknown:
            raise ConfigError(f"territories.{key} names {unknown[0]!r}, which no account is "
                              f"in. {closest_hint(unknown[0], counts)}")
    parts, balances, summaries, notes = [], [], [], []
    for segment in wanted:
        if progress is not None:
            progress(segment)
        frame = rows[rows[t.SEGMENT] == segment].sort_values(t.ACCOUNT_ID, kind="stable") \
            .reset_index(drop=True)
        if frame.empty:
            continue
        k = counts[segment]
        built = segment_units(frame, keep_by=plan.keep_by)
        floor = float(granularity_floor(built.units, k).max()) if k <= len(built.units) else None
        carve_outs = carve_out_candidates(frame, built, k) if floor else None
        asked = {"count": k, "tolerance": plan.tolerance, "keep_share": plan.keep_share}
        for _ in range(len(asked) + 1):  # each setting is eased at most once
            try:
                result = carve(built.units, asked["count"], tolerance=asked["tolerance"],
                               keep_share=asked["keep_share"], time_limit=plan.time_limit_seconds)
                break
            except TerritoryError as error:
                if strict or error.setting is None:
                    raise TerritoryError(f"Segment {segment!r}: {error}", setting=error.setting,
                                         closest=error.closest) from None
                notes.append(f"Segment {segment!r}: {error} Carved with territories."
                             f"{error.setting}: {error.closest} instead.")
                asked[error.setting] = error.closest
        k = asked["count"]
        per_account = result.territory[built.account_unit]
        names = [f"{segment} {i + 1:02d}" for i in range(k)]
        reps = [built.owners[i] if i < len(built.owners) else f"{OPEN_TERRITORY} {segment} {i + 1:02d}"
                for i in range(k)]
        previous = frame[t.OWNER_ID] if t.OWNER_ID in frame else pd.Series([None] * len(frame))
        part = pd.DataFrame({
            t.ACCOUNT_ID: frame[t.ACCOUNT_ID], t.SEGMENT: segment,
            TERRITORY: [names[i] for i in per_account],
            t.OWNER_ID: [reps[i] for i in per_account],
            PREVIOUS_OWNER: previous.array,  # arrays, not NumPy: text stays in Arrow's buffers
            t.FAMILY_ID: (frame[t.FAMILY_ID] if t.FAMILY_ID in frame
                          else frame[t.ACCOUNT_ID]).array,
            "cell": cell_names(frame).array,
            t.POTENTIAL: frame[t.POTENTIAL].to_numpy(float), WORKLOAD: frame[WORKLOAD].to_numpy(float),
            t.ARR: frame[t.ARR].to_numpy(float)})
        part[KEPT] = part[t.OWNER_ID].eq(part[PREVIOUS_OWNER]) & part[PREVIOUS_OWNER].notna()
        parts.append(part)
        balance = _balance(part, names, reps)
        balances.append(balance)
        families = part[part[t.FAMILY_ID] != part[t.ACCOUNT_ID]]
        split = int((families.groupby(t.FAMILY_ID)[TERRITORY].nunique() > 1).sum())
        owned = part[PREVIOUS_OWNER].notna()
        summaries.append({
            t.SEGMENT: segment, "territories": k, "accounts": len(part),
            "units": len(built.units), "families_split": split,
            "max_potential_deviation": round(result.max_potential_deviation, 4),
            "max_workload_deviation": round(result.max_workload_deviation, 4),
            "kept_accounts_share": round(float(part[KEPT].mean()), 4) if owned.any() else None,
            "kept_arr_share": (round(float(part.loc[part[KEPT], t.ARR].sum()
                                         / part[t.ARR].sum()), 4)
                               if owned.any() and part[t.ARR].sum() > 0 else None),
            "states_per_territory": round(float(balance["states"].mean()), 2),
            "granularity_floor": round(floor, 3) if floor is not None else None,
            "carve_out_candidates": ", ".join(carve_outs.family_id.astype(str).head(10))
            if carve_outs is not None else "",
            "method": result.method,
            "lower_bound": None if result.lower_bound is None else round(result.lower_bound, 4),
            "within_tolerance": bool(max(result.max_potential_deviation,
                                         result.max_workload_deviation) <= plan.tolerance + 1e-9),
            "budget_binds": result.budget_binds,
        })
        if floor is not None and floor > CARVE_OUT_SHARE:
            notes.append(f"Segment {segment!r}: its largest account or family is {floor:.0%} of "
                         f"a mean territory; consider carving out as named accounts: "
                         f"{summaries[-1]['carve_out_candidates']}.")
        if result.timed_out:
            notes.append(f"Segment {segment!r}: the search stopped at "
                         f"territories.time_limit_seconds ({plan.time_limit_seconds:g} s) before "
                         "its work limits, so a rerun on a busier or quieter machine may carve "
                         "it differently; raise the limit for the same carving every run.")
        if result.budget_binds:
            notes.append(f"Segment {segment!r}: the disruption budget binds (keep "
                         f"{asked['keep_share']:.0%}): balance stopped at "
                         f"±{max(result.max_potential_deviation, result.max_workload_deviation):.1%}"
                         f"; lower territories.keep_share to reach ±{plan.tolerance:.0%}.")
    territories = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=[t.ACCOUNT_ID, t.SEGMENT, TERRITORY, t.OWNER_ID, PREVIOUS_OWNER, t.FAMILY_ID,
                 "cell", t.POTENTIAL, WORKLOAD, t.ARR, KEPT])
    parts.clear()  # their rows are all in `territories` now (a row per account: let them go)
    territories = territories.sort_values(t.ACCOUNT_ID, kind="stable", ignore_index=True)
    columns = plan.crm_columns
    crm = pd.DataFrame({columns.id: territories[t.ACCOUNT_ID],
                        columns.territory: territories[TERRITORY],
                        columns.owner: territories[t.OWNER_ID].where(
                            ~territories[t.OWNER_ID].str.startswith(OPEN_TERRITORY, na=False))})
    states = (territories.groupby([t.SEGMENT, "cell"])
              .agg(accounts=(t.ACCOUNT_ID, "size"), territories=(TERRITORY, "nunique"),
                   potential=(t.POTENTIAL, "sum")).reset_index()
              .sort_values([t.SEGMENT, "cell"], kind="stable").reset_index(drop=True))
    states[t.POTENTIAL] = states[t.POTENTIAL].round(2)
    return CarvedTerritories(
        territories=territories.drop(columns=["cell", t.POTENTIAL, WORKLOAD]),
        balance=pd.concat(balances, ignore_index=True) if balances else pd.DataFrame(),
        disruption=_disruption(territories),
        summary=pd.DataFrame(summaries), states=states, crm_update=crm, notes=notes)


def _balance(part: pd.DataFrame, names: list[str], reps: list[str]) -> pd.DataFrame:
    """Per territory: accounts, potential, workload, ARR, their deviations and its states."""
    grouped = part.groupby(TERRITORY)
    balance = pd.DataFrame({TERRITORY: names, t.OWNER_ID: reps})
    balance[t.SEGMENT] = part[t.SEGMENT].iloc[0]
    balance["accounts"] = balance[TERRITORY].map(grouped.size()).fillna(0).astype("int64")
    for column in (t.POTENTIAL, WORKLOAD, t.ARR):
        # whole cents: totals do not depend on the order they are added in
        cents = (part[column] * 100).round().astype("int64").groupby(part[TERRITORY]).sum()
        balance[column] = balance[TERRITORY].map(cents).fillna(0) / 100
    for column, name in ((t.POTENTIAL, "potential_deviation"), (WORKLOAD, "workload_deviation"),
                         ("accounts", "accounts_deviation")):
        mean = balance[column].mean()
        balance[name] = (balance[column] / mean - 1).round(4) if mean else 0.0
    balance["states"] = balance[TERRITORY].map(grouped["cell"].nunique()).fillna(0).astype("int64")
    balance["main_state"] = balance[TERRITORY].map(
        grouped["cell"].agg(lambda cells: cells.value_counts().sort_index()
                            .sort_values(ascending=False, kind="stable").index[0]))
    return balance[[t.SEGMENT, TERRITORY, t.OWNER_ID, "accounts", t.POTENTIAL, WORKLOAD, t.ARR,
                    "potential_deviation", "workload_deviation", "accounts_deviation", "states",
                    "main_state"]]


def _disruption(territories: pd.DataFrame) -> pd.DataFrame:
    """Per segment and rep: accounts and ARR held before, kept, lost and gained."""
    columns = [t.SEGMENT, t.OWNER_ID, "accounts_before", "accounts_kept", "accounts_lost",
               "accounts_gained", "arr_lost", "arr_gained"]
    if territories.empty:
        return pd.DataFrame(columns=columns)
    cents = (territories[t.ARR].fillna(0) * 100).round().astype("int64")
    # the four columns it counts, not copies of every column: a row per account at 1M
    # accounts, and this ran while the carving's own tables were still held
    narrow = pd.DataFrame({t.SEGMENT: territories[t.SEGMENT], KEPT: territories[KEPT],
                           "cents": cents})
    before = narrow.assign(rep=territories[PREVIOUS_OWNER]).dropna(subset=["rep"])
    after = narrow.assign(rep=territories[t.OWNER_ID])
    keys = [t.SEGMENT, "rep"]
    held = before.groupby(keys).agg(accounts_before=(KEPT, "size"),
                                    accounts_kept=(KEPT, "sum"))
    lost = before[~before[KEPT]].groupby(keys).agg(accounts_lost=(KEPT, "size"),
                                                   arr_lost=("cents", "sum"))
    gained = after[~after[KEPT]].groupby(keys).agg(accounts_gained=(KEPT, "size"),
                                                   arr_gained=("cents", "sum"))
    table = held.join(lost, how="outer").join(gained, how="outer").fillna(0).reset_index()
    for column in ("accounts_before", "accounts_kept", "accounts_lost", "accounts_gained"):
        table[column] = table[column].astype("int64")
    for column in ("arr_lost", "arr_gained"):
        table[column] = table[column] / 100
    table = table.rename(columns={"rep": t.OWNER_ID}).sort_values(keys[:1] + [t.OWNER_ID],
                                                                 kind="stable")
    return table[columns].reset_index(drop=True)


TERRITORIES = "territories"
CRM_TERRITORY_UPDATE = "crm_territory_update"  # a row per account, as the CRM imports it
SECTION = Section("Territories", order=85, blocks=(
    Note("Each segment carved into territories balanced on potential and workload, families "
         "kept whole, as many accounts as the disruption budget asks kept with their owner."),
    Readings("territory_readings"),
    TableView("territory_summary", columns=(
        t.SEGMENT, "territories", "accounts", "max_potential_deviation",
        "max_workload_deviation", "kept_accounts_share", "families_split",
        "states_per_territory", "granularity_floor", "method", "lower_bound")),
    Chart("territory_tiles", table="territory_states", empty="No account has a state or country."),
    TableView("territory_balance", limit=60, title="Balance per territory"),
    TableView("territory_disruption", limit=60, title="Accounts and ARR changing owner, by rep"),
))


@analysis(TERRITORIES, setting="territories", after=(CAPACITY_PLAN,), section=SECTION,
          per_account=(TERRITORIES, CRM_TERRITORY_UPDATE))
def _territories(context: RunContext) -> dict[str, ir.Table]:
    """`carve_territories` over the run's accounts: one row per account fetched once."""
    plan = context.project.territories
    capacity = context.project.capacity or CapacityPlan()
    inputs = capacity_inputs(context.assignments, context.accounts, capacity)
    geography = [c for c in GEOGRAPHY if c in context.accounts.columns]
    # text in Arrow's buffers, not a Python string per value: at 1M accounts this fetch and the
    # carving's copies of its text were the run's peak
    rows = fetch_frame(inputs.join(context.accounts.select(t.ACCOUNT_ID, *geography),
                                   t.ACCOUNT_ID).order_by(t.ACCOUNT_ID), arrow_text=True)
    reps = context.results.get(CAPACITY_PLAN)
    counts = territory_counts(rows, plan, reps.to_pandas() if reps is not None else None)
    carved = carve_territories(rows, plan, counts)
    del rows  # a row per account, read no more: not held while the tables below are typed
    readings = [*carved.notes, *_stand_ins(context, inputs, plan, reps is not None)]
    return {name: in_memory(frame) for name, frame in {
        TERRITORIES: carved.territories,
        "territory_balance": carved.balance,
        "territory_disruption": carved.disruption,
        "territory_summary": carved.summary,
        "territory_states": carved.states,
        CRM_TERRITORY_UPDATE: carved.crm_update,
        "territory_readings": pd.DataFrame({"reading": readings or [
            "Every segment is within its tolerance."]}),
    }.items()}


def in_memory(frame: pd.DataFrame) -> ir.Table:
    """One of the carving's frames as an in-memory table for the run's engine, typed (`_typed`).

    Handed over as Arrow: DuckDB reads the Arrow-backed text as it is, and Ibis gives Spark
    the rows as pandas with Python text, which PySpark sends as Arrow; given the frame itself,
    PySpark cannot convert an Arrow-backed text column and falls back to sending it row by row
    (with a warning).

    >>> frame = pd.DataFrame({"owner_id": pd.Series(["u1", None], dtype=ARROW_TEXT)})
    >>> in_memory(frame).schema()
    ibis.Schema {
      owner_id  string
    }
    """
    return ibis.memtable(pa.Table.from_pandas(_typed(frame), preserve_index=False))


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with its text columns as text (`ARROW_TEXT`) and the optional figures as floats,
    even when every value is missing (an engine cannot store a column of no type). Typed in
    place, one column at a time: the frames are the carving's own, and a copy of a row per
    account is hundreds of MB at a million accounts.

    >>> _typed(pd.DataFrame({"owner_id": [None], "lower_bound": [None]})).dtypes.tolist()
    [<StringDtype(na_value=nan)>, dtype('float64')]
    """
    for column in frame.columns:
        if column in OPTIONAL_FIGURES:
            frame[column] = pd.to_numeric(frame[column], errors="raise").astype("float64")
        elif frame[column].dtype == object:
            frame[column] = frame[column].astype(ARROW_TEXT)
    return frame


def _stand_ins(context: RunContext, inputs: ir.Table, plan: TerritoryPlan,
               counted_by_capacity: bool) -> list[str]:
    """What the carving used in place of inputs the project does not have, in words."""
    said = []
    if t.POTENTIAL not in context.assignments.columns:
        said.append("No potential score: territories are balanced on ARR instead (add scores: "
                    "{potential: {}} to segmint.yaml).")
    if motion_column(context.accounts) is None:
        said.append(FLAT_WORKLOAD)
    if plan.count is None:
        said.append("Territories per segment: " + ("the capacity plan's reps needed."
                    if counted_by_capacity else "today's owners of the segment's accounts."))
    return said

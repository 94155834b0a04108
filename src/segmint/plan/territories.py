"""Territories: each segment's accounts carved into balanced territories, and the tables that say so.

One row per account is fetched from the engine once (at 100k accounts, a few MB), families are
made whole units, and `segmint.plan.carving` does the work in NumPy. The outputs are small
pandas tables: ``territories`` (account → territory → rep), ``territory_balance``,
``territory_disruption``, ``territory_summary`` and the CRM update file.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from segmint import tables as t
from segmint.plan.carving import CARVE_OUT_SHARE, Units, carve, granularity_floor

TERRITORY = "territory"
PREVIOUS_OWNER = "previous_owner_id"
WORKLOAD = "workload_hours"
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
    text = values.astype("string").fillna("").str.strip()
    codes, uniques = pd.factorize(text, sort=True)
    codes = codes.astype(np.int64)
    if "" in set(uniques):
        codes[text.to_numpy() == ""] = len(uniques)
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
    country = frame[t.COUNTRY].astype("string").fillna("") if t.COUNTRY in frame else \
        pd.Series([""] * len(frame), dtype="string")
    state = frame[t.STATE].astype("string").fillna("") if t.STATE in frame else \
        pd.Series([""] * len(frame), dtype="string")
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
    family = family.astype("string").fillna(frame[t.ACCOUNT_ID].astype("string"))
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
        owner = frame[t.OWNER_ID].astype("string")
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
    """Units above `CARVE_OUT_SHARE` of a mean territory: named-account candidates, largest first."""
    share = granularity_floor(built.units, k)
    big = np.flatnonzero(share > CARVE_OUT_SHARE)
    family = frame[t.FAMILY_ID] if t.FAMILY_ID in frame else frame[t.ACCOUNT_ID]
    lead = pd.Series(family.to_numpy()).groupby(built.account_unit).first()
    rows = pd.DataFrame({"family_id": lead.reindex(big).to_numpy(),
                         "accounts": built.units.accounts[big],
                         "share_of_mean_territory": share[big]})
    return rows.sort_values(["share_of_mean_territory", "family_id"], ascending=[False, True],
                            kind="stable").reset_index(drop=True)


__all__ = ["carve", "segment_units", "carve_out_candidates", "geographic_rank", "hilbert_index"]

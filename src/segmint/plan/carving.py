"""The territory-carving solver: units (accounts or whole families) into K balanced territories, in NumPy.

Engine-free and table-free: `segmint.plan.territories` fetches one row per account, builds
`Units` and reads the answer back. The method, in order:

1. a geography-aware constructive start: units sorted along a geographic order (country,
   state, then postal code or a Hilbert curve through the coordinates) and cut into K runs of
   equal combined weight; or, when accounts have owners, each owner's current book;
2. local moves: the territory furthest off balance gives a unit to, or takes one from, a
   territory it shares a state with (another nearby territory only when none helps), picking
   the move that reduces the squared deviations the most per unit of disruption, until every
   territory is within the tolerance, the disruption budget is spent or the time is up;
3. on small problems an exact MIP (HiGHS, through `scipy.optimize.milp`) that either improves
   the answer or proves how far from the optimum it is (its lower bound).
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import os
import sys
import time
from dataclasses import dataclass

import numpy as np

from segmint.exceptions import SegmintError

TARGET_SHARE_OF_TOLERANCE = 0.97  # stop a little inside the tolerance, not exactly on it
CARVE_OUT_SHARE = 0.2  # a unit above this share of a mean territory deserves its own rep
EXACT_SIZE = 4_000  # units × territories up to which the exact MIP runs
SPREAD_WEIGHT = 0.05  # weight of the plain squared deviation beside what lies beyond the band
WIDER = (2, 6, 16, 64)  # territories either side along the geographic order, tried in turn
PARTNERS = 4  # territories a move is sought with, of those sharing a state
# Work limits, not clock limits, decide where the search stops, so the same input gives the
# same territories on a busy machine and a quiet one; the time limit only guards against a
# search far beyond them, and the run notes say when it stopped one (`Carving.timed_out`).
MOVES_PER_UNIT = 50  # local moves allowed per unit
EXACT_NODES = 5_000  # branch-and-bound nodes the exact MIP may explore


class TerritoryError(SegmintError, ValueError):
    """A carving cannot be done as asked: the message names the setting and the closest feasible.

    `setting` is the ``territories:`` key at fault (``count``, ``tolerance``, ``keep_share``)
    and `closest` the closest value that can be met, so a caller may carve with it instead.
    """

    def __init__(self, message: str, *, setting: str | None = None, closest=None):
        super().__init__(message)
        self.setting, self.closest = setting, closest


@dataclass
class Units:
    """What the solver balances, one entry per unit (an account, or a family kept whole).

    ``potential`` and ``workload`` are balanced; ``accounts`` counts the accounts of a unit;
    ``keep`` is what the disruption budget counts (accounts or ARR) of the unit's accounts held
    by its home owner (what stays with its owner if the unit stays home); ``cell`` is the unit's
    state (or country) as an integer; ``rank`` its place along the geographic order; ``home``
    the territory of its current owner, or -1 (no owner, or an owner not kept).
    """

    potential: np.ndarray
    workload: np.ndarray
    accounts: np.ndarray
    keep: np.ndarray
    cell: np.ndarray
    rank: np.ndarray
    home: np.ndarray
    keep_total: float | None = None  # all accounts' `keep`, when a unit's owners differ

    def __len__(self) -> int:
        return len(self.potential)

    @property
    def total_keep(self) -> float:
        """What a kept share is a share of: every account's `keep`, with its owner or not."""
        return float(self.keep.sum() if self.keep_total is None else self.keep_total)


@dataclass
class Carving:
    """The solver's answer: ``territory`` per unit and how it got there."""

    territory: np.ndarray
    max_potential_deviation: float
    max_workload_deviation: float
    kept_share: float | None  # of `keep` still with the current owner; None without owners
    method: str
    lower_bound: float | None = None  # proven floor on the max deviation (exact MIP), if any
    moves: int = 0
    budget_binds: bool = False
    timed_out: bool = False  # the time limit, not the work limits, stopped the search


def deviations(units: Units, territory: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Each territory's potential and workload as a share of the mean territory, minus one.

    >>> units = Units(*(np.array(v) for v in ([3., 1., 2.], [1., 1., 1.], [1, 1, 1], [1, 1, 1],
    ...               [0, 0, 0], [0., 1., 2.], [-1, -1, -1])))
    >>> [d.round(3).tolist() for d in deviations(units, np.array([0, 1, 1]), 2)]
    [[0.0, 0.0], [-0.333, 0.333]]
    """
    potential = np.bincount(territory, units.potential, k)
    workload = np.bincount(territory, units.workload, k)
    return (_relative(potential), _relative(workload))


def _relative(load: np.ndarray) -> np.ndarray:
    mean = load.mean()
    return load / mean - 1 if mean > 0 else np.zeros_like(load)


def granularity_floor(units: Units, k: int) -> np.ndarray:
    """Each unit's larger share (potential or workload) of a mean territory.

    A unit at 0.4 fills 40% of a territory alone; none can be balanced finer than its largest
    unit allows, so the largest value is the carving's granularity floor.

    >>> units = Units(*(np.array(v) for v in ([6., 2., 2.], [1., 1., 1.], [1, 1, 1], [1, 1, 1],
    ...               [0, 0, 0], [0., 1., 2.], [-1, -1, -1])))
    >>> granularity_floor(units, 2).round(3).tolist()
    [1.2, 0.667, 0.667]
    """
    share_p = units.potential * k / max(units.potential.sum(), 1e-300)
    share_w = units.workload * k / max(units.workload.sum(), 1e-300)
    return np.maximum(share_p, share_w)


def check_request(units: Units, k: int, tolerance: float, keep_share: float | None,
                  *, where: str = "the segment") -> None:
    """Raise `TerritoryError` for a request no carving can meet, naming the closest feasible one.

    Checks more territories than units, a tolerance below what the largest unit allows, and a
    disruption budget above what keeping the current owners can give.

    >>> units = Units(*(np.array(v) for v in ([6., 2., 2.], [1., 1., 1.], [1, 1, 1], [1, 1, 1],
    ...               [0, 0, 0], [0., 1., 2.], [-1, -1, -1])))
    >>> check_request(units, 4, 0.03, None)
    Traceback (most recent call last):
    ...
    segmint.plan.carving.TerritoryError: the segment has 3 units (accounts, families kept whole) and cannot be carved into 4 territories; the most it allows is 3 (territories.count).
    >>> check_request(units, 2, 0.03, None)
    Traceback (most recent call last):
    ...
    segmint.plan.carving.TerritoryError: the segment cannot be balanced within ±3%: its largest unit alone is 120% of a mean territory (+20%). The closest feasible tolerance is ±20% (territories.tolerance), or carve the largest accounts out as named accounts.
    """
    if k < 1:
        raise TerritoryError(f"{where}: territories.count must be at least 1, not {k}.",
                             setting="count", closest=1)
    if k > len(units):
        raise TerritoryError(
            f"{where} has {len(units)} units (accounts, families kept whole) and cannot be "
            f"carved into {k} territories; the most it allows is {len(units)} "
            "(territories.count).", setting="count", closest=len(units))
    largest = float(granularity_floor(units, k).max()) if len(units) else 0.0
    if largest - 1 > tolerance:
        closest = math.ceil((largest - 1) * 100) / 100
        raise TerritoryError(
            f"{where} cannot be balanced within ±{tolerance:.0%}: its largest unit alone is "
            f"{largest:.0%} of a mean territory (+{largest - 1:.0%}). The closest feasible "
            f"tolerance is ±{closest:.0%} (territories.tolerance), or carve the largest "
            "accounts out as named accounts.", setting="tolerance", closest=closest)
    if keep_share is not None and (units.home >= 0).any():
        best = _most_keepable(units, k, tolerance)
        if keep_share > best + 1e-12:
            closest = math.floor(best * 100) / 100
            raise TerritoryError(
                f"{where} cannot keep {keep_share:.0%} with their current owners in {k} "
                f"territor{'y' if k == 1 else 'ies'}: at most about {best:.0%} can stay (the "
                "owners kept hold that much, and any new territory must be filled from them). "
                f"The closest feasible budget is territories.keep_share: {closest:.2f}.",
                setting="keep_share", closest=closest)


def _most_keepable(units: Units, k: int, tolerance: float) -> float:
    """An upper bound on the share of `keep` that can stay home: what the kept owners hold,
    less what the territories without an owner must take from them (at their lower limit)."""
    total = units.total_keep
    if total <= 0:
        return 1.0
    at_home = units.keep[units.home >= 0].sum()
    owned = np.unique(units.home[units.home >= 0]).size
    vacancies = max(k - owned, 0)
    # a vacancy needs (1 - tolerance) of a mean territory's workload, taken from someone's book;
    # measured in `keep` through its average per unit of workload
    per_workload = total / max(units.workload.sum(), 1e-300)
    needed = vacancies * (1 - tolerance) * units.workload.sum() / k * per_workload
    released = units.keep[units.home < 0].sum()  # units without an owner fill vacancies freely
    return float(max(at_home - max(needed - released, 0.0), 0.0) / total)


def constructive(units: Units, k: int) -> np.ndarray:
    """The geography-aware greedy: units along the geographic order, cut into `k` runs of equal
    combined (potential + workload) weight.

    >>> units = Units(*(np.array(v) for v in ([1., 1., 1., 1.], [1., 1., 1., 1.], [1, 1, 1, 1],
    ...               [1, 1, 1, 1], [0, 0, 1, 1], [3., 2., 1., 0.], [-1, -1, -1, -1])))
    >>> constructive(units, 2).tolist()
    [1, 1, 0, 0]
    """
    order = np.argsort(units.rank, kind="stable")
    weight = _combined(units)[order]
    middle = np.cumsum(weight) - weight / 2  # a unit goes where its middle falls
    cut = np.minimum((middle / weight.sum() * k).astype(np.int64), k - 1)
    territory = np.empty(len(units), dtype=np.int64)
    territory[order] = cut
    return _fill_empty(units, territory, k)


def _combined(units: Units) -> np.ndarray:
    return (units.potential / max(units.potential.sum(), 1e-300)
            + units.workload / max(units.workload.sum(), 1e-300))


def _fill_empty(units: Units, territory: np.ndarray, k: int, window: int = 3) -> np.ndarray:
    """Give every empty territory a share of the heaviest run of `window` neighbouring
    territories (along the geographic order): their units are cut again into `window` + 1
    runs of equal weight, each run going to the territory that held most of it.

    Each territory's count, load and place along the order are kept up to date for the
    territories a step touched, not worked out again over every unit: with thousands of empty
    territories at a million accounts, redoing them per step took over ten minutes.

    >>> units = Units(*(np.array(v) for v in ([1.] * 4, [1.] * 4, [1] * 4, [1] * 4, [0] * 4,
    ...               [0., 1., 2., 3.], [0] * 4)))
    >>> _fill_empty(units, np.array([0, 0, 0, 0]), 2, window=1).tolist()
    [0, 0, 1, 1]
    """
    from scipy import optimize  # imported here: a run without territories never needs SciPy
    weight = _combined(units)
    counts = np.bincount(territory, minlength=k)
    load = np.bincount(territory, weight, k)
    centre = _centres(units, territory, k)
    by_territory = np.argsort(territory, kind="stable")
    bounds = np.searchsorted(territory[by_territory], np.arange(k + 1))
    held = [by_territory[bounds[i]:bounds[i + 1]] for i in range(k)]  # each in unit order
    for empty in np.flatnonzero(counts == 0):
        along = np.argsort(centre, kind="stable")
        along = along[counts[along] > 0]  # empty territories have no place yet
        width = min(window, along.size)
        sums = np.convolve(load[along], np.ones(width), mode="valid")
        group = along[int(np.argmax(sums)):int(np.argmax(sums)) + width]
        members = np.sort(np.concatenate([held[g] for g in group]))
        if members.size < width + 1:
            continue  # too few units to share: the territory stays empty
        members = members[np.argsort(units.rank[members], kind="stable")]
        middle = np.cumsum(weight[members]) - weight[members] / 2
        cut = np.minimum((middle / weight[members].sum() * (width + 1)).astype(np.int64), width)
        # each run to the territory holding most of it; the run left over to the empty one
        overlap = np.zeros((width + 1, width))
        np.add.at(overlap, (cut, np.searchsorted(np.sort(group), territory[members])),
                  weight[members])
        runs, owners = optimize.linear_sum_assignment(overlap, maximize=True)
        target = np.full(width + 1, empty)
        target[runs] = np.sort(group)[owners]
        territory[members] = target[cut]
        # the touched territories' figures, from their units in the order bincount adds them
        touched = np.append(group, empty)
        units_of = np.sort(members)
        counts[touched] = np.bincount(territory[units_of], minlength=k)[touched]
        load[touched] = np.bincount(territory[units_of], weight[units_of], k)[touched]
        centre[touched] = _centres(units, territory, k, units_of)[touched]
        for changed in touched:
            held[changed] = units_of[territory[units_of] == changed]
    return territory


def match_owners(units: Units, territory: np.ndarray, k: int) -> np.ndarray:
    """Renumber territories so each goes to the owner already holding most of it (Hungarian
    assignment on the `keep` they share); unmatched territories keep numbers no owner has.

    >>> units = Units(*(np.array(v) for v in ([1.] * 4, [1.] * 4, [1] * 4, [1] * 4, [0] * 4,
    ...               [0., 1., 2., 3.], [1, 1, 0, 0])))
    >>> match_owners(units, np.array([0, 0, 1, 1]), 2).tolist()
    [1, 1, 0, 0]
    """
    from scipy import optimize
    owned = units.home >= 0
    if not owned.any():
        return territory
    overlap = np.zeros((k, k))
    inside = owned & (units.home < k)
    np.add.at(overlap, (territory[inside], units.home[inside]), units.keep[inside])
    rows, cols = optimize.linear_sum_assignment(overlap, maximize=True)
    renumber = np.empty(k, dtype=np.int64)
    renumber[rows] = cols
    return renumber[territory]


def start_from_owners(units: Units, k: int) -> np.ndarray:
    """Each unit with its current owner's territory; the others to the territory in their
    state that is furthest under its share (or the nearest along the geographic order); a
    territory with no owner takes half of the heaviest book.

    >>> units = Units(*(np.array(v) for v in ([1., 1., 1., 1.], [1., 1., 1., 1.], [1, 1, 1, 1],
    ...               [1, 1, 1, 1], [0, 0, 1, 1], [0., 1., 2., 3.], [0, 0, 0, -1])))
    >>> start_from_owners(units, 2).tolist()
    [0, 0, 1, 1]
    """
    territory = units.home.astype(np.int64).copy()
    homeless = np.flatnonzero(territory < 0)
    if homeless.size and homeless.size < len(units):
        weight = _combined(units)
        housed = np.flatnonzero(territory >= 0)
        load = np.bincount(territory[housed], weight[housed], k)
        by_rank = housed[np.argsort(units.rank[housed], kind="stable")]
        # the territories present in each state, looked up once (not a scan per unit)
        pairs = np.unique(np.stack([units.cell[housed], territory[housed]]), axis=1)
        starts = np.searchsorted(pairs[0], np.arange(int(units.cell.max()) + 2))
        spots = np.searchsorted(units.rank[by_rank], units.rank[homeless])
        nearest = dict(zip(homeless.tolist(), spots.tolist(), strict=True))
        for unit in homeless[np.argsort(-weight[homeless], kind="stable")]:
            cell = units.cell[unit]
            candidates = pairs[1, starts[cell]:starts[cell + 1]]
            if candidates.size == 0:  # no one works its state: the neighbours along the order
                spot = nearest[int(unit)]
                candidates = territory[by_rank[max(spot - 1, 0):spot + 1]]
            target = int(candidates[np.argmin(load[candidates])])
            territory[unit] = target
            load[target] += weight[unit]
    elif homeless.size:
        return constructive(units, k)
    return _fill_empty(units, territory, k)


def local_moves(units: Units, territory: np.ndarray, k: int, *, tolerance: float,
                budget: float | None, time_limit: float,
                partners: int = PARTNERS) -> tuple[np.ndarray, int, bool]:
    """Move units between neighbouring territories until all are within `tolerance`.

    `budget` is the most `keep` that may end away from its home territory (None: no limit).
    Returns the new territory per unit, the number of moves made and whether the budget
    stopped it short of the tolerance. At most `MOVES_PER_UNIT` moves per unit are made;
    `time_limit` seconds only guard against a search beyond that (then, and only then, a busy
    machine may stop it earlier than a quiet one: the moves made say so).

    Each step takes the territory furthest off balance and, among the `partners` territories
    sharing a state with it whose deviations differ most from its own, the one move (a unit
    either way) that lowers Σ (potential deviation² + workload deviation²) the most per unit of
    disruption; a unit may only join a territory already holding its state, unless no such
    move helps, when the territories next to it along the geographic order are tried.
    Hand-written: no library does balanced districting with a disruption budget at this
    size (an exact MIP does not finish at K = 200, see `exact`).

    >>> units = Units(*(np.array(v) for v in ([1.] * 4, [1.] * 4, [1] * 4, [1] * 4, [0] * 4,
    ...               [0., 1., 2., 3.], [0, 0, 0, 1])))
    >>> territory, moves, blocked = local_moves(units, units.home, 2, tolerance=0.0, budget=1.0,
    ...                                         time_limit=5)
    >>> np.bincount(territory).tolist(), moves, blocked
    ([2, 2], 1, False)
    """
    deadline = time.perf_counter() + time_limit
    territory = territory.copy()
    state = _MoveState(units, territory, k, budget, band=tolerance * TARGET_SHARE_OF_TOLERANCE)
    target = tolerance * TARGET_SHARE_OF_TOLERANCE
    stuck = np.zeros(k, dtype=bool)
    moves, moves_at_reset = 0, 0
    geo_order, place = _order_neighbours(units, territory, k)
    max_moves = MOVES_PER_UNIT * len(units)
    while moves < max_moves and time.perf_counter() < deadline:
        off = np.abs(state.load).max(axis=0)
        off[stuck] = -1.0
        worst = int(np.argmax(off))
        if off[worst] <= target:
            if not stuck.any() or moves == moves_at_reset:
                break
            stuck[:] = False  # moves since may have opened a way out for the stuck ones
            moves_at_reset = moves
            geo_order, place = _order_neighbours(units, territory, k)
            continue
        cells = np.flatnonzero(state.presence[:, worst])
        sharing = np.flatnonzero(state.presence[cells].any(axis=0))
        best = state.best_move(worst, state.closest_partners(worst, sharing, partners),
                               same_cell=True)
        for width in WIDER:  # a region short as a whole draws from further along the order
            if best is not None:
                break
            near = geo_order[max(place[worst] - width, 0):place[worst] + width + 1]
            best = state.best_move(worst, state.closest_partners(worst, near, partners),
                                   same_cell=False)
        if best is None:
            stuck[worst] = True
            continue
        source, destination = state.move(*best)
        stuck[[source, destination]] = False
        moves += 1
        if moves % 256 == 0:
            geo_order, place = _order_neighbours(units, territory, k)
    return territory, moves, state.blocked_by_budget


def _penalty(deviation, band):
    """What a territory's deviation costs: the square of what lies beyond the band, plus a
    little of its square, so that within the band load still drifts towards the mean."""
    beyond = np.maximum(np.abs(deviation) - band, 0.0)
    return beyond * beyond + SPREAD_WEIGHT * deviation * deviation


def _both(penalties):
    """Potential's and workload's penalties added (rows 0 and 1)."""
    return penalties[0] + penalties[1]


class _MoveState:
    """The loads, members and state presence of each territory, kept current move by move."""

    def __init__(self, units: Units, territory: np.ndarray, k: int, budget: float | None,
                 band: float):
        self.units, self.territory, self.budget, self.band = units, territory, budget, band
        self.x = units.potential * k / max(units.potential.sum(), 1e-300)  # of a mean territory
        self.y = units.workload * k / max(units.workload.sum(), 1e-300)
        self.shares = np.stack([self.x, self.y])
        self.load = np.stack([np.bincount(territory, self.x, k),
                              np.bincount(territory, self.y, k)]) - 1
        n_cells = int(units.cell.max()) + 1 if len(units) else 1
        self.presence = np.zeros((n_cells, k), dtype=np.int64)
        np.add.at(self.presence, (units.cell, territory), 1)
        order = np.argsort(territory, kind="stable")
        bounds = np.searchsorted(territory[order], np.arange(k + 1))
        self.members = [order[bounds[t]:bounds[t + 1]] for t in range(k)]
        has_home = units.home >= 0
        self.away = float(units.keep[has_home & (territory != units.home)].sum())
        self.blocked_by_budget = False  # an improving move was turned down for the budget
        self.cost_floor = 0.05 * max(float(units.keep[has_home].mean()) if has_home.any()
                                     else 1.0, 1e-12)

    def closest_partners(self, worst: int, candidates: np.ndarray, count: int) -> np.ndarray:
        """The `count` candidates whose deviations differ most from `worst`'s."""
        candidates = candidates[candidates != worst]
        if candidates.size <= count:
            return candidates
        gap = ((self.load[:, candidates] - self.load[:, worst, None]) ** 2).sum(axis=0)
        return candidates[np.argpartition(-gap, count - 1)[:count]]

    def best_move(self, worst: int, others: np.ndarray, *, same_cell: bool):
        """The best single move between `worst` and one of `others`: (unit, from, to, cost)."""
        others = others[others != worst]
        if others.size == 0:
            return None
        units, band = self.units, self.band
        load = self.load  # (2, k): potential and workload deviations
        mine = self.members[worst]
        now = _both(_penalty(load[:, worst], band))
        # give one of ours to a partner (a mine × others grid) when over, take one of theirs
        # when under; both when potential and workload pull opposite ways
        over, under = (load[:, worst] > -band).all(), (load[:, worst] < band).all()
        give = np.empty((0, others.size))
        if over or not under:
            shares = self.shares[:, mine][:, :, None]  # (2, mine, 1)
            give = (_both(_penalty(load[:, worst, None, None] - shares, band))
                    + _both(_penalty(load[:, None, others] + shares, band))
                    - now - _both(_penalty(load[:, others], band)))
            if same_cell:
                give = np.where(self.presence[units.cell[mine][:, None], others] > 0, give,
                                np.inf)
        else:
            mine = mine[:0]
        if under or not over:
            theirs = np.concatenate([self.members[t] for t in others])
        else:
            theirs = mine[:0]
        source = self.territory[theirs]
        shares = self.shares[:, theirs]
        take = (_both(_penalty(load[:, source] - shares, band))
                + _both(_penalty(load[:, worst, None] + shares, band))
                - _both(_penalty(load[:, source], band)) - now)
        if same_cell:
            take = np.where(self.presence[units.cell[theirs], worst] > 0, take, np.inf)
        unit = np.concatenate([np.repeat(mine, others.size), theirs])
        delta = np.concatenate([give.ravel(), take])
        ok = delta < -1e-15
        if not ok.any():
            return None
        candidates = np.flatnonzero(ok)
        unit = unit[candidates]
        give_count = mine.size * others.size
        source = np.where(candidates < give_count, worst,
                          np.concatenate([np.full(give_count, worst), source])[candidates])
        destination = np.where(candidates < give_count, others[candidates % others.size], worst)
        home = units.home[unit]
        cost = np.where(home >= 0, units.keep[unit] * ((source == home).astype(float)
                                                       - (destination == home)), 0.0)
        score = -delta[candidates] / (np.maximum(cost, 0.0) + self.cost_floor)
        if self.budget is not None:
            score[self.away + cost > self.budget + 1e-9] = -np.inf
            if not np.isfinite(score).any():
                self.blocked_by_budget = True
                return None
        pick = int(np.argmax(score))
        return int(unit[pick]), int(source[pick]), int(destination[pick]), float(cost[pick])

    def move(self, unit: int, source: int, destination: int, cost: float) -> tuple[int, int]:
        self.territory[unit] = destination
        self.load[:, source] -= self.shares[:, unit]
        self.load[:, destination] += self.shares[:, unit]
        cell = self.units.cell[unit]
        self.presence[cell, source] -= 1
        self.presence[cell, destination] += 1
        self.members[source] = self.members[source][self.members[source] != unit]
        self.members[destination] = np.append(self.members[destination], unit)
        self.away += cost
        return source, destination


def _order_neighbours(units: Units, territory: np.ndarray, k: int):
    """The territories along the geographic order (by the median place of their units), and
    each territory's place in it."""
    along = np.argsort(_centres(units, territory, k), kind="stable")
    place = np.empty(k, dtype=np.int64)
    place[along] = np.arange(k)
    return along, place


def _centres(units: Units, territory: np.ndarray, k: int,
             among: np.ndarray | None = None) -> np.ndarray:
    """Each territory's median place along the geographic order (``units.rank``), from the
    units `among` (default all); infinite for a territory with none of them.

    One sort for every territory, the medians read at the middle positions (the mean of the
    two middle ranks for an even count, as ``numpy.median`` gives it).

    >>> units = Units(*(np.array(v) for v in ([1.] * 4, [1.] * 4, [1] * 4, [1] * 4, [0] * 4,
    ...               [3., 1., 2., 7.], [0] * 4)))
    >>> _centres(units, np.array([0, 0, 0, 2]), 3).tolist()
    [2.0, inf, 7.0]
    """
    among = np.arange(len(territory)) if among is None else among
    order = among[np.lexsort((units.rank[among], territory[among]))]
    ranks, owners = units.rank[order], territory[order]
    bounds = np.searchsorted(owners, np.arange(k + 1))
    size = np.diff(bounds)
    centre = np.full(k, np.inf)
    held = size > 0
    low = bounds[:-1][held] + (size[held] - 1) // 2
    high = bounds[:-1][held] + size[held] // 2
    centre[held] = (ranks[low] + ranks[high]) / 2
    return centre


def exact(units: Units, k: int, *, budget: float | None, time_limit: float
          ) -> tuple[np.ndarray | None, float | None, float | None]:
    """The carving with the smallest largest deviation (potential or workload), by MIP.

    x[u, t] = 1 when unit u is in territory t; d is the largest deviation; each territory's
    share of potential and workload stays within 1 ± d; the units kept home stay at or above
    the budget. Solved by HiGHS through `scipy.optimize.milp` within `EXACT_NODES`
    branch-and-bound nodes (the same answer whatever the machine's load), `time_limit`
    seconds guarding beyond that. Returns (territory per unit or None, its max deviation, the
    proven lower bound).

    >>> units = Units(*(np.array(v) for v in ([4., 3., 2., 1.], [1., 1., 1., 1.], [1, 1, 1, 1],
    ...               [1, 1, 1, 1], [0, 0, 0, 0], [0., 1., 2., 3.], [-1, -1, -1, -1])))
    >>> territory, worst, bound = exact(units, 2, budget=None, time_limit=5)
    >>> sorted(map(sorted, ([u for u in range(4) if territory[u] == t] for t in (0, 1))))
    [[0, 3], [1, 2]]
    >>> round(worst, 6), round(bound, 6)
    (0.0, 0.0)
    """
    from scipy import optimize, sparse
    n = len(units)
    x = units.potential * k / units.potential.sum()
    y = units.workload * k / units.workload.sum()
    columns = n * k + 1  # x[u, t] at u * k + t, then d
    d = n * k
    rows, cols, vals, lower, upper = [], [], [], [], []

    def add(row_cols, row_vals, lo, hi):
        row = len(lower)
        rows.extend([row] * len(row_cols))
        cols.extend(row_cols)
        vals.extend(row_vals)
        lower.append(lo)
        upper.append(hi)

    everyone = np.arange(n)
    for u in range(n):
        add(list(u * k + np.arange(k)), [1.0] * k, 1.0, 1.0)
    for share in (x, y):
        for t in range(k):
            members = list(everyone * k + t)
            add([*members, d], [*share, -1.0], -np.inf, 1.0)  # load - d <= 1
            add([*members, d], [*share, 1.0], 1.0, np.inf)  # load + d >= 1
    homes = np.flatnonzero(units.home >= 0)
    objective = np.zeros(columns)
    objective[d] = 1.0
    if homes.size:
        # a small reward for staying home breaks ties towards less disruption
        objective[homes * k + units.home[homes]] = -1e-4 * units.keep[homes] / units.total_keep
        if budget is not None:
            kept_at_least = units.keep[homes].sum() - budget
            add(list(homes * k + units.home[homes]), list(units.keep[homes]), kept_at_least,
                np.inf)
    else:
        add([0], [1.0], 1.0, 1.0)  # territories are interchangeable: unit 0 is in the first
    matrix = sparse.csr_array((vals, (rows, cols)), shape=(len(lower), columns))
    integrality = np.ones(columns)
    integrality[d] = 0
    bounds = optimize.Bounds(np.zeros(columns), np.r_[np.ones(n * k), np.inf])
    with _c_stdout_silenced():
        result = optimize.milp(objective, integrality=integrality, bounds=bounds,
                               constraints=optimize.LinearConstraint(matrix, lower, upper),
                               options={"node_limit": EXACT_NODES, "time_limit": time_limit,
                                        "disp": False})
    bound = getattr(result, "mip_dual_bound", None)
    if bound is not None:  # d >= the objective's bound, as the tie-breaking reward is <= 0
        bound = max(float(bound), 0.0)
    if result.x is None:
        return None, None, bound
    territory = result.x[: n * k].reshape(n, k).argmax(axis=1)
    dp, dw = deviations(units, territory, k)
    return territory, float(max(np.abs(dp).max(), np.abs(dw).max())), bound


@contextlib.contextmanager
def _c_stdout_silenced():
    """File descriptor 1 pointed at the null device for the block.

    HiGHS, as bundled with SciPy, prints a debugging line from C++ ("HighsMipSolverData::...")
    even with ``disp`` off, which would land in the middle of the command's output; Python's
    own `sys.stdout` cannot catch it, so the descriptor itself is swapped.
    """
    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:  # no descriptor 1 (an embedded interpreter): nothing to silence
        yield
        return
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def carve(units: Units, k: int, *, tolerance: float = 0.03, keep_share: float | None = 0.9,
          time_limit: float = 30.0, exact_size: int = EXACT_SIZE) -> Carving:
    """Carve `units` into `k` territories: start, local moves, and the exact MIP when small
    and the moves left it outside `tolerance`.

    `keep_share` is the disruption budget: at least that share of `keep` stays with its home
    territory (ignored when no unit has one). Homes numbered `k` or above (owners beyond the
    territories asked for) count as no home. Raises `TerritoryError` for a request no carving
    can meet (`check_request`).

    Examples
    --------
    Six equal accounts, two owners holding four and two: one account moves, five stay.

    >>> units = Units(*(np.array(v) for v in ([1.] * 6, [1.] * 6, [1] * 6, [1] * 6, [0] * 6,
    ...               [0., 1., 2., 3., 4., 5.], [0, 0, 0, 0, 1, 1])))
    >>> result = carve(units, 2, tolerance=0.0, keep_share=0.5)
    >>> np.bincount(result.territory).tolist(), round(result.kept_share, 3)
    ([3, 3], 0.833)
    """
    if (units.home >= k).any():  # owners beyond the k territories lose their books
        units = dataclasses.replace(units, home=np.where(units.home >= k, -1, units.home))
    owned = units.home >= 0
    budget_share = keep_share if owned.any() else None
    check_request(units, k, tolerance, budget_share)
    started = time.perf_counter()
    if owned.any():
        start, method = start_from_owners(units, k), "current owners, then local moves"
        # the most `keep` of owned units that may end away from home
        budget = (None if keep_share is None
                  else units.keep[owned].sum() - keep_share * units.total_keep)
    else:
        start, method, budget = constructive(units, k), "geographic start, then local moves", None
    territory, moves, budget_hit = local_moves(units, start, k, tolerance=tolerance,
                                               budget=budget, time_limit=time_limit)
    dp, dw = deviations(units, territory, k)
    worst = float(max(np.abs(dp).max(), np.abs(dw).max()))
    bound = None
    # the MIP pays only where local moves missed the tolerance: within it, a run would spend up
    # to the time limit per segment (seconds to minutes) polishing a balance already asked for
    timed_out = time.perf_counter() - started >= time_limit
    if len(units) * k <= exact_size and worst > tolerance:
        mip_started = time.perf_counter()
        exact_territory, exact_worst, bound = exact(units, k, budget=budget,
                                                    time_limit=time_limit)
        timed_out |= time.perf_counter() - mip_started >= time_limit
        if exact_territory is not None and exact_worst < worst - 1e-9:
            territory, worst, method = exact_territory, exact_worst, "exact (HiGHS MIP)"
            dp, dw = deviations(units, territory, k)
    elif worst <= 1e-9:
        bound = 0.0
    kept = None
    if owned.any() and units.total_keep > 0:
        kept = float(units.keep[owned & (territory == units.home)].sum() / units.total_keep)
    return Carving(territory, float(np.abs(dp).max()), float(np.abs(dw).max()), kept, method,
                   lower_bound=bound, moves=moves,
                   budget_binds=bool(budget_hit and worst > tolerance), timed_out=timed_out)

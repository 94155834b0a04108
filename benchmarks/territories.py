"""Territory carving at 100k accounts × 200 territories: ours, a greedy baseline and a MIP, same input.

    .venv/bin/python benchmarks/territories.py                 # 100k accounts, 200 territories
    .venv/bin/python benchmarks/territories.py --accounts 20000 --territories 40 --mip-seconds 10

The input is synthetic and seeded: accounts spread over the US states (a few large states
hold most), lognormal potential, workload by potential tier (12, 24 or 40 hours a year), 10%
of accounts in families of 2-6 in one state (one in five families split between two owners),
and current owners holding geographic books whose sizes are drawn 30-45% off balance at the
extremes. Three methods run on it in the same process:

- **ours**: `segmint.plan.carving.carve` from the current owners (local moves, keep ≥ 90%);
- **greedy**: the geography-aware constructive start alone (`carving.constructive`), each
  territory then given to the owner already holding most of it (`carving.match_owners`);
- **MIP**: HiGHS (`scipy.optimize.milp`) on the same problem aggregated to cells of one
  state × one current owner (an exact MIP on 100k units does not fit), with a time limit; the
  gap is its own.

Nothing is asserted: figures are printed (time, max potential and workload deviation, share
of accounts keeping their owner, families split, states per territory).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from segmint import tables as t  # noqa: E402
from segmint.plan import carving  # noqa: E402
from segmint.plan.territories import WORKLOAD, segment_units  # noqa: E402

STATES = ("CA TX FL NY PA IL OH GA NC MI NJ VA WA AZ MA TN IN MO MD WI CO MN SC AL LA KY OR OK "
          "CT UT IA NV AR MS KS NM NE ID WV HI NH ME MT RI DE SD ND AK DC VT WY").split()


def synthetic_accounts(n: int, k: int, seed: int = 7) -> pd.DataFrame:
    """The benchmark's input: one row per account, with family, owner and geography."""
    rng = np.random.default_rng(seed)
    weight = 1 / np.arange(1, len(STATES) + 1) ** 0.9
    state = rng.choice(len(STATES), size=n, p=weight / weight.sum())
    # families: 10% of accounts, 2-6 members, all in the first member's state
    in_family = int(n * 0.10)
    sizes = []
    while sum(sizes) < in_family:
        sizes.append(int(rng.integers(2, 7)))
    sizes[-1] -= sum(sizes) - in_family
    sizes = [s for s in sizes if s > 0]
    family = np.arange(n).astype(object)
    start = 0
    for number, size in enumerate(sizes):
        family[start:start + size] = f"F{number:05d}"
        state[start:start + size] = state[start]
        start += size
    ids = np.array([f"A{i:06d}" for i in range(n)], dtype=object)
    family = np.where([isinstance(f, str) for f in family], family, ids)
    postal = np.array([f"{rng.integers(0, 1000):03d}" for _ in range(n)], dtype=object)
    potential = rng.lognormal(mean=10.0, sigma=1.0, size=n)
    tier = np.digitize(potential, np.quantile(potential, [1 / 3, 2 / 3]))
    workload = np.array([12.0, 24.0, 40.0])[tier]
    frame = pd.DataFrame({
        t.ACCOUNT_ID: ids, t.FAMILY_ID: family, t.COUNTRY: "US",
        t.STATE: np.array(STATES, dtype=object)[state], t.POSTAL_CODE: postal,
        t.POTENTIAL: potential, WORKLOAD: workload, t.ARR: potential * rng.uniform(0, 0.6, n),
    })
    frame[t.OWNER_ID] = _owners_off_balance(frame, k, rng)
    return frame


def _owners_off_balance(frame: pd.DataFrame, k: int, rng) -> np.ndarray:
    """Geographic books whose sizes are drawn so the extremes are 30-45% off the mean."""
    built = segment_units(frame.assign(**{t.OWNER_ID: None}))
    units = built.units
    order = np.argsort(units.rank, kind="stable")
    size = np.clip(1 + rng.normal(0, 0.13, k), 0.55, 1.45)
    weight = (units.potential / units.potential.sum() + units.workload / units.workload.sum())
    cumulative = np.cumsum(weight[order]) / weight.sum()
    edges = np.cumsum(size) / size.sum()
    book = np.minimum(np.searchsorted(edges, cumulative), k - 1)
    owner_of_unit = np.empty(len(units), dtype=np.int64)
    owner_of_unit[order] = book
    owner = owner_of_unit[built.account_unit]
    # one family in five split between two owners, as CRMs have them
    split = frame[t.FAMILY_ID].ne(frame[t.ACCOUNT_ID]).to_numpy() & (rng.random(len(frame)) < 0.1)
    owner[split] = (owner[split] + 1) % k
    return np.array([f"rep{o:03d}" for o in owner], dtype=object)


def describe(name: str, frame: pd.DataFrame, built, per_account: np.ndarray, k: int,
             timing: tuple[float, float], extra: str = "") -> None:
    """One line of figures for a carving given as a territory per account."""
    potential = np.bincount(per_account, frame[t.POTENTIAL].to_numpy(), k)
    workload = np.bincount(per_account, frame[WORKLOAD].to_numpy(), k)
    dp, dw = potential / potential.mean() - 1, workload / workload.mean() - 1
    owner_territory = {o: i for i, o in enumerate(built.owners)}
    kept = float(np.mean(per_account == frame[t.OWNER_ID].map(owner_territory).to_numpy()))
    families = frame[t.FAMILY_ID].ne(frame[t.ACCOUNT_ID]).to_numpy()
    split = pd.Series(per_account[families]).groupby(frame[t.FAMILY_ID].to_numpy()[families]) \
        .nunique()
    states = pd.Series(frame[t.STATE].to_numpy()).groupby(per_account).nunique()
    wall, cpu = timing
    print(f"{name:<30} {wall:6.2f} s ({cpu:5.2f} s CPU)  potential ±{np.abs(dp).max():6.2%}  "
          f"workload ±{np.abs(dw).max():6.2%}  kept {kept:6.2%}  families split "
          f"{int((split > 1).sum()):>4}  states/territory {states.mean():4.2f} "
          f"(max {states.max()}) {extra}")


def timed(work):
    """(result, (wall seconds, CPU seconds)): the machine may be shared, so both."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    return result, (time.perf_counter() - wall, time.process_time() - cpu)


def aggregated_mip(built, k: int, seconds: float):
    """HiGHS on cells of one state × one current owner: each cell moves whole."""
    units = built.units
    cell = pd.factorize(pd.Series(units.cell) * (k + 1) + units.home)[0]
    n = int(cell.max()) + 1
    lead = pd.Series(np.arange(len(units))).groupby(cell).first().to_numpy()
    cells = carving.Units(
        np.bincount(cell, units.potential, n), np.bincount(cell, units.workload, n),
        np.bincount(cell, units.accounts, n), np.bincount(cell, units.keep, n),
        units.cell[lead], units.rank[lead], units.home[lead])
    budget = cells.keep[cells.home >= 0].sum() - 0.9 * cells.keep.sum()
    territory, _, bound = carving.exact(cells, k, budget=budget, time_limit=seconds)
    return (None if territory is None else territory[cell]), bound, n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--territories", type=int, default=200)
    parser.add_argument("--mip-seconds", type=float, default=30.0)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    n, k = args.accounts, args.territories
    frame = synthetic_accounts(n, k, args.seed)
    built, (prepare, prepare_cpu) = timed(lambda: segment_units(frame))
    units = built.units
    print(f"{n:,} accounts ({len(units):,} units), {k} territories; units built in "
          f"{prepare:.2f} s; wall time is shared with whatever else the machine runs")
    owners = frame[t.OWNER_ID].map({o: i for i, o in enumerate(built.owners)}).to_numpy()
    describe("current owners (start)", frame, built, owners, k, (0.0, 0.0))
    greedy, timing = timed(lambda: carving.match_owners(units, carving.constructive(units, k), k))
    describe("greedy (geographic cut)", frame, built, greedy[built.account_unit], k, timing)
    ours, (wall, cpu) = timed(lambda: carving.carve(units, k, tolerance=0.03, keep_share=0.9,
                                                    exact_size=0))
    describe("ours (owners + local moves)", frame, built, ours.territory[built.account_unit], k,
             (wall + prepare, cpu + prepare_cpu), f"moves {ours.moves:,}")
    (territory, bound, cells), timing = timed(lambda: aggregated_mip(built, k, args.mip_seconds))
    bound_text = "no bound" if bound is None else f"lower bound ±{bound:.1%}"
    name = f"MIP (HiGHS, {cells} cells)"
    if territory is None:
        print(f"{name:<30} {timing[0]:6.2f} s  no solution within the time limit; {bound_text}")
    else:
        describe(name, frame, built, territory[built.account_unit], k, timing, bound_text)


if __name__ == "__main__":
    main()

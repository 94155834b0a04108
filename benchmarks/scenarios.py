"""What each extra scenario of `segmint compare` costs, at a size (issue 28: ≤ 3 s at 1M accounts).

The demo company (cached as Parquet by `run.py`) is loaded, validated, enriched and scored
once, as `segmint compare` does (only the scores the scenarios read: potential; no back-test),
then `compare_scenarios` runs with the baseline alone and with every scenario the demo
declares, each best of `--repeat`; the difference per scenario is what an extra one costs.
Wall and CPU seconds (this process's, DuckDB's threads included) are printed with the load
average, since on a shared machine the wall clock also measures the neighbours.

    PYTHONPATH=src python benchmarks/scenarios.py --accounts 1M
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def timed(action):
    """`action()`'s result, and the wall and CPU seconds it took."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = action()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def best(action, repeat: int) -> tuple[float, float]:
    """Wall and CPU seconds of the run of `action` with the least CPU, of `repeat`."""
    return min((timed(action)[1:] for _ in range(repeat)), key=lambda pair: pair[1])


def computed(scenario) -> None:
    """Make the engine compute a re-assignment's bridge (the summary is computed already)."""
    if scenario.bridge is not None:
        scenario.bridge.to_pyarrow()


def measure(folder: Path, repeat: int) -> dict[str, tuple[float, float]]:
    import segmint
    from segmint.pipeline import prepare
    from segmint.plan.scenarios import compare_scenarios, reassign, scenario_base

    project = segmint.load_project(folder / "segmint.yaml")
    scores = {name: spec for name, spec in project.scores.items() if name == "potential"}
    project = project.model_copy(update={
        "scores": scores, "backtest": project.backtest.model_copy(update={"months": 0})})
    prepared, *prepare_time = timed(lambda: prepare(project))
    base, *base_time = timed(lambda: scenario_base(prepared.context, ["potential"]))
    alone = best(lambda: compare_scenarios(base, {}), repeat)
    everything = best(lambda: compare_scenarios(base, project.scenarios), repeat)
    count = len(project.scenarios)
    return {
        "load, validate, enrich, score": tuple(prepare_time),
        "scenario tables, kept once": tuple(base_time),
        "compare, the baseline alone": alone,
        f"compare, the baseline and {count} scenarios": everything,
        "each extra scenario (target ≤ 3 s at 1M)": (
            (everything[0] - alone[0]) / count, (everything[1] - alone[1]) / count),
        **{f"re-assign {name} (assignments, summary, bridge)": best(
            lambda model=model, name=name: computed(reassign(base, model, name=name)),
            repeat) for name, model in project.scenarios.items()},
    }


def main(argv: list[str] | None = None) -> int:
    from run import ensure_data, parse_size

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", default="1M")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args(argv)
    folder = ensure_data(parse_size(args.accounts), args.seed, print)
    load = os.getloadavg()
    result = measure(folder, args.repeat)
    print(f"{args.accounts} accounts (seed {args.seed}), load average at start "
          f"{load[0]:.1f}, at the end {os.getloadavg()[0]:.1f}")
    for name, (wall, cpu) in result.items():
        print(f"  {name:55s} {wall:8.2f} s wall {cpu:8.2f} s CPU")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak resident memory {peak:,.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

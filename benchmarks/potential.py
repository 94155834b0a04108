"""Account potential at a million accounts: fit + score against the issue's 10 s and the run's
2 GB, beside scikit-learn predicting every account in pandas, in the same process.

    .venv/bin/python benchmarks/potential.py                    # 1M accounts, demo seed 7
    .venv/bin/python benchmarks/potential.py --accounts 100k --repeat 3

The demo company is generated as Parquet once per size (`run.py`'s cache, in
``benchmarks/data/``). A fresh child process then loads and validates its accounts and revenue
as a run does (deals and usage are not read: potential does not need them), enriches them, and
measures, best of `--repeat`:

- **segmint**: the score stage with potential alone and the back-test off, timed between the
  stage's progress callbacks as `run.py` times its "score potential" row: the fit on one row
  per paying customer (a sample of 30,000 by default), the score as engine expressions (a join
  to the model's lookup table and to the products each customer holds), and the scored
  accounts and ``account_potential`` kept in the engine;
- **baseline**: what the fit could be without the lookup: the same three quantile models
  (scikit-learn's `HistGradientBoostingRegressor`, the same settings and customers), then
  every account's features fetched into pandas and predicted there: potential and whitespace
  only (no product whitespace, no band, no monotone repair), so it is a floor for that design.

Printed, nothing asserted: wall and CPU seconds of each, their ratio, the stage's steps
timed one by one (the fit; the potential's columns computed and kept; the copy of every
account column the score stage keeps with them; ``account_potential``), resident memory at
its peak during each (sampled every 20 ms) and over the whole child, and the load average
before and after (the machine may be shared: compare CPU seconds).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
MB = 1024 * 1024


def child(folder: Path, out: Path, repeat: int) -> None:
    """Load and enrich, then time segmint's potential stage and the baseline; write to `out`."""
    import functools
    import resource

    from run import RssSampler

    import segmint
    from segmint import engine
    from segmint.context import RunContext
    from segmint.dates import resolve_as_of
    from segmint.enrich import enrich_tables
    from segmint.pipeline import _load, connect
    from segmint.score.stage import score_accounts

    sampler = RssSampler()
    sampler.start()
    sampler.stage = "load and enrich"
    project = segmint.load_project(folder / "segmint.yaml")
    sources = project.sources.model_copy(update={"deals": None, "usage": None,
                                                 "transactions": None})
    project = project.model_copy(update={
        "sources": sources, "scores": {"potential": {}},
        "backtest": project.backtest.model_copy(update={"months": 0})})
    con = connect(project)
    keep = functools.partial(engine.materialise, con)
    started = time.perf_counter()
    validated = _load(project, con, lambda stage: None)
    enriched = enrich_tables({n: v.clean for n, v in validated.items()}, project, keep=keep)
    as_of = resolve_as_of(enriched.tables, project.as_of)
    context = RunContext(project, as_of, enriched.tables, enriched.accounts, keep=keep)
    accounts = context.accounts.count().to_pyarrow().as_py()
    setup = time.perf_counter() - started

    ours, base = [], []
    for attempt in range(repeat):
        clock: dict[str, tuple[float, float]] = {}

        def progress(stage: str) -> None:
            clock[stage] = (time.perf_counter(), time.process_time())
            sampler.note()
            sampler.stage = stage if stage == "score potential" else "after"

        began = (time.perf_counter(), time.process_time())
        run = score_accounts(context, progress=progress)
        ended = (time.perf_counter(), time.process_time())
        start = clock["score potential"]
        ours.append({"seconds": ended[0] - start[0], "cpu_seconds": ended[1] - start[1],
                     "stage_seconds": ended[0] - began[0]})
        model = run.models["potential"]
        customers, fitted = model.customers_, model.lookalike_.customers
        engine.release(con, run.accounts, *run.tables.values())  # as the next attempt starts
        del run
        sampler.stage = "baseline"
        began = (time.perf_counter(), time.process_time())
        predicted = baseline(context, model.settings)
        ended = (time.perf_counter(), time.process_time())
        base.append({"seconds": ended[0] - began[0], "cpu_seconds": ended[1] - began[1],
                     "accounts": predicted})
        sampler.stage = f"after attempt {attempt + 1}"
    steps = stage_steps(context, con)
    sampler.stop()
    peaks = sampler.peaks
    out.write_text(json.dumps({
        "accounts": accounts, "customers": customers, "customers_fitted": fitted,
        "setup_seconds": setup,
        "segmint": min(ours, key=lambda r: r["seconds"]), "segmint_runs": ours, "steps": steps,
        "baseline": min(base, key=lambda r: r["seconds"]), "baseline_runs": base,
        "peak_rss_mb": {"load and enrich": peaks.get("load and enrich", 0) / MB,
                        "potential fit + score": peaks.get("score potential", 0) / MB,
                        "baseline": peaks.get("baseline", 0) / MB,
                        "process": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024},
    }, indent=2))


def stage_steps(context, con) -> dict[str, dict[str, float]]:
    """Wall and CPU seconds of each step of the stage, one by one: the fit, the potential's
    columns computed and kept (with the account id only), the copy of every account column
    the stage keeps beside them, and ``account_potential`` (sorted by account id)."""
    from segmint import engine
    from segmint.context import in_stated_order
    from segmint.score.potential import ACCOUNT_POTENTIAL, ADDS, Potential

    steps: dict[str, dict[str, float]] = {}

    def timed(name: str, work):
        began = (time.perf_counter(), time.process_time())
        result = work()
        steps[name] = {"seconds": time.perf_counter() - began[0],
                       "cpu_seconds": time.process_time() - began[1]}
        return result

    accounts = context.accounts
    model = timed("fit", lambda: Potential().fit(context))
    added = timed("score: the potential's columns", lambda: context.keep(
        model.score(accounts).select("account_id", *ADDS), "potential_columns"))
    scored = timed("score, kept with every account column (as the stage keeps it)",
                   lambda: context.keep(model.score(accounts), "scored_potential"))
    table = timed("account_potential, sorted", lambda: context.keep(
        in_stated_order(model.tables(scored)[ACCOUNT_POTENTIAL]), ACCOUNT_POTENTIAL))
    engine.release(con, added, scored, table)
    return steps


def baseline(context, settings) -> int:
    """The same quantile models fitted with scikit-learn on the same customers, then every
    account's features fetched into pandas and predicted there: potential (never below ARR)
    and whitespace. Returns the number of accounts predicted."""
    import numpy as np
    from sklearn.ensemble import HistGradientBoostingRegressor
    from threadpoolctl import threadpool_limits

    from segmint import tables as t
    from segmint.score.potential import lookalike as la

    features = tuple(settings.features)
    keys = [la.key(f) for f in features]
    keyed = la.with_keys(context.accounts, features, None)
    frame = keyed.select(t.ACCOUNT_ID, *keys, keyed[t.ARR].cast("float64")).to_pandas()
    paying = frame[frame[t.ARR] > 0].sort_values(t.ACCOUNT_ID)
    if len(paying) > settings.max_customers:  # the same sample as the model's
        chosen = np.random.default_rng(0).choice(len(paying), settings.max_customers,
                                                 replace=False)
        paying = paying.iloc[np.sort(chosen)]
    categories = {f: sorted(set(paying[la.key(f)]) - {la.MISSING_CATEGORY})
                  for f in features if f in la.CATEGORICAL}
    x = la.encode(paying, features, categories)
    everyone = la.encode(frame, features, categories)
    categorical = np.array([f in la.CATEGORICAL for f in features], dtype=bool)
    with threadpool_limits(limits=1, user_api="openmp"):
        predicted = []
        for q in (settings.range[0], settings.quantile, settings.range[1]):
            model = HistGradientBoostingRegressor(
                loss="quantile", quantile=q, max_iter=settings.iterations,
                learning_rate=settings.learning_rate, max_leaf_nodes=settings.max_leaf_nodes,
                min_samples_leaf=settings.min_customers_per_leaf,
                monotonic_cst=[1 if f in la.NUMERIC else 0 for f in features],
                categorical_features=categorical, early_stopping=False, random_state=0)
            predicted.append(np.exp(model.fit(x, np.log(paying[t.ARR])).predict(everyone)))
    arr = frame[t.ARR].fillna(0.0).to_numpy()
    frame[t.POTENTIAL] = np.maximum(predicted[1], arr)
    frame[t.WHITESPACE] = frame[t.POTENTIAL] - arr
    return len(frame)


def runs(measured: list[dict]) -> str:
    """The wall seconds of each run, in order: '4.10, 3.95'."""
    return ", ".join(f"{run['seconds']:.2f}" for run in measured)


def main(argv: list[str] | None = None) -> int:
    from run import add_child_options, ensure_data, label, measure_in_child, parse_size

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", default="1M", help="demo accounts (k, M suffixes)")
    parser.add_argument("--seed", type=int, default=7, help="the demo generator's seed")
    parser.add_argument("--repeat", type=int, default=2, help="runs of each; the best is kept")
    add_child_options(parser)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child, args.child_out, args.repeat)
        return 0
    size = parse_size(args.accounts)
    folder = ensure_data(size, args.seed, print)
    load = [os.getloadavg()]
    scratch = HERE / "results" / f".potential-{os.getpid()}.json"
    scratch.parent.mkdir(parents=True, exist_ok=True)
    print(f"potential at {label(size)} accounts in a fresh process …", flush=True)
    measured = measure_in_child(__file__, folder, scratch, "--repeat", str(args.repeat))
    load.append(os.getloadavg())
    if measured is None:
        print(f"the {label(size)} run failed")
        return 1
    ours, base = measured["segmint"], measured["baseline"]
    print(f"{measured['accounts']:,} accounts, {measured['customers']:,} paying customers "
          f"(fitted on {measured['customers_fitted']:,}); load and enrich "
          f"{measured['setup_seconds']:.1f} s, not counted")
    print(f"  segmint potential fit + score (target ≤ 10 s): {ours['seconds']:.2f} s wall, "
          f"{ours['cpu_seconds']:.2f} s CPU (runs: {runs(measured['segmint_runs'])} s)")
    print(f"  baseline, scikit-learn predicting every account in pandas: {base['seconds']:.2f} s "
          f"wall, {base['cpu_seconds']:.2f} s CPU (runs: {runs(measured['baseline_runs'])} s)")
    print(f"  ratio segmint / baseline: {ours['seconds'] / base['seconds']:.2f}× wall, "
          f"{ours['cpu_seconds'] / base['cpu_seconds']:.2f}× CPU")
    print("  one by one: " + "; ".join(
        f"{name} {step['seconds']:.2f} s ({step['cpu_seconds']:.2f} s CPU)"
        for name, step in measured["steps"].items()))
    peaks = measured["peak_rss_mb"]
    print("  peak resident memory (target ≤ 2 GB): " + ", ".join(
        f"{name} {value:,.0f} MB" for name, value in peaks.items()))
    print(f"  load average (1, 5, 15 min) before {load[0]}, after {load[1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

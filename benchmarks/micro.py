"""Micro-segments on the demo company: ARI against the planted behaviour clusters, with k
chosen by ICL, the stability of the memberships between two seeds, time and peak memory.

    .venv/bin/python benchmarks/micro.py                      # 20,000 accounts, demo seed 7
    .venv/bin/python benchmarks/micro.py --accounts 1350000   # about 500,000 customers

The demo company is generated as Parquet once per size (`run.py`'s cache, in a child process
so its memory is not counted here). The services invoices (``transactions``: item, channel,
date, amount) are read as a project maps them; the accounts are the customers with invoices,
one parent group. Printed, nothing asserted: the ICL curve, the k chosen, ARI against truth
``cluster``, ARI between the memberships fitted with seed 0 and seed 1, the seconds each fit
and assignment took, and the peak resident memory above the process's before the first fit.
"""

from __future__ import annotations

import argparse
import datetime as dt
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7, help="the demo generator's seed")
    parser.add_argument("--generate-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    from run import RssSampler, ensure_data

    if args.generate_only:
        ensure_data(args.accounts, args.seed, print)
        return
    subprocess.run([sys.executable, __file__, "--accounts", str(args.accounts), "--seed",
                    str(args.seed), "--generate-only"], check=True)
    folder = ensure_data(args.accounts, args.seed, print)  # cached now: only its path

    import pandas as pd
    from sklearn.metrics import adjusted_rand_score

    from segmint.config.project import Project
    from segmint.context import RunContext
    from segmint.score.micro import MICRO_SEGMENT, MicroSegments, MicroSegmentSettings

    from segmint import engine

    con = engine.connect()  # as a run connects: DuckDB with segmint's memory limit
    tx = con.read_parquet(folder / "transactions.parquet")
    tx = tx.select("account_id", "item", "channel", date=tx.invoice_date, amount=tx.amount)
    accounts = tx.select("account_id").distinct()
    as_of = dt.date(2026, 9, 30)
    project = Project.model_validate({"sources": {"accounts": {"path": "a.csv"}},
                                      "segmentation": {"default": "Everyone"}})
    sampler = RssSampler()
    before = sampler.rss()
    sampler.start()
    labels = {}
    for seed in (0, 1):
        started, cpu = time.perf_counter(), time.process_time()
        model = MicroSegments(MicroSegmentSettings(seed=seed)).fit(
            RunContext(project, as_of, {"transactions": tx}, accounts, keep=_keeper(con)))
        fitted, fitted_cpu = time.perf_counter(), time.process_time()
        members = model.memberships().to_pyarrow().to_pandas()
        assigned, assigned_cpu = time.perf_counter(), time.process_time()
        labels[seed] = members.set_index("account_id")[MICRO_SEGMENT]
        chosen = model.curve_[model.curve_.chosen]
        print(f"seed {seed}: {len(members):,} customers (fitted on "
              f"{int(chosen.customers.iloc[0]):,}), fit {fitted - started:.1f} s "
              f"(CPU {fitted_cpu - cpu:.1f} s), assign in the engine {assigned - fitted:.1f} s "
              f"(CPU {assigned_cpu - fitted_cpu:.1f} s), total {assigned - started:.1f} s, "
              f"k chosen by ICL {int(chosen.k.iloc[0])}")
        if seed == 0:
            print(model.curve_.drop(columns=["parent"]).to_string(index=False))
    sampler.stop()
    truth = pd.read_parquet(folder / "truth.parquet", columns=["account_id", "cluster"])
    peak = max(sampler.peaks.values())
    print(f"peak resident memory {peak / 2**20:,.0f} MB, {(peak - before) / 2**20:,.0f} MB above "
          f"the {before / 2**20:,.0f} MB before the first fit")
    joined = truth.set_index("account_id").join(labels[0].rename("found"), how="inner")
    print(f"ARI against the planted clusters: {adjusted_rand_score(joined.cluster, joined.found):.3f}")
    both = labels[0].to_frame("a").join(labels[1].rename("b"), how="inner")
    print(f"ARI between seeds 0 and 1: {adjusted_rand_score(both.a, both.b):.3f}")
    _compare(model, labels[0], truth, k=int(chosen.k.iloc[0]))
    print(f"load average (1, 5, 15 min): {open('/proc/loadavg').read().split()[:3]}")


def _compare(model, found, truth, *, k: int, sample: int = 20_000,
             kproto_sample: int = 3_000) -> None:
    """k-prototypes (kmodes) and FAMD + k-means (prince, scikit-learn) at the same k on a
    random sample of the same customers' features (as many as the mixture was fitted on):
    the numeric features as they are, the items and channel as each customer's main one (the
    one category per variable those methods take). Skipped, with a line, when the bench extra
    is not installed."""
    import numpy as np
    import pandas as pd
    from sklearn.cluster import KMeans
    from sklearn.metrics import adjusted_rand_score

    try:
        import prince
        from kmodes.kprototypes import KPrototypes
    except ImportError as missing:
        print(f"comparisons skipped: {missing.name} is not installed "
              "(pip install -e '.[bench]' -c constraints.txt)")
        return
    features = model.features_.to_pyarrow().to_pandas().set_index("account_id")
    features = features.loc[features[model.settings.features].notna().all(axis=1)]
    rows = features.sample(min(sample, len(features)), random_state=0).sort_index()
    frame = rows[model.settings.features].astype(float)
    for family, columns in model.families_.items():
        frame[family] = rows[columns].to_numpy().argmax(1).astype(str)
    categorical = list(model.families_)
    planted = truth.set_index("account_id").cluster.reindex(rows.index)
    print(f"\ncomparison on {len(rows):,} sampled customers, k = {k} "
          f"(numeric {model.settings.features}, categorical: main {categorical}):")
    print(f"  segmint mixture (fitted above): ARI {adjusted_rand_score(planted, found.reindex(rows.index)):.3f}")
    # k-prototypes (pure Python loops in kmodes) took 194 s for 7,532 customers with five
    # starts: it gets the first `kproto_sample` of the sample and two starts
    started = time.perf_counter()
    kproto = KPrototypes(n_clusters=k, init="Cao", n_init=2, random_state=0, n_jobs=1)
    few = frame.iloc[:kproto_sample]
    numeric = (few[model.settings.features] - few[model.settings.features].mean()) / (
        few[model.settings.features].std())
    data = pd.concat([numeric, few[categorical]], axis=1).to_numpy(object)
    found_kp = kproto.fit_predict(data, categorical=list(range(numeric.shape[1], data.shape[1])))
    print(f"  k-prototypes on {len(few):,} of them: ARI "
          f"{adjusted_rand_score(planted.iloc[:kproto_sample], found_kp):.3f}, "
          f"{time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    famd = prince.FAMD(n_components=min(5, frame.shape[1] + 2), random_state=0)
    coordinates = famd.fit(frame).row_coordinates(frame)
    found_famd = KMeans(k, n_init=5, random_state=0).fit_predict(np.asarray(coordinates))
    print(f"  FAMD + k-means: ARI {adjusted_rand_score(planted, found_famd):.3f}, "
          f"{time.perf_counter() - started:.1f} s")


def _keeper(con):
    """Materialise as a run does (`engine.materialise`), on this connection."""
    import functools

    from segmint import engine

    return functools.partial(engine.materialise, con)


if __name__ == "__main__":
    main()

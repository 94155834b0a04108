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

    import ibis
    import pandas as pd
    from sklearn.metrics import adjusted_rand_score

    from segmint.config.project import Project
    from segmint.context import RunContext
    from segmint.score.micro import MICRO_SEGMENT, MicroSegments, MicroSegmentSettings

    con = ibis.duckdb.connect()
    tx = con.read_parquet(folder / "transactions.parquet")
    tx = tx.select("account_id", "item", "channel", date=tx.invoice_date, amount=tx.amount)
    accounts = tx.select("account_id").distinct()
    as_of = dt.date(2026, 9, 30)
    project = Project.model_validate({"sources": {"accounts": {"path": "a.csv"}},
                                      "segmentation": {"default": "Everyone"}})
    truth = pd.read_parquet(folder / "truth.parquet", columns=["account_id", "cluster"])
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
    peak = max(sampler.peaks.values())
    print(f"peak resident memory {peak / 2**20:,.0f} MB, {(peak - before) / 2**20:,.0f} MB above "
          f"the {before / 2**20:,.0f} MB before the first fit")
    joined = truth.set_index("account_id").join(labels[0].rename("found"), how="inner")
    print(f"ARI against the planted clusters: {adjusted_rand_score(joined.cluster, joined.found):.3f}")
    both = labels[0].to_frame("a").join(labels[1].rename("b"), how="inner")
    print(f"ARI between seeds 0 and 1: {adjusted_rand_score(both.a, both.b):.3f}")
    print(f"load average (1, 5, 15 min): {open('/proc/loadavg').read().split()[:3]}")


def _keeper(con):
    """Materialise as a run does (`engine.materialise`), on this connection."""
    import functools

    from segmint import engine

    return functools.partial(engine.materialise, con)


if __name__ == "__main__":
    main()

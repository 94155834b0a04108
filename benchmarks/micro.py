"""Micro-segments on the demo company: ARI against the planted behaviour clusters, with k
chosen by ICL, and the stability of the memberships between two seeds.

    .venv/bin/python benchmarks/micro.py                  # 20,000 accounts, demo seed 7
    .venv/bin/python benchmarks/micro.py --accounts 50000

The demo's services invoices (``transactions``: item, channel, date, amount) are read as a
project maps them; the accounts are the customers with invoices, one parent group. Printed,
nothing asserted: the ICL curve, the k chosen, ARI against truth ``cluster``, ARI between the
memberships fitted with seed 0 and seed 1, and the seconds each fit and assignment took.
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7, help="the demo generator's seed")
    args = parser.parse_args()

    import ibis
    import pandas as pd
    from sklearn.metrics import adjusted_rand_score

    from segmint.config.project import Project
    from segmint.context import RunContext
    from segmint.demo.generator import generate_company
    from segmint.score.micro import MICRO_SEGMENT, MicroSegments, MicroSegmentSettings

    demo = generate_company(Path(tempfile.mkdtemp()), accounts=args.accounts, seed=args.seed,
                            file_format="parquet")
    con = ibis.duckdb.connect()
    tx = con.read_parquet(demo.files["transactions"])
    tx = tx.select("account_id", "item", "channel", date=tx.invoice_date, amount=tx.amount)
    accounts = tx.select("account_id").distinct()
    as_of = dt.date(2026, 9, 30)
    project = Project.model_validate({"sources": {"accounts": {"path": "a.csv"}},
                                      "segmentation": {"default": "Everyone"}})
    truth = pd.read_parquet(demo.truth, columns=["account_id", "cluster"])
    labels = {}
    for seed in (0, 1):
        started = time.perf_counter()
        model = MicroSegments(MicroSegmentSettings(seed=seed)).fit(
            RunContext(project, as_of, {"transactions": tx}, accounts))
        fitted = time.perf_counter()
        members = model.memberships().to_pandas()
        assigned = time.perf_counter()
        labels[seed] = members.set_index("account_id")[MICRO_SEGMENT]
        chosen = model.curve_[model.curve_.chosen]
        print(f"seed {seed}: {len(members):,} customers, fit {fitted - started:.1f} s, "
              f"assign in the engine {assigned - fitted:.1f} s, k chosen by ICL "
              f"{int(chosen.k.iloc[0])}")
        if seed == 0:
            print(model.curve_.drop(columns=["parent"]).to_string(index=False))
    joined = truth.set_index("account_id").join(labels[0].rename("found"), how="inner")
    print(f"ARI against the planted clusters: {adjusted_rand_score(joined.cluster, joined.found):.3f}")
    both = labels[0].to_frame("a").join(labels[1].rename("b"), how="inner")
    print(f"ARI between seeds 0 and 1: {adjusted_rand_score(both.a, both.b):.3f}")


if __name__ == "__main__":
    main()

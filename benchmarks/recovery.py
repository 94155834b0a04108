"""How well potential and TAM recover what the demo generator planted (`truth.parquet`).

    .venv/bin/python benchmarks/recovery.py                     # 5,000 and 100k accounts, seed 7
    .venv/bin/python benchmarks/recovery.py --sizes 5000 --seed 7

For each size the demo company is generated (Parquet, cached in ``benchmarks/data/`` as
`run.py` does) and run with the demo project (``scores: {potential: {}}``). Printed, nothing
asserted:

- the Spearman rank correlation of ``potential`` with the planted ``wallet`` (every accounts
  row; customers and prospects apart), beside what the generator makes knowable: the wallet's
  correlation with the true headcount and with the list price (`segmint.demo.truth`);
- the back-test (``backtest``): AUC, top-decile lift and the top fifth's share of the ARR
  gained after the cut-off; and the same figures with the planted wallet as the score, the
  ceiling for any wallet estimate on this outcome;
- TAM against the true total wallet: the accounts' potential (low, point, high) against their
  wallets; and the market-cell arithmetic on a market table made of the demo's own companies
  (firms per NAICS sector × SUSB size class × country, from the truth): firms × the typical
  firm's potential against the same companies' wallets.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def measure(folder: Path) -> dict[str, float]:
    import ibis
    import numpy as np
    import pandas as pd
    from scipy.stats import spearmanr

    import segmint
    from segmint import tables as t
    from segmint.analyse.market import FIRMS_LEFT, place_cells
    from segmint.context import RunContext
    from segmint.dates import months_before
    from segmint.enrich.industry import naics_sector, susb_us_naics_size
    from segmint.pipeline import run
    from segmint.score.backtest import ranking_quality

    project = segmint.load_project(folder / "segmint.yaml")
    result = run(project, write=False)
    truth = pd.read_parquet(folder / "truth.parquet")
    scored = result.scores.accounts
    mine = scored.select(t.ACCOUNT_ID, t.IS_CUSTOMER, t.POTENTIAL, t.POTENTIAL_LOW,
                         t.POTENTIAL_HIGH).to_pandas()
    both = truth.merge(mine, on=t.ACCOUNT_ID, suffixes=("_truth", ""))
    paying = both[t.IS_CUSTOMER]
    figures = {
        "accounts": len(both),
        "spearman_potential_wallet": spearmanr(both.potential, both.wallet).statistic,
        "spearman_customers": spearmanr(both.potential[paying], both.wallet[paying]).statistic,
        "spearman_prospects": spearmanr(both.potential[~paying], both.wallet[~paying]).statistic,
        "spearman_true_employees_wallet": spearmanr(both.employees, both.wallet).statistic,
        "spearman_list_price_wallet": spearmanr(both.list_mrr, both.wallet).statistic,
    }
    backtest = result.frames["backtest"].iloc[0]
    figures |= {f"backtest_{k}": float(backtest[k]) for k in
                ("accounts", "positives", "auc", "top_decile_lift", "top_quintile_weight_share")}
    # the planted wallet ranked on the same outcome and population: the ceiling
    model = result.scores.models["potential"]
    cutoff = months_before(result.as_of, project.backtest.months)
    tables = {name: v.clean for name, v in result.validated.items()}
    context = RunContext(project, result.as_of, tables, scored)
    outcome = model.outcome(context, cutoff).to_pandas()
    accounts = tables["accounts"].select(t.ACCOUNT_ID, t.CREATED_DATE).to_pandas()
    created = pd.to_datetime(accounts[t.CREATED_DATE])
    existed = accounts[created.isna() | (created <= pd.Timestamp(cutoff))][[t.ACCOUNT_ID]]
    ranked = (existed.merge(outcome, on=t.ACCOUNT_ID).merge(truth[[t.ACCOUNT_ID, "wallet"]],
                                                          on=t.ACCOUNT_ID)
              .sort_values(t.ACCOUNT_ID))
    ceiling = ranking_quality(ranked.wallet.to_numpy(), ranked.outcome.to_numpy(),
                              weights=ranked.weight.to_numpy())
    figures |= {f"wallet_as_score_{k}": float(ceiling.summary[k]) for k in
                ("auc", "top_decile_lift", "top_quintile_weight_share")}
    # TAM: the accounts' part
    companies = both[~both.is_duplicate]
    wallet = companies.wallet.sum()
    figures |= {"accounts_wallet": wallet,
                "accounts_potential_over_wallet": companies.potential.sum() / wallet,
                "accounts_potential_low_over_wallet": companies.potential_low.sum() / wallet,
                "accounts_potential_high_over_wallet": companies.potential_high.sum() / wallet}
    # TAM: the market cells' arithmetic, on a market made of the demo's own companies
    classes = susb_us_naics_size()
    classes = classes[(classes.naics == "--") & (classes.is_subtotal == 0)]
    edges = classes.size_min_employees.astype(float).to_numpy()
    firms = truth[~truth.is_duplicate].assign(sector=lambda f: f.naics.map(naics_sector))
    position = np.searchsorted(edges, firms.employees.to_numpy(), side="right") - 1
    firms = firms.assign(size_class=classes.size_class.to_numpy()[position],
                         size_min_employees=edges[position],
                         size_max_employees=classes.size_max_employees.astype(float).to_numpy()[position])
    market = (firms.groupby(["sector", "size_class", "size_min_employees", "size_max_employees",
                             "country"], dropna=False)
              .agg(firms=("account_id", "size"), employment=("employees", "sum"),
                   wallet=("wallet", "sum")).reset_index())
    market = market.rename(columns={"sector": "naics"}).assign(
        is_subtotal=False, _source_row=np.arange(len(market)) + 2)
    context = RunContext(project, result.as_of, tables, scored, result.assignments,
                         models=result.scores.models)
    cells, _ = place_cells(context, ibis.memtable(market.drop(columns="wallet")), None)
    cells = cells.to_pandas()
    figures |= {"market_cells": len(cells),
                "cells_tam_over_wallet": float((cells[t.FIRMS] * cells[t.POTENTIAL]).sum() / wallet),
                "cells_tam_low_over_wallet": float((cells[t.FIRMS] * cells[t.POTENTIAL_LOW]).sum()
                                                   / wallet),
                "cells_tam_high_over_wallet": float((cells[t.FIRMS] * cells[t.POTENTIAL_HIGH]).sum()
                                                    / wallet),
                "cells_firms_left": float(cells[FIRMS_LEFT].sum())}
    figures["as_of"] = str(result.as_of)
    figures["cutoff"] = str(cutoff)
    return figures


def main(argv: list[str] | None = None) -> int:
    from run import ensure_data, label, parse_size

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="5000,100k")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    for size in (parse_size(s) for s in args.sizes.split(",") if s.strip()):
        folder = ensure_data(size, args.seed, print)
        started = dt.datetime.now()
        figures = measure(folder)
        print(f"\n{label(size)} accounts, seed {args.seed} ({(dt.datetime.now() - started).seconds} s)")
        for name, value in figures.items():
            print(f"  {name:40s} {value:,.3f}" if isinstance(value, float) else f"  {name:40s} {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

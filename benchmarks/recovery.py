"""How well potential and TAM recover what the demo generator planted (`truth.parquet`).

    .venv/bin/python benchmarks/recovery.py                     # 5,000 and 100k accounts, seed 7
    .venv/bin/python benchmarks/recovery.py --sizes 5000 --seed 7

For each size the demo company is generated (Parquet, cached in ``benchmarks/data/`` as
`run.py` does) and run with the demo project (its scores, potential and expected growth
among them). Printed, nothing asserted:

- the Spearman rank correlation of ``potential`` with the planted ``wallet`` (every accounts
  row; customers and prospects apart), beside what the generator makes knowable: the wallet's
  correlation with the true headcount and with the list price (`segmint.demo.truth`);
- the back-test (``backtest``): a row per ranking (potential and whitespace over every
  account; whitespace and share of wallet over the customers at the cut-off; whitespace over
  the prospects): AUC, ARR-weighted AUC, top-decile lift and the top fifth's share of the
  ARR gained after the cut-off;
- the same outcome ranked, per population (customers at the cut-off, prospects, pooled), by
  the truth (the planted wallet, its whitespace and room at the cut-off, the planted chance
  of a renewal expansion and `planted_growth`, the chance each account grew in the window)
  and by segmint's potential, whitespace, share of wallet, growth probability and expected
  growth (whitespace × that probability) refitted at the cut-off (`rank_growth`): what any
  model could reach, beside what segmint's do;
- TAM against the true total wallet: the accounts' potential (low, point, high) against their
  wallets; and the market-cell arithmetic on a market table made of the demo's own companies
  (firms per NAICS sector × SUSB size class × country, from the truth): firms × the typical
  firm's potential against the same companies' wallets.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
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
    backtest = result.frames["backtest"].set_index("ranking")
    measured = ("auc", "weighted_auc", "top_decile_lift", "top_quintile_weight_share")
    figures["backtest"] = backtest[["accounts", "positives", *measured]]
    # the same outcome ranked by the truth, and by segmint's figures at the cut-off, per
    # population: what any model could reach, and what potential does
    model = result.scores.models["potential"]
    cutoff = months_before(result.as_of, project.backtest.months)
    tables = {name: v.clean for name, v in result.validated.items()}
    context = RunContext(project, result.as_of, tables, scored)
    outcome = model.outcome(context, cutoff).to_pandas()
    accounts = tables["accounts"].select(t.ACCOUNT_ID, t.CREATED_DATE).to_pandas()
    created = pd.to_datetime(accounts[t.CREATED_DATE])
    existed = accounts[created.isna() | (created <= pd.Timestamp(cutoff))][[t.ACCOUNT_ID]]
    revenue = tables["revenue"]
    known = revenue.filter(revenue[t.PERIOD] <= cutoff)
    latest = known.filter(known[t.PERIOD] == known[t.PERIOD].max())
    arr_cut = latest.group_by(t.ACCOUNT_ID).aggregate(arr_cut=(latest[t.MRR].sum() * 12)
                                                      .cast("float64")).to_pandas()
    ranked = (existed.merge(outcome, on=t.ACCOUNT_ID).merge(truth, on=t.ACCOUNT_ID)
              .merge(arr_cut, on=t.ACCOUNT_ID, how="left")
              .merge(scored_at(context, tables, cutoff), on=t.ACCOUNT_ID, how="left")
              .sort_values(t.ACCOUNT_ID))
    planted = json.loads((folder / "planted.json").read_text())["truth"]
    figures["rankings"] = rank_growth(ranked, planted, (result.as_of - cutoff).days / 365.25)
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


def scored_at(context, tables, cutoff):
    """Potential, share of wallet and (when configured) expected growth and its probability
    as the back-test scores them: every score refitted on what was known at `cutoff`, over the
    accounts that existed then (``past_`` columns)."""
    from segmint import tables as t
    from segmint.score.growth import EXPECTED_GROWTH, GROWTH_PROBABILITY
    from segmint.context import RunContext
    from segmint.score.backtest import known_at
    from segmint.score.registry import configured
    from segmint.score.stage import _fit_and_score, accounts_at

    added = [c for c in context.accounts.columns
             if c in {name for spec, _ in configured(context.project.scores).values()
                      for name in spec.adds}]
    past_tables = known_at(tables, cutoff)
    past = RunContext(context.project, cutoff, past_tables,
                      accounts_at(context.accounts.drop(*added), past_tables))
    scored, _, _ = _fit_and_score(past, configured(context.project.scores), lambda stage: None)
    growth = [c for c in (GROWTH_PROBABILITY, EXPECTED_GROWTH) if c in scored.columns]
    frame = scored.select(t.ACCOUNT_ID, t.POTENTIAL, t.SHARE_OF_WALLET, *growth).to_pandas()
    return frame.rename(columns={t.POTENTIAL: "past_potential",
                                 t.SHARE_OF_WALLET: "past_share_of_wallet",
                                 **{c: f"past_{c}" for c in growth}})


def rank_growth(ranked, planted: dict, years: float):
    """AUC, ARR-weighted AUC, top-decile lift and the top fifth's share of the ARR gained of
    each score against the back-test's outcome, within the customers at the cut-off (paying
    then: growth is an expansion), the prospects (not paying: a win, or a win back) and
    pooled. Scores from the truth: the wallet, its whitespace (wallet − ARR at the cut-off),
    its room (1 − ARR ÷ wallet), the planted chance of a renewal expansion (p_expand × room³,
    customers only) and `planted_growth`; from segmint at the cut-off: potential, whitespace,
    share of wallet (the least spent first) and, when configured, the growth probability and
    expected growth."""
    import numpy as np
    import pandas as pd

    from segmint.score.backtest import ranking_quality

    arr = ranked.arr_cut.fillna(0.0).to_numpy()
    wallet = ranked.wallet.to_numpy()
    room = np.clip(1 - arr / wallet, 0.0, 1.0)
    growth = planted["expansion"]
    paying = arr > 0
    scores = {  # name: (values, lowest first)
        "truth: wallet": (wallet, False),
        "truth: whitespace": (wallet - arr, False),
        "truth: room, 1 − ARR ÷ wallet": (room, False),
        "truth: p_expand × room³": (np.where(paying, np.minimum(
            growth["cap"], ranked.p_expand.to_numpy() * room ** growth["curve"]), np.nan), False),
        "truth: planted propensity": (planted_growth(ranked, planted, years), False),
        "segmint: potential": (ranked.past_potential.to_numpy(), False),
        "segmint: whitespace": ((ranked.past_potential - arr).to_numpy(), False),
        "segmint: share of wallet, lowest first": (ranked.past_share_of_wallet.to_numpy(), True),
    }
    if "past_growth_probability" in ranked.columns:  # scores: {expected_growth: {}}
        scores |= {"segmint: growth probability": (ranked.past_growth_probability.to_numpy(), False),
                   "segmint: expected growth": (ranked.past_expected_growth.to_numpy(), False)}
    outcome, gained = ranked.outcome.to_numpy(), ranked.weight.to_numpy()
    rows = []
    for population, members in (("customers", paying), ("prospects", ~paying),
                                ("pooled", np.ones_like(paying))):
        for name, (values, lowest_first) in scores.items():
            kept = members & ~np.isnan(values)
            if name.endswith("room³") and not paying[members].all():
                continue  # no renewal to expand at without a subscription
            quality = ranking_quality(values[kept], outcome[kept], weights=gained[kept],
                                      lowest_first=lowest_first).summary
            rows.append({"population": population, "score": name,
                         "accounts": quality["accounts"], "positives": quality["positives"],
                         **{k: quality[k] for k in ("auc", "weighted_auc", "top_decile_lift",
                                                    "top_quintile_weight_share")}})
    return pd.DataFrame(rows)


def planted_growth(frame, planted: dict, years: float):
    """The chance each account grew within `years` after the cut-off, from what the generator
    planted (``planted.json`` truth): a customer then paying ``arr_cut`` renews once in the
    window with probability `years` (annual renewals) and expands at it with probability
    min(cap, p_expand × room ^ curve), room = 1 − arr_cut / wallet, and is cross-sold or
    expands seats each month at the mid-term rates scaled alike; an account not paying then
    is won at its ``new_business_per_year`` opportunities × ``p_win``.

    >>> import pandas as pd
    >>> frame = pd.DataFrame({"arr_cut": [0.0, 50.0], "wallet": [100.0, 100.0],
    ...     "p_expand": [1.0, 1.0], "p_win": [0.2, 0.2], "new_business_per_year": [1.0, 0.0]})
    >>> planted = {"expansion": {"cap": 0.9, "curve": 3.0, "mid_term_a_month": {
    ...     "cross_sell": 0.012, "seats": 0.008, "average": 0.28}}}
    >>> planted_growth(frame, planted, 0.5).round(4).tolist()
    [0.0952, 0.1116]
    """
    import numpy as np

    growth = planted["expansion"]
    mid = growth["mid_term_a_month"]
    arr = frame.arr_cut.fillna(0.0).to_numpy()
    room = np.clip(1 - arr / frame.wallet.to_numpy(), 0.0, 1.0)
    p_up = np.minimum(growth["cap"], frame.p_expand.to_numpy() * room ** growth["curve"])
    monthly = (mid["cross_sell"] + mid["seats"]) * p_up / mid["average"]
    customer = 1 - (1 - min(years, 1.0) * p_up) * (1 - monthly) ** (12 * years)
    prospect = 1 - np.exp(-years * frame.new_business_per_year.to_numpy()
                          * frame.p_win.to_numpy())
    return np.where(arr > 0, customer, prospect)


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
            if hasattr(value, "to_string"):  # a table
                print(f"  {name}:\n{value.to_string(float_format='{:.3f}'.format)}")
            else:
                print(f"  {name:40s} {value:,.3f}" if isinstance(value, float)
                      else f"  {name:40s} {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

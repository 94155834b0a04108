"""How well the learned ICP fit ranks later wins on the demo company, against the planted `p_win`.

    .venv/bin/python benchmarks/fit.py                          # 20,000 accounts, seed 7
    .venv/bin/python benchmarks/fit.py --sizes 5000 --learn-from wins,retention

For each size the demo company is generated (Parquet, cached in ``benchmarks/data/`` as
`run.py` does) and its accounts scored with ``scores: {fit: {...}}`` and the back-test on.
Printed, nothing asserted, all on the back-test's population (accounts open at the cut-off
with a new-business deal decided after it; the outcome is a win):

- the learned fit, refitted at the cut-off: AUC, top-decile lift and calibration error by
  decile (fit ÷ 100 against the win rate);
- the planted ``p_win`` (`segmint.demo.truth`), which drew every deal's outcome: what a
  model knowing each account's own propensity would reach;
- what the attributes can know: ``p_win`` averaged over the size band × NAICS sector cells
  the generator draws it from (its account-level noise, log-sd 0.8, is known to no export),
  and the true wallet.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def measure(folder: Path, fit_settings: dict) -> dict[str, float]:
    import pandas as pd

    from run import scored_demo

    from segmint.dates import months_before
    from segmint.score.backtest import ranking_quality
    from segmint.score.fit import Fit

    context, run, seconds = scored_demo(folder, {"fit": fit_settings})
    project, as_of = context.project, context.as_of
    summary = run.frames["backtest"].set_index("score").loc["fit"]
    cutoff = months_before(as_of, project.backtest.months)
    outcome = Fit().outcome(context, cutoff).to_pandas()
    truth = pd.read_parquet(folder / "truth.parquet")
    cells = truth.groupby(["size_band", truth.naics.str[:2]])
    truth["knowable_p_win"] = cells.p_win.transform("mean")
    both = outcome.merge(truth, on="account_id").sort_values("account_id")
    won = both.outcome.to_numpy(dtype=bool)
    planted = ranking_quality(both.p_win.to_numpy(), won, probability=True).summary
    return {
        "accounts": float(summary["accounts"]), "wins": float(summary["positives"]),
        "fit_auc": float(summary["auc"]), "fit_top_decile_lift": float(summary["top_decile_lift"]),
        "fit_calibration_error": float(summary["calibration_error"]),
        "p_win_auc": float(planted["auc"]),
        "p_win_calibration_error": float(planted["calibration_error"]),
        "knowable_p_win_auc": float(
            ranking_quality(both.knowable_p_win.to_numpy(), won).summary["auc"]),
        "wallet_auc": float(ranking_quality(both.wallet.to_numpy(), won).summary["auc"]),
        "score_seconds": seconds,
    }


def main(argv: list[str] | None = None) -> int:
    from run import ensure_data, parse_size

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="20000")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--learn-from", default="wins")
    args = parser.parse_args(argv)
    settings = {"learn_from": args.learn_from.split(",")}
    for size in args.sizes.split(","):
        folder = ensure_data(parse_size(size), args.seed, print)
        figures = measure(folder, settings)
        print(f"{size} accounts, learn_from {settings['learn_from']}:")
        for name, value in figures.items():
            print(f"  {name:24s} {value:,.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

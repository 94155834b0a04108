"""How well the ICP fit ranks later wins on the demo company, against the planted `p_win`.

    .venv/bin/python benchmarks/fit.py                          # 20,000 accounts, seed 7
    .venv/bin/python benchmarks/fit.py --sizes 5000,20000 --learn-from wins,retention

For each size the demo company is generated (Parquet, cached in ``benchmarks/data/`` as
`run.py` does) and its accounts scored with ``scores: {fit: {...}}`` and the back-test on, then
again with the declared scorecard below. Printed, nothing asserted, all on the back-test's
population (accounts that existed and were open at the cut-off with a new-business deal
decided after it; the outcome is a win), so every figure ranks the same deals:

- the learned fit, refitted at the cut-off: AUC, top-decile lift and calibration error by
  decile (fit ÷ 100 against the win rate), and the gap to the planted ``p_win``'s AUC (the
  issue's target: within 0.03);
- the planted ``p_win`` (`segmint.demo.truth`), which drew every deal's outcome, and
  ``p_win_known``, the same without its hidden part (what the exports can tell);
- the declared scorecard: AUC and top-decile lift (its points are no probability, so it has
  no calibration error).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

# What an analyst would write from the seeds' criteria (lead source, engagement, sector,
# region, size) without the truth: referred and partner-sourced accounts, hot leads,
# technology and professional services, North America and larger companies score.
DECLARED = [
    {"when": 'accountsource in ["Referral", "Partner"]', "points": 30},
    {"when": 'accountsource == "Outbound"', "points": -15},
    {"when": "lead_score__c >= 70", "points": 20},
    {"when": "lead_score__c < 30", "points": -10},
    {"when": 'naics_sector in ["51", "54"]', "points": 15},
    {"when": 'region == "North America"', "points": 10},
    {"when": "employees >= 1000", "points": 10},
]


def measure(folder: Path, fit_settings: dict) -> tuple[dict[str, float], object]:
    """The figures of one fit on the demo in `folder`, and the learned fit's deciles."""
    import pandas as pd

    from run import scored_demo

    from segmint import tables as t
    from segmint.dates import months_before
    from segmint.score.backtest import known_at, ranking_quality
    from segmint.score.fit import Fit

    context, run, seconds = scored_demo(folder, {"fit": fit_settings})
    project, as_of = context.project, context.as_of
    summary = run.frames["backtest"].set_index("score").loc["fit"]
    deciles = run.frames["backtest_deciles"]
    cutoff = months_before(as_of, project.backtest.months)
    outcome = Fit().outcome(context, cutoff).to_pandas()
    existed = known_at(context.tables, cutoff)["accounts"].select(t.ACCOUNT_ID).to_pandas()
    truth = pd.read_parquet(folder / "truth.parquet")
    both = (outcome.merge(existed, on=t.ACCOUNT_ID).merge(truth, on=t.ACCOUNT_ID)
            .sort_values(t.ACCOUNT_ID))
    won = both.outcome.to_numpy(dtype=bool)
    planted = ranking_quality(both.p_win.to_numpy(), won, probability=True).summary
    known = ranking_quality(both.p_win_known.to_numpy(), won, probability=True).summary
    figures = {
        "accounts": float(summary["accounts"]), "wins": float(summary["positives"]),
        "truth_accounts": float(len(both)),
        "fit_auc": float(summary["auc"]), "fit_top_decile_lift": float(summary["top_decile_lift"]),
        "fit_calibration_error": float(summary["calibration_error"]),
        "p_win_auc": float(planted["auc"]),
        "p_win_calibration_error": float(planted["calibration_error"]),
        "p_win_known_auc": float(known["auc"]),
        "p_win_known_calibration_error": float(known["calibration_error"]),
        "score_seconds": seconds,
    }
    figures["p_win_auc_minus_fit_auc"] = figures["p_win_auc"] - figures["fit_auc"]
    return figures, deciles[deciles.score == "fit"]


def main(argv: list[str] | None = None) -> int:
    from run import ensure_data, parse_size

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="20000")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--learn-from", default="wins")
    parser.add_argument("--no-declared", action="store_true", help="skip the declared scorecard")
    args = parser.parse_args(argv)
    settings = {"learn_from": args.learn_from.split(",")}
    for size in args.sizes.split(","):
        folder = ensure_data(parse_size(size), args.seed, print)
        figures, deciles = measure(folder, settings)
        print(f"{size} accounts, learned fit, learn_from {settings['learn_from']}:")
        for name, value in figures.items():
            print(f"  {name:30s} {value:,.4f}")
        print("  calibration by decile (1 = highest fit): mean fit ÷ 100 against the win rate")
        for row in deciles.itertuples():
            print(f"    {row.decile:2d}  {row.mean_score:.3f}  {row.observed_rate:.3f}"
                  f"  ({row.positives} of {row.accounts})")
        if not args.no_declared:
            declared, _ = measure(folder, {"declared": DECLARED})
            print(f"{size} accounts, the declared scorecard (benchmarks/fit.py DECLARED):")
            for name in ("fit_auc", "fit_top_decile_lift", "p_win_auc", "p_win_auc_minus_fit_auc"):
                print(f"  {name:30s} {declared[name]:,.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

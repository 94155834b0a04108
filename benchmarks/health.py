"""How well account health, computed at a past cut-off, foretells churn on the demo company.

    .venv/bin/python benchmarks/health.py                 # 20,000 accounts, seed 7
    .venv/bin/python benchmarks/health.py --sizes 5000

For each size the demo company is generated (Parquet, cached in ``benchmarks/data/`` as
`run.py` does) and scored with the health scorecard the demo's segmint.yaml declares (or the
default one with ``--default-scorecard``), back-test on. Printed, nothing asserted, all on
the customers paying at the cut-off (six months before as_of), against churn after it:

- health at the cut-off: AUC on churn (low health first), churn rate by health band;
- the planted ``p_churn`` (`segmint.demo.truth`): what knowing each account's renewal odds
  reaches (each account's own draw from a Beta around its size band's rate);
- the planted usage fade: the change in seats used over the three months to the cut-off
  against the three before: the fade the generator plants ahead of a churn, and the drift
  down of the accounts whose usage shows a high p_churn.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def measure(folder: Path, default_scorecard: bool) -> dict[str, float]:
    import pandas as pd

    from run import scored_demo

    import segmint
    from segmint.dates import months_before
    from segmint.score.backtest import known_at, ranking_quality
    from segmint.score.health.measures import usage_means
    from segmint.score.health.validation import later_losses

    declared = segmint.load_project(folder / "segmint.yaml").scores.get("health") or {}
    context, run, seconds = scored_demo(
        folder, {"health": {} if default_scorecard else dict(declared)})
    project, as_of, tables = context.project, context.as_of, context.tables
    summary = run.frames["health_validation_summary"].set_index("figure").value
    by_band = run.frames["health_validation"]
    cutoff = months_before(as_of, project.backtest.months)
    losses = later_losses(tables, cutoff, as_of, 0.1).to_pandas()
    usage = usage_means(known_at(tables, cutoff)["usage"], ["seats_used"], cutoff, 3)
    fade = usage.to_pandas().assign(fade=lambda u: (u.seats_used_recent + 1) / (u.seats_used_prior + 1))
    truth = pd.read_parquet(folder / "truth.parquet")
    both = losses.merge(truth, on="account_id").merge(fade, on="account_id", how="left")
    both = both.sort_values("account_id")
    churned = both.churned.to_numpy(dtype=bool)
    figures = {
        "customers_at_cutoff": float(summary["customers at the cut-off"]),
        "churned_after": float(summary["churned after"]),
        "health_auc_on_churn": float(summary["AUC of health on churn"]),
        "health_auc_on_churn_or_contraction": float(
            summary["AUC of health on churn or contraction"]),
        "p_churn_auc": ranking_quality(both.p_churn.to_numpy(), churned).summary["auc"],
        "usage_fade_auc": ranking_quality(-both.fade.fillna(1.0).to_numpy(), churned)
        .summary["auc"],
        "score_seconds": seconds,
    }
    for row in by_band.itertuples():
        figures[f"churn_rate_{row.health_band}"] = row.churn_rate
    return figures


def main(argv: list[str] | None = None) -> int:
    from run import ensure_data, parse_size

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="20000")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--default-scorecard", action="store_true")
    args = parser.parse_args(argv)
    for size in args.sizes.split(","):
        folder = ensure_data(parse_size(size), args.seed, print)
        figures = measure(folder, args.default_scorecard)
        card = "default scorecard" if args.default_scorecard else "the demo's scorecard"
        print(f"{size} accounts, {card}:")
        for name, value in figures.items():
            print(f"  {name:36s} {value:,.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

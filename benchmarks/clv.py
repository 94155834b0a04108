"""BG/NBD at a million customers: the repeat-purchase summary in the engine, then the fit.

    .venv/bin/python benchmarks/clv.py                  # 1M customers, seed 7
    .venv/bin/python benchmarks/clv.py --customers 200k

Customers are drawn from BG/NBD with CDNOW-like parameters (r=0.243, alpha=4.414, a=0.793,
b=2.426, in weeks), first buying on one of the 84 days of a quarter and observed to 39 weeks
after its start, as in Fader, Hardie & Lee (2005). Their purchases are written to DuckDB as
a transactions table. Printed, nothing asserted:

- the engine summary: `segmint.score.clv.history.repeat_summary` and `repeat_patterns`
  (frequency, recency and age per account, then the distinct patterns with counts),
  fetched as pandas;
- the fit: `BetaGeo.fit` on the distinct patterns, best of `--repeat`, and the memory it
  allocates at its peak (tracemalloc);
- the recovered parameters and log-likelihood against the planted ones;
- `lifetimes` (a bench-only comparison, unmaintained) on the same patterns, when installed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
import tracemalloc

import numpy as np
import pyarrow as pa

PLANTED = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
START = dt.date(1997, 1, 1)
WEEKS = 39


def draw_purchases(customers: int, seed: int) -> tuple[pa.Table, dt.date]:
    """Every purchase of `customers` BG/NBD buyers (first purchases included), in days."""
    rng = np.random.default_rng(seed)
    p = PLANTED
    rate = rng.gamma(p["r"], 1 / p["alpha"], customers) / 7.0  # a day
    dropout = rng.beta(p["a"], p["b"], customers)
    first = rng.integers(0, 84, customers)
    horizon = (START + dt.timedelta(days=84 + WEEKS * 7) - START).days
    ids, days = [np.arange(customers)], [first]
    clock, live = first.astype(float), np.arange(customers)
    while live.size:
        clock[live] += rng.exponential(1 / rate[live])
        live = live[clock[live] < horizon]
        ids.append(live)
        days.append(np.floor(clock[live]).astype(np.int64))
        live = live[rng.random(live.size) >= dropout[live]]
    day = np.concatenate(days)
    table = pa.table({"account_id": pa.array(np.concatenate(ids)).cast(pa.string()),
                      "date": pa.array((np.datetime64(START) + day).astype("datetime64[D]")),
                      "amount": pa.array(np.full(day.size, 20.0))})
    return table, START + dt.timedelta(days=horizon - 1)


def best_of(repeat: int, work):
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = work()
        best = min(best, time.perf_counter() - started)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", default="1M")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    size = args.customers.upper()
    customers = int(float(size.rstrip("KM")) * {"K": 1e3, "M": 1e6}.get(size[-1], 1))

    import ibis

    from segmint.score.clv import history as h
    from segmint.score.clv.fitters import BetaGeo

    table, as_of = draw_purchases(customers, args.seed)
    print(f"{customers:,} customers, {table.num_rows:,} purchases, as of {as_of}")
    con = ibis.duckdb.connect()
    transactions = con.create_table("transactions", table)

    def summarise():
        bought, _ = h.purchases({"transactions": transactions}, as_of)
        return h.repeat_patterns(h.repeat_summary(bought, as_of)).to_pandas()

    summary_s, patterns = best_of(args.repeat, summarise)
    x = patterns[h.FREQUENCY].to_numpy(float)
    t_x = patterns[h.RECENCY_DAYS].to_numpy(float) / 7.0
    T = patterns[h.AGE_DAYS].to_numpy(float) / 7.0
    n = patterns[h.ACCOUNTS].to_numpy(float)
    fit_s, model = best_of(args.repeat, lambda: BetaGeo().fit(x, t_x, T, n))
    tracemalloc.start()
    BetaGeo().fit(x, t_x, T, n)
    peak_mb = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    print(f"engine summary: {summary_s:.3f} s -> {len(patterns):,} distinct patterns")
    print(f"BG/NBD fit:     {fit_s:.3f} s, peak {peak_mb:.1f} MB allocated")
    print(f"summary + fit:  {summary_s + fit_s:.3f} s")
    print("recovered       " + ", ".join(f"{k}={v:.4f}" for k, v in model.params_.items())
          + f"; LL {model.log_likelihood_:,.1f}")
    print("planted         " + ", ".join(f"{k}={v:.4f}" for k, v in PLANTED.items()))
    try:
        from lifetimes import BetaGeoFitter
    except ImportError:
        print("lifetimes:      not installed (pip install lifetimes), no comparison")
        return
    import pandas as pd

    frame = pd.DataFrame({"x": x, "t_x": t_x, "T": T, "n": n})
    theirs_s, theirs = best_of(args.repeat, lambda: BetaGeoFitter().fit(
        frame.x, frame.t_x, frame["T"], weights=frame.n))
    ll = -theirs._negative_log_likelihood(
        np.log(theirs.params_[["r", "alpha", "a", "b"]].to_numpy()),
        frame.x.to_numpy(), frame.t_x.to_numpy(), frame["T"].to_numpy(), frame.n.to_numpy(),
        0.0) * n.sum()
    print(f"lifetimes fit:  {theirs_s:.3f} s ({theirs_s / fit_s:.1f}x ours), LL {ll:,.1f}")


if __name__ == "__main__":
    main()

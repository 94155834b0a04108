"""BG/NBD at a million customers: the repeat-purchase summary in the engine, then the fit, beside
`lifetimes` and PyMC-Marketing (MAP) in the same run.

    .venv/bin/python benchmarks/clv.py                  # 1M customers, seed 7
    .venv/bin/python benchmarks/clv.py --customers 200k
    pip install -c constraints.txt -e ".[bench]"        # the comparison libraries

Customers are drawn from BG/NBD with CDNOW-like parameters (r=0.243, alpha=4.414, a=0.793,
b=2.426, in weeks), first buying on one of the 84 days of a quarter and observed to 39 weeks
after its start, as in Fader, Hardie & Lee (2005). Their purchases are written to DuckDB as
a transactions table. Printed, nothing asserted (the machine may be shared: every step gives
wall and CPU seconds, and the load average is printed before and after):

- the engine summary: `segmint.score.clv.history.purchases`, `repeat_summary` and
  `repeat_patterns` as one query returning the distinct (frequency, recency, T) patterns
  with counts, best of `--repeat`;
- the fit: `BetaGeo.fit` on those patterns, standard errors included, best of `--repeat`;
- the memory summary and fit add at their peak: resident memory sampled every 2 ms, less
  what the process held before (the purchases are already in DuckDB);
- the forecast per pattern the score joins back (`segmint.score.clv.value.pattern_forecast`);
- the recovered parameters and log-likelihood against the planted ones;
- `lifetimes` 0.11.3 (unmaintained) on one row per customer and on the patterns with
  weights, and PyMC-Marketing 0.19.2's `BetaGeoModel` by MAP on one row per customer (it
  takes no weights; best of two, the first compiling its model), each when installed (the
  ``bench`` extra). Their log-likelihood is
  ours evaluated at their parameters (one formula for all): PyMC-Marketing's MAP includes
  its default priors, so it can sit a little below the maximum.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import threading
import time
import warnings

import numpy as np
import pyarrow as pa

PLANTED = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
START = dt.date(1997, 1, 1)
WEEKS = 39
PAGE_MB = os.sysconf("SC_PAGE_SIZE") / 1e6


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
    """(wall seconds, CPU seconds of the process, result) of the fastest of `repeat` runs."""
    best, result = (float("inf"), float("inf")), None
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        result = work()
        best = min(best, (time.perf_counter() - wall, time.process_time() - cpu))
    return (*best, result)


def resident_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE_MB


def added_memory_mb(work) -> float:
    """Peak resident memory while `work` runs, less what the process held before it."""
    before, peak, done = resident_mb(), [0.0], threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], resident_mb())
            time.sleep(0.002)

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        work()
    finally:
        done.set()
        sampler.join()
    return max(peak[0], resident_mb()) - before


def load() -> str:
    return "load average " + ", ".join(f"{v:.1f}" for v in os.getloadavg())


def seconds(wall: float, cpu: float) -> str:
    return f"{wall:6.3f} s wall, {cpu:6.3f} s CPU"


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
    from segmint.score.clv.likelihoods import BgnbdTotal

    table, as_of = draw_purchases(customers, args.seed)
    print(f"{customers:,} customers, {table.num_rows:,} purchases, as of {as_of}; {load()}")
    con = ibis.duckdb.connect()
    transactions = con.create_table("transactions", table)
    del table

    def summarise():
        bought, _ = h.purchases({"transactions": transactions}, as_of)
        return h.repeat_patterns(h.repeat_summary(bought, as_of)).to_pandas()

    summary_wall, summary_cpu, patterns = best_of(args.repeat, summarise)
    x = patterns[h.FREQUENCY].to_numpy(float)
    t_x = patterns[h.RECENCY_DAYS].to_numpy(float) / 7.0
    T = patterns[h.AGE_DAYS].to_numpy(float) / 7.0
    n = patterns[h.ACCOUNTS].to_numpy(float)
    fit_wall, fit_cpu, model = best_of(args.repeat, lambda: BetaGeo().fit(x, t_x, T, n))
    added = added_memory_mb(lambda: BetaGeo().fit(*_arrays(summarise(), h)))
    total = BgnbdTotal(x, t_x, T, n)

    def loglik(params: dict) -> float:  # ours, at anyone's parameters
        return total(np.log([params[k] for k in ("r", "alpha", "a", "b")]))[0]

    ours = model.log_likelihood_
    print(f"engine summary: {seconds(summary_wall, summary_cpu)} -> {len(patterns):,} "
          "distinct patterns")
    print(f"BG/NBD fit:     {seconds(fit_wall, fit_cpu)} (standard errors included)")
    print(f"summary + fit:  {seconds(summary_wall + fit_wall, summary_cpu + fit_cpu)}; "
          f"{added:,.0f} MB added memory at the peak")
    from segmint.score.clv.value import pattern_forecast

    forecast_wall, forecast_cpu, _ = best_of(args.repeat, lambda: pattern_forecast(
        model, patterns, horizon_months=36, annual_discount_rate=0.10))
    print(f"forecast:       {seconds(forecast_wall, forecast_cpu)} (P(alive) and 36 months "
          "of discounted purchases per pattern, what the score joins back)")
    print("recovered       " + _params(model.params_) + f"; LL {ours:,.2f}")
    print("planted         " + _params(PLANTED))

    try:
        from lifetimes import BetaGeoFitter
    except ImportError:
        print("lifetimes:      not installed (pip install -c constraints.txt -e '.[bench]'), "
              "skipped")
    else:
        per_customer = h.repeat_summary(h.purchases({"transactions": transactions}, as_of)[0],
                                        as_of).to_pandas()
        frequency = per_customer[h.FREQUENCY].to_numpy(float)
        recency = per_customer[h.RECENCY_DAYS].to_numpy(float) / 7.0
        age = per_customer[h.AGE_DAYS].to_numpy(float) / 7.0
        for label, inputs, weights in (("one row a customer", (frequency, recency, age), None),
                                       ("patterns, weights", (x, t_x, T), n)):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # its pandas and numpy deprecations
                wall, cpu, theirs = best_of(1, lambda: BetaGeoFitter().fit(
                    *inputs, weights=weights))
            params = {k: float(theirs.params_[k]) for k in ("r", "alpha", "a", "b")}
            print(f"lifetimes ({label}): {seconds(wall, cpu)}, {wall / fit_wall:5.1f}x our "
                  f"fit's wall; {_params(params)}; LL {loglik(params):,.2f} "
                  f"({loglik(params) - ours:+.3f} against ours)")

    try:
        from pymc_marketing.clv import BetaGeoModel
    except ImportError:
        print("pymc-marketing: not installed (pip install -c constraints.txt -e '.[bench]'), "
              "skipped")
    else:
        if "per_customer" not in locals():
            per_customer = h.repeat_summary(
                h.purchases({"transactions": transactions}, as_of)[0], as_of).to_pandas()
        data = per_customer.assign(customer_id=np.arange(len(per_customer)),
                                   recency=per_customer[h.RECENCY_DAYS] / 7.0,
                                   T=per_customer[h.AGE_DAYS] / 7.0)[
            ["customer_id", h.FREQUENCY, "recency", "T"]]

        def pymc_map():
            fitted = BetaGeoModel(data=data)
            fitted.fit(method="map", progressbar=False)
            return fitted

        with warnings.catch_warnings():  # the first fit compiles the model (cached on disk)
            warnings.simplefilter("ignore")
            wall, cpu, fitted = best_of(2, pymc_map)
        posterior = fitted.idata.posterior
        params = {k: float(posterior[k].values.ravel()[0]) for k in ("r", "alpha", "a", "b")}
        print(f"PyMC-Marketing MAP (one row a customer): {seconds(wall, cpu)}, "
              f"{wall / fit_wall:5.1f}x our fit's wall; {_params(params)}; "
              f"LL {loglik(params):,.2f} ({loglik(params) - ours:+.3f} against ours)")
    print(load())


def _arrays(patterns, h) -> tuple[np.ndarray, ...]:
    return (patterns[h.FREQUENCY].to_numpy(float), patterns[h.RECENCY_DAYS].to_numpy(float) / 7.0,
            patterns[h.AGE_DAYS].to_numpy(float) / 7.0, patterns[h.ACCOUNTS].to_numpy(float))


def _params(params: dict) -> str:
    return ", ".join(f"{k}={v:.4f}" for k, v in params.items())


if __name__ == "__main__":
    main()

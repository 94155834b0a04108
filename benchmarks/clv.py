"""BG/NBD at a million customers: the repeat-purchase summary in the engine, then the fit, beside
`lifetimes` and PyMC-Marketing (MAP) in the same run.

    .venv/bin/python benchmarks/clv.py                  # 1M customers, seed 7
    .venv/bin/python benchmarks/clv.py --customers 200k
    .venv/bin/python benchmarks/clv.py --kept           # the score's path only (below)
    pip install -c constraints.txt -e ".[bench]"        # the comparison libraries

Customers are drawn from BG/NBD with CDNOW-like parameters (r=0.243, alpha=4.414, a=0.793,
b=2.426, in weeks), first buying on one of the 84 days of a quarter and observed to 39 weeks
after its start, as in Fader, Hardie & Lee (2005); each purchase's value from Gamma-Gamma
with the paper's CDNOW estimates (p=6.25, q=3.74, gamma=15.44), in whole cents. Their
purchases are written to DuckDB as a transactions table. Printed, nothing asserted (the
machine may be shared: every step gives wall and CPU seconds, and the load average is printed
before and after):

- the engine summary: `segmint.score.clv.history.purchases`, `repeat_summary` and
  `fit_patterns` as one query returning BG/NBD's distinct (frequency, recency, T) patterns
  and Gamma-Gamma's distinct (frequency, repeat cents) pairs with counts, through Arrow to
  NumPy, best of `--repeat`; its parts (building and compiling the Ibis expression, DuckDB
  executing the SQL to Arrow, Arrow to NumPy); and BG/NBD's patterns alone
  (`repeat_patterns`), the issue's target;
- the fits: `BetaGeo.fit` and `GammaGamma.fit` on those patterns, standard errors included,
  best of `--repeat`;
- the memory summary and fits add at their peak, on their first run (DuckDB keeps what it
  allocated for later runs): resident memory sampled every 2 ms, less what the process held
  before (the purchases are already in DuckDB);
- the forecast per pattern the score joins back (`segmint.score.clv.value.pattern_forecast`);
- the recovered parameters and log-likelihoods against the planted ones, and against the
  same fits on one row per customer;
- `lifetimes` 0.11.3 (unmaintained) on one row per customer and on the patterns with
  weights, and PyMC-Marketing 0.19.2's `BetaGeoModel` by MAP on one row per customer (it
  takes no weights; best of two, the first compiling its model), each when installed (the
  ``bench`` extra). Their log-likelihood is
  ours evaluated at their parameters (one formula for all): PyMC-Marketing's MAP includes
  its default priors, so it can sit a little below the maximum.

``--kept`` measures the score's own path instead, in a fresh process: the CLV score keeps one
summary row per account (`repeat_summary`, kept in the engine as ``clv_summary``: what it
forecasts each account from, and what a finance team exports), then fits on the patterns of
that kept table. So the fit's own summary is `fit_patterns` over the kept per-account rows, the
same input `lifetimes` takes (one row a customer, or its distinct tuples with weights). Printed:
keeping the per-account summary, then the patterns from it plus both fits, each with wall, CPU
and the memory it adds on its first run, and BG/NBD alone (its patterns and its fit).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import threading
import time
import warnings

import numpy as np
import pandas as pd
import pyarrow as pa

PLANTED = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
PLANTED_SPEND = {"p": 6.25, "q": 3.74, "gamma": 15.44}  # "RFM and CLV" (2005), CDNOW
START = dt.date(1997, 1, 1)
WEEKS = 39
PAGE_MB = os.sysconf("SC_PAGE_SIZE") / 1e6


def draw_purchases(customers: int, seed: int) -> tuple[pa.Table, dt.date]:
    """Every purchase of `customers` BG/NBD buyers (first purchases included), in days,
    each worth a Gamma-Gamma draw."""
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
    day, buyer = np.concatenate(days), np.concatenate(ids)
    # drawn after the days, so the purchases are the same as before spend was drawn
    g = PLANTED_SPEND
    nu = rng.gamma(g["q"], 1 / g["gamma"], customers)
    amount = np.maximum(np.round(rng.gamma(g["p"], 1 / nu[buyer]), 2), 0.01)  # a cent at least
    table = pa.table({"account_id": pa.array(buyer).cast(pa.string()),
                      "date": pa.array((np.datetime64(START) + day).astype("datetime64[D]")),
                      "amount": pa.array(amount)})
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
    parser.add_argument("--kept", action="store_true",
                        help="only the score's path: per-account summary kept, then the fits")
    args = parser.parse_args()
    size = args.customers.upper()
    customers = int(float(size.rstrip("KM")) * {"K": 1e3, "M": 1e6}.get(size[-1], 1))

    import ibis

    from segmint.score.clv import history as h
    from segmint.score.clv.fitters import BetaGeo, GammaGamma
    from segmint.score.clv.likelihoods import BgnbdTotal

    table, as_of = draw_purchases(customers, args.seed)
    print(f"{customers:,} customers, {table.num_rows:,} purchases, as of {as_of}; {load()}")
    con = ibis.duckdb.connect()
    transactions = con.create_table("transactions", table)
    del table

    def summary():
        return h.repeat_summary(h.purchases({"transactions": transactions}, as_of)[0], as_of)

    if args.kept:
        _score_path(con, summary, args.repeat)
        print(load())
        return

    def summary_and_fits():
        repeat, pairs = h.fit_patterns(summary())
        BetaGeo().fit(*_arrays(repeat, h))
        GammaGamma().fit(*h.spend_arrays(pairs))

    # first, before DuckDB has run the summary: later runs reuse the memory it kept
    added = added_memory_mb(summary_and_fits)
    summary_wall, summary_cpu, (patterns, spend) = best_of(
        args.repeat, lambda: h.fit_patterns(summary()))
    x, t_x, T, n = _arrays(patterns, h)
    gx, gm, gn = h.spend_arrays(spend)
    fit_wall, fit_cpu, model = best_of(args.repeat, lambda: BetaGeo().fit(x, t_x, T, n))
    spend_wall, spend_cpu, spend_model = best_of(args.repeat,
                                                 lambda: GammaGamma().fit(gx, gm, gn))

    total = BgnbdTotal(x, t_x, T, n)

    def loglik(params: dict) -> float:  # ours, at anyone's parameters
        return total(np.log([params[k] for k in ("r", "alpha", "a", "b")]))[0]

    ours = model.log_likelihood_
    print(f"engine summary: {seconds(summary_wall, summary_cpu)} -> {len(n):,} distinct "
          f"(frequency, recency, T) patterns and {len(gn):,} (frequency, repeat cents) pairs "
          f"of {gn.sum():,.0f} repeat buyers, one query")
    print("  of which       " + _summary_parts(con, summary, args.repeat))
    alone_wall, alone_cpu, _ = best_of(args.repeat,
                                       lambda: h.collect(h.repeat_patterns(summary())))
    print(f"  BG/NBD alone: {seconds(alone_wall, alone_cpu)} (repeat_patterns: no spend)")
    print(f"BG/NBD fit:     {seconds(fit_wall, fit_cpu)} (standard errors included)")
    print(f"Gamma-Gamma fit: {seconds(spend_wall, spend_cpu)} (standard errors included)")
    both = seconds(summary_wall + fit_wall + spend_wall, summary_cpu + fit_cpu + spend_cpu)
    print(f"summary + fits: {both}; {added:,.0f} MB added memory at the peak of the first run")
    print(f"BG/NBD alone + fit: {seconds(alone_wall + fit_wall, alone_cpu + fit_cpu)}")
    from segmint.score.clv.value import pattern_forecast

    frame = pd.DataFrame(patterns)
    forecast_wall, forecast_cpu, _ = best_of(args.repeat, lambda: pattern_forecast(
        model, frame, horizon_months=36, annual_discount_rate=0.10))
    print(f"forecast:       {seconds(forecast_wall, forecast_cpu)} (P(alive) and 36 months "
          "of discounted purchases per pattern, what the score joins back)")
    per_customer = h.collect(summary())  # for the comparisons only
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a warning, if any, is the patterns' fit's too
        each = BetaGeo().fit(per_customer[h.FREQUENCY], per_customer[h.RECENCY_DAYS] / 7.0,
                             per_customer[h.AGE_DAYS] / 7.0)
        spend_each = GammaGamma().fit(per_customer[h.FREQUENCY], per_customer[h.MEAN_SPEND])
    print("recovered       " + _params(model.params_) + f"; LL {ours:,.3f} "
          f"({ours - each.log_likelihood_:+.2g} against our fit on one row per customer)")
    print("planted         " + _params(PLANTED))
    spend_ll = spend_model.log_likelihood_
    print("Gamma-Gamma     " + _params(spend_model.params_) + f"; LL {spend_ll:,.3f} "
          f"({spend_ll - spend_each.log_likelihood_:+.2g} against our fit on one row per "
          "customer)")
    print("planted         " + _params(PLANTED_SPEND))

    try:
        from lifetimes import BetaGeoFitter
    except ImportError:
        print("lifetimes:      not installed (pip install -c constraints.txt -e '.[bench]'), "
              "skipped")
    else:
        frequency = per_customer[h.FREQUENCY].astype(float)
        recency = per_customer[h.RECENCY_DAYS] / 7.0
        age = per_customer[h.AGE_DAYS] / 7.0
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
        data = pd.DataFrame({"customer_id": np.arange(per_customer[h.FREQUENCY].size),
                             h.FREQUENCY: per_customer[h.FREQUENCY],
                             "recency": per_customer[h.RECENCY_DAYS] / 7.0,
                             "T": per_customer[h.AGE_DAYS] / 7.0})

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


def _score_path(con, summary, repeat: int) -> None:
    """The CLV score's path: the per-account summary kept once in the engine (as the score
    keeps it), then the patterns of the kept table and both fits, each first run measured for
    memory, then best of `repeat`."""
    from segmint import engine
    from segmint.score.clv import history as h
    from segmint.score.clv.fitters import BetaGeo, GammaGamma

    kept = {}

    def keep():
        kept["summary"] = engine.materialise(con, summary(), "clv_summary")

    def fits():
        repeat_patterns, pairs = h.fit_patterns(kept["summary"])
        BetaGeo().fit(*_arrays(repeat_patterns, h))
        GammaGamma().fit(*h.spend_arrays(pairs))
        return len(repeat_patterns[h.ACCOUNTS]), len(pairs[h.ACCOUNTS])

    kept_added = added_memory_mb(keep)
    fits_added = added_memory_mb(fits)
    keep_wall, keep_cpu, _ = best_of(repeat, keep)
    patterns_wall, patterns_cpu, _ = best_of(repeat, lambda: h.fit_patterns(kept["summary"]))
    fits_wall, fits_cpu, (patterns, pairs) = best_of(repeat, fits)

    def bgnbd_alone():
        BetaGeo().fit(*_arrays(h.collect(h.repeat_patterns(kept["summary"])), h))

    alone_wall, alone_cpu, _ = best_of(repeat, bgnbd_alone)
    rows = kept["summary"].count().execute()
    print(f"per-account summary kept ({rows:,} rows, what the score forecasts each account "
          f"from): {seconds(keep_wall, keep_cpu)}; {kept_added:,.0f} MB added on its first run")
    print(f"  patterns of the kept summary ({patterns:,} and {pairs:,}, one query): "
          f"{seconds(patterns_wall, patterns_cpu)}")
    print(f"  patterns + both fits (the fit's own summary and fit): "
          f"{seconds(fits_wall, fits_cpu)}; {fits_added:,.0f} MB added on its first run")
    print(f"  BG/NBD alone: its patterns of the kept summary + its fit: "
          f"{seconds(alone_wall, alone_cpu)}")


def _arrays(patterns, h) -> tuple[np.ndarray, ...]:
    return (patterns[h.FREQUENCY].astype(float), patterns[h.RECENCY_DAYS] / 7.0,
            patterns[h.AGE_DAYS] / 7.0, patterns[h.ACCOUNTS].astype(float))


def _summary_parts(con, summary, repeat: int) -> str:
    """Where the summary's time goes: building the Ibis expression `fit_patterns` runs
    (`both_patterns`) and compiling it to SQL, DuckDB executing that SQL to Arrow, and Arrow
    to NumPy."""
    import ibis

    from segmint.score.clv import history as h

    compile_wall, compile_cpu, sql = best_of(repeat, lambda: ibis.to_sql(
        h.both_patterns(summary()), dialect="duckdb"))
    run_wall, run_cpu, _ = best_of(repeat, lambda: con.con.sql(str(sql)).fetch_arrow_table())
    arrow = h.both_patterns(summary()).to_pyarrow()  # what fit_patterns splits: one chunk
    numpy_wall, numpy_cpu, _ = best_of(repeat, lambda: h.split_patterns(arrow))
    return (f"Ibis to SQL {seconds(compile_wall, compile_cpu)}; DuckDB to Arrow "
            f"{seconds(run_wall, run_cpu)}; Arrow to NumPy {seconds(numpy_wall, numpy_cpu)}")


def _params(params: dict) -> str:
    return ", ".join(f"{k}={v:.4f}" for k, v in params.items())


if __name__ == "__main__":
    main()

"""Spark's fixed cost per run on tiny data, and what Spark's SQL settings do to it, in one JVM.

    .venv/bin/python benchmarks/spark_fixed_cost.py                 # the starter project, 2 accounts
    .venv/bin/python benchmarks/spark_fixed_cost.py --demo 40       # the demo project, 40 accounts
    .venv/bin/python benchmarks/spark_fixed_cost.py --rounds 3
    .venv/bin/python benchmarks/spark_fixed_cost.py --conf spark.driver.extraJavaOptions=-XX:TieredStopAtLevel=1

The project runs once on DuckDB (the baseline, same process, same files) and once on Spark to
start and warm the JVM; then, round after round, once per candidate setting (SQL settings a
running session can change, so every candidate shares one JVM and the machine's load hits
them alike). Per candidate it prints the best wall time, the CPU time of Python and of the JVM
(read from /proc: a shared machine moves wall time, CPU time much less), the Spark jobs run,
and the ratio to segmint's own settings. Answers are not compared here: the parity tests
(tests/engines) do that for any setting segmint keeps. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

# Each is applied alone over segmint's own settings (`segmint.engine.SPARK_CONF`).
CANDIDATES = {
    "segmint's settings": {},
    "no adaptive execution": {"spark.sql.adaptive.enabled": "false"},
    "1 shuffle partition": {"spark.sql.shuffle.partitions": "1"},
    "no whole-stage codegen": {"spark.sql.codegen.wholeStage": "false"},
    "no codegen at all": {"spark.sql.codegen.wholeStage": "false",
                          "spark.sql.codegen.factoryMode": "NO_CODEGEN"},
    "optimizer: 20 iterations": {"spark.sql.optimizer.maxIterations": "20"},
    "no Arrow": {"spark.sql.execution.arrow.pyspark.enabled": "false"},
}
TWO_ACCOUNTS = "Id,Name,NumberOfEmployees,BillingCountry\nA1,Acme,12,USA\nB2,Beta,5000,France\n"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def project_folder(demo_accounts: int) -> Path:
    """The starter project on a two-account export, or the demo project of `demo_accounts`."""
    from segmint.config.starter import STARTER, demo_project
    from segmint.demo.generator import generate_company

    folder = Path(tempfile.mkdtemp(prefix="segmint-spark-fixed-"))
    if demo_accounts:
        generate_company(folder, accounts=demo_accounts, seed=7)
        (folder / "segmint.yaml").write_text(demo_project("csv"))
    else:
        (folder / "accounts.csv").write_text(TWO_ACCOUNTS)
        (folder / "segmint.yaml").write_text(STARTER)
    return folder


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a live process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def timed_run(project, con, jvm_pid: int | None) -> dict[str, float]:
    """Wall, Python CPU and JVM CPU seconds of one `run` of `project` on `con`."""
    from segmint.pipeline import run

    jvm = process_cpu(jvm_pid) if jvm_pid else 0.0
    python, start = process_cpu(os.getpid()), time.perf_counter()
    run(project, con=con, write=False)
    return {"wall": time.perf_counter() - start, "python": process_cpu(os.getpid()) - python,
            "jvm": (process_cpu(jvm_pid) - jvm) if jvm_pid else 0.0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--demo", type=int, default=0, help="the demo project of this many accounts")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--only", action="append", help="candidates to run (by name)")
    parser.add_argument("--conf", action="append", default=[],
                        help="key=value: a setting for the session itself (JVM options too)")
    args = parser.parse_args()
    from segmint import engine
    from segmint.config.project import load_project

    print(f"load average at start: {os.getloadavg()[0]:.1f}", flush=True)
    project = load_project(project_folder(args.demo) / "segmint.yaml")
    timed_run(project, engine.connect("duckdb"), None)  # imports and caches: not the baseline
    duckdb = timed_run(project, engine.connect("duckdb"), None)
    print(f"duckdb: {duckdb['wall']:.1f} s wall, {duckdb['python']:.1f} s CPU", flush=True)
    started = time.perf_counter()
    spark = engine.connect("spark", conf=dict(item.split("=", 1) for item in args.conf))
    session = spark._session
    jvm_pid = session.sparkContext._gateway.proc.pid
    print(f"spark session started in {time.perf_counter() - started:.1f} s", flush=True)
    first = timed_run(project, spark, jvm_pid)
    print(f"spark, first run: {first['wall']:.1f} s wall, CPU {first['python']:.1f} s Python + "
          f"{first['jvm']:.1f} s JVM", flush=True)
    chosen = {name: conf for name, conf in CANDIDATES.items()
              if not args.only or name in args.only or not conf}
    defaults = {key: session.conf.get(key, None) for conf in chosen.values() for key in conf}
    tracker = session.sparkContext.statusTracker()
    results: dict[str, list[dict[str, float]]] = {name: [] for name in chosen}
    for round_ in range(args.rounds):
        for name, conf in chosen.items():
            for key, value in {**defaults, **conf}.items():
                if value is None:
                    session.conf.unset(key)
                else:
                    session.conf.set(key, value)
            jobs = max(tracker.getJobIdsForGroup(), default=-1)
            figures = timed_run(project, spark, jvm_pid)
            figures["jobs"] = max(tracker.getJobIdsForGroup(), default=-1) - jobs
            results[name].append(figures)
            print(f"  round {round_ + 1} {name:26} {figures['wall']:6.1f} s wall, CPU "
                  f"{figures['python']:5.1f} s Python + {figures['jvm']:5.1f} s JVM, "
                  f"{figures['jobs']} jobs", flush=True)
    base = min(r["wall"] for r in results["segmint's settings"])
    base_cpu = min(r["python"] + r["jvm"] for r in results["segmint's settings"])
    print(f"\n{'setting':26} {'best wall':>9} {'best CPU':>9} {'ratio (wall)':>12} "
          f"{'ratio (CPU)':>11} {'vs DuckDB':>9}")
    for name, runs in results.items():
        wall, cpu = min(r["wall"] for r in runs), min(r["python"] + r["jvm"] for r in runs)
        print(f"{name:26} {wall:8.1f}s {cpu:8.1f}s {wall / base:11.2f}× {cpu / base_cpu:10.2f}× "
              f"{wall / duckdb['wall']:8.1f}×")
    print(f"load average at end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()

"""What JVM options do to Spark's cost on small data: fresh JVMs, alternating, CPU of Python + JVM.

    .venv/bin/python benchmarks/spark_jvm_options.py                       # demo, 300 accounts
    .venv/bin/python benchmarks/spark_jvm_options.py --demo 2000 --rounds 1
    .venv/bin/python benchmarks/spark_jvm_options.py --only "C1 only" --stages
    .venv/bin/python benchmarks/spark_jvm_options.py --pytest tests/analyse/test_performance.py
    .venv/bin/python benchmarks/spark_jvm_options.py --pytest tests/enrich --only "no whole-stage codegen"

JVM options only act when the JVM starts, so unlike `spark_fixed_cost.py` (SQL settings, one
JVM) every run here is a fresh process with its own JVM, and the candidates take turns, round
after round, so a shared machine's load hits them alike. Each run's wall time and the CPU time
of everything it started (Python and the Spark JVM; the harness is their child subreaper, so
the JVM is counted even when it outlives Python) are printed with the load average at start,
and per candidate the mean and the ratio to segmint's own options.

The default workload is the demo project on Spark (``run(..., write=False)``), with the options
given as ``spark.driver.extraJavaOptions`` as a project's ``spark.conf`` would; ``--stages``
also prints each pipeline stage's wall, JVM CPU and Spark jobs. ``--pytest`` runs the Spark half
of a test file instead (``SEGMINT_BACKENDS=pyspark``), the options given through
``JAVA_TOOL_OPTIONS`` (so Spark's launcher JVM, a second of CPU, gets them too), on top of the
test session's own (`tests/conftest.py`). A candidate may also set Spark SQL settings: in the
demo's session conf, or for pytest as ``--conf`` in ``PYSPARK_SUBMIT_ARGS`` (a setting the
tests' session also sets is theirs). Answers are not compared here: the parity tests do that
for options segmint keeps. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# Each adds JVM options to segmint's own (`segmint.engine.spark`) and, if any, Spark SQL
# settings to its session's. With --pytest the first is the test session's own settings.
BASE = "segmint's options"
CANDIDATES: dict[str, tuple[str, dict[str, str]]] = {
    BASE: ("", {}),
    "C1 only": ("-XX:TieredStopAtLevel=1", {}),
    "C1 only + serial GC": ("-XX:TieredStopAtLevel=1 -XX:+UseSerialGC", {}),
    # Expressions still compiled, but no whole-stage Java per plan (fewer, smaller classes
    # for Janino and the JIT); unlike NO_CODEGEN, nothing runs interpreted.
    "no whole-stage codegen": ("", {"spark.sql.codegen.wholeStage": "false"}),
}
PR_SET_CHILD_SUBREAPER = 36
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a live process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def run_demo_on_spark(accounts: int, java_options: str, settings: dict[str, str]) -> None:
    """The child: the demo project on Spark once; one JSON line of per-stage figures."""
    from segmint import engine
    from segmint.config.project import load_project
    from segmint.config.starter import demo_project
    from segmint.demo.generator import generate_company
    from segmint.pipeline import run

    folder = Path(tempfile.mkdtemp(prefix="segmint-jvm-options-"))
    generate_company(folder, accounts=accounts, seed=3, file_format="csv")
    (folder / "segmint.yaml").write_text(demo_project("csv"))
    project = load_project(folder / "segmint.yaml")
    conf = {"spark.driver.extraJavaOptions": java_options} if java_options else {}
    conf.update(settings)
    con = engine.connect("spark", conf=conf)
    jvm_pid = con._session.sparkContext._gateway.proc.pid
    tracker = con._session.sparkContext.statusTracker()
    stages: list[dict] = []

    def mark(stage: str) -> None:
        stages.append({"stage": stage, "at": time.perf_counter(), "jvm": process_cpu(jvm_pid),
                       "python": process_cpu(os.getpid()),
                       "jobs": max(tracker.getJobIdsForGroup(), default=-1)})

    mark("start")
    run(project, con=con, progress=mark, write=False)
    mark("end")
    spans = [{"stage": a["stage"], "wall": b["at"] - a["at"], "jvm": b["jvm"] - a["jvm"],
              "python": b["python"] - a["python"], "jobs": b["jobs"] - a["jobs"]}
             for a, b in zip(stages, stages[1:])]
    print("STAGES " + json.dumps(spans[1:]), flush=True)


def measured(command: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Wall and CPU seconds of `command` and every process it started, and its output."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    while True:  # orphans (a JVM outliving Python) were re-parented here: reap them too
        try:
            os.wait()
        except ChildProcessError:
            break
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode not in (0, 5):  # pytest's 5: nothing collected
        sys.exit(f"{' '.join(command)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return wall, cpu, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--demo", type=int, default=300, help="demo accounts (default 300)")
    parser.add_argument("--pytest", help="a test file whose Spark half is run instead")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--only", action="append", help="candidates to run (by name)")
    parser.add_argument("--stages", action="store_true", help="print each stage's figures")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--child-settings", default="{}", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        return run_demo_on_spark(args.demo, args.child, json.loads(args.child_settings))
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    chosen = {name: candidate for name, candidate in CANDIDATES.items()
              if not args.only or name in args.only or name == BASE}
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in chosen}
    for round_ in range(args.rounds):
        for name, (options, settings) in chosen.items():
            env = dict(os.environ)
            if args.pytest:
                submit = "".join(f"--conf {key}={value} " for key, value in settings.items())
                env.update(SEGMINT_BACKENDS="pyspark", JAVA_TOOL_OPTIONS=options,
                           PYSPARK_SUBMIT_ARGS=f"{submit}pyspark-shell")
                command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "-m", "pyspark", args.pytest]
            else:
                command = [sys.executable, __file__, "--demo", str(args.demo), f"--child={options}",
                           f"--child-settings={json.dumps(settings)}"]
            load = os.getloadavg()[0]
            wall, cpu, output = measured(command, env)
            results[name].append((wall, cpu))
            print(f"round {round_ + 1} {name:22} load {load:4.1f}: {wall:6.1f} s wall, "
                  f"{cpu:6.1f} s CPU", flush=True)
            if args.stages and not args.pytest:
                spans = json.loads(output.split("STAGES ", 1)[1].splitlines()[0])
                for span in spans:
                    print(f"    {span['stage']:24} {span['wall']:6.1f} s wall, CPU "
                          f"{span['python']:5.1f} s Python + {span['jvm']:5.1f} s JVM, "
                          f"{span['jobs']:3} jobs", flush=True)
    base = results[BASE]
    base_wall, base_cpu = (sum(r[i] for r in base) / len(base) for i in (0, 1))
    print(f"\n{'options':22} {'mean wall':>9} {'mean CPU':>9} {'ratio (wall)':>12} {'ratio (CPU)':>11}")
    for name, runs in results.items():
        wall, cpu = (sum(r[i] for r in runs) / len(runs) for i in (0, 1))
        print(f"{name:22} {wall:8.1f}s {cpu:8.1f}s {wall / base_wall:11.2f}× {cpu / base_cpu:10.2f}×")


if __name__ == "__main__":
    main()

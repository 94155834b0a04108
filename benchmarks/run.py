"""segmint end-to-end benchmark: time, peak memory and the ratios to bare and fair DuckDB, per size.

    make bench                                  # 100k and 1M accounts (a few minutes)
    .venv/bin/python benchmarks/run.py --sizes 100k,1M,5M
    .venv/bin/python benchmarks/run.py --full   # adds 5M
    .venv/bin/python benchmarks/run.py --sizes 100k --engines duckdb,spark   # Spark beside

For each size the demo company is generated as Parquet (cached in ``benchmarks/data/``), then a
fresh Python process runs the whole pipeline (load, validate, enrich, assign, performance
analysis, outputs) and, after it, in the same process, the bare DuckDB baseline
(`baseline.py`: two queries, no validation) and the fair one (`fair_baseline.py`: the same
validation and rejects by hand, under the same memory limit); with ``--engines duckdb,spark``
a second fresh process runs the same project on Spark, checked against DuckDB's answer.
Nothing is asserted: the figures are printed and written to ``benchmarks/results/`` as JSON
so that commits can be compared (see ``benchmarks/README.md``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = HERE / "data"
RESULTS = HERE / "results"
PAGE = os.sysconf("SC_PAGE_SIZE")
MB = 1024 * 1024


# --------------------------------------------------------------------------- sizes and data
def parse_size(text: str) -> int:
    """'100k' → 100000, '1M' → 1000000, '250000' → 250000."""
    text = text.strip()
    scale = {"k": 1_000, "K": 1_000, "m": 1_000_000, "M": 1_000_000}.get(text[-1:], 1)
    return int(float(text[:-1] if scale > 1 else text) * scale)


def label(n: int) -> str:
    if n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n % 1_000 == 0:
        return f"{n // 1_000}k"
    return str(n)


def generator_version() -> str:
    """Short hash of the generator's source (every module of `segmint.demo`), so a changed
    generator regenerates the cache."""
    digest = hashlib.sha256()
    for module in sorted((ROOT / "src" / "segmint" / "demo").glob("*.py")):
        digest.update(module.name.encode() + b"\0" + module.read_bytes())
    return digest.hexdigest()[:8]


def scored_demo(folder: Path, scores: dict):
    """The demo project in `folder` loaded, enriched and scored with `scores` alone (and its
    back-test): (context, the score run, seconds scoring took). For the model benchmarks."""
    import functools

    import segmint
    from segmint import engine
    from segmint.context import RunContext
    from segmint.dates import resolve_as_of
    from segmint.enrich import enrich_tables
    from segmint.pipeline import _load, connect
    from segmint.score.stage import score_accounts

    project = segmint.load_project(folder / "segmint.yaml")
    project = project.model_copy(update={"scores": scores})
    con = connect(project)
    keep = functools.partial(engine.materialise, con)
    validated = _load(project, con, lambda stage: None)
    enriched = enrich_tables({n: v.clean for n, v in validated.items()}, project, keep=keep)
    as_of = resolve_as_of(enriched.tables, project.as_of)
    context = RunContext(project, as_of, enriched.tables, enriched.accounts, keep=keep)
    started = time.perf_counter()
    run = score_accounts(context)
    return context, run, time.perf_counter() - started


def ensure_data(n: int, seed: int, log) -> Path:
    """The demo company with `n` accounts as Parquet, generated once per size, seed and generator."""
    from segmint.config.starter import demo_project
    from segmint.demo.generator import generate_company

    folder = DATA / f"{label(n)}-seed{seed}-{generator_version()}"
    if not (folder / "planted.json").exists():
        log(f"generating the demo company: {label(n)} accounts, seed {seed} → {folder}")
        started = time.perf_counter()
        shutil.rmtree(folder, ignore_errors=True)
        generate_company(folder, accounts=n, seed=seed, file_format="parquet")
        log(f"  generated in {time.perf_counter() - started:.1f} s")
    # the project as `segmint demo` writes it today (scores included), over the cached data
    (folder / "segmint.yaml").write_text(demo_project("parquet"), encoding="utf-8")
    return folder


# --------------------------------------------------------------------------- the child process
class RssSampler(threading.Thread):
    """Samples the resident memory of this process, and of the processes in `pids` (Spark's
    JVM), every `interval` s; keeps the peak of their sum per stage."""

    def __init__(self, interval: float = 0.02):
        super().__init__(daemon=True)
        self.interval, self.stage, self.peaks, self.pids = interval, "start", {}, ["self"]
        self._halt = threading.Event()

    def rss(self) -> int:
        total = 0
        for pid in self.pids:
            try:
                with open(f"/proc/{pid}/statm") as f:
                    total += int(f.read().split()[1]) * PAGE
            except OSError:  # the process has ended
                pass
        return total

    def run(self) -> None:
        while not self._halt.is_set():
            self.note()
            time.sleep(self.interval)

    def note(self) -> None:
        value = self.rss()
        if value > self.peaks.get(self.stage, 0):
            self.peaks[self.stage] = value

    def stop(self) -> None:
        self._halt.set()
        self.join()
        self.note()


def measure_run(project, spark: bool = False) -> tuple[dict, object]:
    """segmint's whole run of `project` in this process, timed per stage: its figures and
    answers (segments, closing ARR in cents, rejects per 'table column check') and the run.

    With `spark` the run starts its Spark session first (stage "connect", the JVM's start
    included), and CPU time and resident memory add the JVM's to Python's (from /proc)."""
    from segmint.pipeline import connect, run
    from spark_fixed_cost import process_cpu

    sampler = RssSampler()
    sampler.start()
    stages: dict[str, float] = {}
    clock = {"stage": "connect", "at": time.perf_counter()}

    def progress(stage: str) -> None:
        now = time.perf_counter()
        stages[clock["stage"]] = stages.get(clock["stage"], 0.0) + now - clock["at"]
        clock.update(stage=stage, at=now)
        sampler.note()
        sampler.stage = stage

    cpu0, started = os.times(), time.perf_counter()
    clock["at"] = started
    con = jvm = None
    if spark:
        con = connect(project)
        jvm = con._session.sparkContext._gateway.proc.pid
        sampler.pids.append(jvm)
    result = run(project, con=con, progress=progress)
    progress("done")
    total = time.perf_counter() - started
    cpu1 = os.times()
    jvm_cpu = process_cpu(jvm) if jvm else 0.0  # all of it: the JVM started in the run
    sampler.stop()
    stages.pop("done", None)
    peaks = {k: v / MB for k, v in sampler.peaks.items() if k != "done"}
    python_cpu = (cpu1.user - cpu0.user) + (cpu1.system - cpu0.system)
    ours = {
        "seconds": total,
        "cpu_seconds": python_cpu + jvm_cpu,
        "stages": stages,
        "stage_peak_rss_mb": peaks,
        "peak_rss_mb": (max(peaks.values()) if spark  # Python + JVM, sampled
                        else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / MB),
        "rows_in": {r.table: int(r.rows_in) for r in result.row_counts.itertuples()},
        "rows_rejected": int(result.row_counts["rows_rejected"].sum()),
        "segments": {r.segment: int(r.accounts) for r in result.segment_summary.itertuples()},
    }
    if spark:
        ours |= {"python_cpu_seconds": python_cpu, "jvm_cpu_seconds": jvm_cpu}
    bridge = result.analyses.frames.get("arr_bridge")
    closing = {}
    if bridge is not None:
        everything = bridge[bridge["segment"] == "All"]
        closing = {str(p)[:10]: int(round(float(v) * 100)) for p, v in
                   zip(everything["period"], everything["closing_arr"])}
    ours["closing_cents"] = closing
    ours["rejects"] = {f"{r['table']} {r['column']} {r['check']}": r["n"] for r in (
        result.rejects.group_by("table", "column", "check").aggregate(n=lambda r: r.count())
        .to_pyarrow().to_pylist())}
    return ours, result


def child(folder: Path, out: Path, repeat: int) -> None:
    """Run segmint, then the bare and the fair baselines, in this process; write the
    measurements to `out`."""
    import duckdb

    import segmint

    sys.path.insert(0, str(HERE))
    import baseline
    import fair_baseline

    project = segmint.load_project(folder / "segmint.yaml")
    ours, result = measure_run(project)
    ours["reassign"] = measure_reassign(project, result)
    del result

    def best_of(module) -> tuple[dict, dict]:
        """`module.run` on a fresh DuckDB connection `repeat` times: its timings (best wall,
        with its CPU seconds and this process's peak RSS sampled meanwhile) and its answer."""
        runs, answer = [], None
        for _ in range(repeat):
            watch.stage = module.__name__
            con = duckdb.connect()
            wall, cpu = time.perf_counter(), time.process_time()
            answer = module.run(folder, con)
            runs.append((time.perf_counter() - wall, time.process_time() - cpu))
            con.close()
        watch.note()
        seconds, cpu_seconds = min(runs)
        return {"seconds": seconds, "cpu_seconds": cpu_seconds, "runs": [r[0] for r in runs],
                "rss_mb": watch.peaks.get(module.__name__, 0) / MB,
                "segments": answer["segments"]}, answer

    watch = RssSampler()  # the process's RSS while each baseline runs, after segmint's run
    watch.start()
    bare, answer = best_of(baseline)
    fair, fair_answer = best_of(fair_baseline)
    watch.stop()
    fair |= {"steps": fair_answer["steps"], "rejects": fair_answer["rejects"],
             "rows": fair_answer["rows"]}
    out.write_text(json.dumps({
        "segmint": ours, "baseline": bare, "fair": fair,
        "agreement": agreement(ours, answer), "fair_agreement": agreement(ours, fair_answer)},
        indent=2, default=str))


def spark_child(folder: Path, out: Path) -> None:
    """Run the same project with `engine: spark` (its `spark.master`, local[2] by default) in
    this process, its outputs written to a scratch folder; write the measurements to `out`."""
    import tempfile

    import segmint

    sys.path.insert(0, str(HERE))
    project = segmint.load_project(folder / "segmint.yaml")
    with tempfile.TemporaryDirectory(prefix="segmint-bench-spark-") as scratch:
        outputs = project.outputs.model_copy(update={"dir": scratch})
        project = project.model_copy(update={"engine": "spark", "outputs": outputs})
        ours, result = measure_run(project, spark=True)
    ours["master"] = project.spark.master
    out.write_text(json.dumps({"spark": ours}, indent=2, default=str))


def agreement(ours: dict, answer: dict) -> dict[str, object]:
    """Whether a baseline's `answer` is segmint's: accounts per segment, closing ARR per quarter
    to the cent, and (for the fair baseline) rejects per 'table column check', with the
    counts that differ as [segmint, baseline]."""
    mine, theirs = ours["segments"], answer["segments"]
    agreed = {
        "segments_equal": theirs == mine,
        "accounts_in_other_segment": sum(
            abs(theirs.get(s, 0) - mine.get(s, 0)) for s in set(theirs) | set(mine)) // 2,
        "bridge_closing_equal": ([v for _, v in sorted(answer["closing_cents"].items())]
                                 == [v for _, v in sorted(ours["closing_cents"].items())]),
    }
    if "rejects" in answer:
        keys = set(answer["rejects"]) | set(ours["rejects"])
        agreed["rejects_differ"] = {k: [ours["rejects"].get(k, 0), answer["rejects"].get(k, 0)]
                                    for k in sorted(keys)
                                    if ours["rejects"].get(k, 0) != answer["rejects"].get(k, 0)}
    return agreed


def measure_reassign(project, result, repeat: int = 3) -> dict[str, object]:
    """Seconds to keep what scenarios read (once) and to re-assign one scenario: its
    assignments, segment summary and ARR bridge, computed (best of `repeat`), on the run's
    loaded and scored tables (issue 22, goal 3: ≤ 2 s at 1M accounts)."""
    from segmint.plan.scenarios import reassign, scenario_base

    name, model = next(iter(project.scenarios.items()), ("baseline", project.segmentation))
    started = time.perf_counter()
    carried = [c for c in (result.scores.columns if result.scores else ()) if c == "potential"]
    base = scenario_base(result.context, carried)  # as `segmint compare` keeps them
    once = time.perf_counter() - started
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        again = reassign(base, model, name=name)
        if again.bridge is not None:
            again.bridge.to_pyarrow()
        times.append(time.perf_counter() - started)
    # `segmint compare`: the baseline alone, then with every scenario the project declares;
    # the difference per scenario is what each extra one costs (issue 28: ≤ 3 s at 1M)
    from segmint.plan.scenarios import compare_scenarios

    # (CPU seconds too, this process's with DuckDB's threads: on a shared machine the wall
    # clock measures the neighbours)
    def timed(scenarios) -> tuple[float, float]:
        wall, cpu = time.perf_counter(), time.process_time()
        compare_scenarios(base, scenarios)
        return time.perf_counter() - wall, time.process_time() - cpu

    alone, alone_cpu = timed({})
    everything, everything_cpu = timed(project.scenarios)
    count = len(project.scenarios) or float("nan")
    return {"scenario": name, "base_seconds": once, "seconds": min(times), "runs": times,
            "segments": len(again.summary), "compare_baseline_seconds": alone,
            "compare_seconds": everything, "scenarios": len(project.scenarios),
            "seconds_per_extra_scenario": (everything - alone) / count,
            "cpu_seconds_per_extra_scenario": (everything_cpu - alone_cpu) / count}


# --------------------------------------------------------------------------- the parent
def add_child_options(parser: argparse.ArgumentParser) -> None:
    """The hidden options with which a benchmark script runs itself as its child process."""
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--child-out", type=Path, help=argparse.SUPPRESS)


def measure_in_child(script: str, folder: Path, scratch: Path, *options: str) -> dict | None:
    """Run `script` on the data in `folder` in a fresh Python process (``--child``), so
    sizes share no memory or caches and its peak memory is its own; what it wrote to
    `scratch` (JSON), or None when it failed."""
    done = subprocess.run([sys.executable, script, "--child", str(folder),
                           "--child-out", str(scratch), *options])
    if done.returncode != 0:
        return None
    measured = json.loads(scratch.read_text())
    scratch.unlink()
    return measured


def machine() -> dict[str, object]:
    cpu = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    import duckdb
    import ibis

    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gib": round(memory, 1),
            "python": platform.python_version(), "duckdb": duckdb.__version__,
            "ibis": ibis.__version__, "platform": platform.platform()}


def git_sha() -> str:
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout.strip()

    sha = git("rev-parse", "--short", "HEAD") or "nogit"
    return sha + ("-dirty" if git("status", "--porcelain", "--untracked-files=no") else "")


def render(results: list[dict], console) -> None:
    from rich.table import Table

    stage_names: list[str] = []
    for r in results:
        stage_names += [s for s in r["segmint"]["stages"] if s not in stage_names]
    table = Table(title="segmint end to end vs bare and fair DuckDB (same Parquet, same answer)")
    table.add_column("stage / figure")
    for r in results:
        table.add_column(f"{r['label']} accounts", justify="right")
    for stage in stage_names:
        table.add_row(f"  {stage}", *(
            f"{r['segmint']['stages'].get(stage, 0):.2f} s · "
            f"{r['segmint']['stage_peak_rss_mb'].get(stage, 0):,.0f} MB" for r in results))
    table.add_section()
    rows = [
        ("input rows", lambda r: f"{sum(r['segmint']['rows_in'].values()):,}"),
        ("segmint total", lambda r: f"{r['segmint']['seconds']:.2f} s"),
        ("  rows / s", lambda r: f"{sum(r['segmint']['rows_in'].values()) / r['segmint']['seconds']:,.0f}"),
        ("  CPU time", lambda r: f"{r['segmint']['cpu_seconds']:.1f} s"),
        ("  peak RSS", lambda r: f"{r['segmint']['peak_rss_mb']:,.0f} MB"),
        ("potential fit + score (target ≤ 10 s)", lambda r: (
            f"{r['segmint']['stages'].get('score potential', float('nan')):.2f} s")),
        ("scenario tables, kept once", lambda r: (
            f"{r['segmint']['reassign']['base_seconds']:.2f} s")),
        ("re-assign a scenario (target ≤ 2 s at 1M)", lambda r: (
            f"{r['segmint']['reassign']['seconds']:.2f} s "
            f"({r['segmint']['seconds'] / r['segmint']['reassign']['seconds']:.0f}× faster than the run)")),
        ("compare: each extra scenario (target ≤ 3 s at 1M)", lambda r: (
            f"{r['segmint']['reassign'].get('seconds_per_extra_scenario', float('nan')):.2f} s "
            f"(CPU {r['segmint']['reassign'].get('cpu_seconds_per_extra_scenario', float('nan')):.2f} s; "
            f"{r['segmint']['reassign'].get('scenarios', 0)} scenarios, baseline alone "
            f"{r['segmint']['reassign'].get('compare_baseline_seconds', float('nan')):.2f} s)")),
        ("bare DuckDB (two queries, no validation)", lambda r: (
            f"{r['baseline']['seconds']:.2f} s (CPU {r['baseline'].get('cpu_seconds', float('nan')):.1f} s)")),
        ("  ratio to bare", lambda r: _ratio(r["segmint"], r["baseline"])),
        ("  same segments / bridge", lambda r: _agreed(r["agreement"])),
    ]
    if all("fair" in r for r in results):
        rows += [
            ("fair DuckDB (validation, rejects, 1 GB)", lambda r: (
                f"{r['fair']['seconds']:.2f} s (CPU {r['fair']['cpu_seconds']:.1f} s, "
                f"RSS {r['fair']['rss_mb']:,.0f} MB)")),
            ("  ratio to fair (target ≤ 2× at 1M)", lambda r: _ratio(r["segmint"], r["fair"])),
            ("  segmint up to assign (load, validate, enrich, assign) / fair", lambda r: (
                f"{spine(r['segmint']['stages']):.2f} s / {r['fair']['seconds']:.2f} s = "
                f"{spine(r['segmint']['stages']) / r['fair']['seconds']:.1f}×")),
            ("  same segments / bridge / rejects", lambda r: _agreed(r["fair_agreement"])),
        ]
    if all("spark" in r for r in results):
        rows += [
            ("segmint on Spark (Python + JVM)", lambda r: (
                f"{r['spark']['seconds']:.2f} s (CPU {r['spark']['python_cpu_seconds']:.1f} s + "
                f"{r['spark']['jvm_cpu_seconds']:.1f} s, peak {r['spark']['peak_rss_mb']:,.0f} MB)")),
            ("  ratio Spark / DuckDB", lambda r: _ratio(r["spark"], r["segmint"])),
            ("  same segments / bridge / rejects as DuckDB", lambda r: _agreed(r["spark_agreement"])),
        ]
    for name, cell in rows:
        table.add_row(name, *(cell(r) for r in results))
    console.print(table)


def spine(stages: dict[str, float]) -> float:
    """segmint's seconds from the start to its assignments: connecting, the project check,
    loading and validating each table, enrichment and assignment (scores, the analyses, the
    ARR bridge among them, the audit and the outputs left out)."""
    return sum(v for k, v in stages.items()
               if k in ("connect", "check", "enrich", "assign") or k.startswith("load "))


def _ratio(one: dict, other: dict) -> str:
    """`one`'s time over `other`'s, by wall and by CPU (an older result may lack the CPU)."""
    cpu = one.get("cpu_seconds", float("nan")) / other.get("cpu_seconds", float("nan"))
    return f"{one['seconds'] / other['seconds']:.1f}× (CPU {cpu:.1f}×)"


def _agreed(agreement: dict) -> str:
    segments = ("yes" if agreement["segments_equal"]
                else f"no ({agreement['accounts_in_other_segment']} accounts differ)")
    cells = [segments, "yes" if agreement["bridge_closing_equal"] else "no"]
    if "rejects_differ" in agreement:
        differ = agreement["rejects_differ"]
        cells.append("yes" if not differ else "no: " + "; ".join(
            f"{k} {a} vs {b}" for k, (a, b) in differ.items()))
    return " / ".join(cells)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100k,1M", help="accounts per run, e.g. 100k,1M,5M")
    parser.add_argument("--full", action="store_true", help="also run 5M accounts")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=1, help="baseline runs (best is kept)")
    parser.add_argument("--no-fixed-cost", action="store_true",
                        help="skip the fixed-cost row (fixed_cost.py: 2 accounts, the demo)")
    parser.add_argument("--engines", default="duckdb",
                        help="duckdb (always: the baselines are DuckDB's) and spark: the same "
                             "project on Spark (spark.master, local[2]) in a fresh process too")
    parser.add_argument("--out", type=Path, help="JSON file (default benchmarks/results/<time>-<sha>.json)")
    add_child_options(parser)
    parser.add_argument("--child-engine", default="duckdb", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        if args.child_engine == "spark":
            spark_child(args.child, args.child_out)
        else:
            child(args.child, args.child_out, args.repeat)
        return 0
    engines = {e.strip() for e in args.engines.split(",") if e.strip()}
    if engines - {"duckdb", "spark"}:
        parser.error(f"--engines: duckdb and spark only, not {', '.join(sorted(engines - {'duckdb', 'spark'}))}")

    from rich.console import Console

    console = Console()
    sizes = [parse_size(s) for s in args.sizes.split(",") if s.strip()]
    if args.full and 5_000_000 not in sizes:
        sizes.append(5_000_000)
    RESULTS.mkdir(parents=True, exist_ok=True)
    fixed = None
    if not args.no_fixed_cost:  # small projects first, while the machine is as quiet as it gets
        import fixed_cost

        console.print("fixed cost: 2 accounts, the demo, one query (fresh processes) …")
        fixed = fixed_cost.measure(log=console.print)
        fixed_cost.render(fixed, console)
    results, failed = [], []
    for n in sizes:
        folder = ensure_data(n, args.seed, console.print)
        scratch = RESULTS / f".child-{os.getpid()}-{label(n)}.json"
        console.print(f"running {label(n)} accounts in a fresh process …")
        measured = measure_in_child(__file__, folder, scratch, "--repeat", str(args.repeat))
        if measured is None:  # say so, and still report the sizes that ran
            console.print(f"[red]the {label(n)} run failed[/red]")
            failed.append(label(n))
            continue
        results.append({"accounts": n, "label": label(n), "data": folder.name, **measured})
        console.print(f"  segmint {measured['segmint']['seconds']:.1f} s, "
                      f"peak {measured['segmint']['peak_rss_mb']:,.0f} MB; "
                      f"bare DuckDB {measured['baseline']['seconds']:.1f} s; "
                      f"fair DuckDB {measured['fair']['seconds']:.1f} s")
        if "spark" in engines:
            console.print(f"running {label(n)} accounts on Spark in a fresh process …")
            spark = measure_in_child(__file__, folder, scratch, "--child-engine", "spark")
            if spark is None:
                console.print(f"[red]the {label(n)} Spark run failed[/red]")
                failed.append(f"{label(n)} on Spark")
                continue
            results[-1] |= {"spark": spark["spark"],
                            "spark_agreement": agreement(measured["segmint"], spark["spark"])}
            console.print(f"  Spark {spark['spark']['seconds']:.1f} s, "
                          f"peak {spark['spark']['peak_rss_mb']:,.0f} MB (Python + JVM)")
    render(results, console)
    sha = git_sha()
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    out = args.out or RESULTS / f"{stamp}-{sha}.json"
    out.write_text(json.dumps({"git": sha, "time": stamp, "machine": machine(),
                               "seed": args.seed, "load": os.getloadavg(),
                               "fixed_cost": fixed, "results": results, "failed": failed},
                              indent=2, default=str))
    console.print(f"written {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")
    if failed:
        console.print(f"[red]failed: {', '.join(failed)}[/red]")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

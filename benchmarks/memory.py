"""Where a run's memory goes: peak RSS per stage and per analysis, beside DuckDB's own accounting.

    .venv/bin/python benchmarks/memory.py --size 1M        # the demo company (cached, as run.py)

Runs the demo project once in this process (as `run.py`'s child does) with resident memory
sampled every 20 ms. The stage is the pipeline's (its progress callback); inside the analyse
stage each analysis is a stage of its own, from its start until the next one starts, so the
tables `run_analyses` keeps for it count as its own. At each change of stage it also reads
DuckDB's `duckdb_memory()` (memory its buffer manager holds, and how much of it holds the
tables the run keeps) and the size of the files it spilled to. So a peak can be read as
DuckDB's (within its memory limit), as memory DuckDB uses outside its limit, or as Python's
(pandas, Arrow). The heap, free and Arrow columns say how much of the rest is glibc's heap in
use (Python objects, NumPy and pandas arrays), glibc's free memory and Arrow's pool
(`heap_accounting`). Nothing is asserted.

With ``--trim`` each stage's end also hands the C allocator's free memory back to the system
(glibc's ``malloc_trim``) and shows the resident memory after it: what is left is memory in
use, and the difference is memory freed but kept by the allocator. The trim changes what later
stages find, so it is not the default.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import MB, RssSampler, ensure_data, parse_size  # noqa: E402


def duckdb_accounting(con) -> dict[str, float]:
    """MB DuckDB's buffer manager holds in memory (`duckdb_memory()`), and MB of the files it
    spilled to in the run's scratch folder (measured on disk: `duckdb_memory()`'s
    ``temporary_storage_bytes`` read many times the folder's size at 1M accounts)."""
    from segmint.engine.scratch import scratch_folder

    # all of DuckDB's memory, and of it what holds the tables the run keeps (compressed, in
    # memory or read from the working database file); like the rest, they spill past the limit
    memory, kept = con.raw_sql(
        "SELECT sum(memory_usage_bytes), sum(memory_usage_bytes) FILTER "
        "(WHERE tag IN ('IN_MEMORY_TABLE', 'BASE_TABLE')) FROM duckdb_memory()").fetchall()[0]
    spilled = sum(f.stat().st_size for f in (scratch_folder() / "duckdb").rglob("*") if f.is_file())
    return {"duckdb_mb": (memory or 0) / MB, "spilled_mb": spilled / MB,
            "kept_mb": (kept or 0) / MB}


def heap_accounting() -> dict[str, float]:
    """MB outside DuckDB at this moment: glibc's heap in use (Python's objects and NumPy's
    arrays, which allocate through it) and free but kept by glibc (`mallinfo2`), and Arrow's
    memory pool in use (pyarrow allocates with mimalloc, not glibc). Resident memory beyond
    these, DuckDB's figure and the code itself is memory an allocator keeps after it is freed
    (DuckDB's jemalloc, Arrow's mimalloc)."""
    import ctypes

    import pyarrow as pa

    class MallInfo2(ctypes.Structure):
        _fields_ = [(name, ctypes.c_size_t) for name in (
            "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
            "fordblks", "keepcost")]

    libc = ctypes.CDLL("libc.so.6")
    libc.mallinfo2.restype = MallInfo2
    info = libc.mallinfo2()
    return {"heap_mb": (info.uordblks + info.hblkhd) / MB, "heap_free_mb": info.fordblks / MB,
            "arrow_mb": pa.total_allocated_bytes() / MB}


HEADER = (f"{'stage':<34} {'seconds':>8} {'peak RSS':>9} {'RSS after':>9} "
          f"{'DuckDB':>7} {'spilled':>8} {'kept':>7} {'heap':>6} {'free':>6} {'Arrow':>6}  (MB)")


def show(row: dict[str, object]) -> None:
    """Print one stage's row as soon as it ends (a long run stopped early still shows some)."""
    print(f"{row['stage']:<34} {row['seconds']:>8.1f} {row['peak_rss_mb']:>9.0f} "
          f"{row['rss_at_end_mb']:>9.0f} {row['duckdb_mb']:>7.0f} {row['spilled_mb']:>8.0f} "
          f"{row['kept_mb']:>7.0f} {row['heap_mb']:>6.0f} {row['heap_free_mb']:>6.0f} "
          f"{row['arrow_mb']:>6.0f}" + (f" {row['trimmed_mb']:>8.0f}" if "trimmed_mb" in row else ""),
          flush=True)


def trimmed_rss(sampler) -> float:
    """Resident MB after glibc hands its free memory back (`malloc_trim`)."""
    import ctypes

    ctypes.CDLL("libc.so.6").malloc_trim(0)
    return sampler.rss() / MB


def profile(folder: Path, trim: bool = False) -> list[dict[str, object]]:
    """Run the demo project in `folder`; one row per stage: peak RSS, RSS and DuckDB at its end
    (each printed as it ends)."""
    import segmint
    import segmint.analyse  # noqa: F401  (registers the analyses)
    from segmint.analyse import registry
    from segmint.pipeline import connect, run

    project = segmint.load_project(folder / "segmint.yaml")
    con = connect(project)
    sampler = RssSampler()
    sampler.start()
    rows: list[dict[str, object]] = []
    clock = {"at": time.perf_counter()}

    def enter(stage: str) -> None:
        sampler.note()
        now = time.perf_counter()
        rows.append({"stage": sampler.stage, "seconds": now - clock["at"],
                     "peak_rss_mb": sampler.peaks.get(sampler.stage, 0) / MB,
                     "rss_at_end_mb": sampler.rss() / MB, **duckdb_accounting(con),
                     **heap_accounting()})
        if trim:
            rows[-1]["trimmed_mb"] = trimmed_rss(sampler)
        show(rows[-1])
        clock["at"] = now
        sampler.stage = stage

    def traced(entry):
        def compute(context):
            enter(f"analysis {entry.name}")
            return entry.compute(context)
        return dataclasses.replace(entry, compute=compute)

    original = dict(registry.ANALYSES)
    registry.ANALYSES.update({name: traced(entry) for name, entry in original.items()})
    try:
        run(project, con=con, progress=enter)
        enter("done")
    finally:
        registry.ANALYSES.update(original)
        sampler.stop()
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="100k", help="accounts, e.g. 100k or 1M")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, help="JSON file for the rows")
    parser.add_argument("--trim", action="store_true",
                        help="hand free memory back at each stage's end; show RSS after it")
    args = parser.parse_args(argv)
    folder = ensure_data(parse_size(args.size), args.seed, print)
    print(HEADER + ("  trimmed" if args.trim else ""), flush=True)
    rows = profile(folder, trim=args.trim)
    peak = max(rows, key=lambda row: row["peak_rss_mb"])
    print(f"peak: {peak['peak_rss_mb']:.0f} MB in {peak['stage']}")
    if args.out:
        args.out.write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The fair baseline (benchmarks/fair_baseline.py) gives segmint's rejects, segments and bridge."""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb
import ibis

import segmint
from segmint.analyse.performance import arr_bridge
from segmint.config.starter import demo_project
from segmint.demo.generator import generate_company
from segmint.pipeline import prepare
from segmint.segment.assign import assignment_table

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import fair_baseline  # noqa: E402


def test_fair_baseline_agrees_with_segmint(tmp_path):
    generate_company(tmp_path, accounts=300, seed=5, file_format="parquet")
    (tmp_path / "segmint.yaml").write_text(demo_project("parquet"), encoding="utf-8")
    # seed 5 has invalid employee text, unknown accounts, absurd deals and negative MRR
    # the demo project without what the assignments and the bridge do not read
    project = segmint.load_project(tmp_path / "segmint.yaml").model_copy(update={
        "scores": {}, "scenarios": {}, "priorities": None, "coverage": None, "capacity": None,
        "territories": None})
    prepared = prepare(project)
    tables = prepared.context.tables
    assignments = assignment_table(prepared.context.accounts, project.segmentation,
                                   revenue=tables.get("revenue"), deals=tables.get("deals"))
    segments = dict(assignments.group_by("segment").aggregate(n=lambda r: r.count())
                    .to_pandas().itertuples(index=False))
    bridge = arr_bridge(tables["revenue"], assignments)
    closing = [round(v * 100) for v in bridge.filter(bridge.segment == "All")
               .order_by("period").closing_arr.to_pandas()]
    rejects = ibis.union(*(v.rejects for v in prepared.validated.values()))
    ours = set(rejects.select("table", "_source_row", "column", "check", "value", "action")
               .to_pandas().itertuples(index=False, name=None))

    con = duckdb.connect()
    fair = fair_baseline.run(tmp_path, con)
    theirs = set(con.execute("SELECT * FROM fair_rejects").fetchall())

    assert ours and theirs == ours  # row by row, with the value shown
    assert fair["segments"] == segments
    assert [v for _, v in sorted(fair["closing_cents"].items())] == closing
    for name, validated in prepared.validated.items():
        assert fair["rows"][name] == {"used": validated.rows_used,
                                      "rejected": validated.rows_rejected}

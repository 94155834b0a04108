"""Same input, same output: the demo company run twice gives byte-identical tables, and a report
identical but for the one line that says when it was generated."""

from __future__ import annotations

import difflib
import json

from segmint.config.project import load_project
from segmint.pipeline import run


def test_the_demo_run_twice_writes_the_same_bytes(demo_run):
    _, first = demo_run
    out = first.files[0].parent
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    run(load_project(out.parent / "segmint.yaml"))
    after = {p.name: p.read_bytes() for p in out.iterdir()}
    assert sorted(after) == sorted(before)
    tables = [name for name in before if name.endswith((".parquet", ".csv"))]
    assert len(tables) > 20
    assert [name for name in tables if before[name] != after[name]] == []
    changed = [line for line in difflib.unified_diff(
        before["report.html"].decode().splitlines(), after["report.html"].decode().splitlines(),
        n=0, lineterm="") if line[:1] in "+-" and line[:3] not in ("+++", "---")]
    assert len(changed) in (0, 2) and all(" Generated " in line for line in changed)
    manifests = [json.loads(files["manifest.json"]) for files in (before, after)]
    for manifest in manifests:  # the report's checksum changes with its generated-at line
        for entry in manifest["files"]:
            if entry["file"] == "report.html":
                entry.pop("sha256")
    assert manifests[0] == manifests[1]

"""The README's Python example runs as written, on a small demo company."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def python_examples() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def test_the_readme_has_a_python_example():
    assert python_examples(), "README.md lost its Python example"


@pytest.mark.parametrize("example", python_examples())
def test_the_readme_python_example_runs_verbatim(example, tmp_path, monkeypatch):
    from segmint.config.starter import demo_project
    from segmint.demo.generator import generate_company

    generate_company(tmp_path, accounts=300, seed=3)
    (tmp_path / "segmint.yaml").write_text(demo_project("csv"))
    monkeypatch.chdir(tmp_path)
    import segmint.enrich.geography  # noqa: F401  (a submodule imported first must not break it)

    namespace: dict = {}
    exec(compile(example, "README.md", "exec"), namespace)  # noqa: S102  (our own README)
    result = namespace["result"]
    assert type(result).__name__ == "RunResult"
    segments = namespace["assignments"].segment.execute()
    assert len(segments) == result.assignments.count().execute()
    assert (tmp_path / "segmint-out" / "report.html").exists()

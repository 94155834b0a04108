"""Every Python twin `name_py` stands beside its engine expression `name`, as the naming rule says
(segmint/validate/parsers/__init__.py): in the same module, or the same package when the engine
version lives apart (segment/rules/compile.py, so that reading a rule needs no engine)."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "segmint"


def functions(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}


def test_every_python_twin_has_its_engine_expression_beside_it():
    by_package: dict[Path, set[str]] = defaultdict(set)
    for path in SRC.rglob("*.py"):
        by_package[path.parent] |= functions(path)
    lonely = {str(package.relative_to(SRC.parent)): sorted(
                  n for n in names if n.endswith("_py") and n.removesuffix("_py") not in names)
              for package, names in by_package.items()}
    assert {package: names for package, names in lonely.items() if names} == {}


def test_the_twins_are_found():
    assert {"parse_number", "parse_number_py", "_number", "_number_py"} <= functions(
        SRC / "validate" / "parsers" / "numbers.py")
    assert "compile_rule_py" in functions(SRC / "segment" / "rules" / "evaluate.py")
    assert "compile_rule" in functions(SRC / "segment" / "rules" / "compile.py")

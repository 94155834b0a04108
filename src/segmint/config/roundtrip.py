"""An edited segmentation written back into segmint.yaml's text as a minimal change.

Round-trip YAML (ruamel.yaml, the serve extra) keeps the user's comments, quotes, flow or
block style and key order; only the settings the edit changed are rewritten: a band edge
moved from 100 to 300 changes that number and nothing else.
"""

from __future__ import annotations

import difflib
import io
from typing import Any

from segmint.exceptions import ConfigError

SEGMENTATION = "segmentation"


def edited_yaml(text: str, before: dict[str, Any], after: dict[str, Any], *,
                key: tuple[str, ...] = (SEGMENTATION,)) -> str:
    """`text` (a segmint.yaml) with the settings under `key` (``("segmentation",)``, or
    ``("scenarios", name)``) that differ between `before` and `after` (a segmentation as
    ``Segmentation.model_dump(mode="json")`` gives it) rewritten, and nothing else. A text
    without `key` gets it at the end.

    Examples
    --------
    >>> text = "name: Acme  # ours\\nsegmentation:\\n  dimensions:\\n    size: {kind: bands, " \\
    ...        "field: employees, edges: [100], labels: [SMB, ENT]}  # the cut\\n  default: '{size}'\\n"
    >>> before = {"dimensions": {"size": {"kind": "bands", "field": "employees",
    ...           "edges": [100.0], "labels": ["SMB", "ENT"]}}, "segments": [], "default": "{size}"}
    >>> after = {**before, "dimensions": {"size": {**before["dimensions"]["size"], "edges": [300.0]}}}
    >>> print(edited_yaml(text, before, after), end="")
    name: Acme  # ours
    segmentation:
      dimensions:
        size: {kind: bands, field: employees, edges: [300], labels: [SMB, ENT]}  # the cut
      default: '{size}'
    """
    yaml = _round_trip()
    yaml.indent(**_indentation(text))  # a rewritten block keeps the file's own indentation
    document = yaml.load(text)
    if not isinstance(document, dict):
        raise ConfigError("segmint.yaml must be a YAML mapping (name:, sources:, segmentation:"
                          " ...) to save a segmentation in it.")
    node = document
    for part in key[:-1]:
        if not isinstance(node.get(part), dict):
            node[part] = {}
        node = node[part]
    if isinstance(node.get(key[-1]), dict):
        _apply(node[key[-1]], before, after)
    else:
        node[key[-1]] = _plain(after)
    out = io.StringIO()
    yaml.dump(document, out)
    return out.getvalue()


def unified_diff(old: str, new: str, *, name: str = "segmint.yaml") -> str:
    """The change from `old` to `new` as a unified diff (empty when they are the same).

    >>> print(unified_diff("a: 1\\nb: 2\\n", "a: 1\\nb: 3\\n"), end="")
    --- segmint.yaml (saved)
    +++ segmint.yaml (edited)
    @@ -1,2 +1,2 @@
     a: 1
    -b: 2
    +b: 3
    """
    return "".join(difflib.unified_diff(old.splitlines(keepends=True),
                                        new.splitlines(keepends=True),
                                        f"{name} (saved)", f"{name} (edited)"))


def _round_trip():
    try:
        from ruamel.yaml import YAML
    except ImportError:
        raise ConfigError("Saving an edited model keeps segmint.yaml's comments with "
                          "ruamel.yaml. Install it with: pip install 'segmint[serve]'") from None
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # a long rule stays on its line
    return yaml


def _indentation(text: str) -> dict[str, int]:
    """The file's indentation, as ``YAML.indent`` takes it: mapping keys by the smallest
    indent of a nested key, block sequences by ruamel's guess (the dash's offset and the
    item's indent).

    >>> _indentation("a:\\n  b: 1\\n  c:\\n    - x\\n")
    {'mapping': 2, 'sequence': 4, 'offset': 2}
    """
    from ruamel.yaml.util import load_yaml_guess_indent

    nested = [len(line) - len(line.lstrip(" ")) for line in text.splitlines()
              if line.startswith(" ") and not line.lstrip(" ").startswith(("-", "#"))
              and line.strip()]
    mapping = min(nested, default=2)
    _, sequence, offset = load_yaml_guess_indent(text)
    if sequence is None:
        return {"mapping": mapping, "sequence": mapping + 2, "offset": 2}
    return {"mapping": mapping, "sequence": sequence, "offset": offset or 0}


def _apply(node: Any, before: Any, after: Any) -> None:
    """Rewrite in `node` (a round-trip mapping or sequence) what differs from `before` in
    `after`, recursing so that an unchanged sibling keeps its text and comments."""
    if isinstance(node, dict):
        before = before if isinstance(before, dict) else {}
        for name in [name for name in node if name in before and name not in after]:
            del node[name]  # the edit removed it
        for name, value in after.items():
            if name in before and _same(before[name], value):
                continue
            if name not in node and value is None:
                continue  # unset, and never written
            if name in node and _nested(node[name], value):
                _apply(node[name], before.get(name), value)
            else:
                node[name] = _plain(value)
    else:
        before = before if isinstance(before, list) else []
        for index, value in enumerate(after):
            if index >= len(node):
                node.append(_plain(value))
            elif index < len(before) and _same(before[index], value):
                continue
            elif _nested(node[index], value):
                _apply(node[index], before[index] if index < len(before) else None, value)
            else:
                node[index] = _plain(value)
        del node[len(after):]


def _nested(node: Any, value: Any) -> bool:
    return (isinstance(node, dict) and isinstance(value, dict)) or (
        isinstance(node, list) and isinstance(value, list))


def _same(old: Any, new: Any) -> bool:
    return old == new and type(old) is type(new) or (  # 100 and 100.0 are one edge
        isinstance(old, int | float) and isinstance(new, int | float) and old == new)


def _plain(value: Any) -> Any:
    """A value as written: whole floats as integers (an edge of 300, not 300.0)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {name: _plain(item) for name, item in value.items() if item is not None}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value

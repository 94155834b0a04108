"""Computing each repeated sub-expression of a projection once, in an earlier select.

segmint's parsers and rules are built from small Ibis expressions that reuse each other: the
employee-count parser reads the trimmed, decimal-repaired, lower-cased text in a dozen places,
and a column's status reads the parsed value again. Ibis turns that shared graph into a SQL
*tree*, so the text is normalised a dozen times per row; neither DuckDB nor Spark removes
those repeats (DuckDB's common-subexpression pass does not look inside CASE branches, where
most of them are). At 1M accounts the accounts table's validation spent 4 of its 5 seconds
recomputing the same strings.

No library does this for Ibis expressions, so this module does the one thing needed: find the
sub-expressions that would be spelt out more than once, compute them as hidden columns in a
select of their own (innermost first), and let the projection read those columns. Only
expressions that cannot fail are moved (text functions, comparisons, logic, CASE, casts to
text): a CASE may guard a cast that would fail on rows the guard excludes, and a moved
expression runs on every row.
"""

from __future__ import annotations

from collections import Counter
from itertools import count

import ibis
import ibis.expr.operations as ops
import ibis.expr.types as ir
from ibis.expr.operations import strings as string_ops

_HIDDEN = "_once_"

# operations that never raise, on any engine and any row (Spark runs with ANSI mode on, where a
# failing cast or a division by zero is an error, not a NULL)
_SAFE = (
    ops.Field, ops.Literal, ops.Alias,
    ops.IsNull, ops.NotNull, ops.NullIf, ops.Coalesce, ops.TryCast,
    ops.Not, ops.And, ops.Or, ops.Xor, ops.Comparison, ops.Between, ops.InValues, ops.IfElse,
    ops.SimpleCase, ops.SearchedCase,
)


def _is_safe(op: ops.Node) -> bool:
    if isinstance(op, ops.Cast):
        return op.to.is_string()
    if isinstance(op, _SAFE):
        return True
    return type(op).__module__ == string_ops.__name__  # trim, lower, regex, replace, ...


def _expanded_counts(roots: list[ops.Value]) -> tuple[Counter, dict[ops.Node, tuple]]:
    """How many times each node would be written out in the SQL of `roots`, and the graph."""
    children: dict[ops.Node, tuple] = {}
    order: list[ops.Node] = []
    stack = list(roots)
    while stack:  # depth-first post-order over value nodes; relations are leaves
        node = stack[-1]
        if node in children:
            stack.pop()
            continue
        kids = tuple(c for c in node.__children__ if isinstance(c, ops.Value))
        pending = [c for c in kids if c not in children]
        if pending:
            stack.extend(pending)
            continue
        children[node] = kids
        order.append(node)
        stack.pop()
    uses: Counter = Counter(roots)
    for node in reversed(order):  # parents before children
        for child in children[node]:
            uses[child] += uses[node]
    return uses, children


def compute_once(table: ir.Table, columns: dict[str, ir.Value]) -> ir.Table:
    """``table.mutate(**columns)``, with every repeated safe sub-expression computed once.

    The result has the same columns and values as the plain `mutate`; only the SQL differs.

    Examples
    --------
    >>> import ibis
    >>> table = ibis.memtable({"x": [" A ", "b", None]})
    >>> key = table.x.strip().lower()
    >>> out = compute_once(table, {"k": key, "long": key.length() > 0, "is_a": key == "a"})
    >>> out.columns
    ('x', 'k', 'long', 'is_a')
    >>> out.execute().is_a.tolist()
    [True, False, None]
    >>> ibis.to_sql(out).count("LOWER(")
    1
    """
    layers, outputs = layered(table, columns)
    result = outputs.to_expr()
    hidden = [name for project, names in layers for name in (*names, _barrier(project))]
    return result.drop(*hidden) if hidden else result


def in_own_select(table: ir.Table, **columns: ir.Value) -> ir.Table:
    """``table.mutate(**columns)`` in a select Ibis does not merge into the selects above it.

    Ibis merges a select into the one reading it by writing its columns out again wherever
    they are read; an expression read in many places (a score read by its band, its stage
    and its factors) is then spelt out in each. It leaves a select with an impure column
    alone: a hidden ``_once_barrier_<n>`` column, which nothing reads, so the engine never
    computes it. Unlike `compute_once` this moves any expression, one that can fail too:
    read only what the rows it guards cannot reach. Select the columns wanted at the end,
    which drops the barrier.

    Examples
    --------
    >>> import ibis
    >>> table = ibis.memtable({"x": [1.0, 2.0]})
    >>> doubled = in_own_select(table, y=table.x * 2)
    >>> out = doubled.select(z=doubled.y + doubled.y)
    >>> out.z.execute().tolist(), ibis.to_sql(out).count("* 2")
    ([4.0, 8.0], 1)
    """
    layer = sum(c.startswith(_BARRIER) for c in table.columns)
    return table.mutate(**columns, **{f"{_BARRIER}{layer}": ibis.random()})


_BARRIER = f"{_HIDDEN}barrier_"


def layered(table: ir.Table, columns: dict[str, ir.Value]
            ) -> tuple[list[tuple[ops.Project, list[str]]], ops.Project]:
    """The selects `compute_once` stacks: each layer's select and the hidden columns it adds
    (besides its barrier), innermost first, and the select adding `columns` on top.

    >>> table = ibis.memtable({"x": [" A "]})
    >>> key = table.x.strip().lower()
    >>> layers, outputs = layered(table, {"k": key, "is_a": key == "a"})
    >>> [names for _, names in layers]  # the stripped text, then the lower-cased one
    [['_once_0'], ['_once_2']]
    >>> [c for c in outputs.schema if not c.startswith("_once_")]
    ['x', 'k', 'is_a']
    """
    # let Ibis rewrite the columns onto `table` first (a column may name a field of one of
    # its parents), so that every field left to replace belongs to `table`
    plain = table.mutate(**columns).op()
    roots = {name: plain.values[name] for name in columns}
    current = plain.parent.to_expr()
    layers: list[tuple[ops.Project, list[str]]] = []
    # numbered afresh per call (past any hidden column `table` has), so that the same columns
    # on another table give the same expression, whose SQL is then compiled only once
    # (`segmint.engine.compiled`)
    taken = [int(c[len(_HIDDEN):]) for c in current.columns
             if c.startswith(_HIDDEN) and c[len(_HIDDEN):].isdigit()]
    numbers = count(max(taken, default=-1) + 1)
    while True:
        uses, children = _expanded_counts(list(roots.values()))
        base = current.op()
        movable: dict[ops.Node, bool] = {}
        for node, kids in children.items():  # post-order: children are decided first
            if isinstance(node, ops.Field):
                movable[node] = node.rel == base
            else:
                movable[node] = _is_safe(node) and all(movable[k] for k in kids)
        candidates = {
            node for node, n in uses.items()
            if n > 1 and movable[node] and not isinstance(node, (ops.Field, ops.Literal))
            and node.shape.is_columnar()
        }
        above_candidate: dict[ops.Node, bool] = {}
        for node, kids in children.items():
            above_candidate[node] = any(k in candidates or above_candidate[k] for k in kids)
        # in the order of the graph, not of the set: the same columns give the same SQL
        innermost = [node for node in children if node in candidates and not above_candidate[node]]
        if not innermost:
            break
        names = {node: f"{_HIDDEN}{next(numbers)}" for node in innermost}
        # Ibis merges a select into the one above it by writing the inner columns out again,
        # which would undo every layer but the last; it leaves a select with an impure column
        # alone. Nothing reads that column, so the engine drops it unevaluated. (A .view()
        # would keep the layers apart too, but then a column built on `table` could not be
        # added to the result.)
        barrier = f"{_HIDDEN}{next(numbers)}"
        following = current.mutate(**{name: node.to_expr() for node, name in names.items()},
                                   **{barrier: ibis.random()})
        moved = following.op()
        substitutions: dict[ops.Node, ops.Node] = {
            node: ops.Field(moved, name) for node, name in names.items()}
        substitutions.update({
            node: ops.Field(moved, node.name) for node in children
            if isinstance(node, ops.Field) and node.rel == base})
        roots = _replace_all(roots, substitutions)
        layers.append((moved, list(names.values())))
        current = following
    outputs = current.mutate(**{name: root.to_expr() for name, root in roots.items()}).op()
    return layers, outputs


def _barrier(project: ops.Project) -> str:
    """The name of a layer's barrier column: its last."""
    return list(project.values)[-1]


def _replace_all(roots: dict[str, ops.Value], substitutions: dict[ops.Node, ops.Node]
                 ) -> dict[str, ops.Value]:
    """Every root with `substitutions` made, in one walk of the graph they share.

    Ibis replaces in one root at a time, and the roots of a table's parsers share most of
    their graph, so a walk per root walked the shared part once per column, per layer. A
    struct of the roots is only a container here; it is never compiled.
    """
    names = tuple(roots)
    bundle = ops.StructColumn(names=names, values=tuple(roots.values()))
    replaced = bundle.replace(substitutions, filter=ops.Value)
    return dict(zip(names, replaced.values))

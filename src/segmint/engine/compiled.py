"""Each query shape compiled once per process: the same expression on other tables reuses its SQL.

Compiling an Ibis expression to SQL costs far more than running it on a small table: the
typed accounts table's parsers compile for seconds, and a property test builds the same
expression over a new in-memory table for every example. Ibis compiles each expression
afresh, and no library caches compiled SQL for Ibis, so this module keeps the last compiled
shapes: an expression is keyed by its graph with every table it reads replaced by its place in
the graph and its schema; a later expression of a kept shape gets its SQL with its own tables'
names written in. Tables of a different schema, any other difference in the graph, or query
parameters compile as usual. Shapes are also kept on disk for later processes
(`segmint.engine.stored_sql`), and a shape compiled in an earlier process is read from there.

A shape's SQL is kept as text, and every expression gets the text (`CompiledText`) rather than
a SQL tree to generate: for a parser's expression, copying the tree and generating it took
three quarters of a repeated compile. The first compile of a shape writes its tree's text once
(with placeholders for its tables), as the caller would have.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import ibis.common.exceptions as com
import ibis.expr.operations as ops
import ibis.expr.types as ir
import sqlglot
import sqlglot.expressions as sge
from sqlglot.dialects.dialect import Dialect
from sqlglot.generator import Generator

from segmint.engine.stored_sql import StoredSQL, digest

# A kept shape's key holds an entry per node of its Ibis graph, and its SQL text some hundred
# bytes per node (the typed accounts of a wide export: a few MB). Shapes are kept per engine for
# the whole process, so that tests and repeated runs share them, up to this many graph nodes in
# all, the least recently used going first.
_KEPT_NODES = 50_000
_PLACEHOLDER = "__segmint_table_{}__"  # quoted in the SQL: "__segmint_table_0__"
_TABLES = (ops.DatabaseTable, ops.InMemoryTable, ops.UnboundTable)


class _KeptShapes(OrderedDict):
    """Shape -> SQL with its tables as placeholders, least recently used first, and the number
    of graph nodes their keys hold (summing them at each insert cost seconds in a run)."""

    def __init__(self) -> None:
        super().__init__()
        self.nodes = 0

    def keep(self, key: tuple, sql: str) -> None:
        self[key] = sql
        self.nodes += len(key[2])
        while self.nodes > _KEPT_NODES and len(self) > 1:
            old, _ = self.popitem(last=False)
            self.nodes -= len(old[2])


_SHAPES: dict[str, _KeptShapes] = {}  # per compiler
_STORED: dict[str, StoredSQL] = {}  # per compiler: the shapes kept on disk


class CachedCompiler:
    """A connection's compiler that compiles each expression shape once (see the module), and
    reads the shapes earlier processes compiled from disk (`segmint.engine.stored_sql`).

    Examples
    --------
    >>> import ibis
    >>> from segmint.engine import connect
    >>> con = connect()
    >>> a, b = ibis.memtable({"x": [1, 2]}), ibis.memtable({"x": [5]})
    >>> kept = con.compiler.compiled_shapes
    >>> [int(con.execute((t.x * 2).sum())) for t in (a, b)]
    [6, 10]
    >>> con.compiler.compiled_shapes - kept  # compiled for the first, kept for the second
    1
    """

    def __init__(self, compiler: Any):
        self._compiler = compiler
        name = type(compiler).__name__
        self._shapes = _SHAPES.setdefault(name, _KeptShapes())
        if name not in _STORED:
            _STORED[name] = StoredSQL(name)
        self._stored = _STORED[name]

    def __getattr__(self, name: str) -> Any:  # everything else is the compiler's own
        return getattr(self._compiler, name)

    @property
    def compiled_shapes(self) -> int:
        return len(self._shapes)

    def to_sqlglot(self, expr: ir.Expr, *, limit: Any = None, params: Any = None
                   ) -> sge.Expression:
        if params:
            return self._compiler.to_sqlglot(expr, limit=limit, params=params)
        shape, tables = _shape(expr.op())
        key = (type(expr).__name__, limit, shape)
        own = [self._compiler.visit_node(table, **dict(zip(table.__argnames__, table.__args__)))
               for table in tables]
        names = [_where(table) for table in own]
        try:
            cached = self._shapes.get(key)
        except TypeError:  # an unhashable value in the graph: compiled every time
            return self._compiler.to_sqlglot(expr, limit=limit)
        # two tables of one name could not be told apart in the SQL; a huge graph is not kept
        keeps = len(set(names)) == len(names) and len(shape) <= _KEPT_NODES
        if cached is None and keeps:
            stored_as = digest(key)
            cached = self._stored.get(stored_as) if stored_as is not None else None
            if cached is None:
                sql = self._compiler.to_sqlglot(expr, limit=limit)
                # the tree is not needed again: its tables become placeholders in place, and its
                # text is written once, as the caller would have written it
                tree = _swap_tables(sql, dict(zip(names, _placeholders(tables))))
                cached = _generated(tree, self._compiler.dialect, expr)
                if stored_as is not None:
                    self._stored.put(stored_as, cached)
            self._shapes.keep(key, cached)
        elif cached is None:
            return self._compiler.to_sqlglot(expr, limit=limit)
        self._shapes.move_to_end(key)
        text = cached
        for placeholder, table in zip(_placeholders(tables), own):
            text = text.replace(placeholder.sql(dialect=self._compiler.dialect),
                                table.sql(dialect=self._compiler.dialect))
        return CompiledText(this=text, dialect=Dialect.get_or_raise(self._compiler.dialect))


def _generated(sql: sge.Expression, dialect: Any, expr: ir.Expr) -> str:
    """`sql` written in `dialect`, an error for what the dialect cannot say (as Ibis' own
    `compile` raises)."""
    try:
        return sql.sql(dialect=dialect, copy=False, unsupported_level=sqlglot.ErrorLevel.RAISE)
    except sqlglot.errors.UnsupportedError as error:
        raise com.UnsupportedOperationError(
            f"Operation not supported in {dialect} SQL: {error}\n\nexpression:\n{expr}") from error


class CompiledText(sge.Expression):
    """A query already generated as SQL text (``this``) in a `dialect`: what `CachedCompiler`
    gives for a kept shape. Generated in its own dialect it is its text; put in a larger
    statement it is its text there (a subquery in parentheses, the query of an insert). It has
    no parts to inspect or change, which is all its readers need: Ibis' backends and segmint
    only ever write a compiled query whole (run it, or put it in a CREATE or an INSERT).

    Examples
    --------
    >>> CompiledText(this="SELECT 1 AS x", dialect=Dialect.get_or_raise("duckdb")).sql("duckdb")
    'SELECT 1 AS x'
    """

    arg_types = {"this": True, "dialect": True}


def _compiled_text_sql(generator: Generator, expression: CompiledText) -> str:
    wanted = expression.args["dialect"]
    if type(generator.dialect) is not type(wanted):  # never happens: a compiler has one dialect
        raise ValueError(f"SQL compiled for {type(wanted).__name__} cannot be written as "
                         f"{type(generator.dialect).__name__} SQL")
    return expression.this


# sqlglot writes an expression with the method named after its key, so every dialect's
# generator can write a CompiledText (the way segmint.engine.templates adds its operation to
# Ibis' compilers)
Generator.compiledtext_sql = _compiled_text_sql


def _placeholders(tables: list[ops.Node]) -> list[sge.Table]:
    return [sge.Table(this=sge.to_identifier(_PLACEHOLDER.format(i), quoted=True))
            for i in range(len(tables))]


def _where(table: sge.Table) -> tuple[str, str, str]:
    return (table.name, table.db, table.catalog)


def _swap_tables(sql: sge.Expression, swaps: dict[tuple[str, str, str], sge.Table]
                 ) -> sge.Expression:
    """`sql` with each table named in `swaps` (by its name, db and catalog) renamed as the
    table it maps to; its alias stays."""
    for node in list(sql.find_all(sge.Table)):
        table = swaps.get(_where(node))
        if table is not None:
            for part in ("this", "db", "catalog"):
                value = table.args.get(part)
                node.set(part, value.copy() if value is not None else None)
    return sql


def _shape(root: ops.Node) -> tuple[tuple, list[ops.Node]]:
    """`root`'s graph as a tuple that equals another's when only the tables read differ,
    and those tables in the order the tuple numbers them."""
    number: dict[ops.Node, int] = {}
    tables: list[ops.Node] = []
    shape: list[tuple] = []
    # a join's or self-join's reference is told apart from another by a number Ibis counts up
    # per process, which its SQL does not use: numbered here in order of appearance instead,
    # so the same query built twice (or in another process) has one shape
    references: dict[int, int] = {}
    stack = [root]
    # depth-first, children in argument order, so that equal graphs are numbered alike (a
    # breadth-first `Graph` orders nodes differently from one build to the next)
    while stack:
        node = stack[-1]
        if node in number:
            stack.pop()
            continue
        if isinstance(node, _TABLES):
            tables.append(node)
            item: tuple = ("table", len(tables) - 1, node.schema)
        elif isinstance(node, ops.Reference) and node.parent in number:
            item = (type(node), ("node", number[node.parent]),
                    ("reference", references.setdefault(node.identifier, len(references))))
        else:
            pending = [c for c in reversed(node.__children__) if c not in number]
            if pending:
                stack.extend(pending)
                continue
            item = (type(node), tuple(_arg(a, number) for a in node.__args__))
        stack.pop()
        number[node] = len(shape)
        shape.append(item)
    return tuple(shape), tables


def _arg(value: Any, number: dict[ops.Node, int]) -> Any:
    if isinstance(value, ops.Node):
        return ("node", number[value])
    if isinstance(value, tuple):
        return tuple(_arg(v, number) for v in value)
    if isinstance(value, dict):  # frozendict of nodes (e.g. a select's values)
        return tuple((k, _arg(v, number)) for k, v in value.items())
    return (type(value), value)  # 1, 1.0 and True are equal in Python, not in SQL

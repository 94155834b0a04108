"""Each query shape compiled once per process: the same expression on other tables reuses its SQL.

Compiling an Ibis expression to SQL costs far more than running it on a small table: the
typed accounts table's parsers compile for seconds, and a property test builds the same
expression over a new in-memory table for every example. Ibis compiles each expression
afresh, and no library caches compiled SQL for Ibis, so this module keeps the last compiled
shapes: an expression is keyed by its graph with every table it reads replaced by its place in
the graph and its schema; a shape compiled a second time is kept, and a later expression of
that shape gets its SQL with its own tables' names written in. Tables of a different schema,
any other difference in the graph, or query parameters compile as usual.

A shape's SQL is kept as text, and a later expression of that shape gets the text
(`CompiledText`) rather than a copy of the SQL tree to generate again: for a parser's
expression, copying the tree and generating it took three quarters of a repeated compile.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import ibis.expr.operations as ops
import ibis.expr.types as ir
import sqlglot.expressions as sge
from sqlglot.dialects.dialect import Dialect
from sqlglot.generator import Generator

# A kept shape's key holds an entry per node of its Ibis graph, and its SQL text some hundred
# bytes per node (the typed accounts of a wide export: a few MB). Shapes are kept per engine for
# the whole process, so that tests and repeated runs share them, up to this many graph nodes in
# all, the least recently used going first.
_KEPT_NODES = 50_000
_PLACEHOLDER = "__segmint_table_{}__"  # quoted in the SQL: "__segmint_table_0__"
_TABLES = (ops.DatabaseTable, ops.InMemoryTable, ops.UnboundTable)
_SHAPES: dict[str, OrderedDict[tuple, str]] = {}  # per compiler: shape -> SQL, tables as placeholders
_SEEN: dict[str, OrderedDict[int, None]] = {}  # per compiler: the shapes compiled once, hashed
_SEEN_SHAPES = 4096


class CachedCompiler:
    """A connection's compiler that compiles each expression shape once (see the module).

    Examples
    --------
    >>> import ibis
    >>> from segmint.engine import connect
    >>> con = connect()
    >>> a, b = ibis.memtable({"x": [1, 2]}), ibis.memtable({"x": [5]})
    >>> c = ibis.memtable({"x": [7]})
    >>> kept = con.compiler.compiled_shapes
    >>> [int(con.execute((t.x * 2).sum())) for t in (a, b, c)]
    [6, 10, 14]
    >>> con.compiler.compiled_shapes - kept  # kept when compiled again; the third reused it
    1
    """

    def __init__(self, compiler: Any):
        self._compiler = compiler
        self._shapes = _SHAPES.setdefault(type(compiler).__name__, OrderedDict())
        self._seen = _SEEN.setdefault(type(compiler).__name__, OrderedDict())

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
        try:
            cached = self._shapes.get(key)
        except TypeError:  # an unhashable value in the graph: compiled every time
            return self._compiler.to_sqlglot(expr, limit=limit)
        if cached is None:
            sql = self._compiler.to_sqlglot(expr, limit=limit)
            names = [_where(table) for table in own]
            # kept from its second compiling on: most shapes of a run are compiled once, and
            # copying their SQL to keep it would cost them time for nothing
            seen = hash(key) in self._seen
            self._seen[hash(key)] = None
            if len(self._seen) > _SEEN_SHAPES:
                self._seen.popitem(last=False)
            # two tables of one name could not be told apart in the SQL
            if seen and len(set(names)) == len(names) and len(shape) <= _KEPT_NODES:
                tree = _swap_tables(sql.copy(), dict(zip(names, _placeholders(tables))))
                self._shapes[key] = tree.sql(dialect=self._compiler.dialect)
                while sum(len(kept[2]) for kept in self._shapes) > _KEPT_NODES:
                    self._shapes.popitem(last=False)
            return sql
        self._shapes.move_to_end(key)
        text = cached
        for placeholder, table in zip(_placeholders(tables), own):
            text = text.replace(placeholder.sql(dialect=self._compiler.dialect),
                                table.sql(dialect=self._compiler.dialect))
        return CompiledText(this=text, dialect=Dialect.get_or_raise(self._compiler.dialect))


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

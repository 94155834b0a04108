"""A query shape compiled once per process: later expressions of the shape get its SQL text with
their own tables' names, and the answers of a fresh compile, on both engines."""

from __future__ import annotations

import ibis
import sqlglot.expressions as sge

from segmint.engine.compiled import CompiledText


def joined(left: ibis.Table, right: ibis.Table) -> ibis.Table:
    """Two tables read in one query (two placeholders), one of them twice."""
    totals = right.group_by("k").aggregate(total=right.v.sum())
    return (left.join(totals, "k").join(right.filter(right.v > 1).select("k"), "k")
            .select("k", "total").distinct().order_by("k"))


def test_a_kept_shape_gives_its_text_with_each_expressions_own_tables(con):
    pairs = [(ibis.memtable({"k": [1, 2, 3]}), ibis.memtable({"k": [1, 1, 2, 3], "v": [1, 2, 3, i]}))
             for i in range(4)]
    names = [(left.get_name(), right.get_name()) for left, right in pairs]
    kept = con.compiler.compiled_shapes
    compiled = [con.compiler.to_sqlglot(joined(left, right)) for left, right in pairs]
    # compiled the first time and kept: the other three are its text
    assert con.compiler.compiled_shapes - kept == 1
    assert all(isinstance(sql, CompiledText) for sql in compiled)
    for i, sql in enumerate(compiled):
        text = sql.sql(con.compiler.dialect)
        assert names[i][0] in text and names[i][1] in text and "__segmint_table_" not in text
        assert not any(name in text for pair in names[:i] for name in pair)
    # each query read its own tables: right_i's k = 3 row (v = i) passes the filter for i > 1
    rows = [con.to_pyarrow(joined(left, right)).to_pylist() for left, right in pairs]
    both = [{"k": 1, "total": 3}, {"k": 2, "total": 3}]
    assert rows == [both, both, [*both, {"k": 3, "total": 2}], [*both, {"k": 3, "total": 3}]]


def test_compiled_text_inside_a_larger_statement_is_its_text_there(con):
    tables = [ibis.memtable({"x": [i, i + 1]}) for i in range(3)]
    queries = [con.compiler.to_sqlglot(t.filter(t.x > 0).select(y=t.x * 2)) for t in tables]
    assert all(isinstance(query, CompiledText) for query in queries)
    text = queries[2].sql(con.compiler.dialect)
    wrapped = sge.Subquery(this=queries[2])
    assert wrapped.sql(con.compiler.dialect) == f"({text})"

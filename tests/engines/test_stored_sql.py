"""Compiled SQL stored on disk for later processes: read back as the SQL a fresh compile gives,
never for a different shape, the same digest in every process, and never an error of its own."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import ibis
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segmint.engine import compiled, stored_sql
from segmint.engine.compiled import CachedCompiler
from segmint.engine.stored_sql import StoredSQL, Unstable, digest, stable_text


def a_later_process(con, monkeypatch, root: Path) -> tuple[CachedCompiler, list[int]]:
    """A compiler as a fresh process has it (no shape in memory) over the stored SQL in `root`,
    set as `con`'s, and a list that counts the compiles it leaves to Ibis."""
    raw = con.compiler._compiler
    raw = getattr(raw, "ibis_compiler", raw)  # a later process of a later process
    name = type(raw).__name__
    monkeypatch.setattr(compiled, "_SHAPES", {})
    monkeypatch.setattr(compiled, "_STORED", {name: StoredSQL(name, root)})
    ibis_compiles: list[int] = []

    class Counted:  # Ibis' compiler, its compiles counted
        ibis_compiler = raw

        def __getattr__(self, attribute):
            return getattr(raw, attribute)

        def to_sqlglot(self, *args, **kwargs):
            ibis_compiles.append(1)
            return raw.to_sqlglot(*args, **kwargs)

    later = CachedCompiler(Counted())
    later._shapes = compiled._SHAPES.setdefault(name, compiled._KeptShapes())
    later._stored = compiled._STORED[name]
    monkeypatch.setattr(con, "compiler", later)
    return later, ibis_compiles


def totals_over(accounts: ibis.Table, revenue: ibis.Table) -> ibis.Table:
    """Two tables read in one query, text literals with a carriage return and a non-ASCII
    character (a text file read back would turn the '\\r' into '\\n')."""
    labelled = accounts.mutate(label=accounts.name.replace("\r", " ").concat(" — ok"))
    per = revenue.group_by("k").aggregate(total=revenue.v.sum())
    return (labelled.join(per, "k").filter(labelled.name != "a\rb")
            .select("k", "label", "total").order_by("k"))


def tables(i: int) -> tuple[ibis.Table, ibis.Table]:
    return (ibis.memtable({"k": [1, 2, 3], "name": ["x\ry", "a\rb", f"z{i}"]}),
            ibis.memtable({"k": [1, 1, 3], "v": [i, 2, 3]}))


def test_a_shape_compiled_in_an_earlier_process_is_read_back_as_a_fresh_compile_writes_it(
        con, monkeypatch, tmp_path):
    first, compiles = a_later_process(con, monkeypatch, tmp_path)
    first.to_sqlglot(totals_over(*tables(0)))
    assert len(compiles) == 1
    assert len(list(tmp_path.rglob("*.sql"))) == 1

    later, compiles = a_later_process(con, monkeypatch, tmp_path)
    accounts, revenue = tables(5)
    query = totals_over(accounts, revenue)
    text = later.to_sqlglot(query).sql(later.dialect)
    assert compiles == []  # read, not compiled
    assert text == later.ibis_compiler.to_sqlglot(query).sql(later.dialect)  # afresh
    assert accounts.get_name() in text and "__segmint_table_" not in text
    assert con.to_pyarrow(query).to_pylist() == [
        {"k": 1, "label": "x y — ok", "total": 7}, {"k": 3, "label": "z5 — ok", "total": 3}]


def test_a_different_shape_is_never_given_stored_sql(con, monkeypatch, tmp_path):
    first, _ = a_later_process(con, monkeypatch, tmp_path)
    accounts, revenue = tables(0)
    first.to_sqlglot(totals_over(accounts, revenue))
    later, compiles = a_later_process(con, monkeypatch, tmp_path)
    other = totals_over(accounts, revenue).filter(ibis._.total < 3)
    assert con.to_pyarrow(other).to_pylist() == [{"k": 1, "label": "x y — ok", "total": 2}]
    assert len(compiles) == 1 and len(list(tmp_path.rglob("*.sql"))) == 2


def test_a_value_without_a_stable_text_is_kept_for_the_process_only(con, monkeypatch, tmp_path):
    @ibis.udf.scalar.builtin
    def lower(text: str) -> str:  # its operation's class is made at run time
        ...

    later, compiles = a_later_process(con, monkeypatch, tmp_path)
    for i in range(2):
        accounts, _ = tables(i)
        assert con.to_pyarrow(accounts.select(low=lower(accounts.name)).order_by("low")
                              ).to_pylist()[-1] == {"low": f"z{i}"}
    assert len(compiles) == 1 and later.compiled_shapes == 1  # compiled once, kept in memory
    assert list(tmp_path.rglob("*.sql")) == []  # not stored


def test_a_folder_that_cannot_be_written_is_not_an_error(con, monkeypatch, tmp_path):
    blocked = tmp_path / "a file"
    blocked.write_text("not a folder")
    later, compiles = a_later_process(con, monkeypatch, blocked)
    accounts, revenue = tables(1)
    assert len(con.to_pyarrow(totals_over(accounts, revenue))) == 2
    assert len(compiles) == 1


def test_only_the_three_most_recently_used_code_versions_are_kept(monkeypatch, tmp_path):
    versions = tmp_path / "compiled"
    for age, old in enumerate(["v1", "v2", "v3", "v4"]):
        (versions / old / "duckdb").mkdir(parents=True)
        os.utime(versions / old, (1_000_000 + age, 1_000_000 + age))  # v4 used last
    monkeypatch.setattr(stored_sql, "_VERSION", "v5")
    StoredSQL("duckdb", tmp_path).put("ab" * 32, "SELECT 1")
    assert sorted(p.name for p in versions.iterdir()) == ["v3", "v4", "v5"]


# plain data as shapes hold it: nested tuples of text, numbers, booleans, sets
_PLAIN = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 3) | st.sampled_from([0.5, 1.0, -2.25])
    | st.text(alphabet="ab(){}=\x1f'\r", max_size=4),
    lambda inner: st.tuples(inner, inner) | st.lists(inner, max_size=3).map(tuple)
    | st.frozensets(st.text(alphabet="abc", max_size=3), max_size=3),
    max_leaves=8)


def _same(a, b) -> bool:
    """Equal as SQL would read them: of the same type all the way down (1, 1.0 and True differ)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b


@settings(max_examples=300, deadline=None)
@given(_PLAIN, _PLAIN)
def test_two_values_have_the_same_stable_text_exactly_when_they_are_the_same(a, b):
    assert (stable_text(a) == stable_text(b)) == _same(a, b)
    assert stable_text(a) == stable_text(a if not isinstance(a, frozenset) else frozenset(
        sorted(a, reverse=True)))  # a set's order is not part of it


def test_a_class_made_at_run_time_has_no_stable_text():
    made = type("Literal", (), {})
    with pytest.raises(Unstable):
        stable_text((made, 1))
    assert digest(("x", made)) is None and digest(("x", int)) is not None


_SHAPES_IN_A_PROCESS = textwrap.dedent("""
    import ibis
    from segmint.engine import compiled, stored_sql
    from segmint.engine.templates import apply
    from segmint.validate import checks
    from segmint.validate.parsers import crm
    kinds = [kind for kind in checks.PARSERS if kind not in crm.PARSERS]  # those ask the data
    raw = ibis.table({kind: "string" for kind in kinds}, name="raw")
    uses = {kind: (checks._parser_template(kind, raw[kind].type(), {}), kind)
            for kind in kinds}
    table, made = apply(raw, uses)
    typed = table.select(*(value.name(f"{kind}_{name}") for kind, outputs in made.items()
                           for name, value in outputs.items()))
    shape, _ = compiled._shape(typed.op())
    print(stored_sql.digest(("Table", None, shape)), stored_sql.digest(ibis.to_sql(typed, "duckdb")))
""")


def test_every_parser_gives_the_same_shape_and_sql_in_processes_that_order_sets_differently():
    """Python orders a set of text differently in each process (PYTHONHASHSEED): a shape or a
    pattern built by iterating one would be stored anew by every process (the null spellings'
    pattern was, until it was sorted)."""
    digests = set()
    for seed in ("1", "2"):
        result = subprocess.run([sys.executable, "-c", _SHAPES_IN_A_PROCESS], check=True,
                                capture_output=True, text=True,
                                env={**os.environ, "PYTHONHASHSEED": seed})
        digests.add(result.stdout.strip())
    assert len(digests) == 1
    assert [len(each) for each in digests.pop().split()] == [64, 64]


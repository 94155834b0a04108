"""compute_once gives plain mutate's values on every engine, with each repeated piece written once."""

from __future__ import annotations

import ibis
import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segmint.compute_once import compute_once, in_own_select
from segmint.validate.parsers import (
    parse_integer,
    parse_integer_py,
    parse_money,
    parse_money_py,
    parse_number,
    parse_number_py,
)

PROPERTY = settings(max_examples=25, deadline=None,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def _texts(texts: list[str | None]) -> ibis.Table:
    rows = pa.array(range(len(texts)), pa.int64())
    return ibis.memtable(pa.table({"i": rows, "text": pa.array(texts, pa.string())}))


def test_values_match_by_hand_and_hidden_columns_are_dropped(con):
    table = _texts([" Acme ", "acme", None, "  "])
    key = table.text.strip().lower()
    out = compute_once(table, {
        "key": key,
        "is_acme": key == "acme",
        "status": ibis.cases((key.isnull(), "blank"), (key == "", "blank"), else_="ok"),
    })
    assert out.columns == ("i", "text", "key", "is_acme", "status")
    rows = con.to_pyarrow(out.order_by("i")).to_pylist()
    assert [(r["key"], r["is_acme"], r["status"]) for r in rows] == [
        ("acme", True, "ok"), ("acme", True, "ok"), (None, None, "blank"), ("", False, "blank")]


def test_a_repeated_piece_is_written_once():
    table = _texts(["x"])
    key = table.text.strip().lower()
    columns = {"a": key.length(), "b": key == "x", "c": key.contains("y")}
    assert ibis.to_sql(table.mutate(**columns), dialect="duckdb").count("LOWER(") == 3
    assert ibis.to_sql(compute_once(table, columns), dialect="duckdb").count("LOWER(") == 1


def test_pieces_built_on_repeated_pieces_are_written_once_too():
    # Ibis merges a select into the one above it, writing the inner columns out again; the
    # layers of hidden columns must survive that, or only the innermost piece is shared.
    table = _texts(["a b"])
    words = table.text.strip().lower().replace(" ", "_")
    columns = {"a": words.length(), "b": words == "a_b", "c": words.upper()}
    sql = ibis.to_sql(compute_once(table, columns), dialect="duckdb")
    assert (sql.count("LOWER("), sql.count("REPLACE(")) == (1, 1)


def test_a_guarded_cast_stays_behind_its_guard(con):
    # Casting 'n/a' to an integer fails on DuckDB and on Spark in ANSI mode; the CASE keeps the
    # cast off that row, so the cast must not move to a select of its own, even when repeated.
    table = _texts(["12", "n/a"])
    number = ibis.cases((table.text.re_search(r"^[0-9]+$"), table.text.cast("int64")))
    out = compute_once(table, {"n": number, "double": number * 2, "big": number > 10})
    rows = con.to_pyarrow(out.order_by("i")).to_pylist()
    assert [(r["n"], r["double"], r["big"]) for r in rows] == [(12, 24, True), (None, None, None)]


def test_columns_of_another_table_are_left_in_place(con):
    left = _texts(["a", "b"])
    right = ibis.memtable({"name": ["a"], "tier": ["gold"]})
    joined = left.left_join(right, left.text == right.name)
    tier = joined.tier.upper()
    out = compute_once(joined, {"tier_upper": tier, "is_gold": tier == "GOLD"})
    rows = con.to_pyarrow(out.order_by("i")).to_pylist()
    assert [(r["tier_upper"], r["is_gold"]) for r in rows] == [("GOLD", True), (None, None)]


TOKENS = ["1", "2", "0", "5", "9", ",", ".", " ", "k", "K", "M", "bn", "$", "€", "(", ")",
          "-", "+", "%", "~", "USD", "EUR", "n/a", "N/A", "-", "approx. ", "e", "'"]
crm_number = st.one_of(st.lists(st.sampled_from(TOKENS), max_size=8).map("".join),
                       st.text(max_size=8), st.none())
PARSERS = {
    "number": (parse_number, parse_number_py),
    "integer": (parse_integer, parse_integer_py),
    "money": (parse_money, parse_money_py),
}


@PROPERTY
@given(texts=st.lists(crm_number, min_size=1, max_size=60))
def test_parsers_through_compute_once_agree_with_their_python_twins(con, texts):
    texts = [s.replace("\x00", "") if s else s for s in texts]  # DuckDB strings end at NUL
    table = _texts(texts)
    columns = {}
    for name, (parse, _) in PARSERS.items():
        parsed = parse(table.text)
        columns |= {f"{name}_value": parsed.value, f"{name}_status": parsed.status,
                    f"{name}_rule": parsed.rule}
    rows = con.to_pyarrow(compute_once(table, columns).order_by("i")).to_pylist()
    for name, (_, twin) in PARSERS.items():
        engine = [(r[f"{name}_value"], r[f"{name}_status"], r[f"{name}_rule"]) for r in rows]
        assert engine == [twin(s)[:3] for s in texts], name


def test_in_own_select_gives_plain_mutates_values_with_a_guarded_division_written_once(con):
    # ratio is guarded by its own CASE (a zero divisor stays there: Spark's ANSI mode would
    # raise); read by three columns, it is written out once, and the barrier is selected away
    table = ibis.memtable(pa.table({"i": [1, 2, 3], "top": [1.0, 3.0, 5.0],
                                    "bottom": [2.0, 0.0, None]}))
    ratio = ibis.ifelse(table.bottom > 0, table.top / table.bottom, ibis.null("float64"))
    apart = in_own_select(table, ratio=ratio)
    out = apart.select("i", big=apart.ratio > 0.4, double=apart.ratio * 2,
                        band=ibis.cases((apart.ratio < 0.3, "low"), else_="high"))
    plain = table.select("i", big=ratio > 0.4, double=ratio * 2,
                         band=ibis.cases((ratio < 0.3, "low"), else_="high"))
    assert con.to_pyarrow(out.order_by("i")).to_pylist() == [
        {"i": 1, "big": True, "double": 1.0, "band": "high"},
        {"i": 2, "big": None, "double": None, "band": "high"},
        {"i": 3, "big": None, "double": None, "band": "high"},
    ] == con.to_pyarrow(plain.order_by("i")).to_pylist()
    assert ibis.to_sql(out).count("/") == 1 and ibis.to_sql(plain).count("/") == 3
    assert out.columns == ("i", "big", "double", "band")

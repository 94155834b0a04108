"""A template gives the plain expression's values on every engine, built and compiled once."""

from __future__ import annotations

import ibis
import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segmint.engine import templates
from segmint.engine.templates import HIDDEN_PREFIX, Template, apply
from segmint.validate.parsers import parse_date, parse_date_py, parse_money, parse_money_py

PROPERTY = settings(max_examples=25, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def _money(column: ibis.Value) -> dict[str, ibis.Value]:
    parsed = parse_money(column)
    return {"value": parsed.value, "status": parsed.status, "rule": parsed.rule,
            "currency": parsed.currency}


def _table(**columns: list[str | None]) -> ibis.Table:
    rows = len(next(iter(columns.values())))
    return ibis.memtable(pa.table({"i": pa.array(range(rows), pa.int64()),
                                   **{c: pa.array(v, pa.string()) for c, v in columns.items()}}))


def test_two_columns_read_by_one_template_give_values_by_hand(con):
    money = Template.of(("test", "money"), "string", _money)
    table = _table(amount=["$1.2M", "(1,200)", None, "abc"], fee=["€5", "n/a", "5 GBP", "7"])
    out, made = apply(table, {"amount": (money, "amount"), "fee": (money, "fee")})
    rows = con.to_pyarrow(out.select("i", *[made[c][o].name(f"{c}_{o}") for c in made
                                            for o in ("value", "status", "currency")])
                          .order_by("i")).to_pylist()
    assert [(r["amount_value"], r["amount_status"], r["amount_currency"]) for r in rows] == [
        (1_200_000.0, "ok", "USD"), (-1200.0, "ok", None), (None, "blank", None),
        (None, "invalid", None)]
    assert [(r["fee_value"], r["fee_status"], r["fee_currency"]) for r in rows] == [
        (5.0, "ok", "EUR"), (None, "blank", None), (5.0, "ok", "GBP"), (7.0, "ok", None)]
    assert all(c.startswith(HIDDEN_PREFIX) for c in out.columns if c not in table.columns)


def test_built_once_per_key_and_compiled_once_per_engine(con):
    built = []

    def tidy(text):
        built.append(text)
        return {"key": text.strip().lower(), "long": text.strip().lower().length() > 2}

    key = ("test", "tidy", con.name)  # templates live for the process: one key per engine
    first = Template.of(key, "string", tidy)
    assert Template.of(key, "string", tidy) is first and len(built) == 1
    table = _table(a=[" Ab "], b=["xyz"])
    out, made = apply(table, {"a": (first, "a"), "b": (first, "b")})
    con.to_pyarrow(out.select(made["a"]["key"], made["b"]["long"]))
    compiled = {k for k in templates._COMPILED if k[1] == first.name}
    other = _table(c=["Q"])
    out, made = apply(other, {"c": (first, "c")})
    assert con.to_pyarrow(out.select(made["c"]["key"])).to_pylist() == [{"key": "q"}]
    assert {k for k in templates._COMPILED if k[1] == first.name} == compiled


def test_the_sql_shares_each_step_as_the_plain_layers_do():
    tidy = Template.of(("test", "words"), "string", lambda text: {
        "a": text.strip().lower().length(), "b": text.strip().lower() == "x"})
    table = _table(a=[" X "], b=["y"])
    out, made = apply(table, {"a": (tidy, "a"), "b": (tidy, "b")})
    sql = ibis.to_sql(out.select(made["a"]["a"].name("one"), made["b"]["b"].name("two")),
                      dialect="duckdb")
    assert sql.count("LOWER(") == 2  # once per column, read twice each


crm_text = st.one_of(st.sampled_from(["$1.2M", "1.200,50 €", "(1,200)", "USD 5", "€5 GBP",
                                      "2024-03-01", "03/04/2024", "31.12.2023", "n/a", ""]),
                     st.text(max_size=10), st.none())


@PROPERTY
@given(texts=st.lists(crm_text, min_size=1, max_size=40))
def test_spliced_parsers_agree_with_their_python_twins(con, texts):
    texts = [s.replace("\x00", "") if s else s for s in texts]  # DuckDB strings end at NUL
    money = Template.of(("test", "money"), "string", _money)
    dates = Template.of(("test", "date", True), "string", lambda text: {
        "value": parse_date(text, day_first=True).value,
        "status": parse_date(text, day_first=True).status})
    table = _table(text=texts)
    out, made = apply(table, {"money": (money, "text"), "date": (dates, "text")})
    rows = con.to_pyarrow(out.select("i", money_value=made["money"]["value"],
                                     money_status=made["money"]["status"],
                                     money_currency=made["money"]["currency"],
                                     date_value=made["date"]["value"],
                                     date_status=made["date"]["status"])
                          .order_by("i")).to_pylist()
    assert [(r["money_value"], r["money_status"], r["money_currency"]) for r in rows] == [
        (v, s, c) for v, s, _, c in map(parse_money_py, texts)]
    assert [(r["date_value"], r["date_status"]) for r in rows] == [
        parse_date_py(s, day_first=True)[:2] for s in texts]

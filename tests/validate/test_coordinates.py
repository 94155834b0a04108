"""Coordinates: decimal degrees read with a point or a comma; points off the globe are cleared.
Owners' capacity: negative or more hours than a year has is cleared."""

from __future__ import annotations

import ibis
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segmint.validate.checks import CHECKS
from segmint.validate.parsers import INVALID, OK, parse_coordinate, parse_coordinate_py

PROPERTY = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def parsed(con, texts: list[str | None]) -> list[tuple]:
    t = ibis.memtable(pa.table({"i": pa.array(range(len(texts)), pa.int64()),
                                "text": pa.array(texts, pa.string())}))
    p = parse_coordinate(t.text)
    out = con.to_pyarrow(t.select("i", v=p.value, s=p.status, r=p.rule).order_by("i"))
    return [(r["v"], r["s"], r["r"]) for r in out.to_pylist()]


CASES = [
    ("42.3736", (42.3736, OK, "plain")),
    ("-71.1097", (-71.1097, OK, "plain")),
    ("+48", (48.0, OK, "plain")),
    (" 45,7578 ", (45.7578, OK, "decimal_comma")),
    ("-0,128", (-0.128, OK, "decimal_comma")),  # London; a number parser reads -128
    ("180", (180.0, OK, "plain")),
    ("191.5", (191.5, OK, "plain")),  # read; the range check clears it
    ("1,234.5", (None, INVALID, None)),
    ("4.832,1", (None, INVALID, None)),
    ("1234", (None, INVALID, None)),
    ("40°26′46″N", (None, INVALID, None)),
    ("51.5 N", (None, INVALID, None)),
    ("N/A", (None, "blank", None)),
    ("", (None, "blank", None)),
    (None, (None, "blank", None)),
]


def test_coordinates_worked_by_hand(con):
    texts = [text for text, _ in CASES]
    assert parsed(con, texts) == [expected for _, expected in CASES]
    assert [parse_coordinate_py(text) for text in texts] == [expected for _, expected in CASES]


@PROPERTY
@given(points=st.lists(st.tuples(st.floats(-180, 180, allow_nan=False),
                                 st.integers(0, 8), st.sampled_from([".", ","])),
                       min_size=1, max_size=40))
def test_any_decimal_degree_reads_back_exactly(points):
    con = ibis.duckdb.connect()
    texts, values = [], []
    for value, decimals, mark in points:
        text = f"{value:.{decimals}f}"
        texts.append(text.replace(".", mark))
        values.append(float(text))
    assert [v for v, _, _ in parsed(con, texts)] == values
    assert [parse_coordinate_py(text)[0] for text in texts] == values


@PROPERTY
@given(texts=st.lists(st.one_of(
    st.text(alphabet="0123456789.,-+ °NSEW", max_size=10), st.text(max_size=8), st.none()),
    min_size=1, max_size=40))
def test_engine_agrees_with_the_python_twin(texts):
    texts = [s.replace("\x00", "") if s else s for s in texts]  # DuckDB strings end at NUL
    assert parsed(ibis.duckdb.connect(), texts) == [parse_coordinate_py(s) for s in texts]


def failing(code: str, **columns: list) -> list[bool]:
    table = ibis.memtable(columns)
    return table.select(f=CHECKS[code].failing(table).fill_null(False)).f.to_pyarrow().to_pylist()


@pytest.mark.parametrize(("code", "column", "kept", "cleared"), [
    ("DQ105", "latitude", [-90.0, 0.0, 42.3736, 90.0], [-90.0001, 90.5, 191.5]),
    ("DQ106", "longitude", [-180.0, -0.128, 180.0], [-180.5, 191.5, 360.0]),
    ("DQ501", "capacity_hours", [0.0, 1400.0], [-5.0]),
    ("DQ502", "capacity_hours", [1400.0, 8784.0], [8784.5, 9000.0]),
    ("DQ503", "capacity_accounts", [0, 120], [-1]),
])
def test_range_checks_keep_the_edges(code, column, kept, cleared):
    assert CHECKS[code].column == column and CHECKS[code].action == "value cleared"
    assert failing(code, **{column: [*kept, *cleared, None]}) == (
        [False] * len(kept) + [True] * len(cleared) + [False])


@PROPERTY
@given(latitudes=st.lists(st.floats(-1e4, 1e4, allow_nan=False), min_size=1, max_size=30))
def test_a_latitude_is_cleared_exactly_when_off_the_globe(latitudes):
    assert failing("DQ105", latitude=latitudes) == [not -90 <= v <= 90 for v in latitudes]

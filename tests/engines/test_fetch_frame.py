"""`fetch_frame` gives the frame Ibis' `to_pandas` gives, for any mix of types and nulls."""

from __future__ import annotations

import datetime as dt
import decimal

import ibis
import pandas as pd
import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segmint.engine import connect, fetch_frame, materialise
from segmint.engine.kept import _FETCH_BATCH_ROWS, ARROW_TEXT

CON = connect()
COLUMNS = {  # Arrow type, and values of it
    "int64": (pa.int64(), st.integers(-2**62, 2**62)),
    "int32": (pa.int32(), st.integers(-2**31, 2**31 - 1)),
    "float64": (pa.float64(), st.floats(allow_nan=False, allow_infinity=False)),
    "string": (pa.string(), st.text(max_size=8)),
    "boolean": (pa.bool_(), st.booleans()),
    "date": (pa.date32(), st.dates(dt.date(1900, 1, 1), dt.date(2200, 12, 31))),
    "decimal": (pa.decimal128(18, 2), st.decimals(-10**12, 10**12, places=2, allow_nan=False,
                                                  allow_infinity=False)),
    "timestamp": (pa.timestamp("us"), st.datetimes(dt.datetime(1900, 1, 1))),
    "list": (pa.list_(pa.string()), st.lists(st.text(max_size=3), max_size=3)),
}


@st.composite
def tables(draw) -> pa.Table:
    names = draw(st.lists(st.sampled_from(sorted(COLUMNS)), min_size=1, max_size=5, unique=True))
    rows = draw(st.integers(0, 6))
    columns = {}
    for name in names:
        arrow_type, values = COLUMNS[name]
        columns[name] = pa.array(draw(st.lists(st.none() | values, min_size=rows,
                                               max_size=rows)), arrow_type)
    return pa.table(columns)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables())
def test_the_frame_is_the_one_to_pandas_gives(rows):
    kept = materialise(CON, ibis.memtable(rows), "fetched", short_lived=True)
    pd.testing.assert_frame_equal(fetch_frame(kept), kept.to_pandas())


def test_a_column_of_nulls_and_decimals_keep_their_values():
    rows = pa.table({"gone": pa.array([None, None], pa.string()),
                     "amount": pa.array([decimal.Decimal("1.20"), None], pa.decimal128(18, 2)),
                     "day": pa.array([dt.date(2024, 2, 29), None], pa.date32())})
    frame = fetch_frame(materialise(CON, ibis.memtable(rows), "fetched", short_lived=True))
    assert frame.gone.tolist() == [None, None]
    assert frame.amount.tolist()[0] == decimal.Decimal("1.20") and frame.amount.isna().tolist() == [False, True]
    assert frame.day.tolist()[0] == pd.Timestamp("2024-02-29") and frame.day.isna().tolist()[1]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables())
def test_with_arrow_text_only_the_text_columns_change_type(rows):
    kept = materialise(CON, ibis.memtable(rows), "fetched", short_lived=True)
    expected = kept.to_pandas()
    if "string" in expected:
        expected["string"] = expected["string"].astype(ARROW_TEXT)
    pd.testing.assert_frame_equal(fetch_frame(kept, arrow_text=True), expected)


def test_arrow_text_read_in_batches_keeps_every_row_in_order():
    rows = 2 * _FETCH_BATCH_ROWS + 7
    table = ibis.memtable({"id": [f"a{i:07d}" for i in range(rows)],
                           "n": [float(i) for i in range(rows)]})
    kept = materialise(CON, table, "fetched", short_lived=True)
    # a float literal is a decimal to DuckDB: each batch is typed as Ibis types the column
    frame = fetch_frame(kept.mutate(hours=ibis.literal(2.5)).order_by("id"), arrow_text=True)
    assert frame.hours.dtype == "float64" and frame.hours.eq(2.5).all()
    assert len(frame) == rows and frame.id.is_monotonic_increasing
    assert frame.id.iloc[-1] == f"a{rows - 1:07d}" and frame.n.sum() == rows * (rows - 1) / 2
    assert (frame.id.str.slice(1).astype(int) == frame.n).all()

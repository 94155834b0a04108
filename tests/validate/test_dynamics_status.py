"""Dynamics 365 Status (statecode) read as won and closed, alike in the engine and in Python."""

from __future__ import annotations

import ibis
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segmint.validate.parsers import (
    parse_dynamics_closed,
    parse_dynamics_closed_py,
    parse_dynamics_won,
    parse_dynamics_won_py,
)

STATUS_CASES = [  # text, (won, closed), rule; or text, status
    ("Won", (True, True), "dynamics_status"),
    ("Open", (False, False), "dynamics_status"),
    ("Lost", (False, True), "dynamics_status"),
    (" LOST ", (False, True), "dynamics_status"),
    ("won", (True, True), "dynamics_status"),
    ("0", (False, False), "dynamics_status"),  # Dataverse statecode
    ("1", (True, True), "dynamics_status"),
    ("2", (False, True), "dynamics_status"),
    ("true", (True, True), "true_false"),  # a flag column mapped by hand reads as flags
    ("No", (False, False), "yes_no"),
    ("Cancelled", "invalid"),  # a Status Reason, not a Status
    ("3", "invalid"),
    ("In Progress", "invalid"),
    ("", "blank"),
    ("n/a", "blank"),
    (None, "blank"),
]
PARSERS = {"won": (parse_dynamics_won, parse_dynamics_won_py, 0),
           "closed": (parse_dynamics_closed, parse_dynamics_closed_py, 1)}


def engine_reads(con, parse, texts):
    t = ibis.memtable(pa.table({"i": list(range(len(texts))), "v": pa.array(texts, pa.string())}))
    p = parse(t.v)
    rows = con.to_pyarrow(t.select(t.i, v=p.value, s=p.status, r=p.rule).order_by("i")).to_pylist()
    return [(r["v"], r["s"], r["r"]) for r in rows]


@pytest.mark.parametrize("flag", PARSERS)
def test_status_reads_as_won_and_closed(con, flag):
    parse, twin, index = PARSERS[flag]
    texts = [c[0] for c in STATUS_CASES]
    want = [(c[1][index], "ok", c[2]) if len(c) == 3 else (None, c[1], None) for c in STATUS_CASES]
    assert engine_reads(con, parse, texts) == want
    assert [twin(s) for s in texts] == want


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(texts=st.lists(st.one_of(
    st.sampled_from(["Won", "WON", "open", "Lost", "0", "1", "2", "3", "t", "Y", " no ", "NULL"]),
    st.text(max_size=6), st.none()), min_size=1, max_size=30))
def test_engine_agrees_with_python_twin(con, texts):
    texts = [s.replace("\x00", "") if s else s for s in texts]  # DuckDB strings end at NUL
    for parse, twin, _ in PARSERS.values():
        assert engine_reads(con, parse, texts) == [twin(s) for s in texts]

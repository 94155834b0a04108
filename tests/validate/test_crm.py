"""CRM ids in the engine agree with their Python twins, on every engine and either parse path."""

from __future__ import annotations

import string

import ibis
import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segmint.validate.parsers import crm

PROPERTY = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
_ALNUM = string.ascii_letters + string.digits

id15 = st.text(_ALNUM, min_size=15, max_size=15)
as_written_18 = id15.map(crm.salesforce_id_18)
case_lost_18 = as_written_18.map(str.upper) | as_written_18.map(str.lower)
other = st.sampled_from(["", " ", "NULL", "000000000000000", "000000000000000AAA", "acct-7",
                         "001A000001Mf2dR999", " 001A000001Mf2dRIAR "])


def parse(con, parser, texts: list[str]) -> list[tuple]:
    table = ibis.memtable(pa.table({"i": pa.array(range(len(texts)), pa.int64()),
                                    "v": pa.array(texts, pa.string())}))
    parsed = parser(table.v)
    rows = con.to_pyarrow(table.select("i", v=parsed.value, s=parsed.status)
                          .order_by("i")).to_pylist()
    return [(row["v"], row["s"]) for row in rows]


def twin(texts: list[str]) -> list[tuple]:
    return [crm.parse_salesforce_id_py(text)[:2] for text in texts]


@PROPERTY
@given(texts=st.lists(as_written_18 | other, min_size=1, max_size=30))
def test_a_column_of_api_ids_reads_as_the_twin_without_widening(con, texts):
    # Such a column takes the quick path: no 15-character id, every case intact.
    assert parse(con, crm.parse_salesforce_id_column, texts) == twin(texts)


@PROPERTY
@given(texts=st.lists(id15 | as_written_18 | case_lost_18 | other, min_size=1, max_size=30))
def test_any_mix_of_ids_reads_as_the_twin(con, texts):
    assert parse(con, crm.parse_salesforce_id_column, texts) == twin(texts)
    assert parse(con, crm.parse_salesforce_id, texts) == twin(texts)


def test_one_report_id_sends_the_whole_column_to_the_full_parser(con):
    texts = ["001A000001Mf2dRIAR", "0015000000Gv7qJ"]  # the second is a 15-character report id
    assert parse(con, crm.parse_salesforce_id_column, texts) == [
        ("001A000001Mf2dRIAR", "ok"), ("0015000000Gv7qJAAR", "ok")]

"""Slash dates are read in one order per column, decided from the column's values or configured."""

from __future__ import annotations

import datetime as dt

import ibis
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segmint.exceptions import ConfigError
from segmint.io.sources import load_source
from segmint.validate.checks import validate
from segmint.validate.decisions import decide_date_order
from segmint.validate.parsers import infer_day_first, infer_day_first_py

D = dt.date

# (first over 12, second over 12, slash dates, configured) -> (order, basis, values cleared)
DECISIONS = [
    ((37, 0, 120, None), ("day_first", "evidence", 0)),
    ((0, 9, 120, None), ("month_first", "evidence", 0)),
    ((37, 2, 120, None), ("day_first", "mixed", 2)),
    ((2, 37, 120, None), ("month_first", "mixed", 2)),
    ((3, 3, 10, None), ("month_first", "mixed", 3)),  # a tie goes to the US order
    ((0, 0, 120, None), ("month_first", "ambiguous", 0)),
    ((0, 0, 0, None), ("month_first", "no_slash_dates", 0)),
    ((0, 0, 120, "day_first"), ("day_first", "configured", 0)),
    ((0, 5, 120, "day_first"), ("day_first", "configured", 5)),
    ((37, 0, 120, "month_first"), ("month_first", "configured", 37)),
]


@pytest.mark.parametrize(("counts", "decided"), DECISIONS, ids=[str(c) for c, _ in DECISIONS])
def test_the_column_order_follows_the_evidence(counts, decided):
    *evidence, configured = counts
    order = decide_date_order("close_date", *evidence, configured=configured)
    assert (order.order, order.basis, order.contradicting) == decided


NOTES = [
    ((37, 0, 120, None), "deals.close_date: read day first: 37 values have a first number above "
                         "12, none a second."),
    ((1, 0, 1, None), "deals.close_date: read day first: 1 value has a first number above 12, "
                      "none a second."),
    ((0, 9, 120, None), None),  # US order, as the values say: nothing to tell
    ((0, 0, 0, None), None),
    ((0, 0, 120, "month_first"), None),
    ((0, 0, 120, None), "deals.close_date: ambiguous: 120 values fit both orders; read month "
                        "first. Set sources.deals.date_order to override."),
    ((37, 2, 120, None), "deals.close_date: read day first, as most values say: 37 values have a "
                         "first number above 12, 2 a second; those 2 are cleared (DQ010). Set "
                         "sources.deals.date_order to override."),
    ((3, 3, 10, None), "deals.close_date: read month first, as many values say one order as the "
                       "other: 3 values have a first number above 12, 3 a second; those 3 are "
                       "cleared (DQ010). Set sources.deals.date_order to override."),
    ((0, 1, 120, "day_first"), "deals.close_date: read day first, as configured, but no value "
                               "has a first number above 12, 1 a second; that one is cleared "
                               "(DQ010)."),
]


@pytest.mark.parametrize(("counts", "note"), NOTES, ids=[str(c) for c, _ in NOTES])
def test_the_note_says_what_the_data_does_not(counts, note):
    *evidence, configured = counts
    assert decide_date_order("close_date", *evidence, configured=configured).note("deals") == note


EVIDENCE_CASES = [  # text, (fits day first only, fits US only, slash date)
    ("25/12/2023", (True, False, True)),
    ("13-1-24 9:30", (True, False, True)),
    ("12/25/2023", (False, True, True)),
    ("1/13/24 5:19 PM", (False, True, True)),
    ("02/03/24", (False, False, True)),
    ("13/14/2024", (False, False, True)),  # fits no order: evidence of neither
    (" 31/01/2024 ", (True, False, True)),
    ("2024-01-05", (False, False, False)),
    ("15.03.2024", (False, False, False)),  # dotted dates are always day first
    ("2024/03/15", (False, False, False)),
    ("n/a", (False, False, False)),
    (None, (False, False, False)),
]


def test_evidence_of_one_value(con):
    t = ibis.memtable(pa.table({"i": list(range(len(EVIDENCE_CASES))),
                                "d": pa.array([c[0] for c in EVIDENCE_CASES], pa.string())}))
    assert [infer_day_first_py(text) for text, _ in EVIDENCE_CASES] == [
        want for _, want in EVIDENCE_CASES]
    e = infer_day_first(t.d)
    row = con.execute(t.aggregate(f=e.first_over_12, s=e.second_over_12, n=e.slash_dates))
    assert row.values.tolist() == [[3, 2, 7]]


slash_dates = st.builds(
    "{}{}{}{}{}{}".format,
    st.integers(0, 40), st.sampled_from("/-."), st.integers(0, 40), st.sampled_from("/-."),
    st.sampled_from(["24", "2024", "1999", "5"]),
    st.sampled_from(["", " 9:30", " 12:00 PM", "T23:59:59Z", " 25:00", "x"]),
)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(texts=st.lists(st.one_of(slash_dates, st.text(max_size=10), st.none()), max_size=40))
def test_engine_counts_what_the_twin_sees(con, texts):
    texts = [s.replace("\x00", "") if s else s for s in texts]  # DuckDB strings end at NUL
    t = ibis.memtable(pa.table({"d": pa.array(texts, pa.string())}))
    e = infer_day_first(t.d)
    row = con.execute(t.aggregate(f=e.first_over_12, s=e.second_over_12, n=e.slash_dates))
    twins = [infer_day_first_py(s) for s in texts]
    assert row.values.tolist() == [[sum(tw[i] for tw in twins) for i in range(3)]]


# --- validation reads each column in its order --------------------------------------------------

YAML = """
sources:
  accounts: {path: accounts.csv}
  deals: {path: deals.csv%s}
segmentation:
  segments: [{name: Everyone, when: "true"}]
"""
ACCOUNTS = "account_id\nA\n"
# close_date is day first (25/12 can only be); created_date is ambiguous (all fit both orders)
DEALS = """
deal_id,account_id,close_date,created_date
d1,A,25/12/2023,02/03/2023
d2,A,01/02/2024,04/05/2023
d3,A,2024-03-31,06/07/2023
d4,A,31/01/2024 17:00,
"""


def load_deals(con, make_project, deals=DEALS, options=""):
    project = make_project(YAML % options, accounts__csv=ACCOUNTS, deals__csv=deals)
    return validate(load_source(con, project, "deals"))


def dates(result, column):
    return result.clean.order_by("_source_row")[column].to_pyarrow().to_pylist()


def test_a_day_first_column_is_read_day_first_and_an_ambiguous_one_month_first(con, make_project):
    result = load_deals(con, make_project)
    assert dates(result, "close_date") == [D(2023, 12, 25), D(2024, 2, 1), D(2024, 3, 31),
                                           D(2024, 1, 31)]
    assert dates(result, "created_date") == [D(2023, 2, 3), D(2023, 4, 5), D(2023, 6, 7), None]
    orders = {c: (o.order, o.basis, o.first_over_12, o.second_over_12, o.slash_dates)
              for c, o in result.date_orders.items()}
    assert orders == {"close_date": ("day_first", "evidence", 2, 0, 3),
                      "created_date": ("month_first", "ambiguous", 0, 0, 3)}
    assert result.notes == (
        "deals.created_date: ambiguous: 3 values fit both orders; read month first. Set "
        "sources.deals.date_order to override.",
        "deals.close_date: read day first: 2 values have a first number above 12, none a second.",
    )
    assert result.rejects.count().execute() == 0


def test_a_mixed_column_keeps_the_majority_order_and_clears_the_rest(con, make_project):
    deals = ("deal_id,account_id,close_date\n"
             "d1,A,25/12/2023\nd2,A,13/01/2024\nd3,A,12/25/2023\nd4,A,yesterday\nd5,A,02/03/24\n")
    result = load_deals(con, make_project, deals)
    assert dates(result, "close_date") == [D(2023, 12, 25), D(2024, 1, 13), None, None,
                                           D(2024, 3, 2)]
    order = result.date_orders["close_date"]
    assert (order.order, order.basis, order.contradicting) == ("day_first", "mixed", 1)
    rejects = result.rejects.order_by("_source_row").to_pyarrow().to_pylist()
    assert [(r["_source_row"], r["check"], r["value"], r["reason"]) for r in rejects] == [
        (4, "DQ010", "12/25/2023",
         "the date fits month first only, but deals.close_date is read day first (as most of its "
         "values say: 2 values have a first number above 12, 1 a second); the value was cleared. "
         "Set sources.deals.date_order to override"),
        (5, "DQ010", "yesterday", "not a valid date; the value was cleared"),
    ]
    assert result.rows_used == 5  # values are cleared, rows kept


@pytest.mark.parametrize("option", [", date_order: month_first",
                                    ", date_order: {close_date: month_first}"])
def test_a_configured_order_wins_over_the_evidence(con, make_project, option):
    result = load_deals(con, make_project, options=option)
    assert dates(result, "close_date") == [None, D(2024, 1, 2), D(2024, 3, 31), None]
    order = result.date_orders["close_date"]
    assert (order.order, order.basis, order.contradicting) == ("month_first", "configured", 2)
    assert result.notes[-1] == ("deals.close_date: read month first, as configured, but 2 values "
                               "have a first number above 12, none a second; those 2 are cleared "
                               "(DQ010).")
    assert result.rejects.count().execute() == 2


def test_configuring_one_column_leaves_the_others_to_their_evidence(con, make_project):
    result = load_deals(con, make_project, options=", date_order: {created_date: day_first}")
    assert dates(result, "created_date") == [D(2023, 3, 2), D(2023, 5, 4), D(2023, 7, 6), None]
    assert result.date_orders["close_date"].basis == "evidence"
    assert result.date_orders["created_date"].basis == "configured"
    assert len(result.notes) == 1  # close_date, read day first; created_date is as configured


def test_a_date_order_for_a_column_that_is_no_date_names_the_date_columns(con, make_project):
    project = make_project(YAML % ", date_order: {amount: day_first}", accounts__csv=ACCOUNTS,
                           deals__csv=DEALS)
    with pytest.raises(ConfigError, match=r"sources.deals.date_order has 'amount', which is not "
                                          r"a date column of deals \(created_date, close_date\)"):
        load_source(con, project, "deals")


def test_a_bad_date_order_is_a_config_error(make_project):
    with pytest.raises(ConfigError, match="date_order"):
        make_project(YAML % ", date_order: european", accounts__csv=ACCOUNTS, deals__csv=DEALS)


def test_typed_date_columns_need_no_decision(con, tmp_path):
    import pyarrow.parquet as pq

    from segmint.config.project import Project

    pq.write_table(pa.table({"account_id": ["A"], "created_date": [D(2024, 1, 2)]}),
                   tmp_path / "accounts.parquet")
    project = Project.model_validate({
        "root": tmp_path, "sources": {"accounts": {"path": "accounts.parquet"}},
        "segmentation": {"segments": [{"name": "Everyone", "when": "true"}]}})
    result = validate(load_source(con, project, "accounts"))
    assert result.date_orders == {} or all(
        o.basis == "no_slash_dates" for o in result.date_orders.values())
    assert dates(result, "created_date") == [D(2024, 1, 2)]

"""Currency: amounts converted to the reporting currency by the rate in force, worked by hand."""

from __future__ import annotations

import datetime

import ibis
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from segmint import tables as t
from segmint.enrich.currency import FxRates, convert_amounts, fx_rates
from segmint.io.rates import read_rates
from segmint.exceptions import ColumnNotFoundError, ConfigError, SourceError
from segmint.pipeline import load, run

d = datetime.date
# EUR: 1.08 from 1 Jan 2024, 1.10 from 1 Mar 2024 (a rate holds until the next); GBP: 1.25.
FX = FxRates("USD", "fx_rates.csv", {
    "EUR": ((d(2024, 1, 1), 1.08), (d(2024, 3, 1), 1.10)),
    "GBP": ((d(2024, 2, 1), 1.25),),
})
RATES_CSV = """
currency,date,rate
EUR,2024-01-01,1.08
EUR,2024-03,1.10
GBP,2024-02-01,1.25
"""
ACCOUNTS_CSV = """
account_id,employees
A,50
B,5000
"""
YAML = """
sources:
  accounts: {path: accounts.csv}
  deals: {path: deals.csv}
segmentation:
  segments: [{name: Everyone, when: "true"}]
outputs: {report: false}
"""
WITH_RATES = YAML + "currency: {reporting: usd, rates: fx_rates.csv}\n"


def converted(con, rows: list[tuple]) -> list[tuple]:
    """(amount, amount_local, fx_rule) per row of (amount, currency, close, created)."""
    table = ibis.memtable(
        dict(zip(["n", "amount", "currency", "close_date", "created_date"],
                 zip(*[(i, *row) for i, row in enumerate(rows)], strict=True), strict=True)),
        schema={"n": "int64", "amount": "float64", "currency": "string", "close_date": "date",
                "created_date": "date"})
    out = con.to_pyarrow(convert_amounts(table, FX).order_by("n")).to_pylist()
    return [(r["amount"], r["amount_local"], r["fx_rule"]) for r in out]


def test_the_rate_in_force_on_the_close_date_converts(con):
    rows = converted(con, [
        (1000.0, "EUR", d(2024, 3, 15), None),  # 1.10 holds from 1 March: 1,100.00
        (1000.0, "EUR", d(2024, 3, 1), None),  # on the day a rate starts, it holds: 1,100.00
        (1000.0, "EUR", d(2024, 2, 29), None),  # the day before: still 1.08
        (1000.0, "eur ", None, d(2024, 2, 10)),  # no close date: the created date, 1.08
        (250.5, "GBP", d(2025, 6, 30), d(2024, 1, 5)),  # after the last rate: it still holds
        (None, "EUR", d(2024, 3, 15), None),  # no amount: stays none
    ])
    assert rows == [(1100.0, 1000.0, "rate"), (1100.0, 1000.0, "rate"), (1080.0, 1000.0, "rate"),
                    (1080.0, 1000.0, "rate"), (313.13, 250.5, "rate"), (None, None, "rate")]
    # 250.50 × 1.25 = 313.125, to the cent half away from zero: 313.13 on every engine


def test_before_the_first_rate_or_undated_takes_the_first_or_latest_rate(con):
    rows = converted(con, [
        (1000.0, "EUR", d(2023, 12, 31), None),  # before 1 Jan 2024: the first rate, 1.08
        (10.0, "GBP", None, d(2020, 5, 1)),  # created before GBP's first rate: 1.25
        (80.0, "EUR", None, None),  # no date at all: the latest EUR rate, 1.10
    ])
    assert rows == [(1080.0, 1000.0, "first_rate"), (12.5, 10.0, "first_rate"),
                    (88.0, 80.0, "latest_rate")]


def test_reporting_and_blank_currency_stay_and_an_unknown_one_is_cleared(con):
    rows = converted(con, [
        (500.0, "USD", d(2024, 3, 15), None),
        (70.0, None, d(2024, 3, 15), None),  # no currency: taken as USD
        (71.0, "  ", None, None),
        (9.0, "CHF", d(2024, 3, 15), None),  # no CHF rate: never summed
    ])
    assert rows == [(500.0, 500.0, "reporting"), (70.0, 70.0, "assumed"), (71.0, 71.0, "assumed"),
                    (None, 9.0, "no_rate")]


DEALS_MIXED = """
deal_id,account_id,amount,currency,close_date
d1,A,1000,EUR,2024-03-15
d2,A,500,USD,2024-03-15
d3,B,9,CHF,2024-03-15
d4,B,200,,2023-06-30
d5,B,,CHF,2024-03-15
d6,A,300,EUR,2023-11-30
"""


def test_a_currency_without_a_rate_is_cleared_with_a_reject_and_a_note(con, make_project):
    project = make_project(WITH_RATES, accounts__csv=ACCOUNTS_CSV, deals__csv=DEALS_MIXED,
                           fx_rates__csv=RATES_CSV)
    deals = load(project, con)["deals"]
    rows = con.to_pyarrow(deals.clean.order_by(t.DEAL_ID)).to_pylist()
    assert [(r[t.DEAL_ID], r[t.AMOUNT], r["amount_local"], r[t.CURRENCY]) for r in rows] == [
        ("d1", 1100.0, 1000.0, "EUR"), ("d2", 500.0, 500.0, "USD"), ("d3", None, 9.0, "CHF"),
        ("d4", 200.0, 200.0, None), ("d5", None, None, "CHF"), ("d6", 324.0, 300.0, "EUR")]
    # one record for d3 (d5 had no amount to clear); the row stays, so counts do not move
    rejects = con.to_pyarrow(deals.rejects.filter(deals.rejects.check == "DQ203")).to_pylist()
    assert rejects == [{
        "table": "deals", t.SOURCE_FILE: "deals.csv", t.SOURCE_ROW: 4, "column": "amount",
        "check": "DQ203", "value": "9.00",
        "reason": "no CHF rate in fx_rates.csv; add CHF rows to currency.rates",
        "action": "value cleared"}]
    assert (deals.rows_in, deals.rows_used, deals.rows_rejected) == (6, 6, 0)
    assert list(deals.notes) == [
        "deals: 1 amount(s) in other currencies than USD are left out of money figures "
        "(CHF 1): add their rates to fx_rates.csv",
        "deals: 2 converted to USD with fx_rates.csv (EUR 2)",
        "deals: dated before their currency's first rate, so converted at it: "
        "EUR 1 (first rate 2024-01-01)",
        "deals: 1 have no currency; their amounts are taken as USD, the reporting currency",
    ]


def test_without_rates_other_currencies_are_left_out_and_said_so(con, make_project):
    project = make_project(YAML, accounts__csv=ACCOUNTS_CSV, deals__csv=DEALS_MIXED)
    deals = load(project, con)["deals"]
    rows = con.to_pyarrow(deals.clean.order_by(t.DEAL_ID)).to_pylist()
    assert [r[t.AMOUNT] for r in rows] == [None, 500.0, None, 200.0, None, None]
    rejects = con.to_pyarrow(deals.rejects.filter(deals.rejects.check == "DQ203")
                             .order_by(t.SOURCE_ROW)).to_pylist()
    assert [(r[t.SOURCE_ROW], r["value"], r["reason"]) for r in rejects] == [
        (2, "1000.00", "EUR amounts are not converted: add an FX rates table under "
                       "currency.rates in segmint.yaml"),
        (4, "9.00", "CHF amounts are not converted: add an FX rates table under currency.rates "
                    "in segmint.yaml"),
        (7, "300.00", "EUR amounts are not converted: add an FX rates table under "
                      "currency.rates in segmint.yaml")]
    assert deals.notes[0] == (
        "deals: 3 amount(s) in other currencies than USD are left out of money figures "
        "(EUR 2, CHF 1): add an FX rates table under currency.rates in segmint.yaml")


@pytest.mark.parametrize("rates", [None, RATES_CSV], ids=["no-rates", "rates"])
def test_one_currency_changes_nothing(con, make_project, rates):
    deals_csv = "deal_id,account_id,amount,currency\nd1,A,1000,USD\nd2,B,20.5,\nd3,B,7,usd\n"
    files = {"fx_rates__csv": rates} if rates else {}
    project = make_project(WITH_RATES if rates else YAML, accounts__csv=ACCOUNTS_CSV,
                           deals__csv=deals_csv, **files)
    deals = load(project, con)["deals"]
    assert "amount_local" not in deals.clean.columns
    assert con.to_pyarrow(deals.clean.order_by(t.DEAL_ID))[t.AMOUNT].to_pylist() == [1000.0, 20.5, 7.0]
    assert con.to_pyarrow(deals.rejects).num_rows == 0
    assert deals.notes == ()


def test_revenue_converts_by_period_and_a_row_without_rate_is_rejected(con, make_project):
    revenue = ("account_id,period,mrr,currency\nA,2024-02-01,100,EUR\nA,2024-03-01,100,EUR\n"
               "B,2024-03-01,50,\nB,2024-04-01,40,CHF\n")
    project = make_project(
        WITH_RATES.replace("  deals: {path: deals.csv}", "  revenue: {path: revenue.csv}"),
        accounts__csv=ACCOUNTS_CSV, revenue__csv=revenue, fx_rates__csv=RATES_CSV)
    table = load(project, con)["revenue"]
    rows = con.to_pyarrow(table.clean.order_by(t.ACCOUNT_ID, t.PERIOD)).to_pylist()
    assert [(r[t.PERIOD], r[t.MRR], r["mrr_local"]) for r in rows] == [
        (d(2024, 2, 1), 108.0, 100.0), (d(2024, 3, 1), 110.0, 100.0), (d(2024, 3, 1), 50.0, 50.0)]
    # mrr is required: the CHF row cannot be used, so it is rejected and counted
    assert (table.rows_in, table.rows_used, table.rows_rejected) == (4, 3, 1)
    rejects = con.to_pyarrow(table.rejects).to_pylist()
    assert [(r[t.SOURCE_ROW], r["check"], r["action"], r["reason"]) for r in rejects] == [
        (5, "DQ302", "row rejected", "no CHF rate in fx_rates.csv; add CHF rows to currency.rates")]


def test_win_sizes_are_in_the_reporting_currency(con, make_project):
    deals_csv = """
    deal_id,account_id,amount,currency,close_date,is_won,is_closed
    d1,A,1000,EUR,2024-03-15,true,true
    d2,A,900,USD,2024-03-20,true,true
    d3,A,400,GBP,2024-04-02,false,true
    d4,B,5,JPY,2024-04-02,true,true
    """
    project = make_project(WITH_RATES, accounts__csv=ACCOUNTS_CSV, deals__csv=deals_csv,
                           fx_rates__csv=RATES_CSV)
    result = run(project, con=con, write=False)
    metrics = result.analyses.frames["deal_metrics"].set_index(t.SEGMENT).loc["Everyone"]
    # won: 1,000 EUR → 1,100 USD and 900 USD; the JPY deal (no rate) counts as won, no amount
    assert (metrics["won_deals"], metrics["won_amount"]) == (3, 2000.0)
    assert (metrics["avg_won_amount"], metrics["median_won_amount"]) == (1000.0, 1000.0)
    mix = result.audit.currency_mix.set_index(t.CURRENCY)
    assert mix.loc["EUR", ["deals", t.AMOUNT, "converted", "no_rate", "reporting_amount"]].tolist() \
        == [1, 1000.0, 1, 0, 1100.0]
    assert mix.loc["GBP", ["amount", "reporting_amount"]].tolist() == [400.0, 500.0]
    assert mix.loc["JPY", ["converted", "no_rate"]].tolist() == [0, 1]
    assert "deals: 1 amount(s) in other currencies than USD are left out of money figures " \
           "(JPY 1): add their rates to fx_rates.csv" in result.notes


def test_rates_can_be_parquet_with_their_own_column_names(make_project, tmp_path):
    pq.write_table(pa.table({"Code": ["EUR", "EUR"], "From": [d(2024, 3, 1), d(2024, 1, 1)],
                             "Rate": [1.10, 1.08]}), tmp_path / "fx.parquet")
    project = make_project(YAML + "currency:\n  rates: fx.parquet\n  columns: {currency: Code, "
                           "date: From}\n")
    assert fx_rates(read_rates(project), project.currency).rates == {"EUR": ((d(2024, 1, 1), 1.08), (d(2024, 3, 1), 1.10))}


@pytest.mark.parametrize(("rates", "message"), [
    ("currency,date,rate\nEUR,2024-01-01,1.08\nEUR,2024-02-01,abc\n",
     "fx_rates.csv (currency.rates) row 3, column rate: 'abc' is not a number. A rate is the "
     "units of USD that 1 EUR buys, such as 1.08."),
    ("currency,date,rate\nEUR,2024-01-01,-1.08\nGBP,2024-01-01,0\n",
     "fx_rates.csv (currency.rates) row 2, column rate: -1.08 is not a positive rate. A rate is "
     "the units of USD that 1 EUR buys, such as 1.08. (1 more problem(s) in the file)"),
    ("currency,date,rate\nEURO,2024-01-01,1.08\n",
     "fx_rates.csv (currency.rates) row 2, column currency: 'EURO' is not an ISO 4217 currency "
     "code. Did you mean 'EUR'?"),
    ("currency,date,rate\nEUR,,1.08\n",
     "fx_rates.csv (currency.rates) row 2, column date: blank; write the day the rate holds "
     "from as 2024-03-01, or the month as 2024-03"),
    ("currency,date,rate\nEUR,03/01/2024,1.08\n",
     "row 2, column date: '03/01/2024' is not a date; write the day"),
    ("currency,date,rate\nEUR,2024-01,1.08\n\nEUR,2024-01-01,1.09\n",
     "fx_rates.csv (currency.rates) row 4: EUR on 2024-01-01 repeats row 2; keep one rate per "
     "currency and date"),
    ("currency,date,rate\nEUR,2024-01-01,1,08\n",  # a decimal comma must not read as 1
     "fx_rates.csv (currency.rates) row 2: 4 values for 3 columns; quote a value that holds "
     "the delimiter, or write 1.08, not 1,08"),
    ("currency,date,rate\nUSD,2024-01-01,1.2\n",
     "row 2, column rate: USD is the reporting currency (currency.reporting), so its rate is 1"),
])
def test_a_bad_rates_file_names_the_row_the_column_and_the_fix(make_project, rates, message):
    project = make_project(WITH_RATES, fx_rates__csv=rates)
    with pytest.raises(SourceError) as error:
        fx_rates(read_rates(project), project.currency)
    assert message in str(error.value)


def test_a_missing_rates_column_or_file_says_what_to_fix(make_project, tmp_path):
    project = make_project(WITH_RATES, fx_rates__csv="Currency,Day,Rate\nEUR,2024-01-01,1.08\n")
    with pytest.raises(ColumnNotFoundError) as error:
        fx_rates(read_rates(project), project.currency)
    assert str(error.value) == ("fx_rates.csv has no column 'date'. Known names: Day. "
                                "Fix currency.columns.date in segmint.yaml.")
    (tmp_path / "fx_rates.csv").unlink()
    with pytest.raises(SourceError, match="fx_rates.csv .currency.rates. does not exist"):
        fx_rates(read_rates(project), project.currency)


@pytest.mark.parametrize(("currency", "message"), [
    ("{reporting: USDD}", "currency.reporting: 'USDD' is not an ISO 4217 currency code"),
    ("{rates: fx.xlsx}", "currency.rates: 'fx.xlsx' is not a .csv or .parquet file"),
    ("{columns: {rat: Rate}}", "'rat' is not a column of the rates table. Did you mean 'rate'?"),
])
def test_currency_settings_are_checked_on_load(make_project, currency, message):
    with pytest.raises(ConfigError, match=message.replace(".", "[.]")):
        make_project(YAML + f"currency: {currency}\n")


def test_a_bad_rates_file_stops_the_run_before_loading(con, make_project):
    project = make_project(WITH_RATES, accounts__csv=ACCOUNTS_CSV, deals__csv=DEALS_MIXED,
                           fx_rates__csv="currency,date,rate\nEUR,2024-01-01,\n")
    with pytest.raises(SourceError, match="row 2, column rate: blank"):
        run(project, con=con, write=False)


def test_a_currency_written_in_the_amount_fills_a_blank_currency(con, make_project):
    # "€1,000" names its currency; a blank currency cell takes it, a filled one is kept, and a
    # file without a currency column gets one from the amounts.
    deals_csv = """
deal_id,account_id,amount,currency,close_date
d1,A,"€1,000",,2024-03-15
d2,A,"1,000 GBP",,2024-03-15
d3,A,$500,,2024-03-15
d4,A,700,,2024-03-15
"""
    project = make_project(WITH_RATES, accounts__csv=ACCOUNTS_CSV, deals__csv=deals_csv,
                           fx_rates__csv=RATES_CSV)
    rows = con.to_pyarrow(load(project, con)["deals"].clean.order_by(t.DEAL_ID)).to_pylist()
    assert [(r[t.AMOUNT], r[t.CURRENCY]) for r in rows] == [
        (1100.0, "EUR"), (1250.0, "GBP"), (500.0, "USD"), (700.0, None)]
    no_column = make_project(WITH_RATES, accounts__csv=ACCOUNTS_CSV, fx_rates__csv=RATES_CSV,
                             deals__csv="deal_id,account_id,amount\nd1,A,€10\nd2,A,10\n")
    rows = con.to_pyarrow(load(no_column, con)["deals"].clean.order_by(t.DEAL_ID)).to_pylist()
    assert [(r[t.AMOUNT], r[t.CURRENCY]) for r in rows] == [(11.0, "EUR"), (10.0, None)]  # undated: latest rate

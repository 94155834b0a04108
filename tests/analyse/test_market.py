"""TAM, SAM and penetration per segment, bottom-up, on a hand-built company and market; the
packaged SUSB table against the control totals of its provenance."""

from __future__ import annotations

import ibis
import pytest

from segmint import tables as t
from segmint.exceptions import RuleError
from segmint.analyse.market import market_cells, susb_market
from segmint.pipeline import run

# Eleven customers of NAICS 522110, all in the US, paying 1,200 to 13,200 a year: with one
# look-alike cell (employees only, leaves of at least 6 customers: no split) every potential
# is their 80th percentile, 10,800 (the 9th of 11), the low 7,200 (50th), the high 12,000
# (90th); never below an account's own ARR.
ACCOUNTS = "account_id,name,employees,naics,country\n" + "".join(
    f"c{i:02d},Customer {i},{12 if i <= 3 else 300 if i == 4 else 30},522110,US\n"
    for i in range(1, 12)) + "p1,Prospect 1,15,522110,US\np2,Prospect 2,200,522110,France\n"
REVENUE = "account_id,month,product,mrr\n" + "".join(
    f"c{i:02d},2024-06-01,Core,{100 * i}\n" for i in range(1, 12))
# A: 100 firms of 10-19 employees (typical firm 15: Small); c01-c03 and p1 are among them.
# B: 20 firms of 100-499 (typical 200: Large); c04 (300) is one. C: the same as A in a
# country nobody knows: no region, so no segment. The Total and all-sector rows are subtotals.
MARKET = """\
naics,size_class,size_min_employees,size_max_employees,firms,employment,country,is_subtotal
52,10-19,10,19,100,1500,US,0
52,100-499,100,499,20,4000,US,0
52,10-19,10,19,50,750,Atlantis,0
52,Total,0,,170,6250,US,1
,10-19,10,19,900,13000,US,1
"""
PROJECT = """
sources:
  accounts: {{path: accounts.csv}}
  revenue: {{path: revenue.csv, columns: {{period: month}}}}
  {market}
scores:
  potential:
    features: [employees]
    min_customers_per_leaf: 6
    sam: "employees < 100"
    {extra}
backtest: {{months: 0}}
segmentation:
  dimensions:
    size: {{kind: bands, field: employees, edges: [50], labels: [Small, Large]}}
    region: {{kind: map, field: country, builtin: iso_region}}
  default: "{{size}}-{{region}}"
"""


def market_project(make_project, market="market: {path: market.csv}", extra=""):
    return make_project(PROJECT.format(market=market, extra=extra), accounts__csv=ACCOUNTS,
                        revenue__csv=REVENUE, market__csv=MARKET)


def test_tam_sam_and_penetration_by_segment(make_project, con):
    result = run(market_project(make_project), con=con, write=False)
    table = result.frames["segment_market"].set_index("segment")
    small, large = table.loc["Small-North America"], table.loc["Large-North America"]
    # Small, accounts: c01-c03, c05-c09 and p1 at 10,800, c10 and c11 at their ARR
    assert small.accounts_potential == pytest.approx(9 * 10_800 + 12_000 + 13_200)
    # cell A: 100 firms less 4 accounts (c01-c03 at 12 employees, p1 at 15)
    assert (small.market_cells, small.market_firms) == (1, 96)
    assert small.tam == pytest.approx(122_400 + 96 * 10_800)
    assert small.tam_low == pytest.approx(6 * 7_200 + 8_400 + 9_600 + 10_800 + 12_000 + 13_200
                                          + 96 * 7_200)
    assert small.tam_high == pytest.approx(10 * 12_000 + 13_200 + 96 * 12_000)
    assert small.arr == 1_200 * (1 + 2 + 3 + 5 + 6 + 7 + 8 + 9 + 10 + 11)
    assert small.penetration == pytest.approx(74_400 / 1_159_200)
    assert small.whitespace == pytest.approx(122_400 - 74_400)
    # Large: c04 and cell B's 19 firms that are not accounts; outside the SAM (employees < 100)
    assert (large.tam, large.arr, large.sam) == (pytest.approx(20 * 10_800), 4_800, 0)
    assert large.penetration == pytest.approx(4_800 / 216_000)
    assert small.sam == pytest.approx(small.tam)
    # p2 is in France: no market there, its own potential only
    assert table.loc["Large-EMEA"][["accounts", "market_firms", "tam"]].tolist() \
        == [1, 0, pytest.approx(10_800)]
    # cell C has no region: counted under Unassigned, with its 50 firms
    unplaced = table.loc[t.UNASSIGNED]
    assert (unplaced.accounts, unplaced.market_cells, unplaced.market_firms) == (0, 1, 50)
    assert unplaced.tam == pytest.approx(50 * 10_800)
    everything = table.loc[t.ALL_SEGMENTS]
    assert everything.tam == pytest.approx(1_159_200 + 216_000 + 10_800 + 540_000)
    assert everything.accounts == 13
    cells = result.frames["market_cells"].sort_values(["country", "size_min_employees"])
    assert cells[["size_class", "firms", "accounts_in_cell", "firms_not_accounts",
                  "typical_employees", "segment"]].values.tolist() == [
        ["10-19", 100, 4, 96, 15, "Small-North America"],
        ["100-499", 20, 1, 19, 200, "Large-North America"],
        ["10-19", 50, 0, 50, 15, t.UNASSIGNED]]
    assert cells.reason.iloc[2] == "country Atlantis not recognised"
    said = dict(result.frames["market_assumptions"].values.tolist())
    assert said["Market cells"] == "3 cells of 170 firms; 2 subtotal rows of the table skipped"
    assert said["Cells no segment takes"] == "1 (50 firms, TAM 540k), counted under Unassigned"
    assert said["Accounts outside the market table"].startswith("8 accounts")


def test_top_whitespace_accounts_per_segment(make_project):
    result = run(market_project(make_project, extra="top_accounts: 2"), write=False)
    top = result.frames["top_whitespace"]
    small = top[top.segment == "Small-North America"]
    # p1 pays nothing of 10,800; c01 pays 1,200
    assert small[["rank", "account_id", "whitespace"]].values.tolist() == [
        [1, "p1", 10_800], [2, "c01", 9_600]]
    assert set(top.segment) == {"Small-North America", "Large-North America", "Large-EMEA"}


def test_without_a_market_table_tam_counts_the_accounts(make_project):
    result = run(market_project(make_project, market="", extra="market: none"), write=False)
    table = result.frames["segment_market"].set_index("segment")
    assert table.loc["Small-North America"].tam == pytest.approx(122_400)
    assert "market_cells" not in result.frames


def test_the_packaged_susb_is_the_default_market(make_project):
    result = run(market_project(make_project, market=""), write=False)
    cells = result.frames["market_cells"]
    assert len(cells) == 446 and cells.firms.sum() == 6_461_497
    # the 4 accounts of 10-19 employees in NAICS 52 leave 52's 10-14 and 15-19 cells
    finance = cells[(cells.naics == "52") & cells.size_class.isin(["10-14", "15-19"])]
    assert finance.accounts_in_cell.sum() == 4


def test_market_is_skipped_without_the_potential_score(make_project):
    project = make_project("""
sources: {accounts: {path: accounts.csv}}
segmentation: {default: Everyone}
""", accounts__csv=ACCOUNTS)
    result = run(project, write=False)
    assert result.analyses.skipped["market"] == (
        "needs the potential score: add scores: {potential: {}} to segmint.yaml")


def test_susb_matches_the_control_totals_of_its_provenance():
    susb = susb_market().execute()
    total = susb[(susb.naics == "--") & (susb.size_class == "Total")].iloc[0]
    assert (total.firms, total.employment) == (6_395_635, 135_748_407)
    # every code's size classes that are not subtotals add up to its Total
    for code, rows in susb.groupby("naics"):
        classes, code_total = rows[~rows.is_subtotal], rows[rows.size_class == "Total"].iloc[0]
        assert classes.firms.sum() == code_total.firms, code
        assert classes.employment.sum() == code_total.employment, code
    finance = susb[(susb.naics == "52") & (susb.size_class == "Total")].iloc[0]
    assert (finance.firms, finance.employment) == (244_536, 6_831_897)
    assert len(susb) == 532
    cells = market_cells(susb_market()).execute()
    # 19 sectors × 23 classes, and sector 99 (not classified) in its 9 classes below 50; a firm
    # in several sectors counts in each, so the cells hold the sum of the 20 sector totals
    assert len(cells) == 19 * 23 + 9 and cells.firms.sum() == 6_461_497


def test_a_cells_typical_firm():
    market = ibis.memtable({"naics": ["52", "52", "52"], "size_class": ["<5", "5,000+", "10-19"],
                            "size_min_employees": [0.0, 5000.0, 10.0],
                            "size_max_employees": [4.0, None, 19.0],
                            "firms": [10.0, 2.0, 0.0], "employment": [15.0, 50_000.0, None],
                            "_source_row": [2, 3, 4]})
    typical = market_cells(market).order_by("_source_row").typical_employees.execute().tolist()
    # employment ÷ firms; with no firms, the geometric middle of 10 and 19
    assert typical == pytest.approx([1.5, 25_000.0, (10 * 19) ** 0.5])


def test_a_sam_rule_naming_no_column_says_where_it_is(make_project):
    project = make_project(PROJECT.format(market="", extra="").replace(
        'sam: "employees < 100"', 'sam: "employes < 100"'), accounts__csv=ACCOUNTS,
        revenue__csv=REVENUE)
    with pytest.raises(RuleError, match=r"^scores\.potential\.sam: Rule 'employes < 100': "
                       r"'employes' is not a column\. Did you mean 'employees'\?"):
        run(project, write=False)

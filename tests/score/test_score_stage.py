"""The score stage: a model registered here adds columns that rules use, end to end."""

from __future__ import annotations

import datetime as dt

import ibis
import pandas as pd
import pytest
from pydantic import BaseModel, ConfigDict, Field

from segmint import tables as t
from segmint.exceptions import ConfigError, RuleError
from segmint.pipeline import run
from segmint.preflight import check_project
from segmint.score import SCORES, ScoreModel, score_model

ACCOUNTS = """\
account_id,employees,account_type,created_date
A,100,Customer,2023-01-05
B,300,Customer,2023-02-01
C,50,Prospect,2023-03-01
D,,Prospect,2023-04-01
"""
REVENUE = """\
account_id,month,mrr
A,2024-01-01,100
A,2024-02-01,100
B,2024-01-01,300
B,2024-02-01,350
C,2024-02-01,0
"""


class SizeSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    ceiling: float = Field(default=100.0, gt=0)


@pytest.fixture
def size_fit():
    """A model known only to these tests: employees against the customers' mean, 0-100."""

    @score_model("test_size_fit", adds={"size_fit": "float64", "size_fit_band": "string"},
                 needs=(t.REVENUE,))
    class SizeFit(ScoreModel):
        Settings = SizeSettings

        def fit(self, context):
            # the compact summary: one row, fetched from the engine
            accounts = context.accounts
            customers = accounts.filter(accounts[t.IS_CUSTOMER])
            self.mean_employees_ = float(customers[t.EMPLOYEES].mean().execute())
            return self

        def score(self, accounts):
            ratio = (accounts[t.EMPLOYEES] / self.mean_employees_).clip(upper=1.0)
            value = (ratio * self.settings.ceiling).round(1)
            band = ibis.cases((value >= 70, "high"), (value.notnull(), "low"),
                              else_=ibis.null("string"))
            return accounts.mutate(size_fit=value, size_fit_band=band)

        def parameters(self):
            return pd.DataFrame({"parameter": ["mean_employees"], "value": [self.mean_employees_],
                                 "detail": ["mean employees of customers"]})

        def outcome(self, context, cutoff):
            # what the score should rank first: accounts whose MRR grew after the cut-off
            revenue = context.tables["revenue"]
            before = revenue.filter(revenue.period <= cutoff).group_by("account_id").aggregate(
                early=lambda r: r.mrr.max())
            after = revenue.filter(revenue.period > cutoff).group_by("account_id").aggregate(
                late=lambda r: r.mrr.max())
            joined = before.join(after, "account_id")
            return joined.select("account_id", outcome=joined.late > joined.early)

    yield SizeFit
    del SCORES["test_size_fit"]


def project_yaml(rule: str = "size_fit >= 70", scores: str = "scores: {test_size_fit: {}}") -> str:
    return f"""
sources:
  accounts: {{path: accounts.csv}}
  revenue: {{path: revenue.csv, columns: {{period: month}}}}
{scores}
backtest: {{months: 1}}
segmentation:
  segments: [{{name: Fits, when: "{rule}"}}]
  default: Rest
"""


def test_a_registered_model_adds_columns_a_rule_uses(size_fit, make_project):
    project = make_project(project_yaml(), accounts__csv=ACCOUNTS, revenue__csv=REVENUE)
    result = run(project)
    rows = result.assignments.order_by("account_id").execute()
    # customers A (100) and B (300) have a mean of 200 employees: A 50, B 100, C 25, D none
    assert rows.size_fit.tolist()[:3] == [50.0, 100.0, 25.0] and pd.isna(rows.size_fit[3])
    assert rows.size_fit_band.tolist()[:3] == ["low", "high", "low"]
    assert rows.segment.tolist() == ["Rest", "Fits", "Rest", "Rest"]
    parameters = result.frames["test_size_fit_parameters"]
    assert parameters.to_dict("records") == [
        {"parameter": "mean_employees", "value": 200.0, "detail": "mean employees of customers"}]
    written = {path.name for path in result.files}
    assert {"test_size_fit_parameters.parquet", "test_size_fit_parameters.csv"} <= written
    assert "size_fit" in pd.read_parquet(project.path("segmint-out/assignments.parquet")).columns


def test_the_model_is_back_tested_at_an_earlier_cut_off(size_fit, make_project):
    project = make_project(project_yaml(), accounts__csv=ACCOUNTS, revenue__csv=REVENUE)
    result = run(project, write=False)
    assert result.as_of == dt.date(2024, 2, 29)  # the last revenue month, complete
    summary = result.frames["backtest"].iloc[0]
    # fitted at 2024-01-31: customers A (100) and B (300) again; outcome: B grew, A did not
    assert summary["score"] == "test_size_fit"
    assert pd.Timestamp(summary["cutoff"]).date() == dt.date(2024, 1, 31)
    assert (summary["accounts"], summary["positives"], summary["auc"]) == (2, 1, 1.0)
    deciles = result.frames["backtest_deciles"]
    assert deciles[["decile", "mean_score", "observed_rate"]].values.tolist() == [
        [1, 100.0, 1.0], [2, 50.0, 0.0]]


def test_only_the_last_scores_copy_of_the_accounts_stays_in_the_engine(size_fit, make_project):
    """Each score keeps the accounts with its columns; the copies a later score superseded,
    and everything the back-test's refit kept, are dropped (a million accounts' worth each)."""
    from segmint.engine import connect

    @score_model("test_twice", adds={"twice": "float64"}, after=("test_size_fit",))
    class Twice(ScoreModel):
        def score(self, accounts):
            return accounts.mutate(twice=accounts.size_fit * 2)

        def outcome(self, context, cutoff):
            return size_fit.outcome(self, context, cutoff)

    try:
        project = make_project(
            project_yaml(scores="scores: {test_size_fit: {}, test_twice: {}}"),
            accounts__csv=ACCOUNTS, revenue__csv=REVENUE)
        con = connect()
        result = run(project, con=con, write=False)
    finally:
        del SCORES["test_twice"]
    tables = con.list_tables() + con.list_tables(database=("memory", "main"))
    scored = [name for name in tables if "_scored_" in name]
    assert len(scored) == 1 and "_scored_test_twice_" in scored[0]
    assert result.frames["backtest"].score.tolist() == ["test_size_fit", "test_twice"]
    assert result.assignments.order_by("account_id").twice.execute().tolist()[:3] == [
        100.0, 200.0, 50.0]


def test_settings_are_checked_with_the_key_and_the_fix(size_fit, make_project):
    project = make_project(project_yaml(scores="scores: {test_size_fit: {ceiling: -1}}"),
                           accounts__csv=ACCOUNTS, revenue__csv=REVENUE)
    with pytest.raises(ConfigError, match=r"scores\.test_size_fit\.ceiling: Input should be greater than 0"):
        run(project)


def test_a_rule_naming_an_unconfigured_score_fails_before_any_data_is_read(size_fit, make_project):
    project = make_project(project_yaml(scores=""), accounts__csv=ACCOUNTS,
                           revenue__csv="not,a\nrevenue\"file")  # reading it would fail
    with pytest.raises(RuleError, match=r"segments\[1\] \(Fits\): the rule reads 'size_fit', a "
                       r"column of the 'test_size_fit' score, which this project does not "
                       r"configure\. Add scores: \{test_size_fit: \{\}\}"):
        run(project)


def test_a_misspelt_score_column_names_the_closest_match(size_fit, make_project):
    project = make_project(project_yaml(rule="size_fitt >= 70"), accounts__csv=ACCOUNTS,
                           revenue__csv=REVENUE)
    with pytest.raises(RuleError, match=r"'size_fitt', which is not an account column, a "
                       r"dimension or a score column\. Did you mean 'size_fit'\?"):
        check_project(project)


def test_a_score_without_the_table_it_needs_fails_before_loading(size_fit, make_project):
    project = make_project("""
sources: {accounts: {path: accounts.csv}}
scores: {test_size_fit: {}}
segmentation: {default: Everyone}
""", accounts__csv=ACCOUNTS)
    with pytest.raises(ConfigError, match=r"scores.test_size_fit needs the revenue table: add "
                       r"sources.revenue"):
        check_project(project)


def test_an_unknown_score_names_the_closest(size_fit, make_project):
    project = make_project(project_yaml(scores="scores: {test_size_fitt: {}}"),
                           accounts__csv=ACCOUNTS, revenue__csv=REVENUE)
    with pytest.raises(ConfigError, match=r"scores.test_size_fitt: no score model of that "
                       r"name\. Did you mean 'test_size_fit'\?"):
        check_project(project)


def test_a_rule_with_a_syntax_error_names_its_segment(make_project):
    project = make_project("""
sources: {accounts: {path: accounts.csv}}
segmentation:
  segments: [{name: Big, when: "employees >= "}]
""", accounts__csv=ACCOUNTS)
    with pytest.raises(RuleError, match=r"^segmentation.segments\[1\] \(Big\): "):
        check_project(project)


def test_unmapped_columns_of_the_accounts_file_are_known_to_rules(make_project):
    project = make_project("""
sources: {accounts: {path: accounts.csv}}
segmentation:
  segments: [{name: Gold, when: 'tier__c == "Gold"'}]
  default: Rest
""", accounts__csv="account_id,Tier__c\nA,Gold\nB,Silver\n")
    check_project(project)
    assert run(project, write=False).assignments.order_by("account_id").segment.execute().tolist() \
        == ["Gold", "Rest"]


def test_a_products_dimension_without_its_table_fails_before_loading(make_project):
    project = make_project("""
sources: {accounts: {path: accounts.csv}}
segmentation:
  dimensions: {products: {kind: products}}
  default: "{products}"
""", accounts__csv=ACCOUNTS)
    with pytest.raises(ConfigError, match=r"dimensions.products reads the products held from "
                       r"revenue, which this project does not load: add sources.revenue or set "
                       r"source: deals"):
        check_project(project)

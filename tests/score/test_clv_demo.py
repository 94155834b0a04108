"""CLV on the demo company recovers the purchase-stream parameters the generator planted."""

from __future__ import annotations

import datetime as dt
import json

import ibis
import numpy as np
import pytest

from segmint.config.project import Project
from segmint.context import RunContext
from segmint.demo.generator import generate_company
from segmint.score.clv import ClvSettings, CustomerLifetimeValue

PROJECT = Project.model_validate({"sources": {"accounts": {"path": "a.csv"}},
                                  "segmentation": {"default": "Everyone"}})


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return generate_company(tmp_path_factory.mktemp("clv_demo"), accounts=20_000, seed=7,
                            file_format="parquet")


def test_bgnbd_and_gamma_gamma_recover_the_planted_streams(demo):
    # the services invoices, read as a project maps them: invoice_date is the date
    con = ibis.duckdb.connect()
    tx = con.read_parquet(demo.files["transactions"])
    tx = tx.select("account_id", date=tx.invoice_date, amount=tx.amount)
    accounts = tx.select("account_id").distinct()
    model = CustomerLifetimeValue(ClvSettings(holdout_months=0)).fit(
        RunContext(PROJECT, dt.date(2026, 9, 30), {"transactions": tx}, accounts))
    planted = json.loads((demo.truth.parent / "planted.json").read_text())["truth"]
    for fitted, truth in ((model.repeat_, planted["bgnbd"]), (model.spend_, planted["gamma_gamma"])):
        for name, value in fitted.params_.items():
            # at seed 7: r 0.803 (0.8 planted), alpha 14.43 (14), a 0.707 (0.7), b 2.84
            # (2.8); p 2.66 (2.5), q 2.92 (3), gamma 2,170 (2,400, 1.4 standard errors)
            assert abs(value - truth[name]) < 3.5 * fitted.standard_errors_[name], name


def test_shifted_beta_geometric_recovers_the_planted_renewal_churn(demo):
    # Each account's renewal churn is Beta(alpha, beta) around its size band's rate. Fitted per
    # band on new customers' first spells (two renewals at most in three years, so the spread is
    # loosely identified): the mean churn within 0.03, each parameter within 3.5 standard errors
    # on the log scale. At seed 7: <100 1.20, 4.41 (0.44, 1.56 planted), 100-999 0.091, 0.589
    # (0.26, 1.74), 1,000+ 0.060, 1.05 (0.14, 1.86); means 0.214, 0.134, 0.054 (0.22, 0.13, 0.07).
    con = ibis.duckdb.connect()
    revenue = con.read_parquet(demo.files["revenue"])
    revenue = revenue.select("account_id", period=revenue.month, mrr=revenue.mrr)
    truth = con.read_parquet(demo.truth)
    accounts = truth.filter(~truth.is_duplicate).select("account_id", "size_band")
    model = CustomerLifetimeValue(ClvSettings(holdout_months=0, retention_by="size_band")).fit(
        RunContext(PROJECT, dt.date(2026, 9, 30), {"revenue": revenue}, accounts))
    planted = json.loads((demo.truth.parent / "planted.json").read_text())["truth"]
    churn = planted["renewal_churn"]
    assert set(model.retention_by_group_) == set(churn["by_size_band"])
    for band, fitted in model.retention_by_group_.items():
        assert not fitted.at_bounds_, band  # a spread was found: no corner of one rate
        assert fitted.alpha_ / (fitted.alpha_ + fitted.beta_) == pytest.approx(
            churn["by_size_band"][band], abs=0.03), band
        for name, truth_of in (("alpha", churn["alpha_by_size_band"]),
                               ("beta", churn["beta_by_size_band"])):
            value, error = fitted.params_[name], fitted.standard_errors_[name]
            assert abs(np.log(value / truth_of[band])) < 3.5 * error / value, (band, name)

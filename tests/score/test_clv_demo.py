"""CLV on the demo company recovers the purchase-stream parameters the generator planted."""

from __future__ import annotations

import datetime as dt
import json

import ibis
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
            # at seed 7: r 0.793 (0.8 planted), alpha 14.21 (14), a 0.721 (0.7), b 2.97
            # (2.8); p 2.60 (2.5), q 2.93 (3), gamma 2,242 (2,400, 0.9 standard errors)
            assert abs(value - truth[name]) < 3.5 * fitted.standard_errors_[name], name

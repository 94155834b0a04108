"""With an owners table, the audit counts accounts whose owner it lacks and inactive owners'
books; nothing is rejected for it. Counted on the export fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

from segmint.config.project import Project
from segmint.pipeline import run

EXPORTS = Path(__file__).parents[1] / "fixtures" / "exports"
OWNER_FIGURES = ("accounts_owner_not_in_owners", "accounts_owner_ambiguous",
                 "inactive_owners_holding_accounts", "accounts_held_by_inactive_owners")


def ran(accounts: str, owners: str | None):
    sources = {"accounts": {"path": accounts, "preset": "salesforce"}}
    if owners:
        sources["owners"] = {"path": owners, "preset": "salesforce"}
    project = Project.model_validate({"root": EXPORTS, "sources": sources,
                                      "segmentation": {"segments": [{"name": "Everyone", "when": "true"}]}})
    return run(project, write=False)


@pytest.fixture(scope="module")
def by_name():
    # accounts name their owners (Account Owner): Jane Roe twice, Sam Okafor (inactive), Li Wei
    return ran("sf_accounts_report_addresses.csv", "sf_users_api.csv")


def test_owners_not_in_the_table_and_inactive_owners_are_counted(by_name):
    headline = by_name.audit.headline()
    assert tuple(headline[f] for f in OWNER_FIGURES) == (1, 0, 1, 1)
    links = by_name.audit.owner_links.set_index("found")
    assert links["accounts"].to_dict() == {"id": 0, "email": 0, "name": 3, "ambiguous": 0,
                                           "unknown": 1}
    assert links.loc["unknown", "examples"] == "Li Wei (1)"


def test_an_unknown_owner_rejects_nothing_and_owners_rows_add_up(by_name):
    counts = by_name.row_counts.set_index("table")
    assert counts.loc["owners", ["rows_in", "rows_used", "rows_rejected"]].tolist() == [3, 3, 0]
    assert counts.loc["accounts", ["rows_in", "rows_used", "rows_rejected"]].tolist() == [4, 4, 0]
    checks = by_name.rejects.order_by("table", "_source_row").to_pyarrow().to_pylist()
    # latitude and longitude off the globe; Sam's 9000 hours are not read (capacity unmapped)
    assert [(r["table"], r["check"]) for r in checks] == [("accounts", "DQ105"),
                                                          ("accounts", "DQ106")]


def test_report_ids_find_api_ids_and_no_owners_table_means_no_owner_figures():
    result = ran("sf_accounts_api.csv", "sf_users_report.csv")  # OwnerId: Jane's 18 characters
    assert tuple(result.audit.headline()[f] for f in OWNER_FIGURES) == (0, 0, 0, 0)
    assert result.audit.owner_links.set_index("found")["accounts"]["id"] == 3
    assert result.row_counts.set_index("table").loc["owners", "rows_rejected"] == 2
    without = ran("sf_accounts_api.csv", None).audit
    assert not set(OWNER_FIGURES) & set(without.headline()) and without.inactive_owners is None

"""Micro-segments: planted behaviour clusters recovered in the engine, k chosen by ICL, small
parent groups reported, the same seed the same memberships."""

from __future__ import annotations

import datetime as dt

import ibis
import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from segmint.config.project import Project
from segmint.context import RunContext
from segmint.exceptions import ConfigError
from segmint.score.micro import MICRO_SEGMENT, MicroSegments, MicroSegmentSettings

AS_OF = dt.date(2024, 12, 31)
PROJECT = Project.model_validate({"sources": {"accounts": {"path": "a.csv"}},
                                  "segmentation": {"default": "Everyone"}})
# three planted clusters: (purchases a year, mean ticket, favourite item, channel)
PLANTED = [(2, 5_000.0, "Consulting", "Direct"), (12, 200.0, "Training", "Self-serve"),
           (24, 1_000.0, "Overage", "Partner")]
ITEMS = ("Consulting", "Overage", "Training")


def planted(con, per_cluster: int = 80, small_region: int = 0):
    """Invoices of `per_cluster` customers per planted cluster, all in region NA, plus
    `small_region` customers of cluster 0 in region LATAM; each bought over the last two
    years, 80% of its lines its cluster's item."""
    rng = np.random.default_rng(3)
    rows = {"account_id": [], "date": [], "amount": [], "item": [], "channel": []}
    truth, regions = {}, {}
    customers = [(c, "NA") for c in range(3) for _ in range(per_cluster)]
    customers += [(0, "LATAM")] * small_region
    for i, (cluster, region) in enumerate(customers):
        per_year, ticket, item, channel = PLANTED[cluster]
        account = f"acct{i:04d}"
        truth[account], regions[account] = cluster, region
        days = rng.choice(730, size=max(1, rng.poisson(2 * per_year)), replace=False)
        for day in days:
            rows["account_id"].append(account)
            rows["date"].append(AS_OF - dt.timedelta(days=int(day)))
            rows["amount"].append(round(float(rng.gamma(4.0, ticket / 4.0)), 2))
            rows["item"].append(item if rng.random() < 0.8 else str(rng.choice(ITEMS)))
            rows["channel"].append(channel)
    tx = con.create_table(f"tx_{per_cluster}_{small_region}", ibis.memtable(rows), overwrite=True)
    accounts = ibis.memtable({"account_id": list(regions), "region": list(regions.values())})
    return RunContext(PROJECT, AS_OF, {"transactions": tx}, accounts), truth


def fitted(context, **settings):
    return MicroSegments(MicroSegmentSettings(**{"k_max": 5, "starts": 3, **settings})).fit(context)


def test_planted_clusters_are_recovered_and_k_chosen(con):
    context, truth = planted(con)
    model = fitted(context)
    curve = model.curve_
    assert curve[curve.chosen].k.tolist() == [3]  # the lowest ICL among k = 2..5
    scored = model.score(context.accounts).order_by("account_id").to_pandas()
    found = scored[MICRO_SEGMENT].tolist()
    assert adjusted_rand_score([truth[a] for a in scored.account_id], found) >= 0.9
    assert set(found) == {"All customers / 1", "All customers / 2", "All customers / 3"}


def test_a_parent_group_too_small_is_reported_not_clustered(con):
    context, _ = planted(con, small_region=12)
    model = fitted(context, within=["region"], min_customers=50)
    assert any("'LATAM' has 12 customers" in note for note in model.notes_)
    scored = model.score(context.accounts).to_pandas()
    latam = scored[scored.region == "LATAM"]
    assert len(latam) == 12 and latam[MICRO_SEGMENT].isna().all()
    assert scored[scored.region == "NA"][MICRO_SEGMENT].str.startswith("NA / ").all()


def test_the_same_seed_gives_the_same_memberships(con):
    context, _ = planted(con)
    runs = [fitted(context, seed=4).memberships().order_by("account_id").to_pandas()
            for _ in range(2)]
    assert runs[0].equals(runs[1])


def test_the_segment_cannot_be_the_parent():
    with pytest.raises(ValueError, match="cannot be the segment"):
        MicroSegmentSettings(within=["segment"])


def test_an_unknown_parent_column_names_the_setting(con):
    context, _ = planted(con, per_cluster=5)
    with pytest.raises(ConfigError, match="scores.micro_segment.within.*'tier'"):
        fitted(context, within=["tier"])


def test_profiles_name_what_sets_each_planted_cluster_apart(con):
    context, truth = planted(con)
    model = fitted(context)
    described = model.tables(context.accounts)["micro_segment_profiles"].to_pandas()
    # classes are numbered by purchase frequency: the planted 2, 12 and 24 a year
    assert described.customers.tolist() == [80, 80, 80]
    assert described.share_of_parent.round(4).tolist() == [0.3333] * 3
    # the planted tickets (5,000, 200 and 1,000 on average) and rates come back
    assert described.mean_ticket.round(-1).tolist() == [4930.0, 200.0, 1000.0]
    assert described.purchases_per_year.round(1).tolist() == [2.3, 11.9, 23.8]
    # the label names the strongest lifts first: Consulting lines x7.7, mean ticket x5.0, ...
    assert described.label.tolist() == [
        "Consulting-heavy, large-ticket, low-frequency",
        "small-ticket, Self-serve-led, Training-heavy",
        "Partner-led, high-frequency, Overage-heavy"]


def test_profiles_carry_each_micro_segment_s_nrr_and_clv(con):
    # a revenue line a year before AS_OF and one in its month for every customer: clusters
    # 0 and 1 keep their MRR of 100, cluster 2 grows from 100 to 150; cluster 1's first
    # customer churned (no line now). CLV: 1,000 × (cluster + 1) per customer.
    context, truth = planted(con)
    then, now = dt.date(2023, 12, 1), dt.date(2024, 12, 1)
    rows = {"account_id": [], "period": [], "mrr": []}
    for account, cluster in truth.items():
        rows["account_id"].append(account), rows["period"].append(then), rows["mrr"].append(100.0)
        if account != "acct0080":
            rows["account_id"].append(account), rows["period"].append(now)
            rows["mrr"].append(150.0 if cluster == 2 else 100.0)
    context.tables["revenue"] = ibis.memtable(rows)
    model = fitted(context)
    accounts = context.accounts.mutate(
        clv=ibis.cases(*[(context.accounts.account_id == a, 1_000.0 * (c + 1))
                         for a, c in truth.items()]))
    described = model.tables(accounts)["micro_segment_profiles"].to_pandas()
    assert described.customers.tolist() == [80, 80, 80]
    assert described.nrr_12m.round(6).tolist() == [1.0, round(79 / 80, 6), 1.5]
    assert described.clv_per_customer.tolist() == [1_000.0, 2_000.0, 3_000.0]
    # without revenue or a CLV score, both are shown as missing, not as zero
    context.tables.pop("revenue")
    bare = fitted(context).tables(context.accounts)["micro_segment_profiles"].to_pandas()
    assert bare.nrr_12m.isna().all() and bare.clv_per_customer.isna().all()


def test_a_large_group_is_fitted_on_a_sample_drawn_in_the_engine(con):
    context, truth = planted(con)
    model = fitted(context, max_customers=150)
    assert model.curve_.customers.unique().tolist() == [150]
    members = model.memberships().to_pandas()
    assert len(members) == 240  # every customer is assigned, not only the sample
    assert adjusted_rand_score([truth[a] for a in members.account_id],
                               members.micro_class) >= 0.9


def test_no_group_large_enough_leaves_every_account_unclustered(con):
    context, _ = planted(con, per_cluster=5)
    model = fitted(context)
    assert model.notes_ == ["'All customers' has 15 customers with purchases, fewer than "
                            "min_customers (200): not clustered"]
    scored = model.score(context.accounts).to_pandas()
    assert len(scored) == 15 and scored[MICRO_SEGMENT].isna().all()
    tables = model.tables(context.accounts)
    assert tables["micro_segments"].count().execute() == 0
    assert tables["micro_segment_profiles"].count().execute() == 0


def test_a_count_family_the_data_lacks_is_noted(con):
    context, _ = planted(con)
    model = fitted(context, counts=["item_lines", "lead_source_deals"], k_min=3, k_max=3)
    assert "no lead_source_deals in this project's data: not used" in model.notes_
    assert list(model.families_) == ["item_lines"]

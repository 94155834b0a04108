"""Territory tables worked by hand: who keeps what, what the CRM file says, eased requests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from segmint.config.project import CrmColumns, TerritoryPlan
from segmint.engine.kept import ARROW_TEXT
from segmint.plan.carving import TerritoryError
from segmint.plan.territories import carve_territories, territory_counts


def book() -> pd.DataFrame:
    # u1 holds a-e (potential 1 each, ARR 10 each), u2 holds f. Two territories of three.
    return pd.DataFrame({
        "account_id": list("abcdef"), "segment": "SMB", "potential": [1.0] * 6,
        "workload_hours": [5.0] * 6, "arr": [10.0, 10.0, 10.0, 10.0, 10.25, 10.0],
        "owner_id": ["u1"] * 5 + ["u2"], "country": "US", "state": ["NY"] * 6})


def test_two_accounts_move_and_the_disruption_table_says_so():
    out = carve_territories(book(), TerritoryPlan(tolerance=0.0, keep_share=0.5), {"SMB": 2})
    moved = out.territories[~out.territories.kept_owner]
    assert len(moved) == 2 and set(moved.previous_owner_id) == {"u1"}
    assert set(moved.owner_id) == {"u2"}
    rows = out.disruption.set_index("owner_id")
    assert rows.loc["u1", ["accounts_before", "accounts_kept", "accounts_lost",
                           "accounts_gained"]].tolist() == [5, 3, 2, 0]
    assert rows.loc["u2", ["accounts_before", "accounts_kept", "accounts_lost",
                           "accounts_gained"]].tolist() == [1, 1, 0, 2]
    assert rows.loc["u1", "arr_lost"] == rows.loc["u2", "arr_gained"]
    assert rows.loc["u1", "arr_lost"] in (20.0, 20.25)
    assert out.balance.accounts.tolist() == [3, 3]
    assert out.balance.potential_deviation.tolist() == [0.0, 0.0]
    summary = out.summary.iloc[0]
    assert summary.kept_accounts_share == pytest.approx(4 / 6, abs=1e-4)
    assert summary.families_split == 0 and summary.within_tolerance


def test_the_crm_file_uses_the_configured_headers_and_leaves_open_seats_empty():
    plan = TerritoryPlan(tolerance=0.0, keep_share=0.0,
                         crm_columns=CrmColumns(territory="Sales_Territory__c", owner="Owner"))
    out = carve_territories(book().assign(owner_id=None), plan, {"SMB": 2})
    assert out.crm_update.columns.tolist() == ["Id", "Sales_Territory__c", "Owner"]
    assert out.crm_update.Id.tolist() == list("abcdef")
    assert out.crm_update.Owner.isna().all()  # no owner today: two seats to fill
    assert sorted(out.crm_update.Sales_Territory__c.value_counts().tolist()) == [3, 3]


def test_an_impossible_count_is_eased_with_a_note_or_refused_when_strict():
    plan = TerritoryPlan(tolerance=0.5, keep_share=0.0)
    out = carve_territories(book(), plan, {"SMB": 9})
    assert out.summary.territories.tolist() == [6]
    assert "carved into 9 territories; the most it allows is 6" in out.notes[0]
    assert "Carved with territories.count: 6 instead." in out.notes[0]
    with pytest.raises(TerritoryError, match="Segment 'SMB': .* into 9 territories"):
        carve_territories(book(), plan.model_copy(update={"strict": True}), {"SMB": 9})


def test_counts_come_from_the_setting_then_capacity_then_owners():
    rows = pd.DataFrame({"segment": ["A", "A", "B", "C"], "owner_id": ["u1", "u2", "u1", None]})
    reps = pd.DataFrame({"segment": ["A", "A"], "reps_needed": [2, 3]})
    assert territory_counts(rows, TerritoryPlan(), reps) == {"A": 5, "B": 1, "C": 1}
    assert territory_counts(rows, TerritoryPlan(count=4), reps) == {"A": 4, "B": 4, "C": 4}


def test_a_count_for_a_segment_no_account_is_in_names_the_closest():
    from segmint.exceptions import ConfigError

    with pytest.raises(ConfigError, match="territories.count names 'SMV'.*Did you mean 'SMB'"):
        carve_territories(book(), TerritoryPlan(count={"SMV": 2}), {"SMB": 2})


def test_keeping_by_arr_counts_arr_not_accounts():
    # keeping ARR: f (u2's, ARR 10) and the four of u1's with the least ARR... any four of
    # a-e keep 40 or 40.25 of 60.25; kept_arr_share is ARR kept over all ARR
    out = carve_territories(book(), TerritoryPlan(tolerance=0.0, keep_share=0.6, keep_by="arr"),
                            {"SMB": 2})
    summary = out.summary.iloc[0]
    kept = out.territories[out.territories.kept_owner]
    assert summary.kept_arr_share == pytest.approx(round(kept.arr.sum() / 60.25, 4))
    assert len(kept) == 4


def messy_book(seed: int) -> pd.DataFrame:
    """120 accounts in three segments, with families, and owners, families, states and
    countries missing here and there, as a CRM's rows come."""
    rng = np.random.default_rng(seed)
    n = 120
    ids = [f"0015g{i:05d}" for i in range(n)]
    def some(values, missing):
        return [None if rng.random() < missing else values[rng.integers(len(values))]
                for _ in range(n)]
    return pd.DataFrame({
        "account_id": ids, "segment": some(["ENT", "MM", "SMB"], 0.0),
        "potential": rng.gamma(2.0, 50.0, n).round(2), "workload_hours": rng.uniform(1, 20, n),
        "arr": rng.gamma(1.5, 10.0, n).round(2), "owner_id": some(["u1", "u2", "u3"], 0.2),
        "family_id": [ids[i - i % 4] if rng.random() < 0.3 else None for i in range(n)],
        "country": some(["US", "CA", "DE"], 0.1), "state": some(["NY", "CA", "ON", ""], 0.3),
        "postal_code": some(["10001", "94105", "M5V", "10115"], 0.3)})


def plain(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with every column as Python objects and None for missing, to compare values."""
    return frame.astype(object).where(frame.notna(), None)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_arrow_backed_text_carves_exactly_as_python_text(seed):
    # the run fetches a row per account with text in Arrow's buffers (fetch_frame(arrow_text=
    # True)); every table must be the one the same rows as Python strings give
    rows = messy_book(seed)
    arrow = rows.copy()
    for column in ("account_id", "segment", "owner_id", "family_id", "country", "state",
                   "postal_code"):
        arrow[column] = arrow[column].astype(ARROW_TEXT)
    plan = TerritoryPlan(tolerance=0.1, keep_share=0.5)
    counts = territory_counts(rows, plan)
    assert territory_counts(arrow, plan) == counts == {"ENT": 3, "MM": 3, "SMB": 3}
    ours, theirs = carve_territories(arrow, plan, counts), carve_territories(rows, plan, counts)
    for name in ("territories", "balance", "disruption", "summary", "states", "crm_update"):
        pd.testing.assert_frame_equal(plain(getattr(ours, name)), plain(getattr(theirs, name)),
                                      obj=name)
    assert ours.notes == theirs.notes
    assert ours.territories.kept_owner.any() and ours.territories.previous_owner_id.isna().any()


def test_the_carved_tables_reach_each_engine_whole_and_without_a_fallback(con):
    import warnings

    from segmint.engine import materialise
    from segmint.plan.territories import in_memory

    rows = messy_book(4)
    for column in ("account_id", "segment", "owner_id", "family_id", "country", "state"):
        rows[column] = rows[column].astype(ARROW_TEXT)
    plan = TerritoryPlan(tolerance=0.1, keep_share=0.5)
    carved = carve_territories(rows, plan, territory_counts(rows, plan))
    for name in ("territories", "balance", "disruption", "summary", "states", "crm_update"):
        frame = getattr(carved, name)
        with warnings.catch_warnings():
            # given the frame, PySpark could not convert the balance's main state (Arrow-backed
            # text, from a group-by) and warned that it fell back to sending rows one by one
            warnings.simplefilter("error", UserWarning)
            back = materialise(con, in_memory(frame.copy()), "carved").to_pandas()
        pd.testing.assert_frame_equal(plain(back.sort_values(list(back.columns[:2]),
                                                             ignore_index=True)),
                                      plain(frame.sort_values(list(frame.columns[:2]),
                                                              ignore_index=True)),
                                      check_dtype=False, obj=name)

"""Performance charts draw the finished tables as given: bar positions, points and cell labels."""

from __future__ import annotations

import datetime
import math
from decimal import Decimal

import pandas as pd

from segmint.report import performance_charts as charts
from segmint.tables import BRIDGE, SEGMENT

Q = [datetime.date(2024, 1, 1), datetime.date(2024, 4, 1)]


def bridge_frame():
    # SMB in 2024-Q2: 1000 + 200 new + 50 expansion − 30 contraction − 100 churn = 1120
    values = {name: Decimal("0.00") for name in BRIDGE}
    values.update(opening_arr=Decimal("1000.00"), new_logo=Decimal("200.00"), expansion=Decimal("50.00"),
                  contraction=Decimal("-30.00"), churn=Decimal("-100.00"), closing_arr=Decimal("1120.00"))
    first = {name: Decimal("0.00") for name in BRIDGE} | {"new_logo": Decimal("1000.00"),
                                                         "closing_arr": Decimal("1000.00")}
    rows = [{SEGMENT: s, "period": Q[0], **first} for s in ("SMB", "All")]
    rows += [{SEGMENT: s, "period": Q[1], **values} for s in ("SMB", "All")]
    return pd.DataFrame(rows)


def test_waterfall_floats_each_movement_from_the_running_total():
    figure = charts.bridge_waterfall(bridge_frame(), "SMB")
    ax = figure.axes[0]
    bars = [(p.get_y(), p.get_height()) for p in ax.patches]
    # opening 0→1000; new 1000→1200; expansion 1200→1250; cross-sell 0 at 1250;
    # contraction 1250→1220; churn 1220→1120; reactivation 0 at 1120; closing 0→1120
    assert bars == [(0, 1000), (1000, 200), (1200, 50), (1250, 0), (1250, -30), (1220, -100),
                    (1120, 0), (0, 1120)]
    assert ax.get_title(loc="left") == "SMB: ARR bridge, 2024-Q2"
    labels = [t.get_text() for t in ax.texts]
    assert labels == ["1k", "+200", "+50", "−30", "−100", "1.12k"]


def test_waterfall_zooms_when_opening_and_closing_dwarf_the_movements_and_says_so():
    # levels 1000 to 1250, all above half of 1250: the axis starts a quarter of the spread
    # (250 / 4) below 1000, at the round value 900, and the right-hand title says so.
    ax = charts.bridge_waterfall(bridge_frame(), "SMB").axes[0]
    assert ax.get_ylim()[0] == 900
    assert ax.get_title(loc="right") == "axis starts at 900"
    # In 2024-Q1 SMB rose from 0 to 1000: nothing to zoom, the axis starts at zero, unmarked.
    first = charts.bridge_waterfall(bridge_frame(), "SMB", when=Q[0]).axes[0]
    assert first.get_ylim()[0] == 0 and first.get_title(loc="right") == ""


def test_waterfalls_one_panel_per_segment_all_first():
    figure = charts.bridge_waterfalls(bridge_frame(), columns=3)
    titles = [ax.get_title(loc="left") for ax in figure.axes if ax.get_visible()]
    assert titles == ["All", "SMB"]


def test_nrr_small_multiples_one_panel_per_segment_by_arr_with_all_as_reference():
    retention = pd.DataFrame({SEGMENT: ["A", "A", "B", "B", "All", "All"], "period": Q * 3,
                              "nrr": [None, 1.1, None, 0.9, None, 1.0],
                              "grr": [None, 0.95, None, 0.8, None, 0.9]})
    bridge = pd.DataFrame({SEGMENT: ["A", "B", "All"], "period": [Q[1]] * 3,
                           "closing_arr": [Decimal("100.00"), Decimal("300.00"), Decimal("400.00")]})
    figure = charts.nrr_small_multiples(retention, bridge=bridge)
    panels = [ax for ax in figure.axes if ax.get_visible()]
    assert [ax.get_title(loc="left") for ax in panels] == ["All", "B", "A"]  # B has more ARR
    lines = {ax.get_title(loc="left"): [(line.get_label(), list(line.get_ydata())) for line in ax.lines]
             for ax in panels}
    # Q1 has no ratio anywhere, so only Q2 is drawn; first in each panel the 100% line (no label).
    assert [y for _, y in lines["B"]] == [[1.0, 1.0], [1.0], [0.8], [0.9]]
    assert [label for label, _ in lines["B"]][1:] == ["All: NRR", "GRR", "NRR"]
    assert [(label, y) for label, y in lines["All"]][1:] == [("GRR", [0.9]), ("NRR", [1.0])]
    assert len({ax.get_ylim() for ax in panels}) == 1  # one shared y-axis


def test_nrr_small_multiples_leave_a_gap_where_a_segment_has_no_ratio():
    # B had no opening ARR in Q2 while A had: B's line has a gap there, not a bridge over it.
    q3 = datetime.date(2024, 7, 1)
    retention = pd.DataFrame({SEGMENT: ["A"] * 3 + ["B"] * 3, "period": [*Q, q3] * 2,
                              "nrr": [1.0, 1.1, 1.2, 0.9, None, 0.8], "grr": [0.9] * 6})
    panel = next(ax for ax in charts.nrr_small_multiples(retention).axes if ax.get_title(loc="left") == "B")
    nrr = next(line for line in panel.lines if line.get_label() == "NRR")
    assert list(nrr.get_xdata()) == [0, 1, 2] and math.isnan(nrr.get_ydata()[1])


def test_nrr_small_multiples_without_any_ratio_draw_nothing():
    retention = pd.DataFrame({SEGMENT: ["A"], "period": Q[:1], "nrr": [None], "grr": [None]})
    assert charts.nrr_small_multiples(retention) is None


def test_win_rate_scatter_labels_each_segment_and_lists_those_without_wins():
    metrics = pd.DataFrame({SEGMENT: ["SMB", "Ent", "Empty"], "win_rate": [0.25, 0.4, 0.0],
                            "avg_won_amount": [1000.0, 50000.0, None], "closed_deals": [40, 10, 3]})
    figure = charts.win_rate_vs_deal_size(metrics)
    ax = figure.axes[0]
    assert [t.get_text() for t in ax.texts] == ["SMB", "Ent"]
    assert [list(c.get_offsets()[0]) for c in ax.collections] == [[1000.0, 0.25], [50000.0, 0.4]]
    assert figure.texts[0].get_text() == "No won deals: Empty"


def test_win_rate_scatter_labels_never_overlap_and_land_the_same_every_time():
    # Six segments crowded around 40% and 5k-6k, as SMB segments are on the demo.
    names = ["SMB-North America", "SMB-EMEA", "SMB-APAC", "SMB-LATAM", "Mid-Market-EMEA", "All"]
    metrics = pd.DataFrame({SEGMENT: names, "win_rate": [0.40, 0.401, 0.399, 0.402, 0.398, 0.40],
                            "avg_won_amount": [5000.0, 5100.0, 5200.0, 5050.0, 5150.0, 5120.0],
                            "closed_deals": [400, 300, 100, 80, 60, 940]})

    def boxes():
        figure = charts.win_rate_vs_deal_size(metrics)
        renderer = figure.canvas.get_renderer()
        return [tuple(t.get_window_extent(renderer).extents.round(1)) for t in figure.axes[0].texts]

    placed = boxes()
    assert len(placed) == 6
    for i, a in enumerate(placed):
        for b in placed[i + 1:]:
            assert min(a[2], b[2]) <= max(a[0], b[0]) or min(a[3], b[3]) <= max(a[1], b[1]), (a, b)
    assert boxes() == placed


def test_win_rate_scatter_uses_a_log_scale_for_sizes_far_apart():
    metrics = pd.DataFrame({SEGMENT: ["SMB", "Ent"], "win_rate": [0.25, 0.4],
                            "avg_won_amount": [1000.0, 50000.0], "closed_deals": [40, 10]})
    assert charts.win_rate_vs_deal_size(metrics).axes[0].get_xscale() == "log"  # 50× apart
    metrics["avg_won_amount"] = [1000.0, 5000.0]
    assert charts.win_rate_vs_deal_size(metrics).axes[0].get_xscale() == "linear"


def test_cohort_heatmap_prints_the_share_in_each_cell():
    cohorts = pd.DataFrame({SEGMENT: ["All"] * 3, "cohort": [Q[0], Q[0], Q[1]], "age": [0, 1, 0],
                            "logo_retention": [1.0, 0.5, 1.0]})
    ax = charts.cohort_heatmap(cohorts).axes[0]
    assert [t.get_text() for t in ax.texts] == ["100%", "50%", "100%"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["2024-Q1", "2024-Q2"]

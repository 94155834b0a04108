"""The back-test chart draws the back-test's decile table as it is, one panel per ranking."""

from __future__ import annotations

import pandas as pd

from segmint.report.score_charts import decile_lift


def test_one_panel_per_ranking_and_a_mean_score_line_only_for_a_probability():
    def deciles(ranking, rates, means, probability):
        return pd.DataFrame({"ranking": ranking, "decile": [1, 2], "accounts": [5, 5],
                             "mean_score": means, "observed_rate": rates,
                             "lift": [r / (sum(rates) / 2) for r in rates],
                             "probability": probability})

    table = pd.concat([deciles("fit · all", [0.6, 0.2], [0.5, 0.3], True),
                       deciles("share_of_wallet, lowest first · customers", [0.3, 0.1],
                               [0.2, 0.9], False)], ignore_index=True)
    fit, share = decile_lift(table).axes[:2]
    assert fit.get_title(loc="left") == "fit · all: top decile lift 1.5×"
    assert [round(p.get_height(), 2) for p in fit.patches] == [0.6, 0.2]
    assert [list(line.get_ydata()) for line in fit.get_lines()[1:]] == [[0.5, 0.3]]
    assert share.get_title(loc="left") == (
        "share_of_wallet, lowest first · customers: top decile lift 1.5×")
    assert [round(p.get_height(), 2) for p in share.patches] == [0.3, 0.1]
    assert len(share.get_lines()) == 1  # the overall rate: a share of wallet is no probability

"""Pre/post change: every statistic checked against scipy or a hand-worked example."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from analysis_sim import scores_long, simulate_change, simulate_people
from scipy import stats

from toolkit.outcomes.definitions import reliable_change_index
from toolkit.outcomes.prepost import (
    change_wording,
    completer_comparison,
    hedges_j,
    mixed_model_change,
    paired_change,
)

PRE = np.array([20.0, 22, 25, 19, 30])
POST = np.array([23.0, 22, 27, 21, 33])  # differences 3, 0, 2, 2, 3


def test_hand_worked_small_example():
    r = paired_change(PRE, POST, threshold=3)
    # mean diff 2, sd sqrt(6/4) = 1.2247; d_z = 1.63299; J = 1 - 3/15 = 0.8
    assert r["n_pairs"] == 5
    assert r["mean_change"] == pytest.approx(2.0)
    assert r["sd_change"] == pytest.approx(np.sqrt(1.5))
    assert r["d_z"] == pytest.approx(2 / np.sqrt(1.5))
    assert hedges_j(5) == pytest.approx(0.8)
    assert r["g_z"] == pytest.approx(0.8 * 2 / np.sqrt(1.5))
    assert r["share_meaningful"] == pytest.approx(2 / 5)  # two people improved by 3
    half = stats.t.ppf(0.975, 4) * np.sqrt(1.5) / np.sqrt(5)
    assert (r["ci_low"], r["ci_high"]) == pytest.approx((2 - half, 2 + half))


def test_tests_match_scipy():
    rng = np.random.default_rng(3)
    pre = rng.normal(22, 4, 60)
    post = pre + rng.normal(1.0, 3, 60)
    r = paired_change(pre, post)
    t = stats.ttest_rel(post, pre)
    w = stats.wilcoxon(post - pre)
    assert r["t"] == pytest.approx(t.statistic)
    assert r["p_t"] == pytest.approx(t.pvalue)
    assert r["p_wilcoxon"] == pytest.approx(w.pvalue)
    assert r["wilcoxon_w"] == pytest.approx(w.statistic)


def test_lower_is_better_counts_falls_as_improvement():
    pre = np.array([8.0, 7, 9, 6])
    post = np.array([5.0, 7, 4, 6])
    r = paired_change(pre, post, threshold=2, higher_is_better=False)
    assert r["share_meaningful"] == pytest.approx(0.5)


def test_reliable_change_index_hand_worked():
    # SE_diff = 4 * sqrt(2) * sqrt(0.2) = 2.5298; RCI = 6 / 2.5298 = 2.3717
    assert reliable_change_index(np.array([20.0]), np.array([26.0]), 4.0, 0.8)[0] == pytest.approx(
        6 / (4 * np.sqrt(2) * np.sqrt(0.2))
    )
    r = paired_change(
        np.array([20.0, 20, 20, 22]), np.array([26.0, 21, 14, 22]), reliability=0.8, sd_pre=4.0
    )
    assert r["share_reliable_improved"] == pytest.approx(0.25)
    assert r["share_reliable_deteriorated"] == pytest.approx(0.25)


def test_completers_against_welch():
    pre = pd.Series([20.0, 21, 25, 30, 18, 17, 26], index=list("abcdefg"))
    r = completer_comparison(pre, pd.Index(["a", "b", "c", "d"]))
    assert (r["n_completers"], r["n_non_completers"]) == (4, 3)
    assert r["baseline_difference"] == pytest.approx(24.0 - 61 / 3)
    p = stats.ttest_ind([20, 21, 25, 30], [18, 17, 26], equal_var=False).pvalue
    assert r["p_welch"] == pytest.approx(p)


def test_mixed_model_equals_paired_mean_when_complete():
    """With every person measured twice, the REML fixed effect is the mean difference."""
    rng = np.random.default_rng(7)
    people = simulate_people(80, 0, rng)
    wide = simulate_change(people, {}, rng)
    long = scores_long(wide, dropout=0.0, rng=rng)
    r = mixed_model_change(long, "baseline", "followup_6m")
    assert r["mlm_people"] == 80 and r["mlm_observations"] == 160
    assert r["mlm_change"] == pytest.approx((wide["post"] - wide["pre"]).mean(), abs=1e-6)
    assert r["mlm_ci_low"] < r["mlm_change"] < r["mlm_ci_high"]


def test_mixed_model_uses_people_lost_to_follow_up():
    rng = np.random.default_rng(11)
    people = simulate_people(300, 0, rng)
    wide = simulate_change(people, {}, rng, mean_change=1.5)
    long = scores_long(wide, dropout=0.3, rng=rng)
    r = mixed_model_change(long, "baseline", "followup_6m")
    assert r["mlm_people"] == 300
    assert r["mlm_ci_low"] < 1.5 < r["mlm_ci_high"]


def test_wording_follows_comparison_group():
    class S:
        comparison_group = False

    assert change_wording(S()) == "change observed"
    S.comparison_group = True
    assert change_wording(S()) == "impact"


def test_table_per_cohort_and_published_version():
    from toolkit.outcomes.definitions import outcome_specs
    from toolkit.outcomes.prepost import prepost_table, publish_prepost
    from toolkit.privacy.disclosure import DisclosureRule
    from toolkit.study.config import Study

    study = Study.model_validate(
        {
            "name": "t",
            "title": "t",
            "participants": {"file": "p.csv"},
            "cohorts": [{"name": "a", "label": "A"}, {"name": "b", "label": "B"}],
            "waves": [
                {"name": "baseline", "file": "b.csv", "month": 0},
                {"name": "followup_6m", "file": "f.csv", "month": 6},
            ],
            "outcomes": [
                {
                    "name": "swem",
                    "kind": "score_change",
                    "instrument": "swemwbs",
                    "reliability": 0.85,
                }
            ],
        }
    )
    rng = np.random.default_rng(1)
    people = simulate_people(106, 0, rng)
    people["cohort"] = ["a"] * 100 + ["b"] * 6
    wide = simulate_change(people, {}, rng)
    scores = scores_long(wide, dropout=0.2, rng=rng)
    table = prepost_table(study, scores, people, outcome_specs(study)).set_index("cohort")
    complete = scores.pivot(index="pid", columns="wave", values="score").dropna()
    expected = paired_change(complete["baseline"], complete["followup_6m"])
    assert table.loc["all", "n_pairs"] == len(complete)
    assert table.loc["all", "mean_change"] == pytest.approx(expected["mean_change"])
    assert table.loc["all", "meaningful_threshold"] == 3  # from the SWEMWBS instrument file
    assert table.loc["all", "reliability"] == 0.85
    assert table.loc["all", "n_completers"] + table.loc["all", "n_non_completers"] == 106
    assert table.loc["a", "n_pairs"] + table.loc["b", "n_pairs"] == len(complete)
    pub = publish_prepost(table.reset_index(), DisclosureRule()).set_index("cohort")
    assert pub.loc["b", "n_pairs"] == "*" and np.isnan(pub.loc["b", "mean_change"])
    assert pub.loc["all", "n_pairs"] == str(int(5 * np.floor(len(complete) / 5 + 0.5)))
    assert "t" not in pub.columns and "wilcoxon_w" not in pub.columns

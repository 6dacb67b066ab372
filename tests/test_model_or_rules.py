"""A learned code replaces the rules only where it beats them on the whole study; near-duplicate
sentences share a cross-validation fold; a presumed "no" counts less than a person's."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from toolkit.coding.learner import TextCoder, best_f1_threshold
from toolkit.coding.model_or_rules import compare_on_study, stratum_weights, weighted_quality
from toolkit.coding.near_duplicates import near_duplicate_groups


def test_sentences_with_fillers_or_curly_quotes_are_one_group_and_other_sentences_are_not():
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = [
        "I was paired up with someone who'd started the year before.",
        "Um, I was paired up with someone who'd started the year before.",
        "My mentor came with me on my first day.",
        "The bus was late again.",
    ]
    vectors = TfidfVectorizer().fit_transform(texts)
    groups = near_duplicate_groups(vectors, threshold=0.8)
    assert groups.tolist() == [0, 0, 1, 2]
    # A chain links: a ~ b and b ~ c puts a and c together even if they are less alike.
    chain = np.array([[1.0, 0.0], [0.95, 0.31], [0.81, 0.59]])
    assert near_duplicate_groups(chain, threshold=0.94).tolist() == [0, 0, 0]
    assert near_duplicate_groups(np.zeros((0, 3))).tolist() == []


def test_each_reviewed_segment_stands_for_its_share_of_the_study():
    # 10 reviewed segments the rules suggest the code for, 10 they do not; the study has 10
    # suggested and 990 not suggested, so each reviewed "not suggested" segment stands for 99.
    rule = np.r_[np.ones(10, bool), np.zeros(10, bool)]
    rule_all = np.r_[np.ones(10, bool), np.zeros(990, bool)]
    w = stratum_weights(rule, rule_all)
    assert w[:10].tolist() == [1.0] * 10 and w[10:].tolist() == [99.0] * 10
    # People: 9 of the suggested have the code, and 3 of the not suggested.
    truth = np.r_[np.ones(9, bool), np.zeros(1, bool), np.ones(3, bool), np.zeros(7, bool)]
    # The classifier finds all 12 but also says yes to 1 suggested and 2 ordinary sentences.
    model = truth.copy()
    model[[9, 13, 14]] = True
    # By hand: tp = 9 + 3 * 99, fp = 1 + 2 * 99, fn = 0.
    assert weighted_quality(truth, model, w)[2] == pytest.approx(612 / (612 + 199), abs=1e-4)
    # Rules: tp = 9, fp = 1, fn = 3 * 99.
    assert weighted_quality(truth, rule, w)[2] == pytest.approx(18 / (18 + 298), abs=1e-4)
    result = compare_on_study(truth, model, rule, rule_all, np.arange(20), seed=1)
    assert result["used"] and result["model_better_share"] > 0.9
    # A win that rests on one decision is not enough: with only segment 10 found beyond the
    # rules, resamples without it favour the rules often enough to keep them.
    truth[[11, 12]] = False
    model = truth.copy()
    model[[9, 13, 14]] = True
    result = compare_on_study(truth, model, rule, rule_all, np.arange(20), seed=1)
    assert result["f1"] > result["codebook_f1"]
    assert 0.5 < result["model_better_share"] < 2 / 3 and not result["used"]
    # Where the rules miss nothing, a classifier that also says yes to every ordinary sentence
    # is charged for all 990 of them and loses.
    truth = np.r_[np.ones(9, bool), np.zeros(11, bool)]
    loud = truth | ~rule
    result = compare_on_study(truth, loud, rule, rule_all, np.arange(20), seed=1)
    assert result["codebook_f1"] == pytest.approx(18 / 19, abs=1e-4)
    assert result["f1"] == pytest.approx(18 / (18 + 1 + 990), abs=1e-4)
    assert not result["used"] and result["model_better_share"] == 0.0


def test_a_narrow_win_on_few_decisions_does_not_replace_the_rules():
    rng = np.random.default_rng(3)
    truth = rng.random(60) < 0.4
    rule = truth ^ (rng.random(60) < 0.15)
    model = rule.copy()
    # The classifier fixes exactly one of the rules' mistakes: better, but not clearly.
    wrong = np.flatnonzero(rule != truth)
    model[wrong[0]] = truth[wrong[0]]
    result = compare_on_study(truth, model, rule, rule, np.arange(60), seed=2)
    assert result["f1"] > result["codebook_f1"]
    assert 0.3 < result["model_better_share"] < 2 / 3 and not result["used"]


def test_presumed_nos_count_by_their_weight_in_thresholds_and_quality():
    y = np.array([1, 1, 0, 0, 0])
    proba = np.array([0.9, 0.6, 0.7, 0.2, 0.1])
    # Unweighted: cutting at 0.65 gives tp 1, said 2 -> F1 0.5; at 0.4, tp 2, said 3 -> 0.8.
    assert best_f1_threshold(y, proba) == pytest.approx(0.4)
    # The 0.7 "no" counting 1/10: at 0.4, F1 = 4 / (2.1 + 2) = 0.976, the best.
    w = np.array([1, 1, 0.1, 0.1, 0.1])
    assert best_f1_threshold(y, proba, w) == pytest.approx(0.4)
    # The "yes" at 0.6 counting 1/10 instead: cutting above it (0.65) costs little recall.
    w = np.array([1, 0.1, 1, 1, 1])
    cut = best_f1_threshold(y, proba, w)
    assert cut == pytest.approx(0.8)


def test_learning_with_weights_changes_what_a_presumed_no_can_undo():
    texts = (["the bus was late", "no bus today", "bus fare went up"] * 4) + (
        ["the kids were ill", "nursery closed", "school run", "nice weather"] * 4
    )
    labels = pd.DataFrame({"transport": [1] * 12 + [0] * 16})
    # Two "no"s on bus sentences, as if presumed from unreviewed text.
    noisy = labels.copy()
    noisy.loc[[0, 3], "transport"] = 0
    light = pd.DataFrame({"transport": [1.0] * 28})
    light.loc[[0, 3], "transport"] = 0.05
    heavy = TextCoder(embedding=None, min_examples=3).fit(texts, noisy)
    weighted = TextCoder(embedding=None, min_examples=3).fit(texts, noisy, weights=light)
    p_heavy = heavy.predict_proba(["the bus was late"])["transport"].iat[0]
    p_light = weighted.predict_proba(["the bus was late"])["transport"].iat[0]
    assert p_light > p_heavy
    # The quality figures count the light "no"s lightly: recall of 10/10 positives either way,
    # but the weighted precision charges the two mislabelled bus texts 0.05 each, not 1.
    m = weighted.metrics_.set_index("code").loc["transport"]
    said = weighted.oof_[:, 0] >= weighted.thresholds_["transport"]
    truth = noisy["transport"].to_numpy() == 1
    w = light["transport"].to_numpy()
    assert m["precision"] == pytest.approx((w * (said & truth)).sum() / (w * said).sum(), abs=1e-4)

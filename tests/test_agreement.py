"""Agreement between reviewers and between people and the machine, checked independently."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from coding_study import make_study
from sklearn.metrics import cohen_kappa_score

from toolkit.coding.agreement import (
    agreement_table,
    cohens_kappa,
    krippendorff_alpha,
    percent_agreement,
    study_agreement,
)
from toolkit.coding.decisions import COLUMNS as LOG_COLUMNS
from toolkit.coding.decisions import append_decisions


def test_cohens_kappa_matches_scikit_learn():
    rng = np.random.default_rng(7)
    for _ in range(20):
        a = rng.integers(0, 2, 40)
        b = np.where(rng.random(40) < 0.7, a, 1 - a)
        assert cohens_kappa(a, b) == pytest.approx(cohen_kappa_score(a, b))
    assert np.isnan(cohens_kappa(np.zeros(5), np.zeros(5)))  # chance agreement is total


def test_krippendorff_alpha_on_a_hand_worked_example():
    # Two coders, five units: A = 1 1 0 0 1, B = 1 0 0 0 1. Coincidences: o11 = 4, o00 = 4,
    # o10 = o01 = 1; n = 10, n0 = n1 = 5. alpha = 1 - (n - 1) * 2 / (2 * n0 * n1) = 1 - 18/50.
    matrix = np.array([[1, 1, 0, 0, 1], [1, 0, 0, 0, 1]], dtype=float)
    assert krippendorff_alpha(matrix) == pytest.approx(0.64)
    # A third coder with gaps: unit 5 has one rating and drops out. Units 1-4 hold {1,1,1},
    # {1,0,0}, {0,0,0}, {0,0,1}; each ordered pair within a unit weighs 1/(m_u - 1) = 1/2, so
    # o11 = 3, o00 = 1 + 3 + 1 = 5, o10 = o01 = 2; n = 12, n1 = 5, n0 = 7 and
    # alpha = 1 - (n - 1) * (o10 + o01) / (2 * n0 * n1) = 1 - 11 * 4 / 70.
    three = np.array([[1, 1, 0, 0, 1], [1, 0, 0, 0, np.nan], [1, 0, 0, 1, np.nan]])
    assert krippendorff_alpha(three) == pytest.approx(1 - 44 / 70)
    assert np.isnan(krippendorff_alpha(np.zeros((2, 4))))


def test_percent_agreement_counts_only_units_with_two_ratings():
    m = np.array([[1, 0, 1, np.nan], [1, 1, 1, 0]])
    share, n = percent_agreement(m)
    assert n == 3 and share == pytest.approx(2 / 3)


def _log(rows):
    frame = pd.DataFrame(rows, columns=["reviewer", "seg_id", "code", "decision"])
    return frame.assign(decided_at="t", source_file="f", batch_id="b", text_hash="h")[LOG_COLUMNS]


def test_agreement_table_per_code_and_overall():
    log = _log(
        [
            ("a", "s1", "x", "accept"),
            ("b", "s1", "x", "accept"),
            ("a", "s2", "x", "reject"),
            ("b", "s2", "x", "accept"),
            ("a", "s3", "y", "add"),
            ("b", "s3", "y", "add"),
            ("a", "s4", "x", "reject"),
            ("b", "s4", "y", "reject"),
            ("a", "s5", "y", "accept"),  # only a saw s5
        ]
    )
    codings = pd.DataFrame(
        {
            "seg_id": ["s1", "s2", "s3", "s5", "s4"],
            "code": ["x", "x", "y", "y", "x"],
            "source": ["rule", "rule", "model", "rule", "human:a"],
            "score": [0.9, 0.6, 0.8, 0.3, 1.0],
        }
    )
    table = agreement_table(log, codings, ["x", "y"]).set_index("code")
    # Units seen by both: s1..s4 for each code. x: a = 1 0 0 0, b = 1 1 0 0.
    a_x, b_x = [1, 0, 0, 0], [1, 1, 0, 0]
    a_y, b_y = [0, 0, 1, 0], [0, 0, 1, 0]
    assert table.loc["x", "n_units"] == 4
    assert table.loc["x", "percent_agreement"] == pytest.approx(0.75)
    assert table.loc["x", "cohens_kappa"] == pytest.approx(cohen_kappa_score(a_x, b_x))
    assert table.loc["y", "percent_agreement"] == 1.0
    assert table.loc["overall", "n_units"] == 8
    assert table.loc["overall", "cohens_kappa"] == pytest.approx(
        cohen_kappa_score(a_x + a_y, b_x + b_y)
    )
    assert table.loc["overall", "krippendorff_alpha"] == pytest.approx(
        krippendorff_alpha(np.array([a_x + a_y + [1], b_x + b_y + [np.nan]], dtype=float))
    )
    # Machine (score >= 0.5, rule/model only): x on s1, s2; y on s3. Human rows for code y:
    # a: s1..s5 -> 0 0 1 0 1, b: s1..s4 -> 0 0 1 0; machine y: 0 0 1 0 0 (s5 scored 0.3).
    human_y = [0, 0, 1, 0, 1, 0, 0, 1, 0]
    machine_y = [0, 0, 1, 0, 0, 0, 0, 1, 0]
    assert table.loc["y", "n_machine_pairs"] == 9
    assert table.loc["y", "machine_agreement"] == pytest.approx(8 / 9)
    assert table.loc["y", "machine_kappa"] == pytest.approx(cohen_kappa_score(human_y, machine_y))
    # Rules only: the model's suggestion on s3 no longer counts, so the machine applied no
    # y, and agrees with the 6 of 9 human ratings that are 0.
    rules = agreement_table(log, codings, ["x", "y"], machine_sources=("rule",))
    assert rules.set_index("code").loc["y", "machine_agreement"] == pytest.approx(6 / 9)


def test_three_reviewers_use_lights_kappa_and_alpha():
    rows = []
    labels = {"a": [1, 1, 0, 0, 1, 0], "b": [1, 0, 0, 0, 1, 0], "c": [1, 1, 0, 1, 1, 0]}
    for who, values in labels.items():
        for i, v in enumerate(values):
            rows.append((who, f"s{i}", "x", "accept" if v else "reject"))
    table = agreement_table(_log(rows), None, ["x"]).set_index("code")
    pairs = [("a", "b"), ("a", "c"), ("b", "c")]
    light = np.mean([cohen_kappa_score(labels[p], labels[q]) for p, q in pairs])
    assert table.loc["x", "n_reviewers"] == 3
    assert table.loc["x", "cohens_kappa"] == pytest.approx(light)
    assert table.loc["x", "krippendorff_alpha"] == pytest.approx(
        krippendorff_alpha(np.array(list(labels.values()), dtype=float))
    )
    assert table.loc["x", "percent_agreement"] == pytest.approx(4 / 6)


def test_study_agreement_is_saved_through_the_disclosure_rule(tmp_path):
    study, outputs = make_study(tmp_path)
    segments = outputs.read("segments")
    recs = []
    for who, flip in (("pr01", set()), ("pr02", {2})):
        for i in range(10):
            accept = (i % 2 == 0) != (i in flip)
            recs.append(
                {
                    "reviewer": who,
                    "seg_id": segments.iloc[i]["seg_id"],
                    "code": "transport",
                    "decision": "accept" if accept else "reject",
                }
            )
    append_decisions(study, recs, source_file="x.xlsx", batch_id="b")
    table, shown, path = study_agreement(study, outputs)
    assert path == outputs.tables / "agreement.csv" and path.exists()
    assert path.with_name("agreement.csv.lxt.json").exists()
    raw = table.set_index("code")
    assert raw.loc["transport", "n_units"] == 10
    assert raw.loc["transport", "percent_agreement"] == pytest.approx(0.9)
    saved = pd.read_csv(path, dtype=str).set_index("code")
    assert saved.loc["transport", "n_units"] == "10"  # rounded to the nearest 5
    assert saved.loc["childcare", "n_units"] == "10"
    assert list(saved.index)[-1] == "overall"

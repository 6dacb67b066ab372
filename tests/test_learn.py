"""Learning from people's decisions: honest cross-validated quality and a smart review queue."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, precision_score, recall_score
from sklearn.model_selection import StratifiedKFold

from toolkit.coding.classifiers import (
    cross_validate_code,
    fit_codes,
    learn_from_decisions,
    rank_for_review,
    training_labels,
)
from toolkit.coding.codebook import parse_codebook

BOOK = parse_codebook(
    {
        "codes": [
            {
                "id": "barriers",
                "children": [
                    {"id": "transport", "definition": "Getting there."},
                    {"id": "childcare_caring", "definition": "Looking after children."},
                ],
            },
        ]
    }
)


def _data(n=80, seed=3):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 6))
    y = (X[:, 0] + 0.8 * rng.normal(size=n) > 0.3).astype(int)
    return X, y


def test_cross_validation_equals_an_independent_sklearn_computation():
    X, y = _data()
    got = cross_validate_code(X, y, seed=11)
    predicted = np.zeros_like(y)
    for train, test in StratifiedKFold(5, shuffle=True, random_state=11).split(X, y):
        model = LogisticRegression(class_weight="balanced", max_iter=2000, random_state=11)
        predicted[test] = model.fit(X[train], y[train]).predict(X[test])
    assert got["folds"] == 5
    assert got["precision"] == pytest.approx(precision_score(y, predicted))
    assert got["recall"] == pytest.approx(recall_score(y, predicted))
    assert got["f1"] == pytest.approx(f1_score(y, predicted))
    assert 0.6 < got["f1"] < 1.0  # a learnable but noisy signal


def test_latest_decision_is_the_label_and_unknown_codes_are_ignored():
    log = pd.DataFrame(
        {
            "reviewer": ["a", "b", "a", "a"],
            "seg_id": ["s1", "s1", "s2", "s3"],
            "code": ["transport", "transport", "transport", "retired_code"],
            "decision": ["reject", "accept", "add", "accept"],
        }
    )
    labels = training_labels(log, BOOK.codable_ids)
    assert labels.values.tolist() == [["s1", "transport", 1], ["s2", "transport", 1]]


def _log_from_labels(seg_ids, y, code):
    return pd.DataFrame(
        {
            "reviewer": "pr01",
            "seg_id": seg_ids,
            "code": code,
            "decision": np.where(y == 1, "accept", "reject"),
        }
    )


def test_codes_train_only_with_enough_decisions_and_say_how_many_more():
    X, y = _data(60)
    seg_ids = [f"s{i:02d}" for i in range(len(y))]  # sorted order = row order
    log = pd.concat(
        [
            _log_from_labels(seg_ids, y, "transport"),
            _log_from_labels(seg_ids[:12], np.array([1] * 4 + [0] * 8), "childcare_caring"),
        ]
    )
    labels = training_labels(log, BOOK.codable_ids)
    index = pd.Series(np.arange(len(seg_ids)), index=seg_ids)
    learned = fit_codes(X, labels, index, BOOK.codable_ids, seed=42)
    m = learned.metrics.set_index("code")
    assert list(learned.models) == ["transport"]
    assert m.loc["transport", "positives"] == y.sum()
    assert m.loc["transport", "f1"] == pytest.approx(cross_validate_code(X, y, seed=42)["f1"])
    assert not m.loc["childcare_caring", "trained"]
    # 4 positives and 8 negatives: 6 more positives and 2 more negatives needed.
    assert m.loc["childcare_caring", "still_needed"] == 8
    assert np.isnan(m.loc["childcare_caring", "f1"])


def test_ranking_puts_the_most_uncertain_first_and_skips_decided_pairs():
    proba = pd.DataFrame(
        {"transport": [0.97, 0.55, 0.10, 0.48], "childcare_caring": [0.50, 0.02, 0.70, 0.99]}
    )
    queue = rank_for_review(proba, ["s1", "s2", "s3", "s4"])
    assert list(zip(queue["seg_id"], queue["code"], strict=True))[:4] == [
        ("s1", "childcare_caring"),
        ("s4", "transport"),
        ("s2", "transport"),
        ("s3", "childcare_caring"),
    ]
    assert queue["uncertainty"].iloc[0] == pytest.approx(1.0)
    assert queue["uncertainty"].iloc[1] == pytest.approx(0.96)
    decided = pd.DataFrame({"seg_id": ["s1"], "code": ["childcare_caring"]})
    rest = rank_for_review(proba, ["s1", "s2", "s3", "s4"], decided=decided, limit=2)
    assert list(zip(rest["seg_id"], rest["code"], strict=True)) == [
        ("s4", "transport"),
        ("s2", "transport"),
    ]


class WordEmbedder:
    """Tiny bag-of-words embedder: enough meaning for a classifier to learn 'bus'."""

    name = "test"
    words = ["bus", "train", "fare", "kids", "nursery", "school", "weather", "shop"]

    def encode(self, texts):
        out = np.array(
            [[t.lower().count(w) for w in self.words] + [1.0] for t in texts], dtype=np.float32
        )
        return out / np.linalg.norm(out, axis=1, keepdims=True)


def test_learned_codes_become_model_codings():
    rng = np.random.default_rng(0)
    transport = ["the bus was late", "train fare too high", "no bus on sunday", "bus fare"]
    other = ["the kids were ill", "nursery closed", "school run", "nice weather", "the shop"]
    # Every sentence of both lists occurs: texts the embedder cannot tell apart (near-duplicates)
    # share a cross-validation fold, so a code needs two different kinds of example.
    texts = [transport[i // 2 % 4] if i % 2 == 0 else other[i // 2 % 5] for i in range(60)]
    segments = pd.DataFrame({"seg_id": [f"s{i:02d}" for i in range(60)], "text": texts})
    y = np.array([i % 2 == 0 for i in range(60)], dtype=int)
    reviewed = rng.permutation(60)[:40]
    log = _log_from_labels(segments["seg_id"].to_numpy()[reviewed], y[reviewed], "transport")
    learned = learn_from_decisions(log, segments, BOOK, WordEmbedder(), seed=42)
    assert list(learned.models) == ["transport"]
    # Cross-validation holds out whole kinds of sentence: "train fare too high" is the only one
    # of its kind, so the folds that hold it out cannot find it (honestly below 1).
    f1 = learned.metrics.set_index("code").loc["transport", "f1"]
    assert 0.8 < f1 < 1.0
    rows = learned.codings(segments, decided_at="2026-01-01T00:00:00+00:00")
    assert set(rows["source"]) == {"model"}
    assert set(rows["seg_id"]) == set(segments["seg_id"][y == 1])
    # Evidence a reviewer can check: the quality, the words, the most similar coded segment.
    first = rows.set_index("seg_id").loc["s00", "evidence"]
    assert first.startswith(
        f"learned from people's decisions (cross-validated F1 {f1:.2f}); words: "
    )
    words = first.split("words: ")[1].split(";")[0].split(", ")
    assert "late" in words and "was" not in words  # "was" says nothing about transport
    assert first.endswith('like coded example: "the bus was late"')


def test_too_few_decisions_trains_nothing_and_embeds_nothing():
    segments = pd.DataFrame({"seg_id": ["s1", "s2"], "text": ["bus", "kids"]})
    log = _log_from_labels(["s1", "s2"], np.array([1, 0]), "transport")

    class NeverCalled:
        def encode(self, texts):
            raise AssertionError("embedding is slow: not needed when nothing can be trained")

    learned = learn_from_decisions(log, segments, BOOK, NeverCalled())
    assert learned.models == {}
    m = learned.metrics.set_index("code")
    assert m.loc["transport", ["positives", "negatives", "still_needed"]].tolist() == [1, 1, 18]


def test_lxt_learn_writes_metrics_and_the_next_review_queue(tmp_path, monkeypatch, capsys):
    import sys

    from conftest import record_hand_built_outputs

    from toolkit import cli
    from toolkit.coding.decisions import append_decisions
    from toolkit.study.config import load_study
    from toolkit.study.tables import StudyOutputs

    monkeypatch.setenv("LXT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("LXT_OUTPUTS", str(tmp_path / "outputs"))
    folder = tmp_path / "mini"
    folder.mkdir()
    (folder / "study.yml").write_text(
        "name: mini\ntitle: Mini\nparticipants: {file: participants.csv}\n"
        "cohorts: [{name: clacton, label: Clacton}]\nwaves: [{name: baseline, file: b.csv}]\n"
        "codebook: codebook.yml\ntopics: {embedding: tfidf}\n",
        encoding="utf-8",
    )
    import yaml

    (folder / "codebook.yml").write_text(
        yaml.safe_dump(
            {
                "codes": [
                    {
                        "id": "barriers",
                        "children": [
                            {"id": "transport", "definition": "Getting there."},
                            {"id": "childcare_caring", "definition": "Looking after children."},
                        ],
                    }
                ]
            }
        ),
        encoding="utf-8",
    )
    study = load_study(folder)
    bus = [
        "the bus was late again",
        "the train fare is too dear",
        "no bus on a sunday",
        "two buses to get to the hospital",
        "I can't drive and there is no bus",
    ]
    kids = [
        "nursery fees are too high",
        "the kids finish school at three",
        "my mum looks after the kids",
        "I have to do the school run",
        "childcare is hard",
    ]
    texts = [bus[i % 5] + f" ({i})" if i % 2 == 0 else kids[i % 5] + f" ({i})" for i in range(50)]
    segments = pd.DataFrame({"seg_id": [f"s{i:02d}" for i in range(50)], "text": texts})
    outputs = StudyOutputs.for_study(study)
    outputs.write("segments", segments)
    record_hand_built_outputs(study, outputs)
    append_decisions(
        study,
        [
            {
                "reviewer": "pr01",
                "seg_id": f"s{i:02d}",
                "code": "transport",
                "decision": "accept" if i % 2 == 0 else "reject",
                "text_hash": "",
            }
            for i in range(30)
        ],
        source_file="b.xlsx",
        batch_id="b1",
    )
    monkeypatch.setattr(sys, "argv", ["lxt", "learn", str(folder), "--top", "5"])
    cli.main()
    printed = capsys.readouterr().out
    assert "transport" in printed and "5 segments to review next" in printed
    models = tmp_path / "outputs" / "mini" / "models"
    metrics = pd.read_csv(models / "coding_cv_metrics.csv").set_index("code")
    assert metrics.loc["transport", ["positives", "negatives"]].tolist() == [15, 15]
    assert bool(metrics.loc["transport", "trained"])
    assert metrics.loc["childcare_caring", "still_needed"] == 20
    # The same model folder as `lxt learn TEXTS --labels` writes, for `lxt code --model`.
    import json

    meta = json.loads((models / "coder" / "model.json").read_text())
    assert {c["code"]: c["examples"] for c in meta["codes"]} == {"transport": 15}
    assert meta["trained_on"] == "mini decision log" and meta["applies"] == "any"
    queue = pd.read_csv(models / "review_next.csv")
    assert len(queue) == 5
    # Segments people already decided for transport are not asked again.
    assert not queue["seg_id"].isin([f"s{i:02d}" for i in range(30)]).any()
    assert queue["uncertainty"].is_monotonic_decreasing


def test_a_classifier_is_used_only_where_it_beats_the_codebook():
    from sklearn.metrics import f1_score as sk_f1

    # Half the segments are about transport, but the two texts say nothing about it: no
    # classifier can tell them apart, while the codebook (here: perfect) can.
    rng = np.random.default_rng(4)
    texts = [rng.choice(["we talked about it", "we talked about that"]) for i in range(60)]
    segments = pd.DataFrame({"seg_id": [f"s{i:02d}" for i in range(60)], "text": texts})
    y = np.array([i % 2 == 0 for i in range(60)], dtype=int)
    log = _log_from_labels(segments["seg_id"].to_numpy()[:40], y[:40], "transport")
    blind = WordEmbedder()
    blind.words = ["zebra"]

    def rows(seg_ids):
        return pd.DataFrame({"seg_id": list(seg_ids), "code": "transport"})

    perfect = rows(segments["seg_id"][y == 1])
    learned = learn_from_decisions(log, segments, BOOK, blind, seed=42, suggested=perfect)
    m = learned.metrics.set_index("code").loc["transport"]
    # Its examples are all one near-duplicate to the embedder: nothing to learn, nothing used.
    assert not m["trained"] and not m["used"] and learned.codings(segments).empty
    # Distinguishable texts, and a codebook that suggests every other bus segment and two wrong
    # ones: its F1 by hand, and the classifier beats it.
    bus = ["the bus was late", "no bus today", "the bus fare went up"]
    kids = ["the kids were ill", "my kids need me", "the kids are off school"]
    texts = [(bus if i % 2 == 0 else kids)[i % 3] for i in range(60)]
    segments = segments.assign(text=texts)
    partial = rows(list(segments["seg_id"][::4]) + ["s01", "s03"])
    learned = learn_from_decisions(log, segments, BOOK, WordEmbedder(), seed=42, suggested=partial)
    m = learned.metrics.set_index("code").loc["transport"]
    said_all = segments["seg_id"].isin(partial["seg_id"]).to_numpy()
    said = said_all[:40]
    # Each reviewed segment stands for its share of the study: 17 suggested segments of 60, 12
    # of them reviewed; 43 not suggested, 28 of them reviewed.
    weight = np.where(said, said_all.sum() / said.sum(), (~said_all).sum() / (~said).sum())
    assert weight[said][0] == pytest.approx(17 / 12) and weight[~said][0] == pytest.approx(43 / 28)
    truth = y[:40] == 1
    tp, fp, fn = (
        float(weight[mask].sum()) for mask in (truth & said, ~truth & said, truth & ~said)
    )
    assert m["codebook_f1"] == pytest.approx(2 * tp / (2 * tp + fp + fn), abs=1e-4)
    assert m["codebook_f1"] != pytest.approx(sk_f1(y[:40], said), abs=1e-3)
    assert m["used"] and m["f1"] == pytest.approx(1.0)
    assert set(learned.codings(segments)["seg_id"]) == set(segments["seg_id"][y == 1])


def test_review_queue_puts_scores_near_each_codes_own_threshold_first():
    proba = pd.DataFrame({"rare": [0.30, 0.90, 0.05], "common": [0.50, 0.70, 0.99]})
    queue = rank_for_review(proba, ["s1", "s2", "s3"], thresholds={"rare": 0.3, "common": 0.7})
    assert list(zip(queue["seg_id"], queue["code"], strict=True))[:2] == [
        ("s1", "rare"),
        ("s2", "common"),
    ]
    # 0.9 against a threshold of 0.3: (0.9 - 0.3) / (1 - 0.3) of the way to certainty.
    got = queue.set_index(["seg_id", "code"]).loc[("s2", "rare"), "uncertainty"]
    assert got == pytest.approx(1 - 0.6 / 0.7)

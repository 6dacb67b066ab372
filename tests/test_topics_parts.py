"""The parts of the topic pipeline, on small hand-made inputs (no model fit)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from toolkit.errors import UserError
from toolkit.privacy.disclosure import DisclosureRule
from toolkit.topics.jsonl import read_texts
from toolkit.topics.model import make_vectorizer, reduce_outliers, scaled_parameters
from toolkit.topics.quality import npmi_coherence, npmi_per_topic, topic_diversity
from toolkit.topics.quotes import topic_quotes
from toolkit.topics.stability import compare_runs
from toolkit.topics.stage import crosswalk


def test_defaults_grow_with_the_corpus():
    small, medium, large = (scaled_parameters(n) for n in (300, 3000, 100_000))
    assert (small.min_topic_size, small.n_neighbors, small.min_samples) == (9, 15, 4)
    assert (medium.min_topic_size, medium.n_neighbors, medium.min_samples) == (27, 27, 13)
    assert (large.min_topic_size, large.n_neighbors) == (158, 50)
    assert scaled_parameters(3000, min_topic_size=12).min_topic_size == 12


def test_fillers_and_placeholders_never_reach_topic_words():
    params = scaled_parameters(100)
    vectorizer = make_vectorizer(params, 10)
    vectorizer.fit(
        ["Um, you know, the bus, like, never comes, yeah.", "Erm I told [PERSON_1] about the bus."]
    )
    vocabulary = set(vectorizer.get_feature_names_out())
    assert "bus" in vocabulary and "comes" in vocabulary
    assert not vocabulary & {"um", "erm", "like", "yeah", "know", "person", "person_1"}
    # Single words only: key words are unigrams, as in BERTopic's coherence evaluation.
    assert "bus comes" not in vocabulary


def test_outliers_join_a_topic_only_when_as_close_as_its_members():
    rng = np.random.default_rng(0)
    a = np.array([1.0, 0, 0]) + rng.normal(0, 0.05, (20, 3))
    b = np.array([0, 1.0, 0]) + rng.normal(0, 0.05, (20, 3))
    near_a = np.array([[0.99, 0.02, 0.0]])
    far = np.array([[0.0, 0.0, 1.0]])
    emb = np.vstack([a, b, near_a, far])
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    topics = np.array([0] * 20 + [1] * 20 + [-1, -1])
    new, similarity = reduce_outliers(emb, topics)
    assert new[40] == 0 and similarity[40] > 0.99
    assert new[41] == -1 and np.isnan(similarity[41])
    assert (new[:40] == topics[:40]).all()


def test_npmi_matches_a_hand_computation():
    docs = ["bus late", "bus late", "bus", "childcare costs", "childcare"]
    # P(bus)=3/5, P(late)=2/5, P(bus, late)=2/5 -> log(0.4/0.24)/-log(0.4)
    expected = np.log(0.4 / (0.6 * 0.4)) / -np.log(0.4)
    assert npmi_per_topic([["bus", "late"]], docs)[0] == pytest.approx(expected)
    assert npmi_per_topic([["bus", "costs"]], docs)[0] == -1.0  # never together
    assert npmi_coherence([["bus", "late"], ["bus", "costs"]], docs) == pytest.approx(
        (expected - 1) / 2
    )
    assert topic_diversity([["a", "b", "c"], ["a", "d", "e"]]) == pytest.approx(5 / 6)


def test_stability_matches_relabelled_topics_and_flags_unstable_ones():
    from sklearn.feature_extraction.text import CountVectorizer

    texts = ["bus late"] * 10 + ["childcare costs"] * 10 + ["form online"] * 10
    counts = CountVectorizer().fit_transform(texts)
    reference = np.array([0] * 10 + [1] * 10 + [2] * 10)
    relabelled = np.array([2] * 10 + [0] * 10 + [1] * 10)  # same topics, other numbers
    merged = np.array([0] * 10 + [0] * 10 + [1] * 10)  # bus and childcare merged
    table, runs = compare_runs(reference, [relabelled, relabelled, merged], counts)
    table = table.set_index("topic")
    assert runs["adjusted_rand_index"].round(6).tolist()[:2] == [1.0, 1.0]
    assert runs["adjusted_rand_index"].iat[2] < 1
    assert table.loc[2, "presence"] == 1.0 and table.loc[2, "stable"]
    assert table.loc[2, "matched_similarity"] == pytest.approx(1.0)
    # One of topics 0/1 lost its own match in the merged run: present in 2 of 3 runs.
    assert sorted(table.loc[[0, 1], "presence"].round(4)) == [round(2 / 3, 4), 1.0]
    assert not table.loc[[0, 1], "stable"].all()


def _segments(n_people: int, topic: int, offset: int = 0) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "seg_id": [f"s{topic}_{i}" for i in range(n_people * 2)],
            "pid": [f"p{offset + i % n_people}" for i in range(n_people * 2)],
            "text": [
                f"The bus number {i} never came on time for topic {topic}."
                for i in range(n_people * 2)
            ],
        }
    )


def test_quotes_need_enough_people_and_come_from_different_people():
    rule = DisclosureRule(threshold=8)
    segments = pd.concat([_segments(10, 0), _segments(5, 1, offset=100)], ignore_index=True)
    segments.loc[3, "text"] = "Ask [PERSON_1] about the bus timetable please."
    topics = np.array([0] * 20 + [1] * 10)
    rng = np.random.default_rng(1)
    emb = rng.normal(size=(30, 8))
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    quotes = topic_quotes(segments, topics, emb, rule, n=5)
    assert set(quotes["topic"]) == {0}  # topic 1 has only five people: no quotes
    assert len(quotes) == 5 and quotes["pid"].is_unique
    assert not quotes["text"].str.contains(r"\[").any()
    consenting = {"p0", "p1"}
    few = topic_quotes(segments, topics, emb, rule, consenting=consenting)
    assert set(few["pid"]) <= consenting and len(few) == 2


def test_crosswalk_counts_overlap_of_topics_and_codes():
    topics = pd.DataFrame({"seg_id": list("abcdef"), "topic": [0, 0, 0, 1, 1, -1]})
    codings = pd.DataFrame(
        {"seg_id": ["a", "b", "d", "f", "a"], "code": ["transport"] * 4 + ["money"]}
    )
    table = crosswalk(topics, codings).set_index(["topic", "code"])
    row = table.loc[(0, "transport")]
    assert (row["n_segments"], row["topic_size"], row["code_size"]) == (2, 3, 4)
    assert row["jaccard"] == pytest.approx(2 / 5)
    assert table.loc[(1, "transport"), "share_of_topic"] == pytest.approx(0.5)
    assert (0, "money") in table.index and (-1, "transport") not in table.index


def test_jsonl_input_problems_are_listed_with_their_lines(tmp_path):
    path = tmp_path / "in.jsonl"
    lines = [
        json.dumps({"id": 1, "text": "fine"}),
        "{not json",
        json.dumps({"id": 2}),
        json.dumps({"id": 1, "text": "again"}),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(UserError) as err:
        read_texts(path)
    text = err.value.lines
    assert len(text) == 3
    assert "row 2" in text[0] and "not valid JSON" in text[0]
    assert "row 3" in text[1] and "'text'" in text[1]
    assert "row 4" in text[2] and "duplicate id" in text[2]


def test_a_study_with_too_little_text_gets_empty_topic_tables(tiny_study, tmp_path):
    from toolkit.study.config import load_study
    from toolkit.study.pipeline import StageContext
    from toolkit.study.tables import StudyOutputs
    from toolkit.topics.stage import run_stage

    study = load_study(tiny_study)
    out = StudyOutputs(study.name, tmp_path / "out")
    out.write("segments", _segments(3, 0).assign(doc_id="d1"))
    result = run_stage(StageContext(study=study, outputs=out, cohorts=study.cohort_names))
    assert result["topics"] == 0 and "only 6 different segments" in result["skipped"]
    assert "codebook view" in result["skipped"]
    assert out.read("topics").empty and list(out.read("topic_info").columns)[:2] == [
        "topic",
        "label",
    ]


def test_npmi_counts_phrases_as_the_vectoriser_forms_them():
    # "bus late" is a phrase of the vectoriser once stop words go ("the bus was late").
    docs = ["The bus was late.", "The bus was late again.", "A bus.", "Childcare costs."]
    # P(bus)=3/4, P(bus late)=2/4, P(both)=2/4 -> log(0.5/0.375)/-log(0.5)
    expected = np.log(0.5 / (0.75 * 0.5)) / -np.log(0.5)
    assert npmi_per_topic([["bus", "bus late"]], docs)[0] == pytest.approx(expected)
    # Redaction placeholders are not words of any segment.
    assert np.isnan(npmi_per_topic([["person", "bus"]], ["I told [PERSON_1]", "bus"])[0])


def test_umap_reductions_are_cached_by_content_parameters_and_seed(tmp_path):
    from umap import UMAP

    from toolkit.topics.reduction_cache import CachedReduction

    vectors = np.random.default_rng(0).normal(size=(60, 8)).astype(np.float32)

    def reducer(seed):
        return CachedReduction(UMAP(n_neighbors=5, n_components=2, random_state=seed), tmp_path)

    first = reducer(1)
    reduced = first.fit_transform(vectors)
    assert not first.hit and len(list((tmp_path / "reductions").glob("umap-*.npz"))) == 1
    again = reducer(1)
    assert np.array_equal(again.fit_transform(vectors.copy()), reduced) and again.hit
    assert np.array_equal(again.transform(vectors), reduced)
    other_seed = reducer(2)
    other_seed.fit_transform(vectors)
    assert not other_seed.hit
    changed = reducer(1)
    changed.fit_transform(vectors + 1e-3)
    assert not changed.hit
    assert len(list((tmp_path / "reductions").glob("umap-*.npz"))) == 3
    (next((tmp_path / "reductions").glob("umap-*.npz"))).write_bytes(b"damaged")
    for seed in (1, 2):  # a damaged entry is recomputed, never an error
        assert reducer(seed).fit_transform(vectors).shape == (60, 2)


def test_exact_neighbours_match_a_brute_force_search():
    from toolkit.topics.neighbours import exact_neighbours

    rng = np.random.default_rng(3)
    vectors = rng.normal(size=(300, 16)).astype(np.float32)
    indices, distances = exact_neighbours(vectors, 10)
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    brute = 1 - unit @ unit.T
    np.fill_diagonal(brute, -1)
    expected = np.argsort(brute, axis=1, kind="stable")[:, :10]
    assert (indices[:, 0] == np.arange(300)).all() and (distances[:, 0] == 0).all()
    np.testing.assert_array_equal(indices, expected)
    np.testing.assert_allclose(
        distances[:, 1:], np.take_along_axis(brute, expected, 1)[:, 1:], atol=1e-5
    )


def test_umap_on_exact_neighbours_keeps_the_groups_its_own_search_finds():
    # Below 4,096 points UMAP searches neighbours exactly itself; its layout is chaotic in
    # the last bits of the distances, so the comparison is of the groups, not coordinates.
    from sklearn.cluster import KMeans
    from sklearn.metrics import adjusted_rand_score
    from umap import UMAP

    from toolkit.topics.reduction_cache import CachedReduction

    rng = np.random.default_rng(4)
    centres = rng.normal(size=(3, 12))
    vectors = np.vstack([c + 0.3 * rng.normal(size=(60, 12)) for c in centres]).astype(np.float32)
    planted = np.repeat([0, 1, 2], 60)
    params = dict(n_neighbors=10, n_components=2, min_dist=0.0, metric="cosine", random_state=7)
    own = UMAP(**params).fit_transform(vectors)
    reducer = CachedReduction(UMAP(**params), None)
    ours = reducer.fit_transform(vectors)
    assert reducer.reducer.knn_indices is not None  # the exact neighbours were used
    for reduced in (own, ours):
        groups = KMeans(3, n_init=10, random_state=0).fit_predict(reduced)
        assert adjusted_rand_score(planted, groups) == 1.0


def test_no_topic_holds_most_of_the_corpus():
    # Three groups of 150 close together and one of 12 far away: HDBSCAN's excess-of-mass
    # choice alone keeps the three as one cluster of 450 (checked below); the toolkit's model
    # takes them apart.
    from hdbscan import HDBSCAN

    from toolkit.topics.model import build_model

    rng = np.random.default_rng(0)
    centres = ([0, 0], [0.3, 0], [0, 0.3])
    points = np.vstack(
        [rng.normal(c, 0.08, size=(150, 2)) for c in centres]
        + [rng.normal([5, 5], 0.08, size=(12, 2))]
    )
    params = scaled_parameters(len(points))
    plain = HDBSCAN(min_cluster_size=params.min_topic_size, min_samples=params.min_samples)
    assert np.bincount(plain.fit(points).labels_ + 1).max() == 450
    model = build_model(params, None, len(points), seed=0)
    labels = model.hdbscan_model.fit(points).labels_
    sizes = np.bincount(labels[labels >= 0])
    assert len(sizes) == 4 and sizes.max() <= len(points) // 2
    assert sizes.min() == 12  # the far group is still its own topic

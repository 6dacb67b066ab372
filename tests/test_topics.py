"""Topics of the example study: a real fit, its safety, stability, determinism and offline use."""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from toolkit.embeddings.backends import get_embedder
from toolkit.study.config import load_study
from toolkit.study.tables import StudyOutputs
from toolkit.topics.model import fit_topic_model

pytestmark = pytest.mark.slow
LXT = shutil.which("lxt", path=str(Path(sys.executable).parent)) or "lxt"


@pytest.fixture(scope="module")
def built(built_example):
    study_dir, out_dir = built_example
    study = load_study(study_dir)
    return study, StudyOutputs(study.name, out_dir)


@pytest.fixture
def no_network(monkeypatch):
    """Fail the test if anything tries to open a network connection."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"network connection attempted: {args[1:] or kwargs}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


def test_every_segment_gets_one_topic_and_few_stay_outliers(built):
    study, out = built
    segments, topics, info = out.read("segments"), out.read("topics"), out.read("topic_info")
    assert topics["seg_id"].tolist() == segments["seg_id"].tolist()
    assert set(topics["topic"]) == set(info["topic"])
    quality = out.read("topic_quality").iloc[0]
    filler = topics["assigned_by"] == "filler"
    modelled = topics[~filler]
    outliers = float(np.mean(modelled["topic"] == -1))
    assert quality["outlier_share"] == pytest.approx(outliers, abs=1e-4)
    assert quality["filler_share"] == pytest.approx(float(filler.mean()), abs=1e-4)
    assert outliers < quality["outlier_share_before_reduction"]
    assert outliers < 0.3
    assert quality["n_topics"] == (info["topic"] >= 0).sum() >= 10
    assert -1 <= quality["npmi"] <= 1 and 0.5 < quality["diversity"] <= 1
    assert topics["probability"].between(0, 1).all()
    assert (topics.loc[filler, "topic"] == -1).all()
    assert (modelled.loc[modelled["topic"] == -1, "assigned_by"] == "none").all()
    fillers = {"um", "erm", "yeah", "like", "know"}
    words = {w for kw in info["keywords"] for w in kw.split(", ")}
    assert not words & fillers


def test_fillers_are_left_out_and_never_the_largest_topic(built):
    from toolkit.topics.filler import NON_ANSWERS, content_words, filler_mask, tokens

    _, out = built
    joined = out.read("segments").merge(out.read("topics"), on="seg_id")
    filler = joined["assigned_by"] == "filler"
    spoken = joined["source"].eq("interview")
    expected = filler_mask(joined["text"].tolist(), spoken.to_numpy())
    assert (filler == expected).all()
    assert {"Yeah, definitely.", "Where was I?", "No comment."} <= set(joined.loc[filler, "text"])
    # A written answer with one content word is modelled, unless it declines to answer ("No
    # comment."); the same in an interview is not.
    words = joined["text"].map(lambda t: len(content_words(t)))
    declines = joined["text"].map(lambda t: " ".join(tokens(t)) in NON_ANSWERS)
    one_word_answer = ~spoken & (words == 1) & ~declines
    assert not filler[one_word_answer].any() and filler[spoken & (words == 1)].all()
    assert one_word_answer.sum() > 100 and filler[declines].all()
    grouped = joined[joined["topic"] >= 0]
    # No topic holds an interview turn with fewer than two content words, nor an empty answer.
    assert words[grouped.index].ge(1).all()
    assert words[grouped.index[spoken[grouped.index].to_numpy()]].ge(2).all()
    info = out.read("topic_info").set_index("topic")
    assert info.loc[-1, "n_filler"] == int(filler.sum())


def test_labels_are_short_distinct_phrases_and_flow_into_tables(built):
    study, out = built
    info = out.read("topic_info")
    real = info[info["topic"] >= 0]
    for label in real["label"]:
        words = label.lower().split()
        assert 2 <= len(words) <= 5 and len(set(words)) == len(words), label
    assert real["label"].is_unique
    names = info.set_index("topic")["label"]
    for table in ("topics_per_cohort", "topics_per_wave"):
        frame = out.read(table)
        assert (frame["topic_label"] == frame["topic"].map(names)).all()
    published = pd.read_csv(out.tables / "topics_per_cohort.csv")
    assert (published["topic_label"] == published["topic"].map(names)).all()


def test_example_labels_are_names_of_themes_where_people_said_them(built):
    from toolkit.topics.phrase_shape import is_action_shape, is_theme_shape, tag_spans

    study, out = built
    info = out.read("topic_info")
    real = info[info["topic"] >= 0]
    assert set(real["label_source"]) <= {"phrase", "code", "keywords"}
    # Most labels are words people said or a codebook name; key-word pairs, the weakest
    # labels ("Weather and chaos"), stay few.
    assert (real["label_source"] == "keywords").mean() <= 0.2
    # A codebook name is used only for a topic mostly coded so, and for one topic per code.
    coded = real[real["label_source"] == "code"]
    assert coded["mostly_code"].notna().all() and coded["mostly_code"].is_unique
    # Each phrase label, tagged afresh where its topic's segments say it, is a theme's name:
    # a noun phrase, or a verb with its object shown as a gerund ("Dealing with conflict").
    segments = out.read("segments").merge(out.read("topics"), on="seg_id")
    pieces, owners = [], []
    for row in real[real["label_source"] == "phrase"].itertuples():
        said = segments.loc[segments["topic"] == row.topic, "text"].str.replace("\u2019", "'")
        label = row.auto_label.lower()
        pattern = re.escape(label)
        if not said.str.lower().str.contains(pattern).any() and label.split()[0].endswith("ing"):
            pattern = r"\b[a-z]+ " + re.escape(label.split(" ", 1)[1])  # said as "dealt with"
        said = said[said.str.lower().str.contains(pattern)]
        assert len(said), row.auto_label
        for text in said.head(3):
            found = re.search(pattern, text.lower())
            pieces.append((text, found.start(), found.end()))
            owners.append(row.auto_label)
    shaped = [is_theme_shape(*t) or is_action_shape(*t) for t in tag_spans(pieces)]
    votes = pd.DataFrame({"label": owners, "ok": shaped})
    assert votes.groupby("label")["ok"].mean().ge(0.5).all()


def test_topics_agree_with_the_planted_themes(built):
    from sklearn.metrics import normalized_mutual_info_score

    study, out = built
    truth = pd.read_csv(study.folder / "truth" / "themes.csv")
    truth = truth[truth["themes"].notna() & ~truth["themes"].str.contains(";")]
    theme_of = truth.groupby("sentence")["themes"].agg(lambda s: s.mode().iat[0])
    joined = out.read("segments").merge(out.read("topics"), on="seg_id")
    joined["theme"] = joined["text"].map(theme_of)
    joined = joined.dropna(subset=["theme"])
    assert len(joined) > 3000
    assert normalized_mutual_info_score(joined["theme"], joined["topic"]) > 0.3


def test_quotes_are_redacted_diverse_and_from_enough_people(built):
    from toolkit.privacy.disclosure import DisclosureRule

    study, out = built
    rule = DisclosureRule.from_study(study)
    segments = out.read("segments").set_index("seg_id")
    topics = out.read("topics").set_index("seg_id")["topic"]
    quotes, info = out.read("topic_quotes"), out.read("topic_info").set_index("topic")
    people = out.read("participants")
    consenting = set(people.loc[people["consent_quotes"], "pid"])
    assert len(quotes) > 0
    for topic, group in quotes.groupby("topic"):
        members = segments.loc[topics[topics == topic].index]
        assert rule.quote_allowed(members["pid"].nunique())
        assert group["pid"].is_unique and group["text"].is_unique
        assert (topics[group["seg_id"]] == topic).all()
        assert list(info.loc[topic, "exemplars"]) == group["seg_id"].tolist()
    assert (quotes["text"] == segments.loc[quotes["seg_id"], "text"].to_numpy()).all()
    assert not quotes["text"].str.contains(r"\[[A-Z_]+").any()
    assert set(quotes["pid"]) <= consenting
    small = info[(info["n_participants"] < rule.threshold) & (info.index >= 0)].index
    assert not set(small) & set(quotes["topic"])


def test_stability_is_reported_per_topic_and_per_run(built):
    study, out = built
    runs, info = out.read("topic_stability_runs"), out.read("topic_info")
    assert len(runs) == study.topics.stability_runs
    assert runs["seed"].tolist() == [study.topics.seed + i for i in range(1, len(runs) + 1)]
    assert runs["adjusted_rand_index"].between(0, 1).all()
    real = info[info["topic"] >= 0]
    assert real["presence"].between(0, 1).all() and real["matched_similarity"].between(0, 1).all()
    assert (real["stable"] == (real["presence"] >= 0.8)).all()
    assert real["stable"].any()


def test_topics_per_cohort_wave_crosswalk_and_saved_model(built):
    study, out = built
    by_cohort = out.read("topics_per_cohort")
    assert set(by_cohort["cohort"]) == set(study.cohort_names)
    topics = out.read("topics").merge(out.read("segments"), on="seg_id")
    expected = topics.groupby(["topic", "cohort"]).size()
    got = by_cohort.set_index(["topic", "cohort"])["n_segments"]
    assert (got.sort_index() == expected.sort_index()).all()
    assert set(out.read("topics_per_wave")["wave"]) == set(topics["wave"])
    if out.has("codings"):
        cross = out.read("topic_code_crosswalk")
        assert cross["jaccard"].between(0, 1).all()
    published = pd.read_csv(out.tables / "topics_per_cohort.csv", dtype=str)
    assert (
        published["n_participants"].isin(["*"]).any()
        or published["n_participants"].map(lambda v: int(v) % study.disclosure.rounding == 0).all()
    )
    model_dir = out.models / "topics"
    assert (model_dir / "topic_info.csv").exists()
    assert any(model_dir.glob("*.safetensors"))


def test_segments_are_never_embedded_twice(built):
    from toolkit.topics.stage import stage_cache_dir

    _, out = built
    embedder = get_embedder("minilm", cache_dir=stage_cache_dir(out))

    def must_not_embed(texts, progress=False):
        raise AssertionError(f"{len(texts)} segments embedded again")

    embedder._embed = must_not_embed
    texts = out.read("segments")["text"].tolist()
    assert embedder.encode(texts).shape == (len(texts), 384)
    assert embedder.cache.misses == 0


@pytest.fixture(scope="module")
def barriers(built):
    _, out = built
    segments = out.read("segments")
    return segments[segments["source"] == "barriers"]["text"].tolist()


def test_same_inputs_and_seed_give_identical_topics_offline(built, barriers, no_network):
    from toolkit.topics.stage import stage_cache_dir

    _, out = built
    embedder = get_embedder("minilm", cache_dir=stage_cache_dir(out))
    embeddings = embedder.encode(barriers)
    first = fit_topic_model(barriers, embeddings, embedder, seed=7)
    again = fit_topic_model(barriers, embedder.encode(barriers), embedder, seed=7)
    assert len(first.topic_ids) >= 3
    np.testing.assert_array_equal(first.topics, again.topics)
    np.testing.assert_array_equal(first.probability, again.probability)
    assert [first.keywords(t) for t in first.topic_ids] == [
        again.keywords(t) for t in again.topic_ids
    ]
    # The re-run read UMAP's reduction from the cache, and gives what a fresh UMAP gives.
    assert again.model.umap_model.hit
    fresh = fit_topic_model(barriers, embeddings, embedder, seed=7, reduction_cache=None)
    assert not fresh.model.umap_model.hit
    np.testing.assert_array_equal(first.topics, fresh.topics)


def test_command_line_writes_one_line_per_text(built, tmp_path):
    _, out = built
    segments = out.read("segments")
    sample = segments[segments["source"] == "support"].head(300)
    src = tmp_path / "in.jsonl"
    src.write_text(
        "".join(
            json.dumps({"id": s, "text": t}) + "\n"
            for s, t in zip(sample["seg_id"], sample["text"], strict=True)
        ),
        encoding="utf-8",
    )
    result = subprocess.run(
        [
            LXT,
            "topics",
            str(src),
            "-o",
            str(tmp_path / "out.jsonl"),
            "--summary",
            str(tmp_path / "topics.csv"),
            "--seed",
            "3",
            "--stability-runs",
            "2",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    lines = [json.loads(x) for x in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert [x["id"] for x in lines] == sample["seg_id"].tolist()
    assert all(set(x) == {"id", "topic", "label", "probability"} for x in lines)
    summary = pd.read_csv(tmp_path / "topics.csv")
    assert {"label", "size", "keywords", "stable", "presence"} <= set(summary.columns)
    assert summary["size"].sum() == len(lines)


def test_command_line_reports_bad_input_without_traceback(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": 1, "text": "fine"}\n{"id": 2, "text": 5}\n', encoding="utf-8")
    result = subprocess.run(
        [LXT, "topics", str(src), "-o", str(tmp_path / "o.jsonl")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "row 2" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "o.jsonl").exists()


def test_too_little_text_is_refused_before_any_model_loads(tmp_path, monkeypatch):
    from toolkit.embeddings import backends
    from toolkit.errors import UserError
    from toolkit.topics.jsonl import read_texts, topics_for_texts

    def no_model(*args, **kwargs):
        raise AssertionError("the embedding model was asked for")

    monkeypatch.setattr(backends, "get_embedder", no_model)
    src = tmp_path / "in.jsonl"
    # 25 lines, but only 3 different texts with content (and a filler answer).
    said = ["The bus never comes.", "Nurses were kind.", "Parking is dear.", "N/A", "-"]
    src.write_text(
        "".join(json.dumps({"id": i, "text": said[i % 5]}) + "\n" for i in range(25)),
        encoding="utf-8",
    )
    with pytest.raises(UserError, match="only 3 different segments with content"):
        topics_for_texts(read_texts(src))

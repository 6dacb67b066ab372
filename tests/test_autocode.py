"""Auto-coding: suggestions from the codebook, each with the evidence a person can check."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from toolkit.coding.codebook import load_codebook, parse_codebook
from toolkit.coding.decisions import append_decisions, text_hash
from toolkit.coding.stage import run_stage
from toolkit.coding.suggest import AutoCoder, code_jsonl
from toolkit.segment.sentences import segment_documents
from toolkit.study.config import load_study
from toolkit.study.pipeline import StageContext
from toolkit.study.tables import StudyOutputs

SHIPPED = Path(__file__).resolve().parent.parent / "codebooks" / "employment_support.yml"


@pytest.fixture(scope="module")
def book():
    return load_codebook(SHIPPED)


@pytest.fixture(scope="module")
def patterns_only(book):
    return AutoCoder(book, embedder=None)


class FixedEmbedder:
    """Vectors chosen by the test: text containing 'similar' points along the first axis,
    every other text along an axis of its own, so similarities are known exactly."""

    name = "minilm"

    def encode(self, texts):
        out = np.zeros((len(texts), len(texts) + 1), dtype=np.float32)
        for i, text in enumerate(texts):
            out[i, 0 if "similar" in text else i + 1] = 1.0
        return out


def test_bus_fare_sentence_is_coded_transport_with_matched_words(patterns_only):
    found = patterns_only.suggest(["I couldn't afford the bus fare and there were no buses."])[0]
    top = found[0]
    assert top.code == "transport"
    # Two separate pattern matches and no meaning model: 1 - 0.5**2.
    assert top.score == 0.75
    assert top.evidence == "matched: 'bus fare', 'buses'"
    money = next(s for s in found if s.code == "money_benefits")
    assert money.evidence == "matched: 'couldn't afford'"


def test_lemma_patterns_match_other_forms_of_a_word(patterns_only):
    found = patterns_only.suggest(["She was looking after her dad every afternoon."])[0]
    caring = next(s for s in found if s.code == "childcare_caring")
    assert "'looking after her dad'" in caring.evidence


def test_a_repeated_text_is_tagged_once_and_matched_alike(patterns_only, monkeypatch):
    bus = "I couldn't afford the bus fare and there were no buses."
    tagged = []
    pipe = patterns_only.nlp.pipe

    def counting_pipe(texts, **kwargs):
        texts = list(texts)
        tagged.extend(texts)
        return pipe(texts, **kwargs)

    monkeypatch.setattr(patterns_only.nlp, "pipe", counting_pipe)
    found = patterns_only.pattern_matches([bus, "The weather was lovely.", bus, bus])
    assert tagged == [bus, "The weather was lovely."]
    expected = {"transport": ["bus fare", "buses"], "money_benefits": ["couldn't afford"]}
    assert found[0] == found[2] == found[3] == expected
    assert found[1] == {}
    found[0]["transport"].append("changed")  # each row is its own copy
    assert found[2]["transport"] == ["bus fare", "buses"]


def test_sentence_about_nothing_in_the_codebook_gets_no_codes(patterns_only):
    assert patterns_only.suggest(["The weather was lovely on Tuesday."]) == [[]]


# Sentences written for this test (not from the synthetic study's generator): the shipped
# codebook's patterns for the three themes the example study plants, and the near misses they
# must leave to other codes.
SHIPPED_PATTERN_CASES = [
    ("i was so nervous and shy tbh", "confidence"),
    ("I’d talked myself out of applying for years.", "confidence"),
    ("Nobody would want to hire me at my age, I thought.", "confidence"),
    ("I never thought I’d have it in me.", "confidence"),
    ("My Enhanced DBS took nine weeks.", "checks_waits"),
    ("Occ health lost my vaccination records twice.", "checks_waits"),
    ("My start date got pushed back again.", "checks_waits"),
    ("They paired me up with someone who’d done the course.", "buddies_mentors"),
    ("An HCA took me under her wing on my first shifts.", "buddies_mentors"),
]
SHIPPED_NEAR_MISSES = [
    ("I was worried my housing benefit would stop.", "confidence"),
    ("I was scared the bus would be late.", "confidence"),
    ("I left after a few weeks because of the nights.", "checks_waits"),
    ("My manager checks in with me on Mondays.", "checks_waits"),
    ("I want to be a peer researcher one day.", "buddies_mentors"),
]


@pytest.mark.parametrize("text, code", SHIPPED_PATTERN_CASES)
def test_shipped_patterns_find_the_planted_themes_as_people_write_them(patterns_only, text, code):
    assert code in {s.code for s in patterns_only.suggest([text])[0]}


@pytest.mark.parametrize("text, code", SHIPPED_NEAR_MISSES)
def test_shipped_patterns_leave_near_misses_to_other_codes(patterns_only, text, code):
    assert code not in {s.code for s in patterns_only.suggest([text])[0]}


def test_meaning_alone_can_suggest_and_evidence_names_nearest_example(book):
    coder = AutoCoder(book, embedder=FixedEmbedder(), semantic_weight=0.6)
    # Make one transport example "similar" to the segment; nothing else is.
    coder._prototypes[coder.codebook.codable_ids.index("transport")][2] += " similar"
    found = coder.suggest(["A similar sentence with none of the words."])[0]
    assert [s.code for s in found] == ["transport"]
    # cosine 1.0 -> meaning 1.0 -> score 1 - (1 - 0) * (1 - 0.6 * 1.0)
    assert found[0].score == pytest.approx(0.6)
    example = book.code("transport").examples[1]
    assert found[0].evidence == f'nearest example: "{example}" (1.00)'


def test_score_combines_patterns_and_meaning_as_noisy_or(book):
    coder = AutoCoder(book, embedder=FixedEmbedder(), semantic_weight=0.6)
    coder._prototypes[coder.codebook.codable_ids.index("transport")][0] += " similar"
    score, matches, (sims, _, _) = coder.score_matrix(["similar: the bus never came"])
    j = coder.codebook.codable_ids.index("transport")
    assert matches[0]["transport"] == ["bus"]
    assert sims[0, j] == pytest.approx(1.0)
    assert score[0, j] == pytest.approx(1 - (1 - 0.5) * (1 - 0.6))


def test_lxt_code_writes_the_documented_jsonl(tmp_path, monkeypatch, capsys):
    src = tmp_path / "in.jsonl"
    src.write_text(
        '{"id": "a", "text": "I waited three months for my DBS check."}\n'
        "\n"
        '{"id": 7, "text": "Nice weather."}\n',
        encoding="utf-8",
    )
    out = tmp_path / "out.jsonl"
    code_jsonl(src, SHIPPED, out, embedding=None)
    lines = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [rec["id"] for rec in lines] == ["a", 7]
    first = lines[0]["codes"][0]
    assert set(first) == {"code", "score", "evidence"}
    assert first["code"] == "checks_waits"
    assert "'DBS check'" in first["evidence"] or "'DBS'" in first["evidence"]
    assert lines[1]["codes"] == []

    from toolkit import cli

    monkeypatch.setattr(
        sys, "argv", ["lxt", "code", str(src), "--codebook", str(SHIPPED), "--embedding", "none"]
    )
    cli.main()
    printed = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert printed == lines


def test_lxt_code_reports_bad_lines_and_writes_nothing(tmp_path, monkeypatch, capsys):
    src = tmp_path / "bad.jsonl"
    src.write_text('{"id": "a", "text": "ok"}\n{"id": "b"}\nnot json\n', encoding="utf-8")
    out = tmp_path / "out.jsonl"
    from toolkit import cli

    monkeypatch.setattr(
        sys,
        "argv",
        [
            "lxt",
            "code",
            str(src),
            "--codebook",
            str(SHIPPED),
            "-o",
            str(out),
            "--embedding",
            "none",
        ],
    )
    with pytest.raises(SystemExit) as exit_info:
        cli.main()
    assert exit_info.value.code == 1
    err = capsys.readouterr().err.splitlines()
    assert err == [
        f"error: {src}, row 2, column 'text': 'text' is missing or not text, expected a string",
        f"error: {src}, row 3: not valid JSON (Expecting value), expected one object per line "
        'like {"id": "1", "text": "..."}',
    ]
    assert not out.exists()


# -- the pipeline stage ----------------------------------------------------------------------

STUDY_YAML = """\
name: mini
title: Mini
participants: {file: participants.csv}
cohorts: [{name: clacton, label: Clacton}]
waves: [{name: baseline, file: baseline.csv}]
codebook: codebook.yml
topics: {embedding: tfidf}
"""


@pytest.fixture()
def mini_study(tmp_path, monkeypatch):
    monkeypatch.setenv("LXT_CACHE_DIR", str(tmp_path / "cache"))
    folder = tmp_path / "mini"
    folder.mkdir()
    (folder / "study.yml").write_text(STUDY_YAML, encoding="utf-8")
    (folder / "codebook.yml").write_text(SHIPPED.read_text(encoding="utf-8"), encoding="utf-8")
    study = load_study(folder)
    outputs = StudyOutputs("mini", tmp_path / "out")
    docs = pd.DataFrame(
        {
            "doc_id": ["d1", "d2"],
            "pid": ["p1", "p2"],
            "cohort": ["clacton"] * 2,
            "kind": ["survey"] * 2,
            "source": ["barriers"] * 2,
            "wave": ["baseline"] * 2,
            "text": [
                "There was no bus before seven in the morning. My DBS took three months.",
                "The weather was lovely on Tuesday.",
            ],
        }
    )
    outputs.write("segments", segment_documents(docs))
    return study, outputs


def test_stage_writes_rule_and_human_codings_and_reports_orphans(mini_study):
    study, outputs = mini_study
    segments = outputs.read("segments")
    bus = segments.iloc[0]
    append_decisions(
        study,
        [
            {
                "reviewer": "pr01",
                "seg_id": bus["seg_id"],
                "code": "transport",
                "decision": "accept",
                "text_hash": text_hash(bus["text"]),
            },
            {
                "reviewer": "pr01",
                "seg_id": "s_gone",
                "code": "transport",
                "decision": "add",
                "text_hash": "",
            },
        ],
        source_file="batch1.xlsx",
        batch_id="b1",
    )
    ctx = StageContext(study=study, outputs=outputs, cohorts=["clacton"], progress=False)
    summary = run_stage(ctx)
    codings = outputs.read("codings")
    assert list(codings.columns) == ["seg_id", "code", "source", "score", "evidence", "decided_at"]
    rule = codings[codings["source"] == "rule"]
    assert set(rule.loc[rule["seg_id"] == bus["seg_id"], "code"]) >= {"transport"}
    dbs = segments.iloc[1]["seg_id"]
    assert "checks_waits" in set(rule.loc[rule["seg_id"] == dbs, "code"])
    assert segments.iloc[2]["seg_id"] not in set(rule["seg_id"])
    human = codings[codings["source"] == "human:pr01"]
    assert human[["seg_id", "code", "score"]].values.tolist() == [
        [bus["seg_id"], "transport", 1.0],
        ["s_gone", "transport", 1.0],
    ]
    assert summary["decisions_needing_attention"] == 1
    assert ctx.notes["coding_orphaned_decisions"][0]["reason"] == "segment no longer exists"
    # Nobody has decided enough yet for a classifier: no model rows.
    assert "model" not in set(codings["source"])


def test_stage_keeps_vectors_in_the_studys_own_cache(mini_study, monkeypatch, tmp_path):
    from toolkit.embeddings.cache import text_keys

    # No shared cache asked for: the user's cache folder must stay untouched.
    monkeypatch.delenv("LXT_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    study, outputs = mini_study
    run_stage(StageContext(study=study, outputs=outputs, cohorts=["clacton"], progress=False))
    shards = list((outputs.models / "embeddings").glob("*/shard-*.npz"))
    cached = {bytes(k) for shard in shards for k in np.load(shard)["keys"]}
    # Every segment's vector is in the study's cache, where the topics stage reads it.
    texts = outputs.read("segments")["text"].astype(str).tolist()
    assert {bytes(k) for k in text_keys(texts)} <= cached
    assert not list((tmp_path / "user-cache").rglob("shard-*.npz"))


def test_rerun_and_codebook_change_keep_every_decision(mini_study):
    study, outputs = mini_study
    segments = outputs.read("segments")
    bus = segments.iloc[0]
    append_decisions(
        study,
        [
            {
                "reviewer": "pr02",
                "seg_id": bus["seg_id"],
                "code": "transport",
                "decision": "accept",
                "text_hash": text_hash(bus["text"]),
            }
        ],
        source_file="b.xlsx",
        batch_id="b2",
    )
    log = study.path(study.decisions) / "decision_log.csv"
    before = log.read_bytes()
    ctx = StageContext(study=study, outputs=outputs, cohorts=["clacton"], progress=False)
    run_stage(ctx)
    first = outputs.read("codings")
    run_stage(ctx)
    again = outputs.read("codings")
    cols = ["seg_id", "code", "source", "score", "evidence"]
    assert again[cols].equals(first[cols])

    # Take 'transport' out of the codebook: the person's decision is kept and flagged.
    book = study.path(study.codebook)
    text = book.read_text(encoding="utf-8")
    start = text.index("      - id: transport")
    end = text.index("      - id: childcare_caring")
    book.write_text(text[:start] + text[end:], encoding="utf-8")
    summary = run_stage(ctx)
    codings = outputs.read("codings")
    assert log.read_bytes() == before
    assert "transport" not in set(codings.loc[codings["source"] == "rule", "code"])
    kept = codings[codings["source"] == "human:pr02"]
    assert kept[["seg_id", "code"]].values.tolist() == [[bus["seg_id"], "transport"]]
    assert summary["decisions_needing_attention"] == 1
    assert ctx.notes["coding_orphaned_decisions"][0]["reason"] == "code is not in the codebook"


# Words in another sense (written for this test): the shipped codebook's part-of-speech and
# exclude patterns keep them from the code whose words they borrow.
WRONG_SENSE = [
    ("I'd love to train as a midwife one day.", "transport"),
    ("My work coach sorted out my CV.", "transport"),
    ("We picked up a parcel from the food bank.", "staying_in_work"),
    ("A neighbour offered me a lift to the station.", "interviews_offers"),
    ("I hope I'm still there next spring.", "staying_in_work"),
]
RIGHT_SENSE = [
    ("The train was cancelled so I missed my shift.", "transport"),
    ("The coach to Chelmsford takes an hour.", "transport"),
    ("They offered me the job at the end of the interview.", "interviews_offers"),
    ("I've been on bank shifts for a year now.", "staying_in_work"),
]


@pytest.mark.parametrize("text, code", WRONG_SENSE)
def test_a_word_in_another_sense_does_not_suggest_the_code(patterns_only, text, code):
    assert code not in {s.code for s in patterns_only.suggest([text])[0]}


@pytest.mark.parametrize("text, code", RIGHT_SENSE)
def test_the_same_words_in_the_codes_sense_still_do(patterns_only, text, code):
    assert code in {s.code for s in patterns_only.suggest([text])[0]}


def test_exclude_patterns_cancel_only_matches_inside_them():
    book = parse_codebook(
        {
            "codes": [
                {
                    "id": "work",
                    "definition": "Work.",
                    "keywords": ["bank"],
                    "exclude_patterns": ["food bank"],
                }
            ]
        }
    )
    coder = AutoCoder(book, embedder=None)
    assert coder.suggest(["The food bank helped."]) == [[]]
    # "bank" outside the excluded phrase still counts, and only that match is quoted.
    found = coder.suggest(["After the food bank I did a bank shift."])[0]
    assert [s.code for s in found] == ["work"] and found[0].evidence == "matched: 'bank'"


def test_an_unknown_part_of_speech_is_a_codebook_problem():
    from toolkit.errors import UserError

    raw = {"codes": [{"id": "t", "definition": "T.", "lemma_patterns": ["train/NOUNN"]}]}
    with pytest.raises(UserError, match="unknown part of speech"):
        parse_codebook(raw)

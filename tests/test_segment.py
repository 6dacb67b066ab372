"""Segments: sentences of what participants said, with ids that survive re-runs."""

from __future__ import annotations

import pandas as pd
import pytest

from toolkit.segment.sentences import (
    SEGMENT_COLUMNS,
    segment_documents,
    segment_id,
    split_sentences,
)

INTERVIEW = (
    "How did you get on with the buses?\n"
    "Yeah. The bus from [PLACE_1] only runs once an hour. I missed two interviews because "
    "of it.\n"
    "That sounds hard. And the job club?\n"
    "Honestly [PERSON_1] at the job club was brilliant.\n\nShe rang me every week."
)


def _turns(text: str) -> pd.DataFrame:
    rows, start = [], 0
    for number, line in enumerate(text.split("\n")):
        if not line:
            start += 1
            continue
        rows.append((number, start, start + len(line)))
        start += len(line) + 1
    # Lines 0 and 2 are the interviewer's; the rest (and the blank-line paragraph) participant.
    turns = [
        {
            "doc_id": "t1",
            "turn": 0,
            "speaker_role": "interviewer",
            "start": rows[0][1],
            "end": rows[0][2],
        },
        {
            "doc_id": "t1",
            "turn": 1,
            "speaker_role": "participant",
            "start": rows[1][1],
            "end": rows[1][2],
        },
        {
            "doc_id": "t1",
            "turn": 2,
            "speaker_role": "interviewer",
            "start": rows[2][1],
            "end": rows[2][2],
        },
        {
            "doc_id": "t1",
            "turn": 3,
            "speaker_role": "participant",
            "start": rows[3][1],
            "end": len(text),
        },
    ]
    return pd.DataFrame(turns)


@pytest.fixture()
def documents() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "doc_id": ["a1", "a2", "t1"],
            "pid": ["p1", "p2", "p1"],
            "cohort": ["clacton", "southend", "clacton"],
            "kind": ["survey", "survey", "transcript"],
            "source": ["barriers", "support", "interview"],
            "wave": ["baseline", "followup_6m", "baseline"],
            "text": [
                "No buses before seven. I can't drive, so early shifts are out.",
                "My mentor Dr. Shah helped a lot! Would I go back? Yes.",
                INTERVIEW,
            ],
        }
    )


def test_survey_answers_split_into_sentences_with_exact_offsets(documents):
    segs = segment_documents(documents, _turns(INTERVIEW))
    assert list(segs.columns) == SEGMENT_COLUMNS
    a1 = segs[segs["doc_id"] == "a1"]
    assert a1[["start", "end", "text"]].values.tolist() == [
        [0, 22, "No buses before seven."],
        [23, 62, "I can't drive, so early shifts are out."],
    ]
    # "Yes." is too short to code alone: it joins the sentence before it.
    a2 = segs[segs["doc_id"] == "a2"]
    assert a2["text"].tolist() == ["My mentor Dr. Shah helped a lot!", "Would I go back? Yes."]
    for seg in segs.itertuples():
        doc = documents.set_index("doc_id").at[seg.doc_id, "text"]
        assert doc[seg.start : seg.end] == seg.text
    assert a2["wave"].unique().tolist() == ["followup_6m"]
    assert a2["speaker"].unique().tolist() == ["participant"]


def test_only_participant_turns_are_segmented_by_default(documents):
    segs = segment_documents(documents, _turns(INTERVIEW))
    t1 = segs[segs["doc_id"] == "t1"]
    assert t1["text"].tolist() == [
        "Yeah. The bus from [PLACE_1] only runs once an hour.",
        "I missed two interviews because of it.",
        "Honestly [PERSON_1] at the job club was brilliant.",
        "She rang me every week.",
    ]
    assert not t1["text"].str.contains("sounds hard|How did you").any()
    with_interviewer = segment_documents(
        documents, _turns(INTERVIEW), speakers=("participant", "interviewer")
    )
    asked = with_interviewer[with_interviewer["speaker"] == "interviewer"]["text"].tolist()
    assert asked == ["How did you get on with the buses?", "That sounds hard.", "And the job club?"]


def test_turn_unit_gives_one_segment_per_turn(documents):
    segs = segment_documents(documents, _turns(INTERVIEW), unit="turn")
    assert segs.groupby("doc_id").size().to_dict() == {"a1": 1, "a2": 1, "t1": 2}


def test_segment_ids_are_stable_and_local_to_their_document(documents):
    turns = _turns(INTERVIEW)
    first = segment_documents(documents, turns)
    again = segment_documents(documents.copy(), turns.copy())
    assert first["seg_id"].tolist() == again["seg_id"].tolist()
    assert first["seg_id"].is_unique
    assert first["seg_id"].str.fullmatch(r"s_[0-9a-f]{16}").all()
    assert first["seg_id"].iloc[0] == segment_id("a1", 0, 22, "No buses before seven.")

    edited = documents.copy()
    edited.loc[edited["doc_id"] == "a2", "text"] = "Something else entirely happened to me."
    after = segment_documents(edited, turns)
    untouched = first["doc_id"] != "a2"
    assert after[after["doc_id"] != "a2"]["seg_id"].tolist() == first[untouched]["seg_id"].tolist()
    assert set(after[after["doc_id"] == "a2"]["seg_id"]).isdisjoint(first["seg_id"])


def test_blank_lines_end_a_sentence_without_punctuation():
    assert split_sentences("no bus on sundays\n\nthe fares went up again") == [(0, 17), (19, 42)]


def test_empty_documents_give_no_segments():
    docs = pd.DataFrame(
        {
            "doc_id": ["x"],
            "pid": ["p"],
            "cohort": ["c"],
            "kind": ["survey"],
            "source": ["q"],
            "wave": ["w"],
            "text": ["   "],
        }
    )
    segs = segment_documents(docs)
    assert segs.empty and list(segs.columns) == SEGMENT_COLUMNS


def test_stage_reads_documents_and_turns_and_writes_segments(tmp_path, documents):
    from types import SimpleNamespace

    from toolkit.segment.sentences import run_stage
    from toolkit.study.tables import StudyOutputs

    outputs = StudyOutputs("mini", tmp_path / "out")
    outputs.write("documents", documents)
    outputs.write("turns", _turns(INTERVIEW).assign(pid="p1"))
    ctx = SimpleNamespace(outputs=outputs, cohorts=["clacton"], notes={})
    summary = run_stage(ctx)
    segs = outputs.read("segments")
    # Only the chosen cohort: a2 (southend) is left out.
    assert summary == {"documents": 2, "segments": 6, "transcript_segments": 4}
    assert segs["doc_id"].tolist() == ["a1", "a1", "t1", "t1", "t1", "t1"]
    assert segs["start"].dtype == "int64"


def test_an_opening_mark_after_a_full_stop_starts_the_next_sentence():
    text = (
        "I'd be forty quid better off, which isn't much. [PERSON_1] from the programme rang me. "
        'She said "no". "Why not?" I asked her. I was late. (The bus broke down again.)'
    )
    assert [text[s:e] for s, e in split_sentences(text)] == [
        "I'd be forty quid better off, which isn't much.",
        "[PERSON_1] from the programme rang me.",
        'She said "no".',
        '"Why not?" I asked her.',
        "I was late.",
        "(The bus broke down again.)",
    ]
    # A closing quote after the full stop stays with its sentence.
    said = 'She said "no." Then I left the room.'
    assert [said[s:e] for s, e in split_sentences(said)] == [
        'She said "no."',
        "Then I left the room.",
    ]

"""The six ingest tables: right values, pseudonymous ids, redacted text, nothing identifying."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from conftest import TEST_KEY

from toolkit.ingest.stage import TABLES
from toolkit.privacy.pseudonymise import Pseudonymiser

REFERENCES = [f"T-00{i}" for i in range(1, 7)]
NAMES = ["Aisha", "Khan", "Gareth", "Pryce", "Mei", "Fong", "Tomasz", "Nowak", "Bola",
         "Adeyemi", "Rhys", "Morgan", "Harriet", "Cole", "Sunil", "Mehta"]  # fmt: skip
PID = {ref: Pseudonymiser(TEST_KEY.encode()).pid(ref) for ref in REFERENCES}


@pytest.fixture(scope="module")
def tables(built_tiny) -> dict[str, pd.DataFrame]:
    _, out = built_tiny
    return {name: pd.read_parquet(out / "data" / f"{name}.parquet") for name in TABLES}


def all_text(frame: pd.DataFrame) -> str:
    return "\n".join(map(str, frame.to_numpy().ravel()))


def test_outputs_hold_exactly_the_six_tables(built_tiny):
    _, out = built_tiny
    assert sorted(p.name for p in (out / "data").iterdir()) == sorted(
        f"{t}.parquet" for t in TABLES
    )


@pytest.mark.parametrize("table", TABLES)
def test_no_reference_or_register_name_reaches_any_table(tables, table):
    text = all_text(tables[table])
    assert not [ref for ref in REFERENCES if ref in text]
    assert not [name for name in NAMES if name in text]


def test_participants_are_pseudonymised_with_demographics_and_flags(tables):
    people = tables["participants"].set_index("pid")
    assert list(people.index) == [PID[r] for r in REFERENCES]
    assert people.loc[PID["T-001"], ["cohort", "age_band", "gender"]].tolist() == [
        "north", "25-34", "Woman"]  # fmt: skip
    assert people["imd_quintile"].tolist()[:2] == [1, 1]
    assert people["imd_quintile"].isna().tolist() == [False, False, True, False, False, False]
    assert people["imd_quintile"].dropna().tolist() == [1, 1, 4, 2, 5]
    assert people["plus_coastal"].tolist() == [True, False, True, False, True, False]
    # A blank consent (T-004) counts as no consent.
    assert people["consent_quotes"].tolist() == [True, True, False, False, True, True]


def test_responses_are_long_form_numbers_with_labels_read(tables):
    responses = tables["responses"]
    assert len(responses) == 103  # 41 + 24 + 6 at baseline (one blank item), 28 + 4 at 6 months
    mei = responses[(responses["pid"] == PID["T-003"]) & (responses["instrument"] == "swemwbs")]
    assert mei.sort_values("item")["value"].tolist() == [4.0, 2.0, 3.0, 4.0, 2.0, 3.0]


def test_scores_match_the_published_swemwbs_conversion(tables):
    scores = tables["scores"].set_index(["pid", "wave", "instrument", "item"])
    swem = scores.xs("swemwbs", level="instrument")
    # raw 21 -> 19.25 and raw 34 -> 32.55 in the Rasch conversion table (REFERENCE.md)
    assert swem.loc[(PID["T-001"], "baseline", ""), "score"] == pytest.approx(19.25)
    assert swem.loc[(PID["T-002"], "followup_6m", ""), "score"] == pytest.approx(32.55)
    mei = swem.loc[(PID["T-003"], "baseline", "")]
    assert (bool(mei["valid"]), int(mei["n_missing"]), math.isnan(mei["score"])) == (False, 1, True)
    anxious = scores.loc[(PID["T-004"], "baseline", "ons4", "anxious")]
    assert (anxious["score"], anxious["band"]) == (8.0, "high")
    job = scores.loc[(PID["T-004"], "followup_6m", "employment_status", "")]
    assert (job["score"], job["band"]) == (1.0, "employed_full_time")


def test_survey_answers_are_redacted_documents(tables):
    docs = tables["documents"]
    survey = docs[docs["kind"] == "survey"].set_index("doc_id")
    assert len(survey) == 4  # two people left the question blank
    first = survey.loc[f"{PID['T-001']}/baseline/support"]
    assert (first["pid"], first["cohort"], first["source"], first["wave"]) == (
        PID["T-001"], "north", "support", "baseline")  # fmt: skip
    assert first["text"].startswith("[PERSON_1] helped me with my CV")
    assert "07700" not in first["text"] and "[PHONE_1]" in first["text"]
    assert survey.loc[f"{PID['T-002']}/baseline/support", "text"] == "Nothing much yet."


def test_transcript_turns_point_into_the_redacted_text(tables):
    docs = tables["documents"].set_index("doc_id")
    turns = tables["turns"]
    assert len(turns) == 6
    for row in turns.itertuples():
        text = docs.loc[row.doc_id, "text"]
        label = f"{row.speaker}: "
        assert text[row.start - len(label) : row.start] == label
        assert text[row.start : row.end].strip() == text[row.start : row.end]
    interview = docs.loc[f"{PID['T-001']}/baseline/interview", "text"]
    # The preamble "Interview with Aisha Khan, ..." is not speech and is dropped.
    assert interview.startswith("Interviewer: How did you hear about the programme?\n\n")
    assert "Participant: My friend [PERSON_1] told me. I live in Jaywick." in interview


def test_speaker_names_in_captions_become_roles(tables):
    turns = tables["turns"]
    followup = turns[turns["doc_id"] == f"{PID['T-004']}/followup_6m/interview"]
    assert followup["speaker_role"].tolist() == ["interviewer", "participant"]
    assert followup["turn"].tolist() == [0, 1]


def test_pathway_dates_read_iso_and_uk_forms(tables):
    pathway = tables["pathway"].set_index("pid")
    assert pathway.loc[PID["T-004"], "referred"] == pd.Timestamp("2025-08-21")
    assert pathway.loc[PID["T-004"], "started"] == pd.Timestamp("2026-02-01")
    assert pd.isna(pathway.loc[PID["T-002"], "started"])
    assert pathway["cohort"].tolist() == ["north", "north", "south", "south"]


@pytest.mark.slow
def test_the_example_study_ingests_without_leaking_references(ingested_example):
    study, out = ingested_example
    register = pd.read_csv(study / "participants.csv", dtype=str)
    participants = pd.read_parquet(out / "data" / "participants.parquet")
    assert len(participants) == len(register) == 450
    assert participants["cohort"].value_counts().to_dict() == (
        register["cohort"].value_counts().to_dict()
    )
    refs = set(register["participant_ref"])
    for name in TABLES:
        frame = pd.read_parquet(out / "data" / f"{name}.parquet")
        if "pid" in frame:
            assert not refs & set(frame["pid"])
    docs = pd.read_parquet(out / "data" / "documents.parquet")
    assert (docs["kind"] == "transcript").sum() == 45
    full_names = set(register["first_name"] + " " + register["last_name"])
    text = "\n".join(docs["text"])
    assert not [n for n in full_names if n in text]

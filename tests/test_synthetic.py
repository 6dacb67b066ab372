"""The synthetic example study: reproducible, the right size, and its ground truth is exact.

Other areas test against ``surveys/example`` and score themselves against ``truth/``, so
these tests check that every truth offset points at the text it claims, in every transcript
format, read back by ordinary readers (csv, python-docx, webvtt-py).
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from toolkit.synthetic import GENERATED, generate_study
from toolkit.synthetic.identifiers import is_valid_nhs_number, nhs_check_digit
from toolkit.synthetic.people import FIRST_NAMES, LAST_NAMES
from toolkit.synthetic.phrases import THEME_IDS

EXAMPLE = Path(__file__).resolve().parent.parent / "surveys" / "example"
LABELS = {
    "PERSON", "NHS_NUMBER", "NI_NUMBER", "PHONE", "EMAIL", "POSTCODE", "ADDRESS",
    "DATE_OF_BIRTH", "URL",
}  # fmt: skip


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def checksums(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and "decisions" not in p.relative_to(folder).parts
    }


def transcript_turns(path: Path) -> list[tuple[str, str]]:
    """(label, text) per turn, read the way truth/README.md describes, with stock readers."""
    if path.suffix == ".txt":
        lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
        return [tuple(ln.split(": ", 1)) for ln in lines]
    if path.suffix == ".docx":
        import docx

        paragraphs = [p.text for p in docx.Document(str(path)).paragraphs if p.text.strip()]
        return [tuple(p.split(": ", 1)) for p in paragraphs]
    if path.suffix == ".vtt":
        import webvtt

        return [(c.voice, c.text) for c in webvtt.read(str(path))]
    if path.suffix == ".srt":
        blocks = path.read_text(encoding="utf-8").strip().split("\n\n")
        return [tuple(block.split("\n")[2].split(": ", 1)) for block in blocks]
    raise AssertionError(f"unexpected transcript {path}")


@pytest.fixture(scope="module")
def fresh(tmp_path_factory) -> Path:
    return generate_study(tmp_path_factory.mktemp("example"), seed=2026)


@pytest.fixture(scope="module")
def documents(fresh) -> dict[tuple[str, str, str, str], str]:
    """Raw text per (file, participant_ref, doc_source, turn) for every free text and turn."""
    docs = {}
    for file, columns in (
        ("baseline.csv", {"barriers": "q_barriers", "support": "q_support", "hopes": "q_hopes"}),
        ("followup_6m.csv", {"support": "q_support"}),
    ):
        for row in read_csv(fresh / file):
            for source, column in columns.items():
                docs[(file, row["participant_ref"], source, "")] = row[column]
    for path in sorted((fresh / "transcripts").iterdir()):
        ref = path.stem.split("_", 1)[0]
        for index, (_, text) in enumerate(transcript_turns(path)):
            docs[(f"transcripts/{path.name}", ref, "interview", str(index))] = text
    return docs


def test_same_seed_gives_identical_files_and_another_seed_does_not(fresh, tmp_path):
    again = generate_study(tmp_path / "again", seed=2026)
    assert checksums(again) == checksums(fresh)
    other = generate_study(tmp_path / "other", seed=7, participants=60, transcripts=2)
    assert (other / "baseline.csv").read_bytes() != (fresh / "baseline.csv").read_bytes()


def test_committed_example_is_what_the_default_seed_generates(fresh):
    # Only the generator's own files: study.yml and anything the study team adds are hand-written.
    def generated(sums: dict[str, str]) -> dict[str, str]:
        return {k: v for k, v in sums.items() if Path(k).parts[0] in GENERATED}

    assert generated(checksums(EXAMPLE)) == generated(checksums(fresh))
    assert set(generated(checksums(fresh))) >= {"participants.csv", "truth/themes.csv"}


def test_register_has_450_people_in_three_cohorts_and_12_staff(fresh):
    people = read_csv(fresh / "participants.csv")
    assert len(people) == 450
    cohorts = defaultdict(int)
    for person in people:
        cohorts[person["cohort"]] += 1
    assert set(cohorts) == {"clacton", "southend", "basildon"}
    assert min(cohorts.values()) >= 130
    assert {p["participant_ref"][:4] for p in people} == {"CLA-", "STH-", "BAS-"}
    # Core20: most participants live in the most deprived fifth; Clacton most of all.
    decile = {c: [int(p["imd_decile"]) for p in people if p["cohort"] == c] for c in cohorts}
    assert sum(d <= 2 for d in decile["clacton"]) / len(decile["clacton"]) > 0.55
    assert all(re.fullmatch(r"E01\d{6}", p["lsoa"]) for p in people)
    assert len(read_csv(fresh / "staff.csv")) == 12


def test_about_thirty_percent_miss_the_six_month_survey(fresh):
    baseline = read_csv(fresh / "baseline.csv")
    followup = read_csv(fresh / "followup_6m.csv")
    assert len(baseline) == 450
    assert 0.25 <= 1 - len(followup) / len(baseline) <= 0.35
    assert {r["participant_ref"] for r in followup} <= {r["participant_ref"] for r in baseline}


def test_scale_answers_are_mostly_numbers_with_some_labels_and_blanks(fresh):
    rows = read_csv(fresh / "baseline.csv")
    values = [r[f"swemwbs_{k}"] for r in rows for k in range(1, 8)]
    numbers = sum(v.isdigit() for v in values)
    blanks = sum(v == "" for v in values)
    labels = [v for v in values if v and not v.isdigit()]
    assert numbers / len(values) > 0.85
    assert blanks > 10
    assert len(labels) > 50
    assert any(v != v.strip() for v in labels) and any(v.isupper() for v in labels)
    known = {"none of the time", "rarely", "some of the time", "often", "all of the time"}
    assert {v.strip().lower() for v in labels} <= known


def test_45_transcripts_of_1500_to_3000_words_in_four_formats(fresh):
    files = sorted((fresh / "transcripts").iterdir())
    assert len(files) == 45
    assert {p.suffix for p in files} == {".txt", ".docx", ".vtt", ".srt"}
    assert all(re.fullmatch(r"(CLA|STH|BAS)-\d{4}_(baseline|followup_6m)", p.stem) for p in files)
    labels = set()
    for path in files:
        turns = transcript_turns(path)
        labels |= {label for label, _ in turns}
        words = sum(len(text.split()) for _, text in turns)
        assert 1500 <= words <= 3000, (path.name, words)
    assert labels == {"Interviewer", "PR", "Participant"}


def test_every_truth_sentence_sits_at_its_offsets_in_the_raw_text(fresh, documents):
    rows = read_csv(fresh / "truth" / "themes.csv")
    assert len(rows) > 5000
    for row in rows:
        raw = documents[(row["file"], row["participant_ref"], row["doc_source"], row["turn"])]
        assert raw[int(row["start"]) : int(row["end"])] == row["sentence"], row
        assert set(filter(None, row["themes"].split(";"))) <= set(THEME_IDS)
    # Survey answers are exactly their sentences joined by single spaces.
    by_doc = defaultdict(list)
    for row in rows:
        by_doc[(row["file"], row["participant_ref"], row["doc_source"], row["turn"])].append(row)
    for key, sentences in by_doc.items():
        if key[3] == "":
            assert " ".join(r["sentence"] for r in sentences) == documents[key]
    # One sentence per row: a splitter that breaks after . ? ! finds the same boundaries.
    assert not [r["sentence"] for r in rows if re.search(r"[.?!] ", r["sentence"])]
    two_themes = sum(";" in r["themes"] for r in rows)
    no_theme = sum(r["themes"] == "" for r in rows)
    assert two_themes > 20 and no_theme > 1000


def test_every_planted_identifier_sits_at_its_offsets(fresh, documents):
    rows = read_csv(fresh / "truth" / "identifiers.csv")
    assert {r["label"] for r in rows} == LABELS
    for row in rows:
        raw = documents[(row["file"], row["participant_ref"], row["doc_source"], row["turn"])]
        assert raw[int(row["start"]) : int(row["end"])] == row["value"], row
    # Identifiers appear in a realistic minority of survey answers, and most transcripts.
    answers = [k for k, text in documents.items() if k[3] == "" and text]
    with_ids = {(r["file"], r["participant_ref"], r["doc_source"]) for r in rows if not r["turn"]}
    assert 0.02 < len(with_ids) / len(answers) < 0.15
    transcripts_with_ids = {r["file"] for r in rows if r["turn"]}
    assert len(transcripts_with_ids) == 45  # every interviewer introduces themselves


def test_nhs_numbers_pass_modulus_11(fresh):
    nhs = [r["value"] for r in read_csv(fresh / "truth" / "identifiers.csv")]
    nhs = [v for v, r in zip(nhs, read_csv(fresh / "truth" / "identifiers.csv"), strict=True)
           if r["label"] == "NHS_NUMBER"]  # fmt: skip
    assert len(nhs) >= 5
    assert all(is_valid_nhs_number(v) for v in nhs)
    assert nhs_check_digit("943476591") == 9  # the NHS Data Dictionary's worked example
    assert not is_valid_nhs_number("943 476 5918")


def test_every_name_in_the_text_is_a_planted_person(fresh, documents):
    people = read_csv(fresh / "participants.csv")
    staff = read_csv(fresh / "staff.csv")
    names = {p["first_name"] for p in people} | {p["last_name"] for p in people}
    names |= {part for s in staff for part in s["name"].split()}
    # Relatives are named from the same pools: no pool name may appear unplanted either.
    names |= {n for group in FIRST_NAMES.values() for pool in group.values() for n in pool}
    names |= {n for pool in LAST_NAMES.values() for n in pool}
    pattern = re.compile(r"\b(" + "|".join(sorted(map(re.escape, names), key=len)[::-1]) + r")\b")
    spans = defaultdict(list)
    for r in read_csv(fresh / "truth" / "identifiers.csv"):
        if r["label"] == "PERSON":
            key = (r["file"], r["participant_ref"], r["doc_source"], r["turn"])
            spans[key].append((int(r["start"]), int(r["end"])))
    for key, text in documents.items():
        for match in pattern.finditer(text):
            inside = any(s <= match.start() and match.end() <= e for s, e in spans[key])
            assert inside, (key, match.group(), text)


def test_each_theme_is_said_in_many_different_ways(fresh):
    distinct = defaultdict(set)
    for row in read_csv(fresh / "truth" / "themes.csv"):
        for theme in filter(None, row["themes"].split(";")):
            distinct[theme].add(row["sentence"].lower())
    assert set(distinct) == set(THEME_IDS)
    assert min(len(v) for v in distinct.values()) >= 30  # templates x fillers x slots
    # Not a keyword lookup: many transport sentences never say bus, train, car or drive.
    keywords = re.compile(r"bus|train|car\b|driv|taxi|lift|journey|cycl")
    silent = [s for s in distinct["transport"] if not keywords.search(s)]
    assert len(silent) >= 5


def test_decoy_words_that_look_like_names_are_there_and_not_identifiers(fresh, documents):
    text = "\n".join(documents.values())
    for decoy in ("Mark my words", "Grace period", "Will it help", "the Sandy path", "hope"):
        assert text.count(decoy) >= 5, decoy
    values = {r["value"] for r in read_csv(fresh / "truth" / "identifiers.csv")}
    assert not values & {"Mark", "Grace", "Will", "Sandy", "Hope", "Clacton", "Jaywick"}


def test_participant_themes_are_exactly_what_the_documents_say(fresh):
    said = defaultdict(set)
    for row in read_csv(fresh / "truth" / "themes.csv"):
        said[row["participant_ref"]] |= set(filter(None, row["themes"].split(";")))
    in_interview = defaultdict(set)
    for row in read_csv(fresh / "truth" / "themes.csv"):
        if row["turn"]:
            in_interview[(row["file"], row["participant_ref"])] |= set(
                filter(None, row["themes"].split(";"))
            )
    latent = {
        row["participant_ref"]: {t for t in THEME_IDS if row[t] == "1"}
        for row in read_csv(fresh / "truth" / "participant_themes.csv")
    }
    for ref, themes in latent.items():
        assert themes == said[ref], ref
    # An interview covers every theme of the person, and nothing else.
    assert len(in_interview) == 45
    for (file, ref), themes in in_interview.items():
        assert themes == latent[ref], file


def test_planted_effects_show_in_the_raw_data(fresh):
    themes = {r["participant_ref"]: r for r in read_csv(fresh / "truth" / "participant_themes.csv")}
    pathway = read_csv(fresh / "pathway.csv")
    starters = [r for r in pathway if r["started_on"]]
    assert 0.2 < len(starters) / len(pathway) < 0.5

    def rate(rows, column):
        return sum(bool(r[column]) for r in rows) / len(rows)

    buddy = [r for r in starters if themes[r["participant_ref"]]["buddies_mentors"] == "1"]
    others = [r for r in starters if themes[r["participant_ref"]]["buddies_mentors"] == "0"]
    assert rate(buddy, "retained_6m_on") - rate(others, "retained_6m_on") > 0.15

    offered = [r for r in pathway if r["offered_on"]]
    checks = [r for r in offered if themes[r["participant_ref"]]["checks_waits"] == "1"]
    rest = [r for r in offered if themes[r["participant_ref"]]["checks_waits"] == "0"]
    assert (1 - rate(checks, "started_on")) - (1 - rate(rest, "started_on")) > 0.15

    effects = yaml.safe_load((fresh / "truth" / "effects.yml").read_text(encoding="utf-8"))
    observed = effects["observed"]
    assert 1.0 < observed["swemwbs_change_mean_without_confidence"] < 2.2
    assert 1.2 < observed["swemwbs_change_confidence_minus_others"] < 3.2
    assert 0.3 < observed["life_satisfaction_change_mean"] < 0.8
    assert "confidence" not in effects["planted"]["null_themes"]


def test_pathway_dates_never_go_backwards(fresh):
    stages = ["referred_on", "engaged_on", "applied_on", "interviewed_on", "offered_on",
              "checks_cleared_on", "started_on", "retained_3m_on", "retained_6m_on"]  # fmt: skip
    for row in read_csv(fresh / "pathway.csv"):
        reached = [row[s] for s in stages if row[s]]
        assert reached == sorted(reached)
        # Stages are reached in order: no gap followed by a later date.
        assert all(row[s] for s in stages[: len(reached)]), row


def test_bad_sizes_are_refused(tmp_path):
    with pytest.raises(ValueError, match="at least 30"):
        generate_study(tmp_path, participants=5)
    with pytest.raises(ValueError, match="transcripts"):
        generate_study(tmp_path, participants=40, transcripts=21)


def test_a_folder_with_other_data_is_never_overwritten(tmp_path):
    (tmp_path / "baseline.csv").write_text("participant_ref\nREAL-1\n", encoding="utf-8")
    with pytest.raises(ValueError, match="not empty"):
        generate_study(tmp_path, participants=30, transcripts=0)
    assert (tmp_path / "baseline.csv").read_text(encoding="utf-8") == "participant_ref\nREAL-1\n"


def test_a_failed_generation_leaves_the_previous_study_untouched(tmp_path, monkeypatch):
    from toolkit.synthetic import writers

    study = generate_study(tmp_path / "study", participants=30, transcripts=1)
    before = checksums(study)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(writers, "write_pathway", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        generate_study(study, seed=99, participants=30, transcripts=1)
    assert checksums(study) == before
    assert sorted(p.name for p in study.iterdir() if p.name.startswith(".")) == []

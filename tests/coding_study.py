"""A small study with documents, segments and machine codings, built in a temporary folder.

Used by the review, decisions, agreement and REFI-QDA tests. The tables follow the exact
contracts of DESIGN.md (segments, codings, documents, participants), and the text includes an
emoji, an en dash and Windows line endings, which REFI-QDA exchange must survive.
"""

from __future__ import annotations

import hashlib
import textwrap
from pathlib import Path

import pandas as pd

from toolkit.study.config import load_study
from toolkit.study.tables import StudyOutputs

CODEBOOK_YAML = textwrap.dedent(
    """\
    name: mini
    title: A small codebook for tests
    codes:
      - id: barriers
        name: Barriers
        definition: Things that make work harder to reach.
        children:
          - id: transport
            name: Transport
            definition: Getting to training or work.
            include: Fares, timetables, distance.
            exclude: Moving house.
            keywords: [bus]
            color: "#E69F00"
          - id: childcare
            name: Childcare
            definition: Looking after children while training or working.
            keywords: [childcare, nursery]
          - id: confidence
            name: Confidence
            definition: Feeling unsure of oneself.
            keywords: [nervous, confidence]
      - id: enablers
        name: Enablers
        definition: What helped.
        children:
          - id: peer_support
            name: Peer support
            definition: Help from someone with lived experience.
            keywords: [peer]
          - id: training
            name: Training
            definition: Courses and qualifications.
            keywords: [course, training]
    """
)

STUDY_YAML = textwrap.dedent(
    """\
    name: mini
    title: "Mini study – for tests 🙂"
    participants: {file: participants.csv}
    cohorts:
      - {name: clacton, label: Clacton}
      - {name: southend, label: Southend}
    waves:
      - {name: baseline, file: baseline.csv}
    codebook: codebook.yml
    decisions: decisions
    topics: {embedding: tfidf}
    """
)

# (doc_id, pid, cohort, kind, source, text); segments are the sentences split on ". "
DOCUMENTS = [
    (
        "d1",
        "p01",
        "clacton",
        "survey",
        "barriers",
        "There is no bus before 7. Childcare costs too much – it eats my wages.",
    ),
    (
        "d2",
        "p02",
        "clacton",
        "survey",
        "support",
        "My peer mentor helped me 🙂 a lot. The course gave me confidence.",
    ),
    (
        "d3",
        "p03",
        "southend",
        "survey",
        "barriers",
        "I get nervous in interviews.\r\nThe nursery closes at 5.",
    ),
    (
        "d4",
        "p04",
        "southend",
        "transcript",
        "interview",
        "The training was good. I missed the bus twice. Nobody listened to me.",
    ),
    (
        "d5",
        "p01",
        "clacton",
        "survey",
        "support",
        "Talking to a peer who had been there – that helped 🙂🙂. The bus pass too.",
    ),
    (
        "d6",
        "p03",
        "southend",
        "transcript",
        "interview",
        "Honestly I was scared\r\nbut the peer group helped. Now I have a job 🙂 – in care.",
    ),
]

# (doc_id, sentence index, code, score, evidence) machine suggestions
SUGGESTIONS = [
    ("d1", 0, "transport", 0.92, "bus"),
    ("d1", 1, "childcare", 0.88, "childcare"),
    ("d1", 1, "confidence", 0.31, "(model)"),
    ("d2", 0, "peer_support", 0.81, "peer"),
    ("d2", 1, "training", 0.77, "course"),
    ("d2", 1, "confidence", 0.64, "confidence"),
    ("d3", 0, "confidence", 0.72, "nervous"),
    ("d3", 1, "childcare", 0.69, "nursery"),
    ("d4", 0, "training", 0.85, "training"),
    ("d4", 1, "transport", 0.90, "bus"),
    ("d4", 2, "confidence", 0.40, "(model)"),
    ("d5", 0, "peer_support", 0.83, "peer"),
    ("d5", 1, "transport", 0.55, "bus"),
    ("d6", 0, "peer_support", 0.66, "peer"),
]


def split_sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence, end exclusive, splitting after '. ' or a line break."""
    spans, start = [], 0
    i = 0
    while i < len(text):
        if text.startswith(". ", i) or text.startswith(".\r\n", i):
            end = i + 1
            spans.append((start, end))
            start = end + (2 if text.startswith(".\r\n", i) else 1)
            i = start
            continue
        i += 1
    spans.append((start, len(text)))
    return spans


def seg_id(doc_id: str, start: int, end: int, text: str) -> str:
    return hashlib.sha256(f"{doc_id}:{start}:{end}:{text}".encode()).hexdigest()[:12]


def tables() -> dict[str, pd.DataFrame]:
    docs = pd.DataFrame(DOCUMENTS, columns=["doc_id", "pid", "cohort", "kind", "source", "text"])
    docs["wave"] = "baseline"
    seg_rows = []
    for d in docs.itertuples():
        for start, end in split_sentences(d.text):
            piece = d.text[start:end]
            seg_rows.append(
                {
                    "seg_id": seg_id(d.doc_id, start, end, piece),
                    "doc_id": d.doc_id,
                    "pid": d.pid,
                    "cohort": d.cohort,
                    "wave": "baseline",
                    "source": d.source,
                    "speaker": "participant",
                    "start": start,
                    "end": end,
                    "text": piece,
                }
            )
    segments = pd.DataFrame(seg_rows)
    coding_rows = []
    for doc_id, index, code, score, evidence in SUGGESTIONS:
        seg = segments.loc[segments["doc_id"] == doc_id].iloc[index]
        coding_rows.append(
            {
                "seg_id": seg["seg_id"],
                "code": code,
                "source": "rule" if evidence != "(model)" else "model",
                "score": score,
                "evidence": evidence,
                "decided_at": "",
            }
        )
    codings = pd.DataFrame(coding_rows)
    participants = pd.DataFrame(
        {
            "pid": ["p01", "p02", "p03", "p04"],
            "cohort": ["clacton", "clacton", "southend", "southend"],
            "age_band": ["25-34", "35-44", "18-24", "45-54"],
            "gender": ["Woman", "Man", "Woman", "Non-binary"],
            "ethnicity": ["White British", "Black British", "Asian British", "White other"],
            "imd_decile": [1, 2, 1, 3],
            "imd_quintile": [1, 1, 1, 2],
            "plus_carer": [True, False, True, False],
            "consent_quotes": [True, True, False, True],
        }
    )
    return {
        "documents": docs[["doc_id", "pid", "cohort", "kind", "source", "wave", "text"]],
        "segments": segments,
        "codings": codings,
        "participants": participants,
    }


def make_study(root: Path):
    """Write the study folder and its outputs under ``root``; return (study, outputs)."""
    folder = root / "mini"
    folder.mkdir(parents=True)
    (folder / "study.yml").write_text(STUDY_YAML, encoding="utf-8")
    (folder / "codebook.yml").write_text(CODEBOOK_YAML, encoding="utf-8")
    study = load_study(folder)
    outputs = StudyOutputs(study.name, root / "outputs" / "mini")
    for name, frame in tables().items():
        outputs.write(name, frame)
    # As `lxt run` would leave them: this study's, current with its inputs.
    from conftest import record_hand_built_outputs

    record_hand_built_outputs(study, outputs)
    return study, outputs

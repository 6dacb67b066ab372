"""Ingest: the pseudonymisation boundary between a study's files and every later stage.

Reads and checks every input (:mod:`toolkit.study.validate`; a study with any problem writes
nothing), replaces each participant reference by its keyed pid
(:mod:`toolkit.privacy.pseudonymise`),
redacts free-text answers and transcripts (:mod:`toolkit.privacy.redact`, fed with the names in the
participant and staff registers) and writes six tables under ``outputs/<study>/data/``:

=============  ==============================================================================
participants   pid, cohort, the demographic columns study.yml maps, imd_quintile,
               plus_<group> flags, consent_<name> flags (a blank consent counts as no)
responses      pid, wave, instrument, item, value (one row per answered item)
scores         pid, wave, instrument, item ("" except ONS4), score, band, valid, n_missing,
               raw_score, prorated, flag
documents      doc_id, pid, cohort, kind (survey | transcript), source (question id |
               "interview"), wave, text (redacted)
turns          doc_id, pid, turn, speaker_role, speaker, start, end (offsets of what was
               said, into documents.text)
pathway        pid, cohort, one date column per pathway stage (NaT when not reached),
               nhs_employer (yes/no/NA, when study.yml names the column)
=============  ==============================================================================

Real references, names and raw text stay in memory here and never reach ``outputs/``.

The stage runs inside :func:`toolkit.study.pipeline.run_study`; on the example study
``run_study("surveys/example", stages=["ingest"])`` records 450 participants
(``tests/test_ingest_tables.py`` checks every table it writes).
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from toolkit.errors import UserError
from toolkit.ingest.readers import parse_date, parse_flag
from toolkit.outcomes.core20 import register_imd_deciles
from toolkit.privacy.pseudonymise import Pseudonymiser
from toolkit.study.pipeline import StageContext
from toolkit.study.tables import (
    DOCUMENT_COLUMNS,
    RESPONSE_COLUMNS,
    SCORE_COLUMNS,
    TURN_COLUMNS,
)
from toolkit.study.validate import StudyInputs, read_study_inputs

TABLES = ("participants", "responses", "scores", "documents", "turns", "pathway")
ROLE_LABELS = {"interviewer": "Interviewer", "participant": "Participant", "other": "Other"}
TURN_SEPARATOR = "\n\n"
ANSWER_CHUNK = 200  # answers redacted per batch: big enough for spaCy, small for the bar


def redact_many(redactor, texts: list[str]) -> list:
    """Redact separate documents, in one batch when the redactor can (much faster)."""
    if hasattr(redactor, "redact_many"):
        return redactor.redact_many(texts)
    return [redactor.redact(t) for t in texts]


def _progress(iterable, enabled: bool, **kwargs):
    if not enabled:
        return iterable
    from tqdm.auto import tqdm

    return tqdm(iterable, leave=False, **kwargs)


def participants_table(
    inputs: StudyInputs, pids: dict[str, str], cohorts: list[str]
) -> pd.DataFrame:
    """One row per participant in the chosen cohorts; no reference, no name."""
    reg = inputs.study.participants
    frame = inputs.register.frame
    keep = frame[frame[reg.cohort_column].isin(cohorts)]
    out = pd.DataFrame(
        {"pid": [pids[r] for r in keep[reg.id_column]], "cohort": keep[reg.cohort_column].tolist()}
    )
    for name, column in reg.columns.items():
        out[name] = pd.array([v or None for v in keep[column]], dtype="string")
    if reg.imd_decile_column or (inputs.study.imd_lookup and reg.lsoa_column):
        # The register's decile where given, else the user's LSOA -> IMD lookup. The LSOA
        # itself never leaves ingest: with a small cohort it can point at a street or two.
        deciles = [
            None if pd.isna(d) else int(d)
            for d in register_imd_deciles(keep, inputs.study).tolist()
        ]
        out["imd_decile"] = pd.array(deciles, dtype="Int64")
        # REFERENCE.md: quintile = ceil(decile / 2); 1 = most deprived.
        out["imd_quintile"] = pd.array(
            [None if d is None else math.ceil(d / 2) for d in deciles], dtype="Int64"
        )
    for name, column in reg.plus_groups.items():
        out[f"plus_{name}"] = pd.array([parse_flag(v) for v in keep[column]], dtype="boolean")
    for name, column in reg.consent_columns.items():
        # No recorded consent is no consent.
        out[f"consent_{name}"] = [bool(parse_flag(v)) for v in keep[column]]
    return out.reset_index(drop=True)


def responses_and_scores(
    inputs: StudyInputs, pids: dict[str, str], keep: set[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Long-form answers and scores for every wave and instrument."""
    from toolkit.scoring.instruments import load_instrument
    from toolkit.scoring.rules import score_frame

    study = inputs.study
    responses, scores = [], []
    for wave in study.waves:
        sheet = inputs.waves[wave.name]
        frame = sheet.frame[sheet.frame[wave.id_column].isin(keep)]
        index = pd.Index([pids[r] for r in frame[wave.id_column]], name="pid")
        for use in study.instruments:
            if use.waves is not None and wave.name not in use.waves:
                continue
            inst = load_instrument(use.instrument)
            items = pd.DataFrame(
                {item: frame[col].tolist() for item, col in use.items.items()}, index=index
            )
            for item in use.items:
                for pid, value in zip(index, items[item], strict=True):
                    number = inst.coerce(item, value)
                    if number is not None:
                        responses.append((pid, wave.name, inst.name, item, number))
            scored = score_frame(
                items, inst, prorate=use.prorate, file=str(sheet.path), columns=dict(use.items)
            ).reset_index()
            scored.insert(1, "wave", wave.name)
            scored.insert(2, "instrument", inst.name)
            scores.append(scored)
    responses_df = pd.DataFrame(responses, columns=RESPONSE_COLUMNS)
    scores_df = (
        pd.concat(scores, ignore_index=True) if scores else pd.DataFrame(columns=SCORE_COLUMNS)
    )
    scores_df["item"] = scores_df["item"].fillna("").astype(str)
    return responses_df, scores_df[[c for c in SCORE_COLUMNS if c in scores_df.columns]]


def pathway_table(inputs: StudyInputs, pids: dict[str, str], keep: set[str]) -> pd.DataFrame:
    """One row per participant in the pathway file, with a date (or NaT) per stage."""
    spec = inputs.study.pathway
    frame = inputs.pathway.frame
    frame = frame[frame[spec.id_column].isin(keep)]
    cohorts = inputs.references
    out = pd.DataFrame(
        {
            "pid": [pids[r] for r in frame[spec.id_column]],
            "cohort": [cohorts[r] for r in frame[spec.id_column]],
        }
    )
    for stage, column in spec.stages.items():
        out[stage] = pd.to_datetime([parse_date(v) for v in frame[column]]).astype("datetime64[ns]")
    if spec.nhs_employer:
        # NA where the employer is not known, so that it counts as neither NHS nor other.
        out["nhs_employer"] = pd.array(
            [parse_flag(v) for v in frame[spec.nhs_employer]], dtype="boolean"
        )
    return out


def _document_rows(inputs: StudyInputs, pids: dict[str, str], keep: set[str]):
    """Raw survey answers as (doc_id, pid, cohort, source, wave, text): still unredacted."""
    study = inputs.study
    cohorts = inputs.references
    for wave in study.waves:
        frame = inputs.waves[wave.name].frame
        for q in study.free_text:
            if q.waves is not None and wave.name not in q.waves:
                continue
            for ref, text in zip(frame[wave.id_column], frame[q.column], strict=True):
                if ref in keep and text.strip():
                    pid = pids[ref]
                    yield f"{pid}/{wave.name}/{q.id}", pid, cohorts[ref], q.id, wave.name, text


def _document(
    doc_id: str, pid: str, cohort: str, kind: str, source: str, wave: str, text: str
) -> dict[str, str]:
    return dict(
        doc_id=doc_id, pid=pid, cohort=cohort, kind=kind, source=source, wave=wave, text=text
    )


def survey_documents(
    inputs: StudyInputs, pids: dict[str, str], keep: set[str], redactor, progress: bool = False
) -> list[dict[str, str]]:
    """One redacted document per non-blank free-text answer."""
    answers = list(_document_rows(inputs, pids, keep))
    texts = [row[-1] for row in answers]
    redacted: list[str] = []
    chunks = range(0, len(texts), ANSWER_CHUNK)
    bar = dict(desc="Redacting survey answers", unit=f"{ANSWER_CHUNK} answers")
    for first in _progress(chunks, progress, **bar):
        redacted += [r.text for r in redact_many(redactor, texts[first : first + ANSWER_CHUNK])]
    return [
        _document(doc_id, pid, cohort, "survey", source, wave, text)
        for (doc_id, pid, cohort, source, wave, _), text in zip(answers, redacted, strict=True)
    ]


def transcript_documents(
    inputs: StudyInputs, pids: dict[str, str], keep: set[str], redactor, progress: bool = False
) -> tuple[list[dict[str, str]], list[dict[str, Any]]]:
    """One redacted document per transcript, written as "Role: words" turns, and its turns.

    Each turn's ``start``/``end`` are the offsets of what was said (after "Role: ") in the
    redacted document text.
    """
    docs, turns = [], []
    cohorts = inputs.references
    transcripts = [t for t in inputs.transcripts if t.reference in keep]
    bar = dict(desc="Redacting transcripts", unit="transcript")
    for transcript in _progress(transcripts, progress, **bar):
        pid = pids[transcript.reference]
        doc_id = f"{pid}/{transcript.wave}/interview"
        # One call for the whole interview, so [PERSON_1] is the same person in every turn.
        redacted = redactor.redact_parts([t.text for t in transcript.turns])
        pieces: list[str] = []
        position = 0
        for number, (part, role) in enumerate(zip(redacted, transcript.roles, strict=True)):
            if pieces:
                pieces.append(TURN_SEPARATOR)
                position += len(TURN_SEPARATOR)
            # The label written is the role, never the name the transcriber used.
            prefix = f"{ROLE_LABELS[role]}: "
            start = position + len(prefix)
            pieces.append(prefix + part.text)
            position = start + len(part.text)
            turns.append(
                dict(
                    doc_id=doc_id,
                    pid=pid,
                    turn=number,
                    speaker_role=role,
                    speaker=ROLE_LABELS[role],
                    start=start,
                    end=position,
                )
            )
        cohort = cohorts[transcript.reference]
        text = "".join(pieces)
        docs.append(
            _document(doc_id, pid, cohort, "transcript", "interview", transcript.wave, text)
        )
    return docs, turns


def documents_and_turns(
    inputs: StudyInputs, pids: dict[str, str], keep: set[str], redactor, progress: bool = False
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ``documents`` and ``turns`` tables: survey answers first, then transcripts."""
    docs = survey_documents(inputs, pids, keep, redactor, progress)
    transcript_docs, turns = transcript_documents(inputs, pids, keep, redactor, progress)
    documents = pd.DataFrame(docs + transcript_docs, columns=DOCUMENT_COLUMNS)
    turn_table = pd.DataFrame(turns, columns=TURN_COLUMNS)
    return documents, turn_table.astype({"turn": "int64", "start": "int64", "end": "int64"})


def make_redactor(inputs: StudyInputs):
    """The study's redactor, knowing every participant and staff name from the registers."""
    from toolkit.privacy.redact import Redactor

    return Redactor.for_study(inputs.study, inputs.all_names())


def build_tables(
    inputs: StudyInputs,
    cohorts: list[str],
    pseudonymiser: Pseudonymiser,
    redactor,
    progress: bool = False,
) -> dict[str, pd.DataFrame]:
    """All six ingest tables from checked inputs (no file is written here)."""
    references = inputs.references
    pids = pseudonymiser.mapping(references)
    keep = {ref for ref, cohort in references.items() if cohort in cohorts}
    tables = {"participants": participants_table(inputs, pids, cohorts)}
    tables["responses"], tables["scores"] = responses_and_scores(inputs, pids, keep)
    tables["documents"], tables["turns"] = documents_and_turns(
        inputs, pids, keep, redactor, progress
    )
    if inputs.pathway is not None:
        tables["pathway"] = pathway_table(inputs, pids, keep)
    else:
        tables["pathway"] = pd.DataFrame(
            {"pid": pd.Series(dtype=str), "cohort": pd.Series(dtype=str)}
        )
    return tables


def run_stage(ctx: StageContext) -> dict[str, Any]:
    """Pipeline stage: check the inputs, then write the six ingest tables.

    Every input problem is raised (as one :class:`UserError`) before anything is written.
    """
    inputs, problems = read_study_inputs(ctx.study)
    if problems:
        raise UserError(problems)
    pseudonymiser = Pseudonymiser.from_environment(forbidden=[ctx.outputs.root])
    redactor = make_redactor(inputs)
    tables = build_tables(inputs, ctx.cohorts, pseudonymiser, redactor, progress=ctx.progress)
    for name in TABLES:
        ctx.outputs.write(name, tables[name])
    docs = tables["documents"]
    return {
        "participants": len(tables["participants"]),
        "responses": len(tables["responses"]),
        "scores": len(tables["scores"]),
        "survey_answers": int((docs["kind"] == "survey").sum()),
        "transcripts": int((docs["kind"] == "transcript").sum()),
        "turns": len(tables["turns"]),
        "pathway": len(tables["pathway"]),
        "pseudonym_key_id": pseudonymiser.key_id,
    }

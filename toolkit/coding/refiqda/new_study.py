"""Start a study from a project made in NVivo, ATLAS.ti, MAXQDA or QualCoder.

:func:`create_study` turns a ``.qdpx`` into a study folder that ``lxt validate`` accepts and
``lxt run`` processes like any other:

==========================  =====================================================================
in the project              in the new study
==========================  =====================================================================
each text source            an interview transcript (``transcripts/``, a wave each) when its
                            speakers are labelled, one as the interviewer; else a free-text
                            document (a column of ``sources.csv``, wave ``project``). Names
                            are kept in ``qdpx_sources.json`` so exports use them again
each case                   a participant (``participants.csv``, reference = case name), its
                            variables as attribute columns; a source in no case (or every
                            source, when the project has no cases) is a participant of its own
the code tree               ``codebook.yml``: names, hierarchy, descriptions and colours kept;
                            a code with sub-codes becomes a category, and if text was coded
                            with it directly, a code of the same name is added under it
each coded selection        a row of ``decisions/imported_selections.csv`` (source, offsets,
                            code, reviewer). Decisions are keyed by segment, and segments
                            exist only after ingest, redaction and segmentation, so ``lxt run``
                            places them (:mod:`toolkit.coding.refiqda.placement`) and reports
                            what it could not place
==========================  =====================================================================

The raw text goes through the same ingest and redaction as every study. The folder is built
in a temporary folder beside the target and moved into place only when complete, and it
holds a ``.gitignore`` of ``*``: it is real data, never to be committed.

Example (``tests/test_qdpx_new_study.py`` walks project -> study -> run -> export)::

    report = create_study("carers.qdpx", "surveys/carers", reviewer="uni01")
    print(report.message)
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from toolkit import errors
from toolkit.coding.codebook import parse_codebook
from toolkit.coding.refiqda.project_parts import (
    COHORT,
    WAVE,
    attribute_columns,
    codebook_entries,
    identifier,
    participants,
    selection_rows,
    source_table,
    speakers,
)
from toolkit.coding.refiqda.reader import QdpxProject, read_qdpx, unknown_users_note
from toolkit.errors import Problem, UserError

SOURCES_FILE = "sources.csv"
PARTICIPANTS_FILE = "participants.csv"
CODEBOOK_FILE = "codebook.yml"
DECISIONS_DIR = "decisions"
# Read by the `imported` stage of `lxt run`; lives with the decision log because these are
# people's decisions waiting for their segments.
SELECTIONS_FILE = "imported_selections.csv"
# Source names and GUIDs by free-text question id, so `lxt export qdpx` names them again.
SOURCES_INDEX = "qdpx_sources.json"
TRANSCRIPTS_DIR = "transcripts"


@dataclass
class NewStudyReport:
    """What :func:`create_study` made, and what it had to leave out or adapt."""

    folder: Path
    documents: int = 0
    participants: int = 0
    codes: int = 0
    selections: int = 0
    reviewers: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def message(self) -> str:
        lines = [
            f"Created the study {self.folder} from the project: {self.documents} document(s), "
            f"{self.participants} participant(s), {self.codes} code(s), {self.selections} coded "
            f"selection(s) by {', '.join(self.reviewers) or 'nobody'}.",
            f"Next: `lxt validate {self.folder}`, then `lxt run {self.folder}` redacts and "
            "segments the text and places the codings on its segments.",
        ]
        return "\n".join(lines + [f"note: {n}" for n in self.notes])


# -- files --------------------------------------------------------------------------------------


def _csv_text(frame: pd.DataFrame) -> str:
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    return buffer.getvalue()


def sources_csv(register: pd.DataFrame, sources: pd.DataFrame) -> str:
    """The wave file: a row per participant, a column per free-text (non-transcript) source."""
    survey = sources.loc[sources["kind"] == "survey"].set_index("guid")
    rows = []
    for person in register.itertuples():
        row = {"participant_ref": person.participant_ref}
        row.update(
            {
                survey.loc[g, "qid"]: survey.loc[g, "text"]
                for g in person.sources
                if g in survey.index
            }
        )
        rows.append(row)
    frame = pd.DataFrame(rows, columns=["participant_ref", *survey["qid"]]).fillna("")
    return _csv_text(frame)


def transcript_files(register: pd.DataFrame, sources: pd.DataFrame) -> dict[str, str]:
    """``transcripts/<participant>_<source id>.txt`` per transcript source (a wave each)."""
    ref_of = {g: r.participant_ref for r in register.itertuples() for g in r.sources}
    files = {}
    for s in sources.loc[sources["kind"] == "transcript"].itertuples():
        files[f"{TRANSCRIPTS_DIR}/{ref_of[s.guid]}_{s.qid}.txt"] = s.text
    return files


def study_yaml(
    name: str, title: str, sources: pd.DataFrame, attributes: dict[str, str], has_codes: bool
) -> str:
    """study.yml for the new study: one cohort; a free-text question per source, except
    interview transcripts, which are transcripts (a wave each)."""
    survey = sources.loc[sources["kind"] == "survey"]
    transcripts = sources.loc[sources["kind"] == "transcript"]
    raw: dict = {
        "name": name,
        "title": title,
        "description": "Started from a REFI-QDA project with `lxt import qdpx --new-study`.",
        "participants": {
            "file": PARTICIPANTS_FILE,
            "id_column": "participant_ref",
            "cohort_column": "cohort",
            "columns": {column: column for column in attributes.values()},
        },
        "cohorts": [{"name": COHORT, "label": title}],
        # One wave for the free-text sources, and one per transcript: a transcript is named
        # <participant>_<wave>, and a case may hold several interviews.
        "waves": [{"name": WAVE, "file": SOURCES_FILE}]
        + [{"name": s.qid, "file": SOURCES_FILE} for s in transcripts.itertuples()],
        "free_text": [
            {"id": s.qid, "column": s.qid, "question": s.name or s.qid, "waves": [WAVE]}
            for s in survey.itertuples()
        ],
        "decisions": DECISIONS_DIR,
    }
    if len(transcripts):
        raw["transcripts"] = {
            "folder": TRANSCRIPTS_DIR,
            "filename_pattern": "{participant_ref}_{wave}",
            "speakers": speakers(transcripts),
        }
    if has_codes:
        raw["codebook"] = CODEBOOK_FILE
    header = (
        "# Made by `lxt import qdpx --new-study` from a project of another program.\n"
        "# Real data: this folder is git-ignored (.gitignore) and must never be committed.\n"
    )
    return header + yaml.safe_dump(raw, sort_keys=False, allow_unicode=True, width=100)


def write_folder(folder: Path, files: dict[str, str]) -> None:
    for relative, text in files.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="")


def move_into_place(build: Path, target: Path) -> None:
    """Move the finished folder to ``target``; never over an existing folder."""
    if target.exists():  # made by someone else while the project was read
        raise UserError(
            Problem(str(target), errors.QDPX_TARGET_EXISTS, expected=errors.QDPX_TARGET_EXPECTED)
        )
    try:
        os.rename(build, target)  # atomic, and fails (rather than merges) if target appeared
    except OSError:
        raise UserError(
            Problem(str(target), errors.QDPX_TARGET_EXISTS, expected=errors.QDPX_TARGET_EXPECTED)
        ) from None


# -- the whole import ---------------------------------------------------------------------------


def _check_target(target: Path, name: str | None) -> str:
    if target.exists():
        raise UserError(
            Problem(str(target), errors.QDPX_TARGET_EXISTS, expected=errors.QDPX_TARGET_EXPECTED)
        )
    if not target.parent.is_dir():
        raise UserError(
            Problem(str(target.parent), "folder not found", expected="an existing parent folder")
        )
    study_name = name if name is not None else identifier(target.name, "")
    if not re.fullmatch(r"[a-z0-9_]+", study_name or ""):
        raise UserError(
            Problem(
                "--name",
                errors.QDPX_BAD_STUDY_NAME,
                value=study_name,
                expected="lower-case letters, digits and _ (e.g. carers_2025)",
            )
        )
    return study_name


def study_files(
    project: QdpxProject, project_file: str, study_name: str, reviewer: str | None
) -> tuple[dict[str, str], NewStudyReport]:
    """Every file of the new study (relative path -> text) and the report of what it holds."""
    sources, notes = source_table(project)
    if sources.empty:
        raise UserError(Problem(project_file, errors.QDPX_NO_TEXT_SOURCES))
    register, more = participants(project, sources)
    notes += more
    attributes = attribute_columns(project)
    coded = set(project.selections["code_guid"])
    entries, code_of, code_notes = codebook_entries(project, coded)
    notes += code_notes
    selections = selection_rows(project, sources, code_of, reviewer, project_file)
    title = project.name or Path(project_file).stem
    files = {
        ".gitignore": "# Real study data: never commit any of it.\n*\n",
        "study.yml": study_yaml(study_name, title, sources, attributes, bool(entries)),
        PARTICIPANTS_FILE: _csv_text(
            register.drop(columns="sources").rename(columns=attributes)[
                ["participant_ref", "cohort", *attributes.values()]
            ]
        ),
        SOURCES_FILE: sources_csv(register, sources),
        **transcript_files(register, sources),
        f"{DECISIONS_DIR}/{SELECTIONS_FILE}": _csv_text(selections),
        SOURCES_INDEX: json.dumps(
            {
                "project": Path(project_file).name,
                "origin": project.origin,
                "sources": {
                    s.qid: {"name": s.name, "guid": s.guid, "kind": s.kind}
                    for s in sources.itertuples()
                },
            },
            indent=1,
            ensure_ascii=False,
        )
        + "\n",
    }
    n_codes = 0
    if entries:
        book = {"name": study_name, "title": f"Codes of {title}", "codes": entries}
        # Never write a codebook the toolkit cannot read.
        n_codes = len(parse_codebook(book, CODEBOOK_FILE).codes)
        files[CODEBOOK_FILE] = yaml.safe_dump(book, sort_keys=False, allow_unicode=True, width=100)
    else:
        notes.append(
            "the project has no codes: add a codebook to study.yml (codebook:) before "
            "`lxt run`, e.g. one made with `lxt import qdc`"
        )
    if not project.cases:
        notes.append("the project has no cases: each source is a participant of its own")
    report = NewStudyReport(
        folder=Path(),
        documents=len(sources),
        participants=len(register),
        codes=n_codes,
        selections=len(selections),
        reviewers=sorted(set(selections["reviewer"])),
        notes=list(project.notes) + ([] if reviewer else unknown_users_note(project)) + notes,
    )
    return files, report


def create_study(
    project_path: str | Path,
    target: str | Path,
    *,
    reviewer: str | None = None,
    name: str | None = None,
) -> NewStudyReport:
    """Create a new study folder ``target`` from a REFI-QDA project.

    Parameters
    ----------
    project_path : path
        The ``.qdpx`` file (never modified).
    target : path
        The study folder to create; it must not exist.
    reviewer : str, optional
        Credit every coding to this reviewer id; default: each coding's user in the project.
    name : str, optional
        The study's short name (outputs go to ``outputs/<name>``); default: from the
        folder's name.

    Returns
    -------
    NewStudyReport

    Raises
    ------
    UserError
        For a file that is not a readable project, a target that exists, codings outside
        their text or without a user; nothing is written then.
    """
    target = Path(target)
    study_name = _check_target(target, name)
    project = read_qdpx(project_path)
    files, report = study_files(project, str(project_path), study_name, reviewer)
    build = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        write_folder(build, files)
        move_into_place(build, target)
    finally:
        shutil.rmtree(build, ignore_errors=True)
    report.folder = target
    return report

"""Start a study from a project made in NVivo, ATLAS.ti, MAXQDA or QualCoder.

:func:`create_study` turns a ``.qdpx`` into a study folder that ``lxt validate`` accepts and
``lxt run`` processes like any other:

==========================  =====================================================================
in the project              in the new study
==========================  =====================================================================
each text source            a free-text document: a column of ``sources.csv`` (one wave,
                            ``project``), its free-text question named after the source;
                            ``qdpx_sources.json`` keeps the name so exports use it again
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
from toolkit.coding.refiqda.qdc import ImportedCode, codes_to_yaml
from toolkit.coding.refiqda.reader import QdpxProject, read_qdpx, unknown_users_note
from toolkit.errors import Problem, ProblemCollector, UserError

WAVE = "project"
COHORT = "project"
SOURCES_FILE = "sources.csv"
PARTICIPANTS_FILE = "participants.csv"
CODEBOOK_FILE = "codebook.yml"
DECISIONS_DIR = "decisions"
# Read by the `imported` stage of `lxt run`; lives with the decision log because these are
# people's decisions waiting for their segments.
SELECTIONS_FILE = "imported_selections.csv"
SELECTION_FIELDS = ["source", "start", "end", "code", "reviewer", "source_name", "code_name"]
# Source names and GUIDs by free-text question id, so `lxt export qdpx` names them again.
SOURCES_INDEX = "qdpx_sources.json"
RESERVED_COLUMNS = {"pid", "cohort", "participant_ref"}
TRANSCRIPTS_DIR = "transcripts"
# Speaker labels taken to be the interviewer's. A guess from common transcription habits,
# written into study.yml (transcripts.speakers) where the user can correct it.
INTERVIEWER_LABELS = {
    "interviewer", "int", "i", "iv", "q", "question", "researcher", "facilitator",
    "moderator", "pr", "peer researcher",
}  # fmt: skip


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


def identifier(text: str, fallback: str) -> str:
    """A lower-case id (letters, digits, ``_``) from any name; ``fallback`` if nothing is left.

    >>> identifier("Interview 3 – Jo", "source")
    'interview_3_jo'
    """
    out = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:60].strip("_")
    return out or fallback


def file_safe(name: str) -> str:
    """A participant reference that can be part of a file name (transcripts are named by it).

    >>> file_safe("Carer A/B: 2")
    'Carer A-B- 2'
    """
    return re.sub(r'[\\/:*?"<>|\x00-\x1f]', "-", name).strip()


def _unique(base: str, used: set[str]) -> str:
    name, n = base, 2
    while name in used:
        name, n = f"{base}_{n}", n + 1
    used.add(name)
    return name


# -- sources and participants -------------------------------------------------------------------


def source_table(project: QdpxProject) -> tuple[pd.DataFrame, list[str]]:
    """Text sources with a question id (``qid``) each; empty sources are left out (noted)."""
    sources = project.sources.copy()
    empty = sources["text"].str.strip() == ""
    notes = []
    if empty.any():
        names = ", ".join(sources.loc[empty, "name"].tolist()[:10])
        notes.append(f"{int(empty.sum())} source(s) have no text and were left out: {names}")
    sources = sources.loc[~empty].reset_index(drop=True)
    used: set[str] = {WAVE}  # a transcript's id is also a wave name
    sources["qid"] = [_unique(identifier(n, "source"), used) for n in sources["name"]]
    sources["labels"] = [speaker_labels(t) for t in sources["text"]]
    sources["kind"] = ["transcript" if labels else "survey" for labels in sources["labels"]]
    return sources, notes


def speaker_labels(text: str) -> list[str]:
    """The speaker labels of a source that reads as an interview transcript, else ``[]``.

    Only a source with at least two speaker labels, one of them an interviewer's, is taken as
    a transcript: then ingest can leave the interviewer's questions out of the analysis, as
    for any transcript. Anything else (notes, diaries, answers) is a free-text document.
    """
    from toolkit.ingest.transcripts import parse_lines

    turns = parse_lines(text.split("\n"))
    labels = list(dict.fromkeys(t.label for t in turns))
    if len(turns) < 2 or len(labels) < 2:
        return []
    if not any(is_interviewer(label) for label in labels):
        return []
    return labels


def is_interviewer(label: str) -> bool:
    """Whether a speaker label reads as the interviewer's ("Interviewer 2", "I", "PR").

    >>> [is_interviewer(x) for x in ("Interviewer 2", "I", "Int.", "Respondent", "P1")]
    [True, True, True, False, False]
    """
    words = re.findall(r"[a-z]+", label.casefold())
    return label.casefold() in INTERVIEWER_LABELS or bool(words and words[0] in INTERVIEWER_LABELS)


def speakers(sources: pd.DataFrame) -> dict[str, str]:
    """Speaker label -> role for every transcript source (study.yml ``transcripts.speakers``)."""
    labels = dict.fromkeys(label for ls in sources["labels"] for label in ls)
    return {label: "interviewer" if is_interviewer(label) else "participant" for label in labels}


def participants(project: QdpxProject, sources: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """The participant register: a row per case, plus a row per source in no case.

    Returns the register (``participant_ref``, ``cohort``, one column per case variable) with
    a ``sources`` column (list of source GUIDs), and notes.
    """
    notes, rows, used = [], [], set()
    owner: dict[str, str] = {}
    for case in project.cases:
        ref = _unique(file_safe(case.name) or f"case {len(rows) + 1}", used)
        mine = [g for g in case.sources if g in set(sources["guid"]) and g not in owner]
        shared = [g for g in case.sources if g in owner]
        if shared:
            notes.append(
                f"case {case.name!r} shares {len(shared)} source(s) with an earlier case; "
                "each source belongs to its first case"
            )
        owner.update({g: ref for g in mine})
        rows.append({"participant_ref": ref, **case.values, "sources": mine})
    alone = [s for s in sources.itertuples() if s.guid not in owner]
    if alone and project.cases:
        notes.append(f"{len(alone)} source(s) belong to no case; each is a participant of its own")
    for s in alone:
        ref = _unique(file_safe(s.name) or s.qid, used)
        rows.append({"participant_ref": ref, "sources": [s.guid]})
    register = pd.DataFrame(rows).fillna("")
    register.insert(1, "cohort", COHORT)
    return register, notes


def attribute_columns(project: QdpxProject) -> dict[str, str]:
    """Case variable name -> register column (a lower-case id, never a reserved name)."""
    used = set(RESERVED_COLUMNS)
    return {v: _unique(identifier(v, "attribute"), used) for v in project.variables}


# -- codebook -----------------------------------------------------------------------------------


def _walk(tree: list[ImportedCode], entries: list[dict], out: dict[str, dict]) -> None:
    for code, entry in zip(tree, entries, strict=True):
        out[code.guid] = entry
        _walk(code.children, entry.get("children", []), out)


def codebook_entries(
    project: QdpxProject, coded: set[str]
) -> tuple[list[dict], dict[str, str], list[str]]:
    """Codebook YAML entries, project code GUID -> code id, and notes.

    A code with sub-codes is a category in the toolkit; when text was coded with it directly
    (NVivo allows this), a code of the same name is added as its first sub-code so those
    codings keep a code with that name.
    """
    entries, notes = codes_to_yaml(project.code_tree)
    by_guid: dict[str, dict] = {}
    _walk(project.code_tree, entries, by_guid)
    ids = {e["id"] for e in by_guid.values()}
    code_of = {g: e["id"] for g, e in by_guid.items()}
    for g in sorted(coded & set(by_guid)):
        entry = by_guid[g]
        if "children" not in entry:
            continue
        own = {
            "id": _unique(f"{entry['id']}_itself", ids),
            "name": entry["name"],
            "definition": entry.get("definition")
            or f"Text coded with '{entry['name']}' itself in the original project.",
        }
        entry["children"].insert(0, own)
        code_of[g] = own["id"]
        notes.append(
            f"text was coded with {entry['name']!r}, which has sub-codes; those codings are "
            f"kept under a code of the same name inside it ({own['id']})"
        )
    return entries, code_of, notes


# -- coded selections ---------------------------------------------------------------------------


def selection_rows(
    project: QdpxProject,
    sources: pd.DataFrame,
    code_of: dict[str, str],
    reviewer: str | None,
    file: str,
) -> pd.DataFrame:
    """One row per coded selection on a kept source, credited to its user or ``reviewer``."""
    sel = project.selections.loc[project.selections["source_guid"].isin(set(sources["guid"]))]
    problems = ProblemCollector()
    for g in sorted(set(sel["code_guid"]) - set(code_of)):
        problems.add(
            file,
            "a coding refers to a code that is not in the project's codebook",
            value=g,
            expected="a CodeRef to a Code in <CodeBook>",
        )
    if reviewer:
        who = pd.Series(reviewer.strip(), index=sel.index)
    else:
        # A coding that names nobody is the project owner's (the person who made the project).
        users = sel["user_guid"].where(sel["user_guid"] != "", project.creating_user)
        who = users.map(project.users)
        if who.isna().any() or (who.str.strip() == "").any():
            problems.add(file, errors.QDPX_NO_USER, expected=errors.QDPX_NO_USER_EXPECTED)
    problems.raise_if_any()
    src = sources.set_index("guid")
    names = {c.guid: c.name for c in project.codes.values()}
    return pd.DataFrame(
        {
            "source": sel["source_guid"].map(src["qid"]),
            "start": sel["start"].astype(int),
            "end": sel["end"].astype(int),
            "code": sel["code_guid"].map(code_of),
            "reviewer": who.str.strip(),
            "source_name": sel["source_guid"].map(src["name"]),
            "code_name": sel["code_guid"].map(names),
        },
        columns=SELECTION_FIELDS,
    ).drop_duplicates()


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
        notes.append("the project has no codes: the study has no codebook yet")
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

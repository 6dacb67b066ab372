"""What each part of a REFI-QDA project becomes in a new study (see :mod:`.new_study`).

- :func:`source_table`: text sources, each with an id and a kind: ``transcript`` when it reads
  as an interview with an interviewer's speaker label, else ``survey`` (a free-text document);
- :func:`participants`: the participant register from the project's cases;
- :func:`codebook_entries`: the code tree as codebook YAML entries;
- :func:`selection_rows`: the coded selections, credited to their user or a reviewer.
"""

from __future__ import annotations

import re

import pandas as pd

from toolkit import errors
from toolkit.coding.refiqda.qdc import ImportedCode, codes_to_yaml
from toolkit.coding.refiqda.reader import QdpxProject
from toolkit.errors import ProblemCollector

WAVE = "project"
COHORT = "project"
# The columns of decisions/imported_selections.csv, read by the `imported` stage of `lxt run`.
SELECTION_FIELDS = ["source", "start", "end", "code", "reviewer", "source_name", "code_name"]
RESERVED_COLUMNS = {"pid", "cohort", "participant_ref"}
# Speaker labels taken to be the interviewer's. A guess from common transcription habits,
# written into study.yml (transcripts.speakers) where the user can correct it.
INTERVIEWER_LABELS = {
    "interviewer", "int", "i", "iv", "q", "question", "researcher", "facilitator",
    "moderator", "pr", "peer researcher",
}  # fmt: skip


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
        who = users.map(project.users).astype(object)
        if who.isna().any() or (who.astype(str).str.strip() == "").any():
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
            "reviewer": who.astype(str).str.strip(),
            "source_name": sel["source_guid"].map(src["name"]),
            "code_name": sel["code_guid"].map(names),
        },
        columns=SELECTION_FIELDS,
    ).drop_duplicates()

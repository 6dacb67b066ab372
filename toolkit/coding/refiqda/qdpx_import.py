"""Codings made in NVivo, ATLAS.ti, MAXQDA or QualCoder come back as human decisions.

:func:`read_qdpx` reads any REFI-QDA project: its codes, users, text sources and coded
selections, with offsets mapped to LF-normalised text (NVivo and MAXQDA count ``\\r\\n`` as two
characters). :func:`import_qdpx` then matches the project to a study:

- sources to documents by GUID (projects exported by ``lxt export qdpx``), else by identical
  text, else by name;
- codes to the study codebook by GUID, else by name or id (case-insensitive); a code the
  codebook does not know is an error unless ``new_codes=True``;
- a selection codes a segment when it covers at least half of the segment, or at least half
  of the selection lies inside the segment (a phrase highlighted within a sentence);
- each coded segment becomes an ``accept`` (if the machine had suggested that code) or ``add``
  decision, and a code the reviewer had applied before but removed in the other program
  becomes a ``reject``. Only what changes a reviewer's current decisions is appended, so
  importing the same file twice (or our own export) appends nothing;
- with ``reviewer=``, codings by anyone but the toolkit's own exported users are credited to
  that reviewer, and the exported users' codings are left alone (the log may be newer than
  the project); without it, each coding is credited to the project's user who made it.

Sources and selections that match nothing in the study are listed in the report, never
silently dropped.

The import needs the study's built ``documents`` and ``segments`` tables, so it is shown
rather than run (``tests/test_refiqda.py`` runs the round trip)::

    study = load_study("surveys/example")
    report = import_qdpx(study, "coded.qdpx", reviewer="uni01")
    print(report.message)   # matched sources, new decisions, anything that could not be placed
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from toolkit import errors
from toolkit.coding.codebook import Codebook
from toolkit.coding.decisions import (
    AppendResult,
    append_decisions,
    current_decisions,
    read_decisions,
    text_hash,
)
from toolkit.coding.refiqda.common import (
    crlf_positions,
    guid,
    lf_offset,
    normal_guid,
    normalise_newlines,
    slug,
)
from toolkit.coding.refiqda.qdc import code_guid
from toolkit.coding.refiqda.reader import QdpxProject, read_qdpx, unknown_users_note
from toolkit.errors import Problem, ProblemCollector, UserError
from toolkit.study.config import Study
from toolkit.study.tables import StudyOutputs

MACHINE_SOURCES = ("rule", "model")


@dataclass
class QdpxImportReport:
    """What :func:`import_qdpx` matched, appended and could not place."""

    result: AppendResult | None
    decisions: dict[str, int] = field(default_factory=dict)
    matched_sources: int = 0
    unmatched_sources: list[str] = field(default_factory=list)
    unplaced_selections: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def message(self) -> str:
        changes = ", ".join(f"{v} {k}" for k, v in sorted(self.decisions.items())) or "no"
        lines = [
            f"Matched {self.matched_sources} source(s) to the study's documents; "
            + changes
            + " new decision(s) in the project."
        ]
        if self.result is not None:
            lines.append(self.result.message)
        if self.unmatched_sources:
            shown = ", ".join(self.unmatched_sources[:5])
            lines.append(
                f"note: {len(self.unmatched_sources)} source(s) are not documents of "
                f"this study and were not imported: {shown}"
            )
        if self.unplaced_selections:
            lines.append(
                f"note: {self.unplaced_selections} coded selection(s) fall on text "
                "that is not a segment (e.g. an interviewer's question) and were "
                "not imported"
            )
        return "\n".join(lines + [f"note: {n}" for n in self.notes])


def match_sources(project: QdpxProject, study: Study, documents: pd.DataFrame) -> dict[str, str]:
    """Project source GUID -> doc_id (by our GUID, then identical text, then name)."""
    by_guid = {normal_guid(guid("source", study.name, d)): d for d in documents["doc_id"]}
    texts = documents.assign(lf=documents["text"].astype(str).map(normalise_newlines))
    by_text = texts.drop_duplicates("lf", keep=False).set_index("lf")["doc_id"].to_dict()
    names = {f"{r.pid} {r.source} {r.wave}".strip(): r.doc_id for r in documents.itertuples()}
    out = {}
    for src in project.sources.itertuples():
        doc = by_guid.get(src.guid) or by_text.get(src.text) or names.get(src.name.strip())
        if doc is not None:
            out[src.guid] = doc
    return out


def match_codes(
    project: QdpxProject, codebook: Codebook, used: set[str], file: str, new_codes: bool
) -> tuple[dict[str, str], list[str]]:
    """Project code GUID -> code id for every code used in a coding."""
    ours = {normal_guid(code_guid(codebook.name, c.id)): c for c in codebook.codes}
    by_name = {}
    for c in codebook.codes:
        by_name.setdefault(c.name.strip().lower(), c)
        by_name.setdefault(c.id.lower(), c)
    problems = ProblemCollector()
    mapping, notes = {}, []
    for g in sorted(used):
        pcode = project.codes.get(g)
        if pcode is None:
            problems.add(
                file,
                "a coding refers to a code that is not in the project's codebook",
                value=g,
                expected="a CodeRef to a Code in <CodeBook>",
            )
            continue
        code = ours.get(g) or by_name.get(pcode.name.strip().lower())
        if code is None:
            if new_codes:
                mapping[g] = slug(pcode.name)
                notes.append(
                    f"code {pcode.name!r} is not in the codebook; kept as "
                    f"{mapping[g]!r} (add it to the codebook to use it)"
                )
                continue
            problems.add(
                file,
                "code is not in the study's codebook",
                value=pcode.name,
                expected="a code of the codebook (add it with `lxt import qdc`, or "
                "import with --new-codes to keep it as a new code)",
            )
        elif not code.codable:
            problems.add(
                file,
                "text is coded with a category",
                value=pcode.name,
                expected=f"one of its codes: {', '.join(code.children)}",
            )
        else:
            mapping[g] = code.id
    problems.raise_if_any()
    return mapping, notes


def place_on_segments(spans: pd.DataFrame, segments: pd.DataFrame) -> pd.DataFrame:
    """Join coded spans (doc_id, start, end, ...) to the segments they code.

    A span codes a segment when it covers at least half of the segment or at least half of
    the span lies inside it. Offsets must be in the same (LF-normalised) text.
    """
    joined = spans.reset_index(names="span").merge(
        segments[["seg_id", "doc_id", "seg_start", "seg_end"]], on="doc_id"
    )
    overlap = (
        joined[["end", "seg_end"]].min(axis=1) - joined[["start", "seg_start"]].max(axis=1)
    ).clip(lower=0)
    seg_len = (joined["seg_end"] - joined["seg_start"]).clip(lower=1)
    span_len = (joined["end"] - joined["start"]).clip(lower=1)
    keep = (overlap > 0) & ((overlap * 2 >= seg_len) | (overlap * 2 >= span_len))
    return joined.loc[keep]


def credit_reviewers(
    selections: pd.DataFrame,
    project: QdpxProject,
    reviewer: str | None,
    report: QdpxImportReport,
    file: str,
) -> pd.DataFrame:
    """Add a ``reviewer`` column: ``reviewer`` for others' codings, else each coding's user.

    With ``reviewer``, codings by users this toolkit exported (their GUID is derived from
    their name) are dropped: they are already in the decision log, which may be newer.
    """
    exported = {g for g, name in project.users.items() if g == normal_guid(guid("user", name))}
    sel = selections.copy()
    if reviewer:
        ours = sel["user_guid"].isin(exported)
        if ours.any():
            names = sorted({project.users[g] for g in sel.loc[ours, "user_guid"]})
            report.notes.append(
                f"{int(ours.sum())} coding(s) by {', '.join(names)} came from an earlier "
                "`lxt export qdpx` and were left as they are in the decision log"
            )
        sel = sel.loc[~ours].copy()
        sel["reviewer"] = reviewer.strip()
        return sel
    names = sel["user_guid"].map(project.users)
    if names.isna().any() or (names == "").any():
        raise UserError(Problem(file, errors.QDPX_NO_USER, expected=errors.QDPX_NO_USER_EXPECTED))
    sel["reviewer"] = names.str.strip()
    return sel


def lf_segments(documents: pd.DataFrame, segments: pd.DataFrame, doc_ids: set) -> pd.DataFrame:
    """Segments of ``doc_ids`` with ``seg_start``/``seg_end`` in LF-normalised text offsets."""
    raw_docs = documents.set_index("doc_id")["text"].astype(str)
    segs = segments.loc[segments["doc_id"].isin(doc_ids)].copy()
    crlf = {d: crlf_positions(raw_docs[d]) for d in segs["doc_id"].unique()}
    pairs = zip(segs["start"], segs["end"], segs["doc_id"], strict=True)
    offsets = [(lf_offset(int(s), crlf[d]), lf_offset(int(e), crlf[d])) for s, e, d in pairs]
    segs["seg_start"] = [s for s, _ in offsets]
    segs["seg_end"] = [e for _, e in offsets]
    return segs


def coded_records(
    coded: pd.DataFrame, segs: pd.DataFrame, outputs: StudyOutputs
) -> tuple[list[dict], pd.Series]:
    """An ``accept`` (the machine had suggested it) or ``add`` record per coded segment."""
    suggested: set[tuple[str, str]] = set()
    if outputs.has("codings"):
        codings = outputs.read("codings")
        machine = codings.loc[codings["source"].astype(str).isin(MACHINE_SOURCES)]
        suggested = set(zip(machine["seg_id"], machine["code"], strict=True))
    hashes = segs.drop_duplicates("seg_id").set_index("seg_id")["text"].map(text_hash)
    records = [
        {
            "reviewer": r.reviewer,
            "seg_id": r.seg_id,
            "code": r.code,
            "decision": "accept" if (r.seg_id, r.code) in suggested else "add",
            "text_hash": hashes[r.seg_id],
        }
        for r in coded.itertuples()
    ]
    return records, hashes


def removed_codings(
    current: pd.DataFrame,
    coded: pd.DataFrame,
    seg_ids: set,
    speakers: set[str],
    hashes: pd.Series,
) -> list[dict]:
    """``reject`` records for codes ``speakers`` had applied here but removed in the project."""
    if current.empty:
        return []
    keep = set(zip(coded["reviewer"], coded["seg_id"], coded["code"], strict=True))
    mine = current.loc[
        current["reviewer"].isin(speakers)
        & current["seg_id"].isin(seg_ids)
        & current["decision"].isin(("accept", "add"))
    ]
    return [
        {
            "reviewer": r.reviewer,
            "seg_id": r.seg_id,
            "code": r.code,
            "decision": "reject",
            "text_hash": hashes.get(r.seg_id, ""),
        }
        for r in mine.itertuples()
        if (r.reviewer, r.seg_id, r.code) not in keep
    ]


def changes_only(records: list[dict], current: pd.DataFrame) -> list[dict]:
    """Records that change a reviewer's current decision (re-importing adds nothing)."""
    if current.empty:
        return records
    now = (
        current.set_index(["reviewer", "seg_id", "code"])["decision"]
        .map(lambda d: d in ("accept", "add"))
        .to_dict()
    )
    return [
        rec
        for rec in records
        if now.get((rec["reviewer"], rec["seg_id"], rec["code"]))
        != (rec["decision"] in ("accept", "add"))
    ]


def import_qdpx(
    study: Study,
    path: str | Path,
    *,
    reviewer: str | None = None,
    outputs: StudyOutputs | None = None,
    codebook: Codebook | None = None,
    new_codes: bool = False,
) -> QdpxImportReport:
    """Append the codings of a REFI-QDA project to the study's decision log.

    Parameters
    ----------
    study : Study
    path : path
        The ``.qdpx`` project.
    reviewer : str, optional
        Who coded in the other program; every coding is recorded as theirs. If omitted, each
        coding is credited to the project's user who made it (its ``User`` name).
    outputs : StudyOutputs, optional
        Where the study's tables are (``documents``, ``segments``, optional ``codings``).
    codebook : Codebook, optional
        Default: the study's codebook.
    new_codes : bool
        Keep codes the codebook does not know (as new ids) instead of stopping with an error.
    """
    from toolkit.coding.codebook import load_study_codebook

    path = Path(path)
    file = str(path)
    outputs = outputs or StudyOutputs.for_study(study)
    codebook = codebook or load_study_codebook(study)
    project = read_qdpx(path)
    documents = outputs.read("documents")
    report = QdpxImportReport(result=None, notes=list(project.notes))
    if not reviewer:
        report.notes += unknown_users_note(project)
    doc_of = match_sources(project, study, documents)
    report.matched_sources = len(doc_of)
    report.unmatched_sources = [
        n or g
        for g, n in zip(project.sources["guid"], project.sources["name"], strict=True)
        if g not in doc_of
    ]
    sel = project.selections.loc[project.selections["source_guid"].isin(doc_of)]
    sel = credit_reviewers(sel, project, reviewer, report, file)
    code_of, notes = match_codes(project, codebook, set(sel["code_guid"]), file, new_codes)
    report.notes += notes
    sel["doc_id"] = sel["source_guid"].map(doc_of)
    sel["code"] = sel["code_guid"].map(code_of)

    segs = lf_segments(documents, outputs.read("segments"), set(doc_of.values()))
    placed = place_on_segments(sel.reset_index(drop=True), segs)
    report.unplaced_selections = int(len(sel) - placed["span"].nunique()) if len(sel) else 0
    coded = placed[["reviewer", "seg_id", "code"]].drop_duplicates()
    records, hashes = coded_records(coded, segs, outputs)
    current = current_decisions(read_decisions(study))
    # Every user of the project speaks for their own codings (or `reviewer` for all of them).
    speakers = (
        {reviewer.strip()}
        if reviewer
        else set(coded["reviewer"]) | {n.strip() for n in project.users.values() if n}
    )
    records += removed_codings(current, coded, set(segs["seg_id"]), speakers, hashes)
    records = changes_only(records, current)
    for rec in records:
        report.decisions[rec["decision"]] = report.decisions.get(rec["decision"], 0) + 1
    batch = "qdpx-" + hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    report.result = append_decisions(study, records, source_file=path.name, batch_id=batch)
    return report

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
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import pandas as pd

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
    strip_ns,
)
from toolkit.coding.refiqda.qdc import ImportedCode, code_guid, parse_code_tree
from toolkit.errors import Problem, ProblemCollector, UserError
from toolkit.study.config import Study
from toolkit.study.tables import StudyOutputs

MACHINE_SOURCES = ("rule", "model")
SELECTION_COLUMNS = ["source_guid", "start", "end", "code_guid", "user_guid"]


@dataclass
class QdpxProject:
    """What a ``.qdpx`` holds, in LF-normalised offsets."""

    name: str
    codes: dict[str, ImportedCode]  # normalised guid -> code
    users: dict[str, str]  # normalised guid -> user name
    sources: pd.DataFrame  # guid, name, text (LF)
    selections: pd.DataFrame  # SELECTION_COLUMNS


def _children(el: ET.Element, tag: str) -> list[ET.Element]:
    return [c for c in el if strip_ns(c.tag) == tag]


def _child(el: ET.Element, tag: str) -> ET.Element | None:
    found = _children(el, tag)
    return found[0] if found else None


def _flatten(tree: list[ImportedCode]) -> dict[str, ImportedCode]:
    out: dict[str, ImportedCode] = {}
    stack = list(tree)
    while stack:
        code = stack.pop()
        out[code.guid] = code
        stack.extend(code.children)
    return out


def _source_text(zf: zipfile.ZipFile, el: ET.Element, file: str) -> str:
    content = _child(el, "PlainTextContent")
    if content is not None and content.text is not None:
        return content.text
    path = el.get("plainTextPath") or ""
    if not path.startswith("internal://"):
        raise UserError(
            Problem(
                file,
                "a text source is stored outside the project",
                value=path or el.get("name"),
                expected="plainTextPath='internal://<guid>.txt' (export the "
                "project with its sources embedded)",
            )
        )
    wanted = path.removeprefix("internal://").lower()
    # Tools differ on the case of the folder; match it without regard to case.
    members = {m.lower(): m for m in zf.namelist()}
    member = members.get(f"sources/{wanted}") or next(
        (m for low, m in members.items() if PurePosixPath(low).name == wanted), None
    )
    if member is None:
        raise UserError(
            Problem(
                file,
                "a text source's file is missing from the project",
                value=path,
                expected=f"sources/{wanted} inside the .qdpx",
            )
        )
    raw = zf.read(member)
    try:
        return raw.decode("utf-8-sig")  # tolerate the BOM some tools write
    except UnicodeDecodeError:
        raise UserError(
            Problem(
                file,
                "a text source is not UTF-8 text",
                value=member,
                expected="UTF-8 text files in sources/",
            )
        ) from None


def read_qdpx(path: str | Path) -> QdpxProject:
    """Read a REFI-QDA project; offsets come back in LF-normalised text.

    Raises :class:`UserError` if the file is not a readable ``.qdpx``.
    """
    path = Path(path)
    file = str(path)
    if not path.exists():
        raise UserError(Problem(file, "file not found", expected="a REFI-QDA .qdpx project"))
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise UserError(
            Problem(
                file,
                "not a .qdpx project (not a zip file)",
                expected="a REFI-QDA .qdpx exported from NVivo, ATLAS.ti, MAXQDA or QualCoder",
            )
        ) from None
    with zf:
        qde = [m for m in zf.namelist() if m.lower().endswith(".qde")]
        if len(qde) != 1:
            raise UserError(
                Problem(
                    file,
                    f"found {len(qde)} project.qde files",
                    expected="exactly one project.qde in the .qdpx",
                )
            )
        try:
            root = ET.fromstring(zf.read(qde[0]))
        except ET.ParseError as exc:
            raise UserError(Problem(file, f"project.qde is not valid XML ({exc})")) from None
        if strip_ns(root.tag) != "Project":
            raise UserError(
                Problem(
                    file,
                    "not a REFI-QDA project",
                    value=strip_ns(root.tag),
                    expected="a root element Project",
                )
            )
        codes: dict[str, ImportedCode] = {}
        book = _child(root, "CodeBook")
        if book is not None and _child(book, "Codes") is not None:
            codes = _flatten(parse_code_tree(_child(book, "Codes")))
        users = {}
        if _child(root, "Users") is not None:
            for u in _children(_child(root, "Users"), "User"):
                users[normal_guid(u.get("guid"))] = u.get("name") or u.get("id") or ""
        src_rows, sel_rows = [], []
        sources = _child(root, "Sources")
        for el in _children(sources, "TextSource") if sources is not None else []:
            g = normal_guid(el.get("guid"))
            raw = _source_text(zf, el, file)
            crlf = crlf_positions(raw)
            text = normalise_newlines(raw)
            src_rows.append((g, el.get("name") or "", text))
            default_user = normal_guid(el.get("creatingUser"))
            for sel in _children(el, "PlainTextSelection"):
                try:
                    start = lf_offset(int(sel.get("startPosition")), crlf)
                    end = lf_offset(int(sel.get("endPosition")), crlf)
                except (TypeError, ValueError):
                    raise UserError(
                        Problem(
                            file,
                            "a coded selection has no usable start or end position",
                            value=sel.get("guid"),
                            expected="whole numbers in startPosition and endPosition",
                        )
                    ) from None
                user = normal_guid(sel.get("creatingUser")) or default_user
                for coding in _children(sel, "Coding"):
                    ref = _child(coding, "CodeRef")
                    if ref is None:
                        continue  # a Coding without a code carries nothing to import
                    who = normal_guid(coding.get("creatingUser")) or user
                    sel_rows.append((g, start, end, normal_guid(ref.get("targetGUID")), who))
            for coding in _children(el, "Coding"):  # the whole source coded at once
                ref = _child(coding, "CodeRef")
                if ref is None:
                    continue
                who = normal_guid(coding.get("creatingUser")) or default_user
                sel_rows.append((g, 0, len(text), normal_guid(ref.get("targetGUID")), who))
    return QdpxProject(
        name=root.get("name") or "",
        codes=codes,
        users=users,
        sources=pd.DataFrame(src_rows, columns=["guid", "name", "text"]),
        selections=pd.DataFrame(sel_rows, columns=SELECTION_COLUMNS),
    )


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
    from toolkit.coding.review_export import study_codebook

    path = Path(path)
    file = str(path)
    outputs = outputs or StudyOutputs.for_study(study)
    codebook = codebook or study_codebook(study)
    project = read_qdpx(path)
    documents = outputs.read("documents")
    segments = outputs.read("segments")
    report = QdpxImportReport(result=None)
    doc_of = match_sources(project, study, documents)
    report.matched_sources = len(doc_of)
    report.unmatched_sources = [
        n or g
        for g, n in zip(project.sources["guid"], project.sources["name"], strict=True)
        if g not in doc_of
    ]
    sel = project.selections.loc[project.selections["source_guid"].isin(doc_of)].copy()
    # Users this toolkit exported (their GUID is derived from their name) bring back codings
    # that are already in the decision log, possibly older than it.
    exported = {g for g, name in project.users.items() if g == normal_guid(guid("user", name))}
    if reviewer:
        # Codings by someone else: credit them to `reviewer`. The toolkit's own exported
        # codings are left alone: the log is newer than the project and must not be undone.
        ours = sel["user_guid"].isin(exported)
        if ours.any():
            names = sorted({project.users[g] for g in sel.loc[ours, "user_guid"]})
            report.notes.append(
                f"{int(ours.sum())} coding(s) by {', '.join(names)} came from an earlier "
                "`lxt export qdpx` and were left as they are in the decision log"
            )
        sel = sel.loc[~ours].copy()
        sel["reviewer"] = reviewer.strip()
    else:
        names = sel["user_guid"].map(project.users)
        if names.isna().any() or (names == "").any():
            raise UserError(
                Problem(
                    file,
                    "some codings do not say who made them",
                    expected="--reviewer ID to credit every coding to one person",
                )
            )
        sel["reviewer"] = names.str.strip()

    code_of, notes = match_codes(project, codebook, set(sel["code_guid"]), file, new_codes)
    report.notes += notes
    sel["doc_id"] = sel["source_guid"].map(doc_of)
    sel["code"] = sel["code_guid"].map(code_of)

    # Segment offsets in the same LF-normalised text as the project's offsets.
    raw_docs = documents.set_index("doc_id")["text"].astype(str)
    segs = segments.loc[segments["doc_id"].isin(set(doc_of.values()))].copy()
    crlf = {d: crlf_positions(raw_docs[d]) for d in segs["doc_id"].unique()}
    segs["seg_start"] = [
        lf_offset(int(s), crlf[d]) for s, d in zip(segs["start"], segs["doc_id"], strict=True)
    ]
    segs["seg_end"] = [
        lf_offset(int(e), crlf[d]) for e, d in zip(segs["end"], segs["doc_id"], strict=True)
    ]
    placed = place_on_segments(sel.reset_index(drop=True), segs)
    report.unplaced_selections = int(len(sel) - placed["span"].nunique()) if len(sel) else 0
    coded = placed[["reviewer", "seg_id", "code"]].drop_duplicates()

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
    # A code a reviewer had applied to these documents but removed in the other program.
    current = current_decisions(read_decisions(study))
    keep = set(zip(coded["reviewer"], coded["seg_id"], coded["code"], strict=True))
    if not current.empty:
        if reviewer:
            who = {reviewer.strip()}
        else:  # every user of the project speaks for their own codings
            who = set(coded["reviewer"]) | {n.strip() for n in project.users.values() if n}
        mine = current.loc[
            current["reviewer"].isin(who)
            & current["seg_id"].isin(set(segs["seg_id"]))
            & current["decision"].isin(("accept", "add"))
        ]
        for r in mine.itertuples():
            if (r.reviewer, r.seg_id, r.code) not in keep:
                records.append(
                    {
                        "reviewer": r.reviewer,
                        "seg_id": r.seg_id,
                        "code": r.code,
                        "decision": "reject",
                        "text_hash": hashes.get(r.seg_id, ""),
                    }
                )
    # Only what changes a reviewer's current decisions is appended: re-importing a project
    # that agrees with the log (e.g. our own export) adds nothing.
    if not current.empty:
        now = (
            current.set_index(["reviewer", "seg_id", "code"])["decision"]
            .map(lambda d: d in ("accept", "add"))
            .to_dict()
        )
        records = [
            rec
            for rec in records
            if now.get((rec["reviewer"], rec["seg_id"], rec["code"]))
            != (rec["decision"] in ("accept", "add"))
        ]
    for rec in records:
        report.decisions[rec["decision"]] = report.decisions.get(rec["decision"], 0) + 1
    batch = "qdpx-" + hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    report.result = append_decisions(study, records, source_file=path.name, batch_id=batch)
    return report

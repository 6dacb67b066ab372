"""A study as a REFI-QDA project (``.qdpx``) that NVivo, ATLAS.ti, MAXQDA and QualCoder open.

What goes in:

- every document as a ``TextSource`` holding its *redacted* text only, as a UTF-8 file
  ``sources/<guid>.txt`` referenced as ``internal://<guid>.txt``;
- the codebook (categories ``isCodable="false"``), plus any code people applied that has since
  left the codebook, so no human coding is lost;
- each participant with documents as a ``Case`` whose attributes (cohort, age band, IMD
  decile, PLUS flags ...) are ``VariableValue``\\ s, pointing to their documents (``SourceRef``);
- people's current accepted or added codes (the decision log) as ``PlainTextSelection``\\ s
  over the coded segment, one ``Coding`` per code, made by a ``User`` per reviewer.

Machine suggestions are *not* exported: the project carries human decisions only.
Element order, namespaces and GUIDs follow REFERENCE.md; exporting twice gives the same bytes.

The export needs the study's built ``documents`` and ``segments`` tables, so it is shown
rather than run (``tests/test_refiqda.py`` runs it and validates the project)::

    summary = export_qdpx(load_study("surveys/example"), "example.qdpx")
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pandas as pd

from toolkit.coding.codebook import Code, Codebook
from toolkit.coding.decisions import applied_codes, read_decisions
from toolkit.coding.refiqda.common import (
    PROJECT_NS,
    crlf_positions,
    guid,
    lf_offset,
    normalise_newlines,
    qname,
    to_xml_bytes,
    xml_text,
)
from toolkit.coding.refiqda.qdc import code_elements, code_guid
from toolkit.errors import Problem, UserError
from toolkit.study.config import Study
from toolkit.study.tables import StudyOutputs, atomic_path

PROJECT_FILE = "project.qde"
SOURCES_DIR = "sources"  # lower case: ATLAS.ti rejects "Sources/"
ZIP_DATE = (2020, 1, 1, 0, 0, 0)  # fixed, so that re-exports are byte-identical


@dataclass(frozen=True)
class QdpxSummary:
    path: Path
    sources: int
    cases: int
    codings: int
    reviewers: int


def _e(parent: ET.Element, tag: str, attrs: dict[str, str] | None = None) -> ET.Element:
    return ET.SubElement(parent, qname(PROJECT_NS, tag), attrs or {})


def variable_type(name: str, values: pd.Series) -> str:
    """REFI-QDA ``typeOfVariable`` for a participants column."""
    if pd.api.types.is_bool_dtype(values) or name.startswith(("plus_", "consent_")):
        return "Boolean"
    if pd.api.types.is_datetime64_any_dtype(values):
        return "Date"
    if pd.api.types.is_integer_dtype(values):
        return "Integer"
    if pd.api.types.is_float_dtype(values):
        present = values.dropna()
        return "Integer" if len(present) and (present == present.round()).all() else "Float"
    return "Text"


def _value_element(kind: str, value: object) -> tuple[str, str] | None:
    """(element name, text) of one variable value, or None when it is missing."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if kind == "Boolean":
        text = str(value).strip().lower()
        truth = text in ("true", "1", "yes", "y")
        if text not in ("true", "false", "1", "0", "yes", "no", "y", "n"):
            return None
        return "BooleanValue", "true" if truth else "false"
    if kind == "Integer":
        return "IntegerValue", str(int(float(value)))
    if kind == "Float":
        # xsd:decimal has no exponent: 1e-05 must be written 0.00001
        return "FloatValue", format(Decimal(repr(float(value))), "f")
    if kind == "Date":
        return "DateValue", pd.Timestamp(value).date().isoformat()
    return "TextValue", xml_text(value)


def _source_name(doc: pd.Series, seen: set[str]) -> str:
    name = f"{doc['pid']} {doc['source']} {doc.get('wave', '')}".strip()
    if name in seen:
        name = f"{name} {doc['doc_id']}"
    seen.add(name)
    return name


def _source_description(doc: pd.Series) -> str:
    if doc.get("kind") == "transcript":
        return f"Interview transcript, {doc.get('wave', '')}, participant {doc['pid']}"
    return f"Survey answer to '{doc['source']}', {doc.get('wave', '')}, participant {doc['pid']}"


def selections(
    documents: pd.DataFrame, segments: pd.DataFrame, applied: pd.DataFrame
) -> pd.DataFrame:
    """Coded spans per document in LF-normalised offsets: doc_id, seg_id, reviewer, code,
    start, end. Raises :class:`UserError` if a segment's text does not match its document."""
    if applied.empty:
        return pd.DataFrame(columns=["doc_id", "seg_id", "reviewer", "code", "start", "end"])
    segs = segments.drop_duplicates("seg_id").set_index("seg_id")
    texts = documents.set_index("doc_id")["text"]
    rows, problems = [], []
    for rec in applied.itertuples(index=False):
        if rec.seg_id not in segs.index:
            continue  # decision on a segment that no longer exists: reported elsewhere
        seg = segs.loc[rec.seg_id]
        raw = str(texts.get(seg["doc_id"], ""))
        start, end = int(seg["start"]), int(seg["end"])
        if raw[start:end] != str(seg["text"]):
            problems.append(
                Problem(
                    "segments",
                    "segment text does not match its document at its offsets",
                    column="seg_id",
                    value=rec.seg_id,
                    expected="documents.text[start:end] == segments.text (re-run `lxt run`)",
                )
            )
            continue
        crlf = crlf_positions(raw)
        rows.append(
            (
                seg["doc_id"],
                rec.seg_id,
                rec.reviewer,
                rec.code,
                lf_offset(start, crlf),
                lf_offset(end, crlf),
            )
        )
    if problems:
        raise UserError(problems[:20])
    return pd.DataFrame(rows, columns=["doc_id", "seg_id", "reviewer", "code", "start", "end"])


def imported_source_names(study: Study) -> dict[str, str]:
    """Original source names of a study started from a project, by free-text question id.

    ``lxt import qdpx --new-study`` keeps them (``qdpx_sources.json``) so that an export gives
    the partner's program its sources back under the names it knows.
    """
    from toolkit.coding.refiqda.new_study import SOURCES_INDEX

    path = study.path(SOURCES_INDEX)
    if not path.exists():
        return {}
    import json

    sources = json.loads(path.read_text(encoding="utf-8")).get("sources") or {}
    return {qid: str(v.get("name") or qid) for qid, v in sources.items()}


def users_element(root: ET.Element, spans: pd.DataFrame) -> dict[str, str]:
    """``<Users>``: one per reviewer with a coding; return reviewer -> user GUID."""
    reviewers = sorted(spans["reviewer"].unique()) if len(spans) else []
    user_guid = {r: guid("user", r) for r in reviewers}
    if reviewers:
        users = _e(root, "Users")
        for r in reviewers:
            _e(users, "User", {"guid": user_guid[r], "name": xml_text(r), "id": xml_text(r)})
    return user_guid


def codebook_element(root: ET.Element, codebook: Codebook, spans: pd.DataFrame) -> dict[str, str]:
    """``<CodeBook>``, including codes people applied that have since left the codebook (no
    coding is lost); return code id -> GUID."""
    extra = sorted(set(spans["code"]) - {c.id for c in codebook.codes}) if len(spans) else []
    book = Codebook(
        codebook.name,
        list(codebook.codes)
        + [
            Code(
                id=c,
                name=c,
                definition="Not in the current codebook; kept because people applied it.",
            )
            for c in extra
        ],
    )
    return code_elements(book, PROJECT_NS, _e(_e(root, "CodeBook"), "Codes"))


def cases_elements(
    root: ET.Element,
    study: Study,
    participants: pd.DataFrame | None,
    docs: pd.DataFrame,
    src_guid: dict[str, str],
) -> int:
    """``<Variables>`` and ``<Cases>``: a case per participant with documents, their
    attributes as variable values; return the number of cases."""
    if participants is None or not len(participants):
        return 0
    people = participants.loc[participants["pid"].isin(set(docs["pid"]))].sort_values("pid")
    columns = [c for c in people.columns if c != "pid"]
    kinds = {c: variable_type(c, people[c]) for c in columns}
    var_guid = {c: guid("variable", study.name, c) for c in columns}
    if columns:
        variables = _e(root, "Variables")
        for c in columns:
            _e(variables, "Variable", {"guid": var_guid[c], "name": c, "typeOfVariable": kinds[c]})
    if not len(people):
        return 0
    cases = _e(root, "Cases")
    docs_by_pid = docs.groupby("pid")["doc_id"].apply(list)
    for person in people.itertuples(index=False):
        person = person._asdict()
        case = _e(
            cases,
            "Case",
            {"guid": guid("case", study.name, person["pid"]), "name": xml_text(person["pid"])},
        )
        for c in columns:
            value = _value_element(kinds[c], person[c])
            if value is not None:
                vv = _e(case, "VariableValue")
                _e(vv, "VariableRef", {"targetGUID": var_guid[c]})
                _e(vv, value[0]).text = value[1]
        for d in docs_by_pid.get(person["pid"], []):
            _e(case, "SourceRef", {"targetGUID": src_guid[d]})
    return len(people)


def selection_elements(
    src: ET.Element,
    study: Study,
    spans: pd.DataFrame,
    user_guid: dict[str, str],
    code_guids: dict[str, str],
) -> int:
    """A ``PlainTextSelection`` per coded segment and reviewer, a ``Coding`` per code; return
    the number of codings."""
    n = 0
    for (seg_id, reviewer), sel in spans.groupby(["seg_id", "reviewer"], sort=True):
        first = sel.iloc[0]
        el = _e(
            src,
            "PlainTextSelection",
            {
                "guid": guid("selection", study.name, seg_id, reviewer),
                "name": seg_id,
                "startPosition": str(int(first["start"])),
                "endPosition": str(int(first["end"])),
                "creatingUser": user_guid[reviewer],
            },
        )
        for code in sorted(sel["code"]):
            coding = _e(el, "Coding", {"guid": guid("coding", study.name, seg_id, reviewer, code)})
            _e(coding, "CodeRef", {"targetGUID": code_guids[code]})
            n += 1
    return n


def sources_element(
    root: ET.Element,
    study: Study,
    docs: pd.DataFrame,
    spans: pd.DataFrame,
    src_guid: dict[str, str],
    user_guid: dict[str, str],
    code_guids: dict[str, str],
) -> tuple[dict[str, str], int]:
    """``<Sources>``: a ``TextSource`` per document; return (file name -> LF text, codings)."""
    files: dict[str, str] = {}
    n_codings = 0
    by_doc = {k: g for k, g in spans.groupby("doc_id")} if len(spans) else {}
    original = imported_source_names(study)
    sources = _e(root, "Sources")
    seen_names: set[str] = set()
    for doc in docs.itertuples(index=False):
        doc = pd.Series(doc._asdict())
        g = src_guid[doc["doc_id"]]
        files[f"{SOURCES_DIR}/{g}.txt"] = normalise_newlines(str(doc["text"]))
        # A free-text source is known by its question, a transcript by its wave.
        key = doc["source"] if doc.get("kind") == "survey" else doc.get("wave")
        name = original.get(key)
        if name is None or name in seen_names:
            name = _source_name(doc, seen_names)
        seen_names.add(name)
        src = _e(
            sources,
            "TextSource",
            {"guid": g, "name": xml_text(name), "plainTextPath": f"internal://{g}.txt"},
        )
        _e(src, "Description").text = xml_text(_source_description(doc))
        mine = by_doc.get(doc["doc_id"])
        if mine is not None:
            n_codings += selection_elements(src, study, mine, user_guid, code_guids)
    return files, n_codings


def project_bytes(
    study: Study,
    codebook: Codebook,
    documents: pd.DataFrame,
    segments: pd.DataFrame,
    participants: pd.DataFrame | None,
    applied: pd.DataFrame,
) -> tuple[bytes, dict[str, str], int]:
    """``project.qde`` bytes, the source files (name -> LF text) and the number of codings.

    Children are written in the order the schema requires: Users, CodeBook, Variables, Cases,
    Sources.
    """
    from toolkit import __version__

    spans = selections(documents, segments, applied)
    root = ET.Element(
        qname(PROJECT_NS, "Project"),
        {"name": xml_text(study.title), "origin": f"Lived Experience Toolkit {__version__}"},
    )
    user_guid = users_element(root, spans)
    code_guids = codebook_element(root, codebook, spans)
    docs = documents.sort_values("doc_id")
    src_guid = {d: guid("source", study.name, d) for d in docs["doc_id"]}
    cases_elements(root, study, participants, docs, src_guid)
    files, n_codings = sources_element(root, study, docs, spans, src_guid, user_guid, code_guids)
    return to_xml_bytes(root, PROJECT_NS), files, n_codings


def write_qdpx(path: str | Path, project: bytes, files: dict[str, str]) -> None:
    """Zip ``project.qde`` and the source files, deterministically and atomically."""

    def info(name: str) -> zipfile.ZipInfo:
        zi = zipfile.ZipInfo(name, date_time=ZIP_DATE)
        zi.compress_type = zipfile.ZIP_DEFLATED
        zi.external_attr = 0o644 << 16
        return zi

    with atomic_path(path) as tmp, zipfile.ZipFile(tmp, "w") as zf:
        zf.writestr(info(PROJECT_FILE), project)
        for name in sorted(files):
            zf.writestr(info(name), files[name].encode("utf-8"))  # UTF-8, no BOM


def export_qdpx(
    study: Study,
    path: str | Path,
    *,
    outputs: StudyOutputs | None = None,
    codebook: Codebook | None = None,
    cohorts: list[str] | None = None,
) -> QdpxSummary:
    """Write the study's documents, participants and human codings as a ``.qdpx`` project.

    Parameters
    ----------
    study : Study
    path : path
        The ``.qdpx`` to write.
    outputs : StudyOutputs, optional
        Where the study's tables are (default ``outputs/<study>``); needs ``documents`` and
        ``segments``; ``participants`` is used when present.
    codebook : Codebook, optional
        Default: the study's codebook.
    cohorts : list of str, optional
        Only these cohorts' documents.
    """
    from toolkit.coding.codebook import load_study_codebook

    outputs = outputs or StudyOutputs.for_study(study)
    codebook = codebook or load_study_codebook(study)
    documents = outputs.read("documents")
    if cohorts:
        documents = documents.loc[documents["cohort"].isin(cohorts)]
    segments = outputs.read("segments")
    participants = outputs.read("participants") if outputs.has("participants") else None
    applied = applied_codes(read_decisions(study))
    applied = applied.loc[
        applied["seg_id"].isin(
            set(segments.loc[segments["doc_id"].isin(set(documents["doc_id"])), "seg_id"])
        )
    ]
    project, files, n = project_bytes(study, codebook, documents, segments, participants, applied)
    write_qdpx(path, project, files)
    n_cases = (
        0 if participants is None else int(participants["pid"].isin(set(documents["pid"])).sum())
    )
    return QdpxSummary(
        Path(path), len(documents), n_cases, n, applied["reviewer"].nunique() if len(applied) else 0
    )


__all__ = ["export_qdpx", "project_bytes", "selections", "write_qdpx", "code_guid"]

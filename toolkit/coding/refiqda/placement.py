"""Place codings imported from another program on the segments they cover (stage ``imported``).

A study started with ``lxt import qdpx --new-study`` keeps the project's coded selections in
``decisions/imported_selections.csv`` as offsets into each source's *original* text. Human
decisions are keyed by segment, and a segment only exists after ingest has redacted the text
(which shifts offsets: "Jo Bloggs" becomes "[PERSON_1]") and the text has been split. This
stage runs after ``segment`` and:

1. aligns each source's text as written in the study (``sources.csv``) with its redacted
   document: redaction only replaces identifiers by ``[LABEL_n]`` placeholders, so the text
   between placeholders is found verbatim, in order. Offsets inside a replaced identifier
   move to the placeholder's edges;
2. puts each selection on the segments it covers, by the rule of ``lxt import qdpx``
   (:func:`~toolkit.coding.refiqda.qdpx_import.place_on_segments`);
3. appends an ``add`` decision per (reviewer, segment, code) to the decision log, once: a
   later run appends nothing, and a reviewer's later change (e.g. a ``reject``) stands;
4. reports every selection it could not place (``imported_not_placed`` table and the run's
   notes): never dropped silently.

The raw text is read here only to compute offsets in memory, as ingest does; nothing but
segment ids, codes and counts is written.
"""

from __future__ import annotations

import bisect
import csv
import hashlib
import io
import re
from pathlib import Path

import pandas as pd

from toolkit.coding.decisions import append_decisions, text_hash
from toolkit.coding.refiqda.new_study import SELECTIONS_FILE, SOURCES_INDEX
from toolkit.coding.refiqda.qdpx_import import place_on_segments

# Redaction placeholders, e.g. [PERSON_1], [NHS_NUMBER_2] (toolkit.privacy.redact).
PLACEHOLDER = re.compile(r"\[[A-Z][A-Z_]*_\d+\]")
NOT_PLACED_COLUMNS = ["source_name", "code", "reviewer", "start", "end", "reason"]


class OffsetMap:
    """Map offsets in a text to the same places in its redacted version.

    >>> m = OffsetMap.align("Call Jo Bloggs today.", "Call [PERSON_1] today.")
    >>> m("Call Jo Bloggs today.".index("today")), m(8), m(14)
    (16, 15, 15)
    """

    def __init__(self, pieces: list[tuple[int, int, int]], raw_len: int, red_len: int):
        # (raw start, raw end, redacted start) of each verbatim piece, in order.
        self.pieces = pieces
        self.starts = [p[0] for p in pieces]
        self.raw_len, self.red_len = raw_len, red_len

    @classmethod
    def align(cls, raw: str, redacted: str) -> OffsetMap | None:
        """The map from ``raw`` to ``redacted``, or None when they do not correspond."""
        pieces, cursor, position = [], 0, 0
        parts = PLACEHOLDER.split(redacted)
        holders = [m.end() - m.start() for m in PLACEHOLDER.finditer(redacted)]
        for i, part in enumerate(parts):
            if part:
                # Leading text must match where we are; later pieces follow a replaced
                # identifier of unknown length, so they are searched for (at least 1 on).
                found = raw.find(part, cursor + (1 if i else 0)) if i else raw.find(part)
                if found < 0:
                    return None
                pieces.append((found, found + len(part), position))
                cursor = found + len(part)
            position += len(part) + (holders[i] if i < len(holders) else 0)
        return cls(pieces, len(raw), len(redacted))

    def __call__(self, offset: int) -> int:
        i = bisect.bisect_right(self.starts, offset) - 1
        if i < 0:
            return 0
        raw_start, raw_end, red_start = self.pieces[i]
        if offset <= raw_end:
            return red_start + (offset - raw_start)
        # Inside a replaced identifier: to the end of its placeholder.
        nxt = self.pieces[i + 1][2] if i + 1 < len(self.pieces) else self.red_len
        return nxt


def raw_sources(study) -> dict[str, str]:
    """Each source's text as written in the study's wave file, by free-text question id."""
    texts: dict[str, str] = {}
    for wave in study.waves:
        path = study.path(wave.file)
        if not path.exists() or path.suffix.lower() != ".csv":
            continue
        rows = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline=""))
        for row in rows:
            for q in study.free_text:
                value = row.get(q.column) or ""
                if value.strip():
                    texts[q.id] = value
    return texts


def read_selections(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    return frame.astype({"start": int, "end": int})


def redacted_spans(
    selections: pd.DataFrame, documents: pd.DataFrame, raw: dict[str, str]
) -> tuple[pd.DataFrame, list[dict]]:
    """Selections moved into their redacted documents (doc_id, start, end), and what could
    not be moved (no document for the source, or text that no longer corresponds)."""
    docs = documents.loc[documents["kind"] == "survey"].drop_duplicates("source", keep=False)
    doc_of = docs.set_index("source")
    rows, missing = [], []
    for source, group in selections.groupby("source", sort=False):
        reason = None
        if source not in doc_of.index or source not in raw:
            reason = "the source has no document in this run (empty, or another cohort)"
        else:
            mapping = OffsetMap.align(raw[source], str(doc_of.loc[source, "text"]))
            if mapping is None:
                reason = "the source's text no longer matches its document"
        if reason:
            missing += [{**r, "reason": reason} for r in group.to_dict("records")]
            continue
        moved = group.assign(
            doc_id=doc_of.loc[source, "doc_id"],
            start=group["start"].map(mapping),
            end=group["end"].map(mapping),
        )
        rows.append(moved)
    spans = pd.concat(rows, ignore_index=True) if rows else selections.iloc[0:0].assign(doc_id="")
    return spans, missing


def place_selections(
    selections: pd.DataFrame, documents: pd.DataFrame, segments: pd.DataFrame, raw: dict
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(decision records, selections not placed with a reason)."""
    spans, missing = redacted_spans(selections, documents, raw)
    segs = segments.assign(seg_start=segments["start"], seg_end=segments["end"])
    placed = place_on_segments(spans.reset_index(drop=True), segs)
    unplaced = spans.loc[~spans.index.isin(set(placed["span"]))]
    missing += [
        {**r, "reason": "covers no segment (e.g. an identifier or blank text only)"}
        for r in unplaced.to_dict("records")
    ]
    hashes = segs.drop_duplicates("seg_id").set_index("seg_id")["text"].map(text_hash)
    coded = placed[["reviewer", "seg_id", "code"]].drop_duplicates()
    records = coded.assign(decision="add", text_hash=coded["seg_id"].map(hashes))
    not_placed = pd.DataFrame(missing, columns=[*selections.columns, "reason"])
    return records, not_placed[NOT_PLACED_COLUMNS]


def run_stage(ctx) -> dict:
    """Pipeline stage: place imported codings as decisions (nothing to do for other studies)."""
    study = ctx.study
    path = study.path(study.decisions) / SELECTIONS_FILE
    if not path.exists():
        return {}
    selections = read_selections(path)
    records, not_placed = place_selections(
        selections, ctx.outputs.read("documents"), ctx.outputs.read("segments"), raw_sources(study)
    )
    index = study.path(SOURCES_INDEX)
    project = "project"
    if index.exists():
        import json

        project = json.loads(index.read_text(encoding="utf-8")).get("project") or project
    # One batch per imported file: re-placing the same codings appends nothing.
    batch = "qdpx-new-" + hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    result = append_decisions(study, records, source_file=project, batch_id=batch)
    ctx.outputs.write("imported_not_placed", not_placed)
    if len(not_placed):
        ctx.notes["imported_codings_not_placed"] = not_placed.to_dict("records")
    return {
        "selections": len(selections),
        "decisions": len(records),
        "appended": result.appended,
        "not_placed": len(not_placed),
    }

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


_TOKEN = re.compile(r"\S+")


def _word_edge_ok(raw: str, start: int, end: int, token: str) -> bool:
    """A token found in the raw text must not be part of a longer word there ("I" is not
    the first letter of "Interviewer")."""
    before = start > 0 and token[0].isalnum() and raw[start - 1].isalnum()
    after = end < len(raw) and token[-1].isalnum() and raw[end].isalnum()
    return not (before or after)


class OffsetMap:
    """Map offsets in a source's original text to the same words in its ingested document.

    Ingest changes a text in three ways: identifiers become placeholders ("Jo Bloggs" ->
    "[PERSON_1]"), transcript labels become roles ("P1:" -> "Participant:") and whitespace is
    tidied. Every other word is kept, in order, so the document's words are found one after
    another in the original; an offset between words (or inside a replaced identifier) moves
    to the nearest word edge on its side.

    >>> m = OffsetMap.align("Call Jo Bloggs today.", "Call [PERSON_1] today.")
    >>> red = "Call [PERSON_1] today."
    >>> red[m.start(5) : m.end(14)].strip(), red[m.start(15) :]
    ('[PERSON_1]', 'today.')
    """

    def __init__(self, pieces: list[tuple[int, int, int, int]], doc_len: int):
        # (raw start, raw end, document start, document end) of each word found, in order.
        self.pieces = pieces
        self.raw_starts = [p[0] for p in pieces]
        self.raw_ends = [p[1] for p in pieces]
        self.doc_len = doc_len

    @classmethod
    def align(
        cls, raw: str, document: str, spans: list[tuple[int, int]] | None = None
    ) -> OffsetMap | None:
        """Align ``raw`` with ``document`` (only its ``spans``, e.g. what was said in each
        turn; default all of it). None when a word of the document is not in ``raw``."""
        pieces: list[tuple[int, int, int, int]] = []
        cursor = 0
        for span_start, span_end in spans or [(0, len(document))]:
            # The text between placeholders is in the original; a placeholder is not.
            literals, pos = [], span_start
            for m in PLACEHOLDER.finditer(document, span_start, span_end):
                literals.append((pos, m.start()))
                pos = m.end()
            literals.append((pos, span_end))
            for a, b in literals:
                for token in _TOKEN.finditer(document, a, b):
                    word = token.group()
                    found = raw.find(word, cursor)
                    while found >= 0 and not _word_edge_ok(raw, found, found + len(word), word):
                        found = raw.find(word, found + 1)
                    if found < 0:
                        return None
                    pieces.append((found, found + len(word), token.start(), token.end()))
                    cursor = found + len(word)
        return cls(pieces, len(document))

    def start(self, offset: int) -> int:
        """Where a selection starting at ``offset`` starts in the document (a start between
        words goes back to the end of the word before, keeping a placeholder in between)."""
        i = bisect.bisect_right(self.raw_ends, offset)  # first word ending after offset
        if i < len(self.pieces) and self.pieces[i][0] <= offset:
            return self.pieces[i][2] + offset - self.pieces[i][0]
        return self.pieces[i - 1][3] if i > 0 else 0

    def end(self, offset: int) -> int:
        """Where a selection ending at ``offset`` (exclusive) ends in the document (an end
        between words goes on to the start of the next word)."""
        j = bisect.bisect_left(self.raw_starts, offset) - 1  # last word starting before it
        if j >= 0 and self.pieces[j][1] >= offset:
            return self.pieces[j][3] - (self.pieces[j][1] - offset)
        return self.pieces[j + 1][2] if j + 1 < len(self.pieces) else self.doc_len


def raw_sources(study) -> dict[str, str]:
    """Each source's text as written in the study, by source id (free-text question id, or
    wave of a transcript)."""
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
    if study.transcripts:
        from toolkit.ingest.transcripts import filename_regex

        rx = filename_regex(study.transcripts.filename_pattern, study.wave_names)
        folder = study.path(study.transcripts.folder)
        for path in sorted(folder.glob("*.txt")) if folder.is_dir() else []:
            match = rx.fullmatch(path.stem)
            if match and match.groupdict().get("wave"):
                text = path.read_text(encoding="utf-8-sig")
                texts[match["wave"]] = text.replace("\r\n", "\n").replace("\r", "\n")
    return texts


def source_documents(documents: pd.DataFrame, turns: pd.DataFrame | None) -> dict[str, tuple]:
    """Source id -> (doc_id, text, spans to align): a free-text answer by its question, a
    transcript by its wave (its spans are what was said in each turn)."""
    out = {}
    survey = documents.loc[documents["kind"] == "survey"].drop_duplicates("source", keep=False)
    for d in survey.itertuples():
        out[d.source] = (d.doc_id, str(d.text), None)
    talks = documents.loc[documents["kind"] == "transcript"].drop_duplicates("wave", keep=False)
    spans = {}
    if turns is not None and len(turns):
        for doc_id, group in turns.sort_values(["doc_id", "start"]).groupby("doc_id"):
            spans[doc_id] = list(
                zip(group["start"].astype(int), group["end"].astype(int), strict=True)
            )
    for d in talks.itertuples():
        out.setdefault(d.wave, (d.doc_id, str(d.text), spans.get(d.doc_id, [])))
    return out


def read_selections(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    return frame.astype({"start": int, "end": int})


def redacted_spans(
    selections: pd.DataFrame, docs: dict[str, tuple], raw: dict[str, str]
) -> tuple[pd.DataFrame, list[dict]]:
    """Selections moved into their ingested documents (doc_id, start, end), and what could
    not be moved (no document for the source, or text that no longer corresponds)."""
    rows, missing = [], []
    for source, group in selections.groupby("source", sort=False):
        reason, mapping = None, None
        if source not in docs or source not in raw:
            reason = "the source has no document in this run (empty, or another cohort)"
        else:
            doc_id, text, spans = docs[source]
            mapping = OffsetMap.align(raw[source], text, spans)
            if mapping is None:
                reason = "the source's text no longer matches its document"
        if reason:
            missing += [{**r, "reason": reason} for r in group.to_dict("records")]
            continue
        moved = group.assign(
            doc_id=doc_id,
            start=group["start"].map(mapping.start),
            end=group["end"].map(mapping.end),
        )
        rows.append(moved)
    spans = pd.concat(rows, ignore_index=True) if rows else selections.iloc[0:0].assign(doc_id="")
    return spans, missing


def place_selections(
    selections: pd.DataFrame,
    documents: pd.DataFrame,
    segments: pd.DataFrame,
    raw: dict,
    turns: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(decision records, selections not placed with a reason)."""
    spans, missing = redacted_spans(selections, source_documents(documents, turns), raw)
    segs = segments.assign(seg_start=segments["start"], seg_end=segments["end"])
    placed = place_on_segments(spans.reset_index(drop=True), segs)
    unplaced = spans.loc[~spans.index.isin(set(placed["span"]))]
    missing += [
        {**r, "reason": "covers no segment (an interviewer's words, or blank text only)"}
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
    turns = ctx.outputs.read("turns") if ctx.outputs.has("turns") else None
    records, not_placed = place_selections(
        selections,
        ctx.outputs.read("documents"),
        ctx.outputs.read("segments"),
        raw_sources(study),
        turns,
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

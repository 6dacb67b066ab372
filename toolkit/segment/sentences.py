"""Split redacted documents into the segments that people and models code (stage ``segment``).

A segment is a sentence of a survey answer or of a participant's turn in a transcript.
Interviewer turns are left out by default: we code what residents said, not the questions.
Sentence splitting uses spaCy's rule-based ``sentencizer`` (punctuation), which is fast and
deterministic, so the same text always gives the same segments.

Each segment gets a stable id, ``seg_id = "s_" + sha256(doc_id, start, end, text)[:16]``, so
a human decision recorded against a segment still finds it after a re-run, and changing one
document never changes the ids of another document's segments (DESIGN.md, "Tables").

Reads ``documents`` (and ``turns`` for transcripts), writes ``segments``: seg_id, doc_id, pid,
cohort, wave, source, speaker, start, end, text, with ``start``/``end`` character offsets into
the redacted ``documents.text`` (end exclusive, so ``text == document[start:end]``).

Example
-------
>>> docs = pd.DataFrame({"doc_id": ["d1"], "pid": ["p1"], "cohort": ["clacton"],
...                      "kind": ["survey"], "source": ["barriers"], "wave": ["baseline"],
...                      "text": ["No buses before seven. I can't drive."]})
>>> segment_documents(docs)[["start", "end", "text"]].values.tolist()
[[0, 22, 'No buses before seven.'], [23, 37, "I can't drive."]]
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from functools import lru_cache

import pandas as pd

from toolkit.study.tables import SEGMENT_COLUMNS

# Fragments shorter than this many words ("Yeah.", "Mm, no.") carry no codable meaning on
# their own; they are joined to the next sentence of the same turn instead.
MIN_WORDS = 3
_WORD = re.compile(r"\w+")
_PARAGRAPH = re.compile(r"\n\s*\n")
# Marks that open what follows them. spaCy's sentencizer keeps every punctuation mark after a
# full stop with the sentence it ends, so "much. [PERSON_1] I said" became "much. [" and
# "PERSON_1] I said": a broken placeholder that quote filters no longer recognise.
_OPENERS = "([{\"'“‘"


def segment_id(doc_id: str, start: int, end: int, text: str) -> str:
    """Stable segment id: ``"s_"`` + 16 hex digits of sha256 of doc_id, offsets and text.

    >>> segment_id("d1", 0, 5, "Hello")
    's_6b7e2bed2fc838c9'
    """
    key = f"{doc_id}\x1f{start}\x1f{end}\x1f{text}".encode()
    return "s_" + hashlib.sha256(key).hexdigest()[:16]


@lru_cache(maxsize=1)
def sentence_splitter():
    """A blank English spaCy pipeline with the rule-based sentencizer (loads in milliseconds)."""
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def split_sentences(text: str, min_words: int = MIN_WORDS) -> list[tuple[int, int]]:
    """Character spans ``(start, end)`` of the sentences of ``text``, whitespace trimmed.

    Blank lines always end a sentence; fragments of fewer than ``min_words`` words are joined
    to the following sentence (or the previous one at the end of the text).

    >>> split_sentences("Yes. The bus is late again. It always is.")
    [(0, 27), (28, 41)]
    """
    return _split_many([text], min_words)[0]


def _split_many(texts: list[str], min_words: int = MIN_WORDS) -> list[list[tuple[int, int]]]:
    # Paragraphs first (spaCy's sentencizer does not split on line breaks), then sentences.
    pieces: list[tuple[int, int, int]] = []  # (text index, paragraph start, paragraph end)
    for i, text in enumerate(texts):
        last = 0
        for m in _PARAGRAPH.finditer(text):
            pieces.append((i, last, m.start()))
            last = m.end()
        pieces.append((i, last, len(text)))
    raw: list[list[tuple[int, int]]] = [[] for _ in texts]
    nlp = sentence_splitter()
    docs = nlp.pipe(texts[i][a:b] for i, a, b in pieces)
    for (i, a, _b), doc in zip(pieces, docs, strict=True):
        for sent in doc.sents:
            s, e = _trim(texts[i], a + sent.start_char, a + sent.end_char)
            if e > s:
                raw[i].append((s, e))
    raw = [_openers_forward(spans, text) for spans, text in zip(raw, texts, strict=True)]
    return [_join_fragments(spans, text, min_words) for spans, text in zip(raw, texts, strict=True)]


def _openers_forward(spans: list[tuple[int, int]], text: str) -> list[tuple[int, int]]:
    """Move opening marks that end a sentence after a space ("fine. [", "no. \u201c") to the
    start of the next sentence, where they belong.

    >>> text = 'It was fine. [PERSON_1] said hello. "Why?" I asked him.'
    >>> [text[s:e] for s, e in split_sentences(text)]
    ['It was fine.', '[PERSON_1] said hello.', '"Why?" I asked him.']
    """
    out = list(spans)
    for k in range(len(out) - 1):
        s, e = out[k]
        following, end = out[k + 1]
        cut = e
        while cut > s and text[cut - 1] in _OPENERS:
            cut -= 1
        if cut in (e, s) or not text[cut - 1].isspace() or text[e:following].strip():
            continue
        out[k] = _trim(text, s, cut)
        out[k + 1] = (cut, end)
    return [(s, e) for s, e in out if e > s]


def _join_fragments(
    spans: list[tuple[int, int]], text: str, min_words: int
) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    pending: int | None = None  # start of short fragments waiting to join the next sentence
    for s, e in spans:
        start = s if pending is None else pending
        if len(_WORD.findall(text[start:e])) < min_words:
            pending = start
            continue
        out.append((start, e))
        pending = None
    if pending is not None:
        if out:
            out[-1] = (out[-1][0], spans[-1][1])
        else:
            out.append((pending, spans[-1][1]))
    return out


def _turn_role_column(turns: pd.DataFrame) -> str:
    for name in ("speaker_role", "role", "speaker"):
        if name in turns.columns:
            return name
    raise KeyError("turns table has no speaker_role column")


def segment_documents(
    documents: pd.DataFrame,
    turns: pd.DataFrame | None = None,
    speakers: Iterable[str] = ("participant",),
    unit: str = "sentence",
    min_words: int = MIN_WORDS,
) -> pd.DataFrame:
    """Split documents into segments (see the module docstring for the columns).

    Parameters
    ----------
    documents : the ``documents`` table (doc_id, pid, cohort, kind, source, wave, text).
    turns : the ``turns`` table; transcript turns whose role is not in ``speakers`` are skipped.
    speakers : roles to code in transcripts; survey answers are always the participant's.
    unit : ``"sentence"`` (default) or ``"turn"`` (one segment per whole turn / answer).
    min_words : shorter fragments are joined to the next sentence.
    """
    if unit not in ("sentence", "turn"):
        raise ValueError(f"unit must be 'sentence' or 'turn', not {unit!r}")
    speakers = set(speakers)
    # (document row, region start, region end, speaker) for every region to split.
    regions: list[tuple[int, int, int, str]] = []
    turns_by_doc: dict[str, pd.DataFrame] = {}
    if turns is not None and len(turns):
        role = _turn_role_column(turns)
        turns = turns.assign(role_=turns[role].astype(str))
        turns_by_doc = {str(k): g.sort_values("start") for k, g in turns.groupby("doc_id")}
    docs = documents.reset_index(drop=True)
    kinds = docs["kind"] if "kind" in docs.columns else pd.Series("survey", index=docs.index)
    for row in range(len(docs)):
        text = docs.at[row, "text"]
        if not isinstance(text, str) or not text.strip():
            continue
        doc_turns = turns_by_doc.get(str(docs.at[row, "doc_id"]))
        if kinds.iloc[row] == "transcript" and doc_turns is not None:
            for t in doc_turns.itertuples(index=False):
                if t.role_ in speakers:
                    regions.append((row, int(t.start), int(t.end), t.role_))
        else:
            regions.append((row, 0, len(text), "participant"))

    if unit == "turn":
        spans = [[_trim(docs.at[r, "text"], a, b)] for r, a, b, _ in regions]
    else:
        chunks = [docs.at[r, "text"][a:b] for r, a, b, _ in regions]
        local = _split_many(chunks, min_words) if chunks else []
        spans = [
            [(a + s, a + e) for s, e in sp]
            for (_r, a, _b, _), sp in zip(regions, local, strict=True)
        ]
    records = []
    for (row, _a, _b, speaker), region_spans in zip(regions, spans, strict=True):
        text = docs.at[row, "text"]
        doc_id = str(docs.at[row, "doc_id"])
        for s, e in region_spans:
            if e <= s:
                continue
            piece = text[s:e]
            records.append(
                {
                    "seg_id": segment_id(doc_id, s, e, piece),
                    "doc_id": doc_id,
                    "pid": docs.at[row, "pid"],
                    "cohort": docs.at[row, "cohort"] if "cohort" in docs.columns else None,
                    "wave": docs.at[row, "wave"] if "wave" in docs.columns else None,
                    "source": docs.at[row, "source"] if "source" in docs.columns else None,
                    "speaker": speaker,
                    "start": s,
                    "end": e,
                    "text": piece,
                }
            )
    out = pd.DataFrame.from_records(records, columns=SEGMENT_COLUMNS)
    return out.astype({"start": "int64", "end": "int64"})


def run_stage(ctx) -> dict:
    """Pipeline stage: ``documents`` (+ ``turns``) -> ``segments``."""
    documents = ctx.outputs.read("documents")
    if "cohort" in documents.columns and ctx.cohorts:
        documents = documents[documents["cohort"].isin(ctx.cohorts)]
    turns = ctx.outputs.read("turns") if ctx.outputs.has("turns") else None
    segments = segment_documents(documents, turns)
    ctx.outputs.write("segments", segments)
    return {
        "documents": int(documents["doc_id"].nunique()),
        "segments": len(segments),
        "transcript_segments": int(
            segments["doc_id"]
            .isin(documents.loc[documents.get("kind") == "transcript", "doc_id"])
            .sum()
        )
        if "kind" in documents.columns
        else 0,
    }

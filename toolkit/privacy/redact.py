"""Redact personal identifiers from free text, keeping the story readable.

The pseudonymisation boundary of the toolkit (DESIGN.md principle 3): every survey answer and
transcript is passed through a :class:`Redactor` at ingest, before any other stage sees it.
Identifiers become numbered placeholders, consistent within a document, so that a reader can
still follow who said what to whom: "[PERSON_1] rang me, then [PERSON_1] came round".

Recognition runs on Microsoft Presidio's analyzer with the toolkit's own UK recognisers
(:mod:`toolkit.privacy.recognisers`) and the spaCy pipeline chosen in :mod:`toolkit.privacy.ner`,
loaded once
per process. Offsets in :class:`Span` always point into the *input* text.

Building a redactor loads Presidio and the spaCy pipeline (several seconds), so the example
is shown rather than run (``tests/test_redact.py`` runs redaction)::

    redactor = Redactor(names=["Kerry Wood"])
    r = redactor.redact("Kerry rang 07700 900123, ask for Kerry.")
    r.text       # '[PERSON_1] rang [PHONE_1], ask for [PERSON_1].'
    r.spans[1]   # Span(start=11, end=23, label='PHONE', placeholder='[PHONE_1]')
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any


def _import_presidio() -> None:
    """Import Presidio without its optional Hugging Face and CUDA probes.

    Presidio imports ``transformers`` (if installed) and asks ``torch`` for a GPU at import
    time: 6 seconds on this machine for engines we never use. Its documented
    ``PRESIDIO_DEVICE`` setting skips the GPU probe, and hiding ``transformers`` during the
    import takes Presidio down its own "not installed" path. Other code can still import
    ``transformers`` afterwards.
    """
    if "presidio_analyzer" in sys.modules:
        return
    os.environ.setdefault("PRESIDIO_DEVICE", "cpu")
    hide = "transformers" not in sys.modules
    if hide:
        sys.modules["transformers"] = None  # type: ignore[assignment]
    try:
        import presidio_analyzer  # noqa: F401
    finally:
        if hide:
            del sys.modules["transformers"]


_import_presidio()

from toolkit.privacy.propagate import Finding, propagate_names  # noqa: E402
from toolkit.privacy.recognisers import LABELS, build_registry  # noqa: E402

if TYPE_CHECKING:
    from toolkit.study.config import Study

DEFAULT_THRESHOLD = 0.5
# When two findings overlap, the more specific label wins a tie in score.
_LABEL_PRIORITY = {label: i for i, label in enumerate(
    ("NHS_NUMBER", "NI_NUMBER", "EMAIL", "PHONE", "POSTCODE", "DATE_OF_BIRTH", "URL", "ADDRESS",
     "PERSON")
)}  # fmt: skip


@dataclass(frozen=True)
class Span:
    """One redacted identifier: ``text[start:end]`` of the input, its label and placeholder."""

    start: int
    end: int
    label: str
    placeholder: str


@dataclass
class RedactedText:
    """Redacted text and the spans (offsets into the input text) that were replaced."""

    text: str
    spans: list[Span] = field(default_factory=list)

    def as_record(self) -> dict[str, Any]:
        """The ``spans`` part of a ``lxt redact`` output line."""
        return {
            "text": self.text,
            "spans": [{"start": s.start, "end": s.end, "label": s.label} for s in self.spans],
        }


class Placeholders:
    """Numbering of placeholders within one document: the same value keeps its number.

    A person named in full and later by first name alone ("Sarah Jones" … "Sarah") keeps one
    number, so that peer researchers can follow the story.
    """

    def __init__(self) -> None:
        self._seen: dict[str, list[tuple[str, frozenset[str]]]] = {}

    @staticmethod
    def _key(label: str, value: str) -> tuple[str, frozenset[str]]:
        if label == "PERSON":
            words = frozenset(re.findall(r"[\w'-]+", value.lower()))
            return " ".join(sorted(words)), words
        return re.sub(r"[\s().-]", "", value.lower()), frozenset()

    def get(self, label: str, value: str) -> str:
        key, words = self._key(label, value)
        known = self._seen.setdefault(label, [])
        for number, (other_key, other_words) in enumerate(known, start=1):
            if key == other_key or (
                words and other_words and (words <= other_words or other_words <= words)
            ):
                return f"[{label}_{number}]"
        known.append((key, words))
        return f"[{label}_{len(known)}]"


def _inside(f: Finding, other: Finding) -> bool:
    """Whether ``f`` lies within the longer finding ``other`` of another label."""
    longer = other.end - other.start > f.end - f.start
    return other.label != f.label and other.start <= f.start and f.end <= other.end and longer


def _resolve(text: str, findings: Iterable[Finding]) -> list[Finding]:
    """Merge overlapping findings of one label, then keep the best of overlapping labels.

    Names split by a space only ("jodie" + "malik") are merged into one person.
    """
    merged: list[Finding] = []
    for f in sorted(findings, key=lambda f: (f.label, f.start, -f.end)):
        last = merged[-1] if merged else None
        joined = last and f.label == "PERSON" and text[last.end : f.start] == " "
        if last and last.label == f.label and (f.start < last.end or joined):
            merged[-1] = Finding(
                last.start, max(last.end, f.end), f.label, max(last.score, f.score)
            )
        else:
            merged.append(f)
    # A finding inside a longer one of another label is part of it: "Victoria" in the address
    # "14 Victoria Road", "jo.smith" in the email "jo.smith@example.org".
    merged = [f for f in merged if not any(_inside(f, o) for o in merged)]
    chosen: list[Finding] = []
    ranked = sorted(merged, key=lambda f: (-f.score, _LABEL_PRIORITY[f.label], f.start - f.end))
    for f in ranked:
        if all(f.end <= c.start or f.start >= c.end for c in chosen):
            chosen.append(f)
    return sorted(chosen, key=lambda f: f.start)


class Redactor:
    """Finds and replaces personal identifiers.

    Parameters
    ----------
    names
        Names from the participant and staff registers (and ``redaction.extra_names``).
    keep_terms
        Words never redacted, such as local places and services ("Jaywick", "Job Centre Plus").
    pipeline
        Installed spaCy pipeline for names; ``None`` = the pinned English pipeline.
    threshold
        Findings scoring below this are left alone.
    batch_size
        Texts per spaCy batch.

    Examples
    --------
    Shown rather than run, as it loads the spaCy pipeline::

        Redactor.default().redact("Email me: jo@example.org").text   # 'Email me: [EMAIL_1]'
    """

    def __init__(
        self,
        names: Sequence[str] = (),
        keep_terms: Sequence[str] = (),
        pipeline: str | None = None,
        threshold: float = DEFAULT_THRESHOLD,
        batch_size: int = 64,
    ) -> None:
        from presidio_analyzer import AnalyzerEngine, BatchAnalyzerEngine

        from toolkit.privacy.ner import load_pipeline

        self.names = [n for n in names if isinstance(n, str) and n.strip()]
        self.keep_terms = [t for t in keep_terms if t.strip()]
        self.pipeline = pipeline
        self.threshold = threshold
        self.batch_size = batch_size
        self.nlp = load_pipeline(pipeline)
        self._analyzer = AnalyzerEngine(
            registry=build_registry(self.names),
            nlp_engine=_LoadedSpacyEngine(self.nlp),
            supported_languages=["en"],
            context_aware_enhancer=_NoContextEnhancer(),
        )
        self._batch = BatchAnalyzerEngine(self._analyzer)
        self._keep = (
            re.compile(
                r"(?<!\w)(?:" + "|".join(re.escape(t) for t in self.keep_terms) + r")(?!\w)",
                re.IGNORECASE,
            )
            if self.keep_terms
            else None
        )

    @classmethod
    def for_study(cls, study: Study, names: Sequence[str]) -> Redactor:
        """The redactor for a study: register names plus the study's redaction settings.

        Cohort places and labels are kept (they are the study's own, public, places).
        """
        settings = study.redaction
        keep = list(settings.keep_terms)
        for cohort in study.cohorts:
            keep += [t for t in (cohort.label, cohort.place) if t]
        return cls(
            names=[*names, *settings.extra_names],
            keep_terms=keep,
            pipeline=settings.spacy_pipeline,
        )

    @classmethod
    def default(cls) -> Redactor:
        """A redactor with no registers, built once per process."""
        return _default_redactor()

    # -- finding --------------------------------------------------------------------------
    def find_many(self, texts: Sequence[str]) -> list[list[Finding]]:
        """Identifiers in each text, each text a document of its own."""
        texts = [t if isinstance(t, str) else "" for t in texts]
        found = self._recognise(texts)
        return [
            self._finish(text, propagate_names([text], [f])[0])
            for text, f in zip(texts, found, strict=True)
        ]

    def find_document(self, parts: Sequence[str]) -> list[list[Finding]]:
        """Identifiers in each part of one document; a person found in one part is found in
        every part (see :mod:`toolkit.privacy.propagate`)."""
        parts = [t if isinstance(t, str) else "" for t in parts]
        found = propagate_names(parts, self._recognise(parts))
        return [self._finish(text, f) for text, f in zip(parts, found, strict=True)]

    def _recognise(self, texts: list[str]) -> list[list[Finding]]:
        """What the recognisers find in each text, kept terms dropped, overlaps merged."""
        if not texts:
            return []
        results = self._batch.analyze_iterator(
            texts, language="en", batch_size=self.batch_size, score_threshold=self.threshold
        )
        found = []
        for text, result in zip(texts, results, strict=True):
            findings = [
                Finding(r.start, r.end, r.entity_type, r.score)
                for r in result
                if r.entity_type in LABELS and r.end > r.start
            ]
            found.append(self._finish(text, findings))
        return found

    def _finish(self, text: str, findings: list[Finding]) -> list[Finding]:
        return self._drop_kept(text, _resolve(text, findings))

    def _drop_kept(self, text: str, findings: list[Finding]) -> list[Finding]:
        if self._keep is None:
            return findings
        kept = [(m.start(), m.end()) for m in self._keep.finditer(text)]
        return [f for f in findings if not any(s <= f.start and f.end <= e for s, e in kept)]

    # -- replacing ------------------------------------------------------------------------
    @staticmethod
    def _apply(text: str, findings: list[Finding], numbering: Placeholders) -> RedactedText:
        pieces, spans, cursor = [], [], 0
        for f in findings:
            placeholder = numbering.get(f.label, text[f.start : f.end])
            pieces += [text[cursor : f.start], placeholder]
            spans.append(Span(f.start, f.end, f.label, placeholder))
            cursor = f.end
        pieces.append(text[cursor:])
        return RedactedText("".join(pieces), spans)

    def redact(self, text: str) -> RedactedText:
        """Redact one document."""
        return self.redact_parts([text])[0]

    def redact_parts(self, parts: Sequence[str]) -> list[RedactedText]:
        """Redact one document given in parts (e.g. transcript turns), numbering shared."""
        numbering = Placeholders()
        return [
            self._apply(text or "", found, numbering)
            for text, found in zip(parts, self.find_document(list(parts)), strict=True)
        ]

    def redact_many(self, texts: Sequence[str]) -> list[RedactedText]:
        """Redact many separate documents in one batch, each with its own numbering."""
        return [
            self._apply(text or "", found, Placeholders())
            for text, found in zip(texts, self.find_many(list(texts)), strict=True)
        ]


def _make_engine_class() -> type:
    from presidio_analyzer.nlp_engine import NerModelConfiguration, SpacyNlpEngine

    class LoadedSpacyEngine(SpacyNlpEngine):
        """Presidio's spaCy engine over a pipeline we already loaded (never downloads)."""

        def __init__(self, nlp: Any) -> None:
            super().__init__(
                models=[{"lang_code": "en", "model_name": nlp.meta.get("name", "blank")}],
                ner_model_configuration=NerModelConfiguration(
                    model_to_presidio_entity_mapping={"PERSON": "PERSON", "PER": "PERSON"},
                    labels_to_ignore=[
                        lab
                        for lab in nlp.pipe_labels.get("ner", [])
                        if lab not in ("PERSON", "PER")
                    ],
                ),
            )
            self.nlp = {"en": nlp}

        def load(self) -> None:
            pass

    return LoadedSpacyEngine


def _NoContextEnhancer() -> Any:  # noqa: N802
    """Our recognisers score their own context; Presidio's pass only deep-copies results."""
    from presidio_analyzer.context_aware_enhancers import ContextAwareEnhancer

    class NoContextEnhancer(ContextAwareEnhancer):
        def __init__(self) -> None:
            super().__init__(
                context_similarity_factor=0,
                min_score_with_context_similarity=0,
                context_prefix_count=0,
                context_suffix_count=0,
            )

        def enhance_using_context(
            self, text, raw_results, nlp_artifacts, recognizers, context=None
        ):
            return raw_results

    return NoContextEnhancer()


def _LoadedSpacyEngine(nlp: Any) -> Any:  # noqa: N802 - reads as a class at the call site
    return _engine_class()(nlp)


@cache
def _engine_class() -> type:
    return _make_engine_class()


@cache
def _default_redactor() -> Redactor:
    return Redactor()

"""What every UK recogniser shares: a Presidio recogniser that scores its own context.

Presidio's built-in context booster compares spaCy lemmas, which a blank fallback pipeline does
not have. Our recognisers look at the raw text around a match instead (a few words either
side), so they behave the same with or without a trained pipeline.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts


def words_near(text: str, start: int, end: int, before: int = 48, after: int = 32) -> str:
    """The text around a match, lower-cased, for context checks."""
    return (text[max(0, start - before) : start] + " " + text[end : end + after]).lower()


def has_context(text: str, start: int, end: int, pattern: re.Pattern[str], **window: int) -> bool:
    return bool(pattern.search(words_near(text, start, end, **window)))


class UKRecognizer(EntityRecognizer):
    """Base class: subclasses yield ``(start, end, score)`` from :meth:`find`."""

    ENTITY = ""

    def __init__(self) -> None:
        super().__init__(
            supported_entities=[self.ENTITY], name=type(self).__name__, supported_language="en"
        )

    def load(self) -> None:  # nothing to load: rules only
        pass

    def find(
        self, text: str, nlp_artifacts: NlpArtifacts | None
    ) -> Iterable[tuple[int, int, float]]:
        raise NotImplementedError

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        if entities and self.ENTITY not in entities:
            return []
        return [
            RecognizerResult(self.ENTITY, start, end, score)
            for start, end, score in self.find(text, nlp_artifacts)
            if score > 0
        ]

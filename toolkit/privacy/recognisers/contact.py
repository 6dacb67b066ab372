"""Email addresses and web addresses.

Written as plain patterns: Presidio's own email and URL recognisers check domains with
``tldextract``, which may try to fetch a suffix list from the internet.

Example
-------
>>> [r.entity_type for r in EmailRecognizer().analyze("mail jo.b@example.co.uk", [])]
['EMAIL']
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from toolkit.privacy.recognisers.base import UKRecognizer

_EMAIL = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._%+'-]*\s?@\s?[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*"
    r"\.[A-Za-z]{2,}(?![\w@])"
)
_TLD = r"(?:co\.uk|org\.uk|nhs\.uk|gov\.uk|ac\.uk|com|org|net|uk|io|info|me|ly|be|gl|to)"
_URL = re.compile(
    r"(?<![\w@.])(?:(?:https?://|www\.)[^\s<>\"')\]]+"
    rf"|[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.{_TLD}(?:/[^\s<>\"')\]]*)?)(?![\w@])",
    re.IGNORECASE,
)


class EmailRecognizer(UKRecognizer):
    ENTITY = "EMAIL"

    def find(self, text: str, nlp_artifacts=None) -> Iterable[tuple[int, int, float]]:
        for m in _EMAIL.finditer(text):
            yield m.start(), m.end(), 0.95


class UrlRecognizer(UKRecognizer):
    """Web addresses (``https://…``, ``www.…``, ``facebook.com/jo.bloggs``)."""

    ENTITY = "URL"

    def find(self, text: str, nlp_artifacts=None) -> Iterable[tuple[int, int, float]]:
        for m in _URL.finditer(text):
            end = m.end()
            while end > m.start() and text[end - 1] in ".,;:!?":  # sentence punctuation
                end -= 1
            # With a scheme or "www." it is certainly a web address; a bare domain less so.
            scheme = text[m.start() : m.start() + 4].lower() in ("http", "www.")
            yield m.start(), end, 0.95 if scheme else 0.7

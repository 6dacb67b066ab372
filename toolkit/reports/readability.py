"""How easy a report is to read: Flesch reading ease of the prose we wrote.

Residents' own words (quotes), tables, captions and the methods appendix are left out: we
measure the sentences the toolkit writes for the reader. Flesch reading ease runs from 0
(very hard) to 100 (very easy); 60 or more is plain English, readable by most 13 to 15 year
olds. Sentences are counted with ``textstat`` and syllables with Pyphen (see :func:`flesch`).

Example
-------
>>> score = flesch("We asked people what helped them find work. Most said a kind mentor.")
>>> score >= 60
True
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

PLAIN_ENGLISH = 60.0
# What the co-production report aims for: "easy to read" (most 11 to 12 year olds).
RESIDENT_TARGET = 70.0

# Parts of a page that are not our prose: quotes, tables, captions, notes about missing data.
_SKIP_TAGS = {"blockquote", "table", "figcaption", "style", "script", "title", "aside"}


# Parts of a page nobody reads: styles, scripts, the window title, the skip link.
_HIDDEN_TAGS = {"style", "script", "title"}
_BLOCK_TAGS = {"p", "li", "h1", "h2", "h3", "h4", "figcaption", "caption", "td", "th", "aside"}


class _ProseParser(HTMLParser):
    def __init__(self, skip: set[str] = _SKIP_TAGS) -> None:
        super().__init__()
        self.skip = skip
        self.depth = 0
        self.in_skip_link = False  # "Skip to the report" is for screen readers, not prose
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.skip:
            self.depth += 1
        elif tag in _BLOCK_TAGS and self.depth == 0:
            self.parts.append("\n")
        elif tag == "a" and ("class", "skip-link") in attrs:
            self.in_skip_link = True

    def handle_endtag(self, tag):
        if tag == "a":
            self.in_skip_link = False
        elif tag in self.skip and self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if self.depth == 0 and not self.in_skip_link:
            self.parts.append(data)


def prose_from_html(page: str, everything: bool = False) -> str:
    """Visible prose of an HTML page without quotes, tables, captions and notes.

    ``everything``: all the text a reader sees, quotes, captions, tables and notes included
    (the text "as a resident reads it").
    """
    parser = _ProseParser(_HIDDEN_TAGS if everything else _SKIP_TAGS)
    parser.feed(page)
    text = "".join(parser.parts)
    # Headings and list items without a full stop would merge into one long "sentence".
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    return " ".join(ln if re.search(r"[.!?:]$", ln) else ln + "." for ln in lines)


def syllables(word: str) -> int:
    """Syllables in one word: the larger of two estimates, so plain-English claims stay modest.

    Pyphen's British English hyphenation dictionary misses many syllables ("peo-ple" is not
    hyphenated, so it counts 1); counting vowel groups (less a silent final "e" or "-ed")
    misses others ("sat-is-fied"). Taking the larger errs towards a lower, harder score.
    """
    import pyphen

    global _PYPHEN
    if _PYPHEN is None:
        _PYPHEN = pyphen.Pyphen(lang="en_GB")
    word = word.lower()
    groups = len(_VOWEL_GROUP.findall(word))
    if groups > 1 and word.endswith("e") and not word.endswith(("le", "ee", "ye")):
        groups -= 1
    if groups > 1 and word.endswith("ed") and not word.endswith(("ted", "ded")):
        groups -= 1
    return max(1, groups, len(_PYPHEN.positions(word)) + 1)


_VOWEL_GROUP = re.compile(r"[aeiouy]+")
_PYPHEN = None
_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")


def flesch(text: str) -> float:
    """Flesch reading ease: 206.835 - 1.015 (words / sentences) - 84.6 (syllables / words).

    Sentences and words are counted by ``textstat``; syllables with Pyphen (``textstat``'s own
    syllable counter needs the NLTK CMU dictionary, a download the toolkit may not make).
    """
    import textstat

    words = _WORD.findall(text)
    if not words:
        return 0.0
    sentences = max(1, textstat.sentence_count(text))
    total = sum(syllables(w) for w in words)
    score = 206.835 - 1.015 * (len(words) / sentences) - 84.6 * (total / len(words))
    return round(score, 1)


def report_readability(page: str) -> float:
    """Flesch reading ease of a rendered report's prose."""
    return flesch(prose_from_html(page))


def page_readability(page: str) -> float:
    """Flesch reading ease of all the text a reader sees on the page (quotes included)."""
    return flesch(prose_from_html(page, everything=True))


def describe(score: float) -> str:
    """Plain words for a Flesch score."""
    if score >= 80:
        return "very easy to read"
    if score >= 70:
        return "easy to read"
    if score >= PLAIN_ENGLISH:
        return "plain English"
    if score >= 50:
        return "fairly hard to read"
    return "hard to read"

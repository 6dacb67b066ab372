"""Segments that carry no theme: interview fillers, backchannel and boilerplate answers.

"Yeah, definitely.", "Where was I?", "It was what it was.", "N/A": in a transcript or a survey
these are said often and alike, so a clustering model turns them into its largest topic. They
say nothing a peer researcher could show back to a community. A segment is **filler** when,
once stop words, spoken fillers and redaction placeholders are dropped, fewer than
``MIN_CONTENT_WORDS`` content words are left. Filler segments are left out of topic modelling,
kept in the ``topics`` table as not grouped (``assigned_by = "filler"``) and counted in the
quality table, so nothing disappears silently.

Example
-------
>>> is_filler("Yeah, I think so."), is_filler("The bus never comes before seven.")
(True, False)
>>> content_words("Erm, the rent went up again in March")
['rent', 'march']
"""

from __future__ import annotations

import re

import numpy as np
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

# Spoken-English fillers and interview boilerplate that say nothing about a theme.
INTERVIEW_FILLERS = frozenset(
    """um umm uh uhh erm er ah oh eh mm mmm hmm mhm yeah yep yeh nah okay ok alright right
    like just really actually basically literally honestly obviously sort kind know mean
    think thought guess suppose said say says saying stuff thing things bit lot lots got get
    gets getting gotten go goes going gone went gonna wanna gotta dunno innit ya cos cause
    coz tho yes well pretty maybe probably quite loads didn don doesn isn wasn weren couldn
    wouldn shouldn won ve ll re im ive id youre thats theres dont cant wont didnt isnt wasnt
    time way day days did does doing make made want wanted need needed feel felt tell told
    come came look looked put took take sure definitely exactly absolutely course true fine
    tbh honest explain sense sounds daft reckon anyway whatever something anything everything
    nothing yo hey hi bye thanks thank cheers lol na ta""".split()  # noqa: SIM905 (prose)
)
STOP_WORDS = frozenset(ENGLISH_STOP_WORDS | INTERVIEW_FILLERS)
# Redaction placeholders such as [PERSON_1] or [POSTCODE_2] are not words of the topic.
PLACEHOLDER = re.compile(r"\[[A-Z_]+?_?\d*\]")
TOKEN = re.compile(r"(?u)\b[a-z][a-z]+\b")
# HTML entities left in text copied from web forms ("&nbsp;", "&#39;") are not words.
HTML_ENTITY = re.compile(r"&(?:[a-z]+|#\d+);", re.IGNORECASE)
MIN_CONTENT_WORDS = 2


def without_markup(text: str) -> str:
    """The text with redaction placeholders and HTML entities blanked, capitals kept.

    >>> without_markup("Told [PERSON_1] about the BUS&nbsp;")
    'Told   about the BUS '
    """
    return HTML_ENTITY.sub(" ", PLACEHOLDER.sub(" ", text)).replace("’", "'")


def preprocess(text: str) -> str:
    """Lower-case and drop redaction placeholders and HTML entities before counting words.

    >>> preprocess("I told [PERSON_1] about the BUS")
    'i told   about the bus'
    """
    return without_markup(text).lower()


def tokens(text: str) -> list[str]:
    """Lower-case word tokens of two or more letters (the topic vectoriser's tokenisation)."""
    return TOKEN.findall(preprocess(text))


def content_words(text: str) -> list[str]:
    """Tokens that are neither stop words nor spoken fillers, in order."""
    return [t for t in tokens(text) if t not in STOP_WORDS]


def is_filler(text: str) -> bool:
    """True when a segment has fewer than ``MIN_CONTENT_WORDS`` content words."""
    return len(content_words(text)) < MIN_CONTENT_WORDS


def filler_mask(texts: list[str]) -> np.ndarray:
    """Boolean array: which of ``texts`` are filler (see :func:`is_filler`)."""
    return np.fromiter((is_filler(t) for t in texts), dtype=bool, count=len(texts))

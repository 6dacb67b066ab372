"""Segments that carry no theme: interview fillers, backchannel and boilerplate answers.

"Yeah, definitely.", "Where was I?", "It was what it was.", "N/A": in a transcript or a survey
these are said often and alike, so a clustering model turns them into its largest topic. They
say nothing a peer researcher could show back to a community. Such **filler** segments are
left out of topic modelling, kept in the ``topics`` table as not grouped (``assigned_by =
"filler"``) and counted in the quality table, so nothing disappears silently.

What counts as filler depends on how the text was made:

* **spoken** (an interview turn): fewer than ``MIN_CONTENT_WORDS`` content words once stop
  words, spoken fillers and redaction placeholders are dropped. Backchannel and remarks about
  the interview itself ("Hard to say.", "Thanks for listening.") have at most one;
* **written** (a survey answer, a comment, a line of ``lxt topics`` input): no content word at
  all ("Not sure.", "N/A", "-"), or a stock non-answer ("No comment"). A one-word answer is
  still an answer: "Excellent.", "Parking." or "Nothing to improve" say what the person
  meant, and on 4,000 real patient comments leaving them out put 24% of the comments in one
  group, away from their themes.

Example
-------
>>> is_filler("Yeah, I think so."), is_filler("The bus never comes before seven.")
(True, False)
>>> is_filler("Excellent.", spoken=True), is_filler("Excellent.", spoken=False)
(True, False)
>>> is_filler("No comment.", spoken=False)
True
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
# Publishers' own redaction marks ("Dr XXXX", "on XX/XX/XXXX") are not words either.
MASK = re.compile(r"\b[xX]{2,}\b")
TOKEN = re.compile(r"(?u)\b[a-z][a-z]+\b")
# HTML entities left in text copied from web forms ("&nbsp;", "&#39;") are not words.
HTML_ENTITY = re.compile(r"&(?:[a-z]+|#\d+);", re.IGNORECASE)
MIN_CONTENT_WORDS = 2
# Written answers that decline to answer, as their words (two letters or more) in order.
NON_ANSWERS = frozenset(
    ["no comment", "no comments", "not applicable", "none", "nil", "no idea", "prefer not to say"]
)


def without_markup(text: str) -> str:
    """The text with redaction placeholders, masks and HTML entities blanked, capitals kept.

    >>> without_markup("Told [PERSON_1] about the BUS&nbsp;")
    'Told   about the BUS '
    >>> without_markup("Dr XXXX saw me on XX/XX/XXXX")
    'Dr   saw me on  / / '
    """
    blanked = MASK.sub(" ", PLACEHOLDER.sub(" ", text))
    return HTML_ENTITY.sub(" ", blanked).replace("’", "'")


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


def is_filler(text: str, spoken: bool = True) -> bool:
    """Whether a segment is filler: spoken, fewer than ``MIN_CONTENT_WORDS`` content words;
    written, no content word or a stock non-answer (see the module's notes)."""
    words = content_words(text)
    if spoken:
        return len(words) < MIN_CONTENT_WORDS
    return not words or " ".join(tokens(text)) in NON_ANSWERS


def filler_mask(texts: list[str], spoken=True) -> np.ndarray:
    """Boolean array: which of ``texts`` are filler (:func:`is_filler`).

    ``spoken``: one bool for all texts, or one per text (True for interview turns).
    """
    said = np.broadcast_to(np.asarray(spoken, dtype=bool), (len(texts),))
    return np.fromiter(
        (is_filler(t, bool(s)) for t, s in zip(texts, said, strict=True)),
        dtype=bool,
        count=len(texts),
    )

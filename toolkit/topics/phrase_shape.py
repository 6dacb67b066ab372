"""Does a candidate label name a theme? Part-of-speech patterns for phrase labels.

People name themes with noun phrases ("Housing benefit", "Training in a group", "Cost of the
bus") or with a gerund and its object ("Checking my emails"). A phrase cut out of a sentence
is not a name, however often it was said: "Kept thinking" (past tense + gerund), "Half seven"
(ends in a number), "Completely dry" (adverb + adjective), "Brother lives" (ends in a verb),
"Based question" (starts with a participle), "Year I hope" (holds a pronoun and a verb).

A phrase is a theme's name (:func:`is_theme_shape`) when, in Penn Treebank tags:

* it ends in a noun (``NN``, ``NNS``, ``NNP``, ``NNPS``);
* it starts with an adjective, a noun or a gerund (``JJ*``, ``NN*``, ``VBG``);
* everything between is a noun, adjective, gerund, preposition, article, possessive
  ("my", "children's"), "and"/"or", a hyphen or a number ("Nights at a warehouse");
* so it holds no finite verb, participle, auxiliary, adverb or personal pronoun;
* and it is not cut out of a longer name: no noun said right after it, no adjective or
  noun right before.

Tags come from spaCy's English tagger (the pipeline the coding stage already loads for its
lemma patterns, :func:`toolkit.coding.suggest.lemma_pipeline`), run on a short window of text
around places the phrase was said, so that "training" in "training in a group" is tagged as
people used it. Only the few best candidates of each topic are tagged, never the corpus.

Example
-------
>>> is_theme_shape(["VBG", "PRP$", "NNS"]), is_theme_shape(["VBD", "VBG"])
(True, False)
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from functools import lru_cache

log = logging.getLogger(__name__)

NOUN_TAGS = frozenset(["NN", "NNS", "NNP", "NNPS"])
ADJECTIVE_TAGS = frozenset(["JJ", "JJR", "JJS"])
FIRST_TAGS = NOUN_TAGS | ADJECTIVE_TAGS | {"VBG"}
# Inside a name: linking words and modifiers, never a verb, adverb or personal pronoun.
INNER_TAGS = FIRST_TAGS | {"IN", "DT", "PRP$", "POS", "CC", "HYPH", "CD"}
PUNCTUATION_TAGS = frozenset([",", ".", ":", "``", "''", "-LRB-", "-RRB-", "NFP", "_SP"])
# Characters of context kept either side of the phrase when tagging: enough for the tagger
# to see the words around it, few enough that long stories cost no more than short answers.
WINDOW = 60
_WORD_EDGE = re.compile(r"\s")


def is_theme_shape(tags: Sequence[str], following: str = "", preceding: str = "") -> bool:
    """Whether a phrase with these Penn Treebank tags (one per token) names a theme.

    ``following`` and ``preceding`` are the tags of the words said right after and before
    it: a noun after, or an adjective or noun before, means the phrase is cut out of a
    longer name ("basic life" of "basic life support", "old year" of "funny old year").

    >>> is_theme_shape(["NN", "IN", "DT", "NN"])     # "training in a group"
    True
    >>> is_theme_shape(["RB", "JJ"])                 # "completely dry"
    False
    >>> is_theme_shape(["NN", "CD"])                 # "half seven"
    False
    """
    if following in NOUN_TAGS or following == "POS" or preceding in NOUN_TAGS | ADJECTIVE_TAGS:
        return False
    if not tags or tags[-1] not in NOUN_TAGS or tags[0] not in FIRST_TAGS:
        return False
    return all(t in INNER_TAGS for t in tags[1:-1])


def context_window(text: str, start: int, end: int, width: int = WINDOW) -> tuple[str, int, int]:
    """A piece of ``text`` around ``[start, end)``, cut at spaces; returns it and new offsets.

    >>> context_window("a b c the bus pass d e f", 6, 18, width=4)
    ('c the bus pass d', 2, 14)
    """
    left = max(0, start - width)
    if left > 0:
        space = _WORD_EDGE.search(text, left, start)
        left = space.end() if space else start
    right = min(len(text), end + width)
    if right < len(text):
        spaces = [m.start() for m in _WORD_EDGE.finditer(text, end, right)]
        right = spaces[-1] if spaces else end
    return text[left:right], start - left, end - left


@lru_cache(maxsize=1)
def tagger():
    """spaCy's English tagger, or None (with a warning) when the pipeline is not installed."""
    from toolkit.coding.suggest import lemma_pipeline
    from toolkit.errors import UserError

    try:
        return lemma_pipeline()
    except UserError as problem:
        log.warning("Topic labels are chosen without a part-of-speech tagger: %s", problem)
        return None


def tag_spans(pieces: list[tuple[str, int, int]]) -> list[tuple[list[str], str, str]] | None:
    """Penn tags inside each ``(text, start, end)``, of the next and of the previous word.

    A neighbour's tag is ``""`` at either end of the text or across punctuation. None when
    no tagger is installed.
    """
    nlp = tagger()
    if nlp is None:
        return None
    windows = [context_window(text, start, end) for text, start, end in pieces]
    out = []
    docs = nlp.pipe((w for w, _, _ in windows), batch_size=256)
    for doc, (_, start, end) in zip(docs, windows, strict=True):
        inside = [t for t in doc if t.idx < end and t.idx + len(t) > start]
        after = [t.tag_ for t in doc if t.idx >= end and not t.is_space][:1]
        before = [t.tag_ for t in doc if t.idx + len(t) <= start and not t.is_space][-1:]
        tags = [t.tag_ for t in inside if t.tag_ not in PUNCTUATION_TAGS and not t.is_space]
        out.append(
            (tags, *[n[0] if n and n[0] not in PUNCTUATION_TAGS else "" for n in (after, before)])
        )
    return out

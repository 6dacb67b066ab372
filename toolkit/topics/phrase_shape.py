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

A phrase led by a verb with its object ("dealt with conflict", "left school at sixteen") names
a theme as an action (:func:`is_action_shape`), the way qualitative researchers often name
codes with gerunds (Charmaz, *Constructing Grounded Theory*, 2014, ch. 5): it is shown as
"Dealing with conflict", "Leaving school at sixteen".

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
DETERMINER_TAGS = frozenset(["DT", "PRP$"])
LEADS_DETERMINER = frozenset(["IN", "CC", "VBG", "VB", "VBD", "VBP", "VBZ"])
# Said right after a phrase, these mean it is cut out of something longer: a noun ("basic
# life" of "basic life support"), a possessive, or a hyphen ("the hands" of "the hands-on").
CUT_AFTER = NOUN_TAGS | {"POS", "HYPH"}
# A verb that can lead an action phrase; a past participle ("based question") cannot.
ACTION_TAGS = frozenset(["VB", "VBD", "VBP", "VBZ"])
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
    if following in CUT_AFTER or preceding in NOUN_TAGS | ADJECTIVE_TAGS:
        return False
    if not tags or tags[-1] not in NOUN_TAGS or tags[0] not in FIRST_TAGS:
        return False
    return _inner_ok(tags)


def _inner_ok(tags: Sequence[str]) -> bool:
    # Only linking words and modifiers inside; an article or "my" only after a preposition,
    # "and" or the leading verb ("cost of the bus", "checking my emails"), never straight
    # after a noun ("breakdown a couple" is cut out of "a breakdown a couple of years ago").
    for before, tag in zip(tags, tags[1:-1], strict=False):
        if tag not in INNER_TAGS:
            return False
        if tag in DETERMINER_TAGS and before not in LEADS_DETERMINER:
            return False
    return True


def is_action_shape(tags: Sequence[str], following: str = "", preceding: str = "") -> bool:
    """Whether a verb-led phrase with these tags names a theme as an action.

    A verb, then only the words allowed inside a name, ending in a noun, and no noun or
    hyphen said right after it (it would be cut out of a longer object).

    >>> is_action_shape(["VBD", "IN", "NN"])         # "dealt with conflict"
    True
    >>> is_action_shape(["VBD", "VBG"])              # "kept thinking"
    False
    >>> is_action_shape(["VBN", "NN"])               # "based question"
    False
    """
    if following in CUT_AFTER or len(tags) < 2 or tags[-1] not in NOUN_TAGS:
        return False
    # A bare verb is an order ("mark my words") unless "to" or "can" comes before it.
    if tags[0] not in ACTION_TAGS or (tags[0] == "VB" and preceding not in {"TO", "MD"}):
        return False
    return _inner_ok(tags)


def gerund(lemma: str) -> str | None:
    """The -ing form of a verb's lemma ("deal" -> "dealing"), from LemmInflect's tables.

    >>> gerund("quit"), gerund("leave"), gerund("rely")
    ('quitting', 'leaving', 'relying')
    """
    from lemminflect import getInflection

    forms = getInflection(lemma.lower(), tag="VBG")
    return forms[0] if forms else None


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


def tag_spans(
    pieces: list[tuple[str, int, int]], lemmas: list[str] | None = None
) -> list[tuple[list[str], str, str]] | None:
    """Penn tags inside each ``(text, start, end)``, of the next and of the previous word.

    A neighbour's tag is ``""`` at either end of the text or across punctuation. None when
    no tagger is installed. When ``lemmas`` is a list, the lemma of each piece's first word
    is appended to it.
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
        if lemmas is not None:
            lemmas.append(inside[0].lemma_ if inside else "")
        out.append(
            (tags, *[n[0] if n and n[0] not in PUNCTUATION_TAGS else "" for n in (after, before)])
        )
    return out

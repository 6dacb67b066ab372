"""Once a person is named in a document, every other mention of them is redacted too.

Two passes. First, names listed with a person already found are taken too ("Prasetyo, Deanna
and Kieran": :func:`coordinated_names`). Then every mention is followed through the document.
A transcript that names "Shannon Thompson" once, clearly, often calls her "Shannon" or
"shannon" later, where no recogniser would know it is a name. This pass takes each person
found in a document and finds every other mention of the full name or any of its words (first
name, surname) across all parts of the document, in any case.

A word that is also an everyday word ("Will", "Hope", "Baker") is carried over only where it
is capitalised and reads as a name, so that finding "Grace Evans" does not redact "grace
period".

Example
-------
>>> text = "Shannon Thompson rang. Later shannon came round."
>>> [(f.start, f.end) for f in propagate_names([text], [[Finding(0, 16, "PERSON", 0.8)]])[0]]
[(0, 16), (29, 36)]
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from toolkit.privacy.ner import english_words
from toolkit.privacy.recognisers.name_lists import first_name_frequency, is_everyday_word
from toolkit.privacy.recognisers.people import (
    _plausible_word,
    is_function_word,
    is_title,
    not_a_person_after,
)
from toolkit.privacy.recognisers.word_lists import NOT_PERSON_WORDS

PROPAGATED_SCORE = 0.65


@dataclass(frozen=True)
class Finding:
    """One identifier found in a text: offsets into the text, label and score."""

    start: int
    end: int
    label: str
    score: float


def _name_words(value: str) -> set[str]:
    words = {value.lower()} if " " in value.strip() else set()
    for word in re.findall(r"[^\W\d_]+(?:['’-][^\W\d_]+)*", value):
        if len(word) >= 2 and not is_function_word(word):
            words.add(word.lower())
    return words


# A word joined to a name by a comma, "and", "&" or "or": "Prasetyo, Deanna and Kieran".
_JOIN = r"(?:,\s*(?:and\s+|&\s*)?|\s+(?:and|&|or)\s+)"
_WORD = r"[^\W\d_]+(?:['’-](?![sS]\b)[^\W\d_]+)*"
_AFTER = re.compile(rf"^{_JOIN}({_WORD})")
_BEFORE = re.compile(rf"(?<![\w'’-])({_WORD}){_JOIN}$")


def _case_of(word: str) -> str:
    return "upper" if word.isupper() else "title" if word[:1].isupper() else "lower"


def _could_be_name(word: str, case: str) -> bool:
    """A word in the same case as a name beside it that may itself be a name."""
    lower = word.lower()
    if len(word) < 2 or is_function_word(lower) or is_title(word):
        return False  # "Mrs Alder and Mrs Day": the second "Mrs" is a title
    if _case_of(word) != case and not (word.islower() and first_name_frequency(lower)):
        return False  # a known first name typed in lower case may sit among capitalised ones
    if lower in NOT_PERSON_WORDS:
        return False
    if is_everyday_word(lower):
        # "Natalie, Gavin and Eve": a capitalised first name may also be a word.
        return case == "title" and word[:1].isupper() and first_name_frequency(lower) > 0
    # A dictionary word next to a name is a name only when the lists know it as one.
    return lower not in english_words() or first_name_frequency(lower) > 0


def coordinated_names(text: str, findings: list[Finding]) -> list[Finding]:
    """Add the names listed with a person already found: "Prasetyo, Deanna and Kieran".

    A word is taken when it is joined to a found name by a comma, "and", "&" or "or", is in
    the same case, and is no everyday, dictionary, place or service word; lists are followed
    to their end.

    Examples
    --------
    >>> text = "Everyone, Prasetyo, Deanna and Kieran Lewis, was kind."
    >>> [text[f.start:f.end] for f in coordinated_names(text, [Finding(20, 26, "PERSON", 0.7)])]
    ['Deanna', 'Kieran', 'Prasetyo']
    """
    out = list(findings)
    queue = [f for f in findings if f.label == "PERSON"]
    while queue:
        f = queue.pop()
        case = _case_of(text[f.start : f.end].split()[0])
        for m, is_after in (
            (_AFTER.match(text[f.end :]), True),
            (_BEFORE.search(text[: f.start]), False),
        ):
            if m is None or not _could_be_name(m.group(1), case):
                continue
            start = f.end + m.start(1) if is_after else m.start(1)
            end = start + len(m.group(1))
            if any(g.start < end and start < g.end for g in out):
                continue
            if not_a_person_after(text, end):
                continue
            new = Finding(start, end, "PERSON", PROPAGATED_SCORE)
            out.append(new)
            queue.append(new)
    return out


def propagate_names(
    texts: Sequence[str], found: Sequence[Sequence[Finding]]
) -> list[list[Finding]]:
    """Add a PERSON finding for every other mention of a person found in the document.

    Parameters
    ----------
    texts
        The parts of one document (a survey answer, or the turns of a transcript).
    found
        The findings in each part, as the recognisers returned them.

    Returns
    -------
    list of list of Finding
        The findings of each part plus the mentions found by this pass (not yet merged).
    """
    found = [coordinated_names(text, list(f)) for text, f in zip(texts, found, strict=True)]
    names: set[str] = set()
    for text, findings in zip(texts, found, strict=True):
        for f in findings:
            if f.label == "PERSON":
                names |= _name_words(text[f.start : f.end])
    if not names:
        return [list(f) for f in found]
    pattern = re.compile(
        r"(?<![\w@./'’-])(?:"
        + "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
        + r")(?![\w@-]|[./]\w|['’](?![sS]\b))",
        re.IGNORECASE,
    )
    out = []
    for text, findings in zip(texts, found, strict=True):
        added = list(findings)
        for m in pattern.finditer(text):
            start, end = m.start(), m.end()
            if any(f.start < end and start < f.end for f in findings):
                continue
            found_word = m.group(0)
            # "Patients" once taken for a name must not take every "patients" (nor "Grace" every
            # "grace period"): everyday words carry over only where they read as a name.
            if is_everyday_word(found_word) and not _plausible_word(text, start, end):
                continue
            if (
                found_word.islower()
                and found_word in english_words()
                and not first_name_frequency(found_word)
            ):
                continue  # "Employment Advisor" taken for a name must not take "employment"
            if not_a_person_after(text, end):
                continue  # "Rampton" the person, not "Rampton Hospital"
            added.append(Finding(start, end, "PERSON", PROPAGATED_SCORE))
        out.append(added)
    return out

"""Once a person is named in a document, every other mention of them is redacted too.

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
from toolkit.privacy.recognisers.known_names import not_a_person_after
from toolkit.privacy.recognisers.name_lists import first_name_frequency, is_everyday_word
from toolkit.privacy.recognisers.people import _plausible_word, is_function_word

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

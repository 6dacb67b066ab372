"""Fill sentence templates and remember where every planted piece landed.

A template is plain text with ``{slot}`` holes. A *filler* turns a slot name into one or more
``(text, label)`` pieces; a label (``"PERSON"``, ``"PHONE"``...) marks the piece as an
identifier whose offsets go into the ground truth. Offsets are character offsets into the
rendered string (Python slicing: start inclusive, end exclusive).

Example
-------
>>> text, spans = render("Ring {name} on {phone}.", lambda s: [({"name": "Ana", "phone": "0"}[s],
...                      s.upper())])
>>> text, spans
('Ring Ana on 0.', [(5, 8, 'NAME', 'Ana'), (12, 13, 'PHONE', '0')])
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

SLOT = re.compile(r"\{(\w+)\}")

Pieces = list[tuple[str, str | None]]
Filler = Callable[[str], Pieces]
IdSpan = tuple[int, int, str, str]  # start, end, label, value


def render(template: str, filler: Filler) -> tuple[str, list[IdSpan]]:
    """Fill every ``{slot}`` in ``template``; return the text and the labelled spans."""
    out: list[str] = []
    spans: list[IdSpan] = []
    pos = 0
    length = 0
    for match in SLOT.finditer(template):
        literal = template[pos : match.start()]
        out.append(literal)
        length += len(literal)
        for text, label in filler(match.group(1)):
            if label is not None:
                spans.append((length, length + len(text), label, text))
            out.append(text)
            length += len(text)
        pos = match.end()
    out.append(template[pos:])
    return "".join(out), spans


@dataclass
class Sentence:
    """One rendered sentence, the themes it expresses and the identifiers planted in it."""

    text: str
    themes: tuple[str, ...] = ()
    ids: list[IdSpan] = field(default_factory=list)

    def curly(self) -> Sentence:
        """The same sentence with typographic apostrophes (as Word and phones write them)."""
        return Sentence(
            self.text.replace("'", "\u2019"),
            self.themes,
            [(a, b, label, value.replace("'", "\u2019")) for a, b, label, value in self.ids],
        )

    def lower(self) -> Sentence:
        """The same sentence all in lower case (offsets do not change)."""
        return Sentence(
            self.text.lower(),
            self.themes,
            [(a, b, label, value.lower()) for a, b, label, value in self.ids],
        )


@dataclass
class Passage:
    """Sentences joined by single spaces, with offsets of each sentence in the joined text."""

    sentences: list[Sentence]

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.sentences)

    def layout(self) -> list[tuple[int, int, Sentence]]:
        """``(start, end, sentence)`` for each sentence in :attr:`text`."""
        placed = []
        pos = 0
        for sentence in self.sentences:
            placed.append((pos, pos + len(sentence.text), sentence))
            pos += len(sentence.text) + 1
        return placed

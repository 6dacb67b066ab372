"""Turn a participant's themes into sentences, written (surveys) or spoken (transcripts).

:class:`Speaker` picks templates for a participant, prefers ones not yet used in the current
document, renders them through a :class:`~toolkit.synthetic.slots.SlotFiller` and, for
speech, adds the fillers and hesitations people use when talking ("Um,", "you know,").

Example
-------
>>> import random
>>> from toolkit.synthetic.people import make_participants
>>> rng = random.Random(5)
>>> person = make_participants(rng, 3)[0]
>>> speaker = Speaker(rng, person, ["Dionne Mensah"], style="spoken")
>>> sentence = speaker.theme_sentence(sorted(person.themes)[0])
>>> sentence.themes == (sorted(person.themes)[0],)
True
"""

from __future__ import annotations

import random

from toolkit.synthetic.compose import Sentence, render
from toolkit.synthetic.people import Person
from toolkit.synthetic.phrases import (
    FILLER_STARTS,
    IDENTIFIER_SENTENCES,
    NEUTRAL,
    NEUTRAL_SPOKEN,
    PAIRED,
    THEMES,
    TYPED_SHORTCUTS,
)
from toolkit.synthetic.slots import SlotFiller

# First words that keep their capital letter after a filler ("Um, I think...").
STYLES = ("plain", "typed", "spoken")
# Sentences that open with a word that is also a first name stay as they are.
DECOY_STARTS = {"Mark", "Grace", "Will"}
KEEP_CAPITAL = {"I", "I'm", "I've", "I'd", "I'll", "NHS", "Job", "Clacton", "Jaywick", "Southend"}


class Speaker:
    """Sentence source for one participant within one document."""

    def __init__(
        self,
        rng: random.Random,
        person: Person,
        staff_names: list[str],
        style: str = "plain",
    ):
        if style not in STYLES:
            raise ValueError(f"style must be one of {STYLES}")
        self.rng = rng
        self.person = person
        self.style = style
        self.curly = False  # write apostrophes as ’ (Word, some phones)
        self.filler = SlotFiller(rng, person, staff_names)
        self.used: set[str] = set()

    def _pick(self, templates: list[str]) -> str:
        fresh = [t for t in templates if t not in self.used]
        template = self.rng.choice(fresh or templates)
        self.used.add(template)
        return template

    def _make(self, template: str, themes: tuple[str, ...]) -> Sentence:
        if self.style == "spoken":
            template = self._speechify(template)
        elif self.style == "typed":
            template = self._shorten(template)
        text, spans = render(template, self.filler)
        if text[:1].islower() and not (spans and spans[0][0] == 0):
            text = text[0].upper() + text[1:]
        return Sentence(text, themes, spans)

    def _speechify(self, template: str) -> str:
        # Talk is untidy: a filler in front, a repeated "I", an "um" after "and".
        roll = self.rng.random()
        if template.split(" ", 1)[0] in DECOY_STARTS:
            return template  # keep "Mark my words" capitalised: it is there to fool NER
        if roll < 0.35:
            first, _, rest = template.partition(" ")
            if first not in KEEP_CAPITAL and not first.startswith("{"):
                first = first[:1].lower() + first[1:]
            template = self.rng.choice(FILLER_STARTS) + first + " " + rest
        elif roll < 0.45 and template.startswith("I "):
            template = "I, " + template
        if self.rng.random() < 0.2 and " and " in template:
            template = template.replace(" and ", " and, um, ", 1)
        if self.rng.random() < 0.12 and ", " in template and "know" not in template[:12]:
            template = template.replace(", ", ", you know, ", 1)
        return template

    def _shorten(self, template: str) -> str:
        # Typed on a phone: shortcuts instead of words.
        for long, short in TYPED_SHORTCUTS:
            if long in template and self.rng.random() < 0.5:
                template = template.replace(long, short, 1)
        return template

    def theme_sentence(self, theme: str) -> Sentence:
        """A sentence that expresses ``theme`` (and nothing else)."""
        return self._make(self._pick(THEMES[theme]), (theme,))

    def paired_sentence(self, themes: set[str]) -> Sentence | None:
        """A sentence expressing two of ``themes`` at once, if such a template exists."""
        options = [t for pair, t in PAIRED if set(pair) <= themes and t not in self.used]
        if not options:
            return None
        template = self.rng.choice(options)
        self.used.add(template)
        pair = next(p for p, t in PAIRED if t == template)
        return self._make(template, tuple(sorted(pair)))

    def neutral_sentence(self) -> Sentence:
        """A sentence that expresses no theme."""
        options = NEUTRAL + NEUTRAL_SPOKEN if self.style == "spoken" else NEUTRAL
        return self._make(self._pick(options), ())

    def identifier_sentence(self, kind: str | None = None) -> Sentence:
        """A sentence that plants one kind of identifier (random kind when ``None``)."""
        kinds = list(IDENTIFIER_SENTENCES)
        kind = kind or self.rng.choices(kinds, [3, 2, 3, 2, 3, 2, 2, 2, 3])[0]
        return self._make(self._pick(IDENTIFIER_SENTENCES[kind]), ())

"""Fill template slots for one speaker: places, relatives' names, phone numbers and so on.

A :class:`SlotFiller` belongs to one participant. It keeps the names of their relatives so
that "my daughter Chloe" stays Chloe throughout a document, and it labels every identifier
piece so its offsets reach the ground truth.

Example
-------
>>> import random
>>> from toolkit.synthetic.people import make_participants
>>> rng = random.Random(3)
>>> person = make_participants(rng, 3)[0]
>>> filler = SlotFiller(rng, person, ["Dionne Mensah"])
>>> filler("phone")[0][1]
'PHONE'
"""

from __future__ import annotations

import random

from toolkit.synthetic import identifiers as ids
from toolkit.synthetic.compose import Pieces
from toolkit.synthetic.people import FIRST_NAMES, Person
from toolkit.synthetic.phrases import PLACES, RELATIONS, SLOT_VALUES


class SlotFiller:
    """Turn slot names into ``(text, label)`` pieces for one participant."""

    def __init__(
        self,
        rng: random.Random,
        person: Person,
        staff_names: list[str],
        interviewer: str | None = None,
    ):
        self.rng = rng
        self.person = person
        self.staff_names = staff_names
        self.interviewer = interviewer
        self._relatives: list[tuple[str, str]] = []

    def __call__(self, slot: str) -> Pieces:
        rng, person = self.rng, self.person
        if slot in SLOT_VALUES:
            return [(rng.choice(SLOT_VALUES[slot]), None)]
        if slot == "place":
            return [(rng.choice(PLACES[person.cohort]), None)]
        if slot == "first":
            return [(person.first_name, "PERSON")]
        if slot == "self_full":
            return [(person.full_name, "PERSON")]
        if slot == "staff":
            name = self.interviewer or rng.choice(self.staff_names)
            if self.interviewer is None and rng.random() < 0.25:
                return [(name, "PERSON")]
            return [(name.split()[0], "PERSON")]
        if slot == "relative":
            relation, name = self.relative()
            return [(relation + " ", None), (name, "PERSON")]
        if slot == "phone":
            return [(ids.phone_number(rng, person.cohort), "PHONE")]
        if slot == "email":
            return [(ids.email(rng, person.first_name, person.last_name), "EMAIL")]
        if slot == "nhs":
            return [(ids.nhs_number(rng), "NHS_NUMBER")]
        if slot == "ni":
            return [(ids.ni_number(rng), "NI_NUMBER")]
        if slot == "address":
            return [(ids.street_address(rng), "ADDRESS")]
        if slot == "postcode":
            return [(ids.postcode(rng, person.cohort), "POSTCODE")]
        if slot == "dob":
            return [(ids.date_of_birth(rng), "DATE_OF_BIRTH")]
        if slot == "dob_day":
            day = rng.randrange(1, 29)
            month = ids.MONTHS[rng.randrange(12)]
            return [(f"{ids._ordinal(day)} of {month}", "DATE_OF_BIRTH")]
        if slot == "url":
            return [(ids.url(rng, person.first_name, person.last_name), "URL")]
        raise KeyError(f"unknown template slot {{{slot}}}")

    def relative(self) -> tuple[str, str]:
        """A named relative of this participant (the same one is reused 2 times in 3)."""
        if self._relatives and self.rng.random() < 0.67:
            return self.rng.choice(self._relatives)
        sex = self.rng.choice(["female", "male"])
        relation = self.rng.choice(RELATIONS[sex])
        group = self.rng.choice(["White", "White", "White", "Asian", "Black", "Other"])
        name = self.rng.choice(FIRST_NAMES[group][sex])
        self._relatives.append((relation, name))
        return relation, name

"""Build a second development set for names (``benchmarks/data/redaction_gold_world.jsonl``).

The held-out set (``make_redaction_gold_locales.py``) must stay untouched by tuning, yet
names from many countries need a set whose errors can be read while the redactor is improved.
This one is drawn the same way (Faker's name lists, so not the redactor's own lists) but with
another seed, another mix of locales and new sentence shapes: names with no word around them
that announces a person ("It was Tomomi who found the flat"), names at the start of a line,
in lists, as the object of everyday verbs, after a possessive, and in lower case and capitals.
Decoy lines carry capitalised words that are not people (places, services, brands, months).

Seeded and committed; every line carries a ``marked`` copy for checking by eye. Every value is
made up.

Run:  .venv/bin/python benchmarks/make_redaction_gold_world.py   (needs ``faker``, a dev extra)
"""

from __future__ import annotations

import random
import re
import sys
from pathlib import Path

from faker import Faker

sys.path.insert(0, str(Path(__file__).parent))
from make_redaction_gold import write_gold  # noqa: E402
from make_redaction_gold_locales import MIDDLE, fakers, mark  # noqa: E402

SEED = 9090
OUT = Path(__file__).parent / "data" / "redaction_gold_world.jsonl"
LOCALES = (  # noqa: SIM905 - a word list reads best as text
    "en_GB en_GB en_GB en_US en_IE en_IN en_NG pl_PL ro_RO hu_HU bg_BG uk_UA lt_LT et_EE "
    "el_GR sq_AL pt_PT es_ES es_MX it_IT fr_FR de_DE nl_BE tr_TR sw zu_ZA fil_PH id_ID "
    "sv_SE no_NO ja_JP"
).split()

# {P} a person, {F} a first name alone, {L} a surname alone. Lines marked "!" are sometimes
# written all in capitals or in lower case.
TEMPLATES = """
!It was {F} who found the flat for us.
{P} started on the same day as me.
!{F} and {F} were on the course with me.
Everyone on the team, {F}, {F} and {P}, was kind.
!I still talk to {F} every week.
Went round to {F}'s for tea after.
!The form was signed by {P}.
{P} runs the allotment group now.
!Without {F} none of this would have happened.
I owe {F} a lot, honestly.
!{F} got me the interview.
My first shift was with {P} on the tills.
!We were told to wait for {P}.
{F} is brilliant with the kids.
!I bumped into {P} in town.
Interviewer: And who is {F}? Resident: {F} is my support worker.
!{P} wrote me a reference.
Got a message off {F} this morning.
!{F} from next door popped round.
Mr {L} was my line manager.
!I worked under {P} for two years.
{F} told me about the job fair.
!{P}, {P} and me set up the group.
Has {F} been in touch?
!{F} reckons I should go for it.
I was paired up with {P}.
!Nobody else bothered apart from {F}.
Professor {L} did my assessment.
!A big thank you to {P} and {F}.
{P} (mentor) met me every fortnight.
!I stayed with {F} for a bit when things were bad.
Me, {F} and the kids moved in June.
!{F} picked me up at half eight.
{F}'s brother knows the manager.
!In the end it was {P} who sorted the payment.
Signed off by {P}, practice nurse.
""".strip().splitlines()

DECOYS = """
In March I went back to Southend for the job fair.
The Samaritans were there when I needed them.
Went to Costa with the group after the session.
I used Indeed and Reed to look for jobs.
Monday to Friday, nine till three, that suits me.
The Jobcentre Plus in Basildon was rammed.
Clacton Pier is where I had my first job.
I got my CSCS card through the Prince's Trust.
We had a Christmas party at the Salvation Army.
Easter was hard because the school was shut.
Amazon rang me back after two weeks.
My GP at Pitsea Health Centre referred me to Talking Therapies.
The Essex Wildlife Trust runs volunteering days.
Universal Credit stopped when I started at Sainsbury's.
I love the seafront at Leigh in the summer.
Rose from the ashes, that's how it felt.
They were Kind and Patient with me the whole way.
Victoria Station was the furthest I'd ever been.
Sunday dinners at the Harvester were our treat.
Primark and Next both had jobs going.
""".strip().splitlines()


def person(rng: random.Random, fake: dict[str, Faker]) -> tuple[str, str]:
    """A made-up first name and surname in Latin letters from one locale."""
    for _ in range(20):
        f = fake[rng.choice(LOCALES)]
        if f.locales == ["ja_JP"]:
            first, last = f.first_romanized_name(), f.last_romanized_name()
        else:
            first, last = f.first_name().split()[0], f.last_name()
        if re.fullmatch(r"[A-Za-zÀ-ÿĀ-žȘ-ț'’ -]+", f"{first}{last}"):
            return first, last
    return "Jo", "Smith"


def value_for(slot: str, rng: random.Random, fake: dict[str, Faker]) -> str:
    first, last = person(rng, fake)
    if slot == "F":
        return first
    if slot == "L":
        return last
    return rng.choice([
        f"{first} {last}", f"{first} {last}", f"{first} {last}",
        f"{first} {rng.choice(MIDDLE)}. {last}", f"{first} {last}-{fake['en_GB'].last_name()}",
    ])  # fmt: skip


def build(rng: random.Random) -> list[dict]:
    fake = fakers(LOCALES, SEED)
    records, counter = [], 0
    for repeat in range(6):
        for template in TEMPLATES:
            counter += 1
            case = "as is"
            if template.startswith("!"):
                template = template[1:]
                case = rng.choice(["as is", "as is", "lower", "upper"])
            text, spans, pos = "", [], 0
            for m in re.finditer(r"\{(\w+)\}", template):
                text += template[pos : m.start()]
                value = value_for(m.group(1), rng, fake)
                if repeat >= 4 and case == "as is" and rng.random() < 0.3:
                    value = value.lower()
                spans.append({"start": len(text), "end": len(text) + len(value), "label": "PERSON"})
                text += value
                pos = m.end()
            text += template[pos:]
            changed = text.lower() if case == "lower" else text.upper() if case == "upper" else text
            if len(changed) == len(text):  # keeps every offset
                text = changed
            records.append({"id": f"w{counter:04d}", "text": text, "spans": spans})
    for i, line in enumerate(DECOYS, start=1):
        records.append({"id": f"d{i:03d}", "text": line, "spans": [], "decoy": True})
    mark(records)
    return records


def main() -> None:
    write_gold(OUT, build(random.Random(SEED)), [])


if __name__ == "__main__":
    main()

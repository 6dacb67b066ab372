"""Build the held-out redaction set (``benchmarks/data/redaction_gold_locales.jsonl``).

Built differently from ``redaction_gold.jsonl`` so that it checks the redactor rather than the
examples it was developed on:

- people's names come from Faker's name lists for 30 locales (Britain, Ireland, Poland,
  Romania, Hungary, Lithuania, Nigeria, South Africa, Ghana, India, Pakistan, Japan in
  romanised form, Turkey, Vietnam, ...), not from the name lists the redactor uses;
- names appear in full, with a middle initial, hyphenated, with particles ("van der"), by first
  name alone, in lower case and in capitals;
- addresses are written in several forms: with a street word, without one next to a postcode
  or an address phrase ("137 Queensway SS16 5TB"), with a flat or studio number, with a house
  name, in lower case and in capitals; street names are made from Faker's British surnames
  and first names;
- sentences are new (survey answers, interview turns, case notes), and whole lines are
  sometimes lower-cased or upper-cased, as people type.

Seeded and committed; every line carries a ``marked`` copy for checking by eye. Every value is
made up. The redactor was not tuned on this set.

Run:  .venv/bin/python benchmarks/make_redaction_gold_locales.py   (needs ``faker``, a dev extra)
"""

from __future__ import annotations

import random
import re
import sys
from pathlib import Path

from faker import Faker

sys.path.insert(0, str(Path(__file__).parent))
from make_redaction_gold import nhs_number, ni_number, phone, write_gold  # noqa: E402

SEED = 4242
OUT = Path(__file__).parent / "data" / "redaction_gold_locales.jsonl"
LOCALES = (  # noqa: SIM905 - a word list reads best as text
    "en_GB en_GB en_GB en_IE en_IN en_PK pl_PL ro_RO hu_HU lt_LT lv_LV cs_CZ sk_SK pt_PT "
    "pt_BR es_ES it_IT fr_FR de_DE nl_NL tr_TR yo_NG zu_ZA tw_GH fil_PH hr_HR sl_SI fi_FI "
    "da_DK vi_VN ja_JP"
).split()
STREET_WORDS = (  # noqa: SIM905
    "Road Street Avenue Lane Close Drive Way Crescent Gardens Grove Terrace Walk Mews Rise "
    "Place Court Hill Park Green View Parade Row Chase Square"
).split()
HOUSE_WORDS = ["Cottage", "House", "Farm", "Lodge", "Barn", "Villa"]
TOWNS = ["Basildon", "Southend-on-Sea", "Clacton-on-Sea", "Colchester", "Harlow", "Grays",
         "Chelmsford", "Canvey Island", "Harwich", "Tilbury"]  # fmt: skip
AREAS = ["SS1", "SS3", "SS6", "SS12", "SS14", "SS16", "SS17", "CO1", "CO3", "CO7", "CO15",
         "CM1", "CM2", "CM20", "RM16", "RM18", "IG11"]  # fmt: skip
UNIT = "ABDEFGHJLNPQRSTUWXYZ"
MIDDLE = "ABCDEFGHJKLMNPRSTW"


def fakers(locales: list[str] = LOCALES, seed: int = SEED) -> dict[str, Faker]:
    """One seeded Faker per locale."""
    made = {}
    for i, locale in enumerate(dict.fromkeys(locales)):
        f = Faker(locale)
        f.seed_instance(seed + i)
        made[locale] = f
    return made


def mark(records: list[dict]) -> None:
    """Add to each record a ``marked`` copy of its text, each gold span in ⟦label|…⟧."""
    for r in records:
        marked, pos = "", 0
        for s in r["spans"]:
            marked += r["text"][pos : s["start"]]
            marked += f"⟦{s['label']}|{r['text'][s['start'] : s['end']]}⟧"
            pos = s["end"]
        r["marked"] = marked + r["text"][pos:]


def person(rng: random.Random, fake: dict[str, Faker]) -> tuple[str, str]:
    """A made-up first name and surname from one locale (romanised for Japanese)."""
    f = fake[rng.choice(LOCALES)]
    if f.locales == ["ja_JP"]:
        return f.first_romanized_name(), f.last_romanized_name()
    first, last = f.first_name(), f.last_name()
    return first.split()[0], last


def name_form(rng: random.Random, first: str, last: str, fake: dict[str, Faker]) -> str:
    """One of the ways a person is written in notes and transcripts."""
    return rng.choice([
        f"{first} {last}", f"{first} {last}", f"{first} {last}", first, first,
        f"{first} {rng.choice(MIDDLE)} {last}", f"{first} {rng.choice(MIDDLE)}. {last}",
        f"{first} {last}-{fake['en_GB'].last_name()}",
        f"{first} {rng.choice(['van der', 'de', 'da', 'van', 'von', 'El', 'Al'])} {last}",
    ])  # fmt: skip


def postcode(rng: random.Random) -> str:
    code = f"{rng.choice(AREAS)} {rng.randint(1, 9)}{rng.choice(UNIT)}{rng.choice(UNIT)}"
    return rng.choice([code, code, code.replace(" ", ""), code.lower()])


def street(rng: random.Random, fake: dict[str, Faker]) -> str:
    stem = rng.choice([fake["en_GB"].last_name(), fake["en_GB"].first_name()])
    return f"{stem} {rng.choice(STREET_WORDS)}"


def address(rng: random.Random, fake: dict[str, Faker], *, bare: bool) -> str:
    """An address; ``bare`` = a street without a street word (needs a postcode or phrase)."""
    number = rng.choice([str(rng.randint(1, 240)), f"{rng.randint(1, 90)}{rng.choice('abc')}"])
    if bare:
        return f"{number} {fake['en_GB'].last_name()}"
    st = street(rng, fake)
    house = f"{fake['en_GB'].last_name()} {rng.choice(HOUSE_WORDS)}"
    return rng.choice([
        f"{number} {st}", f"{number} {st}", f"{number}, {st}",
        f"Flat {rng.randint(1, 40)}, {number} {st}",
        f"Flat {rng.randint(1, 9)}{rng.choice('ab')} {number} {st}",
        f"Studio {rng.randint(1, 20)}, {number} {st}", f"{house}, {st}",
        f"Unit {rng.randint(1, 30)}, {number} {st}",
    ])  # fmt: skip


# {P} person, {A} address with a street word, {B} address without one (followed by a postcode
# or preceded by an address phrase), {POST} {PHONE} {NHS} {NI} {EMAIL}; {T} a town (not an
# identifier). Lines marked "!" at the start are also written all in capitals or lower case.
TEMPLATES = """
!{P} helped me fill in the housing forms.
Honestly {P} is the only one who listens to me.
we met {P} at the community fridge on a thursday
The volunteer, {P}, sorted my CV out in an afternoon.
!{P} and I go to the walking group together.
thanks to {P} i got the job at the warehouse
Contact: {P}, {PHONE}
I spoke with {P} about the bidding for a council flat.
!My neighbour {P} drives me to my appointments.
Ring {P} on {PHONE} if I'm not in.
{P} said I should apply for the apprenticeship.
Support from {P} was brilliant from start to finish.
I'm {P}, I'm 42 and I live in {T}.
Then {P} rang and told me about the course.
!{P} from the food bank gave me a lift home.
ASKED FOR {P} BUT SHE WAS OFF THAT WEEK
{P}'s mum works at the same place as me.
Without {P} I'd have given up by Christmas.
Interviewer: Who else helped? Resident: {P}, my cousin, and {P}.
Shout out to {P} at the hub.
!The letter was addressed to {P} at {A}.
Case note: met {P} ({NHS}) at home, {A}, {POST}.
!Text {P} on {PHONE} about the interview.
Our {P} started college in September.
My key contact was {P}; her email is {EMAIL}.
!Me and {P} both started on the same day.
Mrs {P} next door keeps an eye on the kids.
We've been at {A} since 2019.
!send the forms to {B} {POST}
It's {B}, {POST}, the one with the blue door.
!I live at {B} now.
New address: {A}, {T} {POST}.
Deliver to {A} please, {T}.
!Our flat is at {B} {POST}, top floor.
Can you post it to {A}, {POST}?
{P} (NI {NI}) moved to {A} last month.
Resident: My worker is {P}. Interviewer: What does {P} do for you?
!{P} and {P} run the drop-in on Wednesdays.
She's called {P} and she's from the job club.
Dr {P} referred me to the memory clinic.
I asked {P} to come with me to the assessment.
""".strip().splitlines()

DECOYS = """
Will it help? I don't know yet.
They gave me a grace period on the council tax.
I went to Basildon Hospital for my scan.
The Job Centre in Colchester put me on a course.
Universal Credit was late again this month.
Citizens Advice helped with the appeal.
I walked 2 miles down the road to the bus stop.
I get the 100 bus from Chelmsford to Basildon.
Mark it on the calendar, the group is every Tuesday.
Hope is all I had left in 2020.
MY CONFIDENCE WENT FROM 3 OUT OF 10 TO 8.
the food bank at st mary's church is open on fridays
The Princess Alexandra Hospital in Harlow was very good.
I did a Level 3 in Health and Social Care at South Essex College.
Summer holidays are hard with three kids and no childcare.
I worked at Lakeside for 6 years before the pandemic.
Brooklands is a nice park to sit in when it's sunny.
Ward 12 at Southend Hospital was where I had my operation.
I'd rather work nights, 4 on 4 off.
The Salvation Army shop on the High Street gave us a sofa.
""".strip().splitlines()


def build(rng: random.Random) -> list[dict]:
    fake = fakers()
    records, counter = [], 0
    for repeat in range(7):
        for template in TEMPLATES:
            counter += 1
            case = "as is"
            if template.startswith("!"):
                template = template[1:]
                case = rng.choice(["as is", "as is", "lower", "upper"])
            text, spans, pos = "", [], 0
            for m in re.finditer(r"\{(\w+)\}", template):
                text += template[pos : m.start()]
                slot, label = m.group(1), None
                if slot == "P":
                    first, last = person(rng, fake)
                    if re.search(r"(?:Mrs|Dr) $", text):
                        value = last
                    else:
                        value = name_form(rng, first, last, fake)
                    if repeat >= 5 and case == "as is" and rng.random() < 0.3:
                        value = value.lower()
                    label = "PERSON"
                elif slot in ("A", "B"):
                    value, label = address(rng, fake, bare=slot == "B"), "ADDRESS"
                    if repeat >= 5 and case == "as is" and rng.random() < 0.3:
                        value = value.lower()
                elif slot == "POST":
                    value, label = postcode(rng), "POSTCODE"
                elif slot == "PHONE":
                    value, label = phone(rng), "PHONE"
                elif slot == "NHS":
                    value, label = nhs_number(rng), "NHS_NUMBER"
                elif slot == "NI":
                    value, label = ni_number(rng), "NI_NUMBER"
                elif slot == "EMAIL":
                    first, last = person(rng, fake)
                    local = re.sub(r"[^a-z.]", "", f"{first}.{last}".lower()) or "jo"
                    value, label = f"{local}@example.org", "EMAIL"
                else:  # T: a town, not an identifier
                    value = rng.choice(TOWNS)
                if label:
                    spans.append(
                        {"start": len(text), "end": len(text) + len(value), "label": label}
                    )
                text += value
                pos = m.end()
            text += template[pos:]
            # Changing case keeps every offset: these scripts have no letters that change length.
            changed = text.lower() if case == "lower" else text.upper() if case == "upper" else text
            if len(changed) == len(text):
                text = changed
            records.append({"id": f"h{counter:04d}", "text": text, "spans": spans})
    for i, line in enumerate(DECOYS, start=1):
        records.append({"id": f"e{i:03d}", "text": line, "spans": [], "decoy": True})
    mark(records)
    return records


def main() -> None:
    # No register: these people are the ones residents talk about, not participants.
    write_gold(OUT, build(random.Random(SEED)), [])


if __name__ == "__main__":
    main()

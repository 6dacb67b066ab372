"""Build the labelled redaction evaluation set (``benchmarks/data/redaction_gold.jsonl``).

Seeded and committed, so the set is reproducible; every line also carries a ``marked`` copy of
its text with each gold span written ``⟦LABEL|value⟧``, so a person can check it by eye.
Every name, number and address in it is made up (phone numbers use Ofcom's drama ranges,
NHS numbers are random with a valid check digit, postcodes are random in Essex areas).

Lines are interview-style or survey-style English. About half of the people named are in the
study's registers (``register`` in the first line's header record); the others (family,
friends, staff of other services) are found only by the model and patterns. Decoy lines hold
no identifier but words that look like one ("Will it help?", "Southend Hospital", "B12").

Run:  .venv/bin/python benchmarks/make_redaction_gold.py
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

SEED = 2026
OUT = Path(__file__).parent / "data" / "redaction_gold.jsonl"

FIRST = """
Sarah Kerry-Ann Priya Mohammed Tomasz Chloe Darren Aisha Jamal Bernadette Wayne Nkechi Olga
Connor Shannon Ravi Siobhan Dean Fatima Kwame Leanne Marcin Yusuf Tracey Precious Liam
Agnieszka Stacey Bilal Demi Craig Hannah Oluwaseun Gemma Tyrone Maria Kayleigh Imran Joanne
Ahmed Natalie Florin Sinead Kieran Amira Jodie
""".split()  # noqa: SIM905 - a word list reads best as text
LAST = """
Jones Okafor Patel Kowalski Smith Begum Whitfield Hussain O'Brien Nowak Ahmed Clarke Mensah
Taylor Adeyemi Murphy Khan Thompson Sharma Lewandowski Osei Parker Robinson Ali Fitzgerald
Evans Akhtar Harrison Popescu McCarthy Chowdhury Bennett Wright Doherty Malik Edwards Kaur
Richardson
""".split()  # noqa: SIM905 - a word list reads best as text
STREETS = """Victoria Road|High Street|Station Lane|Marine Parade|Church Road|Pier Avenue|Kings
Road|Hadleigh Road|Oxford Close|Meadow Way|St Osyth Road|Elm Grove|Rectory Gardens|Thames
Drive|Cromer Crescent|Anchor Lane|Coronation Terrace|Holland Road""".replace("\n", " ").split("|")
BUILDINGS = ["Marine Court", "Harbour House", "Seaview Heights", "Beacon Lodge", "Oak Tower"]
AREAS = [
    "SS1",
    "SS2",
    "SS0",
    "SS9",
    "SS13",
    "SS14",
    "SS15",
    "SS16",
    "CO15",
    "CO16",
    "CO12",
    "CO4",
    "CM11",
    "CM12",
    "RM17",
    "SS7",
    "SS8",
]
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
UNIT_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"


def nhs_number(rng: random.Random) -> str:
    while True:
        digits = [rng.randint(0, 9) for _ in range(9)]
        digits[0] = rng.choice([4, 6, 7])
        check = 11 - sum(d * w for d, w in zip(digits, range(10, 1, -1), strict=True)) % 11
        check = 0 if check == 11 else check
        if check != 10:
            s = "".join(map(str, digits + [check]))
            return rng.choice([f"{s[:3]} {s[3:6]} {s[6:]}", f"{s[:3]}-{s[3:6]}-{s[6:]}", s])


def typo(number: str) -> str:
    """The same number with its check digit changed: a mistyped NHS number."""
    return number[:-1] + str((int(number[-1]) + 1) % 10)


def ni_number(rng: random.Random) -> str:
    first = rng.choice("ABCEGHJKLMNOPRSTWXYZ")
    second = rng.choice("ABCEGHJKLMNPRSTWXYZ")
    d = [f"{rng.randint(0, 99):02d}" for _ in range(3)]
    s = rng.choice("ABCD")
    form = rng.choice(
        [
            f"{first}{second} {d[0]} {d[1]} {d[2]} {s}",
            f"{first}{second}{''.join(d)}{s}",
            f"{first}{second}{''.join(d)}{s}".lower(),
            f"{first}{second} {''.join(d)} {s}",
        ]
    )
    return form


def phone(rng: random.Random) -> str:
    n3 = f"{rng.randint(0, 999):03d}"
    return rng.choice([
        f"07700 900{n3}", f"07700900{n3}", f"+44 7700 900{n3}", f"+447700900{n3}",
        f"01632 960{n3}", f"(01632) 960{n3}", f"020 7946 0{n3}", f"0113 496 0{n3}",
        f"0{rng.choice(['1702', '1268', '1255', '1206'])} {rng.randint(200000, 999999)}",
        f"07{rng.randint(100, 999)} {rng.randint(100000, 999999)}",
        f"0800 {rng.randint(100, 999)} {rng.randint(1000, 9999)}",
    ])  # fmt: skip


def postcode(rng: random.Random) -> str:
    area, sector = rng.choice(AREAS), rng.randint(1, 9)
    code = f"{area} {sector}{rng.choice(UNIT_LETTERS)}{rng.choice(UNIT_LETTERS)}"
    return rng.choice([code, code, code.replace(" ", ""), code.lower()])


def address(rng: random.Random) -> str:
    street = rng.choice(STREETS)
    number = rng.choice([str(rng.randint(1, 220)), f"{rng.randint(1, 90)}a"])
    return rng.choice([
        f"{number} {street}", f"{number} {street}",
        f"Flat {rng.randint(1, 30)}, {rng.randint(1, 120)} {street}",
        f"Flat {rng.randint(1, 30)}, {rng.choice(BUILDINGS)}",
        f"{number} {street}".lower(),
    ])  # fmt: skip


def dob(rng: random.Random) -> str:
    d, m, y = rng.randint(1, 28), rng.randint(1, 12), rng.randint(1955, 2005)
    suffix = "th" if d in (11, 12, 13) else {1: "st", 2: "nd", 3: "rd"}.get(d % 10, "th")
    return rng.choice([
        f"{d:02d}/{m:02d}/{y}", f"{d}/{m}/{str(y)[2:]}", f"{d}{suffix} {MONTHS[m - 1]} {y}",
        f"{d}{suffix} of {MONTHS[m - 1]} {y}", f"{MONTHS[m - 1]} {d}{suffix}, {y}",
        f"{y}-{m:02d}-{d:02d}", f"{d} {MONTHS[m - 1][:3]} {y}", f"{d:02d}.{m:02d}.{y}",
    ])  # fmt: skip


def email(rng: random.Random, first: str, last: str) -> str:
    f, la = first.lower().replace("-", ""), last.lower().replace("'", "")
    return rng.choice(
        [
            f"{f}.{la}@example.com",
            f"{f}{rng.randint(1, 99)}@example.co.uk",
            f"{f[0]}{la}@test.nhs.uk",
            f"{la}.{f}@example.org",
        ]
    )


def url(rng: random.Random, first: str, last: str) -> str:
    f, la = first.lower().replace("-", ""), last.lower().replace("'", "")
    return rng.choice(
        [
            f"www.facebook.com/{f}.{la}",
            f"https://instagram.com/{f}_{la}_cakes",
            f"https://www.linkedin.com/in/{f}-{la}-{rng.randint(10, 99)}",
            f"{f}{la}.co.uk",
            f"http://www.{f}{la}photography.com/about",
        ]
    )


LABELS = {"NHS": "NHS_NUMBER", "NHSBAD": "NHS_NUMBER", "NI": "NI_NUMBER", "PHONE": "PHONE",
          "EMAIL": "EMAIL", "POST": "POSTCODE", "ADDR": "ADDRESS", "DOB": "DATE_OF_BIRTH",
          "URL": "URL"}  # fmt: skip


def make_value(slot: str, rng: random.Random, first: str, last: str) -> str:
    """A made-up identifier for a template slot (other than a person)."""
    if slot in ("EMAIL", "URL"):
        return (email if slot == "EMAIL" else url)(rng, first, last)
    if slot == "NHSBAD":
        return typo(nhs_number(rng))
    maker = {"NHS": nhs_number, "NI": ni_number, "PHONE": phone, "POST": postcode,
             "ADDR": address, "DOB": dob}[slot]  # fmt: skip
    return maker(rng)


# Templates: {P} a person (register or not), {NHS} {NI} {PHONE} {EMAIL} {POST} {ADDR} {DOB} {URL}.
TEMPLATES = """
PR: Tell me a bit about yourself? Participant: Yeah, my name's {P}, I'm 34, I live in Southend.
I was referred by {P} at the Job Centre Plus, she was brilliant to be fair.
My NHS number is {NHS} if you need it for the form.
The nurse wrote my NHS no. down as {NHSBAD} but I think she got a digit wrong.
National Insurance number {NI}, I've had it since school.
my ni number is {NI} and i still havent had my first payslip
You can ring me on {PHONE} most days after three.
Best number for me is {PHONE}, or text {PHONE} if I don't pick up.
Just email me at {EMAIL} and I'll get back to you.
My address is {ADDR}, {POST}.
We moved to {ADDR} last year and it's been a nightmare with the damp.
Post it to {ADDR}, Clacton, {POST} please.
postcode is {POST}
I was born on {DOB} so I'm not exactly a spring chicken.
DOB {DOB}, same as on my passport.
My date of birth is {DOB}.
My son {P} has autism so I can only work school hours.
Dr {P} at the surgery signed me off for six weeks.
My key worker {P} helped me write a CV, I'd never had one before.
There's a lady called {P} at the hub who sorted my Universal Credit out.
Interviewer: And who supported you most? Participant: Honestly {P}. She never gave up on me.
{P} rang me every week to check in and that made the difference.
I went to see {P} and {P} about the care assistant job.
It was {P} who told me about the course at the college.
My mum {P} looks after the little one when I'm on an early.
Find me on {URL}, that's where I post my cakes.
My CV is on {URL} if that helps.
I live at {ADDR} with my partner {P}.
Mrs {P} from the council came round about the rent arrears.
my name is {P} and im from jaywick
The form wanted my NHS number ({NHS}), my NI ({NI}) and my phone ({PHONE}).
I told {P} my birthday is {DOB} and she put it on the system.
Write to me at {EMAIL} or {ADDR}, {POST}.
Participant: It's {PHONE}, that's my mobile. Interviewer: Thanks {P}.
When I started with {P} I couldn't even look people in the eye.
Mr {P} the manager at the care home gave me a trial shift.
Me and {P} went to the jobs fair at the Cliffs Pavilion together.
My support worker is {P}, she's been amazing since day one.
{P} from the peer team interviewed me, she's lovely.
If anything changes ring {PHONE} or email {EMAIL}.
I'm at {ADDR} now, it's a hostel really but it's a roof.
My daughter {P} was born on {DOB} at Southend Hospital.
""".strip().splitlines()

DECOYS = """
Will it help? I honestly don't know any more.
There's hope now, which there wasn't before.
They gave me a grace period on the rent arrears.
Mark my words, I'll be working by Christmas.
I was at Southend Hospital for three weeks after the operation.
The Job Centre Plus in Basildon sent me on a course.
My GP said the NHS could refer me to talking therapies.
I get B12 injections every twelve weeks.
It's a 30 minute walk and 2 buses down the road to the nearest job.
I started on 12 March 2024 and I'm still there.
I earned £1,250 a month in 2019 and 2020, then Covid hit.
The bus from Jaywick only runs every hour after 7pm.
I did my Level 2 NVQ in 2018 and my Care Certificate last year.
Ward 7 was short-staffed so they asked me to do a double.
We work 9 to 5, five days a week, 37.5 hours.
The A127 was shut so I was late for the interview.
Universal Credit stopped for 5 weeks and I used the food bank.
Grace and favour, my nan used to say, nothing comes free.
I'd like to be a Health Care Assistant at Broomfield in a year's time.
My confidence went from 2 out of 10 to about 7.
Colchester General is a trek but the pay is better.
The Salvation Army helped with furniture when we moved.
I waited 18 months for a mental health assessment.
I've applied for 40 jobs and had 3 interviews.
Will said he'd ring, but who is Will anyway? Just kidding, nobody.
Hope is what kept me going through all of it.
The peer researcher was from round here, which helped me open up.
My shift pattern is 4 on 4 off, 7am till 7pm.
I'm 42 and I've never had a proper job till now.
They paid for my DBS check and my uniform.
Summer was the worst, no school, no childcare.
The room was number 14 on the second floor.
The course code was CM 12 on the leaflet, I think.
Talking to someone with lived experience made all the difference.
I was on ESA for 6 years before this programme.
The Wednesday drop-in at the library is where it all started.
""".strip().splitlines()


def build(rng: random.Random) -> tuple[list[dict], list[str]]:
    people = [(rng.choice(FIRST), rng.choice(LAST)) for _ in range(70)]
    register = [f"{f} {la}" for f, la in people[:35]]
    records = []
    counter = 0
    for repeat in range(6):
        for template in TEMPLATES:
            counter += 1
            first, last = rng.choice(people)
            text, spans, pos = "", [], 0
            for m in re.finditer(r"\{(\w+)\}", template):
                text += template[pos : m.start()]
                slot = m.group(1)
                if slot == "P":
                    f, la = rng.choice(people)
                    value = rng.choice(
                        [
                            f,
                            f"{f} {la}",
                            f"{f} {la}",
                            la if "Dr" in template or "Mrs" in template or "Mr " in template else f,
                        ]
                    )
                    if template.islower() or (repeat == 5 and rng.random() < 0.3):
                        value = value.lower()
                    label = "PERSON"
                else:
                    label, value = LABELS[slot], make_value(slot, rng, first, last)
                spans.append({"start": len(text), "end": len(text) + len(value), "label": label})
                text += value
                pos = m.end()
            text += template[pos:]
            records.append({"id": f"g{counter:04d}", "text": text, "spans": spans})
    for i, line in enumerate(DECOYS, start=1):
        records.append({"id": f"d{i:03d}", "text": line, "spans": [], "decoy": True})
    for r in records:
        marked, pos = "", 0
        for s in r["spans"]:
            marked += (
                r["text"][pos : s["start"]] + f"⟦{s['label']}|{r['text'][s['start'] : s['end']]}⟧"
            )
            pos = s["end"]
        r["marked"] = marked + r["text"][pos:]
    return records, register


def write_gold(path: Path, records: list[dict], register: list[str]) -> None:
    """Write a gold set: a header line with the register, then one labelled line per row."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        fh.write(json.dumps({"register": register}, ensure_ascii=False) + "\n")
        for r in records:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    n_spans = sum(len(r["spans"]) for r in records)
    print(f"wrote {len(records)} lines, {n_spans} gold spans, to {path}")


def main() -> None:
    records, register = build(random.Random(SEED))
    write_gold(OUT, records, register)


if __name__ == "__main__":
    main()

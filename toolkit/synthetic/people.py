"""The synthetic participants and staff: names, demographics and the themes each person has.

Names are drawn from pools that reflect a diverse British population. Words used as decoys in
the text ("Will", "Hope", "Grace", "Mark", "Sandy") and surnames that are everyday words
("Green", "Young") are left out of the pools on purpose, so that every name in a document is a
planted identifier and the redaction ground truth is exact.

Example
-------
>>> import random
>>> people = make_participants(random.Random(1), 30)
>>> sorted({p.cohort for p in people})
['basildon', 'clacton', 'southend']
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from toolkit.synthetic.phrases import THEME_IDS

COHORTS = ("clacton", "southend", "basildon")
COHORT_PREFIX = {"clacton": "CLA", "southend": "STH", "basildon": "BAS"}
COHORT_SHARE = {"clacton": 0.36, "southend": 0.33, "basildon": 0.31}

AGE_BANDS = ("16-24", "25-34", "35-49", "50-64")
AGE_WEIGHTS = (0.30, 0.25, 0.28, 0.17)
GENDERS = ("Female", "Male", "Non-binary", "Prefer not to say")
GENDER_WEIGHTS = (0.56, 0.41, 0.015, 0.015)

# ONS 2021 Census high-level ethnic groups.
WHITE = "White"
ETHNICITIES = (
    WHITE,
    "Mixed or Multiple ethnic groups",
    "Asian or Asian British",
    "Black, Black British, Caribbean or African",
    "Other ethnic group",
)
# Share of each group per cohort (coastal Essex is mostly White; Southend is more mixed).
ETHNICITY_WEIGHTS = {
    "clacton": (0.91, 0.03, 0.02, 0.02, 0.02),
    "southend": (0.80, 0.05, 0.07, 0.06, 0.02),
    "basildon": (0.84, 0.04, 0.04, 0.06, 0.02),
}
# IMD decile weights 1..10 (1 = most deprived). Jaywick and central Clacton are among the
# most deprived neighbourhoods in England, so the Clacton cohort is heavily decile 1.
IMD_WEIGHTS = {
    "clacton": (0.46, 0.20, 0.12, 0.08, 0.05, 0.04, 0.02, 0.02, 0.01, 0.0),
    "southend": (0.26, 0.22, 0.16, 0.11, 0.08, 0.06, 0.05, 0.03, 0.02, 0.01),
    "basildon": (0.24, 0.22, 0.17, 0.12, 0.09, 0.06, 0.04, 0.03, 0.02, 0.01),
}
LSOAS_PER_DECILE = 4

# fmt: off
FIRST_NAMES = {
    "White": {
        "female": [
            "Chloe", "Jade", "Kerry", "Stacey", "Leanne", "Amy", "Gemma", "Lauren", "Kelly",
            "Sharon", "Tracey", "Donna", "Michelle", "Nicola", "Emma", "Sophie", "Megan",
            "Ellie", "Paige", "Lucy", "Bethany", "Carol", "Julie", "Siobhan", "Aoife", "Agnieszka",
            "Kasia", "Zoë", "Niamh", "Rhian", "Kirsty", "Danielle", "Tanya", "Maureen",
        ],
        "male": [
            "Dean", "Wayne", "Craig", "Lee", "Jamie", "Connor", "Callum", "Ryan", "Darren",
            "Gary", "Steve", "Kevin", "Paul", "Tony", "Liam", "Kyle", "Josh", "Harvey",
            "Alfie", "Reece", "Tomasz", "Piotr", "Ciaran", "Declan", "Gareth", "Rhys", "Stuart",
            "Terry", "Shane", "Ashley",
        ],
    },
    "Asian": {
        "female": [
            "Priya", "Aisha", "Fatima", "Shabnam", "Nadia", "Anjali", "Sana", "Ruksana",
            "Mehreen", "Harpreet", "Nusrat", "Mei",
        ],
        "male": [
            "Imran", "Mohammed", "Arjun", "Rahul", "Bilal", "Tariq", "Sanjay", "Hamza",
            "Amir", "Kamal", "Jaspreet", "Wei",
        ],
    },
    "Black": {
        "female": [
            "Abena", "Chantelle", "Funmi", "Adaeze", "Keisha", "Shanice", "Amara", "Yetunde",
            "Nia", "Efua",
        ],
        "male": [
            "Kwame", "Tunde", "Marcus", "Jerome", "Kofi", "Emeka", "Tyrone", "Chidi", "Andre",
            "Nathaniel",
        ],
    },
    "Other": {
        "female": ["Elif", "Ioana", "Leyla", "Mariam", "Ana", "Daria", "Roxana", "Sevda"],
        "male": ["Mehmet", "Andrei", "Yusuf", "Kemal", "Florin", "Dritan", "Omar", "Nikos"],
    },
}
LAST_NAMES = {
    "White": [
        "Smith", "Jones", "Taylor", "Williams", "Davies", "Evans", "Thomas", "Roberts",
        "Wilson", "Wright", "Thompson", "Walker", "Harris", "Robinson", "Clarke", "Jackson",
        "Hughes", "Edwards", "Turner", "Collins", "Murphy", "O'Brien", "Kelly", "Doyle",
        "MacDonald", "Campbell", "Kowalski", "Nowak", "Wiśniewski", "Pritchard", "Moss",
        "Sullivan", "Fletcher", "Barnes", "Gibbs", "Pearce", "Dawson", "Chapman", "Lloyd",
    ],
    "Asian": [
        "Patel", "Khan", "Ahmed", "Begum", "Hussain", "Shah", "Singh", "Kaur", "Chowdhury",
        "Iqbal", "Mistry", "Rahman", "Chen", "Wong", "Malik",
    ],
    "Black": [
        "Okafor", "Mensah", "Adeyemi", "Boateng", "Asante", "Campbell", "Johnson", "Okonkwo",
        "Oduya", "Francis", "Owusu", "Bello",
    ],
    "Other": [
        "Yilmaz", "Popescu", "Demir", "Ionescu", "Hoxha", "Papadopoulos", "Haddad",
        "Aziz", "Kaya", "Georgiou",
    ],
}
# fmt: on

# Share of participants whose latent set holds each theme.
THEME_PREVALENCE = {
    "transport": 0.38,
    "childcare_caring": 0.25,
    "confidence": 0.40,
    "digital_access": 0.22,
    "money_benefits": 0.35,
    "health_disability": 0.28,
    "application_process": 0.33,
    "interviews_offers": 0.30,
    "checks_waits": 0.30,
    "mandatory_training": 0.18,
    "job_club_support": 0.36,
    "buddies_mentors": 0.30,
    "workplace_culture": 0.22,
    "staying_in_work": 0.24,
    "aspirations": 0.34,
}
# Transport and digital access vary by place (rural Tendring); outcome-linked themes do not,
# so that no place difference can masquerade as a theme effect.
COHORT_THEME_MULTIPLIER = {
    ("clacton", "transport"): 1.4,
    ("basildon", "transport"): 0.7,
    ("clacton", "digital_access"): 1.3,
}

STAFF_ROLES = ("Peer researcher", "Interviewer", "Job coach")


@dataclass
class Person:
    """One synthetic participant, with the themes they talk about (never shown to the pipeline)."""

    ref: str
    cohort: str
    first_name: str
    last_name: str
    sex: str  # "female"/"male": picks names and relatives
    gender: str
    age_band: str
    ethnicity: str
    imd_decile: int
    lsoa: str
    plus_disability_ltc: bool
    plus_carer: bool
    consent_quotes: bool
    consent_linkage: bool
    themes: set[str] = field(default_factory=set)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


def _name_group(ethnicity: str, rng: random.Random) -> str:
    if ethnicity == WHITE:
        return "White"
    if ethnicity.startswith("Asian"):
        return "Asian"
    if ethnicity.startswith("Black"):
        return "Black"
    if ethnicity.startswith("Mixed"):
        return rng.choice(["White", "Black", "Asian"])
    return "Other"


def cohort_sizes(total: int) -> dict[str, int]:
    """Split ``total`` participants over the three cohorts (largest first takes the rest)."""
    sizes = {c: int(round(total * COHORT_SHARE[c])) for c in COHORTS[1:]}
    sizes = {COHORTS[0]: total - sum(sizes.values()), **sizes}
    return sizes


def lsoa_codes(cohort: str) -> dict[int, list[str]]:
    """Synthetic LSOA codes per IMD decile (E019..., outside the real E01 numbering)."""
    base = {"clacton": 900000, "southend": 910000, "basildon": 920000}[cohort]
    return {
        decile: [f"E01{base + decile * 100 + k:06d}" for k in range(LSOAS_PER_DECILE)]
        for decile in range(1, 11)
    }


def make_participants(rng: random.Random, total: int) -> list[Person]:
    """Draw ``total`` participants over the three cohorts, with their latent themes."""
    people: list[Person] = []
    width = max(4, len(str(total)))
    for cohort, size in cohort_sizes(total).items():
        lsoas = lsoa_codes(cohort)
        for k in range(1, size + 1):
            ethnicity = rng.choices(ETHNICITIES, ETHNICITY_WEIGHTS[cohort])[0]
            gender = rng.choices(GENDERS, GENDER_WEIGHTS)[0]
            sex = {"Female": "female", "Male": "male"}.get(gender) or rng.choice(["female", "male"])
            group = _name_group(ethnicity, rng)
            decile = rng.choices(range(1, 11), IMD_WEIGHTS[cohort])[0]
            person = Person(
                ref=f"{COHORT_PREFIX[cohort]}-{k:0{width}d}",
                cohort=cohort,
                first_name=rng.choice(FIRST_NAMES[group][sex]),
                last_name=rng.choice(LAST_NAMES[group]),
                sex=sex,
                gender=gender,
                age_band=rng.choices(AGE_BANDS, AGE_WEIGHTS)[0],
                ethnicity=ethnicity,
                imd_decile=decile,
                lsoa=rng.choice(lsoas[decile]),
                plus_disability_ltc=False,
                plus_carer=False,
                consent_quotes=rng.random() < 0.86,
                consent_linkage=rng.random() < 0.93,
            )
            person.themes = _draw_themes(rng, cohort)
            # Flags follow what people talk about, plus some who never mention it.
            person.plus_disability_ltc = ("health_disability" in person.themes) or (
                rng.random() < 0.08
            )
            person.plus_carer = ("childcare_caring" in person.themes and rng.random() < 0.7) or (
                rng.random() < 0.05
            )
            people.append(person)
    return people


def _draw_themes(rng: random.Random, cohort: str) -> set[str]:
    themes = {
        t
        for t in THEME_IDS
        if rng.random() < THEME_PREVALENCE[t] * COHORT_THEME_MULTIPLIER.get((cohort, t), 1.0)
    }
    if not themes:  # everyone has something to say
        themes.add(rng.choice(THEME_IDS))
    return themes


def make_staff(rng: random.Random, count: int = 12) -> list[tuple[str, str]]:
    """``(name, role)`` for the programme's peer researchers, interviewers and job coaches."""
    staff: list[tuple[str, str]] = []
    used: set[str] = set()
    while len(staff) < count:
        group = rng.choices(["White", "Asian", "Black", "Other"], (0.7, 0.12, 0.12, 0.06))[0]
        sex = rng.choice(["female", "female", "male"])
        first = rng.choice(FIRST_NAMES[group][sex])
        if first in used:  # first names identify staff in transcripts: keep them unique
            continue
        used.add(first)
        name = f"{first} {rng.choice(LAST_NAMES[group])}"
        staff.append((name, STAFF_ROLES[len(staff) % len(STAFF_ROLES)]))
    return staff

"""Survey answers at baseline and six months: scales, employment status and free text.

Wellbeing is driven by one latent level per person on the 1-5 item scale. At follow-up it
rises for everyone (:data:`WELLBEING_GAIN`) and more for people who talk about confidence
(:data:`CONFIDENCE_EXTRA_GAIN`); see ``truth/effects.yml``. People with lower baseline
wellbeing are a little more likely to miss the follow-up (drop-out is *not* at random).

Answers are written the way real exports look: mostly numbers, some scale labels in odd
case or with stray spaces, and a few blank items.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from toolkit.synthetic.compose import Passage, Sentence
from toolkit.synthetic.people import Person
from toolkit.synthetic.phrases import NO_ANSWERS
from toolkit.synthetic.speech import Speaker

SWEMWBS_LABELS = ("None of the time", "Rarely", "Some of the time", "Often", "All of the time")
UCLA_LABELS = ("Hardly ever", "Some of the time", "Often")
EMPLOYMENT = {
    "unemployed": "Unemployed and looking for work",
    "full_time": "Employed full-time",
    "part_time": "Employed part-time",
    "self_employed": "Self-employed",
    "inactive": "Economically inactive",
    "education": "In education or training",
}
BASELINE_EMPLOYMENT_WEIGHTS = {
    "unemployed": 0.58,
    "inactive": 0.20,
    "part_time": 0.09,
    "education": 0.08,
    "self_employed": 0.03,
    "full_time": 0.02,
}

# Planted effects on the 1-5 item scale (about 6 SWEMWBS metric points per item point).
WELLBEING_GAIN = 0.28
CONFIDENCE_EXTRA_GAIN = 0.36
LIFE_SATISFACTION_GAIN = 0.55  # before rounding and clipping to 0-10: about +0.5 observed
DROPOUT_BASE_LOGIT = -0.90
DROPOUT_WELLBEING_SLOPE = -0.45  # per SD of baseline wellbeing: lower wellbeing, more drop-out
LABEL_RATE = 0.06
MISSING_RATE = 0.012

# Which free-text question each theme tends to come up in.
# fmt: off
QUESTION_THEMES = {
    "barriers": {
        "transport", "childcare_caring", "confidence", "digital_access", "money_benefits",
        "health_disability", "application_process", "interviews_offers", "checks_waits",
        "mandatory_training", "workplace_culture",
    },
    "support": {
        "job_club_support", "buddies_mentors", "confidence", "interviews_offers",
        "application_process", "mandatory_training", "workplace_culture", "staying_in_work",
        "transport",
    },
    "hopes": {"aspirations", "staying_in_work", "confidence"},
}
# fmt: on
FREE_TEXT_COLUMNS = {"barriers": "q_barriers", "support": "q_support", "hopes": "q_hopes"}
IDENTIFIER_RATE = 0.09  # share of free-text answers that contain a planted identifier


@dataclass
class Wellbeing:
    """Latent state of one person (never written out: the items are)."""

    level: float  # mean item level on the 1-5 SWEMWBS scale
    z: float  # standardised baseline wellbeing
    loneliness: float


@dataclass
class WaveRecord:
    """One row of a wave file plus the free-text passages behind its text columns."""

    ref: str
    completed_on: date
    items: dict[str, str]
    employment: str
    answers: dict[str, Passage] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)


def draw_wellbeing(rng: random.Random) -> Wellbeing:
    """A person's latent baseline wellbeing and loneliness (loneliness tracks low wellbeing)."""
    z = rng.gauss(0, 1)
    return Wellbeing(level=2.95 + 0.55 * z, z=z, loneliness=-0.6 * z + rng.gauss(0, 0.8))


def followup_dropped(rng: random.Random, wellbeing: Wellbeing) -> bool:
    """True when this person does not complete the six-month survey."""
    logit = DROPOUT_BASE_LOGIT + DROPOUT_WELLBEING_SLOPE * wellbeing.z
    return rng.random() < 1 / (1 + math.exp(-logit))


def _likert(rng: random.Random, value: int, labels: tuple[str, ...]) -> str:
    roll = rng.random()
    if roll < MISSING_RATE:
        return ""
    if roll < MISSING_RATE + LABEL_RATE:
        label = labels[value - 1]
        label = rng.choice([label, label.lower(), label.upper(), label.title()])
        return rng.choice(["", " ", "  "]) + label + rng.choice(["", " ", "\t"])
    return str(value)


def _clip_round(x: float, low: int, high: int) -> int:
    return int(min(high, max(low, round(x))))


def scale_items(
    rng: random.Random, level: float, z: float, loneliness: float, ons_shift: float
) -> dict[str, str]:
    """SWEMWBS, ONS4 and UCLA-3 answers (as text) for one person at one wave."""
    items: dict[str, str] = {}
    for k in range(1, 8):
        value = _clip_round(level + rng.gauss(0, 0.55), 1, 5)
        items[f"swemwbs_{k}"] = _likert(rng, value, SWEMWBS_LABELS)
    ons = {
        "ons_satisfied": 5.0 + 1.6 * z + ons_shift,
        "ons_worthwhile": 5.7 + 1.4 * z + 0.8 * ons_shift,
        "ons_happy": 5.3 + 1.5 * z + 0.8 * ons_shift,
        "ons_anxious": 4.8 - 1.3 * z - 0.6 * ons_shift,
    }
    for column, centre in ons.items():
        value = _clip_round(centre + rng.gauss(0, 1.2), 0, 10)
        items[column] = "" if rng.random() < MISSING_RATE else str(value)
    for k in range(1, 4):
        value = _clip_round(2.0 + 0.55 * loneliness + rng.gauss(0, 0.5), 1, 3)
        items[f"ucla_{k}"] = _likert(rng, value, UCLA_LABELS)
    return items


def baseline_record(
    rng: random.Random,
    text_rng: random.Random,
    person: Person,
    wellbeing: Wellbeing,
    completed_on: date,
    staff: list[str],
) -> WaveRecord:
    """Baseline answers: scales from ``rng``, free text from ``text_rng``.

    Two streams, so that rewording the phrase bank never changes the numbers.
    """
    items = scale_items(rng, wellbeing.level, wellbeing.z, wellbeing.loneliness, 0.0)
    employment = EMPLOYMENT[
        rng.choices(list(BASELINE_EMPLOYMENT_WEIGHTS), list(BASELINE_EMPLOYMENT_WEIGHTS.values()))[
            0
        ]
    ]
    record = WaveRecord(person.ref, completed_on, items, employment)
    assignment = _assign_questions(text_rng, person.themes)
    speaker = _typist(text_rng, person, staff)
    for question in ("barriers", "support", "hopes"):
        passage = _answer(text_rng, speaker, assignment[question])
        record.answers[question] = passage
    return record


def _typist(rng: random.Random, person: Person, staff: list[str]) -> Speaker:
    # One in four people type in text-speak; some phones put in curly apostrophes.
    speaker = Speaker(rng, person, staff, style="typed" if rng.random() < 0.25 else "plain")
    speaker.curly = rng.random() < 0.15
    return speaker


def followup_record(
    rng: random.Random,
    text_rng: random.Random,
    person: Person,
    wellbeing: Wellbeing,
    completed_on: date,
    employment: str,
    staff: list[str],
) -> WaveRecord:
    """Six-month answers: wellbeing gain (more with ``confidence``) and the support answer."""
    gain = WELLBEING_GAIN + (CONFIDENCE_EXTRA_GAIN if "confidence" in person.themes else 0.0)
    level = wellbeing.level + gain + rng.gauss(0, 0.30)
    items = scale_items(rng, level, wellbeing.z, wellbeing.loneliness - 0.2, LIFE_SATISFACTION_GAIN)
    record = WaveRecord(person.ref, completed_on, items, employment)
    support_like = sorted(person.themes & QUESTION_THEMES["support"])
    text_rng.shuffle(support_like)
    themes = support_like[: text_rng.randint(1, 3)] if support_like else []
    record.answers["support"] = _answer(text_rng, _typist(text_rng, person, staff), themes)
    return record


def _assign_questions(rng: random.Random, themes: set[str]) -> dict[str, list[str]]:
    # Every latent theme is voiced in at least one baseline answer, so the participant-level
    # truth ("talks about X") is exactly what the documents show.
    assignment: dict[str, list[str]] = {q: [] for q in QUESTION_THEMES}
    for theme in sorted(themes):
        options = sorted(q for q, allowed in QUESTION_THEMES.items() if theme in allowed)
        assignment[rng.choice(options)].append(theme)
    return assignment


def _answer(rng: random.Random, speaker: Speaker, themes: list[str]) -> Passage:
    sentences: list[Sentence] = []
    remaining = list(themes)
    if len(remaining) >= 2 and rng.random() < 0.3:
        paired = speaker.paired_sentence(set(remaining))
        if paired is not None:
            sentences.append(paired)
            remaining = [t for t in remaining if t not in paired.themes]
    for theme in remaining:
        sentences.append(speaker.theme_sentence(theme))
        if rng.random() < 0.2:
            sentences.append(speaker.theme_sentence(theme))
    rng.shuffle(sentences)
    if not sentences:
        roll = rng.random()
        if roll < 0.55:
            return Passage([])
        if roll < 0.8:
            return Passage([Sentence(rng.choice(NO_ANSWERS))])
    if rng.random() < (0.3 if sentences else 1.0):
        sentences.insert(rng.randrange(len(sentences) + 1), speaker.neutral_sentence())
    if rng.random() < IDENTIFIER_RATE:
        sentences.insert(rng.randrange(len(sentences) + 1), speaker.identifier_sentence())
    if speaker.curly:
        sentences = [s.curly() for s in sentences]
    last = sentences[-1] if sentences else None
    typed_end = speaker.style == "typed" and last is not None and last.text.endswith(".")
    if typed_end and rng.random() < 0.4 and not (last.ids and last.ids[-1][1] == len(last.text)):
        # No full stop at the end of a typed answer (only at the end: sentences stay apart).
        sentences[-1] = Sentence(last.text[:-1], last.themes, last.ids)
    if rng.random() < 0.06:
        # Some people type everything in lower case; offsets are unchanged.
        sentences = [s.lower() for s in sentences]
    return Passage(sentences)


def followup_date(rng: random.Random, baseline: date) -> date:
    """When the six-month survey was done: about 26 weeks after baseline, often a bit late."""
    return baseline + timedelta(days=182 + rng.randint(-14, 35))

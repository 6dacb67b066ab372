"""Write the generated study as files: the register, wave files, pathway and transcripts.

Each writer also appends the ground-truth rows (sentences with themes, planted identifiers)
of the documents it writes, so offsets are computed from exactly the text written.
"""

from __future__ import annotations

import random
from pathlib import Path

from toolkit.study.config import PATHWAY_STAGES
from toolkit.synthetic import pathway as pw
from toolkit.synthetic import surveys as sv
from toolkit.synthetic import truth
from toolkit.synthetic.people import COHORTS, Person
from toolkit.synthetic.transcripts import build_transcript, write_transcript

WAVE_FILES = {"baseline": "baseline.csv", "followup_6m": "followup_6m.csv"}
FORMAT_SHARES = (("txt", 0.64), ("docx", 0.14), ("vtt", 0.11), ("srt", 0.11))
ITEM_COLUMNS = [
    *(f"swemwbs_{k}" for k in range(1, 8)),
    "ons_satisfied", "ons_worthwhile", "ons_happy", "ons_anxious",
    "ucla_1", "ucla_2", "ucla_3",
]  # fmt: skip


def yes(flag: bool) -> str:
    """Flags are written as yes/no, as survey platforms export them."""
    return "yes" if flag else "no"


def write_register(out: Path, people: list[Person], staff: list[tuple[str, str]]) -> None:
    """Write ``participants.csv`` (the register, with names) and ``staff.csv``."""
    columns = [
        "participant_ref", "first_name", "last_name", "cohort", "age_band", "gender",
        "ethnicity", "imd_decile", "lsoa", "plus_ethnic_minority", "plus_disability_ltc",
        "plus_carer", "plus_coastal", "consent_quotes", "consent_linkage",
    ]  # fmt: skip
    rows = [
        {
            "participant_ref": p.ref,
            "first_name": p.first_name,
            "last_name": p.last_name,
            "cohort": p.cohort,
            "age_band": p.age_band,
            "gender": p.gender,
            "ethnicity": p.ethnicity,
            "imd_decile": p.imd_decile,
            "lsoa": p.lsoa,
            "plus_ethnic_minority": yes(p.ethnicity != "White"),
            "plus_disability_ltc": yes(p.plus_disability_ltc),
            "plus_carer": yes(p.plus_carer),
            "plus_coastal": yes(p.cohort in ("clacton", "southend")),
            "consent_quotes": yes(p.consent_quotes),
            "consent_linkage": yes(p.consent_linkage),
        }
        for p in people
    ]
    truth.write_csv(out / "participants.csv", columns, rows)
    truth.write_csv(out / "staff.csv", ["name", "role"], [{"name": n, "role": r} for n, r in staff])


def write_wave(
    out: Path,
    wave: str,
    records: dict[str, sv.WaveRecord],
    questions: tuple[str, ...],
    themes_rows: list[dict],
    id_rows: list[dict],
) -> None:
    """Write one wave file; append the truth rows of its free-text answers."""
    text_columns = [sv.FREE_TEXT_COLUMNS[q] for q in questions]
    columns = ["participant_ref", "completed_on", *ITEM_COLUMNS, "employment_status", *text_columns]
    file = WAVE_FILES[wave]
    rows = []
    for ref, record in records.items():
        row = {"participant_ref": ref, "completed_on": record.completed_on.isoformat()}
        row.update(record.items)
        row["employment_status"] = record.employment
        for question in questions:
            passage = record.answers[question]
            row[sv.FREE_TEXT_COLUMNS[question]] = passage.text
            truth.passage_rows(
                ref, file, question, wave, "", "participant", passage, themes_rows, id_rows
            )
        rows.append(row)
    truth.write_csv(out / file, columns, rows)


def write_pathway(out: Path, people: list[Person], pathways: dict, rng: random.Random) -> None:
    """Write ``pathway.csv``: one ISO date per stage reached, blank otherwise, and whether a
    starter's employer is the NHS."""
    columns = ["participant_ref", *(f"{stage}_on" for stage in PATHWAY_STAGES), "nhs_employer"]
    rows = []
    for person in people:
        dates = pathways[person.ref]
        row = {"participant_ref": person.ref}
        for stage in PATHWAY_STAGES:
            row[f"{stage}_on"] = dates[stage].isoformat() if stage in dates else ""
        row["nhs_employer"] = pw.nhs_employer(rng, person.cohort, dates)
        rows.append(row)
    truth.write_csv(out / "pathway.csv", columns, rows)


def write_transcripts(
    out: Path,
    rng: random.Random,
    people: list[Person],
    followup: dict[str, sv.WaveRecord],
    staff: list[tuple[str, str]],
    count: int,
    themes_rows: list[dict],
    id_rows: list[dict],
) -> None:
    """Write ``count`` interviews in mixed formats; append the truth rows of every turn."""
    if count == 0:
        return
    interviewers = [name for name, role in staff if role in ("Peer researcher", "Interviewer")]
    staff_names = [name for name, _ in staff]
    # About three in four interviews are at baseline, spread evenly over the cohorts; the
    # rest are six-month interviews with people who answered the follow-up survey.
    n_follow = count // 4
    by_cohort = {c: [p for p in people if p.cohort == c] for c in COHORTS}
    chosen: list[tuple[Person, str]] = []
    for k in range(count - n_follow):
        pool = by_cohort[COHORTS[k % 3]]
        person = pool[rng.randrange(len(pool))]
        while any(person is p for p, _ in chosen):
            person = pool[rng.randrange(len(pool))]
        chosen.append((person, "baseline"))
    responders = [p for p in people if p.ref in followup]
    for person in rng.sample(responders, min(n_follow, len(responders))):
        chosen.append((person, "followup_6m"))
    formats = [ext for ext, share in FORMAT_SHARES for _ in range(round(share * count))]
    formats = (formats + ["txt"] * count)[:count]
    rng.shuffle(formats)
    for (person, wave), ext in zip(chosen, formats, strict=False):
        transcript = build_transcript(
            rng,
            person,
            wave,
            ext,
            interviewer=rng.choice(interviewers),
            staff=staff_names,
            plant_identifiers=rng.random() < 0.5,
        )
        path = write_transcript(transcript, out / "transcripts", rng)
        for index, turn in enumerate(transcript.turns):
            truth.passage_rows(
                person.ref,
                f"transcripts/{path.name}",
                "interview",
                wave,
                index,
                turn.role,
                turn.passage,
                themes_rows,
                id_rows,
            )

"""Generate the synthetic example study (``surveys/example``) from a seed.

Everything in the study is made up: people, names, numbers, places of work and what people
say. What they say is driven by a known set of themes per person, and three themes change
outcomes by known amounts, so every stage of the pipeline can be checked against the truth in
``<study>/truth/`` (see ``truth/README.md``). The same seed always gives byte-identical files.

Example
-------
>>> from toolkit.synthetic import generate_study
>>> folder = generate_study("/tmp/ex", participants=60, transcripts=3)  # doctest: +SKIP
>>> sorted(p.name for p in folder.iterdir())                            # doctest: +SKIP
['README.md', 'baseline.csv', 'followup_6m.csv', 'participants.csv', 'pathway.csv', ...]

Command line::

    python -m toolkit.synthetic --out surveys/example --seed 2026
"""

from __future__ import annotations

import random
import shutil
from datetime import date, timedelta
from pathlib import Path

from toolkit.synthetic import pathway as pw
from toolkit.synthetic import surveys as sv
from toolkit.synthetic import truth
from toolkit.synthetic.people import COHORTS, Person, make_participants, make_staff
from toolkit.synthetic.phrases import THEME_IDS
from toolkit.synthetic.readmes import STUDY_README, TRUTH_README
from toolkit.synthetic.transcripts import build_transcript, write_transcript

__all__ = ["generate_study"]

COHORT_START = {
    "clacton": date(2025, 9, 1),
    "southend": date(2025, 10, 1),
    "basildon": date(2025, 11, 1),
}
# The lead's study.yml sits beside the generated files; copied when generating elsewhere.
EXAMPLE_STUDY_YML = Path(__file__).resolve().parents[2] / "surveys" / "example" / "study.yml"
WAVE_FILES = {"baseline": "baseline.csv", "followup_6m": "followup_6m.csv"}
FORMAT_SHARES = (("txt", 0.64), ("docx", 0.14), ("vtt", 0.11), ("srt", 0.11))


def _stream(seed: int, name: str) -> random.Random:
    # One independent stream per part, so that e.g. asking for fewer transcripts does not
    # change the survey data.
    return random.Random(f"lxt-synthetic:{seed}:{name}")


def generate_study(
    out_dir: str | Path, seed: int = 2026, participants: int = 450, transcripts: int = 45
) -> Path:
    """Write the synthetic study into ``out_dir`` and return the folder.

    Parameters
    ----------
    out_dir
        Study folder. Generated files and the ``transcripts/`` and ``truth/`` folders are
        replaced; ``study.yml`` is kept (and copied from the example if missing).
    seed
        Same seed, same bytes.
    participants
        Number of people over the three cohorts (at least 30).
    transcripts
        Number of interview transcripts (0 for none; at most the number of participants).

    Returns
    -------
    Path
        ``out_dir`` as a :class:`~pathlib.Path`.

    Examples
    --------
    >>> folder = generate_study("/tmp/lxt-small", participants=60, transcripts=2)  # doctest: +SKIP
    """
    if participants < 30:
        raise ValueError("participants must be at least 30 (ten per cohort)")
    if not 0 <= transcripts <= participants:
        raise ValueError("transcripts must be between 0 and the number of participants")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for generated in ("transcripts", "truth"):
        if (out / generated).exists():
            shutil.rmtree(out / generated)
    (out / "transcripts").mkdir()
    (out / "truth").mkdir()
    if not (out / "study.yml").exists() and EXAMPLE_STUDY_YML.exists():
        shutil.copyfile(EXAMPLE_STUDY_YML, out / "study.yml")

    staff = make_staff(_stream(seed, "staff"))
    staff_names = [name for name, _ in staff]
    people = make_participants(_stream(seed, "people"), participants)

    rng = _stream(seed, "surveys")
    baseline: dict[str, sv.WaveRecord] = {}
    followup: dict[str, sv.WaveRecord] = {}
    pathways: dict[str, dict[str, date]] = {}
    prng = _stream(seed, "pathway")
    trng = _stream(seed, "free_text")
    for person in people:
        referred = COHORT_START[person.cohort] + timedelta(days=rng.randint(0, 75))
        pathways[person.ref] = pw.pathway_dates(prng, person.themes, referred)
        wellbeing = sv.draw_wellbeing(rng)
        first = referred + timedelta(days=rng.randint(1, 14))
        baseline[person.ref] = sv.baseline_record(rng, trng, person, wellbeing, first, staff_names)
        if sv.followup_dropped(rng, wellbeing):
            continue
        when = sv.followup_date(rng, first)
        status = pw.employment_at(pathways[person.ref], when, rng) or _followup_status(
            rng, baseline[person.ref].employment
        )
        followup[person.ref] = sv.followup_record(
            rng, trng, person, wellbeing, when, status, staff_names
        )

    themes_rows: list[dict] = []
    id_rows: list[dict] = []
    _write_register(out, people, staff)
    _write_wave(out, "baseline", baseline, ("barriers", "support", "hopes"), themes_rows, id_rows)
    _write_wave(out, "followup_6m", followup, ("support",), themes_rows, id_rows)
    _write_pathway(out, people, pathways)
    _write_transcripts(out, seed, people, followup, staff, transcripts, themes_rows, id_rows)

    truth.write_csv(out / "truth" / "themes.csv", truth.THEME_COLUMNS, themes_rows)
    truth.write_csv(out / "truth" / "identifiers.csv", truth.IDENTIFIER_COLUMNS, id_rows)
    truth.write_csv(
        out / "truth" / "participant_themes.csv",
        ["participant_ref", *THEME_IDS],
        [{"participant_ref": p.ref, **{t: int(t in p.themes) for t in THEME_IDS}} for p in people],
    )
    observed = truth.observed_effects(people, baseline, followup, pathways)
    truth.write_effects(out / "truth" / "effects.yml", observed)
    (out / "truth" / "README.md").write_text(TRUTH_README, encoding="utf-8")
    (out / "README.md").write_text(STUDY_README, encoding="utf-8")
    return out


def _followup_status(rng: random.Random, baseline_status: str) -> str:
    # Outside the programme's own job starts, some people still move on.
    if rng.random() < 0.75:
        return baseline_status
    return rng.choice(list(sv.EMPLOYMENT.values()))


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _write_register(out: Path, people: list[Person], staff: list[tuple[str, str]]) -> None:
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
            "plus_ethnic_minority": _yes(p.ethnicity != "White"),
            "plus_disability_ltc": _yes(p.plus_disability_ltc),
            "plus_carer": _yes(p.plus_carer),
            "plus_coastal": _yes(p.cohort in ("clacton", "southend")),
            "consent_quotes": _yes(p.consent_quotes),
            "consent_linkage": _yes(p.consent_linkage),
        }
        for p in people
    ]
    truth.write_csv(out / "participants.csv", columns, rows)
    truth.write_csv(out / "staff.csv", ["name", "role"], [{"name": n, "role": r} for n, r in staff])


def _write_wave(out, wave, records, questions, themes_rows, id_rows) -> None:
    item_columns = [
        *(f"swemwbs_{k}" for k in range(1, 8)),
        "ons_satisfied", "ons_worthwhile", "ons_happy", "ons_anxious",
        "ucla_1", "ucla_2", "ucla_3",
    ]  # fmt: skip
    text_columns = [sv.FREE_TEXT_COLUMNS[q] for q in questions]
    columns = ["participant_ref", "completed_on", *item_columns, "employment_status", *text_columns]
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


def _write_pathway(out: Path, people: list[Person], pathways: dict) -> None:
    columns = ["participant_ref", *(f"{stage}_on" for stage in pw.STAGES)]
    rows = []
    for person in people:
        dates = pathways[person.ref]
        row = {"participant_ref": person.ref}
        for stage in pw.STAGES:
            row[f"{stage}_on"] = dates[stage].isoformat() if stage in dates else ""
        rows.append(row)
    truth.write_csv(out / "pathway.csv", columns, rows)


def _write_transcripts(out, seed, people, followup, staff, count, themes_rows, id_rows) -> None:
    if count == 0:
        return
    rng = _stream(seed, "transcripts")
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

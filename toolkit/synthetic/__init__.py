"""Generate the synthetic example study (``surveys/example``) from a seed.

Everything in the study is made up: people, names, numbers, places of work and what people
say. What they say is driven by a known set of themes per person, and three themes change
outcomes by known amounts, so every stage of the pipeline can be checked against the truth in
``<study>/truth/`` (see ``truth/README.md``). The same seed always gives byte-identical files.

Example
-------
>>> import tempfile
>>> from pathlib import Path
>>> from toolkit.synthetic import generate_study
>>> folder = generate_study(Path(tempfile.mkdtemp()) / "ex", participants=60, transcripts=3)
>>> sorted(p.name for p in folder.iterdir())
['README.md', 'baseline.csv', 'followup_6m.csv', 'participants.csv', 'pathway.csv', ...]

Command line::

    python -m toolkit.synthetic --out surveys/example --seed 2026
"""

from __future__ import annotations

import random
import shutil
import tempfile
from datetime import date, timedelta
from pathlib import Path

from toolkit.resources import example_study_dir
from toolkit.synthetic import pathway as pw
from toolkit.synthetic import reviewers, truth, writers
from toolkit.synthetic import surveys as sv
from toolkit.synthetic.people import make_participants, make_staff
from toolkit.synthetic.phrases import THEME_IDS
from toolkit.synthetic.readmes import STUDY_README, TRUTH_README

__all__ = ["generate_study"]

COHORT_START = {
    "clacton": date(2025, 9, 1),
    "southend": date(2025, 10, 1),
    "basildon": date(2025, 11, 1),
}
# The example's hand-written study.yml sits beside the generated files; copied when generating
# elsewhere.
EXAMPLE_STUDY_YML = example_study_dir() / "study.yml"
# Everything the generator owns in a study folder (study.yml is written by hand).
GENERATED = (
    "README.md",
    "participants.csv",
    "staff.csv",
    "baseline.csv",
    "followup_6m.csv",
    "pathway.csv",
    "transcripts",
    "truth",
    "reviews",
)


def _stream(seed: int, name: str) -> random.Random:
    # One independent stream per part, so that e.g. asking for fewer transcripts or
    # rewording a sentence does not change the survey numbers.
    return random.Random(f"lxt-synthetic:{seed}:{name}")


def generate_study(
    out_dir: str | Path, seed: int = 2026, participants: int = 450, transcripts: int = 45
) -> Path:
    """Write the synthetic study into ``out_dir`` and return the folder.

    The files are written to a temporary folder first and moved into place at the end, so a
    failure never leaves a half-written study. A folder that holds anything other than a
    synthetic study is refused, so real data can never be overwritten.

    Parameters
    ----------
    out_dir
        Study folder: new, empty, or a synthetic study written earlier. Generated files and
        the ``transcripts/`` and ``truth/`` folders are replaced; ``study.yml`` is kept (and
        copied from the example if missing).
    seed
        Same seed, same bytes.
    participants
        Number of people over the three cohorts (at least 30).
    transcripts
        Number of interview transcripts (0 for none; at most half the participants).

    Returns
    -------
    Path
        ``out_dir`` as a :class:`~pathlib.Path`.

    Examples
    --------
    >>> import tempfile
    >>> folder = generate_study(Path(tempfile.mkdtemp()) / "small", participants=60, transcripts=2)
    >>> (folder / "truth" / "effects.yml").exists(), len(list((folder / "transcripts").iterdir()))
    (True, 2)
    """
    if participants < 30:
        raise ValueError("participants must be at least 30 (ten per cohort)")
    if not 0 <= transcripts <= participants // 2:
        raise ValueError("transcripts must be between 0 and half the number of participants")
    out = Path(out_dir)
    _check_folder(out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".synthetic-", dir=out) as temp:
        staging = Path(temp)
        _generate(staging, seed, participants, transcripts)
        for name in GENERATED:
            target = out / name
            if target.is_dir():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()
            (staging / name).rename(target)
    if not (out / "study.yml").exists() and EXAMPLE_STUDY_YML.exists():
        shutil.copyfile(EXAMPLE_STUDY_YML, out / "study.yml")
    return out


def _check_folder(out: Path) -> None:
    if not out.exists() or not any(out.iterdir()):
        return
    synthetic = (out / "truth" / "README.md").exists() or (
        (out / "study.yml").exists()
        and "toolkit.synthetic" in (out / "study.yml").read_text(encoding="utf-8")
    )
    if not synthetic:
        raise ValueError(
            f"{out} is not empty and does not hold a synthetic study; "
            "choose a new or empty folder so that no real data are overwritten"
        )


def _generate(out: Path, seed: int, participants: int, transcripts: int) -> None:
    (out / "transcripts").mkdir()
    (out / "truth").mkdir()
    (out / "reviews").mkdir()
    staff = make_staff(_stream(seed, "staff"))
    staff_names = [name for name, _ in staff]
    people = make_participants(_stream(seed, "people"), participants)

    rng = _stream(seed, "surveys")
    prng = _stream(seed, "pathway")
    trng = _stream(seed, "free_text")
    baseline: dict[str, sv.WaveRecord] = {}
    followup: dict[str, sv.WaveRecord] = {}
    pathways: dict[str, dict[str, date]] = {}
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
    writers.write_register(out, people, staff)
    writers.write_wave(
        out, "baseline", baseline, ("barriers", "support", "hopes"), themes_rows, id_rows
    )
    writers.write_wave(out, "followup_6m", followup, ("support",), themes_rows, id_rows)
    writers.write_pathway(out, people, pathways, _stream(seed, "employer"))
    writers.write_transcripts(
        out,
        _stream(seed, "transcripts"),
        people,
        followup,
        staff,
        transcripts,
        themes_rows,
        id_rows,
    )

    truth.write_csv(out / "truth" / "themes.csv", truth.THEME_COLUMNS, themes_rows)
    truth.write_csv(out / "truth" / "identifiers.csv", truth.IDENTIFIER_COLUMNS, id_rows)
    truth.write_csv(
        out / "truth" / "participant_themes.csv",
        ["participant_ref", *THEME_IDS],
        [{"participant_ref": p.ref, **{t: int(t in p.themes) for t in THEME_IDS}} for p in people],
    )
    rounds = reviewers.review_rounds(_stream(seed, "reviewers"), themes_rows, id_rows)
    for name, rows in rounds.items():
        truth.write_csv(out / "reviews" / name, reviewers.COLUMNS, rows)
    observed = truth.observed_effects(people, baseline, followup, pathways)
    truth.write_effects(out / "truth" / "effects.yml", observed)
    (out / "truth" / "README.md").write_text(TRUTH_README, encoding="utf-8", newline="\n")
    (out / "README.md").write_text(STUDY_README, encoding="utf-8", newline="\n")


def _followup_status(rng: random.Random, baseline_status: str) -> str:
    # Outside the programme's own job starts, some people still move on.
    if rng.random() < 0.75:
        return baseline_status
    return rng.choice(list(sv.EMPLOYMENT.values()))

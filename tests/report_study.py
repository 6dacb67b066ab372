"""A built study for the report tests: the example study.yml plus seeded stage tables.

The report tests need every stage's tables (participants ... topic_info) but should not wait
minutes for the whole pipeline, so this writes small, seeded tables that follow the table
contracts (toolkit/study/tables.py) straight into a temporary outputs folder. Segment texts are
made-up sentences, already "redacted". Cohort sizes differ so that disclosure control has
work to do (basildon's carers are fewer than 8 people and must show as "*").
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from toolkit.study.config import PATHWAY_STAGES
from toolkit.study.tables import SEGMENT_COLUMNS

REPO = Path(__file__).resolve().parent.parent
EXAMPLE_STUDY_FILE = REPO / "surveys" / "example" / "study.yml"
CODEBOOK = REPO / "codebooks" / "employment_support.yml"
SIZES = {"clacton": 70, "southend": 55, "basildon": 36}
STAGES = list(PATHWAY_STAGES)
REACH = [1.0, 0.85, 0.65, 0.5, 0.4, 0.35, 0.32, 0.27, 0.22]
PHRASES = {
    "transport": "There is no bus before seven so I could not get to the early shift at all.",
    "confidence": "I had lost my confidence after years at home, and the course gave it back.",
    "buddies_mentors": "My mentor rang me every week and that kept me going through the checks.",
    "checks_waits": "The checks took so long that I nearly gave up and took another job.",
    "money_benefits": "I was scared my benefits would stop before the first wage came in.",
    "childcare_caring": "Finding someone to pick up the kids from school was the hardest part.",
}
NEXT_STEPS = """# What we will do next

The peer researchers met in March to agree what to do with what you told us.

- We will ask the bus company about an earlier bus for hospital shifts.
- We will share this report with the hospital's recruitment team.
- We will meet again in the summer to tell you what happened.
"""


def write_study(folder: Path) -> Path:
    """The example study.yml, with the codebook path made absolute, plus next-steps notes."""
    folder.mkdir(parents=True, exist_ok=True)
    raw = yaml.safe_load(EXAMPLE_STUDY_FILE.read_text(encoding="utf-8"))
    raw["codebook"] = str(CODEBOOK)
    (folder / "study.yml").write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    notes = folder / "next_steps"
    notes.mkdir(exist_ok=True)
    (notes / "clacton.md").write_text(NEXT_STEPS, encoding="utf-8")
    return folder


def build_tables(data: Path, seed: int = 7) -> dict[str, pd.DataFrame]:
    """Write seeded stage tables to ``data`` (``outputs/<study>/data``); return them."""
    rng = np.random.default_rng(seed)
    people = []
    for cohort, n in SIZES.items():
        decile = rng.choice(
            np.arange(1, 11), n, p=[0.2, 0.18, 0.12, 0.1, 0.1, 0.08, 0.07, 0.06, 0.05, 0.04]
        )
        people.append(
            pd.DataFrame(
                {
                    "pid": [f"{cohort[:3]}{i:03d}" for i in range(n)],
                    "cohort": cohort,
                    "age_band": rng.choice(["18-24", "25-34", "35-49", "50-64"], n),
                    "imd_decile": decile,
                    "imd_quintile": np.ceil(decile / 2).astype(int),
                    "plus_ethnic_minority": rng.random(n) < 0.25,
                    "plus_disability_or_ltc": rng.random(n) < 0.3,
                    "plus_carer": rng.random(n) < (0.1 if cohort == "basildon" else 0.2),
                    "plus_coastal": cohort != "basildon",
                    "consent_quotes": rng.random(n) < 0.85,
                    "consent_linkage": True,
                }
            )
        )
    participants = pd.concat(people, ignore_index=True)
    n = len(participants)

    score_rows = []
    followed = rng.random(n) < 0.7
    base = rng.normal(20.5, 4, n).clip(7, 35)
    post = (base + rng.normal(1.8, 3, n)).clip(7, 35)
    sat0 = rng.integers(2, 9, n)
    sat1 = np.clip(sat0 + rng.integers(-1, 3, n), 0, 10)
    lonely0 = rng.integers(4, 10, n)
    lonely1 = np.clip(lonely0 - rng.integers(0, 2, n), 3, 9)
    for i, pid in enumerate(participants["pid"]):
        for wave, swem, sat, lon in (
            ("baseline", base[i], sat0[i], lonely0[i]),
            ("followup_6m", post[i], sat1[i], lonely1[i]),
        ):
            if wave == "followup_6m" and not followed[i]:
                continue
            valid = rng.random() > 0.04
            score_rows += [
                (pid, wave, "swemwbs", "", round(float(swem), 2) if valid else np.nan, valid),
                (pid, wave, "ons4", "satisfaction", float(sat), True),
                (pid, wave, "ucla3", "", float(lon), True),
            ]
    scores = pd.DataFrame(
        score_rows, columns=["pid", "wave", "instrument", "item", "score", "valid"]
    )
    scores["band"] = ""
    scores["n_missing"] = (~scores["valid"]).astype(int)
    scores["raw_score"] = scores["score"]
    scores["prorated"] = False

    depth = (rng.random(n)[:, None] < np.array(REACH)[None, :]).cumprod(axis=1).astype(bool)
    start = pd.Timestamp("2025-09-01")
    pathway = participants[["pid", "cohort"]].copy()
    for j, stage in enumerate(STAGES):
        pathway[stage] = [
            start + pd.Timedelta(days=20 * j + 3 * (i % 5)) if depth[i, j] else pd.NaT
            for i in range(n)
        ]
    # Who employs each starter (NA: not started or not recorded); its own stream, so that
    # the tables below stay as they were.
    draw = np.random.default_rng(7).random(n)
    pathway["nhs_employer"] = pd.array(
        [
            None if pd.isna(s) or d > 0.85 else bool(d < 0.45)
            for s, d in zip(pathway["started"], draw, strict=True)
        ],
        dtype="boolean",
    )

    seg_rows, coding_rows, topic_rows = [], [], []
    codes = list(PHRASES)
    for i, pid in enumerate(participants["pid"]):
        cohort = participants.loc[i, "cohort"]
        for k in range(3):
            code = codes[int(rng.integers(0, len(codes)))]
            seg_id = f"s{i:03d}{k}"
            seg_rows.append(
                (
                    seg_id,
                    f"d{i:03d}",
                    pid,
                    cohort,
                    "baseline",
                    "support",
                    "participant",
                    0,
                    len(PHRASES[code]),
                    PHRASES[code],
                )
            )
            coding_rows.append(
                (
                    seg_id,
                    code,
                    "rule",
                    float(rng.uniform(0.5, 1)),
                    "phrase",
                    pd.Timestamp("2026-01-10"),
                )
            )
            topic_rows.append(
                (seg_id, codes.index(code) % 4 if k < 2 else -1, float(rng.uniform(0.3, 1)))
            )
    segments = pd.DataFrame(seg_rows, columns=SEGMENT_COLUMNS)
    codings = pd.DataFrame(
        coding_rows, columns=["seg_id", "code", "source", "score", "evidence", "decided_at"]
    )
    topics = pd.DataFrame(topic_rows, columns=["seg_id", "topic", "probability"])
    topic_info = pd.DataFrame(
        {
            "topic": [-1, 0, 1, 2, 3],
            "label": [
                "Outliers",
                "Buses and early shifts",
                "Confidence after time out",
                "Mentors who kept in touch",
                "Waiting for checks",
            ],
            "size": [10, 20, 20, 20, 20],
            "keywords": [
                "",
                "bus, shift, early",
                "confidence, course",
                "mentor, week",
                "checks, wait, gave up",
            ],
            "exemplars": [[], [], [], [], []],
            "stable": [False, True, True, False, True],
        }
    )
    tables = {
        "participants": participants,
        "scores": scores,
        "pathway": pathway,
        "segments": segments,
        "codings": codings,
        "topics": topics,
        "topic_info": topic_info,
    }
    data.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        frame.to_parquet(data / f"{name}.parquet", index=False)
    return tables


def build(base: Path) -> tuple[Path, Path]:
    """A study folder and its outputs folder under ``base``; returns ``(study_dir, out)``."""
    study = write_study(base / "study")
    out = base / "outputs"
    shutil.rmtree(out, ignore_errors=True)
    build_tables(out / "data")
    # As `lxt run` would leave them: this study's, current with its inputs.
    from conftest import record_hand_built_outputs

    from toolkit.study.config import load_study
    from toolkit.study.tables import StudyOutputs

    loaded = load_study(study)
    record_hand_built_outputs(loaded, StudyOutputs(loaded.name, out))
    return study, out

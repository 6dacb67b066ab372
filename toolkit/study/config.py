"""`study.yml`: the one description of a study (DESIGN.md principle 5).

The schema is a set of pydantic models. :func:`load_study` reads the file, validates it and
reports *every* problem at once, each naming the file, the key path and what was expected.
Paths in the file are relative to the study folder (or absolute, e.g. a secure drive).

Example
-------
>>> from toolkit.resources import example_study_dir
>>> study = load_study(example_study_dir())
>>> [c.name for c in study.cohorts]
['clacton', 'southend', 'basildon']
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from toolkit.errors import (
    TARGETS_UNKNOWN_COHORT,
    TARGETS_UNKNOWN_OUTCOME,
    Problem,
    UserError,
)

STUDY_FILE = "study.yml"
PATHWAY_STAGES = (
    "referred",
    "engaged",
    "applied",
    "interviewed",
    "offered",
    "checks_cleared",
    "started",
    "retained_3m",
    "retained_6m",
)


class Strict(BaseModel):
    # Unknown keys are almost always typos ("cohrots:"); say so rather than ignore them.
    model_config = ConfigDict(extra="forbid", frozen=False)


class Disclosure(Strict):
    """Statistical disclosure control (REFERENCE.md: NHS England rule by default)."""

    threshold: int = Field(8, ge=1, description="Counts below this are shown as '*'.")
    rounding: int = Field(5, ge=1, description="Other counts are rounded to the nearest this.")
    secondary_suppression: bool = True


class Cohort(Strict):
    name: str = Field(pattern=r"^[a-z0-9_]+$")
    label: str
    place: str | None = None
    start_date: str | None = None


class ParticipantRegister(Strict):
    """The participant register: one row per person, holding their real reference."""

    file: str
    id_column: str = "participant_ref"
    cohort_column: str = "cohort"
    # Demographic columns copied (pseudonymised) into the `participants` table.
    columns: dict[str, str] = Field(
        default_factory=dict,
        description="table column -> register column, e.g. age_band: Age group",
    )
    imd_decile_column: str | None = None
    lsoa_column: str | None = None
    plus_groups: dict[str, str] = Field(
        default_factory=dict, description="PLUS group name -> yes/no flag column"
    )
    consent_columns: dict[str, str] = Field(default_factory=dict)
    # Columns holding names are read only to feed the redactor; they never leave ingest.
    name_columns: list[str] = Field(default_factory=list)


class StaffRegister(Strict):
    """Names of staff, interviewers and peer researchers: redacted wherever they appear."""

    file: str
    name_columns: list[str] = Field(default_factory=lambda: ["name"])


class Wave(Strict):
    name: str = Field(pattern=r"^[a-z0-9_]+$")
    file: str
    month: int = Field(0, ge=0, description="Months since baseline.")
    id_column: str = "participant_ref"
    date_column: str | None = None
    sheet: str | int | None = None  # for .xlsx exports
    header_row: int = Field(1, ge=1, description="Row holding the column names (1 = first).")


class InstrumentUse(Strict):
    """Which columns of the wave files hold the items of one instrument."""

    instrument: str
    items: dict[str, str] = Field(description="item id (as in the instrument file) -> column")
    waves: list[str] | None = None  # None = every wave
    prorate: bool = False


class FreeTextQuestion(Strict):
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    column: str
    question: str
    waves: list[str] | None = None


class Transcripts(Strict):
    folder: str
    # How a file name names its participant and wave, e.g. "{participant_ref}_{wave}".
    filename_pattern: str = "{participant_ref}_{wave}"
    # Speaker label as written in the transcript -> role. Roles: interviewer, participant.
    speakers: dict[str, Literal["interviewer", "participant", "other"]] = Field(
        default_factory=lambda: {"Interviewer": "interviewer", "Participant": "participant"}
    )


class Pathway(Strict):
    """Employment pathway: one row per participant, one date column per stage reached."""

    file: str
    id_column: str = "participant_ref"
    stages: dict[str, str] = Field(description="stage -> date column")
    programme_cost: dict[str, float] | None = Field(
        None, description="cohort -> programme cost in pounds, for cost per job started"
    )
    extracted_on: date | None = Field(
        None,
        description="date the pathway file was extracted: starters who could not yet have "
        "reached 3 (6) months in work by then are left out of retained_3m (retained_6m)",
    )
    nhs_employer: str | None = Field(
        None,
        description="column saying whether the job started was with an NHS employer (yes/no, "
        "blank when not known), for jobs started in the NHS and with other employers",
    )

    @field_validator("stages")
    @classmethod
    def _known_stages(cls, stages: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(stages) - set(PATHWAY_STAGES))
        if unknown:
            raise ValueError(f"unknown stage(s) {unknown}; expected some of {list(PATHWAY_STAGES)}")
        return stages


class Outcome(Strict):
    """An outcome measure derived from scores or the pathway.

    kinds:
      - ``score_change``: follow-up minus baseline score of an instrument (``instrument``,
        optional ``item`` for ONS4, ``from_wave``, ``to_wave``)
      - ``meaningful_change``: score change of at least ``threshold``
      - ``reliable_change``: |RCI| > 1.96 in the improving direction
      - ``stage_reached``: the pathway stage was reached (binary)
      - ``days_between``: days from ``from_stage`` to ``to_stage``
    """

    name: str = Field(pattern=r"^[a-z0-9_]+$")
    kind: Literal[
        "score_change", "meaningful_change", "reliable_change", "stage_reached", "days_between"
    ]
    instrument: str | None = None
    item: str | None = None
    from_wave: str | None = None
    to_wave: str | None = None
    stage: str | None = None
    from_stage: str | None = None
    to_stage: str | None = None
    threshold: float | None = None
    higher_is_better: bool = True
    label: str | None = None
    # For reliable_change: test reliability r; None = Cronbach's alpha of the baseline items.
    reliability: float | None = Field(None, gt=0, lt=1)


class TopicNaming(Strict):
    """A person's decision about one topic: a name, hiding it, or folding it into another."""

    name: str | None = None
    hide: bool = False
    merge_into: int | None = Field(None, ge=0)


class NamedTarget(Strict):
    """A programme target for a named outcome, e.g. "60 peer researchers into work or training".

    ``outcome`` names a yes/no outcome in ``outcomes:`` (e.g. ``job_started``); the actual is
    then the number of people who reached it. Without ``outcome`` the report shows the target
    and says the study's data do not measure it.
    """

    label: str
    target: float | list[float] = Field(description="a number, or [low, high] for a range")
    outcome: str | None = None

    @field_validator("target")
    @classmethod
    def _range(cls, value):
        return _check_range(value)


def _check_range(value):
    """A target is a number or a ``[low, high]`` range with low <= high."""
    if isinstance(value, list) and (len(value) != 2 or value[0] > value[1]):
        raise ValueError(f"expected a number or [low, high] with low <= high, found {value}")
    return value


class CohortTargets(Strict):
    """What the programme set out to achieve in one cohort (its business case or contract)."""

    people_engaged: float | list[float] | None = Field(
        None, description="residents engaged: a number or [low, high]"
    )
    jobs_started: int | None = Field(None, ge=0, description="all jobs started")
    jobs_started_nhs: int | None = Field(None, ge=0, description="jobs started in the NHS")
    jobs_started_other: int | None = Field(None, ge=0, description="jobs started elsewhere")
    cost_per_job: float | None = Field(None, gt=0, description="pounds per job started")
    outcomes: list[NamedTarget] = Field(default_factory=list)
    source: str | None = Field(None, description="where the targets come from")

    @field_validator("people_engaged")
    @classmethod
    def _range(cls, value):
        return _check_range(value)

    @property
    def jobs_total(self) -> int | None:
        """Jobs target: ``jobs_started``, else NHS plus other when either is given."""
        if self.jobs_started is not None:
            return self.jobs_started
        parts = [p for p in (self.jobs_started_nhs, self.jobs_started_other) if p is not None]
        return sum(parts) if parts else None


class SupportContact(Strict):
    """Where a resident can get help, printed at the end of the co-production report."""

    name: str
    how: str = Field(description="what they offer and how to reach them, in plain words")


class Topics(Strict):
    embedding: Literal["minilm", "static", "tfidf"] = "minilm"
    seed: int = 42
    stability_runs: int = Field(5, ge=1)
    guided_by_codebook: bool = False
    min_topic_size: int | None = None
    # Topic number -> a name, or {name, hide, merge_into} (toolkit/topics/names.py).
    names: dict[int, str | TopicNaming] = Field(default_factory=dict)


class Redaction(Strict):
    spacy_pipeline: str | None = Field(
        None, description="installed spaCy pipeline for names; default: the pinned English one"
    )
    extra_names: list[str] = Field(default_factory=list)
    keep_terms: list[str] = Field(
        default_factory=list, description="words never to redact (local places, services)"
    )


class Study(Strict):
    name: str = Field(pattern=r"^[a-z0-9_]+$")
    title: str
    description: str | None = None
    seed: int = 42
    comparison_group: bool = Field(
        False, description="True only if the study has a comparison group ('impact' wording)"
    )
    disclosure: Disclosure = Field(default_factory=Disclosure)
    participants: ParticipantRegister
    staff: StaffRegister | None = None
    cohorts: list[Cohort] = Field(min_length=1)
    waves: list[Wave] = Field(min_length=1)
    instruments: list[InstrumentUse] = Field(default_factory=list)
    free_text: list[FreeTextQuestion] = Field(default_factory=list)
    transcripts: Transcripts | None = None
    pathway: Pathway | None = None
    codebook: str | None = None
    # Human coding decisions are primary data: an append-only log kept beside the study,
    # never under outputs/ (which can be deleted and rebuilt).
    decisions: str = "decisions"
    outcomes: list[Outcome] = Field(default_factory=list)
    covariates: list[str] = Field(default_factory=list)
    topics: Topics = Field(default_factory=Topics)
    redaction: Redaction = Field(default_factory=Redaction)
    imd_lookup: str | None = Field(None, description="user-supplied LSOA -> IMD decile CSV")
    social_values: str | None = Field(None, description="user-supplied outcome -> £/year CSV")
    targets: dict[str, CohortTargets] = Field(
        default_factory=dict, description="cohort name -> programme targets"
    )
    support: list[SupportContact] = Field(
        default_factory=list, description="where residents can get support (co-production report)"
    )

    # Set by load_study, not by the file.
    folder: Path = Field(default=Path("."), exclude=True)

    @model_validator(mode="after")
    def _cross_references(self) -> Study:
        wave_names = [w.name for w in self.waves]
        problems = []
        if len(set(wave_names)) != len(wave_names):
            problems.append(f"wave names must be unique, found {wave_names}")
        cohort_names = [c.name for c in self.cohorts]
        if len(set(cohort_names)) != len(cohort_names):
            problems.append(f"cohort names must be unique, found {cohort_names}")
        for use in self.instruments:
            for w in use.waves or []:
                if w not in wave_names:
                    problems.append(
                        f"instrument {use.instrument!r} names wave {w!r}; "
                        f"expected one of {wave_names}"
                    )
        for q in self.free_text:
            for w in q.waves or []:
                if w not in wave_names:
                    problems.append(
                        f"free_text {q.id!r} names wave {w!r}; expected one of {wave_names}"
                    )
        for o in self.outcomes:
            for w in (o.from_wave, o.to_wave):
                if w is not None and w not in wave_names:
                    problems.append(
                        f"outcome {o.name!r} names wave {w!r}; expected one of {wave_names}"
                    )
        outcome_names = [o.name for o in self.outcomes]
        for cohort, goals in self.targets.items():
            if cohort not in cohort_names:
                problems.append(TARGETS_UNKNOWN_COHORT.format(cohort=cohort, expected=cohort_names))
            for goal in goals.outcomes:
                if goal.outcome is not None and goal.outcome not in outcome_names:
                    problems.append(
                        TARGETS_UNKNOWN_OUTCOME.format(
                            cohort=cohort, outcome=goal.outcome, expected=outcome_names
                        )
                    )
        if problems:
            raise ValueError("; ".join(problems))
        return self

    # -- paths -------------------------------------------------------------------------------
    def path(self, relative: str | Path) -> Path:
        """Resolve a path named in study.yml against the study folder."""
        p = Path(relative).expanduser()
        return p if p.is_absolute() else (self.folder / p)

    @property
    def cohort_names(self) -> list[str]:
        return [c.name for c in self.cohorts]

    @property
    def wave_names(self) -> list[str]:
        return [w.name for w in self.waves]

    def wave(self, name: str) -> Wave:
        for w in self.waves:
            if w.name == name:
                return w
        raise KeyError(name)

    @property
    def baseline(self) -> Wave:
        return min(self.waves, key=lambda w: w.month)


def _location(loc: tuple[Any, ...]) -> str:
    parts = []
    for item in loc:
        if isinstance(item, int):
            parts[-1:] = [f"{parts[-1]}[{item}]"] if parts else [f"[{item}]"]
        else:
            parts.append(str(item))
    return ".".join(parts) or "(top level)"


def study_file(folder: str | Path) -> Path:
    folder = Path(folder)
    return folder if folder.is_file() else folder / STUDY_FILE


def load_study(folder: str | Path) -> Study:
    """Read and validate ``<folder>/study.yml``; raise :class:`UserError` listing every problem."""
    path = study_file(folder)
    if not path.exists():
        raise UserError(Problem(str(path), "study file not found", expected="a study.yml file"))
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise UserError(
            Problem(str(path), "not UTF-8 text", expected="a UTF-8 YAML file")
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        row = mark.line + 1 if mark is not None else None
        what = getattr(exc, "problem", None) or "not valid YAML"
        raise UserError(Problem(str(path), f"not valid YAML ({what})", row=row)) from None
    if not isinstance(raw, dict):
        raise UserError(Problem(str(path), "expected a mapping of settings at the top level"))
    try:
        study = Study.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            key = _location(err["loc"])
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                msg = "unknown setting (check the spelling)"
            elif err["type"] == "missing":
                msg = "required setting is missing"
            problems.append(Problem(str(path), f"{key}: {msg}"))
        raise UserError(problems) from None
    study.folder = path.parent.resolve()
    return study

"""What a report notebook knows: the study, one cohort (or all), its tables and the disclosure rule.

A report notebook's ``parameters`` cell names the study folder, the cohort, the outputs folder,
the disclosure threshold and the seed; :meth:`ReportContext.load` turns them into one object
that every section function takes. Tables that a stage has not built yet come back as ``None``
and are remembered, so a section can say "this needs stage X" rather than fail.

Example
-------
>>> import tempfile
>>> from toolkit.resources import example_study_dir
>>> out = tempfile.mkdtemp()
>>> ctx = ReportContext.load(example_study_dir(), cohort="clacton", outputs_dir=out)
>>> ctx.cohort_label, ctx.rule.threshold
('Clacton-on-Sea', 8)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from toolkit.study.config import Study, load_study
from toolkit.study.tables import StudyOutputs

# Which stage builds each table: used to tell the reader what to run when one is missing.
TABLE_STAGE = {
    "participants": "ingest",
    "responses": "ingest",
    "scores": "ingest",
    "documents": "ingest",
    "turns": "ingest",
    "pathway": "ingest",
    "segments": "segment",
    "codings": "code",
    "topics": "topics",
    "topic_info": "topics",
    "features": "link",
    "outcomes": "link",
}


@dataclass
class ReportContext:
    """Everything a report section needs; build it with :meth:`load`."""

    study: Study
    outputs: StudyOutputs
    cohort: str | None
    rule: object  # toolkit.privacy.disclosure.DisclosureRule
    seed: int = 42
    parameters: dict = field(default_factory=dict)
    missing: set[str] = field(default_factory=set)
    prose: list[str] = field(default_factory=list)
    _cache: dict[str, pd.DataFrame | None] = field(default_factory=dict, repr=False)

    @classmethod
    def load(
        cls,
        study_dir: str | Path,
        cohort: str | None = None,
        outputs_dir: str | Path | None = None,
        disclosure_threshold: int | None = None,
        seed: int | None = None,
    ) -> ReportContext:
        """Read the study file and set up the outputs folder and disclosure rule.

        ``cohort`` None (or "") means all cohorts (the overview). ``outputs_dir`` is the
        study's own outputs folder (``outputs/<study>``); empty means the default.
        """
        from toolkit.privacy.disclosure import DisclosureRule

        study = load_study(study_dir)
        cohort = cohort or None
        if cohort is not None and cohort not in study.cohort_names:
            from toolkit.errors import UserError

            raise UserError(
                f"{study.folder}: unknown cohort {cohort!r}; expected one of {study.cohort_names}"
            )
        threshold = disclosure_threshold or study.disclosure.threshold
        rule = DisclosureRule(
            threshold=int(threshold),
            rounding=study.disclosure.rounding,
            secondary=study.disclosure.secondary_suppression,
        )
        return cls(
            study=study,
            outputs=StudyOutputs.for_study(study, outputs_dir or None),
            cohort=cohort,
            rule=rule,
            seed=int(seed if seed is not None else study.seed),
            parameters={
                "study_dir": str(study.folder),
                "cohort": cohort or "all",
                "outputs_dir": str(outputs_dir or ""),
                "disclosure_threshold": int(threshold),
                "seed": int(seed if seed is not None else study.seed),
            },
        )

    # -- labels ----------------------------------------------------------------------------
    @property
    def cohort_label(self) -> str:
        if self.cohort is None:
            return "all cohorts"
        return next(c.label for c in self.study.cohorts if c.name == self.cohort)

    def label_of(self, cohort: str) -> str:
        return next((c.label for c in self.study.cohorts if c.name == cohort), cohort)

    # -- tables ----------------------------------------------------------------------------
    def table(self, name: str, cohort_only: bool = True) -> pd.DataFrame | None:
        """Table ``name`` (restricted to this cohort when it has a cohort or pid column).

        Returns None, and remembers the gap, when the stage that builds it has not run.
        """
        if name not in self._cache:
            self._cache[name] = self.outputs.read(name) if self.outputs.has(name) else None
        frame = self._cache[name]
        if frame is None:
            self.missing.add(name)
            return None
        if cohort_only and self.cohort is not None:
            frame = self._restrict(frame)
        return frame

    def tables(self, *names: str) -> tuple[list[pd.DataFrame | None], list[str]]:
        """Several tables at once, and the names of those not built yet (for ``needs_note``)."""
        frames = [self.table(n) for n in names]
        return frames, [n for n, f in zip(names, frames, strict=True) if f is None]

    def _restrict(self, frame: pd.DataFrame) -> pd.DataFrame:
        if "cohort" in frame.columns:
            return frame[frame["cohort"] == self.cohort]
        if "pid" in frame.columns:
            people = self.table("participants", cohort_only=True)
            if people is not None:
                return frame[frame["pid"].isin(people["pid"])]
        if "seg_id" in frame.columns:
            segments = self.table("segments", cohort_only=True)
            if segments is not None:
                return frame[frame["seg_id"].isin(segments["seg_id"])]
        return frame

    def needs_note(self, names: list[str]) -> str:
        """Plain text saying which stage(s) to run to fill a section."""
        stages = sorted({TABLE_STAGE.get(n, "analyse") for n in names})
        tables = ", ".join(sorted(names))
        return (
            f"This section needs the {tables} table(s), made by the {', '.join(stages)} "
            "stage(s). Run `lxt run` on the study, then `lxt report` again."
        )

    def say(self, text: str) -> str:
        """Record prose written for the reader (measured for readability) and return it."""
        self.prose.append(text)
        return text

"""Run a study's stages in order, reusing what has not changed (DESIGN.md principle 6).

ingest -> (redact inside ingest) -> segment -> code -> topics -> link -> analyse -> report

A stage is a function ``run(ctx: StageContext) -> dict`` that reads and writes named tables
through ``ctx.outputs``. The runner fingerprints each stage from the study file, the input files'
checksums, the decision log, the toolkit version and the fingerprints of the stages before it;
a stage whose fingerprint is unchanged and whose tables exist is reused, not rerun. What ran
and what was reused goes into ``outputs/<study>/manifest.json``.

Stages are registered in :data:`STAGES` by dotted path so that ``lxt run`` needs no import of
heavy libraries (BERTopic, torch) until a stage actually runs.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import json
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from toolkit import __version__
from toolkit.errors import UserError
from toolkit.study.config import Study, load_study, study_file
from toolkit.study.inputs import decision_checksums, input_checksums, split_checksums
from toolkit.study.outputs import check_owner, claim_outputs
from toolkit.study.tables import StudyOutputs, write_json

# (stage name, "module:function"), in pipeline order. Later issues add their stages here.
STAGES: list[tuple[str, str]] = [
    ("ingest", "toolkit.ingest.stage:run_stage"),
    ("segment", "toolkit.segment.sentences:run_stage"),
    # Codings brought in with `lxt import qdpx --new-study` become decisions once segments exist.
    ("imported", "toolkit.coding.refiqda.placement:run_stage"),
    ("code", "toolkit.coding.stage:run_stage"),
    ("topics", "toolkit.topics.stage:run_stage"),
    ("link", "toolkit.outcomes.link:run_stage"),
    ("analyse", "toolkit.outcomes.analyse:run_stage"),
    ("report", "toolkit.reports:run_stage"),
]

# Stages with a finer cache of their own, always called: `report` re-renders only the reports
# whose tables, notebook template, report code or parameters changed, which the stage
# fingerprint here cannot see (templates, next-steps notes).
SELF_CACHED = {"report"}

# What each stage's result depends on, so that reuse is precise: a new coding decision reruns
# coding and everything after it, but not ingest or the topic model. A stage not listed
# depends on the stage before it. "decisions" means the study's human decision log.
DEPENDS_ON: dict[str, tuple[str, ...]] = {
    "ingest": (),
    "segment": ("ingest",),
    "imported": ("segment", "decisions"),
    "code": ("segment", "decisions"),
    "topics": ("segment",),
    "link": ("code", "topics", "decisions"),
    "analyse": ("link",),
    "report": ("analyse", "code", "topics"),
}

# Packages whose versions a methods appendix should state.
RECORDED_PACKAGES = (
    "pandas",
    "numpy",
    "scipy",
    "statsmodels",
    "scikit-learn",
    "spacy",
    "presidio-analyzer",
    "bertopic",
    "sentence-transformers",
    "torch",
    "umap-learn",
    "hdbscan",
    "papermill",
    "nbconvert",
    "krippendorff",
)


@dataclass
class StageContext:
    study: Study
    outputs: StudyOutputs
    cohorts: list[str]
    jobs: int = 1
    seed: int = 42
    progress: bool = True
    notes: dict[str, Any] = field(default_factory=dict)


def package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version(), "toolkit": __version__}
    for name in RECORDED_PACKAGES:
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[name] = metadata.version(name)
    return versions


def _resolve(target: str) -> Callable[[StageContext], dict | None]:
    module, _, func = target.partition(":")
    return getattr(importlib.import_module(module), func)


def _fingerprint(
    name: str, upstream: list[str], checksums: dict[str, str], ctx: StageContext
) -> str:
    payload = json.dumps(
        {
            "stage": name,
            "upstream": upstream,
            "inputs": checksums,
            "toolkit": __version__,
            "cohorts": ctx.cohorts,
            "seed": ctx.seed,
        },
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def _key_id() -> str:
    from toolkit.privacy.pseudonymise import Pseudonymiser

    try:
        return Pseudonymiser.from_environment(create=False).key_id
    except (UserError, OSError):  # no key yet: ingest makes one, and the id changes
        return "no key yet"


def run_study(
    folder: str | Path,
    cohorts: list[str] | None = None,
    jobs: int = 1,
    out: str | Path | None = None,
    stages: list[str] | None = None,
    force: bool = False,
    progress: bool = True,
) -> dict[str, Any]:
    """Run every registered stage on a study; return the manifest written beside the outputs.

    Parameters
    ----------
    folder : the study folder (holding study.yml)
    cohorts : only these cohorts (default: all)
    jobs : processes to use where a stage can use them
    out : the outputs folder (default: :meth:`StudyOutputs.for_study`)
    stages : run only these stages (the others keep what an earlier run recorded)
    force : rerun stages even when their fingerprint is unchanged
    progress : show progress bars
    """
    study = load_study(folder)
    _check_cohorts(study, cohorts)
    outputs = StudyOutputs.for_study(study, out)
    # Outputs belong to one study folder: refuse another folder's before writing anything.
    check_owner(study, outputs.root)
    ctx = StageContext(
        study=study,
        outputs=outputs,
        cohorts=list(cohorts or study.cohort_names),
        jobs=jobs,
        seed=study.seed,
        progress=progress,
    )
    started = datetime.now(UTC)
    checksums = input_checksums(study)
    previous = _previous_stages(outputs)
    records = _run_stages(ctx, _stage_inputs(study, checksums), previous, stages, force)
    manifest = {
        "study": study.name,
        "title": study.title,
        "toolkit_version": __version__,
        "started": started.isoformat(),
        "finished": datetime.now(UTC).isoformat(),
        "cohorts": ctx.cohorts,
        "seed": ctx.seed,
        "parameters": {
            "disclosure": study.disclosure.model_dump(),
            "topics": study.topics.model_dump(),
            "jobs": jobs,
        },
        "inputs": checksums,
        "packages": package_versions(),
        "stages": records,
        "notes": ctx.notes,
    }
    write_json(manifest, outputs.manifest)
    claim_outputs(study, outputs.root)
    return manifest


def _check_cohorts(study: Study, cohorts: list[str] | None) -> None:
    unknown = sorted(set(cohorts or []) - set(study.cohort_names))
    if unknown:
        raise UserError(
            f"{study_file(study.folder)}: unknown cohort(s) {unknown}; "
            f"expected some of {study.cohort_names}"
        )


def _previous_stages(outputs: StudyOutputs) -> dict[str, Any]:
    """The stage records of the last run, or nothing if there is no readable manifest."""
    if not outputs.manifest.exists():
        return {}
    try:
        return json.loads(outputs.manifest.read_text(encoding="utf-8")).get("stages", {})
    except (json.JSONDecodeError, OSError):
        return {}


@dataclass
class StageInputs:
    """The input checksums split by which stages they concern."""

    data: dict[str, str]  # everything ingest reads
    codebook: dict[str, str]  # the codebook: coding onwards (editing it must not re-ingest)


def _stage_inputs(study: Study, checksums: dict[str, str]) -> StageInputs:
    # The decision log is read when each stage that needs it runs (decision_checksums).
    data, _ = split_checksums(study, checksums)
    codebook = {}
    if study.codebook:
        target = study.path(study.codebook).resolve()
        key = next((k for k in data if study.path(k).resolve() == target), None)
        if key is not None:
            codebook[key] = data.pop(key)
    return StageInputs(data=data, codebook=codebook)


def _run_stages(
    ctx: StageContext,
    inputs: StageInputs,
    previous: dict[str, Any],
    only: list[str] | None,
    force: bool,
) -> dict[str, Any]:
    """Run (or reuse) each stage in order; return the manifest's stage records."""
    records: dict[str, Any] = {}
    fingerprints: dict[str, str] = {}
    previous_name = None
    for name, target in STAGES:
        needs = DEPENDS_ON.get(name, (previous_name,) if previous_name else ())
        upstream = [fingerprints.get(n, "") for n in needs if n != "decisions"]
        checksums = dict(inputs.data) if name == "ingest" else {}
        if name == "ingest":
            # Another pseudonym key gives other pids: the ingested tables must be rebuilt.
            checksums["pseudonym key"] = _key_id()
        if "decisions" in needs:
            # The log as it is now: an earlier stage of this run may have added to it.
            checksums.update(decision_checksums(ctx.study))
        if name == "code":
            checksums.update(inputs.codebook)
        fingerprint = _fingerprint(name, upstream, checksums, ctx)
        fingerprints[name] = fingerprint
        previous_name = name
        if only and name not in only:
            if name in previous:  # keep what an earlier full run recorded
                records[name] = previous[name]
            continue
        before = previous.get(name, {})
        unchanged = before.get("fingerprint") == fingerprint and before.get("status") == "ok"
        if not force and unchanged and name not in SELF_CACHED:
            records[name] = {**before, "reused": True}
            continue
        t0 = time.perf_counter()
        result = _resolve(target)(ctx) or {}
        if "decisions" in needs:
            # A stage that added decisions (imported codings, review rounds) used them already:
            # record it against the log as it left it, so the next run can reuse it.
            checksums.update(decision_checksums(ctx.study))
            fingerprint = fingerprints[name] = _fingerprint(name, upstream, checksums, ctx)
        records[name] = {
            "fingerprint": fingerprint,
            "status": "ok",
            "reused": False,
            "seconds": round(time.perf_counter() - t0, 2),
            "result": result,
        }
    return records

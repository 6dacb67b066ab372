"""Run the report notebooks for a study: papermill per cohort, in parallel, with a release gate.

For each cohort the evaluation and co-production notebooks run (plus the cross-cohort
overview once) as separate jobs in a process pool; each job starts its own Jupyter kernel
through papermill, renders HTML and PDF (:mod:`toolkit.reports.render`) and runs the release
check (:mod:`toolkit.reports.gate`). One failing job never stops the others: its executed
notebook is kept in ``reports/_failed/<cohort>/`` for diagnosis and the run ends with a
summary (the command line then exits 1).

A job is skipped, and its previous result reused, when its *cache key* is unchanged: a hash
of the study's input checksums, every table under ``data/``, the notebook template, the
toolkit's source code and the parameters. Re-running with nothing changed therefore does
almost no work.

Layout under ``outputs/<study>/reports/``::

    <cohort>/evaluation_report.{ipynb,html,pdf}   passed the release check
    <cohort>/coproduction_report.{ipynb,html,pdf}
    <cohort>/READY.json                           which reports passed, when, with what key
    overview/overview.{ipynb,html,pdf}
    _held/<cohort>/...                            failed the release check: not published
    _failed/<cohort>/<report>.ipynb               the notebook raised an error

Running the notebooks takes minutes (papermill, then HTML and PDF in Chromium), so the
example is shown rather than run (``tests/test_report_run.py`` runs it)::

    run = run_reports("surveys/example", cohorts=["clacton"], jobs=2)
    [(r.report, r.cohort, r.status) for r in run.results]
    # [('evaluation_report', 'clacton', 'ready'), ('coproduction_report', 'clacton', 'ready'),
    #  ('overview', None, 'ready')]
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import re
import shutil
import time
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from toolkit import __version__
from toolkit.errors import UserError
from toolkit.reports import gate
from toolkit.reports.templates import OVERVIEW_FOLDER, REPORTS, file_checksum, template_path
from toolkit.resources import NOTEBOOKS
from toolkit.study.config import load_study, study_file
from toolkit.study.tables import StudyOutputs, write_json

STAGING_FOLDER = ".staging"
# Reports long enough to need a contents list after the title.
CONTENTS_LIST = ("evaluation_report", "overview")
LOG_FOLDER = ".logs"  # kernel and worker messages, for diagnosis
TITLES = {
    "evaluation_report": "Evaluation report",
    "coproduction_report": "What you told us",
    "overview": "Overview of all cohorts",
}


@dataclass
class ReportJob:
    """One notebook to run for one cohort (``cohort`` None: the overview)."""

    report: str
    cohort: str | None
    study_dir: str
    outputs_dir: str
    template: str
    threshold: int
    seed: int
    title: str
    key: str = ""

    @property
    def folder(self) -> str:
        return self.cohort or OVERVIEW_FOLDER

    @property
    def parameters(self) -> dict:
        return {
            "study_dir": self.study_dir,
            "cohort": self.cohort or "",
            "outputs_dir": self.outputs_dir,
            "disclosure_threshold": self.threshold,
            "seed": self.seed,
        }


@dataclass
class ReportResult:
    report: str
    cohort: str | None
    status: str  # ready | held | failed | reused
    seconds: float = 0.0
    files: list[str] = field(default_factory=list)
    problem: str | None = None
    findings: list[str] = field(default_factory=list)
    readability: float | None = None
    readability_page: float | None = None  # everything on the page, quotes included
    key: str = ""

    @property
    def folder(self) -> str:
        return self.cohort or OVERVIEW_FOLDER


@dataclass
class ReportRun:
    study: str
    started: str
    finished: str
    results: list[ReportResult]

    @property
    def failed(self) -> list[ReportResult]:
        return [r for r in self.results if r.status in ("failed", "held")]

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for r in self.results:
            out[r.status] = out.get(r.status, 0) + 1
        return out

    def summary_lines(self) -> list[str]:
        lines = []
        for r in self.results:
            where = f"{r.report} ({r.folder})"
            if r.status == "failed":
                lines.append(
                    f"{where}: FAILED: {r.problem}; executed notebook kept in "
                    f"{r.files[0] if r.files else 'reports/_failed/'}"
                )
            elif r.status == "held":
                lines.append(f"{where}: HELD (release check): {'; '.join(r.findings)[:300]}")
        return lines


# -- cache keys ---------------------------------------------------------------------------
# Toolkit modules whose code shapes a report (besides toolkit/reports/ itself): a change in
# any of them re-renders the reports; changes elsewhere (ingest, topics...) reach the reports
# through the tables, which are checksummed separately.
REPORT_DEPENDENCIES = (
    "outcomes/associations.py",
    "coding/codebook.py",
    "privacy/disclosure.py",
    "outcomes/funnel.py",
    "outcomes/definitions.py",
    "outcomes/prepost.py",
    "outcomes/rounding.py",
    "outcomes/core20.py",
    "outcomes/link.py",
    "coding/decisions.py",
    "scoring/instruments.py",
    "charts.py",
    "privacy/release_check.py",
    "study/config.py",
    "study/tables.py",
    "data/report.css",
)


def _source_checksum() -> str:
    """Hash of the code that makes the reports: changing it re-renders them."""
    digest = hashlib.sha256(__version__.encode())
    root = Path(__file__).resolve().parent.parent
    paths = sorted((root / "reports").glob("*.py")) + [root / p for p in REPORT_DEPENDENCIES]
    for path in paths:
        if path.exists():
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def data_checksums(outputs: StudyOutputs) -> dict[str, str]:
    """SHA-256 of every table under ``outputs/<study>/data/``."""
    if not outputs.data.is_dir():
        return {}
    return {p.name: file_checksum(p) for p in sorted(outputs.data.glob("*.parquet"))}


def job_key(job: ReportJob, shared: dict) -> str:
    payload = {
        "report": job.report,
        "parameters": job.parameters,
        "template": file_checksum(Path(job.template)),
        **shared,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def extra_inputs(study) -> dict[str, str]:
    """Report-only inputs beside the study: peer researchers' "what happens next" notes."""
    folder = study.path("next_steps")
    if not folder.is_dir():
        return {}
    return {f"next_steps/{p.name}": file_checksum(p) for p in sorted(folder.glob("*.md"))}


def _is_stderr(output) -> bool:
    return output.get("output_type") == "stream" and output.get("name") == "stderr"


def without_machine_paths(nb, job: ReportJob):
    """The executed notebook with no folder of the user's machine, and no library warning, in it.

    papermill writes the parameters it injected (absolute study and outputs folders) into a
    cell and into the notebook's metadata, with the template's and the output's paths. The
    published ``.ipynb`` keeps the study's folder *name* only: an absolute path can name a
    person (``/home/jo.bloggs``) or a secure drive, and the release check refuses it.
    """
    names = {
        "study_dir": Path(job.study_dir).name,
        "outputs_dir": f"outputs/{Path(job.outputs_dir).name}" if job.outputs_dir else "",
    }
    shown = {**job.parameters, **names}
    for cell in nb.cells:
        # Library warnings on stderr (a progress-bar notice, a deprecation) are not report
        # content, and they carry install paths; the report's own words go to stdout/display.
        if cell.get("outputs"):
            cell["outputs"] = [
                o
                for o in cell["outputs"]
                if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
            ]
        if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
            lines = ["# Parameters (folders shown by name; `lxt report` re-makes this report)"]
            lines += [f"{key} = {value!r}" for key, value in shown.items()]
            cell["source"] = "\n".join(lines)
    meta = nb.metadata.get("papermill")
    if meta:
        meta["parameters"] = shown
        meta["input_path"] = Path(str(meta.get("input_path") or "")).name
        meta["output_path"] = Path(str(meta.get("output_path") or "")).name
    return nb


# -- the job (runs in a worker process) ----------------------------------------------------
def execute_job(job: ReportJob, reports_root: str) -> ReportResult:
    """Run one notebook, render HTML and PDF, run the release gate. Never raises."""
    import nbformat
    import papermill

    from toolkit.reports.readability import page_readability, report_readability
    from toolkit.reports.render import html_to_pdf, notebook_to_html

    t0 = time.perf_counter()
    root = Path(reports_root)
    staging = root / STAGING_FOLDER / job.folder / job.report
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    executed = staging / f"{job.report}.ipynb"
    result = ReportResult(job.report, job.cohort, "failed", key=job.key)
    try:
        papermill.execute_notebook(
            job.template,
            str(executed),
            parameters=job.parameters,
            kernel_name="python3",
            progress_bar=False,
            log_output=False,
            cwd=str(staging),
        )
    except Exception as exc:  # papermill raises its own error type with the cell's traceback
        kept = root / gate.FAILED_FOLDER / job.folder / f"{job.report}.ipynb"
        kept.parent.mkdir(parents=True, exist_ok=True)
        if executed.exists():
            shutil.copyfile(executed, kept)
        result.problem = _one_line(exc)
        result.files = [str(kept)]
        result.seconds = round(time.perf_counter() - t0, 2)
        return result
    try:
        nb = without_machine_paths(nbformat.read(executed, as_version=4), job)
        nbformat.write(nb, executed)
        page = notebook_to_html(nb, title=job.title, contents=job.report in CONTENTS_LIST)
        html_path = staging / f"{job.report}.html"
        html_path.write_text(page, encoding="utf-8")
        html_to_pdf(html_path, staging / f"{job.report}.pdf")
        if job.report == "coproduction_report":
            result.readability = report_readability(page)
            result.readability_page = page_readability(page)
        passed, findings = gate.run_gate(staging, study=load_study(job.study_dir))
    except Exception as exc:
        kept = root / gate.FAILED_FOLDER / job.folder / f"{job.report}.ipynb"
        kept.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(executed, kept)
        result.problem = _one_line(exc)
        result.files = [str(kept)]
        result.seconds = round(time.perf_counter() - t0, 2)
        return result
    result.status = "ready" if passed else "held"
    result.findings = findings
    result.files = [str(p) for p in sorted(staging.iterdir())]
    result.seconds = round(time.perf_counter() - t0, 2)
    return result


def _one_line(exc: BaseException) -> str:
    """One readable line for an error; papermill's carry the failing cell's error name/value."""
    ename, evalue = getattr(exc, "ename", None), getattr(exc, "evalue", None)
    if ename:
        text = f"{ename}: {evalue}"
    else:
        lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip().strip("*")]
        text = lines[-1] if lines else type(exc).__name__
    # IPython tracebacks carry ANSI colour codes.
    return re.sub(r"\x1b\[[0-9;]*m", "", " ".join(text.split()))[:300]


def _quiet_worker(log: Path) -> None:
    """Send this worker's (and its kernels') console chatter to a log file, not the terminal."""
    log.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)


def _safe_execute(job: ReportJob, reports_root: str) -> ReportResult:
    _quiet_worker(Path(reports_root) / LOG_FOLDER / f"{job.folder}-{job.report}.log")
    try:
        return execute_job(job, reports_root)
    except Exception:  # a bug in the runner itself: still isolate it to this job
        return ReportResult(
            job.report,
            job.cohort,
            "failed",
            problem=traceback.format_exc(limit=1).strip().splitlines()[-1],
        )


# -- placing results (parent process only: no two processes write the same file) ----------
def _place(result: ReportResult, reports_root: Path) -> ReportResult:
    staging = reports_root / STAGING_FOLDER / result.folder / result.report
    published = reports_root / result.folder
    held = reports_root / gate.HELD_FOLDER / result.folder
    if result.status in ("ready", "held"):
        target = published if result.status == "ready" else held
        target.mkdir(parents=True, exist_ok=True)
        moved = []
        for path in sorted(staging.iterdir()):
            dest = target / path.name
            path.replace(dest)
            moved.append(str(dest))
        result.files = moved
        if result.status == "ready":
            for stale in held.glob(f"{result.report}.*"):
                stale.unlink()
            (held / f"FINDINGS-{result.report}.json").unlink(missing_ok=True)
            gate.mark_ready(
                published,
                result.report,
                {
                    "key": result.key,
                    "files": [Path(f).name for f in moved],
                    "release_check": "passed",
                    "readability_flesch": result.readability,
                    "readability_flesch_whole_page": result.readability_page,
                },
            )
        else:
            # A report that now fails the check must not stay published from an earlier run.
            gate.unmark_ready(published, result.report)
            for stale in published.glob(f"{result.report}.*"):
                stale.unlink()
            write_json(
                {"key": result.key, "findings": result.findings},
                held / f"FINDINGS-{result.report}.json",
            )
    else:
        gate.unmark_ready(published, result.report)
    shutil.rmtree(staging, ignore_errors=True)
    return result


def _reusable(job: ReportJob, reports_root: Path) -> ReportResult | None:
    """The previous result of ``job`` if its key is unchanged and its files are still there."""
    entry = gate.read_ready(reports_root / job.folder).get(job.report, {})
    if entry.get("key") == job.key:
        files = [reports_root / job.folder / name for name in entry.get("files", [])]
        if files and all(f.exists() for f in files):
            return ReportResult(
                job.report,
                job.cohort,
                "reused",
                files=[str(f) for f in files],
                readability=entry.get("readability_flesch"),
                readability_page=entry.get("readability_flesch_whole_page"),
                key=job.key,
            )
    findings = reports_root / gate.HELD_FOLDER / job.folder / f"FINDINGS-{job.report}.json"
    if findings.exists():
        held = json.loads(findings.read_text(encoding="utf-8"))
        unchecked = any(f.startswith(gate.UNCHECKED) for f in held.get("findings", []))
        if held.get("key") == job.key and not unchecked:
            return ReportResult(
                job.report, job.cohort, "held", findings=held.get("findings", []), key=job.key
            )
    return None


# -- the public entry point ----------------------------------------------------------------
def plan_jobs(
    study, outputs: StudyOutputs, cohorts: list[str] | None, templates: Path | None = None
) -> list[ReportJob]:
    """The jobs for ``cohorts`` (default: all), overview last, with their cache keys."""
    from toolkit.study.inputs import input_checksums

    cohorts = list(cohorts or study.cohort_names)
    unknown = sorted(set(cohorts) - set(study.cohort_names))
    if unknown:
        raise UserError(
            f"{study_file(study.folder)}: unknown cohort(s) {unknown}; "
            f"expected some of {study.cohort_names}"
        )
    if OVERVIEW_FOLDER in study.cohort_names:
        raise UserError(
            f"{study_file(study.folder)}: a cohort may not be called "
            f"{OVERVIEW_FOLDER!r} (that folder holds the cross-cohort overview)"
        )
    shared = {
        "inputs": input_checksums(study),
        "extra_inputs": extra_inputs(study),
        "tables": data_checksums(outputs),
        "code": _source_checksum(),
    }
    label = {c.name: c.label for c in study.cohorts}
    jobs = []
    for report, per_cohort in REPORTS.items():
        template = template_path(report, templates)
        if not template.exists():
            raise UserError(f"{template}: report template not found")
        for cohort in cohorts if per_cohort else [None]:
            where = label[cohort] if cohort else "all cohorts"
            jobs.append(
                ReportJob(
                    report=report,
                    cohort=cohort,
                    study_dir=str(study.folder),
                    outputs_dir=str(outputs.root.resolve()),
                    template=str(template),
                    threshold=study.disclosure.threshold,
                    seed=study.seed,
                    title=f"{TITLES[report]}: {where}. {study.title}",
                )
            )
    for job in jobs:
        job.key = job_key(job, shared)
    return jobs


def run_reports(
    study_dir: str | Path,
    cohorts: list[str] | None = None,
    jobs: int = 1,
    out: str | Path | None = None,
    progress: bool = True,
    force: bool = False,
    templates: Path | None = None,
) -> ReportRun:
    """Run every report notebook for the study; return what happened to each.

    Parameters
    ----------
    study_dir : folder holding ``study.yml``
    cohorts : cohorts to report on (default: all); the overview always covers all cohorts
    jobs : notebooks run at the same time (each in its own process and kernel)
    out : the study's outputs folder (default ``outputs/<study>`` or ``$LXT_OUTPUTS/<study>``)
    force : re-run even when nothing changed
    """
    from tqdm import tqdm

    started = datetime.now(UTC).isoformat(timespec="seconds")
    study = load_study(study_dir)
    outputs = StudyOutputs.for_study(study, out)
    reports_root = outputs.reports
    reports_root.mkdir(parents=True, exist_ok=True)
    planned = plan_jobs(study, outputs, cohorts, templates)
    results: list[ReportResult] = []
    todo = []
    for job in planned:
        previous = None if force else _reusable(job, reports_root)
        if previous is not None:
            results.append(previous)
        else:
            todo.append(job)
    bar = tqdm(
        total=len(planned),
        initial=len(results),
        desc="Reports",
        unit="report",
        disable=not progress,
    )
    if todo:
        # Always a worker process (even for --jobs 1): each job's kernel output goes to its own
        # log file, and a crash in one job cannot take down the run.
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=min(jobs, len(todo)), mp_context=context) as pool:
            futures = [pool.submit(_safe_execute, job, str(reports_root)) for job in todo]
            for future in as_completed(futures):
                results.append(_place(future.result(), reports_root))
                bar.update(1)
    bar.close()
    shutil.rmtree(reports_root / STAGING_FOLDER, ignore_errors=True)
    order = {(j.report, j.cohort): i for i, j in enumerate(planned)}
    results.sort(key=lambda r: order[(r.report, r.cohort)])
    run = ReportRun(study.name, started, datetime.now(UTC).isoformat(timespec="seconds"), results)
    record_in_manifest(outputs, run)
    return run


def record_in_manifest(outputs: StudyOutputs, run: ReportRun) -> None:
    """Add this run's report results to ``manifest.json`` (kept beside the pipeline's record)."""
    manifest = {}
    if outputs.manifest.exists():
        try:
            manifest = json.loads(outputs.manifest.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            manifest = {}
    manifest["reports"] = {
        "started": run.started,
        "finished": run.finished,
        "counts": run.counts(),
        # Where the templates sit in a checkout; never a folder name of the user's machine.
        "templates_dir": NOTEBOOKS.as_posix(),
        "results": [
            {k: v for k, v in asdict(r).items() if k != "files"}
            | {"files": [Path(f).name for f in r.files]}
            for r in run.results
        ],
    }
    write_json(manifest, outputs.manifest)

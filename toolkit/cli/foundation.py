"""`lxt validate`, `lxt run` and `lxt demo`: check a study, build its outputs, try the toolkit.

Thin wrappers: the work is done by :func:`toolkit.study.validate.validate_study` and
:func:`toolkit.study.pipeline.run_study`, which notebooks and tests call directly.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import typer

from toolkit.errors import UserError


def default_jobs() -> int:
    """Processes to use by default: one per CPU core, at most 4.

    Each report runs in its own Jupyter kernel, so two cores make the seven example reports
    in about half the time; beyond 4 the kernels mostly wait on each other for memory.
    """
    return max(1, min(4, os.cpu_count() or 1))


def check_study(study_dir: Path) -> None:
    """Raise a :class:`UserError` listing every problem with the study, if there are any."""
    from toolkit.study.validate import validate_study

    problems = validate_study(study_dir)
    if problems:
        raise UserError(problems)


def describe_run(manifest: dict[str, Any], out: Path) -> list[str]:
    """A short plain-English summary of a run, one line per stage plus where outputs are."""
    lines = [f"Study '{manifest['study']}', cohorts: {', '.join(manifest['cohorts'])}"]
    for name, record in manifest["stages"].items():
        how = "reused (inputs unchanged)" if record.get("reused") else f"{record['seconds']} s"
        counts = ", ".join(
            f"{k} {v}"
            for k, v in (record.get("result") or {}).items()
            if isinstance(v, (int, float)) and not isinstance(v, bool)
        )
        lines.append(f"  {name:<10} {how}" + (f"  ({counts})" if counts else ""))
    lines.append(f"Outputs are in {out}")
    return lines


def _run_and_report(
    study_dir: Path, cohorts: list[str] | None, jobs: int, out: Path | None
) -> Path:
    from toolkit.study.config import load_study
    from toolkit.study.pipeline import STAGES, run_study
    from toolkit.study.tables import StudyOutputs

    # Check everything first: a study with any problem must write nothing at all.
    check_study(study_dir)
    stages = ", ".join(name for name, _ in STAGES)
    typer.echo(f"{study_dir}: inputs checked, no problems. Running {stages} ...")
    manifest = run_study(study_dir, cohorts=cohorts, jobs=jobs, out=out)
    root = StudyOutputs.for_study(load_study(study_dir), out).root
    for line in describe_run(manifest, root):
        typer.echo(line)
    # Every stage ran and the manifest is written, but a failed or held report is not a
    # success: say which, and exit 1 as `lxt report` does.
    reports = (manifest["stages"].get("report") or {}).get("result") or {}
    if reports.get("failed") or reports.get("held"):
        raise UserError(
            (manifest.get("notes") or {}).get("reports")
            or [f"reports: {reports.get('failed', 0)} failed, {reports.get('held', 0)} held"]
        )
    return root


def validate_command(
    study_dir: Path = typer.Argument(..., help="The study folder (holding study.yml)."),
) -> None:
    """Check STUDY_DIR's study.yml and every file it names; list every problem found.

    Rows are numbered as in Excel: the header is row 1, the first data row is row 2.
    """
    check_study(study_dir)
    typer.echo(f"{study_dir}: no problems found; ready for `lxt run {study_dir}`.")


def run_command(
    study_dir: Path = typer.Argument(..., help="The study folder (holding study.yml)."),
    cohort: list[str] | None = typer.Option(
        None, "--cohort", "-c", help="Only this cohort (repeat for several). Default: all."
    ),
    jobs: int = typer.Option(
        default_jobs(),
        "--jobs",
        "-j",
        min=1,
        help=(
            "Processes to use where it helps (learning codes, reports). "
            "Default: one per CPU core, at most 4."
        ),
    ),
    out: Path | None = typer.Option(
        None, "--out", help="Output folder (default: outputs/<study> or $LXT_OUTPUTS/<study>)."
    ),
) -> None:
    """Check STUDY_DIR, then build every table, model and report from it."""
    _run_and_report(study_dir, cohort or None, jobs, out)


def demo_command(
    out: Path | None = typer.Option(
        None, "--out", help="Folder for the demo study and its outputs (default: a temp folder)."
    ),
) -> None:
    """Build the synthetic example study and run everything on it."""
    base = Path(out) if out is not None else Path(tempfile.mkdtemp(prefix="lxt-demo-"))
    base.mkdir(parents=True, exist_ok=True)
    typer.echo(f"Preparing the synthetic example study in {base / 'example'} ...")
    from toolkit.study.demo import prepare_demo_study

    study_dir = prepare_demo_study(base)
    _run_and_report(study_dir, None, 1, base / "outputs" / "example")


def register(app: typer.Typer) -> None:
    """Add `lxt validate`, `lxt run` and `lxt demo`."""
    app.command("validate")(validate_command)
    app.command("run")(run_command)
    app.command("demo")(demo_command)

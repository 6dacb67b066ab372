"""`lxt report`: run the report notebooks for each cohort and render them to HTML and PDF.

A thin wrapper over :func:`toolkit.reports.run_reports`, which notebooks and tests call
directly. Exit status 1 if any report failed or was held back by the release check (after
all the others were made).
"""

from __future__ import annotations

from pathlib import Path

import typer

from toolkit.cli.foundation import default_jobs
from toolkit.errors import UserError


def report(
    study_dir: Path = typer.Argument(..., help="Folder holding study.yml."),
    cohort: list[str] = typer.Option(
        None, "--cohort", help="Cohort to report on (repeat for several; default: all)."
    ),
    jobs: int = typer.Option(
        default_jobs(),
        "--jobs",
        min=1,
        help="Reports to make at the same time. Default: one per CPU core, at most 4.",
    ),
    out: Path | None = typer.Option(
        None, "--out", help="The study's outputs folder (default: outputs/<study>)."
    ),
    force: bool = typer.Option(False, "--force", help="Re-make reports even if nothing changed."),
    templates: Path | None = typer.Option(
        None, "--templates", help="Folder of your own report notebooks (default: notebooks/)."
    ),
) -> None:
    """Make the evaluation and co-production reports per cohort, plus the overview."""
    from toolkit.reports import run_reports
    from toolkit.study.config import load_study
    from toolkit.study.outputs import require_current_outputs
    from toolkit.study.tables import StudyOutputs

    study = load_study(study_dir)
    require_current_outputs(study, StudyOutputs.for_study(study, out))
    run = run_reports(
        study_dir, cohorts=cohort or None, jobs=jobs, out=out, force=force, templates=templates
    )
    for result in run.results:
        where = result.cohort or "all cohorts"
        extra = ""
        if result.readability is not None:
            extra = f" (reading ease {result.readability:.0f})"
        typer.echo(f"  {result.report:<20} {where:<12} {result.status}{extra}")
    counts = ", ".join(f"{v} {k}" for k, v in sorted(run.counts().items()))
    typer.echo(
        f"Reports: {counts}. Ready reports are in {Path(run.results[0].files[0]).parent.parent}"
        if run.results and run.results[0].files
        else f"Reports: {counts}."
    )
    if run.failed:
        raise UserError(run.summary_lines())


def register(app: typer.Typer) -> None:
    """Add `lxt report` to the `lxt` app."""
    app.command("report")(report)

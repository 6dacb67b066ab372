"""`lxt analyse`: rebuild outcomes, features and the analysis tables of a study.

A thin layer over :func:`toolkit.study.pipeline.run_study` that stops after the ``analyse``
stage, for when the earlier stages have already run (e.g. after new coding decisions):
unchanged stages are reused, so only what changed is recomputed.
"""

from __future__ import annotations

from pathlib import Path

import typer


def analyse_command(
    study_dir: Path = typer.Argument(..., help="The study folder (holding study.yml)."),
    cohort: list[str] | None = typer.Option(
        None, "--cohort", "-c", help="Only this cohort (repeat for several). Default: all."
    ),
    out: Path | None = typer.Option(
        None, "--out", help="Output folder (default: outputs/<study> or $LXT_OUTPUTS/<study>)."
    ),
) -> None:
    """Link codes and topics to outcomes and write the analysis tables and charts."""
    from toolkit.study.config import load_study
    from toolkit.study.pipeline import STAGES, run_study
    from toolkit.study.tables import StudyOutputs

    study = load_study(study_dir)
    outputs = StudyOutputs.for_study(study, out)
    if not outputs.has("participants"):
        from toolkit.errors import Messages, UserError

        raise UserError(
            f"{outputs.data}: " + Messages.NOT_BUILT.format(command=f"lxt run {study_dir}")
        )
    # Every stage up to analyse: unchanged earlier stages are reused (cheap) and keep their
    # place in the manifest; reports are left for `lxt report` / `lxt run` to rebuild.
    names = [name for name, _ in STAGES]
    upto = names[: names.index("analyse") + 1] if "analyse" in names else names
    manifest = run_study(study_dir, cohorts=cohort or None, out=out, stages=upto)
    result = manifest["stages"].get("analyse", {}).get("result", {})
    typer.echo(f"Tables written to {outputs.tables}")
    typer.echo(f"Charts written to {outputs.figures}")
    typer.echo(f"Codings used: {result.get('coding_basis', 'none')}")
    passing = result.get("associations_passing_fdr") or []
    typer.echo(
        f"{len(passing)} experience-outcome association(s) pass the false discovery rate "
        "check (these are associations, not causes)."
    )


def register(app: typer.Typer) -> None:
    """Add this area's commands to the `lxt` app."""
    app.command("analyse")(analyse_command)

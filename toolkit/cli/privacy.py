"""`lxt redact` and `lxt check-release`: the privacy commands (thin layers over toolkit code)."""

from __future__ import annotations

from pathlib import Path

import typer

from toolkit.errors import Problem, UserError


def register(app: typer.Typer) -> None:
    """Add this area's commands to the `lxt` app."""

    @app.command()
    def redact(
        source: Path = typer.Argument(..., help='JSONL file, one {"id", "text"} per line.'),
        output: Path | None = typer.Option(None, "-o", "--output", help="Where to write."),
        study: Path | None = typer.Option(
            None, "--study", help="Study folder: also redact its register names."
        ),
    ) -> None:
        """Replace names, NHS numbers, phone numbers and other identifiers with placeholders."""
        from toolkit.privacy.redact_file import redact_jsonl

        n = redact_jsonl(source, output, study)
        if output is not None:
            typer.echo(f"Redacted {n} texts into {output}.", err=True)

    @app.command("check-release")
    def check_release_command(
        folder: Path = typer.Argument(..., help="Folder (or file) that would be published."),
        study: Path | None = typer.Option(
            None, "--study", help="Study folder: also look for its references and names."
        ),
    ) -> None:
        """Look for identifiers and unsafe counts in what would be published; exit 1 if any."""
        from toolkit.errors import RELEASE_NOT_READABLE
        from toolkit.privacy.release_check import check_release, unchecked_files

        if not folder.exists():
            raise UserError(Problem(str(folder), "not found", expected="a folder or file"))
        loaded = None
        if study is not None:
            from toolkit.study.config import load_study

            loaded = load_study(study)
        findings = check_release(folder, loaded)
        for finding in findings:
            typer.echo(str(finding))
        if folder.is_dir():
            for path in unchecked_files(folder):
                typer.echo(
                    f"{path.relative_to(folder).as_posix()}: {RELEASE_NOT_READABLE}", err=True
                )
        if findings:
            typer.echo(f"{len(findings)} finding(s): do not release {folder} yet.", err=True)
            raise SystemExit(1)  # click swallows typer.Exit codes when not standalone
        typer.echo(f"No findings in {folder}.")

"""`lxt redact` and `lxt check-release`: the privacy commands (thin layers over toolkit code)."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from toolkit.errors import Problem, UserError

REDACT_BATCH = 256  # lines redacted per batch: big enough for spaCy, small enough for memory


def read_jsonl_texts(path: Path) -> list[tuple[object, str]]:
    """(id, text) from a JSONL file of ``{"id", "text"}`` lines; every problem at once."""
    if not path.is_file():
        raise UserError(Problem(str(path), "file not found", expected="a JSONL file"))
    records, problems = [], []
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except UnicodeDecodeError:
        raise UserError(Problem(str(path), "not UTF-8 text", expected="UTF-8 JSONL")) from None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(Problem(str(path), f"not valid JSON ({exc.msg})", row=number))
            continue
        if not isinstance(record, dict) or "id" not in record or "text" not in record:
            problems.append(
                Problem(
                    str(path), "missing key", row=number, expected='an object with "id" and "text"'
                )
            )
        elif not isinstance(record["text"], str):
            problems.append(
                Problem(
                    str(path),
                    '"text" is not a string',
                    row=number,
                    value=record["text"],
                    expected="text",
                )
            )
        else:
            records.append((record["id"], record["text"]))
    if problems:
        raise UserError(problems)
    return records


def redact_jsonl(source: Path, target: Path | None, study: Path | None = None) -> int:
    """Redact ``{"id", "text"}`` lines; write ``{"id", "text", "spans"}`` lines. Returns count."""
    import sys

    from tqdm import tqdm

    from toolkit.privacy.redact import Redactor
    from toolkit.study.tables import write_jsonl

    records = read_jsonl_texts(source)
    if study is not None:
        from toolkit.study.config import load_study
        from toolkit.study.validate import read_study_inputs

        loaded = load_study(study)
        inputs, _ = read_study_inputs(loaded)
        redactor = Redactor.for_study(loaded, inputs.all_names())
    else:
        redactor = Redactor.default()
    out = []
    show = len(records) > REDACT_BATCH and sys.stderr.isatty()
    with tqdm(total=len(records), disable=not show, desc="Redacting", unit="text") as bar:
        for first in range(0, len(records), REDACT_BATCH):
            batch = records[first : first + REDACT_BATCH]
            for (rid, _), done in zip(
                batch, redactor.redact_many([t for _, t in batch]), strict=True
            ):
                out.append({"id": rid, **done.as_record()})
            bar.update(len(batch))
    if target is None:
        for record in out:
            typer.echo(json.dumps(record, ensure_ascii=False))
    else:
        write_jsonl(out, target)
    return len(out)


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

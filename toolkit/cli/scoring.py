"""`lxt score`: score one instrument in a table of answers."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from toolkit.errors import UserError


def score_command(
    input_file: Path = typer.Argument(..., help="CSV or XLSX, one row per person."),
    instrument: str = typer.Option(..., "--instrument", "-i", help="e.g. swemwbs, ons4, phq9."),
    output: Path | None = typer.Option(
        None, "-o", "--output", help="CSV to write (default: print)."
    ),
    prorate: bool = typer.Option(
        False, help="Prorate scores with a few missing items where the instrument allows it."
    ),
) -> None:
    """Score INPUT_FILE with one instrument (answers as numbers or as label text)."""
    from toolkit.ingest.readers import read_table
    from toolkit.scoring.rules import score_file
    from toolkit.study.tables import write_csv

    if not input_file.is_file():
        raise UserError(f"{input_file}: file not found")
    sheet = read_table(input_file)
    if sheet.frame.empty:
        raise UserError(f"{input_file}: no rows to score")
    scored = score_file(
        sheet.frame, instrument, prorate=prorate, file=str(input_file), rows=sheet.rows
    )
    if output is None:
        scored.to_csv(sys.stdout, index=False)
    else:
        if output.resolve() == input_file.resolve():
            raise UserError(f"{output}: refusing to overwrite the input file; choose another -o")
        write_csv(scored, output)
        valid = int(scored["valid"].sum())
        typer.echo(
            f"Scored {valid} of {len(scored)} rows with {instrument}; wrote {output}", err=True
        )


def register(app: typer.Typer) -> None:
    """Add `lxt score`."""
    app.command("score")(score_command)

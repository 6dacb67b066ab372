"""`lxt topics` (topic modelling of a JSONL file) and `lxt models distill`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from toolkit.errors import SMALL_CORPUS_NOTE, UserError


def topics_command(
    input_file: Path = typer.Argument(..., help='JSONL, one {"id", "text"} object per line.'),
    output: Path | None = typer.Option(
        None, "-o", "--output", help="JSONL to write (default: print)."
    ),
    summary: Path | None = typer.Option(
        None, "--summary", help="CSV of topics: label, size, key words, stability."
    ),
    seed: int = typer.Option(42, "--seed", help="Same texts and seed give the same topics."),
    embedding: str = typer.Option("minilm", "--embedding", help="minilm, static or tfidf."),
    stability_runs: int = typer.Option(
        5, "--stability-runs", min=0, help="Refits with other seeds to check each topic (0 = skip)."
    ),
    min_topic_size: int | None = typer.Option(
        None, "--min-topic-size", min=2, help="Default: grows with the number of texts."
    ),
) -> None:
    """Group INPUT_FILE's texts into topics; print or write one line per text."""
    from toolkit.study.tables import write_csv, write_jsonl
    from toolkit.topics.jsonl import read_texts, topics_for_texts
    from toolkit.topics.model import SMALL_CORPUS

    for target in (output, summary):
        if target is not None and target.resolve() == input_file.resolve():
            raise UserError(f"{target}: refusing to overwrite the input file; choose another name")
    records = read_texts(input_file)
    lines, table = topics_for_texts(
        records,
        seed=seed,
        embedding=embedding,
        stability_runs=stability_runs,
        min_topic_size=min_topic_size,
    )
    if len(set(records["text"])) < SMALL_CORPUS:
        typer.echo(SMALL_CORPUS_NOTE, err=True)
    if summary is not None:
        write_csv(table, summary)
    if output is None:
        for line in lines:
            sys.stdout.write(json.dumps(line, ensure_ascii=False) + "\n")
    else:
        write_jsonl(lines, output)
        n_topics = int((table["topic"] >= 0).sum())
        typer.echo(f"Found {n_topics} topics in {len(lines)} texts; wrote {output}", err=True)


def distill_command(
    dims: int = typer.Option(
        256, "--dims", min=16, max=384, help="Vector size of the static model."
    ),
) -> None:
    """Build the fast static embedding model from the installed MiniLM (about a minute)."""
    from toolkit.embeddings.static import distill_static_model

    folder = distill_static_model(dims=dims)
    typer.echo(f"Static model ready: {folder}. Use it with `topics: embedding: static`.", err=True)


def register(app: typer.Typer) -> None:
    """Add `lxt topics` and `lxt models distill`."""
    app.command("topics")(topics_command)
    models = typer.Typer(help="Embedding models kept on this computer.", no_args_is_help=True)
    models.command("distill")(distill_command)
    app.add_typer(models, name="models")

"""`lxt` commands for this area of the toolkit."""

from __future__ import annotations

from pathlib import Path

import typer


def code_command(
    input_file: Path = typer.Argument(..., help='JSONL file, one {"id", "text"} per line.'),
    codebook: Path | None = typer.Option(None, "--codebook", help="Codebook YAML file."),
    model: Path | None = typer.Option(
        None, "--model", help="A model folder made by lxt learn (codes learned from people)."
    ),
    output: Path | None = typer.Option(None, "-o", "--output", help="Write here, not stdout."),
    embedding: str = typer.Option(
        "minilm", help="Meaning model: minilm, static, tfidf, or none (patterns only)."
    ),
    threshold: float = typer.Option(0.5, min=0.0, max=1.0, help="Lowest score to suggest."),
) -> None:
    """Code each line of a JSONL file, with evidence: from a codebook, or a learned model."""
    import json

    from toolkit.errors import UserError

    if model is not None:
        from toolkit.coding.learn import code_with_model

        records = code_with_model(input_file, model, codebook, output)
    elif codebook is not None:
        from toolkit.coding.suggest import code_jsonl

        records = code_jsonl(input_file, codebook, output, embedding=embedding, threshold=threshold)
    else:
        raise UserError("lxt code needs --codebook FILE or --model MODEL_DIR (or both)")
    if output is None:
        for rec in records:
            typer.echo(json.dumps(rec, ensure_ascii=False))
    else:
        typer.echo(f"Coded {len(records)} texts: {output}", err=True)


def learn_command(
    source: Path = typer.Argument(
        ..., help="A study folder (holding study.yml), or a JSONL file of texts people coded."
    ),
    labels: Path | None = typer.Option(
        None, "--labels", help="CSV or XLSX of codes: columns id,code, or id plus one per code."
    ),
    output: Path | None = typer.Option(
        None, "-o", "--output", help="Model folder to write (needed with --labels)."
    ),
    embedding: str = typer.Option(
        "minilm", help="Meaning model added to the word features: minilm, static, tfidf, none."
    ),
    top: int = typer.Option(50, help="How many segment-code pairs to list for review next."),
) -> None:
    """Learn to code from people's coding: a file of coded texts, or a study's decisions.

    Writes a model folder with per-code cross-validated quality (coding_cv_metrics.csv); for a
    study also models/review_next.csv, the least certain suggestions first."""
    from toolkit.errors import UserError

    if source.is_dir():
        from toolkit.coding.classifiers import learn_study

        _study_and_outputs(source, None)
        metrics, queue, folder = learn_study(source, top=top)
        typer.echo(metrics.to_string(index=False))
        typer.echo(
            "\nPrecision, recall and F1 are cross-validated on the segments people reviewed. If "
            "those were mostly strong suggestions, expect lower scores on the rest of the text."
        )
        typer.echo(f"\n{len(queue)} segments to review next: {folder / 'review_next.csv'}")
        return
    if labels is None or output is None:
        raise UserError(
            f"{source}: learning from a file of texts needs --labels LABELS.csv and -o MODEL_DIR"
        )
    from toolkit.coding.learn import learn_from_files
    from toolkit.coding.model_folder import metrics_table

    meta = learn_from_files(
        source, labels, output, embedding=None if embedding == "none" else embedding
    )
    shown = metrics_table(meta)[["code", "examples", "precision", "recall", "f1", "threshold"]]
    typer.echo(shown.to_string(index=False, na_rep="-"))
    typer.echo(
        f"\nLearned {len(shown) - len(meta['left_to_people'])} codes from {meta['texts']} texts "
        f"in {meta['seconds']} s (precision, recall and F1 cross-validated, "
        f"{meta['settings']['folds']} folds)."
    )
    if meta["left_to_people"]:
        typer.echo(
            "Too few examples to learn, left to people: " + ", ".join(meta["left_to_people"])
        )
    typer.echo(f"Model folder: {output}")


# -- review round trip, agreement and REFI-QDA exchange ------------------------------------------

OUT_HELP = "Study output folder (default: outputs/<study> or $LXT_OUTPUTS/<study>)."


def _study_and_outputs(study_dir: Path, out: Path | None):
    """The study and its outputs, refused unless they are this folder's and up to date."""
    from toolkit.study.config import load_study
    from toolkit.study.outputs import require_current_outputs
    from toolkit.study.tables import StudyOutputs

    study = load_study(study_dir)
    outputs = StudyOutputs.for_study(study, out)
    require_current_outputs(study, outputs)
    return study, outputs


def review_export_command(
    study_dir: Path = typer.Argument(..., help="The study folder (holding study.yml)."),
    reviewer: str = typer.Option(..., "--reviewer", help="Short id of the reviewer, e.g. pr01."),
    output: Path = typer.Option(..., "-o", "--output", help="The .xlsx workbook to write."),
    n: int = typer.Option(50, "--n", min=1, help="Most segments to put in the workbook."),
    cohort: list[str] | None = typer.Option(None, "--cohort", "-c", help="Only this cohort."),
    same_as: Path | None = typer.Option(
        None,
        "--same-as",
        help="Use exactly the segments of this earlier workbook (so two "
        "reviewers code the same segments, for agreement).",
    ),
    order: str = typer.Option(
        "uncertain",
        help="uncertain: what the learned models are least sure of first (when "
        "there are enough decisions), else highest-scoring suggestions; score: the latter.",
    ),
    overwrite: bool = typer.Option(
        False, "--overwrite", help="Replace an existing workbook (its decisions are lost)."
    ),
    out: Path | None = typer.Option(None, "--out", help=OUT_HELP),
) -> None:
    """Write an Excel workbook of suggested codes for REVIEWER to accept or reject."""
    from toolkit.coding.review_export import export_review

    study, outputs = _study_and_outputs(study_dir, out)
    batch = export_review(
        study,
        reviewer,
        output,
        n=n,
        cohorts=cohort or None,
        outputs=outputs,
        segments_from=same_as,
        order=order,
        overwrite=overwrite,
    )
    how = {
        "uncertain": "least certain first",
        "score": "highest-scoring suggestions first",
        "workbook": f"same segments as {same_as}",
    }[batch.order]
    typer.echo(
        f"Wrote {batch.n_rows} segments for {reviewer} ({how}), batch {batch.batch_id}: {output}"
    )


def review_import_command(
    study_dir: Path = typer.Argument(..., help="The study folder (holding study.yml)."),
    workbook: Path = typer.Argument(..., help="The filled-in review workbook (.xlsx)."),
) -> None:
    """Check a filled-in review workbook and add its decisions to the study's decision log."""
    from toolkit.coding.review_import import import_review
    from toolkit.study.config import load_study

    report = import_review(load_study(study_dir), workbook)
    typer.echo(report.message)


def agreement_command(
    study_dir: Path = typer.Argument(..., help="The study folder (holding study.yml)."),
    threshold: float = typer.Option(
        0.5, min=0.0, max=1.0, help="A machine suggestion counts as applied at this score."
    ),
    machine: str = typer.Option(
        "both",
        help="What counts as the machine: rules, models (learned from people's decisions) or both.",
    ),
    out: Path | None = typer.Option(None, "--out", help=OUT_HELP),
) -> None:
    """Agreement between reviewers, and between reviewers and the machine, per code."""
    from toolkit.coding.agreement import format_table, study_agreement
    from toolkit.errors import Problem, UserError

    study, outputs = _study_and_outputs(study_dir, out)
    sources = {"rules": ("rule",), "models": ("model",), "both": ("rule", "model")}
    if machine not in sources:
        raise UserError(
            Problem("--machine", "unknown choice", value=machine, expected="rules, models or both")
        )
    _, shown, path = study_agreement(study, outputs, threshold, sources[machine])
    typer.echo(format_table(shown))
    typer.echo(f"\nSaved: {path}")


def export_qdc_command(
    codebook: Path = typer.Option(..., "--codebook", help="Codebook YAML file."),
    output: Path = typer.Option(..., "-o", "--output", help="The .qdc file to write."),
) -> None:
    """Write a codebook as a REFI-QDA .qdc file (for NVivo, ATLAS.ti, MAXQDA, QualCoder)."""
    from toolkit.coding.codebook import load_codebook
    from toolkit.coding.refiqda import export_qdc

    book = load_codebook(codebook)
    export_qdc(book, output)
    typer.echo(f"Wrote {len(book.codes)} codes ({len(book.categories)} categories): {output}")


def export_qdpx_command(
    study_dir: Path = typer.Argument(..., help="The study folder (holding study.yml)."),
    output: Path = typer.Option(..., "-o", "--output", help="The .qdpx project to write."),
    cohort: list[str] | None = typer.Option(None, "--cohort", "-c", help="Only this cohort."),
    out: Path | None = typer.Option(None, "--out", help=OUT_HELP),
) -> None:
    """Write the study's redacted documents, participants and human codings as a .qdpx."""
    from toolkit.coding.refiqda import export_qdpx

    study, outputs = _study_and_outputs(study_dir, out)
    s = export_qdpx(study, output, outputs=outputs, cohorts=cohort or None)
    typer.echo(
        f"Wrote {s.sources} documents, {s.cases} participants and {s.codings} codings "
        f"by {s.reviewers} reviewer(s): {output}"
    )


def import_qdc_command(
    qdc: Path = typer.Argument(..., help="A REFI-QDA .qdc codebook."),
    output: Path = typer.Option(..., "-o", "--output", help="The codebook YAML to write."),
    like: Path | None = typer.Option(
        None,
        "--like",
        help="The codebook this file came from: matching codes keep their ids, "
        "keywords and patterns.",
    ),
) -> None:
    """Convert a REFI-QDA .qdc codebook into the toolkit's codebook YAML."""
    from toolkit.coding.codebook import load_codebook
    from toolkit.coding.refiqda import import_qdc
    from toolkit.errors import UserError

    if output.exists() and like is not None and output.resolve() == like.resolve():
        raise UserError(f"{output}: refusing to overwrite the --like codebook; choose another -o")
    book, notes = import_qdc(qdc, output, reference=load_codebook(like) if like else None)
    typer.echo(f"Wrote {len(book.codes)} codes: {output}")
    for note in notes:
        typer.echo(f"note: {note}", err=True)


def import_qdpx_command(
    first: Path = typer.Argument(
        ...,
        metavar="STUDY_DIR|PROJECT",
        help="The study folder, then the project; with --new-study, only the project.",
    ),
    project: Path | None = typer.Argument(
        None, metavar="[PROJECT]", help="A .qdpx project from NVivo, ATLAS.ti, MAXQDA..."
    ),
    new_study: Path | None = typer.Option(
        None,
        "--new-study",
        help="Start a new study in this folder (which must not exist) from the project: "
        "its sources, code tree, cases and codings.",
    ),
    name: str | None = typer.Option(
        None, "--name", help="With --new-study: the study's short name (default: the folder's)."
    ),
    reviewer: str | None = typer.Option(
        None, "--reviewer", help="Who coded it; default: each coding's user in the project."
    ),
    new_codes: bool = typer.Option(
        False, "--new-codes", help="Keep codes the codebook does not know instead of stopping."
    ),
    out: Path | None = typer.Option(None, "--out", help=OUT_HELP),
) -> None:
    """Add codings made in another program to a study's decision log, or (with --new-study)
    start a study from a project made in NVivo, ATLAS.ti, MAXQDA or QualCoder."""
    if new_study is not None:
        from toolkit.coding.refiqda.new_study import create_study

        if project is not None:
            raise typer.BadParameter(
                "with --new-study give only the project: lxt import qdpx FILE.qdpx --new-study DIR"
            )
        report = create_study(first, new_study, reviewer=reviewer, name=name)
        typer.echo(report.message)
        return
    if project is None:
        raise typer.BadParameter(
            "give the study folder and the project (lxt import qdpx STUDY_DIR FILE.qdpx), "
            "or start a new study (lxt import qdpx FILE.qdpx --new-study DIR)"
        )
    if name is not None:
        raise typer.BadParameter("--name is only used with --new-study")
    from toolkit.coding.refiqda import import_qdpx

    study, outputs = _study_and_outputs(first, out)
    report = import_qdpx(study, project, reviewer=reviewer, outputs=outputs, new_codes=new_codes)
    typer.echo(report.message)


def _register_review_and_exchange(app: typer.Typer) -> None:
    review = typer.Typer(
        help="Review suggested codes in Excel: export a workbook, import it.", no_args_is_help=True
    )
    review.command("export")(review_export_command)
    review.command("import")(review_import_command)
    app.add_typer(review, name="review")
    app.command("agreement")(agreement_command)
    export = typer.Typer(
        help="Export to REFI-QDA (NVivo, ATLAS.ti, MAXQDA, QualCoder).", no_args_is_help=True
    )
    export.command("qdc")(export_qdc_command)
    export.command("qdpx")(export_qdpx_command)
    app.add_typer(export, name="export")
    imports = typer.Typer(
        help="Import from REFI-QDA (NVivo, ATLAS.ti, MAXQDA, QualCoder).", no_args_is_help=True
    )
    imports.command("qdc")(import_qdc_command)
    imports.command("qdpx")(import_qdpx_command)
    app.add_typer(imports, name="import")


def register(app: typer.Typer) -> None:
    """Add this area's commands to the `lxt` app."""
    app.command("code")(code_command)
    app.command("learn")(learn_command)
    _register_review_and_exchange(app)

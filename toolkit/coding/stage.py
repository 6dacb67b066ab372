"""The ``code`` stage: rule suggestions, people's review rounds, learned classifiers and people's
decisions, together in the ``codings`` table (DESIGN.md, "Tables").

- rules: :class:`toolkit.coding.suggest.AutoCoder` (codebook patterns and meaning);
- review rounds kept as text with the study (``reviews/*.csv``):
  :mod:`toolkit.coding.review_rounds`;
- learned classifiers, used per code only where they beat the rules:
  :mod:`toolkit.coding.classifiers`;
- people's current decisions: :mod:`toolkit.coding.decisions`;
- agreement between people, when two or more coded: :mod:`toolkit.coding.agreement`.
"""

from __future__ import annotations

import pandas as pd

from toolkit.coding.agreement import study_agreement
from toolkit.coding.classifiers import learn_from_decisions
from toolkit.coding.codebook import load_study_codebook
from toolkit.coding.decisions import human_codings, orphaned_decisions, read_decisions
from toolkit.coding.review_rounds import import_review_rounds
from toolkit.coding.suggest import AutoCoder
from toolkit.embeddings.backends import make_embedder
from toolkit.embeddings.base import study_cache_dir
from toolkit.study.tables import CODING_COLUMNS, write_csv


def run_stage(ctx) -> dict:
    """Pipeline stage: ``segments`` -> ``codings`` (rule, model and human rows).

    Rule suggestions come from the study's codebook; model suggestions from per-code
    classifiers trained on the people's decisions (:mod:`toolkit.coding.classifiers`) when there are
    enough of them; human rows are the current accepted or added decisions in the log.
    Decisions that no longer fit (segment gone, text changed, code removed) are counted and
    listed in the manifest notes, never dropped from the log.
    """
    study = ctx.study
    book = load_study_codebook(study)
    segments = ctx.outputs.read("segments")
    # The study's own cache, which the topics stage reads too: each text is embedded once,
    # and the vectors of a sensitive study stay (and are deleted) with its outputs.
    cache = study_cache_dir(ctx.outputs)
    embedder = make_embedder(study.topics.embedding, seed=ctx.seed, cache_dir=cache)
    # Machine rows carry no decision time (decided_at ""), so a re-run rebuilds the same table.
    coder = AutoCoder(book, embedder, progress=ctx.progress)
    rule_rows, scores = coder.code_segments(segments)
    frames = [rule_rows]
    summary: dict = {"segments": len(segments), "rule_codings": len(rule_rows)}

    # Coding rounds kept with the study as text (reviews/*.csv) join the log first, once.
    rounds = import_review_rounds(study, segments, book.codable_ids)
    if rounds:
        summary["review_round_decisions_added"] = sum(
            v for k, v in rounds.items() if k != "unmatched"
        )
        summary["review_round_rows_unmatched"] = rounds["unmatched"]
    log = read_decisions(study)
    learned = learn_from_decisions(
        log,
        segments,
        book,
        embedder,
        seed=ctx.seed,
        features=scores,
        suggested=rule_rows,
        jobs=ctx.jobs,
    )
    if learned.models:
        model_rows = learned.codings(segments)
        frames.append(model_rows)
        summary["model_codings"] = len(model_rows)
        summary["model_codes"] = sorted(learned.metrics.query("used")["code"])
        write_csv(learned.metrics, ctx.outputs.models / "coding_cv_metrics.csv")
    human = human_codings(log)
    frames.append(human)
    summary["human_codings"] = len(human)
    orphans = orphaned_decisions(log, segments, book.codable_ids)
    summary["decisions_needing_attention"] = len(orphans)
    if len(orphans):
        ctx.notes["coding_orphaned_decisions"] = orphans[
            ["reviewer", "seg_id", "code", "decision", "reason"]
        ].to_dict("records")
    codings = (
        pd.concat([f for f in frames if len(f)], ignore_index=True)
        if any(len(f) for f in frames)
        else frames[0]
    )
    codings = codings[CODING_COLUMNS].astype({"score": "float64"})
    ctx.outputs.write("codings", codings)
    if log["reviewer"].nunique() >= 2:
        # Two or more people coded: how far they agree belongs with every run's tables.
        study_agreement(study, ctx.outputs)
        summary["agreement_table"] = "tables/agreement.csv"
    return summary

"""Stage ``topics``: inductive themes with BERTopic, fitted once on the whole study.

Reads ``segments`` (redacted text) and, if present, ``codings`` and ``participants``; writes

========================= =====================================================================
``topics``                seg_id, topic (-1 = not grouped), probability, assigned_by
``topic_info``            topic, label, size, n_participants, keywords, exemplars (seg_ids of
                          the quotes), stable, matched_similarity, presence, member_overlap, npmi
``topic_quotes``          topic, rank, seg_id, pid, text: quotes safe to show (topic_quotes.py)
``topic_stability_runs``  one row per refit: seed, n_topics, outlier_share, adjusted_rand_index
``topic_quality``         one row: embedding, n_segments, n_topics, npmi, diversity, outlier
                          shares before/after reduction, mean ARI, share of stable topics
``topic_code_crosswalk``  topic x code: segments with both, Jaccard, share of topic / of code
``topics_per_cohort``     BERTopic ``topics_per_class`` by cohort + n_participants
``topics_per_wave``       the same by wave; ``topics_over_time``: BERTopic's, by wave month
========================= =====================================================================

and the fitted model (``models/topics/``, safetensors, without the embedding model). Because
the model is fitted once on all cohorts, topic 3 means the same thing in every cohort report.
Published CSVs under ``tables/`` (per cohort, crosswalk) go through the disclosure rule.

The stage embeds every segment and fits BERTopic, so the example is shown rather than run
(``tests/test_topics.py`` runs it on the example study)::

    from toolkit.study.pipeline import run_study

    run_study("surveys/example", stages=["topics"])
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd

from toolkit.embeddings.backends import Embedder, get_embedder
from toolkit.study.tables import StudyOutputs
from toolkit.topics.model import (
    MIN_SEGMENTS,
    FittedTopics,
    fit_topic_model,
    topic_frame,
    topic_label,
)
from toolkit.topics.quality import npmi_per_topic, quality_summary
from toolkit.topics.quotes import topic_quotes
from toolkit.topics.stability import topic_stability

log = logging.getLogger(__name__)


def stage_cache_dir(outputs: StudyOutputs) -> Path:
    """Embedding cache of a study: ``$LXT_CACHE_DIR/embeddings`` or inside its outputs.

    Kept with the study's outputs by default, so vectors of a sensitive study are deleted
    with them; point ``LXT_CACHE_DIR`` elsewhere to share a cache between builds.
    """
    env = os.environ.get("LXT_CACHE_DIR")
    return Path(env).expanduser() / "embeddings" if env else outputs.models / "embeddings"


def codebook_guidance(study, mode: str) -> list | None:
    """Seed-word lists (``seeded``) or one description per code (``zeroshot``)."""
    if not study.codebook:
        return None
    from toolkit.coding.codebook import load_codebook

    codes = load_codebook(study.path(study.codebook)).codable
    if mode == "seeded":
        lists = [[w.lower() for w in (c.keywords or c.name.split())][:10] for c in codes]
        return [words for words in lists if words] or None
    return [f"{c.name}: {c.definition}".strip(": ") for c in codes] or None


def crosswalk(topics: pd.DataFrame, codings: pd.DataFrame) -> pd.DataFrame:
    """Where induction and deduction agree: overlap of each topic with each code.

    Columns: topic, code, n_segments (coded with the code and in the topic), topic_size,
    code_size, share_of_topic, share_of_code, jaccard. Only pairs that share a segment.
    """
    codes = codings[["seg_id", "code"]].drop_duplicates()
    joined = topics[topics["topic"] >= 0][["seg_id", "topic"]].merge(codes, on="seg_id")
    both = joined.groupby(["topic", "code"]).size().rename("n_segments").reset_index()
    topic_size = topics[topics["topic"] >= 0].groupby("topic").size().rename("topic_size")
    code_size = codes.groupby("code").size().rename("code_size")
    out = both.join(topic_size, on="topic").join(code_size, on="code")
    out["share_of_topic"] = out["n_segments"] / out["topic_size"]
    out["share_of_code"] = out["n_segments"] / out["code_size"]
    out["jaccard"] = out["n_segments"] / (out["topic_size"] + out["code_size"] - out["n_segments"])
    return out.sort_values(["topic", "jaccard"], ascending=[True, False]).reset_index(drop=True)


@contextlib.contextmanager
def plain_words(model):
    """c-TF-IDF words only: KeyBERT per class and per wave would re-embed words many times."""
    saved = model.representation_model
    model.representation_model = None
    try:
        yield model
    finally:
        model.representation_model = saved


def per_group(model, texts, topics, groups, pids, column: str) -> pd.DataFrame:
    """BERTopic's ``topics_per_class`` plus the number of people behind each cell."""
    with plain_words(model):
        frame = model.topics_per_class(texts, classes=list(groups), global_tuning=True)
    frame = frame.rename(
        columns={"Topic": "topic", "Words": "words", "Frequency": "n_segments", "Class": column}
    )
    people = (
        pd.DataFrame({"topic": topics, column: list(groups), "pid": list(pids)})
        .groupby(["topic", column])["pid"]
        .nunique()
        .rename("n_participants")
        .reset_index()
    )
    frame[column] = frame[column].astype(str)
    people[column] = people[column].astype(str)
    return frame.merge(people, on=["topic", column], how="left")


def topic_info_frame(
    fitted: FittedTopics, segments: pd.DataFrame, quotes: pd.DataFrame, npmi: dict[int, float]
) -> pd.DataFrame:
    rows = []
    topics = fitted.topics
    for topic in sorted(set(topics.tolist())):
        members = topics == topic
        keywords = fitted.keywords(topic) if topic >= 0 else []
        rows.append(
            {
                "topic": int(topic),
                "label": topic_label(keywords, topic),
                "size": int(members.sum()),
                "n_participants": int(segments["pid"][members].nunique()),
                "keywords": ", ".join(keywords),
                "exemplars": quotes.loc[quotes["topic"] == topic, "seg_id"].tolist(),
                "npmi": npmi.get(int(topic), float("nan")),
            }
        )
    return pd.DataFrame(rows)


def model_topics(
    segments: pd.DataFrame,
    embedder: Embedder,
    seed: int = 42,
    min_topic_size: int | None = None,
    guidance: str | None = None,
    guide_topics=None,
    progress: bool = False,
) -> tuple[FittedTopics, np.ndarray, dict]:
    """Embed (through the cache) and fit; returns the fit, the embeddings and timings."""
    texts = segments["text"].astype(str).tolist()
    timings = {}
    t0 = time.perf_counter()
    if hasattr(embedder, "fit"):  # TF-IDF learns its vocabulary from the whole study
        embedder.fit(texts)
    embeddings = embedder.encode(texts, progress=progress)
    timings["embed_seconds"] = round(time.perf_counter() - t0, 2)
    t0 = time.perf_counter()
    fitted = fit_topic_model(
        texts,
        embeddings,
        embedder,
        seed=seed,
        min_topic_size=min_topic_size,
        guidance=guidance,
        guide_topics=guide_topics,
    )
    timings["fit_seconds"] = round(time.perf_counter() - t0, 2)
    return fitted, embeddings, timings


def save_model(fitted: FittedTopics, folder: Path, topic_info: pd.DataFrame) -> None:
    """BERTopic's safetensors format without the embedding model, plus topic_info.csv."""
    import shutil
    import tempfile

    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".topics-", dir=folder.parent))
    try:
        fitted.model.save(
            str(staging), serialization="safetensors", save_ctfidf=True, save_embedding_model=False
        )
        topic_info.assign(exemplars=topic_info["exemplars"].map("; ".join)).to_csv(
            staging / "topic_info.csv", index=False
        )
        if folder.exists():
            shutil.rmtree(folder)
        staging.rename(folder)
    finally:
        if staging.exists():
            shutil.rmtree(staging)


def write_empty_tables(out: StudyOutputs) -> None:
    """The topic tables with their columns and no rows (later stages read them as usual)."""
    out.write(
        "topics",
        pd.DataFrame(
            {
                "seg_id": pd.Series(dtype=str),
                "topic": pd.Series(dtype=int),
                "probability": pd.Series(dtype=float),
                "assigned_by": pd.Series(dtype=str),
            }
        ),
    )
    out.write(
        "topic_info",
        pd.DataFrame(
            {
                "topic": pd.Series(dtype=int),
                "label": pd.Series(dtype=str),
                "size": pd.Series(dtype=int),
                "keywords": pd.Series(dtype=str),
                "stable": pd.Series(dtype=bool),
            }
        ),
    )


def run_stage(ctx) -> dict:
    """Stage ``topics``: fit once on every segment of the study and write the topic tables."""
    from toolkit.privacy.disclosure import DisclosureRule, publish_csv

    out: StudyOutputs = ctx.outputs
    study = ctx.study
    settings = study.topics
    segments = out.read("segments").reset_index(drop=True)
    seed = settings.seed
    n_distinct = segments["text"].nunique()
    if n_distinct < MIN_SEGMENTS:
        # A pilot or a tiny study: say so and leave empty tables, rather than stop the run.
        reason = (
            f"only {n_distinct} different segments of text; topic modelling needs at least "
            f"{MIN_SEGMENTS}"
        )
        write_empty_tables(out)
        ctx.notes["topics"] = {"skipped": reason}
        return {"topics": 0, "skipped": reason}
    embedder = get_embedder(settings.embedding, cache_dir=stage_cache_dir(out), seed=seed)
    guidance = "seeded" if settings.guided_by_codebook else None
    guide_topics = codebook_guidance(study, guidance) if guidance else None
    if guide_topics is None:
        guidance = None
    fitted, embeddings, timings = model_topics(
        segments,
        embedder,
        seed=seed,
        min_topic_size=settings.min_topic_size,
        guidance=guidance,
        guide_topics=guide_topics,
        progress=ctx.progress,
    )
    texts = segments["text"].astype(str).tolist()
    rule = DisclosureRule.from_study(study)

    t0 = time.perf_counter()
    stability, runs = topic_stability(
        fitted,
        texts,
        embeddings,
        embedder,
        runs=settings.stability_runs,
        progress=ctx.progress,
        guide_topics=guide_topics,
    )
    timings["stability_seconds"] = round(time.perf_counter() - t0, 2)

    consenting = None
    if out.has("participants"):
        people = out.read("participants")
        if "consent_quotes" in people.columns:
            consenting = set(people.loc[people["consent_quotes"].astype(bool), "pid"])
    quotes = topic_quotes(segments, fitted.topics, embeddings, rule, consenting)

    top_words = {t: fitted.keywords(t) for t in fitted.topic_ids}
    npmi = dict(zip(top_words, npmi_per_topic(list(top_words.values()), texts), strict=True))
    info = topic_info_frame(fitted, segments, quotes, npmi)
    info = info.merge(stability, on="topic", how="left")
    info["stable"] = info["stable"].fillna(False).astype(bool)

    quality = quality_summary(list(top_words.values()), texts, fitted.topics)
    quality.update(
        embedding=embedder.identity,
        n_segments=len(segments),
        outlier_share_before_reduction=round(fitted.outlier_share_before, 4),
        stability_runs=int(settings.stability_runs),
        mean_adjusted_rand_index=round(float(runs["adjusted_rand_index"].mean()), 4)
        if len(runs)
        else None,
        stable_topic_share=round(float(stability["stable"].mean()), 4) if len(stability) else None,
        seed=seed,
        guidance=guidance or "none",
        **{f"param_{k}": str(v) for k, v in fitted.parameters.as_dict().items()},
    )

    topics = topic_frame(fitted, segments["seg_id"])
    out.write("topics", topics)
    out.write("topic_info", info)
    out.write("topic_quotes", quotes)
    out.write("topic_stability_runs", runs)
    out.write("topic_quality", pd.DataFrame([quality]))

    by_cohort = per_group(
        fitted.model, texts, fitted.topics, segments["cohort"], segments["pid"], "cohort"
    )
    by_wave = per_group(
        fitted.model, texts, fitted.topics, segments["wave"], segments["pid"], "wave"
    )
    out.write("topics_per_cohort", by_cohort)
    out.write("topics_per_wave", by_wave)
    months = {w.name: w.month for w in study.waves}
    if segments["wave"].map(months).notna().all() and segments["wave"].nunique() > 1:
        with plain_words(fitted.model):
            over_time = fitted.model.topics_over_time(
                texts,
                segments["wave"].map(months).astype(int).tolist(),
                global_tuning=True,
                evolution_tuning=False,
            )
        out.write(
            "topics_over_time", over_time.assign(Timestamp=over_time["Timestamp"].astype(str))
        )
    publish_csv(
        by_cohort[["topic", "cohort", "n_participants"]],
        out.tables / "topics_per_cohort.csv",
        rule,
        ["n_participants"],
    )
    if out.has("codings"):
        cross = crosswalk(topics, out.read("codings"))
        out.write("topic_code_crosswalk", cross)
    save_model(fitted, out.models / "topics", info)
    from toolkit.topics.figures import plot_topic_quality

    plot_topic_quality(info, quality, out.figures / "topics_quality.png")
    ctx.notes["topics"] = {"quality": quality, "timings": timings}
    return {
        "topics": int(len(fitted.topic_ids)),
        "outlier_share": quality["outlier_share"],
        "npmi": quality["npmi"],
        "diversity": quality["diversity"],
        "stable_topics": int(stability["stable"].sum()) if len(stability) else 0,
        "embedding": embedder.identity,
        **timings,
    }

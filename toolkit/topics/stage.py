"""Stage ``topics``: inductive themes with BERTopic, fitted once on the whole study.

Reads ``segments`` (redacted text) and, if present, ``codings`` and ``participants``; writes

========================= =====================================================================
``topics``                seg_id, topic (-1 = not grouped), probability, assigned_by,
                          topic_before_merge (the topic before people's merges)
``topic_info``            topic, label, size, n_participants, keywords, exemplars (seg_ids of
                          the quotes), stable, matched_similarity, presence, member_overlap, npmi,
                          auto_label, named, hidden, n_filler, mostly_code
``topic_quotes``          topic, rank, seg_id, pid, text: quotes safe to show (topic_quotes.py)
``topic_stability_runs``  one row per refit: seed, n_topics, outlier_share, adjusted_rand_index
``topic_quality``         one row: embedding, n_segments, n_topics, npmi, diversity, outlier
                          shares before/after reduction (of modelled segments), filler_share,
                          mean ARI, share of stable topics
``topic_code_crosswalk``  topic x code: segments with both, Jaccard, share of topic / of code
``topics_per_cohort``     topic, topic_label, cohort, n_segments, n_participants
``topics_per_wave``       the same by wave; ``topics_over_time``: the same with the wave's month
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

import logging
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from toolkit.embeddings.backends import Embedder, get_embedder
from toolkit.embeddings.base import study_cache_dir as stage_cache_dir
from toolkit.errors import SMALL_CORPUS_NOTE, TOO_LITTLE_TEXT, TOPIC_MERGE_NOT_FOUND
from toolkit.study.tables import StudyOutputs
from toolkit.topics.filler import filler_mask
from toolkit.topics.labels import label_topics
from toolkit.topics.model import (
    MIN_SEGMENTS,
    NOT_GROUPED,
    SMALL_CORPUS,
    FittedTopics,
    fit_topic_model,
    topic_frame,
)
from toolkit.topics.names import apply_names, carry_numbers, label_column, merge_map
from toolkit.topics.quality import npmi_per_topic, quality_summary
from toolkit.topics.quotes import topic_quotes
from toolkit.topics.stability import topic_stability

log = logging.getLogger(__name__)
MOSTLY_CODE_SHARE = 0.6


def codebook_guidance(study, mode: str) -> list | None:
    """Seed-word lists (``seeded``) or one description per code (``zeroshot``)."""
    if not study.codebook:
        return None
    from toolkit.coding.codebook import load_study_codebook

    codes = load_study_codebook(study).codable
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


def mostly_code(cross: pd.DataFrame | None, share: float = MOSTLY_CODE_SHARE) -> pd.DataFrame:
    """topic -> ``mostly_code``: the code given to at least ``share`` of its segments, if any.

    A hint for the people naming topics ("79% of this topic was coded interviews_offers"),
    not a label: on the example study few topics overlap one code that clearly.
    """
    empty = pd.DataFrame({"topic": pd.Series(dtype=int), "mostly_code": pd.Series(dtype=str)})
    if cross is None or cross.empty:
        return empty.assign(mostly_code_share=pd.Series(dtype=float))
    best = cross.sort_values("share_of_topic", ascending=False).drop_duplicates("topic")
    best = best[best["share_of_topic"] >= share]
    return pd.DataFrame(
        {
            "topic": best["topic"].astype(int),
            "mostly_code": best["code"].astype(str),
            "mostly_code_share": best["share_of_topic"].round(4),
        }
    )


def code_names(cross: pd.DataFrame | None, study, share: float = MOSTLY_CODE_SHARE) -> dict:
    """Topic -> the name of the codebook code it clearly is (given to ``share`` of it).

    People already know their codebook's names ("Transport and travel"), so a topic that is
    mostly one code is called by it rather than by a phrase. When several topics are mostly
    the same code, only the one it covers most takes the name, so names stay distinct.
    """
    hints = mostly_code(cross, share)
    if hints.empty or not study.codebook:
        return {}
    from toolkit.coding.codebook import load_study_codebook

    names = {c.id: c.name for c in load_study_codebook(study).codes}
    best = hints.sort_values("mostly_code_share", ascending=False).drop_duplicates("mostly_code")
    return {
        int(t): names[c]
        for t, c in zip(best["topic"], best["mostly_code"], strict=True)
        if c in names
    }


def per_group(topics, groups, pids, column: str, info: pd.DataFrame) -> pd.DataFrame:
    """Segments and people per topic and group (cohort or wave), with the topic's name."""
    frame = pd.DataFrame({"topic": topics, column: [str(g) for g in groups], "pid": list(pids)})
    out = (
        frame.groupby(["topic", column])
        .agg(n_segments=("pid", "size"), n_participants=("pid", "nunique"))
        .reset_index()
    )
    out.insert(1, "topic_label", label_column(out["topic"], info))
    return out


def topic_info_frame(
    topics: np.ndarray,
    labels: dict,
    segments: pd.DataFrame,
    quotes: pd.DataFrame,
    npmi: dict[int, float],
    filler: np.ndarray,
) -> pd.DataFrame:
    """One row per topic; -1 = segments not grouped (its ``filler`` column counts fillers)."""
    rows = []
    for topic in sorted(set(topics.tolist())):
        members = topics == topic
        found = labels.get(int(topic))
        rows.append(
            {
                "topic": int(topic),
                "label": found.label if found else NOT_GROUPED,
                "label_source": found.source if found else "",
                "size": int(members.sum()),
                "n_participants": int(segments["pid"][members].nunique()),
                "keywords": ", ".join(found.keywords) if found else "",
                "label_coverage": found.coverage if found else float("nan"),
                "exemplars": quotes.loc[quotes["topic"] == topic, "seg_id"].tolist(),
                "npmi": npmi.get(int(topic), float("nan")),
                "n_filler": int((members & filler).sum()),
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
    spoken = spoken_mask(segments)
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
        spoken=spoken,
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
        # BERTopic warns that no embedding model is saved: leaving it out is deliberate (the
        # toolkit's verified MiniLM is used again), so the warning would only alarm users.
        logging.getLogger("BERTopic").setLevel(logging.ERROR)
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


# Columns (and types) of the topic tables a study too small for topics still gets.
EMPTY_TABLES = {
    "topics": {"seg_id": str, "topic": int, "probability": float, "assigned_by": str},
    "topic_info": {"topic": int, "label": str, "size": int, "keywords": str, "stable": bool},
}


def write_empty_tables(out: StudyOutputs) -> None:
    """The topic tables with their columns and no rows (later stages read them as usual)."""
    for name, columns in EMPTY_TABLES.items():
        out.write(name, pd.DataFrame({c: pd.Series(dtype=t) for c, t in columns.items()}))


def spoken_mask(segments: pd.DataFrame) -> np.ndarray:
    """Which segments are interview turns (``source`` "interview"); without a ``source``
    column (``lxt topics`` input: answers and comments), none are."""
    if "source" not in segments.columns:
        return np.zeros(len(segments), dtype=bool)
    return segments["source"].astype(str).eq("interview").to_numpy()


def skip_reason(texts: list[str], spoken=False) -> str | None:
    """Why a study is too small for topic modelling, or None."""
    mask = filler_mask(texts, spoken)
    content = {t for t, filler in zip(texts, mask, strict=True) if not filler}
    if len(content) >= MIN_SEGMENTS:
        return None
    return TOO_LITTLE_TEXT.format(found=len(content), needed=MIN_SEGMENTS)


def consenting_people(out: StudyOutputs) -> set | None:
    """pids who agreed to be quoted, or None when the study does not record consent."""
    if not out.has("participants"):
        return None
    people = out.read("participants")
    if "consent_quotes" not in people.columns:
        return None
    return set(people.loc[people["consent_quotes"].astype(bool), "pid"])


def final_topics(fitted: FittedTopics, segments: pd.DataFrame, texts, names: dict, previous):
    """Topic numbers carried from the previous run, people's merges applied, labels to match.

    Returns (topics, unmerged, labels, numbers, notes): ``unmerged`` is each segment's topic
    before people's merges (kept in the ``topics`` table as ``topic_before_merge``, so the
    next run matches topics as the model found them and applies the same merges again);
    ``numbers`` maps the model's topic numbers to the numbers shown.
    """
    if previous is not None and "topic_before_merge" in previous.columns:
        previous = previous[["seg_id", "topic_before_merge"]].rename(
            columns={"topic_before_merge": "topic"}
        )
    numbers = carry_numbers(segments["seg_id"], fitted.topics, previous)
    topics = np.array([numbers.get(int(t), -1) for t in fitted.topics], dtype=int)
    unmerged = topics.copy()
    merges = merge_map(names)
    present = set(topics.tolist())
    notes = [
        TOPIC_MERGE_NOT_FOUND.format(source=src, target=dst)
        for src, dst in merges.items()
        if src in present and dst not in present
    ]
    merges = {src: dst for src, dst in merges.items() if src in present and dst in present}
    if merges:
        topics = np.array([merges.get(int(t), int(t)) for t in topics], dtype=int)
        labels = label_topics(list(texts), topics)
    else:
        labels = {numbers[t]: replace(lab, topic=numbers[t]) for t, lab in fitted.labels.items()}
    return topics, unmerged, labels, numbers, notes


def quality_row(fitted, topics, labels, texts, stability, runs, embedder, seed, guidance):
    """The one-row ``topic_quality`` table: coherence, diversity, outliers, fillers, stability."""
    ids = sorted(labels)
    words = [labels[t].keywords for t in ids]
    quality = quality_summary(words, texts, topics)
    # Outliers are counted among the segments that were modelled: fillers are reported apart.
    quality.update(
        outlier_share=round(fitted.outlier_share, 4),
        embedding=embedder.identity,
        n_segments=len(texts),
        filler_share=round(fitted.filler_share, 4),
        outlier_share_before_reduction=round(fitted.outlier_share_before, 4),
        stability_runs=int(len(runs)),
        mean_adjusted_rand_index=round(float(runs["adjusted_rand_index"].mean()), 4)
        if len(runs)
        else None,
        stable_topic_share=round(float(stability["stable"].mean()), 4) if len(stability) else None,
        seed=seed,
        guidance=guidance or "none",
        **{f"param_{k}": str(v) for k, v in fitted.parameters.as_dict().items()},
    )
    return quality


def write_group_tables(out: StudyOutputs, study, topics, segments, info, rule) -> None:
    """Topics per cohort and per wave (and over time), each row with the topic's name."""
    from toolkit.privacy.disclosure import publish_csv

    shown = info.loc[~info["hidden"], "topic"] if "hidden" in info.columns else info["topic"]
    by_cohort = per_group(topics, segments["cohort"], segments["pid"], "cohort", info)
    by_wave = per_group(topics, segments["wave"], segments["pid"], "wave", info)
    out.write("topics_per_cohort", by_cohort)
    out.write("topics_per_wave", by_wave)
    months = {w.name: w.month for w in study.waves}
    if by_wave["wave"].map(months).notna().all() and by_wave["wave"].nunique() > 1:
        out.write("topics_over_time", by_wave.assign(month=by_wave["wave"].map(months)))
    publish_csv(
        by_cohort.loc[
            by_cohort["topic"].isin(shown), ["topic", "topic_label", "cohort", "n_participants"]
        ],
        out.tables / "topics_per_cohort.csv",
        rule,
        ["n_participants"],
    )


def fit_and_refit(ctx, segments: pd.DataFrame, embedder: Embedder):
    """Fit the study's topics, then refit with other seeds to see which topics come back.

    Returns (fitted, embeddings, timings, stability per topic, one row per refit).
    """
    study, settings = ctx.study, ctx.study.topics
    guide_topics = codebook_guidance(study, "seeded") if settings.guided_by_codebook else None
    fitted, embeddings, timings = model_topics(
        segments,
        embedder,
        seed=settings.seed,
        min_topic_size=settings.min_topic_size,
        guidance="seeded" if guide_topics else None,
        guide_topics=guide_topics,
        progress=ctx.progress,
    )
    t0 = time.perf_counter()
    stability, runs = topic_stability(
        fitted,
        segments["text"].astype(str).tolist(),
        embeddings,
        embedder,
        runs=settings.stability_runs,
        progress=ctx.progress,
        guide_topics=guide_topics,
    )
    timings["stability_seconds"] = round(time.perf_counter() - t0, 2)
    return fitted, embeddings, timings, stability, runs


def run_stage(ctx) -> dict:
    """Stage ``topics``: fit once on every segment of the study and write the topic tables."""
    from toolkit.privacy.disclosure import DisclosureRule
    from toolkit.topics.figures import plot_topic_quality

    out: StudyOutputs = ctx.outputs
    study, settings = ctx.study, ctx.study.topics
    segments = out.read("segments").reset_index(drop=True)
    texts = segments["text"].astype(str).tolist()
    reason = skip_reason(texts, spoken_mask(segments))
    if reason:
        # A pilot or a tiny study: say so and leave empty tables, rather than stop the run.
        write_empty_tables(out)
        ctx.notes["topics"] = {"skipped": reason}
        return {"topics": 0, "skipped": reason}
    embedder = get_embedder(settings.embedding, cache_dir=stage_cache_dir(out), seed=settings.seed)
    fitted, embeddings, timings, stability, runs = fit_and_refit(ctx, segments, embedder)
    guidance = fitted.guidance
    previous = out.read("topics") if out.has("topics") else None
    topics, unmerged, labels, numbers, notes = final_topics(
        fitted, segments, texts, settings.names, previous
    )
    stability = stability.assign(topic=stability["topic"].map(numbers))
    stability = stability[stability["topic"].isin(labels)]
    table = topic_frame(fitted, segments["seg_id"]).assign(
        topic=topics, topic_before_merge=unmerged
    )
    cross = crosswalk(table, out.read("codings")) if out.has("codings") else None
    named_by_code = code_names(cross, study)
    if named_by_code:
        labels = label_topics(texts, topics, fixed=named_by_code)
    rule = DisclosureRule.from_study(study)
    quotes = topic_quotes(segments, topics, embeddings, rule, consenting_people(out))
    ids = sorted(labels)
    npmi = dict(zip(ids, npmi_per_topic([labels[t].keywords for t in ids], texts), strict=True))
    filler = fitted.assigned_by == "filler"
    info = topic_info_frame(topics, labels, segments, quotes, npmi, filler)
    info = info.merge(stability, on="topic", how="left")
    info["stable"] = info["stable"].fillna(False).astype(bool)
    info, name_notes = apply_names(info, settings.names)
    quality = quality_row(
        fitted, topics, labels, texts, stability, runs, embedder, settings.seed, guidance
    )
    info = info.merge(mostly_code(cross), on="topic", how="left")
    for name, frame in [
        ("topics", table),
        ("topic_info", info),
        ("topic_quotes", quotes),
        ("topic_stability_runs", runs),
        ("topic_quality", pd.DataFrame([quality])),
    ]:
        out.write(name, frame)
    write_group_tables(out, study, topics, segments, info, rule)
    if cross is not None:
        out.write("topic_code_crosswalk", cross)
    save_model(fitted, out.models / "topics", info)
    plot_topic_quality(info, quality, out.figures / "topics_quality.png")
    notes += name_notes
    if len(set(texts)) < SMALL_CORPUS:
        notes.append(SMALL_CORPUS_NOTE)
    for note in notes:
        log.warning(note)
    ctx.notes["topics"] = {"quality": quality, "timings": timings, "notes": notes}
    return {
        "topics": len(ids),
        "outlier_share": quality["outlier_share"],
        "filler_share": quality["filler_share"],
        "npmi": quality["npmi"],
        "diversity": quality["diversity"],
        "stable_topics": int(stability["stable"].sum()) if len(stability) else 0,
        "embedding": embedder.identity,
        **timings,
    }

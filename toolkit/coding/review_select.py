"""Which segments a reviewer sees next, and in what order.

By default the ones the learned classifiers are least sure about
(:func:`toolkit.coding.classifiers.rank_for_review`), once people have made enough decisions to
train them; before that, the segments with the highest-scoring suggestions. Segments a
reviewer has already decided on are skipped; other reviewers' decisions are not, so a second
reviewer is offered the same segments (the input to agreement).

Review time is spent once per distinct text: segments with identical text (ignoring capitals,
spacing and curly quotes: "Yes." said by forty people) appear once, and the decision on that
row is applied to every identical segment (:func:`same_text_groups`). Batches mix codes and
cohorts: the ranked segments are dealt out in turn from each (cohort, suggested code) group,
so a workbook is not forty rows of one code from one place.

Example
-------
>>> import pandas as pd
>>> segs = pd.DataFrame({"seg_id": ["a", "b", "c"]})
>>> sugg = pd.DataFrame({"seg_id": ["b", "c"], "score": [0.4, 0.9]})
>>> rank_segments(segs, sugg)
['c', 'b', 'a']
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from toolkit.coding.classifiers import (
    MIN_NEGATIVES,
    MIN_POSITIVES,
    learn_from_decisions,
    rank_for_review,
    training_labels,
)
from toolkit.coding.codebook import Codebook
from toolkit.coding.decisions import current_decisions
from toolkit.embeddings.backends import make_embedder
from toolkit.study.config import Study

MACHINE_SOURCES = ("rule", "model")


def machine_suggestions(codings: pd.DataFrame, codable_ids: list[str]) -> pd.DataFrame:
    """Machine (rule or model) suggestions on codes still in the codebook, best first."""
    machine = codings.loc[codings["source"].astype(str).isin(MACHINE_SOURCES)].copy()
    machine = machine.loc[machine["code"].isin(codable_ids)]
    machine["score"] = pd.to_numeric(machine["score"], errors="coerce").fillna(0.0)
    machine = machine.sort_values(["seg_id", "score", "code"], ascending=[True, False, True])
    return machine.drop_duplicates(["seg_id", "code"])


def learned_ranking(
    study: Study,
    segments: pd.DataFrame,
    decisions: pd.DataFrame,
    codebook: Codebook,
    cache_dir: Path | None = None,
) -> list[str] | None:
    """Segment ids, most uncertain first, from classifiers trained on people's decisions.

    ``cache_dir``: the study's embedding cache (:func:`toolkit.embeddings.base.study_cache_dir`).

    ``None`` when no code has enough decisions yet (then the caller falls back to ranking by
    suggestion score).
    """
    if decisions.empty:
        return None
    # Loading an embedding model takes seconds: only do it if some code can be trained.
    labels = training_labels(decisions, codebook.codable_ids)
    counts = labels.groupby("code")["label"].agg(["sum", "count"])
    if not (
        (counts["sum"] >= MIN_POSITIVES) & (counts["count"] - counts["sum"] >= MIN_NEGATIVES)
    ).any():
        return None
    embedder = make_embedder(study.topics.embedding, seed=study.seed, cache_dir=cache_dir)
    learned = learn_from_decisions(decisions, segments, codebook, embedder, seed=study.seed)
    if not learned.models or learned.vectors is None:
        return None
    proba = learned.predict_proba(learned.vectors)
    decided = current_decisions(decisions)[["seg_id", "code"]]
    ranked = rank_for_review(
        proba, segments["seg_id"].to_numpy(), decided=decided, thresholds=learned.thresholds()
    )
    return ranked.drop_duplicates("seg_id")["seg_id"].tolist()


def normal_text(text: object) -> str:
    """The form of a text used to find identical ones: case, spacing and quotes ignored.

    >>> normal_text("  It’s  FINE. ") == normal_text("it's fine.")
    True
    """
    value = str(text).replace("\u2019", "'").replace("\u2018", "'")
    value = value.replace("\u201c", '"').replace("\u201d", '"')
    return " ".join(value.casefold().split())


def same_text_groups(segments: pd.DataFrame) -> dict[str, list[str]]:
    """For each seg_id, the seg_ids of every segment with identical text (itself included)."""
    keys = segments["text"].map(normal_text)
    groups = segments.groupby(keys, sort=False)["seg_id"].agg(lambda s: list(dict.fromkeys(s)))
    return {seg: groups[key] for seg, key in zip(segments["seg_id"], keys, strict=True)}


def mix_groups(ranked: list[str], keys: dict[str, tuple]) -> list[str]:
    """Deal ``ranked`` out in turn from each group (by ``keys``), groups in order of their best.

    >>> mix_groups(["a1", "a2", "a3", "b1", "c1"], {"a1": "a", "a2": "a", "a3": "a",
    ...                                             "b1": "b", "c1": "c"})
    ['a1', 'b1', 'c1', 'a2', 'a3']
    """
    queues: dict[tuple, list[str]] = {}
    for seg in ranked:
        queues.setdefault(keys.get(seg), []).append(seg)
    out: list[str] = []
    while queues:
        for key in list(queues):
            out.append(queues[key].pop(0))
            if not queues[key]:
                del queues[key]
    return out


def rank_segments(segments: pd.DataFrame, suggestions: pd.DataFrame) -> list[str]:
    """Segment ids by their best suggestion's score (highest first), then unsuggested ones."""
    best = suggestions.groupby("seg_id")["score"].max()
    order = segments[["seg_id"]].assign(best=segments["seg_id"].map(best).fillna(-1.0))
    order = order.sort_values(["best", "seg_id"], ascending=[False, True], kind="stable")
    return order["seg_id"].tolist()


def select_segments(
    segments: pd.DataFrame,
    codings: pd.DataFrame,
    codebook: Codebook,
    *,
    n: int,
    reviewer: str,
    decisions: pd.DataFrame | None = None,
    cohorts: list[str] | None = None,
    learned_order: list[str] | None = None,
) -> list[str]:
    """Pick up to ``n`` segments for ``reviewer``: not yet decided by them, best ranked first.

    ``learned_order`` (from :func:`learned_ranking`) comes first when given; the remaining
    segments follow by their best suggestion's score. Identical texts are offered once, and
    the ranked segments are dealt out in turn from each (cohort, top suggested code) group.
    Other reviewers' decisions do not remove a segment, so a second reviewer is offered the
    same segments as the first.
    """
    pool = segments
    if cohorts:
        pool = pool.loc[pool["cohort"].isin(cohorts)]
    if decisions is not None and not decisions.empty:
        done = set(current_decisions(decisions).query("reviewer == @reviewer")["seg_id"])
        pool = pool.loc[~pool["seg_id"].isin(done)]
    suggestions = machine_suggestions(codings, codebook.codable_ids)
    ranked = list(learned_order or [])
    ranked += rank_segments(pool, suggestions)
    allowed = set(pool["seg_id"])
    ranked = list(dict.fromkeys(s for s in ranked if s in allowed))
    # One row per distinct text: the best-ranked segment stands for its identical twins.
    text_of = dict(zip(pool["seg_id"], pool["text"].map(normal_text), strict=True))
    seen: set[str] = set()
    distinct = []
    for seg in ranked:
        if text_of[seg] not in seen:
            seen.add(text_of[seg])
            distinct.append(seg)
    top_code = suggestions.drop_duplicates("seg_id").set_index("seg_id")["code"]
    cohort = pool.set_index("seg_id")["cohort"] if "cohort" in pool else None
    keys = {
        seg: (
            None if cohort is None else cohort.get(seg),
            top_code.get(seg),
        )
        for seg in distinct
    }
    return mix_groups(distinct, keys)[:n]

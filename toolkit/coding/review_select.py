"""Which segments a reviewer sees next, and in what order.

By default the ones the learned classifiers are least sure about
(:func:`toolkit.coding.classifiers.rank_for_review`), once people have made enough decisions to
train
them; before that, the segments with the highest-scoring suggestions. Segments a reviewer has
already decided on are skipped; other reviewers' decisions are not, so a second reviewer is
offered the same segments (the input to agreement).

Example
-------
>>> import pandas as pd
>>> segs = pd.DataFrame({"seg_id": ["a", "b", "c"]})
>>> sugg = pd.DataFrame({"seg_id": ["b", "c"], "score": [0.4, 0.9]})
>>> rank_segments(segs, sugg)
['c', 'b', 'a']
"""

from __future__ import annotations

import pandas as pd

from toolkit.coding.codebook import Codebook
from toolkit.coding.decisions import current_decisions
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
    study: Study, segments: pd.DataFrame, decisions: pd.DataFrame, codebook: Codebook
) -> list[str] | None:
    """Segment ids, most uncertain first, from classifiers trained on people's decisions.

    ``None`` when the learning module is missing or no code has enough decisions yet (then the
    caller falls back to ranking by suggestion score).
    """
    try:
        from toolkit.coding.classifiers import (
            MIN_NEGATIVES,
            MIN_POSITIVES,
            learn_from_decisions,
            rank_for_review,
            training_labels,
        )
        from toolkit.coding.suggest import make_embedder
    except ImportError:
        return None
    if decisions.empty:
        return None
    # Loading an embedding model takes seconds: only do it if some code can be trained.
    labels = training_labels(decisions, codebook.codable_ids)
    counts = labels.groupby("code")["label"].agg(["sum", "count"])
    if not (
        (counts["sum"] >= MIN_POSITIVES) & (counts["count"] - counts["sum"] >= MIN_NEGATIVES)
    ).any():
        return None
    embedder = make_embedder(study.topics.embedding, seed=study.seed)
    learned = learn_from_decisions(decisions, segments, codebook, embedder, seed=study.seed)
    if not learned.models or learned.vectors is None:
        return None
    proba = learned.predict_proba(learned.vectors)
    decided = current_decisions(decisions)[["seg_id", "code"]]
    ranked = rank_for_review(
        proba, segments["seg_id"].to_numpy(), decided=decided, thresholds=learned.thresholds()
    )
    return ranked.drop_duplicates("seg_id")["seg_id"].tolist()


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
    segments follow by their best suggestion's score. Other reviewers' decisions do not remove
    a segment, so a second reviewer is offered the same segments as the first.
    """
    pool = segments
    if cohorts:
        pool = pool.loc[pool["cohort"].isin(cohorts)]
    if decisions is not None and not decisions.empty:
        done = set(current_decisions(decisions).query("reviewer == @reviewer")["seg_id"])
        pool = pool.loc[~pool["seg_id"].isin(done)]
    ranked = list(learned_order or [])
    ranked += rank_segments(pool, machine_suggestions(codings, codebook.codable_ids))
    allowed = set(pool["seg_id"])
    return list(dict.fromkeys(s for s in ranked if s in allowed))[:n]

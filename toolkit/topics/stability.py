"""Would this theme appear again with another seed? Refit, match, and measure.

The reference fit is refitted with ``k`` other seeds on the same embeddings. Each refit's
topics are matched one-to-one to the reference topics by the Hungarian algorithm on the cosine
similarity of their c-TF-IDF vectors, computed over one shared vocabulary (the reference
model's). Per reference topic we report:

* ``matched_similarity``: mean c-TF-IDF cosine of its match over the refits (0 if unmatched);
* ``presence``: share of refits in which it has a match at least ``SIMILARITY_FLOOR`` similar;
* ``member_overlap``: mean Jaccard overlap of its segments with its match's segments;

and per refit the adjusted Rand index (ARI) of all segments' assignments against the
reference. A topic is **stable** when ``presence >= 0.8``: it came back in at least four of
five re-runs. Reports flag the others as "treat with caution".

It refits the topic model ``runs`` times, so the example is shown rather than run
(``tests/test_topics.py`` checks the tables on the example study)::

    table, runs = topic_stability(fitted, texts, embeddings, embedder, runs=5)
    table.loc[table["presence"] < 0.8, "topic"]     # topics to treat with caution
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment
from sklearn.metrics import adjusted_rand_score

SIMILARITY_FLOOR = 0.5
STABLE_PRESENCE = 0.8


def class_tfidf(counts, topics: np.ndarray, topic_ids: list[int]) -> np.ndarray:
    """Row-normalised c-TF-IDF (BERTopic's formula) of each topic over a shared vocabulary."""
    rows = []
    for t in topic_ids:
        rows.append(np.asarray(counts[topics == t].sum(axis=0)).ravel())
    tf = np.vstack(rows).astype(float) if rows else np.zeros((0, counts.shape[1]))
    if len(tf) == 0:
        return tf
    avg_words = tf.sum() / len(tf)
    idf = np.log(1 + avg_words / np.maximum(tf.sum(axis=0), 1))
    weighted = (tf / np.maximum(tf.sum(axis=1, keepdims=True), 1)) * idf
    norms = np.linalg.norm(weighted, axis=1, keepdims=True)
    return weighted / np.where(norms == 0, 1, norms)


def match_topics(
    reference: np.ndarray, other: np.ndarray, counts
) -> tuple[dict[int, int], dict[int, float]]:
    """Hungarian matching of ``other``'s topics to ``reference``'s; returns match and cosine."""
    ref_ids = sorted(int(t) for t in set(reference.tolist()) if t >= 0)
    other_ids = sorted(int(t) for t in set(other.tolist()) if t >= 0)
    if not ref_ids or not other_ids:
        return {}, {}
    sim = class_tfidf(counts, reference, ref_ids) @ class_tfidf(counts, other, other_ids).T
    rows, cols = linear_sum_assignment(-sim)
    match = {ref_ids[r]: other_ids[c] for r, c in zip(rows, cols, strict=True)}
    cosine = {ref_ids[r]: float(sim[r, c]) for r, c in zip(rows, cols, strict=True)}
    return match, cosine


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    union = np.logical_or(a, b).sum()
    return float(np.logical_and(a, b).sum() / union) if union else 0.0


def compare_runs(
    reference: np.ndarray, refits: list[np.ndarray], counts
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-topic stability table and per-run table from assignments (pure function, tested)."""
    ref_ids = sorted(int(t) for t in set(reference.tolist()) if t >= 0)
    sims = {t: [] for t in ref_ids}
    overlaps = {t: [] for t in ref_ids}
    run_rows = []
    for i, other in enumerate(refits):
        match, cosine = match_topics(reference, other, counts)
        for t in ref_ids:
            s = cosine.get(t, 0.0)
            sims[t].append(s)
            overlaps[t].append(jaccard(reference == t, other == match[t]) if t in match else 0.0)
        run_rows.append(
            {
                "run": i + 1,
                "n_topics": len({int(x) for x in other.tolist() if x >= 0}),
                "outlier_share": float(np.mean(other == -1)),
                "adjusted_rand_index": float(adjusted_rand_score(reference, other)),
            }
        )
    rows = []
    for t in ref_ids:
        s = np.array(sims[t]) if sims[t] else np.zeros(0)
        presence = float(np.mean(s >= SIMILARITY_FLOOR)) if len(s) else float("nan")
        rows.append(
            {
                "topic": t,
                "matched_similarity": float(s.mean()) if len(s) else float("nan"),
                "presence": presence,
                "member_overlap": float(np.mean(overlaps[t])) if overlaps[t] else float("nan"),
                "stable": bool(presence >= STABLE_PRESENCE) if len(s) else False,
            }
        )
    return pd.DataFrame(rows), pd.DataFrame(run_rows)


def topic_stability(
    fitted,
    texts: list[str],
    embeddings: np.ndarray,
    embedder,
    runs: int = 5,
    progress: bool = False,
    guide_topics=None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Refit with ``runs`` other seeds and compare each refit with ``fitted``.

    Refits use the same embeddings, parameters, guidance and outlier reduction, but skip the
    phrase labels (matching uses c-TF-IDF). Seeds are ``fitted.seed + 1 ... + runs``.
    """
    from toolkit.topics.model import fit_topic_model

    counts = fitted.model.vectorizer_model.transform(texts)
    seeds = [fitted.seed + i for i in range(1, runs + 1)]
    iterator = seeds
    if progress:
        from tqdm import tqdm

        iterator = tqdm(seeds, desc="Stability refits", unit="fit")
    refits = []
    for seed in iterator:
        refit = fit_topic_model(
            texts,
            embeddings,
            embedder,
            seed=seed,
            min_topic_size=fitted.parameters.min_topic_size,
            represent=False,
            guidance=fitted.guidance,
            guide_topics=guide_topics,
            spoken=fitted.spoken,
        )
        refits.append(refit.topics)
    table, run_table = compare_runs(fitted.topics, refits, counts)
    run_table.insert(1, "seed", seeds)
    return table, run_table

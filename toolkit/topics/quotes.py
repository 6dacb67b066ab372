"""Representative quotes for each topic: redacted, diverse, and safe to show.

A topic gets quotes only if its segments come from at least the disclosure threshold of
distinct participants (``DisclosureRule.quote_allowed``): a quote from a theme raised by three
people could point to them. Quotes are then chosen by maximal marginal relevance (MMR): each
next quote is close to the topic's centre but unlike the quotes already chosen, so the set
shows the range of the topic rather than five copies of one remark. Each quote comes from a
different participant, only from participants who consented to quotes (when the study records
that), and never contains a redaction placeholder or fewer than five words.

Example
-------
Row 1 is from the same participant as row 0 and row 2 says nearly what row 0 says:

>>> candidates = pd.DataFrame({"pid": ["p1", "p1", "p2", "p3"], "text": [
...     "No bus before seven, so I was late.", "The bus never came on time.",
...     "There is no bus before seven.", "Buses are fine but the fares are not."]})
>>> vectors = np.array([[1.0, 0.0], [0.95, 0.31], [0.99, 0.14], [0.8, -0.6]])
>>> embeddings = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
>>> centroid = np.array([0.99, -0.14]) / np.linalg.norm([0.99, -0.14])
>>> choose_quotes(candidates, embeddings, centroid, n=2)    # diversity 0.5
[0, 3]
>>> choose_quotes(candidates, embeddings, centroid, n=2, diversity=0)
[0, 2]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from toolkit.topics.model import PLACEHOLDER

MIN_WORDS = 5
MAX_WORDS = 60


def quotable(text: str) -> bool:
    """Long enough to mean something, short enough to read, and free of placeholders.

    >>> quotable("The bus never comes before seven."), quotable("Ask [PERSON_1] about it today")
    (True, False)
    """
    words = len(text.split())
    return MIN_WORDS <= words <= MAX_WORDS and not PLACEHOLDER.search(text)


def choose_quotes(
    candidates: pd.DataFrame,
    embeddings: np.ndarray,
    centroid: np.ndarray,
    n: int = 5,
    diversity: float = 0.5,
) -> list[int]:
    """Row positions of up to ``n`` quotes by MMR, one per participant.

    ``candidates`` has columns ``pid`` and ``text`` (positions match ``embeddings`` rows).
    """
    relevance = embeddings @ centroid
    chosen: list[int] = []
    seen_pids: set = set()
    seen_texts: set = set()
    # The 200 segments closest to the centre are enough candidates, even for huge topics.
    pool = [int(i) for i in np.argsort(-relevance, kind="stable")[:200]]
    while len(chosen) < n and pool:
        best, best_score = None, -np.inf
        for i in pool:
            if candidates["pid"].iat[i] in seen_pids or candidates["text"].iat[i] in seen_texts:
                continue
            redundancy = max((float(embeddings[i] @ embeddings[j]) for j in chosen), default=0)
            score = (1 - diversity) * relevance[i] - diversity * redundancy
            if score > best_score:
                best, best_score = i, score
        if best is None:
            break
        chosen.append(best)
        seen_pids.add(candidates["pid"].iat[best])
        seen_texts.add(candidates["text"].iat[best])
        pool.remove(best)
    return chosen


def topic_quotes(
    segments: pd.DataFrame,
    topics: np.ndarray,
    embeddings: np.ndarray,
    rule,
    consenting: set | None = None,
    n: int = 5,
) -> pd.DataFrame:
    """Quotes per topic: topic, rank, seg_id, pid, text, similarity.

    ``segments`` holds seg_id, pid and (redacted) text in the order of ``topics`` and
    ``embeddings``. ``consenting``: pids who agreed to be quoted (None = not recorded).
    """
    rows = []
    topics = np.asarray(topics)
    for topic in sorted(int(t) for t in set(topics.tolist()) if t >= 0):
        members = np.flatnonzero(topics == topic)
        if not rule.quote_allowed(segments["pid"].iloc[members].nunique()):
            continue
        centroid = embeddings[members].mean(axis=0)
        centroid /= np.linalg.norm(centroid) or 1.0
        frame = segments.iloc[members]
        keep = np.array(frame["text"].map(quotable).tolist(), dtype=bool)
        if consenting is not None:
            keep &= np.array(frame["pid"].isin(consenting).tolist(), dtype=bool)
        pool = members[keep]
        if len(pool) == 0:
            continue
        picks = choose_quotes(segments.iloc[pool], embeddings[pool], centroid, n=n)
        for rank, i in enumerate(picks, start=1):
            row = segments.iloc[pool[i]]
            rows.append(
                {
                    "topic": topic,
                    "rank": rank,
                    "seg_id": row["seg_id"],
                    "pid": row["pid"],
                    "text": row["text"],
                    "similarity": round(float(embeddings[pool[i]] @ centroid), 4),
                }
            )
    return pd.DataFrame(rows, columns=["topic", "rank", "seg_id", "pid", "text", "similarity"])

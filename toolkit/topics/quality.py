"""Quality figures of a topic model: NPMI coherence, topic diversity, outlier share.

* **NPMI coherence** (Bouma 2009; as used by Röder et al. 2015 and the BERTopic paper): for
  each pair of a topic's top words, log P(a, b) / (P(a) P(b)) divided by -log P(a, b), with
  probabilities of appearing in the same segment of the corpus itself. -1 = never together,
  0 = independent, 1 = always together. A pair that never co-occurs scores -1.
* **Topic diversity** (Dieng et al. 2020): share of distinct words among all topics' top
  10 words; 1 = no word shared between topics.

Example
-------
>>> docs = ["bus late", "bus late again", "childcare costs", "childcare costs money"]
>>> round(npmi_coherence([["bus", "late"], ["childcare", "costs"]], docs), 3)
1.0
>>> topic_diversity([["bus", "late"], ["bus", "costs"]])
0.75
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import combinations

import numpy as np
from scipy import sparse


def topic_diversity(top_words: list[list[str]], n: int = 10) -> float:
    """Share of unique words among the top ``n`` words of every topic."""
    words = [w for topic in top_words for w in topic[:n]]
    return float(len(set(words)) / len(words)) if words else float("nan")


TOKEN = re.compile(r"(?u)\b[a-z][a-z]+\b")


def document_terms(document: str, max_n: int = 2) -> set[str]:
    """The words and phrases a segment contains, tokenised as the topic vectoriser does.

    Lower-cased, redaction placeholders dropped, tokens of two or more letters. Single words
    are every token; a phrase of ``k`` words is ``k`` adjacent tokens, either in the text as
    written or once stop words and fillers are dropped (which is how the vectoriser forms the
    phrases it can report, e.g. "bus late" from "the bus was late").

    >>> sorted(document_terms("The bus was late again"))  # doctest: +NORMALIZE_WHITESPACE
    ['again', 'bus', 'bus late', 'bus was', 'late', 'late again', 'the', 'the bus', 'was',
     'was late']
    """
    from toolkit.topics.model import preprocess

    tokens = TOKEN.findall(preprocess(document))
    terms = set(tokens)
    if max_n < 2:
        return terms
    stop = _stop_set()
    content = [t for t in tokens if t not in stop]
    for seq in (tokens, content):
        for k in range(2, max_n + 1):
            terms.update(" ".join(seq[i : i + k]) for i in range(len(seq) - k + 1))
    return terms


@lru_cache(maxsize=1)
def _stop_set() -> frozenset[str]:
    """The topic vectoriser's stop words and fillers, built once (called per document)."""
    from toolkit.topics.model import STOP_WORDS

    return frozenset(STOP_WORDS)


def npmi_per_topic(top_words: list[list[str]], documents: list[str], n: int = 10) -> list[float]:
    """Mean NPMI of each topic's top ``n`` words, co-occurrence counted per document.

    Words and phrases are matched with :func:`document_terms` (the topic vectoriser's
    tokenisation), the same way for every model scored; a word that appears in no document is
    skipped. A pair that never co-occurs scores -1; one that always co-occurs, 1.
    """
    vocab = sorted({w.lower() for topic in top_words for w in topic[:n] if w})
    if not vocab:
        return [float("nan")] * len(top_words)
    max_n = max(len(w.split()) for w in vocab)
    index = {w: i for i, w in enumerate(vocab)}
    rows, cols = [], []
    for d, doc in enumerate(documents):
        for term in document_terms(doc, max_n):
            j = index.get(term)
            if j is not None:
                rows.append(d)
                cols.append(j)
    n_docs = len(documents)
    presence = sparse.csc_matrix(
        (np.ones(len(rows)), (rows, cols)), shape=(n_docs, len(vocab)), dtype=np.float64
    )
    doc_freq = np.asarray(presence.sum(axis=0)).ravel()
    joint_counts = (presence.T @ presence).tocsr()
    scores = []
    for topic in top_words:
        ids = [index[w.lower()] for w in topic[:n] if w and doc_freq[index[w.lower()]] > 0]
        ids = list(dict.fromkeys(ids))
        pair_scores = []
        for a, b in combinations(ids, 2):
            joint = joint_counts[a, b] / n_docs
            if joint == 0:
                pair_scores.append(-1.0)
                continue
            if joint == 1.0:
                pair_scores.append(1.0)
                continue
            pa, pb = doc_freq[a] / n_docs, doc_freq[b] / n_docs
            pair_scores.append(float(np.log(joint / (pa * pb)) / -np.log(joint)))
        scores.append(float(np.mean(pair_scores)) if pair_scores else float("nan"))
    return scores


def npmi_coherence(top_words: list[list[str]], documents: list[str], n: int = 10) -> float:
    """Mean NPMI over topics (topics with fewer than two known words are left out)."""
    scores = [s for s in npmi_per_topic(top_words, documents, n) if not np.isnan(s)]
    return float(np.mean(scores)) if scores else float("nan")


def quality_summary(
    top_words: list[list[str]], documents: list[str], topics: np.ndarray
) -> dict[str, float]:
    """NPMI, diversity, number of topics and outlier share, for the manifest and reports."""
    topics = np.asarray(topics)
    return {
        "n_topics": int(len(top_words)),
        "npmi": round(npmi_coherence(top_words, documents), 4),
        "diversity": round(topic_diversity(top_words), 4),
        "outlier_share": round(float(np.mean(topics == -1)), 4),
    }

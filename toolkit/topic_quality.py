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

from itertools import combinations

import numpy as np
from sklearn.feature_extraction.text import CountVectorizer


def topic_diversity(top_words: list[list[str]], n: int = 10) -> float:
    """Share of unique words among the top ``n`` words of every topic."""
    words = [w for topic in top_words for w in topic[:n]]
    return float(len(set(words)) / len(words)) if words else float("nan")


def npmi_per_topic(top_words: list[list[str]], documents: list[str], n: int = 10) -> list[float]:
    """Mean NPMI of each topic's top ``n`` words, co-occurrence counted per document.

    Words (or two-word phrases) are matched as the vectoriser below tokenises them; a word
    that appears in no document is skipped.
    """
    vocab = sorted({w for topic in top_words for w in topic[:n] if w})
    if not vocab:
        return [float("nan")] * len(top_words)
    max_n = max(len(w.split()) for w in vocab)
    vectorizer = CountVectorizer(
        vocabulary=vocab,
        ngram_range=(1, max_n),
        binary=True,
        lowercase=True,
        token_pattern=r"(?u)\b[a-z][a-z]+\b",
    )
    presence = vectorizer.fit_transform(documents).astype(np.float64).tocsc()
    n_docs = presence.shape[0]
    index = {w: i for i, w in enumerate(vocab)}
    doc_freq = np.asarray(presence.sum(axis=0)).ravel()
    scores = []
    for topic in top_words:
        ids = [index[w] for w in topic[:n] if w in index and doc_freq[index[w]] > 0]
        pair_scores = []
        for a, b in combinations(ids, 2):
            joint = presence[:, a].multiply(presence[:, b]).sum() / n_docs
            if joint == 0:
                pair_scores.append(-1.0)
                continue
            pa, pb = doc_freq[a] / n_docs, doc_freq[b] / n_docs
            if joint == 1.0:
                pair_scores.append(1.0)
                continue
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

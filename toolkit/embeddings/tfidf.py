"""The ``tfidf`` backend: TF-IDF reduced by SVD, always available (no model files)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from toolkit.embeddings.base import Embedder


class TfidfEmbedder(Embedder):
    """TF-IDF of words and word pairs, reduced by truncated SVD (latent semantic analysis).

    Always available and fast, but it knows nothing of meaning beyond shared words, and its
    vectors depend on the texts encoded together: the identity includes a hash of that corpus.
    """

    name = "tfidf"

    def __init__(
        self,
        cache_dir: str | Path | None = None,
        use_cache: bool = True,
        dim: int = 128,
        seed: int = 42,
    ):
        super().__init__(cache_dir, use_cache)
        self.max_dim = dim
        self.dim = dim
        self.seed = seed
        self.identity = f"tfidf:svd{dim}:seed{seed}"
        self._corpus_hash = ""
        self._vectorizer = None
        self._svd = None

    def _prepare(self, texts: list[str]) -> None:
        # The first texts encoded define the vocabulary; later calls (e.g. topic words)
        # are placed in the same space. Call fit() to start again on another corpus.
        if self._vectorizer is None:
            self.fit(texts)

    def fit(self, texts: list[str]) -> TfidfEmbedder:
        """Learn the vocabulary and the SVD from ``texts`` (the whole corpus)."""
        digest = hashlib.sha256("\x00".join(sorted(set(texts))).encode("utf-8")).hexdigest()
        if digest == self._corpus_hash:
            return self
        from sklearn.decomposition import TruncatedSVD
        from sklearn.feature_extraction.text import TfidfVectorizer

        vectorizer = TfidfVectorizer(
            ngram_range=(1, 2),
            min_df=1,
            max_features=50_000,
            sublinear_tf=True,
            stop_words="english",
        )
        try:
            matrix = vectorizer.fit_transform(sorted(set(texts)))
        except ValueError:
            # Only stop words or empty texts: fall back to keeping every token.
            vectorizer = TfidfVectorizer(
                ngram_range=(1, 2), sublinear_tf=True, token_pattern=r"(?u)\b\w+\b"
            )
            matrix = vectorizer.fit_transform(sorted(set(texts)) + ["placeholder"])
        n_components = max(1, min(self.max_dim, matrix.shape[0] - 1, matrix.shape[1] - 1))
        self._svd = TruncatedSVD(n_components=n_components, random_state=self.seed)
        self._svd.fit(matrix)
        self._vectorizer = vectorizer
        self._corpus_hash = digest
        self.dim = self.max_dim
        self.identity = f"tfidf:svd{self.max_dim}:seed{self.seed}:corpus={digest[:16]}"
        return self

    def _embed(self, texts: list[str], progress: bool = False) -> np.ndarray:
        reduced = self._svd.transform(self._vectorizer.transform(texts))
        # Pad to a fixed width so every corpus gives the same shape.
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        out[:, : reduced.shape[1]] = reduced
        return out

"""On-disk cache of UMAP reductions, beside the embedding cache.

UMAP is the slow step of a topic fit once the embeddings are cached. Its result depends only
on the input vectors (and, for seeded topics, the labels that supervise it), its parameters
and the seed, so a re-run with unchanged inputs can reuse it: the fit is then the same as
if UMAP had run again (UMAP with a ``random_state`` is deterministic), only faster.

Layout: ``<cache_dir>/reductions/umap-<key>.npz`` holding ``reduced`` (``float32[n, d]``),
where ``key`` is the SHA-256 of the input vectors' bytes, the supervision labels, the UMAP
parameters, the seed and the UMAP version. Files are written atomically and never changed in
place; nothing but numbers is stored (no texts, no pickles).

Loading and fitting UMAP takes seconds, so the example is shown rather than run
(``tests/test_topics_parts.py`` checks the cache by content, parameters and seed)::

    import tempfile

    from umap import UMAP

    folder = tempfile.mkdtemp()
    reducer = CachedReduction(UMAP(random_state=1), folder)
    reduced = reducer.fit_transform(vectors)    # computed, then stored
    reducer.hit                                 # False
    again = CachedReduction(UMAP(random_state=1), folder)
    again.fit_transform(vectors)                # read back from the cache
    again.hit                                   # True
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

from toolkit.study.tables import atomic_path
from toolkit.topics.neighbours import EXACT_LIMIT, exact_neighbours

FOLDER = "reductions"
# UMAP settings that change its output; anything else (verbosity, n_jobs...) does not.
KEY_PARAMETERS = (
    "n_neighbors",
    "n_components",
    "metric",
    "min_dist",
    "spread",
    "n_epochs",
    "learning_rate",
    "init",
    "set_op_mix_ratio",
    "local_connectivity",
    "repulsion_strength",
    "negative_sample_rate",
    "target_metric",
    "target_weight",
    "low_memory",
    "random_state",
)


def array_digest(values: np.ndarray | None) -> str:
    """SHA-256 of an array's dtype, shape and bytes ("none" for None)."""
    if values is None:
        return "none"
    values = np.ascontiguousarray(values)
    h = hashlib.sha256(f"{values.dtype.str}{values.shape}".encode())
    h.update(values.tobytes())
    return h.hexdigest()


def reduction_key(reducer, vectors: np.ndarray, labels: np.ndarray | None = None) -> str:
    """Cache key of ``reducer.fit_transform(vectors, y=labels)``."""
    import umap

    params = {k: repr(getattr(reducer, k, None)) for k in KEY_PARAMETERS}
    spec = json.dumps(
        {
            "neighbours": "exact" if uses_exact_neighbours(reducer, len(vectors)) else "umap",
            "class": type(reducer).__name__,
            "umap": getattr(umap, "__version__", "?"),
            "params": params,
            "x": array_digest(vectors),
            "y": array_digest(None if labels is None else np.asarray(labels)),
        },
        sort_keys=True,
    )
    return hashlib.sha256(spec.encode()).hexdigest()[:32]


def uses_exact_neighbours(reducer, n: int) -> bool:
    """Whether UMAP is given exact cosine neighbours (:mod:`toolkit.topics.neighbours`)."""
    k = getattr(reducer, "n_neighbors", 0)
    return getattr(reducer, "metric", None) == "cosine" and k < n <= EXACT_LIMIT


class CachedReduction:
    """Wraps a UMAP model: ``fit_transform`` reads the result from the cache when it can.

    ``folder`` None disables the cache (the wrapper then only delegates). ``hit`` says
    whether the last fit came from the cache. ``transform`` of the training vectors returns
    the stored reduction; new vectors need the fitted UMAP, which is then fitted (once) on the
    training vectors with the same seed.
    """

    def __init__(self, reducer, folder: str | Path | None):
        self.reducer = reducer
        self.folder = Path(folder).expanduser() / FOLDER if folder is not None else None
        self.hit = False
        self.embedding_: np.ndarray | None = None
        self._train: tuple[np.ndarray, np.ndarray | None] | None = None
        self._reducer_fitted = False
        self._exact = False

    def path(self, vectors: np.ndarray, labels=None) -> Path | None:
        if self.folder is None:
            return None
        return self.folder / f"umap-{reduction_key(self.reducer, vectors, labels)}.npz"

    def _load(self, path: Path | None, n: int) -> np.ndarray | None:
        if path is None or not path.exists():
            return None
        try:
            with np.load(path, allow_pickle=False) as data:
                reduced = data["reduced"]
        except (OSError, ValueError, KeyError):
            return None  # a damaged entry is only a lost cache entry: recompute
        return reduced if reduced.ndim == 2 and len(reduced) == n else None

    def fit_transform(self, X, y=None):
        vectors = np.asarray(X)
        labels = None if y is None else np.asarray(y)
        path = self.path(vectors, labels)
        reduced = self._load(path, len(vectors))
        self.hit = reduced is not None
        if reduced is None:
            self._exact = uses_exact_neighbours(self.reducer, len(vectors))
            if self._exact:
                indices, distances = exact_neighbours(vectors, self.reducer.n_neighbors)
                self.reducer.precomputed_knn = (indices, distances, None)
            reduced = self.reducer.fit_transform(vectors, y=labels)
            self._reducer_fitted = True
            if path is not None:
                with atomic_path(path, suffix=".npz") as tmp, tmp.open("wb") as fh:
                    np.savez(fh, reduced=np.asarray(reduced))
        self.embedding_ = np.asarray(reduced)
        self._train = (vectors, labels)
        return self.embedding_

    def fit(self, X, y=None):
        self.fit_transform(X, y=y)
        return self

    def transform(self, X):
        vectors = np.asarray(X)
        if self._train is not None and self.embedding_ is not None:
            train = self._train[0]
            if vectors.shape == train.shape and np.array_equal(vectors, train):
                return self.embedding_
        # Placing new vectors needs UMAP's own neighbour search index, which a fit on
        # precomputed neighbours does not build: fit again (once) without them.
        if not self._reducer_fitted or self._exact:
            if self._train is None:
                raise RuntimeError("CachedReduction.transform called before fit")
            self.reducer.precomputed_knn = (None, None, None)
            self._exact = False
            self.reducer.fit(self._train[0], y=self._train[1])
            self._reducer_fitted = True
        return self.reducer.transform(vectors)

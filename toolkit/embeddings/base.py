"""What every embedding backend shares: the :class:`Embedder` interface, the cache folder,
unit-length vectors and polite torch threads."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from toolkit.embeddings.cache import EmbeddingCache, text_keys


class FallbackNotice(UserWarning):
    """A requested embedding model is not available and a simpler one is used instead."""


def cache_root() -> Path:
    """The user's cache folder for the toolkit: ``$LXT_CACHE_DIR`` or the platform default."""
    env = os.environ.get("LXT_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("lxt"))


def default_cache_dir() -> Path:
    return cache_root() / "embeddings"


def study_cache_dir(outputs) -> Path:
    """Embedding cache of a study: ``$LXT_CACHE_DIR/embeddings`` or inside its outputs.

    Kept with the study's outputs by default, so vectors of a sensitive study are deleted
    with them; point ``LXT_CACHE_DIR`` elsewhere to share a cache between builds. Every stage
    of a study (coding, topics, review selection) uses it, so each text is embedded once.
    """
    env = os.environ.get("LXT_CACHE_DIR")
    return Path(env).expanduser() / "embeddings" if env else outputs.models / "embeddings"


def l2_normalise(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (all-zero rows stay zero)."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return (vectors / norms).astype(np.float32, copy=False)


def configure_torch_threads() -> None:
    """Make torch share two busy cores politely.

    Measured on the 2-core project machine (600 segments, MiniLM): 1 thread 4.3 s, 2 threads
    3.3 s, 2 threads with ``OMP_WAIT_POLICY=PASSIVE`` 2.8 s (benchmarks/topics_threads.py).
    PASSIVE stops idle OpenMP threads spinning; it must be set before torch loads.
    """
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


class RecentVectors:
    """The vectors of the last texts encoded in this process, by model identity and text hash.

    The coding and topics stages embed the same segments with the same model, each through
    its own cache folder (the topics stage keeps its vectors with the study's outputs). On
    the example study the second pass took about a minute; remembering the last call's
    vectors (about 15 MB for 10,000 segments) lets it reuse the first's. Only the latest
    model's vectors are kept, so memory stays bounded.
    """

    def __init__(self) -> None:
        self.identity = ""
        self.rows: dict[bytes, int] = {}
        self.vectors = np.zeros((0, 0), dtype=np.float32)

    def remember(self, identity: str, keys: np.ndarray, vectors: np.ndarray) -> None:
        self.identity = identity
        self.rows = {key.tobytes(): i for i, key in enumerate(keys)}
        self.vectors = vectors.copy()

    def get(self, identity: str, keys: np.ndarray) -> dict[int, np.ndarray]:
        """``{row: vector}`` for the keys remembered for this model."""
        if identity != self.identity or not self.rows:
            return {}
        found = {}
        for i, key in enumerate(keys):
            row = self.rows.get(key.tobytes())
            if row is not None:
                found[i] = self.vectors[row]
        return found


_RECENT = RecentVectors()


class Embedder:
    """Base class: turns texts into unit-length float32 vectors, through the cache.

    Subclasses set :attr:`name`, :attr:`identity` and :attr:`dim` and implement
    :meth:`_embed`. ``identity`` names the model and the hash of its weights, so cached vectors
    of one model are never served for another.
    """

    name: str = ""
    identity: str = ""
    dim: int = 0

    def __init__(self, cache_dir: str | Path | None = None, use_cache: bool = True):
        self.cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
        self.use_cache = use_cache
        self._cache: EmbeddingCache | None = None

    @property
    def cache(self) -> EmbeddingCache | None:
        if not self.use_cache:
            return None
        if self._cache is None or self._cache.identity != self.identity:
            self._cache = EmbeddingCache(self.cache_dir, self.identity)
        return self._cache

    def encode(self, texts: list[str], progress: bool = False) -> np.ndarray:
        """Embed ``texts``; rows are float32 and of unit length, in the order given."""
        texts = [str(t) for t in texts]
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        self._prepare(texts)
        keys = text_keys(texts)
        cache = self.cache
        on_disk = cache.get(keys) if cache is not None else {}
        # Another stage of this run may have embedded (or read) the same texts with the same
        # model but another cache folder: take those vectors rather than embed again.
        found = {**_RECENT.get(self.identity, keys), **on_disk} if cache is not None else {}
        for row, vec in found.items():
            out[row] = vec
        missing = [i for i in range(len(texts)) if i not in found]
        if missing:
            # Embed each distinct missing text once, even if it occurs many times.
            unique: dict[str, int] = {}
            for i in missing:
                unique.setdefault(texts[i], len(unique))
            fresh = l2_normalise(self._embed(list(unique), progress=progress))
            for i in missing:
                out[i] = fresh[unique[texts[i]]]
        if cache is not None:
            first_rows: dict[str, int] = {}
            for i in range(len(texts)):
                if i not in on_disk:  # embedded now or remembered: not in this folder yet
                    first_rows.setdefault(texts[i], i)
            if first_rows:
                rows = list(first_rows.values())
                cache.put(keys[rows], out[rows])
            _RECENT.remember(self.identity, keys, out)
        return out

    def _prepare(self, texts: list[str]) -> None:
        """Hook for backends that depend on the whole corpus (TF-IDF)."""

    def _embed(self, texts: list[str], progress: bool = False) -> np.ndarray:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}(identity={self.identity!r})"

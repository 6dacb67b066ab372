"""On-disk cache of sentence embeddings, keyed by model identity and text hash.

Re-runs of a study, per-cohort reports and stability refits all embed the same segments; the
cache makes sure each text is embedded once per model. Only vectors and SHA-256 hashes of the
texts are stored, never the texts themselves.

Layout: ``<cache_dir>/<identity digest>/shard-<content digest>.npz``, each shard holding
``keys`` (32-byte SHA-256 digests, as ``uint8[n, 32]``) and ``vectors`` (``float32[n, d]``).
Shards are written atomically and never changed in place, so a crash cannot corrupt the cache
and two processes can write to it at once; many small shards are merged into one now and then.

Example
-------
>>> import numpy as np, tempfile
>>> cache = EmbeddingCache(tempfile.mkdtemp(), identity="demo-model")
>>> keys = text_keys(["hello", "world"])
>>> cache.put(keys, np.eye(2, dtype=np.float32))
>>> sorted(cache.get(keys))
[0, 1]
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from toolkit.study.tables import atomic_path

# Merge shards once there are more than this many (keeps loading fast, writes cheap).
MAX_SHARDS = 16


def text_keys(texts: list[str]) -> np.ndarray:
    """SHA-256 digest of each text (UTF-8), as a ``uint8[n, 32]`` array.

    >>> text_keys(["a"]).shape
    (1, 32)
    """
    out = np.empty((len(texts), 32), dtype=np.uint8)
    for i, text in enumerate(texts):
        out[i] = np.frombuffer(hashlib.sha256(text.encode("utf-8")).digest(), dtype=np.uint8)
    return out


def identity_digest(identity: str) -> str:
    """Folder name for one model: readable prefix plus a digest of the full identity."""
    prefix = "".join(ch if ch.isalnum() else "-" for ch in identity.split(":")[0])[:24]
    return f"{prefix}-{hashlib.sha256(identity.encode('utf-8')).hexdigest()[:16]}"


class EmbeddingCache:
    """Vectors of one embedding model, looked up by text hash.

    Parameters
    ----------
    cache_dir : path
        Root folder shared by all models.
    identity : str
        The embedder's identity (model id + weights hash); vectors of different models never mix.
    """

    def __init__(self, cache_dir: str | Path, identity: str):
        self.identity = identity
        self.folder = Path(cache_dir).expanduser() / identity_digest(identity)
        self._index: dict[bytes, tuple[Path, int]] | None = None
        self.hits = 0
        self.misses = 0

    def _shards(self) -> list[Path]:
        return sorted(self.folder.glob("shard-*.npz")) if self.folder.is_dir() else []

    def _load_index(self) -> dict[bytes, np.ndarray]:
        vectors: dict[bytes, np.ndarray] = {}
        for shard in self._shards():
            try:
                with np.load(shard) as data:
                    keys, vecs = data["keys"], data["vectors"]
            except (OSError, ValueError, KeyError):
                # A damaged shard is only a lost cache entry: recompute rather than fail.
                continue
            for key, vec in zip(keys, vecs, strict=True):
                vectors[key.tobytes()] = vec
        return vectors

    def get(self, keys: np.ndarray) -> dict[int, np.ndarray]:
        """Return ``{row: vector}`` for the keys already in the cache."""
        stored = self._load_index()
        found = {}
        for i, key in enumerate(keys):
            vec = stored.get(key.tobytes())
            if vec is not None:
                found[i] = vec
        self.hits += len(found)
        self.misses += len(keys) - len(found)
        return found

    def put(self, keys: np.ndarray, vectors: np.ndarray) -> None:
        """Store new vectors (one shard per call), merging shards when there are many."""
        if len(keys) == 0:
            return
        keys = np.ascontiguousarray(keys, dtype=np.uint8)
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self._write_shard(keys, vectors)
        shards = self._shards()
        if len(shards) > MAX_SHARDS:
            self._compact(shards)

    def _write_shard(self, keys: np.ndarray, vectors: np.ndarray) -> Path:
        digest = hashlib.sha256(keys.tobytes() + vectors.tobytes()).hexdigest()[:24]
        path = self.folder / f"shard-{digest}.npz"
        with atomic_path(path, suffix=".npz") as tmp, tmp.open("wb") as fh:
            np.savez(fh, keys=keys, vectors=vectors)
        return path

    def _compact(self, shards: list[Path]) -> None:
        stored = self._load_index()
        if not stored:
            return
        keys = np.stack([np.frombuffer(k, dtype=np.uint8) for k in stored])
        vectors = np.stack(list(stored.values()))
        merged = self._write_shard(keys, vectors)
        for shard in shards:
            if shard != merged:
                shard.unlink(missing_ok=True)

    def clear(self) -> None:
        """Delete this model's cached vectors."""
        for shard in self._shards():
            shard.unlink(missing_ok=True)

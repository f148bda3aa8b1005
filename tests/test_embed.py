"""Embedding: the real packaged model offline, embedding text, and the vector cache."""

from __future__ import annotations

import numpy as np
import pytest

from cluster.config import EmbedConfig
from cluster.embed import (
    ModelError,
    SentenceTransformerEmbedder,
    VectorCache,
    embed_texts,
    embedding_text,
    resolve_device,
    resolve_model_path,
    text_key,
)


def test_embedding_text_is_title_then_lead():
    assert embedding_text("Ferry strike", "Crews walked out at dawn today", 3) == "Ferry strike. Crews walked out"
    assert embedding_text("", "Crews walked out", 2) == "Crews walked"
    assert embedding_text("Headline only", "", 60) == "Headline only"


def test_packaged_model_name_resolves_to_a_local_folder():
    from pathlib import Path

    assert (Path(resolve_model_path("all-MiniLM-L6-v2")) / "config.json").exists()
    assert resolve_model_path("/some/other/model") == "/some/other/model"


def test_auto_device_is_cpu_without_a_gpu():
    import torch

    assert resolve_device("auto") == ("cuda" if torch.cuda.is_available() else resolve_device("auto"))
    assert resolve_device("cpu") == "cpu"


@pytest.mark.model
def test_real_model_vectors_are_normalised_and_meaningful(real_embedder):
    vectors = real_embedder.encode([
        "Ferry crews strike in Porthaven",
        "Porthaven ferry workers walk out over rosters",
        "Central bank raises interest rates",
    ])
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.2


def test_missing_model_is_a_clear_error(tmp_path):
    embedder = SentenceTransformerEmbedder(EmbedConfig(model=str(tmp_path / "no-such-model"), device="cpu"))
    with pytest.raises(ModelError, match=r"embed\.model .*cannot load it offline"):
        embedder.encode(["text"])


def test_cache_makes_a_second_run_embed_nothing(tmp_path, hashing_embedder):
    cache = VectorCache(tmp_path / "cache", keep_days=None)
    texts = ["alpha story text", "beta story text", "alpha story text"]
    first, encoded_first = embed_texts(texts, hashing_embedder, cache)
    second, encoded_second = embed_texts(texts, hashing_embedder, cache)
    assert (encoded_first, encoded_second) == (2, 0)
    assert hashing_embedder.texts_encoded == 2
    assert np.array_equal(first, second)
    third, encoded_third = embed_texts([*texts, "gamma"], hashing_embedder, cache)
    assert encoded_third == 1 and np.array_equal(third[:3], first)


@pytest.mark.model
def test_cache_with_the_real_model(tmp_path, real_embedder):
    cache = VectorCache(tmp_path, keep_days=None)
    first, encoded = embed_texts(["Aurora-3 reaches orbit"], real_embedder, cache)
    again, encoded_again = embed_texts(["Aurora-3 reaches orbit"], real_embedder, VectorCache(tmp_path, keep_days=None))
    assert (encoded, encoded_again) == (1, 0)
    assert np.array_equal(first, again)


@pytest.mark.model
def test_int8_backend_is_close_to_the_full_model_and_keyed_apart(real_embedder):
    texts = ["Ferry crews strike in Porthaven", "Central bank raises interest rates by a quarter point"]
    quantised = SentenceTransformerEmbedder(EmbedConfig(device="cpu", backend="torch-int8"))
    assert quantised.model_id == "all-MiniLM-L6-v2@128+int8" != real_embedder.model_id
    fast, full = quantised.encode(texts), real_embedder.encode(texts)
    assert np.allclose(np.linalg.norm(fast, axis=1), 1.0, atol=1e-5)
    assert ((fast * full).sum(axis=1) > 0.85).all()


def test_int8_backend_refuses_a_gpu_device():
    with pytest.raises(ModelError, match="runs on the CPU only"):
        SentenceTransformerEmbedder(EmbedConfig(device="cuda", backend="torch-int8")).encode(["text"])


def test_cache_drops_vectors_unused_for_keep_days(tmp_path, hashing_embedder):
    from datetime import date

    embed_texts(["old story text"], hashing_embedder, VectorCache(tmp_path, keep_days=7, today=date(2026, 3, 1)))
    embed_texts(["new story text"], hashing_embedder, VectorCache(tmp_path, keep_days=7, today=date(2026, 3, 5)))
    later = VectorCache(tmp_path, keep_days=7, today=date(2026, 3, 10))
    _, encoded = embed_texts(["new story text"], hashing_embedder, later)
    assert encoded == 0
    assert set(later.load(hashing_embedder.model_id)) == {text_key(hashing_embedder.model_id, "new story text")}


def test_auto_device_picks_cuda_when_torch_sees_a_gpu(monkeypatch):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert resolve_device("auto") == "cuda"
    assert resolve_device("cpu") == "cpu"

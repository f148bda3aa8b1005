"""The ONNX int8 backend: exported offline from the packaged model, cached atomically, close to the torch vectors."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import numpy as np
import pytest

from cluster.config import EmbedConfig, load_config
from cluster.embed import ModelError, embedder_from_config, resolve_model_path
from cluster.onnx_embedder import OnnxEmbedder
from cluster.onnx_export import OnnxModelCache, write_atomically

REPO = Path(__file__).resolve().parent.parent
PACKAGED = Path(resolve_model_path("all-MiniLM-L6-v2"))
SENTENCES = [
    "Ferry crews strike in Porthaven",
    "Porthaven ferry workers walk out over rosters",
    "Central bank raises interest rates by a quarter point",
    "Betsy DeVos Confirmed as Education Secretary, With Pence Casting Historic Tie-Breaking Vote. Michigan billionaire "
    "education activist Betsy DeVos was confirmed today to serve as the secretary of education in President Trump's "
    "administration, after Vice President Mike Pence cast a tie-breaking vote in the Senate.",
    "Apple unveils a larger iPhone as smartphone sales slow",
    "Flooding closes schools across the region for a second day",
]


@pytest.fixture(scope="session")
def onnx_folder(tmp_path_factory) -> Path:
    """An int8 export of the packaged model made with every network connection refused (so: offline)."""
    folder = tmp_path_factory.mktemp("onnx")

    def refuse(*args, **kwargs):
        raise OSError("network access in an offline export")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket.socket, "connect", refuse)
        OnnxModelCache(folder).model_file(PACKAGED, "int8")
    return folder


def embedder(folder: Path, **options) -> OnnxEmbedder:
    return OnnxEmbedder("all-MiniLM-L6-v2", "auto", 128, cache=OnnxModelCache(folder), **options)


def test_config_selects_the_backend_and_fast_yaml_changes_only_backend_and_length():
    chosen = embedder_from_config(EmbedConfig(backend="onnx-int8"))
    assert isinstance(chosen, OnnxEmbedder)
    assert chosen.model_id == "all-MiniLM-L6-v2@128+onnx-int8"
    fast, default = load_config(REPO / "configs" / "fast.yaml"), load_config(REPO / "configs" / "default.yaml")
    assert (fast.embed.backend, fast.embed.max_seq_length) == ("onnx-int8", 64)
    assert fast.embed.model_copy(update={"backend": "torch", "max_seq_length": 128}) == default.embed
    assert fast.model_copy(update={"embed": default.embed}) == default


def test_backend_refuses_a_gpu_device():
    with pytest.raises(ModelError, match="runs on the CPU only"):
        OnnxEmbedder("all-MiniLM-L6-v2", "cuda", 128).encode(["text"])


def test_a_folder_that_is_not_a_model_is_a_clear_error(tmp_path):
    with pytest.raises(ModelError, match="cannot export it to ONNX offline"):
        OnnxEmbedder(str(tmp_path), "cpu", 128, cache=OnnxModelCache(tmp_path / "cache")).encode(["text"])


def test_atomic_write_leaves_no_partial_file(tmp_path):
    target = tmp_path / "model.onnx"
    target.write_bytes(b"previous")

    def half_then_crash(partial: Path) -> None:
        partial.write_bytes(b"half a model")
        raise RuntimeError("export died")

    with pytest.raises(RuntimeError, match="export died"):
        write_atomically(target, half_then_crash)
    assert target.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir()] == ["model.onnx"]


def test_failed_export_leaves_the_cache_empty(tmp_path, monkeypatch):
    def crash(model_path, precision, partial):
        partial.write_bytes(b"half a model")
        raise RuntimeError("export died")

    monkeypatch.setattr(OnnxModelCache, "_export", staticmethod(crash))
    with pytest.raises(RuntimeError, match="export died"):
        OnnxModelCache(tmp_path).model_file(PACKAGED, "int8")
    assert list(tmp_path.iterdir()) == []


def test_missing_or_damaged_cache_files_are_exported_again(tmp_path, monkeypatch):
    exports = []

    def fake(model_path, precision, partial):
        exports.append(partial)
        partial.write_bytes(b"model bytes")

    monkeypatch.setattr(OnnxModelCache, "_export", staticmethod(fake))
    cache = OnnxModelCache(tmp_path)
    path = cache.model_file(PACKAGED, "int8")
    assert cache.model_file(PACKAGED, "int8") == path and len(exports) == 1  # cached: no second export
    path.write_bytes(b"model by")  # truncated
    assert cache.model_file(PACKAGED, "int8") == path and len(exports) == 2
    path.with_suffix(".json").unlink()  # manifest lost
    assert cache.model_file(PACKAGED, "int8") == path and len(exports) == 3
    assert json.loads(path.with_suffix(".json").read_text())["precision"] == "int8"
    assert path.read_bytes() == b"model bytes"
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".json", ".onnx"]


def test_cache_key_changes_with_the_precision():
    cache = OnnxModelCache("unused")
    assert cache.key(PACKAGED, "int8") != cache.key(PACKAGED, "fp32")


@pytest.mark.model
def test_vectors_are_unit_length_deterministic_and_close_to_torch(onnx_folder, real_embedder):
    fast = embedder(onnx_folder)
    vectors = fast.encode(SENTENCES)
    assert vectors.shape == (len(SENTENCES), 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(vectors, fast.encode(SENTENCES))
    assert np.array_equal(vectors, embedder(onnx_folder).encode(SENTENCES))  # a fresh session from the cache
    cosines = (vectors * real_embedder.encode(SENTENCES)).sum(axis=1)
    assert (cosines > 0.98).all(), cosines
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.2
    alone = np.concatenate([fast.encode([text]) for text in SENTENCES[::-1]])[::-1]
    assert np.array_equal(alone, vectors)  # a text's vector does not depend on the other texts of the call


@pytest.mark.model
def test_model_id_differs_from_the_torch_backends(real_embedder):
    ids = {real_embedder.model_id, embedder_from_config(EmbedConfig(backend="torch-int8")).model_id,
           embedder_from_config(EmbedConfig(backend="onnx-int8")).model_id}
    assert len(ids) == 3


@pytest.mark.model
def test_tokens_are_the_ones_sentence_transformers_feeds_the_model(onnx_folder, real_embedder):
    texts = [*SENTENCES, "  padded  text ", "", "word " * 300]
    expected = real_embedder._load().tokenize(texts)
    ids = embedder(onnx_folder).token_ids(texts)
    width = expected["input_ids"].shape[1]
    assert [row + [0] * (width - len(row)) for row in ids] == expected["input_ids"].tolist()


@pytest.mark.model
def test_a_damaged_export_is_rebuilt_identically(onnx_folder, tmp_path):
    import shutil

    folder = tmp_path / "onnx"
    shutil.copytree(onnx_folder, folder)
    (model_file,) = folder.glob("*.onnx")
    manifest = json.loads(model_file.with_suffix(".json").read_text())
    model_file.write_bytes(model_file.read_bytes()[:1000])  # a truncated file from a disk that filled up
    rebuilt = OnnxModelCache(folder).model_file(PACKAGED, "int8")
    assert rebuilt == model_file
    assert json.loads(rebuilt.with_suffix(".json").read_text())["sha256"] == manifest["sha256"]  # deterministic

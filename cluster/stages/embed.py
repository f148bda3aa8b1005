"""Embed: one vector per canonical article (copies share their original's story), from its title and lead.

Writes ``canonicals`` (``article_id, title, body, published_at`` of each canonical, in input order) and
``embeddings`` (``article_id, vector``, the same rows), reusing the vector cache when one is configured.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from ..config import Config, EmbedConfig
from ..embed import VectorCache, embed_texts, embedding_text
from ..stage import RunContext, Stage, StageOutput, Tables


class EmbedStage(Stage):
    name = "embed"
    reads = ("ingested", "cleaned", "dup_groups")
    writes = ("canonicals", "embeddings")
    draws_own_progress = True  # sentence-transformers draws a real bar

    def __init__(self, config: EmbedConfig) -> None:
        self.config = config

    @classmethod
    def from_config(cls, config: Config) -> EmbedStage:
        return cls(config.embed)

    def run(self, tables: Tables, context: RunContext) -> StageOutput:
        cfg = self.config
        canonicals = canonical_articles(tables["ingested"], tables["cleaned"], tables["dup_groups"])
        texts = [embedding_text(t, b, cfg.lead_words) for t, b in zip(canonicals["title"], canonicals["body"],
                                                                        strict=True)]
        cache = VectorCache(cfg.cache_dir, cfg.cache_days, context.night) if cfg.cache_dir else None
        vectors, encoded = embed_texts(texts, context.embedder(), cache)
        embeddings = vector_table(canonicals["article_id"], vectors)
        counters = {"texts": len(texts), "encoded": encoded, "cached": len(texts) - encoded}
        return StageOutput({"canonicals": canonicals, "embeddings": embeddings}, counters)


def canonical_articles(articles: pl.DataFrame, cleaned: pl.DataFrame, dup_groups: pl.DataFrame) -> pl.DataFrame:
    """Tonight's canonical articles with their cleaned body: what the story stages cluster."""
    return (
        articles.join(cleaned, on="article_id", maintain_order="left")
        .join(dup_groups.select("article_id", "is_canonical"), on="article_id", maintain_order="left")
        .filter(pl.col("is_canonical"))
        .select("article_id", "title", "body", "published_at")
    )


def vector_table(article_ids: pl.Series, vectors: np.ndarray) -> pl.DataFrame:
    """``article_id, vector``: row ``i`` of ``vectors`` as a fixed-size array column (a matrix as a table)."""
    if not len(article_ids):
        return pl.DataFrame({"article_id": article_ids, "vector": pl.Series([], dtype=pl.List(pl.Float32))})
    return pl.DataFrame({"article_id": article_ids, "vector": pl.Series(vectors.astype(np.float32))})


def vector_matrix(embeddings: pl.DataFrame) -> np.ndarray:
    """The vectors of ``embeddings`` as a float32 matrix, one row per table row (0 × 0 when empty)."""
    if embeddings.is_empty():
        return np.zeros((0, 0), dtype=np.float32)
    return embeddings["vector"].to_numpy().astype(np.float32, copy=False)

"""Stories: cluster tonight's canonical articles into stories (``clusters``, ids from their first article, made
fresh against the registry), their centroids (``story_centroids``), and link recurring stories into chains with
rounds (``story_spans``)."""

from __future__ import annotations

import numpy as np
import polars as pl

from ..config import Config, StoriesConfig
from ..stage import RunContext, Stage, StageOutput, Tables
from ..state import REGISTRY
from ..stories import centroids, cluster_stories, link_chains
from ..story_table import clustered_spans, fresh_story_ids
from .embed import vector_matrix


class StoriesStage(Stage):
    name = "stories"
    reads = ("ingested", "dup_groups", "canonicals", "embeddings")
    optional = ("state_registry",)
    writes = ("clusters", "story_spans", "story_centroids")

    def __init__(self, config: StoriesConfig) -> None:
        self.config = config

    @classmethod
    def from_config(cls, config: Config) -> StoriesStage:
        return cls(config.stories)

    def run(self, tables: Tables, context: RunContext) -> StageOutput:
        canonicals, vectors = tables["canonicals"], vector_matrix(tables["embeddings"])
        registry = tables.get("state_registry", pl.DataFrame(schema=REGISTRY))
        engine = context.engine
        members = cluster_stories(canonicals, vectors, self.config, engine.neighbour_finder(), engine.linkage_runner())
        clusters = fresh_story_ids(members, registry)
        story_centroids = centroids(clusters, canonicals["article_id"].to_list(), vectors)
        spans = clustered_spans(tables["ingested"], tables["dup_groups"], clusters)
        chains = link_chains(spans.select("story_id", "first_seen", "last_seen", "n_articles"), story_centroids,
                             self.config)
        counters = {"stories": spans.height, "singletons": int((spans["n_unique"] == 1).sum())}
        tables = {"clusters": clusters, "story_spans": spans.join(chains, on="story_id"),
                  "story_centroids": centroid_table(story_centroids)}
        return StageOutput(tables, counters)


def centroid_table(story_centroids: dict[str, np.ndarray]) -> pl.DataFrame:
    """``story_id, vector``: each story's unit-length mean vector, as the continuity stage reads it."""
    ids = list(story_centroids)
    if not ids:
        return pl.DataFrame({"story_id": ids, "vector": pl.Series([], dtype=pl.List(pl.Float32))},
                            schema_overrides={"story_id": pl.String})
    return pl.DataFrame({"story_id": ids, "vector": np.stack([story_centroids[s] for s in ids])})


def centroids_of(table: pl.DataFrame) -> dict[str, np.ndarray]:
    """The inverse of ``centroid_table``."""
    return dict(zip(table["story_id"], vector_matrix(table), strict=True))

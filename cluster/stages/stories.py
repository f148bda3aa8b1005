"""Stories: cluster tonight's canonical articles into stories (``clusters``, ids from their first article, made
fresh against the registry) and link recurring stories into chains with rounds (``story_spans``)."""

from __future__ import annotations

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
    writes = ("clusters", "story_spans")

    def __init__(self, config: StoriesConfig) -> None:
        self.config = config

    @classmethod
    def from_config(cls, config: Config) -> StoriesStage:
        return cls(config.stories)

    def run(self, tables: Tables, context: RunContext) -> StageOutput:
        canonicals, vectors = tables["canonicals"], vector_matrix(tables["embeddings"])
        registry = tables.get("state_registry", pl.DataFrame(schema=REGISTRY))
        clusters = fresh_story_ids(cluster_stories(canonicals, vectors, self.config), registry)
        story_centroids = centroids(clusters, canonicals["article_id"].to_list(), vectors)
        spans = clustered_spans(tables["ingested"], tables["dup_groups"], clusters)
        chains = link_chains(spans.select("story_id", "first_seen", "last_seen", "n_articles"), story_centroids,
                             self.config)
        counters = {"stories": spans.height, "singletons": int((spans["n_unique"] == 1).sum())}
        return StageOutput({"clusters": clusters, "story_spans": spans.join(chains, on="story_id")}, counters)

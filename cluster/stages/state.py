"""Next state (nightly runs only): the recent articles window moved on to include tonight's, and the story
registry updated with tonight's stories, chrome and topics (``next_recent``, ``next_registry``, ``next_chrome``,
``next_topics``)."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

from ..config import Config, NightlyConfig
from ..continuity import updated_registry
from ..stage import RunContext, Stage, StageOutput, Tables
from ..state import CHROME, TOPIC_REGISTRY, next_chrome, next_recent, next_topics
from ..stories import centroids
from .continuity import prior_state
from .embed import vector_matrix


class NextStateStage(Stage):
    name = "state"
    reads = ("ingested", "cleaned", "chrome_keys", "dup_groups", "canonicals", "embeddings", "members", "story_of",
             "stories", "base_labels", "state_recent", "state_registry", "topics", "topic_centroids")
    optional = ("state_chrome", "state_topics")
    writes = ("next_recent", "next_registry", "next_chrome", "next_topics")

    def __init__(self, config: NightlyConfig) -> None:
        self.config = config

    @classmethod
    def from_config(cls, config: Config) -> NextStateStage:
        return cls(config.nightly)

    def run(self, tables: Tables, context: RunContext) -> StageOutput:
        night: date = context.night
        recent = next_recent(tables["state_recent"], night, self.config.dedup_days, tables["ingested"],
                             tables["cleaned"], tables["dup_groups"], tables["story_of"])
        story_centroids: dict[str, np.ndarray] = centroids(
            tables["members"], tables["canonicals"]["article_id"].to_list(), vector_matrix(tables["embeddings"])
        )
        base = tables["base_labels"]
        registry = updated_registry(prior_state(tables, context), tables["stories"], story_centroids,
                                    dict(zip(base["story_id"], base["base_label"], strict=True)), night,
                                    self.config.registry_days)
        chrome = next_chrome(tables.get("state_chrome", pl.DataFrame(schema=CHROME)), night, self.config.chrome_days,
                             tables["chrome_keys"])
        topics = next_topics(tables.get("state_topics", pl.DataFrame(schema=TOPIC_REGISTRY)), night,
                             self.config.registry_days, tables["topics"], tables["topic_centroids"])
        return StageOutput({"next_recent": recent, "next_registry": registry, "next_chrome": chrome,
                            "next_topics": topics})

"""Topics: the subject of each story (``topic_id`` added to ``stories``), the ``topics`` table, and each topic's
centroid for the next night's state (``topic_centroids``). Story ids, rounds and labels are left as they are."""

from __future__ import annotations

import numpy as np
import polars as pl

from ..config import Config, TopicsConfig
from ..schema import STORIES, TOPICS, conform
from ..stage import RunContext, Stage, StageOutput, Tables
from ..state import REGISTRY, TOPIC_REGISTRY
from ..topics import KnownTopic, assign_topics, topic_centroid, topic_labels
from .stories import centroids_of

TOPIC_CENTROIDS = pl.Schema({"topic_id": pl.String, "vector": pl.List(pl.Float32), "new_stories": pl.Int32})


class TopicsStage(Stage):
    name = "topics"
    reads = ("stories", "continuations", "story_centroids", "canonicals", "members")
    optional = ("state_registry", "state_topics")
    writes = ("stories", "topics", "topic_centroids")

    def __init__(self, config: TopicsConfig, max_words: int) -> None:
        self.config = config
        self.max_words = max_words

    @classmethod
    def from_config(cls, config: Config) -> TopicsStage:
        return cls(config.topics, config.label.max_words)

    def run(self, tables: Tables, context: RunContext) -> StageOutput:
        stories = tables["stories"]
        story_centroids = self._final_centroids(tables)
        known = known_topics(tables.get("state_topics", pl.DataFrame(schema=TOPIC_REGISTRY)))
        topic_of = assign_topics(stories.select("story_id", "chain_id", "first_seen"), story_centroids, self.config,
                                 known, self._headlines(tables))
        stories = conform(stories.with_columns(pl.col("story_id").replace_strict(topic_of, return_dtype=pl.String)
                                               .alias("topic_id")), STORIES, "topics")
        topics = topics_table(stories, topic_labels(stories, self.max_words))
        centroids = topic_centroid_table(stories, story_centroids, {t.topic_id: t for t in known})
        counters = {"topics": topics.height, "single_story_topics": int((topics["n_stories"] == 1).sum()),
                    "topics_from_earlier_nights": int(topics["topic_id"].is_in([t.topic_id for t in known]).sum())}
        return StageOutput({"stories": stories, "topics": topics, "topic_centroids": centroids}, counters)

    @staticmethod
    def _headlines(tables: Tables) -> dict[str, str]:
        """Each story's headlines by final id: tonight's articles', else (reached only through copies) its own."""
        final = tables["continuations"].select("temp_id", "story_id")
        titles = (tables["members"].select("article_id", pl.col("story_id").alias("temp_id"))
                  .join(final, on="temp_id").join(tables["canonicals"].select("article_id", "title"), on="article_id")
                  .sort("article_id").group_by("story_id").agg(pl.col("title").fill_null("").str.join(". ")))
        texts = dict(titles.iter_rows())
        for story, headline in tables["stories"].select("story_id", "headline").iter_rows():
            texts.setdefault(story, headline or "")
        return texts

    @staticmethod
    def _final_centroids(tables: Tables) -> dict[str, np.ndarray]:
        """Each story's centroid by final id: tonight's, else (a story reached only through late copies) the
        registry's."""
        tonight = centroids_of(tables["story_centroids"])
        final = dict(zip(tables["continuations"]["temp_id"], tables["continuations"]["story_id"], strict=True))
        result = {final[temp]: vector for temp, vector in tonight.items() if temp in final}
        missing = [story for story in tables["stories"]["story_id"] if story not in result]
        if missing:  # only those: the registry holds every story of the last registry_days
            registry = tables.get("state_registry", pl.DataFrame(schema=REGISTRY))
            found = registry.filter(pl.col("story_id").is_in(missing) & pl.col("centroid").is_not_null())
            for story, centroid in zip(found["story_id"], found["centroid"], strict=True):
                result[story] = np.asarray(centroid, dtype=np.float32)
        return result


def known_topics(state_topics: pl.DataFrame) -> list[KnownTopic]:
    if state_topics.is_empty():
        return []
    vectors = np.array(state_topics["centroid"].to_list(), dtype=np.float32)
    return [KnownTopic(t, vectors[i], int(n)) for i, (t, n) in
            enumerate(zip(state_topics["topic_id"], state_topics["n_stories"], strict=True))]


def topics_table(stories: pl.DataFrame, labels: dict[str, str]) -> pl.DataFrame:
    """One row per topic of ``stories`` (``schema.TOPICS``), in the order of their first story."""
    table = stories.group_by("topic_id").agg(
        pl.len().cast(pl.Int32).alias("n_stories"), pl.col("n_articles").sum().cast(pl.Int32).alias("n_articles"),
        pl.col("first_seen").min(), pl.col("last_seen").max(),
    ).with_columns(pl.col("topic_id").replace_strict(labels, return_dtype=pl.String).alias("label"))
    return conform(table.sort("first_seen", "topic_id"), TOPICS, "topics")


def topic_centroid_table(stories: pl.DataFrame, story_centroids: dict[str, np.ndarray],
                         earlier: dict[str, KnownTopic]) -> pl.DataFrame:
    """``topic_id, vector, new_stories`` of tonight's topics, for the next state: the unit mean of its stories'
    centroids with the earlier topic's centroid weighed by its stories; ``new_stories`` counts stories first seen
    tonight (not continuing ones, which the earlier topic already counted)."""
    rows = []
    for topic, members, statuses in stories.group_by("topic_id", maintain_order=True).agg("story_id", "status").sort(
            "topic_id").iter_rows():
        vectors = [story_centroids[s] for s in members if s in story_centroids]
        if not vectors and topic not in earlier:
            continue
        rows.append({"topic_id": topic, "vector": topic_centroid(vectors, earlier.get(topic)).tolist(),
                     "new_stories": sum(status != "continuing" for status in statuses)})
    return pl.DataFrame(rows, schema=TOPIC_CENTROIDS)

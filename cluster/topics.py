"""Topics: the subjects that tie stories together over weeks or years (a person, an organisation, a league, an
ongoing affair such as a debt crisis or a war). Every story belongs to exactly one topic; a topic may hold one story.

**Clustering.** Stories are clustered by their centroids (the unit mean embedding of their canonical articles) with
the story engine's own average linkage (``stories.StoryClusterer``), configured for subjects rather than events: no
time decay (a subject outlives any event), no lexical term, one threshold (``topics.threshold``), and the
shared-neighbour signal, which lets a dense subject (many stories about one person) hold together while two
subjects of one kind stay apart. Earlier nights' topics take part as one node each (their centroid), so tonight's
stories join the subjects already known. A recurring chain's rounds always share a topic (their topics merge).

**Ids.** A topic keeps the id of the earlier topic it contains (the one with the most stories, then the lowest id,
when several merge); a new topic is named after its first story (``ids.topic_id``). Topic ids never change story
ids or story scores: the topics stage only adds ``topic_id`` to the stories table.

**Labels.** A topic of one story takes the story's label; a larger one is labelled like a story, from its stories'
headlines (``label.label_stories``: the representative headline cut to the words the stories share).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
import polars as pl

from .config import StoriesConfig, TopicsConfig
from .graph import component_roots
from .ids import fresh_topic_id, topic_id
from .label import label_stories
from .stories import StoryClusterer

NO_TIME_DECAY_DAYS = 1e6  # the time scale that makes the story engine's time penalty vanish


@dataclass(frozen=True)
class KnownTopic:
    """A topic of earlier nights, as the state keeps it."""

    topic_id: str
    centroid: np.ndarray
    n_stories: int


def subject_config(config: TopicsConfig) -> StoriesConfig:
    """The story engine's settings that make it cluster subjects: no time decay, no lexical term, one threshold."""
    return StoriesConfig(
        article_threshold=config.threshold, headline_threshold=config.threshold, lexical_weight=0.0,
        shared_neighbours=config.shared_neighbours, shared_neighbour_weight=config.shared_neighbour_weight,
        time_scale_days=NO_TIME_DECAY_DAYS, neighbours=config.neighbours,
    )


def assign_topics(stories: pl.DataFrame, centroids: dict[str, np.ndarray], config: TopicsConfig,
                  known: list[KnownTopic] | None = None) -> dict[str, str]:
    """The topic id of each story of ``stories`` (``story_id, chain_id, first_seen``); ``centroids`` holds the
    stories' unit mean vectors (a story without one is a topic of its own unless its chain says otherwise)."""
    known = known or []
    order = stories.sort("first_seen", "story_id")
    ids = order["story_id"].to_list()
    n, dim = len(ids), _dimension(centroids, known)
    if n == 0:
        return {}
    vectors = np.zeros((n + len(known), dim), dtype=np.float32)
    for row, story in enumerate(ids):
        if story in centroids:
            vectors[row] = centroids[story]
    for row, topic in enumerate(known, start=n):
        vectors[row] = topic.centroid
    days = np.zeros(n + len(known))  # no time decay: every node is compared with every other
    groups = StoryClusterer(subject_config(config)).fit(vectors, days).labels_
    chain_first: dict[str, int] = {}
    pairs = [(row, chain_first.setdefault(chain, row)) for row, chain in enumerate(order["chain_id"].to_list())]
    pairs += [(a, b) for a, b in _same_group_pairs(groups)]
    roots = component_roots(n + len(known), pairs)
    return _topic_ids(ids, roots, known)


def _dimension(centroids: dict[str, np.ndarray], known: list[KnownTopic]) -> int:
    for vector in centroids.values():
        return len(vector)
    return len(known[0].centroid) if known else 1


def _same_group_pairs(groups: np.ndarray) -> list[tuple[int, int]]:
    first: dict[int, int] = {}
    return [(row, first.setdefault(int(group), row)) for row, group in enumerate(groups.tolist())]


def _topic_ids(ids: list[str], roots: np.ndarray, known: list[KnownTopic]) -> dict[str, str]:
    """Names per component: the largest earlier topic it holds, else its first story's topic id (made fresh when an
    earlier topic already has it)."""
    n = len(ids)
    earlier: dict[int, KnownTopic] = {}
    for row, topic in enumerate(known, start=n):
        best = earlier.get(int(roots[row]))
        if best is None or (topic.n_stories, _neg(topic.topic_id)) > (best.n_stories, _neg(best.topic_id)):
            earlier[int(roots[row])] = topic
    taken = {topic.topic_id for topic in known}
    named: dict[int, str] = {}
    result = {}
    for row, story in enumerate(ids):  # time order: a component is named after its first story
        root = int(roots[row])
        if root not in named:
            if root in earlier:
                named[root] = earlier[root].topic_id
            else:
                candidate, attempt = topic_id(story), 0
                while candidate in taken:
                    attempt += 1
                    candidate = fresh_topic_id(topic_id(story), attempt)
                named[root] = candidate
                taken.add(candidate)
        result[story] = named[root]
    return result


def _neg(text: str) -> tuple[int, ...]:
    """A key that orders strings in reverse (for "the lowest id wins" inside a max)."""
    return tuple(-ord(c) for c in text)


def topic_labels(stories: pl.DataFrame, max_words: int) -> dict[str, str]:
    """A label per topic from its stories (``topic_id, label, headline``): the story's own label for a topic of one
    story, else the topic's headlines cut to the words its stories share."""
    sizes = Counter(stories["topic_id"].to_list())
    single = stories.filter(pl.col("topic_id").is_in([t for t, k in sizes.items() if k == 1]))
    labels = dict(zip(single["topic_id"], single["label"], strict=True))
    several = stories.filter(~pl.col("topic_id").is_in(list(labels)))
    if not several.is_empty():
        texts = several.select(pl.col("topic_id").alias("story_id"), pl.col("headline").alias("title"),
                               pl.col("label").alias("lead"))
        labels.update(label_stories(texts, max_words))
    return labels


def topic_centroid(members: list[np.ndarray], earlier: KnownTopic | None = None) -> np.ndarray:
    """Unit mean of a topic's story centroids, an earlier topic's centroid counted once per story it held."""
    total = np.sum(members, axis=0) if members else np.zeros_like(earlier.centroid if earlier else np.zeros(1))
    if earlier is not None:
        total = total + earlier.centroid * earlier.n_stories
    norm = float(np.linalg.norm(total))
    return (total / norm).astype(np.float32) if norm else np.asarray(total, dtype=np.float32)

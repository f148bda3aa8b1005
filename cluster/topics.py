"""Topics: the subjects that tie stories together over weeks or years (a person, an organisation, a league, an
ongoing affair such as a debt crisis or a war). Every story belongs to exactly one topic; a topic may hold one story.

**Clustering.** Stories are clustered by their centroids (the unit mean embedding of their canonical articles) with
the story engine's own average linkage (``stories.StoryClusterer``), configured for subjects rather than events: no
time decay (a subject outlives any event), one threshold (``topics.threshold``), the lexical term on the stories'
headlines (``topics.lexical_weight``: the names and words a subject's stories share, "Aleppo", "Assad", "Article 50"),
and the shared-neighbour signal, which lets a dense subject (many stories about one person) hold together while two
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
from .lexical import lexical_vectors
from .stories import StoryClusterer

NO_TIME_DECAY_DAYS = 1e6  # the time scale that makes the story engine's time penalty vanish


@dataclass(frozen=True)
class KnownTopic:
    """A topic of earlier nights, as the state keeps it."""

    topic_id: str
    centroid: np.ndarray
    n_stories: int


def subject_config(config: TopicsConfig) -> StoriesConfig:
    """The story engine's settings that make it cluster subjects: no time decay, one threshold."""
    return StoriesConfig(
        article_threshold=config.threshold, headline_threshold=config.threshold, lexical_weight=config.lexical_weight,
        shared_neighbours=config.shared_neighbours, shared_neighbour_weight=config.shared_neighbour_weight,
        time_scale_days=NO_TIME_DECAY_DAYS, neighbours=config.neighbours,
    )


def assign_topics(stories: pl.DataFrame, centroids: dict[str, np.ndarray], config: TopicsConfig,
                  known: list[KnownTopic] | None = None, texts: dict[str, str] | None = None) -> dict[str, str]:
    """The topic id of each story of ``stories`` (``story_id, chain_id, first_seen``); ``centroids`` holds the
    stories' unit mean vectors (a story without one is a topic of its own unless its chain says otherwise);
    ``texts`` the headlines of each story's articles, for the lexical term (names a subject's stories share)."""
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
    rich, lexical = None, None
    if texts and config.lexical_weight > 0:  # earlier topics have no text: their pairs count the embedding alone
        headlines = [texts.get(story, "") for story in ids] + [""] * len(known)
        rich = np.array([1.0 if text else 0.0 for text in headlines])
        lexical = lexical_vectors(headlines, [""] * len(headlines), min_df=1) if rich.any() else None
    # richness here only marks the nodes with text (tonight's stories, not earlier topics): one kind of node
    groups = StoryClusterer(subject_config(config), kinds=False).fit(vectors, days, rich, lexical).labels_
    pairs = _to_first_of_key(order["chain_id"].to_list()) + _to_first_of_key(groups.tolist())
    roots = component_roots(n + len(known), pairs)
    return _topic_ids(ids, roots, known)


def _dimension(centroids: dict[str, np.ndarray], known: list[KnownTopic]) -> int:
    for vector in centroids.values():
        return len(vector)
    return len(known[0].centroid) if known else 1


def _to_first_of_key(keys: list) -> list[tuple[int, int]]:
    """Each row linked to the first row with the same key (a chain, a cluster): the edges of their components."""
    first: dict = {}
    return [(row, first.setdefault(key, row)) for row, key in enumerate(keys)]


def _topic_ids(ids: list[str], roots: np.ndarray, known: list[KnownTopic]) -> dict[str, str]:
    """Names per component: the largest earlier topic it holds (most stories, then lowest id), else its first
    story's topic id (made fresh when an earlier topic already has it)."""
    n = len(ids)
    held: dict[int, list[KnownTopic]] = {}
    for row, topic in enumerate(known, start=n):
        held.setdefault(int(roots[row]), []).append(topic)
    earlier = {root: min(topics, key=lambda t: (-t.n_stories, t.topic_id)).topic_id for root, topics in held.items()}
    taken = {topic.topic_id for topic in known}
    named: dict[int, str] = {}
    result = {}
    for row, story in enumerate(ids):  # time order: a new component is named after its first story
        root = int(roots[row])
        if root not in named:
            named[root] = earlier.get(root) or _fresh(topic_id(story), taken)
            taken.add(named[root])
        result[story] = named[root]
    return result


def _fresh(natural: str, taken: set[str]) -> str:
    candidate, attempt = natural, 0
    while candidate in taken:
        attempt += 1
        candidate = fresh_topic_id(natural, attempt)
    return candidate


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
    parts = [*members, *([earlier.centroid * earlier.n_stories] if earlier is not None else [])]
    total = np.sum(parts, axis=0)
    norm = float(np.linalg.norm(total))
    return (total / norm).astype(np.float32) if norm else np.asarray(total, dtype=np.float32)

"""Time-aware story clustering, chains of recurring events, and deterministic story ids.

Each canonical article is a point ``x = [v, t / τ]``: its unit-length embedding ``v`` and its publication time ``t``
in days scaled by ``time_scale_days`` (τ). The squared distance of two articles is then
``|v1 - v2|² + (Δt / τ)² = 2 (1 - cos) + (Δt / τ)²``: similarity decays with the time between them, and articles
a week apart need far closer wording to join one story than articles an hour apart. Average-linkage agglomerative
clustering (scikit-learn), restricted to a sparse k-nearest-neighbour graph so memory stays linear, cuts the
dendrogram at ``distance_threshold``: the number of stories follows from the data. Every article ends in exactly one
story; singletons are stories of one.

Stories whose centroids are close (cosine ≥ ``chain_similarity``) but whose time spans are at least
``chain_min_gap_days`` apart are rounds of one recurring event: they share a ``chain_id`` and are numbered by time.
"""

from __future__ import annotations

import hashlib

import numpy as np
import polars as pl
from sklearn.cluster import AgglomerativeClustering
from sklearn.neighbors import kneighbors_graph

from .config import StoriesConfig
from .schema import STORY_MEMBERS, conform

SECONDS_PER_DAY = 86_400.0


class StoryClusterer:
    """Agglomerative clustering of time-scaled embeddings; ``labels_`` holds one story index per row."""

    def __init__(self, distance_threshold: float = 1.0, time_scale_days: float = 7.0, neighbours: int = 30) -> None:
        self.distance_threshold = distance_threshold
        self.time_scale_days = time_scale_days
        self.neighbours = neighbours

    def features(self, vectors: np.ndarray, days: np.ndarray) -> np.ndarray:
        scaled_time = (days - days.min()) / self.time_scale_days if len(days) else days
        return np.hstack([vectors.astype(np.float64), scaled_time[:, None]])

    def fit(self, vectors: np.ndarray, days: np.ndarray) -> "StoryClusterer":
        n = len(vectors)
        if n < 2:
            self.labels_ = np.zeros(n, dtype=np.int64)
            return self
        points = self.features(vectors, days)
        k = min(self.neighbours, n - 1)
        graph = kneighbors_graph(points, n_neighbors=k, mode="connectivity", include_self=False)
        model = AgglomerativeClustering(
            n_clusters=None,
            distance_threshold=self.distance_threshold,
            linkage="average",
            connectivity=graph,
        )
        self.labels_ = model.fit_predict(points)
        return self


def story_id(first_article_id: str) -> str:
    return "s-" + hashlib.sha1(first_article_id.encode()).hexdigest()[:12]


def cluster_stories(canonicals: pl.DataFrame, vectors: np.ndarray, config: StoriesConfig) -> pl.DataFrame:
    """Story of each canonical article (``schema.STORY_MEMBERS``), independent of the input's row order.

    ``canonicals`` has ``article_id`` and ``published_at``; row ``i`` of ``vectors`` belongs to its row ``i``.
    """
    order = canonicals.with_row_index("row").sort("published_at", "article_id")
    rows = order["row"].to_numpy()
    ordered_vectors = vectors[rows] if len(rows) else vectors
    days = order["published_at"].dt.epoch("s").to_numpy().astype(np.float64) / SECONDS_PER_DAY
    labels = StoryClusterer(config.distance_threshold, config.time_scale_days, config.neighbours).fit(
        ordered_vectors, days
    ).labels_
    members = order.select("article_id").with_columns(pl.Series("cluster", labels, dtype=pl.Int64))
    first_ids = members.group_by("cluster").agg(pl.col("article_id").first().alias("first_id"))
    centrality = _centrality(ordered_vectors, labels)
    table = members.join(first_ids, on="cluster", how="left", maintain_order="left").with_columns(
        pl.col("first_id").map_elements(story_id, return_dtype=pl.String).alias("story_id"),
        pl.Series("centrality", centrality, dtype=pl.Float64),
    )
    return conform(table, STORY_MEMBERS, "stories")


def _centrality(vectors: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Cosine of each vector to its cluster's normalised mean."""
    result = np.ones(len(labels), dtype=np.float64)
    for label in np.unique(labels):
        rows = labels == label
        centre = vectors[rows].mean(axis=0)
        norm = np.linalg.norm(centre)
        if norm > 0:
            result[rows] = vectors[rows] @ (centre / norm)
    return np.round(result, 6)


def centroids(members: pl.DataFrame, ids: list[str], vectors: np.ndarray) -> dict[str, np.ndarray]:
    """Unit-length mean vector of each story; ``ids[i]`` is the article of ``vectors[i]``."""
    row_of = {article_id: i for i, article_id in enumerate(ids)}
    result = {}
    for story, articles in members.group_by("story_id").agg("article_id").iter_rows():
        centre = vectors[[row_of[a] for a in articles]].mean(axis=0)
        result[story] = centre / (np.linalg.norm(centre) or 1.0)
    return result


def _rounds(roots: list[int], first: np.ndarray, last: np.ndarray, min_gap_days: float) -> list[int]:
    """Round of each story (rows in time order) within its chain: a new round starts after a gap in coverage.

    Stories of one chain that overlap in time, or follow each other within ``min_gap_days``, are parts of the same
    occurrence and share its round number.
    """
    rounds: list[int] = []
    current: dict[int, tuple[int, float]] = {}
    for row, root in enumerate(roots):
        number, covered_until = current.get(root, (0, -np.inf))
        if first[row] - covered_until >= min_gap_days or number == 0:
            number += 1
        current[root] = (number, max(covered_until, last[row]))
        rounds.append(number)
    return rounds


def link_chains(spans: pl.DataFrame, story_centroids: dict[str, np.ndarray], config: StoriesConfig) -> pl.DataFrame:
    """``chain_id`` and ``round`` for each story of ``spans`` (``story_id, first_seen, last_seen``).

    Two stories are linked when their centroids' cosine is at least ``chain_similarity`` and the gap between their
    time spans is at least ``chain_min_gap_days``; chains are the connected components, rounds their time order.
    """
    spans = spans.sort("first_seen", "story_id")
    ids = spans["story_id"].to_list()
    first = spans["first_seen"].dt.epoch("s").to_numpy() / SECONDS_PER_DAY
    last = spans["last_seen"].dt.epoch("s").to_numpy() / SECONDS_PER_DAY
    parent = list(range(len(ids)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    if ids:
        matrix = np.stack([story_centroids[s] for s in ids])
        similar = matrix @ matrix.T >= config.chain_similarity
        for i, j in zip(*np.nonzero(np.triu(similar, k=1)), strict=True):
            gap = max(first[j] - last[i], first[i] - last[j])
            if gap >= config.chain_min_gap_days:
                root_i, root_j = find(int(i)), find(int(j))
                parent[max(root_i, root_j)] = min(root_i, root_j)
    roots = [find(i) for i in range(len(ids))]
    rounds = _rounds(roots, first, last, config.chain_min_gap_days)
    chain_size = {root: roots.count(root) for root in set(roots)}
    return pl.DataFrame(
        {
            "story_id": ids,
            "chain_id": ["c-" + ids[root][2:] for root in roots],
            "round": pl.Series(rounds, dtype=pl.Int32),
            "chain_length": pl.Series([chain_size[r] for r in roots], dtype=pl.Int32),
        },
        schema={"story_id": pl.String, "chain_id": pl.String, "round": pl.Int32, "chain_length": pl.Int32},
    )

"""The story stage's average linkage over Spark tasks, one bucket of whole connected blocks per task.

Clusters only ever merge along edges of the candidate graph (``stories.average_linkage``), so the merges inside one
connected block of that graph never touch another block: running the linkage on each block alone, on its rows and
edges in their order, gives the same stories as running it on all of them at once. The blocks (``graph``'s
components of the edges, on the driver: a sparse pass over ``n × k`` edges) are dealt into buckets, root modulo
``spark.shuffle_partitions``, and each bucket is one task on the broadcast vectors, days, richness and
neighbourhood sizes; the driver numbers the stories from the tasks' answers (the same partition of the rows as the
local engine's; the story numbers themselves may differ, and nothing reads them but the partition).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...graph import component_roots
from ...stories import StoryClusterer, average_linkage
from .session import broadcast_tasks, in_job_group

JOB_GROUP = "newsclust-linkage"


class SparkLinkage:
    """A ``stories.LinkageRunner`` whose buckets of connected blocks run as Spark tasks."""

    def __init__(self, spark: Any, buckets: int) -> None:
        self.spark = spark
        self.buckets = buckets

    @in_job_group(JOB_GROUP, "newsclust stories: average linkage per connected block")
    def __call__(self, vectors: np.ndarray, days: np.ndarray, rich: np.ndarray, hood: np.ndarray, rows: np.ndarray,
                 cols: np.ndarray, extra: np.ndarray, model: StoryClusterer) -> np.ndarray:
        n = len(vectors)
        bucket = component_roots(n, np.stack([rows, cols], axis=1)) % self.buckets
        payloads = [(np.flatnonzero(bucket == b), np.flatnonzero(bucket[rows] == b)) for b in np.unique(bucket)]
        config = model.config

        def run_bucket(shared: tuple[np.ndarray, ...], payload: tuple[np.ndarray, np.ndarray]
                       ) -> tuple[np.ndarray, np.ndarray]:
            members, edges = payload
            all_vectors, all_days, all_rich, all_hood, all_rows, all_cols, all_extra = shared
            local = np.searchsorted(members, np.stack([all_rows[edges], all_cols[edges]]))
            labels = average_linkage(all_vectors[members], all_days[members], all_rich[members], all_hood[members],
                                     local[0], local[1], all_extra[edges], StoryClusterer(config))
            return members, labels

        answers = broadcast_tasks(self.spark, (vectors, days, rich, hood, rows, cols, extra), payloads, run_bucket)
        keys = np.empty(n, dtype=np.int64)
        offset = 0
        for members, labels in answers:
            keys[members] = labels + offset
            offset += int(labels.max()) + 1 if len(labels) else 0
        return np.unique(keys, return_inverse=True)[1].astype(np.int64)

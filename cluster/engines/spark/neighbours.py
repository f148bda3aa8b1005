"""The story stage's candidate-neighbour search over Spark tasks, tile pair for tile pair the local search.

``stories.neighbour_tiles`` cuts the time-sorted rows into tiles and pairs each with itself and with the later tiles
within ``2τ`` days; each pair is one task running ``stories.neighbour_tile`` on the broadcast vectors and days. Its
best lists, keyed by their first row, are merged on the executors (``merge_best``, whose result does not depend on
the order of the merges), so the driver receives one ``k``-wide list per tile (``n × k`` columns and scores in all:
43 MB at 100k articles and ``k`` = 30) and rescores the chosen cells as the local search does. The tiles are the
local search's own (the same ``tile_rows``): the last bit of a float32 dot product can depend on the shape of the
matrix product that computes it, and with the same tiles (and the same numpy and BLAS build on the executors) the
candidates are the local ones bit for bit.

The vectors are broadcast whole (``n × 384`` float32: 150 MB at 100k articles, 1.5 GB at a million); beyond that a
time-bucketed shuffle of the window's vectors is the step to take (``docs/scale.md``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ... import _kernel
from ...stories import (
    TILE_ROWS,
    Tile,
    merge_lists,
    neighbour_tile,
    neighbour_tiles,
    rescored_neighbours,
    unfilled_neighbours,
)
from .session import broadcast_reduced, in_job_group

JOB_GROUP = "newsclust-neighbours"

BestList = tuple[np.ndarray, np.ndarray]  # columns and scores of consecutive rows, best first


class SparkNeighbours:
    """A ``stories.NeighbourFinder`` that runs the tile pairs as Spark tasks."""

    def __init__(self, spark: Any, tile_rows: int = TILE_ROWS) -> None:
        self.spark = spark
        self.tile_rows = tile_rows

    @in_job_group(JOB_GROUP, "newsclust stories: candidate neighbours")
    def __call__(self, vectors: np.ndarray, days: np.ndarray, time_scale_days: float, k: int
                 ) -> tuple[np.ndarray, np.ndarray]:
        k, index, sims = unfilled_neighbours(len(vectors), k)
        if k <= 0:
            return index, sims
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        days = np.asarray(days, np.float64)

        def run_tile(shared: tuple[np.ndarray, np.ndarray], tile: Tile) -> list[tuple[int, BestList]]:
            return [(first, (columns, scores)) for first, columns, scores in neighbour_tile(*shared, time_scale_days,
                                                                                             k, tile)]

        tiles = neighbour_tiles(days, time_scale_days, self.tile_rows)
        merged = broadcast_reduced(self.spark, (vectors, days), tiles, run_tile, _merged)
        merge_lists(index, sims, [(first, columns, scores) for first, (columns, scores) in merged])
        return rescored_neighbours(vectors, days, time_scale_days, index, sims)


def _merged(one: BestList, other: BestList) -> BestList:
    """The best of two lists of the same rows (a new list: Spark may hand either again to another merge)."""
    columns, scores = one[0].copy(), one[1].copy()
    _kernel.merge_best(columns, scores, *other)
    return columns, scores

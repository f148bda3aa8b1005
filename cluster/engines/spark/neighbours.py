"""The story stage's candidate-neighbour search over Spark tasks, block for block the local search.

``stories.neighbour_blocks`` cuts the time-sorted rows into blocks, each compared with the rows within ``2τ`` days
of it; each block is one task running ``stories.neighbour_block`` on the broadcast vectors and days, and the driver
puts the blocks' rows back in place. The blocks are the local search's own (the same ``block_cells``): a row's
candidates do not depend on its block (``neighbour_block`` compares a row only with the rows within ``2τ`` of its
own day), but the last bit of a float32 dot product can depend on the shape of the matrix product that computes it,
and with the same blocks (and the same numpy and BLAS build on the executors) the similarities are the local ones
bit for bit.

The vectors are broadcast whole (``n × 384`` float32: 150 MB at 100k articles, 1.5 GB at a million); beyond that a
time-bucketed shuffle of the window's vectors is the step to take (``docs/scale.md``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...stories import BLOCK_CELLS, WINDOW_TAUS, neighbour_block, neighbour_blocks, unfilled_marked, unfilled_neighbours
from .session import broadcast_tasks, in_job_group

JOB_GROUP = "newsclust-neighbours"


class SparkNeighbours:
    """A ``stories.NeighbourFinder`` that runs the blocks as Spark tasks."""

    def __init__(self, spark: Any, block_cells: int = BLOCK_CELLS) -> None:
        self.spark = spark
        self.block_cells = block_cells

    @in_job_group(JOB_GROUP, "newsclust stories: candidate neighbours")
    def __call__(self, vectors: np.ndarray, days: np.ndarray, time_scale_days: float, k: int
                 ) -> tuple[np.ndarray, np.ndarray]:
        k, index, sims = unfilled_neighbours(len(vectors), k)
        if k <= 0:
            return index, sims
        blocks = neighbour_blocks(days, WINDOW_TAUS * time_scale_days, self.block_cells)

        def run_block(shared: tuple[np.ndarray, np.ndarray], block: tuple[int, int, int, int]
                      ) -> tuple[int, np.ndarray, np.ndarray]:
            start, stop, lo, hi = block
            local_index = np.full((stop - start, k), -1, dtype=np.int64)
            local_sims = np.full((stop - start, k), -np.inf, dtype=np.float64)
            neighbour_block(*shared, time_scale_days, k, start, stop, lo, hi, local_index, local_sims,
                            row_offset=start)
            return start, local_index, local_sims

        shared = (np.ascontiguousarray(vectors, dtype=np.float32), np.asarray(days, np.float64))
        for start, block_index, block_sims in broadcast_tasks(self.spark, shared, blocks, run_block):
            index[start : start + len(block_index)] = block_index
            sims[start : start + len(block_sims)] = block_sims
        return unfilled_marked(index, sims)

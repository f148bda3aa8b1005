"""The story engine's average linkage as it was written in Python before its loop moved into the compiled kernel:
the oracle that tests compare ``stories.average_linkage`` against (same merges, same stories)."""

from __future__ import annotations

import heapq
from collections.abc import Callable

import numpy as np

from cluster.stories import root_labels

HEAP_COMPACT_MIN = 1024  # the merge heap is cleared of stale entries when it has doubled, and not below this size


def _adjacency(n: int, rows: np.ndarray, cols: np.ndarray, extra: np.ndarray) -> list[dict[int, float]]:
    """Per cluster (one per article to start with), the summed edge terms ``X`` to each neighbouring cluster."""
    adjacency: list[dict[int, float]] = [dict() for _ in range(n)]
    for a, b, x in zip(rows.tolist(), cols.tolist(), extra.tolist(), strict=False):
        if a != b:
            adjacency[a][b] = adjacency[a].get(b, 0.0) + x
            adjacency[b][a] = adjacency[b].get(a, 0.0) + x
    return adjacency


def _initial_heap(
    adjacency: list[dict[int, float]], linkage: Callable[[int, np.ndarray, np.ndarray], np.ndarray]
) -> list[tuple[float, int, int, int, int]]:
    """Heap of ``(-linkage, a, b, 0, 0)`` for every edge-joined pair ``a < b`` of articles whose linkage reaches 0."""
    heap: list[tuple[float, int, int, int, int]] = []
    for a in range(len(adjacency)):
        others = np.fromiter((b for b in adjacency[a] if b > a), dtype=np.int64)
        if len(others):
            values = linkage(a, others, np.array([adjacency[a][b] for b in others.tolist()]))
            for b, value in zip(others.tolist(), values.tolist(), strict=False):
                if value >= 0:
                    heap.append((-value, a, b, 0, 0))
    heapq.heapify(heap)
    return heap


def _is_current(entry: tuple[float, int, int, int, int], alive: np.ndarray, version: np.ndarray) -> bool:
    """Whether a heap entry still describes two live clusters as they are (neither has merged since)."""
    _, a, b, version_a, version_b = entry
    return bool(alive[a] and alive[b]) and version[a] == version_a and version[b] == version_b


def _current_entries(heap: list[tuple[float, int, int, int, int]], alive: np.ndarray, version: np.ndarray
                     ) -> list[tuple[float, int, int, int, int]]:
    """The heap without its stale entries. A merge leaves the entries of both clusters in the heap (they are skipped
    when popped): after many merges they are most of it, and dropping them in one pass is cheaper than popping each.
    The current entries and so the order of merges are unchanged."""
    kept = [entry for entry in heap if _is_current(entry, alive, version)]
    heapq.heapify(kept)
    return kept


def reference_average_linkage(vectors: np.ndarray, days: np.ndarray, rich: np.ndarray, hood: np.ndarray,
                              rows: np.ndarray, cols: np.ndarray, extra: np.ndarray, model) -> np.ndarray:
    """Merge the pair of edge-joined clusters with the highest mean ``S − θ`` until none reaches 0.

    Per cluster: size, sum of embeddings, sums of days and squared days, sum of richness, and for each neighbouring
    cluster the sum ``X`` of the edge terms between them. The shared-neighbour overlap is corrected for chance: two
    neighbourhoods of sizes ``h_i`` and ``h_j`` drawn from ``n`` articles share ``h_i h_j / n`` members on average
    (``hood`` holds ``h / √(n (k + 1))``, so the correction is a product of cluster sums). In a large batch it is
    negligible; in a batch of a handful of articles, where every neighbourhood holds everyone, it cancels the signal.
    Deterministic: ties go to the lower cluster ids.
    """
    c = model.config
    n = len(vectors)
    keep = 1.0 - c.shared_neighbour_weight
    size = np.ones(n, dtype=np.float64)
    total = vectors.astype(np.float64)
    day_sum = days.copy()
    day_sq = days * days
    rich_sum = rich.astype(np.float64).copy()
    hood_sum = hood.astype(np.float64).copy()
    chance_weight = c.shared_neighbour_weight
    adjacency = _adjacency(n, rows, cols, extra)
    version = np.zeros(n, dtype=np.int64)
    alive = np.ones(n, dtype=bool)

    def linkage(a: int, others: np.ndarray, sums: np.ndarray) -> np.ndarray:
        pairs = size[a] * size[others]
        cosine = (total[others] @ total[a]) / pairs
        mean_a, mean_o = day_sum[a] / size[a], day_sum[others] / size[others]
        var_a = max(day_sq[a] / size[a] - mean_a * mean_a, 0.0)
        var_o = np.maximum(day_sq[others] / size[others] - mean_o * mean_o, 0.0)
        penalty = ((mean_a - mean_o) ** 2 + var_a + var_o) / (2 * c.time_scale_days**2)
        theta = model.pair_threshold(rich_sum[a] / size[a], rich_sum[others] / size[others])
        chance = chance_weight * hood_sum[a] * hood_sum[others] / pairs
        return keep * (cosine - penalty) + sums / pairs - chance - theta

    heap = _initial_heap(adjacency, linkage)
    compact_at = max(2 * len(heap), HEAP_COMPACT_MIN)
    parent = np.arange(n)
    while heap:
        if len(heap) > compact_at:  # most entries are stale by now: drop them at once instead of popping each
            heap = _current_entries(heap, alive, version)
            compact_at = max(2 * len(heap), HEAP_COMPACT_MIN)
            continue
        entry = heapq.heappop(heap)
        if not _is_current(entry, alive, version):
            continue
        _, a, b, _, _ = entry
        keep_id, gone = (a, b) if (len(adjacency[a]), -a) >= (len(adjacency[b]), -b) else (b, a)
        alive[gone] = False
        parent[gone] = keep_id
        size[keep_id] += size[gone]
        total[keep_id] += total[gone]
        day_sum[keep_id] += day_sum[gone]
        day_sq[keep_id] += day_sq[gone]
        rich_sum[keep_id] += rich_sum[gone]
        hood_sum[keep_id] += hood_sum[gone]
        kept = adjacency[keep_id]
        kept.pop(gone, None)
        for other, x in adjacency[gone].items():
            if other == keep_id:
                continue
            adjacency[other].pop(gone, None)
            kept[other] = kept.get(other, 0.0) + x
            adjacency[other][keep_id] = kept[other]
        adjacency[gone] = {}
        version[keep_id] += 1
        if kept:
            others = np.fromiter(kept.keys(), dtype=np.int64, count=len(kept))
            values = linkage(keep_id, others, np.fromiter(kept.values(), dtype=np.float64, count=len(kept)))
            for other, value in zip(others.tolist(), values.tolist(), strict=False):
                if value >= 0:
                    lo, hi = (keep_id, other) if keep_id < other else (other, keep_id)
                    heapq.heappush(heap, (-value, lo, hi, int(version[lo]), int(version[hi])))
    return root_labels(parent)

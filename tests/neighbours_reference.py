"""A neighbour block's best columns as numpy took them before the step moved into the compiled kernel
(``_kernel.best_columns``): the oracle the kernel is tested against (same columns, same scores, same order).

Exact without scoring every cell: columns are cut into groups whose best cosine bounds what the group can reach,
and only columns that can reach a row's ``take``-th best are scored."""

from __future__ import annotations

import numpy as np

from cluster.stories import WINDOW_TAUS, _exact_scores

GROUP_COLUMNS = 64  # at most this many columns per group when a row's best columns are found by bounds
GROUPS_PER_TAKE = 8  # at least this many groups per column taken (fewer groups give loose bounds: score densely)


def reference_best_columns(products: np.ndarray, row_days: np.ndarray, column_days: np.ndarray, own: np.ndarray,
                  time_scale_days: float, take: int) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the ``take`` columns of the highest scores ``E − (Δt/τ)²/2`` (the row's own column ``own`` and
    columns beyond ``2τ`` excluded; ties to the lower column) and their scores, best first.

    Exact, without scoring every cell: the columns are cut into groups of up to ``GROUP_COLUMNS`` consecutive ones
    (close in time, since rows are in time order), at least ``GROUPS_PER_TAKE`` groups per column taken. A group's
    best cosine minus the largest penalty of its days is a score one of its columns reaches; the ``take``-th highest
    of these over the groups, ``t``, is at most the row's ``take``-th best score. A column can only be among the best
    if its cosine minus the smallest penalty of its group's days reaches ``t``; only those (a few dozen of thousands
    on a night of real articles) are scored. ``products`` is overwritten."""
    n_rows, width = products.shape
    group = min(GROUP_COLUMNS, width // (GROUPS_PER_TAKE * take))
    if group < 8:
        scores = _exact_scores(products, row_days[:, None], column_days[None, :], time_scale_days)
        scores[np.arange(n_rows), own] = -np.inf
        part = top_columns(scores, take)
        order = np.lexsort((part, -np.take_along_axis(scores, part, axis=1)), axis=1)
        part = np.take_along_axis(part, order, axis=1)
        return part, np.take_along_axis(scores, part, axis=1)
    starts = np.arange(0, width, group)
    products[np.arange(n_rows), own] = -np.inf
    if max(column_days[-1] - row_days[0], row_days[-1] - column_days[0]) / time_scale_days > WINDOW_TAUS:
        gap = (row_days[:, None] - column_days[None, :]) / time_scale_days
        products[np.abs(gap) > WINDOW_TAUS] = -np.inf
    best = np.maximum.reduceat(products, starts, axis=1).astype(np.float64)
    first_day, last_day = column_days[starts], column_days[np.minimum(starts + group, width) - 1]
    gap_first = (row_days[:, None] - first_day[None, :]) / time_scale_days
    gap_last = (row_days[:, None] - last_day[None, :]) / time_scale_days
    most = 0.5 * np.maximum(gap_first * gap_first, gap_last * gap_last)
    least = np.where(gap_first * gap_last <= 0, 0.0, 0.5 * np.minimum(gap_first * gap_first, gap_last * gap_last))
    reached = best - most
    cut = np.partition(reached, len(starts) - take, axis=1)[:, len(starts) - take]
    # 1e-6: far above the rounding of any of these sums, so a column that might tie with the cut is kept
    floor = (cut[:, None] + least - 1e-6).astype(np.float32)
    rows, columns = np.nonzero(products >= np.repeat(floor, group, axis=1)[:, :width])
    scores = _exact_scores(products[rows, columns], row_days[rows], column_days[columns], time_scale_days)
    order = np.lexsort((columns, -scores, rows))
    rows, columns, scores = rows[order], columns[order], scores[order]
    rank = np.arange(len(rows)) - np.searchsorted(rows, rows)
    kept = rank < take
    return columns[kept].reshape(n_rows, take), scores[kept].reshape(n_rows, take)


def top_columns(scores: np.ndarray, take: int) -> np.ndarray:
    """Per row, the columns of its ``take`` highest scores (``take`` < the row's width), ties at the cut going to the
    lower columns, in column order. One partition per row finds the cut (numpy partitions towards the top many
    times faster than an argpartition of the negated scores); only rows with ties at the cut are settled one by one."""
    cut = scores.shape[1] - take
    kth = np.partition(scores, cut, axis=1)[:, cut : cut + 1]
    chosen = scores >= kth
    for row in np.flatnonzero(chosen.sum(axis=1) > take):
        ties = np.flatnonzero(scores[row] == kth[row, 0])
        chosen[row, ties[take - int((scores[row] > kth[row, 0]).sum()) :]] = False
    return np.nonzero(chosen)[1].reshape(len(scores), take)

"""Canonical choice: which member of a group is the original publisher, and which rule decided it.

Every article gets one sort key per canonical rule (``RULE_KEYS``: the rules of ``rules.CANONICAL_RULES`` in its
order; the smaller key wins): the member that sorts first over all keys is the canonical, and the deciding rule is
the first whose key differs between it and the runner-up.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from ..config import DedupConfig

# The key column of each canonical rule, in rule order; each holds what its name says (False sorts before True).
RULE_KEYS: dict[str, str] = {
    "not_aggregator": "is_aggregator",  # listed in dedup.aggregators
    "dated": "date_missing",  # no publication date of its own (it carries the run date)
    "earliest": "published_us",  # publication time, microseconds since the epoch (0 without one)
    "source_priority": "source_rank",  # place in dedup.source_priority; unlisted sources after all listed ones
    "most_complete": "minus_length",  # minus the characters of the body (of the title when the body is empty)
    "lowest_id": "article_id",
}


class CanonicalChooser:
    """``fit`` computes every article's keys (``keys_``, one column per rule in rule order) and its place when all
    articles are sorted by them (``rank_``); ``choose(members)`` then names a group's canonical and its rule."""

    def __init__(self, config: DedupConfig) -> None:
        self.config = config

    def fit(self, frame: pl.DataFrame) -> CanonicalChooser:
        """``frame`` holds ``source``, ``date_missing``, ``published_at``, ``title``, ``body`` (no nulls in the last
        two) and ``article_id`` of every article."""
        priority = {source: rank for rank, source in enumerate(self.config.source_priority)}
        text = pl.when(pl.col("body") != "").then(pl.col("body")).otherwise(pl.col("title"))
        rank = pl.col("source").replace_strict(priority, default=len(priority), return_dtype=pl.Int64)
        self.keys_ = frame.select(
            pl.col("source").is_in(list(self.config.aggregators)).fill_null(False).alias("is_aggregator"),
            pl.col("date_missing").fill_null(False).alias("date_missing"),
            pl.col("published_at").dt.epoch("us").fill_null(0).alias("published_us"),
            rank.alias("source_rank"),
            (-text.str.len_chars().cast(pl.Int64)).alias("minus_length"),
            pl.col("article_id"),
        )
        order = self.keys_.with_row_index("i").sort(list(RULE_KEYS.values()))["i"].to_numpy()
        self.rank_ = np.empty(len(order), dtype=np.int64)
        self.rank_[order] = np.arange(len(order))
        return self

    def choose(self, members: list[int]) -> tuple[int, str]:
        """The canonical of ``members`` (two or more articles) and the rule that decided it."""
        ranked = sorted(members, key=lambda m: self.rank_[m])
        first, second = self.keys_.row(ranked[0]), self.keys_.row(ranked[1])
        deciding = next(pos for pos in range(len(first)) if first[pos] != second[pos])
        return ranked[0], list(RULE_KEYS)[deciding]

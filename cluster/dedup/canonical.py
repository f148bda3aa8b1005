"""Canonical choice inside the dedup stage: the group's original publisher, by evidence (``origin.OriginChooser``).

``CanonicalChooser.fit`` builds, once per run, the ``origin.Member`` of every article that has a verified link
(raw lines, URL, timestamp, cleaned shingle set) and the shingles of their raw lines in one pass; ``choose`` then
decides one group at a time (the groups stage may ask again for the part of a group that did not match its first
canonical). The rules, in order, are ``cluster.rules.CANONICAL_RULES``; each choice also returns the attribution
lines found in the members, which the ``duplicates`` table records.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import polars as pl

from ..config import DedupConfig
from ..minhash import default_threads
from ..tokens import ShingleSets
from .origin import LineShingles, Member, OriginChooser, line_shingles, members_from_frame
from .provenance import Aggregators, Attribution


@dataclass(frozen=True)
class Choice:
    canonical: int  # row of the canonical article
    rule: str  # the canonical rule that decided
    attributions: dict[int, Attribution] = field(default_factory=dict)  # member row -> its line naming an origin


class CanonicalChooser:
    """``fit(frame, shingles, rows)`` prepares the articles of ``rows``; ``choose(members)`` decides a group."""

    def __init__(self, config: DedupConfig) -> None:
        self.config = config

    def fit(self, frame: pl.DataFrame, shingles: ShingleSets, rows: Iterable[int]) -> CanonicalChooser:
        """``frame`` holds ``article_id, source, url, published_at, date_missing, title, text`` (raw text) of every
        article; ``shingles[i]`` is row ``i``'s cleaned shingle set; ``rows`` are the articles that may be in a
        group."""
        cfg = self.config
        self.rows_ = sorted(set(rows))
        members = members_from_frame(frame[self.rows_], [shingles[row] for row in self.rows_])
        self.members_: dict[int, Member] = dict(zip(self.rows_, members, strict=True))
        self.lines_: dict[int, LineShingles] = dict(
            zip(self.rows_, line_shingles(members, cfg.shingle_size, cfg.threads or default_threads()), strict=True)
        )
        aggregators = Aggregators.from_lists(cfg.aggregators, builtin=cfg.builtin_aggregators)
        self.chooser_ = OriginChooser(cfg.shingle_size, cfg.containment_threshold, cfg.source_priority, aggregators)
        return self

    def choose(self, members: list[int]) -> Choice:
        """The canonical of ``members`` (rows, two or more), the rule that decided, and their attribution lines."""
        ordered = sorted(members)
        choice = self.chooser_.choose([self.members_[m] for m in ordered], [self.lines_[m] for m in ordered])
        row_of = {self.members_[m].article_id: m for m in ordered}
        attributions = {row_of[article]: found.attribution for article, found in choice.evidence.items()
                        if found.attribution is not None}
        return Choice(row_of[choice.canonical], choice.rule, attributions)

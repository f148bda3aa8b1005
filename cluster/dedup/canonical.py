"""Canonical choice inside the dedup stage: the group's original publisher, by evidence (``origin.OriginChooser``).

``CanonicalChooser.fit`` builds, once per run, the ``origin.Member`` of every article that has a verified link
(raw lines, URL, timestamp, cleaned shingle set) and reads their lines for credit cues in one pass; ``choose_many``
then decides many groups at once (the groups stage asks again, in a later round, for the parts of groups that did
not match their first canonical), shingling the lines of those that reach a text rule in one pass. The rules, in
order, are ``cluster.rules.CANONICAL_RULES``; each choice also returns the attribution lines found in the members,
which the ``duplicates`` table records.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import polars as pl

from ..config import DedupConfig
from ..minhash import default_threads
from ..tokens import ShingleSets
from .origin import CanonicalChoice, Member, MemberLines, OriginChooser, member_lines, members_from_frame
from .provenance import Aggregators, Attribution


@dataclass(frozen=True)
class Choice:
    canonical: int  # row of the canonical article
    rule: str  # the canonical rule that decided
    attributions: dict[int, Attribution] = field(default_factory=dict)  # member row -> its line naming an origin


class CanonicalChooser:
    """``fit(frame, shingles, rows)`` prepares the articles of ``rows``; ``choose_many(groups)`` decides groups."""

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
        self.lines_: dict[int, MemberLines] = dict(zip(self.rows_, member_lines(members), strict=True))
        aggregators = Aggregators.from_lists(cfg.aggregators, builtin=cfg.builtin_aggregators)
        self.chooser_ = OriginChooser(cfg.shingle_size, cfg.containment_threshold, cfg.source_priority, aggregators,
                                      cfg.threads or default_threads())
        return self

    def choose(self, members: list[int]) -> Choice:
        """The canonical of ``members`` (rows, two or more), the rule that decided, and their attribution lines."""
        return self.choose_many([members])[0]

    def choose_many(self, groups: list[list[int]]) -> list[Choice]:
        """``choose`` of every group of rows."""
        ordered = [sorted(members) for members in groups]
        choices = self.chooser_.choose_many([[self.members_[m] for m in rows] for rows in ordered],
                                            [[self.lines_[m] for m in rows] for rows in ordered])
        return [self._choice(rows, choice) for rows, choice in zip(ordered, choices, strict=True)]

    def _choice(self, rows: list[int], choice: CanonicalChoice) -> Choice:
        row_of = {self.members_[m].article_id: m for m in rows}
        attributions = {row_of[article]: line for article, line in choice.attributions.items()}
        return Choice(row_of[choice.canonical], choice.rule, attributions)

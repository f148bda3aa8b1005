"""Exact verification: Jaccard and containment of two sets, and the verdict on a pair of articles.

For sets ``A`` and ``B`` sharing ``|A∩B|`` elements, Jaccard is ``|A∩B| / |A∪B| = |A∩B| / (|A| + |B| - |A∩B|)``
(the two texts are mostly the same) and containment ``|A∩B| / min(|A|, |B|)`` (the smaller is mostly inside the
larger: a teaser, a cut copy). ``jaccard`` and ``containment`` are the one place these are computed, from the shared
count and the two sizes, for every caller: the candidate estimates, the verification of shingle sets, the
character 3-grams of short texts and the own parts of shared material. Both are 0 for two empty sets.

A pair of texts compared on shingles is a copy when its Jaccard is at least ``jaccard_threshold`` (rule
``jaccard``) or else its containment is at least ``containment_threshold`` (rule ``containment``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from ..config import DedupConfig
from ..minhash import overlap_counts
from ..tokens import ShingleSets

Pair = tuple[int, int]  # two article positions, the smaller first
Counts = np.ndarray | float  # one count or size, or one per pair


@dataclass(frozen=True)
class Match:
    """Why two articles are copies: their Jaccard, their containment and the rule (``rules.MATCH_RULES``)."""

    jaccard: float
    containment: float
    rule: str


class PairMatcher(Protocol):
    def match(self, i: int, j: int) -> Match | None: ...


def jaccard(shared: Counts, size_a: Counts, size_b: Counts) -> Counts:
    """``shared / (size_a + size_b - shared)``, elementwise for arrays; 0 for two empty sets."""
    return shared / np.maximum(size_a + size_b - shared, 1.0)


def containment(shared: Counts, size_a: Counts, size_b: Counts) -> Counts:
    """``shared / min(size_a, size_b)``, elementwise for arrays; 0 when either set is empty."""
    return shared / np.maximum(np.minimum(size_a, size_b), 1.0)


class ShingleVerifier:
    """Verdicts on pairs of texts compared on their exact shingle sets; each pair is judged once.

    ``verdicts_`` holds every pair judged so far (``None``: not a copy).
    """

    def __init__(self, shingles: ShingleSets, config: DedupConfig) -> None:
        self.shingles = shingles
        self.config = config
        self.verdicts_: dict[Pair, Match | None] = {}

    def verify(self, pairs: np.ndarray) -> dict[Pair, Match]:
        """The verdict on every pair ``(i, j)``, ``i < j`` (all shared counts at once); the pairs that match."""
        if not len(pairs):
            return {}
        shared = overlap_counts(self.shingles.values, self.shingles.offsets, pairs).astype(float)
        sizes = self.shingles.sizes
        size_a, size_b = sizes[pairs[:, 0]].astype(float), sizes[pairs[:, 1]].astype(float)
        jaccards, containments = jaccard(shared, size_a, size_b), containment(shared, size_a, size_b)
        matched = {}
        for k, pair in enumerate(map(tuple, pairs.tolist())):
            verdict = shingle_verdict(float(jaccards[k]), float(containments[k]), self.config)
            self.verdicts_[pair] = verdict
            if verdict is not None:
                matched[pair] = verdict
        return matched

    def match(self, i: int, j: int) -> Match | None:
        pair = (i, j) if i < j else (j, i)
        if pair not in self.verdicts_:
            a, b = self.shingles[i], self.shingles[j]
            shared = len(np.intersect1d(a, b, assume_unique=True))
            self.verdicts_[pair] = shingle_verdict(
                float(jaccard(shared, len(a), len(b))), float(containment(shared, len(a), len(b))), self.config
            )
        return self.verdicts_[pair]


def shingle_verdict(jaccard_: float, containment_: float, config: DedupConfig) -> Match | None:
    """The match of two texts compared on shingles, or ``None``: Jaccard first, then containment."""
    if jaccard_ >= config.jaccard_threshold:
        return Match(jaccard_, containment_, "jaccard")
    if containment_ >= config.containment_threshold:
        return Match(jaccard_, containment_, "containment")
    return None


class ArticleMatcher:
    """The verdict on any two articles: two texts compared on shingles by ``shingles``, two short texts by
    ``short``, and a short text with a long one never (a headline inside a body is a related-stories list)."""

    def __init__(self, shingles: PairMatcher, short: PairMatcher, is_short: np.ndarray) -> None:
        self.shingles = shingles
        self.short = short
        self.is_short = is_short

    def match(self, i: int, j: int) -> Match | None:
        if self.is_short[i] and self.is_short[j]:
            return self.short.match(i, j)
        if self.is_short[i] or self.is_short[j]:
            return None
        return self.shingles.match(i, j)

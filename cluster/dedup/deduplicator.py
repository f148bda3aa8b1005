"""Syndicated-copy detection: candidates → verified pairs → groups → canonical article.

1. Every body (the title where the body is empty) becomes a set of word-shingle hashes, for all articles at once
   (``tokens.shingle_sets``), and a MinHash signature (``candidates.text_signatures``).
2. Candidates come loosely from two views (``candidates``): MinHash LSH bands (pairs of Jaccard from about
   ``candidate_threshold``) and an index of consistently sampled shingles (pairs where much of the smaller text is
   in the larger: teasers, wherever the excerpt starts). A cheap estimate from each view (signature agreement,
   sampled containment) drops candidates that are more than ``estimate_margin`` below both thresholds.
3. Each remaining pair is verified on its exact shingle sets (``verify``): a copy has Jaccard ``|A∩B|/|A∪B|`` at
   least ``jaccard_threshold``, or containment ``|A∩B|/min(|A|,|B|)`` at least ``containment_threshold``.
4. Headline-only items and texts with fewer than ``min_shingles`` shingles are compared on their letters and digits
   only (``short``): ``exact_short``, or near-identical (``near_short``: at most one character edit per
   ``1 / short_edit_share`` characters, and the same numbers); a headline found inside another article's body (a
   related-stories list) is not a copy.
5. Guard against weak links (``guard``): a text contained in two articles that are not copies of each other is
   shared material (a template, a standard notice, a quoted passage), so its containment links are dropped and it
   can join a group only as a near-duplicate (Jaccard) of the canonical (two such texts: only if what is their own,
   the shingles none of their containers has, matches too). The remaining links are joined into connected
   components; then every member must itself verify against its group's canonical, and members that fail are
   regrouped on their own (``groups``). So no chain of pairs can join two articles that do not match.
6. The canonical is the original publisher (``canonical``): not a listed aggregator, then dated, then earliest, then
   by source priority, then the most complete text, then the smallest id; the deciding rule is recorded.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import polars as pl

from ..config import DedupConfig
from ..minhash import default_threads
from ..tokens import ShingleSets, shingle_sets
from .candidates import CandidatePairs, text_signatures
from .canonical import CanonicalChooser
from .groups import Group, verified_groups
from .guard import guard_shared_material
from .short import ShortTexts
from .tables import duplicates_table
from .verify import ArticleMatcher, Match, Pair, ShingleVerifier


class Deduplicator:
    """Finds groups of copies among articles; ``fit`` learns the groups, ``table_`` holds one row per article.

    After ``fit``: ``table_`` (``schema.DUPLICATES``), ``groups_`` (``groups.Group``: canonical, canonical rule,
    {member: match}), ``ids_`` (article ids, in input order), ``shingles_`` (their shingle sets), ``short_`` (mask
    of the short texts), ``signatures_``, ``bands_``/``rows_`` (LSH), counters ``n_candidates_`` (distinct pairs
    from either view), ``n_candidates_lsh_``, ``n_candidates_sampled_``, ``n_checked_`` (pairs verified exactly
    after the estimate filter), ``n_verified_`` (pairs that match), ``n_short_`` (short texts), ``n_refused_``
    (links dropped by the shared-material guard), ``n_split_`` (members split off because they did not match their
    canonical), ``timings_`` (seconds per step), ``index_bytes_`` (signatures and sampled-shingle index held for
    candidate generation) and ``verdicts_`` (every pair verified on shingles: its match or ``None``).

    Steps 1 to 3 run in ``finder`` (default ``LocalLinkFinder``), steps 5 and 6 in ``grouper`` (default
    ``LocalGroupBuilder``); the Spark engine passes its own, which give the same answers. With a finder that runs
    elsewhere, ``signatures_`` is None, ``shingles_`` holds only the sets the later steps need, and ``verdicts_``
    lacks the verdicts the grouper judged on its own (member against canonical).
    """

    def __init__(self, config: DedupConfig, threads: int | None = None, finder: LinkFinder | None = None,
                 grouper: GroupBuilder | None = None) -> None:
        self.config = config
        self.threads = threads or config.threads or default_threads()
        self.finder = finder
        self.grouper = grouper

    def fit(self, articles: pl.DataFrame, cleaned: pl.DataFrame) -> Deduplicator:
        clock = Clock()
        frame = _compared_texts(articles, cleaned)
        self.ids_: list[str] = frame["article_id"].to_list()
        found = (self.finder or LocalLinkFinder(self.config, self.threads)).find(frame, clock)
        self.shingles_, self.short_, self.signatures_ = found.shingles, found.short, found.signatures
        self.bands_, self.rows_ = found.bands, found.rows
        self.n_candidates_lsh_, self.n_candidates_sampled_ = found.n_lsh, found.n_sampled
        self.n_candidates_, self.n_checked_, self.index_bytes_ = found.n_distinct, found.n_checked, found.index_bytes
        links = dict(found.links)

        short = ShortTexts(self.config).fit(frame, self.short_)
        links.update(short.pairs())
        self.n_short_, self.n_verified_ = int(self.short_.sum()), len(links)
        clock.lap("short")

        grouped = (self.grouper or LocalGroupBuilder(self.config)).build(frame, links, found, short)
        self.groups_ = sorted(grouped.groups, key=lambda group: self.ids_[group.canonical])
        self.n_refused_, self.n_split_ = grouped.n_refused, grouped.n_split
        self.table_ = duplicates_table(self.ids_, self.groups_)
        self.verdicts_ = found.verifier.verdicts_
        clock.lap("groups")
        self.timings_ = clock.laps
        return self

@dataclass
class FoundLinks:
    """What the comparison on shingles found, by row of the compared frame: ``shingles`` (a finder that runs
    elsewhere may leave empty the rows that no link and no short text needs), the ``short`` mask, the verified
    ``links``, the ``verifier`` holding every verdict (and judging any further pair), and the candidate counters."""

    shingles: ShingleSets
    short: np.ndarray
    links: dict[Pair, Match]
    verifier: ShingleVerifier
    bands: int
    rows: int
    n_lsh: int
    n_sampled: int
    n_distinct: int
    n_checked: int
    index_bytes: int
    signatures: np.ndarray | None = None


class LinkFinder(Protocol):
    def find(self, frame: pl.DataFrame, clock: Clock) -> FoundLinks:
        """Shingle, sign, propose and verify ``frame``'s ``compared`` texts (``headline_only`` marks the short)."""


class LocalLinkFinder:
    """Steps 1 to 3 in this process: shingle sets and signatures of all texts, the two candidate views, the exact
    verification (``engines.spark`` runs the same steps over partitions)."""

    def __init__(self, config: DedupConfig, threads: int) -> None:
        self.config = config
        self.threads = threads

    def find(self, frame: pl.DataFrame, clock: Clock) -> FoundLinks:
        cfg = self.config
        shingles = shingle_sets(frame["compared"], cfg.shingle_size, threads=self.threads)
        short = short_mask(frame["headline_only"].to_numpy(), shingles, cfg)
        clock.lap("shingles")
        signatures = text_signatures(shingles, short, cfg, self.threads)
        clock.lap("signatures")
        candidates = CandidatePairs(cfg).fit(signatures, shingles, short)
        clock.lap("candidates")
        verifier = ShingleVerifier(shingles, cfg)
        links = verifier.verify(candidates.pairs_)
        clock.lap("verify")
        return FoundLinks(shingles, short, links, verifier, candidates.bands_, candidates.rows_, candidates.n_lsh_,
                          candidates.n_sampled_, candidates.n_distinct_, len(candidates.pairs_),
                          candidates.index_bytes_, signatures)


@dataclass
class Grouped:
    """Steps 5 and 6: the groups (in no particular order), the links the guard refused, the members split off."""

    groups: list[Group]
    n_refused: int
    n_split: int


class GroupBuilder(Protocol):
    def build(self, frame: pl.DataFrame, links: dict[Pair, Match], found: FoundLinks, short: ShortTexts) -> Grouped:
        """Guard ``links``, join them into groups and choose each group's canonical."""


class LocalGroupBuilder:
    """Steps 5 and 6 in this process, over all links at once (``engines.spark`` runs them per connected component:
    no step looks beyond the component of its links)."""

    def __init__(self, config: DedupConfig) -> None:
        self.config = config

    def build(self, frame: pl.DataFrame, links: dict[Pair, Match], found: FoundLinks, short: ShortTexts) -> Grouped:
        return guarded_groups(frame, links, found.shingles, ArticleMatcher(found.verifier, short, found.short),
                              self.config)


def guarded_groups(frame: pl.DataFrame, links: dict[Pair, Match], shingles: ShingleSets, matcher: ArticleMatcher,
                   config: DedupConfig) -> Grouped:
    """The shared-material guard, then the verified groups with their canonicals."""
    kept, shared = guard_shared_material(links, shingles, config)
    chooser = CanonicalChooser(config).fit(frame, shingles, (node for pair in kept for node in pair))
    groups, n_split = verified_groups(kept, shared, chooser, matcher)
    return Grouped(groups, len(links) - len(kept), n_split)


def short_mask(headline_only: np.ndarray, shingles: ShingleSets, config: DedupConfig) -> np.ndarray:
    """The texts compared on their letters instead of shingles: headline-only items and too few shingles."""
    return headline_only | (shingles.sizes < config.min_shingles)


def _compared_texts(articles: pl.DataFrame, cleaned: pl.DataFrame) -> pl.DataFrame:
    """Articles with their cleaned ``body`` (``""`` when missing, and ``title`` too), ``headline_only`` (the body is
    blank) and ``compared``: the text that is shingled, the body or, for a headline-only item, the title."""
    frame = articles.join(cleaned, on="article_id", how="left", maintain_order="left").with_columns(
        pl.col("body").fill_null(""), pl.col("title").fill_null("")
    )
    headline_only = frame["body"].str.strip_chars() == ""
    return frame.with_columns(
        headline_only.alias("headline_only"),
        pl.when(headline_only).then(frame["title"]).otherwise(frame["body"]).alias("compared"),
    )


class Clock:
    """Seconds per named step, each lap measured from the end of the previous one."""

    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = self.laps.get(name, 0.0) + now - self._last
        self._last = now

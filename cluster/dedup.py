"""Syndicated-copy detection: candidates → verified pairs → groups → canonical article.

1. Candidates come loosely from MinHash LSH over word shingles of the de-chromed body.
2. Each candidate pair is verified on its exact shingle sets: a copy has Jaccard ``|A∩B|/|A∪B|`` at least
   ``jaccard_threshold``, or containment ``|A∩B|/min(|A|,|B|)`` at least ``containment_threshold`` (a teaser that
   keeps 30% of an article scores about 0.3 Jaccard but near 1.0 containment).
3. Headline-only items and texts with fewer than ``min_shingles`` shingles are compared only on identical
   normalised text: a headline found inside another article's body (a related-stories list) is not a copy.
4. Union-find joins verified pairs; then every member must itself verify against its group's canonical, so a
   shared template cannot chain unrelated articles together (members that fail are regrouped on their own).
5. The canonical is the original publisher: not a listed aggregator, then dated, then earliest, then by source
   priority, then the most complete text, then the smallest id; the deciding rule is recorded.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import polars as pl

from .config import DedupConfig
from .minhash import candidate_pairs, lsh_params, signatures
from .schema import DUPLICATES, SYNDICATION, conform
from .text import normalise, shingle_hashes, words

CANONICAL_RULES = ("not_aggregator", "dated", "earliest", "source_priority", "most_complete", "lowest_id")


@dataclass(frozen=True)
class Match:
    jaccard: float
    containment: float
    rule: str


def group_id(canonical_id: str) -> str:
    return "g-" + hashlib.sha1(canonical_id.encode()).hexdigest()[:12]


def shingle_sets(titles: list[str], bodies: list[str], size: int) -> list[np.ndarray]:
    """Exact shingle-hash sets of each body (the title where the body is empty)."""
    return [shingle_hashes(words(body or title), size) for title, body in zip(titles, bodies, strict=True)]


class Deduplicator:
    """Finds groups of copies among articles; ``fit`` learns the groups, ``table_`` holds one row per article."""

    def __init__(self, config: DedupConfig) -> None:
        self.config = config

    def fit(self, articles: pl.DataFrame, cleaned: pl.DataFrame) -> "Deduplicator":
        cfg = self.config
        frame = articles.join(cleaned, on="article_id", how="left", maintain_order="left")
        self.ids_: list[str] = frame["article_id"].to_list()
        self.sets_ = shingle_sets(frame["title"].to_list(), frame["body"].to_list(), cfg.shingle_size)
        headline_only = (frame["body"].str.strip_chars() == "").to_numpy()
        short = np.array([len(s) < cfg.min_shingles for s in self.sets_]) | headline_only
        self.signatures_ = signatures([s[:0] if is_short else s for s, is_short in zip(self.sets_, short)], cfg.num_perm, cfg.seed)
        self.bands_, self.rows_ = lsh_params(cfg.candidate_threshold, cfg.num_perm)
        candidates = candidate_pairs(self.signatures_, self.bands_, self.rows_, cfg.max_bucket_size)
        self.n_candidates_ = len(candidates)
        short_edges = self._short_text_pairs(frame, short)
        edges = self._verify(candidates)
        edges.update(short_edges)
        self.n_verified_ = len(edges)
        self._order_keys = self._canonical_keys(frame)
        self.groups_ = self._guarded_groups(edges)
        self.table_ = self._table(frame)
        return self

    def _similarity(self, i: int, j: int) -> tuple[float, float]:
        a, b = self.sets_[i], self.sets_[j]
        if not len(a) or not len(b):
            return 0.0, 0.0
        shared = len(np.intersect1d(a, b, assume_unique=True))
        return shared / (len(a) + len(b) - shared), shared / min(len(a), len(b))

    def _match(self, i: int, j: int) -> Match | None:
        if i in self._short_keys or j in self._short_keys:  # short texts match only on identical normalised text
            same = i in self._short_keys and j in self._short_keys and self._short_keys[i] == self._short_keys[j]
            return Match(1.0, 1.0, "exact_short") if same else None
        jaccard, containment = self._similarity(i, j)
        if jaccard >= self.config.jaccard_threshold:
            return Match(jaccard, containment, "jaccard")
        small = min(len(self.sets_[i]), len(self.sets_[j]))
        if containment >= self.config.containment_threshold and small >= self.config.min_shingles:
            return Match(jaccard, containment, "containment")
        return None

    def _verify(self, candidates: np.ndarray) -> dict[tuple[int, int], Match]:
        verified = {}
        for i, j in candidates.tolist():
            match = self._match(i, j)
            if match is not None:
                verified[(i, j)] = match
        return verified

    def _short_text_pairs(self, frame: pl.DataFrame, short: np.ndarray) -> dict[tuple[int, int], Match]:
        keys: dict[str, list[int]] = {}
        self._short_keys: dict[int, str] = {}
        for index in np.flatnonzero(short).tolist():
            text = normalise(f"{frame['title'][index]} {frame['body'][index]}")
            keys.setdefault(text, []).append(index)
            self._short_keys[index] = text
        pairs = {}
        for members in keys.values():
            for other in members[1:]:
                pairs[(members[0], other)] = Match(1.0, 1.0, "exact_short")
        return pairs

    def _canonical_keys(self, frame: pl.DataFrame) -> list[tuple]:
        aggregators = set(self.config.aggregators)
        priority = {source: rank for rank, source in enumerate(self.config.source_priority)}
        keys = []
        for row in frame.iter_rows(named=True):
            keys.append(
                (
                    row["source"] in aggregators,
                    row["date_missing"],
                    row["published_at"],
                    priority.get(row["source"], len(priority)),
                    -len(row["body"] or row["title"]),
                    row["article_id"],
                )
            )
        return keys

    def _canonical(self, members: list[int]) -> tuple[int, str]:
        ranked = sorted(members, key=lambda m: self._order_keys[m])
        first, second = self._order_keys[ranked[0]], self._order_keys[ranked[1]]
        deciding = next(pos for pos in range(len(first)) if first[pos] != second[pos])
        return ranked[0], CANONICAL_RULES[deciding]

    def _guarded_groups(self, edges: dict[tuple[int, int], Match]) -> list[tuple[int, str, dict[int, Match]]]:
        """(canonical, rule, {member: match to canonical}) for each group of two or more."""
        self._edges = edges
        groups = []
        pending = _components(edges, range(len(self.ids_)))
        while pending:
            members = pending.pop()
            canonical, rule = self._canonical(members)
            matched, unmatched = {canonical: Match(1.0, 1.0, "canonical")}, []
            for member in members:
                if member != canonical:
                    match = self._match(min(member, canonical), max(member, canonical))
                    (matched.__setitem__(member, match) if match else unmatched.append(member))
            if len(matched) > 1:
                groups.append((canonical, rule, matched))
            if len(unmatched) > 1:
                inner = {pair: m for pair, m in edges.items() if pair[0] in unmatched and pair[1] in unmatched}
                pending.extend(_components(inner, unmatched))
        return groups

    def _table(self, frame: pl.DataFrame) -> pl.DataFrame:
        n = len(self.ids_)
        canonical_of = list(range(n))
        match_of: dict[int, Match] = {}
        rule_of: dict[int, str] = {}
        size_of = [1] * n
        for canonical, rule, matched in self.groups_:
            for member, match in matched.items():
                canonical_of[member], match_of[member], rule_of[member] = canonical, match, rule
                size_of[member] = len(matched)
        canonical_ids = [self.ids_[c] for c in canonical_of]
        table = pl.DataFrame(
            {
                "article_id": self.ids_,
                "dup_group_id": [group_id(c) for c in canonical_ids],
                "canonical_id": canonical_ids,
                "is_canonical": [canonical_of[i] == i for i in range(n)],
                "group_size": pl.Series(size_of, dtype=pl.Int32),
                "jaccard": [match_of[i].jaccard if i in match_of else None for i in range(n)],
                "containment": [match_of[i].containment if i in match_of else None for i in range(n)],
                "rule": [match_of[i].rule if i in match_of else "unique" for i in range(n)],
                "canonical_rule": [rule_of.get(i) for i in range(n)],
            },
            schema=DUPLICATES,
        )
        return conform(table, DUPLICATES, "dedup")


def _components(edges: dict[tuple[int, int], Match], nodes) -> list[list[int]]:
    """Connected components (of two or more nodes) of the verified-pair graph, by union-find."""
    parent = {node: node for node in nodes}

    def find(node: int) -> int:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for i, j in edges:
        root_i, root_j = find(i), find(j)
        if root_i != root_j:
            parent[max(root_i, root_j)] = min(root_i, root_j)
    members: dict[int, list[int]] = {}
    for node in parent:
        members.setdefault(find(node), []).append(node)
    return [sorted(group) for group in members.values() if len(group) > 1]


def syndication(articles: pl.DataFrame, duplicates: pl.DataFrame) -> pl.DataFrame:
    """Copies and median delay (hours) per (origin source, copying source) over all non-canonical members."""
    meta = articles.select("article_id", pl.col("source").fill_null("(unknown)"), "published_at")
    copies = (
        duplicates.filter(~pl.col("is_canonical"))
        .select("article_id", "canonical_id")
        .join(meta.rename({"source": "copier_source", "published_at": "copied_at"}), on="article_id")
        .join(
            meta.rename({"article_id": "canonical_id", "source": "origin_source", "published_at": "origin_at"}),
            on="canonical_id",
        )
    )
    table = (
        copies.group_by("origin_source", "copier_source")
        .agg(
            pl.len().cast(pl.Int32).alias("copies"),
            ((pl.col("copied_at") - pl.col("origin_at")).dt.total_seconds() / 3600.0).median().alias("median_delay_hours"),
        )
        .sort(["copies", "origin_source", "copier_source"], descending=[True, False, False])
    )
    return conform(table, SYNDICATION, "syndication")

"""Syndicated-copy detection: candidates → verified pairs → groups → canonical article.

1. Every body (the title where the body is empty) becomes a set of word-shingle hashes, for all articles at once
   (``text.shingle_sets``), and a MinHash signature (``minhash.signatures``).
2. Candidates come loosely from two views: MinHash LSH bands (pairs of Jaccard from about ``candidate_threshold``)
   and an index of consistently sampled shingles (pairs where much of the smaller text is in the larger: teasers,
   wherever the excerpt starts). A cheap estimate from each view (signature agreement, sampled containment) drops
   candidates that are more than ``estimate_margin`` below both thresholds.
3. Each remaining pair is verified on its exact shingle sets: a copy has Jaccard ``|A∩B|/|A∪B|`` at least
   ``jaccard_threshold``, or containment ``|A∩B|/min(|A|,|B|)`` at least ``containment_threshold``.
4. Headline-only items and texts with fewer than ``min_shingles`` shingles are compared on their letters and digits
   only (``exact_short``), or as near-identical (``near_short``: at most one character edit per
   ``1 / short_edit_share`` characters, and the same numbers); a headline found inside another article's body (a
   related-stories list) is not a copy.
5. Guard against weak links: a text contained in two articles that are not copies of each other is shared material
   (a template, a standard notice, a quoted passage), so its containment links are dropped and it can join a group
   only as a near-duplicate (Jaccard) of the canonical (two such texts: only if what is their own, the shingles none
   of their containers has, matches too); union-find joins the remaining verified pairs; then every
   member must itself verify against its group's canonical, and members that fail are regrouped on their own. So no
   chain of pairs can join two articles that do not match.
6. The canonical is the original publisher: not a listed aggregator, then dated, then earliest, then by source
   priority, then the most complete text, then the smallest id; the deciding rule is recorded.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

import numpy as np
import polars as pl

from .config import DedupConfig
from .graph import component_roots
from .ids import group_id
from .minhash import _MAX, candidate_pairs, default_threads, lsh_params, overlap_counts, sampled_pairs, signatures
from .rules import CANONICAL_RULES, UNIQUE
from .schema import DUPLICATES, SYNDICATION, conform
from .tokens import ShingleSets, shingle_sets, token_bounds



@dataclass(frozen=True)
class Match:
    jaccard: float
    containment: float
    rule: str


class Deduplicator:
    """Finds groups of copies among articles; ``fit`` learns the groups, ``table_`` holds one row per article.

    After ``fit``: ``table_`` (``schema.DUPLICATES``), ``groups_`` (canonical, canonical rule, {member: match}),
    ``bands_``/``rows_`` (LSH), counters ``n_candidates_`` (distinct pairs from either view), ``n_candidates_lsh_``,
    ``n_candidates_sampled_``, ``n_checked_`` (pairs verified exactly after the estimate filter), ``n_verified_``
    (pairs that match), ``n_short_`` (short texts), ``n_refused_`` (containment links dropped by the guard),
    ``n_split_`` (members split off because they did not match their canonical), ``timings_`` (seconds per step)
    and ``index_bytes_`` (signatures and sampled-shingle index held for candidate generation).
    """

    def __init__(self, config: DedupConfig, threads: int | None = None) -> None:
        self.config = config
        self.threads = threads or config.threads or default_threads()

    # ------------------------------------------------------------ fit

    def fit(self, articles: pl.DataFrame, cleaned: pl.DataFrame) -> Deduplicator:
        cfg = self.config
        clock = _Clock()
        frame = articles.join(cleaned, on="article_id", how="left", maintain_order="left").with_columns(
            pl.col("body").fill_null(""), pl.col("title").fill_null("")
        )
        self.ids_: list[str] = frame["article_id"].to_list()
        headline_only = (frame["body"].str.strip_chars() == "").to_numpy()
        text = pl.when(pl.Series(headline_only)).then(frame["title"]).otherwise(frame["body"])
        self.shingles_: ShingleSets = shingle_sets(frame.select(text.alias("t"))["t"], cfg.shingle_size, threads=self.threads)
        sizes = self.shingles_.sizes
        self.short_ = headline_only | (sizes < cfg.min_shingles)
        clock.lap("shingles")

        self.signatures_ = signatures(self.shingles_, cfg.num_perm, cfg.seed, threads=self.threads)
        self.signatures_[self.short_] = _MAX
        clock.lap("signatures")

        self.bands_, self.rows_ = lsh_params(cfg.candidate_threshold, cfg.num_perm)
        lsh = candidate_pairs(self.signatures_, self.bands_, self.rows_, cfg.max_bucket_size)
        sampled, shared, samples = sampled_pairs(
            self.shingles_.values, self.shingles_.offsets, cfg.sample_bits, cfg.max_bucket_size,
            min_containment=max(cfg.containment_threshold - cfg.estimate_margin, 0.0), include=~self.short_,
        )
        self.n_candidates_lsh_, self.n_candidates_sampled_ = len(lsh), len(sampled)
        checked = self._estimate_filter(lsh, sampled, shared, samples, sizes)
        self.n_candidates_ = len(np.union1d(_codes(lsh), _codes(sampled)))
        self.n_checked_ = len(checked)
        self.index_bytes_ = int(self.signatures_.nbytes + 8 * int(samples.sum()))
        clock.lap("candidates")

        self._matches: dict[tuple[int, int], Match | None] = {}
        edges = self._verify(checked)
        clock.lap("verify")

        self._short_setup(frame)
        edges.update(self._short_pairs())
        self.n_short_ = int(self.short_.sum())
        self.n_verified_ = len(edges)
        clock.lap("short")

        self._order_keys = self._canonical_keys(frame)
        self.groups_ = self._guarded_groups(edges)
        self.table_ = self._table()
        clock.lap("groups")
        self.timings_ = clock.laps
        return self

    @property
    def sets_(self) -> list[np.ndarray]:
        """Exact shingle-hash set of each article (sorted uint32)."""
        return self.shingles_.to_list()

    # ------------------------------------------------------------ candidates

    def _estimate_filter(self, lsh: np.ndarray, sampled: np.ndarray, shared: np.ndarray, samples: np.ndarray,
                         sizes: np.ndarray) -> np.ndarray:
        """Candidate pairs whose estimated Jaccard or containment is within ``estimate_margin`` of its threshold."""
        cfg = self.config
        need_j = cfg.jaccard_threshold - cfg.estimate_margin
        need_c = cfg.containment_threshold - cfg.estimate_margin
        keep = []
        if len(lsh):
            agree = np.empty(len(lsh))
            for start in range(0, len(lsh), 65536):
                part = lsh[start : start + 65536]
                agree[start : start + 65536] = (self.signatures_[part[:, 0]] == self.signatures_[part[:, 1]]).mean(axis=1)
            a, b = sizes[lsh[:, 0]].astype(float), sizes[lsh[:, 1]].astype(float)
            common = agree * (a + b) / (1.0 + agree)
            containment = common / np.maximum(np.minimum(a, b), 1.0)
            keep.append(lsh[(agree >= need_j) | (containment >= need_c)])
        if len(sampled):
            fa, fb = samples[sampled[:, 0]].astype(float), samples[sampled[:, 1]].astype(float)
            containment = shared / np.maximum(np.minimum(fa, fb), 1.0)
            jaccard = shared / np.maximum(fa + fb - shared, 1.0)
            keep.append(sampled[(jaccard >= need_j) | (containment >= need_c)])
        if not keep:
            return np.empty((0, 2), dtype=np.int64)
        return _decode(np.unique(np.concatenate([_codes(k) for k in keep])))

    # ------------------------------------------------------------ verification

    def _similarity(self, i: int, j: int) -> tuple[float, float]:
        a, b = self.shingles_[i], self.shingles_[j]
        if not len(a) or not len(b):
            return 0.0, 0.0
        small, large = (a, b) if len(a) <= len(b) else (b, a)
        where = np.searchsorted(large, small)
        where[where == len(large)] = 0
        shared = int(np.count_nonzero(large[where] == small))
        return shared / (len(a) + len(b) - shared), shared / len(small)

    def _match(self, i: int, j: int) -> Match | None:
        pair = (i, j) if i < j else (j, i)
        if pair in self._matches:
            return self._matches[pair]
        if self.short_[i] or self.short_[j]:
            match = self._short_match(i, j) if self.short_[i] and self.short_[j] else None
        else:
            jaccard, containment = self._similarity(i, j)
            match = None
            if jaccard >= self.config.jaccard_threshold:
                match = Match(jaccard, containment, "jaccard")
            elif containment >= self.config.containment_threshold:
                match = Match(jaccard, containment, "containment")
        self._matches[pair] = match
        return match

    def _verify(self, candidates: np.ndarray) -> dict[tuple[int, int], Match]:
        """Exact Jaccard and containment of every candidate pair (all at once), and the pairs that match."""
        verified = {}
        if not len(candidates):
            return verified
        shared = overlap_counts(self.shingles_.values, self.shingles_.offsets, candidates).astype(float)
        sizes = self.shingles_.sizes
        a, b = sizes[candidates[:, 0]].astype(float), sizes[candidates[:, 1]].astype(float)
        jaccard = shared / np.maximum(a + b - shared, 1.0)
        containment = shared / np.maximum(np.minimum(a, b), 1.0)
        by_jaccard = jaccard >= self.config.jaccard_threshold
        by_containment = ~by_jaccard & (containment >= self.config.containment_threshold)
        for k, (i, j) in enumerate(candidates.tolist()):
            match = None
            if by_jaccard[k]:
                match = Match(float(jaccard[k]), float(containment[k]), "jaccard")
            elif by_containment[k]:
                match = Match(float(jaccard[k]), float(containment[k]), "containment")
            self._matches[(i, j)] = match
            if match is not None:
                verified[(i, j)] = match
        return verified

    # ------------------------------------------------------------ short texts

    def _short_setup(self, frame: pl.DataFrame) -> None:
        """Letters-and-digits key of every short text (title and body), and the numbers in it."""
        index = np.flatnonzero(self.short_)
        texts = frame["title"].gather(index) + " " + frame["body"].gather(index)
        data, starts, ends, doc_starts = token_bounds(texts)
        raw = data.tobytes()
        token_offsets = np.searchsorted(starts, doc_starts)
        self._short_keys: dict[int, str] = {}
        for position, doc in enumerate(index.tolist()):
            lo, hi = token_offsets[position], token_offsets[position + 1]
            self._short_keys[doc] = b"".join(raw[s:e] for s, e in zip(starts[lo:hi].tolist(), ends[lo:hi].tolist(), strict=True)).decode()
        self._short_numbers = {doc: _DIGITS.findall(key) for doc, key in self._short_keys.items()}

    def _short_match(self, i: int, j: int) -> Match | None:
        a, b = self._short_keys[i], self._short_keys[j]
        if not a or not b:
            return None
        if a == b:
            return Match(1.0, 1.0, "exact_short")
        allowed = _allowed_edits(min(len(a), len(b)), self.config.short_edit_share)
        if allowed < 1 or self._short_numbers[i] != self._short_numbers[j] or abs(len(a) - len(b)) > allowed:
            return None
        edits = _edit_distance(a, b, allowed)
        if edits > allowed:
            return None
        grams_a, grams_b = _grams(a), _grams(b)
        shared = len(grams_a & grams_b)
        return Match(shared / len(grams_a | grams_b), shared / min(len(grams_a), len(grams_b)), "near_short")

    def _short_pairs(self) -> dict[tuple[int, int], Match]:
        pairs: dict[tuple[int, int], Match] = {}
        by_key: dict[str, list[int]] = {}
        for doc, key in self._short_keys.items():
            if key:
                by_key.setdefault(key, []).append(doc)
        for members in by_key.values():
            for other in members[1:]:
                pairs[(members[0], other)] = self._match(members[0], other)
        if self.config.short_edit_share > 0:
            representatives = {members[0]: key for key, members in by_key.items()}
            for i, j in _near_candidates(representatives, self.config.short_edit_share):
                match = self._match(i, j)
                if match is not None:
                    pairs[(min(i, j), max(i, j))] = match
        return pairs

    # ------------------------------------------------------------ groups

    def _canonical_keys(self, frame: pl.DataFrame) -> pl.DataFrame:
        """One column per canonical rule, in rule order (smaller wins), and ``rank``: each article's place when all
        articles are sorted by the rules."""
        priority = {source: rank for rank, source in enumerate(self.config.source_priority)}
        keys = frame.select(
            pl.col("source").is_in(list(self.config.aggregators)).fill_null(False).alias("not_aggregator"),
            pl.col("date_missing").fill_null(False).alias("dated"),
            pl.col("published_at").dt.epoch("us").fill_null(0).alias("earliest"),
            pl.col("source").replace_strict(priority, default=len(priority), return_dtype=pl.Int64).alias("source_priority"),
            (-pl.when(pl.col("body") != "").then(pl.col("body")).otherwise(pl.col("title")).str.len_chars().cast(pl.Int64))
            .alias("most_complete"),
            pl.col("article_id").alias("lowest_id"),
        )
        order = keys.with_row_index("i").sort(list(CANONICAL_RULES))["i"].to_numpy()
        rank = np.empty(len(order), dtype=np.int64)
        rank[order] = np.arange(len(order))
        self._rank = rank
        return keys

    def _canonical(self, members: list[int]) -> tuple[int, str]:
        ranked = sorted(members, key=lambda m: self._rank[m])
        first, second = self._order_keys.row(ranked[0]), self._order_keys.row(ranked[1])
        deciding = next(pos for pos in range(len(first)) if first[pos] != second[pos])
        return ranked[0], list(CANONICAL_RULES)[deciding]

    def _refuse_shared_material(self, edges: dict[tuple[int, int], Match]) -> dict[tuple[int, int], Match]:
        """Drop the containment links of a text contained in two articles that are not copies of each other."""
        containers: dict[int, list[int]] = {}
        for (i, j), match in edges.items():
            if match.rule == "containment":
                small, large = (i, j) if len(self.shingles_[i]) <= len(self.shingles_[j]) else (j, i)
                containers.setdefault(small, []).append(large)
        refused: dict[int, list[int]] = {}
        for small, larges in containers.items():
            if len(larges) < 2:
                continue
            members = set(larges)
            inner = {(i, j): None for i in larges for j in larges if i < j and (i, j) in edges}
            linked = _components(inner, members)
            if len(linked) != 1 or len(linked[0]) != len(members):
                refused[small] = larges
        # a near-duplicate of refused shared material, contained in one of the same articles, is shared material too
        # (its link to the other container may simply not have been a candidate)
        changed = bool(refused)
        while changed:
            changed = False
            for (i, j), match in edges.items():
                if match.rule != "jaccard" or (i in refused) == (j in refused):
                    continue
                known, other = (i, j) if i in refused else (j, i)
                if set(containers.get(other, ())) & set(refused[known]):
                    refused[other] = sorted(set(refused[known]) | set(containers[other]))
                    changed = True
        self._refused = refused
        self._own: dict[int, np.ndarray] = {}
        self.n_refused_ = 0
        kept = {}
        for (i, j), match in edges.items():
            if match.rule == "containment" and (i in refused or j in refused):
                small = i if len(self.shingles_[i]) <= len(self.shingles_[j]) else j
                if small in refused:
                    self.n_refused_ += 1
                    continue
            if i in refused and j in refused and not self._own_parts_match(i, j):
                self.n_refused_ += 1
                continue
            kept[(i, j)] = match
        return kept

    def _own_part(self, doc: int) -> np.ndarray:
        """Shingles of a refused text that none of the articles containing it have: what is its own."""
        if doc not in self._own:
            shared = np.unique(np.concatenate([self.shingles_[c] for c in self._refused[doc]]))
            self._own[doc] = np.setdiff1d(self.shingles_[doc], shared, assume_unique=True)
        return self._own[doc]

    def _own_parts_match(self, i: int, j: int) -> bool:
        """Two texts made of the same shared material are copies only if what is their own matches too."""
        a, b = self._own_part(i), self._own_part(j)
        if not len(a) and not len(b):
            return True
        shared = len(np.intersect1d(a, b, assume_unique=True))
        return shared / (len(a) + len(b) - shared) >= self.config.jaccard_threshold

    def _guarded_groups(self, edges: dict[tuple[int, int], Match]) -> list[tuple[int, str, dict[int, Match]]]:
        """(canonical, rule, {member: match to canonical}) for each group of two or more."""
        edges = self._refuse_shared_material(edges)
        self.n_split_ = 0
        groups = []
        pending = _components(edges, sorted({node for pair in edges for node in pair}))
        while pending:
            members = pending.pop()
            canonical, rule = self._canonical(members)
            matched, unmatched = {canonical: Match(1.0, 1.0, "canonical")}, []
            for member in members:
                if member != canonical:
                    match = self._match(member, canonical)
                    if match is not None and (member in self._refused or canonical in self._refused):
                        # shared material joins a group only as a near-duplicate, and of the same own text
                        both = member in self._refused and canonical in self._refused
                        if match.rule == "containment" or (both and not self._own_parts_match(member, canonical)):
                            match = None
                    (matched.__setitem__(member, match) if match else unmatched.append(member))
            self.n_split_ += len(unmatched)
            if len(matched) > 1:
                groups.append((canonical, rule, matched))
            if len(unmatched) > 1:
                keep = set(unmatched)
                inner = {pair: m for pair, m in edges.items() if pair[0] in keep and pair[1] in keep}
                pending.extend(_components(inner, unmatched))
        groups.sort(key=lambda group: self.ids_[group[0]])
        return groups

    def _table(self) -> pl.DataFrame:
        n = len(self.ids_)
        canonical_of = np.arange(n)
        jaccard = np.full(n, np.nan)
        containment = np.full(n, np.nan)
        rule = np.full(n, UNIQUE, dtype=object)
        canonical_rule = np.full(n, None, dtype=object)
        size = np.ones(n, dtype=np.int32)
        for canonical, decided, matched in self.groups_:
            for member, match in matched.items():
                canonical_of[member] = canonical
                jaccard[member], containment[member], rule[member] = match.jaccard, match.containment, match.rule
                canonical_rule[member] = decided
                size[member] = len(matched)
        ids = pl.Series(self.ids_, dtype=pl.String)
        canonical_ids = ids.gather(canonical_of)
        table = pl.DataFrame(
            {
                "article_id": ids,
                "dup_group_id": canonical_ids.replace_strict(
                    {self.ids_[c]: group_id(self.ids_[c]) for c in set(canonical_of.tolist())}, return_dtype=pl.String
                ) if n else canonical_ids,
                "canonical_id": canonical_ids,
                "is_canonical": canonical_of == np.arange(n),
                "group_size": pl.Series(size, dtype=pl.Int32),
                "jaccard": pl.Series(jaccard).fill_nan(None),
                "containment": pl.Series(containment).fill_nan(None),
                "rule": pl.Series(rule.tolist(), dtype=pl.String),
                "canonical_rule": pl.Series(canonical_rule.tolist(), dtype=pl.String),
            }
        )
        return conform(table, DUPLICATES, "dedup")


class _Clock:
    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = self.laps.get(name, 0.0) + now - self._last
        self._last = now


_DIGITS = re.compile(r"\d+")


def _codes(pairs: np.ndarray) -> np.ndarray:
    return (pairs[:, 0].astype(np.int64) << 32) | pairs[:, 1].astype(np.int64) if len(pairs) else np.empty(0, np.int64)


def _decode(codes: np.ndarray) -> np.ndarray:
    return np.stack([codes >> 32, codes & 0xFFFFFFFF], axis=1) if len(codes) else np.empty((0, 2), np.int64)


def _allowed_edits(length: int, share: float) -> int:
    """Character edits allowed between near-identical short texts: ``share`` per character, rounded."""
    return int(share * length + 0.5)


def _grams(text: str, q: int = 3) -> set[str]:
    return {text[i : i + q] for i in range(max(len(text) - q + 1, 1))}


def _edit_distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance of ``a`` and ``b``, or ``limit + 1`` as soon as it must exceed ``limit`` (banded)."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    big = limit + 1
    previous = [j if j <= limit else big for j in range(len(b) + 1)]
    for i in range(1, len(a) + 1):
        current = [big] * (len(b) + 1)
        if i <= limit:
            current[0] = i
        lo, hi = max(1, i - limit), min(len(b), i + limit)
        best = current[0]
        for j in range(lo, hi + 1):
            cost = previous[j - 1] + (a[i - 1] != b[j - 1])
            cost = min(cost, previous[j] + 1, current[j - 1] + 1)
            current[j] = cost
            best = min(best, cost)
        if best > limit:
            return big
        previous = current
    return min(previous[len(b)], big)


def _near_candidates(keys: dict[int, str], share: float, q: int = 3) -> list[tuple[int, int]]:
    """Pairs of short keys that may be within ``share × length`` character edits (q-gram prefix filter).

    Each edit destroys at most ``q`` of a string's positional q-grams, so two strings within ``k`` edits share at
    least one of the ``q·k + 1`` rarest q-grams of each (rarest in a global order): only those are indexed.
    """
    rows = []
    for doc, key in keys.items():
        allowed = _allowed_edits(len(key), share)
        if allowed < 1 or len(key) < q:
            continue
        seen: dict[str, int] = {}
        for i in range(len(key) - q + 1):
            gram = key[i : i + q]
            seen[gram] = seen.get(gram, 0) + 1
            rows.append((doc, f"{gram}\x00{seen[gram]}", q * allowed + 1))
    if not rows:
        return []
    grams = pl.DataFrame(rows, schema={"doc": pl.Int64, "gram": pl.String, "prefix": pl.Int64}, orient="row")
    prefixes = (
        grams.with_columns(pl.len().over("gram").alias("df"))
        .sort("doc", "df", "gram")
        .filter(pl.int_range(pl.len()).over("doc") < pl.col("prefix"))
        .select("doc", "gram")
    )
    pairs = (
        prefixes.join(prefixes, on="gram", suffix="_b")
        .filter(pl.col("doc") < pl.col("doc_b"))
        .select("doc", "doc_b")
        .unique()
        .sort("doc", "doc_b")
    )
    return list(pairs.iter_rows())


def _components(edges: dict[tuple[int, int], Match], nodes) -> list[list[int]]:
    """Connected components (of two or more nodes) of the verified-pair graph."""
    members: dict[int, list[int]] = {}
    for node, root in component_roots(nodes, edges).items():
        members.setdefault(root, []).append(node)
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

"""Short texts: headline-only items and texts with fewer than ``min_shingles`` shingles.

Too few shingles make Jaccard meaningless, so a short text is compared on its key, the letters and digits of its
title and body (``tokens`` normalisation, words joined without spaces). Two keys that are equal are ``exact_short``
copies. Two keys within ``allowed_edits`` character edits of each other (Levenshtein, ``rapidfuzz``) and with the
same numbers are ``near_short`` copies: a typo is a copy, "toll rises to 120" and "to 121" are not. Their Jaccard
and containment are those of their character 3-gram sets.
"""

from __future__ import annotations

import re

import numpy as np
import polars as pl
from rapidfuzz.distance import Levenshtein

from ..config import DedupConfig
from ..tokens import token_bounds
from .verify import Match, Pair, containment, jaccard

_DIGITS = re.compile(r"\d+")
_GRAM = 3  # characters per gram: of the 3-gram sets and of the near-candidate index


class ShortTexts:
    """Keys of the short texts and their copies; ``fit`` builds ``keys_`` ({article: key}) and ``numbers_``
    ({article: the digit runs of its key}), then ``match(i, j)`` judges two short texts and ``pairs()`` finds every
    matching pair."""

    def __init__(self, config: DedupConfig) -> None:
        self.config = config

    def fit(self, frame: pl.DataFrame, is_short: np.ndarray) -> ShortTexts:
        """``frame`` holds ``title`` and ``body`` (no nulls) of every article; ``is_short`` marks the short ones."""
        index = np.flatnonzero(is_short)
        texts = frame["title"].gather(index) + " " + frame["body"].gather(index)
        data, starts, ends, doc_starts = token_bounds(texts)
        raw = data.tobytes()
        token_offsets = np.searchsorted(starts, doc_starts)
        self.keys_: dict[int, str] = {}
        for position, doc in enumerate(index.tolist()):
            lo, hi = token_offsets[position], token_offsets[position + 1]
            words = zip(starts[lo:hi].tolist(), ends[lo:hi].tolist(), strict=True)
            self.keys_[doc] = b"".join(raw[s:e] for s, e in words).lower().decode()  # ASCII case: see token_bounds
        self.numbers_: dict[int, list[str]] = {doc: _DIGITS.findall(key) for doc, key in self.keys_.items()}
        return self

    def match(self, i: int, j: int) -> Match | None:
        a, b = self.keys_[i], self.keys_[j]
        if not a or not b:
            return None
        if a == b:
            return Match(1.0, 1.0, "exact_short")
        allowed = allowed_edits(min(len(a), len(b)), self.config.short_edit_share)
        if allowed < 1 or self.numbers_[i] != self.numbers_[j] or abs(len(a) - len(b)) > allowed:
            return None
        if Levenshtein.distance(a, b, score_cutoff=allowed) > allowed:
            return None
        grams_a, grams_b = _grams(a), _grams(b)
        shared = len(grams_a & grams_b)
        return Match(float(jaccard(shared, len(grams_a), len(grams_b))),
                     float(containment(shared, len(grams_a), len(grams_b))), "near_short")

    def pairs(self) -> dict[Pair, Match]:
        """Matching pairs: each text with the first of its key, then near-identical keys (one text per key)."""
        pairs: dict[Pair, Match] = {}
        by_key: dict[str, list[int]] = {}
        for doc, key in self.keys_.items():
            if key:
                by_key.setdefault(key, []).append(doc)
        for members in by_key.values():
            for other in members[1:]:
                pairs[(members[0], other)] = self.match(members[0], other)
        if self.config.short_edit_share > 0:
            representatives = {members[0]: key for key, members in by_key.items()}
            for i, j in near_candidates(representatives, self.config.short_edit_share):
                match = self.match(i, j)
                if match is not None:
                    pairs[(min(i, j), max(i, j))] = match
        return pairs


def allowed_edits(length: int, share: float) -> int:
    """Character edits allowed between near-identical short texts: ``share`` per character, rounded."""
    return int(share * length + 0.5)


def _grams(text: str) -> set[str]:
    return {text[i : i + _GRAM] for i in range(max(len(text) - _GRAM + 1, 1))}


def near_candidates(keys: dict[int, str], share: float) -> list[Pair]:
    """Pairs of short keys that may be within ``share × length`` character edits (q-gram prefix filter).

    Each edit destroys at most ``q`` of a string's positional q-grams, so two strings within ``k`` edits share at
    least one of the ``q·k + 1`` rarest q-grams of each (rarest in a global order): only those are indexed.
    """
    rows = []
    for doc, key in keys.items():
        allowed = allowed_edits(len(key), share)
        if allowed < 1 or len(key) < _GRAM:
            continue
        seen: dict[str, int] = {}
        for i in range(len(key) - _GRAM + 1):
            gram = key[i : i + _GRAM]
            seen[gram] = seen.get(gram, 0) + 1
            rows.append((doc, f"{gram}\x00{seen[gram]}", _GRAM * allowed + 1))
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

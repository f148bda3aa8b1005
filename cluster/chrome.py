"""Boilerplate (chrome) removal: banners, footers and related-story lists that wrap an article.

**Chrome.** Aggregators wrap every article in the same banners and footers. A line is chrome when it recurs in
``boilerplate_min_docs`` articles of one source, or (corpus rule, short lines only) in ``corpus_min_docs`` articles of
``corpus_min_sources`` sources, *and* its neighbouring lines vary across those articles: syndicated copies repeat a
body line together with the lines around it, chrome sits next to different text in every article. Found chrome
stops being a neighbour, so a block of chrome is peeled from its edges in a few rounds. Lines matching a configured
pattern are chrome too, and so are short bullets right under a chrome line ("Related stories:" and its headlines).
Lines are compared by a hash of their words (the tokeniser above), so case, punctuation and spacing do not matter.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
import polars as pl

from .chrome_patterns import BUILTIN_REGEX
from .config import CleanConfig
from .minhash import default_threads
from .schema import CLEANED, conform
from .tokens import line_hashes

_BULLET = r"^([-*•·–]|\d+[.)])\s"
_BULLET_MAX_WORDS = 30  # a longer bullet is a paragraph of the body, not a related-story headline
CONTEXT_ROUNDS = 4  # a block of chrome lines is peeled from its outer edge inward, one line per round
_RULES = ("", "pattern", "source", "corpus", "remembered")


class ChromeLearner(Protocol):
    """Learns chrome elsewhere (an engine's) with ``learn_chrome``'s answer."""

    def learn(self, rule: np.ndarray, doc: np.ndarray, source: np.ndarray, key: np.ndarray, lead: np.ndarray,
              words: np.ndarray, config: CleanConfig) -> None: ...


CHROME_KEYS = pl.Schema({"source": pl.String, "key": pl.UInt64})
"""A source's chrome line by the hash of its words (``tokens.line_hashes``): what the nightly state remembers."""


def strip_boilerplate(articles: pl.DataFrame, config: CleanConfig, *, stats: dict | None = None,
                      known: pl.DataFrame | None = None, learned: list[pl.DataFrame] | None = None,
                      threads: int | None = None, learner: ChromeLearner | None = None) -> pl.DataFrame:
    """Remove chrome lines from ``text``; returns ``schema.CLEANED`` in the input's row order.

    A line is chrome when it matches a built-in pattern (when on, ``chrome_patterns.BUILTIN_REGEX``: ASCII word
    boundaries) or one of ``config.own_patterns`` (case-insensitive regexes), or when it recurs in
    varying surroundings: in at least ``boilerplate_min_docs`` distinct articles of one source with at most
    ``boilerplate_max_words`` words, or in at least ``corpus_min_docs`` articles of ``corpus_min_sources`` sources
    with at most ``corpus_max_words`` words (``corpus_min_docs=0`` turns the corpus rule off). Varying surroundings:
    on one side (before or after), the neighbouring lines differ in at least ``context_share`` of those articles and
    in at least the rule's minimum number of articles; a syndicated copy repeats a body line together with the lines
    around it, chrome sits next to different text each time. Lines already found to be chrome are no neighbours, so a
    block of chrome is peeled from its edges. Short bullet lines right under a chrome line are chrome too. Lines are
    compared on their words (case, punctuation and spacing do not matter). The thresholds are ``clean.*`` settings
    of ``config``. ``stats``, when given, receives the lines and characters stripped by each rule
    (``chrome_lines_pattern``, ``..._source``, ``..._corpus``, ``chrome_chars_*``) and ``chrome_share_chars``
    (stripped characters / input characters).

    ``known`` (``CHROME_KEYS``) is chrome learned per source on earlier nights: those lines of those sources are
    chrome tonight too (``remembered``), so a small night with too few articles of a source to learn its banners
    still strips them. ``learned``, when given, receives the per-source chrome of tonight (learned or remembered),
    for the next night's state. ``threads`` hash the lines (default: one per core). ``learner`` learns the chrome
    from the line statistics (default: ``learn_chrome``, in this process).
    """
    lines = (
        articles.select(pl.col("source").fill_null(""), pl.col("text").fill_null(""))
        .with_row_index("doc")
        .with_columns(pl.col("text").str.split("\n").alias("line"))
        .drop("text")
        .explode("line")
        .with_columns(pl.col("line").str.strip_chars())
        .filter(pl.col("line").str.len_chars() > 0)
        .with_columns(pl.col("source").rank("dense").cast(pl.Int64).alias("source_code"))
    )
    key, lead, words = line_hashes(lines["line"], threads or default_threads())
    rule = np.zeros(lines.height, dtype=np.int8)
    if lines.height:
        rule[_matches_patterns(lines["line"], config)] = 1
    if known is not None and not known.is_empty() and lines.height:
        seen = lines.select("source").with_columns(pl.Series("key", key)).join(
            known.with_columns(pl.lit(True).alias("known")), on=["source", "key"], how="left", maintain_order="left"
        )["known"].fill_null(False).to_numpy()
        rule[(rule == 0) & seen] = 4
    if lines.height:
        (learner.learn if learner is not None else learn_chrome)(
            rule, lines["doc"].to_numpy().astype(np.int64), lines["source_code"].to_numpy(), key, lead, words, config
        )
        _bullets_under_chrome(rule, lines["doc"].to_numpy().astype(np.int64), words,
                              lines["line"].str.contains(_BULLET).to_numpy())
    marked = lines.select("doc", "line").with_columns(pl.Series("rule", rule), pl.Series("chrome", rule > 0))
    per_doc = marked.group_by("doc", maintain_order=True).agg(
        pl.col("line").filter(~pl.col("chrome")).str.join("\n").alias("body"),
        pl.col("chrome").sum().cast(pl.Int32).alias("chrome_lines"),
        pl.col("line").filter(pl.col("chrome")).str.len_chars().sum().cast(pl.Int64).alias("chrome_chars"),
    )
    cleaned = (
        articles.select("article_id")
        .with_row_index("doc")
        .join(per_doc, on="doc", how="left")
        .with_columns(
            pl.col("body").fill_null(""),
            pl.col("chrome_lines").fill_null(0),
            pl.col("chrome_chars").fill_null(0),
        )
        .sort("doc")
    )
    if learned is not None:
        per_source = (rule == 2) | (rule == 4)
        learned.append(pl.DataFrame({"source": lines["source"].filter(pl.Series(per_source)),
                                     "key": pl.Series(key[per_source], dtype=pl.UInt64)}, schema=CHROME_KEYS).unique())
    if stats is not None:
        chars = marked["line"].str.len_chars().to_numpy()
        for code, name in enumerate(_RULES):
            if name:
                stats[f"chrome_lines_{name}"] = int((rule == code).sum())
                stats[f"chrome_chars_{name}"] = int(chars[rule == code].sum())
        text_chars = int(articles["text"].fill_null("").str.len_chars().sum() or 0)
        stats["chrome_share_chars"] = int(cleaned["chrome_chars"].sum() or 0) / text_chars if text_chars else 0.0
    return conform(cleaned, CLEANED, "clean")


def _matches_patterns(lines: pl.Series, config: CleanConfig) -> np.ndarray:
    """Which lines match a built-in pattern (when on) or one of the config's own (as written)."""
    regexes = [BUILTIN_REGEX] if config.builtin_patterns else []
    if config.own_patterns:
        regexes.append("(?i)" + "|".join(f"(?:{p})" for p in config.own_patterns))
    matched = np.zeros(len(lines), dtype=bool)
    for regex in regexes:
        matched |= lines.str.contains(regex).fill_null(False).to_numpy()
    return matched


def eligibility_bounds(config: CleanConfig) -> tuple[int, int]:
    """The fewest articles and the most words a line may have and still be chrome under some rule: the lines that
    ``learn_chrome`` looks at."""
    if config.corpus_min_docs > 0:
        return (min(config.boilerplate_min_docs, config.corpus_min_docs),
                max(config.boilerplate_max_words, config.corpus_max_words))
    return config.boilerplate_min_docs, config.boilerplate_max_words


def learn_chrome(
    rule: np.ndarray, doc: np.ndarray, source: np.ndarray, key: np.ndarray, lead: np.ndarray, words: np.ndarray,
    config: CleanConfig,
) -> None:
    """Mark learned chrome in ``rule`` (2: per source, 3: corpus), in rounds that peel blocks of chrome."""
    min_docs, max_words, share = config.boilerplate_min_docs, config.boilerplate_max_words, config.context_share
    corpus_min_docs, corpus_min_sources, corpus_max_words = (
        config.corpus_min_docs, config.corpus_min_sources, config.corpus_max_words
    )
    corpus_on = corpus_min_docs > 0
    floor, longest = eligibility_bounds(config)
    lines = pl.DataFrame({"doc": doc, "key": key})
    docs_per_key = lines.unique().group_by("key").agg(pl.len().alias("n"))
    repeated = lines.join(docs_per_key, on="key", how="left", maintain_order="left")["n"].to_numpy()
    eligible = (repeated >= floor) & (words <= longest)
    if not eligible.any():
        return
    for _ in range(CONTEXT_ROUNDS):
        visible = np.flatnonzero(rule == 0)
        prev = np.full(len(rule), -1, dtype=np.int64)
        after = np.full(len(rule), -1, dtype=np.int64)
        same = doc[visible[1:]] == doc[visible[:-1]]
        prev[visible[1:][same]] = visible[:-1][same]
        after[visible[:-1][same]] = visible[1:][same]
        candidates = visible[eligible[visible]]
        if not len(candidates):
            return

        def neighbour(index: np.ndarray) -> pl.Series:
            return pl.Series(lead[np.maximum(index, 0)]).scatter(np.flatnonzero(index < 0), None)

        frame = pl.DataFrame(
            {
                "line": candidates, "doc": doc[candidates], "source": source[candidates], "key": key[candidates],
                "words": words[candidates], "prev": neighbour(prev[candidates]), "next": neighbour(after[candidates]),
            }
        )
        found = []
        by_source = _varied(frame, ["source", "key"], share, min_docs).filter(
            (pl.col("docs") >= min_docs) & (pl.col("words") <= max_words) & pl.col("varied")
        )
        found.append(frame.join(by_source.select("source", "key"), on=["source", "key"], how="semi")
                     .select("line", pl.lit(2, pl.Int8).alias("rule")))
        if corpus_on:
            by_corpus = _varied(frame, ["key"], share, corpus_min_docs).filter(
                (pl.col("docs") >= corpus_min_docs) & (pl.col("sources") >= corpus_min_sources)
                & (pl.col("words") <= corpus_max_words) & pl.col("varied")
            )
            found.append(frame.join(by_corpus.select("key"), on="key", how="semi")
                         .select("line", pl.lit(3, pl.Int8).alias("rule")))
        new = pl.concat(found).unique("line", keep="first", maintain_order=True)
        if new.is_empty():
            return
        rule[new["line"].to_numpy()] = new["rule"].to_numpy()


def _varied(context: pl.DataFrame, by: list[str], share: float, floor: int) -> pl.DataFrame:
    """Per key (and source): articles, sources, words, and whether its neighbours vary.

    Neighbours vary when on one side at least ``share`` of the articles, and at least ``floor`` of them, have
    different neighbouring lines (compared on their first words; the edge of a text is no neighbour).
    """
    stats = context.group_by(by).agg(
        pl.col("doc").n_unique().alias("docs"),
        pl.col("source").n_unique().alias("sources"),
        pl.col("words").first().alias("words"),
        pl.col("prev").drop_nulls().n_unique().alias("prev_kinds"),
        pl.col("next").drop_nulls().n_unique().alias("next_kinds"),
    )
    need = pl.max_horizontal((pl.col("docs") * share).ceil(), pl.lit(max(floor, 2)))
    return stats.with_columns(((pl.col("prev_kinds") >= need) | (pl.col("next_kinds") >= need)).alias("varied"))


def _bullets_under_chrome(rule: np.ndarray, doc: np.ndarray, words: np.ndarray, bullet: np.ndarray) -> None:
    """Short bullet lines right after a chrome line ("Related stories:" and its headlines) are chrome too (rule of
    the line above)."""
    bullet = bullet & (words <= _BULLET_MAX_WORDS)
    for index in np.flatnonzero(bullet):
        above = index - 1
        if above >= 0 and doc[above] == doc[index] and rule[above] > 0 and rule[index] == 0:
            rule[index] = rule[above]

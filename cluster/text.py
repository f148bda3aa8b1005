"""Text normalisation, boilerplate (chrome) removal and word shingles.

Chrome is learned from the data: aggregators wrap every article in the same banners and footers, so a short line
that recurs in ``min_docs`` or more different articles of one source is that source's chrome. Lines matching a
configured pattern are chrome too. Everything here works on whole polars columns at once.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import polars as pl
import xxhash

from .schema import CLEANED, conform

_QUOTES = str.maketrans(
    {"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u201c": '"', "\u201d": '"', "\u201e": '"',
     "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-", "\u00a0": " ", "\u2026": "..."}
)
_WORD = re.compile(r"\w+")


def normalise(text: str) -> str:
    """Lower-cased NFKC text with typographic quotes and dashes made plain and whitespace collapsed."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES).lower()
    return " ".join(text.split())


def words(text: str) -> list[str]:
    """Word tokens of normalised text (letters, digits and underscore runs)."""
    return _WORD.findall(normalise(text))


def line_key(lines: pl.Expr) -> pl.Expr:
    """Normalised form of a line for counting repeats: case, punctuation and spacing do not matter."""
    return lines.str.to_lowercase().str.replace_all(r"[^\p{L}\p{N}]+", " ").str.strip_chars()


def strip_boilerplate(articles: pl.DataFrame, min_docs: int, max_words: int, patterns: list[str]) -> pl.DataFrame:
    """Remove chrome lines from ``text``; returns ``schema.CLEANED`` in the input's row order.

    A line is chrome when it has at most ``max_words`` words and recurs in at least ``min_docs`` distinct
    articles of the same source, or when it matches one of ``patterns`` (case-insensitive regexes).
    """
    lines = (
        articles.select("article_id", pl.col("source").fill_null(""), "text")
        .with_row_index("doc")
        .with_columns(pl.col("text").str.split("\n").alias("line"))
        .drop("text")
        .explode("line")
        .with_columns(pl.col("line").str.strip_chars())
        .filter(pl.col("line").str.len_chars() > 0)
        .with_columns(line_key(pl.col("line")).alias("key"))
    )
    repeats = lines.group_by("source", "key").agg(pl.col("doc").n_unique().alias("docs_with_line"))
    is_chrome = (pl.col("docs_with_line") >= min_docs) & (pl.col("key").str.count_matches(r"\S+") <= max_words)
    for pattern in patterns:
        is_chrome = is_chrome | pl.col("line").str.contains(f"(?i){pattern}")
    marked = (
        lines.join(repeats, on=["source", "key"], how="left", maintain_order="left")
        .with_columns(is_chrome.alias("chrome"))
        .with_columns(_list_under_chrome().alias("chrome"))
    )
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
    return conform(cleaned, CLEANED, "clean")


def _list_under_chrome() -> pl.Expr:
    """Bullet lines right after a chrome line ("Related stories:" and its list) are chrome too."""
    bullet = pl.col("line").str.contains(r"^([-*•·–]|\d+[.)])\s")
    run_start = (~bullet).cum_sum().over("doc")
    return pl.col("chrome") | (bullet & pl.col("chrome").first().over(["doc", run_start]))


def shingle_hashes(tokens: list[str], size: int) -> np.ndarray:
    """Sorted unique 32-bit hashes of the word ``size``-grams of ``tokens`` (one shingle if shorter).

    The shingle hash is xxh32 of the words joined by single spaces, so ``shingle_hash`` of the same text, given to
    ``datasketch.MinHash(hashfunc=...)``, reproduces our signatures exactly.
    """
    if not tokens:
        return np.empty(0, dtype=np.uint32)
    count = max(len(tokens) - size + 1, 1)
    hashes = np.fromiter(
        (xxhash.xxh32_intdigest(" ".join(tokens[i : i + size]).encode()) for i in range(count)), dtype=np.uint32, count=count
    )
    return np.unique(hashes)


def shingle_hash(shingle: bytes | str) -> int:
    """The 32-bit hash of one shingle (its words joined by single spaces), as a datasketch ``hashfunc``."""
    return xxhash.xxh32_intdigest(shingle.encode() if isinstance(shingle, str) else shingle)

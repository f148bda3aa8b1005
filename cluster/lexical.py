"""The wording signal of the story engine: richness and lexical vectors, built on whole polars columns.

An article's lexical vector is two hashed TF-IDF blocks side by side, each scaled by ``√½`` so that the dot product
of two rows is the mean of their two cosines:

1. **words**: lower-cased tokens of two or more word characters, English stop words removed, and the bigrams of
   consecutive remaining tokens, exactly what scikit-learn's ``HashingVectorizer(stop_words="english",
   ngram_range=(1, 2))`` counts;
2. **names**: tokens that this batch writes capitalised more than twice as often as in lower case (sentence starts
   and Title Case headlines wash out), four-digit years, and bigrams of adjacent such tokens. People, places,
   organisations and dates tell two events of one kind apart.

Both are hashed into ``2²⁰`` columns with scikit-learn's signed MurmurHash3 (seed 0) of each term's UTF-8 bytes, as
``HashingVectorizer`` hashes them, so a row's counts are that vectoriser's (a test holds them equal). polars
lower-cases the texts; the compiled kernel (``_kernel.c``) finds the words and names in their UTF-8 bytes as
``WORD_PATTERN`` and ``NAME_PATTERN`` match them, with the non-ASCII members of ``\\w`` and ``\\d`` asked of
polars' own regex engine (``_code_set``), and hashes and counts the terms row by row: no Python string per term or
per text. On 20,000 articles of a night the whole build took 2.6 s with polars' tokens and numpy's TF-IDF and
takes 0.8-1.2 s so, the same matrix bit for bit (``tests/lexical_reference.py`` keeps the polars version as the
oracle). The one intended difference from scikit-learn's tokeniser: a word with a combining mark ("é" written as
e + U+0301) stays one word, where Python's ``\\w`` splits it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import polars as pl
import pyarrow as pa
import scipy.sparse as sp

from . import _kernel
from .english import english_stop_words
from .minhash import default_threads
from .tokens import map_blocks, present_codes, utf8_buffer

RICH_FROM_WORDS, RICH_AT_WORDS = 15, 45  # richness 0 up to 15 words of title plus body, 1 from 45 words on
LEXICAL_WORDS = 300  # words of the body used for the lexical vectors
HASH_FEATURES = 2**20
WORD_BLOCK_TEXTS = 10_000  # texts tokenised together (``_word_counts``, ``_name_counts``)
WORD_PATTERN = r"\b\w\w+\b"  # scikit-learn's default token pattern, on lower-cased text (the kernel's words)
NAME_PATTERN = r"[A-Za-z][A-Za-z'’\-]+|\d{4}"  # a word that may be a name (apostrophes, hyphens kept), or a year
_YEAR = r"^(?:19|20)\d\d$"


def _first_words(column: pl.Expr, count: int) -> pl.Expr:
    """The text up to the end of its ``count``-th whitespace-separated word (the whole text when it has fewer).

    Group 0 of an anchored pattern without captures: polars' regex engine finds its end with a DFA, an order of
    magnitude faster than extracting a capture group or splitting the text into words."""
    return pl.coalesce(column.str.extract(rf"^\s*(?:\S+\s+){{{count - 1}}}\S+", 0), column)


def _strings(values) -> pl.Series:
    """A column of strings (nulls as empty) from a polars Series or any sequence of strings."""
    series = values if isinstance(values, pl.Series) else pl.Series(list(values), dtype=pl.String)
    return series.cast(pl.String).fill_null("")


def richness(titles, bodies) -> np.ndarray:
    """0 for a headline, 1 for an article of at least ``RICH_AT_WORDS`` words (title plus body), linear in between.

    Words are whitespace-separated; a body's words are counted only up to ``RICH_AT_WORDS``, where richness is 1."""
    frame = pl.DataFrame({"title": _strings(titles), "body": _strings(bodies)})
    body_words = _first_words(pl.col("body"), RICH_AT_WORDS).str.count_matches(r"\S+")
    words = frame.lazy().select(pl.col("title").str.count_matches(r"\S+") + body_words).collect().to_series()
    words = words.to_numpy().astype(np.float64)
    return np.clip((words - RICH_FROM_WORDS) / (RICH_AT_WORDS - RICH_FROM_WORDS), 0.0, 1.0)


def lexical_texts(titles, bodies) -> pl.Series:
    """``"title. "`` followed by the first ``LEXICAL_WORDS`` words of the body: the text the lexical vectors read."""
    frame = pl.DataFrame({"title": _strings(titles), "body": _strings(bodies)})
    return frame.lazy().select(
        pl.concat_str(pl.col("title"), pl.lit(". "), _first_words(pl.col("body"), LEXICAL_WORDS)).alias("text")
    ).collect().to_series()


def _murmur_columns(strings: pl.Series) -> np.ndarray:
    """The column ``HashingVectorizer`` gives each term: ``|murmurhash3_32(term, seed=0)| mod 2²⁰``, hashed in the
    compiled kernel over the terms' UTF-8 buffer."""
    data, starts = utf8_buffer(strings.fill_null(""))
    signed = np.empty(len(strings), dtype=np.int32)
    _kernel.murmur_hashes(data, starts, signed)
    return np.abs(signed.astype(np.int64)) % HASH_FEATURES


_CLASS_MEMBERS: dict[str, dict[int, bool]] = {}  # per regex class: non-ASCII code point -> whether it is a member


def _code_set(data: np.ndarray, starts: np.ndarray, char_class: str) -> np.ndarray:
    """The non-ASCII code points of the texts that polars' regex engine counts in ``char_class`` (``\\w``, ``\\d``),
    as the kernel's bit set: each distinct character is asked once a process, so the kernel's word and digit
    classes are polars' own, whatever its Unicode version."""
    members = _CLASS_MEMBERS.setdefault(char_class, {})
    unknown = [code for code in present_codes(data, starts) if code not in members]
    if unknown:
        matched = pl.Series([chr(code) for code in unknown], dtype=pl.String).str.contains(f"^{char_class}$")
        members.update(zip(unknown, matched.to_list(), strict=True))
    wanted = np.zeros(0x110000, dtype=bool)
    wanted[[code for code, member in members.items() if member]] = True
    return np.packbits(wanted, bitorder="little")


@functools.cache
def _stop_word_buffer() -> tuple[np.ndarray, np.ndarray]:
    return utf8_buffer(pl.Series(sorted(english_stop_words()), dtype=pl.String))


def _stop_word_mask(strings: pl.Series) -> np.ndarray:
    """Which of the distinct terms are English stop words."""
    return strings.is_in(pl.Series(sorted(english_stop_words()), dtype=pl.String).implode()).to_numpy()


def _csr(n: int, indptr: np.ndarray, indices: bytearray, counts: bytearray) -> sp.csr_matrix:
    return sp.csr_matrix((np.frombuffer(counts, dtype=np.float32), np.frombuffer(indices, dtype=np.int32), indptr),
                         shape=(n, HASH_FEATURES))


def _word_block(texts: pl.Series) -> sp.csr_matrix:
    """``(len(texts), HASH_FEATURES)`` counts of words and word bigrams, as ``HashingVectorizer(stop_words="english",
    ngram_range=(1, 2))`` counts them: words are ``WORD_PATTERN``'s matches in the lower-cased text, stop words go
    before the bigrams are made ("talks in Istanbul" → "talks istanbul")."""
    data, starts = utf8_buffer(texts.fill_null("").str.to_lowercase())
    indptr = np.empty(len(texts) + 1, dtype=np.int64)
    indices, counts = _kernel.word_counts(data, starts, _code_set(data, starts, r"\w"), *_stop_word_buffer(),
                                          HASH_FEATURES, indptr)
    return _csr(len(texts), indptr, indices, counts)


@dataclass(frozen=True)
class _NameTokens:
    """The name-like tokens of some texts (``NAME_PATTERN``'s matches, lower-cased): the distinct terms in order of
    first sight (``terms``, and their UTF-8 bytes for the kernel), how often each is written capitalised and in
    lower case, every token's term and each text's first token."""

    terms: pl.Series
    term_data: bytearray
    term_starts: bytearray
    capital: np.ndarray
    lower: np.ndarray
    tokens: bytearray
    token_starts: np.ndarray

    @classmethod
    def of(cls, texts: pl.Series) -> _NameTokens:
        data, starts = utf8_buffer(texts.fill_null(""))
        token_starts = np.empty(len(texts) + 1, dtype=np.int64)
        term_data, term_starts, capital, lower, tokens = _kernel.name_tokens(
            data, starts, _code_set(data, starts, r"\d"), token_starts)
        offsets = np.frombuffer(term_starts, dtype=np.int64)
        terms = pl.from_arrow(pa.LargeStringArray.from_buffers(len(offsets) - 1, pa.py_buffer(offsets),
                                                               pa.py_buffer(term_data)))
        return cls(terms.alias("term"), term_data, term_starts, np.frombuffer(capital, dtype=np.int64),
                   np.frombuffer(lower, dtype=np.int64), tokens, token_starts)

    def spelling(self) -> pl.DataFrame:
        """``term, capital, lower`` of these tokens, for ``_names``."""
        return pl.DataFrame({"term": self.terms, "capital": self.capital, "lower": self.lower})

    def counts(self, names: pl.DataFrame) -> sp.csr_matrix:
        """Counts of the names among these tokens and of the bigrams of adjacent names, given which terms are names
        (``_names``, over however many texts)."""
        is_name = (pl.DataFrame({"term": self.terms}).join(names, on="term", how="left", maintain_order="left")
                   ["name"].fill_null(False).to_numpy().astype(np.uint8))
        indptr = np.empty(len(self.token_starts), dtype=np.int64)
        indices, counts = _kernel.name_counts(self.term_data, self.term_starts, is_name, self.tokens,
                                              self.token_starts, HASH_FEATURES, indptr)
        return _csr(len(indptr) - 1, indptr, indices, counts)


def _names(counts: pl.DataFrame) -> pl.DataFrame:
    """``term, name``: whether each term (``term, capital, lower`` counts, summed over repeats) is a name: written
    capitalised more than twice as often as in lower case and not a stop word, or a year."""
    totals = counts.group_by("term").agg(pl.col("capital").sum(), pl.col("lower").sum())
    strings = totals["term"]
    name = (totals["capital"] > 2 * totals["lower"]).to_numpy() & ~_stop_word_mask(strings)
    name |= strings.str.contains(_YEAR).to_numpy()
    return pl.DataFrame({"term": strings, "name": name})


def _name_counts(texts: pl.Series, block_texts: int = WORD_BLOCK_TEXTS) -> sp.csr_matrix:
    """Counts of names, years and bigrams of adjacent names, made ``block_texts`` texts at a time: the tokens of
    every block first, for the night's counts of how each term is written (what makes it a name), then each
    block's counts."""
    starts = range(0, len(texts), block_texts)
    blocks = map_blocks(lambda start: _NameTokens.of(texts.slice(start, block_texts)), starts, default_threads())
    names = _names(pl.concat([block.spelling() for block in blocks]))
    return _stacked(map_blocks(lambda block: block.counts(names), blocks, default_threads()))


def _stacked(parts: list[sp.csr_matrix]) -> sp.csr_matrix:
    """The blocks' rows one under the other."""
    return sp.vstack(parts, format="csr") if len(parts) > 1 else parts[0]


def _tfidf(counts: sp.csr_matrix, min_df: int = 2) -> sp.csr_matrix:
    """Sublinear TF-IDF of hashed counts (duplicates summed), terms in fewer than ``min_df`` documents dropped, rows
    L2-normalised: what scikit-learn's ``TfidfTransformer(sublinear_tf=True)`` gives on the kept columns, float32
    step for step (``1 + ln tf``, ``idf = 1 + ln((n + 1) / (df + 1))``, squares summed in float64), computed here
    because importing scikit-learn cost more than the whole transform; a test holds the two equal bit for bit. The
    logarithms are numpy's (as scikit-learn's are); the weighing and the norms run in the compiled kernel, row by
    row into the result's own arrays (numpy's passes over a night's 7 million entries took 0.45 s and whole-matrix
    temporaries)."""
    n = counts.shape[0]
    df = np.bincount(counts.indices, minlength=counts.shape[1])  # one entry per (row, term): document frequency
    keep = df >= min_df
    column = np.where(keep, np.cumsum(keep) - 1, -1).astype(np.int32)  # a kept term's column among the kept ones
    idf = np.full(int(keep.sum()), n + 1, dtype=np.float32) / (df[keep].astype(np.float32) + np.float32(1))
    np.log(idf, out=idf)
    idf += np.float32(1)
    total = int(np.count_nonzero(keep[counts.indices]))
    data, indices = np.empty(total, dtype=np.float32), np.empty(total, dtype=np.int32)
    indptr = np.empty(n + 1, dtype=np.int64)
    _kernel.tfidf_rows(counts.indptr.astype(np.int64, copy=False), counts.indices.astype(np.int32, copy=False),
                       np.log(counts.data.astype(np.float32)), column, idf, indptr, indices, data)
    return sp.csr_matrix((data, indices, indptr), shape=(n, idf.size))


def _word_counts(texts: pl.Series, block_texts: int = WORD_BLOCK_TEXTS) -> sp.csr_matrix:
    """``_word_block`` of ``block_texts`` texts at a time (one block per core at once), stacked: a text's words and
    bigrams are its own, so the matrix is the same, and only the running blocks' buffers are held."""
    return _stacked(map_blocks(lambda start: _word_block(texts.slice(start, block_texts)),
                               range(0, len(texts), block_texts), default_threads()))


def lexical_vectors(titles, bodies, min_df: int = 2) -> sp.csr_matrix:
    """Rows ``l_i`` with ``l_i · l_j`` = mean of the word TF-IDF cosine and the proper-noun TF-IDF cosine; terms in
    fewer than ``min_df`` rows are dropped (1 keeps every term in the norms: for a handful of long rows, where a
    term two rows happen to share would otherwise be all that is left of them)."""
    texts = lexical_texts(titles, bodies)
    if texts.is_empty():
        return sp.csr_matrix((0, 0), dtype=np.float32)
    blocks = []
    for counts in (_word_counts(texts), _name_counts(texts)):
        block = _tfidf(counts, min_df)
        block.data *= np.float32(np.sqrt(0.5))  # in place: a night's matrix holds tens of millions of entries
        blocks.append(block)
    return sp.hstack(blocks, format="csr").astype(np.float32, copy=False)

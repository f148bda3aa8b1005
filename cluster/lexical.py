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
``HashingVectorizer`` hashes them, so a row's counts are that vectoriser's (a test holds them equal). The work is
done in polars on whole columns: tokens are found by its regex engine, each distinct term is hashed once (a night
repeats its words), and no Python string per token or per text is made. The one intended difference from
scikit-learn's tokeniser: a word with a combining mark ("é" written as e + U+0301) stays one word, where Python's
``\\w`` splits it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
import scipy.sparse as sp

from . import _kernel
from .english import english_stop_words
from .minhash import default_threads, offset_runs
from .tokens import map_blocks, utf8_buffer

RICH_FROM_WORDS, RICH_AT_WORDS = 15, 45  # richness 0 up to 15 words of title plus body, 1 from 45 words on
LEXICAL_WORDS = 300  # words of the body used for the lexical vectors
HASH_FEATURES = 2**20
WORD_BLOCK_TEXTS = 10_000  # texts tokenised together (``_word_counts``, ``_name_counts``)
_WORD = r"\b\w\w+\b"  # scikit-learn's default token pattern, on lower-cased text
_NAME_TOKEN = r"[A-Za-z][A-Za-z'’\-]+|\d{4}"  # a word that may be a name (apostrophes and hyphens kept), or a year
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


@dataclass(frozen=True)
class Terms:
    """Term occurrences of a batch of texts: occurrence ``i`` is term ``strings[codes[i]]`` in text ``docs[i]``
    (unigrams first, then bigrams). Each distinct term is stored once."""

    docs: np.ndarray
    codes: np.ndarray
    strings: pl.Series

    def per_text(self, n: int) -> list[list[str]]:
        """The terms of each of ``n`` texts, as lists of strings (for reading and tests; the engine never needs it)."""
        out: list[list[str]] = [[] for _ in range(n)]
        for doc, term in zip(self.docs.tolist(), self.strings.gather(self.codes).to_list(), strict=True):
            out[doc].append(term)
        return out

    def counts(self, n: int) -> sp.csr_matrix:
        """``(n, HASH_FEATURES)`` float32 counts of the hashed terms, duplicates summed, indices sorted."""
        columns = _murmur_columns(self.strings)[self.codes]
        counts = sp.csr_matrix((np.ones(len(self.docs), dtype=np.float32), (self.docs, columns)),
                               shape=(n, HASH_FEATURES))
        counts.sum_duplicates()
        return counts


def _murmur_columns(strings: pl.Series) -> np.ndarray:
    """The column ``HashingVectorizer`` gives each term: ``|murmurhash3_32(term, seed=0)| mod 2²⁰``, hashed in the
    compiled kernel over the terms' UTF-8 buffer (one Python call per term took 2 s for a night of 20,000 articles'
    two million distinct terms)."""
    data, starts = utf8_buffer(strings.fill_null(""))
    signed = np.empty(len(strings), dtype=np.int32)
    _kernel.murmur_hashes(data, starts, signed)
    return np.abs(signed.astype(np.int64)) % HASH_FEATURES


def _tokens(texts: pl.Series, pattern: str, lower_first: bool) -> pl.DataFrame:
    """``doc, token``: every match of ``pattern`` in each text, in order (on the lower-cased text if asked)."""
    source = pl.col("text").str.to_lowercase() if lower_first else pl.col("text")
    return (pl.DataFrame({"text": texts}).lazy().with_row_index("doc")
            .select("doc", source.str.extract_all(pattern).alias("token"))
            .explode("token").drop_nulls("token").collect())


def _coded(tokens: pl.Series) -> tuple[np.ndarray, pl.Series]:
    """Each token's index into the distinct tokens, and the distinct tokens."""
    strings = tokens.unique().sort()
    codes = tokens.cast(pl.Enum(strings)).to_physical().to_numpy().astype(np.int64)
    return codes, strings


def _with_bigrams(docs: np.ndarray, codes: np.ndarray, strings: pl.Series, keep: np.ndarray | None = None) -> Terms:
    """The kept occurrences and the bigrams of adjacent kept occurrences in one text (``"a b"``), as ``Terms``.

    ``keep`` marks occurrences (default: all); a bigram needs two adjacent occurrences of the input both kept (for
    names: two adjacent names)."""
    pair = docs[:-1] == docs[1:]
    if keep is not None:
        pair &= keep[:-1] & keep[1:]
    pair_docs = docs[:-1][pair]
    width = max(len(strings), 1)
    distinct_keys, pair_codes = np.unique(codes[:-1][pair] * width + codes[1:][pair], return_inverse=True)
    bigrams = pl.select(pl.concat_str(strings.gather(distinct_keys // width), pl.lit(" "),
                                      strings.gather(distinct_keys % width))).to_series()
    if keep is not None:
        docs, codes = docs[keep], codes[keep]
    return Terms(
        docs=np.concatenate([docs, pair_docs]),
        codes=np.concatenate([codes, pair_codes + len(strings)]),
        strings=pl.concat([strings, bigrams.alias(strings.name)]),
    )


def _stop_word_mask(strings: pl.Series) -> np.ndarray:
    """Which of the distinct tokens are English stop words."""
    return strings.is_in(pl.Series(sorted(english_stop_words()), dtype=pl.String).implode()).to_numpy()


def word_terms(texts: pl.Series) -> Terms:
    """Words and word bigrams, as ``HashingVectorizer(stop_words="english", ngram_range=(1, 2))`` analyses them."""
    tokens = _tokens(texts, _WORD, lower_first=True)
    codes, strings = _coded(tokens["token"])
    content = ~_stop_word_mask(strings)[codes]  # removed before the bigrams: "talks in Istanbul" → "talks istanbul"
    docs = tokens["doc"].to_numpy().astype(np.int64)[content]
    return _with_bigrams(docs, codes[content], strings)


def name_terms(texts: pl.Series) -> Terms:
    """Names, years and bigrams of adjacent names (see the module docstring), lower-cased."""
    tokens = _name_tokens(texts)
    return tokens.terms(_names(pl.DataFrame({"term": tokens.strings, "capital": tokens.capital,
                                             "lower": tokens.lower})))


@dataclass(frozen=True)
class _NameTokens:
    """The name-like tokens of some texts (lower-cased, coded as in ``_coded``) and how often each distinct one is
    written capitalised and in lower case."""

    docs: np.ndarray
    codes: np.ndarray
    strings: pl.Series
    capital: np.ndarray
    lower: np.ndarray

    def terms(self, names: pl.DataFrame) -> Terms:
        """``Terms`` of these tokens, given which terms are names (``_names``, over however many texts)."""
        is_name = pl.DataFrame({"term": self.strings}).join(names, on="term", how="left", maintain_order="left")
        return _with_bigrams(self.docs, self.codes, self.strings,
                             is_name["name"].fill_null(False).to_numpy()[self.codes])


def _name_tokens(texts: pl.Series) -> _NameTokens:
    tokens = _tokens(texts, _NAME_TOKEN, lower_first=False)
    capital = tokens["token"].str.contains("^[A-Z]").to_numpy()
    codes, strings = _coded(tokens["token"].str.to_lowercase())
    return _NameTokens(tokens["doc"].to_numpy().astype(np.int64), codes, strings,
                       np.bincount(codes, weights=capital, minlength=len(strings)),
                       np.bincount(codes, weights=~capital, minlength=len(strings)))


def _names(counts: pl.DataFrame) -> pl.DataFrame:
    """``term, name``: whether each term (``term, capital, lower`` counts, summed over repeats) is a name: written
    capitalised more than twice as often as in lower case and not a stop word, or a year."""
    totals = counts.group_by("term").agg(pl.col("capital").sum(), pl.col("lower").sum())
    strings = totals["term"]
    name = (totals["capital"] > 2 * totals["lower"]).to_numpy() & ~_stop_word_mask(strings)
    name |= strings.str.contains(_YEAR).to_numpy()
    return pl.DataFrame({"term": strings, "name": name})


def _name_counts(texts: pl.Series, block_texts: int = WORD_BLOCK_TEXTS) -> sp.csr_matrix:
    """``name_terms(texts).counts(...)`` made ``block_texts`` texts at a time: the tokens of every block first, for
    the night's counts of how each term is written (what makes it a name), then each block's terms and counts."""
    starts = range(0, len(texts), block_texts)
    blocks = map_blocks(lambda start: _name_tokens(texts.slice(start, block_texts)), starts, default_threads())
    names = _names(pl.concat([pl.DataFrame({"term": b.strings, "capital": b.capital, "lower": b.lower})
                              for b in blocks]))
    return _stacked(map_blocks(lambda k: blocks[k].terms(names).counts(min(block_texts, len(texts) - starts[k])),
                               range(len(blocks)), default_threads()))


def _stacked(parts: list[sp.csr_matrix]) -> sp.csr_matrix:
    """The blocks' rows one under the other."""
    return sp.vstack(parts, format="csr") if len(parts) > 1 else parts[0]


TFIDF_BLOCK_ENTRIES = 1 << 22  # entries weighed and normalised at once: bounds the transform's temporaries


def _tfidf(counts: sp.csr_matrix, min_df: int = 2, block_entries: int = TFIDF_BLOCK_ENTRIES) -> sp.csr_matrix:
    """Sublinear TF-IDF of hashed counts (duplicates summed), terms in fewer than ``min_df`` documents dropped, rows
    L2-normalised: what scikit-learn's ``TfidfTransformer(sublinear_tf=True)`` gives on the kept columns, float32
    step for step (``1 + ln tf``, ``idf = 1 + ln((n + 1) / (df + 1))``, squares summed in float64), computed here
    because importing scikit-learn cost more than the whole transform; a test holds the two equal bit for bit. Rows
    are done ``block_entries`` entries at a time, written into the result's own arrays (done all at once, the
    temporaries raised the lexical build's peak by 0.2 GB on 90,000 articles)."""
    n = counts.shape[0]
    df = np.bincount(counts.indices, minlength=counts.shape[1])  # one entry per (row, term): document frequency
    keep = df >= min_df
    column = (np.cumsum(keep) - 1).astype(np.int32)  # a kept term's column among the kept ones
    idf = np.full(int(keep.sum()), n + 1, dtype=np.float32) / (df[keep].astype(np.float32) + np.float32(1))
    np.log(idf, out=idf)
    idf += np.float32(1)
    kept_per_row = np.zeros(n, dtype=np.int64)
    total = int(np.count_nonzero(keep[counts.indices]))
    data, indices = np.empty(total, dtype=np.float32), np.empty(total, dtype=np.int32)
    written = 0
    for lo, hi in offset_runs(counts.indptr, block_entries):
        start, end = counts.indptr[lo], counts.indptr[hi]
        kept = keep[counts.indices[start:end]]
        ends = np.concatenate([[0], np.cumsum(kept)])[counts.indptr[lo : hi + 1] - start]
        lengths = np.diff(ends)
        block = counts.data[start:end][kept].astype(np.float32)
        block_columns = column[counts.indices[start:end][kept]]
        np.log(block, out=block)
        block += np.float32(1)
        block *= idf[block_columns]
        rows = np.repeat(np.arange(hi - lo), lengths)
        norms = np.sqrt(np.bincount(rows, weights=(block * block).astype(np.float64), minlength=hi - lo))
        norms[norms == 0] = 1.0
        data[written : written + len(block)] = block / norms[rows]
        indices[written : written + len(block)] = block_columns
        kept_per_row[lo:hi] = lengths
        written += len(block)
    indptr = np.concatenate([[0], np.cumsum(kept_per_row)])
    return sp.csr_matrix((data, indices, indptr), shape=(n, idf.size))


def _word_counts(texts: pl.Series, block_texts: int = WORD_BLOCK_TEXTS) -> sp.csr_matrix:
    """``word_terms(texts).counts(...)``, made ``block_texts`` texts at a time (one block per core at once) and
    stacked: a text's words and bigrams are its own, so the matrix is the same, and only the running blocks' token
    tables are held (on a night of 90,000 full articles they peak at 2.3 GB for the whole night)."""
    return _stacked(map_blocks(lambda start: word_terms(texts.slice(start, block_texts))
                               .counts(min(block_texts, len(texts) - start)), range(0, len(texts), block_texts),
                               default_threads()))


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

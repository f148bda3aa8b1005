"""The lexical terms as polars finds them, written before the compiled kernel counted them: the oracle that tests
compare ``lexical._word_counts`` and ``lexical._name_counts`` against (the same matrix, bit for bit). The regex
patterns are the ones the kernel implements (``lexical.WORD_PATTERN``, ``lexical.NAME_PATTERN``), run by polars'
own engine, so any difference in what a word, a name or a character class is shows up here."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
import scipy.sparse as sp

from cluster.english import english_stop_words
from cluster.lexical import HASH_FEATURES, NAME_PATTERN, WORD_PATTERN, _murmur_columns, _names


@dataclass(frozen=True)
class Terms:
    """Term occurrences of a batch of texts: occurrence ``i`` is term ``strings[codes[i]]`` in text ``docs[i]``
    (unigrams first, then bigrams). Each distinct term is stored once."""

    docs: np.ndarray
    codes: np.ndarray
    strings: pl.Series

    def per_text(self, n: int) -> list[list[str]]:
        """The terms of each of ``n`` texts, as lists of strings."""
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
    """The kept occurrences and the bigrams of adjacent kept occurrences in one text (``"a b"``)."""
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
    return Terms(docs=np.concatenate([docs, pair_docs]), codes=np.concatenate([codes, pair_codes + len(strings)]),
                 strings=pl.concat([strings, bigrams.alias(strings.name)]))


def _stop_word_mask(strings: pl.Series) -> np.ndarray:
    return strings.is_in(pl.Series(sorted(english_stop_words()), dtype=pl.String).implode()).to_numpy()


def word_terms(texts: pl.Series) -> Terms:
    """Words and word bigrams, as ``HashingVectorizer(stop_words="english", ngram_range=(1, 2))`` analyses them."""
    tokens = _tokens(texts, WORD_PATTERN, lower_first=True)
    codes, strings = _coded(tokens["token"])
    content = ~_stop_word_mask(strings)[codes]
    docs = tokens["doc"].to_numpy().astype(np.int64)[content]
    return _with_bigrams(docs, codes[content], strings)


def name_terms(texts: pl.Series) -> Terms:
    """Names, years and bigrams of adjacent names, lower-cased, names decided over all of ``texts``."""
    tokens = _tokens(texts, NAME_PATTERN, lower_first=False)
    capital = tokens["token"].str.contains("^[A-Z]").to_numpy()
    codes, strings = _coded(tokens["token"].str.to_lowercase())
    counts = pl.DataFrame({"term": strings, "capital": np.bincount(codes, weights=capital, minlength=len(strings)),
                           "lower": np.bincount(codes, weights=~capital, minlength=len(strings))})
    is_name = pl.DataFrame({"term": strings}).join(_names(counts), on="term", how="left", maintain_order="left")
    return _with_bigrams(tokens["doc"].to_numpy().astype(np.int64), codes, strings,
                         is_name["name"].fill_null(False).to_numpy()[codes])

"""The lexical signal: richness, the texts it reads, word and name terms, and the hashed TF-IDF vectors."""

from __future__ import annotations

import random

import numpy as np
import polars as pl
import pytest
from lexical_reference import name_terms, word_terms
from sklearn.feature_extraction.text import HashingVectorizer

from cluster.lexical import (
    HASH_FEATURES,
    LEXICAL_WORDS,
    _name_counts,
    _tfidf,
    _word_counts,
    lexical_texts,
    lexical_vectors,
    richness,
)

TITLES = [
    "Vestmark’s finance minister resigns over “Greyshelf” bond deal",
    "Porthaven ferry crews strike again — sailings to the islands halted",
    "U.S.-led talks in Alvora: round 3 ends without a deal",
    "",
    "Café owners in São Tomé protest 20% rent rises",
    None,
]
BODIES = [
    "ALVORA, March 2 (Newswire) - Vestmark's finance minister, Ana Reyes-Holm, resigned on Tuesday after the\n\n"
    "Greyshelf Bank bond deal of 2019 was found to have cost the treasury 1.2 billion crowns. Reyes-Holm said...",
    "The RMT-style union called the strike at 06:00.\tCrews at Porthaven walked out for the second time this month, "
    "and the Porthaven Ferry Company said sailings would resume on Friday. " * 12,
    "Negotiators from Norland and Vestmark left Alvora on Thursday without a deal; a fourth round is planned for "
    "April. \"We are close,\" said Norland's envoy, Tomas O'Brien.",
    "A body with no title at all, published by a wire that sends only text.",
    "Café and restaurant owners in São Tomé marched to the ministry on Monday, saying rents rose 20% in 2024.",
    "Headline-free item from a feed that sends nulls.",
]


def test_word_counts_match_scikit_learns_hashing_vectorizer():
    texts = lexical_texts(TITLES, BODIES)
    ours = _word_counts(texts).toarray()
    theirs = HashingVectorizer(stop_words="english", ngram_range=(1, 2), n_features=HASH_FEATURES, alternate_sign=False,
                               norm=None, dtype=np.float32).transform(texts.to_list()).toarray()
    assert ours.sum() > 100 and np.array_equal(ours, theirs)


def test_lexical_text_is_the_title_and_the_first_words_of_the_body():
    texts = lexical_texts(TITLES, BODIES).to_list()
    assert texts[0].startswith("Vestmark’s finance minister resigns over “Greyshelf” bond deal. ALVORA, March 2")
    assert texts[3] == ". A body with no title at all, published by a wire that sends only text."
    assert texts[5] == ". Headline-free item from a feed that sends nulls."
    long_body = BODIES[1]
    assert len(long_body.split()) > LEXICAL_WORDS
    assert texts[1].split()[len(TITLES[1].split()):] == long_body.split()[:LEXICAL_WORDS]


def test_richness_reads_nulls_as_empty_and_any_whitespace_between_words():
    assert list(richness([None, "Title", "Title"], [None, "w\n" * 100, "w\t" * 30])) == [
        0.0, 1.0, pytest.approx(16 / 30),
    ]


def test_names_are_words_written_capitalised_years_and_adjacent_name_pairs():
    texts = pl.Series([
        "Lindsay Lohan checks into rehab in 2013. The actress said Lohan was fine.",
        "Tara Reid checks into rehab, the actress said. The Reid family declined to comment.",
        "Lohan's lawyer said the actress will leave in 30 days.",
    ])
    assert_same_matrix(_name_counts(texts), name_terms(texts).counts(len(texts)))
    terms = name_terms(texts).per_text(len(texts))
    assert {"lindsay", "lohan", "2013", "lindsay lohan"} <= set(terms[0])
    assert {"tara", "reid", "tara reid"} <= set(terms[1])
    assert "the" not in terms[0] + terms[1]  # a capitalised sentence start of a stop word is no name
    assert "actress" not in terms[0] and "checks" not in terms[0]  # written lower case as often as capitalised
    assert "lohan's" in terms[2] and "30" not in terms[2]  # names keep their apostrophes; only 4-digit years count


def test_lexical_vectors_separate_events_that_share_their_kind():
    titles = ["Lindsay Lohan checks into rehab", "Lohan enters Betty Ford clinic", "Tara Reid checks into rehab",
              "Reid enters Promises clinic"]
    bodies = ["Lindsay Lohan checked into the Betty Ford Center in 2013, her lawyer said.",
              "Lindsay Lohan is at the Betty Ford Center after a court order in 2013.",
              "Tara Reid checked into the Promises Treatment Center in 2008, her publicist said.",
              "Tara Reid is at Promises Treatment Center in Malibu since 2008."]
    lexical = lexical_vectors(titles, bodies)
    sims = (lexical @ lexical.T).toarray()
    assert sims[0, 1] > sims[0, 2] and sims[2, 3] > sims[1, 3]
    assert np.allclose(np.diag(sims), 1.0, atol=1e-5)


def test_no_rows_and_rows_without_words():
    assert lexical_vectors([], []).shape == (0, 0)
    empty = lexical_vectors(["", "!!!"], ["", "—"], min_df=1)
    assert empty.shape[0] == 2 and empty.nnz == 0


def assert_same_matrix(blocked, whole) -> None:
    """The same sparse matrix, stored alike: shape, values, and each row's columns in the same order."""
    assert blocked.shape == whole.shape
    assert (blocked != whole).nnz == 0
    assert np.array_equal(blocked.indptr, whole.indptr) and np.array_equal(blocked.indices, whole.indices)


def test_word_counts_made_in_blocks_are_the_counts_of_the_whole():
    texts = pl.Series([f"Ferry crews strike {k} in Porthaven" if k % 3 else "" for k in range(23)]
                      + ["The talks in Istanbul ended; the talks resume"] * 4)
    whole = word_terms(texts).counts(len(texts))
    for block in (1, 5, 27, 100):
        assert_same_matrix(_word_counts(texts, block_texts=block), whole)


def test_name_counts_made_in_blocks_use_the_whole_nights_spelling():
    # "Bridge" is written capitalised in the first texts and in lower case in the last ones: over the whole night it
    # is no name, though the first block alone would make it one
    texts = pl.Series(["Kessford Bridge closed after the 2024 derailment"] * 3 + ["Istanbul talks resume"] * 3
                      + ["the bridge reopened and the bridge toll rose, the bridge said"] * 4)
    whole = name_terms(texts).counts(len(texts))
    for block in (1, 3, 4, 100):
        assert_same_matrix(_name_counts(texts, block_texts=block), whole)
    bridge = name_terms(texts).per_text(len(texts))
    assert "kessford" in bridge[0] and "2024" in bridge[0] and "bridge" not in bridge[0]


# Pieces of real-looking feed text chosen for the edges of the kernel's classes: Unicode capitals that lower-casing
# lengthens (İ), combining marks, digits of other scripts (Arabic-Indic, Devanagari, full-width), the curly
# apostrophe inside and at the ends of names, hyphens, underscores, emoji, CJK, a lone letter, runs of digits
# longer than a year, and a long token
PIECES = ["Lindsay", "Lohan", "O’Brien", "O'Brien’s", "’Tis", "Reyes-Holm", "-Holm", "İstanbul", "ISTANBUL",
          "Café", "cafe\u0301", "São", "Tomé", "٢٠٢٤", "२०२४", "２０２４", "2024", "20245", "123456789", "1999",
          "a", "I", "x1", "snake_case", "e.g.", "U.S.-led", "—", "“Greyshelf”", "😀", "東京", "Σίσυφος", "ǅemal",
          "ﬁnance", "talks", "the", "in", "and", "THE", "Talks", "round", "3rd", "\t", "\n\n", "Zz" * 40]


def random_texts(seed: int, count: int) -> pl.Series:
    rng = random.Random(seed)
    texts = [" ".join(rng.choice(PIECES) for _ in range(rng.randint(0, 40))) for _ in range(count)]
    glued = ["".join(rng.choice(PIECES) for _ in range(rng.randint(1, 8))) for _ in range(count // 4)]
    return pl.Series(texts + glued + ["", None], dtype=pl.String)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_compiled_terms_are_polars_regex_terms_on_hostile_unicode(seed):
    """The kernel's words (\\b\\w\\w+\\b on lower-cased text), names ([A-Za-z][A-Za-z'’\\-]+|\\d{4}), stop words,
    bigrams and hashed columns against the same patterns run by polars' regex engine, in blocks and whole."""
    texts = random_texts(seed, 300)
    words, names = word_terms(texts).counts(len(texts)), name_terms(texts).counts(len(texts))
    assert words.nnz > 1000 and names.nnz > 300
    for block in (7, 10_000):
        assert_same_matrix(_word_counts(texts, block_texts=block), words)
        assert_same_matrix(_name_counts(texts, block_texts=block), names)


def test_term_columns_are_scikit_learns_murmur_hash_of_every_length_and_script():
    """The kernel's MurmurHash3 against scikit-learn's for terms of every tail length (0-3 bytes past a block of
    four), multi-byte characters and the empty term."""
    from sklearn.utils import murmurhash3_32

    from cluster.lexical import HASH_FEATURES, _murmur_columns

    rng = random.Random(8)
    alphabet = "aZ0 -'’éİΣж😀"
    terms = [""] + ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 11))) for _ in range(3000)]
    expected = [abs(murmurhash3_32(term, seed=0)) % HASH_FEATURES for term in terms]
    assert _murmur_columns(pl.Series(terms, dtype=pl.String)).tolist() == expected
    assert _murmur_columns(pl.Series(terms, dtype=pl.String).slice(7, 50)).tolist() == expected[7:57]


@pytest.mark.parametrize("min_df", [1, 2, 3])
def test_tfidf_is_scikit_learns_transformer_bit_for_bit(min_df):
    import scipy.sparse as sp
    from sklearn.feature_extraction.text import TfidfTransformer

    rng = np.random.default_rng(min_df)
    dense = rng.integers(0, 4, (40, 30)) * (rng.random((40, 30)) < 0.3)
    dense[5] = 0  # a row without terms keeps its zeros
    dense[:, 7] = 0  # a term no row has
    counts = sp.csr_matrix(dense.astype(np.float32))
    words = _word_counts(pl.Series([t or "" for t in TITLES] * 3))
    for matrix in (counts, words):
        kept = np.flatnonzero(np.diff(matrix.tocsc().indptr) >= min_df)
        expected = TfidfTransformer(sublinear_tf=True).fit_transform(matrix.tocsc()[:, kept].tocsr())
        ours = _tfidf(matrix, min_df)
        assert ours.shape == expected.shape and ours.dtype == np.float32
        assert np.array_equal(ours.indptr, expected.indptr) and np.array_equal(ours.indices, expected.indices)
        assert np.array_equal(ours.data, expected.astype(np.float32).data)


def test_stop_words_are_scikit_learns_list():
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    from cluster.english import english_stop_words

    assert english_stop_words() == frozenset(ENGLISH_STOP_WORDS)

"""English stop words and word stems, loaded on first use: importing scikit-learn costs more than a second, and a
dedup-only run needs neither."""

from __future__ import annotations

from functools import cache, lru_cache


@cache
def english_stop_words() -> frozenset[str]:
    """scikit-learn's ``ENGLISH_STOP_WORDS`` (the list its ``stop_words="english"`` uses)."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS)


@cache
def _stemmer():
    from snowballstemmer import stemmer

    return stemmer("english")


@lru_cache(maxsize=1 << 18)
def english_stem(word: str) -> str:
    """The Snowball English stem of a lower-case word ("strikes" → "strike"), looked up once per spelling: stemming
    is pure Python, and a night repeats its words."""
    return _stemmer().stemWord(word)


@lru_cache(maxsize=1 << 16)
def word_classes(word: str) -> dict[str, tuple[str, ...]]:
    """Every word class a lower-case spelling can have, with its lemmas: ``{"NOUN": ("pay",), "VERB": ("pay",)}``;
    empty for a word the lexicon lacks (most names). LemmInflect's lexicon (from the SPECIALIST lexicon, bundled with
    the package: nothing to download) knows a word's possible classes, not which one a sentence uses."""
    from lemminflect import getAllLemmas

    return getAllLemmas(word)

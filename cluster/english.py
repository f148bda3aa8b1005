"""English stop words and word stems, loaded on first use: a dedup-only run needs neither."""

from __future__ import annotations

import importlib.util
from functools import cache, lru_cache

from .packages import package_file


@cache
def english_stop_words() -> frozenset[str]:
    """scikit-learn's ``ENGLISH_STOP_WORDS`` (the list its ``stop_words="english"`` uses), read from the module that
    holds it alone: importing scikit-learn itself took 0.4 to 0.7 s of every run, and a run needs only this list."""
    module_file = package_file("sklearn", "feature_extraction/_stop_words.py")
    if module_file is not None:
        own = importlib.util.spec_from_file_location("_newsclust_sklearn_stop_words", module_file)
        if own is not None and own.loader is not None:
            module = importlib.util.module_from_spec(own)
            try:
                own.loader.exec_module(module)
            except (ImportError, OSError, SyntaxError):  # a scikit-learn whose module needs its package
                module = None
            words = getattr(module, "ENGLISH_STOP_WORDS", None)
            if words:
                return frozenset(words)
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS  # a scikit-learn that keeps the list elsewhere

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

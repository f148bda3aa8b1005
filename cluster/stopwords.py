"""English stop words, loaded on first use: importing scikit-learn costs more than a second, and a dedup-only run
never needs it."""

from __future__ import annotations

from functools import cache


@cache
def english_stop_words() -> frozenset[str]:
    """scikit-learn's ``ENGLISH_STOP_WORDS`` (the list its ``stop_words="english"`` uses)."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS)

"""Short texts: headline-only items and stubs match on their letters and digits, exactly or near-identically."""

from __future__ import annotations

import numpy as np
import polars as pl
from dedup_worlds import dedup, item, partition, prose
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz.distance import Levenshtein

from cluster.config import DedupConfig
from cluster.dedup import Match
from cluster.dedup.short import ShortTexts, allowed_edits, near_candidates


def test_headline_only_items_match_on_letters_and_digits_only():
    rows = [
        item("h1", "Alpha", "Markets rally as \u2018rates\u2019 fall", ""),
        item("h2", "Beta", "  MARKETS rally as 'rates'   fall ", "", hours=1),
        item("h3", "Gamma", "Markets rally as 'rates' fall sharply", "", hours=2),
        item("h4", "Delta", "Markets rally as rates fall", "", hours=3),  # quotes dropped: the same headline
    ]
    table = dedup(rows)
    assert partition(table) == {frozenset({"h1", "h2", "h4"}), frozenset({"h3"})}
    assert table["h2"]["rule"] == table["h4"]["rule"] == "exact_short"
    assert (table["h2"]["jaccard"], table["h2"]["containment"]) == (1.0, 1.0)
    assert table["h2"]["canonical_id"] == "h1"

def test_near_identical_headlines_match_on_characters_but_not_across_numbers_or_words():
    rows = [
        item("a", "Alpha", "Government announces new funding for rural hospitals", ""),
        item("b", "Beta", "Goverment announces new funding for rural hospitals", "", hours=1),  # a typo: one edit
        item("c", "Gamma", "Government announces new funding for rural schools", "", hours=2),  # another story
        item("d", "Delta", "Death toll in mountain rail crash rises to 120", "", hours=3),
        item("e", "Echo", "Death toll in mountain rail crash rises to 121", "", hours=4),  # one edit, a new number
        item("f", "Alpha", "Man arrested after stabbing in city centre", "", hours=5),
        item("g", "Beta", "Woman arrested after stabbing in city centre", "", hours=6),  # two edits in 37 letters
    ]
    table = dedup(rows)
    assert partition(table) == {frozenset({"a", "b"}), *(frozenset({k}) for k in "cdefg")}
    assert table["b"]["rule"] == "near_short"
    assert table["b"]["canonical_id"] == "a"
    assert 0.8 < table["b"]["jaccard"] < 1.0  # character 3-grams
    assert all(dedup(rows, short_edit_share=0)[k]["rule"] == "unique" for k in "abcdefg")

def test_long_headline_only_item_is_not_a_copy_of_the_article_that_lists_it():
    headline = prose(31, 16).rstrip(".")  # 13 shingles: enough to be compared on shingles if it were a body
    rows = [
        item("story", "Wire", "Budget vote delayed", f"{prose(32, 30)}\nRelated: {headline}"),
        item("headline", "Wire", headline, "", hours=1),
    ]
    table = dedup(rows)
    assert partition(table) == {frozenset({"story"}), frozenset({"headline"})}

def test_short_stub_bodies_match_only_when_identical():
    rows = [
        item("s1", "Alpha", "Breaking", "Polls close at ten tonight."),
        item("s2", "Beta", "Breaking", "Polls close at ten tonight.", hours=1),
        item("s3", "Gamma", "Breaking", "Polls close at ten tonight in the city.", hours=2),
    ]
    table = dedup(rows)
    assert partition(table) == {frozenset({"s1", "s2"}), frozenset({"s3"})}
    assert table["s2"]["rule"] == "exact_short"


# ---------------------------------------------------------------- the unit


def short_texts(titles: list[str], bodies: list[str] | None = None, **settings) -> ShortTexts:
    """``ShortTexts`` fitted on headline-only items (or ``bodies``), every one of them short."""
    frame = pl.DataFrame({"title": titles, "body": bodies or [""] * len(titles)})
    return ShortTexts(DedupConfig(**settings)).fit(frame, np.ones(len(titles), dtype=bool))


def test_keys_are_the_letters_and_digits_of_title_and_body_and_numbers_their_digit_runs():
    short = short_texts(["U.S.-led \u2018deal\u2019: 2 of 30", "Breaking"], ["", "Polls close at 10."])
    assert short.keys_ == {0: "usleddeal2of30", 1: "breakingpollscloseat10"}
    assert short.numbers_ == {0: ["2", "30"], 1: ["10"]}


def test_only_short_texts_get_keys():
    frame = pl.DataFrame({"title": ["One", "Two", "Three"], "body": ["", "A long body.", ""]})
    assert set(ShortTexts(DedupConfig()).fit(frame, np.array([True, False, True])).keys_) == {0, 2}


def test_a_typo_is_a_near_short_copy_and_a_changed_number_is_not():
    short = short_texts([
        "Government announces new funding for rural hospitals",
        "Goverment announces new funding for rural hospitals",
        "Death toll in mountain rail crash rises to 120",
        "Death toll in mountain rail crash rises to 121",
        "Death toll in mountain rail crash rises to 120",
    ])
    typo = short.match(0, 1)
    assert typo.rule == "near_short"
    assert 0.8 < typo.jaccard < 1.0 and typo.jaccard <= typo.containment < 1.0
    assert short.match(2, 3) is None
    assert short.match(4, 2) == short.match(2, 4) == Match(1.0, 1.0, "exact_short")
    assert short.pairs() == {(2, 4): Match(1.0, 1.0, "exact_short"), (0, 1): typo}


def test_texts_without_letters_or_digits_never_match():
    short = short_texts(["\u2014", "\u2014 \u2026"])
    assert short.keys_ == {0: "", 1: ""}
    assert short.match(0, 1) is None
    assert short.pairs() == {}


def test_allowed_edits_are_the_share_of_the_length_rounded():
    assert [allowed_edits(n, 0.02) for n in (10, 30, 80)] == [0, 1, 2]
    assert allowed_edits(1000, 0.0) == 0


@settings(max_examples=60, deadline=None, database=None)
@given(bases=st.lists(st.text(alphabet="abcd", min_size=8, max_size=40), min_size=1, max_size=6),
       rng=st.randoms(use_true_random=False))
def test_near_candidates_include_every_pair_within_the_allowed_edits(bases, rng):
    # Complete when a key keeps a q-gram after its allowed edits: here every key has 8 letters or more.
    share = 0.1
    keys = list(bases)
    for base in bases:
        for _ in range(2):
            letters = list(base)
            for _ in range(rng.randint(1, 3)):
                at = rng.randrange(len(letters))
                edit = rng.choice(["insert", "delete", "replace"])
                if edit == "insert":
                    letters.insert(at, rng.choice("abcd"))
                elif edit == "delete" and len(letters) > 8:
                    del letters[at]
                else:
                    letters[at] = rng.choice("abcd")
            keys.append("".join(letters))
    keys = list(dict.fromkeys(keys))  # one text per key, as the stage passes them
    found = set(near_candidates(dict(enumerate(keys)), share))
    for i in range(len(keys)):
        for j in range(i + 1, len(keys)):
            allowed = allowed_edits(min(len(keys[i]), len(keys[j])), share)
            if allowed >= 1 and Levenshtein.distance(keys[i], keys[j]) <= allowed:
                assert (i, j) in found

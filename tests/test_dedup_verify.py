"""Exact verification: Jaccard and containment from shared counts and sizes, and the verdict on a pair."""

from __future__ import annotations

import numpy as np
from dedup_worlds import shingle_sets_of
from hypothesis import given, settings
from hypothesis import strategies as st

from cluster.config import DedupConfig
from cluster.dedup import Match
from cluster.dedup.verify import ArticleMatcher, ShingleVerifier, containment, jaccard


def test_jaccard_and_containment_from_the_shared_count_and_the_sizes():
    assert jaccard(3, 5, 4) == 0.5  # 3 / (5 + 4 - 3)
    assert containment(3, 5, 4) == 0.75  # 3 / min(5, 4)
    np.testing.assert_array_equal(jaccard(np.array([0.0, 2.0]), np.array([0.0, 2.0]), np.array([0.0, 4.0])), [0.0, 0.5])
    np.testing.assert_array_equal(containment(np.array([0.0, 2.0]), np.array([0.0, 2.0]), np.array([3.0, 4.0])), [0, 1])


def test_the_jaccard_rule_comes_before_containment():
    verifier = ShingleVerifier(shingle_sets_of(range(10), range(9), range(4), range(100, 110)), DedupConfig())
    assert verifier.match(0, 1) == Match(0.9, 1.0, "jaccard")
    assert verifier.match(2, 0) == Match(0.4, 1.0, "containment")
    assert verifier.match(0, 3) is None
    assert set(verifier.verdicts_) == {(0, 1), (0, 2), (0, 3)}


@settings(max_examples=60, deadline=None, database=None)
@given(st.lists(st.sets(st.integers(0, 60), min_size=1, max_size=40), min_size=2, max_size=8))
def test_verifying_all_pairs_at_once_equals_one_pair_at_a_time(members):
    shingles = shingle_sets_of(*members)
    pairs = np.array([(i, j) for i in range(len(members)) for j in range(i + 1, len(members))], dtype=np.int64)
    at_once = ShingleVerifier(shingles, DedupConfig()).verify(pairs)
    one_at_a_time = ShingleVerifier(shingles, DedupConfig())
    verdicts = {(i, j): one_at_a_time.match(j, i) for i, j in pairs.tolist()}
    assert at_once == {pair: match for pair, match in verdicts.items() if match is not None}


class _Always:
    def __init__(self, rule: str) -> None:
        self.rule = rule

    def match(self, i: int, j: int) -> Match:
        return Match(1.0, 1.0, self.rule)


def test_a_short_text_matches_only_another_short_text():
    matcher = ArticleMatcher(_Always("jaccard"), _Always("exact_short"), np.array([False, False, True, True]))
    assert matcher.match(0, 1).rule == "jaccard"
    assert matcher.match(2, 3).rule == "exact_short"
    assert matcher.match(0, 2) is None
    assert matcher.match(3, 1) is None

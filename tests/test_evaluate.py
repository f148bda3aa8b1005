"""Clustering scores against gold labels, on examples small enough to count by hand."""

from __future__ import annotations

import polars as pl
import pytest
from sklearn.metrics import adjusted_rand_score

from cluster.evaluate import Scores, align, score


def test_hand_computed_example():
    gold = ["A", "A", "A", "B", "B", "C"]
    pred = ["1", "1", "2", "2", "2", "3"]
    # Contingency n_ij: (A,1)=2 (A,2)=1 (B,2)=2 (C,3)=1.
    # True pairs  = C(2,2) + C(2,2)                 = 2
    # Pred pairs  = C(2,2) + C(3,2) + C(1,2) = 1+3+0 = 4  -> precision 2/4 = 0.5
    # Gold pairs  = C(3,2) + C(2,2) + C(1,2) = 3+1+0 = 4  -> recall    2/4 = 0.5, F1 0.5
    # B3 precision = (2²/2 + 1²/3 + 2²/3 + 1²/1) / 6 = (2 + 1/3 + 4/3 + 1) / 6 = 14/18 = 0.7778
    # B3 recall    = (2²/3 + 1²/3 + 2²/2 + 1²/1) / 6 = (4/3 + 1/3 + 2 + 1) / 6 = 14/18 = 0.7778
    # ARI = (2 - 4·4/15) / ((4+4)/2 - 4·4/15) = (14/15) / (44/15) = 14/44 = 0.3182
    assert score(gold, pred) == Scores(
        articles=6, gold_clusters=3, predicted_clusters=3,
        pairwise_precision=0.5, pairwise_recall=0.5, pairwise_f1=0.5,
        bcubed_precision=0.7778, bcubed_recall=0.7778, bcubed_f1=0.7778,
        ari=0.3182,
    )
    assert score(gold, pred).ari == round(adjusted_rand_score(gold, pred), 4)


def test_asymmetric_example_precision_and_recall_differ():
    gold = ["A", "A", "A", "A"]
    pred = ["x", "x", "y", "y"]
    # True pairs 1+1 = 2, pred pairs 1+1 = 2, gold pairs C(4,2) = 6.
    # B3 precision 1.0; B3 recall = (2²/4 + 2²/4) / 4 = 0.5.
    result = score(gold, pred)
    assert (result.pairwise_precision, result.pairwise_recall, result.pairwise_f1) == (1.0, 0.3333, 0.5)
    assert (result.bcubed_precision, result.bcubed_recall, result.bcubed_f1) == (1.0, 0.5, 0.6667)


def test_perfect_clustering_scores_one_everywhere_whatever_the_names():
    gold = ["a", "a", "b", "c", "c", "c"]
    pred = ["9", "9", "7", "8", "8", "8"]
    result = score(gold, pred)
    assert result.as_dict() == {
        "articles": 6, "gold_clusters": 3, "predicted_clusters": 3,
        "pairwise_precision": 1.0, "pairwise_recall": 1.0, "pairwise_f1": 1.0,
        "bcubed_precision": 1.0, "bcubed_recall": 1.0, "bcubed_f1": 1.0, "ari": 1.0,
    }


def test_all_singletons_have_zero_pairwise_recall_and_full_precision():
    gold = ["a", "a", "b", "b", "b"]
    pred = ["1", "2", "3", "4", "5"]
    result = score(gold, pred)
    assert (result.pairwise_precision, result.pairwise_recall, result.pairwise_f1) == (1.0, 0.0, 0.0)
    assert result.bcubed_precision == 1.0
    assert result.bcubed_recall == round((2 * 1 / 2 + 3 * 1 / 3) / 5, 4)  # 0.4
    assert result.predicted_clusters == 5


def test_one_big_cluster_has_full_recall():
    result = score(["a", "a", "b", "b"], ["x"] * 4)
    # True pairs 1+1 = 2 of C(4,2) = 6 predicted pairs.
    assert (result.pairwise_precision, result.pairwise_recall) == (0.3333, 1.0)


def test_length_mismatch_fails():
    with pytest.raises(ValueError, match=r"^gold and predicted must have one label per article$"):
        score(["a", "b"], ["1"])


def test_align_joins_on_article_id_and_drops_unmatched():
    gold = pl.DataFrame({"article_id": ["c", "a", "b", "z"], "story": [1, 1, 2, 3]})
    predicted = pl.DataFrame({"article_id": ["b", "c", "a", "y"], "story_id": ["s2", "s1", "s1", "s9"]})
    assert align(gold, predicted, "story", "story_id") == (["1", "2", "1"], ["s1", "s2", "s1"])


def test_align_then_score():
    gold = pl.DataFrame({"article_id": ["a", "b", "c", "d"], "g": ["x", "x", "y", "y"]})
    predicted = pl.DataFrame({"article_id": ["d", "c", "b", "a"], "p": ["2", "2", "1", "1"]})
    assert score(*align(gold, predicted, "g", "p")).pairwise_f1 == 1.0

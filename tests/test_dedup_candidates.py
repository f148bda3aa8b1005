"""Candidate pairs: the LSH and sampled-shingle views, and the estimate filter before exact verification."""

from __future__ import annotations

import numpy as np
from dedup_worlds import paragraphs, prose

from cluster.config import DedupConfig
from cluster.dedup.candidates import CandidatePairs, text_signatures
from cluster.minhash import MAX_HASH, lsh_params
from cluster.tokens import shingle_sets


def candidates(texts: list[str], short: list[bool] | None = None, **settings) -> tuple[CandidatePairs, np.ndarray]:
    """The fitted candidates of ``texts`` and their signatures."""
    config = DedupConfig(**settings)
    shingles = shingle_sets(texts, config.shingle_size)
    is_short = np.array(short if short is not None else [False] * len(texts))
    sigs = text_signatures(shingles, is_short, config, threads=1)
    return CandidatePairs(config).fit(sigs, shingles, is_short), sigs


def test_short_texts_get_the_empty_signature_and_are_never_candidates():
    body = "\n".join(paragraphs(5, 3))
    found, sigs = candidates([body, body, body], short=[False, True, False])
    assert (sigs[1] == MAX_HASH).all()
    assert not (sigs[0] == MAX_HASH).any()
    assert found.pairs_.tolist() == [[0, 2]]


def test_a_teaser_of_a_third_is_proposed_by_the_sampled_view_alone():
    body = " ".join(paragraphs(3, 4))
    teaser = " ".join(body.split()[:60])
    found, _ = candidates([body, teaser, prose(99, 200)], candidate_threshold=0.9, sample_bits=0)
    assert (found.n_lsh_, found.n_sampled_, found.n_distinct_) == (0, 1, 1)
    assert found.pairs_.tolist() == [[0, 1]]


def test_pairs_estimated_far_below_both_thresholds_are_not_verified():
    shared_one = paragraphs(7, 5)
    texts = ["\n".join(shared_one[:3]), "\n".join(shared_one[2:])]  # one paragraph of three in common
    strict, _ = candidates(texts, candidate_threshold=0.1, estimate_margin=0.0)
    assert strict.n_lsh_ == 1
    assert strict.pairs_.shape == (0, 2)
    loose, _ = candidates(texts, candidate_threshold=0.1, estimate_margin=0.5)
    assert loose.pairs_.tolist() == [[0, 1]]


def test_lsh_parameters_and_index_size_are_reported():
    texts = ["\n".join(paragraphs(11, 2)), "\n".join(paragraphs(12, 2))]
    found, sigs = candidates(texts, sample_bits=0)  # every shingle is sampled
    assert (found.bands_, found.rows_) == lsh_params(0.2, 128)
    assert found.index_bytes_ == sigs.nbytes + 8 * int(shingle_sets(texts, 4).sizes.sum())

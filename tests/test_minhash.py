"""MinHash signatures and LSH candidates, checked against datasketch itself."""

from __future__ import annotations

import random

import numpy as np
import pytest
from datasketch import LeanMinHash, MinHash, MinHashLSH
from datasketch.lsh import _optimal_param  # the oracle: datasketch's own optimiser (private; tests only)
from hypothesis import given, settings
from hypothesis import strategies as st

from cluster import _kernel, minhash
from cluster import tokens as text
from cluster.minhash import (
    MAX_HASH,
    candidate_pairs,
    lsh_params,
    optimal_bands_rows,
    overlap_counts,
    sampled,
    sampled_pairs,
    signatures,
    to_datasketch,
)

MAX = 0xFFFFFFFF


@pytest.mark.parametrize(("num_perm", "seed"), [(128, 1), (1, 0), (256, 42), (64, 2**31 - 1)])
def test_permutations_are_datasketchs(num_perm, seed):
    a, b = MinHash(num_perm=num_perm, seed=seed, scheme=minhash.SCHEME).permutations
    ours = minhash.permutations(num_perm, seed)
    assert [part.dtype for part in ours] == [np.uint32, np.uint32]
    np.testing.assert_array_equal(ours[0], a)
    np.testing.assert_array_equal(ours[1], b)


def test_max_hash_is_the_largest_32_bit_value():
    assert int(MAX_HASH) == MAX


def shingles(tokens: list[str], size: int) -> list[bytes]:
    count = max(len(tokens) - size + 1, 1)
    return [" ".join(tokens[i : i + size]).encode() for i in range(count)]


def datasketch_minhash(tokens: list[str], size: int, num_perm: int, seed: int) -> MinHash:
    minhash = MinHash(num_perm=num_perm, seed=seed, hashfunc=text.shingle_hash)
    minhash.update_batch(shingles(tokens, size))
    return minhash


def corpus(seed: int = 7, families: int = 12, per_family: int = 6, length: int = 80) -> list[list[str]]:
    """Families of edited copies of random texts: a spread of similarities from near 0 to near 1."""
    rng = random.Random(seed)
    vocab = [f"w{i}" for i in range(500)]
    docs = []
    for _ in range(families):
        base = [rng.choice(vocab) for _ in range(length)]
        for _ in range(per_family):
            doc = list(base)
            for _ in range(rng.randint(0, 30)):
                doc[rng.randrange(length)] = rng.choice(vocab)
            docs.append(doc)
    return docs


@pytest.mark.parametrize(("num_perm", "seed", "size"), [(128, 1, 4), (64, 42, 3), (256, 7, 1)])
def test_signatures_equal_datasketch(num_perm, seed, size):
    docs = [*corpus(families=3, per_family=3), ["one", "two"]]
    sigs = signatures([text.shingle_hashes(d, size) for d in docs], num_perm, seed)
    assert sigs.shape == (len(docs), num_perm)
    assert sigs.dtype == np.uint32
    for row, doc in zip(sigs, docs, strict=True):
        np.testing.assert_array_equal(row, datasketch_minhash(doc, size, num_perm, seed).hashvalues)


def test_signatures_of_normalised_words_equal_datasketch():
    tokens = text.words("The \u201cquick\u201d brown fox \u2014 it jumps over the lazy dog, again and again.")
    sig = signatures([text.shingle_hashes(tokens, 4)], 128, 1)[0]
    np.testing.assert_array_equal(sig, datasketch_minhash(tokens, 4, 128, 1).hashvalues)


def test_signatures_across_batches_equal_one_at_a_time():
    # 1024 permutations hold 16,384 shingles per batch: these four 6,000-shingle sets take three batches.
    rng = np.random.default_rng(3)
    docs = [np.unique(rng.integers(0, 2**32, 6000, dtype=np.uint32)) for _ in range(4)]
    docs.insert(2, np.empty(0, dtype=np.uint32))
    together = signatures(docs, 1024, 1)
    np.testing.assert_array_equal(together, np.vstack([signatures([d], 1024, 1) for d in docs]))
    assert together[2].tolist() == [MAX] * 1024


def test_empty_set_signature_is_all_max():
    sigs = signatures([np.empty(0, dtype=np.uint32), text.shingle_hashes(["a", "b"], 4)], 32, 1)
    assert sigs[0].tolist() == [MAX] * 32
    assert (sigs[1] < MAX).any()


def test_to_datasketch_round_trips():
    tokens = corpus(families=1, per_family=1)[0]
    sig = signatures([text.shingle_hashes(tokens, 4)], 128, 5)[0]
    lean = to_datasketch(sig, seed=5)
    assert isinstance(lean, LeanMinHash)
    assert lean.seed == 5
    np.testing.assert_array_equal(lean.hashvalues, sig)
    assert lean == LeanMinHash(datasketch_minhash(tokens, 4, 128, 5))
    assert lean.jaccard(datasketch_minhash(tokens, 4, 128, 5)) == 1.0


@pytest.mark.parametrize(("threshold", "num_perm"), [(0.2, 128), (0.5, 128), (0.3, 64), (0.8, 256)])
def test_lsh_params_use_datasketch_rows_and_fill_the_signature(threshold, num_perm):
    bands, rows = lsh_params(threshold, num_perm)
    reference = MinHashLSH(threshold=threshold, num_perm=num_perm)
    assert rows == reference.r
    assert bands == num_perm // rows
    assert bands >= reference.b


@pytest.mark.parametrize("num_perm", [16, 37, 64, 128, 256])
def test_bands_and_rows_are_datasketchs_optimum_at_every_threshold(num_perm):
    for threshold in [t / 100 for t in range(5, 100, 5)]:
        assert optimal_bands_rows(threshold, num_perm) == _optimal_param(threshold, num_perm, 0.5, 0.5)


@pytest.mark.parametrize(("threshold", "num_perm"), [(0.9, 128), (0.1, 256)])
def test_near_tied_errors_are_ranked_by_quad_as_datasketch_ranks_them(threshold, num_perm):
    # here several (bands, rows) lie within QUAD_MARGIN of the least error (5 × 24 and 5 × 25 at 0.9), so the
    # quadrature alone cannot be trusted to rank them as scipy's quad does: quad decides among them
    pairs = np.array([(b, r) for b in range(1, num_perm + 1) for r in range(1, num_perm // b + 1)], dtype=np.float64)
    errors = minhash._lsh_errors(threshold, num_perm, pairs)
    assert (errors <= errors.min() + minhash.QUAD_MARGIN).sum() >= 2
    assert optimal_bands_rows(threshold, num_perm) == _optimal_param(threshold, num_perm, 0.5, 0.5)


@pytest.mark.parametrize("threshold", [0.01, 0.5, 0.99])
def test_bands_and_rows_are_datasketchs_optimum_at_the_most_permutations(threshold):
    assert optimal_bands_rows(threshold, 1024) == _optimal_param(threshold, 1024, 0.5, 0.5)


@settings(max_examples=20, deadline=None, database=None)
@given(threshold=st.floats(0.0, 1.0, exclude_min=True, exclude_max=True), num_perm=st.integers(16, 200))
def test_bands_and_rows_are_datasketchs_optimum_for_any_allowed_setting(threshold, num_perm):
    assert optimal_bands_rows(threshold, num_perm) == _optimal_param(threshold, num_perm, 0.5, 0.5)


@pytest.mark.parametrize(("threshold", "size"), [(0.2, 4), (0.5, 3), (0.3, 2)])
def test_candidate_pairs_equal_datasketch_lsh(threshold, size):
    num_perm = 128
    docs = corpus()
    sigs = signatures([text.shingle_hashes(d, size) for d in docs], num_perm, 1)
    bands, rows = lsh_params(threshold, num_perm)
    ours = candidate_pairs(sigs, bands, rows, max_bucket_size=len(docs))
    assert ours.dtype == np.int64
    assert ours.shape[1] == 2

    lsh = MinHashLSH(num_perm=num_perm, params=(bands, rows))
    leans = [LeanMinHash(MinHash(hashvalues=row, seed=1, scheme="affine32")) for row in sigs]
    for index, lean in enumerate(leans):
        lsh.insert(index, lean)
    theirs = {(i, j) for i, lean in enumerate(leans) for j in lsh.query(lean) if i < j}

    assert {tuple(pair) for pair in ours.tolist()} == theirs
    assert [tuple(pair) for pair in ours.tolist()] == sorted(theirs)  # sorted, each pair once
    assert 0 < len(theirs) < len(docs) * (len(docs) - 1) // 2


def test_buckets_over_the_cap_are_skipped():
    docs = [text.shingle_hashes(corpus(families=1, per_family=1)[0], 4)] * 5
    sigs = signatures(docs, 64, 1)
    bands, rows = lsh_params(0.5, 64)
    assert len(candidate_pairs(sigs, bands, rows, max_bucket_size=5)) == 10
    assert len(candidate_pairs(sigs, bands, rows, max_bucket_size=4)) == 0


def test_empty_sets_never_become_candidates():
    same = text.shingle_hashes(corpus(families=1, per_family=1)[0], 4)
    empty = np.empty(0, dtype=np.uint32)
    sigs = signatures([empty, same, empty, same, empty], 128, 1)
    bands, rows = lsh_params(0.2, 128)
    assert candidate_pairs(sigs, bands, rows, max_bucket_size=200).tolist() == [[1, 3]]
    assert candidate_pairs(signatures([empty, empty], 128, 1), bands, rows, 200).shape == (0, 2)


@settings(max_examples=60, deadline=None, database=None)
@given(
    pool=st.sets(st.integers(min_value=0, max_value=2**32 - 1), min_size=20, max_size=300),
    data=st.data(),
)
def test_signature_agreement_estimates_jaccard(pool, data):
    pool = sorted(pool)
    left = data.draw(st.sets(st.sampled_from(pool), min_size=1))
    right = data.draw(st.sets(st.sampled_from(pool), min_size=1))
    true_jaccard = len(left & right) / len(left | right)
    sigs = signatures([np.array(sorted(s), dtype=np.uint32) for s in (left, right)], 256, 1)
    estimate = float(np.mean(sigs[0] == sigs[1]))
    assert abs(estimate - true_jaccard) <= 0.15


def test_signatures_in_threads_equal_one_thread(monkeypatch):
    sets = text.shingle_sets([" ".join(doc) for doc in corpus()], 4)
    monkeypatch.setattr(minhash, "_BLOCK_SHINGLES", 50)  # many blocks of work, so both threads get some
    np.testing.assert_array_equal(signatures(sets, 128, 1, threads=2), signatures(sets, 128, 1))
    np.testing.assert_array_equal(signatures(sets, 128, 1), signatures(sets.to_list(), 128, 1))


def test_the_signature_kernel_refuses_arrays_that_do_not_fit():
    values, offsets = np.arange(6, dtype=np.uint32), np.array([0, 2, 6], dtype=np.int64)
    a, b = np.ones(4, np.uint32), np.zeros(4, np.uint32)
    out = np.full((2, 4), MAX_HASH, dtype=np.uint32)
    with pytest.raises(ValueError, match="do not fit"):
        _kernel.signatures(values, offsets, a, b[:3], out, 0, 2)
    with pytest.raises(ValueError, match="start and stop"):
        _kernel.signatures(values, offsets, a, b, out, 1, 3)
    with pytest.raises(ValueError, match="start and stop"):
        _kernel.signatures(values[:4], offsets, a, b, out, 0, 2)
    _kernel.signatures(values, offsets, a, b, out, 1, 2)
    assert out[0].tolist() == [MAX_HASH] * 4  # only the texts asked for are signed
    assert out[1].tolist() == [min(_mix32(v) for v in range(2, 6))] * 4


def _mix32(value: int) -> int:
    value ^= value >> 16
    value = (value * 0x85EBCA6B) & 0xFFFFFFFF
    value ^= value >> 13
    value = (value * 0xC2B2AE35) & 0xFFFFFFFF
    return value ^ (value >> 16)


def brute_overlap(sets: list[np.ndarray], i: int, j: int) -> int:
    return len(np.intersect1d(sets[i], sets[j]))


@settings(max_examples=30, deadline=None, database=None)
@given(st.lists(st.sets(st.integers(0, 60), max_size=40), min_size=2, max_size=12), st.data())
def test_overlap_counts_equal_brute_force(raw, data):
    sets = [np.array(sorted(s), dtype=np.uint32) for s in raw]
    values = np.concatenate(sets).astype(np.uint32)
    offsets = np.concatenate([[0], np.cumsum([len(s) for s in sets])]).astype(np.int64)
    pairs = np.array([(i, j) for i in range(len(sets)) for j in range(i + 1, len(sets))], dtype=np.int64)
    budget = data.draw(st.sampled_from([1, 7, 1 << 22]))
    expected = [brute_overlap(sets, i, j) for i, j in pairs]
    assert overlap_counts(values, offsets, pairs, budget=budget).tolist() == expected


@settings(max_examples=25, deadline=None, database=None)
@given(seed=st.integers(0, 10_000), bits=st.sampled_from([0, 1, 2]), threshold=st.sampled_from([0.5, 0.8]))
def test_sampled_pairs_find_every_pair_over_the_sampled_containment(seed, bits, threshold):
    """Prefix filtering loses nothing: every pair whose sampled containment reaches the threshold is returned,
    with its exact count of shared samples."""
    rng = np.random.default_rng(seed)
    pool = rng.integers(0, 2**32, 400, dtype=np.uint64).astype(np.uint32)
    base = [rng.choice(pool, size=rng.integers(5, 60), replace=False) for _ in range(6)]
    sets = []
    for b in base:  # each base set, an excerpt of it, and an excerpt with extra noise
        sets.append(np.unique(b))
        sets.append(np.unique(b[: max(len(b) // 3, 1)]))
        sets.append(np.unique(np.concatenate([b[: len(b) // 2], rng.choice(pool, 5)])))
    values = np.concatenate(sets).astype(np.uint32)
    offsets = np.concatenate([[0], np.cumsum([len(s) for s in sets])]).astype(np.int64)
    pairs, shared, counts = sampled_pairs(values, offsets, bits, max_bucket_size=1000, min_containment=threshold)
    found = {tuple(p): s for p, s in zip(pairs.tolist(), shared.tolist(), strict=True)}
    samples = [s[sampled(s, bits)] for s in sets]
    assert counts.tolist() == [len(s) for s in samples]
    for i in range(len(sets)):
        for j in range(i + 1, len(sets)):
            common = len(np.intersect1d(samples[i], samples[j]))
            small = min(len(samples[i]), len(samples[j]))
            if small and common >= threshold * small and common >= 1:
                assert found.get((i, j)) == common, (i, j)
    for (i, j), s in found.items():
        assert s == len(np.intersect1d(samples[i], samples[j]))


def test_sampled_pairs_skip_stock_samples_and_excluded_documents():
    same = np.arange(1, 41, dtype=np.uint32)
    values = np.concatenate([same] * 4)
    offsets = np.arange(0, 161, 40, dtype=np.int64)
    pairs, shared, _ = sampled_pairs(values, offsets, 0, max_bucket_size=4, min_containment=0.8)
    assert pairs.tolist() == [[0, 1], [0, 2], [0, 3], [1, 2], [1, 3], [2, 3]]
    assert shared.tolist() == [40] * 6
    assert len(sampled_pairs(values, offsets, 0, max_bucket_size=3, min_containment=0.8)[0]) == 0
    include = np.array([True, False, True, False])
    pairs, _, counts = sampled_pairs(values, offsets, 0, 4, 0.8, include=include)
    assert pairs.tolist() == [[0, 2]]
    assert counts.tolist() == [40, 0, 40, 0]


def test_sample_is_consistent_and_about_the_right_size():
    values = np.random.default_rng(5).integers(0, 2**32, 80_000, dtype=np.uint64).astype(np.uint32)
    for bits in (1, 3, 4):
        share = sampled(values, bits).mean()
        assert abs(share - 2.0**-bits) < 0.01
    np.testing.assert_array_equal(sampled(values[:100], 3), sampled(values, 3)[:100])

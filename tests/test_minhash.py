"""MinHash signatures and LSH candidates, checked against datasketch itself."""

from __future__ import annotations

import random

import numpy as np
import pytest
from datasketch import LeanMinHash, MinHash, MinHashLSH
from hypothesis import given, settings
from hypothesis import strategies as st

from cluster import text
from cluster.minhash import candidate_pairs, lsh_params, signatures, to_datasketch

MAX = 0xFFFFFFFF


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
    docs = corpus(families=3, per_family=3) + [["one", "two"]]
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

"""MinHash signatures computed for many documents at once, and LSH banding with polars.

A MinHash signature estimates Jaccard similarity: for a random permutation ``π`` of hash values,
``P[min π(A) = min π(B)] = |A ∩ B| / |A ∪ B|``, so the share of equal positions in two signatures of ``num_perm``
permutations is an unbiased estimate of J(A, B) with standard error ``sqrt(J (1 - J) / num_perm)``.

We use datasketch's ``affine32`` scheme exactly: each shingle hash ``h`` is pre-mixed with the MurmurHash3
finaliser, then permutation ``k`` is ``a_k * h + b_k mod 2^32`` with ``(a_k, b_k)`` drawn by datasketch from
``seed``. A ``datasketch.MinHash(num_perm, seed, hashfunc=text.shingle_hash)`` fed the same shingles therefore
holds the same ``hashvalues`` as our row, and ``LeanMinHash`` can be rebuilt from it (see ``to_datasketch``).

LSH: with ``b`` bands of ``r`` rows, two documents of Jaccard ``s`` share at least one band with probability
``1 - (1 - s^r)^b``. ``lsh_params`` picks ``r`` with datasketch's own optimiser for the candidate threshold and
fills the signature with bands, so ``MinHashLSH(params=(b, r))`` and ``candidate_pairs`` give the same candidates.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
import polars as pl
from datasketch import LeanMinHash, MinHash
from datasketch.lsh import _optimal_param

SCHEME = "affine32"
_MAX = np.uint32(0xFFFFFFFF)
_CHUNK_VALUES = 1 << 24  # permuted uint32 values held at once (num_perm × shingles of a batch): 64 MB


def permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``(a, b)`` permutation parameters datasketch draws for ``(num_perm, seed)`` under ``affine32``."""
    a, b = MinHash(num_perm=num_perm, seed=seed, scheme=SCHEME).permutations
    return a.astype(np.uint32), b.astype(np.uint32)


def _fmix32(values: np.ndarray) -> np.ndarray:
    values = values ^ (values >> np.uint32(16))
    values = values * np.uint32(0x85EBCA6B)
    values = values ^ (values >> np.uint32(13))
    values = values * np.uint32(0xC2B2AE35)
    return values ^ (values >> np.uint32(16))


def signatures(shingle_sets: list[np.ndarray], num_perm: int, seed: int) -> np.ndarray:
    """A ``(len(shingle_sets), num_perm)`` uint32 matrix of MinHash signatures; empty sets get all ``2^32 - 1``."""
    a, b = permutations(num_perm, seed)
    result = np.full((len(shingle_sets), num_perm), _MAX, dtype=np.uint32)
    sizes = np.array([len(s) for s in shingle_sets], dtype=np.int64)
    docs_per_batch = _batches(sizes, max(_CHUNK_VALUES // num_perm, 1))
    with np.errstate(over="ignore"):
        for start, stop in docs_per_batch:
            nonempty = [i for i in range(start, stop) if sizes[i]]
            if not nonempty:
                continue
            mixed = _fmix32(np.concatenate([shingle_sets[i] for i in nonempty]).astype(np.uint32))
            permuted = mixed[None, :] * a[:, None] + b[:, None]
            offsets = np.concatenate([[0], np.cumsum(sizes[nonempty])[:-1]])
            result[nonempty] = np.minimum.reduceat(permuted, offsets, axis=1).T
    return result


def _batches(sizes: np.ndarray, budget: int) -> list[tuple[int, int]]:
    batches, start, held = [], 0, 0
    for index, size in enumerate(sizes):
        if held and held + size > budget:
            batches.append((start, index))
            start, held = index, 0
        held += int(size)
    batches.append((start, len(sizes)))
    return batches


def lsh_params(threshold: float, num_perm: int) -> tuple[int, int]:
    """Bands and rows per band for a candidate threshold, using every permutation.

    The rows per band are those datasketch's optimiser picks for ``threshold``; the bands are then as many as the
    signature holds (datasketch may leave permutations unused), which only raises recall. Pass the result as
    ``MinHashLSH(params=(bands, rows))`` to get the same candidates from datasketch.
    """
    _, rows = _optimal_param(threshold, num_perm, 0.5, 0.5)
    return num_perm // int(rows), int(rows)


def band_keys(sigs: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """A ``(docs, bands)`` uint64 matrix: one key per band, equal keys iff equal band values (up to 2^-64)."""
    keys = np.zeros((sigs.shape[0], bands), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for band in range(bands):
            block = sigs[:, band * rows : (band + 1) * rows].astype(np.uint64)
            key = np.full(sigs.shape[0], np.uint64(0xCBF29CE484222325), dtype=np.uint64)
            for column in range(rows):
                key = (key ^ block[:, column]) * np.uint64(0x100000001B3)
                key ^= key >> np.uint64(29)
            keys[:, band] = key
    return keys


def candidate_pairs(sigs: np.ndarray, bands: int, rows: int, max_bucket_size: int) -> np.ndarray:
    """Distinct document pairs ``(i, j)``, ``i < j``, that share a band; buckets over the cap are skipped.

    Empty documents (all-max signatures) never become candidates.
    """
    empty_doc = (sigs == _MAX).all(axis=1)
    keys = band_keys(sigs, bands, rows)
    table = pl.DataFrame(
        {
            "doc": np.repeat(np.arange(sigs.shape[0], dtype=np.int64), bands),
            "band": np.tile(np.arange(bands, dtype=np.int32), sigs.shape[0]),
            "key": keys.ravel(),
        }
    ).filter(~pl.Series(np.repeat(empty_doc, bands)))
    buckets = (
        table.group_by("band", "key")
        .agg(pl.col("doc").sort())
        .filter(pl.col("doc").list.len().is_between(2, max_bucket_size))
    )
    pairs = {pair for docs in buckets["doc"].to_list() for pair in combinations(docs, 2)}
    if not pairs:
        return np.empty((0, 2), dtype=np.int64)
    return np.array(sorted(pairs), dtype=np.int64)


def to_datasketch(signature: np.ndarray, seed: int) -> LeanMinHash:
    """Our signature row as a datasketch ``LeanMinHash`` (same scheme, seed and values)."""
    return LeanMinHash(MinHash(hashvalues=signature.astype(np.uint32), seed=seed, scheme=SCHEME))

"""MinHash signatures computed for many documents at once, LSH banding, and a containment index of sampled shingles.

A MinHash signature estimates Jaccard similarity: for a random permutation ``π`` of hash values,
``P[min π(A) = min π(B)] = |A ∩ B| / |A ∪ B|``, so the share of equal positions in two signatures of ``num_perm``
permutations is an unbiased estimate of J(A, B) with standard error ``sqrt(J (1 - J) / num_perm)``.

We use datasketch's ``affine32`` scheme exactly: each shingle hash ``h`` is pre-mixed with the MurmurHash3
finaliser, then permutation ``k`` is ``a_k * h + b_k mod 2^32`` with ``(a_k, b_k)`` drawn by datasketch from
``seed``. A ``datasketch.MinHash(num_perm, seed, hashfunc=text.shingle_hash)`` fed the same shingles therefore
holds the same ``hashvalues`` as our row, and ``LeanMinHash`` can be rebuilt from it (see ``to_datasketch``).
Signatures are computed by the compiled kernel (``_kernel.c``: the permutations are the inner loop, in vector
registers), on blocks of about ``_BLOCK_SHINGLES`` shingles spread over a thread pool (the kernel releases the GIL).

LSH: with ``b`` bands of ``r`` rows, two documents of Jaccard ``s`` share at least one band with probability
``1 - (1 - s^r)^b``. ``lsh_params`` picks ``r`` by the optimisation ``MinHashLSH(threshold=...)`` runs (see
``optimal_bands_rows``) for the candidate threshold and fills the signature with bands, so
``MinHashLSH(params=(b, r))`` and ``candidate_pairs`` give the same candidates.

Containment: Jaccard LSH sees a teaser that keeps 30% of an article at J ≈ 0.3 only. ``sampled_pairs`` indexes a
consistent sample of each document's shingles (those whose hash falls in the lowest ``1/2^bits`` of the range:
the same shingle is sampled in every document) and counts the samples two documents share; shared / the smaller
sample estimates containment of the smaller set in the larger, wherever in the article the excerpt comes from.
"""

from __future__ import annotations

import itertools
import os
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from . import _kernel

if TYPE_CHECKING:
    from datasketch import LeanMinHash

SCHEME = "affine32"
MAX_HASH = np.uint32(0xFFFFFFFF)  # every position of an empty set's signature (no shingle to take a minimum of)
LSH_ERROR_WEIGHTS = (0.5, 0.5)  # (false positive, false negative): the weights MinHashLSH(threshold=...) uses
_BLOCK_SHINGLES = 200_000  # shingles per block of work handed to a thread
_SAMPLE_MUL = np.uint32(0x9E3779B1)


def permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``(a, b)`` permutation parameters datasketch 2.x draws for ``(num_perm, seed)`` under ``affine32``: from
    ``RandomState(seed)``, all of ``a`` (odd, ``2·U[0, 2³¹) + 1``, so ``h ↦ a·h + b mod 2³²`` is a bijection), then
    all of ``b`` (``U[0, 2³²)``). Drawn here rather than by building a datasketch ``MinHash``, whose import was 0.15 s
    of every dedup run; tests hold the two equal for the pinned major version."""
    draw = np.random.RandomState(seed)
    a = draw.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = draw.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return a, b


def fmix64(values: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finaliser, in place."""
    values ^= values >> np.uint64(33)
    values *= np.uint64(0xFF51AFD7ED558CCD)
    values ^= values >> np.uint64(33)
    values *= np.uint64(0xC4CEB93FE53EC3BD)
    values ^= values >> np.uint64(33)
    return values


def default_threads() -> int:
    return max(1, min(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1, 8))


def signatures(shingle_sets, num_perm: int, seed: int, threads: int = 1) -> np.ndarray:
    """A ``(documents, num_perm)`` uint32 matrix of MinHash signatures; empty sets get all ``2^32 - 1``.

    ``shingle_sets`` is a ``text.ShingleSets`` or a list of uint32 arrays (one per document).
    """
    if isinstance(shingle_sets, list):
        sizes = np.array([len(s) for s in shingle_sets], dtype=np.int64)
        values = np.concatenate(shingle_sets).astype(np.uint32) if len(shingle_sets) else np.empty(0, np.uint32)
        offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    else:
        values, offsets = shingle_sets.values, shingle_sets.offsets
    n = len(offsets) - 1
    a, b = permutations(num_perm, seed)
    result = np.full((n, num_perm), MAX_HASH, dtype=np.uint32)
    blocks = offset_runs(offsets, _BLOCK_SHINGLES)
    values = np.ascontiguousarray(values, dtype=np.uint32)
    offsets = np.ascontiguousarray(offsets, dtype=np.int64)

    def work(share: list[tuple[int, int]]) -> None:
        for start, stop in share:
            _kernel.signatures(values, offsets, a, b, result, start, stop)

    threads = max(1, min(threads, len(blocks)))
    if threads == 1:
        work(blocks)
    else:
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(work, [blocks[i::threads] for i in range(threads)]))
    return result


def offset_runs(offsets: np.ndarray, budget: int) -> list[tuple[int, int]]:
    """Runs of consecutive documents (rows of a flat layout with these ``offsets``: shingle sets, CSR rows) holding
    about ``budget`` items each (a larger document is a run alone)."""
    n = len(offsets) - 1
    if n == 0:
        return []
    cuts = np.searchsorted(offsets, np.arange(0, int(offsets[-1]) + 1, budget), side="right") - 1
    cuts = np.unique(np.clip(np.concatenate([[0], cuts, [n]]), 0, n))
    return [(int(s), int(e)) for s, e in itertools.pairwise(cuts) if e > s]


QUAD_MARGIN = 1e-6  # errors closer than this to the least are ranked by scipy's quad, as datasketch ranks them


def optimal_bands_rows(threshold: float, num_perm: int) -> tuple[int, int]:
    """The ``(bands, rows)`` with ``bands × rows <= num_perm`` that minimise the weighted LSH error at ``threshold``.

    A pair of Jaccard ``s`` becomes a candidate with probability ``P(s) = 1 - (1 - s^r)^b``. Taking ``s`` uniform on
    [0, 1], the false-positive mass is ``FP = ∫_0^t P(s) ds`` (pairs below the threshold that become candidates) and
    the false-negative mass ``FN = ∫_t^1 (1 - P(s)) ds`` (pairs above it that do not). The error is
    ``w_fp · FP + w_fn · FN`` with ``LSH_ERROR_WEIGHTS``; every ``(b, r)`` is tried, bands in the outer loop and
    rows in the inner, and the first strict minimum wins: the choice ``datasketch.MinHashLSH(threshold, num_perm)``
    makes, which integrates with ``scipy.integrate.quad``.

    Both integrands are polynomials of degree ``r·b <= num_perm``, so Gauss–Legendre quadrature with
    ``num_perm // 2 + 1`` nodes is exact for them (up to float rounding), and all the ``(b, r)`` are integrated at
    once (1 ms; a ``quad`` per pair and the import took 0.3 s of every run). quad's own answers are within its
    tolerance (1.5e-8) of these, so only candidates within ``QUAD_MARGIN`` of the least error could be ranked
    otherwise by datasketch: when there are several, they are ranked by ``quad`` of datasketch's own integrands
    (``1 - (1 - P)`` unsimplified) in datasketch's order. Tests hold the choice equal to datasketch's.
    """
    pairs = [(bands, rows) for bands in range(1, num_perm + 1) for rows in range(1, num_perm // bands + 1)]
    errors = _lsh_errors(threshold, num_perm, np.array(pairs, dtype=np.float64))
    near = np.flatnonzero(errors <= errors.min() + QUAD_MARGIN)
    if len(near) == 1:
        return pairs[int(near[0])]
    fp_weight, fn_weight = LSH_ERROR_WEIGHTS
    best_error, best = float("inf"), (0, 0)
    for bands, rows in (pairs[k] for k in near.tolist()):  # in datasketch's order
        error = _false_positive_mass(threshold, bands, rows) * fp_weight
        error += _false_negative_mass(threshold, bands, rows) * fn_weight
        if error < best_error:
            best_error, best = error, (bands, rows)
    return best


def _lsh_errors(threshold: float, num_perm: int, pairs: np.ndarray) -> np.ndarray:
    """``w_fp · FP + w_fn · FN`` of each ``(bands, rows)`` row of ``pairs`` by Gauss–Legendre quadrature."""
    nodes, weights = np.polynomial.legendre.leggauss(num_perm // 2 + 1)
    bands, rows = pairs[:, :1], pairs[:, 1:]

    def integral(integrand, lo: float, hi: float) -> np.ndarray:
        s = (hi - lo) / 2 * nodes + (hi + lo) / 2
        return (hi - lo) / 2 * (integrand(s[None, :]) @ weights)

    fp = integral(lambda s: 1 - (1 - s**rows) ** bands, 0.0, threshold)
    fn = integral(lambda s: (1 - s**rows) ** bands, threshold, 1.0)
    fp_weight, fn_weight = LSH_ERROR_WEIGHTS
    return fp * fp_weight + fn * fn_weight


def _false_positive_mass(threshold: float, bands: int, rows: int) -> float:
    """``∫_0^t 1 - (1 - s^r)^b ds``: how much of the similarity range below the threshold becomes a candidate."""
    from scipy.integrate import quad

    return quad(lambda s: 1 - (1 - s ** float(rows)) ** float(bands), 0.0, threshold)[0]


def _false_negative_mass(threshold: float, bands: int, rows: int) -> float:
    """``∫_t^1 1 - (1 - (1 - s^r)^b) ds``: how much of the range above the threshold is missed."""
    from scipy.integrate import quad

    return quad(lambda s: 1 - (1 - (1 - s ** float(rows)) ** float(bands)), threshold, 1.0)[0]


@lru_cache(maxsize=64)
def lsh_params(threshold: float, num_perm: int) -> tuple[int, int]:
    """Bands and rows per band for a candidate threshold, using every permutation.

    The rows per band are those of ``optimal_bands_rows`` (datasketch's choice for ``threshold``); the bands are then
    as many as the signature holds (the optimum may leave permutations unused), which only raises recall. Pass the
    result as ``MinHashLSH(params=(bands, rows))`` to get the same candidates from datasketch.
    """
    _, rows = optimal_bands_rows(threshold, num_perm)
    return num_perm // rows, rows


def band_key(band: np.ndarray) -> np.ndarray:
    """One uint64 key per document for a band (its ``rows`` signature columns): equal keys iff equal band values
    (up to 2^-64; exactly for ``rows <= 2``)."""
    columns = band.astype(np.uint64)
    rows = columns.shape[1]
    if rows == 1:
        return columns[:, 0]
    if rows == 2:
        return (columns[:, 0] << np.uint64(32)) | columns[:, 1]
    key = np.full(columns.shape[0], np.uint64(0xCBF29CE484222325), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for column in range(rows):
            key = (key ^ columns[:, column]) * np.uint64(0x100000001B3)
            key ^= key >> np.uint64(29)
    return key


def bucket_pairs(keys: np.ndarray, docs: np.ndarray, max_bucket_size: int, hashed: bool = False) -> np.ndarray:
    """Pair codes ``i * 2^32 + j`` (``i < j``) of documents that share a key, from buckets of 2..max size.

    Repeats are kept: a pair sharing three keys appears three times. With ``hashed`` the keys are first mixed to
    64 bits (needed when they are not already random, e.g. two 32-bit minima side by side).
    """
    if len(keys) < 2:
        return np.empty(0, dtype=np.int64)
    keys = keys.astype(np.uint64)
    if hashed:
        keys = fmix64(keys.copy())
    # the position rides in the low bits so that one plain sort (much faster than argsort) orders the buckets;
    # the key keeps its top 64 - bits bits: two keys collide by accident with probability 2^-(64 - bits)
    bits = max(int(len(keys) - 1).bit_length(), 1)
    low = np.uint64((1 << bits) - 1)
    packed = np.sort((keys & ~low) | np.arange(len(keys), dtype=np.uint64))
    keys, docs = packed & ~low, docs[(packed & low).astype(np.int64)]
    change = np.flatnonzero(keys[1:] != keys[:-1]) + 1
    starts = np.concatenate([[0], change])
    lengths = np.diff(np.concatenate([starts, [len(keys)]]))
    keep = (lengths >= 2) & (lengths <= max_bucket_size)
    starts, lengths = starts[keep], lengths[keep]
    if not len(starts):
        return np.empty(0, dtype=np.int64)
    # every position p of a bucket [s, s + L) pairs with the positions after it in the bucket
    members = np.repeat(starts, lengths) + _ranks(lengths)
    after = np.repeat(starts + lengths, lengths) - members - 1
    left = np.repeat(members, after)
    right = left + 1 + _ranks(after)
    first, second = docs[left], docs[right]
    low, high = np.minimum(first, second), np.maximum(first, second)
    pairs = (low.astype(np.int64) << 32) | high.astype(np.int64)
    return pairs[low != high]


def _ranks(lengths: np.ndarray) -> np.ndarray:
    """``concatenate([arange(L) for L in lengths])`` without a Python loop."""
    total = int(lengths.sum())
    if total == 0:
        return np.empty(0, dtype=np.int64)
    starts = np.cumsum(lengths) - lengths
    return np.arange(total, dtype=np.int64) - np.repeat(starts, lengths)


def encode_pairs(pairs: np.ndarray) -> np.ndarray:
    """Pair codes ``i * 2^32 + j`` of ``(i, j)`` rows (int64), the inverse of ``decode_pairs``."""
    return (pairs[:, 0].astype(np.int64) << 32) | pairs[:, 1].astype(np.int64) if len(pairs) else np.empty(0, np.int64)


def decode_pairs(codes: np.ndarray) -> np.ndarray:
    """``(i, j)`` rows (int64) of pair codes ``i * 2^32 + j``."""
    if not len(codes):
        return np.empty((0, 2), np.int64)
    return np.stack([codes >> 32, codes & 0xFFFFFFFF], axis=1).astype(np.int64)


def candidate_pairs(sigs: np.ndarray, bands: int, rows: int, max_bucket_size: int) -> np.ndarray:
    """Distinct document pairs ``(i, j)``, ``i < j``, that share a band, sorted; buckets over the cap are skipped.

    Empty documents (all-max signatures) never become candidates. Band keys are made one band at a time.
    """
    present = np.flatnonzero(~(sigs == MAX_HASH).all(axis=1))
    if len(present) < 2:
        return np.empty((0, 2), dtype=np.int64)
    held = sigs[present]
    codes = []
    for band in range(bands):
        key = band_key(held[:, band * rows : (band + 1) * rows])
        codes.append(bucket_pairs(key, present, max_bucket_size, hashed=rows <= 2))
    return decode_pairs(np.unique(np.concatenate(codes)))


def sampled(values: np.ndarray, bits: int) -> np.ndarray:
    """Mask of the shingle hashes in the consistent ``1 / 2^bits`` sample."""
    if bits == 0:
        return np.ones(len(values), dtype=bool)
    with np.errstate(over="ignore"):
        return (values * _SAMPLE_MUL) >> np.uint32(32 - bits) == 0


def sampled_pairs(values: np.ndarray, offsets: np.ndarray, bits: int, max_bucket_size: int, min_containment: float,
                  include: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Document pairs where at least ``min_containment`` of one document's sampled shingles may be in the other's.

    Returns ``(pairs (i, j) sorted, shared samples of each pair, samples per document)``. Every document's samples
    are indexed; each document probes the index with only its rarest ``f - ceil(min_containment·f) + 1`` samples
    (prefix filtering: if that share of its ``f`` samples is in another document, one of any ``f - ceil(...) + 1``
    of them is), so stock phrases, which are never rare, add no pairs. Samples held by more than
    ``max_bucket_size`` documents are skipped. ``include`` (a boolean mask over documents) limits the index.
    """
    n = len(offsets) - 1
    chunks = [sampled(values[i : i + (1 << 20)], bits) for i in range(0, len(values), 1 << 20)]
    keep = np.concatenate(chunks or [np.empty(0, bool)])
    where = np.flatnonzero(keep)
    docs = np.searchsorted(offsets, where, side="right") - 1
    vals = values[where]
    if include is not None:
        inside = include[docs]
        docs, vals = docs[inside], vals[inside]
    counts = np.bincount(docs, minlength=n)
    empty = (np.empty((0, 2), np.int64), np.empty(0, np.int64), counts)
    if len(vals) < 2 or n >= 1 << 24:
        return empty if len(vals) < 2 else _too_many(n)
    # postings: (value, document) sorted by value; one run per distinct value, its length the value's frequency
    postings = np.sort((vals.astype(np.uint64) << np.uint64(32)) | docs.astype(np.uint64))
    posting_doc = (postings & np.uint64(0xFFFFFFFF)).astype(np.int64)
    posting_val = postings >> np.uint64(32)
    run_start = np.flatnonzero(np.concatenate([[True], posting_val[1:] != posting_val[:-1]]))
    df = np.diff(np.concatenate([run_start, [len(postings)]]))
    run_of = np.repeat(np.arange(len(run_start), dtype=np.uint64), df)
    # probes: per document its samples rarest first (frequency, then value); the first f - ceil(t f) + 1 of them
    rank = np.sort(
        (posting_doc.astype(np.uint64) << np.uint64(40))
        | (np.minimum(np.repeat(df, df), 255).astype(np.uint64) << np.uint64(32))
        | run_of
    )
    probe_doc = (rank >> np.uint64(40)).astype(np.int64)
    probe_run = (rank & np.uint64(0xFFFFFFFF)).astype(np.int64)
    starts = np.concatenate([[0], np.cumsum(counts)])[:-1]
    position = np.arange(len(rank)) - starts[probe_doc]
    prefix = counts - np.ceil(min_containment * counts).astype(np.int64) + 1
    frequency = df[probe_run]
    take = (position < prefix[probe_doc]) & (frequency <= max_bucket_size) & (frequency >= 2)
    probe_doc, probe_run, frequency = probe_doc[take], probe_run[take], frequency[take]
    left = np.repeat(probe_doc, frequency)
    right = posting_doc[np.repeat(run_start[probe_run], frequency) + _ranks(frequency)]
    other = left != right
    left, right = left[other], right[other]
    if not len(left):
        return empty
    codes = np.unique((np.minimum(left, right) << 32) | np.maximum(left, right))
    pairs = decode_pairs(codes)
    sample_offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    shared = overlap_counts(vals, sample_offsets, pairs)
    return pairs, shared, counts


def _too_many(n: int):
    raise ValueError(f"sampled_pairs indexes at most 2^24 documents at once, got {n}")


def overlap_counts(values: np.ndarray, offsets: np.ndarray, pairs: np.ndarray, budget: int = 1 << 22) -> np.ndarray:
    """``|A_i ∩ A_j|`` for every pair ``(i, j)`` of sets stored as sorted unique runs of ``values`` (CSR).

    Both sets of a batch of pairs are tagged with the pair's number and sorted together: an element of both sets
    appears twice in a row. About ``budget`` elements are sorted at once.
    """
    result = np.zeros(len(pairs), dtype=np.int64)
    if not len(pairs):
        return result
    sizes = np.diff(offsets)
    work = sizes[pairs[:, 0]] + sizes[pairs[:, 1]]
    cuts = np.searchsorted(np.cumsum(work), np.arange(budget, int(work.sum()), budget), side="right")
    edges = np.unique(np.concatenate([[0], cuts, [len(pairs)]]))
    for lo, hi in itertools.pairwise(edges):
        batch = pairs[lo:hi]
        tags, elements = [], []
        for side in (0, 1):
            docs = batch[:, side]
            lengths = sizes[docs]
            tags.append(np.repeat(np.arange(hi - lo, dtype=np.uint64), lengths))
            elements.append(values[np.repeat(offsets[docs], lengths) + _ranks(lengths)].astype(np.uint64))
        # two sorted runs: one merge
        keys = np.sort(np.concatenate(tags) << np.uint64(32) | np.concatenate(elements), kind="stable")
        twice = keys[1:][keys[1:] == keys[:-1]] >> np.uint64(32)
        result[lo:hi] = np.bincount(twice.astype(np.int64), minlength=hi - lo)
    return result


def to_datasketch(signature: np.ndarray, seed: int) -> LeanMinHash:
    """Our signature row as a datasketch ``LeanMinHash`` (same scheme, seed and values)."""
    from datasketch import LeanMinHash, MinHash

    return LeanMinHash(MinHash(hashvalues=signature.astype(np.uint32), seed=seed, scheme=SCHEME))

"""Candidate pairs: two loose views of the texts compared on shingles, then a cheap estimate filter.

- MinHash LSH bands (``minhash.candidate_pairs``) propose pairs of Jaccard from about ``candidate_threshold``.
- An index of consistently sampled shingles (``minhash.sampled_pairs``) proposes pairs where much of the smaller
  text may be in the larger: teasers, wherever the excerpt starts.

Each view also estimates the pair's similarity. For LSH, the share ``a`` of equal signature positions estimates
Jaccard ``J``; since ``J = |A∩B| / (|A| + |B| - |A∩B|)``, the shared count is ``|A∩B| = J (|A| + |B|) / (1 + J)``,
which gives containment. For the sampled view the shared and per-text sample counts give both directly. A pair is
verified exactly only if one estimate is within ``estimate_margin`` of its threshold.
"""

from __future__ import annotations

import numpy as np

from ..config import DedupConfig
from ..minhash import (
    MAX_HASH,
    candidate_pairs,
    decode_pairs,
    encode_pairs,
    lsh_params,
    sampled_pairs,
    signatures,
)
from ..tokens import ShingleSets
from .verify import containment, jaccard

_AGREEMENT_BLOCK = 65536  # pairs whose signature agreement is computed at once (num_perm bytes × 2 each)


def text_signatures(shingles: ShingleSets, is_short: np.ndarray, config: DedupConfig, threads: int) -> np.ndarray:
    """MinHash signatures of every text; a short text gets the empty signature, so LSH never proposes it."""
    result = signatures(shingles, config.num_perm, config.seed, threads=threads)
    result[is_short] = MAX_HASH
    return result


class CandidatePairs:
    """``fit`` learns ``pairs_`` (the candidates to verify exactly, ``(i, j)`` with ``i < j``, sorted), the LSH
    ``bands_``/``rows_``, the counts ``n_lsh_``, ``n_sampled_`` (pairs from each view) and ``n_distinct_`` (from
    either), and ``index_bytes_`` (signatures and sampled-shingle index held)."""

    def __init__(self, config: DedupConfig) -> None:
        self.config = config

    def fit(self, sigs: np.ndarray, shingles: ShingleSets, is_short: np.ndarray) -> CandidatePairs:
        cfg = self.config
        self.bands_, self.rows_ = lsh_params(cfg.candidate_threshold, cfg.num_perm)
        lsh = candidate_pairs(sigs, self.bands_, self.rows_, cfg.max_bucket_size)
        sampled, shared, samples = sampled_pairs(
            shingles.values, shingles.offsets, cfg.sample_bits, cfg.max_bucket_size,
            min_containment=max(cfg.containment_threshold - cfg.estimate_margin, 0.0), include=~is_short,
        )
        self.n_lsh_, self.n_sampled_ = len(lsh), len(sampled)
        kept = [lsh[self._lsh_estimates_pass(lsh, sigs, shingles.sizes)],
                sampled[self._sampled_estimates_pass(sampled, shared, samples)]]
        self.pairs_ = decode_pairs(np.unique(np.concatenate([encode_pairs(k) for k in kept])))
        self.n_distinct_ = len(np.union1d(encode_pairs(lsh), encode_pairs(sampled)))
        self.index_bytes_ = int(sigs.nbytes + 8 * int(samples.sum()))
        return self

    def _lsh_estimates_pass(self, pairs: np.ndarray, sigs: np.ndarray, sizes: np.ndarray) -> np.ndarray:
        agreement = np.empty(len(pairs))
        for start in range(0, len(pairs), _AGREEMENT_BLOCK):
            part = pairs[start : start + _AGREEMENT_BLOCK]
            agreement[start : start + _AGREEMENT_BLOCK] = signature_agreement(sigs[part[:, 0]], sigs[part[:, 1]])
        return lsh_estimates_pass(agreement, sizes[pairs[:, 0]], sizes[pairs[:, 1]], self.config)

    def _sampled_estimates_pass(self, pairs: np.ndarray, shared: np.ndarray, samples: np.ndarray) -> np.ndarray:
        return sampled_estimates_pass(shared, samples[pairs[:, 0]], samples[pairs[:, 1]], self.config)


def signature_agreement(sigs_a: np.ndarray, sigs_b: np.ndarray) -> np.ndarray:
    """Per row, the share of equal positions of two aligned signature matrices: the MinHash estimate of Jaccard."""
    return (sigs_a == sigs_b).mean(axis=1)


def estimates_pass(jaccard_: np.ndarray, containment_: np.ndarray, config: DedupConfig) -> np.ndarray:
    """Pairs whose estimated Jaccard or containment is at most ``estimate_margin`` below its threshold."""
    return (jaccard_ >= config.jaccard_threshold - config.estimate_margin) | (
        containment_ >= config.containment_threshold - config.estimate_margin
    )


def lsh_estimates_pass(agreement: np.ndarray, size_a: np.ndarray, size_b: np.ndarray,
                       config: DedupConfig) -> np.ndarray:
    """The estimate filter of LSH pairs from their signature agreement and shingle-set sizes."""
    size_a, size_b = size_a.astype(float), size_b.astype(float)
    shared = agreement * (size_a + size_b) / (1.0 + agreement)
    return estimates_pass(agreement, containment(shared, size_a, size_b), config)


def sampled_estimates_pass(shared: np.ndarray, samples_a: np.ndarray, samples_b: np.ndarray,
                           config: DedupConfig) -> np.ndarray:
    """The estimate filter of sampled-view pairs from their shared and per-text sample counts."""
    samples_a, samples_b = samples_a.astype(float), samples_b.astype(float)
    return estimates_pass(jaccard(shared, samples_a, samples_b), containment(shared, samples_a, samples_b), config)

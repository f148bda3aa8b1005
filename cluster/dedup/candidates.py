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

    def _passes(self, jaccard_: np.ndarray, containment_: np.ndarray) -> np.ndarray:
        """Pairs whose estimated Jaccard or containment is at most ``estimate_margin`` below its threshold."""
        cfg = self.config
        return (jaccard_ >= cfg.jaccard_threshold - cfg.estimate_margin) | (
            containment_ >= cfg.containment_threshold - cfg.estimate_margin
        )

    def _lsh_estimates_pass(self, pairs: np.ndarray, sigs: np.ndarray, sizes: np.ndarray) -> np.ndarray:
        agreement = np.empty(len(pairs))
        for start in range(0, len(pairs), _AGREEMENT_BLOCK):
            part = pairs[start : start + _AGREEMENT_BLOCK]
            agreement[start : start + _AGREEMENT_BLOCK] = (sigs[part[:, 0]] == sigs[part[:, 1]]).mean(axis=1)
        size_a, size_b = sizes[pairs[:, 0]].astype(float), sizes[pairs[:, 1]].astype(float)
        shared = agreement * (size_a + size_b) / (1.0 + agreement)
        return self._passes(agreement, containment(shared, size_a, size_b))

    def _sampled_estimates_pass(self, pairs: np.ndarray, shared: np.ndarray, samples: np.ndarray) -> np.ndarray:
        size_a, size_b = samples[pairs[:, 0]].astype(float), samples[pairs[:, 1]].astype(float)
        return self._passes(jaccard(shared, size_a, size_b), containment(shared, size_a, size_b))

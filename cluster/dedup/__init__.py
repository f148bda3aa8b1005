"""Syndicated-copy detection (see ``deduplicator`` for the method, step by step).

One module per step: ``candidates`` (LSH and sampled-shingle views, estimate filter), ``verify`` (Jaccard and
containment, exact verification), ``short`` (headline-only and short texts), ``guard`` (shared material),
``groups`` (components checked against their canonical), ``canonical`` (which member is the original) and
``tables`` (the ``duplicates`` and ``syndication`` tables).
"""

from .deduplicator import Deduplicator
from .tables import syndication
from .verify import Match

__all__ = ["Deduplicator", "Match", "syndication"]

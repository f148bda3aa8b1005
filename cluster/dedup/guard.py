"""The shared-material guard: a text contained in two articles that are not copies of each other is not a copy.

A standard notice, a template or a long quoted passage pasted into several unrelated articles is *contained* in
each of them, so containment alone would chain those articles into one group through it. The guard finds such
shared material (a text contained in two or more articles that are not all linked to each other), drops its
containment links, and lets it join a group later only as a near-duplicate (Jaccard) of the canonical. Two pieces
of shared material are copies of each other only if what is their own, the shingles none of the articles
containing them has, matches too (Jaccard of the own parts at least ``jaccard_threshold``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..config import DedupConfig
from ..graph import components
from ..tokens import ShingleSets
from .verify import Match, Pair, jaccard


@dataclass(frozen=True)
class SharedMaterial:
    """What the guard found: each shared text with the articles containing it (``containers``) and its own part;
    ``doc in shared`` says whether a text is shared material."""

    containers: dict[int, list[int]]
    own_parts: dict[int, np.ndarray]
    jaccard_threshold: float

    def __contains__(self, doc: int) -> bool:
        return doc in self.containers

    def own_parts_match(self, i: int, j: int) -> bool:
        """Two texts made of the same shared material are copies only if what is their own matches too."""
        a, b = self.own_parts[i], self.own_parts[j]
        if not len(a) and not len(b):
            return True
        shared = len(np.intersect1d(a, b, assume_unique=True))
        return jaccard(shared, len(a), len(b)) >= self.jaccard_threshold

    def admit(self, member: int, canonical: int, match: Match | None) -> Match | None:
        """``match`` of a member to its canonical, or ``None`` where shared material may not join by it: shared
        material joins a group only as a near-duplicate, and of the same own text."""
        if match is None or (member not in self and canonical not in self):
            return match
        both = member in self and canonical in self
        if match.rule == "containment" or (both and not self.own_parts_match(member, canonical)):
            return None
        return match


def guard_shared_material(links: dict[Pair, Match], shingles: ShingleSets,
                          config: DedupConfig) -> tuple[dict[Pair, Match], SharedMaterial]:
    """The links kept (in their order) and the shared material found: the containment links of every shared text
    are dropped, and so are the links between two shared texts whose own parts differ."""
    sizes = shingles.sizes
    containers = _shared_texts(links, _containers(links, sizes))
    own_parts = {doc: _own_part(doc, larger, shingles) for doc, larger in containers.items()}
    shared = SharedMaterial(containers, own_parts, config.jaccard_threshold)
    kept: dict[Pair, Match] = {}
    for (i, j), match in links.items():
        smaller = i if sizes[i] <= sizes[j] else j
        if match.rule == "containment" and smaller in shared:
            continue
        if i in shared and j in shared and not shared.own_parts_match(i, j):
            continue
        kept[(i, j)] = match
    return kept, shared


def _containers(links: dict[Pair, Match], sizes: np.ndarray) -> dict[int, list[int]]:
    """Each text contained in others (a containment link), with those others in link order."""
    containers: dict[int, list[int]] = {}
    for (i, j), match in links.items():
        if match.rule == "containment":
            smaller, larger = (i, j) if sizes[i] <= sizes[j] else (j, i)
            containers.setdefault(smaller, []).append(larger)
    return containers


def _shared_texts(links: dict[Pair, Match], containers: dict[int, list[int]]) -> dict[int, list[int]]:
    """Shared material and the articles containing it: texts contained in two or more articles that are not all
    linked to each other, then the near-duplicates of shared material contained in one of the same articles (their
    link to the other container may simply not have been a candidate)."""
    shared: dict[int, list[int]] = {}
    for smaller, larger in containers.items():
        if len(larger) < 2:
            continue
        inner = [(i, j) for i in larger for j in larger if i < j and (i, j) in links]
        linked = components(inner)
        if len(linked) != 1 or len(linked[0]) != len(set(larger)):
            shared[smaller] = larger
    changed = bool(shared)
    while changed:
        changed = False
        for (i, j), match in links.items():
            if match.rule != "jaccard" or (i in shared) == (j in shared):
                continue
            known, other = (i, j) if i in shared else (j, i)
            if set(containers.get(other, ())) & set(shared[known]):
                shared[other] = sorted(set(shared[known]) | set(containers[other]))
                changed = True
    return shared


def _own_part(doc: int, containers: list[int], shingles: ShingleSets) -> np.ndarray:
    """Shingles of a shared text that none of the articles containing it have: what is its own."""
    held = np.unique(np.concatenate([shingles[c] for c in containers]))
    return np.setdiff1d(shingles[doc], held, assume_unique=True)

"""Groups from verified links: every member must match its group's canonical; the others are grouped again."""

from __future__ import annotations

import numpy as np

from cluster.dedup import Match
from cluster.dedup.canonical import Choice
from cluster.dedup.groups import CANONICAL_MATCH, Group, verified_groups
from cluster.dedup.guard import SharedMaterial

COPY = Match(0.9, 0.9, "jaccard")
CONTAINED = Match(0.3, 1.0, "containment")
NO_SHARED_MATERIAL = SharedMaterial({}, {}, jaccard_threshold=0.5)


class SmallestFirst:
    """A canonical chooser that picks the smallest member, by ``earliest``."""

    def choose_many(self, groups: list[list[int]]) -> list[Choice]:
        return [Choice(min(members), "earliest") for members in groups]


class Matches:
    """A matcher that finds ``match`` for the given pairs only."""

    def __init__(self, *pairs: tuple[int, int], match: Match = COPY) -> None:
        self.pairs = set(pairs)
        self.found = match

    def match(self, i: int, j: int) -> Match | None:
        return self.found if (min(i, j), max(i, j)) in self.pairs else None


def test_a_chain_member_that_does_not_match_the_canonical_is_split_off():
    links = {(0, 1): COPY, (1, 2): COPY}  # 0 ~ 1 ~ 2, but 2 is no copy of 0
    groups, n_split = verified_groups(links, NO_SHARED_MATERIAL, SmallestFirst(), Matches((0, 1), (1, 2)))
    assert groups == [Group(0, "earliest", {0: CANONICAL_MATCH, 1: COPY})]
    assert n_split == 1


def test_members_split_off_are_grouped_again_by_the_links_between_them():
    links = {(0, 1): COPY, (0, 2): COPY, (2, 3): COPY}
    groups, n_split = verified_groups(links, NO_SHARED_MATERIAL, SmallestFirst(), Matches((0, 1), (2, 3)))
    assert sorted(groups, key=lambda group: group.canonical) == [
        Group(0, "earliest", {0: CANONICAL_MATCH, 1: COPY}),
        Group(2, "earliest", {2: CANONICAL_MATCH, 3: COPY}),
    ]
    assert n_split == 2


def test_shared_material_does_not_join_its_container_by_containment():
    shared = SharedMaterial({1: [0, 5]}, {1: np.array([], np.uint32)}, jaccard_threshold=0.5)
    groups, n_split = verified_groups({(0, 1): CONTAINED}, shared, SmallestFirst(), Matches((0, 1), match=CONTAINED))
    assert groups == []
    assert n_split == 1

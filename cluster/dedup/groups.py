"""Groups from verified links: connected components, each member checked against its group's canonical.

A chain of links can join two articles that do not match (A contains B, B contains C). So each component gets its
canonical (``CanonicalChooser``), every member must itself match the canonical (shared material only as
``SharedMaterial.admit`` allows), and the members that fail are split off and grouped again among themselves from
the links between them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..graph import components
from .canonical import CanonicalChooser, Choice
from .guard import SharedMaterial
from .provenance import Attribution
from .verify import Match, Pair, PairMatcher

CANONICAL_MATCH = Match(1.0, 1.0, "canonical")  # the canonical's match to itself


@dataclass(frozen=True)
class Group:
    """A group of copies: its canonical article, the canonical rule that chose it, and each member (the canonical
    too) with its match to the canonical."""

    canonical: int
    rule: str
    members: dict[int, Match]
    attributions: dict[int, Attribution] = field(default_factory=dict)  # member -> its line naming an origin


def verified_groups(links: dict[Pair, Match], shared: SharedMaterial, chooser: CanonicalChooser,
                    matcher: PairMatcher) -> tuple[list[Group], int]:
    """Every group of two or more articles (in no particular order) and the number of members split off.

    Components are decided in rounds, all of a round's canonicals in one ``choose_many`` (it shingles lines in one
    pass for all of them); the members a canonical does not match form the next round's components."""
    groups: list[Group] = []
    n_split = 0
    pending = components(list(links))
    while pending:
        next_round: list[list[int]] = []
        for members, choice in zip(pending, chooser.choose_many(pending), strict=True):
            group, unmatched = _matched_group(members, choice, shared, matcher)
            n_split += len(unmatched)
            if group is not None:
                groups.append(group)
            if len(unmatched) > 1:
                keep = set(unmatched)
                next_round.extend(components([(i, j) for i, j in links if i in keep and j in keep]))
        pending = next_round
    return groups, n_split


def _matched_group(members: list[int], choice: Choice, shared: SharedMaterial,
                   matcher: PairMatcher) -> tuple[Group | None, list[int]]:
    """The group of the members that match ``choice``'s canonical (None when none does) and the members that do not."""
    canonical = choice.canonical
    matched, unmatched = {canonical: CANONICAL_MATCH}, []
    for member in members:
        if member == canonical:
            continue
        match = shared.admit(member, canonical, matcher.match(member, canonical))
        if match is None:
            unmatched.append(member)
        else:
            matched[member] = match
    if len(matched) == 1:
        return None, unmatched
    attributions = {m: line for m, line in choice.attributions.items() if m in matched}
    return Group(canonical, choice.rule, matched, attributions), unmatched

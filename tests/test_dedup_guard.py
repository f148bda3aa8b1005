"""The shared-material guard: a text contained in unrelated articles links none of them."""

from __future__ import annotations

import numpy as np
from dedup_worlds import frames, item, paragraphs, partition, prose, shingle_sets_of

from cluster.config import DedupConfig
from cluster.dedup import Deduplicator, Match
from cluster.dedup.guard import SharedMaterial, guard_shared_material


def test_shared_template_paragraph_does_not_chain_three_articles():
    template = prose(900, 80)  # e.g. a long standard notice every outlet pastes
    rows = [
        item("a", "Alpha", "Flood warning for the coast", "\n".join([template, *paragraphs(21, 3)])),
        item("b", "Beta", "Notice", "\n".join([template, prose(22, 10)]), hours=1),
        item("c", "Gamma", "Rail delays after storm", "\n".join([template, *paragraphs(23, 3)]), hours=2),
    ]
    articles, cleaned = frames(rows)
    model = Deduplicator(DedupConfig()).fit(articles, cleaned)
    assert model.n_verified_ == 2  # a~b and b~c verify by containment; a~c does not
    # b is contained in two articles that are not copies of each other: it is shared material, not a copy of either
    assert model.n_refused_ == 2
    table = {row["article_id"]: row for row in model.table_.iter_rows(named=True)}
    assert partition(table) == {frozenset({"a"}), frozenset({"b"}), frozenset({"c"})}
    assert {row["rule"] for row in table.values()} == {"unique"}

def test_text_contained_in_two_unrelated_articles_links_neither():
    shared = prose(777, 70)  # a standard paragraph two outlets paste into different articles
    rows = [
        item("a", "Alpha", "Port strike ends", "\n".join([shared, *paragraphs(701, 3)])),
        item("c", "Gamma", "Bank profits rise", "\n".join([shared, *paragraphs(702, 3)]), hours=1),
        item("notice", "Beta", "Notice", shared, hours=2),
        item("teaser", "Delta", "Port strike", " ".join("\n".join([shared, *paragraphs(701, 3)]).split()[:120]),
             hours=3),
    ]
    articles, cleaned = frames(rows)
    model = Deduplicator(DedupConfig()).fit(articles, cleaned)
    table = {r["article_id"]: r for r in model.table_.iter_rows(named=True)}
    # the notice is refused (contained in a and c); the teaser is contained only in a's group
    assert partition(table) == {frozenset({"a", "teaser"}), frozenset({"c"}), frozenset({"notice"})}

def test_notices_made_of_the_same_shared_paragraph_are_not_copies_of_each_other():
    shared = prose(778, 70)
    rows = [
        item("a", "Alpha", "Port strike ends", "\n".join([*paragraphs(711, 3), shared])),
        item("c", "Gamma", "Bank profits rise", "\n".join([*paragraphs(712, 3), shared]), hours=1),
        item("n1", "Desk 1", "Notice", f"{prose(713, 12)}\n{shared}", hours=2),
        item("n2", "Desk 2", "Notice", f"{prose(714, 12)}\n{shared}", hours=3),  # Jaccard with n1 about 0.7
        item("n1-copy", "Briefly", "Notice", f"{prose(713, 12)}\n{shared}", hours=4),  # n1 verbatim
    ]
    articles, cleaned = frames(rows)
    model = Deduplicator(DedupConfig()).fit(articles, cleaned)
    table = {r["article_id"]: r for r in model.table_.iter_rows(named=True)}
    assert partition(table) == {frozenset({"a"}), frozenset({"c"}), frozenset({"n1", "n1-copy"}), frozenset({"n2"})}
    assert table["n1-copy"]["rule"] == "jaccard"
    assert model.n_refused_ > 0


# ---------------------------------------------------------------- the unit


CONTAINED = Match(0.3, 1.0, "containment")


def test_a_text_contained_in_two_unlinked_articles_loses_its_containment_links():
    shingles = shingle_sets_of(range(0, 30), range(20, 50), range(20, 30))  # 2 is inside 0 and inside 1
    kept, shared = guard_shared_material({(0, 2): CONTAINED, (1, 2): CONTAINED}, shingles, DedupConfig())
    assert kept == {}
    assert 2 in shared and 0 not in shared and 1 not in shared
    assert shared.containers == {2: [0, 1]}
    assert shared.own_parts[2].tolist() == []


def test_a_text_contained_in_two_copies_of_each_other_keeps_its_links():
    shingles = shingle_sets_of(range(0, 30), range(0, 31), range(0, 10))
    links = {(0, 1): Match(30 / 31, 1.0, "jaccard"), (0, 2): CONTAINED, (1, 2): CONTAINED}
    kept, shared = guard_shared_material(links, shingles, DedupConfig())
    assert kept == links
    assert shared.containers == {}


def test_a_near_duplicate_of_shared_material_inside_one_of_its_articles_is_shared_material_too():
    # 3 is 2 plus one shingle of article 0: it is contained in 0 only (its link to 1 was no candidate)
    shingles = shingle_sets_of(range(0, 30), range(20, 50), range(20, 30), range(19, 30))
    near = Match(10 / 11, 1.0, "jaccard")
    links = {(0, 2): CONTAINED, (1, 2): CONTAINED, (0, 3): CONTAINED, (2, 3): near}
    kept, shared = guard_shared_material(links, shingles, DedupConfig())
    assert shared.containers == {2: [0, 1], 3: [0, 1]}
    assert kept == {(2, 3): near}  # both are only shared material: their own parts (none) match


def test_shared_material_joins_a_group_only_as_a_near_duplicate_of_the_same_own_text():
    near = Match(0.9, 0.95, "jaccard")
    own = {2: np.array([1, 2, 3], np.uint32), 3: np.array([1, 2, 3], np.uint32), 4: np.array([7, 8], np.uint32)}
    shared = SharedMaterial({2: [0, 1], 3: [0, 1], 4: [0, 1]}, own, jaccard_threshold=0.5)
    assert shared.admit(5, 6, CONTAINED) is CONTAINED  # neither is shared material
    assert shared.admit(2, 6, CONTAINED) is None
    assert shared.admit(6, 2, near) is near
    assert shared.admit(2, 3, near) is near  # the same own text
    assert shared.admit(2, 4, near) is None  # another own text
    assert shared.admit(2, 6, None) is None
    nothing_own = SharedMaterial({0: [5], 1: [5]}, {0: np.array([], np.uint32), 1: np.array([], np.uint32)}, 0.5)
    assert nothing_own.own_parts_match(0, 1)

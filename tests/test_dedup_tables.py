"""The dedup output tables: ``duplicates`` rows of grouped and unique articles, and ``syndication``."""

from __future__ import annotations

from datetime import timedelta

from dedup_worlds import frames, item, paragraphs, teaser_world

from cluster.config import DedupConfig
from cluster.dedup import Deduplicator, Match, syndication
from cluster.dedup.groups import CANONICAL_MATCH, Group
from cluster.dedup.provenance import Attribution
from cluster.dedup.tables import duplicates_table
from cluster.ids import group_id
from cluster.schema import DUPLICATES, SYNDICATION

# ---------------------------------------------------------------- syndication


def test_syndication_counts_copies_and_median_delay_per_origin_and_copier():
    rows = teaser_world()  # NewsBreeze copies each Wire story one hour later
    rows[3]["published_at"] = rows[2]["published_at"] + timedelta(hours=3)  # hub-1: 3 h after wire-1
    rows[5]["published_at"] = rows[4]["published_at"] + timedelta(hours=4)  # hub-2: 4 h after wire-2
    body = paragraphs(81, 4)
    rows += [
        item("courier-orig", "Courier", "Pay deal agreed", "\n".join(body), hours=10),
        item("wire-copy", "Wire", "Deal agreed on pay", "\n".join(body[:3]), hours=10.5),
    ]
    articles, cleaned = frames(rows)
    duplicates = Deduplicator(DedupConfig()).fit(articles, cleaned).table_
    table = syndication(articles, duplicates)
    assert table.schema == SYNDICATION
    assert table.rows() == [("Wire", "NewsBreeze", 3, 3.0), ("Courier", "Wire", 1, 0.5)]

def test_syndication_of_no_groups_is_empty():
    rows = [item("a", "Wire", "One", "\n".join(paragraphs(91, 2))),
            item("b", None, "Two", "\n".join(paragraphs(92, 2)))]
    articles, cleaned = frames(rows)
    duplicates = Deduplicator(DedupConfig()).fit(articles, cleaned).table_
    table = syndication(articles, duplicates)
    assert table.schema == SYNDICATION
    assert table.height == 0


# ---------------------------------------------------------------- duplicates


def test_articles_outside_every_group_are_their_own_canonical_in_a_group_of_one():
    table = duplicates_table(["a", "b"], [])
    assert table.schema == DUPLICATES
    assert table.rows() == [
        ("a", group_id("a"), "a", True, 1, None, None, "unique", None, None, None),
        ("b", group_id("b"), "b", True, 1, None, None, "unique", None, None, None),
    ]


def test_group_members_carry_their_match_to_the_canonical_and_the_canonical_rule():
    copy = Match(0.6, 0.9, "jaccard")
    credit = Attribution("This article originally appeared on Wire.", "originally_published", ("b",))
    table = duplicates_table(["a", "b", "c"], [Group(1, "attribution", {1: CANONICAL_MATCH, 0: copy}, {0: credit})])
    assert table.rows() == [
        ("a", group_id("b"), "b", False, 2, 0.6, 0.9, "jaccard", "attribution",
         "This article originally appeared on Wire.", "originally_published"),
        ("b", group_id("b"), "b", True, 2, 1.0, 1.0, "canonical", "attribution", None, None),
        ("c", group_id("c"), "c", True, 1, None, None, "unique", None, None, None),
    ]


def test_no_articles_give_an_empty_table():
    table = duplicates_table([], [])
    assert table.schema == DUPLICATES
    assert table.height == 0

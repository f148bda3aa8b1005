"""Canonical choice: the original publisher of each group and the rule that decided it."""

from __future__ import annotations

from datetime import timedelta

import polars as pl
from dedup_worlds import T0, dedup, item, paragraphs

from cluster.config import DedupConfig
from cluster.dedup.canonical import RULE_KEYS, CanonicalChooser
from cluster.rules import CANONICAL_RULES


def copy_pair(first: tuple, second: tuple, drop_paragraph_from_second: bool = False) -> list[dict]:
    """Two copies of one article: (id, source, hours[, date_missing]) each."""
    body = paragraphs(41, 4)
    second_body = [body[0], body[1], body[3]] if drop_paragraph_from_second else body
    return [
        item(first[0], first[1], "Storm hits the coast", "\n".join(body), *first[2:]),
        item(second[0], second[1], "Coast battered by storm", "\n".join(second_body), *second[2:]),
    ]

def test_earliest_is_canonical():
    table = dedup(copy_pair(("late", "Wire", 3.0), ("early", "Courier", 1.0)))
    assert table["late"]["canonical_id"] == "early"
    assert table["late"]["canonical_rule"] == table["early"]["canonical_rule"] == "earliest"

def test_listed_aggregator_is_never_canonical():
    rows = copy_pair(("agg", "NewsBreeze", 0.0), ("orig", "Wire", 2.0))
    assert dedup(rows)["agg"]["is_canonical"] is True
    table = dedup(rows, aggregators=["NewsBreeze"])
    assert table["orig"]["is_canonical"] is True
    assert table["agg"]["canonical_id"] == "orig"
    assert table["agg"]["canonical_rule"] == "not_aggregator"

def test_dated_article_beats_one_without_a_date():
    # The undated copy carries the run-date fallback, which is earlier than the dated original.
    rows = copy_pair(("undated", "Courier", -8.0, True), ("dated", "Wire", 2.0))
    table = dedup(rows)
    assert table["undated"]["canonical_id"] == "dated"
    assert table["dated"]["canonical_rule"] == "dated"

def test_source_priority_breaks_a_time_tie():
    rows = copy_pair(("wire", "Wire", 1.0), ("courier", "Courier", 1.0))
    table = dedup(rows, source_priority=["Courier", "Wire"])
    assert table["wire"]["canonical_id"] == "courier"
    assert table["wire"]["canonical_rule"] == "source_priority"
    assert dedup(rows, source_priority=["Wire"])["courier"]["canonical_id"] == "wire"

def test_most_complete_breaks_a_remaining_tie():
    table = dedup(copy_pair(("z-full", "Wire", 1.0), ("a-short", "Courier", 1.0), drop_paragraph_from_second=True))
    assert table["a-short"]["canonical_id"] == "z-full"
    assert table["a-short"]["canonical_rule"] == "most_complete"

def test_lowest_id_breaks_a_full_tie():
    table = dedup(copy_pair(("b", "Wire", 1.0), ("a", "Wire", 1.0)))
    assert table["b"]["canonical_id"] == "a"
    assert table["b"]["canonical_rule"] == "lowest_id"


# ---------------------------------------------------------------- the unit


def test_every_canonical_rule_has_a_key_column_in_rule_order():
    assert list(RULE_KEYS) == list(CANONICAL_RULES)


def test_key_columns_hold_what_they_are_named():
    frame = pl.DataFrame({
        "article_id": ["agg", "undated", "other"], "source": ["Hub", "Wire", "Courier"],
        "published_at": [T0 + timedelta(hours=1), T0, T0], "date_missing": [False, True, False],
        "title": ["Title", "A longer title", "T"], "body": ["Body text", "", "Body"],
    })
    chooser = CanonicalChooser(DedupConfig(aggregators=["Hub"], source_priority=["Wire"])).fit(frame)
    assert chooser.keys_.columns == list(RULE_KEYS.values())
    at = int(T0.timestamp()) * 1_000_000
    assert chooser.keys_.rows() == [
        (True, False, at + 3_600_000_000, 1, -9, "agg"),
        (False, True, at, 0, -14, "undated"),
        (False, False, at, 1, -4, "other"),
    ]
    assert chooser.rank_.tolist() == [2, 1, 0]
    assert chooser.choose([0, 1]) == (1, "not_aggregator")
    assert chooser.choose([0, 1, 2]) == (2, "dated")

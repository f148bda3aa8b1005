"""Canonical choice: the original publisher of each group and the rule that decided it."""

from __future__ import annotations

from datetime import timedelta

import polars as pl
from dedup_worlds import T0, dedup, item, paragraphs

from cluster.config import DedupConfig
from cluster.dedup.canonical import CanonicalChooser
from cluster.rules import CANONICAL_RULES
from cluster.tokens import shingle_sets


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
    # Completeness counts the text the group shares: with a third copy carrying the paragraph that "a-short" left
    # out, that paragraph is shared text, so the copy without it is less complete.
    rows = copy_pair(("y-full", "Wire", 1.0), ("a-short", "Courier", 1.0), drop_paragraph_from_second=True)
    rows.append({**rows[0], "article_id": "z-later", "source": "Herald", "published_at": T0 + timedelta(hours=2)})
    table = dedup(rows)
    assert table["a-short"]["canonical_id"] == "y-full"
    assert table["a-short"]["canonical_rule"] == "most_complete"


def test_two_copies_one_without_an_inner_paragraph_tie_on_the_text():
    # With two members the shared text is what both hold: a paragraph only one has may have been dropped by the
    # other or added by it, so the text does not decide, and the tie goes on to the id.
    table = dedup(copy_pair(("z-full", "Wire", 1.0), ("a-short", "Courier", 1.0), drop_paragraph_from_second=True))
    assert table["z-full"]["canonical_id"] == "a-short"
    assert table["z-full"]["canonical_rule"] == "lowest_id"

def test_lowest_id_breaks_a_full_tie():
    table = dedup(copy_pair(("b", "Wire", 1.0), ("a", "Wire", 1.0)))
    assert table["b"]["canonical_id"] == "a"
    assert table["b"]["canonical_rule"] == "lowest_id"


# ---------------------------------------------------------------- the unit


def _frame() -> pl.DataFrame:
    origin = ["Dockworkers walked off the job at three Gulf terminals on Monday after talks on pay broke down.",
              "The union said it would not return until the operator withdrew plans for remote cranes.",
              "Shipping lines diverted four vessels to other ports, the port authority said."]
    reprint = ["Al Jazeera", *origin, "This article originally appeared on Al Jazeera."]
    return pl.DataFrame({
        "article_id": ["aj-1", "inkl-1", "loner"], "source": ["Al Jazeera", "inkl", "Courier"],
        "url": ["https://www.aljazeera.com/news/1", "https://www.inkl.com/news/1", None],
        "published_at": [T0, T0, T0], "date_missing": [False, False, False],
        "title": ["Dock strike", "Dock strike", "Other"], "text": ["\n".join(origin), "\n".join(reprint), "x"],
    })


def test_the_chooser_prepares_only_linked_rows_and_reports_attribution_lines():
    frame = _frame()
    shingles = shingle_sets(frame["text"], 4)
    chooser = CanonicalChooser(DedupConfig(builtin_aggregators=False)).fit(frame, shingles, [1, 0, 1])
    assert chooser.rows_ == [0, 1]
    choice = chooser.choose([1, 0])
    assert choice.canonical == 0 and choice.rule == "attribution"
    assert set(choice.attributions) == {1}
    assert choice.attributions[1].named == ("aj-1",)


def test_every_canonical_rule_is_explained():
    assert all(CANONICAL_RULES.values())
    assert list(CANONICAL_RULES)[:2] == ["not_aggregator", "attribution"]
    assert list(CANONICAL_RULES)[-1] == "lowest_id"

"""Story labels: entity plus event phrase, rounds, uniqueness."""

from __future__ import annotations

from datetime import datetime, timezone

import polars as pl

from cluster.label import entities, event_phrases, finalise_labels, label_stories
from cluster.schema import TIME


def test_entities_skip_sentence_starts_in_body_but_not_in_titles():
    assert entities("Crews met in Porthaven. The union said Dana Calloway would speak.", in_title=False) == [
        "Porthaven", "Dana Calloway",
    ]
    assert entities("Porthaven ferry strike ends", in_title=True) == ["Porthaven"]


def test_event_phrases_drop_stop_words_and_months():
    assert event_phrases("The strike began in March") == ["strike", "began", "strike began"]
    assert "ferry strike" in event_phrases("Porthaven ferry strike ends")


def _texts(rows):
    return pl.DataFrame(rows, schema=["story_id", "title", "lead"], orient="row")


def test_label_joins_top_entity_and_event_phrase():
    texts = _texts([
        ("s1", "Island sailings halted as Porthaven ferry strike begins",
         "Ferry crews in Porthaven walked off the job."),
        ("s1", "Ferry strike strands hundreds in Porthaven", "Passengers waited as the ferry strike went on."),
        ("s2", "Bank of Valdoria raises interest rate", "The Bank of Valdoria raised its rate by a quarter point."),
        ("s2", "Valdoria rate rise hits mortgage holders",
         "Mortgage holders face higher payments after the rate rise."),
    ])
    labels = label_stories(texts, max_words=5)
    assert labels["s1"] == "Porthaven ferry strike"
    assert labels["s2"].startswith("Bank of Valdoria")


def test_label_of_story_without_words():
    assert label_stories(_texts([("s1", "", "")]), max_words=5) == {"s1": "untitled story"}


def _stories(rows):
    return pl.DataFrame(
        {
            "story_id": [r[0] for r in rows],
            "chain_id": [r[1] for r in rows],
            "round": [r[2] for r in rows],
            "chain_length": [r[3] for r in rows],
            "first_seen": [datetime(2026, 3, r[4], tzinfo=timezone.utc) for r in rows],
        },
        schema_overrides={"first_seen": TIME},
    )


def test_rounds_take_the_first_rounds_label_with_ordinal():
    stories = _stories([("s-a", "c-a", 1, 2, 2), ("s-b", "c-a", 2, 2, 11)])
    labels = finalise_labels(stories, {"s-a": "Alvora fisheries talks", "s-b": "Alvora mackerel"})
    assert labels == {"s-a": "Alvora fisheries talks round 1", "s-b": "Alvora fisheries talks round 2"}


def test_repeated_labels_get_their_first_day_then_their_id():
    stories = _stories([("s-a", "c-a", 1, 1, 2), ("s-b", "c-b", 1, 1, 5), ("s-c", "c-c", 1, 1, 5)])
    labels = finalise_labels(stories, {"s-a": "Quillon breach", "s-b": "Quillon breach", "s-c": "Quillon breach"})
    assert labels == {
        "s-a": "Quillon breach",
        "s-b": "Quillon breach (Mar 5)",
        "s-c": "Quillon breach (Mar 5) [s-c]",
    }
    assert len(set(labels.values())) == 3

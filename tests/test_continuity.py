"""Matching tonight's stories to the registry: continuing, new round, late round, new; registry update."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import numpy as np
import polars as pl

from cluster.config import Config
from cluster.continuity import match_registry, updated_registry
from cluster.schema import TIME
from cluster.state import REGISTRY, PriorState

DAY0 = datetime(2026, 3, 2, tzinfo=timezone.utc)


def unit(*values: float) -> np.ndarray:
    vector = np.array(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


def registry(*stories: tuple[str, str, int, np.ndarray, float, float, int]) -> PriorState:
    rows = [
        {"story_id": sid, "chain_id": chain, "round": rnd, "label": f"{sid} label", "base_label": f"{sid} base",
         "centroid": centre.tolist(), "n_articles": n, "label_articles": n, "first_seen": DAY0 + timedelta(days=start),
         "last_seen": DAY0 + timedelta(days=end), "last_night": date(2026, 3, 2)}
        for sid, chain, rnd, centre, start, end, n in stories
    ]
    return PriorState(
        date(2026, 3, 2), pl.DataFrame(schema=pl.Schema({})), pl.DataFrame(rows, schema=REGISTRY, orient="row")
    )


def tonight(*stories: tuple[str, float, int]) -> pl.DataFrame:
    return pl.DataFrame(
        {"story_id": [s[0] for s in stories], "chain_id": ["c-" + s[0][2:] for s in stories],
         "round": [1] * len(stories), "n_articles": [s[2] for s in stories],
         "first_seen": [DAY0 + timedelta(days=s[1]) for s in stories]},
        schema_overrides={"round": pl.Int32, "n_articles": pl.Int32, "first_seen": TIME},
    )


def test_close_in_time_and_similar_continues_with_the_registry_id_and_label():
    prior = registry(("s-old", "c-old", 1, unit(1, 0, 0), 0, 1, 5))
    result = match_registry(tonight(("s-new", 2, 3)), {"s-new": unit(1, 0.3, 0)}, prior, Config())
    assert result["s-new"].story_id == "s-old"
    new = result["s-new"]
    assert (new.status, new.label, new.chain_id) == ("continuing", "s-old label", "c-old")


def test_weeks_later_and_similar_is_the_next_round_of_the_chain():
    prior = registry(("s-r1", "c-r1", 1, unit(1, 0, 0), 0, 1, 5))
    result = match_registry(tonight(("s-r2", 10, 2)), {"s-r2": unit(1, 0.2, 0)}, prior, Config())
    assert (result["s-r2"].story_id, result["s-r2"].chain_id, result["s-r2"].round) == ("s-r2", "c-r1", 2)
    assert (result["s-r2"].status, result["s-r2"].label) == ("new_round", "s-r1 base")


def test_unrelated_story_is_new():
    prior = registry(("s-old", "c-old", 1, unit(1, 0, 0), 0, 1, 5))
    result = match_registry(tonight(("s-new", 2, 1)), {"s-new": unit(0, 1, 0)}, prior, Config())
    assert result["s-new"].status == "new" and result["s-new"].story_id == "s-new"


def test_two_parts_of_one_story_both_continue_it():
    prior = registry(("s-old", "c-old", 1, unit(1, 0, 0), 0, 1, 5))
    result = match_registry(tonight(("s-a", 2, 2), ("s-b", 2, 1)), {"s-a": unit(1, 0.3, 0), "s-b": unit(1, 0, 0.4)},
                            prior, Config())
    assert result["s-a"].story_id == result["s-b"].story_id == "s-old"


def test_story_that_began_alone_joins_an_older_chain_once_it_grows():
    # s-r2 began on day 9 with one article too unlike round 1 (cosine 0.71 < 0.75) to be chained then;
    # tonight's articles, much like round 1, pull its centroid over the threshold: it becomes round 2.
    prior = registry(("s-r1", "c-r1", 1, unit(1, 0, 0), 0, 1, 9), ("s-r2", "c-r2", 1, unit(1, 1, 0), 9, 9.2, 1))
    result = match_registry(tonight(("s-t", 10, 3)), {"s-t": unit(1, 0.45, 0)}, prior, Config())
    assert (result["s-t"].story_id, result["s-t"].chain_id, result["s-t"].round) == ("s-r2", "c-r1", 2)
    assert result["s-t"].label == "s-r1 base round 2"


def tonights_story(label: str, n_articles: int, previous_label: str | None = None) -> pl.DataFrame:
    """``s-old`` as tonight's stories table has it, after labelling."""
    return pl.DataFrame(
        {"story_id": ["s-old"], "chain_id": ["c-old"], "round": [1], "label": [label],
         "previous_label": [previous_label], "n_articles": [n_articles], "first_seen": [DAY0 + timedelta(days=2)],
         "last_seen": [DAY0 + timedelta(days=2.5)]},
        schema_overrides={"round": pl.Int32, "n_articles": pl.Int32, "first_seen": TIME, "last_seen": TIME,
                          "previous_label": pl.String},
    )


def test_registry_update_blends_centroids_and_prunes_old_stories():
    prior = registry(
        ("s-old", "c-old", 1, unit(1, 0, 0), 0, 1, 3), ("s-ancient", "c-a", 1, unit(0, 0, 1), -200, -199, 2)
    )
    stories = tonights_story("s-old label", 1)
    table = updated_registry(prior, stories, {"s-old": unit(0, 1, 0)}, {}, date(2026, 3, 4), registry_days=120)
    assert table["story_id"].to_list() == ["s-old"]
    row = table.row(0, named=True)
    assert row["n_articles"] == 4 and row["first_seen"] == DAY0 and row["last_seen"] == DAY0 + timedelta(days=2.5)
    assert np.allclose(row["centroid"], unit(3, 1, 0), atol=1e-6)
    assert (row["base_label"], row["label_articles"]) == ("s-old base", 3)  # not renamed: labelled at 3 still


def test_a_renamed_story_records_its_new_base_label_and_the_size_it_was_named_at():
    prior = registry(("s-old", "c-old", 1, unit(1, 0, 0), 0, 1, 3))
    stories = tonights_story("Porthaven ferry strike", 4, previous_label="s-old label")
    table = updated_registry(prior, stories, {"s-old": unit(1, 0, 0)}, {"s-old": "Porthaven ferry strike"},
                             date(2026, 3, 4), registry_days=120)
    row = table.row(0, named=True)
    assert (row["label"], row["base_label"]) == ("Porthaven ferry strike", "Porthaven ferry strike")
    assert (row["n_articles"], row["label_articles"]) == (7, 7)


def test_parts_of_one_story_share_one_late_round_decision():
    prior = registry(("s-r1", "c-r1", 1, unit(1, 0, 0), 0, 1, 9), ("s-r2", "c-r2", 1, unit(1, 1, 0), 9, 9.2, 1))
    centres = {"s-big": unit(1, 0.45, 0), "s-small": unit(1, 1.2, 0)}
    result = match_registry(tonight(("s-big", 10, 3), ("s-small", 10, 1)), centres, prior, Config())
    assert result["s-big"] == result["s-small"]
    assert (result["s-small"].story_id, result["s-small"].chain_id, result["s-small"].round) == ("s-r2", "c-r1", 2)


def test_one_new_round_per_chain_a_night():
    prior = registry(("s-r1", "c-r1", 1, unit(1, 0, 0), 0, 1, 5))
    result = match_registry(tonight(("s-big", 10, 4), ("s-small", 10, 1)),
                            {"s-big": unit(1, 0.2, 0), "s-small": unit(1, 0, 0.2)}, prior, Config())
    assert (result["s-big"].status, result["s-big"].round) == ("new_round", 2)
    assert result["s-small"].status == "new" and result["s-small"].chain_id != "c-r1"

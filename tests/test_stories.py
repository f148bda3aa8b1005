"""Story clustering, time decay, chains and rounds, with the fast hashing embedder and the real model."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np
import polars as pl
import pytest

from cluster.config import StoriesConfig
from cluster.schema import TIME
from cluster.stories import StoryClusterer, centroids, cluster_stories, link_chains

BASE = datetime(2026, 3, 2, 9, tzinfo=timezone.utc)
TALKS = "Norland and Vestmark fisheries ministers meet in Alvora for cod quota talks on the Greyshelf Bank"
STRIKE = "Porthaven ferry crews strike over new rosters, halting sailings to the islands"
FLOOD = "River Tessler bursts its banks in Linmouth as residents are evacuated from Quayside"


def _frame(rows: list[tuple[str, str, float]]) -> tuple[pl.DataFrame, list[str]]:
    ids = [r[0] for r in rows]
    frame = pl.DataFrame(
        {"article_id": ids, "published_at": [BASE + timedelta(days=r[2]) for r in rows]},
        schema={"article_id": pl.String, "published_at": TIME},
    )
    return frame, [r[1] for r in rows]


def _stories(rows, embedder, config=None):
    frame, texts = _frame(rows)
    members = cluster_stories(frame, embedder.encode(texts), config or StoriesConfig())
    return dict(zip(members["article_id"], members["story_id"], strict=True))


def test_time_decay_adds_squared_scaled_days():
    model = StoryClusterer(time_scale_days=7.0)
    points = model.features(np.array([[1.0, 0.0], [1.0, 0.0]]), np.array([0.0, 14.0]))
    assert np.linalg.norm(points[0] - points[1]) == pytest.approx(2.0)


def test_same_text_a_day_apart_is_one_story_and_weeks_apart_is_not(hashing_embedder):
    story = _stories([("a", TALKS, 0), ("b", TALKS + " again", 1), ("c", TALKS, 21)], hashing_embedder)
    assert story["a"] == story["b"] != story["c"]


def test_every_article_in_exactly_one_story_singletons_included(hashing_embedder):
    story = _stories([("a", TALKS, 0), ("b", STRIKE, 0), ("c", FLOOD, 0)], hashing_embedder)
    assert len(set(story.values())) == 3


def test_story_ids_do_not_depend_on_input_order(hashing_embedder):
    rows = [("a", TALKS, 0), ("b", TALKS + " resume", 0.5), ("c", STRIKE, 1), ("d", STRIKE + " ends", 1.2), ("e", FLOOD, 2)]
    forward = _stories(rows, hashing_embedder)
    backward = _stories(list(reversed(rows)), hashing_embedder)
    assert forward == backward


def test_single_and_empty_input():
    single = _stories([("a", TALKS, 0)], _OneHot())
    assert list(single) == ["a"] and single["a"].startswith("s-")
    frame = pl.DataFrame(schema={"article_id": pl.String, "published_at": TIME})
    assert cluster_stories(frame, np.zeros((0, 4), dtype=np.float32), StoriesConfig()).height == 0


class _OneHot:
    def encode(self, texts):
        return np.eye(len(texts), 4, dtype=np.float32)


def _spans(spans: list[tuple[str, float, float]]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "story_id": [s[0] for s in spans],
            "first_seen": [BASE + timedelta(days=s[1]) for s in spans],
            "last_seen": [BASE + timedelta(days=s[2]) for s in spans],
        },
        schema={"story_id": pl.String, "first_seen": TIME, "last_seen": TIME},
    )


def test_chain_rounds_numbered_in_time_order():
    talks, other = np.array([1.0, 0.0]), np.array([0.0, 1.0])
    spans = _spans([("s-r3", 60, 61), ("s-r1", 0, 1), ("s-x", 30, 31), ("s-r2", 30, 32)])
    chains = link_chains(spans, {"s-r1": talks, "s-r2": talks, "s-r3": talks, "s-x": other}, StoriesConfig())
    by_id = {row["story_id"]: row for row in chains.iter_rows(named=True)}
    assert [by_id[s]["round"] for s in ("s-r1", "s-r2", "s-r3")] == [1, 2, 3]
    assert by_id["s-r1"]["chain_id"] == by_id["s-r2"]["chain_id"] == by_id["s-r3"]["chain_id"] == "c-r1"
    assert by_id["s-x"]["chain_length"] == 1 and by_id["s-x"]["round"] == 1


def test_close_in_time_parts_share_a_round():
    talks = np.array([1.0, 0.0])
    spans = _spans([("s-a", 0, 1), ("s-b", 1.5, 2), ("s-c", 20, 21)])
    chains = link_chains(spans, {"s-a": talks, "s-b": talks, "s-c": talks}, StoriesConfig(chain_min_gap_days=5))
    rounds = dict(zip(chains["story_id"], chains["round"], strict=True))
    assert rounds == {"s-a": 1, "s-b": 1, "s-c": 2}


def test_centroids_are_unit_length():
    members = pl.DataFrame({"article_id": ["a", "b"], "story_id": ["s", "s"]})
    result = centroids(members, ["a", "b"], np.array([[1.0, 0.0], [0.0, 1.0]]))
    assert np.linalg.norm(result["s"]) == pytest.approx(1.0)


@pytest.mark.model
def test_real_model_separates_events_and_joins_paraphrases(real_embedder):
    rows = [
        ("t1", "Fisheries talks open in Alvora as Norland and Vestmark argue over cod quotas", 0),
        ("t2", "Norland and Vestmark negotiators begin two days of quota talks on Greyshelf cod stocks", 0.3),
        ("f1", "Ferry workers in Porthaven walk out in a dispute over rosters, stranding island passengers", 0.1),
        ("f2", "Strike by Porthaven ferry crews halts sailings to Morvah and Holm", 0.4),
        ("t3", "Second round of Alvora fisheries talks opens with mackerel added to the agenda", 10),
    ]
    story = _stories(rows, real_embedder)
    assert story["t1"] == story["t2"]
    assert story["f1"] == story["f2"]
    assert story["t1"] != story["f1"]
    assert story["t3"] != story["t1"]

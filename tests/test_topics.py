"""Topics: every story in exactly one, chained rounds together, ids kept across nights, story ids untouched."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import polars as pl
from click.testing import CliRunner

from cluster.config import TopicsConfig, load_config
from cluster.pipeline import STORY_STAGES, run, write_run
from cluster.schema import TIME
from cluster.stages.topics import TopicsStage
from cluster.state import TOPIC_REGISTRY, next_topics
from cluster.topics import KnownTopic, assign_topics
from jobs.cli import main

BASE = datetime(2026, 3, 2, tzinfo=timezone.utc)


def _unit(vector: list[float]) -> np.ndarray:
    v = np.asarray(vector, dtype=np.float32)
    return v / np.linalg.norm(v)


def _stories(rows: list[tuple[str, str, int]]) -> pl.DataFrame:
    return pl.DataFrame({"story_id": [r[0] for r in rows], "chain_id": [r[1] for r in rows],
                         "first_seen": [BASE + timedelta(days=r[2]) for r in rows]},
                        schema_overrides={"first_seen": TIME})


def test_a_topic_holds_two_chained_rounds_and_a_related_story_while_a_one_off_story_stands_alone():
    stories = _stories([("s-r1", "c-talks", 0), ("s-r2", "c-talks", 30), ("s-quota", "c-quota", 12),
                        ("s-volcano", "c-volcano", 5)])
    centroids = {"s-r1": _unit([1, 0.2, 0, 0]), "s-r2": _unit([1, -0.3, 0.1, 0]),
                 "s-quota": _unit([1, 0.1, 0.3, 0]), "s-volcano": _unit([0, 0, 0.1, 1])}
    topic = assign_topics(stories, centroids, TopicsConfig())
    assert topic["s-r1"] == topic["s-r2"] == topic["s-quota"] != topic["s-volcano"]
    assert len(set(topic.values())) == 2


def test_chained_rounds_share_a_topic_even_when_their_centroids_drift_apart():
    stories = _stories([("s-r1", "c-x", 0), ("s-r2", "c-x", 40)])
    topic = assign_topics(stories, {"s-r1": _unit([1, 0, 0]), "s-r2": _unit([0, 1, 0])}, TopicsConfig())
    assert topic["s-r1"] == topic["s-r2"]


def test_a_story_on_a_known_subject_takes_the_earlier_topics_id():
    known = [KnownTopic("t-ferries", _unit([1, 0.1, 0]), 4), KnownTopic("t-rates", _unit([0, 0, 1]), 2)]
    stories = _stories([("s-new", "c-new", 0), ("s-other", "c-other", 0)])
    topic = assign_topics(stories, {"s-new": _unit([1, 0.2, 0.05]), "s-other": _unit([0, 1, 0])}, TopicsConfig(),
                          known)
    assert topic["s-new"] == "t-ferries"
    assert topic["s-other"] not in {"t-ferries", "t-rates"} and topic["s-other"].startswith("t-")


def test_the_topic_registry_counts_new_stories_and_forgets_old_topics():
    night = date(2026, 3, 10)
    state = pl.DataFrame([
        {"topic_id": "t-a", "label": "Ferries", "centroid": [1.0, 0.0], "n_stories": 3, "first_seen": BASE,
         "last_seen": BASE, "last_night": date(2026, 3, 9)},
        {"topic_id": "t-old", "label": "Old", "centroid": [0.0, 1.0], "n_stories": 1, "first_seen": BASE,
         "last_seen": BASE, "last_night": date(2026, 1, 1)},
    ], schema=TOPIC_REGISTRY)
    tonight = pl.DataFrame([{"topic_id": "t-a", "label": "Ferry strike", "n_stories": 2, "n_articles": 9,
                             "first_seen": BASE + timedelta(days=8), "last_seen": BASE + timedelta(days=8)}],
                           schema_overrides={"first_seen": TIME, "last_seen": TIME, "n_stories": pl.Int32,
                                             "n_articles": pl.Int32})
    centroids = pl.DataFrame({"topic_id": ["t-a"], "vector": [[1.0, 0.0]], "new_stories": [1]},
                             schema={"topic_id": pl.String, "vector": pl.List(pl.Float32), "new_stories": pl.Int32})
    after = next_topics(state, night, 30, tonight, centroids)
    assert after["topic_id"].to_list() == ["t-a"]
    row = after.row(0, named=True)
    assert (row["label"], row["n_stories"], row["first_seen"], row["last_night"]) == ("Ferry strike", 4, BASE, night)


NIGHT_1 = [
    ("r1a", "Third round of Istanbul peace talks opens", "Russian and Ukrainian delegations met in Istanbul for the "
     "third round of direct peace talks, with a ceasefire and prisoner exchanges on the agenda."),
    ("r1b", "Istanbul talks: Russia and Ukraine agree prisoner swap", "Negotiators in Istanbul agreed to exchange "
     "more prisoners of war after the third round of peace talks between Russia and Ukraine."),
    ("v1", "Volcano erupts on remote Pacific island", "A volcano erupted on a remote island in the South Pacific, "
     "sending ash several kilometres into the sky and forcing flights to divert."),
]


def _night(tmp_path: Path, name: str, rows: list[tuple[str, str, str]], day: int) -> Path:
    path = tmp_path / f"{name}.jsonl"
    path.write_text("".join(json.dumps({"id": i, "title": t, "text": x, "source": f"Outlet {k}",
                                        "published_at": f"2026-03-{day:02d}T{8 + k:02d}:00:00Z"}) + "\n"
                            for k, (i, t, x) in enumerate(rows)))
    return path


def test_story_ids_and_labels_do_not_change_when_topics_are_switched_on(tmp_path, hashing_embedder):
    config = load_config(None, {"input.paths": [str(_night(tmp_path, "n1", NIGHT_1, 2))],
                                "output.dir": str(tmp_path / "out")})
    with_topics = run(config, embedder=hashing_embedder).tables["stories"]
    without = run(config, embedder=hashing_embedder,
                  stages=tuple(s for s in STORY_STAGES if s is not TopicsStage)).tables["stories"]
    assert "topic_id" not in without.columns
    assert with_topics.drop("topic_id").equals(without)
    assert with_topics["topic_id"].null_count() == 0


def test_show_topic_lists_its_stories(tmp_path, hashing_embedder):
    config = load_config(None, {"input.paths": [str(_night(tmp_path, "n1", NIGHT_1, 2))],
                                "output.dir": str(tmp_path / "out")})
    result = run(config, embedder=hashing_embedder)
    (tmp_path / "out").mkdir()
    write_run(result, tmp_path / "out")
    stories = result.tables["stories"]
    talks = stories.filter(pl.col("story_id") == result.tables["articles"].filter(
        pl.col("article_id") == "r1a")["story_id"][0]).row(0, named=True)
    topics = result.tables["topics"]
    assert topics.height == stories["topic_id"].n_unique() and topics["n_stories"].sum() == stories.height
    shown = CliRunner().invoke(main, ["show", "topic", talks["topic_id"], "--run", str(tmp_path / "out")])
    assert shown.exit_code == 0, shown.output
    lines = shown.output.splitlines()
    assert lines[0] == f"topic      {talks['topic_id']}"
    assert lines[2] == "size       1 story, 2 articles"
    assert any(talks["story_id"] in line and talks["label"] in line for line in lines[6:])
    unknown = CliRunner().invoke(main, ["show", "topic", "t-nope", "--run", str(tmp_path / "out")])
    assert unknown.exit_code != 0 and "no topic 't-nope'" in unknown.output


NIGHT_2 = [
    ("r2a", "Fourth round of Istanbul peace talks opens", "Russian and Ukrainian delegations returned to Istanbul for "
     "a fourth round of direct peace talks, with a ceasefire and prisoner exchanges again on the agenda."),
    ("r2b", "Istanbul talks: Russia and Ukraine discuss ceasefire", "Negotiators in Istanbul discussed a ceasefire "
     "and further exchanges of prisoners of war at the fourth round of peace talks between Russia and Ukraine."),
]


def test_topics_are_kept_across_nights_in_the_state(tmp_path, hashing_embedder):
    from cluster.state import PriorState

    first = load_config(None, {"input.paths": [str(_night(tmp_path, "n1", NIGHT_1, 2))],
                               "output.dir": str(tmp_path / "o1")})
    night_1 = run(first, embedder=hashing_embedder, run_date=date(2026, 3, 2), prior=PriorState.empty())
    assert night_1.next_state is not None and night_1.next_state.topics.height == night_1.tables["topics"].height
    topic_1 = night_1.tables["articles"].filter(pl.col("article_id") == "r1a")["topic_id"][0]
    second = load_config(None, {"input.paths": [str(_night(tmp_path, "n2", NIGHT_2, 23))],
                                "output.dir": str(tmp_path / "o2")})
    night_2 = run(second, embedder=hashing_embedder, run_date=date(2026, 3, 23), prior=night_1.next_state)
    articles = night_2.tables["articles"]
    assert articles.filter(pl.col("article_id") == "r2a")["topic_id"][0] == topic_1
    assert night_2.tables["stories"].filter(pl.col("topic_id") == topic_1)["status"].to_list() != []
    assert night_2.next_state is not None
    kept = night_2.next_state.topics.filter(pl.col("topic_id") == topic_1).row(0, named=True)
    assert kept["n_stories"] == 2 and kept["last_night"] == date(2026, 3, 23)

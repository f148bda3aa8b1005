"""End to end on the bundled sample with the real packaged model: the known groups, stories, chains and outputs."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from cluster.config import load_config
from cluster.evaluate import align, score
from cluster.pipeline import run_to_folder

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "data" / "sample" / "articles.jsonl"
DEFAULT_CONFIG = REPO / "configs" / "default.yaml"

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory, real_embedder):
    out = tmp_path_factory.mktemp("run") / "out"
    config = load_config(DEFAULT_CONFIG, {"input.paths": [str(SAMPLE)], "output.dir": str(out)})
    result = run_to_folder(config, out, embedder=real_embedder)
    gold = pl.read_ndjson(SAMPLE).rename({"id": "article_id"})
    return out, result, gold


def test_every_input_row_is_in_articles_exactly_once(sample_run):
    out, _, gold = sample_run
    articles = pl.read_parquet(out / "articles.parquet")
    assert sorted(articles["article_id"].to_list()) == sorted(gold["article_id"].to_list())
    assert pl.read_parquet(out / "rejects.parquet").height == 0


def test_all_outputs_written_in_both_formats_and_manifest_last(sample_run):
    out, _, _ = sample_run
    names = {p.name for p in out.iterdir()}
    for table in ("articles", "duplicates", "stories", "topics", "syndication", "rejects"):
        assert {f"{table}.csv", f"{table}.parquet"} <= names
    assert {"report.html", "run.json"} <= names
    manifest = json.loads((out / "run.json").read_text())
    assert manifest["counts"]["rows_in"] == 133
    assert [s["name"] for s in manifest["stages"]] == [
        "ingest", "clean", "dedup", "embed", "stories", "continuity", "label", "topics", "outputs"
    ]
    assert manifest["model"] == "all-MiniLM-L6-v2@128"
    assert "sentence-transformers" in manifest["versions"]


def test_duplicate_groups_match_gold_exactly(sample_run):
    out, _, gold = sample_run
    articles = pl.read_parquet(out / "articles.parquet")
    gold_labels, predicted = align(gold, articles, "gold_dup", "dup_group_id")
    assert score(gold_labels, predicted).pairwise_f1 == 1.0


def test_ferry_original_is_canonical_of_its_four_aggregator_copies(sample_run):
    out, _, gold = sample_run
    duplicates = pl.read_parquet(out / "duplicates.parquet")
    group = duplicates.filter(pl.col("canonical_id") == "a001")
    copies = gold.filter(pl.col("gold_dup") == "a001")["article_id"].to_list()
    assert sorted(group["article_id"].to_list()) == sorted(copies)
    assert len(copies) >= 5
    assert set(group.filter(~pl.col("is_canonical"))["rule"].to_list()) <= {"jaccard", "containment"}
    assert "containment" in group["rule"].to_list()  # the teaser


def test_same_event_by_two_outlets_is_one_story_but_not_duplicates(sample_run):
    out, _, _ = sample_run
    articles = pl.read_parquet(out / "articles.parquet").filter(pl.col("article_id").is_in(["b001", "b002"]))
    assert articles["dup_group_id"].n_unique() == 2
    assert articles["story_id"].n_unique() == 1


def test_story_scores_on_sample(sample_run):
    out, _, gold = sample_run
    articles = pl.read_parquet(out / "articles.parquet")
    scores = score(*align(gold, articles, "gold", "story_id"))
    assert scores.pairwise_precision >= 0.95
    assert scores.pairwise_f1 >= 0.9


def test_recurring_talks_are_two_rounds_of_one_chain(sample_run):
    out, _, gold = sample_run
    articles = pl.read_parquet(out / "articles.parquet").join(gold.select("article_id", "gold"), on="article_id")
    stories = pl.read_parquet(out / "stories.parquet")
    main_story = (
        articles.group_by("gold", "story_id").len().sort("len", "story_id", descending=[True, False])
        .group_by("gold", maintain_order=True).first().join(stories, on="story_id")
    )
    rounds = {g: (r, c) for g, r, c in main_story.select("gold", "round", "chain_id").iter_rows()}
    assert rounds["fisheries-talks-r1"][0] == 1 and rounds["fisheries-talks-r2"][0] == 2
    assert rounds["fisheries-talks-r1"][1] == rounds["fisheries-talks-r2"][1]
    first = articles.filter(pl.col("gold") == "fisheries-talks-r1")["story_id"].to_list()
    second = articles.filter(pl.col("gold") == "fisheries-talks-r2")["story_id"].to_list()
    assert not set(first) & set(second)
    others = stories.filter(~pl.col("story_id").is_in(first + second))
    assert (others["round"] == 1).all()


def test_copies_inherit_their_canonicals_story(sample_run):
    out, _, _ = sample_run
    articles = pl.read_parquet(out / "articles.parquet")
    canon_story = articles.filter(pl.col("is_canonical")).select(
        pl.col("article_id").alias("canonical_id"), pl.col("story_id").alias("canon_story")
    )
    joined = articles.join(canon_story, on="canonical_id")
    assert joined.height == articles.height
    assert (joined["story_id"] == joined["canon_story"]).all()


def test_labels_are_unique_and_name_the_event(sample_run):
    out, _, _ = sample_run
    stories = pl.read_parquet(out / "stories.parquet")
    labels = stories["label"].to_list()
    assert len(labels) == len(set(labels))
    assert any("Porthaven" in label and "strike" in label for label in labels)
    assert any("round 2" in label for label in labels)
    assert stories["n_articles"].sum() == 133


def test_rerun_is_byte_identical(sample_run, tmp_path, real_embedder):
    out, _, _ = sample_run
    again = tmp_path / "again"
    config = load_config(DEFAULT_CONFIG, {"input.paths": [str(SAMPLE)], "output.dir": str(again)})
    run_to_folder(config, again, embedder=real_embedder)
    for name in ("articles.csv", "duplicates.csv", "stories.csv", "syndication.csv"):
        assert (out / name).read_bytes() == (again / name).read_bytes(), name


def test_topics_on_the_sample_hold_the_talks_rounds_together_and_every_other_story_alone(sample_run):
    out, _, gold = sample_run
    articles = pl.read_parquet(out / "articles.parquet").join(gold.select("article_id", "gold"), on="article_id")
    topics = pl.read_parquet(out / "topics.parquet")
    by_gold = articles.group_by("gold").agg(pl.col("topic_id").unique())
    topic_of = {g: t[0] for g, t in by_gold.iter_rows() if len(t) == 1}
    assert len(topic_of) == 14  # every gold story within one topic
    assert topic_of["fisheries-talks-r1"] == topic_of["fisheries-talks-r2"]
    others = [t for g, t in topic_of.items() if not g.startswith("fisheries-talks")]
    assert len(set(others)) == len(others) == 12 and topic_of["fisheries-talks-r1"] not in others
    assert topics.height == 13 and topics["n_articles"].sum() == 133

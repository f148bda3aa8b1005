"""The output tables a user reads: ``articles`` (one row per accepted article, with its group, story and topic) and
``duplicates`` (members of groups of two or more), and the run's headline counts for ``run.json``.

In a nightly run, ``stories`` counts every story tonight's articles are in: those clustered from tonight's originals
(the stories stage's ``stories`` counter) and those reached only through copies of earlier nights' articles (a late
copy joins its original's story; the continuity stage's ``inherited`` counter). ``run.json`` names both parts
(``clustered_stories``, ``stories_only_from_copies``) in runs with a state, so the counts add up wherever they are
read.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl

LEAD_WORDS = 40  # words of the cleaned body shown in the articles table

_ARTICLE_COLUMNS = ["article_id", "source", "title", "url", "published_at", "date_missing",
                    "dup_group_id", "canonical_id", "is_canonical"]
_STORY_COLUMNS = ["story_id", "story_label", "topic_id", "centrality"]
_TRAILING_COLUMNS = ["lead", "chrome_lines", "file", "row"]


def articles_table(articles: pl.DataFrame, cleaned: pl.DataFrame, dup_groups: pl.DataFrame,
                   stories: tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame] | None) -> pl.DataFrame:
    """Every accepted article with its lead, group and (given ``(story_of, stories, members)``) its story."""
    lead = (  # the regex reads only the first words: normalising whole bodies first cost a second a 20k-article night
        pl.col("body").str.extract(rf"^\s*((?:\S+\s+){{0,{LEAD_WORDS - 1}}}\S*)", 1)
        .str.replace_all(r"\s+", " ").str.strip_chars_end(" ").fill_null("").alias("lead")
    )
    table = articles.join(cleaned.select("article_id", "chrome_lines", lead), on="article_id", maintain_order="left")
    table = table.join(dup_groups.select("article_id", "dup_group_id", "canonical_id", "is_canonical"),
                       on="article_id", maintain_order="left")
    columns = list(_ARTICLE_COLUMNS)
    if stories is not None:
        table = _with_stories(table, *stories)
        columns += _STORY_COLUMNS
    return table.select(columns + _TRAILING_COLUMNS).sort("published_at", "article_id")


def _with_stories(table: pl.DataFrame, story_of: pl.DataFrame, stories: pl.DataFrame,
                  members: pl.DataFrame) -> pl.DataFrame:
    assigned = dict(zip(story_of["article_id"], story_of["story_id"], strict=True))
    labels = dict(zip(stories["story_id"], stories["label"], strict=True))
    topics = dict(zip(stories["story_id"], stories["topic_id"], strict=True)) if "topic_id" in stories.columns else {}
    centrality = dict(zip(members["article_id"], members["centrality"], strict=True))
    return table.with_columns(
        pl.col("article_id").replace_strict(assigned, return_dtype=pl.String).alias("story_id"),
        pl.col("canonical_id").replace_strict(centrality, default=None, return_dtype=pl.Float64).alias("centrality"),
    ).with_columns(
        pl.col("story_id").replace_strict(labels, return_dtype=pl.String).alias("story_label"),
        pl.col("story_id").replace_strict(topics, default=None, return_dtype=pl.String).alias("topic_id"),
    )


def duplicates_table(dup_groups: pl.DataFrame) -> pl.DataFrame:
    """Members of groups of two or more, each group's canonical first."""
    return dup_groups.filter(pl.col("group_size") > 1).sort(
        ["dup_group_id", "is_canonical", "article_id"], descending=[False, True, False]
    )


def run_counts(tables: dict[str, pl.DataFrame], prior_night: date | None) -> dict[str, Any]:
    """The headline counts of a run (``run.json`` ``counts``) from its tables."""
    accepted, rejects, dup_groups = tables["ingested"], tables["rejects"], tables["dup_groups"]
    counts: dict[str, Any] = {
        "rows_in": accepted.height + rejects.height,  # every row read is accepted or rejected
        "accepted": accepted.height,
        "rejected": rejects.height,
        "duplicate_groups": int(dup_groups.filter(pl.col("group_size") > 1)["dup_group_id"].n_unique()),
        "copies": int((~dup_groups["is_canonical"]).sum()),
        "unique_articles": int(dup_groups["is_canonical"].sum()),
    }
    stories = tables.get("stories")
    if stories is not None:
        singletons = int((stories["n_unique"] == 1).sum())
        counts.update(
            stories=stories.height,
            singleton_stories=singletons,
            singleton_share=round(singletons / stories.height, 4) if stories.height else 0.0,
            chains_with_rounds=int(stories.filter(pl.col("round") > 1)["chain_id"].n_unique()),
        )
        if "topics" in tables:
            counts["topics"] = tables["topics"].height
        counts.update(continuity_counts(tables, prior_night))
    return counts


def stories_only_from_copies(stories: pl.DataFrame | None, articles: pl.DataFrame) -> int:
    """Stories with no original of their own in the run: in a nightly run, the stories that tonight's articles reach
    only as copies of earlier nights' articles (they were not clustered tonight)."""
    if stories is None or "story_id" not in articles.columns:
        return 0
    with_originals = articles.filter(pl.col("is_canonical"))["story_id"].unique().implode()
    return int((~stories["story_id"].is_in(with_originals)).sum())


def continuity_counts(tables: dict[str, pl.DataFrame], prior_night: date | None) -> dict[str, Any]:
    """New and continuing stories tonight, and how many of the previous night's stories went on; with a state (a
    nightly run), how many stories were clustered tonight, how many hold only copies of earlier nights' articles
    (a part of the continuing ones) and how many continuing stories were renamed (``relabel``)."""
    statuses = tables["continuations"]["status"].value_counts()
    status = dict(zip(statuses["status"], statuses["count"], strict=True))
    new, new_rounds = int(status.get("new", 0)), int(status.get("new_round", 0))
    stories, registry = tables["stories"], tables.get("state_registry")
    previous: set[str] = set()
    if registry is not None and prior_night is not None:
        previous = set(registry.filter(pl.col("last_night") == prior_night)["story_id"])
    counts = {
        "new_stories": new + new_rounds,
        "continuing_stories": int(stories.height - new - new_rounds),
        "new_rounds": new_rounds,
        "previous_night_stories": len(previous),
        "previous_night_stories_continued": len(previous & set(stories["story_id"])),
    }
    if "state_recent" in tables:
        from_copies = stories_only_from_copies(stories, tables["articles"])
        counts.update(clustered_stories=stories.height - from_copies, stories_only_from_copies=from_copies,
                      renamed_stories=int(stories["previous_label"].is_not_null().sum()))
    return counts

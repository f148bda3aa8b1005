"""Declared schemas of the tables passed between stages, checked at each stage boundary."""

from __future__ import annotations

import polars as pl

TIME = pl.Datetime("us", "UTC")

ARTICLES = pl.Schema(
    {
        "article_id": pl.String,
        "title": pl.String,
        "text": pl.String,
        "source": pl.String,
        "url": pl.String,
        "published_at": TIME,
        "date_missing": pl.Boolean,
        "file": pl.String,
        "row": pl.Int64,
    }
)
"""Accepted input rows after ingest (``published_at`` falls back to the run date where ``date_missing``)."""

REJECTS = pl.Schema({"file": pl.String, "row": pl.Int64, "reason": pl.String, "raw": pl.String})

CLEANED = pl.Schema({"article_id": pl.String, "body": pl.String, "chrome_lines": pl.Int32, "chrome_chars": pl.Int64})
"""Body text with learned and configured boilerplate lines removed."""

DUPLICATES = pl.Schema(
    {
        "article_id": pl.String,
        "dup_group_id": pl.String,
        "canonical_id": pl.String,
        "is_canonical": pl.Boolean,
        "group_size": pl.Int32,
        "jaccard": pl.Float64,
        "containment": pl.Float64,
        "rule": pl.String,
        "canonical_rule": pl.String,
        "attribution": pl.String,
        "attribution_rule": pl.String,
    }
)
"""One row per accepted article: its duplicate group (singletons are groups of one) and why; ``attribution`` is a
line of the article that names another member as its origin, ``attribution_rule`` how it did
(``rules.ATTRIBUTION_RULES``)."""

STORY_MEMBERS = pl.Schema({"article_id": pl.String, "story_id": pl.String, "centrality": pl.Float64})
"""Story of each canonical article; ``centrality`` is the cosine to the story centroid."""

STORIES = pl.Schema(
    {
        "story_id": pl.String,
        "label": pl.String,
        "chain_id": pl.String,
        "round": pl.Int32,
        "n_articles": pl.Int32,
        "n_unique": pl.Int32,
        "n_sources": pl.Int32,
        "first_seen": TIME,
        "last_seen": TIME,
        "headline": pl.String,
        "status": pl.String,
        "previous_label": pl.String,
        "topic_id": pl.String,
    }
)
"""One row per story; ``status`` is ``new``, ``continuing`` (seen on an earlier night) or ``new_round``;
``previous_label`` is the label a continuing story had until tonight's coverage renamed it (null otherwise:
``relabel``); ``topic_id`` is the subject it belongs to (``TOPICS``)."""

LABELLED_STORIES = pl.Schema({name: dtype for name, dtype in STORIES.items() if name != "topic_id"})
"""The stories table as the label stage writes it, before the topics stage names each story's topic."""

TOPICS = pl.Schema(
    {
        "topic_id": pl.String,
        "label": pl.String,
        "n_stories": pl.Int32,
        "n_articles": pl.Int32,
        "first_seen": TIME,
        "last_seen": TIME,
    }
)
"""One row per topic of the run's stories: the subject that ties stories together over weeks or years (a person,
an organisation, a league, an ongoing affair); a recurring chain's rounds share one; a topic may hold one story."""

STORY_OF = pl.Schema({"article_id": pl.String, "story_id": pl.String})
"""Final story of each of tonight's articles, copies included (a copy is in its canonical's story)."""

CONTINUATIONS = pl.Schema({"temp_id": pl.String, "story_id": pl.String, "chain_id": pl.String, "round": pl.Int32,
                           "status": pl.String, "label": pl.String})
"""What continuity decided for each story clustered tonight (``temp_id``): its final id, chain, round, status, and
the registry's or chain's label where one applies; rows in decision order (largest story first)."""

BASE_LABELS = pl.Schema({"story_id": pl.String, "base_label": pl.String})
"""Each story's label without its round suffix (what a later round of its chain is named from)."""

SYNDICATION = pl.Schema(
    {
        "origin_source": pl.String,
        "copier_source": pl.String,
        "copies": pl.Int32,
        "median_delay_hours": pl.Float64,
    }
)


class SchemaError(Exception):
    """A stage produced a table that does not match its declared schema (a bug, not bad input)."""


def conform(table: pl.DataFrame, schema: pl.Schema, stage: str) -> pl.DataFrame:
    """Return ``table`` with exactly the schema's columns in its order; fail if one is missing or mistyped."""
    missing = [name for name in schema if name not in table.columns]
    if missing:
        raise SchemaError(f"{stage}: missing column(s) {missing}")
    wrong = [f"{name}: {table.schema[name]} != {dtype}" for name, dtype in schema.items()
             if table.schema[name] != dtype]
    if wrong:
        raise SchemaError(f"{stage}: wrong type(s) {wrong}")
    return table.select(list(schema))


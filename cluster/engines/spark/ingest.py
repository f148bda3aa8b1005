"""Ingest over Spark, with the local engine's accepted rows, rejects, counts and warnings.

1. **Read**: Spark's ``binaryFile`` source gives each input file's bytes to a task (any filesystem Spark reads;
   Spark packs small files into partitions by size, so a night of many feeds spreads over the executors).
2. **Validate** (``mapInArrow``): each file is read and validated by the local engine's own readers and row checks
   (``ingest.ingest_file``): encodings, line endings, broken gzip streams, malformed rows, dates, the columns a file
   lacks, an id repeated inside the file. Spark's JSON and CSV readers are not used for this: they coerce types,
   replace undecodable bytes and drop or null what does not parse, which would lose the rejects' reasons.
3. **Across files**, the one rule that needs every file: the first occurrence of an id wins, in the order of the
   input files and then of rows; a window over the valid rows by id ranks them (inside a file too, so a repeat
   names the first occurrence of all, as the local engine's does), and every later one becomes a reject that names
   where the id was first seen. Files that Spark's file sources leave out (empty, or named ``_…`` or ``.…``) are
   read on the driver the same way.

A file Spark cannot give (gone, unreadable) fails the run as in the local engine; a file that is no valid gzip or
Parquet is the same ``InputError`` as there. A file's bytes are one value in Spark, so a file is at most 2 GiB
(Spark's ``binaryFile`` limit): split larger feeds.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa

from ...config import InputConfig
from ...ingest import IngestResult, duplicate_reason, ingest_file
from ...readers import InputError
from ...schema import ARTICLES, REJECTS
from .. import EngineError
from .arrow import in_utc
from .session import in_job_group

log = logging.getLogger("newsclust")
JOB_GROUP = "newsclust-ingest"
ROWS_SCHEMA = ("kind string, file_index int, file string, row long, article_id string, title string, text string, "
               "source string, url string, published_at timestamp, date_missing boolean, reason string, raw string, "
               "rows long, truncated long, warnings array<string>")
BATCH_ROWS = 2_000  # rows per Arrow batch a task hands back
_GLOB = re.compile(r"([\\\[\]{}*?])")  # what Hadoop reads as a glob in a path; a file's own name is no pattern


class SparkIngester:
    """``ingest`` as ``ingest.ingest``: the files read by Spark, each validated in a task."""

    def __init__(self, spark: Any, config: InputConfig) -> None:
        self.spark = spark
        self.config = config

    @in_job_group(JOB_GROUP, "newsclust ingest: read and validate the input files")
    def ingest(self, paths: list[Path], run_date: date) -> IngestResult:
        from pyspark.sql import Window
        from pyspark.sql import functions as F

        if not paths:
            return IngestResult(pl.DataFrame(schema=ARTICLES), pl.DataFrame(schema=REJECTS))
        files = self.spark.read.format("binaryFile").load([_escaped(path) for path in paths])
        index, on_driver = _file_index(paths, [row.path for row in files.select("path").collect()])
        names, cfg = [str(path) for path in paths], self.config

        def validate(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
            for batch in batches:
                for uri, content in zip(batch.column("path").to_pylist(), batch.column("content").to_pylist(),
                                        strict=True):
                    k = index[uri]
                    yield from _batches(_file_rows(k, Path(names[k]), content, cfg, run_date))

        rows = files.select("path", "content").mapInArrow(validate, ROWS_SCHEMA)
        if on_driver:
            rows = rows.unionByName(self.spark.createDataFrame(pa.Table.from_batches(list(_batches(
                row for k in on_driver for row in _file_rows(k, paths[k], paths[k].read_bytes(), cfg, run_date))),
                _arrow_schema())))
        # rows of one id together; every other row (rejects, file counts) alone, so they do not all meet in one task
        alone = F.monotonically_increasing_id().cast("string")
        first = Window.partitionBy(F.col("kind") == "article", F.coalesce("article_id", alone)).orderBy(
            "file_index", "row")
        ranked = rows.withColumn("rank", F.when(F.col("kind") == "article", F.row_number().over(first))).withColumn(
            "first_seen", F.when(F.col("rank") > 1, F.concat_ws(" row ", F.first("file").over(first),
                                                                 F.first("row").over(first).cast("string"))))
        # the raw text is kept only where a row becomes a reject: the accepted rows' texts travel once
        slim = ranked.withColumn("raw", F.when((F.col("kind") == "reject") | (F.col("rank") > 1), F.col("raw")))
        collected = in_utc(pl.from_arrow(slim.toArrow())).sort("file_index", "row", nulls_last=False)
        return _result(collected, paths)


def _escaped(path: Path) -> str:
    """The file as Spark's path: on the local filesystem (not the cluster's default one), glob characters escaped."""
    return "file:" + _GLOB.sub(r"\\\1", os.path.abspath(path))


def _local_path(uri: str) -> str:
    """Spark's name of a local file (``file:/a b/x#1.jsonl``, not percent-encoded) as a plain path."""
    path = uri.removeprefix("file:")
    return "/" + path.lstrip("/") if path.startswith("//") else path


def _file_index(paths: list[Path], uris: list[str]) -> tuple[dict[str, int], list[int]]:
    """Spark's name of each file → its position among ``paths``, and the positions of the files Spark's file sources
    leave out (empty files, names starting with ``_`` or ``.``), which the driver reads; a file that the driver
    cannot see either is an error."""
    position = {os.path.abspath(path): k for k, path in enumerate(paths)}
    index = {uri: position[_local_path(uri)] for uri in uris if _local_path(uri) in position}
    unlisted = sorted(set(range(len(paths))) - set(index.values()))
    on_driver = [k for k in unlisted if paths[k].is_file()]
    missing = [str(paths[k]) for k in unlisted if k not in on_driver]
    if missing:
        raise EngineError(f"engine spark: Spark's binaryFile source did not read {', '.join(missing[:5])}")
    if on_driver:
        log.info("engine spark: %d file(s) Spark's file source leaves out (empty, or named _… or .…) read on the "
                 "driver", len(on_driver))
    return index, on_driver


def _file_rows(k: int, path: Path, content: bytes, config: InputConfig, run_date: date) -> Iterator[dict]:
    try:
        part = ingest_file(path, config, run_date, content)
    except InputError as exc:
        yield {"kind": "error", "file_index": k, "reason": str(exc)}
        return
    yield {"kind": "file", "file_index": k, "rows": part.rows, "truncated": part.truncated,
           "warnings": part.warnings}
    yield from ({"kind": "article", "file_index": k, **row} for row in part.accepted)
    yield from ({"kind": "reject", "file_index": k, **row} for row in part.rejected)


def _batches(rows: Iterator[dict]) -> Iterator[pa.RecordBatch]:
    schema = _arrow_schema()
    chunk: list[dict] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == BATCH_ROWS:
            yield pa.RecordBatch.from_pylist(chunk, schema=schema)
            chunk = []
    if chunk:
        yield pa.RecordBatch.from_pylist(chunk, schema=schema)


def _arrow_schema() -> pa.Schema:
    text = pa.string()
    fields = [("kind", text), ("file_index", pa.int32()), ("file", text), ("row", pa.int64()),
              ("article_id", text), ("title", text), ("text", text), ("source", text), ("url", text),
              ("published_at", pa.timestamp("us", tz="UTC")), ("date_missing", pa.bool_()), ("reason", text),
              ("raw", text), ("rows", pa.int64()), ("truncated", pa.int64()), ("warnings", pa.list_(text))]
    return pa.schema(fields)


def _result(rows: pl.DataFrame, paths: list[Path]) -> IngestResult:
    kind = pl.col("kind")
    errors = rows.filter(kind == "error")
    if errors.height:
        raise InputError(errors["reason"][0])
    per_file = rows.filter(kind == "file")
    late = rows.filter(pl.col("rank") > 1)
    late = late.with_columns(reason=pl.Series([duplicate_reason(seen) for seen in late["first_seen"]], dtype=pl.String))
    rejects = pl.concat([rows.filter(kind == "reject"), late]).sort("file_index", "row").select(list(REJECTS))
    articles = rows.filter(pl.col("rank") == 1).select(list(ARTICLES)).cast(dict(ARTICLES))
    warnings = [warning for listed in per_file["warnings"].to_list() for warning in listed or []]
    for warning in warnings:
        log.warning("%s", warning)
    return IngestResult(articles, rejects.cast(dict(REJECTS)), [str(p) for p in paths],
                        int(per_file["rows"].sum() or 0), int(per_file["truncated"].sum() or 0), warnings)

"""Output tables and state snapshots written by Spark: each table a dataset folder (``NAME.parquet``, ``NAME.csv``)
of part files in row order, finished by Spark's ``_SUCCESS`` (see ``table_files``).

Spark writes into the run's staging folder, which the caller then puts in place whole (``atomic``), so a reader
sees the previous complete folder or the new one; a dataset folder without ``_SUCCESS`` is refused on reading. The
folder is a local path (``file:``, whatever the cluster's default filesystem): on a cluster it must be a mount every
executor shares, and a table whose parts the driver cannot see fails the run before the commit. Spark's CSV writer
may quote a cell that polars leaves bare (one starting with ``#``); the cells read back the same.
Parquet times are written as ``TIMESTAMP_MICROS`` adjusted to UTC (Spark's default INT96 is a legacy type that
other readers see without a time zone); CSV cells are ``table_files.csv_text``, written by Spark's CSV writer with
RFC 4180 quoting and spaces kept. A table is one part per ``PART_BYTES`` of its size in memory.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import polars as pl

from ...table_files import IncompleteTable, csv_text, parts, signed
from .session import in_job_group

JOB_GROUP = "newsclust-write"
PART_BYTES = 128 << 20
TIMESTAMP_TYPE = "spark.sql.parquet.outputTimestampType"
CSV_OPTIONS = {"header": "true", "quote": '"', "escape": '"', "ignoreLeadingWhiteSpace": "false",
               "ignoreTrailingWhiteSpace": "false", "lineSep": "\n", "encoding": "UTF-8"}


class SparkTableWriter:
    """A ``table_files.TableWriter`` whose files Spark writes."""

    def __init__(self, spark: Any) -> None:
        self.spark = spark

    @in_job_group(JOB_GROUP, "newsclust: write a table")
    def write_parquet(self, table: pl.DataFrame, path: Path) -> None:
        with self._timestamps_in_micros():
            self._frame(signed(table)).write.mode("errorifexists").parquet(_local_uri(path))
        _check_written(path)

    @in_job_group(JOB_GROUP, "newsclust: write a table")
    def write_csv(self, table: pl.DataFrame, path: Path) -> None:
        self._frame(csv_text(table)).write.mode("errorifexists").options(**CSV_OPTIONS).csv(_local_uri(path))
        _check_written(path)

    def _frame(self, table: pl.DataFrame) -> Any:
        parts = max(1, math.ceil(table.estimated_size() / PART_BYTES))
        return self.spark.createDataFrame(table.to_arrow()).coalesce(parts)  # coalesce keeps the rows' order

    @contextmanager
    def _timestamps_in_micros(self) -> Iterator[None]:
        """Spark's Parquet time type for the write, and the session's own back afterwards (a notebook's session
        keeps its settings)."""
        conf = self.spark.conf
        previous = conf.get(TIMESTAMP_TYPE, None)
        conf.set(TIMESTAMP_TYPE, "TIMESTAMP_MICROS")
        try:
            yield
        finally:
            if previous is None:
                conf.unset(TIMESTAMP_TYPE)
            else:
                conf.set(TIMESTAMP_TYPE, previous)


def _local_uri(path: Path) -> str:
    """The folder on the local filesystem (the staging folder the driver renames), not the cluster's default one."""
    return "file:" + os.path.abspath(path)


def _check_written(path: Path) -> None:
    """Refuse a dataset folder whose parts the driver cannot see (executors that wrote to their own disks), before
    the run folder is committed with a table that would only fail when read."""
    try:
        parts(path)
    except IncompleteTable as exc:
        raise OSError(f"{exc}; the output and state folders must be on a filesystem that every Spark executor "
                      "shares") from None

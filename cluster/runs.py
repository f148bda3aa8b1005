"""A finished run folder: the files a run writes and how to read them back.

A run writes each output table as ``NAME.parquet`` and/or ``NAME.csv`` (``output.formats``), ``report.html`` and last
``run.json``, the manifest: a folder without ``run.json`` is not finished. ``read_table`` is the one reader of an
output table: Parquet when present (it keeps the types), else CSV, whose columns are read as text, cast to the
declared types (CSV has none of its own; times are ``ISO_UTC``) and whose text cells lose the quote that
``csv_cells`` put before formula characters, so a CSV-only folder reads as exactly the tables that were written.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import polars as pl

from .csv_cells import restore
from .schema import DUPLICATES, REJECTS, STORIES, SYNDICATION, TIME, TOPICS
from .table_files import IncompleteTable, read_csv_cells, read_parquet, table_exists
from .timeutil import ISO_UTC

TABLES = ("articles", "duplicates", "stories", "topics", "syndication", "rejects")  # in the order a run writes them
MANIFEST = "run.json"
REPORT = "report.html"


def _typed_columns(schema: pl.Schema) -> dict[str, pl.DataType]:
    return {name: dtype for name, dtype in schema.items() if dtype != pl.String}


# The non-text columns of each table (``articles`` adds the pipeline's columns to the ingest schema).
_COLUMN_TYPES: dict[str, dict[str, pl.DataType]] = {
    "articles": {"published_at": TIME, "date_missing": pl.Boolean, "is_canonical": pl.Boolean,
                 "centrality": pl.Float64, "chrome_lines": pl.Int32, "row": pl.Int64},
    "duplicates": _typed_columns(DUPLICATES),
    "stories": _typed_columns(STORIES),
    "topics": _typed_columns(TOPICS),
    "syndication": _typed_columns(SYNDICATION),
    "rejects": _typed_columns(REJECTS),
}


class RunFolderError(Exception):
    """A folder that is not a finished run, or an id that is not in it (a usage error: nothing to show)."""


@dataclass
class Run:
    """The manifest and the main tables of one finished run folder (``stories`` is None for a dedup-only run)."""

    folder: Path
    manifest: dict[str, Any]
    articles: pl.DataFrame
    duplicates: pl.DataFrame
    stories: pl.DataFrame | None

    @property
    def has_stories(self) -> bool:
        return self.stories is not None and "story_id" in self.articles.columns

    @cached_property
    def _article_rows(self) -> dict[str, dict[str, Any]]:
        return {row["article_id"]: row for row in self.articles.iter_rows(named=True)}

    def article(self, article_id: str) -> dict[str, Any] | None:
        """One row of ``articles`` as a dict, or None when the id is not in this run."""
        return self._article_rows.get(article_id)

    def tables(self) -> dict[str, pl.DataFrame]:
        """Every output table the folder holds, by name (``syndication`` and ``rejects`` are read here)."""
        loaded = {"articles": self.articles, "duplicates": self.duplicates, "stories": self.stories}
        found = {name: loaded[name] if name in loaded else read_table(self.folder, name) for name in TABLES}
        return {name: table for name, table in found.items() if table is not None}


def read_table(folder: Path, name: str) -> pl.DataFrame | None:
    """The output table ``name`` of a run folder (Parquet if present, else CSV cast to its types), or None."""
    parquet, csv = folder / f"{name}.parquet", folder / f"{name}.csv"
    try:
        if table_exists(parquet):
            return read_parquet(parquet)
        return read_table_file(csv) if table_exists(csv) else None
    except IncompleteTable as exc:  # a dataset folder whose writer did not finish
        raise RunFolderError(str(exc)) from None


def read_table_file(path: Path) -> pl.DataFrame:
    """One output table file (``NAME.parquet`` or ``NAME.csv``, ``NAME`` one of ``TABLES``): Parquet as written; CSV
    cast to the table's types, its text cells restored (``csv_cells``). Either may be a dataset folder written by
    Spark (``table_files``)."""
    if path.suffix == ".parquet":
        return read_parquet(path)
    table = read_csv_cells(path)
    types = _COLUMN_TYPES.get(path.name.removesuffix(".csv"), {})
    table = restore(table, [column for column in table.columns if column not in types])
    casts = [_cast(column, dtype) for column, dtype in types.items() if column in table.columns]
    return table.with_columns(casts) if casts else table


def _cast(column: str, dtype: pl.DataType) -> pl.Expr:
    if dtype == TIME:
        return pl.col(column).str.to_datetime(ISO_UTC, time_unit="us", time_zone="UTC")
    if dtype == pl.Boolean:  # polars writes booleans as true/false
        return pl.col(column).str.to_lowercase().replace_strict({"true": True, "false": False}, default=None,
                                                                return_dtype=pl.Boolean)
    return pl.col(column).cast(dtype)


def load_run(folder: str | Path) -> Run:
    """Read a finished run folder (one with ``run.json``); raise ``RunFolderError`` for anything else."""
    path = Path(folder)
    if not path.is_dir():
        raise RunFolderError(f"run folder {folder} does not exist")
    manifest_path = path / MANIFEST
    if not manifest_path.is_file():
        raise RunFolderError(f"{folder} is not a finished run (no {MANIFEST})")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RunFolderError(f"{manifest_path}: cannot be read ({exc})") from exc
    articles, duplicates, stories = (read_table(path, name) for name in ("articles", "duplicates", "stories"))
    if articles is None or duplicates is None:
        raise RunFolderError(f"{folder} has no articles or duplicates table (.parquet or .csv)")
    return Run(path, manifest, articles, duplicates, stories)


def originals_and_copies(rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], dict[str, list[dict[str, Any]]]]:
    """A story's rows of ``articles`` split into its originals and, by canonical id, the copies of each, in the
    given order. A copy whose canonical is not among the originals (in a nightly run, tonight's copy of an earlier
    night's article) is listed under that canonical's id all the same."""
    originals = [row for row in rows if row["is_canonical"]]
    copies_of: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        if not row["is_canonical"]:
            copies_of.setdefault(row["canonical_id"], []).append(row)
    return originals, copies_of

"""Parquet: typed columns; ``row`` is the 1-based row index. A file that does not decode is an ``InputError``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import polars as pl

from .rows import RawRow

SUFFIXES = (".parquet",)


def read_rows(path: Path) -> Iterator[RawRow]:
    """Every row of ``path`` as a ``RawRow`` with its typed values."""
    table = pl.read_parquet(path)
    for number, record in enumerate(table.iter_rows(named=True), start=1):
        yield RawRow(str(path), number, record)


def read_table(path: Path) -> pl.DataFrame:
    """The whole file as a table."""
    return pl.read_parquet(path)

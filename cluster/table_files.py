"""Table files of run folders and state snapshots, as either engine writes them and every reader reads them.

A table ``NAME`` is ``NAME.parquet`` (and ``NAME.csv``): one file, written by polars in this process (the local
engine's ``LocalTableWriter``), or a dataset folder of that name, written by Spark (``engines.spark.tables``): part
files in row order and ``_SUCCESS``, the marker Spark's committer writes last. A dataset folder without it was not
finished, and reading it is an error, never a table with rows missing.

The CSV cells are the same text either way (``csv_text``): formula-like text neutralised (``csv_cells``), times as
``ISO_UTC``, numbers and booleans as polars writes them (Spark's writer may put quotes around a cell that polars
leaves bare, one starting with ``#``; read back, the cells are equal). Spark has no unsigned integers, so an
unsigned column (the chrome keys of the state) is written as the signed integer of the same 64 bits; ``with_schema``
turns it back.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import polars as pl

from .csv_cells import neutralise
from .timeutil import ISO_UTC

SUCCESS = "_SUCCESS"
_SIGNED = {pl.UInt8: pl.Int8, pl.UInt16: pl.Int16, pl.UInt32: pl.Int32, pl.UInt64: pl.Int64}


class IncompleteTable(ValueError):
    """A dataset folder without ``_SUCCESS``: its writer did not finish."""


class TableWriter(Protocol):
    def write_parquet(self, table: pl.DataFrame, path: Path) -> None:
        """``table`` as ``path`` (``NAME.parquet``), exact."""

    def write_csv(self, table: pl.DataFrame, path: Path) -> None:
        """``table`` as ``path`` (``NAME.csv``), its cells as ``csv_text`` gives them."""


class LocalTableWriter:
    """One file per table, by polars."""

    def write_parquet(self, table: pl.DataFrame, path: Path) -> None:
        table.write_parquet(path)

    def write_csv(self, table: pl.DataFrame, path: Path) -> None:
        csv_text(table).write_csv(path)


def csv_text(table: pl.DataFrame) -> pl.DataFrame:
    """Every column as the text its CSV cells hold: text neutralised, times as ``ISO_UTC``, the rest as polars
    writes them (``true``/``false``, ``1e-7``, ``NaN``); nulls stay null (an empty cell; an empty text is ``""``)."""
    texts = neutralise(table)
    return texts.with_columns(
        pl.col(name).dt.strftime(ISO_UTC) if isinstance(dtype, pl.Datetime) else pl.col(name).cast(pl.String)
        for name, dtype in texts.schema.items() if dtype != pl.String
    )


def signed(table: pl.DataFrame) -> pl.DataFrame:
    """Unsigned integer columns as the signed integers of the same bits (for a writer without unsigned types)."""
    return table.with_columns(pl.col(name).reinterpret(signed=True) for name, dtype in table.schema.items()
                              if dtype in _SIGNED)


def with_schema(table: pl.DataFrame, schema: pl.Schema) -> pl.DataFrame:
    """``table`` with the columns that ``signed`` turned signed back as the unsigned ``schema`` declares."""
    return table.with_columns(pl.col(name).reinterpret(signed=False) for name, dtype in schema.items()
                              if name in table.columns and dtype in _SIGNED and table.schema[name] == _SIGNED[dtype])


def table_exists(path: Path) -> bool:
    return path.is_file() or path.is_dir()


def read_parquet(path: Path) -> pl.DataFrame:
    """A Parquet table file or dataset folder."""
    return pl.read_parquet(path if path.is_file() else parts(path))


def read_csv_cells(path: Path) -> pl.DataFrame:
    """A CSV table file or dataset folder, every cell as its text."""
    if path.is_file():
        return pl.read_csv(path, infer_schema=False)
    return pl.concat([pl.read_csv(part, infer_schema=False) for part in parts(path)])


def parts(folder: Path) -> list[Path]:
    """The part files of a finished dataset folder in row order (Spark numbers them; hidden checksums skipped)."""
    if not (folder / SUCCESS).is_file():
        raise IncompleteTable(f"{folder} has no {SUCCESS}: its writer did not finish")
    found = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith(("_", ".")))
    if not found:
        raise IncompleteTable(f"{folder} holds no part files")
    return found

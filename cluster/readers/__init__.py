"""Input files: which files a list of paths, globs and folders names, and one reader per format behind them.

``read_rows(path)`` yields every physical row of an article file as a ``RawRow`` (for ingest to validate);
``read_table(path)`` reads a whole table file such as a gold-label file. Both pick the format module from the file
name's suffix (``jsonl``, ``csv``, ``parquet``); a file that cannot be read at all raises ``InputError`` naming it.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

import polars as pl

from . import csv, jsonl, parquet, paths
from .rows import RAW_CHARS, InputError, RawRow, dump_record

__all__ = [
    "RAW_CHARS", "SUFFIXES", "InputError", "RawRow", "dump_record", "expand_inputs", "is_supported", "read_rows",
    "read_table",
]

FORMATS: tuple[ModuleType, ...] = (jsonl, csv, parquet)
SUFFIXES: tuple[str, ...] = tuple(suffix for module in FORMATS for suffix in module.SUFFIXES)


def is_supported(path: Path) -> bool:
    """Whether the file name ends in one of ``SUFFIXES`` (case-insensitive)."""
    return path.name.lower().endswith(SUFFIXES)


def expand_inputs(patterns: list[str]) -> list[Path]:
    """Files named by paths, globs and folders (searched recursively), sorted, each real file once (see ``paths``).

    A folder or glob that names no supported file, and a path that does not exist, is an ``InputError``: a run over
    nothing is a mistake in the config or the command line, never an empty night.
    """
    return paths.expand_inputs(patterns, is_supported, SUFFIXES)


def read_rows(path: Path, data: bytes | None = None) -> Iterator[RawRow]:
    """Every physical row of one file, decoded where possible; a file that cannot be read raises InputError.

    ``data``: the file's bytes when they were read elsewhere (the Spark engine's tasks get them from Spark's
    ``binaryFile`` source); the rows are the same as when this process reads ``path`` itself."""
    with _readable(path):
        yield from _format(path).read_rows(path, data)


def read_table(path: Path) -> pl.DataFrame:
    """A whole table file (JSONL, CSV or Parquet, by suffix) as one frame; one that cannot be read raises InputError."""
    with _readable(path):
        return _format(path).read_table(path)


def _format(path: Path) -> ModuleType:
    name = path.name.lower()
    for module in FORMATS:
        if name.endswith(module.SUFFIXES):
            return module
    raise InputError(f"input file {path}: unsupported format (expected one of {', '.join(SUFFIXES)})")


@contextmanager
def _readable(path: Path) -> Iterator[None]:
    """Turn the ways a file fails to decode into an InputError that names it (BadGzipFile is an OSError)."""
    try:
        yield
    except (OSError, EOFError, zlib.error, pl.exceptions.PolarsError) as exc:
        raise InputError(f"input file {path}: cannot be read ({exc})") from None

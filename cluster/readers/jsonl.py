"""JSON Lines (also ``.ndjson`` and ``.json``, each optionally gzipped): one JSON object per line.

``row`` is the 1-based line number; blank lines are not rows. A line that is not UTF-8, not JSON or not an object
comes back as a broken ``RawRow`` with its reason.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import polars as pl

from .rows import RAW_CHARS, RawRow, open_bytes

SUFFIXES = (".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz", ".json", ".json.gz")


def read_rows(path: Path) -> Iterator[RawRow]:
    """Every non-blank line of ``path`` as a ``RawRow``."""
    with open_bytes(path) as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            yield parse_line(str(path), number, line)


def parse_line(file: str, number: int, line: bytes) -> RawRow:
    """One line decoded as a JSON object, or a broken row saying why it is not one."""
    try:
        decoded = line.decode("utf-8")
    except UnicodeDecodeError as exc:
        raw = line.decode("utf-8", errors="replace")[:RAW_CHARS]
        return RawRow(file, number, None, f"undecodable line: not UTF-8 ({exc.reason} at byte {exc.start})", raw)
    try:
        record = json.loads(decoded)
    except json.JSONDecodeError as exc:
        return RawRow(file, number, None, f"malformed JSON: {exc.msg} at column {exc.colno}", decoded[:RAW_CHARS])
    if not isinstance(record, dict):
        return RawRow(file, number, None, "not a JSON object", decoded[:RAW_CHARS])
    return RawRow(file, number, record)


def read_table(path: Path) -> pl.DataFrame:
    """The whole file as a table, types inferred from every row (a gold file, not articles to validate); polars
    decompresses ``.gz`` itself."""
    return pl.read_ndjson(path, infer_schema_length=None)

"""What every format reader yields, and the error for a file that cannot be read at all.

A reader never drops a row silently: each physical row comes back as one ``RawRow``, either with its decoded
``record`` or, when the row itself is broken (not UTF-8, malformed JSON or CSV), with ``error`` and the raw text, so
that ingest can reject it with its file and row number.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

RAW_CHARS = 2_000  # raw text kept with a reject: enough to recognise the row, bounded for a huge broken line


class InputError(Exception):
    """An input that cannot be read at all (missing, unreadable, not a supported format); names the file."""


@dataclass
class RawRow:
    """One physical row of an input file: ``record`` when it decoded, else ``error`` and the ``raw`` text."""

    file: str
    row: int
    record: dict[str, Any] | None
    error: str | None = None
    raw: str = ""


def dump_record(record: dict[str, Any]) -> str:
    """A record as the ``raw`` text of a reject: JSON, cut to ``RAW_CHARS``."""
    return json.dumps(record, ensure_ascii=False, default=str)[:RAW_CHARS]


def open_bytes(path: Path) -> IO[bytes]:
    """The file's bytes, gunzipped when its name ends in ``.gz``."""
    return gzip.open(path, "rb") if path.name.lower().endswith(".gz") else open(path, "rb")

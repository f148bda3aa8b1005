"""CSV with a header row (optionally gzipped, optionally with a UTF-8 byte-order mark).

``row`` is the 1-based record number after the header (a quoted field may span lines). A record that is not UTF-8,
or has more or fewer fields than the header, comes back as a broken ``RawRow`` with its reason.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import polars as pl

from .rows import RAW_CHARS, RawRow, dump_record, open_bytes

SUFFIXES = (".csv", ".csv.gz")
_MISSING_FIELD = "\x00missing"  # restval for absent fields: no real CSV value can hold a NUL


def read_rows(path: Path) -> Iterator[RawRow]:
    """Every record of ``path`` as a ``RawRow`` (all values strings)."""
    with open_bytes(path) as handle:
        data = handle.read()
    # surrogateescape keeps undecodable bytes so that only their own record is rejected, not the file
    text = data.decode("utf-8-sig", errors="surrogateescape")
    reader = csv.DictReader(io.StringIO(text, newline=""), restval=_MISSING_FIELD)
    if reader.fieldnames is None:
        return
    for number, record in enumerate(reader, start=1):
        yield _checked(str(path), number, record)


def _checked(file: str, number: int, record: dict) -> RawRow:
    values = [v for v in record.values() if isinstance(v, str)]
    if any(_has_surrogates(v) for v in values):
        raw = json.dumps(record, ensure_ascii=False, default=str).encode("utf-8", "replace").decode()
        return RawRow(file, number, None, "undecodable row: not UTF-8", raw[:RAW_CHARS])
    if None in record:  # DictReader puts surplus fields under the key None
        return RawRow(file, number, None, "malformed CSV: more fields than the header", dump_record(record))
    if _MISSING_FIELD in values:
        present = {k: v for k, v in record.items() if v is not _MISSING_FIELD}
        return RawRow(file, number, None, "malformed CSV: fewer fields than the header", dump_record(present))
    return RawRow(file, number, dict(record))


def _has_surrogates(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def read_table(path: Path) -> pl.DataFrame:
    """The whole file as a table of strings (a gold file, not articles to validate)."""
    return pl.read_csv(path, infer_schema=False)

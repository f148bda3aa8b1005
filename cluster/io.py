"""Reading inputs (files, globs, folders of JSONL, JSONL.gz, CSV, Parquet) and writing outputs atomically.

Reading never drops a row silently: every physical row comes back either as an accepted article (``schema.ARTICLES``)
or as a reject (``schema.REJECTS``) with its file, row number and reason. ``row`` is the 1-based line number for
JSONL, the 1-based record number after the header for CSV, and the 1-based row index for Parquet.
"""

from __future__ import annotations

import csv
import glob
import gzip
import io
import json
import os
import shutil
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any

import polars as pl

from .config import ColumnMap
from .schema import ARTICLES, REJECTS

SUFFIXES = (".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz", ".json", ".json.gz", ".csv", ".csv.gz", ".parquet")
RAW_CHARS = 2_000
_MISSING_FIELD = "\x00missing"


class InputError(Exception):
    """An input that cannot be read at all (missing, unreadable, not a supported format); names the file."""


@dataclass
class RawRow:
    file: str
    row: int
    record: dict[str, Any] | None
    error: str | None = None
    raw: str = ""


@dataclass
class IngestResult:
    articles: pl.DataFrame
    rejects: pl.DataFrame
    files: list[str] = field(default_factory=list)
    rows_read: int = 0
    truncated: int = 0


def expand_inputs(patterns: list[str]) -> list[Path]:
    """Files named by paths, globs and folders (searched recursively), sorted, each once."""
    if not patterns:
        raise InputError("no input given: set input.paths in the config or pass --input")
    found: list[Path] = []
    for pattern in patterns:
        path = Path(pattern)
        if path.is_dir():
            matches = sorted(p for p in path.rglob("*") if p.is_file() and _supported(p))
            if not matches:
                raise InputError(f"input folder {pattern} holds no {', '.join(SUFFIXES)} files")
        elif any(char in pattern for char in "*?["):
            matches = sorted(Path(p) for p in glob.glob(pattern, recursive=True) if Path(p).is_file() and _supported(Path(p)))
            if not matches:
                raise InputError(f"input pattern {pattern} matches no {', '.join(SUFFIXES)} file")
        elif path.is_file():
            matches = [path]
        else:
            raise InputError(f"input file {pattern} does not exist")
        found.extend(p for p in matches if p not in found)
    return found


def _supported(path: Path) -> bool:
    return path.name.lower().endswith(SUFFIXES)


def read_rows(path: Path) -> Iterator[RawRow]:
    """Every physical row of one file, decoded where possible; a file that cannot be read raises InputError."""
    name = path.name.lower()
    try:
        if name.endswith((".parquet",)):
            yield from _parquet_rows(path)
        elif name.endswith((".csv", ".csv.gz")):
            yield from _csv_rows(path)
        elif name.endswith(SUFFIXES):
            yield from _jsonl_rows(path)
        else:
            raise InputError(f"input file {path}: unsupported format (expected one of {', '.join(SUFFIXES)})")
    except InputError:
        raise
    except (OSError, EOFError, zlib.error, pl.exceptions.PolarsError) as exc:  # BadGzipFile is an OSError
        raise InputError(f"input file {path}: cannot be read ({exc})") from None


def _open_bytes(path: Path) -> io.BufferedIOBase:
    return gzip.open(path, "rb") if path.name.lower().endswith(".gz") else open(path, "rb")  # noqa: SIM115


def _jsonl_rows(path: Path) -> Iterator[RawRow]:
    with _open_bytes(path) as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            yield _parse_json_line(str(path), number, line)


def _parse_json_line(file: str, number: int, line: bytes) -> RawRow:
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


def _csv_rows(path: Path) -> Iterator[RawRow]:
    with _open_bytes(path) as handle:
        data = handle.read()
    text = data.decode("utf-8-sig", errors="surrogateescape")
    reader = csv.DictReader(io.StringIO(text, newline=""), restval=_MISSING_FIELD)
    if reader.fieldnames is None:
        return
    for number, record in enumerate(reader, start=1):
        values = [v for v in record.values() if isinstance(v, str)]
        if any(_has_surrogates(v) for v in values):
            raw = json.dumps(record, ensure_ascii=False, default=str).encode("utf-8", "replace").decode()
            yield RawRow(str(path), number, None, "undecodable row: not UTF-8", raw[:RAW_CHARS])
        elif None in record:
            yield RawRow(str(path), number, None, "malformed CSV: more fields than the header", _dump(record))
        elif _MISSING_FIELD in values:
            present = {k: v for k, v in record.items() if v is not _MISSING_FIELD}
            yield RawRow(str(path), number, None, "malformed CSV: fewer fields than the header", _dump(present))
        else:
            yield RawRow(str(path), number, dict(record))


def _has_surrogates(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _parquet_rows(path: Path) -> Iterator[RawRow]:
    table = pl.read_parquet(path)
    for number, record in enumerate(table.iter_rows(named=True), start=1):
        yield RawRow(str(path), number, record)


def _dump(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, default=str)[:RAW_CHARS]


def parse_timestamp(value: Any) -> datetime | None:
    """An ISO-8601 date or datetime (or a datetime object) as an aware UTC datetime; naive means UTC.

    Returns None for a missing value and raises ValueError for one that cannot be parsed.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime.combine(value, time())
    elif isinstance(value, str):
        text = value.strip()
        parsed = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text)
    else:
        raise ValueError(f"not a date: {value!r}")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def ingest(
    paths: list[Path], columns: ColumnMap, run_date: date, max_text_chars: int, future_tolerance_hours: float = 48.0
) -> IngestResult:
    """Read every file and split its rows into accepted articles and rejects (first occurrence of an id wins).

    Articles dated after the end of ``run_date`` plus ``future_tolerance_hours`` are rejected as from the future.
    """
    validator = _RowValidator(columns, run_date, max_text_chars, future_tolerance_hours)
    rows_read = 0
    for path in paths:
        for raw_row in read_rows(path):
            rows_read += 1
            validator.add(raw_row)
    return IngestResult(
        validator.articles(), validator.rejects(), [str(p) for p in paths], rows_read, validator.truncated
    )


class _RowValidator:
    def __init__(self, columns: ColumnMap, run_date: date, max_text_chars: int, future_tolerance_hours: float) -> None:
        self.columns = columns
        self.fallback_time = datetime.combine(run_date, time(), tzinfo=timezone.utc)
        self.latest_time = self.fallback_time + timedelta(days=1, hours=future_tolerance_hours)
        self.max_text_chars = max_text_chars
        self.truncated = 0
        self.accepted: list[dict[str, Any]] = []
        self.rejected: list[dict[str, Any]] = []
        self.first_seen: dict[str, str] = {}

    def add(self, raw_row: RawRow) -> None:
        if raw_row.record is None:
            self._reject(raw_row, raw_row.error or "unreadable row", raw_row.raw)
            return
        reason, article = self._validate(raw_row.record)
        if reason is not None:
            self._reject(raw_row, reason, _dump(raw_row.record))
            return
        assert article is not None
        where = f"{raw_row.file} row {raw_row.row}"
        if article["article_id"] in self.first_seen:
            self._reject(raw_row, f"duplicate id (first seen in {self.first_seen[article['article_id']]})", _dump(raw_row.record))
            return
        self.first_seen[article["article_id"]] = where
        self.accepted.append({**article, "file": raw_row.file, "row": raw_row.row})

    def _validate(self, record: dict[str, Any]) -> tuple[str | None, dict[str, Any] | None]:
        cols = self.columns
        article_id = _as_text(record.get(cols.id))
        if not article_id:
            return f"missing id (column {cols.id!r})", None
        title = _as_text(record.get(cols.title))[: self.max_text_chars]
        text = _as_text(record.get(cols.text))
        if len(text) > self.max_text_chars:
            text = text[: self.max_text_chars]
            self.truncated += 1
        if not title and not text:
            return "empty title and text", None
        raw_time = record.get(cols.published_at)
        try:
            published_at = parse_timestamp(raw_time)
        except (ValueError, TypeError, OverflowError):
            return f"unparseable published_at: {str(raw_time)[:80]!r}", None
        if published_at is not None and published_at > self.latest_time:
            return f"published_at in the future: {published_at:%Y-%m-%dT%H:%M}Z is after {self.latest_time:%Y-%m-%dT%H:%M}Z", None
        return None, {
            "article_id": article_id,
            "title": title,
            "text": text,
            "source": _as_text(record.get(cols.source)) or None,
            "url": _as_text(record.get(cols.url)) or None,
            "published_at": published_at or self.fallback_time,
            "date_missing": published_at is None,
        }

    def _reject(self, raw_row: RawRow, reason: str, raw: str) -> None:
        self.rejected.append({"file": raw_row.file, "row": raw_row.row, "reason": reason, "raw": raw})

    def articles(self) -> pl.DataFrame:
        return pl.DataFrame(self.accepted, schema=ARTICLES, orient="row") if self.accepted else pl.DataFrame(schema=ARTICLES)

    def rejects(self) -> pl.DataFrame:
        return pl.DataFrame(self.rejected, schema=REJECTS, orient="row") if self.rejected else pl.DataFrame(schema=REJECTS)


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


# ---------------------------------------------------------------- output


@contextmanager
def atomic_folder(target: str | Path) -> Iterator[Path]:
    """Yield a temporary sibling folder; on success it replaces ``target`` whole, on failure it is removed.

    Readers therefore see either the previous complete output or the new complete one, never a mix.
    """
    staging = stage_folder(target)
    try:
        yield staging
        fsync_tree(staging)
        commit_folder(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def stage_folder(target: str | Path) -> Path:
    """An empty hidden sibling of ``target`` to write into (``.NAME.tmp-PID``)."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir()
    return staging


def commit_folder(staging: Path, target: str | Path) -> None:
    """Put a complete staged folder in place of ``target``: two renames, then the old folder is deleted.

    A crash between the renames leaves ``.NAME.old-PID`` and no ``NAME``; ``state.recover_folders`` puts it back.
    """
    target = Path(target)
    retired = target.with_name(f".{target.name}.old-{os.getpid()}")
    if target.exists():
        target.rename(retired)
    staging.rename(target)
    _fsync_dir(target.parent)
    if retired.exists():
        shutil.rmtree(retired)


def fsync_tree(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())
    _fsync_dir(folder)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

"""Ingest: every row of the input files into accepted articles (``schema.ARTICLES``) or rejects (``schema.REJECTS``).

Nothing is dropped silently: every physical row (see ``readers``) ends in exactly one of the two tables, a reject
with its file, row number, reason and raw text. A row is rejected when it has no id, an id seen earlier in the run
(the first occurrence wins), neither title nor text, or a ``published_at`` that does not parse or lies after the end
of the run date plus ``input.future_tolerance_hours`` (a feed's clock error, not news). Texts longer than
``input.max_text_chars`` are cut and counted. An article without a date gets the start of the run date and
``date_missing``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any

import polars as pl

from .config import InputConfig
from .readers import RawRow, dump_record, read_rows
from .schema import ARTICLES, REJECTS


@dataclass
class IngestResult:
    articles: pl.DataFrame
    rejects: pl.DataFrame
    files: list[str] = field(default_factory=list)
    rows_read: int = 0
    truncated: int = 0


def ingest(paths: list[Path], config: InputConfig, run_date: date) -> IngestResult:
    """Read every file and split its rows into accepted articles and rejects (first occurrence of an id wins).

    ``run_date`` is the night's date (or ``input.run_date``, or today), resolved by the caller: it dates undated
    articles and bounds the future-date check.
    """
    validator = _RowValidator(config, run_date)
    rows_read = 0
    for path in paths:
        for raw_row in read_rows(path):
            rows_read += 1
            validator.add(raw_row)
    return IngestResult(
        validator.articles(), validator.rejects(), [str(p) for p in paths], rows_read, validator.truncated
    )


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


class _RowValidator:
    """Accumulates accepted and rejected rows in input order; ``first_seen`` remembers where each id was accepted."""

    def __init__(self, config: InputConfig, run_date: date) -> None:
        self.columns = config.columns
        self.max_text_chars = config.max_text_chars
        self.fallback_time = datetime.combine(run_date, time(), tzinfo=timezone.utc)
        self.latest_time = self.fallback_time + timedelta(days=1, hours=config.future_tolerance_hours)
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
            self._reject(raw_row, reason, dump_record(raw_row.record))
            return
        assert article is not None
        where = f"{raw_row.file} row {raw_row.row}"
        if article["article_id"] in self.first_seen:
            first = self.first_seen[article["article_id"]]
            self._reject(raw_row, f"duplicate id (first seen in {first})", dump_record(raw_row.record))
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
            return (f"published_at in the future: {published_at:%Y-%m-%dT%H:%M}Z is after "
                    f"{self.latest_time:%Y-%m-%dT%H:%M}Z"), None
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
        if not self.accepted:
            return pl.DataFrame(schema=ARTICLES)
        return pl.DataFrame(self.accepted, schema=ARTICLES, orient="row")

    def rejects(self) -> pl.DataFrame:
        if not self.rejected:
            return pl.DataFrame(schema=REJECTS)
        return pl.DataFrame(self.rejected, schema=REJECTS, orient="row")


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # an id in a float column (Parquet, or JSON 101.0) is "101", not "101.0"
    return str(value).strip()

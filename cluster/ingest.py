"""Ingest: every row of the input files into accepted articles (``schema.ARTICLES``) or rejects (``schema.REJECTS``).

Nothing is dropped silently: every physical row (see ``readers``) ends in exactly one of the two tables, a reject
with its file, row number, reason and raw text. A row is rejected when it has no id, an id seen earlier in the run
(the first occurrence wins), neither title nor text, or a ``published_at`` that does not parse, lies before
``input.earliest_published_at`` (a placeholder such as year 1, or a backdated copy that would win "earliest") or
after the end of the run date plus ``input.future_tolerance_hours`` (a feed's clock error, not news). Texts longer
than ``input.max_text_chars`` are cut and counted. An article without a date gets the start of the run date and
``date_missing``.

Per file, ingest warns (log lines, and ``IngestResult.warnings``) about a file without rows, a file whose rest
cannot be read (a truncated ``.gz``: its rows before the break are kept, the break is one reject), and configured
columns that no row of the file has: the id column, both title and text columns, or a column mapped to a
non-default name. Rows rejected because of such a column say so in their reason. ``reject_share_problem`` words
the run-level check the command line turns into exit code 6.
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, Protocol

import polars as pl

from .config import ColumnMap, InputConfig
from .readers import RawRow, dump_record, read_rows
from .schema import ARTICLES, REJECTS

log = logging.getLogger("newsclust")

SHOWN_COLUMNS = 30  # columns a warning lists before "…"
_EPOCH_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")
_ISO_YEAR = re.compile(r"([+-]?\d{4,})-\d\d")  # an ISO date's year, also one Python's datetime cannot hold


class DateOutOfRange(ValueError):
    """A date outside what Python's ``datetime`` holds (years 1 to 9999); ``late`` says which end."""

    def __init__(self, value: Any, late: bool) -> None:
        super().__init__(f"date out of range: {value!r}")
        self.late = late


@dataclass
class IngestResult:
    articles: pl.DataFrame
    rejects: pl.DataFrame
    files: list[str] = field(default_factory=list)
    rows_read: int = 0
    truncated: int = 0
    warnings: list[str] = field(default_factory=list)


class Ingester(Protocol):
    """Reads and validates the input files elsewhere (an engine's), with ``ingest``'s answer."""

    def ingest(self, paths: list[Path], run_date: date) -> IngestResult: ...


def ingest(paths: list[Path], config: InputConfig, run_date: date) -> IngestResult:
    """Read every file and split its rows into accepted articles and rejects (first occurrence of an id wins).

    ``run_date`` is the night's date (or ``input.run_date``, or today), resolved by the caller: it dates undated
    articles and bounds the future-date check. Each warning is also logged.
    """
    validator = _RowValidator(config, run_date)
    rows_read = 0
    warnings: list[str] = []
    for path in paths:
        rows, file_warnings = _read_file(path, validator)
        rows_read += rows
        warnings.extend(file_warnings)
    for warning in warnings:
        log.warning("%s", warning)
    return IngestResult(validator.articles(), validator.rejects(), [str(p) for p in paths], rows_read,
                        validator.truncated, warnings)


@dataclass
class FileRows:
    """One file validated on its own (the Spark engine's unit of work): its valid rows (``ARTICLES`` fields and
    ``raw``, the reject text should the row's id turn out to be taken), its rejects (``REJECTS`` fields), and its
    counts and warnings. Repeated ids are left to whoever merges the files, in file and row order, because the first
    occurrence may sit in an earlier file (``duplicate_reason`` words the reject)."""

    accepted: list[dict[str, Any]]
    rejected: list[dict[str, Any]]
    rows: int
    truncated: int
    warnings: list[str]


def ingest_file(path: Path, config: InputConfig, run_date: date, data: bytes | None = None) -> FileRows:
    """The rows of one file (``data``: its bytes, when read elsewhere) as ``ingest`` validates them, alone."""
    validator = _RowValidator(config, run_date, ids_elsewhere=True)
    rows, warnings = _read_file(path, validator, data)
    return FileRows(validator.accepted, validator.rejected, rows, validator.truncated, warnings)


def duplicate_reason(first_seen: str) -> str:
    """The reject reason of a row whose id was accepted earlier, at ``first_seen`` ("FILE row N")."""
    return f"duplicate id (first seen in {first_seen})"


def _read_file(path: Path, validator: _RowValidator, data: bytes | None = None) -> tuple[int, list[str]]:
    """Every row of ``path`` into ``validator``; its number of rows and its warnings."""
    first_reject, columns, rows = len(validator.rejected), dict[str, None](), 0
    warnings: list[str] = []
    for raw_row in read_rows(path, data):
        rows += 1
        if raw_row.record is not None:
            columns.update(dict.fromkeys(raw_row.record))
        elif raw_row.ends_file:
            warnings.append(f"input file {path} row {raw_row.row}: {raw_row.error}")
        validator.add(raw_row)
    if rows == 0:
        warnings.append(f"input file {path} holds no rows")
    elif columns:
        warnings.extend(_check_columns(str(path), validator.columns, list(columns), validator, first_reject))
    return rows, warnings


def _check_columns(file: str, mapping: ColumnMap, present: list[str], validator: _RowValidator,
                   first_reject: int) -> list[str]:
    """A warning when configured columns are absent from every row of a file; the reasons of the rows rejected for
    it (from ``first_reject`` on) then name the columns the file has."""
    absent = {name: column for name, column in mapping.model_dump().items() if column not in present}
    no_id, no_text = "id" in absent, "title" in absent and "text" in absent
    noted = {name: column for name, column in absent.items()
             if (name == "id" and no_id) or (name in ("title", "text") and no_text)
             or column != ColumnMap.model_fields[name].default}
    if not noted:
        return []
    shown = ", ".join(present[:SHOWN_COLUMNS]) + (", …" if len(present) > SHOWN_COLUMNS else "")
    names = " or ".join(f"{column!r} (input.columns.{name})" for name, column in noted.items())
    outcome = "every row is rejected" if no_id or no_text else "those fields stay empty"
    hint = f"its columns: {shown}; map them with input.columns"
    if no_id:
        validator.explain(first_reject, f"missing id (column {mapping.id!r})",
                          f"missing id: {file} has no column {mapping.id!r} ({hint})")
    if no_text:
        validator.explain(first_reject, "empty title and text",
                          f"empty title and text: {file} has no column {mapping.title!r} or {mapping.text!r} ({hint})")
    return [f"input file {file} has no column {names}, so {outcome}; {hint}"]


def reject_share_problem(accepted: int, rejected: int, max_share: float) -> str | None:
    """Why a run's rejects need a person (no article accepted, or more than ``max_share`` of the rows rejected), or
    None; ``max_share`` 1.0 switches the check off. The command line ends such a run with exit code 6, after writing
    its outputs, because cron mails only on failure."""
    rows = accepted + rejected
    if max_share >= 1.0:
        return None
    if accepted == 0:
        return f"no article accepted: all {rows} rows rejected" if rows else "no article accepted: no input rows"
    if rejected / rows > max_share:
        return (f"{rejected} of {rows} rows rejected ({rejected / rows:.0%}), more than input.max_reject_share "
                f"({max_share:g})")
    return None


def parse_timestamp(value: Any) -> datetime | None:
    """A date or datetime as an aware UTC datetime; naive means UTC. Accepted: ISO 8601 (``2024-05-01``,
    ``2024-05-01T10:00:00+02:00``, a ``Z`` suffix), RFC 2822 as RSS feeds write it (``Tue, 01 Dec 2026 10:00:00
    GMT``), a date or datetime object, and a Unix epoch number (or a text of one): seconds when below 10^11 (year
    5138), else milliseconds, up to 10^14.

    Returns None for a missing value; raises ``DateOutOfRange`` for a date beyond years 1 to 9999 and ValueError for
    one that cannot be parsed.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime.combine(value, time())
    elif isinstance(value, int | float) and not isinstance(value, bool):
        parsed = _from_epoch(value)
    elif isinstance(value, str):
        parsed = _from_text(value.strip())
    else:
        raise ValueError(f"not a date: {value!r}")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    try:
        return parsed.astimezone(timezone.utc)
    except OverflowError:  # year 1 east of UTC, or 9999 west of it
        raise DateOutOfRange(value, late=parsed.year > 1) from None


def _from_text(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text)
    except ValueError:
        pass
    iso_year = _ISO_YEAR.match(text)
    if iso_year and not 1 <= int(iso_year.group(1)) <= 9999:
        raise DateOutOfRange(text, late=int(iso_year.group(1)) > 9999)
    if _EPOCH_NUMBER.fullmatch(text):
        return _from_epoch(float(text))
    try:
        return parsedate_to_datetime(text)  # RFC 2822; "-0000" (no zone) gives a naive datetime, read as UTC
    except (ValueError, TypeError, IndexError):
        raise ValueError(f"not a date: {text!r}") from None


def _from_epoch(number: float) -> datetime:
    """Seconds or milliseconds since 1970 by magnitude (10^11 s is year 5138; 10^11 ms is 1973)."""
    if not math.isfinite(number) or abs(number) >= 1e14:
        raise ValueError(f"not an epoch number in seconds or milliseconds: {number!r}")
    seconds = number if abs(number) < 1e11 else number / 1000
    try:
        return datetime.fromtimestamp(seconds, tz=timezone.utc)
    except (OverflowError, OSError, ValueError):
        raise DateOutOfRange(number, late=number > 0) from None


def _minute(moment: datetime) -> str:
    return moment.isoformat(timespec="minutes")[:16] + "Z"  # zero-padded years, unlike strftime's %Y


class _RowValidator:
    """Accumulates accepted and rejected rows in input order; ``first_seen`` remembers where each id was accepted."""

    def __init__(self, config: InputConfig, run_date: date, ids_elsewhere: bool = False) -> None:
        self.ids_elsewhere = ids_elsewhere  # repeated ids are decided by the caller: keep every valid row, with raw
        self.columns = config.columns
        self.max_text_chars = config.max_text_chars
        self.fallback_time = datetime.combine(run_date, time(), tzinfo=timezone.utc)
        self.latest_time = self.fallback_time + timedelta(days=1, hours=config.future_tolerance_hours)
        self.earliest = date.fromisoformat(config.earliest_published_at)
        self.earliest_time = datetime.combine(self.earliest, time(), tzinfo=timezone.utc)
        self.truncated = 0
        self.accepted: list[dict[str, Any]] = []
        self.rejected: list[dict[str, Any]] = []
        self.first_seen: dict[str, str] = {}

    def add(self, raw_row: RawRow) -> None:
        if raw_row.record is None:
            self._reject(raw_row, raw_row.error or "unreadable row", raw_row.raw)
            return
        try:
            reason, article = self._validate(raw_row.record)
        except RecursionError:  # a value nested too deeply to turn into text
            reason, article = "a value nested too deeply to read", None
        if reason is not None:
            self._reject(raw_row, reason, dump_record(raw_row.record))
            return
        assert article is not None
        if self.ids_elsewhere:
            self.accepted.append({**article, "file": raw_row.file, "row": raw_row.row,
                                  "raw": dump_record(raw_row.record)})
            return
        if article["article_id"] in self.first_seen:
            first = self.first_seen[article["article_id"]]
            self._reject(raw_row, duplicate_reason(first), dump_record(raw_row.record))
            return
        self.first_seen[article["article_id"]] = f"{raw_row.file} row {raw_row.row}"
        self.accepted.append({**article, "file": raw_row.file, "row": raw_row.row})

    def explain(self, start: int, reason: str, explained: str) -> None:
        """Replace ``reason`` by ``explained`` in the rejects from index ``start`` on (one file's rejects)."""
        for reject in self.rejected[start:]:
            if reject["reason"] == reason:
                reject["reason"] = explained

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
        reason, published_at = self._published_at(record.get(cols.published_at))
        if reason is not None:
            return reason, None
        return None, {
            "article_id": article_id,
            "title": title,
            "text": text,
            "source": _as_text(record.get(cols.source)) or None,
            "url": _as_text(record.get(cols.url)) or None,
            "published_at": published_at or self.fallback_time,
            "date_missing": published_at is None,
        }

    def _published_at(self, raw_time: Any) -> tuple[str | None, datetime | None]:
        """The row's date, or why it is rejected: unparseable, before the earliest date, or in the future."""
        shown = f"{str(raw_time)[:80]!r}"
        try:
            published_at = parse_timestamp(raw_time)
        except DateOutOfRange as exc:
            if exc.late:
                return f"published_at in the future: {shown} is after {_minute(self.latest_time)}", None
            return f"published_at before {self.earliest.isoformat()}: {shown}", None
        except (ValueError, TypeError, OverflowError):
            return f"unparseable published_at: {shown}", None
        if published_at is not None and published_at > self.latest_time:
            return f"published_at in the future: {_minute(published_at)} is after {_minute(self.latest_time)}", None
        if published_at is not None and published_at < self.earliest_time:
            return f"published_at before {self.earliest.isoformat()}: {_minute(published_at)}", None
        return None, published_at

    def _reject(self, raw_row: RawRow, reason: str, raw: str) -> None:
        self.rejected.append({"file": raw_row.file, "row": raw_row.row, "reason": reason, "raw": raw})

    def articles(self) -> pl.DataFrame:
        return pl.DataFrame({name: [row[name] for row in self.accepted] for name in ARTICLES}, schema=ARTICLES)

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

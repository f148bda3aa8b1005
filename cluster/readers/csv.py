"""CSV with a header row (optionally gzipped; any encoding ``rows.text_lines`` detects).

``row`` is the 1-based record number after the header (a quoted field may span lines); reasons name the physical
line (the header is line 1). Records are parsed one at a time, strictly, from a given line: a record that does not
parse (a quote that never closes, or closes on a later line followed by text) becomes one broken ``RawRow`` for the
line it starts on, and parsing goes on at the next line, so a stray quote costs one row, never the rest of the file.
A record that is not decodable, or has more or fewer fields than the header, is broken too. Fields have no size
limit (a long article is no error; ingest cuts texts at ``input.max_text_chars``).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import polars as pl

from .rows import RAW_CHARS, RawRow, all_lines, readable_text, stream_broken_row, text_lines, undecodable

SUFFIXES = (".csv", ".csv.gz")
_FIELD_LIMIT = 2**31 - 1  # csv's default (131,072 characters) is shorter than many articles; this is its C maximum


class _Lines:
    """An iterator over ``lines`` from ``start`` that remembers where it is (for one ``csv.reader`` record)."""

    def __init__(self, lines: list[str], start: int) -> None:
        self.lines = lines
        self.position = start

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        if self.position >= len(self.lines):
            raise StopIteration
        self.position += 1
        return self.lines[self.position - 1]


def _record_at(lines: list[str], start: int) -> tuple[list[str] | csv.Error, int]:
    """The record that starts at ``lines[start]`` (its fields, or csv's error) and the index of the line after it.

    Strict parsing finds a quote that never closes (it would swallow the lines after it); text after a closing
    quote within one line (``"Hello" world``) is read leniently, as csv does by default (``Hello world``).
    """
    feed = _Lines(lines, start)
    try:
        return next(csv.reader(feed, strict=True)), feed.position
    except csv.Error as exc:
        if feed.position - start > 1 or str(exc) == "unexpected end of data":
            return exc, feed.position
    try:
        return next(csv.reader([lines[start]])), start + 1
    except csv.Error as exc:
        return exc, start + 1


def read_rows(path: Path, data: bytes | None = None) -> Iterator[RawRow]:
    """Every record of ``path`` (or of ``data``, its bytes) as a ``RawRow`` (all values strings)."""
    if csv.field_size_limit() < _FIELD_LIMIT:
        csv.field_size_limit(_FIELD_LIMIT)
    encoding, line_iterator = text_lines(path, data)
    lines, broken = all_lines(line_iterator)
    number = 0
    for number, row in enumerate(_records(str(path), lines, encoding), start=1):  # noqa: B007 (used below)
        yield row
    if broken is not None:
        yield stream_broken_row(str(path), number + 1, broken, f"line {len(lines)}")


def _records(file: str, lines: list[str], encoding: str) -> Iterator[RawRow]:
    """The records after the header, numbered from 1; a header that does not parse makes every line a reject."""
    start = next((i for i, line in enumerate(lines) if line.strip()), len(lines))
    if start == len(lines):
        return
    header, index = _record_at(lines, start)
    if isinstance(header, csv.Error):
        reason = f"malformed CSV header at line {start + 1} ({header}): no row of this file can be read"
        for number, line in enumerate((line for line in lines[start + 1 :] if line.strip()), start=1):
            yield RawRow(file, number, None, reason, readable_text(line)[:RAW_CHARS])
        return
    number = 0
    while index < len(lines):
        fields, after = _record_at(lines, index)
        if fields == []:  # a blank line is no record
            index = after
            continue
        number += 1
        if isinstance(fields, csv.Error):
            yield RawRow(file, number, None, _parse_error(fields, index, after, len(lines)),
                         readable_text(lines[index])[:RAW_CHARS])
            index += 1  # recover at the next line
            continue
        yield _checked(file, number, header, fields, lines[index:after], encoding, index + 1)
        index = after


def _parse_error(error: csv.Error, start: int, after: int, total: int) -> str:
    """Why the record starting at 0-based line ``start`` does not parse; the parser stopped before line ``after``."""
    if after - start > 1 or str(error) == "unexpected end of data":
        end = "the end of the file" if after >= total else f"line {after}"
        return f"malformed CSV at line {start + 1}: unclosed quote (the quoted field would run on to {end})"
    return f"malformed CSV at line {start + 1}: {error}"


def _checked(file: str, number: int, header: list[str], fields: list[str], lines: list[str], encoding: str,
             line: int) -> RawRow:
    raw = "".join(lines)
    problem = undecodable(raw, encoding)
    if problem is not None:
        return RawRow(file, number, None, f"undecodable row: {problem}", readable_text(raw)[:RAW_CHARS])
    if len(fields) != len(header):
        more_or_fewer = "more" if len(fields) > len(header) else "fewer"
        lines_named = f"line {line}" if len(lines) == 1 else f"lines {line}-{line + len(lines) - 1}"
        reason = (f"malformed CSV at {lines_named}: {more_or_fewer} fields than the header "
                  f"({len(fields)}, the header has {len(header)})")
        return RawRow(file, number, None, reason, raw[:RAW_CHARS])
    return RawRow(file, number, dict(zip(header, fields, strict=True)))


def read_table(path: Path) -> pl.DataFrame:
    """The whole file as a table of strings (a gold file, not articles to validate)."""
    return pl.read_csv(path, infer_schema=False)

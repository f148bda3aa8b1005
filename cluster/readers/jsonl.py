"""JSON Lines (``.jsonl``, ``.ndjson``) and JSON (``.json``), each optionally gzipped.

JSON Lines: one JSON object per line; ``row`` is the 1-based line number and blank lines are not rows. A line that
is not decodable, not JSON (including one nested too deeply to parse) or not an object comes back as a broken
``RawRow`` with its reason.

A ``.json`` file may hold JSON Lines too, or one JSON document: an array of objects (``row`` is the element's
1-based position), an object with exactly one member whose value is such an array (``{"articles": [...]}``, as
APIs wrap their results), or one object (one row). An array that breaks part-way keeps its elements before the break
and rejects the rest of the file as one row, with the line and column of the break.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import polars as pl

from .rows import RAW_CHARS, RawRow, StreamBroken, all_lines, readable_text, stream_broken_row, text_lines, undecodable

SUFFIXES = (".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz", ".json", ".json.gz")
DOCUMENT_SUFFIXES = (".json", ".json.gz")
_BLANK = " \t\n\r\x0b\x0c"  # what bytes.strip() removes: the blank lines JSON Lines skips
_JSON_SPACE = re.compile(r"[ \t\n\r]*")
_KINDS = ((bool, "true/false"), (list, "array"), (str, "string"), ((int, float), "number"), (type(None), "null"))
_BARE_ARRAY = re.compile(r"[ \t\n\r]*\[")
_WRAPPED_ARRAY = re.compile(r'[ \t\n\r]*\{[ \t\n\r]*"(?:[^"\\]|\\.)*"[ \t\n\r]*:[ \t\n\r]*\[')  # {"articles": [


def read_rows(path: Path, data: bytes | None = None) -> Iterator[RawRow]:
    """Every row of ``path`` (or of ``data``, its bytes) as a ``RawRow``."""
    encoding, lines = text_lines(path, data)
    file = str(path)
    if path.name.lower().endswith(DOCUMENT_SUFFIXES):
        yield from _document_rows(file, encoding, lines)
    else:
        yield from _line_rows(file, encoding, lines)


def _line_rows(file: str, encoding: str, lines: Iterable[str]) -> Iterator[RawRow]:
    number = 0
    try:
        for number, line in enumerate(lines, start=1):
            if line.strip(_BLANK):
                yield parse_line(file, number, line, encoding)
    except StreamBroken as broken:
        yield stream_broken_row(file, number + 1, broken, f"line {number}")


def parse_line(file: str, number: int, line: str, encoding: str = "UTF-8") -> RawRow:
    """One line decoded as a JSON object, or a broken row saying why it is not one."""
    problem = undecodable(line, encoding)
    if problem is not None:
        return RawRow(file, number, None, f"undecodable line: {problem}", readable_text(line)[:RAW_CHARS])
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        return RawRow(file, number, None, f"malformed JSON: {exc.msg} at column {exc.colno}", line[:RAW_CHARS])
    except RecursionError:
        return RawRow(file, number, None, "malformed JSON: nested too deeply to read", line[:RAW_CHARS])
    return _object_row(file, number, record, line)


def _object_row(file: str, number: int, value: Any, raw: str, where: str = "") -> RawRow:
    if isinstance(value, dict):
        return RawRow(file, number, value)
    kind = next((name for types, name in _KINDS if isinstance(value, types)), "value")
    return RawRow(file, number, None, f"not a JSON object (a JSON {kind}{where})", raw[:RAW_CHARS])


def _document_rows(file: str, encoding: str, lines: Iterator[str]) -> Iterator[RawRow]:
    """A ``.json`` file: one JSON document (array, wrapped array or object) or else JSON Lines."""
    collected, broken = all_lines(lines)
    text = "".join(collected) + (broken.tail if broken is not None else "")
    document = _Document(file, text, encoding, broken)
    rows = document.array_rows() if document.array_start is not None else document.object_rows()
    if rows is None:  # not one document: JSON Lines
        yield from _line_rows(file, encoding, _then_raise(collected, broken))
        return
    yield from rows
    if broken is not None and not (rows and rows[-1].ends_file):
        yield stream_broken_row(file, len(rows) + 1, broken, f"element {len(rows)}")


def _then_raise(lines: list[str], broken: StreamBroken | None) -> Iterator[str]:
    yield from lines
    if broken is not None:
        raise broken


class _Document:
    """The text of a ``.json`` file read as one document; ``array_start`` is where its array of rows begins (after
    ``[`` or ``{"key": [``), None when it does not start like one."""

    def __init__(self, file: str, text: str, encoding: str, broken: StreamBroken | None) -> None:
        self.file = file
        self.text = text
        self.encoding = encoding
        self.broken = broken
        wrapped = _WRAPPED_ARRAY.match(text)
        bare = _BARE_ARRAY.match(text)
        self.closing = "}" if wrapped else ""
        self.array_start = wrapped.end() if wrapped else bare.end() if bare else None

    def object_rows(self) -> list[RawRow] | None:
        """One object as one row, or None when the text is not one JSON object."""
        if undecodable(self.text, self.encoding) is not None:
            return None  # JSON Lines rejects just the undecodable line
        try:
            document = json.loads(self.text)
        except (json.JSONDecodeError, RecursionError):
            return None
        return [RawRow(self.file, 1, document)] if isinstance(document, dict) else None

    def array_rows(self) -> list[RawRow] | None:
        """The array's elements, decoded one by one so that a break keeps those before it; None when the array
        closes and more text follows (JSON Lines whose first line is an array, an object with more members)."""
        assert self.array_start is not None
        text, decoder, rows = self.text, json.JSONDecoder(), []
        position = _skip_space(text, self.array_start)
        if text.startswith("]", position):
            return rows if self._closes(position + 1) else None
        while True:
            try:
                value, end = decoder.raw_decode(text, position)
            except json.JSONDecodeError as exc:
                return self._broken_at(rows, exc.pos, exc.msg)
            except RecursionError:
                return self._broken_at(rows, position, "nested too deeply to read")
            rows.append(self._element_row(len(rows) + 1, value, text[position:end]))
            position = _skip_space(text, end)
            if text.startswith(",", position):
                position = _skip_space(text, position + 1)
            elif text.startswith("]", position):
                return rows if self._closes(position + 1) else None
            else:
                return self._broken_at(rows, position, "Expecting ',' or ']'")

    def _element_row(self, number: int, value: Any, raw: str) -> RawRow:
        problem = undecodable(raw, self.encoding)
        if problem is not None:
            return RawRow(self.file, number, None, f"undecodable element: {problem}", readable_text(raw)[:RAW_CHARS])
        return _object_row(self.file, number, value, raw, f", element {number} of the array")

    def _closes(self, position: int) -> bool:
        return self.text[position:].strip(_BLANK) == self.closing

    def _broken_at(self, rows: list[RawRow], position: int, message: str) -> list[RawRow]:
        """The elements before a break, and one reject for the rest of the file: the file's own break when it ended
        early, else the JSON error with its line and column."""
        if self.broken is not None:
            reason = self.broken.reason
        else:
            line = self.text.count("\n", 0, position) + 1
            column = position - self.text.rfind("\n", 0, position)
            reason = f"malformed JSON array at line {line} column {column}: {message}"
        reason += f"; the rest of the file after element {len(rows)} cannot be read"
        raw = readable_text(self.text[position : position + RAW_CHARS])
        rows.append(RawRow(self.file, len(rows) + 1, None, reason, raw, ends_file=True))
        return rows


def _skip_space(text: str, position: int) -> int:
    return _JSON_SPACE.match(text, position).end()  # type: ignore[union-attr]  # matches the empty string too


def read_table(path: Path) -> pl.DataFrame:
    """The whole file as a table, types inferred from every row (a gold file, not articles to validate); polars
    decompresses ``.gz`` itself."""
    return pl.read_ndjson(path, infer_schema_length=None)

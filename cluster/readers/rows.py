"""What every format reader yields, the error for a file that cannot be read at all, and the decoded lines of a text
file.

A reader never drops a row silently: each physical row comes back as one ``RawRow``, either with its decoded
``record`` or, when the row itself is broken (not UTF-8, malformed JSON or CSV), with ``error`` and the raw text, so
that ingest can reject it with its file and row number.

Text files (JSON Lines, JSON, CSV) are read through ``text_lines``: the encoding comes from a byte-order mark
(UTF-8, UTF-16 or UTF-32, either byte order) or, without one, from the zero bytes of a UTF-16/32 file's first ASCII
character; otherwise it is UTF-8. Lines end at ``\\r\\n``, ``\\n`` or a lone ``\\r`` (old Mac feeds). Bytes that do
not decode are kept as lone surrogates (``\\udc00`` + byte), which no decoded text can hold, so that only the line
holding them is rejected (``undecodable``). A compressed stream that breaks part-way (a truncated or corrupt
``.gz``) ends the lines with ``StreamBroken``: the lines before it are kept, and the reader turns the break into
one reject for the rest of the file.
"""

from __future__ import annotations

import codecs
import gzip
import io
import json
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

RAW_CHARS = 2_000  # raw text kept with a reject: enough to recognise the row, bounded for a huge broken line
CHUNK_BYTES = 1 << 20
ESCAPE_ERRORS = "newsclust-escape"
_LINE_END = re.compile(r"\r\n|\r|\n")
_ESCAPED = re.compile("[\udc00-\udcff]")  # what ESCAPE_ERRORS puts for an undecodable byte
# byte-order marks, longest first: the UTF-32-LE mark begins with the UTF-16-LE one
_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32-LE"), (codecs.BOM_UTF32_BE, "UTF-32-BE"), (codecs.BOM_UTF8, "UTF-8"),
    (codecs.BOM_UTF16_LE, "UTF-16-LE"), (codecs.BOM_UTF16_BE, "UTF-16-BE"),
)


class InputError(Exception):
    """An input that cannot be read at all (missing, unreadable, not a supported format); names the file."""


class StreamBroken(Exception):
    """A file whose bytes stop part-way (a truncated or corrupt compressed stream): ``reason`` says why, ``tail`` is
    the decoded text after the last complete line."""

    def __init__(self, reason: str, tail: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.tail = tail


@dataclass
class RawRow:
    """One physical row of an input file: ``record`` when it decoded, else ``error`` and the ``raw`` text.

    ``ends_file`` marks the broken row that stands for the unreadable rest of a file (a stream or array that broke).
    """

    file: str
    row: int
    record: dict[str, Any] | None
    error: str | None = None
    raw: str = ""
    ends_file: bool = False


def dump_record(record: dict[str, Any]) -> str:
    """A record as the ``raw`` text of a reject: JSON, cut to ``RAW_CHARS`` (``repr`` for one too deep for JSON)."""
    try:
        return json.dumps(record, ensure_ascii=False, default=str)[:RAW_CHARS]
    except (RecursionError, ValueError):
        return repr(record)[:RAW_CHARS]


def open_bytes(path: Path, data: bytes | None = None) -> IO[bytes]:
    """The file's bytes (``data`` when given: the file's content, read elsewhere), gunzipped when its name ends in
    ``.gz``."""
    gzipped = path.name.lower().endswith(".gz")
    if data is not None:
        return gzip.GzipFile(fileobj=io.BytesIO(data), mode="rb") if gzipped else io.BytesIO(data)
    return gzip.open(path, "rb") if gzipped else open(path, "rb")


def _escape_bytes(error: UnicodeError) -> tuple[str, int]:
    """Like ``surrogateescape``, but for every byte value: a UTF-16/32 error can span bytes below 0x80."""
    assert isinstance(error, UnicodeDecodeError)
    return "".join(chr(0xDC00 + byte) for byte in error.object[error.start : error.end]), error.end


codecs.register_error(ESCAPE_ERRORS, _escape_bytes)


def sniff_encoding(head: bytes) -> tuple[str, int]:
    """The encoding of a file from its first bytes, and the length of its byte-order mark (0 when none)."""
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return encoding, len(bom)
    # no mark: a JSON or CSV file starts with an ASCII character, which UTF-16/32 pad with zero bytes
    if len(head) >= 4 and head[0] and not any(head[1:4]):
        return "UTF-32-LE", 0
    if len(head) >= 4 and not any(head[0:3]) and head[3]:
        return "UTF-32-BE", 0
    if len(head) >= 4 and head[0] and head[2] and not head[1] and not head[3]:
        return "UTF-16-LE", 0
    if len(head) >= 4 and head[1] and head[3] and not head[0] and not head[2]:
        return "UTF-16-BE", 0
    return "UTF-8", 0


def undecodable(line: str, encoding: str) -> str | None:
    """Why ``line`` (from ``text_lines``) did not decode, or None when it did."""
    if line.isascii():
        return None
    try:  # only the escape handler puts lone surrogates in decoded text, and they alone fail to encode
        line.encode("utf-8")
        return None
    except UnicodeEncodeError:
        pass
    if encoding == "UTF-8":  # UTF-8 errors are bytes >= 0x80, which surrogateescape restores: the decoder's own words
        try:
            line.encode("utf-8", "surrogateescape").decode("utf-8")
        except UnicodeDecodeError as exc:
            return f"not UTF-8 ({exc.reason} at byte {exc.start})"
    return f"not {encoding}"


def readable_text(line: str) -> str:
    """``line`` with its undecodable bytes shown as U+FFFD, for a reject's raw text."""
    return _ESCAPED.sub("\ufffd", line)


def text_lines(path: Path, data: bytes | None = None) -> tuple[str, Iterator[str]]:
    """The file's encoding and its decoded lines, each with its line ending (see the module docstring); ``data``:
    the file's bytes when they were read elsewhere (a Spark task's).

    A file that fails before its first bytes are read (no permission, not gzip data) raises ``InputError``; one that
    breaks later ends the lines with ``StreamBroken``.
    """
    try:
        handle = open_bytes(path, data)
        try:
            head = handle.read(4)
        except BaseException:
            handle.close()
            raise
    except (OSError, EOFError, zlib.error) as exc:
        raise InputError(f"input file {path}: cannot be read ({exc})") from None
    encoding, bom = sniff_encoding(head)
    return encoding, _split_lines(handle, head[bom:], encoding)


def _split_lines(handle: IO[bytes], head: bytes, encoding: str) -> Iterator[str]:
    decoder = codecs.getincrementaldecoder(encoding)(errors=ESCAPE_ERRORS)
    pending = ""
    with handle:
        while True:
            broken: Exception | None = None
            try:
                data = handle.read1(CHUNK_BYTES)  # one block: a break keeps what came before it
            except (OSError, EOFError, zlib.error) as exc:
                data, broken = b"", exc
            final = not data
            text = pending + decoder.decode(head + data, final=final and broken is None)
            head, position = b"", 0
            if "\r" not in text:  # the common case, split in C; a "\r" needs the regex (a lone "\r" ends a line)
                *lines, pending = text.split("\n")
                yield from (line + "\n" for line in lines)
            else:
                for match in _LINE_END.finditer(text):
                    if not final and match.group() == "\r" and match.end() == len(text):
                        break  # maybe the first half of a "\r\n" split across chunks
                    yield text[position : match.end()]
                    position = match.end()
                pending = text[position:]
            if broken is not None:
                raise StreamBroken(f"file ends early or is corrupt ({broken})", pending)
            if final:
                break
    if pending:
        yield pending


def all_lines(lines: Iterator[str]) -> tuple[list[str], StreamBroken | None]:
    """Every line ``text_lines`` gives, and the break that ended them early (``None`` when the file ended whole)."""
    collected: list[str] = []
    try:
        collected.extend(lines)
    except StreamBroken as broken:
        return collected, broken
    return collected, None


def stream_broken_row(file: str, row: int, broken: StreamBroken, after: str) -> RawRow:
    """The one reject that stands for the unreadable rest of a file whose stream broke after ``after``."""
    reason = f"{broken.reason}; the rest of the file after {after} cannot be read"
    return RawRow(file, row, None, reason, readable_text(broken.tail)[:RAW_CHARS], ends_file=True)

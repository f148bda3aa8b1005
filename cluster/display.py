"""How values are written for people: counted nouns, UTC times and delays, and terminal columns.

``report.html`` and the ``newsclust show`` / ``newsclust diff`` views share these forms, so an article count or a
delay reads the same wherever it appears. All times are UTC; the report writes them short (``Mar 5 08:30``), the
terminal views as ``2026-03-05 08:30`` and the JSON views as ``ISO_UTC``.

Feed text is never a terminal escape: ``visible_controls`` writes every control character of a feed's text as a
visible escape (``\\x1b``, ``\\n``) before it reaches a terminal or a chart label, and ``json_text`` writes the JSON
views with the characters ``json.dumps`` leaves raw (DEL, C1 controls, bidi and line separators) as ``\\uXXXX``.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from .timeutil import ISO_UTC

# Characters a terminal may act on, or that reorder or break the line around them: C0 controls (newline and tab too:
# a view's lines and columns are its own), DEL, C1 controls (U+009B is a one-character CSI), the line and paragraph
# separators, and the bidirectional marks, embeddings, overrides and isolates ("Trojan Source").
_C0 = r"\x00-\x1f"
_OTHER_CONTROLS = r"\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
_CONTROL = re.compile(f"[{_C0}{_OTHER_CONTROLS}]")
_JSON_RAW = re.compile(f"[{_OTHER_CONTROLS}]")  # json.dumps escapes C0 itself
_NAMED = {"\n": r"\n", "\r": r"\r", "\t": r"\t"}


def plural(count: int, word: str, word_plural: str | None = None, *, grouped: bool = True) -> str:
    """``"1 article"``, ``"1,204 articles"``; ``word_plural`` for irregular nouns (``copy``/``copies``).

    ``grouped=False`` leaves out the thousands separator (the terminal views write ``3823 articles``).
    """
    number = f"{count:,}" if grouped else f"{count}"
    return f"{number} {word if count == 1 else (word_plural or word + 's')}"


def number(value: object) -> str:
    """An integer with thousands separators; anything else as it is."""
    return f"{value:,}" if isinstance(value, int) else ("" if value is None else str(value))


# ---------------------------------------------------------------- report.html: short forms


def day(value: datetime | None) -> str:
    """``Mar 5``."""
    return "" if value is None else f"{value:%b} {value.day}"


def moment(value: datetime | None) -> str:
    """``Mar 5 08:30``."""
    return "" if value is None else f"{value:%b} {value.day} {value:%H:%M}"


def span(first: datetime | None, last: datetime | None) -> str:
    """``Mar 5, 08:30–17:57`` within a day, else ``Mar 5 08:30 → Mar 6 17:57``."""
    if first is None or last is None:
        return ""
    if first.date() == last.date():
        return f"{day(first)}, {first:%H:%M}–{last:%H:%M}"
    return f"{moment(first)} → {moment(last)}"


def hours(value: float | None) -> str:
    """A delay in hours: ``25 min`` under an hour, else ``16.4 h``; ``–`` when unknown."""
    if value is None:
        return "–"
    return f"{value * 60:.0f} min" if abs(value) < 1 else f"{value:.1f} h"


# ---------------------------------------------------------------- JSON and terminal views


def iso(value: datetime | None) -> str | None:
    """A UTC time as ``2026-03-02T06:40:00Z`` (JSON views)."""
    return None if value is None else value.strftime(ISO_UTC)


def stamp(iso_text: str | None) -> str:
    """An ``iso`` time as ``2026-03-02 06:40`` (terminal views); ``-`` when unknown."""
    return "-" if iso_text is None else iso_text.replace("T", " ")[:16]


def decimal(value: float | None, digits: int) -> str:
    """A score to ``digits`` decimals; ``-`` when unknown."""
    return "-" if value is None else f"{value:.{digits}f}"


def columns(rows: list[list[str]], indent: str) -> list[str]:
    """Rows as lines of left-aligned columns, each line starting with ``indent``; the last column is not padded."""
    if not rows:
        return []
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    return [indent + "  ".join([*(cell.ljust(w) for cell, w in zip(row[:-1], widths, strict=True)), row[-1]]).rstrip()
            for row in rows]


# ---------------------------------------------------------------- feed text on a terminal


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def visible_controls(text: str) -> str:
    r"""``text`` with each control character written as a visible escape (``\x1b``, ``\n``, ``\u202e``), so a title
    cannot set a terminal's window title, clear the screen, break a view's lines or reorder them.

    An escape sequence becomes harmless text: ``ESC ] 0 ; title BEL`` prints as ``\x1b]0;title\x07``. Printable
    characters, backslashes included, are left as they are (this is for reading, not a reversible encoding).
    """
    return _CONTROL.sub(_escape, text)


def printable(value: Any) -> Any:
    """``value`` (a view: dicts, lists, strings, numbers) with ``visible_controls`` applied to every string in it."""
    if isinstance(value, str):
        return visible_controls(value)
    if isinstance(value, dict):
        return {printable(k): printable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [printable(v) for v in value]
    return value


def json_text(view: Any) -> str:
    r"""A view as indented JSON that is safe on a terminal and decodes to exactly ``view``.

    ``json.dumps`` escapes C0 controls, quotes and backslashes; with ``ensure_ascii=False`` (text stays readable) it
    leaves DEL, the C1 controls and the bidi and line-separator characters raw, so those are written as ``\uXXXX``
    too, which JSON decodes to the same characters.
    """
    text = json.dumps(view, indent=2, ensure_ascii=False)
    return _JSON_RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", text)

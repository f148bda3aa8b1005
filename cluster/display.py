"""How values are written for people: counted nouns, UTC times and delays, and terminal columns.

``report.html`` and the ``newsclust show`` / ``newsclust diff`` views share these forms, so an article count or a
delay reads the same wherever it appears. All times are UTC; the report writes them short (``Mar 5 08:30``), the
terminal views as ``2026-03-05 08:30`` and the JSON views as ``ISO_UTC``.
"""

from __future__ import annotations

from datetime import datetime

from .timeutil import ISO_UTC


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

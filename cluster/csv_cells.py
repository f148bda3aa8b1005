"""Text cells of the CSV outputs that a spreadsheet would run as formulas, neutralised on writing and restored exactly
on reading.

A spreadsheet that opens ``articles.csv`` runs a cell starting with ``=``, ``+``, ``-`` or ``@`` as a formula (and
one starting with a tab or carriage return, which some strip before looking), so a feed's title ``=HYPERLINK(…)``
would become a live link or worse ("CSV injection"). The OWASP rule prevents it: such a cell is written with a
single quote in front, which spreadsheets show as text. Every text column of every output table gets the rule
(titles, sources, urls, labels, headlines, leads, raw rejected rows, and article ids too, which are feed text);
Parquet is written exact.

The rule is a bijection, so reading a CSV back (``cluster.runs.read_table``) gives the exact table:

- written: a cell matching ``'*F`` (any number of quotes, then a formula character ``F``) gets one more quote;
- read: a cell matching ``'+F`` loses one quote.

A cell that genuinely starts with quotes before a formula character (``'=1``) is written with one more (``''=1``)
and read back as it was; a cell that matches neither pattern is never changed. Only text columns are touched
(numbers, times and booleans are not feed text, and a negative number is not a formula).
"""

from __future__ import annotations

import polars as pl

FORMULA_CHARS = "=+-@\t\r"
_NEEDS_QUOTE = r"^'*[=+\-@\t\r]"  # written cells that get one more quote
_QUOTED = r"^'+[=+\-@\t\r]"  # read cells that lose one


def _text_columns(table: pl.DataFrame) -> list[str]:
    return [name for name, dtype in table.schema.items() if dtype == pl.String]


def neutralise(table: pl.DataFrame) -> pl.DataFrame:
    """``table`` with every text cell that a spreadsheet would run as a formula quoted (see the module docstring)."""
    return table.with_columns(
        pl.when(pl.col(c).str.contains(_NEEDS_QUOTE)).then(pl.lit("'") + pl.col(c)).otherwise(pl.col(c)).alias(c)
        for c in _text_columns(table)
    )


def restore(table: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """The inverse of ``neutralise`` on the text ``columns`` of a table read from CSV."""
    return table.with_columns(
        pl.when(pl.col(c).str.contains(_QUOTED)).then(pl.col(c).str.slice(1)).otherwise(pl.col(c)).alias(c)
        for c in columns
    )

"""Parquet: typed columns; ``row`` is the 1-based row index. A file that does not decode is an ``InputError``.

Python's dates end at year 9999 (and begin at year 1); Parquet's reach much further. A date or datetime column value
outside that range comes back as its ISO text (``+12024-01-01T00:00:00``), which ingest rejects with its reason
(``published_at in the future``) when it is the date column, instead of the whole file failing. A row that still
cannot become Python values is one broken ``RawRow``.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import polars as pl

from .rows import RawRow

SUFFIXES = (".parquet",)


def read_rows(path: Path, data: bytes | None = None) -> Iterator[RawRow]:
    """Every row of ``path`` (or of ``data``, its bytes) as a ``RawRow`` with its typed values."""
    table = pl.read_parquet(path if data is None else io.BytesIO(data))
    out_of_range = {name: texts for name in table.columns if (texts := _out_of_range(table[name]))}
    safe = table.with_columns(
        pl.when(pl.int_range(pl.len()).is_in(list(texts))).then(None).otherwise(pl.col(name)).alias(name)
        for name, texts in out_of_range.items()
    )
    rows = safe.iter_rows(named=True)
    for number in range(1, table.height + 1):
        try:
            record = next(rows)
        except (ValueError, OverflowError) as exc:
            yield RawRow(str(path), number, None, f"unreadable Parquet row: {exc}")
            rows = safe.slice(number).iter_rows(named=True)
            continue
        for name, texts in out_of_range.items():
            if number - 1 in texts:
                record[name] = texts[number - 1]
        yield RawRow(str(path), number, record)


def _out_of_range(column: pl.Series) -> dict[int, str]:
    """Row index → ISO text of the values of a date/datetime column that Python's ``datetime`` cannot hold."""
    if not (column.dtype == pl.Date or column.dtype == pl.Datetime):  # any unit and time zone
        return {}
    years = column.dt.year()
    outside = ((years < 1) | (years > 9999)).fill_null(False)
    if not outside.any():
        return {}
    texts = column.dt.strftime("%Y-%m-%d" if column.dtype == pl.Date else "%Y-%m-%dT%H:%M:%S")
    return {int(i): texts[int(i)] for i in outside.arg_true()}


def read_table(path: Path) -> pl.DataFrame:
    """The whole file as a table."""
    return pl.read_parquet(path)

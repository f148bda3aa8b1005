"""Arrow glue between polars/numpy and Spark's ``mapInArrow``: CSR arrays as list columns and back, timestamps back in
UTC."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl
import pyarrow as pa

MAX_LIST_VALUES = 2**31 - 1  # an Arrow list column (Spark's array type) addresses its values with int32 offsets


def list_column(values: np.ndarray, offsets: np.ndarray) -> pa.ListArray:
    """Rows ``values[offsets[i]:offsets[i + 1]]`` as an Arrow list column of int64 (Spark's ``array<bigint>``)."""
    _check_size(len(values))
    return pa.ListArray.from_arrays(pa.array(np.asarray(offsets, dtype=np.int32)),
                                    pa.array(np.asarray(values, dtype=np.int64)))


def matrix_column(matrix: np.ndarray, dtype: type = np.int64) -> pa.ListArray:
    """The rows of a 2-d array as an Arrow list column."""
    rows, width = matrix.shape
    _check_size(rows * width)
    offsets = np.arange(rows + 1, dtype=np.int32) * width
    return pa.ListArray.from_arrays(pa.array(offsets), pa.array(np.ascontiguousarray(matrix, dtype=dtype).ravel()))


def _check_size(values: int) -> None:
    if values > MAX_LIST_VALUES:
        raise ValueError(f"{values:,} values in one Arrow list column, more than its int32 offsets hold; "
                         "use more partitions (spark.partitions)")


def csr_of(column: pa.ChunkedArray | pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """``(values, offsets)`` of an Arrow list column (nulls read as empty lists)."""
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if not isinstance(array, (pa.ListArray, pa.LargeListArray)):
        array = array.cast(pa.list_(pa.int64()))
    array = array.fill_null(pa.scalar([], type=array.type)) if array.null_count else array
    offsets = np.asarray(array.offsets, dtype=np.int64)
    values = np.asarray(array.values.to_numpy(zero_copy_only=False))
    return values[offsets[0] : offsets[-1]], offsets - offsets[0]


def rows_of(column: pa.ChunkedArray | pa.Array) -> Sequence[np.ndarray]:
    """The rows of an Arrow list column as numpy arrays."""
    values, offsets = csr_of(column)
    return [values[offsets[i] : offsets[i + 1]] for i in range(len(offsets) - 1)]


def in_utc(frame: pl.DataFrame, column: str = "published_at") -> pl.DataFrame:
    """``column`` back in UTC: Spark's Arrow hand-over labels timestamps with the session's time zone, and a
    midnight-UTC date read in New York time would have a time of day (and another date) for the rules that read it."""
    dtype = frame.schema[column]
    if isinstance(dtype, pl.Datetime) and dtype.time_zone not in (None, "UTC"):
        return frame.with_columns(pl.col(column).dt.convert_time_zone("UTC"))
    if isinstance(dtype, pl.Datetime) and dtype.time_zone is None:
        return frame.with_columns(pl.col(column).dt.replace_time_zone("UTC"))
    return frame

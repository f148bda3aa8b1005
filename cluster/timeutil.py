"""Time units shared by the stages (timestamps as fractional days since the Unix epoch) and the written form of a
UTC time in the output files."""

from __future__ import annotations

import numpy as np
import polars as pl

SECONDS_PER_DAY = 86_400.0
SECONDS_PER_HOUR = 3_600.0
ISO_UTC = "%Y-%m-%dT%H:%M:%SZ"  # a UTC time in the CSV tables and the JSON views: 2026-03-02T06:40:00Z


def epoch_days(timestamps: pl.Series) -> np.ndarray:
    """Each timestamp as days since 1970-01-01 (float64), to the second."""
    return timestamps.dt.epoch("s").to_numpy().astype(np.float64) / SECONDS_PER_DAY

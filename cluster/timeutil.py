"""Time units shared by the stages: timestamps as fractional days since the Unix epoch."""

from __future__ import annotations

import numpy as np
import polars as pl

SECONDS_PER_DAY = 86_400.0
SECONDS_PER_HOUR = 3_600.0


def epoch_days(timestamps: pl.Series) -> np.ndarray:
    """Each timestamp as days since 1970-01-01 (float64), to the second."""
    return timestamps.dt.epoch("s").to_numpy().astype(np.float64) / SECONDS_PER_DAY

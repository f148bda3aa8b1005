"""Executors run a declared list of stages over named tables, timing and counting each one.

``LocalExecutor`` runs them one after another in this process: it hands each stage the tables it declares, checks
what comes back, and records seconds, peak memory and the stage's counters (``StageLog``, written to ``run.json``).
Logs are one line per stage on stderr; only on a terminal, a stage that draws no progress of its own shows a
transient spinner with the elapsed time (nothing of it reaches a cron log).
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import gc
import logging
import resource
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from .stage import RunContext, Stage, Tables

log = logging.getLogger("newsclust")

# Python's cyclic collector while stages run: a young collection every 50,000 new container objects instead of 700,
# an older one every 20 of those. With the defaults, the millions of short-lived rows, tokens and tuples a night
# makes set off full collections that walk every live object: nine of them took 0.65 s of the 13 s a night of 22,000
# articles spends outside its embeddings (0.81 s of collecting in all; 0.12 s with these). Cycles still go at the
# next young collection; only how often the collector looks changes.
RUN_COLLECTION_THRESHOLDS = (50_000, 20, 10)


@dataclass
class StageLog:
    name: str
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    peak_rss_mb: float = 0.0
    counters: dict[str, Any] = field(default_factory=dict)

    def as_manifest(self) -> dict[str, Any]:
        return {"name": self.name, "seconds": round(self.seconds, 3), "cpu_seconds": round(self.cpu_seconds, 3),
                "peak_rss_mb": round(self.peak_rss_mb, 1),
                **self.counters}


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, or None where the C library has none (musl, macOS)."""
    with contextlib.suppress(OSError, AttributeError):
        return ctypes.CDLL(None).malloc_trim
    return None


def release_free_memory() -> None:
    """Hand the heap's free pages back to the system. glibc keeps what a stage freed in its arenas (one per thread
    that allocated: onnxruntime's, polars' and numpy's workers), so without this the next stage starts from the
    last one's high-water mark: on a night of 6,000 articles the embed stage left 115 MB free but resident, and the
    run's peak fell from 786 to 669 MB with a trim after each stage (a few milliseconds each)."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


def peak_rss_mb() -> float:
    """The process's peak resident memory so far, in MB: on Linux the high-water mark of this program's own memory
    (``VmHWM``), elsewhere ``ru_maxrss``. Linux's ``ru_maxrss`` also counts the memory of the process that started
    this one, as it was at the fork: a run started by a benchmark holding a night in memory read 668 MB in its first
    stage instead of 396 MB."""
    with contextlib.suppress(OSError, ValueError), open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Run the block with ``RUN_COLLECTION_THRESHOLDS``; the caller's thresholds come back afterwards."""
    before = gc.get_threshold()
    gc.set_threshold(*RUN_COLLECTION_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*before)


@contextmanager
def elapsed_line(name: str, live: bool) -> Iterator[None]:
    """On a terminal, a transient spinner line ``stage NAME 0:00:14`` while the block runs; else nothing."""
    if not live:
        yield
        return
    progress = Progress(SpinnerColumn(), TextColumn("stage {task.description}"), TimeElapsedColumn(),
                        console=Console(stderr=True), transient=True)
    with progress:
        progress.add_task(name, total=None)
        yield


class LocalExecutor:
    """Runs stages in order in this process; ``stages_`` holds a ``StageLog`` per stage after ``run``."""

    def __init__(self, live: bool | None = None) -> None:
        self.live = sys.stderr.isatty() if live is None else live
        self.stages_: list[StageLog] = []

    def run(self, stages: Sequence[Stage], tables: Tables, context: RunContext) -> Tables:
        """Run ``stages`` in order; each one's tables join (and may replace) the named tables; return them all."""
        tables = dict(tables)
        with fewer_collections():
            for stage in stages:
                tables.update(self.run_stage(stage, tables, context))
        return tables

    def run_stage(self, stage: Stage, tables: Tables, context: RunContext) -> Tables:
        entry = StageLog(stage.name)
        start, cpu_start = time.perf_counter(), time.process_time()
        log.debug("stage %s: started", stage.name)
        with elapsed_line(stage.name, self.live and not stage.draws_own_progress):
            output = stage.checked(stage.run(stage.inputs(tables), context))
        release_free_memory()
        entry.seconds = time.perf_counter() - start
        entry.cpu_seconds = time.process_time() - cpu_start
        entry.peak_rss_mb = peak_rss_mb()
        entry.counters = output.counters
        self.stages_.append(entry)
        details = " ".join(f"{k}={v}" for k, v in entry.counters.items())
        log.info("stage %s: done in %.2fs %s", stage.name, entry.seconds, details)
        return output.tables

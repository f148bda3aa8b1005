"""The stage contract: what every step of the pipeline takes and returns.

A stage is a small unit with one entry point, ``run(tables, context) -> StageOutput``. It is built from the config
by ``from_config`` (keeping only the sub-config sections it uses), reads the named tables it declares in ``reads``
(and, when present, ``optional``), and returns the named tables it declares in ``writes`` plus counters for
``run.json``. A stage never reads another stage's private state, only tables, so an executor may run it where it
likes: in this process (``executor.LocalExecutor``) or over partitions on a cluster.

Tables are polars DataFrames with the schemas of ``cluster/schema.py``; vectors travel as a fixed-size ``Array``
column, so a matrix is a table too. ``RunContext`` carries what is not a table: the night being processed, the
input files, the date of the prior state, and shared resources that are expensive to build (the embedding model).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, ClassVar

import polars as pl

from .config import Config
from .embed import Embedder
from .engines import Engine, LocalEngine

Tables = dict[str, pl.DataFrame]


class StageContractError(Exception):
    """A stage was given or returned other tables than it declares (a bug in the pipeline, not bad input)."""


@dataclass
class RunContext:
    """What a run knows besides its tables: the night, the input files, the engine that runs the heavy kernels, and
    lazily built shared resources."""

    night: date
    files: list[Path]
    prior_night: date | None = None
    make_embedder: Callable[[], Embedder] | None = None
    engine: Engine = field(default_factory=LocalEngine)
    _embedder: Embedder | None = field(default=None, repr=False)

    def embedder(self) -> Embedder:
        """The run's embedding model, built on first use (a dedup-only run never loads it)."""
        if self._embedder is None:
            if self.make_embedder is None:
                raise StageContractError("this run has no embedding model")
            self._embedder = self.make_embedder()
        return self._embedder


@dataclass
class StageOutput:
    tables: Tables
    counters: dict[str, Any] = field(default_factory=dict)


class Stage(ABC):
    """One step of the pipeline. Subclasses set ``name``, ``reads``, ``optional`` and ``writes``."""

    name: ClassVar[str]
    reads: ClassVar[tuple[str, ...]] = ()
    optional: ClassVar[tuple[str, ...]] = ()
    writes: ClassVar[tuple[str, ...]] = ()
    draws_own_progress: ClassVar[bool] = False  # e.g. the embed stage shows the model's own progress bar

    @classmethod
    @abstractmethod
    def from_config(cls, config: Config) -> Stage:
        """The stage with the config sections it uses."""

    @abstractmethod
    def run(self, tables: Tables, context: RunContext) -> StageOutput:
        """Read ``reads`` (and ``optional`` where present) from ``tables``; return ``writes``."""

    def inputs(self, tables: Tables) -> Tables:
        """The tables this stage may read, after checking that every required one is there."""
        missing = [name for name in self.reads if name not in tables]
        if missing:
            raise StageContractError(f"stage {self.name}: missing input table(s) {missing}")
        return {name: tables[name] for name in (*self.reads, *self.optional) if name in tables}

    def checked(self, output: StageOutput) -> StageOutput:
        """``output`` after checking that it holds exactly the declared tables."""
        if set(output.tables) != set(self.writes):
            raise StageContractError(
                f"stage {self.name}: returned {sorted(output.tables)}, declares {sorted(self.writes)}"
            )
        return output

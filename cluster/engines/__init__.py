"""Engines: where the heavy kernels of the stages run, apart from the stages themselves.

A stage says *what* it computes (``cluster/stages``); the run's engine says *where* its expensive kernels run:

- ``local`` (``LocalEngine``): in this process, numpy and threads;
- ``spark`` (``engines.spark.SparkEngine``): the same library functions over partitions of a Spark cluster, for
  reading and validating the input files, the line statistics that chrome is learned from, the comparison of texts
  on shingles in the dedup stage (signatures, LSH bands, the sampled-shingle index, exact verification), its groups
  (connected components, then guard and canonical per component), the embeddings (the model loaded once per
  executor), the story neighbour search and the average linkage (per connected block).

Every kernel gives the same answer on either engine (``tests/test_spark_engine.py``), so the engine is not part of
``Config.config_hash``: a nightly state written by one engine is read by the other.
"""

from __future__ import annotations

import contextlib
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Protocol

from ..config import CleanConfig, Config, DedupConfig, EmbedConfig, InputConfig

if TYPE_CHECKING:  # the command line imports this module; the numeric stack loads with the stages
    from ..chrome import ChromeLearner
    from ..dedup.deduplicator import GroupBuilder, LinkFinder
    from ..embed import Embedder
    from ..ingest import Ingester
    from ..stories import LinkageRunner, NeighbourFinder
    from ..table_files import TableWriter


class EngineError(Exception):
    """The configured engine cannot run here (a missing package or runtime); the message names the fix."""


def spark_failure(exc: BaseException) -> str | None:
    """One line saying what went wrong when ``exc`` comes from Spark or its Java bridge (a failed job, an executor
    lost, a JVM gone), else None: such a failure ends a run like any other run failure, with its reason, not a
    traceback."""
    if not any(kind.__module__.split(".")[0] in ("pyspark", "py4j") for kind in type(exc).__mro__):
        return None
    return f"engine spark: {type(exc).__name__}: {failure_reason(exc) or 'no message'}"[:500]


def failure_reason(exc: BaseException) -> str:
    """The first line of what ``exc`` says, past py4j's "An error occurred while calling …" header ("" if none)."""
    try:
        text = str(exc)
    except Exception:  # a Py4JJavaError asks the JVM for its text, and the JVM may be gone
        text = ""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if lines and lines[0].startswith("An error occurred while calling"):  # py4j's header; the reason follows
        lines = lines[1:]
    return lines[0].removeprefix(": ") if lines else ""


class Engine(Protocol):
    name: str

    def ingester(self, config: InputConfig) -> Ingester | None:
        """How the ingest stage reads and validates the input files (``None``: in this process)."""

    def chrome_learner(self, config: CleanConfig) -> ChromeLearner | None:
        """How the clean stage learns chrome from line statistics (``None``: in this process)."""

    def link_finder(self, config: DedupConfig) -> LinkFinder | None:
        """How the dedup stage compares texts on shingles (``None``: in this process)."""

    def group_builder(self, config: DedupConfig) -> GroupBuilder | None:
        """How the dedup stage turns verified links into groups with canonicals (``None``: in this process)."""

    def neighbour_finder(self) -> NeighbourFinder | None:
        """How the story stage finds candidate neighbours (``None``: in this process)."""

    def linkage_runner(self) -> LinkageRunner | None:
        """How the story stage runs its average linkage (``None``: in this process)."""

    def embedder(self, config: EmbedConfig) -> Embedder:
        """The embedding model as this engine runs it."""

    def table_writer(self) -> TableWriter:
        """What writes the output tables and the state snapshots."""

    def describe(self) -> dict[str, object]:
        """What ``run.json`` records about the engine."""

    def close(self) -> None:
        """Release what the engine holds (a Spark session)."""


class LocalEngine:
    """Everything in this process."""

    name = "local"

    def ingester(self, config: InputConfig) -> Ingester | None:
        return None

    def chrome_learner(self, config: CleanConfig) -> ChromeLearner | None:
        return None

    def link_finder(self, config: DedupConfig) -> LinkFinder | None:
        return None

    def group_builder(self, config: DedupConfig) -> GroupBuilder | None:
        return None

    def neighbour_finder(self) -> NeighbourFinder | None:
        return None

    def linkage_runner(self) -> LinkageRunner | None:
        return None

    def embedder(self, config: EmbedConfig) -> Embedder:
        from .. import embed

        return embed.embedder_from_config(config)

    def table_writer(self) -> TableWriter:
        from ..table_files import LocalTableWriter

        return LocalTableWriter()

    def describe(self) -> dict[str, object]:
        return {"name": self.name}

    def close(self) -> None:
        return None


def engine_for(config: Config, engine: Engine | None = None) -> AbstractContextManager[Engine]:
    """``engine`` itself (whoever built it closes it), or else the engine ``config`` names, closed when the block
    ends."""
    return contextlib.nullcontext(engine) if engine is not None else contextlib.closing(engine_from_config(config))


def engine_from_config(config: Config) -> Engine:
    """The engine ``config.engine`` names; a Spark engine checks pyspark and Java here, before any work."""
    if config.engine == "spark":
        from .spark import SparkEngine  # the local engine never imports pyspark

        return SparkEngine(config.spark)
    return LocalEngine()

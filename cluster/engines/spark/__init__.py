"""The Spark engine: the stages' heavy kernels over a Spark cluster, with the local engine's answers.

``SparkEngine`` checks pyspark and Java when it is built (before any work) and starts its session on first use. Its
kernels: ``ingest.SparkIngester`` (the input files from Spark's ``binaryFile`` source, each validated in a task by
the local readers), ``chrome.SparkChromeLearner`` (the line statistics of chrome learning as group-bys),
``dedup.SparkLinkFinder`` (signatures, LSH bands, sampled-shingle index, exact verification),
``groups.SparkGroupBuilder`` (connected components of the links, then guard, groups and canonical per component),
``embed.SparkEmbedder`` (batches as tasks, the model loaded once per executor) and ``neighbours.SparkNeighbours``
(the story neighbour blocks as tasks) and ``linkage.SparkLinkage`` (the average linkage per bucket of connected
blocks of the candidate graph). The stages and everything after these kernels run on the driver, as in the local
engine, on the tables the kernels return.
"""

from __future__ import annotations

import logging
from typing import Any

from ...chrome import ChromeLearner
from ...config import CleanConfig, DedupConfig, EmbedConfig, InputConfig, SparkConfig
from ...dedup.deduplicator import GroupBuilder, LinkFinder
from ...embed import Embedder
from ...ingest import Ingester
from ...stories import LinkageRunner, NeighbourFinder
from ...table_files import TableWriter
from .. import EngineError, failure_reason
from .session import check_runtime, spark_settings, start_session

log = logging.getLogger("newsclust")


class SparkEngine:
    name = "spark"

    def __init__(self, config: SparkConfig) -> None:
        check_runtime()
        self.config = config
        self._session: Any = None
        self._owned = False  # a session that was already active (a notebook's) is left running

    @property
    def session(self) -> Any:
        if self._session is None:
            log.info("engine spark: starting a session on %s", self.config.master)
            try:
                self._session, self._owned = start_session(self.config)
            except Exception as exc:  # py4j and Spark raise many types for a master or JVM that cannot start
                raise EngineError(f"engine spark: cannot start a session on {self.config.master!r}: "
                                  f"{failure_reason(exc) or type(exc).__name__}") from None
        return self._session

    def partitions(self) -> int:
        return self.config.partitions or self.session.sparkContext.defaultParallelism

    def ingester(self, config: InputConfig) -> Ingester | None:
        from .ingest import SparkIngester

        return SparkIngester(self.session, config)

    def chrome_learner(self, config: CleanConfig) -> ChromeLearner | None:
        from .chrome import SparkChromeLearner

        return SparkChromeLearner(self.session, self.config.shuffle_partitions)

    def link_finder(self, config: DedupConfig) -> LinkFinder | None:
        from .dedup import SparkLinkFinder

        return SparkLinkFinder(self.session, config, self.config.partitions)

    def group_builder(self, config: DedupConfig) -> GroupBuilder | None:
        from .groups import SparkGroupBuilder

        return SparkGroupBuilder(self.session, config, self.config.shuffle_partitions)

    def neighbour_finder(self) -> NeighbourFinder | None:
        from .neighbours import SparkNeighbours

        return SparkNeighbours(self.session)

    def linkage_runner(self) -> LinkageRunner | None:
        from .linkage import SparkLinkage

        return SparkLinkage(self.session, self.config.shuffle_partitions)

    def embedder(self, config: EmbedConfig) -> Embedder:
        from .embed import SparkEmbedder

        return SparkEmbedder(self.session, config, self.partitions())

    def table_writer(self) -> TableWriter:
        from .tables import SparkTableWriter

        return SparkTableWriter(self.session)

    def describe(self) -> dict[str, object]:
        described: dict[str, object] = {"name": self.name, "master": self.config.master}
        if self._session is not None:
            described.update(spark_version=self._session.version,
                             default_parallelism=self._session.sparkContext.defaultParallelism,
                             session="started" if self._owned else "already active (its own settings)")
        described["conf"] = {k: v for k, v in spark_settings(self.config).items() if k != "spark.master"}
        return described

    def close(self) -> None:
        """Stop the session if this engine started it; a failure to stop (a JVM already gone) is only logged, so it
        never hides the run's own outcome."""
        if self._session is not None and self._owned:
            try:
                self._session.stop()
            except Exception as exc:  # py4j raises many types once the JVM has exited
                log.warning("engine spark: stopping the session failed (%s)", type(exc).__name__)
        self._session = None

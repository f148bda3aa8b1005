"""Ingest: read the input files into accepted articles (``ingested``) and ``rejects`` with a reason per row."""

from __future__ import annotations

from ..config import Config, InputConfig
from ..ingest import ingest
from ..stage import RunContext, Stage, StageOutput, Tables


class IngestStage(Stage):
    name = "ingest"
    writes = ("ingested", "rejects")

    def __init__(self, config: InputConfig) -> None:
        self.config = config

    @classmethod
    def from_config(cls, config: Config) -> IngestStage:
        return cls(config.input)

    def run(self, tables: Tables, context: RunContext) -> StageOutput:
        ingester = context.engine.ingester(self.config)
        result = (ingester.ingest(context.files, context.night) if ingester is not None
                  else ingest(context.files, self.config, context.night))
        counters = {"files": len(context.files), "rows": result.rows_read, "accepted": result.articles.height,
                    "rejected": result.rejects.height, "truncated": result.truncated}
        return StageOutput({"ingested": result.articles, "rejects": result.rejects}, counters)

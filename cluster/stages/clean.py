"""Clean: strip chrome (banners, footers, related lists) from every article body (``cleaned``)."""

from __future__ import annotations

from typing import Any

from ..chrome import strip_boilerplate
from ..config import CleanConfig, Config
from ..stage import RunContext, Stage, StageOutput, Tables


class CleanStage(Stage):
    name = "clean"
    reads = ("ingested",)
    writes = ("cleaned",)

    def __init__(self, config: CleanConfig) -> None:
        self.config = config

    @classmethod
    def from_config(cls, config: Config) -> CleanStage:
        return cls(config.clean)

    def run(self, tables: Tables, context: RunContext) -> StageOutput:
        stats: dict[str, Any] = {}
        cleaned = strip_boilerplate(tables["ingested"], self.config, stats=stats)
        counters = {"articles_with_chrome": int((cleaned["chrome_lines"] > 0).sum()), **stats}
        return StageOutput({"cleaned": cleaned}, counters)



"""Clean: strip chrome (banners, footers, related lists) from every article body (``cleaned``), and report the
per-source chrome of tonight (``chrome_keys``) so that a nightly state can remember it (``state_chrome``)."""

from __future__ import annotations

from typing import Any

import polars as pl

from ..chrome import CHROME_KEYS, strip_boilerplate
from ..config import CleanConfig, Config
from ..stage import RunContext, Stage, StageOutput, Tables


class CleanStage(Stage):
    name = "clean"
    reads = ("ingested",)
    optional = ("state_chrome",)
    writes = ("cleaned", "chrome_keys")

    def __init__(self, config: CleanConfig) -> None:
        self.config = config

    @classmethod
    def from_config(cls, config: Config) -> CleanStage:
        return cls(config.clean)

    def run(self, tables: Tables, context: RunContext) -> StageOutput:
        stats: dict[str, Any] = {}
        learned: list[pl.DataFrame] = []
        known = tables.get("state_chrome")
        cleaned = strip_boilerplate(tables["ingested"], self.config, stats=stats,
                                    known=None if known is None else known.select(list(CHROME_KEYS)), learned=learned,
                                    learner=context.engine.chrome_learner(self.config))
        counters = {"articles_with_chrome": int((cleaned["chrome_lines"] > 0).sum()), **stats}
        keys = learned[0] if learned else pl.DataFrame(schema=CHROME_KEYS)
        return StageOutput({"cleaned": cleaned, "chrome_keys": keys}, counters)

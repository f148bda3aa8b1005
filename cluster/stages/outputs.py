"""Outputs: the tables a user reads, ``articles`` and ``duplicates``, from what the earlier stages wrote (a
dedup-only run has no story columns)."""

from __future__ import annotations

from ..config import Config
from ..output_tables import articles_table, duplicates_table
from ..stage import RunContext, Stage, StageOutput, Tables


class OutputTablesStage(Stage):
    name = "outputs"
    reads = ("ingested", "cleaned", "dup_groups")
    optional = ("story_of", "stories", "members")
    writes = ("articles", "duplicates")

    @classmethod
    def from_config(cls, config: Config) -> OutputTablesStage:
        return cls()

    def run(self, tables: Tables, context: RunContext) -> StageOutput:
        stories = (tables["story_of"], tables["stories"], tables["members"]) if "stories" in tables else None
        articles = articles_table(tables["ingested"], tables["cleaned"], tables["dup_groups"], stories)
        return StageOutput({"articles": articles, "duplicates": duplicates_table(tables["dup_groups"])})

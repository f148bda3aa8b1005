"""Dedup: group syndicated copies (``dup_groups``: one row per tonight's article) and count copies per source pair
(``syndication``). With a prior state, earlier nights' recent articles join the comparison, so a late copy finds
its original from an earlier night."""

from __future__ import annotations

import polars as pl

from ..config import Config, DedupConfig
from ..dedup import Deduplicator, syndication
from ..schema import DUPLICATES
from ..stage import RunContext, Stage, StageOutput, Tables
from ..state import earlier_articles


class DedupStage(Stage):
    name = "dedup"
    reads = ("ingested", "cleaned")
    optional = ("state_recent",)
    writes = ("dup_groups", "syndication")

    def __init__(self, config: DedupConfig, dedup_days: float) -> None:
        self.config = config
        self.dedup_days = dedup_days

    @classmethod
    def from_config(cls, config: Config) -> DedupStage:
        return cls(config.dedup, config.nightly.dedup_days)

    def run(self, tables: Tables, context: RunContext) -> StageOutput:
        articles, cleaned = tables["ingested"], tables["cleaned"]
        earlier, earlier_cleaned = earlier_articles(tables.get("state_recent"), context.night, self.dedup_days,
                                                    articles["article_id"])
        every_article = pl.concat([earlier, articles])
        counters: dict = {}
        if articles.is_empty():
            groups = pl.DataFrame(schema=DUPLICATES)
        else:
            engine = context.engine
            model = Deduplicator(self.config, finder=engine.link_finder(self.config),
                                 grouper=engine.group_builder(self.config)).fit(
                every_article, pl.concat([earlier_cleaned, cleaned]))
            groups = model.table_.filter(pl.col("article_id").is_in(articles["article_id"].implode()))
            counters.update(_model_counters(model))
        tonight = articles["article_id"].implode()
        counters.update(
            earlier_articles=earlier.height,
            groups=int(groups.filter(pl.col("group_size") > 1)["dup_group_id"].n_unique()),
            copies=int((~groups["is_canonical"]).sum()),
            copies_of_earlier_nights=int((~groups["canonical_id"].is_in(tonight)).sum()),
        )
        return StageOutput({"dup_groups": groups, "syndication": syndication(every_article, groups)}, counters)


def _model_counters(model: Deduplicator) -> dict:
    return {
        "lsh_bands": model.bands_, "lsh_rows": model.rows_, "candidates": model.n_candidates_,
        "candidates_lsh": model.n_candidates_lsh_, "candidates_sampled": model.n_candidates_sampled_,
        "checked_exactly": model.n_checked_, "verified_pairs": model.n_verified_, "short_texts": model.n_short_,
        "links_refused": model.n_refused_, "members_split": model.n_split_, "index_bytes": model.index_bytes_,
        **{f"seconds_{step}": round(sec, 3) for step, sec in model.timings_.items()},
    }

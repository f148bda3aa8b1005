"""Continuity: match tonight's stories against the story registry (continuing, new round, or new), give them
their final ids (``members``), and assign every article of tonight, copies included, to a story (``story_of``)."""

from __future__ import annotations

from collections import Counter

import polars as pl

from ..config import Config
from ..continuity import continuation_table, match_registry, story_of_every_article
from ..schema import STORY_OF
from ..stage import RunContext, Stage, StageOutput, Tables
from ..state import RECENT, REGISTRY, PriorState
from .stories import centroids_of


class ContinuityStage(Stage):
    name = "continuity"
    reads = ("dup_groups", "clusters", "story_spans", "story_centroids")
    optional = ("state_recent", "state_registry")
    writes = ("members", "continuations", "story_of")

    def __init__(self, config: Config) -> None:
        self.config = config  # continuity weighs nightly.* and stories.* settings together

    @classmethod
    def from_config(cls, config: Config) -> ContinuityStage:
        return cls(config)

    def run(self, tables: Tables, context: RunContext) -> StageOutput:
        prior = prior_state(tables, context)
        clusters = tables["clusters"]
        continued = match_registry(tables["story_spans"], centroids_of(tables["story_centroids"]), prior, self.config)
        final_id = {temp: c.story_id for temp, c in continued.items()}
        members = clusters.with_columns(pl.col("story_id").replace_strict(final_id, return_dtype=pl.String))
        story_of = story_of_every_article(tables["dup_groups"], members, prior.recent)
        statuses = Counter(c.status for c in continued.values())
        counters = {"new": statuses["new"], "continuing": statuses["continuing"], "new_rounds": statuses["new_round"],
                    "inherited": len(set(story_of.values()) - set(final_id.values()))}
        story_of_table = pl.DataFrame({"article_id": list(story_of), "story_id": list(story_of.values())},
                                      schema=STORY_OF)
        return StageOutput({"members": members, "continuations": continuation_table(continued),
                            "story_of": story_of_table}, counters)


def prior_state(tables: Tables, context: RunContext) -> PriorState:
    """The state before tonight, from the ``state_*`` tables (empty on a run without state)."""
    return PriorState(context.prior_night, tables.get("state_recent", pl.DataFrame(schema=RECENT)),
                      tables.get("state_registry", pl.DataFrame(schema=REGISTRY)))

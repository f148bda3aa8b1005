"""Label: name each new story from its headlines and leads, and build the ``stories`` table (final ids, chains,
rounds, statuses, unique labels, headlines); ``base_labels`` keeps each story's label without its round."""

from __future__ import annotations

import polars as pl

from ..config import Config
from ..continuity import continuations_of
from ..label import label_stories
from ..ordinals import story_round
from ..schema import BASE_LABELS
from ..stage import RunContext, Stage, StageOutput, Tables
from ..story_table import headlines, spans_by_story, stories_table, story_rows
from .continuity import prior_state


class LabelStage(Stage):
    name = "label"
    reads = ("ingested", "dup_groups", "canonicals", "members", "story_spans", "continuations", "story_of")
    optional = ("state_registry",)
    writes = ("stories", "base_labels")

    def __init__(self, max_words: int, lead_words: int) -> None:
        self.max_words = max_words
        self.lead_words = lead_words

    @classmethod
    def from_config(cls, config: Config) -> LabelStage:
        return cls(config.label.max_words, config.embed.lead_words)

    def run(self, tables: Tables, context: RunContext) -> StageOutput:
        canonicals, members = tables["canonicals"], tables["members"]
        lead = pl.col("body").str.split(" ").list.head(self.lead_words).list.join(" ").alias("lead")
        leads = canonicals.select("article_id", "title", lead).join(members.select("article_id", "story_id"),
                                                                  on="article_id")
        base = label_stories(leads.select("story_id", "title", "lead"), self.max_words)
        stated = {story: story_round(zip(titles, story_leads, strict=True)) for story, titles, story_leads
                  in leads.group_by("story_id").agg("title", "lead").iter_rows()}
        story_of = dict(zip(tables["story_of"]["article_id"], tables["story_of"]["story_id"], strict=True))
        spans = spans_by_story(tables["ingested"], tables["dup_groups"], story_of)
        rows = story_rows(spans, tables["story_spans"], continuations_of(tables["continuations"]), base,
                          prior_state(tables, context).registry, stated)
        stories = stories_table(rows, spans.schema, headlines(canonicals, members))
        base_labels = pl.DataFrame({"story_id": list(rows.base_labels), "base_label": list(rows.base_labels.values())},
                                   schema=BASE_LABELS)
        return StageOutput({"stories": stories, "base_labels": base_labels}, {"labels": stories.height})

"""Label: name each new story from its headlines and leads, rename a continuing story whose coverage so far names it
better (``relabel``), and build the ``stories`` table (final ids, chains, rounds, statuses, unique labels, previous
labels, headlines); ``base_labels`` keeps each story's label without its round."""

from __future__ import annotations

import polars as pl

from ..config import Config
from ..continuity import Continuation, continuations_of
from ..label import first_pieces, label_stories
from ..ordinals import agreed_round, article_rounds
from ..relabel import Relabeller, earlier_originals, renaming_candidates
from ..schema import BASE_LABELS
from ..stage import RunContext, Stage, StageOutput, Tables
from ..state import PriorState
from ..story_table import headlines, spans_by_story, stories_table, story_rows
from .continuity import prior_state


class LabelStage(Stage):
    name = "label"
    reads = ("ingested", "dup_groups", "canonicals", "members", "story_spans", "continuations", "story_of")
    optional = ("state_recent", "state_registry")
    writes = ("stories", "base_labels")

    def __init__(self, max_words: int, lead_words: int) -> None:
        self.max_words = max_words
        self.lead_words = lead_words

    @classmethod
    def from_config(cls, config: Config) -> LabelStage:
        return cls(config.label.max_words, config.embed.lead_words)

    def run(self, tables: Tables, context: RunContext) -> StageOutput:
        canonicals, members = tables["canonicals"], tables["members"]
        leads = self._texts(canonicals.join(members.select("article_id", "story_id"), on="article_id"))
        base = label_stories(leads, self.max_words)
        by_article = pl.Series("stated", article_rounds(leads["title"], leads["lead"]), dtype=pl.Int64)
        by_story = leads.select("story_id", by_article).group_by("story_id").agg("stated")
        stated = {story: agreed_round(values) for story, values in by_story.iter_rows()}
        story_of = dict(zip(tables["story_of"]["article_id"], tables["story_of"]["story_id"], strict=True))
        spans = spans_by_story(tables["ingested"], tables["dup_groups"], story_of)
        prior, continued = prior_state(tables, context), continuations_of(tables["continuations"])
        coverage = self._coverage_labels(leads, tables["ingested"]["article_id"], prior, continued)
        relabeller = Relabeller.of(coverage, prior.registry)
        rows = story_rows(spans, tables["story_spans"], continued, base, prior.registry, stated, relabeller)
        stories = stories_table(rows, spans.schema, headlines(canonicals, members))
        base_labels = pl.DataFrame({"story_id": list(rows.base_labels), "base_label": list(rows.base_labels.values())},
                                   schema=BASE_LABELS)
        renamed = int(stories["previous_label"].is_not_null().sum())
        return StageOutput({"stories": stories, "base_labels": base_labels},
                           {"labels": stories.height, "renamed": renamed})

    def _texts(self, articles: pl.DataFrame) -> pl.DataFrame:
        """``story_id, title, lead`` of articles with a ``body`` (the lead: its first ``embed.lead_words`` words)."""
        lead = first_pieces(pl.col("body"), self.lead_words).alias("lead")
        return articles.select("story_id", "title", lead)

    def _coverage_labels(self, tonight: pl.DataFrame, tonight_ids: pl.Series, prior: PriorState,
                         continued: dict[str, Continuation]) -> dict[str, str]:
        """The base label each continuing story's coverage so far gives it: tonight's originals and its earlier ones
        still in the state, labelled beside tonight's other stories."""
        candidates = renaming_candidates(continued)
        if not candidates:
            return {}
        earlier = self._texts(earlier_originals(prior.recent, candidates, tonight_ids))
        return label_stories(pl.concat([tonight, earlier]), self.max_words, only=candidates)

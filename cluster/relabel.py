"""Labels that keep up: a continuing story is renamed from its coverage so far once it has grown enough.

A story is labelled from its own headlines on its first night (``label``). As it grows, later articles often name it
better: "Porthaven ferry crews" on the first morning, "Porthaven ferry strike" once the strike is the story. So each
night a continuing story is labelled again from all of its coverage still at hand: tonight's originals and its
earlier originals in the state's recent articles (the last ``nightly.dedup_days`` nights; the state keeps no more).
The story takes that label when

1. it differs from the story's label, case aside (its base label: without "round N" or a day that made it unique);
2. the story holds at least ``RELABEL_GROWTH`` times the articles it held when its label was last set (the
   registry's ``label_articles``), tonight's included;
3. the story is the only one in its chain and stays there tonight: the rounds of a chain keep the chain's name.

The growth rule is the hysteresis: a story of N articles is renamed at most log2(N) times, a story that gains a
few articles keeps its label, and a label cannot flip back and forth from night to night. The story id never
changes, and a story whose articles state its round ("third round of talks") keeps "round N" after the new label.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import polars as pl

from .continuity import Continuation
from .label import UNTITLED, round_label

RELABEL_GROWTH = 2  # a story is renamed only once it holds twice the articles it held when last labelled


def renaming_candidates(continued: dict[str, Continuation]) -> set[str]:
    """The registry stories that tonight's clustered stories continue: the ones that may be renamed."""
    return {c.story_id for c in continued.values() if c.status == "continuing"}


def earlier_originals(recent: pl.DataFrame, stories: set[str], tonight: pl.Series) -> pl.DataFrame:
    """``article_id, title, body, story_id`` of the earlier nights' originals of ``stories`` that the state still
    holds (an article delivered again tonight is tonight's)."""
    return recent.filter(
        (pl.col("article_id") == pl.col("canonical_id")) & pl.col("story_id").is_in(sorted(stories))
        & ~pl.col("article_id").is_in(tonight.implode())
    ).select("article_id", "title", "body", "story_id")


@dataclass(frozen=True)
class Relabeller:
    """Whether a continuing story takes the label its coverage so far gives it (module docstring)."""

    coverage_labels: dict[str, str]  # per candidate story, the base label of its coverage so far
    chain_sizes: Counter  # registry stories per chain

    @classmethod
    def of(cls, coverage_labels: dict[str, str], registry: pl.DataFrame) -> Relabeller:
        return cls(coverage_labels, Counter(registry["chain_id"].to_list()))

    def new_base(self, entry: dict[str, Any], cont: Continuation, tonight_articles: int) -> str | None:
        """The new base label of the registry story ``entry`` that ``cont`` continues with ``tonight_articles``
        more articles, or None when it keeps its label."""
        candidate = self.coverage_labels.get(entry["story_id"])
        if candidate is None or candidate == UNTITLED:
            return None
        if candidate.casefold() == (entry["base_label"] or "").casefold():
            return None
        if cont.chain_id != entry["chain_id"] or self.chain_sizes[entry["chain_id"]] > 1:
            return None
        grown = entry["n_articles"] + tonight_articles >= RELABEL_GROWTH * entry["label_articles"]
        return candidate if grown else None


def with_round(base_label: str, round_number: int) -> str:
    """The label of a story alone in its chain: "round N" only where its articles stated a round above 1."""
    return round_label(base_label, round_number) if round_number > 1 else base_label

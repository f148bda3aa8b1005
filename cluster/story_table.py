"""The stories table: story ids made unique against the registry, spans, headlines, rounds and final labels.

The stories stage clusters canonical articles into stories named after their first article (``ids.story_id``);
continuity then maps each to a final id (its own, or a registry story it continues). This module turns those
decisions into the ``stories`` table (``schema.STORIES``): per story its size, sources and time span over every
article assigned to it (copies included), its chain and round, its status, a unique label and a headline.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl

from .continuity import Continuation
from .ids import chain_of_story, fresh_story_id, story_of_chain
from .label import UNTITLED, finalise_labels, first_pieces, round_label, unique_labels
from .relabel import Relabeller, with_round
from .schema import LABELLED_STORIES, conform

HEADLINE_WORDS = 12  # words of the body that stand in for a missing title


def fresh_story_ids(members: pl.DataFrame, registry: pl.DataFrame) -> pl.DataFrame:
    """Tonight's story ids that an earlier story or chain already uses, made fresh.

    Ids reused across nights must not give a new story an old story's id (or chain), whose registry entry it would
    then overwrite. A story that continues the old one still gets its id back from the registry.
    """
    taken = set(registry["story_id"]) | {story_of_chain(chain) for chain in registry["chain_id"]}
    tonight = set(members["story_id"])
    rename: dict[str, str] = {}
    for story in sorted(tonight & taken):
        candidate, attempt = story, 0
        while candidate in taken or candidate in tonight:
            attempt += 1
            candidate = fresh_story_id(story, attempt)
        rename[story] = candidate
        tonight.add(candidate)
    if not rename:
        return members
    return members.with_columns(pl.col("story_id").replace(rename))


def spans_by_story(articles: pl.DataFrame, dup_groups: pl.DataFrame, story_of: dict[str, str]) -> pl.DataFrame:
    """Size, sources and first/last publication of each story over the articles ``story_of`` assigns."""
    every = dup_groups.select("article_id", "canonical_id").with_columns(
        pl.col("article_id").replace_strict(story_of, return_dtype=pl.String).alias("story_id")
    ).join(articles.select("article_id", "source", "published_at"), on="article_id")
    return every.group_by("story_id").agg(
        pl.len().cast(pl.Int32).alias("n_articles"),
        pl.col("canonical_id").n_unique().cast(pl.Int32).alias("n_unique"),
        pl.col("source").drop_nulls().n_unique().cast(pl.Int32).alias("n_sources"),
        pl.col("published_at").min().alias("first_seen"),
        pl.col("published_at").max().alias("last_seen"),
    )


def clustered_spans(articles: pl.DataFrame, dup_groups: pl.DataFrame, members: pl.DataFrame) -> pl.DataFrame:
    """Spans of tonight's clustered stories (copies of earlier nights' articles left out)."""
    story = dict(zip(members["article_id"], members["story_id"], strict=True))
    tonight = dup_groups.filter(pl.col("canonical_id").is_in(members["article_id"].implode()))
    story_of = {a: story[c] for a, c in zip(tonight["article_id"], tonight["canonical_id"], strict=True)}
    return spans_by_story(articles, tonight, story_of)


def headlines(canonicals: pl.DataFrame, members: pl.DataFrame) -> dict[str, str]:
    """The title of each story's most central article (its body's first words if it has no title)."""
    ranked = (
        canonicals.join(members, on="article_id")
        .with_columns(
            pl.when(pl.col("title") != "").then(pl.col("title"))
            .otherwise(first_pieces(pl.col("body"), HEADLINE_WORDS)).alias("headline")
        )
        .sort(["story_id", "centrality", "published_at", "article_id"], descending=[False, True, False, False])
        .group_by("story_id", maintain_order=True)
        .first()
    )
    return dict(zip(ranked["story_id"], ranked["headline"], strict=True))


@dataclass
class _Rows:
    """Stories being assembled: those whose label is already fixed, and those labelled from tonight's articles."""

    fixed: list[dict[str, Any]]
    new: list[dict[str, Any]]
    fixed_labels: dict[str, str]
    base_labels: dict[str, str]


class ChainRounds:
    """Tonight's round numbers: the chain's own count, moved to the round the coverage states (``ordinals``) when
    that keeps the chain in order (above every earlier round of the chain); a stated round below that, or none,
    leaves the count. Once a chain is moved, its later stories tonight move with it."""

    def __init__(self) -> None:
        self.shift: dict[str, int] = {}
        self.last: dict[str, int] = {}

    def assign(self, chain: str, counted: int, stated: int | None, earlier: int = 0) -> tuple[int, bool]:
        """The round of a story counted ``counted`` in ``chain`` (whose rounds before tonight reach ``earlier``), and
        whether the coverage's own ordinal set it."""
        floor = max(self.last.get(chain, 0), earlier)
        number, from_text = counted + self.shift.get(chain, 0), False
        if stated is not None and stated > floor and stated > 1:  # "the first strike in years" numbers nothing
            self.shift[chain] = stated - counted
            number, from_text = stated, True
        self.last[chain] = max(self.last.get(chain, 0), number)
        return number, from_text


def story_rows(spans: pl.DataFrame, chains: pl.DataFrame, continued: dict[str, Continuation],
               base: dict[str, str], registry: pl.DataFrame, stated: dict[str, int | None] | None = None,
               relabeller: Relabeller | None = None) -> _Rows:
    """Chain, round, status and (where it is fixed) the label of each story of ``spans`` (final ids).

    New stories are labelled later from tonight's articles; continuing stories keep the registry's label unless
    ``relabeller`` renames them from their coverage so far (``relabel``; ``previous_label`` is then the label they
    had); a new round of an earlier chain takes the chain's base label and its round. ``stated`` is the round each of
    tonight's stories (temporary ids) states in its own articles (``ordinals.agreed_round``): it sets the round of new
    stories and new rounds where it keeps their chain in order (``ChainRounds``).
    """
    by_final = {c.story_id: (temp, c) for temp, c in continued.items()}
    registered = {row["story_id"]: row for row in registry.iter_rows(named=True)}
    chain_rows = {row["story_id"]: row for row in chains.iter_rows(named=True)}
    rows, rounds, stated = _Rows([], [], {}, {}), ChainRounds(), stated or {}
    for row in spans.sort("first_seen", "story_id").iter_rows(named=True):
        story = row["story_id"]
        temp, cont = by_final.get(story, (None, None))
        if cont is not None and cont.status == "new":
            chain = chain_rows[temp]
            rows.base_labels[story] = base.get(temp, UNTITLED)
            number, from_text = rounds.assign(chain["chain_id"], chain["round"], stated.get(temp))
            rows.new.append({**row, "chain_id": chain["chain_id"], "round": number,
                             "chain_length": chain["chain_length"], "status": "new", "round_stated": from_text,
                             "previous_label": None})
        else:
            fixed = _fixed_row(row, temp, cont, base, registered, rows, rounds, stated.get(temp))
            if cont is not None and cont.status == "continuing" and relabeller is not None:
                fixed["previous_label"] = _renamed(fixed, cont, registered[story], rows, relabeller)
            rows.fixed.append(fixed)
    return rows


def _fixed_row(row: dict[str, Any], temp: str | None, cont: Continuation | None, base: dict[str, str],
               registered: dict[str, dict[str, Any]], rows: _Rows, rounds: ChainRounds,
               stated: int | None) -> dict[str, Any]:
    """A continuing story or a new round: its label comes from the registry or the chain (recorded in ``rows``)."""
    story = row["story_id"]
    reg = registered.get(story) if cont is None else None
    chain_id = cont.chain_id if cont else (reg["chain_id"] if reg else chain_of_story(story))
    round_number = cont.round if cont else (reg["round"] if reg else 1)
    if cont is not None and cont.status == "new_round":
        round_number, _ = rounds.assign(chain_id, round_number, stated, earlier=cont.round - 1)
        rows.base_labels[story] = cont.label or base.get(temp, UNTITLED)
        rows.fixed_labels[story] = round_label(rows.base_labels[story], round_number)
    else:
        label = (cont.label if cont else (reg["label"] if reg else None)) or base.get(temp, story)
        rows.fixed_labels[story] = label
        rows.base_labels[story] = registered[story]["base_label"] if story in registered else base.get(temp, label)
    status = cont.status if cont else "continuing"
    return {**row, "chain_id": chain_id, "round": round_number, "chain_length": 1, "status": status,
            "round_stated": False, "previous_label": None}


def _renamed(fixed: dict[str, Any], cont: Continuation, entry: dict[str, Any], rows: _Rows,
             relabeller: Relabeller) -> str | None:
    """Rename a continuing story where its coverage so far gives it a better label (``relabel``): its new base label
    and label go into ``rows``; returns the label it had, or None when it keeps it."""
    story = fixed["story_id"]
    renamed = relabeller.new_base(entry, cont, fixed["n_articles"])
    if renamed is None:
        return None
    previous = rows.fixed_labels[story]
    rows.base_labels[story] = renamed
    rows.fixed_labels[story] = with_round(renamed, fixed["round"])
    return previous


def stories_table(rows: _Rows, spans_schema: pl.Schema, story_headlines: dict[str, str]) -> pl.DataFrame:
    """The ``stories`` table (``schema.LABELLED_STORIES``: no topic yet) with unique labels, in time order."""
    frame_schema = {**spans_schema, "chain_id": pl.String, "round": pl.Int32, "chain_length": pl.Int32,
                    "status": pl.String, "round_stated": pl.Boolean, "previous_label": pl.String}
    new_frame = pl.DataFrame(rows.new, schema=frame_schema, orient="row")
    labels = finalise_labels(new_frame, rows.base_labels) if rows.new else {}
    labels = unique_labels({**rows.fixed_labels, **labels}, rows.fixed + rows.new)
    stories = pl.DataFrame(rows.fixed + rows.new, schema=frame_schema, orient="row")
    stories = stories.with_columns(
        pl.col("story_id").replace_strict(labels, return_dtype=pl.String).alias("label"),
        pl.col("story_id").replace_strict(story_headlines, default=None, return_dtype=pl.String).alias("headline"),
    ).with_columns(pl.col("headline").fill_null(pl.col("label"))).sort("first_seen", "story_id")
    return conform(stories, LABELLED_STORIES, "label")

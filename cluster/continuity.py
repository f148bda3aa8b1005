"""Story continuity between nights: tonight's stories matched against the registry of earlier stories.

For each of tonight's stories, against the registry (several of tonight's stories may continue the same one: they
were parts of it that tonight's batch alone did not join):

- **continuing**: centroid cosine ≥ ``nightly.continue_similarity`` with a story last seen less than
  ``stories.chain_min_gap_days`` before tonight's first article: tonight's story takes that story's id, chain, round
  and label (renamed only once it has grown enough: ``relabel``), so an editor sees the same story grow night after
  night;
- **new round**: centroid cosine ≥ ``stories.chain_similarity`` with a story that ended at least
  ``chain_min_gap_days`` earlier: a recurrence, a new story in that story's chain with the next round number;
- **new** otherwise.

A continuing story may be renamed from its coverage so far (``relabel``). The registry is then updated
(centroids as article-weighted means, last seen, counts, labels and the size each was set at) and pruned to
``nightly.registry_days``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

import numpy as np
import polars as pl

from .config import Config
from .label import round_label
from .schema import CONTINUATIONS
from .state import REGISTRY, PriorState
from .timeutil import SECONDS_PER_DAY, epoch_days


@dataclass(frozen=True)
class Continuation:
    story_id: str
    chain_id: str
    round: int
    status: str  # "new", "continuing" or "new_round"
    label: str | None  # the registry's label for continuing stories, the chain's base label for new rounds


def match_registry(
    stories: pl.DataFrame, story_centroids: dict[str, np.ndarray], prior: PriorState, config: Config
) -> dict[str, Continuation]:
    """Continuation of each of tonight's stories (``story_id, chain_id, round, n_articles, first_seen``)."""
    registry = prior.registry
    result: dict[str, Continuation] = {}
    order = stories.sort(["n_articles", "story_id"], descending=[True, False])
    if registry.is_empty():
        for row in order.iter_rows(named=True):
            result[row["story_id"]] = Continuation(row["story_id"], row["chain_id"], row["round"], "new", None)
        return result
    matrix = prior.centroid_matrix()
    last_seen = epoch_days(registry["last_seen"])
    chain_rounds: dict[str, int] = {}
    chain_sizes: Counter = Counter(registry["chain_id"].to_list())
    for chain, rnd in zip(registry["chain_id"], registry["round"], strict=True):
        chain_rounds[chain] = max(chain_rounds.get(chain, 0), rnd)
    gap_days, cfg = config.stories.chain_min_gap_days, config.nightly
    decided: dict[int, Continuation] = {}
    new_round_of: set[str] = set()
    for row in order.iter_rows(named=True):
        similarity = matrix @ story_centroids[row["story_id"]]
        gap = row["first_seen"].timestamp() / SECONDS_PER_DAY - last_seen
        recent = np.where((gap < gap_days) & (similarity >= cfg.continue_similarity), similarity, -1.0)
        earlier = np.where((gap >= gap_days) & (similarity >= config.stories.chain_similarity), similarity, -1.0)
        if recent.max() >= 0:
            index = int(recent.argmax())
            reg = registry.row(index, named=True)
            if index not in decided:  # later parts of the same story follow the decision for its largest part
                late = _late_round(index, story_centroids[row["story_id"]], row["n_articles"], prior, chain_sizes,
                                   chain_rounds, config) if chain_sizes[reg["chain_id"]] == 1 else None
                decided[index] = late or Continuation(
                    reg["story_id"], reg["chain_id"], reg["round"], "continuing", reg["label"]
                )
            result[row["story_id"]] = decided[index]
        elif earlier.max() >= 0 and registry.row(int(earlier.argmax()), named=True)["chain_id"] not in new_round_of:
            reg = registry.row(int(earlier.argmax()), named=True)
            new_round_of.add(reg["chain_id"])  # one new round per chain a night: the largest story takes it
            chain_rounds[reg["chain_id"]] += 1
            result[row["story_id"]] = Continuation(
                row["story_id"], reg["chain_id"], chain_rounds[reg["chain_id"]], "new_round", reg["base_label"]
            )
        else:
            result[row["story_id"]] = Continuation(row["story_id"], row["chain_id"], row["round"], "new", None)
    return result


def _late_round(index: int, centre: np.ndarray, n_tonight: int, prior: PriorState, chain_sizes: Counter,
                chain_rounds: dict[str, int], config: Config) -> Continuation | None:
    """A continuing story that began alone may turn out, with tonight's articles, to be a new round of an older chain.

    The story keeps its id; it joins the older chain when its grown centroid reaches ``chain_similarity`` with a
    story that ended at least ``chain_min_gap_days`` before it began.
    """
    registry = prior.registry
    reg = registry.row(index, named=True)
    grown = np.array(reg["centroid"], dtype=np.float32) * reg["n_articles"] + centre * n_tonight
    grown /= np.linalg.norm(grown) or 1.0
    began = reg["first_seen"].timestamp() / SECONDS_PER_DAY
    ended = epoch_days(registry["last_seen"])
    similarity = prior.centroid_matrix() @ grown
    eligible = (began - ended >= config.stories.chain_min_gap_days) & (similarity >= config.stories.chain_similarity)
    eligible[index] = False
    if not eligible.any():
        return None
    older = registry.row(int(np.where(eligible, similarity, -1.0).argmax()), named=True)
    chain_sizes[older["chain_id"]] += 1
    chain_sizes[reg["chain_id"]] -= 1
    chain_rounds[older["chain_id"]] += 1
    round_number = chain_rounds[older["chain_id"]]
    return Continuation(reg["story_id"], older["chain_id"], round_number, "continuing",
                        round_label(older["base_label"], round_number))


def updated_registry(
    prior: PriorState,
    stories: pl.DataFrame,
    story_centroids: dict[str, np.ndarray],
    base_labels: dict[str, str],
    night: date,
    registry_days: float,
) -> pl.DataFrame:
    """The registry after tonight: tonight's stories (final ids) merged in, old stories pruned.

    ``stories`` has the final ``story_id, chain_id, round, label, previous_label, n_articles, first_seen,
    last_seen``; a story labelled tonight (new, or renamed: ``previous_label`` set) records its base label and its
    size as ``label_articles``, the others keep theirs.
    """
    old = {row["story_id"]: row for row in prior.registry.iter_rows(named=True)}
    for row in stories.iter_rows(named=True):
        story = row["story_id"]
        previous = old.get(story)
        centre = story_centroids.get(story)
        if previous is not None:
            weight_old, weight_new = previous["n_articles"], row["n_articles"] if centre is not None else 0
            old_centre = np.array(previous["centroid"], dtype=np.float32)
            blended = old_centre * weight_old + (centre if centre is not None else 0) * weight_new
            centre = blended / (np.linalg.norm(blended) or 1.0)
        n_articles = (previous["n_articles"] if previous else 0) + row["n_articles"]
        labelled = previous is None or row["previous_label"] is not None
        old[story] = {
            "story_id": story,
            "chain_id": row["chain_id"],
            "round": row["round"],
            "label": row["label"],
            "base_label": base_labels.get(story, row["label"]) if labelled else previous["base_label"],
            "centroid": [float(x) for x in centre] if centre is not None else (previous or {}).get("centroid", []),
            "n_articles": n_articles,
            "label_articles": n_articles if labelled else previous["label_articles"],
            "first_seen": min(row["first_seen"], previous["first_seen"]) if previous else row["first_seen"],
            "last_seen": max(row["last_seen"], previous["last_seen"]) if previous else row["last_seen"],
            "last_night": night,
        }
    horizon = datetime.combine(night, datetime.min.time(), tzinfo=timezone.utc) - timedelta(days=registry_days)
    rows = [r for r in old.values() if r["last_seen"] >= horizon and r["centroid"]]
    table = pl.DataFrame(rows, schema=REGISTRY, orient="row") if rows else pl.DataFrame(schema=REGISTRY)
    return table.sort("story_id")


def story_of_every_article(dup_groups: pl.DataFrame, members: pl.DataFrame, recent: pl.DataFrame) -> dict[str, str]:
    """Story of each of tonight's articles: copies inherit their canonical's, from tonight or an earlier night."""
    story = dict(zip(members["article_id"], members["story_id"], strict=True))
    story.update((a, s) for a, s in zip(recent["article_id"], recent["story_id"], strict=True) if a not in story)
    return {a: story[c] for a, c in zip(dup_groups["article_id"], dup_groups["canonical_id"], strict=True)}


def continuation_table(continued: dict[str, Continuation]) -> pl.DataFrame:
    """``continued`` as a table (``temp_id`` is tonight's clustered id), in decision order."""
    return pl.DataFrame(
        [{"temp_id": temp, "story_id": c.story_id, "chain_id": c.chain_id, "round": c.round, "status": c.status,
          "label": c.label} for temp, c in continued.items()],
        schema=CONTINUATIONS, orient="row",
    )


def continuations_of(table: pl.DataFrame) -> dict[str, Continuation]:
    """The inverse of ``continuation_table``."""
    return {row["temp_id"]: Continuation(row["story_id"], row["chain_id"], row["round"], row["status"], row["label"])
            for row in table.iter_rows(named=True)}

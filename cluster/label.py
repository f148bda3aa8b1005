"""Readable story labels grounded in the stories' own articles: key entity, event words, and round.

Scoring is class-based TF-IDF (c-TF-IDF): a phrase scores by how often it appears in this story's titles and
leads times ``log(1 + stories / stories using it)``, so words every story uses ("says", "new") lose to words that
set this story apart. The label is the best named entity (a run of capitalised words inside a sentence) followed by
the best event phrase that is not part of it, e.g. "Porthaven ferry strike", then "round N" for a chain's rounds.
Labels are unique within a run: a repeat gets its first day appended.
"""

from __future__ import annotations

import math
import re
from collections import Counter

import polars as pl
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

_STOP = set(ENGLISH_STOP_WORDS) | {
    "says", "said", "say", "new", "news", "year", "years", "week", "day", "today", "yesterday", "tonight",
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "mr", "mrs", "ms", "dr",
    "watch", "live", "update", "updates", "breaking", "report", "reports", "exclusive", "video", "just",
    "told", "according", "including", "like", "set", "amid", "over", "after", "first", "second", "third",
}
_MONTHS = {"january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"}
_ENTITY = re.compile(r"(?<![.!?:]\s)(?<!^)\b([A-Z][\w'’-]*(?:\s+(?:of\s+|the\s+)?[A-Z][\w'’-]*)*)")
_TITLE_ENTITY = re.compile(r"\b([A-Z][\w'’-]*(?:\s+(?:of\s+|the\s+)?[A-Z][\w'’-]*)*)")
_WORD = re.compile(r"[A-Za-z][\w'’-]*")


def entities(text: str, in_title: bool) -> list[str]:
    """Runs of capitalised words; in body text, a capital after a sentence end is not evidence of a name."""
    pattern = _TITLE_ENTITY if in_title else _ENTITY
    found = []
    for match in pattern.finditer(text):
        phrase = match.group(1).strip()
        words = phrase.split()
        while words and words[0].lower() in _STOP | _MONTHS:
            words = words[1:]
        while words and words[-1].lower() in _STOP | _MONTHS:
            words = words[:-1]
        if words and len(phrase) > 1:
            found.append(" ".join(words))
    return found


def event_phrases(text: str) -> list[str]:
    """Lower-case content unigrams and bigrams (no stop word at either end, no numbers)."""
    tokens = [t.lower().strip("'’-") for t in _WORD.findall(text)]
    content = [t if t not in _STOP and t not in _MONTHS and len(t) > 2 else None for t in tokens]
    phrases = [t for t in content if t]
    phrases += [f"{a} {b}" for a, b in zip(content, content[1:]) if a and b]
    return phrases


def _counts(titles: list[str], leads: list[str]) -> tuple[Counter, Counter]:
    ents, events = Counter(), Counter()
    for title in titles:
        ents.update({e: 2 for e in set(entities(title, in_title=True))})
        events.update({p: 2 for p in set(event_phrases(title))})
    for lead in leads:
        ents.update(set(entities(lead, in_title=False)))
        events.update(set(event_phrases(lead)))
    return ents, events


def _best(counts: Counter, document_frequency: Counter, n_stories: int, exclude: set[str]) -> str | None:
    scored = [
        (count * math.log(1 + n_stories / document_frequency[phrase]) * (1.15 if " " in phrase else 1.0), phrase)
        for phrase, count in counts.items()
        if not any(word in exclude for word in phrase.lower().split())
    ]
    if not scored:
        return None
    return max(scored, key=lambda item: (item[0], -len(item[1]), item[1]))[1]


def label_stories(texts: pl.DataFrame, max_words: int) -> dict[str, str]:
    """Base label (no round, not yet unique) per story; ``texts`` has ``story_id, title, lead``."""
    grouped = texts.group_by("story_id").agg("title", "lead").sort("story_id")
    story_counts = {
        story: _counts([t for t in titles if t], [x for x in leads if x])
        for story, titles, leads in grouped.iter_rows()
    }
    entity_df, event_df = Counter(), Counter()
    for ents, events in story_counts.values():
        entity_df.update(ents.keys())
        event_df.update(events.keys())
    n = max(len(story_counts), 1)
    labels = {}
    for story, (ents, events) in story_counts.items():
        entity = _best(ents, entity_df, n, exclude=set())
        used = set(entity.lower().split()) if entity else set()
        event = _best(events, event_df, n, exclude=used)
        words = " ".join(p for p in (entity, event) if p).split()[:max_words]
        labels[story] = " ".join(words) if words else "untitled story"
    return labels


def finalise_labels(stories: pl.DataFrame, base: dict[str, str]) -> dict[str, str]:
    """Add "round N" to chained stories and make labels unique (first day, then the story id, appended).

    ``stories`` has ``story_id, chain_id, round, chain_length, first_seen``.
    """
    chain_label: dict[str, str] = {}
    for row in stories.sort("first_seen", "story_id").iter_rows(named=True):
        chain_label.setdefault(row["chain_id"], base[row["story_id"]])
    labels, used = {}, Counter()
    for row in stories.sort("first_seen", "story_id").iter_rows(named=True):
        label = base[row["story_id"]]
        if row["chain_length"] > 1:
            label = f"{chain_label[row['chain_id']]} round {row['round']}"
        if used[label]:
            label = f"{label} ({row['first_seen']:%b} {row['first_seen'].day})"
        if used[label]:
            label = f"{label} [{row['story_id']}]"
        used[label] += 1
        labels[row["story_id"]] = label
    return labels

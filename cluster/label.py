"""Readable story labels grounded in the stories' own articles: key entity, event words, and round.

Scoring is class-based TF-IDF (c-TF-IDF): a phrase scores by how often it appears in this story's titles and
leads times ``log(1 + stories / stories using it)``, so words every story uses ("says", "new") lose to words that
set this story apart. The label is the best named entity (a run of capitalised words inside a sentence) followed by
the best event phrase that is not part of it, e.g. "Porthaven ferry strike", then "round N" for a chain's rounds.
Labels are unique within a run: a repeat gets its first day appended.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
from collections import Counter

import polars as pl

from .stopwords import english_stop_words

_LABEL_STOP = {
    "says", "said", "say", "new", "news", "year", "years", "week", "day", "today", "yesterday", "tonight",
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "mr", "mrs", "ms", "dr",
    "watch", "live", "update", "updates", "breaking", "report", "reports", "exclusive", "video", "just",
    "told", "according", "including", "like", "set", "amid", "over", "after", "first", "second", "third",
    # verbs and fillers that headlines use around the event but that never name it
    "seen", "see", "sees", "tell", "tells", "make", "makes", "made", "take", "takes", "took", "get", "gets", "got",
    "give", "gives", "gave", "come", "comes", "came", "want", "wants", "know", "knows", "look", "looks", "way",
    "thing", "things", "people", "time", "times", "use", "uses", "using", "used", "need", "needs", "case", "could",
    "would", "should", "might", "must", "will", "can", "may", "shake", "shakes", "keep", "keeps", "put", "puts",
}


@functools.cache
def _stop() -> frozenset[str]:
    return english_stop_words() | _LABEL_STOP
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
        while words and (words[0].lower() in _stop() or (len(words) == 1 and words[0].lower() in _MONTHS)):
            words = words[1:]
        while words and (words[-1].lower() in _stop() - {"may"} or (len(words) == 1 and words[-1].lower() in _MONTHS)):
            words = words[:-1]
        if words and len(phrase) > 1:
            found.append(" ".join(words))
    return found


def event_phrases(text: str) -> list[str]:
    """Lower-case content unigrams and bigrams (no stop word at either end, no numbers, no contractions)."""
    tokens = [t.lower().strip("'’-") for t in _WORD.findall(text)]
    content = [
        t if t not in _stop() and t not in _MONTHS and len(t) > 2 and "'" not in t and "’" not in t else None
        for t in tokens
    ]
    phrases = [t for t in content if t]
    phrases += [f"{a} {b}" for a, b in itertools.pairwise(content) if a and b]
    return phrases


def _title_case(title: str) -> bool:
    """Headlines in Title Case capitalise every word, so capitals there say nothing about names."""
    content = [w for w in _WORD.findall(title) if w.lower() not in _stop()]
    return len(content) >= 3 and sum(w[0].isupper() for w in content) >= 0.8 * len(content)


def _counts(titles: list[str], leads: list[str]) -> tuple[Counter, Counter]:
    """Entity and event-phrase counts of one story (titles count double).

    Event phrases leave out proper nouns (words of an entity that the story never writes in lower case) and, when
    the story has titles, phrases no title uses: headlines name the event, leads wander.
    """
    ents, events, lower_words = Counter(), Counter(), set()
    for text, weight, in_title in [(t, 2, True) for t in titles] + [(x, 1, False) for x in leads]:
        if not (in_title and _title_case(text)):
            ents.update({e: weight for e in set(entities(text, in_title=in_title))})
            lower_words.update(w for w in _WORD.findall(text) if w.islower())
        events.update({p: weight for p in set(event_phrases(text))})
    name_words = {w.lower() for e in ents for w in e.split()} - lower_words
    in_titles = {p for t in titles for p in event_phrases(t)}
    events = Counter({
        p: c for p, c in events.items()
        if not any(w in name_words for w in p.split()) and (p in in_titles or not in_titles)
    })
    return ents, events


def _best(counts: Counter, document_frequency: Counter, n_stories: int, exclude: set[str]) -> str | None:
    scored = [
        (count * math.log(1 + n_stories / document_frequency[phrase]) * (1.6 if " " in phrase else 1.0), phrase)
        for phrase, count in counts.items()
        if not any(word in exclude for word in phrase.lower().split())
    ]
    if not scored:
        return None
    return max(scored, key=lambda item: (item[0], -len(item[1]), item[1]))[1]


def _widen(phrase: str | None, counts: Counter) -> str | None:
    """A single word grows into its most frequent bigram when that bigram is common in the story."""
    if phrase is None or " " in phrase:
        return phrase
    bigrams = [(c, p) for p, c in counts.items() if " " in p and phrase in p.split() and c >= 0.4 * counts[phrase]]
    return max(bigrams)[1] if bigrams else phrase


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
        event = _widen(_best(events, event_df, n, exclude=used), events)
        words = " ".join(p for p in (entity, event) if p).split()[:max_words]
        labels[story] = " ".join(words) if words else UNTITLED
    return labels


UNTITLED = "untitled story"  # the label of a story with no usable words


def round_label(base_label: str, round_number: int) -> str:
    """The label of one round of a chain: ``"Istanbul talks round 3"``."""
    return f"{base_label} round {round_number}"


def finalise_labels(stories: pl.DataFrame, base: dict[str, str]) -> dict[str, str]:
    """Add "round N" to chained stories and to stories whose articles state their round, and make labels unique
    (first day, then the story id, appended).

    ``stories`` has ``story_id, chain_id, round, chain_length, first_seen`` and optionally ``round_stated``.
    """
    chain_label: dict[str, str] = {}
    for row in stories.sort("first_seen", "story_id").iter_rows(named=True):
        chain_label.setdefault(row["chain_id"], base[row["story_id"]])
    rows = list(stories.iter_rows(named=True))
    labels = {
        row["story_id"]: round_label(chain_label[row["chain_id"]], row["round"])
        if row["chain_length"] > 1 or row.get("round_stated") else base[row["story_id"]]
        for row in rows
    }
    return unique_labels(labels, rows)


def unique_labels(labels: dict[str, str], rows: list[dict]) -> dict[str, str]:
    """Make labels unique in time order (``rows`` have ``story_id, first_seen``): a repeat gets its first day,
    then its story id, appended."""
    used: Counter = Counter()
    result = {}
    for row in sorted(rows, key=lambda r: (r["first_seen"], r["story_id"])):
        label = labels[row["story_id"]]
        if used[label]:
            label = f"{label} ({row['first_seen']:%b} {row['first_seen'].day})"
        if used[label]:
            label = f"{label} [{row['story_id']}]"
        used[label] += 1
        result[row["story_id"]] = label
    return result

"""A few thousand wire-service articles with their syndicated copies, written as a JSON Lines feed.

Written from how real feeds look, not from the code under test: events covered by several outlets in their own
words around a few shared facts and quotes, over four days; aggregators reprinting some of the stories inside their
own chrome (a banner, a "related" list, a credit line naming the original publisher), cut to a teaser, re-headlined,
lightly edited or stamped hours later; headline-only items from alert feeds, some of them the same alert twice.
"""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

from dedup_worlds import prose

OUTLETS = ("Reuters", "Associated Press", "BBC News", "The Guardian", "Al Jazeera", "NPR", "Deutsche Welle")
AGGREGATORS = ("inkl", "Yahoo News", "MSN", "NewsBreak")
START = datetime(2026, 3, 2, 6, 0, tzinfo=timezone.utc)
BANNER = "Get all your news in one place. Latest headlines, every morning."
RELATED = ("Related stories:", "Markets close higher as oil slips", "Storm warning for the coast this weekend")


def wire_world(events: int = 500, seed: int = 7) -> list[dict]:
    """Rows ``id, title, text, source, url, published_at`` of ``events`` events and their copies, in feed order."""
    rng = random.Random(seed)
    rows: list[dict] = []
    for event in range(events):
        rows.extend(_event_rows(event, rng))
    rng.shuffle(rows)
    return rows


def write_wire_world(path: Path, events: int = 500, seed: int = 7) -> Path:
    rows = wire_world(events, seed)
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def _event_rows(event: int, rng: random.Random) -> list[dict]:
    facts = [prose(event * 1000 + k, rng.randint(14, 24)) for k in range(3)]
    day = START + timedelta(hours=rng.uniform(0, 96))
    outlets = rng.sample(OUTLETS, rng.randint(1, 4))
    rows = []
    for n, outlet in enumerate(outlets):
        own = [prose(event * 1000 + 100 + n * 10 + k, rng.randint(40, 70)) for k in range(rng.randint(2, 5))]
        body = [*rng.sample(facts, 2), *own]
        rng.shuffle(body)
        when = day + timedelta(hours=rng.uniform(0, 10))
        title = f"{facts[0].split('.')[0][:60].title()} ({outlet.split()[0]})"
        original = _row(f"e{event}-{n}", title, "\n\n".join(body), outlet, when)
        rows.append(original)
        if rng.random() < 0.3:
            rows.append(_copy(original, rng))
    if rng.random() < 0.08:
        alert = _row(f"e{event}-alert", f"Breaking: {facts[1].split('.')[0][:70]}", "", "Alerts", day)
        rows.append(alert)
        if rng.random() < 0.5:
            rows.append({**alert, "id": f"e{event}-alert-again", "source": "Alerts Mirror",
                         "published_at": _stamp(day + timedelta(minutes=7))})
    return rows


def _copy(original: dict, rng: random.Random) -> dict:
    """An aggregator's reprint: chrome around the text, and one of a teaser, a new headline, edits or a delay."""
    paragraphs = original["text"].split("\n\n")
    kind = rng.choice(("plain", "teaser", "headline", "edited", "late"))
    if kind == "teaser":
        paragraphs = paragraphs[:2]
    if kind == "edited":
        words = paragraphs[-1].split()
        for position in rng.sample(range(len(words)), min(3, len(words))):
            words[position] = "reportedly"
        paragraphs = [*paragraphs[:-1], " ".join(words)]
    credit = f"This article was originally published by {original['source']}."
    text = "\n".join([BANNER, *paragraphs, credit, *RELATED])
    title = f"What we know: {original['title']}" if kind == "headline" else original["title"]
    delay = timedelta(hours=rng.uniform(6, 30) if kind == "late" else rng.uniform(0.2, 3))
    when = datetime.fromisoformat(original["published_at"]) + delay
    return _row(f"{original['id']}-copy", title, text, rng.choice(AGGREGATORS), when)


def _row(article_id: str, title: str, text: str, source: str, when: datetime) -> dict:
    slug = article_id.replace("-", "/")
    return {"id": article_id, "title": title, "text": text, "source": source,
            "url": f"https://{source.lower().replace(' ', '')}.example/{slug}", "published_at": _stamp(when)}


def _stamp(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")

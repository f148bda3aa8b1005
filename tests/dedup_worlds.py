"""Small realistic articles for the dedup tests: news-like prose, article rows, frames and a run of the stage."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import numpy as np
import polars as pl

from cluster.chrome import strip_boilerplate
from cluster.config import CleanConfig, DedupConfig
from cluster.dedup import Deduplicator
from cluster.schema import ARTICLES, DUPLICATES
from cluster.tokens import ShingleSets

NEWS_PARAGRAPHS = [  # seven one-sentence news paragraphs, for chrome and token tests
    "The council approved the budget on Monday after a long debate about road repairs and school funding.",
    "Heavy rain closed two bridges in the north of the county and forced the evacuation of forty homes.",
    "The central bank left interest rates unchanged and said inflation would fall back next year.",
    "Hospital waiting times rose for the third month in a row, according to figures published on Thursday.",
    "Farmers say the dry spring has cut the wheat harvest by a quarter compared with last year.",
    "The airport will add twelve new routes this summer, including daily flights to Lisbon and Split.",
    "Police arrested two men after a break-in at the museum in the old town late on Saturday night.",
]


T0 = datetime(2024, 5, 1, 8, 0, tzinfo=timezone.utc)
WORDS = """
government minister said plan would take effect next year after vote parliament council city budget tax rates bank
inflation prices rose fell percent market shares investors company profit quarter workers union strike pay deal
talks agreed rejected proposal court judge ruled appeal case police arrested man woman suspect charged officers
hospital patients doctors health service waiting times report found study researchers university scientists data
climate energy power gas oil wind solar homes families school teachers pupils exam results water river flood storm
rain weather warning roads traffic train rail airport flights delays passengers election candidate campaign voters
poll party leader opposition spokesperson statement week month monday tuesday wednesday thursday friday weekend
morning evening local residents community project building housing rent owners land farm farmers crops food supply
shortage cost living support scheme funding million billion pounds dollars euros growth economy jobs unemployment
figures official office national regional county district north south east west coast border trade export import
"""
VOCAB = WORDS.split()
BANNER = "Get all your news in one place."
FOOTER = "Read the full story on the original site."


def prose(seed: int, words: int) -> str:
    """Deterministic news-like filler; different seeds share (practically) no four-word runs."""
    rng = random.Random(seed)
    tokens = [rng.choice(VOCAB) for _ in range(words)]
    sentences, start = [], 0
    while start < words:
        stop = min(start + rng.randint(8, 16), words)
        sentence = " ".join(tokens[start:stop])
        sentences.append(sentence[0].upper() + sentence[1:] + ".")
        start = stop
    return " ".join(sentences)


def paragraphs(seed: int, count: int, words: int = 50) -> list[str]:
    return [prose(seed * 100 + k, words) for k in range(count)]


def item(article_id: str, source: str | None, title: str, text: str, hours: float = 0.0, date_missing: bool = False):
    return {
        "article_id": article_id, "title": title, "text": text, "source": source, "url": None,
        "published_at": T0 + timedelta(hours=hours), "date_missing": date_missing, "file": "test.jsonl", "row": 0,
    }


def frames(rows: list[dict], clean: CleanConfig | None = None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """ARTICLES and CLEANED frames for ``rows``, the second through the real boilerplate stripper."""
    clean = clean or CleanConfig()
    articles = pl.DataFrame(rows, schema=ARTICLES, orient="row")
    articles = articles.with_columns(pl.int_range(1, len(rows) + 1).alias("row"))
    cleaned = strip_boilerplate(articles, clean)
    return articles, cleaned


def dedup(rows: list[dict], clean: CleanConfig | None = None, **settings) -> dict[str, dict]:
    """The ``duplicates`` rows of ``rows`` by article id (checking the schema and the row order on the way)."""
    articles, cleaned = frames(rows, clean)
    table = Deduplicator(DedupConfig(**settings)).fit(articles, cleaned).table_
    assert table.schema == DUPLICATES
    assert table["article_id"].to_list() == [r["article_id"] for r in rows]
    return {row["article_id"]: row for row in table.iter_rows(named=True)}


def partition(table: dict[str, dict]) -> set[frozenset[str]]:
    groups: dict[str, set[str]] = {}
    for article_id, row in table.items():
        groups.setdefault(row["dup_group_id"], set()).add(article_id)
    return {frozenset(g) for g in groups.values()}


def teaser_world() -> list[dict]:
    """Three 200-word Wire originals and three aggregator teasers wrapped in the aggregator's chrome."""
    rows = []
    for n in range(3):
        body = paragraphs(n + 1, 4)
        rows.append(item(f"wire-{n}", "Wire", f"Wire story {n}", "\n".join(body), hours=n))
        lead = " ".join(" ".join(body).split()[:60])  # 30% of the article
        rows.append(item(f"hub-{n}", "NewsBreeze", f"Teaser {n}", f"{BANNER}\n{lead}\n{FOOTER}", hours=n + 1))
    return rows


def mixed_world() -> list[dict]:
    """Teasers, a copied budget story, a shared template in three articles, two equal headlines and a lone story."""
    body = paragraphs(51, 4)
    template = prose(952, 80)
    return [
        *teaser_world(),
        item("orig", "Wire", "Council approves new budget", "\n".join(body), hours=0.5),
        item("copy1", "Courier", "Budget approved", "\n".join([body[0], body[1], body[3]]), hours=2),
        item("copy2", "Herald", "Council says yes", "\n".join(body[1:]), hours=2),
        item("t-a", "Alpha", "Flood warning", "\n".join([template, *paragraphs(61, 3)])),
        item("t-b", "Beta", "Notice", "\n".join([template, prose(62, 10)]), hours=1),
        item("t-c", "Gamma", "Rail delays", "\n".join([template, *paragraphs(63, 3)]), hours=2),
        item("h1", "Alpha", "Markets rally as rates fall", "", hours=3),
        item("h2", "Beta", "markets rally as rates fall", "", hours=4),
        item("solo", "Gamma", "Farmers count cost of dry spring", "\n".join(paragraphs(71, 3)), hours=5),
    ]


def shingle_sets_of(*members) -> ShingleSets:
    """``ShingleSets`` holding the given hash values, one iterable of ints per text."""
    arrays = [np.array(sorted(set(m)), dtype=np.uint32) for m in members]
    sizes = np.array([len(a) for a in arrays], dtype=np.int64)
    return ShingleSets(np.concatenate(arrays), np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64), sizes)

"""Shared parts of the dedup benchmarks: the base corpus, the syndication set built from it, metrics, baselines.

The syndication set (``syndication_set``) turns a base corpus of distinct articles into a night of news as an
aggregator-heavy feed sees it: every base article is an original (its text cut into paragraphs; half of them given a
publication hour, half a date alone); many get copies made by one transform each: by aggregators (wrapped in their
own chrome, listed as aggregators in the config) or by republishing outlets (light chrome of their own), and by the
reprints of ``bench/reprints.py``: reader apps (inkl, NewsBreak, SmartNews, Ground News, Flipboard and two unlisted
apps) that wrap the whole article in their frame, portals (Yahoo News, MSN, AOL), partner sites that credit the
origin in varied wordings, and partner teasers. Copies carry a date alone (no time of day), most of them the same
day as their original, which is what makes the canonical choice hard. Short items repeat headlines and stubs; and
distractors test what must stay apart. Every row has a gold group (the original it copies), a ``kind`` (the
transform or distractor that made it) and a URL where its source has one. Everything is seeded: the same base gives
the same set. ``same_day_copies=False`` builds the earlier set, whose copies came 15 minutes to 30 hours after
their original with a time of day, and had none of the reprints.
"""

from __future__ import annotations

import random
import re
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import polars as pl

from cluster.schema import ARTICLES
from cluster.tokens import shingle_sets, short_key

sys.path.insert(0, str(Path(__file__).resolve().parent))
from reprints import NEW_TRANSFORMS, Reprinter, slug

AGGREGATORS = {
    "NewsBreeze": (
        ["NewsBreeze", "Get all your news in one place."],
        ["This article originally appeared on {origin}.", "Related stories:", "- {related1}", "- {related2}",
         "- {related3}"],
    ),
    "Daily Digest Hub": (
        ["Daily Digest Hub | Your morning briefing"],
        ["Sign up to read this article and more from {origin}.", "Follow Daily Digest Hub on X for the latest updates"],
    ),
    "AllNews Now": (
        ["Advertisement", "AllNews Now: news from every side", "Posted {posted} | {comments} comments"],
        ["Read the full story at {origin}", "Subscribe to the AllNews Now daily newsletter", "(c) 2017 AllNews Now"],
    ),
    "PressPortal": (
        ["PressPortal", "{comments} readers are discussing this story"],
        ["Source: {origin}", "Share this article:", "Facebook / X / WhatsApp / Email"],
    ),
    "FeedRoll": (
        ["Trending on FeedRoll"],
        ["Continue reading on {origin}", "More from FeedRoll:", "1. {related1}", "2. {related2}"],
    ),
    "Newsly": (
        ["Newsly app: open in app for the best experience"],
        ["Newsly brings you stories from {origin} and 200 more outlets."],
    ),
}
REPUBLISHERS = {  # outlets that republish wire copy: few items each, so their chrome is not learned per source
    "Courier Weekly": (["This story first appeared on {origin}."],
                       ["Reporting by {origin} staff; edited by {editor}."]),
    "Metro Herald": ([], ["This story was originally published on {origin}."]),
    "Valley Times": ([], ["Edited for Valley Times by {editor}."]),
    "The Ledger": (["The Ledger | {section}"], []),
}
HEADLINE_FEEDS = ["HeadlineWire", "TopLines", "Newsly"]
TRANSFORMS = ("chrome", "teaser", "new_headline", "dateline", "paragraph_dropped", "paragraph_appended",
              "quotes_dashes", "combined")
COPY_KINDS = TRANSFORMS + NEW_TRANSFORMS  # every transform that copies a long article
DISTRACTORS = ("shared_quote", "template", "template_notice", "headline_variant")
EDITORS = ["Ana Ruiz", "Tom Okafor", "Mei Chen", "Lars Berg", "Priya Nair", "Sam Cole"]
SECTIONS = ["World", "Politics", "Business", "Science", "Culture"]
CITIES = ["WASHINGTON", "LONDON", "BERLIN", "MOSCOW", "BEIJING", "DOHA", "DUBLIN", "NEW YORK", "PARIS"]
AGENCIES = ["AP", "Reuters", "AFP", "dpa"]
APPENDED = [
    "Additional reporting by {editor}. This report has been updated with comment from officials and will be updated "
    "again as more details become available later in the day.",
    "{editor} contributed to this report. Readers with information about the events described here can contact our "
    "newsroom through the tips page on our website.",
]
TEMPLATE = (
    "About this series: our correspondents report from more than sixty countries under the editorial guidelines "
    "published on our website, and every story in this series is checked by two editors before publication. Views "
    "expressed by interviewees are their own. Corrections are listed on the corrections page, and readers can reach "
    "the standards editor with questions about our sourcing, our use of anonymous sources, or our choice of images "
    "at any time through the contact form."
)
_SENTENCE = re.compile(r"(?<=[.!?\"'])\s+(?=[A-Z\"'])")


def load_base(path: str | Path) -> pl.DataFrame:
    """``id, title, text, source, url, published_at`` of the base corpus (JSONL, JSONL.gz or Parquet)."""
    path = Path(path)
    frame = pl.read_parquet(path) if path.suffix == ".parquet" else pl.read_ndjson(path, infer_schema_length=None)
    frame = frame.select(
        pl.col("id").cast(pl.String),
        pl.col("title").cast(pl.String).fill_null(""),
        pl.col("text").cast(pl.String).fill_null(""),
        pl.col("source").cast(pl.String).fill_null("(unknown)"),
        (pl.col("url") if "url" in frame.columns else pl.lit(None)).cast(pl.String).alias("url"),
        pl.col("published_at").cast(pl.String).fill_null("2017-01-01"),
    )
    return frame.filter((pl.col("title").str.len_chars() > 0) | (pl.col("text").str.len_chars() > 0))


def distinct_base(base: pl.DataFrame, size: int = 4) -> tuple[pl.DataFrame, int]:
    """The base without its own near-duplicates, found by brute force (every pair, sparse matrix product).

    Two base articles with exact shingle Jaccard ≥ 0.3 or containment ≥ 0.5 (or the same letters-only title and
    text when short) would make the gold ambiguous; only the first of each such cluster is kept.
    """
    from scipy import sparse

    sets = shingle_sets(base["text"], size)
    n = len(sets)
    rows = np.repeat(np.arange(n), sets.sizes)
    columns = np.unique(sets.values, return_inverse=True)[1]
    matrix = sparse.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, columns)), shape=(n, columns.max() + 1))
    overlap = (matrix @ matrix.T).tocoo()
    sizes = sets.sizes.astype(np.float64)
    i, j, shared = overlap.row, overlap.col, overlap.data.astype(np.float64)
    keep = i < j
    i, j, shared = i[keep], j[keep], shared[keep]
    jaccard = shared / (sizes[i] + sizes[j] - shared)
    containment = shared / np.minimum(sizes[i], sizes[j])
    close = (jaccard >= 0.3) | (containment >= 0.5)
    drop = set()
    for a, b in sorted(zip(i[close].tolist(), j[close].tolist(), strict=True)):
        if a not in drop:
            drop.add(b)
    keys: dict[str, int] = {}
    for index, (title, text) in enumerate(zip(base["title"].to_list(), base["text"].to_list(), strict=True)):
        key = short_key(f"{title} {text}") if sets.sizes[index] < 10 else short_key(text)
        if key in keys:
            drop.add(index)
        keys.setdefault(key, index)
    kept = base.with_row_index("_i").filter(~pl.col("_i").is_in(sorted(drop))).drop("_i")
    return kept, len(drop)


def paragraphs(text: str, rng: random.Random) -> list[str]:
    sentences = [s.strip() for s in _SENTENCE.split(text.strip()) if s.strip()]
    out, start = [], 0
    while start < len(sentences):
        stop = start + rng.randint(2, 4)
        out.append(" ".join(sentences[start:stop]))
        start = stop
    return out or [text.strip()]


@dataclass
class Item:
    id: str
    title: str
    text: str
    source: str
    published_at: datetime
    gold: str
    kind: str
    kept: float = 1.0
    original: bool = False
    url: str | None = None


@dataclass
class SyndicationSet:
    items: list[Item]
    dropped_base: int
    aggregators: list[str] = field(default_factory=lambda: sorted(AGGREGATORS) + HEADLINE_FEEDS)

    def articles(self) -> pl.DataFrame:
        """The items as an ``ARTICLES`` table."""
        frame = pl.DataFrame(
            {
                "article_id": [x.id for x in self.items],
                "title": [x.title for x in self.items],
                "text": [x.text for x in self.items],
                "source": [x.source for x in self.items],
                "url": [x.url for x in self.items],
                "published_at": [x.published_at for x in self.items],
                "date_missing": [False] * len(self.items),
                "file": ["bench"] * len(self.items),
                "row": list(range(1, len(self.items) + 1)),
            },
            schema=ARTICLES,
        )
        return frame

    def gold(self) -> pl.DataFrame:
        return pl.DataFrame(
            {
                "article_id": [x.id for x in self.items],
                "gold": [x.gold for x in self.items],
                "kind": [x.kind for x in self.items],
                "kept": [x.kept for x in self.items],
                "original": [x.original for x in self.items],
                "published_at": [x.published_at for x in self.items],
            }
        )


def _curly(text: str) -> str:
    text = re.sub(r'"(\w)', "\u201c\\1", text)
    text = text.replace('"', "\u201d").replace("'", "\u2019").replace(" - ", " \u2014 ").replace("--", "\u2013")
    return text


def _typo(title: str, rng: random.Random) -> str | None:
    """One character edit inside a long word (a typo fixed or made)."""
    words = title.split()
    long = [k for k, w in enumerate(words) if len(w) >= 7 and w.isalpha()]
    if not long or len(short_key(title)) < 25:
        return None
    k = rng.choice(long)
    w = words[k]
    p = rng.randrange(1, len(w) - 1)
    words[k] = w[:p] + w[p + 1 :]
    return " ".join(words)


def syndication_set(base: pl.DataFrame, seed: int = 7, copy_share: float = 0.55,
                    same_day_copies: bool = True) -> SyndicationSet:
    """The benchmark set built from ``base`` (see the module docstring); ``same_day_copies=False`` builds the
    earlier set (copies by the eight transforms only, each 15 minutes to 30 hours after its original, with a time of
    day)."""
    distinct, dropped = distinct_base(base)
    builder = _SetBuilder(random.Random(seed), Reprinter(random.Random(seed + 1), []), same_day_copies)
    builder.originals(distinct.to_dicts())
    builder.shared_quotes()
    builder.templates()
    builder.boilerplates()
    builder.copies(copy_share)
    builder.headlines()
    builder.stubs()
    builder.rng.shuffle(builder.items)
    return SyndicationSet(builder.items, dropped)


class _SetBuilder:
    """The rows of one syndication set, added step by step with one random generator (the order of the steps is
    the order of its draws, so a seed always gives the same set)."""

    def __init__(self, rng: random.Random, reprinter: Reprinter, same_day_copies: bool) -> None:
        self.rng = rng
        self.reprinter = reprinter
        self.same_day_copies = same_day_copies
        self.items: list[Item] = []
        self.originals_: list[tuple[Item, list[str]]] = []
        self.eligible: list[tuple[Item, list[str]]] = []
        self.titles: list[str] = []

    def originals(self, rows: list[dict]) -> None:
        rng = self.rng
        for row in rows:
            day = datetime.fromisoformat(row["published_at"][:10]).replace(tzinfo=timezone.utc)
            at = day + timedelta(hours=rng.uniform(5, 19))
            if self.same_day_copies and rng.random() < 0.5:  # half the originals carry a date alone
                at = day
            paras = paragraphs(row["text"], rng)
            item = Item(f"o-{row['id']}", row["title"], "\n".join(paras), row["source"], at, f"o-{row['id']}",
                        "original", original=True, url=row["url"])
            self.items.append(item)
            self.originals_.append((item, paras))
        self.titles = [o.title for o, _ in self.originals_ if o.title]
        self.reprinter.titles = self.titles
        self.eligible = [(o, p) for o, p in self.originals_ if len(o.text.split()) >= 100]

    def shared_quotes(self) -> None:
        """Distractor: originals quoting two sentences from another article of the same day."""
        rng, eligible = self.rng, self.eligible
        by_date: dict[str, list[Item]] = {}
        for o, _ in self.originals_:
            by_date.setdefault(o.published_at.date().isoformat(), []).append(o)
        for k in rng.sample(range(len(eligible)), min(150, len(eligible) // 10)):
            target, paras = eligible[k]
            if len(target.text.split()) < 200:  # the quote must stay a small part of the article that quotes it
                continue
            donors = [o for o in by_date[target.published_at.date().isoformat()]
                      if o is not target and len(o.text.split()) >= 200]
            if not donors:
                continue
            donor = rng.choice(donors)  # two sentences from the second half of another article of the same day
            sentences = _SENTENCE.split(donor.text.replace("\n", " "))
            sentences = [s for s in sentences[len(sentences) // 2 :] if len(s.split()) >= 12][:2]
            if not sentences:
                continue
            quote = f"\u201c{' '.join(sentences)}\u201d, {donor.source} quoted officials as saying."
            paras.insert(min(2, len(paras)), quote)
            target.text = "\n".join(paras)
            target.kind = "shared_quote"

    def templates(self) -> None:
        """Distractor: 40 articles of one outlet ending with the same long paragraph, and notices mostly of it."""
        eligible = self.eligible
        source = max({o.source for o, _ in eligible}, key=lambda s: sum(o.source == s for o, _ in eligible))
        for target, paras in [(o, p) for o, p in eligible if o.source == source and o.kind == "original"][:40]:
            paras.append(TEMPLATE)
            target.text = "\n".join(paras)
            target.kind = "template"
        for k in range(15):
            donor = self.rng.choice(self.originals_)[0]
            sentence = _SENTENCE.split(donor.text.replace("\n", " "))[0].split()
            self.rng.shuffle(sentence)  # words of a real sentence in a new order: a text of its own
            at = donor.published_at + timedelta(hours=1)
            self.items.append(Item(f"n-{k}", f"Notice {k}", f"{' '.join(sentence)}\n{TEMPLATE}", source, at, f"n-{k}",
                                   "template_notice", original=True))

    def boilerplates(self) -> None:
        """Distractor: a press-release paragraph pasted into two articles of two outlets, and notices of three other
        outlets that are mostly that paragraph: too spread out to be learned as chrome, so only the guard keeps the
        notices (contained in both articles) from joining either."""
        rng = self.rng
        pool = [(o, p) for o, p in self.eligible if o.kind == "original"]
        for k in range(5):
            boiler = " ".join(rng.choices(rng.choice(pool)[0].text.split(), k=60))
            boiler = f"About the company {k}: {boiler}."
            pair = rng.sample(pool, 2)
            for target, paras in pair:
                paras.append(boiler)
                target.text = "\n".join(paras)
                target.kind = "template"
            for m in range(3):
                words = rng.choice(pool)[0].text.split()[:12]
                rng.shuffle(words)
                at = pair[0][0].published_at + timedelta(hours=2 + m)
                self.items.append(Item(f"x-{k}-{m}", f"Notice {k}.{m}", f"{' '.join(words)}\n{boiler}",
                                       f"Press desk {m}", at, f"x-{k}-{m}", "template_notice", original=True))

    def copies(self, copy_share: float) -> None:
        """1–4 copies of ``copy_share`` of the originals of 100 words or more, each by one transform."""
        rng, eligible = self.rng, self.eligible
        kinds = (COPY_KINDS if self.same_day_copies else TRANSFORMS) + ("teaser", "teaser")
        counter = 0
        for k in rng.sample(range(len(eligible)), int(copy_share * len(eligible))):
            origin, paras = eligible[k]
            origin_day = origin.published_at.replace(hour=0, minute=0, second=0, microsecond=0)
            for _ in range(rng.choice([1, 1, 2, 2, 3, 4])):
                counter += 1
                kind = rng.choice(kinds)
                at = origin.published_at + timedelta(hours=rng.uniform(0.25, 30))
                if self.same_day_copies:
                    at = self.reprinter.copy_day(kind, origin_day)
                if kind in NEW_TRANSFORMS:
                    copy = self.reprinter.make(kind, origin.source, origin.title, origin_day, paras)
                    self.items.append(Item(f"c-{counter}", origin.title, copy.text, copy.source, at, origin.gold,
                                           kind, kept=copy.kept, url=copy.url))
                else:
                    self.items.append(self._transformed(kind, origin, paras, at, f"c-{counter}"))

    def _transformed(self, kind: str, origin: Item, paras: list[str], at: datetime, item_id: str) -> Item:
        """A copy by one of the eight transforms, wrapped in its aggregator's or republisher's chrome."""
        rng = self.rng
        aggregator = rng.choice(sorted(AGGREGATORS))
        republisher = rng.choice(sorted(REPUBLISHERS))
        title, body, kept = _edited(kind, origin, list(paras), rng)
        by_aggregator = kind in ("chrome", "teaser", "combined") or (kind == "quotes_dashes" and rng.random() < 0.5)
        source = aggregator if by_aggregator else republisher
        text = self._wrap(source, body, origin)
        url = f"https://www.{slug(source).replace('-', '')}.com/{slug(title)}-{item_id[2:]}" if self.same_day_copies \
            else None
        return Item(item_id, title, text, source, at, origin.gold, kind, kept=kept, url=url)

    def _wrap(self, source: str, body: list[str], origin: Item) -> str:
        rng = self.rng
        head, foot = {**AGGREGATORS, **REPUBLISHERS}[source]
        fill = {"origin": origin.source, "editor": rng.choice(EDITORS), "section": rng.choice(SECTIONS),
                "posted": f"{rng.randint(1, 28)} March at {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}",
                "comments": rng.randint(2, 900), **{f"related{k}": rng.choice(self.titles) for k in (1, 2, 3)}}
        return "\n".join([h.format(**fill) for h in head] + body + [f.format(**fill) for f in foot])

    def headlines(self) -> None:
        """Short items: headline-only repeats (exact, re-punctuated, one typo), each a gold group of their own, and
        a different headline that shares all but one word."""
        rng = self.rng
        for n_group, (origin, _) in enumerate(rng.sample(self.eligible, min(300, len(self.eligible)))):
            if len(short_key(origin.title)) < 15:
                continue
            variants = [origin.title, _curly(origin.title.upper() if rng.random() < 0.3 else origin.title)]
            typo = _typo(origin.title, rng)
            if typo:
                variants.append(typo)
            for v, title in enumerate(variants):
                at = origin.published_at + timedelta(hours=1 + v)
                kind = "headline_only" if v < 2 else "headline_typo"
                self.items.append(Item(f"h-{n_group}-{v}", title, "", HEADLINE_FEEDS[v % 3], at, f"h-{n_group}", kind))
            words = origin.title.split()
            swappable = [k for k, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
            if swappable:
                k = rng.choice(swappable)
                other = list(words)
                other[k] = rng.choice([w for w in ["Senate", "minister", "protest", "market", "election", "court",
                                                   "company"] if w.lower()[:4] != words[k].lower()[:4]])
                if short_key(" ".join(other)) != short_key(origin.title):
                    self.items.append(Item(f"v-{n_group}", " ".join(other), "", HEADLINE_FEEDS[2],
                                           origin.published_at + timedelta(hours=4), f"v-{n_group}",
                                           "headline_variant"))

    def stubs(self) -> None:
        """Six-word stubs (fewer than ``min_shingles`` shingles) posted twice, each pair a gold group."""
        for n_group, (origin, paras) in enumerate(self.rng.sample(self.eligible, min(100, len(self.eligible)))):
            stub = " ".join(paras[0].split()[:6]) + " \u2026"
            for v in range(2):
                at = origin.published_at + timedelta(hours=2 + v)
                self.items.append(Item(f"s-{n_group}-{v}", origin.title, stub, HEADLINE_FEEDS[v], at, f"s-{n_group}",
                                       "short_stub"))


def _edited(kind: str, origin: Item, body: list[str], rng: random.Random) -> tuple[str, list[str], float]:
    """Title, paragraphs and kept share of the words after the transform's edits."""
    title, kept = origin.title, 1.0
    words = origin.text.split()
    if kind in ("teaser", "combined"):
        low, high = rng.choice([(0.25, 0.40), (0.25, 0.40), (0.40, 0.60), (0.60, 1.0)]) if kind == "teaser" \
            else (0.40, 1.0)
        count = max(int(len(words) * rng.uniform(low, high)), 1)
        body = [" ".join(words[:count]) + "\u2026"]
        kept = count / len(words)
    if kind in ("new_headline", "combined"):
        title = f"{rng.choice(['Explainer', 'What we know', 'Analysis', 'Update'])}: {' '.join(title.split()[:5])}"
    if kind in ("dateline", "combined"):
        body[0] = f"{rng.choice(CITIES)} ({rng.choice(AGENCIES)}) \u2014 {body[0]}"
    if kind == "paragraph_dropped":  # a paragraph (not the first, at most 30% of the words) left out
        small = [p for p in range(1, len(body)) if len(body[p].split()) <= 0.3 * len(words)]
        if small:
            drop = rng.choice(small)
            kept = 1 - len(body[drop].split()) / len(words)
            del body[drop]
    if kind == "paragraph_appended":
        body.append(rng.choice(APPENDED).format(editor=rng.choice(EDITORS)))
    if kind == "quotes_dashes":
        title, body = _curly(title), [_curly(p) for p in body]
    return title, body, kept


# ---------------------------------------------------------------- metrics


def evaluate(gold: pl.DataFrame, predicted: pl.DataFrame) -> dict:
    """Scores of predicted groups (``article_id, group, canonical``) against ``gold`` (``syndication_set().gold()``)."""
    from cluster.evaluate import score

    joined = gold.join(predicted, on="article_id", how="left", maintain_order="left")
    scores = score(joined["gold"].to_list(), joined["group"].to_list())
    first = (  # the head of a gold group: its original, or for short-item groups the earliest item
        joined.sort(["original", "published_at", "article_id"], descending=[True, False, False])
        .group_by("gold", maintain_order=True).first()
        .select("gold", pl.col("article_id").alias("gold_head"))
    )
    heads = joined.join(first, on="gold").join(
        joined.select(pl.col("article_id").alias("gold_head"), pl.col("group").alias("head_group"),
                      pl.col("canonical").alias("head_canonical")), on="gold_head"
    )
    copies = heads.filter(pl.col("article_id") != pl.col("gold_head")).with_columns(
        (pl.col("group") == pl.col("head_group")).alias("found")
    )
    per_kind = copies.group_by("kind").agg(pl.col("found").mean().alias("recall"), pl.len().alias("n")).sort("kind")
    bucket = (
        pl.when(pl.col("kept") < 0.40).then(pl.lit("25-40%")).when(pl.col("kept") < 0.60).then(pl.lit("40-60%"))
        .otherwise(pl.lit("60-100%"))
    )
    long_copies = copies.filter(pl.col("kind").is_in(list(COPY_KINDS)))
    per_share = long_copies.with_columns(bucket.alias("kept_share")).group_by("kept_share").agg(
        pl.col("found").mean().alias("recall"), pl.len().alias("n")
    ).sort("kept_share")
    teasers = long_copies.filter(pl.col("kind") == "teaser").with_columns(bucket.alias("kept_share"))
    teaser_25_40 = teasers.filter(pl.col("kept_share") == "25-40%")["found"].mean()
    found_heads = heads.filter(pl.col("article_id") == pl.col("gold_head")).join(
        copies.group_by("gold").agg(pl.col("found").any().alias("any_found")), on="gold"
    ).filter(pl.col("any_found"))
    canonical_accuracy = (float((found_heads["head_canonical"] == found_heads["gold_head"]).mean())
                          if found_heads.height else 1.0)
    per_kind_canonical = canonical_per_kind(copies.filter(pl.col("found")), "canonical")
    spans = joined.group_by("group").agg(pl.col("gold").n_unique().alias("golds"), pl.len().alias("size"))
    joining = int(spans.filter(pl.col("golds") > 1).height)
    originals = joined.filter(pl.col("original"))
    distractor = originals.join(spans, on="group").with_columns((pl.col("golds") > 1).alias("joined"))
    per_distractor = (
        pl.concat([
            distractor.select("kind", "joined"),
            joined.filter(pl.col("kind") == "headline_variant").join(spans, on="group")
            .select("kind", (pl.col("golds") > 1).alias("joined")),
        ])
        .group_by("kind").agg(pl.col("joined").sum().alias("wrongly_joined"), pl.len().alias("n")).sort("kind")
    )
    return {
        "pairwise_precision": scores.pairwise_precision,
        "pairwise_recall": scores.pairwise_recall,
        "pairwise_f1": scores.pairwise_f1,
        "bcubed_f1": scores.bcubed_f1,
        "per_transform": per_kind,
        "per_kept_share": per_share,
        "teaser_25_40_recall": float(teaser_25_40) if teaser_25_40 is not None else float("nan"),
        "canonical_accuracy": canonical_accuracy,
        "canonical_per_transform": per_kind_canonical,
        "groups_joining_two_originals": joining,
        "per_distractor": per_distractor,
    }


def canonical_per_kind(copies: pl.DataFrame, column: str) -> pl.DataFrame:
    """Per kind of copy: the share of copies (grouped with their original) whose group's canonical, in ``column``,
    is the original (``gold_head``)."""
    return (
        copies.with_columns((pl.col(column) == pl.col("gold_head")).alias("right"))
        .group_by("kind").agg(pl.col("right").mean().alias("canonical_accuracy"), pl.len().alias("n")).sort("kind")
    )


# ---------------------------------------------------------------- the datasketch documentation recipe


def datasketch_recipe(articles: pl.DataFrame, bulk: bool = False) -> tuple[pl.DataFrame, dict]:
    """The datasketch documentation recipe (``datasketch_dedup.py``): word 5-gram shingles, ``MinHash(num_perm=128)``
    (``MinHash.bulk`` when ``bulk``), ``MinHashLSH(threshold=0.8)``, union-find over query hits. Returns groups and
    timings."""
    from datasketch import MinHash
    from datasketch_dedup import lsh_groups, recipe_shingles

    texts = [(t or "") if (t or "").strip() else (h or "")
             for h, t in zip(articles["title"].to_list(), articles["text"].to_list(), strict=True)]
    ids = articles["article_id"].to_list()
    started = time.perf_counter()
    shingles = [recipe_shingles(t) for t in texts]
    if bulk:
        hashes = MinHash.bulk([list(s) for s in shingles], num_perm=128)
    else:
        hashes = []
        for s in shingles:
            m = MinHash(num_perm=128)
            for d in s:
                m.update(d)
            hashes.append(m)
    signed = time.perf_counter()
    groups = lsh_groups(ids, hashes)
    done = time.perf_counter()
    published = dict(zip(ids, articles["published_at"].to_list(), strict=True))
    first: dict[str, str] = {}
    for key, group in zip(ids, groups, strict=True):  # canonical: the earliest member (the recipe has none)
        if group not in first or (published[key], key) < (published[first[group]], first[group]):
            first[group] = key
    table = pl.DataFrame({"article_id": ids, "group": groups, "canonical": [first[g] for g in groups]})
    return table, {"signatures": signed - started, "lsh": done - signed, "total": done - started}


# ---------------------------------------------------------------- larger corpora for the speed benchmark


def markov_texts(base: pl.DataFrame, count: int, words: int, seed: int) -> list[str]:
    """``count`` texts of ``words`` words drawn from a word-bigram model of the base corpus: realistic word and
    shingle statistics (stock phrases recur, whole sentences do not), in paragraphs of about 60 words."""
    rng = np.random.default_rng(seed)
    tokens = " ".join(base["text"].to_list()).split()
    vocab, ids = np.unique(np.array(tokens, dtype=object), return_inverse=True)
    ids = ids.astype(np.int64)
    order = np.argsort(ids[:-1], kind="stable")
    successors = ids[1:][order]
    counts = np.bincount(ids[:-1], minlength=len(vocab))
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    out = np.empty((count, words), dtype=np.int64)
    current = ids[rng.integers(0, len(ids) - 1, count)]
    for step in range(words):
        out[:, step] = current
        stuck = counts[current] == 0
        pick = starts[current] + (rng.random(count) * np.maximum(counts[current], 1)).astype(np.int64)
        current = np.where(stuck, ids[rng.integers(0, len(ids) - 1, count)],
                           successors[np.minimum(pick, len(successors) - 1)])
    breaks = np.zeros(words, dtype=bool)
    breaks[60::60] = True
    vocab = vocab.astype(str)
    texts = []
    for row in out:
        parts = vocab[row]
        paragraphs = np.split(parts, np.flatnonzero(breaks))
        texts.append("\n".join(" ".join(p) for p in paragraphs))
    return texts


def speed_corpus(base: pl.DataFrame, n: int, seed: int = 11, words: int = 600, copy_share: float = 0.3) -> pl.DataFrame:
    """``n`` articles (an ``ARTICLES`` table): ``1 - copy_share`` of them new texts of ``words`` words from the base's
    bigram model, the rest copies of those by aggregators (chrome, teasers of 25–100%, datelines, dropped
    paragraphs)."""
    rng = random.Random(seed)
    n_orig = n - int(n * copy_share)
    texts = markov_texts(base, n_orig, words, seed)
    sources = sorted(set(base["source"].to_list()))
    titles = base["title"].to_list()
    t0 = datetime(2017, 3, 1, tzinfo=timezone.utc)
    rows = [(f"o{k}", rng.choice(titles), t, rng.choice(sources), t0 + timedelta(minutes=k % 1440))
            for k, t in enumerate(texts)]
    for k in range(n - n_orig):
        origin = rows[rng.randrange(n_orig)]
        source, text = aggregator_copy(origin[2], origin[3], titles, rng)
        rows.append((f"c{k}", origin[1], text, source, origin[4] + timedelta(hours=rng.uniform(0.5, 12))))
    rng.shuffle(rows)
    return pl.DataFrame(
        {
            "article_id": [r[0] for r in rows], "title": [r[1] for r in rows], "text": [r[2] for r in rows],
            "source": [r[3] for r in rows], "url": [None] * len(rows), "published_at": [r[4] for r in rows],
            "date_missing": [False] * len(rows), "file": ["bench"] * len(rows), "row": list(range(1, len(rows) + 1)),
        },
        schema=ARTICLES,
    )


def aggregator_copy(text: str, origin_source: str, titles: list[str], rng: random.Random) -> tuple[str, str]:
    """``(aggregator, text)``: one aggregator's copy of ``text``, made by one transform (its chrome alone, a teaser
    of 25–100% of the words, a dateline, or a dropped paragraph), wrapped in that aggregator's header and footer."""
    source = rng.choice(sorted(AGGREGATORS))
    head, foot = AGGREGATORS[source]
    paras = text.split("\n")
    kind = rng.choice(["chrome", "teaser", "dateline", "dropped"])
    if kind == "teaser":
        w = text.split()
        paras = [" ".join(w[: int(len(w) * rng.uniform(0.25, 1.0))]) + "\u2026"]
    elif kind == "dateline":
        paras[0] = f"{rng.choice(CITIES)} ({rng.choice(AGENCIES)}) \u2014 {paras[0]}"
    elif kind == "dropped" and len(paras) > 2:
        del paras[rng.randrange(1, len(paras))]
    fill = {"origin": origin_source, "related1": rng.choice(titles), "related2": rng.choice(titles),
            "related3": rng.choice(titles), "posted": f"{rng.randint(1, 28)} March", "comments": rng.randint(2, 900)}
    return source, "\n".join([h.format(**fill) for h in head] + paras + [f.format(**fill) for f in foot])

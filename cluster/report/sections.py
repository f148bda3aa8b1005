"""What each section of ``report.html`` shows, as plain values for its template under ``templates/parts/``.

Every function takes output tables (and the manifest's counts) and returns dicts of texts and numbers already worded
for people (``display``); a section with nothing to show returns None and its template says so. Rule explanations
come from ``rules``. No markup is built here: the templates lay the values out and escape them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl

from ..display import day, hours, moment, number, plural, span
from ..rules import CANONICAL_RULES, MATCH_RULES
from ..runs import originals_and_copies
from ..timeutil import SECONDS_PER_DAY, SECONDS_PER_HOUR
from . import figures

TOP_STORIES = 10
OPEN_STORIES = 3           # top stories shown unfolded
LISTED_STORIES = 500       # stories (largest first) whose articles the page lists; the rest are rows with their ids
TIMELINE_STORIES = 25
TOP_TOPICS = 15            # topics listed open; the rest under "more topics"
TOPIC_STORIES = 8          # stories listed under a topic
TIMELINE_LABEL_CHARS = 60
LARGEST_GROUPS = 5
HEATMAP_ORIGINS, HEATMAP_COPIERS = 15, 12
SYNDICATION_ROWS = 50

# The run's numbers, in page order: (run.json counts key, label). Keys missing from the counts are not shown.
NUMBERS = (
    ("rows_in", "articles in"),
    ("rejected", "rejected"),
    ("duplicate_groups", "duplicate groups"),
    ("copies", "copies collapsed"),
    ("unique_articles", "unique articles"),
    ("stories", "stories"),
    ("new_stories", "new stories"),
    ("continuing_stories", "continuing stories"),
    ("renamed_stories", "renamed stories"),
    ("stories_only_from_copies", "stories only from copies"),
    ("chains_with_rounds", "recurring chains"),
    ("topics", "topics"),
)


def href(url: str | None) -> str | None:
    """The address a link may point to: only web pages, so a feed's ``javascript:`` or file URL stays text."""
    return url if url and url.startswith(("http://", "https://")) else None


def delay_hours(original: dict[str, Any], copy: dict[str, Any]) -> float | None:
    """How many hours after its original a copy was published."""
    if original["published_at"] is None or copy["published_at"] is None:
        return None
    return (copy["published_at"] - original["published_at"]).total_seconds() / SECONDS_PER_HOUR


def publication_span(articles: pl.DataFrame) -> str:
    """The days the articles were published on: ``Mar 2, 2026`` or ``Mar 2 – Mar 13, 2026``; empty without dates."""
    if articles.is_empty() or articles["published_at"].null_count() == articles.height:
        return ""
    first, last = articles["published_at"].min(), articles["published_at"].max()
    if first.date() == last.date():
        return f"{day(first)}, {first.year}"
    year = "" if first.year == last.year else f", {first.year}"
    return f"{day(first)}{year} – {day(last)}, {last.year}"


# ---------------------------------------------------------------- the run in numbers


def numbers_title(articles: pl.DataFrame, manifest: dict[str, Any]) -> str:
    """The numbers section's title, by the span of the run: "The night in numbers" for a nightly run or articles
    published within 24 hours, else "12 days in numbers: Mar 2 – Mar 13, 2026" (calendar days counted)."""
    dated = articles["published_at"].drop_nulls() if "published_at" in articles.columns else pl.Series([])
    if dated.is_empty():
        return "The night in numbers" if manifest.get("night") else "The run in numbers"
    first, last = dated.min(), dated.max()
    if manifest.get("night") or (last - first).total_seconds() <= SECONDS_PER_DAY:
        return "The night in numbers"
    days = (last.date() - first.date()).days + 1
    return f"{days} days in numbers: {publication_span(articles)}"


def numbers(counts: dict[str, Any], articles: pl.DataFrame, from_copies: int = 0) -> dict[str, Any]:
    """A card per counted number and one paragraph that says the same; ``from_copies`` stories hold only copies of
    earlier nights' articles (``output_tables.stories_only_from_copies``)."""
    cards = [{"key": key, "label": label, "value": number(counts[key]), "bad": key == "rejected" and bool(counts[key])}
             for key, label in NUMBERS if key in counts]
    lede = []
    if "rows_in" in counts:
        unusable = f"; {number(counts.get('rejected', 0))} could not be used" if counts.get("rejected") else ""
        lede.append(f"{plural(counts['rows_in'], 'article')} came in{unusable}.")
    if "copies" in counts and "duplicate_groups" in counts:
        in_stories = f" in {plural(counts['stories'], 'story', 'stories')}" if "stories" in counts else ""
        if in_stories and from_copies:
            in_stories += (f": {number(counts['stories'] - from_copies)} clustered from tonight's originals, "
                           f"{number(from_copies)} holding only copies of earlier nights' articles")
        lede.append(f"{plural(counts['copies'], 'syndicated copy', 'syndicated copies')} collapsed into "
                    f"{plural(counts['duplicate_groups'], 'duplicate group')}, leaving "
                    f"{plural(counts.get('unique_articles', 0), 'unique article')}{in_stories}.")
    if "new_stories" in counts and "continuing_stories" in counts:
        renamed = counts.get("renamed_stories", 0)
        renamed_note = f" ({number(renamed)} renamed as {'it' if renamed == 1 else 'they'} grew)" if renamed else ""
        lede.append(f"{number(counts['new_stories'])} new, {number(counts['continuing_stories'])} continuing "
                    f"from earlier nights{renamed_note}.")
    sources = articles["source"].drop_nulls().n_unique() if "source" in articles.columns else 0
    if sources:
        lede.append(f"{plural(sources, 'source')}.")
    return {"cards": cards, "lede": " ".join(lede)}


# ---------------------------------------------------------------- top stories


def top_stories(stories: pl.DataFrame, articles: pl.DataFrame, duplicates: pl.DataFrame,
                listed: int = LISTED_STORIES) -> dict[str, Any] | None:
    """The ``TOP_STORIES`` stories with the most unique articles (then sources) as cards, every other one as a row of
    the "more stories" table, each with its id; the ``listed`` largest with their articles (``story_articles``).

    Listing every article made the page of a night of 22,000 articles 10 MB and 3 s to render, most of it stories an
    editor never opens; the rest are a row each, their articles a ``newsclust show story ID`` away."""
    if stories.is_empty():
        return None
    listed = max(listed, TOP_STORIES)
    ranked = stories.sort(["n_unique", "n_sources", "n_articles", "first_seen", "story_id"],
                          descending=[True, True, True, False, False])
    rounds: dict[str, list[dict[str, Any]]] = {}
    for row in stories.filter(pl.col("chain_id").is_duplicated()).sort("chain_id", "round").iter_rows(named=True):
        rounds.setdefault(row["chain_id"], []).append(row)
    by_story = _members_by_story(articles.filter(pl.col("story_id").is_in(ranked["story_id"].head(listed).implode())),
                                 duplicates)
    ranked_rows = list(ranked.iter_rows(named=True))
    cards = [
        _story_card(rank, story, by_story.get(story["story_id"], []), rounds.get(story["chain_id"], []))
        for rank, story in enumerate(ranked_rows[:TOP_STORIES], start=1)
    ]
    links = _headline_links(ranked.slice(listed), articles)
    more = [_story_row(story, by_story.get(story["story_id"], [])) if rank <= listed
            else _unlisted_row(story, links.get(story["story_id"]))
            for rank, story in enumerate(ranked_rows[TOP_STORIES:], start=TOP_STORIES + 1)]
    if not more:
        return {"cards": cards, "more": None}
    unlisted = max(len(ranked_rows) - listed, 0)
    return {"cards": cards, "more": {
        "summary": plural(len(more), "more story", "more stories"), "rows": more,
        "unlisted": f"The {number(listed)} largest stories open to their articles; the other {number(unlisted)} are "
                    "listed with their ids." if unlisted else None,
    }}


def _members_by_story(articles: pl.DataFrame, duplicates: pl.DataFrame) -> dict[str, list[dict[str, Any]]]:
    """Each story's rows of ``articles`` by time, with their match (rule, Jaccard, containment) when a copy."""
    if not duplicates.is_empty():
        articles = articles.join(duplicates.select("article_id", "rule", "jaccard", "containment"), on="article_id",
                                 how="left")
    by_story: dict[str, list[dict[str, Any]]] = {}
    for row in articles.sort("published_at", "article_id").iter_rows(named=True):
        by_story.setdefault(row["story_id"], []).append(row)
    return by_story


def _story_card(rank: int, story: dict[str, Any], members: list[dict[str, Any]],
                chain: list[dict[str, Any]]) -> dict[str, Any]:
    counts: dict[str, int] = {}
    for member in members:
        if member["source"] is not None:
            counts[member["source"]] = counts.get(member["source"], 0) + 1
    sources = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    chained = len(chain) > 1
    return {
        **_story_row(story, members), "rank": rank,
        "badge": f"round {story['round']} of {len(chain)}" if chained else None,
        "articles_count": plural(story["n_articles"], "article"),
        "sources_word": "source" if story["n_sources"] == 1 else "sources",
        "chain": [
            {"text": f"round {r['round']} · {span(r['first_seen'], r['last_seen'])}", "story_id": r["story_id"],
             "current": r["story_id"] == story["story_id"]}
            for r in chain
        ] if chained else [],
        "sources": ", ".join(f"{s}{f' ({n})' if n > 1 else ''}" for s, n in sources),
        "open": rank <= OPEN_STORIES,
    }


def _story_row(story: dict[str, Any], members: list[dict[str, Any]]) -> dict[str, Any]:
    """What the "more stories" table (and a card) shows of a story: its numbers, id, headline and articles.

    A story holding only copies of earlier nights' articles tonight (a nightly run) has no headline of its own in
    ``stories`` (it repeats the label), so none is shown."""
    articles = story_articles(members)
    own_headline = articles["originals"] or story["headline"] != story["label"]
    return {
        "story_id": story["story_id"], "label": story["label"], "headline": story["headline"] if own_headline else None,
        "previous_label": story.get("previous_label"), "listed": True, **_story_numbers(story), **articles,
    }


def _story_numbers(story: dict[str, Any]) -> dict[str, str]:
    """A story's counts and span as a row of the "more stories" table shows them."""
    return {"n_unique": number(story["n_unique"]), "n_articles": number(story["n_articles"]),
            "n_sources": number(story["n_sources"]), "seen": span(story["first_seen"], story["last_seen"])}


def _headline_links(stories: pl.DataFrame, articles: pl.DataFrame) -> dict[str, str]:
    """Per story, the address of its earliest original whose title is the story's headline (a web page only)."""
    if stories.is_empty() or "is_canonical" not in articles.columns:
        return {}
    titled = (articles.filter(pl.col("is_canonical"))
              .join(stories.select("story_id", "headline"), on="story_id")
              .filter(pl.col("title") == pl.col("headline"))
              .sort("published_at", "article_id", nulls_last=True)
              .group_by("story_id", maintain_order=True).agg(pl.col("url").first()))
    return {story: link for story, url in titled.iter_rows() if (link := href(url))}


def _unlisted_row(story: dict[str, Any], link: str | None) -> dict[str, Any]:
    """A row of the "more stories" table beyond the listed stories: its numbers, id and headline (linked to the
    article that has it), no articles."""
    return {
        "story_id": story["story_id"], "label": story["label"], "listed": False, "href": link,
        "headline": story["headline"] if story["headline"] != story["label"] else None, **_story_numbers(story),
    }


def story_articles(members: list[dict[str, Any]]) -> dict[str, Any]:
    """A story's articles (``members``: its rows of ``articles`` by time, with their match): the originals by time,
    each with links to its copies; then the copies whose original is not in this run (in a nightly run, tonight's
    copies of an earlier night's article), under the id of that original; and a summary of the counts."""
    originals, copies_of = originals_and_copies(members)
    shown = {original["article_id"] for original in originals}
    earlier = [{"canonical_id": canonical, "copies": [_earlier_copy(c) for c in copies]}
               for canonical, copies in copies_of.items() if canonical not in shown]
    n_earlier = sum(len(group["copies"]) for group in earlier)
    n_copies = len(members) - len(originals) - n_earlier
    parts = [plural(len(originals), "original")] if originals or not n_earlier else []
    if n_copies:
        parts.append(plural(n_copies, "copy", "copies"))
    if n_earlier:
        parts.append(plural(n_earlier, "copy of an earlier night's article", "copies of earlier nights' articles"))
    return {
        "summary": ", ".join(parts),
        "originals": [_original(original, copies_of.get(original["article_id"], [])) for original in originals],
        "earlier": earlier,
    }


def _original(original: dict[str, Any], copies: list[dict[str, Any]]) -> dict[str, Any]:
    """An original article of a story with links to its copies, each with how much later it appeared."""
    return {
        "time": moment(original["published_at"]), "source": original["source"] or "",
        "href": href(original["url"]), "title": original["title"] or original["article_id"],
        "copies": [
            {"href": href(c["url"]), "name": c["source"] or c["article_id"], "rule": c.get("rule") or "",
             "delay": hours(delay_hours(original, c))}
            for c in copies
        ],
    }


def _earlier_copy(copy: dict[str, Any]) -> dict[str, Any]:
    """A copy whose original is not in the run: what is known of it is its own."""
    return {"time": moment(copy["published_at"]), "source": copy["source"] or "", "href": href(copy["url"]),
            "title": copy["title"] or copy["article_id"], "rule": copy.get("rule") or ""}


# ---------------------------------------------------------------- topics


def topics(topic_table: pl.DataFrame | None, stories: pl.DataFrame) -> dict[str, Any] | None:
    """Topics by articles (then stories), each with its largest stories (links to their cards or rows)."""
    if topic_table is None or topic_table.is_empty() or "topic_id" not in stories.columns:
        return None
    by_topic: dict[str, list[dict[str, Any]]] = {}
    ranked_stories = stories.sort(["n_unique", "n_articles", "first_seen", "story_id"],
                                  descending=[True, True, False, False])
    for row in ranked_stories.iter_rows(named=True):
        by_topic.setdefault(row["topic_id"], []).append(row)
    rows = []
    for topic in topic_table.sort(["n_articles", "n_stories", "first_seen", "topic_id"],
                                  descending=[True, True, False, False]).iter_rows(named=True):
        members = by_topic.get(topic["topic_id"], [])
        shown = [{"story_id": m["story_id"], "label": m["label"], "n_articles": number(m["n_articles"])}
                 for m in members[:TOPIC_STORIES]]
        rows.append({"topic_id": topic["topic_id"], "label": topic["label"],
                     "n_stories": number(topic["n_stories"]), "n_articles": number(topic["n_articles"]),
                     "seen": span(topic["first_seen"], topic["last_seen"]), "stories": shown,
                     "hidden": plural(len(members) - len(shown), "more story", "more stories")
                     if len(members) > len(shown) else None})
    several = int((topic_table["n_stories"] > 1).sum())
    return {"top": rows[:TOP_TOPICS], "more": rows[TOP_TOPICS:],
            "more_summary": plural(len(rows) - TOP_TOPICS, "more topic") if len(rows) > TOP_TOPICS else None,
            "lede": f"{plural(len(rows), 'topic')}, {number(several)} of them with more than one story."}


# ---------------------------------------------------------------- story timeline


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def timeline(stories: pl.DataFrame, articles: pl.DataFrame) -> dict[str, Any] | None:
    """The ``TIMELINE_STORIES`` stories with the most articles, earliest first, binned by hour when the run spans two
    days or less, else by day."""
    top = stories.sort(["n_articles", "story_id"], descending=[True, False]).head(TIMELINE_STORIES)
    if top.is_empty() or articles["published_at"].null_count() == articles.height:
        return None
    first, last = articles["published_at"].min(), articles["published_at"].max()
    hourly = (last - first).total_seconds() <= 2 * SECONDS_PER_DAY
    top = top.sort("first_seen", "story_id")
    names = {s: _truncate(label, TIMELINE_LABEL_CHARS) for s, label in zip(top["story_id"], top["label"], strict=True)}
    per_bin = (
        articles.filter(pl.col("story_id").is_in(top["story_id"].to_list()))
        .with_columns(pl.col("published_at").dt.truncate("1h" if hourly else "1d").alias("bin"))
        .group_by("story_id", "bin").agg(pl.len().alias("len"), pl.col("published_at").mean().alias("at"))
        .sort("bin", "story_id")
    )
    chains = stories.filter(pl.col("chain_id").is_duplicated())["chain_id"].unique().sort().to_list()
    return {
        "unit": "hour" if hourly else "day", "stories": plural(top.height, "story", "stories"), "chained": bool(chains),
        "figure": figures.timeline(top, per_bin, names, chains, hourly, first, last),
    }


# ---------------------------------------------------------------- syndication


def _by_copies(syndication: pl.DataFrame, column: str) -> pl.DataFrame:
    return (syndication.group_by(column).agg(pl.col("copies").sum())
            .sort(["copies", column], descending=[True, False]))


def syndication(table: pl.DataFrame) -> dict[str, Any] | None:
    """Who copies whom: the heatmap of the most copied publishers and busiest copiers, and the top pairs."""
    if table.is_empty():
        return None
    all_origins = _by_copies(table, "origin_source")["origin_source"].to_list()
    by_copier = _by_copies(table, "copier_source")
    all_copiers = by_copier["copier_source"].to_list()
    origins, copiers = all_origins[:HEATMAP_ORIGINS], all_copiers[:HEATMAP_COPIERS]
    top_copier, top_copies = by_copier.row(0)
    cut = None
    if len(all_origins) > len(origins) or len(all_copiers) > len(copiers):
        cut = {"origins": len(origins), "copiers": len(copiers), "all_origins": len(all_origins),
               "all_copiers": len(all_copiers)}
    rows = [{"origin": o, "copier": c, "copies": number(n), "delay": hours(d)} for o, c, n, d in
            table.head(SYNDICATION_ROWS).select("origin_source", "copier_source", "copies", "median_delay_hours")
            .iter_rows()]
    return {
        "copies": plural(int(table["copies"].sum()), "copy", "copies"),
        "publishers": plural(len(all_origins), "publisher"), "copiers": plural(len(all_copiers), "copier"),
        "top_copier": top_copier, "top_copies": number(int(top_copies)), "cut": cut,
        "figure": figures.copy_matrix(table, origins, copiers),
        "rows": rows, "more": f"{table.height - len(rows):,}" if table.height > len(rows) else None,
    }


# ---------------------------------------------------------------- duplicate groups


def duplicate_groups(duplicates: pl.DataFrame, articles: pl.DataFrame) -> dict[str, Any] | None:
    """Group sizes, what the copies matched by, and the ``LARGEST_GROUPS`` largest groups member by member.

    A group's size is ``group_size``: in a nightly run it counts members of earlier nights too (the original of a
    late copy may be one), which are not in tonight's tables and are named by what is known of them."""
    if duplicates.is_empty():
        return None
    groups = (
        duplicates.group_by("dup_group_id")
        .agg(pl.col("group_size").max().alias("size"), pl.len().alias("tonight"), pl.col("canonical_id").first())
        .join(articles.select(pl.col("article_id").alias("canonical_id"), "published_at"), on="canonical_id",
              how="left")
        .sort(["size", "published_at", "dup_group_id"], descending=[True, False, False])
    )
    rule_counts = (duplicates.filter(~pl.col("is_canonical")).group_by("rule").len()
                   .sort(["len", "rule"], descending=[True, False]))
    shown = ("article_id", "source", "title", "url", "published_at", "story_label")
    meta = articles.select([c for c in shown if c in articles.columns])
    largest = []
    for group in groups.head(LARGEST_GROUPS).iter_rows(named=True):
        members = (
            duplicates.filter(pl.col("dup_group_id") == group["dup_group_id"]).join(meta, on="article_id", how="left")
            .sort(["is_canonical", "published_at", "article_id"], descending=[True, False, False])
        )
        largest.append(_group(group, members))
    return {
        "groups": plural(groups.height, "group"),
        "matched": ", ".join(f"{n} by {r}" for r, n in rule_counts.iter_rows()),
        "figure": figures.group_sizes(groups.group_by("size").len().sort("size")),
        "largest": largest,
    }


def _group(group: dict[str, Any], members: pl.DataFrame) -> dict[str, Any]:
    """One group: its original first (and the rule that chose it), then its copies by time. An original from an
    earlier night is named by its id."""
    first = members.row(0, named=True)
    canonical = first if first["is_canonical"] else None
    rule = first["canonical_rule"] or ""
    earlier = group["size"] - group["tonight"]
    size = plural(group["size"], "article") + (f", {earlier} of them from earlier nights" if earlier else "")
    return {
        "dup_group_id": group["dup_group_id"], "size": size,
        "story": first.get("story_label") or None, "rule": rule, "rule_means": CANONICAL_RULES.get(rule, rule),
        "earlier_original": None if canonical else first["canonical_id"],
        "members": [_member(m, canonical) for m in members.iter_rows(named=True)],
    }


def _member(member: dict[str, Any], canonical: dict[str, Any] | None) -> dict[str, Any]:
    shown = {"source": member["source"] or "", "time": moment(member["published_at"]), "href": href(member["url"])}
    if member["is_canonical"]:
        return {**shown, "original": True, "title": member["title"] or member["article_id"], "credit": None}
    same = canonical is not None and (member["title"] or "") == (canonical["title"] or "")
    delay = delay_hours(canonical, member) if canonical is not None else None
    return {
        **shown, "original": False, "title": "same headline" if same else (member["title"] or member["article_id"]),
        "delay": None if canonical is None else hours(delay), "rule": member["rule"],
        "rule_means": MATCH_RULES.get(member["rule"], ""),
        "scores": f"J {member['jaccard']:.2f} · C {member['containment']:.2f}",
        "credit": member.get("attribution"),
    }


# ---------------------------------------------------------------- rejected rows


def rejects(table: pl.DataFrame) -> dict[str, Any] | None:
    """Rejected rows per kind of reason (the reason without its details), each with its first example."""
    if table.is_empty():
        return None
    reasons = (
        table.with_columns(pl.col("reason").str.replace(r" \(.*$|: .*$", "").alias("kind"))
        .group_by("kind").agg(pl.len().alias("rows"), pl.col("file").first(), pl.col("row").first(),
                              pl.col("reason").first())
        .sort(["rows", "kind"], descending=[True, False])
    )
    return {
        "rows_rejected": plural(table.height, "row"),
        "figure": figures.reject_reasons(reasons),
        "reasons": [{"kind": kind, "rows": number(n), "where": f"{Path(file).name}:{row}", "example": reason}
                    for kind, n, file, row, reason in reasons.iter_rows()],
    }


# ---------------------------------------------------------------- run details


def run_details(manifest: dict[str, Any]) -> dict[str, Any]:
    """The folded footer: versions, config hash, model, and each stage's time and peak memory."""
    return {
        "version": manifest.get("newsclust_version", ""), "config_hash": manifest.get("config_hash", ""),
        "model": manifest.get("model") or "none", "started": manifest.get("started_at", ""),
        "stages": [{"name": s.get("name"), "seconds": f"{s.get('seconds', 0):.2f}",
                    "peak_mb": f"{s.get('peak_rss_mb', 0):.0f}"} for s in manifest.get("stages", [])],
        "versions": ", ".join(f"{k} {v}" for k, v in manifest.get("versions", {}).items()),
    }

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
from ..timeutil import SECONDS_PER_DAY, SECONDS_PER_HOUR
from . import figures

TOP_STORIES = 10
OPEN_STORIES = 3           # top stories shown unfolded
MORE_STORIES = 50          # rows of the "more stories" table
TIMELINE_STORIES = 25
TIMELINE_LABEL_CHARS = 60
LARGEST_GROUPS = 5
HEATMAP_ORIGINS, HEATMAP_COPIERS = 15, 12
SYNDICATION_ROWS = 50

# The night's numbers, in page order: (run.json counts key, label). Keys missing from the counts are not shown.
NUMBERS = (
    ("rows_in", "articles in"),
    ("rejected", "rejected"),
    ("duplicate_groups", "duplicate groups"),
    ("copies", "copies collapsed"),
    ("unique_articles", "unique articles"),
    ("stories", "stories"),
    ("new_stories", "new stories"),
    ("continuing_stories", "continuing stories"),
    ("chains_with_rounds", "recurring chains"),
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


# ---------------------------------------------------------------- the night in numbers


def numbers(counts: dict[str, Any], articles: pl.DataFrame) -> dict[str, Any]:
    """A card per counted number and one paragraph that says the same."""
    cards = [{"key": key, "label": label, "value": number(counts[key]), "bad": key == "rejected" and bool(counts[key])}
             for key, label in NUMBERS if key in counts]
    lede = []
    if "rows_in" in counts:
        unusable = f"; {number(counts.get('rejected', 0))} could not be used" if counts.get("rejected") else ""
        lede.append(f"{plural(counts['rows_in'], 'article')} came in{unusable}.")
    if "copies" in counts and "duplicate_groups" in counts:
        in_stories = f" in {plural(counts['stories'], 'story', 'stories')}" if "stories" in counts else ""
        lede.append(f"{plural(counts['copies'], 'syndicated copy', 'syndicated copies')} collapsed into "
                    f"{plural(counts['duplicate_groups'], 'duplicate group')}, leaving "
                    f"{plural(counts.get('unique_articles', 0), 'unique article')}{in_stories}.")
    if "new_stories" in counts and "continuing_stories" in counts:
        lede.append(f"{number(counts['new_stories'])} new, {number(counts['continuing_stories'])} continuing "
                    "from earlier nights.")
    sources = articles["source"].drop_nulls().n_unique() if "source" in articles.columns else 0
    if sources:
        lede.append(f"{plural(sources, 'source')}.")
    return {"cards": cards, "lede": " ".join(lede)}


# ---------------------------------------------------------------- top stories


def top_stories(stories: pl.DataFrame, articles: pl.DataFrame, duplicates: pl.DataFrame) -> dict[str, Any] | None:
    """The ``TOP_STORIES`` stories with the most unique articles (then sources) as cards, the next ones in a table."""
    if stories.is_empty():
        return None
    ranked = stories.sort(["n_unique", "n_sources", "n_articles", "first_seen", "story_id"],
                          descending=[True, True, True, False, False])
    rounds: dict[str, list[dict[str, Any]]] = {}
    for row in stories.filter(pl.col("chain_id").is_duplicated()).sort("chain_id", "round").iter_rows(named=True):
        rounds.setdefault(row["chain_id"], []).append(row)
    match = duplicates.select("article_id", "rule", "jaccard", "containment") if not duplicates.is_empty() else None
    members = articles if match is None else articles.join(match, on="article_id", how="left")
    by_story = {key[0]: frame for key, frame in members.group_by("story_id")}
    cards = [
        _story_card(rank, story, by_story.get(story["story_id"], members.clear()), rounds.get(story["chain_id"], []))
        for rank, story in enumerate(ranked.head(TOP_STORIES).iter_rows(named=True), start=1)
    ]
    return {"cards": cards, "more": _more_stories(ranked.slice(TOP_STORIES))}


def _story_card(rank: int, story: dict[str, Any], members: pl.DataFrame, chain: list[dict[str, Any]]) -> dict[str, Any]:
    sources = (
        members.group_by("source").agg(pl.len().alias("n")).drop_nulls("source")
        .sort(["n", "source"], descending=[True, False])
    )
    originals = members.filter(pl.col("is_canonical")).sort("published_at", "article_id")
    summary = plural(originals.height, "original")
    if members.height > originals.height:
        summary += ", " + plural(members.height - originals.height, "copy", "copies")
    chained = len(chain) > 1
    return {
        "rank": rank, "story_id": story["story_id"], "label": story["label"], "headline": story["headline"],
        "badge": f"round {story['round']} of {len(chain)}" if chained else None,
        "n_unique": number(story["n_unique"]), "articles": plural(story["n_articles"], "article"),
        "n_sources": number(story["n_sources"]), "seen": span(story["first_seen"], story["last_seen"]),
        "chain": [
            {"text": f"round {r['round']} · {span(r['first_seen'], r['last_seen'])}", "story_id": r["story_id"],
             "current": r["story_id"] == story["story_id"]}
            for r in chain
        ] if chained else [],
        "sources": ", ".join(f"{s}{f' ({n})' if n > 1 else ''}" for s, n in sources.iter_rows()),
        "open": rank <= OPEN_STORIES, "summary": summary,
        "originals": [_original(original, members) for original in originals.iter_rows(named=True)],
    }


def _original(original: dict[str, Any], members: pl.DataFrame) -> dict[str, Any]:
    """An original article of a story with links to its copies, each with how much later it appeared."""
    copies = members.filter(~pl.col("is_canonical") & (pl.col("canonical_id") == original["article_id"]))
    return {
        "time": moment(original["published_at"]), "source": original["source"] or "",
        "href": href(original["url"]), "title": original["title"] or original["article_id"],
        "copies": [
            {"href": href(c["url"]), "name": c["source"] or c["article_id"], "rule": c.get("rule") or "",
             "delay": hours(delay_hours(original, c))}
            for c in copies.sort("published_at", "article_id").iter_rows(named=True)
        ],
    }


def _more_stories(rest: pl.DataFrame) -> dict[str, Any] | None:
    if rest.is_empty():
        return None
    hidden = max(rest.height - MORE_STORIES, 0)
    rest = rest.head(MORE_STORIES)
    return {
        "summary": plural(rest.height, "more story", "more stories"),
        "rows": [
            {"story_id": s["story_id"], "headline": s["headline"], "label": s["label"],
             "n_unique": number(s["n_unique"]), "n_articles": number(s["n_articles"]),
             "n_sources": number(s["n_sources"]), "seen": span(s["first_seen"], s["last_seen"])}
            for s in rest.iter_rows(named=True)
        ],
        "hidden": plural(hidden, "more story", "more stories") if hidden else None,
    }


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
    """Group sizes, what the copies matched by, and the ``LARGEST_GROUPS`` largest groups member by member."""
    if duplicates.is_empty():
        return None
    groups = (
        duplicates.group_by("dup_group_id")
        .agg(pl.len().alias("size"), pl.col("canonical_id").first())
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
    """One group: its original first (and the rule that chose it), then its copies by time."""
    canonical = members.row(0, named=True)
    rule = canonical["canonical_rule"] or ""
    return {
        "dup_group_id": group["dup_group_id"], "size": plural(group["size"], "article"),
        "story": canonical.get("story_label") or None, "rule": rule, "rule_means": CANONICAL_RULES.get(rule, rule),
        "members": [_member(m, canonical) for m in members.iter_rows(named=True)],
    }


def _member(member: dict[str, Any], canonical: dict[str, Any]) -> dict[str, Any]:
    shown = {"source": member["source"] or "", "time": moment(member["published_at"]), "href": href(member["url"])}
    if member["is_canonical"]:
        return {**shown, "original": True, "title": member["title"] or member["article_id"], "credit": None}
    same = (member["title"] or "") == (canonical["title"] or "")
    return {
        **shown, "original": False, "title": "same headline" if same else (member["title"] or member["article_id"]),
        "delay": hours(delay_hours(canonical, member)), "rule": member["rule"],
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

"""``newsclust show story|topic|article``: one story (its rounds, sources and articles), one topic (its stories) or
one article (its duplicate group, the match that put it there, its story and centrality) of a finished run.

An id may be given as a unique prefix. Scores in the JSON views are rounded to 4 decimals. The terminal text writes
the control characters of feed text as visible escapes (``display.visible_controls``): a title cannot act on the
terminal.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl

from ..display import columns, decimal, iso, plural, printable, stamp, visible_controls
from ..rules import ATTRIBUTION_RULES, CANONICAL_RULES, MATCH_RULES
from ..runs import Run, RunFolderError, originals_and_copies, read_table

_JSON_DIGITS = 4


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(float(value), _JSON_DIGITS)


def _resolve(ids: list[str], wanted: str, kind: str, folder: Path) -> str:
    """The id ``wanted`` names: itself, or the one id it is a prefix of; an unknown or ambiguous id is an error."""
    if wanted in ids:
        return wanted
    matches = sorted(i for i in ids if i.startswith(wanted))
    if len(matches) == 1:
        return matches[0]
    if matches:
        listed = visible_controls(", ".join(matches[:5]))  # ids are feed text
        raise RunFolderError(f"{kind} id {wanted!r} is ambiguous in {folder}: {listed}")
    count = plural(len(ids), kind, "stories" if kind == "story" else None, grouped=False)
    raise RunFolderError(f"no {kind} {wanted!r} in {folder} ({count})")


def _story_row(stories: pl.DataFrame, story_id: str) -> dict[str, Any]:
    return stories.filter(pl.col("story_id") == story_id).row(0, named=True)


# ---------------------------------------------------------------- show story


def _rounds(stories: pl.DataFrame, chain_id: str, this_story: str) -> list[dict[str, Any]]:
    chain = stories.filter(pl.col("chain_id") == chain_id).sort("round", "first_seen")
    return [
        {"round": r["round"], "story_id": r["story_id"], "label": r["label"], "first_seen": iso(r["first_seen"]),
         "last_seen": iso(r["last_seen"]), "n_articles": r["n_articles"], "this_story": r["story_id"] == this_story}
        for r in chain.iter_rows(named=True)
    ]


def _story_articles(members: pl.DataFrame) -> list[dict[str, Any]]:
    """The story's originals by time, each followed by its copies by time; then the copies whose original is not in
    the run (in a nightly run, tonight's copies of earlier nights' articles), grouped by that original."""
    rows = members.sort("published_at", "article_id").to_dicts()
    originals, copies_of = originals_and_copies(rows)
    in_run = {row["article_id"] for row in originals}
    ordered = [row for original in originals for row in [original, *copies_of.get(original["article_id"], [])]]
    ordered += [row for canonical, copies in copies_of.items() if canonical not in in_run for row in copies]
    return [
        {
            "article_id": row["article_id"], "source": row["source"], "title": row["title"], "url": row["url"],
            "published_at": iso(row["published_at"]), "is_canonical": row["is_canonical"],
            "canonical_id": row["canonical_id"], "canonical_in_run": row["canonical_id"] in in_run,
            "dup_group_id": row["dup_group_id"], "centrality": _rounded(row["centrality"]),
            "jaccard": None if row["is_canonical"] else _rounded(row["jaccard"]),
            "containment": None if row["is_canonical"] else _rounded(row["containment"]),
            "rule": None if row["is_canonical"] else row["rule"],
        }
        for row in ordered
    ]


def story_view(run: Run, story_id: str) -> dict[str, Any]:
    """A story with its chain's rounds, its sources and its articles (originals by time, each followed by its
    copies)."""
    if not run.has_stories or run.stories is None:
        raise RunFolderError(f"{run.folder} has no stories (a dedup-only run)")
    story_id = _resolve(run.stories["story_id"].to_list(), story_id, "story", run.folder)
    story = _story_row(run.stories, story_id)
    match = run.duplicates.select("article_id", "jaccard", "containment", "rule")
    members = run.articles.filter(pl.col("story_id") == story_id).join(match, on="article_id", how="left")
    sources = (
        members.with_columns(pl.col("source").fill_null("(unknown)"))
        .group_by("source")
        .agg(pl.len().alias("articles"), pl.col("is_canonical").sum().alias("originals"))
        .with_columns((pl.col("articles") - pl.col("originals")).alias("copies"))
        .sort(["articles", "source"], descending=[True, False])
    )
    articles = _story_articles(members)
    copies = [a for a in articles if not a["is_canonical"]]
    return {
        "story_id": story_id, "label": story["label"], "previous_label": story.get("previous_label"),
        "headline": story["headline"], "chain_id": story["chain_id"], "round": story["round"],
        "n_articles": story["n_articles"], "n_unique": story["n_unique"], "n_copies": len(copies),
        "n_copies_of_earlier_nights": sum(not a["canonical_in_run"] for a in copies), "n_sources": story["n_sources"],
        "first_seen": iso(story["first_seen"]), "last_seen": iso(story["last_seen"]),
        "rounds": _rounds(run.stories, story["chain_id"], story_id),
        "sources": sources.to_dicts(),
        "articles": articles,
    }


def _size_line(view: dict[str, Any]) -> str:
    """``4 articles: 2 unique + 2 copies``; a story with copies of earlier nights' articles (whose originals count
    as unique but are not in the run) says how many originals and copies are in the run."""
    size = plural(view["n_articles"], "article", grouped=False)
    sources = plural(view["n_sources"], "source", grouped=False)
    copies = plural(view["n_copies"], "copy", "copies", grouped=False)
    earlier = view["n_copies_of_earlier_nights"]
    if not earlier:
        return f"size       {size}: {view['n_unique']} unique + {copies}, from {sources}"
    originals = plural(view["n_articles"] - view["n_copies"], "original", grouped=False)
    return (f"size       {size}: {originals} + {copies} ({earlier} of earlier nights' articles); "
            f"{view['n_unique']} unique, from {sources}")


def _source_line(source: dict[str, Any]) -> list[str]:
    parts = (plural(source["originals"], "original", grouped=False) if source["originals"] else "",
             plural(source["copies"], "copy", "copies", grouped=False) if source["copies"] else "")
    return [source["source"], str(source["articles"]), ", ".join(p for p in parts if p)]


def _article_line(article: dict[str, Any]) -> list[str]:
    if article["is_canonical"]:
        role = f"original, centrality {decimal(article['centrality'], 3)}"
        name = article["article_id"]
    else:
        of = "" if article["canonical_in_run"] else f" of {article['canonical_id']}, an earlier night's article"
        role = (f"copy{of}: {article['rule']} "
                f"(J {decimal(article['jaccard'], 2)}, C {decimal(article['containment'], 2)})")
        name = "↳ " + article["article_id"]
    return [stamp(article["published_at"]), name, article["source"] or "-", role, article["title"] or ""]


def format_story(view: dict[str, Any]) -> str:
    """The terminal text of ``story_view`` (feed text with its control characters made visible)."""
    view = printable(view)
    lines = [
        f"story      {view['story_id']}",
        f"label      {view['label']}",
        *([f"renamed    from {view['previous_label']} (in this run, as the story grew)"] if view["previous_label"]
          else []),
        f"headline   {view['headline']}",
        _size_line(view),
        f"seen       {stamp(view['first_seen'])} → {stamp(view['last_seen'])} UTC",
    ]
    rounds = view["rounds"]
    if len(rounds) > 1:
        lines.append(f"chain      {view['chain_id']}, round {view['round']} of {len(rounds)}")
        lines += ["", "rounds"]
        lines += columns([
            [f"round {r['round']}", r["story_id"], r["label"],
             f"{stamp(r['first_seen'])[:10]} → {stamp(r['last_seen'])[:10]}",
             plural(r["n_articles"], "article", grouped=False), "← this story" if r["this_story"] else ""]
            for r in rounds
        ], indent="  ")
    else:
        lines.append(f"chain      {view['chain_id']}, round {view['round']} (no other round in this run)")
    lines += ["", "sources"]
    lines += columns([_source_line(s) for s in view["sources"]], indent="  ")
    earlier = any(not a["canonical_in_run"] for a in view["articles"])
    lines += ["", "articles (originals by time, each followed by its copies"
              + ("; then copies of earlier nights' articles)" if earlier else ")")]
    lines += columns([_article_line(a) for a in view["articles"]], indent="  ")
    return "\n".join(lines)


# ---------------------------------------------------------------- show topic


def topic_view(run: Run, topic_id: str) -> dict[str, Any]:
    """A topic with its stories in time order (their rounds, sizes and spans)."""
    topics = read_table(run.folder, "topics")
    if topics is None or run.stories is None or "topic_id" not in run.stories.columns:
        raise RunFolderError(f"{run.folder} has no topics (a dedup-only run, or one from before topics existed)")
    topic_id = _resolve(topics["topic_id"].to_list(), topic_id, "topic", run.folder)
    topic = topics.filter(pl.col("topic_id") == topic_id).row(0, named=True)
    stories = run.stories.filter(pl.col("topic_id") == topic_id).sort("first_seen", "story_id")
    return {
        "topic_id": topic_id, "label": topic["label"], "n_stories": topic["n_stories"],
        "n_articles": topic["n_articles"], "first_seen": iso(topic["first_seen"]), "last_seen": iso(topic["last_seen"]),
        "stories": [
            {"story_id": r["story_id"], "label": r["label"], "chain_id": r["chain_id"], "round": r["round"],
             "n_articles": r["n_articles"], "first_seen": iso(r["first_seen"]), "last_seen": iso(r["last_seen"])}
            for r in stories.iter_rows(named=True)
        ],
    }


def format_topic(view: dict[str, Any]) -> str:
    """The terminal text of ``topic_view``."""
    view = printable(view)
    lines = [
        f"topic      {view['topic_id']}",
        f"label      {view['label']}",
        f"size       {plural(view['n_stories'], 'story', 'stories', grouped=False)}, "
        f"{plural(view['n_articles'], 'article', grouped=False)}",
        f"seen       {stamp(view['first_seen'])} → {stamp(view['last_seen'])} UTC",
        "", "stories (by time)",
    ]
    lines += columns([
        [s["story_id"], s["label"], f"round {s['round']}" if s["round"] > 1 else "",
         f"{stamp(s['first_seen'])[:10]} → {stamp(s['last_seen'])[:10]}",
         plural(s["n_articles"], "article", grouped=False)]
        for s in view["stories"]
    ], indent="  ")
    return "\n".join(lines)


# ---------------------------------------------------------------- show article


def _group_view(run: Run, row: dict[str, Any]) -> dict[str, Any] | None:
    """The article's duplicate group, or None when it is alone in it."""
    group = run.duplicates.filter(pl.col("dup_group_id") == row["dup_group_id"])
    if group.is_empty():  # ``duplicates`` holds the groups of two or more
        return None
    canonical = run.article(row["canonical_id"])
    own = group.filter(pl.col("article_id") == row["article_id"]).row(0, named=True)
    members = group.join(run.articles.select("article_id", "source", "published_at"), on="article_id", how="left")
    dedup = run.manifest.get("config", {}).get("dedup", {})
    return {
        "dup_group_id": row["dup_group_id"], "size": own["group_size"], "in_run": group.height,
        "canonical": {
            "article_id": row["canonical_id"], "in_run": canonical is not None,
            "source": (canonical or {}).get("source"), "title": (canonical or {}).get("title"),
            "published_at": iso((canonical or {}).get("published_at")), "url": (canonical or {}).get("url"),
        },
        "canonical_rule": own["canonical_rule"],
        "canonical_rule_means": CANONICAL_RULES.get(own["canonical_rule"] or "", ""),
        "attribution": None if own.get("attribution") is None else {
            "line": own["attribution"], "rule": own["attribution_rule"],
            "rule_means": ATTRIBUTION_RULES.get(own["attribution_rule"] or "", ""),
        },
        "match": None if row["is_canonical"] else {
            "jaccard": _rounded(own["jaccard"]), "containment": _rounded(own["containment"]), "rule": own["rule"],
            "rule_means": MATCH_RULES.get(own["rule"], ""),
            "jaccard_threshold": dedup.get("jaccard_threshold"),
            "containment_threshold": dedup.get("containment_threshold"),
        },
        "members": [
            {"article_id": m["article_id"], "source": m["source"], "published_at": iso(m["published_at"]),
             "is_canonical": m["is_canonical"], "jaccard": _rounded(m["jaccard"]),
             "containment": _rounded(m["containment"]), "rule": m["rule"]}
            for m in members.sort(["is_canonical", "published_at", "article_id"], descending=[True, False, False])
            .iter_rows(named=True)
        ],
    }


def _story_context(stories: pl.DataFrame, articles: pl.DataFrame, row: dict[str, Any]) -> dict[str, Any]:
    """The article's story and where its centrality (its canonical's, copies are not embedded) ranks among the
    story's originals."""
    story = _story_row(stories, row["story_id"])
    originals = articles.filter((pl.col("story_id") == row["story_id"]) & pl.col("is_canonical"))
    ranked = originals.sort(["centrality", "article_id"], descending=[True, False])["canonical_id"].to_list()
    values = originals["centrality"].drop_nulls()
    return {
        "story_id": row["story_id"], "label": story["label"], "headline": story["headline"],
        "chain_id": story["chain_id"], "round": story["round"], "n_articles": story["n_articles"],
        "n_unique": story["n_unique"],
        "centrality": _rounded(row["centrality"]), "centrality_of": row["canonical_id"],
        "centrality_rank": ranked.index(row["canonical_id"]) + 1 if row["canonical_id"] in ranked else None,
        "centrality_min": _rounded(values.min()) if len(values) else None,
        "centrality_max": _rounded(values.max()) if len(values) else None,
    }


def article_view(run: Run, article_id: str) -> dict[str, Any]:
    """An article, its duplicate group (canonical, the match that put it there, the other members) and its story."""
    article_id = _resolve(run.articles["article_id"].to_list(), article_id, "article", run.folder)
    row = run.article(article_id)
    assert row is not None
    in_story = run.has_stories and run.stories is not None and row.get("story_id") is not None
    return {
        "article_id": article_id, "source": row["source"], "title": row["title"], "url": row["url"],
        "published_at": iso(row["published_at"]), "date_missing": row["date_missing"],
        "file": row.get("file"), "row": row.get("row"), "chrome_lines": row.get("chrome_lines"),
        "is_canonical": row["is_canonical"],
        "group": _group_view(run, row),
        "story": _story_context(run.stories, run.articles, row) if in_story else None,
    }


def _group_lines(view: dict[str, Any]) -> list[str]:
    group = view["group"]
    if group is None:
        return ["group      none: no other article in this run is a copy of it, or it of another"]
    canonical = group["canonical"]
    earlier = group["size"] - group["in_run"]
    size = plural(group["size"], "article", grouped=False) + (f", {earlier} of earlier nights" if earlier else "")
    if canonical["in_run"]:
        known = f"{canonical['source'] or '-'}  {stamp(canonical['published_at'])}"
    else:
        known = "an earlier night's article (not in this run)"
    lines = [
        f"group      {group['dup_group_id']} ({size})",
        f"canonical  {canonical['article_id']}  {known}" + ("  ← this article" if view["is_canonical"] else ""),
        f"           chosen by {group['canonical_rule']}: {group['canonical_rule_means']}",
    ]
    credit = group["attribution"]
    if credit is not None:
        lines.append(f"credit     {credit['line']!r}")
        lines.append(f"           {credit['rule']}: {credit['rule_means']}")
    match = group["match"]
    if match is not None:
        scores = f"jaccard {decimal(match['jaccard'], 3)}  containment {decimal(match['containment'], 3)}"
        thresholds = f"{match['jaccard_threshold']} / {match['containment_threshold']}"
        lines.append(f"match      {scores}  (thresholds {thresholds})")
        lines.append(f"rule       {match['rule']}: {match['rule_means']}")
    lines += ["", "members"]
    lines += columns([
        [m["article_id"], m["source"] or "-", stamp(m["published_at"]),
         "canonical" if m["is_canonical"] else m["rule"],
         "" if m["is_canonical"] else f"J {decimal(m['jaccard'], 3)}  C {decimal(m['containment'], 3)}",
         "← this article" if m["article_id"] == view["article_id"] else ""]
        for m in group["members"]
    ], indent="  ")
    return lines


def _story_lines(view: dict[str, Any]) -> list[str]:
    story = view["story"]
    if story is None:
        return ["story      none (a dedup-only run)"]
    of = "" if story["centrality_of"] == view["article_id"] else f" (of its canonical {story['centrality_of']})"
    rank = ""
    if story["centrality_rank"]:
        rank = (f"; rank {story['centrality_rank']} of {story['n_unique']} originals, "
                f"range {decimal(story['centrality_min'], 3)}–{decimal(story['centrality_max'], 3)}")
    return [
        f"story      {story['story_id']}  {story['label']}",
        f"           {story['headline']}",
        f"           chain {story['chain_id']}, round {story['round']}; "
        f"{plural(story['n_articles'], 'article', grouped=False)}, {story['n_unique']} unique",
        f"centrality {decimal(story['centrality'], 3)}{of}: cosine to the story's centre{rank}",
    ]


def format_article(view: dict[str, Any]) -> str:
    """The terminal text of ``article_view`` (feed text with its control characters made visible)."""
    view = printable(view)
    lines = [
        f"article    {view['article_id']}",
        f"source     {view['source'] or '-'}",
        f"title      {view['title'] or '-'}",
        f"url        {view['url'] or '-'}",
        f"published  {stamp(view['published_at'])} UTC"
        + (" (no date in the input: run date used)" if view["date_missing"] else ""),
    ]
    if view.get("file"):
        chrome = ""
        if view.get("chrome_lines"):
            chrome = f", {plural(view['chrome_lines'], 'chrome line', grouped=False)} removed"
        lines.append(f"input      {view['file']} row {view['row']}{chrome}")
    return "\n".join([*lines, "", *_group_lines(view), "", *_story_lines(view)])

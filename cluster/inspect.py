"""Ask a finished run folder "why": one story, one article, or what changed between two runs.

Everything here reads the tables a run wrote (``articles``, ``duplicates``, ``stories``, ``run.json``; Parquet when
present, else CSV) and returns plain dicts, ready for ``--json``; the ``format_*`` functions turn them into the
terminal views of ``newsclust show`` and ``newsclust diff``. Nothing here runs the pipeline or loads a model.

``diff_runs`` compares two runs by story id (ids are stable across runs of the same input, and across nights for a
continuing story) and by shared article ids (a story whose articles now sit in two or more stories split; a story
holding articles of two or more earlier stories is a merge).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl

from .rules import CANONICAL_RULES, MATCH_RULES
from .schema import DUPLICATES, STORIES, TIME

_ARTICLE_TYPES: dict[str, pl.DataType] = {
    "published_at": TIME, "date_missing": pl.Boolean, "is_canonical": pl.Boolean, "centrality": pl.Float64,
    "chrome_lines": pl.Int32, "row": pl.Int64,
}
_TYPES: dict[str, dict[str, pl.DataType]] = {
    "articles": _ARTICLE_TYPES,
    "duplicates": {k: v for k, v in DUPLICATES.items() if v != pl.String},
    "stories": {k: v for k, v in STORIES.items() if v != pl.String},
}


class RunFolderError(Exception):
    """A folder that is not a finished run, or an id that is not in it (a usage error: nothing to show)."""


@dataclass
class Run:
    """The tables of one finished run folder."""

    folder: Path
    manifest: dict[str, Any]
    articles: pl.DataFrame
    duplicates: pl.DataFrame
    stories: pl.DataFrame | None
    _by_id: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False)

    @property
    def has_stories(self) -> bool:
        return self.stories is not None and "story_id" in self.articles.columns

    def article(self, article_id: str) -> dict[str, Any] | None:
        if not self._by_id:
            self._by_id = {row["article_id"]: row for row in self.articles.iter_rows(named=True)}
        return self._by_id.get(article_id)


def read_table(folder: Path, name: str) -> pl.DataFrame | None:
    parquet, csv = folder / f"{name}.parquet", folder / f"{name}.csv"
    if parquet.is_file():
        return pl.read_parquet(parquet)
    if not csv.is_file():
        return None
    table = pl.read_csv(csv, infer_schema=False)
    casts = []
    for column, dtype in _TYPES.get(name, {}).items():
        if column not in table.columns:
            continue
        if dtype == TIME:
            casts.append(pl.col(column).str.to_datetime("%Y-%m-%dT%H:%M:%SZ", time_unit="us", time_zone="UTC"))
        elif dtype == pl.Boolean:
            casts.append(pl.col(column).str.to_lowercase().replace_strict({"true": True, "false": False}, default=None,
                                                                          return_dtype=pl.Boolean))
        else:
            casts.append(pl.col(column).cast(dtype))
    return table.with_columns(casts) if casts else table


def load_run(folder: str | Path) -> Run:
    """Read a finished run folder (one with ``run.json``); raise ``RunFolderError`` for anything else."""
    path = Path(folder)
    if not path.is_dir():
        raise RunFolderError(f"run folder {folder} does not exist")
    manifest_path = path / "run.json"
    if not manifest_path.is_file():
        raise RunFolderError(f"{folder} is not a finished run (no run.json)")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RunFolderError(f"{manifest_path}: cannot be read ({exc})") from exc
    articles = read_table(path, "articles")
    duplicates = read_table(path, "duplicates")
    if articles is None or duplicates is None:
        raise RunFolderError(f"{folder} has no articles or duplicates table (.parquet or .csv)")
    return Run(path, manifest, articles, duplicates, read_table(path, "stories"))


# ---------------------------------------------------------------- formatting helpers


def iso(value: datetime | None) -> str | None:
    """UTC timestamp as ``2026-03-02T06:40:00Z`` (JSON)."""
    return None if value is None else value.strftime("%Y-%m-%dT%H:%M:%SZ")


def when(value: datetime | None) -> str:
    """UTC timestamp as ``2026-03-02 06:40`` (terminal)."""
    return "-" if value is None else value.strftime("%Y-%m-%d %H:%M")


def _num(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(float(value), digits)


def _columns(rows: list[list[str]], indent: str = "  ") -> list[str]:
    """Left-aligned columns, the last one unpadded."""
    if not rows:
        return []
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    return [indent + "  ".join([cell.ljust(w) for cell, w in zip(row, widths)] + [row[-1]]).rstrip() for row in rows]


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else (plural or word + 's')}"


# ---------------------------------------------------------------- show story


def _resolve(ids: list[str], wanted: str, kind: str, folder: Path) -> str:
    if wanted in ids:
        return wanted
    matches = sorted(i for i in ids if i.startswith(wanted))
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise RunFolderError(f"{kind} id {wanted!r} is ambiguous in {folder}: {', '.join(matches[:5])}")
    raise RunFolderError(f"no {kind} {wanted!r} in {folder} ({_plural(len(ids), kind, 'stories' if kind == 'story' else None)})")


def _story_row(run: Run, story_id: str) -> dict[str, Any]:
    assert run.stories is not None
    return run.stories.filter(pl.col("story_id") == story_id).row(0, named=True)


def _rounds(run: Run, chain_id: str, this_story: str) -> list[dict[str, Any]]:
    assert run.stories is not None
    chain = run.stories.filter(pl.col("chain_id") == chain_id).sort("round", "first_seen")
    return [
        {"round": r["round"], "story_id": r["story_id"], "label": r["label"], "first_seen": iso(r["first_seen"]),
         "last_seen": iso(r["last_seen"]), "n_articles": r["n_articles"], "this_story": r["story_id"] == this_story}
        for r in chain.iter_rows(named=True)
    ]


def _members(run: Run, article_ids: list[str]) -> pl.DataFrame:
    match = run.duplicates.select("article_id", "jaccard", "containment", "rule")
    return (
        run.articles.filter(pl.col("article_id").is_in(article_ids))
        .join(match, on="article_id", how="left")
    )


def story_view(run: Run, story_id: str) -> dict[str, Any]:
    """A story with its chain's rounds, its sources and its articles (originals by time, each followed by its copies)."""
    if not run.has_stories:
        raise RunFolderError(f"{run.folder} has no stories (a dedup-only run)")
    assert run.stories is not None
    story_id = _resolve(run.stories["story_id"].to_list(), story_id, "story", run.folder)
    story = _story_row(run, story_id)
    members = _members(run, run.articles.filter(pl.col("story_id") == story_id)["article_id"].to_list())
    originals = members.filter(pl.col("is_canonical")).sort("published_at", "article_id")
    articles: list[dict[str, Any]] = []
    for original in originals.iter_rows(named=True):
        copies = members.filter(~pl.col("is_canonical") & (pl.col("canonical_id") == original["article_id"]))
        for row in [original, *copies.sort("published_at", "article_id").iter_rows(named=True)]:
            articles.append({
                "article_id": row["article_id"], "source": row["source"], "title": row["title"], "url": row["url"],
                "published_at": iso(row["published_at"]), "is_canonical": row["is_canonical"],
                "canonical_id": row["canonical_id"], "dup_group_id": row["dup_group_id"],
                "centrality": _round(row["centrality"]),
                "jaccard": None if row["is_canonical"] else _round(row["jaccard"]),
                "containment": None if row["is_canonical"] else _round(row["containment"]),
                "rule": None if row["is_canonical"] else row["rule"],
            })
    sources = (
        members.with_columns(pl.col("source").fill_null("(unknown)"))
        .group_by("source")
        .agg(pl.len().alias("articles"), pl.col("is_canonical").sum().alias("originals"))
        .with_columns((pl.col("articles") - pl.col("originals")).alias("copies"))
        .sort(["articles", "source"], descending=[True, False])
    )
    return {
        "story_id": story_id, "label": story["label"], "headline": story["headline"],
        "chain_id": story["chain_id"], "round": story["round"],
        "n_articles": story["n_articles"], "n_unique": story["n_unique"],
        "n_copies": story["n_articles"] - story["n_unique"], "n_sources": story["n_sources"],
        "first_seen": iso(story["first_seen"]), "last_seen": iso(story["last_seen"]),
        "rounds": _rounds(run, story["chain_id"], story_id),
        "sources": sources.to_dicts(),
        "articles": articles,
    }


def _stamp(value: str | None) -> str:
    return "-" if value is None else value.replace("T", " ")[:16]


def format_story(view: dict[str, Any]) -> str:
    lines = [
        f"story      {view['story_id']}",
        f"label      {view['label']}",
        f"headline   {view['headline']}",
        f"size       {_plural(view['n_articles'], 'article')}: {view['n_unique']} unique + "
        f"{_plural(view['n_copies'], 'copy', 'copies')}, from {_plural(view['n_sources'], 'source')}",
        f"seen       {_stamp(view['first_seen'])} → {_stamp(view['last_seen'])} UTC",
    ]
    rounds = view["rounds"]
    if len(rounds) > 1:
        lines.append(f"chain      {view['chain_id']}, round {view['round']} of {len(rounds)}")
        lines += ["", "rounds"]
        lines += _columns([
            [f"round {r['round']}", r["story_id"], r["label"], f"{_stamp(r['first_seen'])[:10]} → {_stamp(r['last_seen'])[:10]}",
             _plural(r["n_articles"], "article"), "← this story" if r["this_story"] else ""]
            for r in rounds
        ])
    else:
        lines.append(f"chain      {view['chain_id']}, round {view['round']} (no other round in this run)")
    lines += ["", "sources"]
    lines += _columns([
        [s["source"], str(s["articles"]),
         ", ".join(p for p in (_plural(s["originals"], "original") if s["originals"] else "",
                               _plural(s["copies"], "copy", "copies") if s["copies"] else "") if p)]
        for s in view["sources"]
    ])
    lines += ["", "articles (originals by time, each followed by its copies)"]
    rows = []
    for a in view["articles"]:
        if a["is_canonical"]:
            role = f"original, centrality {_num(a['centrality'])}"
            rows.append([_stamp(a["published_at"]), a["article_id"], a["source"] or "-", role, a["title"] or ""])
        else:
            role = f"copy: {a['rule']} (J {_num(a['jaccard'], 2)}, C {_num(a['containment'], 2)})"
            rows.append([_stamp(a["published_at"]), "↳ " + a["article_id"], a["source"] or "-", role, a["title"] or ""])
    lines += _columns(rows)
    return "\n".join(lines)


# ---------------------------------------------------------------- show article


def article_view(run: Run, article_id: str) -> dict[str, Any]:
    """An article, its duplicate group (canonical, the match that put it there, the other members) and its story."""
    article_id = _resolve(run.articles["article_id"].to_list(), article_id, "article", run.folder)
    row = run.article(article_id)
    assert row is not None
    dedup = run.manifest.get("config", {}).get("dedup", {})
    view: dict[str, Any] = {
        "article_id": article_id, "source": row["source"], "title": row["title"], "url": row["url"],
        "published_at": iso(row["published_at"]), "date_missing": row["date_missing"],
        "file": row.get("file"), "row": row.get("row"), "chrome_lines": row.get("chrome_lines"),
        "is_canonical": row["is_canonical"], "group": None, "story": None,
    }
    group = run.duplicates.filter(pl.col("dup_group_id") == row["dup_group_id"])
    if group.height > 1:
        canonical = run.article(row["canonical_id"]) or {}
        own = group.filter(pl.col("article_id") == article_id).row(0, named=True)
        members = group.join(run.articles.select("article_id", "source", "published_at"), on="article_id", how="left")
        view["group"] = {
            "dup_group_id": row["dup_group_id"], "size": group.height,
            "canonical": {
                "article_id": row["canonical_id"], "source": canonical.get("source"), "title": canonical.get("title"),
                "published_at": iso(canonical.get("published_at")), "url": canonical.get("url"),
            },
            "canonical_rule": own["canonical_rule"],
            "canonical_rule_means": CANONICAL_RULES.get(own["canonical_rule"] or "", ""),
            "match": None if row["is_canonical"] else {
                "jaccard": _round(own["jaccard"]), "containment": _round(own["containment"]), "rule": own["rule"],
                "rule_means": MATCH_RULES.get(own["rule"], ""),
                "jaccard_threshold": dedup.get("jaccard_threshold"),
                "containment_threshold": dedup.get("containment_threshold"),
            },
            "members": [
                {"article_id": m["article_id"], "source": m["source"], "published_at": iso(m["published_at"]),
                 "is_canonical": m["is_canonical"], "jaccard": _round(m["jaccard"]),
                 "containment": _round(m["containment"]), "rule": m["rule"]}
                for m in members.sort(["is_canonical", "published_at", "article_id"], descending=[True, False, False])
                .iter_rows(named=True)
            ],
        }
    if run.has_stories and row.get("story_id") is not None:
        story = _story_row(run, row["story_id"])
        originals = run.articles.filter((pl.col("story_id") == row["story_id"]) & pl.col("is_canonical"))
        ranked = originals.sort(["centrality", "article_id"], descending=[True, False])["canonical_id"].to_list()
        values = originals["centrality"].drop_nulls()
        view["story"] = {
            "story_id": row["story_id"], "label": story["label"], "headline": story["headline"],
            "chain_id": story["chain_id"], "round": story["round"], "n_articles": story["n_articles"],
            "n_unique": story["n_unique"],
            "centrality": _round(row["centrality"]), "centrality_of": row["canonical_id"],
            "centrality_rank": ranked.index(row["canonical_id"]) + 1 if row["canonical_id"] in ranked else None,
            "centrality_min": _round(values.min()) if len(values) else None,
            "centrality_max": _round(values.max()) if len(values) else None,
        }
    return view


def format_article(view: dict[str, Any]) -> str:
    lines = [
        f"article    {view['article_id']}",
        f"source     {view['source'] or '-'}",
        f"title      {view['title'] or '-'}",
        f"url        {view['url'] or '-'}",
        f"published  {_stamp(view['published_at'])} UTC" + (" (no date in the input: run date used)" if view["date_missing"] else ""),
    ]
    if view.get("file"):
        chrome = f", {_plural(view['chrome_lines'], 'chrome line')} removed" if view.get("chrome_lines") else ""
        lines.append(f"input      {view['file']} row {view['row']}{chrome}")
    lines.append("")
    group = view["group"]
    if group is None:
        lines.append("group      none: no other article in this run is a copy of it, or it of another")
    else:
        canonical = group["canonical"]
        lines.append(f"group      {group['dup_group_id']} ({_plural(group['size'], 'article')})")
        lines.append(f"canonical  {canonical['article_id']}  {canonical['source'] or '-'}  {_stamp(canonical['published_at'])}"
                     + ("  ← this article" if view["is_canonical"] else ""))
        lines.append(f"           chosen by {group['canonical_rule']}: {group['canonical_rule_means']}")
        match = group["match"]
        if match is not None:
            lines.append(f"match      jaccard {_num(match['jaccard'])}  containment {_num(match['containment'])}  "
                         f"(thresholds {match['jaccard_threshold']} / {match['containment_threshold']})")
            lines.append(f"rule       {match['rule']}: {match['rule_means']}")
        lines += ["", "members"]
        lines += _columns([
            [m["article_id"], m["source"] or "-", _stamp(m["published_at"]),
             "canonical" if m["is_canonical"] else m["rule"],
             "" if m["is_canonical"] else f"J {_num(m['jaccard'])}  C {_num(m['containment'])}",
             "← this article" if m["article_id"] == view["article_id"] else ""]
            for m in group["members"]
        ])
    lines.append("")
    story = view["story"]
    if story is None:
        lines.append("story      none (a dedup-only run)")
    else:
        lines.append(f"story      {story['story_id']}  {story['label']}")
        lines.append(f"           {story['headline']}")
        lines.append(f"           chain {story['chain_id']}, round {story['round']}; "
                     f"{_plural(story['n_articles'], 'article')}, {story['n_unique']} unique")
        of = "" if story["centrality_of"] == view["article_id"] else f" (of its canonical {story['centrality_of']})"
        rank = (f"; rank {story['centrality_rank']} of {story['n_unique']} originals, "
                f"range {_num(story['centrality_min'])}–{_num(story['centrality_max'])}") if story["centrality_rank"] else ""
        lines.append(f"centrality {_num(story['centrality'])}{of}: cosine to the story's centre{rank}")
    return "\n".join(lines)


# ---------------------------------------------------------------- diff


def _story_summary(stories: pl.DataFrame, story_id: str) -> dict[str, Any]:
    row = stories.filter(pl.col("story_id") == story_id).row(0, named=True)
    return {"story_id": story_id, "label": row["label"], "n_articles": row["n_articles"], "n_unique": row["n_unique"],
            "first_seen": iso(row["first_seen"]), "last_seen": iso(row["last_seen"])}


def diff_runs(a: Run, b: Run) -> dict[str, Any]:
    """Stories that appeared, ended, grew, shrank, split, merged or were renamed between run ``a`` and run ``b``.

    Story ids decide continuity; shared article ids decide splits (an ``a`` story whose articles now sit in two or
    more ``b`` stories), merges (a ``b`` story holding articles of two or more ``a`` stories) and renames (all of an
    ``a`` story's shared articles in one ``b`` story with another id, which is not itself in ``a``).
    """
    for run in (a, b):
        if not run.has_stories:
            raise RunFolderError(f"{run.folder} has no stories (a dedup-only run)")
    sa, sb = a.stories, b.stories
    assert sa is not None and sb is not None
    ids_a, ids_b = set(sa["story_id"].to_list()), set(sb["story_id"].to_list())
    shared = (
        a.articles.select("article_id", pl.col("story_id").alias("a"))
        .join(b.articles.select("article_id", pl.col("story_id").alias("b")), on="article_id")
        .group_by("a", "b").len()
    )
    targets: dict[str, dict[str, int]] = {}
    sources: dict[str, dict[str, int]] = {}
    for story_a, story_b, n in shared.iter_rows():
        targets.setdefault(story_a, {})[story_b] = n
        sources.setdefault(story_b, {})[story_a] = n

    def parts(mapping: dict[str, int], table: pl.DataFrame) -> list[dict[str, Any]]:
        return [{**_story_summary(table, sid), "shared_articles": n}
                for sid, n in sorted(mapping.items(), key=lambda item: (-item[1], item[0]))]

    result: dict[str, list[dict[str, Any]]] = {k: [] for k in
                                               ("appeared", "ended", "grew", "shrank", "split", "merged", "renamed", "unchanged")}
    explained_b: set[str] = set()
    for sid in sorted(ids_a):
        if len(targets.get(sid, {})) > 1:
            result["split"].append({**_story_summary(sa, sid), "into": parts(targets[sid], sb)})
            explained_b.update(targets[sid])
    for sid in sorted(ids_b):
        if len(sources.get(sid, {})) > 1:
            result["merged"].append({**_story_summary(sb, sid), "from": parts(sources[sid], sa)})
            explained_b.add(sid)
    split_a = {s["story_id"] for s in result["split"]}
    merged_from = {p["story_id"] for m in result["merged"] for p in m["from"]}
    for sid in sorted(ids_a & ids_b):
        if sid in split_a or sid in explained_b:
            continue
        before, after = _story_summary(sa, sid), _story_summary(sb, sid)
        entry = {**after, "before": before["n_articles"], "after": after["n_articles"]}
        change = after["n_articles"] - before["n_articles"]
        result["grew" if change > 0 else "shrank" if change < 0 else "unchanged"].append(entry)
    for sid in sorted(ids_a - ids_b):
        if sid in split_a or sid in merged_from:
            continue
        target = targets.get(sid, {})
        if len(target) == 1 and next(iter(target)) not in ids_a:
            new_id = next(iter(target))
            after = _story_summary(sb, new_id)
            result["renamed"].append({**_story_summary(sa, sid), "now": after})
            explained_b.add(new_id)
        else:
            result["ended"].append(_story_summary(sa, sid))
    for sid in sorted(ids_b - ids_a):
        if sid not in explained_b:
            result["appeared"].append(_story_summary(sb, sid))
    for entries in result.values():
        entries.sort(key=lambda e: (e["first_seen"] or "", e["story_id"]))
    return {
        "run_a": {"folder": str(a.folder), "started_at": a.manifest.get("started_at"), "stories": sa.height,
                  "articles": a.articles.height},
        "run_b": {"folder": str(b.folder), "started_at": b.manifest.get("started_at"), "stories": sb.height,
                  "articles": b.articles.height},
        "summary": {k: len(v) for k, v in result.items()},
        **result,
    }


def _span(entry: dict[str, Any]) -> str:
    return f"{_stamp(entry['first_seen'])[:10]} → {_stamp(entry['last_seen'])[:10]}"


def format_diff(diff: dict[str, Any]) -> str:
    ra, rb = diff["run_a"], diff["run_b"]
    lines = [
        f"A  {ra['folder']}  ({_plural(ra['stories'], 'story', 'stories')}, {_plural(ra['articles'], 'article')})",
        f"B  {rb['folder']}  ({_plural(rb['stories'], 'story', 'stories')}, {_plural(rb['articles'], 'article')})",
        "",
        "  ".join(f"{k} {v}" for k, v in diff["summary"].items()),
    ]
    sections: list[tuple[str, list[list[str]]]] = [
        ("appeared (in B only)", [[e["story_id"], e["label"], _plural(e["n_articles"], "article"), _span(e)] for e in diff["appeared"]]),
        ("ended (in A only)", [[e["story_id"], e["label"], _plural(e["n_articles"], "article"), _span(e)] for e in diff["ended"]]),
        ("grew", [[e["story_id"], e["label"], f"{e['before']} → {e['after']} articles (+{e['after'] - e['before']})"] for e in diff["grew"]]),
        ("shrank", [[e["story_id"], e["label"], f"{e['before']} → {e['after']} articles ({e['after'] - e['before']})"] for e in diff["shrank"]]),
        ("renamed", [[e["story_id"], e["label"], f"→ {e['now']['story_id']}  {e['now']['label']}"] for e in diff["renamed"]]),
    ]
    for title, rows in sections:
        if rows:
            lines += ["", f"{title}: {len(rows)}"] + _columns(rows)
    if diff["split"]:
        lines += ["", f"split: {len(diff['split'])}"]
        for e in diff["split"]:
            lines.append(f"  {e['story_id']}  {e['label']} ({_plural(e['n_articles'], 'article')} in A) → "
                         f"{len(e['into'])} stories in B")
            lines += _columns([[p["story_id"], p["label"], f"{p['shared_articles']} of its articles"] for p in e["into"]],
                              indent="    → ")
    if diff["merged"]:
        lines += ["", f"merged: {len(diff['merged'])}"]
        for e in diff["merged"]:
            lines.append(f"  {e['story_id']}  {e['label']} ({_plural(e['n_articles'], 'article')} in B) ← "
                         f"{len(e['from'])} stories in A")
            lines += _columns([[p["story_id"], p["label"], f"{p['shared_articles']} of its articles"] for p in e["from"]],
                              indent="    ← ")
    return "\n".join(lines)

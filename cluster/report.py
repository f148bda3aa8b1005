"""Output files: each table as CSV and Parquet, ``run.json`` (the manifest, written last) and ``report.html``.

``report.html`` is the page an editor opens in the morning: one self-contained file (plotly.js inlined, no CDN, no
fonts or images fetched), readable on a laptop and on a phone. It shows the night in numbers, the top stories with
their articles and chains, a story timeline, who copies whom, duplicate groups and rejected rows. It is rendered from
the output tables and the manifest alone (``render_report``), so it can be rebuilt from any finished run folder.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from .rules import CANONICAL_RULES, MATCH_RULES

if TYPE_CHECKING:
    from .pipeline import RunResult

TABLE_ORDER = ("articles", "duplicates", "stories", "syndication", "rejects")
TOP_STORIES = 10
TIMELINE_STORIES = 25
LARGEST_GROUPS = 5
MORE_STORIES = 50          # rows of the "more stories" table
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


def write_outputs(result: "RunResult", folder: Path) -> None:
    """Write every table, the HTML report, then ``run.json``: a folder without ``run.json`` is incomplete."""
    formats = result.config.output.formats
    for name in TABLE_ORDER:
        table = result.tables.get(name)
        if table is None:
            continue
        if "parquet" in formats:
            table.write_parquet(folder / f"{name}.parquet")
        if "csv" in formats:
            table.write_csv(folder / f"{name}.csv", datetime_format="%Y-%m-%dT%H:%M:%SZ")
    if result.config.output.html:
        (folder / "report.html").write_text(render_html(result), encoding="utf-8")
    manifest = result.manifest()
    manifest["files"] = sorted(p.name for p in folder.iterdir()) + ["run.json"]
    (folder / "run.json").write_text(json.dumps(manifest, indent=2, default=str) + "\n", encoding="utf-8")


def render_html(result: "RunResult") -> str:
    return render_report(result.tables, result.manifest())


def render_folder(folder: str | Path) -> str:
    """The report of a finished run folder, rebuilt from its tables and ``run.json``."""
    from .inspect import load_run, read_table

    run = load_run(folder)
    tables = {"articles": run.articles, "duplicates": run.duplicates}
    for name in ("stories", "syndication", "rejects"):
        table = run.stories if name == "stories" else read_table(run.folder, name)
        if table is not None:
            tables[name] = table
    return render_report(tables, run.manifest)


# ---------------------------------------------------------------- page

_CSS = """
:root{--ink:#1b2230;--muted:#5d6678;--line:#e3e6ee;--soft:#f4f6fa;--accent:#2f5fd0;--warn:#b5412b}
*{box-sizing:border-box}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;margin:0;color:var(--ink);background:#fff}
main{max-width:1080px;margin:0 auto;padding:0 1rem 3rem}
header.top{background:#14213d;color:#fff;padding:1rem 0 .2rem}
header.top .inner{max-width:1080px;margin:0 auto;padding:0 1rem}
header.top h1{font-size:1.45rem;margin:0}header.top p{margin:.2rem 0 .6rem;color:#c9d3ea;font-size:.85rem}
nav{display:flex;flex-wrap:wrap;gap:.2rem .9rem;padding:.3rem 0 .6rem;font-size:.85rem}
nav a{color:#fff;text-decoration:none;border-bottom:1px solid #6f84b8}
h2{font-size:1.2rem;margin:2.2rem 0 .6rem;padding-bottom:.3rem;border-bottom:2px solid var(--line)}
h3{font-size:1.02rem;margin:0}
a{color:var(--accent)}
.lede{margin:.4rem 0 1rem;color:var(--muted)}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(9.5rem,1fr));gap:.6rem;margin-top:1rem}
.card{background:var(--soft);border-radius:10px;padding:.7rem .9rem}
.card b{display:block;font-size:1.7rem;line-height:1.1;font-variant-numeric:tabular-nums}
.card span{font-size:.82rem;color:var(--muted)}
.card.bad b{color:var(--warn)}
.story{display:flex;gap:.8rem;border:1px solid var(--line);border-radius:10px;padding:.8rem .9rem;margin:.7rem 0;scroll-margin-top:1rem}
.rank{flex:0 0 2rem;height:2rem;border-radius:50%;background:var(--accent);color:#fff;font-weight:700;display:flex;align-items:center;justify-content:center}
.story .body{min-width:0;flex:1}
.headline{margin:.15rem 0 .35rem;font-size:.95rem}
.meta,.chain,.sources{margin:.2rem 0;font-size:.84rem;color:var(--muted)}
.meta b{color:var(--ink)}
.badge{display:inline-block;font-size:.72rem;font-weight:600;background:#fff1d6;color:#7a4b00;border-radius:999px;padding:.05rem .5rem;margin-left:.3rem;vertical-align:middle}
details{margin-top:.4rem}summary{cursor:pointer;font-size:.86rem;color:var(--accent)}
ol.articles{list-style:none;padding:0;margin:.4rem 0 0;font-size:.86rem}
ol.articles li{padding:.35rem 0;border-top:1px solid var(--line)}
ol.articles time,.src{color:var(--muted);font-size:.8rem;margin-right:.4rem;white-space:nowrap}
.copies{font-size:.8rem;color:var(--muted);margin-top:.15rem}
.plot{width:100%;margin:.3rem 0}
table{border-collapse:collapse;width:100%;font-size:.84rem}
td,th{border-bottom:1px solid var(--line);padding:.35rem .45rem;text-align:left;vertical-align:top;overflow-wrap:anywhere}
th{background:var(--soft);font-weight:600;white-space:nowrap}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch}
.group{border:1px solid var(--line);border-radius:10px;padding:.6rem .8rem;margin:.6rem 0}
.group p{margin:0 0 .4rem;font-size:.88rem}
ol.members{list-style:none;padding:0;margin:0;font-size:.84rem}
ol.members li{padding:.35rem 0;border-top:1px solid var(--line)}
ol.members time{white-space:nowrap}.rule{font-weight:600}
.ok{background:#eaf6ee;color:#1f6b3a;border-radius:8px;padding:.6rem .8rem}
.muted{color:var(--muted);font-size:.82rem}
footer{margin-top:2.5rem;color:var(--muted);font-size:.8rem}
code{font-size:.8rem}
@media (max-width:600px){
 body{font-size:14px}main{padding:0 .7rem 2rem}
 .cards{grid-template-columns:repeat(2,1fr)}.card b{font-size:1.45rem}
 .story{padding:.7rem;gap:.6rem}.rank{flex-basis:1.7rem;height:1.7rem;font-size:.85rem}
 td,th{padding:.3rem .3rem}
}
"""

_PLOT_CONFIG = {"displayModeBar": False, "responsive": True, "scrollZoom": False, "staticPlot": False}


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _n(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) else _e(value)


def _day(value: datetime | None) -> str:
    return "" if value is None else f"{value:%b} {value.day}"


def _moment(value: datetime | None) -> str:
    return "" if value is None else f"{value:%b} {value.day} {value:%H:%M}"


def _span(first: datetime | None, last: datetime | None) -> str:
    if first is None or last is None:
        return ""
    if first.date() == last.date():
        return f"{_day(first)}, {first:%H:%M}–{last:%H:%M}"
    return f"{_moment(first)} → {_moment(last)}"


def _hours(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value * 60:.0f} min" if abs(value) < 1 else f"{value:.1f} h"


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else (plural or word + 's')}"


def _link(url: str | None, text: str) -> str:
    if url and url.startswith(("http://", "https://")):
        return f"<a href='{_e(url)}' rel='noopener noreferrer' target='_blank'>{_e(text)}</a>"
    return _e(text)


def _table(head: Iterable[str], rows: Iterable[Iterable[str]], numeric: Iterable[int] = ()) -> str:
    """A table from already-escaped cells; columns in ``numeric`` are right-aligned."""
    numeric = set(numeric)
    cls = lambda i: " class='n'" if i in numeric else ""  # noqa: E731
    head_html = "".join(f"<th{cls(i)}>{h}</th>" for i, h in enumerate(head))
    body = "".join("<tr>" + "".join(f"<td{cls(i)}>{c}</td>" for i, c in enumerate(row)) + "</tr>" for row in rows)
    return f"<div class='scroll'><table><thead><tr>{head_html}</tr></thead><tbody>{body}</tbody></table></div>"


def _figure(figure, div_id: str) -> str:
    figure.update_layout(
        template="plotly_white", margin={"l": 10, "r": 10, "t": 10, "b": 10}, dragmode=False,
        font={"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 12},
        hoverlabel={"align": "left"},
    )
    figure.update_xaxes(fixedrange=True, automargin=True)
    figure.update_yaxes(fixedrange=True, automargin=True)
    body = figure.to_html(full_html=False, include_plotlyjs=False, div_id=div_id, config=_PLOT_CONFIG)
    return f"<div class='plot'>{body}</div>"


def render_report(tables: dict[str, pl.DataFrame], manifest: dict[str, Any]) -> str:
    """The whole page from the output tables and the run manifest (counts, config hash, timings)."""
    from plotly.offline import get_plotlyjs

    counts = manifest.get("counts", {})
    articles = tables["articles"]
    stories = tables.get("stories")
    duplicates = tables.get("duplicates", pl.DataFrame())
    synd = tables.get("syndication", pl.DataFrame())
    rejects = tables.get("rejects", pl.DataFrame())
    sections = [("numbers", "The night in numbers", _numbers(counts, articles))]
    if stories is not None and "story_id" in articles.columns:
        sections.append(("stories", "Top stories", _top_stories(stories, articles, duplicates)))
        sections.append(("timeline", "Story timeline", _timeline(stories, articles)))
    sections.append(("syndication", "Syndication: who copies whom", _syndication(synd)))
    sections.append(("duplicates", "Duplicate groups", _duplicate_groups(duplicates, articles)))
    sections.append(("rejects", "Rejected rows", _rejects(rejects)))
    nav = "".join(f"<a href='#{key}'>{_e(title.split(':')[0])}</a>" for key, title, _ in sections)
    body = "".join(f"<section id='{key}'><h2>{_e(title)}</h2>{content}</section>" for key, title, content in sections)
    span = _publication_span(articles)
    started = manifest.get("started_at", "")
    return "\n".join([
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width,initial-scale=1'>",
        "<meta name='color-scheme' content='light'>",
        f"<title>newsclust report: {_e(span or started[:10])}</title>",
        f"<style>{_CSS}</style>",
        f"<script>{get_plotlyjs()}</script></head><body>",
        "<header class='top'><div class='inner'>",
        f"<h1>News report{': ' + _e(span) if span else ''}</h1>",
        f"<p>newsclust run {_e(started[:16].replace('T', ' '))} UTC · config {_e(manifest.get('config_hash', ''))}</p>",
        f"<nav>{nav}</nav></div></header><main>",
        body,
        _footer(manifest),
        "</main></body></html>",
    ])


def _publication_span(articles: pl.DataFrame) -> str:
    if articles.is_empty() or articles["published_at"].null_count() == articles.height:
        return ""
    first, last = articles["published_at"].min(), articles["published_at"].max()
    if first.date() == last.date():
        return f"{_day(first)}, {first.year}"
    year = "" if first.year == last.year else f", {first.year}"
    return f"{_day(first)}{year} – {_day(last)}, {last.year}"


# ---------------------------------------------------------------- sections


def _numbers(counts: dict[str, Any], articles: pl.DataFrame) -> str:
    cards = []
    for key, label in NUMBERS:
        if key not in counts:
            continue
        bad = " bad" if key == "rejected" and counts[key] else ""
        cards.append(f"<div class='card{bad}' data-key='{key}'><b>{_n(counts[key])}</b><span>{_e(label)}</span></div>")
    lede = []
    if "rows_in" in counts:
        lede.append(f"{_plural(counts['rows_in'], 'article')} came in"
                    + (f"; {_n(counts.get('rejected', 0))} could not be used" if counts.get("rejected") else "") + ".")
    if "copies" in counts and "duplicate_groups" in counts:
        lede.append(f"{_plural(counts['copies'], 'syndicated copy', 'syndicated copies')} collapsed into "
                    f"{_plural(counts['duplicate_groups'], 'duplicate group')}, leaving "
                    f"{_plural(counts.get('unique_articles', 0), 'unique article')}"
                    + (f" in {_plural(counts['stories'], 'story', 'stories')}" if "stories" in counts else "") + ".")
    if "new_stories" in counts and "continuing_stories" in counts:
        lede.append(f"{_n(counts['new_stories'])} new, {_n(counts['continuing_stories'])} continuing from earlier nights.")
    sources = articles["source"].drop_nulls().n_unique() if "source" in articles.columns else 0
    if sources:
        lede.append(f"{_plural(sources, 'source')}.")
    return f"<div class='cards'>{''.join(cards)}</div><p class='lede'>{_e(' '.join(lede))}</p>"


def _top_stories(stories: pl.DataFrame, articles: pl.DataFrame, duplicates: pl.DataFrame) -> str:
    if stories.is_empty():
        return "<p>No stories.</p>"
    ranked = stories.sort(["n_unique", "n_sources", "n_articles", "first_seen", "story_id"],
                          descending=[True, True, True, False, False])
    top, rest = ranked.head(TOP_STORIES), ranked.slice(TOP_STORIES)
    rounds: dict[str, list[dict[str, Any]]] = {}
    for row in stories.filter(pl.col("chain_id").is_duplicated()).sort("chain_id", "round").iter_rows(named=True):
        rounds.setdefault(row["chain_id"], []).append(row)
    match = duplicates.select("article_id", "rule", "jaccard", "containment") if not duplicates.is_empty() else None
    members = articles if match is None else articles.join(match, on="article_id", how="left")
    by_story = {key[0]: frame for key, frame in members.group_by("story_id")}
    parts = ["<p class='lede'>Ranked by unique articles, then sources. Open a story for its articles; "
             "each links to the publisher's page, copies under their original.</p>"]
    for rank, story in enumerate(top.iter_rows(named=True), start=1):
        parts.append(_story_card(rank, story, by_story.get(story["story_id"], members.clear()),
                                 rounds.get(story["chain_id"], [])))
    if not rest.is_empty():
        hidden = max(rest.height - MORE_STORIES, 0)
        rest = rest.head(MORE_STORIES)
        rows = [
            [f"<span id='{_e(s['story_id'])}' title='{_e(s['headline'])}'>{_e(s['label'])}</span>", _n(s["n_unique"]),
             _n(s["n_articles"]), _n(s["n_sources"]), _e(_span(s["first_seen"], s["last_seen"]))]
            for s in rest.iter_rows(named=True)
        ]
        parts.append(f"<details><summary>{_plural(rest.height, 'more story', 'more stories')}</summary>"
                     + _table(["story", "unique", "articles", "sources", "seen"], rows, numeric=(1, 2, 3))
                     + (f"<p class='muted'>… and {_plural(hidden, 'more story', 'more stories')} in "
                        "<code>stories.csv</code>.</p>" if hidden else "")
                     + "</details>")
    return "".join(parts)


def _story_card(rank: int, story: dict[str, Any], members: pl.DataFrame, chain: list[dict[str, Any]]) -> str:
    sid = story["story_id"]
    badge = f"<span class='badge'>round {story['round']} of {len(chain)}</span>" if len(chain) > 1 else ""
    sources = (
        members.group_by("source").agg(pl.len().alias("n")).drop_nulls("source")
        .sort(["n", "source"], descending=[True, False])
    )
    source_list = ", ".join(f"{_e(s)}{f' ({n})' if n > 1 else ''}" for s, n in sources.iter_rows())
    chain_html = ""
    if len(chain) > 1:
        steps = []
        for r in chain:
            text = f"round {r['round']} · {_span(r['first_seen'], r['last_seen'])}"
            if r["story_id"] == sid:
                steps.append(f"<b>{_e(text)}</b>")
            else:
                steps.append(f"<a href='#{_e(r['story_id'])}'>{_e(text)}</a>")
        chain_html = f"<p class='chain'>Chain: {' → '.join(steps)}</p>"
    items = []
    originals = members.filter(pl.col("is_canonical")).sort("published_at", "article_id")
    for original in originals.iter_rows(named=True):
        copies = members.filter(~pl.col("is_canonical") & (pl.col("canonical_id") == original["article_id"]))
        copy_links = [
            f"{_link(c['url'], c['source'] or c['article_id'])} "
            f"<span title='{_e(c.get('rule') or '')}'>+{_e(_hours(_delay(original, c)))}</span>"
            for c in copies.sort("published_at", "article_id").iter_rows(named=True)
        ]
        copies_html = f"<div class='copies'>copied by {' · '.join(copy_links)}</div>" if copy_links else ""
        items.append(
            f"<li><time>{_e(_moment(original['published_at']))}</time><span class='src'>{_e(original['source'] or '')}</span>"
            f"{_link(original['url'], original['title'] or original['article_id'])}{copies_html}</li>"
        )
    summary = _plural(originals.height, "original")
    if members.height > originals.height:
        summary += ", " + _plural(members.height - originals.height, "copy", "copies")
    return (
        f"<article class='story' id='{_e(sid)}' data-story='{_e(sid)}'><div class='rank'>{rank}</div><div class='body'>"
        f"<h3>{_e(story['label'])}{badge}</h3>"
        f"<p class='headline'>{_e(story['headline'])}</p>"
        f"<p class='meta'><b>{_n(story['n_unique'])}</b> unique · {_plural(story['n_articles'], 'article')} · "
        f"<b>{_n(story['n_sources'])}</b> sources · {_e(_span(story['first_seen'], story['last_seen']))} UTC</p>"
        f"{chain_html}<p class='sources'>Sources: {source_list}</p>"
        f"<details{' open' if rank <= 3 else ''}><summary>{summary}</summary>"
        f"<ol class='articles'>{''.join(items)}</ol></details>"
        "</div></article>"
    )


def _delay(original: dict[str, Any], copy: dict[str, Any]) -> float | None:
    if original["published_at"] is None or copy["published_at"] is None:
        return None
    return (copy["published_at"] - original["published_at"]).total_seconds() / 3600.0


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _timeline(stories: pl.DataFrame, articles: pl.DataFrame) -> str:
    import plotly.graph_objects as go

    top = stories.sort(["n_articles", "story_id"], descending=[True, False]).head(TIMELINE_STORIES)
    if top.is_empty() or articles["published_at"].null_count() == articles.height:
        return "<p>No stories.</p>"
    first, last = articles["published_at"].min(), articles["published_at"].max()
    hourly = (last - first).total_seconds() <= 2 * 86400
    unit, every = ("hour", "1h") if hourly else ("day", "1d")
    top = top.sort("first_seen", "story_id")
    names = {s: _truncate(label, 60) for s, label in zip(top["story_id"], top["label"])}
    per_bin = (
        articles.filter(pl.col("story_id").is_in(top["story_id"].to_list()))
        .with_columns(pl.col("published_at").dt.truncate(every).alias("bin"))
        .group_by("story_id", "bin").agg(pl.len().alias("len"), pl.col("published_at").mean().alias("at"))
        .sort("bin", "story_id")
    )
    chains = stories.filter(pl.col("chain_id").is_duplicated())["chain_id"].unique().sort().to_list()
    palette = ["#d9822b", "#8e44ad", "#1b998b", "#c0392b", "#2d6a4f", "#6d597a"]
    colour = {c: palette[i % len(palette)] for i, c in enumerate(chains)}
    story_colour = {s: colour.get(c, "#2f5fd0") for s, c in zip(top["story_id"], top["chain_id"])}
    line_x: list[Any] = []
    line_y: list[Any] = []
    for s in top.iter_rows(named=True):
        line_x += [s["first_seen"], s["last_seen"], None]
        line_y += [names[s["story_id"]], names[s["story_id"]], None]
    fmt = "%b %d %H:00" if hourly else "%b %d"
    half = timedelta(minutes=30) if hourly else timedelta(hours=6)
    biggest = max(per_bin["len"].max() or 1, 1)
    figure = go.Figure([
        go.Scatter(x=line_x, y=line_y, mode="lines", line={"color": "#c5cbd8", "width": 2}, hoverinfo="skip",
                   showlegend=False),
        go.Scatter(
            x=per_bin["at"].to_list(), y=[names[s] for s in per_bin["story_id"]], mode="markers",
            marker={"size": [7 + 13 * (n / biggest) ** 0.5 for n in per_bin["len"]],
                    "color": [story_colour[s] for s in per_bin["story_id"]], "opacity": 0.85,
                    "line": {"width": 0}},
            customdata=[[n, b.strftime(fmt), names[s]] for n, b, s in zip(per_bin["len"], per_bin["bin"], per_bin["story_id"])],
            hovertemplate="%{customdata[2]}<br>%{customdata[1]}: %{customdata[0]} articles<extra></extra>",
            showlegend=False,
        ),
    ])
    # Labels sit above their row (not as tick labels) so the plot keeps its width on a phone.
    for story_id, name in names.items():
        figure.add_annotation(x=0, xref="paper", xanchor="left", y=name, yshift=15, text=html.escape(name, quote=False),
                              showarrow=False, font={"size": 11, "color": "#3d4659"})
    figure.update_layout(height=60 + 40 * top.height)
    figure.update_yaxes(autorange="reversed", categoryorder="array", categoryarray=list(names.values()),
                        showticklabels=False, showgrid=False)
    figure.update_xaxes(showgrid=True, gridcolor="#eef0f5",
                        range=[first - half, last + half])
    note = (f"<p class='lede'>Articles per story per {unit} (dot size), the line from first to last article; "
            f"{_plural(top.height, 'story', 'stories')} with the most articles, earliest first"
            + ("; stories of a recurring chain share a colour" if chains else "") + ".</p>")
    return note + _figure(figure, "plot-timeline")


def _syndication(synd: pl.DataFrame) -> str:
    import plotly.graph_objects as go

    if synd.is_empty():
        return "<p>No copies found.</p>"
    all_origins = (synd.group_by("origin_source").agg(pl.col("copies").sum())
                   .sort(["copies", "origin_source"], descending=[True, False])["origin_source"].to_list())
    all_copiers = (synd.group_by("copier_source").agg(pl.col("copies").sum())
                   .sort(["copies", "copier_source"], descending=[True, False])["copier_source"].to_list())
    origins, copiers = all_origins[:HEATMAP_ORIGINS], all_copiers[:HEATMAP_COPIERS]
    cell = {(o, c): (n, d) for o, c, n, d in synd.select("origin_source", "copier_source", "copies", "median_delay_hours").iter_rows()}
    z = [[cell[(o, c)][0] if (o, c) in cell else None for c in copiers] for o in origins]
    delay = [[_hours(cell[(o, c)][1]) if (o, c) in cell else "" for c in copiers] for o in origins]
    figure = go.Figure(go.Heatmap(
        z=z, x=copiers, y=origins, customdata=delay, colorscale="Blues", showscale=False, xgap=2, ygap=2,
        texttemplate="%{z}", hovertemplate="%{y} → %{x}<br>%{z} copies, median %{customdata} later<extra></extra>",
    ))
    figure.update_layout(height=110 + 34 * len(origins))
    figure.update_xaxes(side="top", title_text="copied by")
    figure.update_yaxes(autorange="reversed", title_text="original publisher")
    total = int(synd["copies"].sum())
    by_copier = synd.group_by("copier_source").agg(pl.col("copies").sum()).sort(["copies", "copier_source"], descending=[True, False])
    top_copier = by_copier.row(0)
    cut = ""
    if len(all_origins) > len(origins) or len(all_copiers) > len(copiers):
        cut = (f" The matrix shows the {len(origins)} most copied publishers and the {len(copiers)} busiest copiers"
               f" (of {len(all_origins)} and {len(all_copiers)}).")
    lede = (f"<p class='lede'>{_plural(total, 'copy', 'copies')} of {_plural(len(all_origins), 'publisher')}' articles by "
            f"{_plural(len(all_copiers), 'copier')}; {_e(top_copier[0])} copied most ({_n(int(top_copier[1]))}). "
            f"Cells count copies; hover or see the table for the median delay.{_e(cut)}</p>")
    rows = [[_e(o), _e(c), _n(n), _e(_hours(d))] for o, c, n, d in
            synd.head(SYNDICATION_ROWS).select("origin_source", "copier_source", "copies", "median_delay_hours").iter_rows()]
    table = _table(["original publisher", "copied by", "copies", "median delay"], rows, numeric=(2, 3))
    more = (f"<p class='muted'>… and {synd.height - len(rows):,} more pairs in <code>syndication.csv</code>.</p>"
            if synd.height > len(rows) else "")
    summary = f"All {len(rows)} pairs" if not more else f"The {len(rows)} pairs with the most copies"
    return lede + _figure(figure, "plot-syndication") + f"<details><summary>{summary}</summary>{table}{more}</details>"


def _duplicate_groups(duplicates: pl.DataFrame, articles: pl.DataFrame) -> str:
    import plotly.graph_objects as go

    if duplicates.is_empty():
        return "<p>No duplicate groups.</p>"
    groups = (
        duplicates.group_by("dup_group_id")
        .agg(pl.len().alias("size"), pl.col("canonical_id").first())
        .join(articles.select(pl.col("article_id").alias("canonical_id"), "published_at"), on="canonical_id", how="left")
        .sort(["size", "published_at", "dup_group_id"], descending=[True, False, False])
    )
    sizes = groups.group_by("size").len().sort("size")
    figure = go.Figure(go.Bar(
        x=[str(s) for s in sizes["size"]], y=sizes["len"].to_list(), marker_color="#2f5fd0", text=sizes["len"].to_list(),
        textposition="outside", cliponaxis=False, hovertemplate="%{y} groups of %{x} articles<extra></extra>",
    ))
    figure.update_layout(height=240)
    figure.update_xaxes(title_text="articles in the group", type="category")
    figure.update_yaxes(title_text="groups", rangemode="tozero")
    rule_counts = duplicates.filter(~pl.col("is_canonical")).group_by("rule").len().sort(["len", "rule"], descending=[True, False])
    why = ", ".join(f"{n} by {r}" for r, n in rule_counts.iter_rows())
    lede = (f"<p class='lede'>{_plural(groups.height, 'group')} of two or more articles; "
            f"copies matched {_e(why)}.</p>")
    columns = [c for c in ("article_id", "source", "title", "url", "published_at", "story_label") if c in articles.columns]
    meta = articles.select(columns)
    blocks = []
    for group in groups.head(LARGEST_GROUPS).iter_rows(named=True):
        members = (
            duplicates.filter(pl.col("dup_group_id") == group["dup_group_id"]).join(meta, on="article_id", how="left")
            .sort(["is_canonical", "published_at", "article_id"], descending=[True, False, False])
        )
        canonical = members.row(0, named=True)
        rule = canonical["canonical_rule"] or ""
        items = []
        for m in members.iter_rows(named=True):
            when = f"<time>{_e(_moment(m['published_at']))}</time>"
            if m["is_canonical"]:
                head = f"<b>original</b> · {_e(m['source'] or '')} · {when}"
                title = _link(m["url"], m["title"] or m["article_id"])
            else:
                head = (f"copy · {_e(m['source'] or '')} · {when} (+{_e(_hours(_delay(canonical, m)))}) · "
                        f"<span class='rule' title='{_e(MATCH_RULES.get(m['rule'], ''))}'>{_e(m['rule'])}</span> "
                        f"<span class='muted'>J {m['jaccard']:.2f} · C {m['containment']:.2f}</span>")
                same = (m["title"] or "") == (canonical["title"] or "")
                title = _link(m["url"], "same headline" if same else (m["title"] or m["article_id"]))
            items.append(f"<li><div>{head}</div><div>{title}</div></li>")
        story = f" · story: {_e(canonical['story_label'])}" if canonical.get("story_label") else ""
        blocks.append(
            f"<div class='group' data-group='{_e(group['dup_group_id'])}'><p><b>{_plural(group['size'], 'article')}</b>{story}"
            f"<br><span class='muted'>original chosen because "
            f"<span title='{_e(rule)}'>{_e(CANONICAL_RULES.get(rule, rule))}</span></span></p>"
            f"<ol class='members'>{''.join(items)}</ol></div>"
        )
    return (lede + _figure(figure, "plot-groups")
            + "<h3>The largest groups</h3><p class='muted'>J = Jaccard, C = containment: shares of shingles (4-word "
              "runs) shared with the original; the rule names the test that matched.</p>" + "".join(blocks))


def _rejects(rejects: pl.DataFrame) -> str:
    import plotly.graph_objects as go

    if rejects.is_empty():
        return "<p class='ok'>No rows rejected: every input row became an article.</p>"
    reasons = (
        rejects.with_columns(pl.col("reason").str.replace(r" \(.*$|: .*$", "").alias("kind"))
        .group_by("kind").agg(pl.len().alias("rows"), pl.col("file").first(), pl.col("row").first(), pl.col("reason").first())
        .sort(["rows", "kind"], descending=[True, False])
    )
    figure = go.Figure(go.Bar(
        x=reasons["rows"].to_list(), y=reasons["kind"].to_list(), orientation="h", marker_color="#b5412b",
        text=reasons["rows"].to_list(), textposition="outside", cliponaxis=False,
        hovertemplate="%{y}: %{x} rows<extra></extra>",
    ))
    figure.update_layout(height=70 + 28 * reasons.height, bargap=0.35)
    figure.update_yaxes(autorange="reversed")
    figure.update_xaxes(rangemode="tozero", title_text="rows", tickformat=",d",
                        dtick=1 if (reasons["rows"].max() or 0) <= 8 else None)
    rows = [[_e(k), _n(n), f"<code>{_e(Path(f).name)}:{r}</code> {_e(reason)}"] for k, n, f, r, reason in reasons.iter_rows()]
    lede = (f"<p class='lede'>{_plural(rejects.height, 'row')} could not be used; each is in <code>rejects.csv</code> "
            "with its file, row and raw text.</p>")
    return lede + _figure(figure, "plot-rejects") + _table(["reason", "rows", "first example"], rows, numeric=(1,))


def _footer(manifest: dict[str, Any]) -> str:
    stages = manifest.get("stages", [])
    rows = [[_e(s.get("name")), f"{s.get('seconds', 0):.2f}", f"{s.get('peak_rss_mb', 0):.0f}"] for s in stages]
    versions = ", ".join(f"{_e(k)} {_e(v)}" for k, v in manifest.get("versions", {}).items())
    return (
        "<footer><details><summary>Run details</summary>"
        f"<p>newsclust {_e(manifest.get('newsclust_version', ''))} · config <code>{_e(manifest.get('config_hash', ''))}</code>"
        f" · model {_e(manifest.get('model') or 'none')} · started {_e(manifest.get('started_at', ''))}</p>"
        + (_table(["stage", "seconds", "peak MB"], rows, numeric=(1, 2)) if rows else "")
        + f"<p>{versions}</p></details>"
        "<p>Made by newsclust from this run's tables (articles, duplicates, stories, syndication, rejects).</p></footer>"
    )

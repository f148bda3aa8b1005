"""Output files: each table as CSV and Parquet, ``run.json`` (the manifest, written last) and ``report.html``."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:
    from .pipeline import RunResult

TABLE_ORDER = ("articles", "duplicates", "stories", "syndication", "rejects")


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


# ---------------------------------------------------------------- HTML

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0 auto;max-width:1100px;padding:1rem;color:#1d2330}
h1{font-size:1.5rem;margin:.2rem 0}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #dde;padding-bottom:.3rem}
.cards{display:flex;flex-wrap:wrap;gap:.6rem}.card{background:#f3f5f9;border-radius:8px;padding:.6rem .9rem;min-width:7.5rem}
.card b{display:block;font-size:1.5rem}.card span{font-size:.8rem;color:#556}
table{border-collapse:collapse;width:100%;font-size:.85rem}td,th{border-bottom:1px solid #e4e6ee;padding:.3rem .4rem;text-align:left;vertical-align:top}
th{background:#f7f8fb}.muted{color:#667;font-size:.8rem}.scroll{overflow-x:auto}
"""


def render_html(result: "RunResult") -> str:
    from plotly.offline import get_plotlyjs

    counts = result.counts
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width,initial-scale=1'>",
        f"<title>newsclust report {html.escape(result.started_at.strftime('%Y-%m-%d'))}</title>",
        f"<style>{_CSS}</style><script>{get_plotlyjs()}</script></head><body>",
        f"<h1>newsclust: the night in numbers</h1><p class='muted'>run started {result.started_at:%Y-%m-%d %H:%M} UTC"
        f" · config {result.config.config_hash()}</p>",
        _cards(counts),
    ]
    stories = result.tables.get("stories")
    articles = result.tables["articles"]
    if stories is not None:
        parts += ["<h2>Top stories</h2>", _top_stories(stories, articles)]
        parts += ["<h2>Story timeline</h2>", _timeline(stories, articles)]
    parts += ["<h2>Syndication: who copies whom</h2>", _syndication(result.tables["syndication"])]
    parts += ["<h2>Duplicate groups</h2>", _group_sizes(result.tables["duplicates"])]
    parts += ["<h2>Rejected rows</h2>", _rejects(result.tables["rejects"])]
    parts.append("</body></html>")
    return "\n".join(parts)


def _cards(counts: dict) -> str:
    shown = [
        ("rows_in", "articles in"), ("rejected", "rejected"), ("duplicate_groups", "duplicate groups"),
        ("copies", "copies collapsed"), ("unique_articles", "unique articles"), ("stories", "stories"),
        ("chains_with_rounds", "recurring chains"),
    ]
    cards = "".join(
        f"<div class='card' data-key='{key}'><b>{counts[key]}</b><span>{label}</span></div>"
        for key, label in shown if key in counts
    )
    return f"<div class='cards'>{cards}</div>"


def _table(frame: pl.DataFrame) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in frame.columns)
    rows = "".join(
        "<tr>" + "".join(f"<td>{html.escape('' if v is None else str(v))}</td>" for v in row) + "</tr>"
        for row in frame.iter_rows()
    )
    return f"<div class='scroll'><table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>"


def _top_stories(stories: pl.DataFrame, articles: pl.DataFrame, limit: int = 20) -> str:
    sources = articles.group_by("story_id").agg(pl.col("source").drop_nulls().unique().sort().str.join(", ").alias("sources"))
    top = (
        stories.join(sources, on="story_id", how="left")
        .sort(["n_unique", "n_sources", "story_id"], descending=[True, True, False])
        .head(limit)
        .select(
            "label", "headline", pl.col("n_unique").alias("unique"), pl.col("n_articles").alias("articles"),
            "sources", pl.col("first_seen").dt.strftime("%b %d %H:%M").alias("first seen"),
            pl.col("last_seen").dt.strftime("%b %d %H:%M").alias("last seen"), "round",
        )
    )
    return _table(top)


def _figure_html(figure) -> str:
    figure.update_layout(margin={"l": 10, "r": 10, "t": 30, "b": 10}, template="plotly_white")
    return figure.to_html(full_html=False, include_plotlyjs=False, config={"displayModeBar": False, "responsive": True})


def _timeline(stories: pl.DataFrame, articles: pl.DataFrame, limit: int = 15) -> str:
    import plotly.graph_objects as go

    top = stories.sort(["n_articles", "story_id"], descending=[True, False]).head(limit)
    per_day = (
        articles.join(top.select("story_id", "label"), on="story_id")
        .with_columns(pl.col("published_at").dt.date().alias("day"))
        .group_by("label", "day").len().sort("day")
    )
    if per_day.is_empty():
        return "<p>No stories.</p>"
    figure = go.Figure(
        go.Scatter(
            x=per_day["day"].to_list(), y=per_day["label"].to_list(), mode="markers",
            marker={"size": [8 + 6 * n for n in per_day["len"].to_list()], "color": "#3b6fd8", "opacity": 0.7},
            text=[f"{n} articles" for n in per_day["len"].to_list()], hovertemplate="%{y}<br>%{x}: %{text}<extra></extra>",
        )
    )
    figure.update_layout(height=120 + 28 * top.height, yaxis={"autorange": "reversed"})
    return _figure_html(figure)


def _syndication(synd: pl.DataFrame) -> str:
    import plotly.graph_objects as go

    if synd.is_empty():
        return "<p>No copies found.</p>"
    origins = sorted(synd["origin_source"].unique().to_list())
    copiers = sorted(synd["copier_source"].unique().to_list())
    cell = {(o, c): (n, d) for o, c, n, d in synd.iter_rows()}
    z = [[cell.get((o, c), (0, None))[0] for c in copiers] for o in origins]
    text = [[f"{cell[(o, c)][0]} copies, median {cell[(o, c)][1]:.1f} h later" if (o, c) in cell else "" for c in copiers] for o in origins]
    figure = go.Figure(go.Heatmap(z=z, x=copiers, y=origins, text=text, colorscale="Blues",
                                  hovertemplate="%{y} → %{x}<br>%{text}<extra></extra>"))
    figure.update_layout(height=140 + 30 * len(origins), xaxis_title="copied by", yaxis_title="original publisher")
    return _figure_html(figure) + _table(synd)


def _group_sizes(duplicates: pl.DataFrame) -> str:
    import plotly.graph_objects as go

    if duplicates.is_empty():
        return "<p>No duplicate groups.</p>"
    sizes = duplicates.group_by("dup_group_id").agg(pl.len().alias("size")).group_by("size").len().sort("size")
    figure = go.Figure(go.Bar(x=sizes["size"].to_list(), y=sizes["len"].to_list(), marker_color="#3b6fd8"))
    figure.update_layout(height=260, xaxis_title="articles in group", yaxis_title="groups")
    return _figure_html(figure)


def _rejects(rejects: pl.DataFrame) -> str:
    if rejects.is_empty():
        return "<p>No rows rejected.</p>"
    reasons = rejects.with_columns(pl.col("reason").str.replace(r" \(.*$|: .*$", "")).group_by("reason").len().sort("len", descending=True)
    return _table(reasons.rename({"len": "rows"}))

"""The report's four plotly figures, each returned as the HTML snippet plotly writes (a div and its script).

The page inlines plotly.js once, so a snippet does not include it. Figures do not zoom, pan or capture scrolling
(the page must scroll on a phone), and they resize with the window.

Feed text in a figure is plain text (``chart_text``). Plotly reads every label, tick label, hover text and
annotation as its own small markup (``<a href>``, ``<span style>``, ``<b>``, ``<br>``) and decodes entities in it,
so a source named ``<a href="https://evil.example">`` would be a live link in the chart. Axes that show feed text
are positions (0, 1, 2…) or story ids with the names as tick text or annotations, so two names that read alike can
never merge into one row or column.
"""

from __future__ import annotations

import html
from datetime import datetime, timedelta
from typing import Any

import polars as pl

from ..display import hours, visible_controls

PLOT_CONFIG = {"displayModeBar": False, "responsive": True, "scrollZoom": False, "staticPlot": False}
CHAIN_COLOURS = ("#d9822b", "#8e44ad", "#1b998b", "#c0392b", "#2d6a4f", "#6d597a")
STORY_COLOUR = "#2f5fd0"  # a story outside any recurring chain


def chart_text(text: str | None) -> str:
    """Feed text as plotly shows it literally: ``<``, ``>`` and ``&`` as the entities plotly decodes back to the
    characters typed (never as its markup), control characters as visible escapes (a line break would split the
    label)."""
    return html.escape(visible_controls(text or ""), quote=False)


def _snippet(figure: Any, div_id: str) -> str:
    """The figure in the page's look, as plotly's HTML snippet."""
    figure.update_layout(
        template="plotly_white", margin={"l": 10, "r": 10, "t": 10, "b": 10}, dragmode=False,
        font={"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 12},
        hoverlabel={"align": "left"},
    )
    figure.update_xaxes(fixedrange=True, automargin=True)
    figure.update_yaxes(fixedrange=True, automargin=True)
    return figure.to_html(full_html=False, include_plotlyjs=False, div_id=div_id, config=PLOT_CONFIG)


def timeline(top: pl.DataFrame, per_bin: pl.DataFrame, names: dict[str, str], chains: list[str],
             hourly: bool, first: datetime, last: datetime) -> str:
    """One row per story of ``top`` (in its order): a line from first to last article and a dot per time bin of
    ``per_bin`` (``story_id, bin, len, at``) whose area grows with the bin's articles; stories of one of ``chains``
    share a colour."""
    import plotly.graph_objects as go

    colour = {c: CHAIN_COLOURS[i % len(CHAIN_COLOURS)] for i, c in enumerate(chains)}
    story_colour = {s: colour.get(c, STORY_COLOUR) for s, c in zip(top["story_id"], top["chain_id"], strict=True)}
    shown = {story_id: chart_text(name) for story_id, name in names.items()}
    line_x: list[Any] = []
    line_y: list[Any] = []
    for s in top.iter_rows(named=True):  # rows are story ids (never shown): labels cut short may read alike
        line_x += [s["first_seen"], s["last_seen"], None]
        line_y += [s["story_id"], s["story_id"], None]
    fmt = "%b %d %H:00" if hourly else "%b %d"
    half = timedelta(minutes=30) if hourly else timedelta(hours=6)
    biggest = max(per_bin["len"].max() or 1, 1)
    bins = zip(per_bin["len"], per_bin["bin"], per_bin["story_id"], strict=True)
    figure = go.Figure([
        go.Scatter(x=line_x, y=line_y, mode="lines", line={"color": "#c5cbd8", "width": 2}, hoverinfo="skip",
                   showlegend=False),
        go.Scatter(
            x=per_bin["at"].to_list(), y=per_bin["story_id"].to_list(), mode="markers",
            marker={"size": [7 + 13 * (n / biggest) ** 0.5 for n in per_bin["len"]],
                    "color": [story_colour[s] for s in per_bin["story_id"]], "opacity": 0.85,
                    "line": {"width": 0}},
            customdata=[[n, b.strftime(fmt), shown[s]] for n, b, s in bins],
            hovertemplate="%{customdata[2]}<br>%{customdata[1]}: %{customdata[0]} articles<extra></extra>",
            showlegend=False,
        ),
    ])
    # Labels sit above their row (not as tick labels) so the plot keeps its width on a phone.
    for story_id, name in shown.items():
        figure.add_annotation(x=0, xref="paper", xanchor="left", y=story_id, yshift=15, text=name,
                              showarrow=False, font={"size": 11, "color": "#3d4659"})
    figure.update_layout(height=60 + 40 * top.height)
    figure.update_yaxes(autorange="reversed", categoryorder="array", categoryarray=list(shown),
                        showticklabels=False, showgrid=False)
    figure.update_xaxes(showgrid=True, gridcolor="#eef0f5", range=[first - half, last + half])
    return _snippet(figure, "plot-timeline")


def copy_matrix(syndication: pl.DataFrame, origins: list[str], copiers: list[str]) -> str:
    """A heatmap of original publisher (rows) × copier (columns): copies per cell, the median delay on hover."""
    import plotly.graph_objects as go

    cell = {(o, c): (n, d) for o, c, n, d in
            syndication.select("origin_source", "copier_source", "copies", "median_delay_hours").iter_rows()}
    z = [[cell[(o, c)][0] if (o, c) in cell else None for c in copiers] for o in origins]
    hover = [[[chart_text(o), chart_text(c), hours(cell[(o, c)][1]) if (o, c) in cell else ""] for c in copiers]
             for o in origins]
    figure = go.Figure(go.Heatmap(
        z=z, customdata=hover, colorscale="Blues", showscale=False, xgap=2, ygap=2, texttemplate="%{z}",
        hovertemplate="%{customdata[0]} → %{customdata[1]}<br>%{z} copies, median %{customdata[2]} later"
                      "<extra></extra>",
    ))
    figure.update_layout(height=110 + 34 * len(origins))
    figure.update_xaxes(side="top", title_text="copied by", tickmode="array", tickvals=list(range(len(copiers))),
                        ticktext=[chart_text(c) for c in copiers])
    figure.update_yaxes(autorange="reversed", title_text="original publisher", tickmode="array",
                        tickvals=list(range(len(origins))), ticktext=[chart_text(o) for o in origins])
    return _snippet(figure, "plot-syndication")


def group_sizes(sizes: pl.DataFrame) -> str:
    """Bars of how many duplicate groups (``len``) have each size (``size``)."""
    import plotly.graph_objects as go

    figure = go.Figure(go.Bar(
        x=[str(s) for s in sizes["size"]], y=sizes["len"].to_list(), marker_color=STORY_COLOUR,
        text=sizes["len"].to_list(), textposition="outside", cliponaxis=False,
        hovertemplate="%{y} groups of %{x} articles<extra></extra>",
    ))
    figure.update_layout(height=240)
    figure.update_xaxes(title_text="articles in the group", type="category")
    figure.update_yaxes(title_text="groups", rangemode="tozero")
    return _snippet(figure, "plot-groups")


def reject_reasons(reasons: pl.DataFrame) -> str:
    """Horizontal bars of rejected rows (``rows``) per kind of reason (``kind``), in the frame's order."""
    import plotly.graph_objects as go

    figure = go.Figure(go.Bar(
        x=reasons["rows"].to_list(), y=[chart_text(kind) for kind in reasons["kind"]], orientation="h",
        marker_color="#b5412b",
        text=reasons["rows"].to_list(), textposition="outside", cliponaxis=False,
        hovertemplate="%{y}: %{x} rows<extra></extra>",
    ))
    figure.update_layout(height=70 + 28 * reasons.height, bargap=0.35)
    figure.update_yaxes(autorange="reversed")
    figure.update_xaxes(rangemode="tozero", title_text="rows", tickformat=",d",
                        dtick=1 if (reasons["rows"].max() or 0) <= 8 else None)
    return _snippet(figure, "plot-rejects")

"""The report's four plotly figures, each returned as an HTML snippet: a div and the script that draws it.

The page inlines plotly.js once, so a snippet does not include it. Figures do not zoom, pan or capture scrolling
(the page must scroll on a phone), and they resize with the window.

A figure is written here as the JSON plotly.js reads (traces, layout with plotly's ``plotly_white`` template,
config), in the snippet plotly's ``to_html`` writes, rather than built with plotly's Python objects: validating those
and importing the package took 0.3 s of every run, a tenth of a 22,000-article dedup. The template and plotly.js are
read from the installed plotly's package data, so the page looks and draws as plotly's own figures did.

Feed text in a figure is plain text (``chart_text``). Plotly reads every label, tick label, hover text and
annotation as its own small markup (``<a href>``, ``<span style>``, ``<b>``, ``<br>``) and decodes entities in it,
so a source named ``<a href="https://evil.example">`` would be a live link in the chart. Axes that show feed text
are positions (0, 1, 2…) or story ids with the names as tick text or annotations, so two names that read alike can
never merge into one row or column.
"""

from __future__ import annotations

import html
import json
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import polars as pl

from ..display import hours, visible_controls
from ..packages import package_file

PLOT_CONFIG = {"displayModeBar": False, "responsive": True, "scrollZoom": False, "staticPlot": False}
CHAIN_COLOURS = ("#d9822b", "#8e44ad", "#1b998b", "#c0392b", "#2d6a4f", "#6d597a")
STORY_COLOUR = "#2f5fd0"  # a story outside any recurring chain


def chart_text(text: str | None) -> str:
    """Feed text as plotly shows it literally: ``<``, ``>`` and ``&`` as the entities plotly decodes back to the
    characters typed (never as its markup), control characters as visible escapes (a line break would split the
    label)."""
    return html.escape(visible_controls(text or ""), quote=False)


BLUES = ("rgb(247,251,255)", "rgb(222,235,247)", "rgb(198,219,239)", "rgb(158,202,225)", "rgb(107,174,214)",
         "rgb(66,146,198)", "rgb(33,113,181)", "rgb(8,81,156)", "rgb(8,48,107)")  # ColorBrewer Blues: plotly's "Blues"
_SCRIPT_SAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "/": "\\u002f"})


def _package_data(name: str) -> Path:
    """A file of the installed plotly's ``package_data``, found without importing plotly."""
    found = package_file("plotly", f"package_data/{name}")
    if found is None:
        raise RuntimeError(f"the report needs plotly's package data ({name}; pip install plotly)")
    return found


@cache
def plotly_js() -> str:
    """plotly.js as the installed plotly package ships it (the page inlines it once)."""
    return _package_data("plotly.min.js").read_text(encoding="utf-8")


@cache
def _template() -> dict[str, Any]:
    return json.loads(_package_data("templates/plotly_white.json").read_text(encoding="utf-8"))


def _json_value(value: Any) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"not JSON: {type(value).__name__}")


def script_json(value: Any) -> str:
    """JSON that is safe inside a ``<script>``, escaped as plotly escapes it: no ``<``, ``>`` or ``/`` (so no
    ``</script>`` or comment can be spelled; everything beyond ASCII is a ``\\u`` escape already); datetimes in ISO
    form; NaN and infinities as ``null``, as plotly writes them (JSON has no such numbers)."""
    text = json.dumps(value, separators=(",", ":"), default=_json_value)
    if "NaN" in text or "Infinity" in text:  # maybe only inside a string: then the round trip changes nothing
        text = json.dumps(json.loads(text, parse_constant=lambda _: None), separators=(",", ":"))
    return text.translate(_SCRIPT_SAFE)


def _snippet(data: list[dict[str, Any]], layout: dict[str, Any], div_id: str) -> str:
    """The figure in the page's look, as the div and script plotly's ``to_html`` writes for it."""
    layout = {**layout, "template": _template(), "margin": {"l": 10, "r": 10, "t": 10, "b": 10}, "dragmode": False,
              "font": {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 12},
              "hoverlabel": {"align": "left"}}
    for axis in ("xaxis", "yaxis"):
        layout[axis] = {**layout.get(axis, {}), "fixedrange": True, "automargin": True}
    height = f"{layout['height']}px" if "height" in layout else "100%"
    return (f'<div style="height:{height}; width:100%;"><div id="{div_id}" class="plotly-graph-div" '
            f'style="height:100%; width:100%;"></div><script>window.PLOTLYENV=window.PLOTLYENV || {{}};'
            f'if (document.getElementById("{div_id}")) {{Plotly.newPlot("{div_id}", {script_json(data)}, '
            f'{script_json(layout)}, {script_json(PLOT_CONFIG)})}};</script></div>')


def timeline(top: pl.DataFrame, per_bin: pl.DataFrame, names: dict[str, str], chains: list[str],
             hourly: bool, first: datetime, last: datetime) -> str:
    """One row per story of ``top`` (in its order): a line from first to last article and a dot per time bin of
    ``per_bin`` (``story_id, bin, len, at``) whose area grows with the bin's articles; stories of one of ``chains``
    share a colour."""
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
    data = [
        {"type": "scatter", "x": line_x, "y": line_y, "mode": "lines", "line": {"color": "#c5cbd8", "width": 2},
         "hoverinfo": "skip", "showlegend": False},
        {"type": "scatter", "x": per_bin["at"].to_list(), "y": per_bin["story_id"].to_list(), "mode": "markers",
         "marker": {"size": [7 + 13 * (n / biggest) ** 0.5 for n in per_bin["len"]],
                    "color": [story_colour[s] for s in per_bin["story_id"]], "opacity": 0.85, "line": {"width": 0}},
         "customdata": [[n, b.strftime(fmt), shown[s]] for n, b, s in bins],
         "hovertemplate": "%{customdata[2]}<br>%{customdata[1]}: %{customdata[0]} articles<extra></extra>",
         "showlegend": False},
    ]
    # Labels sit above their row (not as tick labels) so the plot keeps its width on a phone.
    annotations = [{"x": 0, "xref": "paper", "xanchor": "left", "y": story_id, "yshift": 15, "text": name,
                    "showarrow": False, "font": {"size": 11, "color": "#3d4659"}} for story_id, name in shown.items()]
    layout = {"height": 60 + 40 * top.height, "annotations": annotations,
              "yaxis": {"autorange": "reversed", "categoryorder": "array", "categoryarray": list(shown),
                        "showticklabels": False, "showgrid": False},
              "xaxis": {"showgrid": True, "gridcolor": "#eef0f5", "range": [first - half, last + half]}}
    return _snippet(data, layout, "plot-timeline")


def copy_matrix(syndication: pl.DataFrame, origins: list[str], copiers: list[str]) -> str:
    """A heatmap of original publisher (rows) × copier (columns): copies per cell, the median delay on hover."""
    cell = {(o, c): (n, d) for o, c, n, d in
            syndication.select("origin_source", "copier_source", "copies", "median_delay_hours").iter_rows()}
    z = [[cell[(o, c)][0] if (o, c) in cell else None for c in copiers] for o in origins]
    hover = [[[chart_text(o), chart_text(c), hours(cell[(o, c)][1]) if (o, c) in cell else ""] for c in copiers]
             for o in origins]
    data = [{"type": "heatmap", "z": z, "customdata": hover, "showscale": False, "xgap": 2, "ygap": 2,
             "colorscale": [[k / (len(BLUES) - 1), colour] for k, colour in enumerate(BLUES)], "texttemplate": "%{z}",
             "hovertemplate": "%{customdata[0]} → %{customdata[1]}<br>%{z} copies, median %{customdata[2]} later"
                              "<extra></extra>"}]
    layout = {"height": 110 + 34 * len(origins),
              "xaxis": {"side": "top", "title": {"text": "copied by"}, "tickmode": "array",
                        "tickvals": list(range(len(copiers))), "ticktext": [chart_text(c) for c in copiers]},
              "yaxis": {"autorange": "reversed", "title": {"text": "original publisher"}, "tickmode": "array",
                        "tickvals": list(range(len(origins))), "ticktext": [chart_text(o) for o in origins]}}
    return _snippet(data, layout, "plot-syndication")


def group_sizes(sizes: pl.DataFrame) -> str:
    """Bars of how many duplicate groups (``len``) have each size (``size``)."""
    data = [{"type": "bar", "x": [str(s) for s in sizes["size"]], "y": sizes["len"].to_list(),
             "marker": {"color": STORY_COLOUR}, "text": sizes["len"].to_list(), "textposition": "outside",
             "cliponaxis": False, "hovertemplate": "%{y} groups of %{x} articles<extra></extra>"}]
    layout = {"height": 240, "xaxis": {"title": {"text": "articles in the group"}, "type": "category"},
              "yaxis": {"title": {"text": "groups"}, "rangemode": "tozero"}}
    return _snippet(data, layout, "plot-groups")


def reject_reasons(reasons: pl.DataFrame) -> str:
    """Horizontal bars of rejected rows (``rows``) per kind of reason (``kind``), in the frame's order."""
    rows = reasons["rows"].to_list()
    data = [{"type": "bar", "x": rows, "y": [chart_text(kind) for kind in reasons["kind"]], "orientation": "h",
             "marker": {"color": "#b5412b"}, "text": rows, "textposition": "outside", "cliponaxis": False,
             "hovertemplate": "%{y}: %{x} rows<extra></extra>"}]
    xaxis: dict[str, Any] = {"rangemode": "tozero", "title": {"text": "rows"}, "tickformat": ",d"}
    if (reasons["rows"].max() or 0) <= 8:
        xaxis["dtick"] = 1
    layout = {"height": 70 + 28 * reasons.height, "bargap": 0.35, "yaxis": {"autorange": "reversed"}, "xaxis": xaxis}
    return _snippet(data, layout, "plot-rejects")

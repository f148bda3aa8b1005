"""``report.html`` from the output tables and the manifest: the jinja2 templates under ``templates/``, fed by
``sections``.

The templates are autoescaped. Every ``{{ value }}`` is escaped with ``html.escape`` (which spells quotes ``&#x27;``
and ``&quot;``, as the reports always have; jinja's default spells them ``&#39;`` and ``&#34;``) unless it is
already markup: the figure snippets (``figures``, whose JSON is script-safe) and plotly.js are marked ``|safe``.

The templates under ``templates/parts/`` are written across lines for reading; their line breaks, with the
indentation after them, are dropped when they are loaded, so the page holds only the spaces a line spells out. The
page skeleton ``report.html.j2`` is output line for line.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import jinja2
import polars as pl
from markupsafe import Markup

from ..output_tables import stories_only_from_copies
from ..runs import load_run
from . import figures, sections

_PARTS = "parts/"
_LINE_BREAK = re.compile(r"\n\s*")


class _Loader(jinja2.PackageLoader):
    """The package's templates, with the line breaks of those under ``parts/`` dropped."""

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str | None, Any]:
        source, filename, uptodate = super().get_source(environment, template)
        if template.startswith(_PARTS):
            source = _LINE_BREAK.sub("", source)
        return source, filename, uptodate


def _escaped(value: Any) -> Markup:
    """The text of one ``{{ value }}``: markup as it is, None as nothing, anything else escaped."""
    if isinstance(value, Markup):
        return value
    return Markup(html.escape("" if value is None else str(value)))


_ENVIRONMENT = jinja2.Environment(
    loader=_Loader("cluster.report", "templates"), autoescape=True, finalize=_escaped,
    undefined=jinja2.StrictUndefined,
)


def _sections(tables: dict[str, pl.DataFrame], manifest: dict[str, Any], listed_stories: int) -> list[dict[str, Any]]:
    """The page's sections in order: (key: the part template and the anchor, title, nav label, view)."""
    articles = tables["articles"]
    stories = tables.get("stories")
    duplicates = tables.get("duplicates", pl.DataFrame())
    from_copies = stories_only_from_copies(stories, articles)
    shown = [("numbers", sections.numbers_title(articles, manifest),
              sections.numbers(manifest.get("counts", {}), articles, from_copies))]
    if stories is not None and "story_id" in articles.columns:
        shown.append(("stories", "Top stories", sections.top_stories(stories, articles, duplicates,
                                                                         listed_stories)))
        shown.append(("timeline", "Story timeline", sections.timeline(stories, articles)))
        shown.append(("topics", "Topics: the subjects stories belong to",
                      sections.topics(tables.get("topics"), stories)))
    shown.append(("syndication", "Syndication: who copies whom",
                  sections.syndication(tables.get("syndication", pl.DataFrame()))))
    shown.append(("duplicates", "Duplicate groups", sections.duplicate_groups(duplicates, articles)))
    shown.append(("rejects", "Rejected rows", sections.rejects(tables.get("rejects", pl.DataFrame()))))
    return [{"key": key, "title": title, "nav": title.split(":")[0], "view": view} for key, title, view in shown]


def render_report(tables: dict[str, pl.DataFrame], manifest: dict[str, Any],
                  listed_stories: int = sections.LISTED_STORIES) -> str:
    """The whole page from the output tables (``articles`` at least) and the run manifest (counts, config hash,
    timings); the ``listed_stories`` largest stories with their articles."""
    started = manifest.get("started_at", "")
    page = {
        "span": sections.publication_span(tables["articles"]), "run_day": started[:10],
        "run_minute": started[:16].replace("T", " "), "config_hash": manifest.get("config_hash", ""),
        "plotly_js": figures.plotly_js(),
    }
    return _ENVIRONMENT.get_template("report.html.j2").render(
        page=page, sections=_sections(tables, manifest, listed_stories), footer=sections.run_details(manifest),
    )


def render_folder(folder: str | Path) -> str:
    """The report of a finished run folder, rebuilt from its tables and ``run.json``."""
    run = load_run(folder)
    return render_report(run.tables(), run.manifest)

"""A run's output files: each table as CSV and/or Parquet, ``report.html``, and ``run.json`` (the manifest, written
last).

``report.html`` is the page an editor opens in the morning: one self-contained file (plotly.js inlined, no CDN, no
fonts or images fetched), readable on a laptop and on a phone. It shows the run in numbers, the top stories with
their articles and chains, every other story with its articles, a story timeline, who copies whom, duplicate groups
and rejected rows. Feed text on it is text: escaped in the page, plain text in the charts (``figures.chart_text``).
It is rendered from the output tables and the manifest alone (``render_report``), so it can be rebuilt from any
finished run folder (``render_folder``).

Modules: ``outputs`` writes a folder, ``page`` renders the templates under ``templates/``, ``sections`` prepares
what each section shows and ``figures`` draws its plotly figures.
"""

from .outputs import write_run_folder
from .page import render_folder, render_report
from .sections import NUMBERS

__all__ = ["NUMBERS", "render_folder", "render_report", "write_run_folder"]

"""Writing a run folder: each output table in the configured formats, ``report.html``, then ``run.json``.

Parquet tables are written exact; CSV tables with the text cells that a spreadsheet would run as formulas quoted
(``csv_cells``; ``cluster.runs`` reads them back exact). The engine's writer writes the tables (``table_files``): one
file each in this process, or a dataset folder each from Spark.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl

from ..config import OutputConfig
from ..runs import MANIFEST, REPORT, TABLES
from ..table_files import LocalTableWriter, TableWriter
from .page import render_report


def write_run_folder(tables: dict[str, pl.DataFrame], manifest: dict[str, Any], output: OutputConfig,
                     folder: Path, writer: TableWriter | None = None) -> None:
    """Write the tables of ``TABLES`` that ``tables`` holds (``output.formats``, by ``writer``: default one file
    each, by polars), the report (``output.html``) and last ``run.json``: the manifest plus the list of files, so a
    folder without ``run.json`` is incomplete."""
    writer = writer or LocalTableWriter()
    for name in TABLES:
        table = tables.get(name)
        if table is None:
            continue
        if "parquet" in output.formats:
            writer.write_parquet(table, folder / f"{name}.parquet")
        if "csv" in output.formats:
            writer.write_csv(table, folder / f"{name}.csv")
    if output.html:
        (folder / REPORT).write_text(render_report(tables, manifest), encoding="utf-8")
    files = [*sorted(p.name for p in folder.iterdir()), MANIFEST]
    (folder / MANIFEST).write_text(json.dumps({**manifest, "files": files}, indent=2, default=str) + "\n",
                                   encoding="utf-8")

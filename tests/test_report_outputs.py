"""Writing a run folder (``cluster.report.write_run_folder``): the tables in the configured formats, ``report.html``
when asked for, and ``run.json`` last, listing every file."""

from __future__ import annotations

import json

from cluster.config import OutputConfig
from cluster.report import write_run_folder
from cluster.runs import load_run


def test_a_run_folder_is_written_again_from_its_tables_and_manifest(sample_run_with_rejects, tmp_path):
    run = load_run(sample_run_with_rejects)
    write_run_folder(run.tables(), run.manifest, OutputConfig(), tmp_path)
    written = sorted(p.name for p in sample_run_with_rejects.iterdir())
    assert sorted(p.name for p in tmp_path.iterdir()) == written
    for name in written:
        assert (tmp_path / name).read_bytes() == (sample_run_with_rejects / name).read_bytes(), name


def test_only_the_configured_formats_and_no_report_when_html_is_off(sample_run_with_rejects, tmp_path):
    run = load_run(sample_run_with_rejects)
    manifest = {"started_at": "2026-03-14T02:00:00+00:00", "counts": {}}
    write_run_folder(run.tables(), manifest, OutputConfig(formats=["csv"], html=False), tmp_path)
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["articles.csv", "duplicates.csv", "rejects.csv", "run.json", "stories.csv", "syndication.csv",
                     "topics.csv"]
    written = json.loads((tmp_path / "run.json").read_text(encoding="utf-8"))
    tables = [name for name in files if name != "run.json"]
    assert written == {**manifest, "files": [*tables, "run.json"]}  # every file; run.json, written last, last
    assert "files" not in manifest  # the caller's manifest is left as it was

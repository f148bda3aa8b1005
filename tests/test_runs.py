"""The run reader (``cluster.runs``): a CSV-only folder reads as its Parquet tables, and folders that are not
finished runs are usage errors."""

from __future__ import annotations

import shutil

from handmade_runs import NIGHT_1, invoke, write_run

from cluster.report import render_folder
from cluster.runs import TABLES, load_run, read_table


def test_csv_only_run_gives_the_same_views(nights, tmp_path):
    csv_only = write_run(tmp_path / "csv", NIGHT_1, formats=("csv",))
    for args in (("show", "story", "s-ferry"), ("show", "article", "c2"), ("show", "article", "b3")):
        parquet = invoke(*args, "--run", str(nights[0]), "--json")
        csv = invoke(*args, "--run", str(csv_only), "--json")
        assert csv == parquet


def test_unfinished_and_missing_folders_are_usage_errors(nights, tmp_path):
    unfinished = tmp_path / "unfinished"
    shutil.copytree(nights[0], unfinished)
    (unfinished / "run.json").unlink()
    code, out = invoke("show", "story", "s-ferry", "--run", str(unfinished))
    assert code == 2 and "is not a finished run (no run.json)" in out
    code, out = invoke("diff", str(nights[0]), str(tmp_path / "missing"))
    assert code == 2 and "does not exist" in out


def test_every_csv_table_reads_back_as_its_parquet_table(sample_run_with_rejects, tmp_path):
    csv_only = tmp_path / "csv"
    shutil.copytree(sample_run_with_rejects, csv_only, ignore=shutil.ignore_patterns("*.parquet"))
    for name in TABLES:
        parquet, csv = read_table(sample_run_with_rejects, name), read_table(csv_only, name)
        assert parquet is not None and csv is not None, name
        assert csv.schema == parquet.schema and csv.equals(parquet), name
    assert load_run(csv_only).tables().keys() == load_run(sample_run_with_rejects).tables().keys()
    assert render_folder(csv_only) == (sample_run_with_rejects / "report.html").read_text(encoding="utf-8")

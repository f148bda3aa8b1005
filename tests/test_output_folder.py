"""A run replaces its output folder whole, so it refuses a folder holding anything the run would not write."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from jobs.cli import main

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "data" / "sample" / "articles.jsonl"


def _dedup(out: Path):
    return CliRunner().invoke(main, ["dedup", "-q", "--config", str(REPO / "configs" / "default.yaml"),
                                     "--input", str(SAMPLE), "--out", str(out)])


def test_a_folder_of_the_users_inside_the_output_is_never_deleted(tmp_path):
    out = tmp_path / "out"
    (out / "before").mkdir(parents=True)
    (out / "before" / "notes.txt").write_text("mine")
    result = _dedup(out)
    assert result.exit_code == 2
    assert result.output == (f"error: {out} holds before/, which this run would not write; replacing the folder "
                             "would delete it. Choose another output folder (--out) or move it away\n")
    assert (out / "before" / "notes.txt").read_text() == "mine"


def test_a_dedup_only_run_does_not_replace_a_full_run(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    for name in ("stories.csv", "stories.parquet", "articles.csv", "run.json"):
        (out / name).write_text("x")
    result = _dedup(out)
    assert result.exit_code == 2
    assert "holds stories.csv, stories.parquet, which this run would not write" in result.output
    assert (out / "stories.csv").read_text() == "x"


def test_a_previous_run_of_the_same_kind_is_replaced(tmp_path):
    out = tmp_path / "out"
    assert _dedup(out).exit_code == 0
    first = sorted(p.name for p in out.iterdir())
    assert _dedup(out).exit_code == 0
    assert sorted(p.name for p in out.iterdir()) == first
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_an_output_path_that_is_a_file_is_refused(tmp_path):
    out = tmp_path / "out"
    out.write_text("a file")
    result = _dedup(out)
    assert result.exit_code == 2 and "exists and is not a folder" in result.output
    assert out.read_text() == "a file"

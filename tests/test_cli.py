"""The click CLI, through CliRunner, with exact output and exit codes."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from click.testing import CliRunner

from jobs.cli import main

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "data" / "sample" / "articles.jsonl"


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


def test_help_lists_commands_exit_codes_and_an_example():
    result = invoke("--help")
    assert result.exit_code == 0
    for word in ("run", "dedup", "eval", "check-config", "Exit codes: 0 success, 1 failure during the run, 2 usage"):
        assert word in result.output
    for command in ("run", "dedup", "eval", "check-config"):
        assert "Example:" in invoke(command, "--help").output


def test_check_config_prints_resolved_values(tmp_path):
    config = tmp_path / "c.yaml"
    config.write_text("dedup:\n  num_perm: 64\n")
    result = invoke("check-config", str(config))
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0] == f"# {config}: valid"
    assert "  num_perm: 64" in lines
    assert "  lsh_bands: 32" in lines and "  lsh_rows: 2" in lines


def test_check_config_names_file_and_key_of_a_bad_value(tmp_path):
    config = tmp_path / "bad.yaml"
    config.write_text("dedup:\n  jaccard_threshold: 1.5\n")
    result = invoke("check-config", str(config))
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: config {config}: 1 error(s)\n"
        "  dedup.jaccard_threshold: Input should be less than or equal to 1 (got 1.5)\n"
    )


def test_unknown_key_stops_run_before_any_work(tmp_path):
    config = tmp_path / "bad.yaml"
    config.write_text("stories:\n  treshold: 0.5\n")
    out = tmp_path / "out"
    result = invoke("run", "--config", str(config), "--input", str(SAMPLE), "--out", str(out))
    assert result.exit_code == 2
    assert "stories.treshold: unknown key (allowed: article_threshold," in result.stderr
    assert str(config) in result.stderr
    assert not out.exists()


def test_missing_input_file_is_exit_1_naming_it(tmp_path):
    missing = tmp_path / "nope.jsonl"
    result = invoke("dedup", "-q", "--input", str(missing), "--out", str(tmp_path / "out"))
    assert result.exit_code == 1
    assert result.stderr == f"error: input file {missing} does not exist\n"


def test_no_input_is_a_usage_error(tmp_path):
    config = tmp_path / "empty.yaml"
    config.write_text("output:\n  dir: out\n")
    result = invoke("dedup", "--config", str(config))
    assert result.exit_code == 2
    assert result.stderr == f"error: no input: set input.paths in {config} or pass --input\n"


def test_dedup_on_sample_writes_tables_and_summary(tmp_path):
    out = tmp_path / "out"
    result = invoke(
        "dedup", "-q", "--config", str(REPO / "configs" / "default.yaml"), "--input", str(SAMPLE), "--out", str(out)
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == f"133 articles (0 rejected), 40 duplicate groups (61 copies) -> {out}\n"
    written = {p.name for p in out.iterdir()}
    assert {"articles.csv", "duplicates.parquet", "syndication.csv", "rejects.csv", "run.json"} <= written
    assert "story_id" not in pl.read_parquet(out / "articles.parquet").columns


def _pred(tmp_path: Path, stories: dict[str, str]) -> Path:
    folder = tmp_path / "pred"
    folder.mkdir()
    pl.DataFrame({"article_id": list(stories), "story_id": list(stories.values()),
                  "dup_group_id": list(stories)}).write_parquet(folder / "articles.parquet")
    return folder


def test_eval_prints_scores(tmp_path):
    gold = tmp_path / "gold.csv"
    gold.write_text("id,gold\na,x\nb,x\nc,y\nd,y\n")
    pred = _pred(tmp_path, {"a": "1", "b": "1", "c": "1", "d": "2"})
    result = invoke("eval", "--gold", str(gold), "--pred", str(pred))
    assert result.exit_code == 0
    # pred pairs: ab ac bc = 3, true: ab = 1; gold pairs: ab cd = 2
    assert result.stdout == (
        "level story: story_id vs gold, 4 articles (0 gold rows not in the run)\n"
        "clusters   gold 2, predicted 2\n"
        "pairwise   P 0.3333  R 0.5000  F1 0.4000\n"
        "b-cubed    P 0.6667  R 0.7500  F1 0.7059\n"
        "ARI        0.0000\n"
    )


def test_eval_json_and_missing_gold_column(tmp_path):
    gold = tmp_path / "gold.jsonl"
    gold.write_text('{"id": "a", "gold": "x"}\n{"id": "b", "gold": "x"}\n')
    pred = _pred(tmp_path, {"a": "1", "b": "1"})
    result = invoke("eval", "--gold", str(gold), "--pred", str(pred), "--json")
    assert result.exit_code == 0 and '"pairwise_f1": 1.0' in result.stdout
    result = invoke("eval", "--gold", str(gold), "--pred", str(pred), "--level", "dup")
    assert result.exit_code == 2
    assert result.stderr == f"error: --gold {gold}: no column 'gold_dup' (columns: id, gold)\n"

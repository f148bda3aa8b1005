"""Ids across nights: an id delivered on two nights, article ids reused across nights, snapshots kept, and a commit
finished from another working folder."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from cluster.config import ConfigError, load_config
from jobs.nightly import run_nightly

REPO = Path(__file__).resolve().parent.parent
ROWS = [json.loads(line) for line in (REPO / "data" / "sample" / "articles.jsonl").read_text().splitlines()]
BY_ID = {row["id"]: row for row in ROWS}


def _day(day: str) -> list[dict]:
    return [row for row in ROWS if row["published_at"].startswith(day)]


@pytest.fixture
def site(tmp_path: Path) -> Path:
    config = (REPO / "configs" / "nightly.yaml").read_text()
    config = config.replace('input: "feeds/{date}/*.jsonl*"', f'input: "{tmp_path}/feeds/{{date}}/*.jsonl*"')
    config = config.replace("state_dir: state", f"state_dir: {tmp_path}/state")
    config = config.replace("out_root: runs", f"out_root: {tmp_path}/runs")
    (tmp_path / "nightly.yaml").write_text(config)
    return tmp_path


def _feed(site: Path, day: str, rows: list[dict]) -> None:
    folder = site / "feeds" / day
    folder.mkdir(parents=True)
    (folder / "articles.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))


def _night(site: Path, day: str, embedder):
    config = load_config(site / "nightly.yaml")
    return run_nightly(config, date.fromisoformat(day), input_pattern=config.nightly.input,
                       state_dir=config.nightly.state_dir, out_root=config.nightly.out_root, embedder=embedder)


def _table(site: Path, day: str, name: str) -> pl.DataFrame:
    return pl.read_parquet(site / "runs" / day / f"{name}.parquet")


def test_an_id_delivered_again_the_next_night_is_tonights_article(site, hashing_embedder):
    # feeds re-deliver: a001 (night 1) comes again on night 2; this crashed the dedup stage (StopIteration)
    _feed(site, "2026-03-02", _day("2026-03-02"))
    _feed(site, "2026-03-03", [*_day("2026-03-03"), BY_ID["a001"]])
    _night(site, "2026-03-02", hashing_embedder)
    outcome = _night(site, "2026-03-03", hashing_embedder)
    articles = _table(site, "2026-03-03", "articles")
    assert articles.height == outcome.result.counts["rows_in"] == len(_day("2026-03-03")) + 1
    assert articles["article_id"].n_unique() == articles.height
    first = _table(site, "2026-03-02", "articles").filter(pl.col("article_id") == "a001").row(0, named=True)
    again = articles.filter(pl.col("article_id") == "a001").row(0, named=True)
    assert again["dup_group_id"] == first["dup_group_id"] and again["story_id"] == first["story_id"]
    recent = pl.read_parquet(site / "state" / "snapshots" / "2026-03-03" / "recent_articles.parquet")
    assert recent["article_id"].n_unique() == recent.height


def test_article_ids_reused_on_a_later_night_never_give_a_new_story_an_old_storys_id(site, hashing_embedder):
    # ids restart every day ("1", "2", ...): night 2's first story begins with article "1", like night 1's ferry story
    def numbered(rows: list[dict]) -> list[dict]:
        rows = sorted(rows, key=lambda row: row["published_at"])
        return [{**row, "id": str(number)} for number, row in enumerate(rows, start=1)]

    _feed(site, "2026-03-02", numbered(_day("2026-03-02")))
    _feed(site, "2026-03-09", numbered(_day("2026-03-09")))
    _night(site, "2026-03-02", hashing_embedder)
    _night(site, "2026-03-09", hashing_embedder)
    before, after = _table(site, "2026-03-02", "stories"), _table(site, "2026-03-09", "stories")
    assert set(after.filter(pl.col("status") == "new")["story_id"]).isdisjoint(before["story_id"])
    assert set(after.filter(pl.col("status") == "new")["chain_id"]).isdisjoint(before["chain_id"])
    registry = pl.read_parquet(site / "state" / "snapshots" / "2026-03-09" / "stories.parquet")
    old = registry.filter(pl.col("story_id").is_in(before["story_id"].implode()))
    assert sorted(old["label"]) == sorted(before["label"])  # the earlier stories' entries were not overwritten
    assert registry.height == before.height + after.filter(pl.col("status") == "new").height


def test_keep_snapshots_of_one_is_refused(tmp_path):
    # with one snapshot kept, re-running the newest night found no earlier state and silently reset the registry
    config = tmp_path / "nightly.yaml"
    config.write_text("nightly:\n  keep_snapshots: 1\n")
    with pytest.raises(ConfigError, match=r"nightly\.keep_snapshots"):
        load_config(config)


class _Killed(BaseException):
    pass


def test_commit_interrupted_after_the_journal_completes_from_another_working_folder(site, hashing_embedder,
                                                                                    monkeypatch, tmp_path_factory):
    # the journal held paths relative to the folder the job ran in; recovering from another folder logged
    # "completed the interrupted commit" but deleted the staged run folder (state had the night, runs did not)
    from cluster.state import StateStore

    _feed(site, "2026-03-02", _day("2026-03-02"))
    _feed(site, "2026-03-03", _day("2026-03-03"))
    config = load_config(site / "nightly.yaml")
    monkeypatch.chdir(site)
    real_commit = StateStore.commit

    def commit_then_die(self, *args, **kwargs):
        real_commit(self, *args, **kwargs)
        raise _Killed  # after the snapshot is in place, before the run folder is

    monkeypatch.setattr(StateStore, "commit", commit_then_die)
    with pytest.raises(_Killed):
        run_nightly(config, date(2026, 3, 2), input_pattern=config.nightly.input, state_dir="state", out_root="runs",
                    embedder=hashing_embedder)
    monkeypatch.setattr(StateStore, "commit", real_commit)
    monkeypatch.chdir(tmp_path_factory.mktemp("elsewhere"))
    _night(site, "2026-03-03", hashing_embedder)  # absolute paths from the config; recovers night 1 first
    assert (site / "runs" / "2026-03-02" / "run.json").exists()
    assert sorted(p.name for p in (site / "state" / "snapshots").iterdir()) == ["2026-03-02", "2026-03-03"]

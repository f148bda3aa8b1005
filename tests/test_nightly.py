"""The nightly job: continuity across nights, idempotence, refusals, locking, crash safety and bad inputs.

Nights are cut from the bundled sample by publication day, so copies published the day after their original cross
a night boundary, and stories run over several nights. These tests use the real packaged model.
"""

from __future__ import annotations

import itertools
import json
import os
import runpy
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from cluster.config import load_config
from jobs.cli import main
from jobs.nightly import run_nightly

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "data" / "sample" / "articles.jsonl"
NIGHTS = [date(2026, 3, 2), date(2026, 3, 3), date(2026, 3, 4)]

pytestmark = pytest.mark.model


def write_feeds(root: Path) -> Path:
    """feeds/<day>/articles.jsonl per publication day of the sample (the README's script); returns the folder."""
    feeds = root / "feeds"
    runpy.run_path(str(REPO / "data" / "sample_src" / "split_by_day.py"))["main"](str(feeds))
    return feeds


@pytest.fixture
def site(tmp_path: Path) -> Path:
    write_feeds(tmp_path)
    config = (REPO / "configs" / "nightly.yaml").read_text()
    config = config.replace('input: "feeds/{date}/*.jsonl*"', f'input: "{tmp_path}/feeds/{{date}}/*.jsonl*"')
    config = config.replace("state_dir: state", f"state_dir: {tmp_path}/state")
    config = config.replace("out_root: runs", f"out_root: {tmp_path}/runs")
    (tmp_path / "nightly.yaml").write_text(config)
    return tmp_path


def night(site: Path, day: date, embedder):
    config = load_config(site / "nightly.yaml")
    return run_nightly(config, day, input_pattern=config.nightly.input, state_dir=config.nightly.state_dir,
                       out_root=config.nightly.out_root, embedder=embedder)


def articles(site: Path, day: date) -> pl.DataFrame:
    return pl.read_parquet(site / "runs" / day.isoformat() / "articles.parquet")


def test_three_nights_copies_join_earlier_originals_and_stories_keep_ids(site, real_embedder):
    for day in NIGHTS:
        night(site, day, real_embedder)
    first, second, third = (articles(site, d) for d in NIGHTS)
    gold = pl.read_ndjson(SAMPLE).select(pl.col("id").alias("article_id"), "gold", "gold_dup")
    late = second.join(gold, on="article_id").filter(
        pl.col("gold_dup").is_in(first["article_id"].implode()) & (pl.col("gold_dup") != pl.col("article_id"))
    )
    assert late.height >= 2
    assert (late["canonical_id"] == late["gold_dup"]).all()
    story_of_first = dict(zip(first["article_id"], first["story_id"], strict=True))
    assert all(story_of_first[c] == s for c, s in zip(late["canonical_id"], late["story_id"], strict=True))
    ferry = [a.join(gold, on="article_id").filter(pl.col("gold") == "ferry-strike")["story_id"].unique().to_list()
             for a in (first, second, third)]
    assert ferry[0] == ferry[1] == ferry[2] and len(ferry[0]) == 1
    manifest = json.loads((site / "runs" / "2026-03-03" / "run.json").read_text())
    assert manifest["counts"]["continuing_stories"] >= 1
    assert manifest["counts"]["previous_night_stories_continued"] >= 1
    assert manifest["night"] == "2026-03-03"
    _renamed_stories_doubled_under_their_ids(site)


def _renamed_stories_doubled_under_their_ids(site: Path) -> None:
    """Every story renamed on a night (``previous_label``) is the registry story of the night before, under its label
    there, and holds at least twice the articles it was labelled at; run.json counts them."""
    renamed = 0
    for before, day in itertools.pairwise(NIGHTS):
        registry = pl.read_parquet(site / "state" / "snapshots" / before.isoformat() / "stories.parquet")
        earlier = {row["story_id"]: row for row in registry.iter_rows(named=True)}
        stories = pl.read_parquet(site / "runs" / day.isoformat() / "stories.parquet")
        tonight = stories.filter(pl.col("previous_label").is_not_null())
        for row in tonight.iter_rows(named=True):
            entry = earlier[row["story_id"]]
            assert (row["status"], row["previous_label"]) == ("continuing", entry["label"])
            assert row["label"] != entry["label"]
            assert entry["n_articles"] + row["n_articles"] >= 2 * entry["label_articles"]
        counts = json.loads((site / "runs" / day.isoformat() / "run.json").read_text())["counts"]
        assert counts["renamed_stories"] == tonight.height
        renamed += tonight.height
    assert renamed >= 1  # the sample's stories grow over these nights, and some are named better for it


def test_same_night_twice_is_byte_identical_and_state_unchanged(site, real_embedder):
    night(site, NIGHTS[0], real_embedder)
    night(site, NIGHTS[1], real_embedder)
    out = site / "runs" / "2026-03-03"
    snapshot = site / "state" / "snapshots" / "2026-03-03"
    before = {**_tables(out), **_tables(snapshot)}
    night(site, NIGHTS[1], real_embedder)
    after = {**_tables(out), **_tables(snapshot)}
    assert "stories.parquet" in after and "recent_articles.parquet" in after
    assert before == after


def _tables(folder: Path) -> dict[str, bytes]:
    """Every file of a run or snapshot folder but the two that carry the run's clock time."""
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.name not in ("run.json", "report.html")}


def invoke(*args: str):
    return CliRunner().invoke(main, ["nightly", "-q", *args])


def test_earlier_night_after_a_later_one_is_refused(site, real_embedder):
    night(site, NIGHTS[1], real_embedder)
    result = invoke("--config", str(site / "nightly.yaml"), "--date", "2026-03-02")
    assert result.exit_code == 5
    assert "already holds night 2026-03-03, later than 2026-03-02" in result.stderr
    assert not (site / "runs" / "2026-03-02").exists()


def test_state_from_other_settings_is_refused(site, real_embedder):
    night(site, NIGHTS[0], real_embedder)
    config = site / "nightly.yaml"
    config.write_text(config.read_text().replace("dedup:\n", "dedup:\n  num_perm: 64\n"))
    result = invoke("--config", str(config), "--date", "2026-03-03")
    assert result.exit_code == 5
    assert "was written with different settings (num_perm: stored 128, now 64)" in result.stderr


def test_missing_input_for_the_night_is_exit_4(site):
    result = invoke("--config", str(site / "nightly.yaml"), "--date", "2026-04-01")
    assert result.exit_code == 4
    assert result.stderr.startswith("error: no input for night 2026-04-01: input pattern ")


def test_empty_input_night_runs_and_writes_empty_tables(site, real_embedder):
    (site / "feeds" / "2026-03-20").mkdir()
    (site / "feeds" / "2026-03-20" / "articles.jsonl").write_text("")
    outcome = night(site, date(2026, 3, 20), real_embedder)
    assert outcome.result.counts["accepted"] == 0
    assert pl.read_parquet(outcome.out_dir / "articles.parquet").height == 0


def test_bad_rows_are_rejected_with_reasons_and_nothing_is_lost(site, real_embedder):
    feed = site / "feeds" / "2026-03-21"
    feed.mkdir()
    huge = "word " * 2_100_000  # 10.5 MB
    lines = [
        json.dumps({"id": "ok1", "title": "A normal article", "text": "Body text here.",
                    "published_at": "2026-03-21T08:00:00Z"}),
        json.dumps({"id": "future", "title": "From the future", "published_at": "2026-06-01T00:00:00Z"}),
        json.dumps({"id": "huge", "title": "Huge", "text": huge, "published_at": "2026-03-21T09:00:00Z"}),
        json.dumps({"title": "No id"}),
        json.dumps({"id": "ok1", "title": "Repeated id"}),
        json.dumps({"id": "empty", "title": "", "text": ""}),
        json.dumps({"id": "baddate", "title": "x", "published_at": "yesterday"}),
        "{not json",
    ]
    (feed / "articles.jsonl").write_bytes(("\n".join(lines) + "\n").encode() + b'{"id": "latin", "title": "caf\xe9"}\n')
    outcome = night(site, date(2026, 3, 21), real_embedder)
    out = outcome.out_dir
    accepted = pl.read_parquet(out / "articles.parquet")["article_id"].to_list()
    rejects = pl.read_parquet(out / "rejects.parquet")
    assert sorted(accepted) == ["huge", "ok1"]
    assert rejects.height == 7 and len(accepted) + rejects.height == 9
    reasons = dict(zip(rejects["row"], rejects["reason"], strict=True))
    assert reasons[2].startswith("published_at in the future")
    assert reasons[4] == "missing id (column 'id')"
    assert reasons[5].startswith("duplicate id (first seen in")
    assert reasons[6] == "empty title and text"
    assert reasons[7] == "unparseable published_at: 'yesterday'"
    assert reasons[8].startswith("malformed JSON")
    assert reasons[9].startswith("undecodable line: not UTF-8")
    assert outcome.result.counts["rows_in"] == 9
    assert json.loads((out / "run.json").read_text())["stages"][0]["truncated"] == 1


def test_unwritable_output_folder_fails_cleanly_and_leaves_state(site, real_embedder):
    night(site, NIGHTS[0], real_embedder)
    state_before = _tables(site / "state" / "snapshots" / "2026-03-02")
    blocked = site / "not-a-folder"
    blocked.write_text("a file where the runs folder should be")
    result = invoke("--config", str(site / "nightly.yaml"), "--date", "2026-03-03", "--out-root", str(blocked / "runs"))
    assert result.exit_code == 1
    assert result.stderr.startswith("error: cannot write outputs or state: ")
    assert result.stderr.rstrip().endswith("state and earlier runs are unchanged")
    assert [p.name for p in (site / "state" / "snapshots").iterdir()] == ["2026-03-02"]
    assert _tables(site / "state" / "snapshots" / "2026-03-02") == state_before
    assert not (site / "state" / "commit.json").exists()


def _start(site: Path, day: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "jobs.cli", "nightly", "-q", "--config", str(site / "nightly.yaml"), "--date", day],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def test_second_run_while_one_is_running_exits_3(site):
    first = _start(site, "2026-03-02")
    lock = site / "state" / "nightly.lock"
    deadline = time.time() + 60
    while time.time() < deadline and not (lock.exists() and lock.read_text().strip() == str(first.pid)):
        time.sleep(0.05)
    second = _start(site, "2026-03-02")
    _, err = second.communicate(timeout=120)
    assert second.returncode == 3
    assert f"another nightly run (pid {first.pid}) holds" in err
    first.communicate(timeout=300)
    assert first.returncode == 0


def test_lock_left_by_a_dead_process_is_taken_over(site, real_embedder, caplog):
    (site / "state").mkdir()
    (site / "state" / "nightly.lock").write_text("999999")
    outcome = night(site, NIGHTS[0], real_embedder)
    assert (outcome.out_dir / "run.json").exists()
    assert "took over the lock left by pid 999999" in caplog.text
    assert (site / "state" / "nightly.lock").read_text() == ""


def test_sigkill_at_any_moment_leaves_before_or_after_and_next_run_succeeds(site, real_embedder, tmp_path_factory):
    reference = tmp_path_factory.mktemp("reference")
    write_feeds(reference)
    (reference / "nightly.yaml").write_text((site / "nightly.yaml").read_text().replace(str(site), str(reference)))
    night(reference, NIGHTS[0], real_embedder)
    night(reference, NIGHTS[1], real_embedder)
    expected = _tables(reference / "runs" / "2026-03-03")  # the same night run once, without interruptions

    night(site, NIGHTS[0], real_embedder)
    state_before = _tables(site / "state" / "snapshots" / "2026-03-02")
    outputs_before = _tables(site / "runs" / "2026-03-02")
    for delay in (0.3, 1.0, 2.0, 3.0, 4.5, 6.0):
        process = _start(site, "2026-03-03")
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
        assert _tables(site / "state" / "snapshots" / "2026-03-02") == state_before
        assert _tables(site / "runs" / "2026-03-02") == outputs_before
        done = site / "runs" / "2026-03-03"
        journal = site / "state" / "commit.json"
        assert journal.exists() or not done.exists() or (done / "run.json").exists()
    final = _start(site, "2026-03-03")
    _, err = final.communicate(timeout=300)
    assert final.returncode == 0, err
    done = site / "runs" / "2026-03-03"
    for name in ("stories.csv", "duplicates.csv", "syndication.csv", "rejects.csv"):
        assert (done / name).read_bytes() == expected[name], name
    reference_articles = pl.read_parquet(reference / "runs" / "2026-03-03" / "articles.parquet").drop("file")
    assert pl.read_parquet(done / "articles.parquet").drop("file").equals(reference_articles)
    leftovers = [p.name for p in (site / "runs").iterdir()] + [p.name for p in (site / "state" / "snapshots").iterdir()]
    assert sorted(leftovers) == ["2026-03-02", "2026-03-02", "2026-03-03", "2026-03-03"]


def test_cron_wrapper_logs_to_file_and_reports_failure_in_one_line(site, tmp_path):
    wrapper = REPO / "jobs" / "nightly.sh"
    env = {**os.environ, "NEWSCLUST_CONFIG": str(site / "nightly.yaml"), "NEWSCLUST_LOG_DIR": str(tmp_path / "logs")}
    ok = subprocess.run([str(wrapper), "--date", "2026-03-02"], env=env, capture_output=True, text=True, timeout=300)
    assert ok.returncode == 0 and ok.stdout == "" and ok.stderr == ""
    (log,) = (tmp_path / "logs").iterdir()
    lines = log.read_text().splitlines()
    assert any("stage dedup: done in" in line for line in lines)
    assert lines[-1].startswith("night 2026-03-02: 8 articles")
    missing = subprocess.run(
        [str(wrapper), "--date", "2026-05-01"], env=env, capture_output=True, text=True, timeout=300
    )
    assert missing.returncode == 4
    assert missing.stderr == (
        "newsclust nightly failed (exit 4: 1 failure, 2 config, 3 locked, 4 no input, 5 state refused, "
        "6 too many rejects, 143 SIGTERM); "
        f"see {log}\n"
    )


def test_recurring_talks_a_week_later_are_round_two_of_the_same_chain(site, real_embedder):
    for day in (*NIGHTS, date(2026, 3, 11), date(2026, 3, 12)):
        night(site, day, real_embedder)
    gold = pl.read_ndjson(SAMPLE).select(pl.col("id").alias("article_id"), "gold")
    every = pl.concat([pl.read_parquet(p) for p in sorted((site / "runs").glob("*/articles.parquet"))]).join(
        gold, on="article_id"
    )
    stories = pl.concat([pl.read_parquet(p) for p in sorted((site / "runs").glob("*/stories.parquet"))])
    last = stories.unique("story_id", keep="last")
    first_round = every.filter(pl.col("gold") == "fisheries-talks-r1")["story_id"].unique().to_list()
    second_round = every.filter(pl.col("gold") == "fisheries-talks-r2")["story_id"].unique().to_list()
    assert len(first_round) == 1 and len(second_round) == 1 and first_round != second_round
    rows = {r["story_id"]: r for r in last.iter_rows(named=True)}
    r1, r2 = rows[first_round[0]], rows[second_round[0]]
    assert r1["chain_id"] == r2["chain_id"]
    assert (r1["round"], r2["round"]) == (1, 2)
    assert r2["label"].endswith("round 2")


def _staging_left(site: Path) -> list[str]:
    folders = [site / "runs", site / "state" / "snapshots"]
    return sorted(p.name for folder in folders if folder.exists() for p in folder.iterdir() if p.name.startswith("."))


def test_sigterm_stops_cleanly_with_exit_143_and_the_next_run_succeeds(site, real_embedder):
    night(site, NIGHTS[0], real_embedder)
    state_before = _tables(site / "state" / "snapshots" / "2026-03-02")
    lock = site / "state" / "nightly.lock"
    stopped = 0
    for delay in (0.2, 1.5, 3.0):
        process = _start(site, "2026-03-03")
        deadline = time.time() + 60
        while time.time() < deadline and not (lock.exists() and lock.read_text().strip() == str(process.pid)):
            time.sleep(0.02)
        time.sleep(delay)
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=120)
        if process.returncode == 0:  # it finished before the signal: a complete night, nothing to check here
            continue
        assert process.returncode == 143, err
        assert "error: stopped by SIGTERM" in err
        assert _staging_left(site) == []
        assert lock.read_text() == ""  # released
        assert not (site / "state" / "commit.json").exists()
        assert _tables(site / "state" / "snapshots" / "2026-03-02") == state_before
        assert not (site / "runs" / "2026-03-03").exists()
        stopped += 1
    assert stopped >= 1  # 0.2 s after taking the lock the night is still running
    final = _start(site, "2026-03-03")
    _, err = final.communicate(timeout=300)
    assert final.returncode == 0, err

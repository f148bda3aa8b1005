"""The state store: a snapshot that cannot be read is skipped for the one before it; none readable is refused."""

from __future__ import annotations

import json
import logging
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from cluster.config import load_config
from cluster.state import StateError, StateStore
from jobs.nightly import run_nightly

REPO = Path(__file__).resolve().parent.parent
ROWS = [json.loads(line) for line in (REPO / "data" / "sample" / "articles.jsonl").read_text().splitlines()]
DAYS = ["2026-03-02", "2026-03-03", "2026-03-04"]


@pytest.fixture
def nights(tmp_path: Path, hashing_embedder):
    """Runs the sample's nights ``days`` into ``tmp_path`` and returns the state folder."""
    config = load_config(REPO / "configs" / "nightly.yaml")

    def run(days: list[str]) -> Path:
        for day in days:
            folder = tmp_path / "feeds" / day
            folder.mkdir(parents=True, exist_ok=True)
            rows = [row for row in ROWS if row["published_at"].startswith(day)]
            (folder / "articles.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
            run_nightly(config, date.fromisoformat(day), input_pattern=str(tmp_path / "feeds/{date}/*.jsonl"),
                        state_dir=tmp_path / "state", out_root=tmp_path / "runs", embedder=hashing_embedder)
        return tmp_path / "state"

    return run


def _expected(state: Path, day: str) -> dict:
    return json.loads((state / "snapshots" / day / "manifest.json").read_text())["fingerprint"]


@pytest.mark.parametrize("damage", ["stories.parquet", "recent_articles.parquet", "manifest.json"])
def test_a_truncated_snapshot_falls_back_to_the_one_before_it(nights, damage, caplog):
    state = nights(DAYS[:2])
    expected = _expected(state, DAYS[1])
    damaged = state / "snapshots" / DAYS[1] / damage
    damaged.write_bytes(damaged.read_bytes()[: len(damaged.read_bytes()) // 2])
    with caplog.at_level(logging.WARNING, logger="newsclust"):
        prior = StateStore(state).load_before(date.fromisoformat(DAYS[2]), expected)
    assert prior.night == date.fromisoformat(DAYS[0]) and prior.registry.height > 0
    assert f"state snapshot {state / 'snapshots' / DAYS[1]} cannot be read" in caplog.text


def test_the_next_night_runs_on_the_older_snapshot(nights):
    state = nights(DAYS[:2])
    (state / "snapshots" / DAYS[1] / "stories.parquet").write_bytes(b"PAR1 truncated")
    nights(DAYS[2:])
    written = json.loads((state / "snapshots" / DAYS[2] / "manifest.json").read_text())
    assert written["night"] == DAYS[2]


def test_no_readable_snapshot_is_refused(nights):
    state = nights(DAYS[:1])
    expected = _expected(state, DAYS[0])
    (state / "snapshots" / DAYS[0] / "manifest.json").write_text("{not json")
    with pytest.raises(StateError, match="none of its 1 snapshot"):
        StateStore(state).load_before(date.fromisoformat(DAYS[1]), expected)


def test_a_snapshot_with_another_schema_is_unreadable_not_wrong(nights):
    state = nights(DAYS[:2])
    expected = _expected(state, DAYS[1])
    pl.DataFrame({"story_id": ["s-1"]}).write_parquet(state / "snapshots" / DAYS[1] / "stories.parquet")
    prior = StateStore(state).load_before(date.fromisoformat(DAYS[2]), expected)
    assert prior.night == date.fromisoformat(DAYS[0])

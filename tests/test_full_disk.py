"""A full disk while the state or the outputs are written: exit 1 with a message, nothing half-written left behind.

The disk is a real one: a small tmpfs mounted for the test (needs root, as in CI; skipped where mounting is not
allowed).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from jobs.cli import main

REPO = Path(__file__).resolve().parent.parent
ROWS = [json.loads(line) for line in (REPO / "data" / "sample" / "articles.jsonl").read_text().splitlines()]


@pytest.fixture
def tiny_disk(tmp_path: Path):
    mount = tmp_path / "tiny"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24k", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    yield mount
    subprocess.run(["umount", str(mount)], check=False)


def _leftovers(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if ".tmp-" in p.name or ".old-" in p.name)


def test_a_full_disk_under_the_state_fails_cleanly(tmp_path, tiny_disk, monkeypatch, hashing_embedder):
    feed = tmp_path / "feeds" / "2026-03-02"
    feed.mkdir(parents=True)
    night = [r for r in ROWS if r["published_at"] < "2026-03-03"]
    (feed / "articles.jsonl").write_text("".join(json.dumps(r) + "\n" for r in night))
    monkeypatch.setattr("cluster.embed.embedder_from_config", lambda config: hashing_embedder)
    result = CliRunner().invoke(main, [
        "nightly", "-q", "--config", str(REPO / "configs" / "nightly.yaml"), "--date", "2026-03-02",
        "--input", str(tmp_path / "feeds/{date}/*.jsonl"), "--state", str(tiny_disk), "--out-root",
        str(tmp_path / "runs"),
    ])
    assert result.exit_code == 1, result.output
    assert "No space left on device" in result.output and "state and earlier runs are unchanged" in result.output
    assert _leftovers(tiny_disk) == []
    assert not (tiny_disk / "snapshots" / "2026-03-02").exists()
    assert not (tmp_path / "runs" / "2026-03-02").exists()


def test_a_full_disk_under_the_outputs_fails_cleanly(tiny_disk):
    result = CliRunner().invoke(main, ["dedup", "-q", "--config", str(REPO / "configs" / "default.yaml"),
                                       "--out", str(tiny_disk / "out")])
    assert result.exit_code == 1, result.output
    assert result.output.startswith(f"error: cannot write outputs to {tiny_disk / 'out'}")
    assert "No space left on device" in result.output
    assert sorted(p.name for p in tiny_disk.iterdir()) == []

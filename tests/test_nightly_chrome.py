"""Chrome learned on earlier nights is remembered in the state, so a small night still strips a source's banners."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import polars as pl

from cluster.config import load_config
from jobs.nightly import run_nightly

REPO = Path(__file__).resolve().parent.parent
BANNER = "Metro Wire Morning Edition: every story, every morning"
FOOTER = "You are reading the Metro Wire free digital edition"
TOPICS = ["a water main burst under the high street", "the council approved a new cycle lane",
          "the library reopened after a two-year refit", "bus drivers voted to accept a pay offer",
          "a fire closed the recycling centre", "the market hall roof was found to be unsafe"]


def _article(n: int, day: str) -> dict:
    body = [f"Residents said {TOPICS[n % len(TOPICS)]} on {day}, number {n}, and officials promised an update.",
            f"{['Ward', 'Deputy', 'Chief', 'Acting', 'Former', 'Parish'][n]} officials added that story {n} would be "
            "followed closely by the transport board."]
    return {"id": f"mw-{day}-{n}", "title": f"Metro story {n}", "source": "Metro Wire",
            "text": "\n".join([BANNER, *body, FOOTER]), "published_at": f"{day}T08:0{n}:00Z"}


def _night(tmp_path: Path, day: str, count: int, embedder, chrome_days: float = 30.0) -> pl.DataFrame:
    folder = tmp_path / "feeds" / day
    folder.mkdir(parents=True)
    (folder / "articles.jsonl").write_text("".join(json.dumps(_article(n, day)) + "\n" for n in range(count)))
    config = load_config(REPO / "configs" / "nightly.yaml", {"nightly.chrome_days": chrome_days})
    outcome = run_nightly(config, date.fromisoformat(day), input_pattern=str(tmp_path / "feeds/{date}/*.jsonl"),
                          state_dir=tmp_path / "state", out_root=tmp_path / "runs", embedder=embedder)
    return pl.read_parquet(outcome.out_dir / "articles.parquet")


def test_a_small_night_strips_chrome_learned_on_an_earlier_night(tmp_path, hashing_embedder):
    first = _night(tmp_path, "2026-03-02", 5, hashing_embedder)
    assert first["chrome_lines"].to_list() == [2] * 5  # learned: five articles of one source, varying bodies
    chrome = pl.read_parquet(tmp_path / "state" / "snapshots" / "2026-03-02" / "chrome_lines.parquet")
    assert chrome.height == 2 and set(chrome["source"]) == {"Metro Wire"}
    small = _night(tmp_path, "2026-03-03", 1, hashing_embedder)
    assert small["chrome_lines"].to_list() == [2]  # one article cannot teach it; the state remembers it
    assert BANNER not in small["lead"][0] and FOOTER not in small["lead"][0]


def test_without_memory_a_small_night_keeps_the_chrome(tmp_path, hashing_embedder):
    _night(tmp_path, "2026-03-02", 5, hashing_embedder, chrome_days=0)
    small = _night(tmp_path, "2026-03-03", 1, hashing_embedder, chrome_days=0)
    assert small["chrome_lines"].to_list() == [0]


def test_remembered_chrome_is_forgotten_after_chrome_days(tmp_path, hashing_embedder):
    _night(tmp_path, "2026-03-02", 5, hashing_embedder, chrome_days=3)
    _night(tmp_path, "2026-03-04", 1, hashing_embedder, chrome_days=3)  # seen again: kept
    later = _night(tmp_path, "2026-03-09", 1, hashing_embedder, chrome_days=3)  # last seen 5 days before
    assert later["chrome_lines"].to_list() == [0]

"""The stage runner: counters and timings per stage, and the live elapsed line on a terminal."""

from __future__ import annotations

import io
import logging
import sys
import time

from cluster.pipeline import _Runner, _Ticker


def test_stage_records_seconds_counters_and_one_log_line(caplog):
    runner = _Runner()
    runner.live = False
    with caplog.at_level(logging.INFO, logger="newsclust"):
        with runner.stage("dedup") as stage:
            stage.counters.update(groups=3)
    (entry,) = runner.stages
    assert entry.name == "dedup" and entry.counters == {"groups": 3} and entry.seconds >= 0 and entry.peak_rss_mb > 0
    assert [r.getMessage().split(" in ")[0] for r in caplog.records] == ["stage dedup: done"]


def test_ticker_rewrites_one_line_and_clears_it(monkeypatch):
    captured = io.StringIO()
    monkeypatch.setattr(sys, "stderr", captured)
    ticker = _Ticker("stories", time.perf_counter(), delay=0.05, every=0.05)
    time.sleep(0.3)
    ticker.stop()
    text = captured.getvalue()
    assert text.startswith("\r  stage stories:") and text.endswith("\r\033[K")
    assert "\n" not in text


def test_ticker_of_a_short_stage_writes_nothing(monkeypatch):
    captured = io.StringIO()
    monkeypatch.setattr(sys, "stderr", captured)
    _Ticker("clean", time.perf_counter(), delay=5.0).stop()
    assert captured.getvalue() == ""

"""The local executor: stages run in declared order over named tables, each timed and counted, the contract checked."""

from __future__ import annotations

import gc
import logging
import os
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from cluster.config import Config
from cluster.executor import RUN_COLLECTION_THRESHOLDS, LocalExecutor, _malloc_trim, release_free_memory
from cluster.stage import RunContext, Stage, StageContractError, StageOutput, Tables


class _Double(Stage):
    name = "double"
    reads = ("numbers",)
    writes = ("doubled",)

    @classmethod
    def from_config(cls, config: Config) -> _Double:
        return cls()

    def run(self, tables: Tables, context: RunContext) -> StageOutput:
        doubled = tables["numbers"].select(pl.col("n") * 2)
        return StageOutput({"doubled": doubled}, {"rows": doubled.height})


class _Undeclared(_Double):
    name = "undeclared"

    def run(self, tables: Tables, context: RunContext) -> StageOutput:
        return StageOutput({"something_else": tables["numbers"]})


def _context() -> RunContext:
    return RunContext(date(2026, 3, 2), [])


def test_stages_pass_tables_on_and_record_seconds_counters_and_one_log_line(caplog):
    executor = LocalExecutor(live=False)
    with caplog.at_level(logging.INFO, logger="newsclust"):
        tables = executor.run([_Double()], {"numbers": pl.DataFrame({"n": [1, 2, 3]})}, _context())
    assert tables["doubled"]["n"].to_list() == [2, 4, 6]
    (entry,) = executor.stages_
    assert entry.name == "double" and entry.counters == {"rows": 3} and entry.seconds >= 0 and entry.peak_rss_mb > 0
    assert [r.getMessage().split(" in ")[0] for r in caplog.records] == ["stage double: done"]
    assert entry.as_manifest()["rows"] == 3


def test_a_missing_input_table_is_a_contract_error():
    with pytest.raises(StageContractError, match=r"stage double: missing input table\(s\) \['numbers'\]"):
        LocalExecutor(live=False).run([_Double()], {}, _context())


def test_an_undeclared_output_table_is_a_contract_error():
    with pytest.raises(StageContractError, match="returned"):
        LocalExecutor(live=False).run([_Undeclared()], {"numbers": pl.DataFrame({"n": [1]})}, _context())


def test_a_stage_sees_only_the_tables_it_declares():
    seen: list[set[str]] = []

    class _Peek(_Double):
        def run(self, tables: Tables, context: RunContext) -> StageOutput:
            seen.append(set(tables))
            return super().run(tables, context)

    LocalExecutor(live=False).run([_Peek()], {"numbers": pl.DataFrame({"n": [1]}), "other": pl.DataFrame()},
                                  _context())
    assert seen == [{"numbers"}]


def test_stages_run_with_the_run_collection_thresholds_and_the_callers_come_back_even_after_an_error():
    seen: list[tuple[int, int, int]] = []

    class _Thresholds(_Double):
        def run(self, tables: Tables, context: RunContext) -> StageOutput:
            seen.append(gc.get_threshold())
            return super().run(tables, context)

    before = gc.get_threshold()
    assert before != RUN_COLLECTION_THRESHOLDS
    LocalExecutor(live=False).run([_Thresholds()], {"numbers": pl.DataFrame({"n": [1]})}, _context())
    assert seen == [RUN_COLLECTION_THRESHOLDS] and gc.get_threshold() == before
    with pytest.raises(StageContractError):
        LocalExecutor(live=False).run([_Thresholds(), _Undeclared()], {"numbers": pl.DataFrame({"n": [1]})},
                                      _context())
    assert gc.get_threshold() == before


def test_the_live_line_is_transient_and_absent_off_a_terminal(capsys):
    LocalExecutor(live=False).run([_Double()], {"numbers": pl.DataFrame({"n": [1]})}, _context())
    assert capsys.readouterr().err == ""


def _resident_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


@pytest.mark.skipif(not Path("/proc/self/statm").exists() or _malloc_trim() is None,
                    reason="needs Linux with glibc's malloc_trim")
def test_free_heap_pages_go_back_to_the_system_between_stages():
    """Memory a stage freed in the middle of the heap (what is left alive pins the heap's top, so glibc's own trim
    at the top cannot return it) is resident until released."""
    blocks = [bytes(2048) for _ in range(150_000)]  # 300 MB of glibc allocations (too big for Python's own)
    kept = blocks[::100]
    del blocks
    before = _resident_mb()
    release_free_memory()
    assert _resident_mb() < before - 150
    assert len(kept) == 1_500

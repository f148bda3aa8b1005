"""The nightly job: one night's input against the state store, with a lock and a crash-safe commit.

Order of work: take the lock → finish or undo an interrupted earlier run → refuse a night earlier than the state →
read the night's input → run the pipeline against the state → stage the new state snapshot and the run folder →
write the commit journal → put both in place → remove the journal.

Crash safety is a two-phase commit. Before the journal (``state/commit.json``) exists, a killed run leaves only
staging folders, which the next start deletes: outputs and state are exactly as before. Once the journal exists,
the run is decided, and the next start completes the two renames it lists. Either way nobody ever reads a mix.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from cluster.atomic import commit_folder, ensure_replaceable, fsync_tree, stage_folder
from cluster.config import Config
from cluster.embed import Embedder
from cluster.engines import Engine, engine_for
from cluster.pipeline import STORY_STAGES, RunResult, run, run_folder_files, write_run
from cluster.readers import InputError, expand_inputs
from cluster.state import StateStore, fingerprint, recover_folders
from cluster.table_files import TableWriter
from jobs.signals import sigterm_deferred

log = logging.getLogger("newsclust")

JOURNAL = "commit.json"


class LockedError(Exception):
    """Another nightly run holds the lock."""


class NoInputError(Exception):
    """The night's input pattern matches no file."""


class RunLock:
    """An exclusive ``flock`` on ``nightly.lock`` holding the owner's pid.

    The kernel drops a flock when its process dies, so a lock left by a killed run is free; its stale pid in the
    file tells us we are taking it over.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.handle = None
        self.took_over_from: str | None = None

    def __enter__(self) -> RunLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            handle.close()
            raise LockedError(f"another nightly run (pid {holder}) holds {self.path}; not starting") from None
        handle.seek(0)
        self.took_over_from = handle.read().strip() or None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        os.fsync(handle.fileno())
        self.handle = handle
        return self

    def __exit__(self, *_exc: object) -> None:
        assert self.handle is not None
        self.handle.seek(0)
        self.handle.truncate()
        self.handle.flush()
        fcntl.flock(self.handle, fcntl.LOCK_UN)
        self.handle.close()


@dataclass
class NightlyResult:
    night: date
    out_dir: Path
    result: RunResult
    recovered: list[str]


def recover(state: StateStore, out_root: Path) -> list[str]:
    """Roll an interrupted commit forward (journal present) or its staging folders back (no journal)."""
    actions: list[str] = []
    journal = state.root / JOURNAL
    if journal.exists():
        plan = json.loads(journal.read_text())
        for staging, target in plan["moves"]:
            if Path(staging).exists():
                commit_folder(Path(staging), Path(target))
        journal.unlink()
        actions.append(f"completed the interrupted commit of night {plan['night']}")
    actions += state.recover()
    if out_root.exists():
        actions += recover_folders(out_root)
    return actions


def run_nightly(
    config: Config,
    night: date,
    *,
    input_pattern: str,
    state_dir: str | Path,
    out_root: str | Path,
    embedder: Embedder | None = None,
    engine: Engine | None = None,
) -> NightlyResult:
    """Process ``night`` against the state in ``state_dir`` into ``out_root/<night>``; ``engine`` runs the heavy
    kernels (default: the one ``config.engine`` names, closed at the end)."""
    state = StateStore(state_dir)
    out_root = Path(out_root)
    with engine_for(config, engine) as engine, RunLock(state.root / "nightly.lock") as lock:
        if lock.took_over_from:
            log.warning("took over the lock left by pid %s (no longer running)", lock.took_over_from)
        recovered = recover(state, out_root)
        for action in recovered:
            log.warning("recovery: %s", action)
        state.check_order(night)
        pattern = input_pattern.replace("{date}", night.isoformat())
        try:
            files = expand_inputs([pattern])
        except InputError as exc:
            raise NoInputError(f"no input for night {night}: {exc}") from None
        night_config = config.model_copy(deep=True)
        night_config.input.paths = [pattern]
        if night_config.embed.cache_dir is None:
            night_config.embed.cache_dir = str(state.vectors_dir)
        embedder = embedder or engine.embedder(night_config.embed)
        expected = fingerprint(night_config, embedder.model_id)
        prior = state.load_before(night, expected)
        log.info("night %s: state from %s (%d recent articles, %d registry stories)", night,
                 prior.night or "nothing", prior.recent.height, prior.registry.height)
        out_dir = out_root / night.isoformat()
        ensure_replaceable(out_dir, run_folder_files(night_config, STORY_STAGES))
        result = run(night_config, embedder=embedder, run_date=night, prior=prior, files=files, engine=engine)
        assert result.next_state is not None
        _commit(state, night, result, expected, out_dir, config.nightly.keep_snapshots, engine.table_writer())
        return NightlyResult(night, out_dir, result, recovered)


def _commit(state: StateStore, night: date, result: RunResult, expected: dict, out_dir: Path, keep: int,
            writer: TableWriter) -> None:
    assert result.next_state is not None
    staged: list[Path] = []
    try:
        staged.append(state.stage(night, result.next_state, expected, result.counts, writer))
        staged.append(stage_folder(out_dir))
        result.annotations.update(night=night.isoformat(), state_dir=str(state.root))
        write_run(result, staged[1], writer)
        fsync_tree(staged[1])
    except BaseException:
        for folder in staged:
            shutil.rmtree(folder, ignore_errors=True)
        raise
    state_staging, out_staging = staged
    journal = state.root / JOURNAL
    moves = [(state_staging, state.snapshots_dir / night.isoformat()), (out_staging, out_dir)]
    # absolute: the next start may run from another folder (relative paths there would name nothing, and recovery
    # would delete the staged run folder instead of putting it in place)
    plan = {"night": night.isoformat(), "moves": [[os.path.abspath(a), os.path.abspath(b)] for a, b in moves]}
    partial = journal.with_suffix(".tmp")
    partial.write_text(json.dumps(plan))
    with open(partial, "rb") as handle:
        os.fsync(handle.fileno())
    with sigterm_deferred():  # past the commit point the renames complete even if SIGTERM arrives now
        os.replace(partial, journal)  # the commit point
        state.commit(night, state_staging, keep)
        commit_folder(out_staging, out_dir)
        journal.unlink()

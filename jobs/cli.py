"""The ``newsclust`` command line: each command parses its options, makes one library call and prints the result.

Errors end a command through the click exceptions of ``jobs/exit_codes.py`` (the one home of the exit codes): 0
success; 1 failure during the run (unreadable input, model or write error); 2 usage or config error; ``nightly``
also 3 (locked), 4 (no input for the night) and 5 (state refused); ``run``, ``dedup`` and ``nightly`` 6 (too many
rows rejected, outputs written).
"""

from __future__ import annotations

import atexit
import gc
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any, get_args

import click

from cluster.atomic import FolderInUse
from cluster.config import Config, ConfigError, load_config
from cluster.config_reference import resolved_yaml
from cluster.display import json_text
from cluster.embed import ModelError
from cluster.engines import Engine, EngineError, engine_from_config, spark_failure
from cluster.readers import InputError
from jobs.evaluation import evaluate_run
from jobs.exit_codes import (
    NightLocked,
    NoInputForNight,
    RunFailed,
    StateRefused,
    Stopped,
    TooManyRejects,
    UsageOrConfigError,
)
from jobs.signals import Terminated, sigterm_received, stop_on_sigterm

DEFAULT_CONFIG = "configs/default.yaml"
log = logging.getLogger("newsclust")


def _setup_logging(verbose: int, quiet: bool) -> None:
    level = logging.WARNING if quiet else (logging.DEBUG if verbose else logging.INFO)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%Y-%m-%dT%H:%M:%S"))
    root = logging.getLogger("newsclust")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False


@contextmanager
def _run_failures(write_error: Callable[[OSError], str]) -> Iterator[None]:
    """Input, model and write errors of a started run as ``RunFailed`` (exit 1; ``write_error`` words the last),
    an output folder that is not ours to replace as ``UsageOrConfigError`` (exit 2, nothing was run), and SIGTERM as
    ``Stopped`` (exit 143, after the run has cleaned up)."""
    try:
        with stop_on_sigterm():
            yield
    except Exception as exc:
        if sigterm_received():  # the signal cut a step that turned it into an error of its own: still a stop
            raise _stopped() from None
        failure = _run_failure(exc, write_error)
        if failure is exc:
            raise
        raise failure from None
    except Terminated:
        raise _stopped() from None


def _stopped() -> Stopped:
    return Stopped("stopped by SIGTERM; outputs (and nightly state) are as they were before this run")


def _run_failure(exc: Exception, write_error: Callable[[OSError], str]) -> Exception:
    """What ``_run_failures`` raises for an error of a run (``exc`` itself when it is none of those it words)."""
    if isinstance(exc, FolderInUse):
        return UsageOrConfigError(str(exc))
    if isinstance(exc, InputError | ModelError | EngineError):
        return RunFailed(str(exc))
    if isinstance(exc, OSError):
        return RunFailed(write_error(exc))
    failure = spark_failure(exc)
    if failure is None:
        return exc
    return RunFailed(f"{failure}; outputs (and nightly state) are as they were before this run")


def _check_rejects(counts: dict[str, Any], config: Config, written_to: str | Path) -> None:
    """Exit 6 after a run whose outputs were written but that rejected too many rows or accepted no article."""
    from cluster.ingest import reject_share_problem

    problem = reject_share_problem(counts["accepted"], counts["rejected"], config.input.max_reject_share)
    if problem is not None:
        raise TooManyRejects(f"{problem}; outputs were written to {written_to} (see rejects)")


def _load_config(path: str | Path | None, overrides: dict[str, Any] | None = None) -> Config:
    try:
        return load_config(path, overrides)
    except ConfigError as exc:
        raise UsageOrConfigError(str(exc)) from None


def _engine(config: Config) -> Engine:
    """The run's engine, built before any work: a missing pyspark or Java is a usage error naming the fix."""
    try:
        return engine_from_config(config)
    except EngineError as exc:
        raise UsageOrConfigError(str(exc)) from None


def _load(config_path: str | None, inputs: tuple[str, ...], out: str | None, engine: str | None = None) -> Config:
    overrides: dict[str, Any] = {}
    if engine:
        overrides["engine"] = engine
    if inputs:
        overrides["input.paths"] = list(inputs)
    if out:
        overrides["output.dir"] = out
    path = config_path
    if path is None:
        path = DEFAULT_CONFIG if Path(DEFAULT_CONFIG).exists() else None
    config = _load_config(path, overrides)
    if not config.input.paths:
        raise UsageOrConfigError(f"no input: set input.paths in {path or 'a config file'} or pass --input")
    return config


_engine_option = click.option(
    "--engine", type=click.Choice(get_args(Config.model_fields["engine"].annotation)), default=None,
    help="Where the stages run; replaces engine (spark: the config's spark section).",
)
_common_options = [
    click.option("--config", "config_path", type=click.Path(dir_okay=False),
                 help=f"YAML config [default: {DEFAULT_CONFIG}]"),
    click.option("--input", "inputs", multiple=True, help="File, glob or folder (repeatable); replaces input.paths."),
    click.option("--out", help="Output folder; replaces output.dir."),
    _engine_option,
    click.option("-v", "--verbose", count=True, help="More log lines."),
    click.option("-q", "--quiet", is_flag=True, help="Only warnings and errors on stderr."),
]


def common_options(function):
    for option in reversed(_common_options):
        function = option(function)
    return function


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="newsclust")
def main() -> None:
    """Collapse syndicated copies and cluster news articles into stories.

    \b
    Exit codes: 0 success, 1 failure during the run, 2 usage or config error,
    6 too many rows rejected (outputs were written).
    Example:
        newsclust run --input data/sample --out out
    """


def _execute(config: Config, dedup_only: bool) -> None:
    from cluster.pipeline import DEDUP_STAGES, STORY_STAGES, run_to_folder

    with closing(_engine(config)) as engine, \
            _run_failures(lambda exc: f"cannot write outputs to {config.output.dir}: {exc}"):
        result = run_to_folder(config, config.output.dir, stages=DEDUP_STAGES if dedup_only else STORY_STAGES,
                               engine=engine)
    counts = result.counts
    line = (
        f"{counts['accepted']} articles ({counts['rejected']} rejected), "
        f"{counts['duplicate_groups']} duplicate groups ({counts['copies']} copies)"
    )
    if "stories" in counts:
        line += f", {counts['stories']} stories"
    click.echo(f"{line} -> {config.output.dir}")
    _check_rejects(counts, config, config.output.dir)


@main.command()
@common_options
def run(config_path: str | None, inputs: tuple[str, ...], out: str | None, engine: str | None, verbose: int,
        quiet: bool) -> None:
    """Run the whole pipeline: dedup, stories, reports.

    With no options it runs configs/default.yaml (the bundled sample into ./out).

    \b
    Example:
        newsclust run --config configs/default.yaml --input 'feeds/2026-03-*.jsonl.gz' --out out/march
        newsclust run --engine spark --input 'feeds/2026-03-*.jsonl.gz' --out out/march
    """
    _setup_logging(verbose, quiet)
    _execute(_load(config_path, inputs, out, engine), dedup_only=False)


@main.command()
@common_options
def dedup(config_path: str | None, inputs: tuple[str, ...], out: str | None, engine: str | None, verbose: int,
          quiet: bool) -> None:
    """Stop after deduplication (no model is loaded): articles, duplicates, syndication, rejects.

    \b
    Example:
        newsclust dedup --input data/sample --out out/dedup
    """
    _setup_logging(verbose, quiet)
    _execute(_load(config_path, inputs, out, engine), dedup_only=True)


@main.command("check-config")
@click.argument("config_file", type=click.Path(dir_okay=False))
def check_config(config_file: str) -> None:
    """Validate a config and print the resolved values (defaults filled in, derived LSH parameters added).

    \b
    Example:
        newsclust check-config configs/nightly.yaml
    """
    if not Path(config_file).exists():
        raise UsageOrConfigError(f"config {config_file}: file not found")
    config = _load_config(config_file)
    click.echo(f"# {config_file}: valid")
    click.echo(resolved_yaml(config))


@main.command("eval")
@click.option("--gold", "gold_path", required=True, type=click.Path(exists=True, dir_okay=False),
              help="JSONL/CSV/Parquet with gold labels.")
@click.option("--pred", "pred_path", required=True, type=click.Path(exists=True), help="A run's output folder.")
@click.option("--level", type=click.Choice(["story", "dup"]), default="story", show_default=True,
              help="Score story_id, or dup_group_id.")
@click.option("--gold-column", default=None, help="Gold label column [default: gold; gold_dup with --level dup].")
@click.option("--id-column", default="id", show_default=True, help="Article id column of the gold file.")
@click.option("--json", "as_json", is_flag=True, help="Print the scores as JSON.")
def evaluate(gold_path: str, pred_path: str, level: str, gold_column: str | None, id_column: str,
             as_json: bool) -> None:
    """Score a run against gold labels: pairwise P/R/F1 (Miranda et al. 2018), B-cubed F1 and ARI.

    \b
    Example:
        newsclust eval --gold data/sample/articles.jsonl --pred out
        newsclust eval --gold data/sample/articles.jsonl --pred out --level dup
    """
    try:
        result = evaluate_run(Path(gold_path), Path(pred_path), level=level, gold_column=gold_column,
                              id_column=id_column)
    except InputError as exc:  # a gold or run table that cannot be read
        raise RunFailed(str(exc)) from None
    click.echo(result.as_json() if as_json else result.as_text())


def _inspect(build, as_json: bool, formatter) -> None:
    """Build a view of run folder(s) with ``build()``, print it as text or JSON; a bad folder or id exits 2."""
    from cluster.runs import RunFolderError

    try:
        view = build()
    except RunFolderError as exc:
        raise UsageOrConfigError(str(exc)) from None
    click.echo(json_text(view) if as_json else formatter(view))


_run_option = click.option("--run", "run_dir", default="out", show_default=True, type=click.Path(file_okay=False),
                           help="A finished run folder (one with run.json).")
_json_option = click.option("--json", "as_json", is_flag=True, help="Print the view as JSON.")


@main.group()
def show() -> None:
    """Explain one story, topic or article of a finished run.

    \b
    Example:
        newsclust show story s-ca61ce23b38a --run out
        newsclust show topic t-1c8e549768b9 --run out
        newsclust show article c001 --run out --json
    """


@show.command("story", short_help="A story: its articles, sources, chain and rounds.")
@click.argument("story_id")
@_run_option
@_json_option
def show_story(story_id: str, run_dir: str, as_json: bool) -> None:
    """A story: label, headline, chain and rounds, sources, and its articles (copies under their original).

    STORY_ID may be a unique prefix of the id.

    \b
    Example:
        newsclust show story s-ca61ce23b38a --run out
    """
    from cluster.runs import load_run
    from cluster.views.show import format_story, story_view

    _inspect(lambda: story_view(load_run(run_dir), story_id), as_json=as_json, formatter=format_story)


@show.command("topic", short_help="A topic: the stories it ties together.")
@click.argument("topic_id")
@_run_option
@_json_option
def show_topic(topic_id: str, run_dir: str, as_json: bool) -> None:
    """A topic: its label and its stories in time order (rounds, sizes, spans).

    TOPIC_ID may be a unique prefix of the id.

    \b
    Example:
        newsclust show topic t-1c8e549768b9 --run out
    """
    from cluster.runs import load_run
    from cluster.views.show import format_topic, topic_view

    _inspect(lambda: topic_view(load_run(run_dir), topic_id), as_json=as_json, formatter=format_topic)


@show.command("article", short_help="An article: its group, canonical, match, story and centrality.")
@click.argument("article_id")
@_run_option
@_json_option
def show_article(article_id: str, run_dir: str, as_json: bool) -> None:
    """An article: its duplicate group and canonical, the Jaccard/containment and rule that matched it, its story and
    centrality (cosine to the story's centre).

    \b
    Example:
        newsclust show article c001 --run out
    """
    from cluster.runs import load_run
    from cluster.views.show import article_view, format_article

    _inspect(lambda: article_view(load_run(run_dir), article_id), as_json=as_json, formatter=format_article)


@main.command("diff")
@click.argument("run_a", type=click.Path(file_okay=False))
@click.argument("run_b", type=click.Path(file_okay=False))
@_json_option
def diff(run_a: str, run_b: str, as_json: bool) -> None:
    """Stories that appeared, ended, grew, shrank, were renamed, split, merged or were reissued from RUN_A to RUN_B.

    Story ids match stories across runs: the same id with another label was renamed (a continuing story's label
    improves as it grows). Shared article ids reveal splits, merges and reissues (the same articles under a new
    story id). Compare runs over the same
    or overlapping input (yesterday's and today's run over a rolling window, a run before and after a config
    change); a nightly run folder holds one night's articles, so next to the night before, a continuing story
    shows as shrunk or grown by that night's articles alone.

    \b
    Example:
        newsclust diff out/before out
    """
    from cluster.runs import load_run
    from cluster.views.diff import diff_runs, format_diff

    _inspect(lambda: diff_runs(load_run(run_a), load_run(run_b)), as_json=as_json, formatter=format_diff)


@main.command()
@click.option("--config", "config_path", required=True, type=click.Path(dir_okay=False), help="YAML config.")
@click.option("--date", "night", default=None, help="Night to process, YYYY-MM-DD [default: yesterday, UTC].")
@click.option("--input", "input_pattern", default=None, help="Input pattern with {date}; replaces nightly.input.")
@click.option("--state", "state_dir", default=None, help="State folder; replaces nightly.state_dir.")
@click.option("--out-root", default=None, help="Runs folder; replaces nightly.out_root.")
@_engine_option
@click.option("-v", "--verbose", count=True, help="More log lines.")
@click.option("-q", "--quiet", is_flag=True, help="Only warnings and errors on stderr.")
def nightly(config_path: str, night: str | None, input_pattern: str | None, state_dir: str | None,
            out_root: str | None, engine: str | None, verbose: int, quiet: bool) -> None:
    """Process one night against the state store and write <out-root>/<date>/.

    Tonight's copies of earlier nights' articles join their originals, continuing stories keep their ids, and a
    story that recurs after a gap becomes the next round of its chain. Runs are locked, crash-safe and idempotent.

    \b
    Exit codes: 0 success, 1 failure, 2 usage or config error, 3 another run holds the lock,
    4 no input for the night, 5 state refused (written with other settings, or a later night already done),
    6 too many rows rejected (outputs and state were written).
    Example:
        newsclust nightly --config configs/nightly.yaml --date 2026-03-05
    """
    from datetime import date, datetime, timedelta, timezone

    from cluster.state import StateError
    from jobs.nightly import LockedError, NoInputError, run_nightly

    _setup_logging(verbose, quiet)
    overrides = {key: value for key, value in (("nightly.input", input_pattern), ("nightly.state_dir", state_dir),
                                               ("nightly.out_root", out_root), ("engine", engine))
                 if value is not None}
    config = _load_config(config_path, overrides)
    if config.nightly.input is None:
        raise UsageOrConfigError(f"no input pattern: set nightly.input in {config_path} or pass --input")
    try:
        day = date.fromisoformat(night) if night else datetime.now(timezone.utc).date() - timedelta(days=1)
    except ValueError:
        raise UsageOrConfigError(f"--date {night!r}: expected YYYY-MM-DD") from None
    unchanged = "state and earlier runs are unchanged"
    try:
        with closing(_engine(config)) as engine, \
                _run_failures(lambda exc: f"cannot write outputs or state: {exc}; {unchanged}"):
            outcome = run_nightly(config, day, input_pattern=config.nightly.input,
                                  state_dir=config.nightly.state_dir, out_root=config.nightly.out_root, engine=engine)
    except LockedError as exc:
        raise NightLocked(str(exc)) from None
    except NoInputError as exc:
        raise NoInputForNight(str(exc)) from None
    except StateError as exc:
        raise StateRefused(str(exc)) from None
    counts = outcome.result.counts
    click.echo(
        f"night {day}: {counts['accepted']} articles ({counts['rejected']} rejected), {counts['copies']} copies, "
        f"{counts['stories']} stories ({counts['new_stories']} new, {counts['continuing_stories']} continuing) "
        f"-> {outcome.out_dir}"
    )
    _check_rejects(counts, config, outcome.out_dir)


def program() -> None:
    """The ``newsclust`` program (``main`` as a process of its own): its objects are frozen out of the collector when
    it exits, so the interpreter's last collections do not walk them all before the process ends (0.35 s of a night
    of 22,000 articles; 0.05 s frozen). Only the collector skips them: every ``atexit`` handler still runs and every
    file is closed, flushed, by then. Tests call ``main`` in their own process, which this would leave frozen."""
    atexit.register(gc.freeze)
    main()


if __name__ == "__main__":
    program()

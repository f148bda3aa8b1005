"""The ``newsclust`` command line: parse arguments, load the config, call the pipeline.

Exit codes: 0 success; 1 failure during the run (unreadable input, model or write error); 2 usage or config error.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Any

import click
import polars as pl
import yaml

from cluster.config import Config, ConfigError, load_config
from cluster.embed import ModelError
from cluster.evaluate import align, score
from cluster.io import InputError
from cluster.minhash import lsh_params

EXIT_FAILURE = 1
EXIT_USAGE = 2
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


def _fail(message: str, code: int) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def _load(config_path: str | None, inputs: tuple[str, ...], out: str | None) -> Config:
    overrides: dict[str, Any] = {}
    if inputs:
        overrides["input.paths"] = list(inputs)
    if out:
        overrides["output.dir"] = out
    path = config_path
    if path is None:
        path = DEFAULT_CONFIG if Path(DEFAULT_CONFIG).exists() else None
    try:
        config = load_config(path, overrides)
    except ConfigError as exc:
        _fail(str(exc), EXIT_USAGE)
        raise  # unreachable
    if not config.input.paths:
        _fail(f"no input: set input.paths in {path or 'a config file'} or pass --input", EXIT_USAGE)
    return config


_common_options = [
    click.option("--config", "config_path", type=click.Path(dir_okay=False), help=f"YAML config [default: {DEFAULT_CONFIG}]"),
    click.option("--input", "inputs", multiple=True, help="File, glob or folder (repeatable); replaces input.paths."),
    click.option("--out", help="Output folder; replaces output.dir."),
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
    Exit codes: 0 success, 1 failure during the run, 2 usage or config error.
    Example:
        newsclust run --input data/sample --out out
    """


def _execute(config: Config, stop_after_dedup: bool) -> None:
    from cluster.pipeline import run_to_folder

    try:
        result = run_to_folder(config, config.output.dir, stop_after_dedup=stop_after_dedup)
    except (InputError, ModelError) as exc:
        _fail(str(exc), EXIT_FAILURE)
        return
    except OSError as exc:
        _fail(f"cannot write outputs to {config.output.dir}: {exc}", EXIT_FAILURE)
        return
    counts = result.counts
    line = (
        f"{counts['accepted']} articles ({counts['rejected']} rejected), "
        f"{counts['duplicate_groups']} duplicate groups ({counts['copies']} copies)"
    )
    if "stories" in counts:
        line += f", {counts['stories']} stories"
    click.echo(f"{line} -> {config.output.dir}")


@main.command()
@common_options
def run(config_path: str | None, inputs: tuple[str, ...], out: str | None, verbose: int, quiet: bool) -> None:
    """Run the whole pipeline: dedup, stories, reports.

    With no options it runs configs/default.yaml (the bundled sample into ./out).

    \b
    Example:
        newsclust run --config configs/default.yaml --input 'feeds/2026-03-*.jsonl.gz' --out out/march
    """
    _setup_logging(verbose, quiet)
    _execute(_load(config_path, inputs, out), stop_after_dedup=False)


@main.command()
@common_options
def dedup(config_path: str | None, inputs: tuple[str, ...], out: str | None, verbose: int, quiet: bool) -> None:
    """Stop after deduplication (no model is loaded): articles, duplicates, syndication, rejects.

    \b
    Example:
        newsclust dedup --input data/sample --out out/dedup
    """
    _setup_logging(verbose, quiet)
    _execute(_load(config_path, inputs, out), stop_after_dedup=True)


@main.command("check-config")
@click.argument("config_file", type=click.Path(dir_okay=False))
def check_config(config_file: str) -> None:
    """Validate a config and print the resolved values (defaults filled in, derived LSH parameters added).

    \b
    Example:
        newsclust check-config configs/nightly.yaml
    """
    if not Path(config_file).exists():
        _fail(f"config {config_file}: file not found", EXIT_USAGE)
    try:
        config = load_config(config_file)
    except ConfigError as exc:
        _fail(str(exc), EXIT_USAGE)
        return
    resolved = config.model_dump(mode="json")
    bands, rows = lsh_params(config.dedup.candidate_threshold, config.dedup.num_perm)
    resolved["derived"] = {"lsh_bands": bands, "lsh_rows": rows, "config_hash": config.config_hash()}
    click.echo(f"# {config_file}: valid")
    click.echo(yaml.safe_dump(resolved, sort_keys=False).rstrip())


def _read_table(path: Path) -> pl.DataFrame:
    name = path.name.lower()
    if name.endswith(".parquet"):
        return pl.read_parquet(path)
    if name.endswith(".csv"):
        return pl.read_csv(path, infer_schema=False)
    return pl.read_ndjson(path, infer_schema_length=None)


def _predictions(pred: Path) -> pl.DataFrame:
    for candidate in (pred / "articles.parquet", pred / "articles.csv", pred):
        if candidate.is_file():
            return _read_table(candidate)
    _fail(f"--pred {pred}: no articles.parquet or articles.csv there", EXIT_USAGE)
    raise AssertionError


@main.command("eval")
@click.option("--gold", "gold_path", required=True, type=click.Path(exists=True, dir_okay=False), help="JSONL/CSV/Parquet with gold labels.")
@click.option("--pred", "pred_path", required=True, type=click.Path(exists=True), help="A run's output folder.")
@click.option("--level", type=click.Choice(["story", "dup"]), default="story", show_default=True,
              help="Score story_id, or dup_group_id.")
@click.option("--gold-column", default=None, help="Gold label column [default: gold; gold_dup with --level dup].")
@click.option("--id-column", default="id", show_default=True, help="Article id column of the gold file.")
@click.option("--json", "as_json", is_flag=True, help="Print the scores as JSON.")
def evaluate(gold_path: str, pred_path: str, level: str, gold_column: str | None, id_column: str, as_json: bool) -> None:
    """Score a run against gold labels: pairwise P/R/F1 (Miranda et al. 2018), B-cubed F1 and ARI.

    \b
    Example:
        newsclust eval --gold data/sample/articles.jsonl --pred out
        newsclust eval --gold data/sample/articles.jsonl --pred out --level dup
    """
    gold_column = gold_column or ("gold_dup" if level == "dup" else "gold")
    pred_column = "dup_group_id" if level == "dup" else "story_id"
    gold = _read_table(Path(gold_path))
    for column in (id_column, gold_column):
        if column not in gold.columns:
            _fail(f"--gold {gold_path}: no column {column!r} (columns: {', '.join(gold.columns)})", EXIT_USAGE)
    predicted = _predictions(Path(pred_path))
    if pred_column not in predicted.columns:
        _fail(f"--pred {pred_path}: no column {pred_column!r} (was it a dedup-only run?)", EXIT_USAGE)
    gold = gold.select(pl.col(id_column).cast(pl.String).alias("article_id"), gold_column)
    gold_labels, predicted_labels = align(gold, predicted, gold_column, pred_column)
    if not gold_labels:
        _fail("no article id is in both the gold file and the run", EXIT_FAILURE)
    scores = score(gold_labels, predicted_labels)
    if as_json:
        click.echo(json.dumps({"level": level, **scores.as_dict()}, indent=2))
        return
    click.echo(f"level {level}: {pred_column} vs {gold_column}, {scores.articles} articles "
               f"({gold.height - scores.articles} gold rows not in the run)")
    click.echo(f"clusters   gold {scores.gold_clusters}, predicted {scores.predicted_clusters}")
    click.echo(f"pairwise   P {scores.pairwise_precision:.4f}  R {scores.pairwise_recall:.4f}  F1 {scores.pairwise_f1:.4f}")
    click.echo(f"b-cubed    P {scores.bcubed_precision:.4f}  R {scores.bcubed_recall:.4f}  F1 {scores.bcubed_f1:.4f}")
    click.echo(f"ARI        {scores.ari:.4f}")


def _inspect(build, as_json: bool, formatter) -> None:
    """Build a view of run folder(s) with ``build()``, print it as text or JSON; a bad folder or id exits 2."""
    from cluster.runs import RunFolderError

    try:
        view = build()
    except RunFolderError as exc:
        _fail(str(exc), EXIT_USAGE)
        return
    click.echo(json.dumps(view, indent=2, ensure_ascii=False) if as_json else formatter(view))


_run_option = click.option("--run", "run_dir", default="out", show_default=True, type=click.Path(file_okay=False),
                           help="A finished run folder (one with run.json).")
_json_option = click.option("--json", "as_json", is_flag=True, help="Print the view as JSON.")


@main.group()
def show() -> None:
    """Explain one story or one article of a finished run.

    \b
    Example:
        newsclust show story s-ca61ce23b38a --run out
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
    """Stories that appeared, ended, grew, shrank, split, merged or were renamed from RUN_A to RUN_B.

    Story ids match stories across runs; shared article ids reveal splits and merges. Compare runs over the same
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
@click.option("-v", "--verbose", count=True, help="More log lines.")
@click.option("-q", "--quiet", is_flag=True, help="Only warnings and errors on stderr.")
def nightly(config_path: str, night: str | None, input_pattern: str | None, state_dir: str | None,
            out_root: str | None, verbose: int, quiet: bool) -> None:
    """Process one night against the state store and write <out-root>/<date>/.

    Tonight's copies of earlier nights' articles join their originals, continuing stories keep their ids, and a
    story that recurs after a gap becomes the next round of its chain. Runs are locked, crash-safe and idempotent.

    \b
    Exit codes: 0 success, 1 failure, 2 usage or config error, 3 another run holds the lock,
    4 no input for the night, 5 state refused (written with other settings, or a later night already done).
    Example:
        newsclust nightly --config configs/nightly.yaml --date 2026-03-05
    """
    from datetime import date, datetime, timedelta, timezone

    from cluster.state import StateError
    from jobs.nightly import EXIT_LOCKED, EXIT_NO_INPUT, EXIT_STATE, LockedError, NoInputError, run_nightly

    _setup_logging(verbose, quiet)
    overrides = {key: value for key, value in (("nightly.input", input_pattern), ("nightly.state_dir", state_dir),
                                               ("nightly.out_root", out_root)) if value is not None}
    try:
        config = load_config(config_path, overrides)
    except ConfigError as exc:
        _fail(str(exc), EXIT_USAGE)
        return
    if config.nightly.input is None:
        _fail(f"no input pattern: set nightly.input in {config_path} or pass --input", EXIT_USAGE)
    try:
        day = date.fromisoformat(night) if night else datetime.now(timezone.utc).date() - timedelta(days=1)
    except ValueError:
        _fail(f"--date {night!r}: expected YYYY-MM-DD", EXIT_USAGE)
        return
    try:
        outcome = run_nightly(config, day, input_pattern=config.nightly.input, state_dir=config.nightly.state_dir,
                              out_root=config.nightly.out_root)
    except LockedError as exc:
        _fail(str(exc), EXIT_LOCKED)
        return
    except NoInputError as exc:
        _fail(str(exc), EXIT_NO_INPUT)
        return
    except StateError as exc:
        _fail(str(exc), EXIT_STATE)
        return
    except (InputError, ModelError) as exc:
        _fail(str(exc), EXIT_FAILURE)
        return
    except OSError as exc:
        _fail(f"cannot write outputs or state: {exc}; state and earlier runs are unchanged", EXIT_FAILURE)
        return
    counts = outcome.result.counts
    click.echo(
        f"night {day}: {counts['accepted']} articles ({counts['rejected']} rejected), {counts['copies']} copies, "
        f"{counts['stories']} stories ({counts['new_stories']} new, {counts['continuing_stories']} continuing) "
        f"-> {outcome.out_dir}"
    )


if __name__ == "__main__":
    main()

"""The work of ``newsclust eval``: a run's ``story_id`` (or ``dup_group_id``) scored against a gold-label file.

The gold file and the run's articles are joined on the article id; only articles in both are scored (the metrics
are in ``cluster/evaluate.py``). A missing column or run table is the caller's mistake (``UsageOrConfigError``,
exit 2, naming the option it came from); no article in common is a failed evaluation (``RunFailed``, exit 1).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from cluster.readers import read_table
from cluster.runs import read_table_file
from cluster.table_files import table_exists

if TYPE_CHECKING:
    from cluster.evaluate import Scores
from jobs.exit_codes import RunFailed, UsageOrConfigError

# level -> (default gold column, predicted column)
LEVELS = {"story": ("gold", "story_id"), "dup": ("gold_dup", "dup_group_id")}


@dataclass(frozen=True)
class RunScores:
    level: str
    gold_column: str
    pred_column: str
    gold_rows: int
    scores: Scores

    def as_json(self) -> str:
        return json.dumps({"level": self.level, **self.scores.as_dict()}, indent=2)

    def as_text(self) -> str:
        s = self.scores
        return "\n".join([
            f"level {self.level}: {self.pred_column} vs {self.gold_column}, {s.articles} articles "
            f"({self.gold_rows - s.articles} gold rows not in the run)",
            f"clusters   gold {s.gold_clusters}, predicted {s.predicted_clusters}",
            f"pairwise   P {s.pairwise_precision:.4f}  R {s.pairwise_recall:.4f}  F1 {s.pairwise_f1:.4f}",
            f"b-cubed    P {s.bcubed_precision:.4f}  R {s.bcubed_recall:.4f}  F1 {s.bcubed_f1:.4f}",
            f"ARI        {s.ari:.4f}",
        ])


def evaluate_run(gold_path: Path, pred_path: Path, *, level: str, gold_column: str | None, id_column: str) -> RunScores:
    """Scores of the run at ``pred_path`` (a run folder or its articles table) against ``gold_path``."""
    from cluster.evaluate import align, score  # scikit-learn, loaded only when a run is scored

    default_gold, pred_column = LEVELS[level]
    gold_column = gold_column or default_gold
    gold = read_table(gold_path)
    for column in (id_column, gold_column):
        if column not in gold.columns:
            raise UsageOrConfigError(f"--gold {gold_path}: no column {column!r} (columns: {', '.join(gold.columns)})")
    predicted = _predictions(pred_path)
    if pred_column not in predicted.columns:
        raise UsageOrConfigError(f"--pred {pred_path}: no column {pred_column!r} (was it a dedup-only run?)")
    gold = gold.select(pl.col(id_column).cast(pl.String).alias("article_id"), gold_column)
    gold_labels, predicted_labels = align(gold, predicted, gold_column, pred_column)
    if not gold_labels:
        raise RunFailed("no article id is in both the gold file and the run")
    return RunScores(level, gold_column, pred_column, gold.height, score(gold_labels, predicted_labels))


def _predictions(pred: Path) -> pl.DataFrame:
    """The run's articles: a run's own table is read as the run reader reads it (a CSV's quoted formula cells, ids
    included, restored), any other file as a table of strings."""
    for candidate in (pred / "articles.parquet", pred / "articles.csv"):
        if table_exists(candidate):  # a file, or a dataset folder written by Spark
            return _run_articles(candidate)
    if pred.name in ("articles.parquet", "articles.csv") and table_exists(pred):
        return _run_articles(pred)
    if pred.is_file():
        return read_table(pred)
    raise UsageOrConfigError(f"--pred {pred}: no articles.parquet or articles.csv there")


def _run_articles(path: Path) -> pl.DataFrame:
    try:
        return read_table_file(path)
    except (OSError, ValueError, pl.exceptions.PolarsError) as exc:
        raise RunFailed(f"--pred {path}: cannot be read ({exc})") from None

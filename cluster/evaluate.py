"""Clustering metrics against gold labels: pairwise P/R/F1, B-cubed F1 and the adjusted Rand index.

Pairwise scores follow Miranda et al. (EMNLP 2018): count article pairs over the contingency table ``n_ij`` of
predicted cluster ``i`` and gold cluster ``j``. True positives are ``Σ C(n_ij, 2)``; precision divides them by the
predicted pairs ``Σ_i C(a_i, 2)``, recall by the gold pairs ``Σ_j C(b_j, 2)``. No pair list is ever materialised.
B-cubed averages, over articles, the share of its predicted cluster that shares its gold label (precision) and the
share of its gold cluster that shares its predicted cluster (recall).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import polars as pl
from sklearn.metrics import adjusted_rand_score


@dataclass(frozen=True)
class Scores:
    articles: int
    gold_clusters: int
    predicted_clusters: int
    pairwise_precision: float
    pairwise_recall: float
    pairwise_f1: float
    bcubed_precision: float
    bcubed_recall: float
    bcubed_f1: float
    ari: float

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


def _pairs(counts: np.ndarray) -> float:
    return float((counts * (counts - 1) / 2).sum())


def _f1(precision: float, recall: float) -> float:
    return 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)


def score(gold: list[str], predicted: list[str]) -> Scores:
    """Scores of ``predicted`` cluster ids against ``gold`` labels, aligned by position."""
    if len(gold) != len(predicted):
        raise ValueError("gold and predicted must have one label per article")
    table = pl.DataFrame({"gold": gold, "pred": predicted})
    joint = table.group_by("gold", "pred").len()
    pred_sizes = table.group_by("pred").len()
    gold_sizes = table.group_by("gold").len()
    n_ij = joint["len"].to_numpy().astype(np.float64)
    true_pairs = _pairs(n_ij)
    pred_pairs, gold_pairs = _pairs(pred_sizes["len"].to_numpy()), _pairs(gold_sizes["len"].to_numpy())
    precision = true_pairs / pred_pairs if pred_pairs else 1.0
    recall = true_pairs / gold_pairs if gold_pairs else 1.0
    sized = joint.join(pred_sizes.rename({"len": "a"}), on="pred").join(gold_sizes.rename({"len": "b"}), on="gold")
    n = max(len(gold), 1)
    b3_precision = float((sized["len"] ** 2 / sized["a"]).sum()) / n
    b3_recall = float((sized["len"] ** 2 / sized["b"]).sum()) / n
    return Scores(
        articles=len(gold),
        gold_clusters=len(gold_sizes),
        predicted_clusters=len(pred_sizes),
        pairwise_precision=round(precision, 4),
        pairwise_recall=round(recall, 4),
        pairwise_f1=round(_f1(precision, recall), 4),
        bcubed_precision=round(b3_precision, 4),
        bcubed_recall=round(b3_recall, 4),
        bcubed_f1=round(_f1(b3_precision, b3_recall), 4),
        ari=round(float(adjusted_rand_score(gold, predicted)), 4) if gold else 1.0,
    )


def align(gold: pl.DataFrame, predicted: pl.DataFrame, gold_column: str, pred_column: str) -> tuple[list[str], list[str]]:
    """Gold and predicted labels of the articles present in both tables (joined on ``article_id``)."""
    joined = gold.select("article_id", pl.col(gold_column).cast(pl.String).alias("g")).join(
        predicted.select("article_id", pl.col(pred_column).cast(pl.String).alias("p")), on="article_id", how="inner"
    ).sort("article_id")
    return joined["g"].to_list(), joined["p"].to_list()

"""Clustering metrics against gold labels: pairwise P/R/F1, B-cubed F1 and the adjusted Rand index.

Pairwise scores follow Miranda et al. (EMNLP 2018): count article pairs over the contingency table ``n_ij`` of
predicted cluster ``i`` and gold cluster ``j``. True positives are ``Σ C(n_ij, 2)``; precision divides them by the
predicted pairs ``Σ_i C(a_i, 2)``, recall by the gold pairs ``Σ_j C(b_j, 2)``. The counts come from scikit-learn's
``pair_confusion_matrix`` (ordered pairs, so each count twice); no pair list is ever materialised.
B-cubed averages, over articles, the share of its predicted cluster that shares its gold label (precision) and the
share of its gold cluster that shares its predicted cluster (recall).

Labels are scored on content words against an annotator's name for the event (``label_score``): precision is the
share of the label's words the annotator also used, recall the share of the annotator's words the label has.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

import polars as pl
from sklearn.metrics import adjusted_rand_score
from sklearn.metrics.cluster import pair_confusion_matrix

from .english import english_stem, english_stop_words


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
    (_, pred_only), (gold_only, both) = pair_confusion_matrix(gold, predicted) if gold else ((0, 0), (0, 0))
    precision = float(both / (both + pred_only)) if both + pred_only else 1.0
    recall = float(both / (both + gold_only)) if both + gold_only else 1.0
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


def align(gold: pl.DataFrame, predicted: pl.DataFrame, gold_column: str,
          pred_column: str) -> tuple[list[str], list[str]]:
    """Gold and predicted labels of the articles present in both tables (joined on ``article_id``)."""
    joined = gold.select("article_id", pl.col(gold_column).cast(pl.String).alias("g")).join(
        predicted.select("article_id", pl.col(pred_column).cast(pl.String).alias("p")), on="article_id", how="inner"
    ).sort("article_id")
    return joined["g"].to_list(), joined["p"].to_list()


# ---------------------------------------------------------------- labels

_LABEL_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_ROUND_SUFFIX = re.compile(r"\s+round\s+\d+$", re.IGNORECASE)


def label_words(label: str) -> set[str]:
    """A label's content words as label scores compare them: word tokens, lower-cased, without a possessive "'s",
    English stop words dropped, Snowball-stemmed ("strikes" and "strike" meet); a trailing "round N" is left out
    (rounds are scored as rounds, not as words)."""
    tokens = (re.sub(r"['’]s$", "", t.lower()) for t in _LABEL_TOKEN.findall(_ROUND_SUFFIX.sub("", label or "")))
    return {english_stem(t) for t in tokens if t and t not in english_stop_words()}


@dataclass(frozen=True)
class LabelScore:
    precision: float  # share of the label's content words in the gold label
    recall: float  # share of the gold label's content words in the label
    f1: float
    words: int  # the label's content words


def label_score(gold: str, predicted: str) -> LabelScore:
    """Content-word overlap of one label with the annotator's name for the event (``label_words``)."""
    gold_words, predicted_words = label_words(gold), label_words(predicted)
    shared = len(gold_words & predicted_words)
    precision = shared / len(predicted_words) if predicted_words else 0.0
    recall = shared / len(gold_words) if gold_words else 0.0
    return LabelScore(precision, recall, _f1(precision, recall), len(predicted_words))


def mean_label_scores(pairs: list[tuple[str, str]]) -> dict[str, float]:
    """Macro averages over events of ``label_score`` for ``(gold, predicted)`` pairs."""
    scores = [label_score(gold, predicted) for gold, predicted in pairs]
    if not scores:
        return {"precision": 0.0, "recall": 0.0, "f1": 0.0, "words": 0.0, "events": 0}
    n = len(scores)
    return {"precision": sum(s.precision for s in scores) / n, "recall": sum(s.recall for s in scores) / n,
            "f1": sum(s.f1 for s in scores) / n, "words": sum(s.words for s in scores) / n, "events": n}

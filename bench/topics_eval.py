"""Topics on months of real coverage: broad subjects (a war, an election, a person's affairs) against the topic level,
the story level and an HDBSCAN anchor, with ``topics.threshold`` chosen on half the subjects and read on the other.

    python bench/topics_eval.py ../shared/data/newsarticles.jsonl.gz [--thresholds 0.35,0.4,0.45,0.5,0.55]

The real articles carry no labels, so the check labels them by subject with the rules in ``SUBJECTS`` (written from
the period's news, December 2016 to March 2017, before looking at any output): an article whose headline matches
exactly one subject's pattern gets that subject; the others are left out of the scores (they still take part in the
run). Scores are pairwise P/R/F1 over the labelled articles (``cluster.evaluate.score``) for:

- ``topics``: ``topic_id`` of the whole default pipeline, at each threshold of ``--thresholds``;
- ``stories``: ``story_id`` (what a user had before topics: events, not subjects);
- ``HDBSCAN``: ``sklearn.cluster.HDBSCAN(min_cluster_size=10)`` on the article embeddings (BERTopic's default
  ``min_topic_size``, without its UMAP step), outliers as singletons.

Subjects are split in two halves (``A``: the even ones in ``SUBJECTS`` order, ``B``: the odd ones); the threshold
with the best F1 on A is the one to ship, and B is read only.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from pathlib import Path

import numpy as np
import polars as pl

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from cluster.config import EmbedConfig, TopicsConfig, load_config  # noqa: E402
from cluster.embed import VectorCache, embed_texts, embedder_from_config, embedding_text  # noqa: E402
from cluster.evaluate import score  # noqa: E402

SUBJECTS: dict[str, str] = {  # subject: headline pattern (case-insensitive unless it is a name)
    "brexit": r"\bbrexit\b|\barticle 50\b",
    "north-korea": r"\bnorth korea|\bpyongyang\b|\bkim jong",
    "syria-war": r"\bsyria|\baleppo\b|\bassad\b",
    "us-health-care": r"\bobamacare\b|\bhealth ?care\b|\baffordable care act\b|\bahca\b",
    "iraq-mosul": r"\bmosul\b|\biraq",
    "travel-ban": r"\btravel ban\b|\bmuslim ban\b|\bimmigration (ban|order)\b|\brefugee ban\b",
    "french-election": r"\ble pen\b|\bmacron\b|\bfillon\b|\bfrench (presidential )?election",
    "dutch-election": r"\bdutch election|\bwilders\b|\brutte\b",
    "ukraine-conflict": r"\bukrain|\bdonbass\b|\bdonetsk\b",
    "german-politics": r"\bmerkel\b|\bschulz\b|\bafd\b",
    "turkey-erdogan": r"\berdogan\b|\bturkish referendum\b",
    "russia-inquiries": r"\bflynn\b|\bjeff sessions\b|\bcomey\b|\bwiretap",
}


def subject_of(title: str) -> str | None:
    found = [name for name, pattern in SUBJECTS.items() if re.search(pattern, title or "", re.IGNORECASE)]
    return found[0] if len(found) == 1 else None


def run_pipeline(path: Path, threshold: float, cache_dir: Path, lexical_weight: float) -> pl.DataFrame:
    from cluster.pipeline import run

    config = load_config(REPO / "configs" / "default.yaml", {
        "input.paths": [str(path)], "embed.cache_dir": str(cache_dir), "output.html": False,
        "topics.threshold": threshold, "topics.lexical_weight": lexical_weight, "input.run_date": "2017-03-31"})
    return run(config).tables["articles"].select("article_id", "story_id", "topic_id")


def hdbscan_labels(frame: pl.DataFrame, cache_dir: Path) -> dict[str, str]:
    from sklearn.cluster import HDBSCAN

    embedder = embedder_from_config(EmbedConfig())
    texts = [embedding_text(t or "", b or "", EmbedConfig().lead_words)
             for t, b in zip(frame["title"], frame["text"], strict=True)]
    vectors, _ = embed_texts(texts, embedder, VectorCache(cache_dir, keep_days=None))
    labels = HDBSCAN(min_cluster_size=10).fit_predict(np.asarray(vectors, dtype=np.float64))
    return {a: (f"h{x}" if x >= 0 else f"o{i}") for i, (a, x) in enumerate(zip(frame["id"], labels, strict=True))}


def scores_row(name: str, labelled: pl.DataFrame, column: str, part: list[str]) -> dict:
    rows = labelled.filter(pl.col("subject").is_in(part))
    s = score(rows["subject"].to_list(), rows[column].to_list())
    return {"method": name, "p": s.pairwise_precision, "r": s.pairwise_recall, "f1": s.pairwise_f1, "ari": s.ari,
            "articles": rows.height, "clusters": s.predicted_clusters}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path, help="real articles: ../shared/data/newsarticles.jsonl.gz")
    parser.add_argument("--thresholds", default="0.1,0.15,0.2,0.25,0.3")
    parser.add_argument("--lexical-weight", type=float, default=None,
                        help="topics.lexical_weight (default: the config's)")
    parser.add_argument("--cache-dir", type=Path, default=Path(tempfile.gettempdir()) / "newsclust-vectors")
    args = parser.parse_args(argv)
    frame = pl.read_ndjson(args.path, infer_schema_length=None).with_columns(pl.col("id").cast(pl.String))
    frame = frame.with_columns(pl.col("title").map_elements(subject_of, return_dtype=pl.String).alias("subject"))
    subjects = list(SUBJECTS)
    parts = {"A (chooses)": subjects[0::2], "B (read only)": subjects[1::2], "all": subjects}
    counts = frame.group_by("subject").len().sort("subject")
    print("labelled articles per subject:", dict(counts.drop_nulls().iter_rows()))
    base = frame.select(pl.col("id").alias("article_id"), "subject").drop_nulls("subject")
    rows = []
    for threshold in [float(t) for t in args.thresholds.split(",")]:
        weight = TopicsConfig().lexical_weight if args.lexical_weight is None else args.lexical_weight
        labelled = base.join(run_pipeline(args.path, threshold, args.cache_dir, weight), on="article_id")
        for part, members in parts.items():
            rows.append({"part": part, **scores_row(f"topics, threshold {threshold:g}", labelled, "topic_id",
                                                    members)})
            if threshold == float(args.thresholds.split(",")[0]):
                rows.append({"part": part, **scores_row("stories (story_id)", labelled, "story_id", members)})
    hdb = hdbscan_labels(frame, args.cache_dir)
    labelled = base.with_columns(pl.col("article_id").replace_strict(hdb, return_dtype=pl.String).alias("hdbscan"))
    for part, members in parts.items():
        rows.append({"part": part, **scores_row("HDBSCAN min_cluster_size=10", labelled, "hdbscan", members)})
    print("| part | method | pairwise P | pairwise R | pairwise F1 | ARI | articles | clusters |")
    print("|---|---|---|---|---|---|---|---|")
    for r in sorted(rows, key=lambda r: (r["part"], r["method"])):
        print(f"| {r['part']} | {r['method']} | {r['p']:.3f} | {r['r']:.3f} | **{r['f1']:.3f}** | {r['ari']:.3f} "
              f"| {r['articles']} | {r['clusters']} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

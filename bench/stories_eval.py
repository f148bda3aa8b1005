"""Story-stage accuracy of the default config beside two anchors, on the same embeddings.

    python bench/stories_eval.py ../shared/eval/ecbplus_dev.jsonl ../shared/eval/uci_dev.jsonl \
        ../shared/eval/basil_dev.jsonl data/sample/articles.jsonl tests/fixtures/recurring.jsonl \
        [--json results.json] [--cache-dir DIR]

Each file is JSONL in the input contract plus ``gold`` (the story of each row). For every file, on the embeddings of
title plus lead from the packaged all-MiniLM-L6-v2 (vector cache, so a rerun embeds nothing):

- ``newsclust``: the story stage with the default config (every row clustered, copies included);
- ablations of it: no lexical signal, no shared-neighbour signal, one threshold for headlines and articles;
- ``HDBSCAN``: ``sklearn.cluster.HDBSCAN(min_cluster_size=10)`` on the embeddings (BERTopic's default
  min_topic_size; BERTopic reduces with UMAP first, which is not installed here), outliers counted as singletons;
- ``agglomerative (tuned)``: average-linkage cosine clustering with the distance threshold that scores best on the same
  set (an oracle: it sees the gold labels), the threshold reported;
- for files with ``gold_dup`` (the sample) and for the recurring set, also the whole pipeline (dedup, stories,
  chains) through ``cluster.pipeline.run``; for files with ``gold_chain`` the chains are scored against it.

With more than one file, the files are also clustered together in one run (their ids and gold stories kept apart),
scored on all rows and on each file's rows of that run. A repeated id within a file is given its occurrence
(``unique_ids``). Settings are chosen elsewhere (``bench/stories_tune.py``, leave one set out); this script only reads.

Files with annotators' names for their stories (BASIL's ``gold_label``; the sample's ``gold_labels.json``) get the
label scores of ``bench/labels_eval.py`` with the first headline as baseline, and ``--topics`` (default: the shared
real articles) runs the broad-subject check of ``bench/topics_eval.py`` at the default threshold.

Scores: pairwise P/R/F1 (Miranda et al. 2018), B-cubed F1 and ARI (``cluster.evaluate.score``).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from cluster.config import EmbedConfig, LabelConfig, StoriesConfig, TopicsConfig, load_config  # noqa: E402
from cluster.embed import VectorCache, embed_texts, embedder_from_config, embedding_text  # noqa: E402
from cluster.evaluate import score  # noqa: E402
from cluster.schema import TIME  # noqa: E402
from cluster.stories import cluster_stories  # noqa: E402

DEFAULT_FILES = [
    REPO.parent / "shared" / "eval" / "ecbplus_dev.jsonl",
    REPO.parent / "shared" / "eval" / "uci_dev.jsonl",
    REPO.parent / "shared" / "eval" / "basil_dev.jsonl",
    REPO / "data" / "sample" / "articles.jsonl",
    REPO / "tests" / "fixtures" / "recurring.jsonl",
]


DEFAULT_TOPICS = REPO.parent / "shared" / "data" / "newsarticles.jsonl.gz"


def _has_gold_labels(path: Path) -> bool:
    """BASIL's rows carry ``gold_label``; the sample has ``gold_labels.json`` beside it."""
    if (path.parent / "gold_labels.json").exists():
        return True
    with path.open() as lines:
        return "gold_label" in json.loads(next(lines, "{}"))


def load(path: Path) -> pl.DataFrame:
    frame = pl.read_ndjson(path, infer_schema_length=None)
    for column in ("title", "text", "published_at"):
        if column not in frame.columns:
            frame = frame.with_columns(pl.lit(None, pl.String).alias(column))
    published = pl.col("published_at").cast(pl.String).str.to_datetime(time_zone="UTC", strict=False)
    return frame.with_columns(  # dates parsed per file: a column of several files' formats would parse the first's
        pl.col("title").fill_null(""), pl.col("text").fill_null(""), pl.col("gold").cast(pl.String),
        unique_ids(pl.col("id").cast(pl.String)),
        published.fill_null(pl.datetime(2026, 1, 1, time_zone="UTC")).cast(TIME).alias("published_at"))


def unique_ids(ids: pl.Expr) -> pl.Expr:
    """The ids with a repeat suffixed by its occurrence ("x", "x#2", "x#3"). Some labelled sets repeat an id (three
    BASIL articles are all "empty"); the pipeline would reject the repeats, and the story stage alone, which is
    scored row by row, would file them under one article."""
    occurrence = ids.cum_count().over(ids)
    return pl.when(occurrence > 1).then(ids + "#" + occurrence.cast(pl.String)).otherwise(ids).alias("id")


def canonicals(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select(pl.col("id").alias("article_id"), "title", pl.col("text").alias("body"), "published_at")


def embedded(frame: pl.DataFrame, embedder, cache: VectorCache) -> tuple[np.ndarray, int]:
    """The vectors of the frame's title plus lead, as the embed stage makes them, and how many were encoded."""
    lead_words = EmbedConfig().lead_words
    texts = [embedding_text(t, b, lead_words) for t, b in zip(frame["title"], frame["text"], strict=True)]
    return embed_texts(texts, embedder, cache)


def scores_row(method: str, gold: list[str], predicted: list[str], seconds: float | None = None, **extra) -> dict:
    s = score(gold, predicted)
    sizes = pl.Series(predicted).value_counts()["count"]
    return {
        "method": method, "pairwise_p": s.pairwise_precision, "pairwise_r": s.pairwise_recall,
        "pairwise_f1": s.pairwise_f1, "bcubed_f1": s.bcubed_f1, "ari": s.ari, "clusters": s.predicted_clusters,
        "gold_clusters": s.gold_clusters, "singleton_share": round(float((sizes == 1).mean()), 3),
        "seconds": None if seconds is None else round(seconds, 2), **extra,
    }


def ours(frame: pl.DataFrame, vectors: np.ndarray, config: StoriesConfig) -> tuple[list[str], float]:
    start = time.perf_counter()
    members = cluster_stories(canonicals(frame), vectors, config)
    story = dict(zip(members["article_id"], members["story_id"], strict=True))
    return [story[i] for i in frame["id"]], time.perf_counter() - start


def hdbscan(vectors: np.ndarray) -> tuple[list[str], float, float]:
    from sklearn.cluster import HDBSCAN

    start = time.perf_counter()
    labels = HDBSCAN(min_cluster_size=10).fit_predict(vectors.astype(np.float64))
    seconds = time.perf_counter() - start
    outliers = float((labels == -1).mean())
    return [f"h{x}" if x >= 0 else f"o{i}" for i, x in enumerate(labels)], seconds, outliers


def tuned_agglomerative(vectors: np.ndarray, gold: list[str]) -> tuple[list[str], float, float]:
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import pdist

    start = time.perf_counter()
    tree = linkage(pdist(vectors.astype(np.float64), "cosine"), "average")
    best = (-1.0, 0.0, [])
    for threshold in np.round(np.arange(0.05, 1.0001, 0.025), 3):
        labels = [str(x) for x in fcluster(tree, threshold, "distance")]
        f1 = score(gold, labels).pairwise_f1
        if f1 > best[0]:
            best = (f1, float(threshold), labels)
    return best[2], best[1], time.perf_counter() - start


def pipeline(path: Path, frame: pl.DataFrame, embedder, cache_dir: Path) -> tuple[pl.DataFrame, float]:
    from cluster.pipeline import run

    config = load_config(REPO / "configs" / "default.yaml",
                         {"input.paths": [str(path)], "embed.cache_dir": str(cache_dir), "output.html": False})
    start = time.perf_counter()
    result = run(config, embedder=embedder)
    seconds = time.perf_counter() - start
    articles = result.tables["articles"].select("article_id", "story_id")
    stories = result.tables["stories"].select("story_id", "chain_id", "round", "label")
    joined = frame.rename({"id": "article_id"}).join(articles, on="article_id").join(stories, on="story_id")
    return joined, seconds


def evaluate(path: Path, embedder, cache: VectorCache, cache_dir: Path) -> dict:
    frame = load(path)
    start = time.perf_counter()
    vectors, encoded = embedded(frame, embedder, cache)
    embed_seconds = time.perf_counter() - start
    gold = frame["gold"].to_list()
    rows = []
    default = StoriesConfig()
    predicted, seconds = ours(frame, vectors, default)
    rows.append(scores_row("newsclust (default config)", gold, predicted, seconds))
    ablations = {
        "  without lexical signal": default.model_copy(update={"lexical_weight": 0.0}),
        "  without shared neighbours": default.model_copy(update={"shared_neighbour_weight": 0.0}),
        "  one threshold (article's) for all": default.model_copy(
            update={"headline_threshold": default.article_threshold}),
        "  one threshold (headline's) for all": default.model_copy(
            update={"article_threshold": default.headline_threshold}),
        "  without time decay (τ = 10⁶ days)": default.model_copy(update={"time_scale_days": 1e6}),
    }
    for name, config in ablations.items():
        predicted, seconds = ours(frame, vectors, config)
        rows.append(scores_row(name, gold, predicted, seconds))
    predicted, seconds, outliers = hdbscan(vectors)
    rows.append(scores_row("HDBSCAN min_cluster_size=10", gold, predicted, seconds, outlier_share=round(outliers, 3)))
    predicted, threshold, seconds = tuned_agglomerative(vectors, gold)
    rows.append(scores_row(f"agglomerative, tuned cosine distance {threshold:.3f}", gold, predicted, seconds,
                           tuned_threshold=threshold))
    result = {"file": str(path), "articles": frame.height, "stories": frame["gold"].n_unique(),
              "embedded": encoded, "embed_seconds": round(embed_seconds, 2), "rows": rows}
    if "gold_dup" in frame.columns or "gold_chain" in frame.columns:
        joined, seconds = pipeline(path, frame, embedder, cache_dir)
        result["rows"].append(scores_row("whole pipeline (dedup + stories)", joined["gold"].to_list(),
                                         joined["story_id"].to_list(), seconds))
        if "gold_chain" in frame.columns:
            chain = score(joined["gold_chain"].cast(pl.String).to_list(), joined["chain_id"].to_list())
            rounds_ok = joined.group_by("gold").agg(pl.col("story_id").n_unique().alias("n"))["n"].max() == 1
            result["chains"] = {"pairwise_f1": chain.pairwise_f1, "ari": chain.ari,
                                "every_round_one_story": bool(rounds_ok),
                                "labels": joined.unique("story_id").sort("label")["label"].to_list()}
    return result


def together(paths: list[Path], embedder, cache: VectorCache) -> dict:
    """Every file's rows in one run of the story stage (ids and gold stories kept apart by file), scored on all rows
    and on each file's rows: a default config has to hold when fine events, headline streams and multi-outlet
    coverage share a night."""
    frames, vectors = [], []
    for path in paths:
        frame = load(path).select("id", "title", "text", "published_at", "gold")
        vectors.append(embedded(frame, embedder, cache)[0])
        frames.append(frame.with_columns(*((pl.lit(f"{path.stem}:") + pl.col(c)).alias(c) for c in ("id", "gold")),
                                         pl.lit(path.name).alias("file")))
    joint = pl.concat(frames, how="vertical_relaxed")
    predicted, seconds = ours(joint, np.vstack(vectors), StoriesConfig())
    joint = joint.with_columns(pl.Series("predicted", predicted))
    rows = [scores_row("all files in one run", joint["gold"].to_list(), predicted, seconds)]
    for path in paths:
        part = joint.filter(pl.col("file") == path.name)
        rows.append(scores_row(f"  {path.name} rows of that run", part["gold"].to_list(), part["predicted"].to_list()))
    return {"file": " + ".join(p.name for p in paths), "articles": joint.height,
            "stories": joint["gold"].n_unique(), "rows": rows}


def table(result: dict) -> str:
    lines = [f"### {Path(result['file']).name}: {result['articles']} articles, {result['stories']} gold stories",
             "", "| method | pairwise P | pairwise R | pairwise F1 | B-cubed F1 | ARI | clusters | singletons | s |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in result["rows"]:
        extra = f" (outliers {r['outlier_share']:.0%})" if "outlier_share" in r else ""
        lines.append(f"| {r['method']}{extra} | {r['pairwise_p']:.3f} | {r['pairwise_r']:.3f} "
                     f"| **{r['pairwise_f1']:.3f}** | {r['bcubed_f1']:.3f} | {r['ari']:.3f} | {r['clusters']} "
                     f"| {r['singleton_share']:.0%} | {r['seconds']} |")
    if "chains" in result:
        c = result["chains"]
        lines += ["", f"chains vs `gold_chain`: pairwise F1 {c['pairwise_f1']:.3f}, ARI {c['ari']:.3f}; "
                      f"every gold round one story: {c['every_round_one_story']}"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path, help="labelled JSONL files (default: the dev sets, the sample, "
                        "the recurring fixture)")
    parser.add_argument("--json", type=Path, help="also write every figure here")
    parser.add_argument("--cache-dir", type=Path, default=Path(tempfile.gettempdir()) / "newsclust-vectors")
    parser.add_argument("--backend", choices=["torch", "torch-int8", "onnx-int8"], default="torch",
                        help="embed.backend to evaluate")
    parser.add_argument("--max-seq-length", type=int, default=128, help="embed.max_seq_length (fast.yaml: 64)")
    parser.add_argument("--topics", type=Path, default=DEFAULT_TOPICS, nargs="?",
                        help="real articles for the broad-subject check of bench/topics_eval.py (default: the shared "
                        "newsarticles.jsonl.gz when present; give no value to skip it)")
    args = parser.parse_args(argv)
    files = args.files or [f for f in DEFAULT_FILES if f.exists()]
    embedder = embedder_from_config(EmbedConfig(backend=args.backend, max_seq_length=args.max_seq_length,
                                                device="cpu" if args.backend != "torch" else "auto"))
    cache = VectorCache(args.cache_dir, keep_days=None)
    results = []
    for path in files:
        result = evaluate(path, embedder, cache, args.cache_dir)
        results.append(result)
        print(table(result), "\n", flush=True)
    if len(files) > 1:
        joint = together(files, embedder, cache)
        results.append(joint)
        print(table(joint), "\n", flush=True)
    for path in files:  # the label scores beside the first headline, where a file has annotators' names
        if _has_gold_labels(path):
            import labels_eval

            result = labels_eval.evaluate(path, args.cache_dir, True, LabelConfig().max_words)
            results.append({"labels": result})
            print(labels_eval.table(result), "\n", flush=True)
    if args.topics and args.topics.exists():
        import topics_eval

        topics_eval.main([str(args.topics), "--thresholds", str(TopicsConfig().threshold),
                          "--cache-dir", str(args.cache_dir)])
    print("default config:", json.dumps(StoriesConfig().model_dump()))
    if args.json:
        args.json.write_text(json.dumps({"config": StoriesConfig().model_dump(), "results": results}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

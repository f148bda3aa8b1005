"""Time and peak memory of the story stage on many articles with given embeddings (no model, no text).

    python bench/stories_scale.py [--articles 100000] [--days 30] [--dims 384] [--seed 0]

Synthetic but shaped like news: stories of Zipf-distributed sizes (a few hundred articles for the largest, most of
one to three), each a random direction plus per-article noise (cosine to the story centre about 0.75), spread over a
day or two inside a ``--days`` window, plus unrelated single articles. Runs ``cluster_stories`` with the default config
and then ``link_chains`` as the pipeline does, and prints wall seconds, peak resident memory (``ru_maxrss``) and the
pairwise F1 against the generated stories.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cluster.config import StoriesConfig
from cluster.evaluate import score
from cluster.schema import TIME
from cluster.stories import centroids, cluster_stories, link_chains


def synthetic(n: int, days: float, dims: int, seed: int) -> tuple[pl.DataFrame, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    sizes = []
    while sum(sizes) < n:
        sizes.append(int(min(rng.zipf(1.8), 500)))
    sizes[-1] -= sum(sizes) - n
    story = np.repeat(np.arange(len(sizes)), sizes)
    centres = rng.normal(size=(len(sizes), dims)).astype(np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    noise = rng.normal(size=(n, dims)).astype(np.float32)
    noise /= np.linalg.norm(noise, axis=1, keepdims=True)
    vectors = 0.75 * centres[story] + 0.66 * noise
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    start = rng.uniform(0, days, size=len(sizes))
    when = start[story] + rng.uniform(0, 1.5, size=n)
    epoch = datetime(2026, 1, 1, tzinfo=timezone.utc).timestamp()
    frame = pl.DataFrame({
        "article_id": [f"x{i:07d}" for i in range(n)],
        "published_at": pl.Series((epoch + when * 86400) * 1e6).cast(pl.Int64).cast(pl.Datetime("us", "UTC")),
    }).with_columns(pl.col("published_at").cast(TIME))
    return frame, vectors.astype(np.float32), story


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--days", type=float, default=30.0)
    parser.add_argument("--dims", type=int, default=384)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    frame, vectors, story = synthetic(args.articles, args.days, args.dims, args.seed)
    base_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    config = StoriesConfig()
    start = time.perf_counter()
    members = cluster_stories(frame, vectors, config)
    clustered = time.perf_counter() - start
    spans = members.join(frame, on="article_id").group_by("story_id").agg(
        pl.col("published_at").min().alias("first_seen"), pl.col("published_at").max().alias("last_seen"))
    chains = link_chains(spans, centroids(members, frame["article_id"].to_list(), vectors), config)
    total = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    predicted = dict(zip(members["article_id"], members["story_id"], strict=True))
    s = score([str(x) for x in story], [predicted[a] for a in frame["article_id"]])
    print(f"articles {args.articles}, generated stories {story.max() + 1}, found {spans.height}, "
          f"chains with rounds {int((chains['chain_length'] > 1).sum())}")
    print(f"cluster_stories {clustered:.1f} s, with chains {total:.1f} s; peak RSS {peak_mb:.0f} MB "
          f"(inputs alone {base_mb:.0f} MB); pairwise F1 {s.pairwise_f1:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

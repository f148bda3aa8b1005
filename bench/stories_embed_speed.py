"""Embed-stage throughput against the model's own ``encode`` on the same texts, and the vector cache.

    python bench/stories_embed_speed.py [FILE.jsonl ...] [--limit 3000] [--device auto]

Texts are title plus 60-word lead of each row (default: the two dev sets, else the sample). Times, on the same
texts and the same loaded model: ``SentenceTransformer.encode`` (batch 64, normalised), ``embed_texts`` without a
cache (the stage: hashing, de-duplication, encode), ``embed_texts`` into an empty cache (plus writing it), and a
second ``embed_texts`` from the warm cache (embeds nothing).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from cluster.config import EmbedConfig  # noqa: E402
from cluster.embed import SentenceTransformerEmbedder, VectorCache, embed_texts, embedding_text  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--limit", type=int, default=3000)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--backend", choices=["torch", "torch-int8"], default="torch", help="embed.backend to time")
    parser.add_argument("--repeats", type=int, default=2,
                        help="each of the first two timings is the best of 2 × this many runs")
    args = parser.parse_args(argv)
    eval_dir = REPO.parent / "shared" / "eval"
    defaults = [eval_dir / "ecbplus_dev.jsonl", eval_dir / "uci_dev.jsonl"]
    files = args.files or [f for f in defaults if f.exists()] or [REPO / "data" / "sample" / "articles.jsonl"]
    config = EmbedConfig(device=args.device, backend=args.backend)
    texts: list[str] = []
    for path in files:
        frame = pl.read_ndjson(path, infer_schema_length=None)
        texts += [embedding_text(t or "", b or "", config.lead_words)
                  for t, b in zip(frame["title"], frame["text"], strict=True)]
    texts = list(dict.fromkeys(texts))[: args.limit]  # unique texts, so the stage's de-duplication does not help it
    embedder = SentenceTransformerEmbedder(config)
    model = embedder._load()
    model.encode(texts[:64], batch_size=config.batch_size)  # warm-up
    timings: dict[str, float] = {}

    def timed(name, call):
        best = float("inf")
        for _ in range(args.repeats):
            start = time.perf_counter()
            result = call()
            best = min(best, time.perf_counter() - start)
        timings[name] = best
        return result

    for _ in range(2):  # alternate, so neither side gets the warmer machine
        timed("SentenceTransformer.encode", lambda: model.encode(
            texts, batch_size=config.batch_size, convert_to_numpy=True, normalize_embeddings=True))
        timed("embed_texts, no cache", lambda: embed_texts(texts, embedder, None))
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        _, encoded_cold = embed_texts(texts, embedder, VectorCache(folder, keep_days=None))
        timings["embed_texts, empty cache (writes it)"] = time.perf_counter() - start
        start = time.perf_counter()
        _, encoded_warm = embed_texts(texts, embedder, VectorCache(folder, keep_days=None))
        timings["embed_texts, warm cache"] = time.perf_counter() - start
    base = timings["SentenceTransformer.encode"]
    print(f"{len(texts)} texts on {embedder.device}")
    print("| run | seconds | texts/s | vs encode |\n|---|---|---|---|")
    for name, seconds in timings.items():
        print(f"| {name} | {seconds:.2f} | {len(texts) / seconds:.0f} | {seconds / base:.2f}× |")
    print(f"encoded: cold cache {encoded_cold}, warm cache {encoded_warm}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

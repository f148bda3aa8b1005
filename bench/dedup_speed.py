"""Dedup speed and peak memory: our dedup stage vs the datasketch recipe and datasketch's fastest path, in one run.

    python bench/dedup_speed.py ../shared/data/newsarticles.jsonl.gz [--sizes 10000,100000] [--baseline-size 10000]

Builds a corpus of ``max(sizes)`` articles from the base corpus (``bench/common.speed_corpus``: 70% new 600-word
texts from the base's word-bigram model, 30% aggregator copies of them: chrome, teasers, datelines, dropped
paragraphs) and times, each in a fresh process so that peak memory is its own:

* ours: the clean stage and the dedup stage (shingling, signatures, LSH and sampled candidates, exact
  verification, short texts, guarded groups) with every core, and the dedup stage on one thread (per core);
* the datasketch documentation recipe: word 5-gram shingles, ``MinHash(num_perm=128)`` updated shingle by shingle,
  ``MinHashLSH(threshold=0.8)``, query every article, union-find;
* datasketch's fastest path: the same with ``MinHash.bulk`` (batched hashing and permutations).

The baselines run on the first ``--baseline-size`` articles (the recipe takes about 5 ms an article), ours on every
size; ratios compare articles/s on the same articles. Peak memory is the growth of the process's peak resident set
during the timed step (for ours: the clean and the dedup stage together).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def _status(field: str) -> float:
    """A ``/proc/self/status`` memory field in MB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def _reset_peak() -> None:
    try:  # Linux: writing 5 to clear_refs resets the peak resident set (VmHWM) to the current one
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
    except OSError:
        pass


def _measure(method: str, path: str, n: int, threads: int, queue) -> None:
    import polars as pl
    from common import datasketch_recipe

    from cluster.chrome import strip_boilerplate
    from cluster.config import CleanConfig, DedupConfig
    from cluster.dedup import Deduplicator

    articles = pl.read_parquet(path).head(n)
    result: dict = {"method": method, "n": n}
    if method.startswith("ours"):
        clean = CleanConfig()
        _reset_peak()
        before = _status("VmRSS")  # peak memory covers the clean and the dedup stage together
        started = time.perf_counter()
        cleaned = strip_boilerplate(articles, clean)
        result["clean_s"] = time.perf_counter() - started
        cpu = time.process_time()
        started = time.perf_counter()
        model = Deduplicator(DedupConfig(threads=threads)).fit(articles, cleaned)
        result["seconds"] = time.perf_counter() - started
        result["cpu_s"] = time.process_time() - cpu
        result["peak_mb"] = _status("VmHWM") - before
        result["steps"] = {k: round(v, 3) for k, v in model.timings_.items()}
        result["index_bytes_per_article"] = model.index_bytes_ / n
        result["groups"] = len(model.groups_)
        result["candidates"] = model.n_candidates_
    else:
        _reset_peak()
        before = _status("VmRSS")
        started = time.perf_counter()
        table, _ = datasketch_recipe(articles, bulk=method == "datasketch bulk + LSH")
        result["seconds"] = time.perf_counter() - started
        result["peak_mb"] = _status("VmHWM") - before
        result["groups"] = int((table.group_by("group").len()["len"] > 1).sum())
    queue.put(result)


def measure(method: str, path: str, n: int, threads: int = 0) -> dict:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_measure, args=(method, path, n, threads, queue))
    process.start()
    result = queue.get()
    process.join()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("base", help="base corpus (JSONL, JSONL.gz or Parquet)")
    parser.add_argument("--sizes", default="10000,100000", help="corpus sizes for our stage (comma-separated)")
    parser.add_argument("--baseline-size", type=int, default=10000, help="articles the datasketch baselines run on")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args(argv)
    sizes = sorted({int(s) for s in args.sizes.split(",")} | {args.baseline_size})

    import polars as pl
    from common import load_base, speed_corpus

    from cluster.minhash import default_threads

    threads = default_threads()
    started = time.perf_counter()
    base = load_base(args.base)
    print(f"# dedup speed: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {platform.machine()}, "
          f"{os.cpu_count()} cores ({threads} used), python {platform.python_version()}, polars {pl.__version__}")
    rows, baselines = [], []
    with tempfile.TemporaryDirectory() as folder:
        for n in sizes:  # one corpus per size, so that every size has the same share of copies with their originals
            made = time.perf_counter()
            corpus = speed_corpus(base, n, seed=args.seed)
            words = corpus["text"].str.split(" ").list.len().mean()
            path = str(Path(folder) / f"corpus_{n}.parquet")
            corpus.write_parquet(path)
            del corpus
            print(f"corpus: {n} articles, {words:.0f} words on average, built from {args.base} in "
                  f"{time.perf_counter() - made:.0f}s")
            rows.append(measure(f"ours, {threads} threads", path, n, threads))
            rows.append(measure("ours, 1 thread", path, n, 1))
            if n == args.baseline_size:
                baselines = [measure(m, path, n) for m in ("datasketch recipe", "datasketch bulk + LSH")]
    rows += baselines
    print()
    print(f"{'method':<24}{'articles':>10}{'seconds':>10}{'articles/s':>12}{'peak MB':>10}{'KB/article':>12}"
          "   dedup steps (s)")
    for r in rows:
        rate = r["n"] / r["seconds"]
        r["rate"] = rate
        steps = " ".join(f"{k}={v}" for k, v in r.get("steps", {}).items())
        print(f"{r['method']:<24}{r['n']:>10}{r['seconds']:>10.2f}{rate:>12,.0f}{r['peak_mb']:>10.0f}"
              f"{r['peak_mb'] * 1024 / r['n']:>12.2f}   {steps}")
    print()
    for r in rows:
        if r["method"].startswith("ours"):
            print(f"{r['method']}, {r['n']} articles: clean stage {r['clean_s']:.2f}s "
                  f"({r['n'] / r['clean_s']:,.0f}/s); clean + dedup {r['n'] / (r['clean_s'] + r['seconds']):,.0f}/s; "
                  f"index {r['index_bytes_per_article']:.0f} bytes/article; cpu {r['cpu_s']:.2f}s; "
                  f"{r['candidates']} candidate pairs, {r['groups']} groups")
    same = [r for r in rows if r["n"] == args.baseline_size]
    ours_all = next(r for r in same if r["method"].startswith("ours") and "1 thread" not in r["method"])
    ours_one = next(r for r in same if r["method"] == "ours, 1 thread")
    print(f"\nratios on the same {args.baseline_size} articles (articles/s):")
    for base in baselines:
        print(f"  ours ({threads} threads) / {base['method']}: {ours_all['rate'] / base['rate']:.1f}x"
              f"   (one thread: {ours_one['rate'] / base['rate']:.1f}x)")
    print(f"  targets: >= 20x the recipe, >= 4x bulk + LSH; >= 10,000 articles/s per core: "
          f"{ours_one['rate']:,.0f}/s on one thread; <= 1 KB index per article: "
          f"{ours_all['index_bytes_per_article']:.0f} B")
    print(f"total {time.perf_counter() - started:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""``newsclust dedup`` end to end against the datasketch script a user would write, whole process against whole
process, on nights built from real articles.

    python bench/dedup_e2e.py ../shared/data/newsarticles.jsonl.gz [--articles 22000,100000] [--repeats 3]

For each size, a night is built once (``night_corpus.py``: retellings of real articles with 10% aggregator
copies, as JSON lines), then ``newsclust dedup --input NIGHT --out DIR`` (process start, ingest, clean, dedup,
outputs and report) and ``python bench/datasketch_dedup.py NIGHT OUT`` (read, ``MinHash.bulk``, ``MinHashLSH``,
union-find, write) run in turn, ``--repeats`` times each, interleaved so that a busy moment of the machine hits both.
Printed: median wall seconds, articles/s, the ratio (datasketch seconds / ours), each one's peak memory, and the
stage seconds of our last run (from its ``run.json``). The datasketch script runs at sizes up to
``--baseline-max`` (it takes about a millisecond an article).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from night_corpus import write_night_apart
from whole import NEWSCLUST, ROOT, Timed, machine, median, timed


def _stages(run_folder: Path) -> str:
    stages = json.loads((run_folder / "run.json").read_text())["stages"]
    return " · ".join(f"{s['name']} {s['seconds']:.2f}" for s in stages)


def measure(night: Path, n: int, repeats: int, with_baseline: bool, work: Path) -> dict:
    ours: list[Timed] = []
    theirs: list[Timed] = []
    out = work / f"out{n}"
    for _ in range(repeats):
        ours.append(timed([*NEWSCLUST, "dedup", "--input", str(night), "--out", str(out), "-q"]))
        if with_baseline:
            theirs.append(timed([sys.executable, str(ROOT / "bench" / "datasketch_dedup.py"), str(night),
                                 str(work / f"datasketch{n}.csv")]))
    result = {"articles": n, "ours_s": median([t.seconds for t in ours]), "ours_peak_mb": max(t.peak_mb for t in ours),
              "stages": _stages(out)}
    result["ours_articles_per_s"] = n / result["ours_s"]
    if theirs:
        result["datasketch_s"] = median([t.seconds for t in theirs])
        result["datasketch_peak_mb"] = max(t.peak_mb for t in theirs)
        result["ratio"] = result["datasketch_s"] / result["ours_s"]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base", help="real articles: ../shared/data/newsarticles.jsonl.gz")
    parser.add_argument("--articles", default="22000,100000", help="night sizes, comma-separated")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--baseline-max", type=int, default=100_000)
    parser.add_argument("--work", type=Path, default=None, help="folder for the nights and outputs (default: temp)")
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args()
    sizes = [int(s) for s in args.articles.split(",")]
    with tempfile.TemporaryDirectory() as temp:
        work = args.work or Path(temp)
        print(f"# newsclust dedup vs the datasketch script, {datetime.now(timezone.utc):%Y-%m-%d}, {machine()}")
        print("| articles | newsclust dedup s | articles/s | peak MB | datasketch script s | peak MB | ratio |")
        print("|---|---|---|---|---|---|---|")
        results = []
        for n in sizes:
            night = work / f"night{n}.jsonl"
            if not night.exists():
                write_night_apart(args.base, n, night)
            r = measure(night, n, args.repeats, n <= args.baseline_max, work)
            results.append(r)
            baseline = (f"{r['datasketch_s']:.2f} | {r['datasketch_peak_mb']:.0f} | {r['ratio']:.2f}×"
                        if "ratio" in r else "not run | | ")
            print(f"| {n:,} | {r['ours_s']:.2f} | {r['ours_articles_per_s']:,.0f} | {r['ours_peak_mb']:.0f} | "
                  f"{baseline} |", flush=True)
        for r in results:
            print(f"stages at {r['articles']:,} (s): {r['stages']}")
        if args.json:
            args.json.write_text(json.dumps({"machine": machine(), "results": results}, indent=1))


if __name__ == "__main__":
    main()

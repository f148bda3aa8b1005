"""A whole night as a user runs it: ``newsclust run`` on a night of ``--articles`` articles built from real ones,
with the default and the fast config, printing seconds and peak memory per stage.

    python bench/night.py ../shared/data/newsarticles.jsonl.gz --articles 100000 [--configs default,fast]

The night comes from ``night_corpus.py`` (retellings of real articles, re-dated into one day, and 10% aggregator
copies). Each config runs once, in a fresh process (``newsclust run --config C --input NIGHT --out DIR``). Printed
per config: every stage's seconds and peak resident memory (from the run's ``run.json``), the embed stage's texts/s,
the whole command's wall time and peak memory, and the share of the wall time spent outside the embed stage.
``embed.device: auto`` (both configs) uses a GPU when one is present; the header names the machine, so GPU figures
are labelled as such.
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
from whole import NEWSCLUST, ROOT, machine, timed


def run_night(night: Path, config: Path, out: Path) -> dict:
    whole = timed([*NEWSCLUST, "run", "--config", str(config), "--input", str(night), "--out", str(out), "-q"])
    manifest = json.loads((out / "run.json").read_text())
    stages = manifest["stages"]
    embed = next((s for s in stages if s["name"] == "embed"), {"seconds": 0.0, "texts": 0})
    return {
        "config": str(config), "model": manifest.get("model"), "wall_s": whole.seconds, "peak_mb": whole.peak_mb,
        "stages": [{"name": s["name"], "seconds": s["seconds"], "peak_rss_mb": s.get("peak_rss_mb")} for s in stages],
        "embed_s": embed["seconds"], "embed_texts": embed.get("texts", 0),
        "embed_texts_per_s": embed.get("texts", 0) / embed["seconds"] if embed["seconds"] else float("nan"),
        "outside_embed_share": (whole.seconds - embed["seconds"]) / whole.seconds,
        "counts": {k: manifest["counts"].get(k) for k in ("accepted", "duplicate_groups", "copies", "stories")},
    }


def _print(result: dict) -> None:
    print(f"\n## {result['config']} ({result['model']})")
    print("| stage | seconds | peak RSS MB |")
    print("|---|---|---|")
    for stage in result["stages"]:
        print(f"| {stage['name']} | {stage['seconds']:.1f} | {stage['peak_rss_mb'] or 0:.0f} |")
    print(f"| **whole command** | **{result['wall_s']:.1f}** ({result['wall_s'] / 60:.1f} min) | "
          f"**{result['peak_mb']:.0f}** |")
    print(f"embed: {result['embed_texts']:,} texts at {result['embed_texts_per_s']:.1f} texts/s; outside the embed "
          f"stage: {result['outside_embed_share']:.1%} of the wall time; {result['counts']}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base", help="real articles: ../shared/data/newsarticles.jsonl.gz")
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--configs", default="default,fast", help="names in configs/ or paths, comma-separated")
    parser.add_argument("--work", type=Path, default=None, help="folder for the night and outputs (default: temp)")
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args()
    configs = [Path(c) if c.endswith((".yaml", ".yml")) else ROOT / "configs" / f"{c}.yaml"
               for c in args.configs.split(",")]
    with tempfile.TemporaryDirectory() as temp:
        work = args.work or Path(temp)
        night = work / f"night{args.articles}.jsonl"
        if not night.exists():
            write_night_apart(args.base, args.articles, night)
        print(f"# A night of {args.articles:,} articles, {datetime.now(timezone.utc):%Y-%m-%d}, {machine()}")
        results = []
        for config in configs:
            results.append(run_night(night, config, work / f"out-{config.stem}"))
            _print(results[-1])
        if args.json:
            args.json.write_text(json.dumps({"machine": machine(), "articles": args.articles, "results": results},
                                            indent=1))


if __name__ == "__main__":
    main()

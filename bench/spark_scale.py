"""The local and the Spark engine on nights of growing size: time and peak memory per stage, and equal answers.

    python bench/spark_scale.py ../shared/data/newsarticles.jsonl.gz --sizes 10000,50000,200000 \\
        [--command dedup] [--config configs/fast.yaml] [--master 'local[*]'] [--driver-memory 8g] [--work DIR]

Each night comes from ``night_corpus.py`` (retellings of real articles re-dated into one day, plus 10% aggregator
copies). For every size, ``newsclust COMMAND --engine local`` and ``--engine spark`` run in fresh processes, one
after the other, on the same file and config. Printed per engine: every stage's seconds and the driver's peak
memory at its end (from ``run.json``), the
whole command's wall time, the driver's peak memory and the peak of the whole process tree (driver, JVM and Python
workers summed), and whether the two engines' ``duplicates`` (and, for ``run``, ``stories`` and the articles'
``story_id``) are identical. The machine line says what it ran on; on one machine ``local[*]`` shares its cores
between the driver, the JVM and the workers, so these are figures of overhead, not of a cluster's speed-up.
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

from cluster.runs import read_table

COMPARED = {"dedup": {"duplicates": None}, "run": {"duplicates": None, "stories": None,
                                                     "articles": ["article_id", "story_id", "topic_id"]}}


def run_engine(command: str, engine: str, night: Path, config: Path, out: Path, master: str,
               driver_memory: str) -> dict:
    argv = [*NEWSCLUST, command, "--engine", engine, "--config", str(config), "--input", str(night), "--out", str(out),
            "-q"]
    if engine == "spark":
        override = out.parent / f"spark-{out.name}.yaml"
        override.write_text(config.read_text() + f"\nengine: spark\nspark:\n  master: '{master}'\n"
                            f"  driver_memory: {driver_memory}\n")
        argv[argv.index(str(config))] = str(override)
    whole = timed(argv, tree=True)
    manifest = json.loads((out / "run.json").read_text())
    return {"engine": engine, "wall_s": whole.seconds, "driver_peak_mb": whole.peak_mb,
            "tree_peak_mb": whole.tree_peak_mb,
            "stages": {s["name"]: s["seconds"] for s in manifest["stages"]},
            "stage_peaks_mb": {s["name"]: s.get("peak_rss_mb", 0.0) for s in manifest["stages"]},
            "counts": {k: manifest["counts"].get(k) for k in ("accepted", "duplicate_groups", "copies", "stories")}}


def same_answers(command: str, local: Path, spark: Path) -> dict[str, bool]:
    found = {}
    for table, columns in COMPARED[command].items():
        a, b = read_table(local, table), read_table(spark, table)  # Spark writes dataset folders
        if columns:
            a, b = a.select(columns), b.select(columns)
        elif "centrality" in a.columns:
            a, b = a.drop("centrality"), b.drop("centrality")
        found[table] = a.equals(b)
    return found


def _print(size: int, results: list[dict], equal: dict[str, bool]) -> None:
    stages = list(dict.fromkeys(name for result in results for name in result["stages"]))
    print(f"\n## {size:,} articles: {results[0]['counts']}")
    print("| stage (seconds, driver peak so far) | " + " | ".join(r["engine"] for r in results) + " |")
    print("|---|" + "---|" * len(results))
    for stage in stages:
        print(f"| {stage} | " + " | ".join(f"{r['stages'].get(stage, 0):.1f} s, "
                                         f"{r['stage_peaks_mb'].get(stage, 0) / 1024:.1f} GB" for r in results) + " |")
    print("| **whole command** | " + " | ".join(f"**{r['wall_s']:.1f} s**" for r in results) + " |")
    print("| driver peak | " + " | ".join(f"{r['driver_peak_mb']:.0f} MB" for r in results) + " |")
    print("| process tree peak | " + " | ".join(f"{r['tree_peak_mb']:.0f} MB" for r in results) + " |")
    print("identical answers: " + ", ".join(f"{t} {'yes' if ok else 'NO'}" for t, ok in equal.items()), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base", help="real articles: ../shared/data/newsarticles.jsonl.gz")
    parser.add_argument("--sizes", default="10000,50000,200000")
    parser.add_argument("--command", choices=("dedup", "run"), default="dedup")
    parser.add_argument("--config", type=Path, default=ROOT / "configs" / "default.yaml")
    parser.add_argument("--master", default="local[*]")
    parser.add_argument("--driver-memory", default="8g", help="spark.driver_memory of the Spark runs")
    parser.add_argument("--work", type=Path, default=None, help="folder for the nights and outputs (default: temp)")
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args()
    print(f"# newsclust {args.command}, local vs spark ({args.master}), {args.config.name}, "
          f"{datetime.now(timezone.utc):%Y-%m-%d}, {machine()}")
    report = []
    with tempfile.TemporaryDirectory() as temp:
        work = args.work or Path(temp)
        for size in (int(s) for s in args.sizes.split(",")):
            night = work / f"night{size}.jsonl"
            if not night.exists():
                write_night_apart(args.base, size, night)
            outs = {engine: work / f"{args.command}-{size}-{engine}" for engine in ("local", "spark")}
            results = [run_engine(args.command, engine, night, args.config, out, args.master, args.driver_memory)
                       for engine, out in outs.items()]
            equal = same_answers(args.command, outs["local"], outs["spark"])
            _print(size, results, equal)
            report.append({"articles": size, "results": results, "identical": equal})
    if args.json:
        args.json.write_text(json.dumps({"machine": machine(), "command": args.command, "config": str(args.config),
                                         "master": args.master, "sizes": report}, indent=1))


if __name__ == "__main__":
    main()

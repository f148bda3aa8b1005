"""Leave one set out: the story settings chosen on some labelled sets, read on the one left out.

    python bench/stories_tune.py ../shared/eval/ecbplus_dev.jsonl ../shared/eval/uci_dev.jsonl \
        ../shared/eval/basil_dev.jsonl [--grid article_threshold=0.25,0.3,0.35 ...] [--jobs 2] [--json out.json]

Every point of the grid (the product of the ``--grid`` values; the defaults below cover the five settings that
decide the stories) is scored on every file with the story stage alone (pairwise F1, the real model's vectors from
the cache of ``bench/stories_eval.py``). Then, for each file in turn, the point with the best mean F1 on the *other*
files is chosen (ties: the higher worst F1 there, then the point nearest the shipped default) and its F1 on the left-out
file is reported beside the shipped default's and the best any point of the grid reaches there (an oracle, for
scale). A setting the other sets choose and that holds on the left-out one is a setting that generalises; one that
needs the left-out set to look good is not. The last table is the shipped default's F1 on every file.
"""

from __future__ import annotations

import argparse
import itertools
import json
import multiprocessing
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from stories_eval import embedded, load, ours  # noqa: E402

from cluster.config import EmbedConfig, StoriesConfig  # noqa: E402
from cluster.embed import VectorCache, embedder_from_config  # noqa: E402
from cluster.evaluate import score  # noqa: E402

DEFAULT_GRID: dict[str, list[float]] = {
    "article_threshold": [0.25, 0.3, 0.35, 0.4, 0.45],
    "headline_threshold": [0.12, 0.16, 0.2],
    "lexical_weight": [0.7, 0.85, 1.0],
    "shared_neighbour_weight": [0.2, 0.3, 0.4, 0.5, 0.6],
    "shared_neighbours": [5, 8, 12],
}


def parse_grid(items: list[str]) -> dict[str, list[float]]:
    grid = dict(DEFAULT_GRID)
    for item in items:
        key, _, values = item.partition("=")
        if key not in StoriesConfig.model_fields or not values:
            raise SystemExit(f"--grid {item!r}: expected KEY=V1,V2,... with KEY a stories setting")
        grid[key] = [int(v) if key == "shared_neighbours" else float(v) for v in values.split(",")]
    return grid


def _score_file(labelled: tuple, points: list[dict]) -> list[float]:
    frame, vectors = labelled
    gold = frame["gold"].to_list()
    return [score(gold, ours(frame, vectors, StoriesConfig(**point))[0]).pairwise_f1 for point in points]


def _distance_to_default(point: dict, grid: dict[str, list[float]]) -> float:
    default = StoriesConfig().model_dump()
    return sum(abs(grid[k].index(v) - _nearest(grid[k], default[k])) for k, v in point.items())


def _nearest(values: list[float], target: float) -> int:
    return int(np.argmin([abs(v - target) for v in values]))


def choose(f1: dict[str, list[float]], files: list[str], points: list[dict], grid: dict[str, list[float]]) -> int:
    """The grid point with the best mean F1 over ``files``; ties to the better worst file, then nearest the default."""
    table = np.array([f1[f] for f in files])
    keys = [(-round(float(table[:, i].mean()), 4), -round(float(table[:, i].min()), 4),
             _distance_to_default(p, grid), i) for i, p in enumerate(points)]
    return min(keys)[3]


def leave_one_out(f1: dict[str, list[float]], points: list[dict], grid: dict[str, list[float]],
                  default_f1: dict[str, float]) -> list[dict]:
    rows = []
    for left_out in f1:
        others = [f for f in f1 if f != left_out]
        chosen = choose(f1, others, points, grid)
        rows.append({"left_out": left_out, "chosen_on": others, "chosen": points[chosen],
                     "f1_chosen_on_others": {f: f1[f][chosen] for f in others},
                     "f1_left_out": f1[left_out][chosen], "f1_default": default_f1[left_out],
                     "f1_best_in_grid": max(f1[left_out])})
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path, help="labelled JSONL files (at least two)")
    parser.add_argument("--grid", nargs="*", default=[], help="KEY=V1,V2,... replacing a default axis")
    parser.add_argument("--jobs", type=int, default=2, help="processes (one file each at a time)")
    parser.add_argument("--cache-dir", type=Path, default=Path(tempfile.gettempdir()) / "newsclust-vectors")
    parser.add_argument("--json", type=Path, help="also write every figure here")
    args = parser.parse_args(argv)
    if len(args.files) < 2:
        parser.error("leave one out needs at least two files")
    grid = parse_grid(args.grid)
    points = [dict(zip(grid, values, strict=True)) for values in itertools.product(*grid.values())]
    names = [p.name for p in args.files]
    embedder, cache = embedder_from_config(EmbedConfig()), VectorCache(args.cache_dir, keep_days=None)
    frames = [load(path) for path in args.files]
    labelled = [(frame, embedded(frame, embedder, cache)[0]) for frame in frames]  # the model stays in this process
    default = StoriesConfig().model_dump(include=set(grid))
    # spawned workers: a forked child of a process holding torch's thread pools can hang
    with ProcessPoolExecutor(max_workers=args.jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
        scored = list(pool.map(_score_file, labelled, [[*points, default]] * len(names)))
    f1 = {name: s[:-1] for name, s in zip(names, scored, strict=True)}
    default_f1 = {name: s[-1] for name, s in zip(names, scored, strict=True)}
    rows = leave_one_out(f1, points, grid, default_f1)
    print(f"{len(points)} grid points: " + "; ".join(f"{k} {', '.join(map(str, v))}" for k, v in grid.items()), "\n")
    print("| left out | chosen on the others (their F1) | chosen point | F1 left out | shipped default there "
          "| best in grid there |\n|---|---|---|---|---|---|")
    for r in rows:
        chosen_on = ", ".join(f"{f} {v:.3f}" for f, v in r["f1_chosen_on_others"].items())
        point = ", ".join(f"{k} {v}" for k, v in r["chosen"].items())
        print(f"| {r['left_out']} | {chosen_on} | {point} | **{r['f1_left_out']:.3f}** | {r['f1_default']:.3f} "
              f"| {r['f1_best_in_grid']:.3f} |")
    print("\nshipped default (" + ", ".join(f"{k} {v}" for k, v in default.items()) + "): "
          + ", ".join(f"{f} {v:.3f}" for f, v in default_f1.items()))
    if args.json:
        args.json.write_text(json.dumps({"grid": grid, "points": points, "f1": f1, "default": default,
                                         "default_f1": default_f1, "leave_one_out": rows}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

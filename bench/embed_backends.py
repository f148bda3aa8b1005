"""Embedding backends side by side: throughput on real full articles and story-stage accuracy on the dev sets.

    python bench/embed_backends.py [--articles /work/shared/data/newsarticles.jsonl.gz] [--limit 2500] \
        [--dev ../shared/eval/ecbplus_dev.jsonl ...] [--model2vec DIR] [--only NAME ...] [--json results.json]

Texts are what the embed stage embeds: title plus ``lead_words`` words of the body (``embedding_text``; lead_words
and batch_size from configs/default.yaml), the first ``--limit`` unique ones of the articles file. Candidates:

- ``torch`` (the default backend) and ``torch-int8`` (its Linear layers quantised by torch);
- ``onnx-fp32`` and ``onnx-int8`` (``cluster.onnx_embedder``: one text per run, a worker thread per core), the
  same int8 graph fed padded batches of ``batch_size`` texts sorted by token count or in input order (what batching
  by length would buy), and ``onnx-int8 @N`` (``max_seq_length`` N instead of 128);
- ``model2vec``: a static model distilled from the packaged MiniLM with model2vec (``--model2vec DIR`` loads a
  saved one; without it the bench distils one where ``model2vec`` and its distiller's ``skeletoken`` are installed,
  else skips it: ``model2vec[distill]`` pins transformers below 5.4, so neither is a project dependency).

Speed is measured interleaved, because the machine is shared: the texts are cut into chunks and every chunk is
embedded by every candidate in a rotating order, so load from other work falls on all of them alike. Per candidate:
wall-clock texts/s, its ratio to ``torch`` in the same run, and the ratio of process CPU seconds (less sensitive to
other processes than wall time). Accuracy: each dev set embedded by each candidate and clustered by
``cluster_stories`` with the default stories config; pairwise F1 (``cluster.evaluate.score``, gold column ``gold``)
and its loss against ``torch``. Also the cosine of each candidate's vectors to torch's on the articles.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from stories_eval import canonicals, load  # noqa: E402

from cluster.config import EmbedConfig, StoriesConfig, load_config  # noqa: E402
from cluster.embed import Embedder, SentenceTransformerEmbedder, embedding_text, resolve_model_path  # noqa: E402
from cluster.evaluate import score  # noqa: E402
from cluster.onnx_embedder import OnnxEmbedder, usable_cores  # noqa: E402
from cluster.stories import cluster_stories  # noqa: E402

SHARED = REPO.parent / "shared"
DEV_SETS = [SHARED / "eval" / f"{name}_dev.jsonl" for name in ("ecbplus", "uci", "basil")]


class Batched:
    """The ONNX graph fed padded batches of ``size`` texts (sorted by token count, or in input order), one worker
    thread per core as ``OnnxEmbedder`` does, against which its one text per run is measured."""

    def __init__(self, embedder: OnnxEmbedder, size: int, by_length: bool) -> None:
        self.embedder = embedder
        self.size = size
        self.by_length = by_length
        self.model_id = f"{embedder.model_id} batches of {size}"

    def encode(self, texts: list[str]) -> np.ndarray:
        ids = self.embedder.token_ids(texts)
        order = sorted(range(len(ids)), key=lambda i: -len(ids[i])) if self.by_length else list(range(len(ids)))
        batches = [order[start:start + self.size] for start in range(0, len(order), self.size)]
        rows = np.zeros((len(ids), 384), dtype=np.float32)
        with ThreadPoolExecutor(usable_cores()) as pool:
            for batch, vectors in zip(batches, pool.map(lambda b: self.embedder.run([ids[i] for i in b]), batches),
                                      strict=True):
                rows[batch] = vectors
        return rows


class StaticModel:
    """A model2vec static model as an embedder (unit rows, float32)."""

    def __init__(self, folder: Path) -> None:
        from model2vec import StaticModel as Model2Vec

        self.model = Model2Vec.from_pretrained(str(folder))
        self.model_id = f"model2vec:{folder.name}"

    def encode(self, texts: list[str]) -> np.ndarray:
        vectors = np.asarray(self.model.encode(texts), dtype=np.float32)
        return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


def model2vec_folder(given: Path | None, scratch: Path) -> Path | None:
    """``given``, else a static model distilled into ``scratch`` (None where model2vec's distiller is missing:
    ``model2vec[distill]`` pins an older transformers, so it is not part of the project's environment)."""
    if given:
        return given
    folder = scratch / "model2vec-minilm-256"
    if folder.exists():
        return folder
    try:
        from model2vec.distill import distill

        model = distill(model_name=resolve_model_path("all-MiniLM-L6-v2"), pca_dims=256)
    except ImportError as exc:
        print(f"model2vec: skipped ({exc})", file=sys.stderr)
        return None
    model.save_pretrained(str(folder))
    return folder


def candidates(batch_size: int, model2vec: Callable[[], Path | None]) -> dict[str, Callable[[], Embedder]]:
    def onnx(precision: str, length: int = 128) -> OnnxEmbedder:
        return OnnxEmbedder("all-MiniLM-L6-v2", "cpu", length, precision)

    found: dict[str, Callable[[], Embedder]] = {
        "torch": lambda: SentenceTransformerEmbedder(EmbedConfig(device="cpu", batch_size=batch_size)),
        "torch-int8": lambda: SentenceTransformerEmbedder(
            EmbedConfig(device="cpu", batch_size=batch_size, backend="torch-int8")
        ),
        "onnx-fp32": lambda: onnx("fp32"),
        "onnx-int8": lambda: onnx("int8"),
        "onnx-int8, batches of 64 by length": lambda: Batched(onnx("int8"), batch_size, by_length=True),
        "onnx-int8, batches of 64 in input order": lambda: Batched(onnx("int8"), batch_size, by_length=False),
        "onnx-int8 @96": lambda: onnx("int8", 96),
        "onnx-int8 @64 (configs/fast.yaml)": lambda: onnx("int8", 64),
        "onnx-int8 @48": lambda: onnx("int8", 48),
        "onnx-int8 @32": lambda: onnx("int8", 32),
    }
    found["model2vec"] = lambda: StaticModel(model2vec())
    return found


def article_texts(path: Path, lead_words: int, limit: int) -> list[str]:
    frame = pl.read_ndjson(path, infer_schema_length=None).with_columns(pl.col("title", "text").fill_null(""))
    texts = [embedding_text(t, b, lead_words) for t, b in zip(frame["title"], frame["text"], strict=True)]
    return list(dict.fromkeys(texts))[:limit]  # unique, so no candidate gains from repeats


def interleaved_speed(embedders: dict[str, Embedder], texts: list[str], chunk: int) -> tuple[dict, dict]:
    """Wall and CPU seconds per embedder over ``texts``, every chunk by every embedder in a rotating order; and the
    vectors each made."""
    for embedder in embedders.values():
        embedder.encode(texts[:64])  # load, export on first use, warm up
    wall = dict.fromkeys(embedders, 0.0)
    cpu = dict.fromkeys(embedders, 0.0)
    vectors: dict[str, list[np.ndarray]] = {name: [] for name in embedders}
    names = list(embedders)
    for number, start in enumerate(range(0, len(texts), chunk)):
        part = texts[start:start + chunk]
        for name in names[number % len(names):] + names[:number % len(names)]:
            wall_start, cpu_start = time.perf_counter(), time.process_time()
            vectors[name].append(embedders[name].encode(part))
            wall[name] += time.perf_counter() - wall_start
            cpu[name] += time.process_time() - cpu_start
    rows = {name: {"wall_s": wall[name], "cpu_s": cpu[name], "texts_per_s": len(texts) / wall[name],
                   "speedup": wall["torch"] / wall[name], "cpu_speedup": cpu["torch"] / cpu[name]} for name in names}
    return rows, {name: np.concatenate(parts) for name, parts in vectors.items()}


def story_f1(path: Path, embedder: Embedder, lead_words: int) -> float:
    frame = load(path)
    texts = [embedding_text(t, b, lead_words) for t, b in zip(frame["title"], frame["text"], strict=True)]
    members = cluster_stories(canonicals(frame), embedder.encode(texts), StoriesConfig())
    story = dict(zip(members["article_id"], members["story_id"], strict=True))
    return score(frame["gold"].to_list(), [story[i] for i in frame["id"]]).pairwise_f1


def report(rows: dict[str, dict], dev_names: list[str], texts: int) -> str:
    head = ["backend", "texts/s", "× torch (wall)", "× torch (CPU s)", "cos to torch mean / min"]
    head += [f"F1 {n} (loss)" for n in dev_names]
    lines = [f"{date.today()}, {texts} article texts, 2 shared cores", "", "| " + " | ".join(head) + " |",
             "|" + "---|" * len(head)]
    for name, r in rows.items():
        cells = [name, f"{r['texts_per_s']:.1f}", f"{r['speedup']:.2f}×", f"{r['cpu_speedup']:.2f}×",
                 f"{r['cos_mean']:.4f} / {r['cos_min']:.4f}"]
        cells += [f"{r['f1'][n]:.3f} ({rows['torch']['f1'][n] - r['f1'][n]:+.3f})" for n in dev_names]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=Path, default=SHARED / "data" / "newsarticles.jsonl.gz")
    parser.add_argument("--limit", type=int, default=2500)
    parser.add_argument("--chunk", type=int, default=250, help="texts per interleaved timing step")
    parser.add_argument("--dev", type=Path, nargs="*", default=[p for p in DEV_SETS if p.exists()])
    parser.add_argument("--model2vec", type=Path, help="folder of a saved model2vec static model")
    parser.add_argument("--scratch", type=Path, default=Path("/tmp/newsclust-embed-bench"))
    parser.add_argument("--only", nargs="*", help="candidate names to run (torch always runs)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    embed = load_config(REPO / "configs" / "default.yaml").embed
    makers = candidates(embed.batch_size, lambda: model2vec_folder(args.model2vec, args.scratch))
    chosen = ["torch", *[n for n in makers if n != "torch" and (not args.only or n in args.only)]]
    if "model2vec" in chosen and model2vec_folder(args.model2vec, args.scratch) is None:
        chosen.remove("model2vec")
    embedders = {name: makers[name]() for name in chosen}
    texts = article_texts(args.articles, embed.lead_words, args.limit)
    rows, vectors = interleaved_speed(embedders, texts, args.chunk)
    for name, embedder in embedders.items():
        same_space = vectors[name].shape == vectors["torch"].shape  # a static model has its own dimensions
        cosines = (vectors[name] * vectors["torch"]).sum(axis=1) if same_space else np.full(len(texts), np.nan)
        rows[name] |= {"cos_mean": float(cosines.mean()), "cos_min": float(cosines.min()),
                       "f1": {p.stem: story_f1(p, embedder, embed.lead_words) for p in args.dev}}
        print(f"{name}: {rows[name]['speedup']:.2f}× wall, F1 {rows[name]['f1']}", file=sys.stderr, flush=True)
    print(report(rows, [p.stem for p in args.dev], len(texts)))
    if args.json:
        args.json.write_text(json.dumps({"date": str(date.today()), "texts": len(texts), "rows": rows}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Story labels against annotators' names for the events, beside the first member's headline, in one run.

    python bench/labels_eval.py ../shared/eval/basil_dev.jsonl data/sample/articles.jsonl [--json out.json]

Each file is JSONL in the input contract with ``gold`` (the story of each row) and the gold name of each story: a
``gold_label`` column (BASIL), or a ``gold_labels.json`` beside the file mapping gold story to name (the sample).
Scores are content-word precision, recall and F1 (``cluster.evaluate.label_score``), macro-averaged over gold
stories, for:

- ``oracle stories``: ``label_stories`` on the gold stories themselves (originals only where ``gold_dup`` marks
  copies), which scores the labelling alone;
- ``pipeline``: the whole default pipeline (dedup, stories, labels; the real model, vectors cached), each gold story
  scored by the label of the story that holds most of its articles: what a user reads;
- ``headline``: the first member's headline (earliest, then lowest id), the baseline either way.

A file's gold stories are split in two halves by the order of their ids (even, odd): choose label rules on one half
and read the other; both are printed, with the whole.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import polars as pl

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from cluster.config import EmbedConfig, LabelConfig, load_config  # noqa: E402
from cluster.evaluate import mean_label_scores  # noqa: E402
from cluster.label import label_stories  # noqa: E402


def load(path: Path) -> tuple[pl.DataFrame, dict[str, str]]:
    frame = pl.read_ndjson(path, infer_schema_length=None).with_columns(
        pl.col("id").cast(pl.String), pl.col("gold").cast(pl.String), pl.col("title").fill_null(""),
        pl.col("text").fill_null(""), pl.col("published_at").cast(pl.String))
    if "gold_label" in frame.columns:
        names = dict(frame.select("gold", "gold_label").unique("gold").iter_rows())
    else:
        names = {k: v for k, v in json.loads((path.parent / "gold_labels.json").read_text()).items()
                 if not k.startswith("_")}
    return frame, names


def first_headlines(frame: pl.DataFrame, story_column: str) -> dict[str, str]:
    first = frame.sort("published_at", "id").group_by(story_column, maintain_order=True).first()
    return dict(first.select(story_column, "title").iter_rows())


def oracle_labels(frame: pl.DataFrame, max_words: int) -> dict[str, str]:
    originals = frame.filter(pl.col("gold_dup") == pl.col("id")) if "gold_dup" in frame.columns else frame
    lead_words = EmbedConfig().lead_words
    texts = originals.select(pl.col("gold").alias("story_id"), "title",
                             pl.col("text").str.split(" ").list.head(lead_words).list.join(" ").alias("lead"))
    return label_stories(texts, max_words)


def pipeline_labels(path: Path, frame: pl.DataFrame, cache_dir: Path) -> dict[str, str]:
    from cluster.pipeline import run

    config = load_config(REPO / "configs" / "default.yaml",
                         {"input.paths": [str(path)], "embed.cache_dir": str(cache_dir), "output.html": False})
    tables = run(config).tables
    articles = tables["articles"].select(pl.col("article_id").alias("id"), "story_id")
    main = (frame.select("id", "gold").join(articles, on="id").group_by("gold", "story_id").len()
            .sort("len", "story_id", descending=[True, False]).group_by("gold", maintain_order=True).first())
    label_of = dict(tables["stories"].select("story_id", "label").iter_rows())
    return {gold: label_of[story] for gold, story in main.select("gold", "story_id").iter_rows()}


def scores(names: dict[str, str], labels: dict[str, str], stories: list[str]) -> dict[str, float]:
    return mean_label_scores([(names[s], labels.get(s, "")) for s in stories])


def evaluate(path: Path, cache_dir: Path, with_pipeline: bool, max_words: int) -> dict:
    frame, names = load(path)
    stories = sorted(names)  # the halves are cut from every gold id, named or not, so they never change
    halves = {half: [s for s in members if names[s].strip()]  # a story the annotators left unnamed has no reference
              for half, members in {"all": stories, "half A (even)": stories[0::2],
                                    "half B (odd)": stories[1::2]}.items()}
    methods = {"labels, oracle stories": oracle_labels(frame, max_words),
               "first headline": first_headlines(frame, "gold")}
    if with_pipeline:
        methods["labels, whole pipeline"] = pipeline_labels(path, frame, cache_dir)
    result = {"file": str(path), "stories": len(stories), "named": len(halves["all"]), "rows": []}
    for method, labels in methods.items():
        for half, members in halves.items():
            result["rows"].append({"method": method, "part": half, **scores(names, labels, members)})
    result["examples"] = [{"gold": names[s], **{m: labels.get(s, "") for m, labels in methods.items()}}
                          for s in halves["all"][:12]]
    return result


def table(result: dict) -> str:
    lines = [f"### {Path(result['file']).name}: {result['stories']} gold stories, {result['named']} named", "",
             "| labels | part | precision | recall | F1 | content words |", "|---|---|---|---|---|---|"]
    for r in result["rows"]:
        lines.append(f"| {r['method']} | {r['part']} | {r['precision']:.3f} | {r['recall']:.3f} | **{r['f1']:.3f}** "
                     f"| {r['words']:.1f} |")
    lines += ["", "| gold | " + " | ".join(k for k in result["examples"][0] if k != "gold") + " |",
              "|---" * len(result["examples"][0]) + "|"]
    for example in result["examples"]:
        lines.append("| " + " | ".join(str(v) for v in example.values()) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--cache-dir", type=Path, default=Path(tempfile.gettempdir()) / "newsclust-vectors")
    parser.add_argument("--no-pipeline", action="store_true", help="score the labelling on gold stories only")
    parser.add_argument("--max-words", type=int, default=LabelConfig().max_words,
                        help="label.max_words for the oracle labels (the pipeline reads configs/default.yaml)")
    args = parser.parse_args(argv)
    results = [evaluate(path, args.cache_dir, not args.no_pipeline, args.max_words) for path in args.files]
    for result in results:
        print(table(result), "\n", flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

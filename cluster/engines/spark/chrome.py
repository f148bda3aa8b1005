"""Chrome learned over Spark: the line statistics per source and across the corpus as distributed group-bys, with
``chrome.learn_chrome``'s answer.

The driver's line table (one row per non-empty line: its article, source, word hash, lead-word hash and word count,
and the rule already found by patterns or remembered chrome) goes to Spark once. Then, as in the local rounds:

1. a line is *eligible* when its word hash recurs in at least the smaller rule's minimum of articles (a group-by
   of distinct (article, hash) pairs) and it has at most the larger rule's maximum of words;
2. each round, the lines not yet chrome are the *visible* ones, and each visible line's neighbours are the visible
   lines before and after it in its article (a window by article in line order; the edge of a text has none);
3. per (source, hash) and per hash over the eligible visible lines: articles, sources, words (of the first line,
   as polars' ``first``) and the distinct neighbours on each side; a key is chrome when the rule's thresholds hold
   and its neighbours vary (``chrome._varied``'s test); the source rule wins over the corpus rule for a line;
4. the new chrome lines join the rules, and the next round peels the next layer, until a round finds nothing or
   ``chrome.CONTEXT_ROUNDS`` have run.

Each round's rules are checkpointed, so the plan does not grow with the rounds. The hashes are 64-bit unsigned;
Spark's longs hold the same bits, and only equality is asked of them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from ...chrome import CONTEXT_ROUNDS, eligibility_bounds
from ...config import CleanConfig
from .session import checkpointed, in_job_group

JOB_GROUP = "newsclust-clean"


class SparkChromeLearner:
    """A ``chrome.ChromeLearner`` whose group-bys Spark runs."""

    def __init__(self, spark: Any, partitions: int) -> None:
        self.spark = spark
        self.partitions = partitions

    @in_job_group(JOB_GROUP, "newsclust clean: chrome from line statistics")
    def learn(self, rule: np.ndarray, doc: np.ndarray, source: np.ndarray, key: np.ndarray, lead: np.ndarray,
              words: np.ndarray, config: CleanConfig) -> None:
        from pyspark.sql import Window
        from pyspark.sql import functions as F

        floor, longest = eligibility_bounds(config)
        lines = self.spark.createDataFrame(pa.table({
            "line": np.arange(len(rule), dtype=np.int64), "doc": doc.astype(np.int64),
            "source": source.astype(np.int64), "key": key.view(np.int64), "lead": lead.view(np.int64),
            "words": words.astype(np.int64), "rule": rule.astype(np.int8),
        })).repartition(self.partitions, "doc")
        repeated = lines.select("doc", "key").distinct().groupBy("key").agg(F.count("*").alias("repeated"))
        table = lines.join(repeated, "key").withColumn(
            "eligible", (F.col("repeated") >= floor) & (F.col("words") <= longest)).drop("repeated")
        table = checkpointed(table)
        if not table.filter("eligible").limit(1).count():
            return
        in_article = Window.partitionBy("doc").orderBy("line")
        found_any = False
        for _ in range(CONTEXT_ROUNDS):
            visible = table.filter(F.col("rule") == 0).select(
                "line", "doc", "source", "key", "words", "eligible",
                F.lag("lead").over(in_article).alias("prev"), F.lead("lead").over(in_article).alias("next"))
            candidates = visible.filter("eligible").drop("eligible")
            new = checkpointed(_round(candidates, config))
            if not new.limit(1).count():
                break
            found_any = True
            table = checkpointed(table.join(new.withColumnRenamed("rule", "new_rule"), "line", "left")
                                 .withColumn("rule", F.coalesce("new_rule", "rule")).drop("new_rule"))
        if found_any:
            learned = table.filter(F.col("rule").isin(2, 3)).select("line", "rule").toArrow()
            lines_found = learned.column("line").to_numpy()
            rule[lines_found] = learned.column("rule").to_numpy().astype(np.int8)


def _round(candidates: Any, config: CleanConfig) -> Any:
    """The lines that one round finds: ``(line, rule)``, rule 2 (per source) before 3 (corpus)."""
    from pyspark.sql import functions as F

    by_source = _varied(candidates, ["source", "key"], config.context_share, config.boilerplate_min_docs).filter(
        (F.col("docs") >= config.boilerplate_min_docs) & (F.col("words") <= config.boilerplate_max_words)
        & F.col("varied"))
    found = candidates.join(by_source.select("source", "key"), ["source", "key"], "left_semi").select(
        "line", F.lit(2).cast("tinyint").alias("rule"))
    if config.corpus_min_docs > 0:
        by_corpus = _varied(candidates, ["key"], config.context_share, config.corpus_min_docs).filter(
            (F.col("docs") >= config.corpus_min_docs) & (F.col("sources") >= config.corpus_min_sources)
            & (F.col("words") <= config.corpus_max_words) & F.col("varied"))
        corpus = candidates.join(by_corpus.select("key"), "key", "left_semi").select(
            "line", F.lit(3).cast("tinyint").alias("rule"))
        found = found.unionByName(corpus).groupBy("line").agg(F.min("rule").alias("rule"))
    return found


def _varied(candidates: Any, by: list[str], share: float, floor: int) -> Any:
    """``chrome._varied`` as a Spark group-by (``words`` of the key's first line, as polars' ``first``)."""
    from pyspark.sql import functions as F

    stats = candidates.groupBy(*by).agg(
        F.countDistinct("doc").alias("docs"), F.countDistinct("source").alias("sources"),
        F.min_by("words", "line").alias("words"),
        F.countDistinct("prev").alias("prev_kinds"), F.countDistinct("next").alias("next_kinds"))
    need = F.greatest(F.ceil(F.col("docs") * F.lit(share)), F.lit(max(floor, 2)))
    return stats.withColumn("varied", (F.col("prev_kinds") >= need) | (F.col("next_kinds") >= need))

"""The dedup stage's comparison on shingles over Spark partitions, with the local engine's answers.

1. **Sign** (``mapInArrow``, one pass over the texts): per partition, the same ``tokens.shingle_sets``,
   ``candidates.text_signatures`` and ``minhash.band_key`` as the local engine, and each text's consistent sample
   of shingles (``minhash.sampled``). Every result depends on its own text only, so partitions change nothing.
2. **LSH**: the band keys are exploded to ``(band, key, row)`` and grouped by band; each band's buckets of 2 to
   ``max_bucket_size`` rows give their pairs by the local engine's own ``minhash.bucket_pairs``; pairs are then
   made distinct across bands by a shuffle.
3. **Sampled view**: the samples are exploded to postings; each value's frequency is a group count; each text
   probes with its rarest ``f - ceil(t·f) + 1`` samples (a window ordered by frequency capped at 255, then value,
   exactly the local order), values held by 2 to ``max_bucket_size`` texts; probes joined to postings give pairs.
4. **Estimates and verification** (``mapInArrow`` over the distinct pairs joined to both texts' signatures, samples
   and shingles): the same estimate filter (``candidates.lsh_estimates_pass``, ``sampled_estimates_pass``) and the
   same verdict on the exact shingle sets (``verify.shingle_verdict``).

The verdicts come back to the driver, with the shingle sets of the texts that the driver's steps need (texts in a
verified link, and short texts); guard, groups and canonical then run as in the local engine. The candidate
counters are the local engine's too.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa

from ...config import DedupConfig
from ...dedup.candidates import lsh_estimates_pass, sampled_estimates_pass, signature_agreement, text_signatures
from ...dedup.deduplicator import Clock, FoundLinks, short_mask
from ...dedup.verify import Match, Pair, ShingleVerifier, containment, jaccard, shingle_verdict
from ...minhash import MAX_HASH, band_key, bucket_pairs, lsh_params, overlap_counts, sampled
from ...tokens import ShingleSets, shingle_sets
from .arrow import csr_of, list_column, matrix_column, rows_of
from .session import in_job_group

SIGNED_SCHEMA = ("row long, size long, short boolean, shingles array<bigint>, signature array<bigint>, "
                 "keys array<bigint>, samples array<bigint>")
JOB_GROUP = "newsclust-dedup"  # the Spark UI's name for these jobs
VERDICT_SCHEMA = "i long, j long, checked boolean, jaccard double, containment double, rule string"


class SparkLinkFinder:
    """``find`` as ``deduplicator.LocalLinkFinder.find``, over ``partitions`` partitions of ``spark`` (None: as many
    as Spark makes of the driver's table, its default parallelism)."""

    def __init__(self, spark: Any, config: DedupConfig, partitions: int | None = None) -> None:
        self.spark = spark
        self.config = config
        self.partitions = partitions

    @in_job_group(JOB_GROUP, "newsclust dedup: signatures, candidates, verification")
    def find(self, frame: pl.DataFrame, clock: Clock) -> FoundLinks:
        from pyspark.sql import functions as F

        cfg = self.config
        bands, rows = lsh_params(cfg.candidate_threshold, cfg.num_perm)
        texts = frame.select(pl.int_range(pl.len(), dtype=pl.Int64).alias("row"), "compared", "headline_only")
        source = self.spark.createDataFrame(texts.to_arrow())
        if self.partitions and source.rdd.getNumPartitions() != self.partitions:
            source = source.repartition(self.partitions)
        signed = source.mapInArrow(lambda batches: sign_batches(batches, cfg, bands, rows), SIGNED_SCHEMA).cache()
        summary = signed.agg(F.collect_list(F.when(F.col("short"), F.col("row"))).alias("short_rows"),
                             F.sum(F.size("samples")).alias("samples")).first()
        clock.lap("signatures")

        lsh = lsh_pairs(signed, cfg.max_bucket_size, hashed=rows <= 2)
        pairs = lsh.join(sampled_view_pairs(signed, cfg), ["i", "j"], "full_outer") \
            .fillna(False, ["from_lsh", "from_sampled"]).cache()
        totals = pairs.agg(F.count("*").alias("n"), F.sum(F.col("from_lsh").cast("long")).alias("lsh"),
                           F.sum(F.col("from_sampled").cast("long")).alias("sampled")).first()
        clock.lap("candidates")

        verdicts = judged_pairs(pairs, signed, cfg).where("checked").toArrow()
        short = np.zeros(frame.height, dtype=bool)
        short[np.asarray(summary["short_rows"], dtype=np.int64)] = True
        found_verdicts = verdict_dict(verdicts)
        links = {pair: match for pair, match in found_verdicts.items() if match is not None}
        needed = {row for pair in links for row in pair} | set(np.flatnonzero(short).tolist())
        shingles = needed_shingles(signed, frame.height, needed)
        verifier = ShingleVerifier(shingles, cfg)
        verifier.verdicts_.update(found_verdicts)
        signed.unpersist()
        pairs.unpersist()
        clock.lap("verify")
        return FoundLinks(shingles, short, links, verifier, bands, rows, int(totals["lsh"] or 0),
                          int(totals["sampled"] or 0), int(totals["n"]), len(verdicts),
                          int(frame.height * cfg.num_perm * 4 + 8 * (summary["samples"] or 0)))


def sign_batches(batches: Iterator[pa.RecordBatch], cfg: DedupConfig, bands: int, rows: int
                 ) -> Iterator[pa.RecordBatch]:
    """Step 1 for each Arrow batch of ``row, compared, headline_only``."""
    for batch in batches:
        shingles = shingle_sets(pl.from_arrow(batch.column("compared")), cfg.shingle_size)
        short = short_mask(batch.column("headline_only").to_numpy(zero_copy_only=False).astype(bool), shingles, cfg)
        sigs = text_signatures(shingles, short, cfg, threads=1)
        present = ~(sigs == MAX_HASH).all(axis=1)
        keys = np.stack([band_key(sigs[:, b * rows : (b + 1) * rows]) for b in range(bands)], axis=1)
        keys = np.where(present[:, None], keys, 0).view(np.int64)
        key_offsets = np.concatenate([[0], np.cumsum(np.where(present, bands, 0))])
        owner = np.repeat(np.arange(len(short)), shingles.sizes)
        taken = sampled(shingles.values, cfg.sample_bits) & ~short[owner]
        sample_offsets = np.concatenate([[0], np.cumsum(np.bincount(owner[taken], minlength=len(short)))])
        yield pa.RecordBatch.from_arrays(
            [batch.column("row"), pa.array(shingles.sizes.astype(np.int64)), pa.array(short),
             list_column(shingles.values, shingles.offsets), matrix_column(sigs),
             list_column(keys[present].ravel(), key_offsets), list_column(shingles.values[taken], sample_offsets)],
            names=["row", "size", "short", "shingles", "signature", "keys", "samples"],
        )


def lsh_pairs(signed: Any, max_bucket_size: int, hashed: bool) -> Any:
    """Distinct ``(i, j)``, ``i < j``, sharing a band key in a bucket of 2 to ``max_bucket_size`` rows: the keys are
    exploded to ``(band, key, row)`` and grouped by band, and each band's buckets give their pairs by the local
    engine's own ``minhash.bucket_pairs`` (one band of ``n`` keys is ``16 n`` bytes)."""
    from pyspark.sql import functions as F

    keyed = signed.select("row", F.posexplode("keys").alias("band", "key"))
    pairs = keyed.groupBy("band").applyInArrow(lambda band: band_pairs(band, max_bucket_size, hashed),
                                               "code long")
    return pairs.distinct().select(F.shiftright("code", 32).alias("i"), F.col("code").bitwiseAND(0xFFFFFFFF).alias("j"),
                                   F.lit(True).alias("from_lsh"))


def band_pairs(band: pa.Table, max_bucket_size: int, hashed: bool) -> pa.Table:
    """The pair codes of one band's buckets (``minhash.bucket_pairs``, distinct)."""
    keys = band.column("key").to_numpy().view(np.uint64)
    rows = band.column("row").to_numpy()
    codes = np.unique(bucket_pairs(keys, rows, max_bucket_size, hashed=hashed))
    return pa.table({"code": pa.array(codes, pa.int64())})


def sampled_view_pairs(signed: Any, cfg: DedupConfig) -> Any:
    """Distinct ``(i, j)``, ``i < j``, of the sampled-shingle index with its prefix filter
    (``minhash.sampled_pairs``)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    threshold = max(cfg.containment_threshold - cfg.estimate_margin, 0.0)
    postings = signed.select("row", F.explode("samples").alias("value"))
    frequency = postings.groupBy("value").agg(F.count("*").alias("df"))
    counts = signed.select("row", F.size("samples").alias("f"))
    rarest_first = Window.partitionBy("row").orderBy(F.least("df", F.lit(255)), "value")
    probes = (postings.join(frequency, "value")
              .withColumn("position", F.row_number().over(rarest_first) - 1)
              .join(counts, "row")
              .where((F.col("position") < F.col("f") - F.ceil(F.lit(threshold) * F.col("f")) + 1)
                     & F.col("df").between(2, cfg.max_bucket_size))
              .select(F.col("row").alias("probe"), "value"))
    matched = probes.join(postings.withColumnRenamed("row", "posted"), "value").where("probe != posted")
    return matched.select(F.least("probe", "posted").alias("i"), F.greatest("probe", "posted").alias("j")) \
        .distinct().withColumn("from_sampled", F.lit(True))


def judged_pairs(pairs: Any, signed: Any, cfg: DedupConfig) -> Any:
    """Each candidate pair with ``checked`` (it passes an estimate filter) and, if so, its exact verdict."""
    from pyspark.sql import functions as F

    texts = signed.select("row", "size", "shingles", "signature", "samples")
    side_a = texts.select(*[F.col(c).alias(f"{c}_a") for c in texts.columns])
    side_b = texts.select(*[F.col(c).alias(f"{c}_b") for c in texts.columns])
    joined = pairs.join(side_a, pairs.i == side_a.row_a).join(side_b, pairs.j == side_b.row_b)
    return joined.mapInArrow(lambda batches: judge_batches(batches, cfg), VERDICT_SCHEMA)


def judge_batches(batches: Iterator[pa.RecordBatch], cfg: DedupConfig) -> Iterator[pa.RecordBatch]:
    """Step 4 for each Arrow batch of joined pairs."""
    for batch in batches:
        size_a, size_b = (batch.column(c).to_numpy().astype(float) for c in ("size_a", "size_b"))
        agreement = signature_agreement(_matrix(batch.column("signature_a")), _matrix(batch.column("signature_b")))
        shared_samples, count_a, count_b = _overlaps(batch, "samples", np.ones(batch.num_rows, dtype=bool))
        checked = (_flag(batch, "from_lsh") & lsh_estimates_pass(agreement, size_a, size_b, cfg)) | (
            _flag(batch, "from_sampled") & sampled_estimates_pass(shared_samples, count_a, count_b, cfg))
        shared, _, _ = _overlaps(batch, "shingles", checked)
        jaccards, containments = jaccard(shared, size_a, size_b), containment(shared, size_a, size_b)
        rules = [_rule(j, c, cfg) if keep else None for j, c, keep in
                 zip(jaccards.tolist(), containments.tolist(), checked.tolist(), strict=True)]
        yield pa.RecordBatch.from_arrays(
            [batch.column("i"), batch.column("j"), pa.array(checked), pa.array(jaccards), pa.array(containments),
             pa.array(rules, type=pa.string())], names=["i", "j", "checked", "jaccard", "containment", "rule"])


def _matrix(column: pa.Array) -> np.ndarray:
    values, offsets = csr_of(column)
    width = int(offsets[1] - offsets[0]) if len(offsets) > 1 else 0
    return values.reshape(len(offsets) - 1, width)


def _flag(batch: pa.RecordBatch, name: str) -> np.ndarray:
    return batch.column(name).to_numpy(zero_copy_only=False).astype(bool)


def _overlaps(batch: pa.RecordBatch, name: str, keep: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per pair of the batch, ``|A ∩ B|`` of the sets in columns ``NAME_a`` and ``NAME_b`` where ``keep`` (0
    elsewhere), by the local engine's ``minhash.overlap_counts``, and the two sets' sizes."""
    values_a, offsets_a = csr_of(batch.column(f"{name}_a"))
    values_b, offsets_b = csr_of(batch.column(f"{name}_b"))
    n = len(offsets_a) - 1
    values = np.concatenate([values_a, values_b])
    offsets = np.concatenate([offsets_a, offsets_b[1:] + len(values_a)])
    rows = np.flatnonzero(keep)
    shared = np.zeros(n)
    shared[rows] = overlap_counts(values, offsets, np.stack([rows, rows + n], axis=1))
    return shared, np.diff(offsets_a).astype(float), np.diff(offsets_b).astype(float)


def _rule(jaccard_: float, containment_: float, cfg: DedupConfig) -> str | None:
    verdict = shingle_verdict(jaccard_, containment_, cfg)
    return verdict.rule if verdict is not None else None


def verdict_dict(verdicts: pa.Table) -> dict[Pair, Match | None]:
    """Every checked pair's verdict, keyed ``(i, j)``, in pair order (the local verifier's order)."""
    table = pl.from_arrow(verdicts).sort("i", "j")
    return {(i, j): (Match(jac, cont, rule) if rule is not None else None)
            for i, j, jac, cont, rule in table.select("i", "j", "jaccard", "containment", "rule").iter_rows()}


def needed_shingles(signed: Any, n: int, rows: set[int]) -> ShingleSets:
    """The shingle sets of ``rows`` (the others left empty), fetched from the signed table."""
    sets: list[np.ndarray] = [np.empty(0, np.uint32)] * n
    if rows:
        wanted = signed.sparkSession.createDataFrame(pa.table({"row": pa.array(sorted(rows), pa.int64())}))
        fetched = signed.join(wanted, "row").select("row", "shingles").toArrow()
        for row, values in zip(fetched["row"].to_pylist(), rows_of(fetched["shingles"]), strict=True):
            sets[row] = values
    return ShingleSets.from_sets(sets)

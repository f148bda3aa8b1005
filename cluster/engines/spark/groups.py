"""The dedup stage's groups over Spark: connected components of the verified links, then guard, groups and
canonical choice per component on the executors, with the local engine's answers.

Every step after the links looks only inside the component of its links: the shared-material guard compares a
text with the articles linked to it, a group is a component (or a part of one) checked against its canonical, and
the canonical is chosen from the group's own members. So the components (``components.component_roots``, the
large-star/small-star iterations) are dealt into buckets (root modulo ``spark.shuffle_partitions``: one Python
call per bucket, not per component), each bucket cogrouped with its members and links, and each runs the local
steps (``deduplicator.guarded_groups``) on its whole components, in the same order: rows keep their relative order,
links their order in the driver's dict. What comes back is one row per group member and one per bucket with its
counters.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa

from ...config import DedupConfig
from ...dedup.deduplicator import FoundLinks, Grouped, guarded_groups
from ...dedup.groups import Group
from ...dedup.provenance import Attribution
from ...dedup.short import ShortTexts
from ...dedup.verify import ArticleMatcher, Match, Pair, ShingleVerifier
from ...tokens import ShingleSets
from .arrow import in_utc, list_column, rows_of
from .components import component_roots
from .session import in_job_group

MEMBER_COLUMNS = ("article_id", "source", "url", "published_at", "date_missing", "title", "text", "body")
RESULT_SCHEMA = ("member long, canonical long, canonical_rule string, jaccard double, containment double, "
                 "rule string, attribution string, attribution_rule string, refused long, split long")
JOB_GROUP = "newsclust-dedup-groups"


class SparkGroupBuilder:
    """A ``deduplicator.GroupBuilder`` that builds the groups of each connected component in a Spark task."""

    def __init__(self, spark: Any, config: DedupConfig, buckets: int) -> None:
        self.spark = spark
        self.config = config.model_copy(update={"threads": 1})  # one task per core already
        self.buckets = buckets

    @in_job_group(JOB_GROUP, "newsclust dedup: components, groups, canonicals")
    def build(self, frame: pl.DataFrame, links: dict[Pair, Match], found: FoundLinks, short: ShortTexts) -> Grouped:
        if not links:
            return Grouped([], 0, 0)
        link_table = pa.table({
            "i": pa.array([i for i, _ in links], pa.int64()), "j": pa.array([j for _, j in links], pa.int64()),
            "jaccard": pa.array([m.jaccard for m in links.values()], pa.float64()),
            "containment": pa.array([m.containment for m in links.values()], pa.float64()),
            "rule": pa.array([m.rule for m in links.values()], pa.string()),
            "order": pa.array(np.arange(len(links)), pa.int64()),
        })
        link_frame = self.spark.createDataFrame(link_table)
        roots = component_roots(link_frame.selectExpr("i as src", "j as dst"))
        buckets = self.buckets
        members = self.spark.createDataFrame(member_table(frame, found, sorted({r for pair in links for r in pair})))
        # two projections of the roots, so that the two sides of the cogroup are not one plan joined to itself
        members = members.join(roots.selectExpr("node as row", f"root % {buckets} as member_bucket"), "row")
        linked = link_frame.join(roots.selectExpr("node as i", f"root % {buckets} as link_bucket"), "i")
        cfg = self.config
        result = members.groupBy("member_bucket").cogroup(linked.groupBy("link_bucket")).applyInArrow(
            lambda rows, bucket_links: component_groups(rows, bucket_links, cfg), RESULT_SCHEMA).toArrow()
        return groups_of(pl.from_arrow(result))


def member_table(frame: pl.DataFrame, found: FoundLinks, rows: list[int]) -> pa.Table:
    """What a component's steps read of each linked article: its fields, shingles and short flag, by ``row``."""
    picked = frame[rows].select(*MEMBER_COLUMNS).to_arrow()
    sets = found.shingles.subset(rows)
    extra = {"row": pa.array(rows, pa.int64()), "short": pa.array(found.short[rows]),
             "shingles": list_column(sets.values, sets.offsets)}
    for name, column in extra.items():
        picked = picked.append_column(name, column)
    return picked


def component_groups(rows: pa.Table, links: pa.Table, cfg: DedupConfig) -> pa.Table:
    """The local steps on whole components: ``rows`` (their members) and ``links`` (between them)."""
    members = in_utc(pl.from_arrow(rows)).sort("row")
    position = {row: k for k, row in enumerate(members["row"].to_list())}
    ordered = pl.from_arrow(links).sort("order")
    local_links = {(position[i], position[j]): Match(jac, cont, rule) for i, j, jac, cont, rule in
                   ordered.select("i", "j", "jaccard", "containment", "rule").iter_rows()}
    shingles = ShingleSets.from_sets(list(rows_of(members.to_arrow()["shingles"])))
    short = members["short"].to_numpy()
    verifier = ShingleVerifier(shingles, cfg)
    verifier.verdicts_.update({pair: m for pair, m in local_links.items() if m.rule in ("jaccard", "containment")})
    matcher = ArticleMatcher(verifier, ShortTexts(cfg).fit(members, short), short)
    grouped = guarded_groups(members, local_links, shingles, matcher, cfg)
    global_row = members["row"].to_list()
    return pa.Table.from_pylist(list(_result_rows(grouped, global_row)), schema=_arrow_schema())


def _result_rows(grouped: Grouped, global_row: list[int]) -> Iterator[dict]:
    yield {"member": -1, "refused": grouped.n_refused, "split": grouped.n_split}
    for group in grouped.groups:
        for member, match in group.members.items():
            line = group.attributions.get(member)
            yield {"member": global_row[member], "canonical": global_row[group.canonical],
                   "canonical_rule": group.rule, "jaccard": match.jaccard, "containment": match.containment,
                   "rule": match.rule, "attribution": line.line if line else None,
                   "attribution_rule": line.rule if line else None}


def _arrow_schema() -> pa.Schema:
    return pa.schema([("member", pa.int64()), ("canonical", pa.int64()), ("canonical_rule", pa.string()),
                      ("jaccard", pa.float64()), ("containment", pa.float64()), ("rule", pa.string()),
                      ("attribution", pa.string()), ("attribution_rule", pa.string()), ("refused", pa.int64()),
                      ("split", pa.int64())])


def groups_of(result: pl.DataFrame) -> Grouped:
    """The driver's ``Grouped`` from the components' result rows."""
    counters = result.filter(pl.col("member") == -1)
    rows = result.filter(pl.col("member") >= 0)
    groups = []
    for (canonical, rule), part in rows.group_by("canonical", "canonical_rule", maintain_order=True):
        members = {m: Match(j, c, r) for m, j, c, r in part.select("member", "jaccard", "containment", "rule")
                   .iter_rows()}
        attributions = {m: Attribution(line, line_rule, ()) for m, line, line_rule in
                        part.select("member", "attribution", "attribution_rule").iter_rows() if line is not None}
        groups.append(Group(int(canonical), rule, members, attributions))
    return Grouped(groups, int(counters["refused"].sum()), int(counters["split"].sum()))

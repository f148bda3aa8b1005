"""Connected components of an edge table in Spark: the large-star / small-star iterations of Kiveris, Lattanzi,
Mirrokni, Rastogi and Vassilvitskii, "Connected Components in MapReduce and Beyond" (SoCC 2014).

Every node ends linked to the smallest node of its component (its root). With ``Γ(u)`` the neighbours of ``u`` and
``m(S)`` the smallest node of a set:

- **large-star**: each ``u`` links every larger neighbour ``v > u`` to ``m(Γ(u) ∪ {u})``;
- **small-star**: each ``u`` links its smaller neighbours and itself, ``Γ≤(u) ∪ {u}``, to their minimum.

Neither step changes the components, and together they turn each component into a star around its minimum in
``O(log² n)`` rounds (in practice a handful); each round is a group-by and a join, so no machine ever holds a whole
component's edges unless that component is the graph. The loop stops when the edges form stars around their
smallest nodes (each node has one smaller neighbour at most, and no node has both a smaller and a larger one).
"""

from __future__ import annotations

from typing import Any

from .session import checkpointed

MAX_ROUNDS = 64  # far above the O(log² n) bound for any graph that fits in a cluster; reaching it is a bug


def component_roots(edges: Any) -> Any:
    """``node, root`` for every node of ``edges`` (columns ``src, dst`` of longs, any direction, repeats allowed):
    ``root`` is the smallest node of its component (a root maps to itself)."""
    from pyspark.sql import functions as F

    current, held = _ordered(edges).distinct(), False
    for _ in range(MAX_ROUNDS):
        following = checkpointed(_small_star(_large_star(current)))  # eager: the round is computed here
        if held:
            current.unpersist()  # the previous round's blocks are no longer needed
        current, held = following, True
        if _is_star_forest(current):
            break
    else:
        raise RuntimeError(f"connected components did not converge in {MAX_ROUNDS} rounds")
    roots = current.select(F.col("big").alias("node"), F.col("small").alias("root"))
    own = current.select(F.col("small").alias("node"), F.col("small").alias("root"))
    return roots.unionByName(own).groupBy("node").agg(F.min("root").alias("root"))


def _is_star_forest(edges: Any) -> bool:
    """Whether every node links to one smaller node at most and no node has both a smaller and a larger neighbour:
    then each component is a star around its smallest node, and the iterations are done (one job)."""
    from pyspark.sql import functions as F

    degrees = edges.groupBy("big").agg(F.count("*").alias("smaller")).select(
        F.col("big").alias("node"), (F.col("smaller") > 1).alias("fans_out"), F.lit(False).alias("is_centre"))
    centres = edges.select(F.col("small").alias("node"), F.lit(False).alias("fans_out"), F.lit(True).alias("is_centre"))
    per_node = degrees.unionByName(centres).groupBy("node").agg(
        F.max(F.col("fans_out").cast("int")).alias("fans_out"), F.max(F.col("is_centre").cast("int")).alias("centre"),
        F.max((~F.col("is_centre")).cast("int")).alias("leaf"))
    broken = per_node.where((F.col("fans_out") == 1) | ((F.col("centre") == 1) & (F.col("leaf") == 1)))
    return broken.isEmpty()


def _ordered(edges: Any) -> Any:
    """Edges as ``big, small`` with ``big > small`` (self-loops dropped)."""
    from pyspark.sql import functions as F

    return edges.where(F.col("src") != F.col("dst")).select(
        F.greatest("src", "dst").alias("big"), F.least("src", "dst").alias("small"))


def _large_star(edges: Any) -> Any:
    from pyspark.sql import functions as F

    both = edges.select(F.col("big").alias("u"), F.col("small").alias("v")).unionByName(
        edges.select(F.col("small").alias("u"), F.col("big").alias("v")))
    smallest = both.groupBy("u").agg(F.least(F.min("v"), F.col("u")).alias("m"))
    linked = both.join(smallest, "u").where(F.col("v") > F.col("u"))
    return _ordered(linked.select(F.col("v").alias("src"), F.col("m").alias("dst"))).distinct()


def _small_star(edges: Any) -> Any:
    from pyspark.sql import functions as F

    smallest = edges.groupBy("big").agg(F.min("small").alias("m"))
    linked = edges.join(smallest, "big")
    return _ordered(linked.select(F.col("small").alias("src"), F.col("m").alias("dst")).unionByName(
        linked.select(F.col("big").alias("src"), F.col("m").alias("dst")))).distinct()

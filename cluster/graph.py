"""Connected components of undirected graphs given as node pairs: duplicate groups and story chains.

``scipy.sparse.csgraph.connected_components`` labels the components; a component is then named by its smallest
node, so that roots and the order of components depend only on which nodes are linked, never on the order of the
pairs or on how scipy numbers its labels.
"""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
from scipy.sparse import coo_array
from scipy.sparse.csgraph import connected_components


def component_roots(n_nodes: int, pairs: Collection[tuple[int, int]] | np.ndarray) -> np.ndarray:
    """The root of each of the nodes ``0 .. n_nodes - 1``: the smallest node of its component (int64)."""
    nodes = np.arange(n_nodes, dtype=np.int64)
    if not len(pairs):
        return nodes
    edges = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    graph = coo_array((np.ones(len(edges), dtype=np.int8), (edges[:, 0], edges[:, 1])), shape=(n_nodes, n_nodes))
    count, labels = connected_components(graph, directed=False)
    smallest = np.full(count, n_nodes, dtype=np.int64)
    np.minimum.at(smallest, labels, nodes)
    return smallest[labels]


def components(pairs: Collection[tuple[int, int]] | np.ndarray) -> list[list[int]]:
    """The components of the graph of ``pairs`` (so each of two or more nodes), each sorted, in order of their
    smallest node. Nodes are any non-negative ints; only those in a pair exist."""
    if not len(pairs):
        return []
    edges = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    nodes = np.unique(edges)
    roots = component_roots(len(nodes), np.searchsorted(nodes, edges))
    order = np.argsort(roots, kind="stable")  # by root, and within a root by node: both ascending
    starts = np.flatnonzero(np.diff(roots[order], prepend=-1))
    return [part.tolist() for part in np.split(nodes[order], starts[1:])]

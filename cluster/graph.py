"""Union-find over integer nodes: the one implementation behind duplicate groups and story chains."""

from __future__ import annotations

from collections.abc import Iterable


def component_roots(nodes: Iterable[int], pairs: Iterable[tuple[int, int]]) -> dict[int, int]:
    """Each node's component root, the smallest node of its component (so roots do not depend on pair order)."""
    parent = {node: node for node in nodes}

    def find(node: int) -> int:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for i, j in pairs:
        root_i, root_j = find(i), find(j)
        if root_i != root_j:
            parent[max(root_i, root_j)] = min(root_i, root_j)
    return {node: find(node) for node in parent}

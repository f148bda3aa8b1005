"""Connected components: roots are the smallest node; components are sorted, in order of their smallest node."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from cluster.graph import component_roots, components


def reference_roots(n_nodes: int, pairs: list[tuple[int, int]]) -> list[int]:
    """The smallest node of each node's component, by merging sets (slow and obvious)."""
    groups = [{node} for node in range(n_nodes)]
    for i, j in pairs:
        merged = groups[i] | groups[j]
        for node in merged:
            groups[node] = merged
    return [min(groups[node]) for node in range(n_nodes)]


def test_component_roots_are_the_smallest_node_of_each_component():
    assert component_roots(6, [(4, 1), (1, 3), (5, 2)]).tolist() == [0, 1, 2, 1, 1, 2]
    assert component_roots(3, []).tolist() == [0, 1, 2]
    assert component_roots(0, []).tolist() == []


def test_components_hold_linked_nodes_sorted_in_order_of_their_smallest_node():
    assert components([(40, 7), (9, 12), (7, 3)]) == [[3, 7, 40], [9, 12]]
    assert components([]) == []


@settings(max_examples=100, deadline=None, database=None)
@given(pairs=st.lists(st.tuples(st.integers(0, 20), st.integers(0, 20)), max_size=30),
       rng=st.randoms(use_true_random=False))
def test_components_equal_the_reference_whatever_the_pair_order(pairs, rng):
    roots = reference_roots(21, pairs)
    assert component_roots(21, pairs).tolist() == roots
    distinct = [(i, j) for i, j in pairs if i != j]
    linked = sorted({node for pair in distinct for node in pair})
    expected = sorted(([n for n in linked if roots[n] == root] for root in {roots[n] for n in linked}), key=min)
    shuffled = [(j, i) if rng.random() < 0.5 else (i, j) for i, j in distinct]
    rng.shuffle(shuffled)
    assert components(distinct) == components(shuffled) == expected
    assert component_roots(21, shuffled).tolist() == roots

"""Orientation of a PC skeleton into a CPDAG, step for step as causal-learn 0.1.4.8 does it.

causal-learn's `pc(..., uc_rule=0, uc_priority=2)` runs `UCSepset.uc_sepset` then `Meek.meek`.
Both are order-sensitive on real data (conflicting colliders, a cycle check that reads an
incomplete ancestor matrix), so this module replays them exactly, in the same order:

1. Unshielded colliders (priority 2, "keep existing colliders"): for each unshielded triple
   x – y – z with x < z, in causal-learn's enumeration order, if y is in none of the separating
   sets of (x, z), orient x → y ← z unless y → x or y → z is already there.
2. Meek's rules R1-R3 over the triples, triangles and kites enumerated once after step 1, passes
   repeated until nothing changes; an orientation a → b is skipped when b is recorded as an
   ancestor of a.

The graph is causal-learn's matrix: g[i, j] = -1 and g[j, i] = 1 for i → j, -1 both ways for
i – j. The ancestor matrix reproduces `GeneralGraph.dpath` (which is not a full transitive
closure, and is rebuilt from the edge list whenever a directed edge is removed), because Meek's
cycle check reads it.

What differs is only the cost: causal-learn enumerates triples from all pairs of adjacencies
(quadratic in the number of edges, cubic for triangles); here they come from neighbour lists.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

TAIL, ARROW = -1, 1


class _Graph:
    """causal-learn's GeneralGraph reduced to what PC orientation touches (tails and arrows)."""

    def __init__(self, adjacency: np.ndarray):
        p = adjacency.shape[0]
        self.p = p
        self.g = np.where(adjacency, TAIL, 0).astype(np.int8).tolist()
        self.dpath = np.eye(p, dtype=bool)
        # Directed edges keyed (min, max) → (parent, child), to rebuild dpath like causal-learn.
        self.directed: dict[tuple[int, int], tuple[int, int]] = {}

    def fully_directed(self, i: int, j: int) -> bool:
        g = self.g
        return g[i][j] == TAIL and g[j][i] == ARROW

    def undirected(self, i: int, j: int) -> bool:
        g = self.g
        return g[i][j] == TAIL and g[j][i] == TAIL

    def ancestor(self, a: int, b: int) -> bool:
        """causal-learn's is_ancestor_of(a, b) as its dpath records it."""
        return bool(self.dpath[b, a])

    def orient(self, a: int, b: int) -> bool:
        """remove_edge + add_edge(a → b). True when a directed edge was removed (dpath rebuilt)."""
        g = self.g
        was_directed = (g[a][b] == TAIL and g[b][a] == ARROW) or (g[a][b] == ARROW and g[b][a] == TAIL)
        g[a][b] = g[b][a] = 0
        self.directed.pop((min(a, b), max(a, b)), None)
        g[b][a] = ARROW
        g[a][b] = TAIL
        return was_directed

    def adjust(self, i: int, j: int) -> None:
        """GeneralGraph.adjust_dpath(i, j) for i → j (identical given dpath's unit diagonal)."""
        d = self.dpath
        d[j, i] = True
        d[j, :] |= d[i, :]
        d[:, i] |= d[:, j]

    def rebuild(self, directed: dict[tuple[int, int], tuple[int, int]]) -> None:
        """GeneralGraph.reconstitute_dpath: identity, then edges in reverse get_graph_edges order."""
        self.dpath = np.eye(self.p, dtype=bool)
        for key in sorted(directed, reverse=True):
            self.adjust(*directed[key])


def to_cpdag(adjacency: np.ndarray, in_sepset: Callable[[int, int, int], bool]) -> np.ndarray:
    """CPDAG matrix (causal-learn's encoding, int8) of a skeleton.

    in_sepset(x, z, y) tells whether y is in a separating set of the non-adjacent x < z.
    """
    graph = _Graph(adjacency)
    _colliders(graph, adjacency, in_sepset)
    _meek(graph)
    return np.array(graph.g, dtype=np.int8).reshape(graph.p, graph.p)


def _colliders(graph: _Graph, adjacency: np.ndarray, in_sepset: Callable[[int, int, int], bool]) -> None:
    """UCSepset.uc_sepset with priority 2, on the undirected skeleton."""
    neighbours = [np.flatnonzero(row).tolist() for row in adjacency]
    adj = adjacency.tolist()
    # dpath only matters from Meek on: replay it once at the end (the last rebuild, then the
    # orientations after it) rather than rebuilding it each time causal-learn does.
    snapshot: dict[tuple[int, int], tuple[int, int]] | None = None
    since: list[tuple[int, int]] = []
    for y in range(graph.p):
        ny = neighbours[y]
        for x in ny:
            for z in ny:
                if z <= x or adj[x][z]:
                    continue
                if in_sepset(x, z, y):
                    continue
                if graph.fully_directed(y, x) or graph.fully_directed(y, z):
                    continue
                for a in (x, z):
                    if graph.orient(a, y):
                        snapshot = dict(graph.directed)
                        since = []
                    graph.directed[(min(a, y), max(a, y))] = (a, y)
                    since.append((a, y))
    if snapshot is not None:
        graph.rebuild(snapshot)
    for i, j in since:
        graph.adjust(i, j)


def _adjacency_order(g: list[list[int]], p: int) -> tuple[list[tuple[int, int]], list[list[int]]]:
    """causal-learn's find_adj() order, and per node j the order of pairs (j, k) within it.

    find_adj() lists (i, j) for every g[j][i] == -1 by j then i, then every g[j][i] == 1 the same way.
    """
    m = np.array(g, dtype=np.int8).reshape(p, p)
    rows, cols = np.nonzero(m == TAIL)  # row-major: j ascending, then i
    tails = list(zip(cols.tolist(), rows.tolist()))
    rows, cols = np.nonzero(m == ARROW)
    arrows = list(zip(cols.tolist(), rows.tolist()))
    after: list[list[int]] = [[] for _ in range(p)]
    for k, j in tails:  # entry (k, j): g[j][k] == -1; as a second pair it is (first=k, second=j)
        after[k].append(j)
    for k, j in arrows:
        after[k].append(j)
    return tails + arrows, after


def _meek(graph: _Graph) -> None:
    """Meek.meek: R1 on unshielded triples, R2 on triangles, R3 on kites, until nothing changes."""
    g, p = graph.g, graph.p
    pairs, after = _adjacency_order(g, p)
    shielded_free: list[tuple[int, int, int]] = []
    triangles: list[tuple[int, int, int]] = []
    for i, j in pairs:
        gi = g[i]
        for k in after[j]:
            if k == i:
                continue
            if gi[k] == 0:
                shielded_free.append((i, j, k))
            else:
                triangles.append((i, j, k))
    by_ends: dict[tuple[int, int], list[int]] = {}
    for i, j, k in triangles:
        by_ends.setdefault((i, k), []).append(j)
    kites = [(i, j, m, l) for i, j, l in triangles for m in by_ends[(i, l)] if j < m and g[j][m] == 0]

    changed = True
    while changed:
        changed = False
        for i, j, k in shielded_free:  # R1: i → j – k, i, k apart ⇒ j → k
            if graph.fully_directed(i, j) and graph.undirected(j, k):
                if graph.ancestor(k, j):
                    continue
                graph.orient(j, k)
                graph.adjust(j, k)
                changed = True
        for i, j, k in triangles:  # R2: i → j → k and i – k ⇒ i → k
            if graph.fully_directed(i, j) and graph.fully_directed(j, k) and graph.undirected(i, k):
                if graph.ancestor(k, i):
                    continue
                graph.orient(i, k)
                graph.adjust(i, k)
                changed = True
        for i, j, k, l in kites:  # R3: i – j → l, i – k → l, j, k apart, i – l ⇒ i → l
            if (
                graph.undirected(i, j)
                and graph.undirected(i, k)
                and graph.fully_directed(j, l)
                and graph.fully_directed(k, l)
                and graph.undirected(i, l)
            ):
                if graph.ancestor(l, i):
                    continue
                graph.orient(i, l)
                graph.adjust(i, l)
                changed = True

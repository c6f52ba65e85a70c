"""PC-stable skeleton search (Colombo & Maathuis's order-independent variant) on binary data.

At each depth d the adjacency sets are frozen first; every edge X–Y still present is then tested
against every conditioning set S of size d drawn from adj(X)∖{Y} and from adj(Y)∖{X}, and the
edges found independent are removed together at the end of the depth. Nothing depends on the
order of the variables.

Separating sets are kept as causal-learn keeps them, because its collider rule reads them that
way: the union of every S that separated X and Y at the depth the edge was removed (from both
ends). A textbook PC keeps the first S found instead; see docs/causal.md.

Speed, without changing any result:
- depth 0 is one matrix computation (`gsq.depth0_pvalues`);
- deeper tests are generated per depth, de-duplicated (S from X's side and Y's side is one test),
  and run in vectorised batches on bit-packed columns;
- removed edges go into a set, adjacency is a boolean matrix (causal-learn's `(x, y) in
  edge_removal` list scan was the main cost of its skeleton search);
- the search stops when no node has enough neighbours for the next depth.
"""

from __future__ import annotations

import dataclasses
import time
from itertools import combinations

import numpy as np

from vmwatch_loganomaly.causal.gsq import PackedData, depth0_pvalues


@dataclasses.dataclass
class DepthStats:
    """What one depth did: tests run, edges removed, seconds."""

    depth: int
    tests: int
    removed: int
    seconds: float


@dataclasses.dataclass
class Skeleton:
    """Undirected result of the search.

    adjacency: symmetric boolean matrix; sepsets: for each removed pair (i, j), i < j, the union
    of its separating sets (absent = removed at depth 0 with S = ∅, or never adjacent);
    removed_at: depth at which each pair was removed (-1 while adjacent).
    """

    adjacency: np.ndarray
    sepsets: dict[tuple[int, int], frozenset[int]]
    removed_at: np.ndarray
    depths: list[DepthStats]

    def sepset(self, i: int, j: int) -> frozenset[int] | None:
        """Union of the sets that separated i and j; None when they are adjacent."""
        if self.adjacency[i, j]:
            return None
        return self.sepsets.get((min(i, j), max(i, j)), frozenset())


def skeleton(
    data: np.ndarray, alpha: float = 0.01, sample_guard: float | None = None, max_depth: int | None = None
) -> Skeleton:
    """PC-stable skeleton of a binary matrix (samples × variables) with the G² test.

    An edge goes when a test's p-value is above alpha (strictly, as in causal-learn).
    max_depth caps the size of conditioning sets (causal-learn's max_k).
    """
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    data = np.asarray(data)
    p = data.shape[1]
    removed_at = np.full((p, p), -1, dtype=np.int16)
    np.fill_diagonal(removed_at, 0)
    started = time.perf_counter()
    pv = depth0_pvalues(data, sample_guard)
    adjacency = ~(pv > alpha)
    np.fill_diagonal(adjacency, False)
    removed_at[~adjacency] = 0
    np.fill_diagonal(removed_at, -1)
    depths = [
        DepthStats(0, p * (p - 1) // 2, int((~adjacency).sum() - p) // 2, time.perf_counter() - started)
    ]
    sepsets: dict[tuple[int, int], frozenset[int]] = {}
    packed: PackedData | None = None
    depth = 0
    while True:
        depth += 1
        degree = adjacency.sum(axis=1)
        if degree.max(initial=0) - 1 < depth or (max_depth is not None and depth > max_depth):
            break
        started = time.perf_counter()
        if packed is None:
            packed = PackedData(data)
        tests, owners = _tests(adjacency, degree, depth)
        removed = 0
        if tests:
            cond = np.array([t[2] for t in tests], dtype=np.int64).reshape(len(tests), depth)
            xs = np.fromiter((t[0] for t in tests), dtype=np.int64, count=len(tests))
            ys = np.fromiter((t[1] for t in tests), dtype=np.int64, count=len(tests))
            independent = packed.pvalues(xs, ys, cond, sample_guard) > alpha
            found: dict[tuple[int, int], set[int]] = {}
            for t in np.flatnonzero(independent):
                found.setdefault(owners[t], set()).update(tests[t][2])
            for (x, y), union in found.items():
                adjacency[x, y] = adjacency[y, x] = False
                removed_at[x, y] = removed_at[y, x] = depth
                sepsets[(x, y)] = frozenset(union)
            removed = len(found)
        depths.append(DepthStats(depth, len(tests), removed, time.perf_counter() - started))
    return Skeleton(adjacency, sepsets, removed_at, depths)


def _tests(
    adjacency: np.ndarray, degree: np.ndarray, depth: int
) -> tuple[list[tuple[int, int, tuple[int, ...]]], list[tuple[int, int]]]:
    """Every distinct (x, y, S) of this depth, and the edge (x < y) each belongs to."""
    neighbours = [np.flatnonzero(row).tolist() for row in adjacency]
    tests: list[tuple[int, int, tuple[int, ...]]] = []
    owners: list[tuple[int, int]] = []
    xs, ys = np.nonzero(np.triu(adjacency))
    for x, y in zip(xs.tolist(), ys.tolist()):
        if degree[x] <= depth and degree[y] <= depth:
            continue  # neither end has d neighbours besides the other: nothing to test
        sets: set[tuple[int, ...]] = set()
        for a, b in ((x, y), (y, x)):
            if degree[a] > depth:
                others = [v for v in neighbours[a] if v != b]
                sets.update(combinations(others, depth))
        for s in sorted(sets):
            tests.append((x, y, s))
            owners.append((x, y))
    return tests, owners

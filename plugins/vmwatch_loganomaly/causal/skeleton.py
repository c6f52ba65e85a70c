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
        xs, ys, cond = _tests(adjacency, depth)
        removed = 0
        if len(xs):
            independent = packed.pvalues(xs, ys, cond, sample_guard) > alpha
            for (x, y), union in _separated(xs[independent], ys[independent], cond[independent], p).items():
                adjacency[x, y] = adjacency[y, x] = False
                removed_at[x, y] = removed_at[y, x] = depth
                sepsets[(x, y)] = union
                removed += 1
        depths.append(DepthStats(depth, len(xs), removed, time.perf_counter() - started))
    return Skeleton(adjacency, sepsets, removed_at, depths)


def _tests(adjacency: np.ndarray, depth: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every distinct test (x, y, S) of this depth, x < y, as arrays x, y and S (tests × depth).

    Sets come from each end: S ⊆ adj(a)∖{b} for the edge a–b seen from a. A set seen from y
    that lies inside adj(x) is x's too: it is generated once, from x.
    """
    xs, ys, conds = [], [], []
    for a in range(adjacency.shape[0]):
        nb = np.flatnonzero(adjacency[a])
        if len(nb) - 1 < depth:
            continue
        local = _combinations(len(nb), depth)  # (sets, depth) indices into nb
        sets = nb[local]
        # contains[i, r]: set r holds neighbour i (then it cannot condition the edge a–nb[i])
        contains = np.zeros((len(nb), len(local)), dtype=bool)
        for k in range(depth):
            contains[local[:, k], np.arange(len(local))] = True
        keep = ~contains
        lower = nb < a  # edges where a is the larger end y: drop sets inside adj(x)
        for rows in np.array_split(np.flatnonzero(lower), max(1, lower.sum() * sets.size // _GATHER)):
            keep[rows] &= ~adjacency[nb[rows]][:, sets].all(axis=2)
        edge, row = np.nonzero(keep)
        other = nb[edge]
        xs.append(np.minimum(a, other))
        ys.append(np.maximum(a, other))
        conds.append(sets[row])
    if not xs:
        return np.empty(0, np.int64), np.empty(0, np.int64), np.empty((0, depth), np.int64)
    return np.concatenate(xs), np.concatenate(ys), np.concatenate(conds)


_GATHER = 1 << 24  # booleans gathered at once when checking sets against adj(x)
_COMBINATIONS: dict[tuple[int, int], np.ndarray] = {}


def _combinations(n: int, k: int) -> np.ndarray:
    """All k-subsets of range(n) as rows, increasing (cached: the same sizes recur)."""
    key = (n, k)
    if key not in _COMBINATIONS:
        rows = list(combinations(range(n), k))
        _COMBINATIONS[key] = np.array(rows, dtype=np.int64).reshape(len(rows), k)
    return _COMBINATIONS[key]


def _separated(
    xs: np.ndarray, ys: np.ndarray, cond: np.ndarray, p: int
) -> dict[tuple[int, int], frozenset[int]]:
    """Edges with at least one separating set → the union of their separating sets."""
    if not len(xs):
        return {}
    edge = xs * p + ys
    members = np.unique(np.repeat(edge, cond.shape[1]) * p + cond.ravel())
    codes, starts = np.unique(members // p, return_index=True)
    parts = np.split(members % p, starts[1:])
    return {(int(c) // p, int(c) % p): frozenset(part.tolist()) for c, part in zip(codes, parts)}

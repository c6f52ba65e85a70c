"""Causal graph of one window: PC-stable with the G² test on binary event series → CPDAG.

Pure numpy/scipy. The result is the one causal-learn 0.1.4.8 gives for
`pc(data, alpha, indep_test="gsq", stable=True, uc_rule=0, uc_priority=2)` (tested on random
instances), in a fraction of the time. Modules, one job each:

- `gsq`: the G² test (reference, all marginal tests at once, vectorised conditional batches);
- `skeleton`: the PC-stable skeleton search and its separating sets;
- `orient`: colliders and Meek's rules, replaying causal-learn's orientation phase;
- `synthetic`: seeded binary event matrices that look like log series, for tests and benchmarks.

See docs/causal.md for the method, the deliberate choices and the measurements.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence

import numpy as np

from vmwatch_loganomaly.causal.orient import ARROW, TAIL, to_cpdag
from vmwatch_loganomaly.causal.skeleton import DepthStats, Skeleton, skeleton

# logdag's guard: a test with fewer than 10·2^|S| samples counts as "independent".
LOGDAG_SAMPLE_GUARD = 10.0

__all__ = ["CPDAG", "LOGDAG_SAMPLE_GUARD", "PCOptions", "pc"]


@dataclasses.dataclass(frozen=True)
class PCOptions:
    """Settings of one PC run.

    alpha: significance level; an edge is removed when a test's p-value is above it.
    sample_guard: logdag's small-sample rule (None: causal-learn's degrees-of-freedom rule only,
        which is what causal-learn's stock `gsq` does; LOGDAG_SAMPLE_GUARD for logdag's).
    max_depth: largest conditioning set (None: no limit, as causal-learn's max_k=None).
    """

    alpha: float = 0.01
    sample_guard: float | None = None
    max_depth: int | None = None

    def __post_init__(self) -> None:
        if not 0 < self.alpha < 1:
            raise ValueError(f"alpha must be in (0, 1), got {self.alpha}")
        if self.sample_guard is not None and self.sample_guard <= 0:
            raise ValueError(f"sample_guard must be positive or None, got {self.sample_guard}")
        if self.max_depth is not None and self.max_depth < 0:
            raise ValueError(f"max_depth must be ≥ 0 or None, got {self.max_depth}")


@dataclasses.dataclass(frozen=True)
class CPDAG:
    """A window's causal graph over its variables (columns), with how it was found.

    graph: int8 matrix in causal-learn's encoding: graph[i, j] = -1 and graph[j, i] = 1 for i → j,
        -1 both ways for i – j, 0 for non-adjacent.
    sepsets: (i, j) with i < j → union of the sets that separated them (pairs missing here and
        not adjacent were separated by the empty set).
    names: one label per variable (template group ids, for instance).
    """

    graph: np.ndarray
    sepsets: dict[tuple[int, int], frozenset[int]]
    names: tuple[str, ...]
    depths: tuple[DepthStats, ...]
    seconds_skeleton: float
    seconds_orient: float

    @property
    def size(self) -> int:
        return self.graph.shape[0]

    def directed(self) -> list[tuple[int, int]]:
        """Edges i → j, sorted."""
        rows, cols = np.nonzero((self.graph == TAIL) & (self.graph.T == ARROW))
        return sorted(zip(rows.tolist(), cols.tolist()))

    def undirected(self) -> list[tuple[int, int]]:
        """Edges i – j with i < j, sorted."""
        rows, cols = np.nonzero(np.triu((self.graph == TAIL) & (self.graph.T == TAIL)))
        return list(zip(rows.tolist(), cols.tolist()))

    def adjacent(self, i: int, j: int) -> bool:
        return bool(self.graph[i, j] != 0)

    def sepset(self, i: int, j: int) -> frozenset[int] | None:
        """What separated i and j (None when adjacent)."""
        if self.adjacent(i, j) or i == j:
            return None
        return self.sepsets.get((min(i, j), max(i, j)), frozenset())

    def edges(self) -> list[tuple[str, str, bool]]:
        """(name_a, name_b, directed) for every edge: a → b when directed, a – b otherwise."""
        out = [(self.names[i], self.names[j], True) for i, j in self.directed()]
        out += [(self.names[i], self.names[j], False) for i, j in self.undirected()]
        return out


def pc(data: np.ndarray, options: PCOptions = PCOptions(), names: Sequence[str] | None = None) -> CPDAG:
    """CPDAG of a binary matrix (bins × variables) by PC-stable with the G² test."""
    data = np.asarray(data)
    if data.ndim != 2:
        raise ValueError(f"data must be a 2-D matrix (bins × variables), got shape {data.shape}")
    if data.size and not np.isin(data, (0, 1)).all():
        raise ValueError("data must be binary (0/1): binarise counts first (≥ 1 → 1)")
    p = data.shape[1]
    labels = tuple(str(v) for v in (range(p) if names is None else names))
    if len(labels) != p:
        raise ValueError(f"{len(labels)} names for {p} variables")
    started = time.perf_counter()
    skel = skeleton(data.astype(np.uint8), options.alpha, options.sample_guard, options.max_depth)
    mid = time.perf_counter()
    graph = to_cpdag(skel.adjacency, _in_sepset(skel))
    done = time.perf_counter()
    return CPDAG(graph, skel.sepsets, labels, tuple(skel.depths), mid - started, done - mid)


def _in_sepset(skel: Skeleton):
    sepsets = skel.sepsets

    def member(x: int, z: int, y: int) -> bool:
        found = sepsets.get((x, z))
        return found is not None and y in found

    return member

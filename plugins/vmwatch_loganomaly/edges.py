"""Edges over time: edge history, the CDF of edge-days, rare edges, TF-IDF scores (pure).

Input: the edges of every window's causal graph, as `WindowEdges(start, end, edges)` with edges
`(node_a, node_b, directed)` between node names (`"12"`, or `"12@host"` for per-host graphs).

- **Edge key.** The pair of template groups, hosts ignored (logdag's key; the study counted
  edges this way): `("12", "40")`, smaller group first. With `per_host=True` the key is the pair of
  node names. Direction is not part of the key (a CPDAG may orient the same dependency either way
  or not at all from one window to the next); `directed_windows` counts how often it was oriented.
- **Edge-days.** The number of distinct UTC days on which an edge appears (the day of each window's
  start), so 2-hour windows count days as 1-day windows do.
- **Rare edges.** Edges seen on at most `threshold` days. The threshold is given, or taken from a
  coverage: the smallest d such that edges with ≤ d days make up at least `coverage` of the
  distinct edges (the study: ≤ 5 days were 80%).
- **TF-IDF** (logdag): tf = 1, idf = ln((N + 1)/(df + 1)) + 1 with N windows and df the windows
  in which the edge appears.
- **Window score**: Σ (tfidf − 1) = Σ ln((N + 1)/(df + 1)) over the window's distinct edges, so an
  edge seen in every window adds ≈ 0 and a once-seen edge adds ≈ ln(N/2): windows full of
  unusual edges stand out whatever their total edge count.
"""

from __future__ import annotations

import dataclasses
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

from vmwatch_loganomaly.series import node_group

DAY = 86400.0
Edge = tuple[str, str, bool]
EdgeKey = tuple[str, str]


@dataclasses.dataclass(frozen=True)
class WindowEdges:
    """The edges of one window's graph."""

    start: float
    end: float
    edges: tuple[Edge, ...]


@dataclasses.dataclass(frozen=True)
class EdgeHistory:
    """One edge key over all windows: where it appeared and how often."""

    key: EdgeKey
    windows: tuple[int, ...]  # indices into the window list, ascending
    days: int
    first: float  # start of the first window with the edge
    last: float  # end of the last one
    directed_windows: int

    @property
    def df(self) -> int:
        return len(self.windows)


@dataclasses.dataclass(frozen=True)
class WindowScore:
    """A window's edges judged against the history."""

    start: float
    end: float
    edges: int  # distinct edge keys
    rare: int
    score: float
    rare_keys: tuple[EdgeKey, ...]


def sort_node(name: str) -> tuple[int, str]:
    group, _, host = name.partition("@")
    return int(group), host


def edge_key(a: str, b: str, per_host: bool = False) -> EdgeKey:
    """The history key of an edge between nodes a and b (see the module docstring)."""
    if not per_host:
        a, b = str(node_group(a)), str(node_group(b))
    return (a, b) if sort_node(a) <= sort_node(b) else (b, a)


def day_of(t: float) -> int:
    return math.floor(t / DAY)


def history(windows: Sequence[WindowEdges], per_host: bool = False) -> dict[EdgeKey, EdgeHistory]:
    """Edge key → its history over `windows` (in the given order)."""
    seen: dict[EdgeKey, list[int]] = defaultdict(list)
    directed: dict[EdgeKey, int] = defaultdict(int)
    for i, w in enumerate(windows):
        keys: dict[EdgeKey, bool] = {}
        for a, b, is_directed in w.edges:
            k = edge_key(a, b, per_host)
            keys[k] = keys.get(k, False) or is_directed
        for k, is_directed in keys.items():
            seen[k].append(i)
            directed[k] += is_directed
    out = {}
    for k, idx in seen.items():
        out[k] = EdgeHistory(
            k,
            tuple(idx),
            len({day_of(windows[i].start) for i in idx}),
            windows[idx[0]].start,
            windows[idx[-1]].end,
            directed[k],
        )
    return out


def edge_days_cdf(hist: Mapping[EdgeKey, EdgeHistory]) -> list[tuple[int, float]]:
    """(d, share of distinct edges seen on ≤ d days) for every d that occurs, ascending."""
    if not hist:
        return []
    counts: dict[int, int] = defaultdict(int)
    for h in hist.values():
        counts[h.days] += 1
    out, running = [], 0
    for d in sorted(counts):
        running += counts[d]
        out.append((d, running / len(hist)))
    return out


def share_at_most(hist: Mapping[EdgeKey, EdgeHistory], days: int) -> float:
    """Share of distinct edges seen on at most `days` days."""
    return sum(h.days <= days for h in hist.values()) / len(hist) if hist else 0.0


def rare_threshold(hist: Mapping[EdgeKey, EdgeHistory], coverage: float = 0.8) -> int:
    """The smallest d such that edges with ≤ d days make up at least `coverage` of the edges."""
    if not 0 < coverage <= 1:
        raise ValueError(f"coverage must be in (0, 1], got {coverage}")
    for d, share in edge_days_cdf(hist):
        if share >= coverage - 1e-12:
            return d
    return 0


def idf(df: int, n: int) -> float:
    """logdag's smoothed inverse document frequency: ln((n + 1)/(df + 1)) + 1."""
    return math.log((n + 1) / (df + 1)) + 1


def tfidf(h: EdgeHistory, n: int) -> float:
    """logdag's TF-IDF of an edge (tf = 1)."""
    return idf(h.df, n)


def score_windows(
    windows: Sequence[WindowEdges],
    hist: Mapping[EdgeKey, EdgeHistory],
    threshold: int,
    per_host: bool = False,
) -> list[WindowScore]:
    """Per window: distinct edges, rare edges (≤ threshold days) and the TF-IDF anomaly score."""
    n = len(windows)
    out = []
    for w in windows:
        keys = sorted(
            {edge_key(a, b, per_host) for a, b, _ in w.edges}, key=lambda k: tuple(map(sort_node, k))
        )
        rare = tuple(k for k in keys if hist[k].days <= threshold)
        score = sum(math.log((n + 1) / (hist[k].df + 1)) for k in keys)
        out.append(WindowScore(w.start, w.end, len(keys), len(rare), score, rare))
    return out


def rare_edges(
    hist: Mapping[EdgeKey, EdgeHistory], threshold: int, n_windows: int
) -> list[tuple[EdgeHistory, float]]:
    """Rare edges with their TF-IDF, the most unusual first (highest score, then earliest)."""
    found = [(h, tfidf(h, n_windows)) for h in hist.values() if h.days <= threshold]
    return sorted(found, key=lambda p: (-p[1], p[0].first, p[0].key))


def edges_in(windows: Iterable[WindowEdges]) -> int:
    """Total edges over all windows (with repetitions)."""
    return sum(len(w.edges) for w in windows)

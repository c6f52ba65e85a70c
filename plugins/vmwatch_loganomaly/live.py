"""The live analysis, pure parts: bins and windows on the arrival clock, window tasks, verdicts.

- **Bins.** Bin b covers [b·bin_seconds, (b+1)·bin_seconds) of the clock (epoch seconds, UTC);
  a window is `window_bins` consecutive bins starting at a multiple of `window_bins`.
- **Task.** A closed window's stored counts `(bin, group, count)` become the sparse `EventCounts`
  that `pipeline.compute` turns into a CPDAG (binarised series, filters, PC-stable, G² test).
- **Verdict.** The window is judged against the history of every stored window (`edges.history`,
  edges keyed by pair of template groups). Live windows may be seconds long, so rarity counts
  windows, not days: an edge is rare when it appeared in at most `rare_windows` windows, this
  one included (the study: ≤ 5 days with 1-day windows). The first `warmup` windows report no
  rare edges (everything is new then). The score is the TF-IDF window score of `edges`
  (Σ ln((N+1)/(df+1)) over the window's distinct edges).
- **VM events.** A VM state change from the event hub becomes a log event of its own, with one
  fixed template per transition (`vmwatch[vm]: VM ** changed state running -> crashed`), so a
  graph can link a storage error template to VMs crashing. These templates take ids from
  `VM_EVENT_BASE` up, apart from mined ones, and each is its own group.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from vmwatch_loganomaly.edges import EdgeKey, WindowEdges, edge_key, history, sort_node
from vmwatch_loganomaly.groups import GroupConfig, distance, ngrams
from vmwatch_loganomaly.series import EventCounts

VM_EVENT_BASE = 1_000_000
TEMPLATE_TEXT_MAX = 120


def vm_event_template(previous: str, new: str) -> str:
    """The fixed template of one VM state transition."""
    return f"vmwatch[**]: VM ** changed state {previous} -> {new}"


def bin_of(t: float, bin_seconds: float) -> int:
    return math.floor(t / bin_seconds)


def window_of(b: int, window_bins: int) -> int:
    """The first bin of the window holding bin b."""
    return b - b % window_bins


def event_counts(rows: list[tuple[int, int, int]], bin_seconds: float) -> EventCounts:
    """Stored `(bin, group, count)` rows (sorted by bin) → sparse counts keyed by group."""
    groups = sorted({g for _, g, _ in rows})
    index = {g: i for i, g in enumerate(groups)}
    bins = np.array([b for b, _, _ in rows], dtype=np.int64)
    series = np.array([index[g] for _, g, _ in rows], dtype=np.int64)
    counts = np.array([n for _, _, n in rows], dtype=np.int64)
    return EventCounts(0.0, bin_seconds, tuple(groups), bins, series, counts)


class GroupIndex:
    """Groups templates one at a time, as `groups.group_templates` does in bulk (same rule).

    `add(tid, text)` joins the group of the closest earlier template (3-gram overlap above the
    threshold, then the smallest normalised edit distance below its threshold, ties to the lowest
    id) or starts a group of its own; the n-gram index makes it cost the candidates only, so a
    flood of new templates does not regroup everything for each one. A group never changes.
    """

    def __init__(self, config: GroupConfig | None = None):
        self.config = config or GroupConfig()
        self.group_of: dict[int, int] = {}
        self._words: dict[int, list[str]] = {}
        self._grams: dict[int, frozenset] = {}
        self._index: dict[tuple[str, ...], list[int]] = {}

    def add(self, tid: int, text: str, group: int | None = None) -> int:
        """Index template `tid` and return its group (`group` given: restored, kept as is)."""
        words = text.split()
        grams = ngrams(words, self.config.n)
        if group is None:
            shared: dict[int, int] = {}
            for gram in grams:
                for other in self._index.get(gram, ()):
                    shared[other] = shared.get(other, 0) + 1
            best: tuple[float, int] | None = None
            for other, count in shared.items():
                if 2 * count / (len(grams) + len(self._grams[other])) <= self.config.ngram_threshold:
                    continue
                candidate = (distance(words, self._words[other]), other)
                if best is None or candidate < best:
                    best = candidate
            group = (
                self.group_of[best[1]]
                if best is not None and best[0] < self.config.distance_threshold
                else tid
            )
        self.group_of[tid] = group
        self._words[tid], self._grams[tid] = words, grams
        for gram in grams:
            self._index.setdefault(gram, []).append(tid)
        return group


@dataclasses.dataclass(frozen=True)
class Verdict:
    """A window judged against the history: distinct edges, rare ones (most unusual first), score."""

    start: float
    end: float
    windows: int  # windows in the history, this one included
    edges: int
    rare: tuple[tuple[EdgeKey, float], ...]  # (edge key, tf-idf)
    score: float


def judge(windows: list[WindowEdges], rare_windows: int = 5, warmup: int = 10) -> Verdict:
    """The last of `windows` (oldest first) against all of them (see the module docstring)."""
    last = windows[-1]
    n = len(windows)
    hist = history(windows)
    keys = sorted({edge_key(a, b) for a, b, _ in last.edges}, key=lambda k: tuple(map(sort_node, k)))
    score = sum(math.log((n + 1) / (hist[k].df + 1)) for k in keys)
    rare: list[tuple[EdgeKey, float]] = []
    if n > warmup:
        rare = [(k, math.log((n + 1) / (hist[k].df + 1)) + 1) for k in keys if hist[k].df <= rare_windows]
        rare.sort(key=lambda p: (-p[1], p[0]))
    return Verdict(last.start, last.end, n, len(keys), tuple(rare), score)


def short(text: str, limit: int = TEMPLATE_TEXT_MAX) -> str:
    """A template text cut to `limit` characters (label values stay readable and bounded)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"

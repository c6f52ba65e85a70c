"""What an analysis found, read back from the store: history, rare edges, window scores, evidence.

Used by `vmwatch logs edges|rare|report`. `load` reads one analysis's windows and edges and judges
them (`edges`): threshold by coverage (default 0.8, the study's 80%) or an explicit day count.
`evidence` gives the operator what is behind a rare edge in a window: for each end, the group's
template, how often and on which hosts it occurred in that window, its first occurrence and example
lines (the store keeps up to three raw lines per template, not every line).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from vmwatch_loganomaly import edges, results
from vmwatch_loganomaly.edges import EdgeHistory, EdgeKey, WindowEdges, WindowScore
from vmwatch_loganomaly.errors import LogAnomalyError
from vmwatch_loganomaly.pipeline import AnalysisConfig
from vmwatch_loganomaly.series import node_group


@dataclasses.dataclass(frozen=True)
class Findings:
    analysis: int
    config: AnalysisConfig
    windows: list[results.StoredWindow]
    window_edges: list[WindowEdges]
    history: dict[EdgeKey, EdgeHistory]
    threshold: int  # rare: seen on at most this many days
    coverage: float  # share of distinct edges that are rare at that threshold
    scores: list[WindowScore]
    per_host_keys: bool

    @property
    def label(self) -> str:
        return self.config.label

    def rare(self) -> list[tuple[EdgeHistory, float]]:
        return edges.rare_edges(self.history, self.threshold, len(self.windows))


def find_analysis(store, config: AnalysisConfig) -> int:
    """The id of a computed analysis, or a `LogAnomalyError` saying how to compute it."""
    aid = results.analysis_id(store, config.to_json(), create=False)
    if aid is None or not results.windows(store, aid):
        raise LogAnomalyError(
            f"no {config.label} windows in {store.path}: run `vmwatch logs windows` with the same window "
            "settings first"
        )
    return aid


def load(
    store,
    config: AnalysisConfig,
    coverage: float = 0.8,
    days: int | None = None,
    per_host_keys: bool = False,
    analysis: int | None = None,
) -> Findings:
    """Judge one analysis's edges (rare by `days` when given, else by `coverage`)."""
    aid = analysis if analysis is not None else find_analysis(store, config)
    stored, we = results.window_edges(store, aid)
    hist = edges.history(we, per_host_keys)
    threshold = days if days is not None else edges.rare_threshold(hist, coverage)
    scores = edges.score_windows(we, hist, threshold, per_host_keys)
    return Findings(
        aid, config, stored, we, hist, threshold, edges.share_at_most(hist, threshold), scores, per_host_keys
    )


def all_findings(store, coverage: float = 0.8, days: int | None = None) -> list[Findings]:
    """Every computed analysis in the store (1 day, 2 hours ...), longest windows first."""
    out = []
    for aid, text in results.analyses(store):
        if results.windows(store, aid):
            out.append(load(store, AnalysisConfig.from_json(text), coverage, days, analysis=aid))
    return sorted(out, key=lambda f: (-f.config.length, f.analysis))


@dataclasses.dataclass(frozen=True)
class End:
    """One end of an edge in one window."""

    node: str
    group: int
    template: str
    count: int  # occurrences in the window
    hosts: tuple[str, ...]
    first: float | None
    examples: tuple[str, ...]


def group_templates(store) -> dict[int, list[int]]:
    """group id → its template ids (templates without a group are their own group)."""
    assignment = store.groups()
    out: dict[int, list[int]] = {}
    for (tid,) in store.db.execute("SELECT id FROM template ORDER BY id"):
        out.setdefault(assignment.get(tid, tid), []).append(tid)
    return out


def evidence(
    store, node: str, start: float, end: float, members: dict[int, list[int]], examples: int = 2
) -> End:
    """What the node's group logged in [start, end) (hosts, count, first) with example lines."""
    gid = node_group(node)
    host = node.split("@", 1)[1] if "@" in node else None
    tids = members.get(gid, [gid])
    marks = ",".join("?" * len(tids))
    rows = store.db.execute(
        f"SELECT e.template, h.name, count(*), min(e.ts) FROM event e JOIN host h ON h.id = e.host "
        f"WHERE e.template IN ({marks}) AND e.ts >= ? AND e.ts < ? GROUP BY e.template, h.name",
        (*tids, start, end),
    ).fetchall()
    if host is not None:
        rows = [r for r in rows if r[1] == host]
    count = sum(r[2] for r in rows)
    first = min((r[3] for r in rows), default=None)
    seen = sorted({r[0] for r in rows}) or tids[:1]
    texts = dict(store.db.execute(f"SELECT id, template FROM template WHERE id IN ({marks})", tuple(tids)))
    lines: list[str] = []
    for tid in seen:
        lines += store.examples(tid)
    return End(
        node,
        gid,
        texts.get(seen[0], texts.get(gid, "?")),
        count,
        tuple(sorted({r[1] for r in rows})),
        first,
        tuple(lines[:examples]),
    )


def template_of_group(store, members: dict[int, list[int]]) -> dict[int, str]:
    """group id → the text of its first template."""
    texts = dict(store.db.execute("SELECT id, template FROM template"))
    return {gid: texts.get(tids[0], "?") for gid, tids in members.items()}


def windows_with(f: Findings, key: EdgeKey) -> Sequence[WindowEdges]:
    """The windows in which an edge key appears."""
    return [f.window_edges[i] for i in f.history[key].windows]


def edge_nodes(f: Findings, key: EdgeKey, window_index: int) -> tuple[str, str]:
    """The node names behind an edge key in one window (hosts included for per-host graphs)."""
    for a, b, _ in f.window_edges[window_index].edges:
        if edges.edge_key(a, b, f.per_host_keys) == key:
            first, second = sorted((a, b), key=edges.sort_node)
            return first, second
    return key

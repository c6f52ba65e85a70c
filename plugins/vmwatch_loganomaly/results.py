"""Causal-graph results in the log store: analyses, windows, their edges and filter decisions (I/O).

Tables, created on first use beside the first half's (its `schema_version` is untouched, so a
vmwatch that only ingests still opens the store); their own version is `meta.analysis_schema`:
- `analysis(id, config)`: one per window/graph configuration (`config`: canonical JSON of
  `pipeline.AnalysisConfig`), so 1-day and 2-hour windows live side by side;
- `graph_window(id, analysis, start, end, series, nodes, edges, seconds, computed, last_event)`: one
  row per computed window (`series`: series present, `nodes`: kept by the filters, `seconds`: PC
  time, `last_event`: the highest event rowid the window is known to reflect, i.e. the store's
  highest when its input was read, advanced by each later check that found no newer event in its
  input; events with a higher rowid were ingested after that);
- `graph_edge(window, a, b, directed)`: the CPDAG's edges between node names (a → b when directed);
- `graph_decision(window, node, action, reason, events, detail)`: what the filters did with every
  series present in the window (absent series have no row).

A window is written in one transaction with its edges and decisions, so a killed run keeps every
window it finished and the next run computes only the rest.

Schema 2 added `graph_window.last_event`. Migrating a schema 1 store sets it to the store's highest
event rowid at that moment: windows computed before are taken as up to date with the events
present then (what schema 1 assumed), and lines ingested afterwards are checked against them too.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence

from vmwatch_loganomaly.edges import WindowEdges
from vmwatch_loganomaly.errors import StoreError

ANALYSIS_SCHEMA = 2

_SCHEMA = """
CREATE TABLE IF NOT EXISTS analysis(id INTEGER PRIMARY KEY, config TEXT NOT NULL UNIQUE, created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS graph_window(
    id INTEGER PRIMARY KEY,
    analysis INTEGER NOT NULL,
    start REAL NOT NULL,
    end REAL NOT NULL,
    series INTEGER NOT NULL,
    nodes INTEGER NOT NULL,
    edges INTEGER NOT NULL,
    seconds REAL NOT NULL,
    computed REAL NOT NULL,
    last_event INTEGER NOT NULL,
    UNIQUE(analysis, start)
);
CREATE TABLE IF NOT EXISTS graph_edge(window INTEGER NOT NULL, a TEXT NOT NULL, b TEXT NOT NULL, directed INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS graph_edge_window ON graph_edge(window);
CREATE TABLE IF NOT EXISTS graph_decision(
    window INTEGER NOT NULL, node TEXT NOT NULL, action TEXT NOT NULL, reason TEXT NOT NULL,
    events INTEGER NOT NULL, detail TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS graph_decision_window ON graph_decision(window);
"""


@dataclasses.dataclass(frozen=True)
class WindowResult:
    """What one window's computation gives (produced by a worker, written by the main process)."""

    start: float
    end: float
    series: int
    nodes: tuple[str, ...]
    edges: tuple[tuple[str, str, bool], ...]
    decisions: tuple[tuple[str, str, str, int, str], ...]  # (node, action, reason, events, detail)
    seconds: float


@dataclasses.dataclass(frozen=True)
class StoredWindow:
    """A computed window as stored (`last_event`: see the module docstring)."""

    id: int
    start: float
    end: float
    series: int
    nodes: int
    edges: int
    seconds: float
    last_event: int


def ensure_schema(store) -> None:
    """Create the analysis tables if missing, migrate older ones; refuse tables from a newer vmwatch."""
    version = store.meta("analysis_schema")
    if version is not None and int(version) > ANALYSIS_SCHEMA:
        raise StoreError(
            f"{store.path}: analysis tables version {version} are newer than this vmwatch "
            f"({ANALYSIS_SCHEMA}); upgrade vmwatch"
        )
    if version == str(ANALYSIS_SCHEMA):
        return
    with store.transaction() as db:
        version = store.meta("analysis_schema")  # again inside the transaction: another run may have done it
        if version is None:
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    db.execute(statement)
        elif version == "1":
            db.execute("ALTER TABLE graph_window ADD COLUMN last_event INTEGER NOT NULL DEFAULT 0")
            db.execute("UPDATE graph_window SET last_event = (SELECT coalesce(max(rowid), 0) FROM event)")
        db.execute(
            "INSERT OR REPLACE INTO meta(key, value) VALUES ('analysis_schema', ?)", (str(ANALYSIS_SCHEMA),)
        )


def analysis_id(store, config_json: str, create: bool = True) -> int | None:
    """The id of an analysis configuration (created when missing and `create`)."""
    ensure_schema(store)
    row = store.db.execute("SELECT id FROM analysis WHERE config=?", (config_json,)).fetchone()
    if row:
        return int(row[0])
    if not create:
        return None
    with store.transaction() as db:
        cur = db.execute("INSERT INTO analysis(config, created) VALUES (?, ?)", (config_json, time.time()))
    return int(cur.lastrowid)


def analyses(store) -> list[tuple[int, str]]:
    """(id, config JSON) of every analysis, oldest first."""
    ensure_schema(store)
    return list(store.db.execute("SELECT id, config FROM analysis ORDER BY id"))


def last_event(store) -> int:
    """The highest event rowid (0 without events). Events are only appended, so rows with a higher
    rowid were ingested later."""
    return int(store.db.execute("SELECT coalesce(max(rowid), 0) FROM event").fetchone()[0])


def advance(store, window_ids: Sequence[int], last_event: int) -> None:
    """Record that these windows reflect every event up to `last_event` (checked: none newer than
    their own `last_event` lies in their input), so the next check starts there."""
    if not window_ids:
        return
    with store.transaction() as db:
        db.executemany(
            "UPDATE graph_window SET last_event=? WHERE id=? AND last_event < ?",
            [(last_event, wid, last_event) for wid in window_ids],
        )


def write_window(store, analysis: int, result: WindowResult, last_event: int) -> int:
    """Store one window with its edges and decisions (replacing an earlier result); its id.

    `last_event`: the store's `last_event()` read before the window's input was.
    """
    with store.transaction() as db:
        old = db.execute(
            "SELECT id FROM graph_window WHERE analysis=? AND start=?", (analysis, result.start)
        ).fetchone()
        if old:
            _delete(db, old[0])
        cur = db.execute(
            "INSERT INTO graph_window(analysis, start, end, series, nodes, edges, seconds, computed, last_event) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (analysis, result.start, result.end, result.series, len(result.nodes), len(result.edges),
             result.seconds, time.time(), last_event),
        )  # fmt: skip
        wid = int(cur.lastrowid)
        db.executemany(
            "INSERT INTO graph_edge(window, a, b, directed) VALUES (?, ?, ?, ?)",
            [(wid, a, b, int(d)) for a, b, d in result.edges],
        )
        db.executemany(
            "INSERT INTO graph_decision(window, node, action, reason, events, detail) VALUES (?, ?, ?, ?, ?, ?)",
            [(wid, *d) for d in result.decisions],
        )
    return wid


def _delete(db, wid: int) -> None:
    db.execute("DELETE FROM graph_edge WHERE window=?", (wid,))
    db.execute("DELETE FROM graph_decision WHERE window=?", (wid,))
    db.execute("DELETE FROM graph_window WHERE id=?", (wid,))


def delete_analysis_windows(store, analysis: int) -> None:
    """Forget every window of an analysis (to recompute it)."""
    with store.transaction() as db:
        for (wid,) in db.execute("SELECT id FROM graph_window WHERE analysis=?", (analysis,)).fetchall():
            _delete(db, wid)


def windows(store, analysis: int) -> list[StoredWindow]:
    """The computed windows of an analysis, by start."""
    return [
        StoredWindow(*r)
        for r in store.db.execute(
            "SELECT id, start, end, series, nodes, edges, seconds, last_event FROM graph_window "
            "WHERE analysis=? ORDER BY start",
            (analysis,),
        )
    ]


def window_edges(store, analysis: int) -> tuple[list[StoredWindow], list[WindowEdges]]:
    """The windows of an analysis and the edges of each, by start."""
    stored = windows(store, analysis)
    by_window: dict[int, list[tuple[str, str, bool]]] = {w.id: [] for w in stored}
    for wid, a, b, d in store.db.execute(
        "SELECT e.window, e.a, e.b, e.directed FROM graph_edge e JOIN graph_window w ON w.id = e.window "
        "WHERE w.analysis=? ORDER BY e.rowid",
        (analysis,),
    ):
        by_window[wid].append((a, b, bool(d)))
    return stored, [WindowEdges(w.start, w.end, tuple(by_window[w.id])) for w in stored]


def decisions(store, window_id: int) -> list[tuple[str, str, str, int, str]]:
    """(node, action, reason, events, detail) for every series present in a window."""
    return list(
        store.db.execute(
            "SELECT node, action, reason, events, detail FROM graph_decision WHERE window=? ORDER BY rowid",
            (window_id,),
        )
    )


def nodes(store, window_id: int) -> list[str]:
    """The nodes of a window's graph (the series the filters kept)."""
    return [
        r[0]
        for r in store.db.execute(
            "SELECT node FROM graph_decision WHERE window=? AND action != 'dropped' ORDER BY rowid",
            (window_id,),
        )
    ]


def edges_of(store, window_id: int) -> list[tuple[str, str, bool]]:
    return [
        (a, b, bool(d))
        for a, b, d in store.db.execute(
            "SELECT a, b, directed FROM graph_edge WHERE window=? ORDER BY rowid", (window_id,)
        )
    ]


def results_equal(a: Sequence[WindowResult], b: Sequence[WindowResult]) -> bool:
    """Same windows, nodes, edges and decisions (timings ignored)."""
    strip = lambda r: dataclasses.replace(r, seconds=0.0)
    return [strip(r) for r in a] == [strip(r) for r in b]

"""The live analyser's durable state: one SQLite file (I/O only, no analysis here).

Tables (`meta.live_schema` versions them):
- `template(id, template, seed, grp, first_seen)`: every template learnt, with its group, fixed
  at first sight (a template's group never moves, so series keep their meaning across restarts);
- `bin_count(bin, grp, count)`: events per template group per bin (`bin` = ⌊t / bin_seconds⌋);
- `host_count(host, lines, parse_errors)`: counters by host (parse errors by sending peer);
- `live_window(start, end, nodes, edges, rare, score, seconds)` and `live_edge(start, a, b,
  directed)`: each closed window's causal graph, the history rare edges are judged against.

Counts are added in one transaction per flush (`add_counts`), so a line is counted once: a clean
stop flushes what is pending, a crash loses at most one flush interval, never counts twice.
A window is written once (`start` is its key); a restart computes only windows not yet written.

`read_history` reads the whole state for `vmwatch logs report --live` over a read-only
connection (URI `mode=ro`), in one read transaction: with WAL, a running analyser never waits for
it and it never writes to the file.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path

from vmwatch_loganomaly.edges import EdgeKey, WindowEdges
from vmwatch_loganomaly.errors import StoreError
from vmwatch_loganomaly.templates import TemplateState

LIVE_SCHEMA = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS template(
    id INTEGER PRIMARY KEY, template TEXT NOT NULL, seed TEXT NOT NULL, grp INTEGER NOT NULL,
    first_seen REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS bin_count(
    bin INTEGER NOT NULL, grp INTEGER NOT NULL, count INTEGER NOT NULL, PRIMARY KEY(bin, grp)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS host_count(host TEXT PRIMARY KEY, lines INTEGER NOT NULL, parse_errors INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS live_window(
    start REAL PRIMARY KEY, end REAL NOT NULL, nodes INTEGER NOT NULL, edges INTEGER NOT NULL,
    rare INTEGER NOT NULL, score REAL NOT NULL, seconds REAL NOT NULL, rare_keys TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS live_edge(start REAL NOT NULL, a TEXT NOT NULL, b TEXT NOT NULL, directed INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS live_edge_start ON live_edge(start);
"""


class LiveStore:
    """The live state file; every method is thread-safe (one connection behind a lock)."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self.lock = threading.Lock()
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(_SCHEMA)
        row = self.db.execute("SELECT value FROM meta WHERE key='live_schema'").fetchone()
        if row is None:
            self.set_meta("live_schema", str(LIVE_SCHEMA))
        elif int(row[0]) > LIVE_SCHEMA:
            raise StoreError(
                f"{self.path}: live state version {row[0]} is newer than this vmwatch; upgrade vmwatch"
            )

    def close(self) -> None:
        with self.lock:
            self.db.close()

    # --- meta ---------------------------------------------------------------------------------

    def meta(self, key: str) -> str | None:
        with self.lock:
            row = self.db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self.lock:
            self.db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

    # --- templates ----------------------------------------------------------------------------

    def templates(self) -> list[tuple[TemplateState, int]]:
        """(template state, group) of every template, in id order."""
        with self.lock:
            rows = self.db.execute("SELECT id, template, seed, grp FROM template ORDER BY id").fetchall()
        return [(TemplateState(i, t, s), g) for i, t, s, g in rows]

    # --- counts -------------------------------------------------------------------------------

    def add_counts(
        self,
        bins: Mapping[tuple[int, int], int],
        hosts: Mapping[str, tuple[int, int]],
        templates: Iterable[tuple[TemplateState, int, float]] = (),
    ) -> None:
        """Add per-(bin, group) counts and per-host (lines, parse errors), and upsert templates, at once."""
        with self.lock:
            db = self.db
            db.execute("BEGIN")
            try:
                db.executemany(
                    "INSERT INTO template(id, template, seed, grp, first_seen) VALUES (?, ?, ?, ?, ?) "
                    "ON CONFLICT(id) DO UPDATE SET template=excluded.template",
                    [(s.id, s.template, s.seed, g, t) for s, g, t in templates],
                )
                db.executemany(
                    "INSERT INTO bin_count(bin, grp, count) VALUES (?, ?, ?) "
                    "ON CONFLICT(bin, grp) DO UPDATE SET count=count+excluded.count",
                    [(b, g, n) for (b, g), n in bins.items()],
                )
                db.executemany(
                    "INSERT INTO host_count(host, lines, parse_errors) VALUES (?, ?, ?) "
                    "ON CONFLICT(host) DO UPDATE SET lines=lines+excluded.lines, "
                    "parse_errors=parse_errors+excluded.parse_errors",
                    [(h, n, e) for h, (n, e) in hosts.items()],
                )
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise

    def counts(self, first_bin: int, end_bin: int) -> list[tuple[int, int, int]]:
        """(bin, group, count) for bins in [first_bin, end_bin), by bin then group."""
        with self.lock:
            return self.db.execute(
                "SELECT bin, grp, count FROM bin_count WHERE bin>=? AND bin<? ORDER BY bin, grp",
                (first_bin, end_bin),
            ).fetchall()

    def first_bin(self) -> int | None:
        with self.lock:
            row = self.db.execute("SELECT MIN(bin) FROM bin_count").fetchone()
        return row[0]

    def host_counts(self) -> dict[str, tuple[int, int]]:
        with self.lock:
            rows = self.db.execute("SELECT host, lines, parse_errors FROM host_count").fetchall()
        return {h: (n, e) for h, n, e in rows}

    # --- windows ------------------------------------------------------------------------------

    def write_window(self, w: WindowEdges, nodes: int, rare: int, score: float, seconds: float,
                     rare_keys: list[tuple[str, str]]) -> None:  # fmt: skip
        """Store a closed window's graph and verdict (once: an existing window is kept)."""
        with self.lock:
            db = self.db
            db.execute("BEGIN")
            try:
                cur = db.execute(
                    "INSERT OR IGNORE INTO live_window(start, end, nodes, edges, rare, score, seconds, rare_keys) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (w.start, w.end, nodes, len(w.edges), rare, score, seconds, json.dumps(rare_keys)),
                )
                if cur.rowcount:
                    db.executemany(
                        "INSERT INTO live_edge(start, a, b, directed) VALUES (?, ?, ?, ?)",
                        [(w.start, a, b, int(d)) for a, b, d in w.edges],
                    )
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise

    def windows(self) -> list[WindowEdges]:
        """Every stored window with its edges, oldest first."""
        with self.lock:
            starts = self.db.execute("SELECT start, end FROM live_window ORDER BY start").fetchall()
            edges: dict[float, list] = {s: [] for s, _ in starts}
            for s, a, b, d in self.db.execute("SELECT start, a, b, directed FROM live_edge"):
                if s in edges:
                    edges[s].append((a, b, bool(d)))
        return [WindowEdges(s, e, tuple(edges[s])) for s, e in starts]

    def last_window(self) -> dict | None:
        """The latest stored window's verdict (start, end, edges, rare, score, rare_keys), or None."""
        with self.lock:
            row = self.db.execute(
                "SELECT start, end, edges, rare, score, rare_keys FROM live_window ORDER BY start DESC LIMIT 1"
            ).fetchone()
            n = self.db.execute("SELECT COUNT(*) FROM live_window").fetchone()[0]
        if row is None:
            return None
        s, e, edges, rare, score, keys = row
        return {"start": s, "end": e, "edges": edges, "rare": rare, "score": score,
                "rare_keys": [tuple(k) for k in json.loads(keys)], "windows": n}  # fmt: skip


# --- read-only snapshot for the report --------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class LiveWindow:
    """One stored window's verdict and its graph."""

    graph: WindowEdges
    nodes: int
    edges: int
    rare: int
    score: float
    seconds: float  # time to compute its graph
    rare_keys: tuple[EdgeKey, ...]  # most unusual first, as judged when the window closed

    @property
    def start(self) -> float:
        return self.graph.start

    @property
    def end(self) -> float:
        return self.graph.end


@dataclasses.dataclass(frozen=True)
class LiveHistory:
    """What `read_history` read: hosts, templates and every window, oldest first."""

    path: Path
    hosts: dict[str, tuple[int, int]]  # host → (lines, parse errors)
    templates: dict[int, tuple[str, int]]  # template id → (text, group)
    windows: list[LiveWindow]

    def group_text(self) -> dict[int, str]:
        """group id → its first template's text (the analyser's label for the group)."""
        out: dict[int, str] = {}
        for tid in sorted(self.templates):
            text, group = self.templates[tid]
            out.setdefault(group, text)
        return out


def read_history(path: Path | str) -> LiveHistory:
    """The live state at `path`, read-only and consistent; a `StoreError` naming the file otherwise."""
    path = Path(path)
    if not path.is_file():
        raise StoreError(
            f"{path}: no such live state file (the `state` of [analyser.loganomaly], "
            "default /var/lib/vmwatch/loganomaly-live.sqlite)"
        )
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None, timeout=5)
    except sqlite3.Error as exc:
        raise StoreError(f"{path}: cannot open the live state read-only ({exc})") from None
    try:
        db.execute("BEGIN")  # one snapshot while the analyser keeps writing
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if not {"meta", "template", "host_count", "live_window", "live_edge"} <= tables:
            raise StoreError(f"{path}: not a vmwatch live state file (no live_window table)")
        row = db.execute("SELECT value FROM meta WHERE key='live_schema'").fetchone()
        if row is not None and int(row[0]) > LIVE_SCHEMA:
            raise StoreError(
                f"{path}: live state version {row[0]} is newer than this vmwatch; upgrade vmwatch"
            )
        hosts = {h: (n, e) for h, n, e in db.execute("SELECT host, lines, parse_errors FROM host_count")}
        templates = {i: (t, g) for i, t, g in db.execute("SELECT id, template, grp FROM template")}
        edges: dict[float, list[tuple[str, str, bool]]] = {}
        for s, a, b, d in db.execute("SELECT start, a, b, directed FROM live_edge ORDER BY rowid"):
            edges.setdefault(s, []).append((a, b, bool(d)))
        rows = db.execute(
            "SELECT start, end, nodes, edges, rare, score, seconds, rare_keys FROM live_window ORDER BY start"
        )
        windows = [
            LiveWindow(
                WindowEdges(s, e, tuple(edges.get(s, ()))), *verdict, tuple(map(tuple, json.loads(keys)))
            )
            for s, e, *verdict, keys in rows
        ]
        db.execute("COMMIT")
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path}: not a readable vmwatch live state file ({exc})") from None
    finally:
        db.close()
    return LiveHistory(path, hosts, templates, windows)

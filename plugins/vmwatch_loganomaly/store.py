"""The log store: one SQLite file with a versioned schema (thin I/O, no parsing here).

Tables (schema version 1):
- `meta(key, value)`: `schema_version`, `mining_config` (JSON; templates depend on it), `created`.
- `source`: one row per input stream, identified by the SHA-256 of its first bytes
  (`fingerprint` over `fp_len` bytes of the decompressed stream), with the byte `offset` up to
  which its lines are stored, line and malformed-line counts and the RFC 3164 year state.
- `host(id, name)`, `template(id, template, seed)`, `example(template, line)` (up to `EXAMPLES`
  raw lines per template). Counts and first/last seen are not kept beside the events (derived
  state that every line would have to update): `templates()` reads them from the event index.
- `event(ts, host, template)`: one row per parsed line; `ts` in epoch seconds (UTC).
- `malformed(source, line, reason, text)`: a sample of the lines that could not be parsed, with
  their line numbers.
- `template_group(template, grp)`: written by `vmwatch logs groups`.

Every batch of lines is written by `commit_batch` in one transaction together with the new source
offset and the templates it changed, so a killed ingest loses at most the uncommitted batch and
the next run resumes exactly there.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import sqlite3
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

from vmwatch_loganomaly.errors import StoreError
from vmwatch_loganomaly.templates import MiningConfig, TemplateState

SCHEMA_VERSION = 1
EXAMPLES = 3
FINGERPRINT_BYTES = 4096

_SCHEMA = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE source(
    id INTEGER PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    fp_len INTEGER NOT NULL,
    name TEXT NOT NULL,
    offset INTEGER NOT NULL DEFAULT 0,
    lines INTEGER NOT NULL DEFAULT 0,
    malformed INTEGER NOT NULL DEFAULT 0,
    year INTEGER,
    month INTEGER,
    updated REAL NOT NULL
);
CREATE TABLE host(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE template(
    id INTEGER PRIMARY KEY,
    template TEXT NOT NULL,
    seed TEXT NOT NULL
);
CREATE TABLE example(template INTEGER NOT NULL, line TEXT NOT NULL);
CREATE INDEX example_template ON example(template);
CREATE TABLE event(ts REAL NOT NULL, host INTEGER NOT NULL, template INTEGER NOT NULL);
CREATE TABLE malformed(source INTEGER NOT NULL, line INTEGER NOT NULL, reason TEXT NOT NULL, text TEXT NOT NULL,
                       PRIMARY KEY(source, line));
CREATE TABLE template_group(template INTEGER PRIMARY KEY, grp INTEGER NOT NULL);
"""
# Built after bulk loads rather than maintained row by row during the first ingest.
_EVENT_INDEX = "CREATE INDEX IF NOT EXISTS event_template_ts ON event(template, ts)"
# Events are inserted this many rows per statement: one multi-row INSERT costs less than half as
# much per row as one statement per row. 300 rows × 3 columns stays under 999 parameters, the
# limit of SQLite builds before 3.32.
_EVENT_ROWS = 300
_INSERT_EVENT = "INSERT INTO event(ts, host, template) VALUES (?, ?, ?)"
_INSERT_EVENTS = "INSERT INTO event(ts, host, template) VALUES " + ", ".join(["(?, ?, ?)"] * _EVENT_ROWS)


@dataclasses.dataclass
class Source:
    """An input stream's identity and how far it has been ingested."""

    id: int
    fingerprint: str
    fp_len: int
    name: str
    offset: int = 0
    lines: int = 0
    malformed: int = 0
    year: int | None = None
    month: int | None = None


@dataclasses.dataclass
class Batch:
    """Everything one transaction writes: lines of one source from its offset to `source.offset`."""

    source: Source
    events: list[tuple[float, int, int]] = dataclasses.field(default_factory=list)
    new_hosts: list[tuple[int, str]] = dataclasses.field(default_factory=list)
    templates: list[TemplateState] = dataclasses.field(default_factory=list)
    examples: list[tuple[int, str]] = dataclasses.field(default_factory=list)
    malformed: list[tuple[int, str, str]] = dataclasses.field(default_factory=list)


def fingerprint(head: bytes) -> str:
    """SHA-256 (hex) of a stream's first bytes."""
    return hashlib.sha256(head).hexdigest()


class Store:
    """An open store. Use `Store.open(path)`; close it (or use it as a context manager)."""

    def __init__(self, db: sqlite3.Connection, path: Path):
        self.db = db
        self.path = path

    @classmethod
    def open(cls, path: Path | str, mining: MiningConfig | None = None, create: bool = True) -> Store:
        """Open (or create) the store at `path`.

        `mining` is written when the store is created; given for an existing store, it must equal
        the stored settings (templates were mined with them). Raises `StoreError`.
        """
        path = Path(path)
        if not create and not path.exists():
            raise StoreError(f"{path}: no such store; run `vmwatch logs ingest --store {path} FILE` first")
        try:
            db = sqlite3.connect(path, isolation_level=None, timeout=30)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{path}: not a vmwatch log store ({exc})") from None
        store = cls(db, path)
        if not tables:
            store._create(mining or MiningConfig())
        elif "meta" not in tables:
            db.close()
            raise StoreError(f"{path}: not a vmwatch log store (an SQLite file with other tables)")
        else:
            store._check(mining)
        return store

    def _create(self, mining: MiningConfig) -> None:
        with self.transaction():
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    self.db.execute(statement)
            self.db.executemany(
                "INSERT INTO meta(key, value) VALUES (?, ?)",
                [
                    ("schema_version", str(SCHEMA_VERSION)),
                    ("mining_config", mining.to_json()),
                    ("created", str(time.time())),
                ],
            )

    def _check(self, mining: MiningConfig | None) -> None:
        version = self.meta("schema_version")
        if version is None or not version.isdigit():
            raise StoreError(f"{self.path}: store without a schema version")
        if int(version) > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path}: schema version {version} is newer than this vmwatch ({SCHEMA_VERSION}); upgrade vmwatch"
            )
        # Future versions migrate here, one step at a time, inside a transaction.
        if mining is not None and mining.to_json() != self.mining_config().to_json():
            raise StoreError(
                f"{self.path}: created with mining settings {self.mining_config().to_json()}; "
                "use a new store to mine with other settings"
            )

    def transaction(self) -> _Transaction:
        """`with store.transaction():` BEGIN IMMEDIATE ... COMMIT (ROLLBACK on error)."""
        return _Transaction(self.db)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- reads -------------------------------------------------------------------------------

    def meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def mining_config(self) -> MiningConfig:
        text = self.meta("mining_config")
        if text is None:
            raise StoreError(f"{self.path}: store without mining settings")
        return MiningConfig.from_json(text)

    def template_states(self) -> list[TemplateState]:
        return [
            TemplateState(*r) for r in self.db.execute("SELECT id, template, seed FROM template ORDER BY id")
        ]

    def hosts(self) -> dict[str, int]:
        return dict(self.db.execute("SELECT name, id FROM host"))

    def example_counts(self) -> dict[int, int]:
        return dict(self.db.execute("SELECT template, count(*) FROM example GROUP BY template"))

    def sources(self) -> list[Source]:
        cols = "id, fingerprint, fp_len, name, offset, lines, malformed, year, month"
        return [Source(*r) for r in self.db.execute(f"SELECT {cols} FROM source ORDER BY id")]

    def find_source(self, head: bytes) -> Source | None:
        """The source whose fingerprint matches the start of `head` (the longest such), if any."""
        best = None
        for source in self.sources():
            if source.fp_len <= len(head) and fingerprint(head[: source.fp_len]) == source.fingerprint:
                if best is None or source.fp_len > best.fp_len:
                    best = source
        return best

    def add_source(self, head: bytes, name: str) -> Source:
        with self.transaction():
            cur = self.db.execute(
                "INSERT INTO source(fingerprint, fp_len, name, updated) VALUES (?, ?, ?, ?)",
                (fingerprint(head), len(head), name, time.time()),
            )
        return Source(int(cur.lastrowid or 0), fingerprint(head), len(head), name)

    def refresh_fingerprint(self, source: Source, head: bytes, name: str) -> None:
        """A source seen again with more bytes at its start: fingerprint the longer head."""
        if len(head) > source.fp_len or name != source.name:
            source.fingerprint, source.fp_len, source.name = fingerprint(head), len(head), name
            with self.transaction():
                self.db.execute(
                    "UPDATE source SET fingerprint=?, fp_len=?, name=? WHERE id=?",
                    (source.fingerprint, source.fp_len, name, source.id),
                )

    def templates(self) -> list[tuple[int, str, int, float | None, float | None]]:
        """(id, template, count, first_seen, last_seen) of every template, by id."""
        self.ensure_index()
        return list(
            self.db.execute(
                "SELECT t.id, t.template, coalesce(e.n, 0), e.first, e.last FROM template t LEFT JOIN "
                "(SELECT template, count(*) AS n, min(ts) AS first, max(ts) AS last FROM event GROUP BY template) e "
                "ON e.template = t.id ORDER BY t.id"
            )
        )

    def examples(self, template_id: int) -> list[str]:
        return [
            r[0]
            for r in self.db.execute(
                "SELECT line FROM example WHERE template=? ORDER BY rowid", (template_id,)
            )
        ]

    def malformed_sample(self, limit: int = 20) -> list[tuple[str, int, str, str]]:
        return list(
            self.db.execute(
                "SELECT s.name, m.line, m.reason, m.text FROM malformed m JOIN source s ON s.id=m.source "
                "ORDER BY m.source, m.line LIMIT ?",
                (limit,),
            )
        )

    def totals(self) -> dict[str, int]:
        lines, malformed = self.db.execute(
            "SELECT coalesce(sum(lines),0), coalesce(sum(malformed),0) FROM source"
        ).fetchone()
        (events,) = self.db.execute("SELECT count(*) FROM event").fetchone()
        (templates,) = self.db.execute("SELECT count(*) FROM template").fetchone()
        (hosts,) = self.db.execute("SELECT count(*) FROM host").fetchone()
        return {
            "lines": lines,
            "malformed": malformed,
            "events": events,
            "templates": templates,
            "hosts": hosts,
        }

    def ensure_index(self) -> None:
        """Index events by (template, ts), for statistics and series."""
        self.db.execute(_EVENT_INDEX)

    def timestamps(self, template_ids: Sequence[int]) -> list[float]:
        """Sorted timestamps of every event of the given templates."""
        self.ensure_index()
        marks = ",".join("?" * len(template_ids))
        return [
            r[0]
            for r in self.db.execute(
                f"SELECT ts FROM event WHERE template IN ({marks}) ORDER BY ts", tuple(template_ids)
            )
        ]

    def groups(self) -> dict[int, int]:
        """template id → group id, as last written by `write_groups`."""
        return dict(self.db.execute("SELECT template, grp FROM template_group"))

    # --- writes ------------------------------------------------------------------------------

    def commit_batch(self, batch: Batch) -> None:
        """Write one batch and the source's new offset atomically."""
        s = batch.source
        with self.transaction():
            db = self.db
            if batch.new_hosts:
                db.executemany("INSERT INTO host(id, name) VALUES (?, ?)", batch.new_hosts)
            if batch.templates:
                db.executemany(
                    "INSERT INTO template(id, template, seed) VALUES (?, ?, ?) "
                    "ON CONFLICT(id) DO UPDATE SET template=excluded.template",
                    batch.templates,
                )
            if batch.examples:
                db.executemany("INSERT INTO example(template, line) VALUES (?, ?)", batch.examples)
            if batch.events:
                _insert_events(db, batch.events)
            if batch.malformed:
                db.executemany(
                    "INSERT OR IGNORE INTO malformed(source, line, reason, text) VALUES (?, ?, ?, ?)",
                    [(s.id, number, reason, text) for number, reason, text in batch.malformed],
                )
            db.execute(
                "UPDATE source SET offset=?, lines=?, malformed=?, year=?, month=?, updated=? WHERE id=?",
                (s.offset, s.lines, s.malformed, s.year, s.month, time.time(), s.id),
            )

    def write_groups(self, assignment: Iterable[tuple[int, int]]) -> None:
        """Replace the template → group assignment."""
        with self.transaction():
            self.db.execute("DELETE FROM template_group")
            self.db.executemany("INSERT INTO template_group(template, grp) VALUES (?, ?)", list(assignment))


def _insert_events(db: sqlite3.Connection, events: list[tuple[float, int, int]]) -> None:
    """Insert event rows in their order: `_EVENT_ROWS` per statement, then the rest one by one."""
    whole = len(events) - len(events) % _EVENT_ROWS
    flat = list(itertools.chain.from_iterable(events[:whole]))
    width = 3 * _EVENT_ROWS
    db.executemany(_INSERT_EVENTS, [flat[i : i + width] for i in range(0, len(flat), width)])
    db.executemany(_INSERT_EVENT, events[whole:])


class _Transaction:
    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def __enter__(self) -> sqlite3.Connection:
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, exc_type: object, *rest: object) -> None:
        self.db.execute("ROLLBACK" if exc_type else "COMMIT")

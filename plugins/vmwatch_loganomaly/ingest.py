"""Files (plain, gzip) and stdin → the store; resumable and idempotent.

Each input stream is identified by the SHA-256 of its first 4 KiB (after decompression), not by
its name: a rotated or renamed file is recognised, and a file that grew is continued. The byte
offset up to which its lines are stored is committed in the same transaction as those lines and
the templates they changed (every `batch_bytes`, cut at a line end), so:
- ingesting the same file again stores nothing twice (it resumes at its end);
- a killed run loses only its uncommitted batch, and the next run resumes at the committed offset
  with the committed templates and year state: nothing lost, nothing counted twice.
Malformed lines are counted, a sample is kept in the store (with its line number), and ingestion
goes on. Line counts include blank lines, so line numbers are those of the file.
One ingest at a time per store (a lock file beside it); readers are never blocked.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import fcntl
import gzip
import io
import os
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import BinaryIO

from vmwatch_loganomaly.errors import LogAnomalyError, MalformedLine
from vmwatch_loganomaly.lines import Clock, Parser, YearGuess, zone
from vmwatch_loganomaly.store import EXAMPLES, FINGERPRINT_BYTES, Batch, Source, Store
from vmwatch_loganomaly.templates import MiningConfig, TemplateMiner

GZIP_MAGIC = b"\x1f\x8b"
MAX_SAMPLED_LINE = 2000
MAX_LINE_BYTES = 1 << 20


class IngestError(LogAnomalyError):
    """An input cannot be read (missing file, corrupt gzip, store locked by another ingest)."""


@dataclasses.dataclass(frozen=True)
class IngestOptions:
    """How lines are read: time zone of zone-less timestamps, year of the first RFC 3164 line."""

    tz: str | None = None  # IANA name, "UTC", or None/"local" for the machine's zone
    year: int | None = None  # None: inferred from the file's modification time (stdin: today)
    batch_bytes: int = 2 << 20  # bytes per transaction (about 20,000 syslog lines)
    malformed_samples: int = 20


@dataclasses.dataclass
class IngestResult:
    """What one input contributed in this run."""

    name: str
    lines: int = 0
    malformed: int = 0
    resumed_at: int = 0
    bytes_read: int = 0
    seconds: float = 0.0


class _Prefixed(io.RawIOBase):
    """A raw stream that yields `prefix` first, then the rest of `rest` (for non-seekable input)."""

    def __init__(self, prefix: bytes, rest: BinaryIO):
        self._prefix = memoryview(prefix)
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        if self._prefix:
            n = min(len(buffer), len(self._prefix))
            buffer[:n] = self._prefix[:n]
            self._prefix = self._prefix[n:]
            return n
        data = self._rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


@dataclasses.dataclass
class _Input:
    stream: BinaryIO
    name: str
    size: int | None  # bytes for the progress bar (compressed size for gzip), None if unknown
    position: Callable[[], int]  # bytes consumed so far, in the same unit as size
    reference: dt.date
    close: Callable[[], None]
    seekable: bool = True


def open_input(name: str, tz: dt.tzinfo) -> _Input:
    """Open a path (plain or gzip, by content) or `-` (stdin) as a binary stream."""
    if name == "-":
        raw: BinaryIO = sys.stdin.buffer
        magic = raw.peek(2)[:2] if hasattr(raw, "peek") else b""
        stream = gzip.GzipFile(fileobj=raw) if magic == GZIP_MAGIC else raw
        return _Input(stream, "-", None, lambda: 0, dt.datetime.now(tz).date(), lambda: None, seekable=False)
    path = Path(name)
    try:
        fh = open(path, "rb")
    except OSError as exc:
        raise IngestError(f"{name}: cannot open ({exc.strerror})") from None
    stat = os.fstat(fh.fileno())
    reference = dt.datetime.fromtimestamp(stat.st_mtime, tz).date()
    magic = fh.read(2)
    fh.seek(0)
    stream = gzip.GzipFile(fileobj=fh) if magic == GZIP_MAGIC else fh
    return _Input(stream, str(path), stat.st_size, fh.tell, reference, lambda: (stream.close(), fh.close()))


class _Progress:
    """A tqdm bar over bytes with lines and lines/s; silent unless stderr is a terminal."""

    def __init__(self, enabled: bool, total: int | None, name: str):
        self.bar = None
        self.start = time.monotonic()
        if enabled and sys.stderr.isatty():
            from tqdm import tqdm

            self.bar = tqdm(
                total=total, unit="B", unit_scale=True, desc=name[-30:], leave=True, file=sys.stderr
            )

    def update(self, position: int, lines: int) -> None:
        if self.bar is not None:
            rate = lines / max(time.monotonic() - self.start, 1e-9)
            self.bar.set_postfix_str(f"{lines:,} lines, {rate:,.0f} lines/s", refresh=False)
            self.bar.update(position - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


class Ingester:
    """Reads inputs into one store with one template miner (state carried between inputs)."""

    def __init__(self, store: Store, options: IngestOptions = IngestOptions()):
        self.store = store
        self.options = options
        self.tz = zone(options.tz)
        self.clock = Clock(self.tz)
        self.miner = TemplateMiner(store.mining_config(), store.template_states())
        self.hosts = store.hosts()
        self.examples = store.example_counts()  # template → example lines stored (up to EXAMPLES)
        self.full = {t for t, n in self.examples.items() if n >= EXAMPLES}
        self.on_commit: Callable[[Source], None] | None = None  # test hook: called after each commit

    def ingest(self, name: str, progress: bool = False) -> IngestResult:
        """Ingest one input from where it was left off."""
        started = time.monotonic()
        src = open_input(name, self.tz)
        try:
            head = src.stream.read(FINGERPRINT_BYTES)
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            src.close()
            raise IngestError(f"{name}: cannot read ({exc})") from None
        result = IngestResult(src.name)
        if not head:
            src.close()
            return result
        source = self.store.find_source(head)
        if source is None:
            source = self.store.add_source(head, src.name)
        else:
            self.store.refresh_fingerprint(source, head, src.name)
        result.resumed_at = source.offset
        try:
            stream = self._position(src.stream, head, source.offset, src.seekable)
            if stream is None:
                return result  # already stored up to its end (or the file shrank)
            self._read(stream, source, result, src, progress)
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            raise IngestError(
                f"{name}: read error after {source.offset} bytes ({exc}); stored up to there"
            ) from None
        finally:
            src.close()
            result.seconds = time.monotonic() - started
        return result

    @staticmethod
    def _position(stream: BinaryIO, head: bytes, offset: int, seekable: bool) -> BinaryIO | None:
        """The stream positioned at `offset`, or None when there is nothing after it."""
        if seekable:
            stream.seek(offset)
            return stream
        if offset < len(head):
            return io.BufferedReader(_Prefixed(head[offset:], stream), buffer_size=1 << 16)  # type: ignore[arg-type]
        left = offset - len(head)
        while left > 0:
            chunk = stream.read(min(left, 1 << 20))
            if not chunk:
                return None
            left -= len(chunk)
        return stream

    def _read(
        self, stream: BinaryIO, source: Source, result: IngestResult, src: _Input, progress: bool
    ) -> None:
        """Read `batch_bytes` at a time, cut at the last newline; each batch is one transaction."""
        opts = self.options
        years = YearGuess(self.reference(src), source.year, source.month)
        parse = Parser(self.clock, years).fields
        classify = self.miner.classify
        hosts, examples, full = self.hosts, self.examples, self.full
        bar = _Progress(progress, src.size, src.name)
        carry = b""
        try:
            while True:
                data = stream.read(opts.batch_bytes)
                if data:
                    data = carry + data if carry else data
                    cut = data.rfind(b"\n") + 1
                    if cut == 0 and len(data) < MAX_LINE_BYTES:
                        carry = data  # no complete line yet
                        continue
                    cut = cut or len(data)  # a line longer than MAX_LINE_BYTES is cut
                    data, carry = data[:cut], data[cut:]
                elif carry:
                    data, carry = carry, b""  # the last line, without a newline
                else:
                    break
                # A cut at a newline never splits a UTF-8 sequence: decode and split once per batch.
                text = data.decode("utf-8", "replace")
                if "\r" in text:
                    text = text.replace("\r\n", "\n")
                lines = text.split("\n")
                if not lines[-1]:
                    lines.pop()
                batch = Batch(source)
                events = batch.events
                number = source.lines
                for line in lines:
                    number += 1
                    try:
                        ts, name, program, pid, message = parse(line)
                    except MalformedLine as exc:
                        if not line.strip():
                            continue  # blank lines are not malformed
                        source.malformed += 1
                        result.malformed += 1
                        if source.malformed <= opts.malformed_samples:
                            batch.malformed.append((number, str(exc), line[:MAX_SAMPLED_LINE]))
                        continue
                    host = hosts.get(name)
                    if host is None:
                        host = hosts[name] = len(hosts) + 1
                        batch.new_hosts.append((host, name))
                    tid = classify(program, pid, message)
                    events.append((ts, host, tid))
                    if tid not in full:
                        examples[tid] = examples.get(tid, 0) + 1
                        if examples[tid] >= EXAMPLES:
                            full.add(tid)
                        batch.examples.append((tid, line[:MAX_SAMPLED_LINE]))
                self._commit(batch, years, source.offset + len(data), len(lines), result)
                bar.update(src.position(), result.lines)
        finally:
            bar.close()

    def _commit(self, batch: Batch, years: YearGuess, offset: int, lines: int, result: IngestResult) -> None:
        source = batch.source
        result.bytes_read += offset - source.offset
        source.offset = offset
        source.lines += lines
        source.year, source.month = years.year, years.month
        batch.templates = self.miner.changes()
        self.store.commit_batch(batch)
        result.lines += lines
        if self.on_commit is not None:
            self.on_commit(source)

    def reference(self, src: _Input) -> dt.date:
        if self.options.year is not None:
            return dt.date(self.options.year, 12, 31)
        return src.reference


class _Lock:
    """An exclusive lock file beside the store, held for the whole ingest (freed if killed)."""

    def __init__(self, store_path: Path):
        self.path = Path(f"{store_path}.lock")
        self.fh: io.TextIOWrapper | None = None

    def __enter__(self) -> _Lock:
        self.fh = open(self.path, "w")
        try:
            fcntl.flock(self.fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.fh.close()
            raise IngestError(f"{self.path}: another `vmwatch logs ingest` is writing this store") from None
        return self

    def __exit__(self, *exc: object) -> None:
        assert self.fh is not None
        fcntl.flock(self.fh, fcntl.LOCK_UN)
        self.fh.close()


def ingest(
    store_path: Path | str,
    names: Iterable[str],
    options: IngestOptions = IngestOptions(),
    mining: MiningConfig | None = None,
    progress: bool = False,
) -> list[IngestResult]:
    """Ingest every named input (paths or `-`) into the store at `store_path`, in order."""
    store_path = Path(store_path)
    with _Lock(store_path), Store.open(store_path, mining) as store:
        ingester = Ingester(store, options)
        results = [ingester.ingest(name, progress) for name in names]
        store.ensure_index()
    return results

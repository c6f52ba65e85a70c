"""Refresh loop and snapshot cache.

One `Poller` per configured backend keeps one long-lived connection, reads on an interval (off
the event loop, in a worker thread), turns each `Host` into an indexed `Snapshot` and publishes
it to the `SnapshotCache`. A failed read keeps the last snapshot, which turns stale once older
than `stale_after`; the connection is then reopened with exponential backoff.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from vmwatch.backend import Backend, BackendError
from vmwatch.indexer import Indexer
from vmwatch.model import Host, Snapshot

log = logging.getLogger(__name__)


def _malloc_trim() -> Callable[[], None]:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError):  # not glibc: nothing to give back
        return lambda: None
    return lambda: trim(0) and None


release_free_memory = _malloc_trim()
"""Give the heap's free pages back to the system (glibc). A refresh of 1000 VMs builds and drops
tens of MB of short-lived objects; without this the allocator keeps them and RSS stays at the peak."""


@dataclass(frozen=True)
class BackendHealth:
    """How the last reads of one backend went."""

    backend: str
    backend_type: str
    up: bool = False
    last_success: float | None = None  # epoch seconds
    last_duration: float | None = None  # seconds the last read took, successful or not
    reads: int = 0
    failures: int = 0
    last_error: str = ""


class SnapshotCache:
    """The latest snapshot of every hypervisor and the health of every backend.

    Thread-safe: publishers replace whole immutable values; readers get consistent copies.
    """

    def __init__(self, stale_after: float = 60.0, clock: Callable[[], float] = time.time) -> None:
        self.stale_after = stale_after
        self._clock = clock
        self._lock = threading.Lock()
        self._snapshots: dict[str, Snapshot] = {}
        self._health: dict[str, BackendHealth] = {}
        self._listeners: list[Callable[[Snapshot], None]] = []
        # The state-change hub (vmwatch.events.EventHub) when the runtime has one: exporters
        # reach events through the cache they are given. Set by EventHub.attach().
        self.events = None

    def publish(self, snapshot: Snapshot) -> None:
        """Make `snapshot` the latest for its hypervisor and tell the listeners."""
        with self._lock:
            self._snapshots[snapshot.name] = snapshot
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(snapshot)
            except Exception:  # one broken consumer must not stop the others
                log.exception("snapshot listener %r failed", listener)

    def forget(self, name: str) -> None:
        """Drop the snapshot of a hypervisor that no longer exists behind its backend."""
        with self._lock:
            self._snapshots.pop(name, None)

    def set_health(self, health: BackendHealth) -> None:
        with self._lock:
            self._health[health.backend] = health

    def forget_backend(self, backend: str) -> None:
        """Drop the health of a backend that is no longer configured (after a reload)."""
        with self._lock:
            self._health.pop(backend, None)

    def subscribe(self, listener: Callable[[Snapshot], None]) -> None:
        """Call `listener(snapshot)` on every publish (from the publishing thread)."""
        with self._lock:
            self._listeners.append(listener)

    def unsubscribe(self, listener: Callable[[Snapshot], None]) -> None:
        """Stop calling `listener` (an exporter that stops); unknown listeners are ignored."""
        with self._lock:
            if listener in self._listeners:
                self._listeners.remove(listener)

    def snapshots(self) -> list[Snapshot]:
        """Latest snapshots, ordered by hypervisor name."""
        with self._lock:
            return [self._snapshots[name] for name in sorted(self._snapshots)]

    def snapshot(self, name: str) -> Snapshot | None:
        with self._lock:
            return self._snapshots.get(name)

    def health(self) -> list[BackendHealth]:
        """Health of every backend, ordered by backend name."""
        with self._lock:
            return [self._health[name] for name in sorted(self._health)]

    def is_stale(self, snapshot: Snapshot) -> bool:
        """True when the snapshot is older than `stale_after` seconds."""
        return self._clock() - snapshot.taken_at > self.stale_after


@dataclass
class _HostState:
    indexer: Indexer
    uuids: frozenset = frozenset()
    table_last_change: int | None = None


class Poller:
    """Reads one backend on an interval and publishes a snapshot per hypervisor behind it.

    A backend that yields one host names its snapshot after the backend (the `name` of its config
    entry); one that yields several (a vCenter) names each after the host.
    """

    def __init__(
        self,
        backend: Backend,
        backend_type: str,
        cache: SnapshotCache,
        make_indexer: Callable[[str], Indexer],
        interval: float = 15.0,
        backoff_max: float = 30.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.backend = backend
        self.cache = cache
        self.interval = interval
        self.backoff_max = backoff_max
        self._make_indexer = make_indexer
        self._clock = clock
        self._hosts: dict[str, _HostState] = {}
        self._connected = False
        self._health = BackendHealth(backend=backend.name, backend_type=backend_type)
        self._wake: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        cache.set_health(self._health)

    @property
    def health(self) -> BackendHealth:
        return self._health

    def refresh(self) -> list[Snapshot]:
        """Connect if needed, read once, publish. Blocking; raises BackendError on failure."""
        started = time.monotonic()
        try:
            if not self._connected:
                self.backend.connect()
                self._connected = True
            hosts = self.backend.read()
            snapshots = self._publish(hosts)
        except Exception as exc:
            self._disconnect()
            self._health = replace(
                self._health,
                up=False,
                reads=self._health.reads + 1,
                failures=self._health.failures + 1,
                last_duration=time.monotonic() - started,
                last_error=str(exc) or type(exc).__name__,
            )
            self.cache.set_health(self._health)
            if isinstance(exc, BackendError):
                raise
            raise BackendError(f"{self.backend.name}: unexpected error: {exc!r}") from exc
        self._health = replace(
            self._health,
            up=True,
            reads=self._health.reads + 1,
            last_success=self._clock(),
            last_duration=time.monotonic() - started,
            last_error="",
        )
        self.cache.set_health(self._health)
        return snapshots

    def _publish(self, hosts: tuple[Host, ...]) -> list[Snapshot]:
        now = self._clock()
        names = [self.backend.name] if len(hosts) == 1 else [h.hypervisor.host_name for h in hosts]
        if len(set(names)) != len(names):
            raise BackendError(f"{self.backend.name}: two hosts have the same name: {names}")
        snapshots = []
        for name, host in zip(names, hosts):
            state = self._hosts.get(name)
            if state is None:
                state = self._hosts[name] = _HostState(indexer=self._make_indexer(name))
            indexed = state.indexer.assign(host)
            uuids = frozenset(vm.uuid for vm in indexed.vms)
            if state.table_last_change is None or uuids != state.uuids:
                state.table_last_change = host.hypervisor.up_time
            state.uuids = uuids
            snapshots.append(
                Snapshot(
                    name=name,
                    backend=self.backend.name,
                    hypervisor=indexed.hypervisor,
                    vms=indexed.vms,
                    taken_at=now,
                    table_last_change=state.table_last_change,
                )
            )
        for gone in set(self._hosts) - set(names):
            del self._hosts[gone]
            self.cache.forget(gone)
        for snapshot in snapshots:
            self.cache.publish(snapshot)
        return snapshots

    def _disconnect(self) -> None:
        if self._connected:
            self._connected = False
            try:
                self.backend.close()
            except Exception:  # close() must not raise; if it does, the connection is gone anyway
                log.debug("close of %s failed", self.backend.name, exc_info=True)

    def adopt(self, old: Poller) -> None:
        """Take over the per-host state (indexers, vmTableLastChange) of the poller this one replaces.

        Used on reload when a backend's options change: the new connection serves the same
        hypervisors, so their indexes must not move.
        """
        self._hosts = old._hosts

    def host_names(self) -> list[str]:
        """Names of the snapshots this poller publishes (one per hypervisor read so far)."""
        return list(self._hosts)

    def set_hold(self, hold: float) -> None:
        """Change how long a removed VM's index stays reserved, for every indexer of this poller."""
        for state in self._hosts.values():
            state.indexer.hold = hold

    def request_refresh(self) -> None:
        """Ask for a read now (e.g. after a lifecycle event); safe from any thread."""
        if self._loop is not None and self._wake is not None:
            self._loop.call_soon_threadsafe(self._wake.set)

    def backoff(self, failures_in_a_row: int) -> float:
        """Seconds to wait after the n-th failure in a row: 1, 2, 4 ... capped, with ±20% jitter."""
        delay = min(self.backoff_max, 2.0 ** max(0, failures_in_a_row - 1))
        return delay * random.uniform(0.8, 1.2)

    def _refresh_and_trim(self) -> None:
        self.refresh()
        release_free_memory()

    async def run(self) -> None:
        """Refresh forever: every `interval` while reads succeed, with backoff while they fail."""
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        failures_in_a_row = 0
        try:
            while True:
                # Cleared before the read, not after: a request made during the read (an event
                # that arrived meanwhile) must cause another read, not be forgotten.
                self._wake.clear()
                started = time.monotonic()
                try:
                    await asyncio.to_thread(self._refresh_and_trim)
                    failures_in_a_row = 0
                    # Fixed rate: reads start every `interval`, however long each one took.
                    delay = max(0.0, self.interval - (time.monotonic() - started))
                except BackendError as exc:
                    failures_in_a_row += 1
                    delay = self.backoff(failures_in_a_row)
                    log.warning("%s: read failed (%s); retrying in %.1f s", self.backend.name, exc, delay)
                try:
                    await asyncio.wait_for(self._wake.wait(), timeout=delay)
                except asyncio.TimeoutError:
                    pass
        finally:
            self._disconnect()

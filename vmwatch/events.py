"""VM state changes and the event hub that de-duplicates and fans them out.

Two sources tell vmwatch that a VM changed state:

- **native** events, from backends that have them (libvirt lifecycle callbacks, vSphere property
  updates): delivered at once, through the backend's optional `on_state_change(listener)`;
- **polling diffs**: every published snapshot is compared with what the hub knew before, so a
  backend without events still produces changes (one refresh interval late).

The hub keeps, per hypervisor, the last known row of every VM. A native event whose new state
is the state already known is a duplicate and dropped; a polling diff for a VM that had a native
event less than `window` seconds ago is ignored (the snapshot may have been read before the
event), and the next snapshot after the window settles any disagreement. So each real change is
reported once, by whichever source saw it first, and in the order the hub learned of them.

Rows: a VM seen for the first time (a new row) is not a state change: RFC 7666 has no "created"
notification; vmNumber and vmTableLastChange show it. A VM that leaves the snapshot is a change
to `DELETED` (vmDeleted), reported by the polling diff, which still has the VM's last row. The
first snapshot of a hypervisor only primes the hub.

Listeners (`subscribe`) are called in order, one change at a time, from the thread that
delivered the snapshot or the native event; they must be quick (queue and return).
"""

from __future__ import annotations

import logging
import threading
import time
import uuid as uuidlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Protocol

from vmwatch.model import OperState, Snapshot, VirtualMachine

if TYPE_CHECKING:
    from vmwatch.poller import SnapshotCache

log = logging.getLogger(__name__)

DELETED = None
"""The `new_oper_state` of a VM that left vmTable (vmDeleted)."""

NATIVE = "native"
POLL = "poll"
DEFAULT_WINDOW = 5.0


def state_label(state: OperState | None) -> str:
    """The MIB's label of a state (running, shuttingdown ...), or "deleted" for `DELETED`."""
    return "deleted" if state is None else state.name.lower()


@dataclass(frozen=True)
class StateChange:
    """A VM's vmOperState changed from `previous_oper_state` to `new_oper_state` at `time`.

    `vm` is the row as last known (vmIndex, vmName, vmUUID, vmPersistent ...), its `oper_state`
    already the new state (the previous one for a deleted VM). `new_oper_state` is `DELETED`
    (None) when the VM left vmTable. `hypervisor` is the snapshot name whose vmIndex space `vm`
    belongs to; `source` says who saw it first: "native" or "poll".
    """

    vm: VirtualMachine
    previous_oper_state: OperState
    new_oper_state: OperState | None
    time: float
    hypervisor: str
    source: str = POLL

    @property
    def deleted(self) -> bool:
        return self.new_oper_state is DELETED


class NativeEvent(Protocol):
    """What a backend's `on_state_change` listener receives (duck-typed).

    `uuid` and `new` (an OperState) are required; `time` (epoch seconds) and `host` (the
    hypervisor's name when a backend has several) are used when present. `previous` is ignored:
    the hub knows the previous state better. There is no native "deleted": a VM that is gone is
    reported by the next snapshot, which still has its last row (for vmDeleted's varbinds).
    """

    uuid: uuidlib.UUID
    new: OperState


@dataclass(frozen=True)
class BackendStateChange:
    """A ready-made `NativeEvent` for backends to deliver."""

    uuid: uuidlib.UUID
    new: OperState
    time: float
    host: str = ""
    name: str = ""


@dataclass
class HubStats:
    """How events went through the hub (for logs, tests and metrics)."""

    native: int = 0  # native events received
    native_duplicates: int = 0  # ... whose state was already known (dropped)
    native_unknown: int = 0  # ... for VMs not (yet) in a snapshot (left to the next refresh)
    poll_changes: int = 0  # changes found by comparing snapshots
    poll_deferred: int = 0  # diffs ignored because a native event was more recent


@dataclass
class _Hypervisor:
    backend: str
    rows: dict[uuidlib.UUID, VirtualMachine]
    native_at: dict[uuidlib.UUID, float]


Listener = Callable[[StateChange], None]


class EventHub:
    """Turns snapshots and native events into de-duplicated `StateChange`s for its listeners."""

    def __init__(self, window: float = DEFAULT_WINDOW, clock: Callable[[], float] = time.time) -> None:
        self.window = window
        self._clock = clock
        self._lock = threading.RLock()  # held while listeners run: they see changes in order
        self._hypervisors: dict[str, _Hypervisor] = {}
        self._listeners: list[Listener] = []
        self._counts: Counter[tuple[str, str, str]] = Counter()
        self._reporters: dict[str, Callable[[], dict]] = {}
        self.stats = HubStats()

    # --- wiring ------------------------------------------------------------------------------

    def attach(self, cache: SnapshotCache) -> None:
        """Follow `cache`'s snapshots and make the hub reachable as `cache.events`."""
        cache.events = self
        cache.subscribe(self.on_snapshot)

    def subscribe(self, listener: Listener) -> None:
        """Call `listener(change)` for every change from now on."""
        with self._lock:
            self._listeners.append(listener)

    def unsubscribe(self, listener: Listener) -> None:
        with self._lock:
            if listener in self._listeners:
                self._listeners.remove(listener)

    # --- inputs ------------------------------------------------------------------------------

    def on_snapshot(self, snapshot: Snapshot) -> list[StateChange]:
        """Compare `snapshot` with what was known; report and return the changes it shows."""
        now = self._clock()
        with self._lock:
            known = self._hypervisors.get(snapshot.name)
            rows = {vm.uuid: vm for vm in snapshot.vms}
            if known is None:
                self._hypervisors[snapshot.name] = _Hypervisor(snapshot.backend, rows, {})
                return []
            changes: list[StateChange] = []
            native_at = {u: t for u, t in known.native_at.items() if now - t < self.window and u in rows}
            for uuid, vm in rows.items():
                before = known.rows.get(uuid)
                if before is None or vm.oper_state == before.oper_state:
                    continue
                if uuid in native_at:
                    # The snapshot may predate the native event: trust the event for now.
                    self.stats.poll_deferred += 1
                    rows[uuid] = replace(vm, oper_state=before.oper_state)
                    continue
                changes.append(
                    StateChange(vm, before.oper_state, vm.oper_state, snapshot.taken_at, snapshot.name, POLL)
                )
            for uuid, before in known.rows.items():
                if uuid not in rows:
                    changes.append(
                        StateChange(before, before.oper_state, DELETED, snapshot.taken_at, snapshot.name, POLL)
                    )
            self.stats.poll_changes += len(changes)
            self._hypervisors[snapshot.name] = _Hypervisor(snapshot.backend, rows, native_at)
            self._deliver(changes)
            return changes

    def on_native(self, backend: str, event: NativeEvent) -> StateChange | None:
        """A backend's lifecycle event: report it unless the state is already known.

        Returns the change reported, or None (duplicate, or a VM no snapshot has shown yet: its
        row appears with the next refresh, which the caller should ask for).
        """
        now = self._clock()
        uuid = event.uuid if isinstance(event.uuid, uuidlib.UUID) else uuidlib.UUID(str(event.uuid))
        new = OperState(event.new)
        with self._lock:
            self.stats.native += 1
            found = self._find(backend, uuid, getattr(event, "host", "") or "")
            if found is None:
                self.stats.native_unknown += 1
                return None
            name, hypervisor = found
            before = hypervisor.rows[uuid]
            if new == before.oper_state:
                self.stats.native_duplicates += 1
                return None
            row = replace(before, oper_state=new)
            change = StateChange(row, before.oper_state, new, getattr(event, "time", None) or now, name, NATIVE)
            hypervisor.rows[uuid] = row
            hypervisor.native_at[uuid] = now
            self._deliver([change])
            return change

    def forget(self, hypervisor: str) -> None:
        """Drop what is known about a hypervisor (it left its backend)."""
        with self._lock:
            self._hypervisors.pop(hypervisor, None)

    # --- outputs -----------------------------------------------------------------------------

    def state_changes(self) -> dict[tuple[str, str, str], int]:
        """Changes so far by (hypervisor, from, to), with the MIB's state labels."""
        with self._lock:
            return dict(self._counts)

    def add_reporter(self, name: str, report: Callable[[], dict]) -> None:
        """Let a consumer of the hub (the notifier) publish counters for metrics under `name`."""
        with self._lock:
            self._reporters[name] = report

    def reports(self) -> dict[str, dict]:
        """Every reporter's current counters, by name (a failing reporter is left out)."""
        with self._lock:
            reporters = dict(self._reporters)
        out = {}
        for name, report in reporters.items():
            try:
                out[name] = report()
            except Exception:
                log.exception("event reporter %s failed", name)
        return out

    def known_state(self, hypervisor: str, uuid: uuidlib.UUID) -> OperState | None:
        """The state the hub believes a VM is in (None when unknown)."""
        with self._lock:
            found = self._hypervisors.get(hypervisor)
            row = found.rows.get(uuid) if found is not None else None
            return row.oper_state if row is not None else None

    # --- internals ---------------------------------------------------------------------------

    def _find(self, backend: str, uuid: uuidlib.UUID, host: str) -> tuple[str, _Hypervisor] | None:
        # A backend with several hosts (vCenter) names the host; VMs may move between hosts,
        # so fall back to any hypervisor of the backend that has the VM.
        preferred = self._hypervisors.get(host) if host else None
        if preferred is not None and preferred.backend == backend and uuid in preferred.rows:
            return host, preferred
        for name, hypervisor in self._hypervisors.items():
            if hypervisor.backend == backend and uuid in hypervisor.rows:
                return name, hypervisor
        return None

    def _deliver(self, changes: list[StateChange]) -> None:
        for change in changes:
            key = (change.hypervisor, state_label(change.previous_oper_state), state_label(change.new_oper_state))
            self._counts[key] += 1
            for listener in list(self._listeners):
                try:
                    listener(change)
                except Exception:  # one broken consumer must not stop the others
                    log.exception("state-change listener %r failed", listener)

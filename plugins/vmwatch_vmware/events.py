"""Power-state changes as they happen, through PropertyCollector.WaitForUpdatesEx.

`PowerStateWatcher` runs one thread per connection: its own PropertyCollector, a filter on a
ContainerView of every VM (power state, connection state, guest state, identity, host) and host
(name), and a WaitForUpdatesEx long poll. Updates go through `StateTracker` (pure: updates →
`StateChange`s, no I/O), and each change is handed to the listener the backend gave. When VMs
or hosts appear or leave, or the stream fails, the `resync` callback asks for a read at once.

The first answer (version "") describes the whole inventory: it primes the tracker and yields no
events. VMs that appear later are new rows, not state changes (the VM-MIB has no "created"
notification); VMs that leave are reported by the poller's diff (vmDeleted needs the last
snapshot's row). A failure ends the thread and is kept in `failed`; the backend then raises
BackendUnavailable on its next read, so the poller reconnects and a new watcher starts.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid as uuidlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from vmwatch.model import OperState
from vmwatch_vmware.mapping import MappingError, oper_state, vm_uuid

log = logging.getLogger(__name__)

WATCHED_VM = ("name", "config.instanceUuid", "config.uuid", "runtime.powerState", "runtime.connectionState",
              "runtime.host", "guest.guestState")  # fmt: skip
WATCHED_HOST = ("name",)


@dataclass(frozen=True)
class StateChange:
    """A VM's vmOperState changed: `previous` → `new`, seen at `time` (epoch seconds).

    `host` is the ESXi host's name (the hypervisor's snapshot name when a vCenter has several).
    """

    host: str
    uuid: uuidlib.UUID
    name: str
    previous: OperState
    new: OperState
    time: float


@dataclass(frozen=True)
class ObjectUpdate:
    """One ObjectUpdate of an UpdateSet, reduced to plain data."""

    kind: str  # enter, modify, leave
    obj_type: str  # VirtualMachine, HostSystem
    ref: str  # managed object id
    changes: Mapping[str, Any] = field(default_factory=dict)  # property path → new value
    removed: frozenset[str] = frozenset()  # property paths that became unset


def object_updates(update_set: Any) -> list[ObjectUpdate]:
    """A pyVmomi UpdateSet → `ObjectUpdate`s (pure; malformed answers raise MappingError)."""
    out: list[ObjectUpdate] = []
    try:
        for filter_update in update_set.filterSet or ():
            for update in filter_update.objectSet or ():
                changes: dict[str, Any] = {}
                removed: set[str] = set()
                for change in update.changeSet or ():
                    if change.op in ("remove", "indirectRemove"):
                        removed.add(change.name)
                    else:
                        changes[change.name] = change.val
                out.append(
                    ObjectUpdate(
                        kind=str(update.kind),
                        obj_type=update.obj._wsdlName,
                        ref=update.obj._moId,
                        changes=changes,
                        removed=frozenset(removed),
                    )
                )
    except AttributeError as exc:
        raise MappingError(f"malformed WaitForUpdatesEx answer: {exc}") from exc
    return out


class StateTracker:
    """Keeps the watched properties of every VM and host; turns updates into StateChanges."""

    def __init__(self) -> None:
        self.vms: dict[str, dict[str, Any]] = {}
        self.hosts: dict[str, dict[str, Any]] = {}
        self.primed = False
        self.rows_changed = False  # a VM or host appeared or left since the last `take_rows_changed`

    def _state(self, props: Mapping[str, Any]) -> OperState:
        return oper_state(
            props.get("runtime.powerState"),
            props.get("runtime.connectionState"),
            props.get("guest.guestState"),
        )

    def apply(self, updates: Iterable[ObjectUpdate], now: float) -> list[StateChange]:
        """Apply one UpdateSet's updates; the state changes of VMs known before it."""
        changes: list[StateChange] = []
        for update in updates:
            table = self.vms if update.obj_type == "VirtualMachine" else self.hosts
            if update.kind in ("enter", "leave") and self.primed:
                self.rows_changed = True
            if update.kind == "leave":
                table.pop(update.ref, None)
                continue
            known = update.ref in table
            props = table.setdefault(update.ref, {})
            before = self._state(props) if known and table is self.vms else None
            props.update(update.changes)
            for name in update.removed:
                props.pop(name, None)
            if before is None or not self.primed:
                continue
            after = self._state(props)
            if after != before:
                uuid = vm_uuid(props)
                if uuid is None:
                    continue
                host = self.hosts.get(_moid(props.get("runtime.host")), {}).get("name", "")
                changes.append(StateChange(str(host), uuid, str(props.get("name", "")), before, after, now))
        self.primed = True
        return changes

    def take_rows_changed(self) -> bool:
        """True once after VMs or hosts appeared or left (a read is then due to show them)."""
        changed, self.rows_changed = self.rows_changed, False
        return changed


def _moid(ref: Any) -> str | None:
    return None if ref is None else str(getattr(ref, "_moId", ref))


class PowerStateWatcher:
    """The WaitForUpdatesEx loop of one session, in a daemon thread."""

    def __init__(
        self,
        session: Any,
        deliver: Callable[[list[StateChange]], None],
        wait_seconds: int = 10,
        resync: Callable[[], None] = lambda: None,
    ) -> None:
        self.session = session
        self.deliver = deliver
        self.resync = resync
        self.wait_seconds = wait_seconds
        self.tracker = StateTracker()
        self.failed: BaseException | None = None
        self.ready = threading.Event()  # set once the first (priming) answer is in
        self._stop = threading.Event()
        self._collector: Any = None
        self._thread = threading.Thread(target=self._run, name=f"vmware-events-{session.where}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        from pyVmomi import vim, vmodl

        from vmwatch_vmware.client import api_errors

        pc = vmodl.query.PropertyCollector
        try:
            with api_errors("WaitForUpdatesEx", self.session.where):
                content = self.session.content
                self._collector = content.propertyCollector.CreatePropertyCollector()
                view = content.viewManager.CreateContainerView(
                    content.rootFolder, [vim.VirtualMachine, vim.HostSystem], True
                )
                traversal = pc.TraversalSpec(
                    name="view", path="view", skip=False, type=vim.view.ContainerView
                )
                spec = pc.FilterSpec(
                    objectSet=[pc.ObjectSpec(obj=view, skip=True, selectSet=[traversal])],
                    propSet=[
                        pc.PropertySpec(type=vim.VirtualMachine, pathSet=list(WATCHED_VM)),
                        pc.PropertySpec(type=vim.HostSystem, pathSet=list(WATCHED_HOST)),
                    ],
                )
                self._collector.CreateFilter(spec, partialUpdates=False)
                version = ""
                options = pc.WaitOptions(maxWaitSeconds=self.wait_seconds)
                while not self._stop.is_set():
                    update_set = self._collector.WaitForUpdatesEx(version, options)
                    if self._stop.is_set():
                        break
                    if update_set is None:  # nothing changed within maxWaitSeconds
                        continue
                    version = update_set.version
                    found = self.tracker.apply(object_updates(update_set), time.time())
                    self.ready.set()
                    if found:
                        self.deliver(found)
                    if self.tracker.take_rows_changed():
                        self.resync()
        except Exception as exc:  # noqa: BLE001  kept for the next read; the thread ends here
            if not self._stop.is_set():
                self.failed = exc
                log.warning("%s: power-state stream ended: %s", self.session.where, exc)
                self.resync()  # the next read reports the loss, and the poller reconnects
        finally:
            self.ready.set()

    def stop(self, timeout: float = 1.0) -> None:
        """End the loop: cancel the pending WaitForUpdatesEx and wait for the thread; never raises."""
        self._stop.set()
        if self._collector is not None and self.failed is None and self._thread.is_alive():
            try:
                self._collector.CancelWaitForUpdates()
            except Exception:  # the server may be gone; the long poll then ends by itself
                log.debug("CancelWaitForUpdates failed", exc_info=True)
        if self._thread.ident is not None:
            self._thread.join(timeout)
        if self._collector is not None and self.failed is None:
            try:
                self._collector.DestroyPropertyCollector()
            except Exception:
                log.debug("DestroyPropertyCollector failed", exc_info=True)

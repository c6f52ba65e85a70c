"""The VMware backend the poller drives: one session to a vCenter (or ESXi), one Host per ESXi host.

Each `read()` is one bulk property read, one perf pass over the powered-on VMs and a pure
mapping. Perf counters are per-interval values; the backend keeps their running totals in an
`Accumulator` that outlives reconnections (see counters.py), so the MIB's Counter64 objects stay
monotonic. Power-state changes arrive between reads through the `PowerStateWatcher`; listeners
registered with `on_state_change` get them at once, from the watcher's thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from vmwatch.backend import BackendError, BackendUnavailable
from vmwatch.model import Host
from vmwatch_vmware import counters
from vmwatch_vmware.client import REALTIME, PerfRequest, Session
from vmwatch_vmware.events import PowerStateWatcher, StateChange
from vmwatch_vmware.mapping import Inventory, devices, map_inventory, vm_uuid
from vmwatch_vmware.settings import Settings

log = logging.getLogger(__name__)

CLOSE_WAIT = 3.0  # seconds close() waits for the server to acknowledge the logout


class VMwareBackend:
    """Backend for one vCenter or standalone ESXi connection (see vmwatch.backend.Backend)."""

    def __init__(self, name: str, settings: Settings, events: bool = True) -> None:
        self.name = name
        self.settings = settings
        self.events = events
        self.accumulator = counters.Accumulator()
        self._session: Session | None = None
        self._watcher: PowerStateWatcher | None = None
        self._counters: dict[str, int] = {}
        self._listeners: list[Callable[[StateChange], None]] = []
        self._resyncs: list[Callable[[], None]] = []
        self._lock = threading.Lock()

    # --- event feed ---------------------------------------------------------------------------

    def on_state_change(self, listener: Callable[[StateChange], None]) -> None:
        """Call `listener(change)` for every power-state change (from the watcher thread). Thread-safe."""
        with self._lock:
            self._listeners.append(listener)

    def on_resync(self, callback: Callable[[], None]) -> None:
        """Call `callback()` when a read is due now: VMs or hosts appeared or left, or the
        event stream was lost. Thread-safe; called from the watcher thread."""
        with self._lock:
            self._resyncs.append(callback)

    def _resync(self) -> None:
        with self._lock:
            callbacks = list(self._resyncs)
        for callback in callbacks:
            try:
                callback()
            except Exception:
                log.exception("%s: resync callback %r failed", self.name, callback)

    def _deliver(self, changes: list[StateChange]) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for change in changes:
            for listener in listeners:
                try:
                    listener(change)
                except Exception:  # one broken consumer must not stop the stream
                    log.exception("%s: state-change listener %r failed", self.name, listener)

    def wait_for_events(self, timeout: float) -> bool:
        """Wait until the event stream has primed (tests use this before changing a VM)."""
        return self._watcher is not None and self._watcher.ready.wait(timeout)

    # --- Backend contract -----------------------------------------------------------------------

    def connect(self) -> None:
        """Log in, learn the perf counters and start the event stream."""
        self.close()
        session = Session.open(self.settings, self.settings.password())
        try:
            self._counters = counters.choose_counters(session.counter_keys())
        except BackendError:
            session.close()
            raise
        self._session = session
        if self.events:
            # the long poll must end well within the socket timeout, or it would read as a failure
            wait = max(1, min(10, int(self.settings.timeout / 2)))
            self._watcher = PowerStateWatcher(session, self._deliver, wait_seconds=wait, resync=self._resync)
            self._watcher.start()

    def read(self) -> tuple[Host, ...]:
        """Every ESXi host behind the connection with its VMs, counters brought up to date."""
        session = self._session
        if session is None:
            raise BackendUnavailable(f"{self.name}: not connected")
        watcher = self._watcher
        if watcher is not None and watcher.failed is not None:
            raise BackendUnavailable(f"{self.name}: power-state stream lost: {watcher.failed}")
        inventory = session.read_inventory()
        self._update_counters(session, inventory)
        return map_inventory(inventory, self.accumulator.total)

    def close(self) -> None:
        """Stop the event stream and log out; never raises, returns within CLOSE_WAIT seconds.

        Cancelling the long poll and logging out are calls to the server; when it hangs they
        finish (or time out) in a daemon thread instead of holding up the poller's reconnection.
        """
        watcher, self._watcher = self._watcher, None
        session, self._session = self._session, None
        if watcher is None and session is None:
            return

        def goodbye() -> None:
            if watcher is not None:
                watcher.stop()
            if session is not None:
                session.close()

        helper = threading.Thread(target=goodbye, name=f"vmware-close-{self.name}", daemon=True)
        helper.start()
        helper.join(CLOSE_WAIT)

    # --- perf ---------------------------------------------------------------------------------

    def perf_requests(
        self, session: Session, inventory: Inventory
    ) -> tuple[list[PerfRequest], dict[str, str]]:
        """What to ask QueryPerf for each powered-on VM, and managed object id → vmUUID.

        A VM whose newest sample is younger than the realtime interval (20 s, by the server's
        clock) is skipped: vCenter cannot have a newer sample yet, so asking would only cost.
        """
        cpu = [key for name, key in self._counters.items() if name in counters.CPU_COUNTERS]
        disk = [key for name, key in self._counters.items() if name in counters.DISK_COUNTERS]
        net = [key for name, key in self._counters.items() if name in counters.NET_COUNTERS]
        requests: list[PerfRequest] = []
        uuids: dict[str, str] = {}
        now = inventory.now.timestamp()
        for ref, props in inventory.vms.items():
            if props.get("runtime.powerState") != "poweredOn" or props.get("config.template"):
                continue
            uuid = vm_uuid(props)
            if uuid is None:
                continue
            uuids[ref] = str(uuid)
            since = self.accumulator.last_time(str(uuid))
            if since is not None and now - since < REALTIME:
                continue  # no realtime sample can be newer yet: skip the VM this time
            found = devices(props)
            vcpus = props.get("config.hardware.numCPU") or 0
            metrics = [(k, i) for k in cpu for i in ("", *(str(n) for n in range(int(vcpus))))]
            metrics += [(k, i) for k in disk for i in found.disk_instances]
            metrics += [(k, i) for k in net for i in found.nic_instances]
            requests.append(PerfRequest(session.vm_ref(ref), metrics, since))
        return requests, uuids

    def _update_counters(self, session: Session, inventory: Inventory) -> None:
        if not self._counters:
            return
        requests, uuids = self.perf_requests(session, inventory)
        names = {key: name for name, key in self._counters.items()}
        for metric in session.query_perf(requests):
            uuid = uuids.get(getattr(getattr(metric, "entity", None), "_moId", None))
            if uuid is None:
                continue
            try:
                self.accumulator.add_all(uuid, counters.samples(metric, names))
            except counters.MalformedSample as exc:
                raise BackendError(f"{self.name}: {exc}") from exc
        self.accumulator.retain(str(u) for u in (vm_uuid(p) for p in inventory.vms.values()) if u is not None)

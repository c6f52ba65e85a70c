"""libvirt lifecycle events → vmOperState changes, delivered as they happen.

- `lifecycle_state(event, detail)` (pure): the virDomainState and reason a lifecycle event
  leaves the domain in, mapped through `mapping.oper_state`, so that an event and the next poll
  agree on the state (the event hub relies on that to drop duplicates). DEFINED and UNDEFINED
  change no state: they change rows, which the refresh they trigger picks up.
- `ensure_event_loop()`: libvirt's event implementation (eventloop.py: epoll, registered with
  `virEventRegisterImpl`; libvirt's default one where there is no epoll) driven by one daemon
  thread per process, blocked in epoll_wait (no busy polling). It must exist before a
  connection that wants events is opened; it also runs the connection's keepalive, so a dead
  daemon is noticed within about 15 s.
- `LifecycleFeed`: one backend's listeners, and its callback registration on the current
  connection (`domainEventRegisterAny(LIFECYCLE)` and a close callback). The backend attaches it
  after every (re)connect and detaches it before closing, so events survive reconnections.
"""

from __future__ import annotations

import logging
import select
import threading
import time
import uuid as uuidlib
from collections.abc import Callable
from typing import Any

from vmwatch.events import BackendStateChange
from vmwatch.model import OperState
from vmwatch_libvirt import mapping
from vmwatch_libvirt.eventloop import EpollEventLoop, run_forever

log = logging.getLogger(__name__)

# virDomainEventType and details (libvirt-domain.h), kept here so the mapping is testable
# without libvirt.
DEFINED, UNDEFINED, STARTED, SUSPENDED, RESUMED, STOPPED, SHUTDOWN, PMSUSPENDED, CRASHED = range(9)
RESUMED_POSTCOPY = 3
KEEPALIVE_INTERVAL, KEEPALIVE_COUNT = 5, 3

# SUSPENDED detail → VIR_DOMAIN_PAUSED_* reason
_PAUSED_REASON = {
    0: 1,  # paused by the user → PAUSED_USER
    1: mapping.PAUSED_MIGRATION,
    2: 5,  # I/O error → PAUSED_IOERROR
    3: 6,  # watchdog → PAUSED_WATCHDOG
    4: 1,  # restored in the paused state → as if paused by the user
    5: 7,  # from snapshot → PAUSED_FROM_SNAPSHOT
    6: 0,  # API error → PAUSED_UNKNOWN
    7: mapping.PAUSED_POSTCOPY,
    8: 13,  # post-copy failed → PAUSED_POSTCOPY_FAILED
}
# STOPPED detail → VIR_DOMAIN_SHUTOFF_* reason (the event's detail + 1, by libvirt's numbering)
_SHUTOFF_REASON = {d: d + 1 for d in range(7)}


def lifecycle_state(event: int, detail: int) -> OperState | None:
    """The vmOperState a lifecycle event leaves the domain in; None when it changes no state."""
    if event == STARTED:
        return mapping.oper_state(mapping.RUNNING, 1)
    if event == SUSPENDED:
        return mapping.oper_state(mapping.PAUSED, _PAUSED_REASON.get(detail, 0))
    if event == RESUMED:
        reason = mapping.RUNNING_POSTCOPY if detail == RESUMED_POSTCOPY else 5
        return mapping.oper_state(mapping.RUNNING, reason)
    if event == STOPPED:
        return mapping.oper_state(mapping.SHUTOFF, _SHUTOFF_REASON.get(detail, 0))
    if event == SHUTDOWN:
        return mapping.oper_state(mapping.SHUTDOWN, 0)
    if event == PMSUSPENDED:
        return mapping.oper_state(mapping.PMSUSPENDED, 0)
    if event == CRASHED:
        return mapping.oper_state(mapping.CRASHED, 0)
    return None  # DEFINED, UNDEFINED, or an event type newer than this code


_loop_lock = threading.Lock()
_loop_thread: threading.Thread | None = None
_loop: EpollEventLoop | None = None  # the running implementation, when it is ours


def ensure_event_loop() -> None:
    """Register libvirt's event implementation and start its thread, once per process.

    On Linux that is `eventloop.EpollEventLoop`: libvirt's default (GLib) loop is woken twice
    for every RPC on every connection, which cost 0.35-0.55 s of CPU per refresh at 1000 domains.
    """
    global _loop, _loop_thread
    import libvirt

    with _loop_lock:
        if _loop_thread is not None:
            return
        if hasattr(select, "epoll"):
            _loop = EpollEventLoop()
            _loop.register()
            run = _loop.run
        else:
            libvirt.virEventRegisterDefaultImpl()
            run = _run_default_impl
        _loop_thread = threading.Thread(target=run, name="vmwatch-libvirt-events", daemon=True)
        _loop_thread.start()


def _run_default_impl() -> None:
    import libvirt

    run_forever(libvirt.virEventRunDefaultImpl)


class LifecycleFeed:
    """Listeners of one backend's lifecycle events, and their registration on a connection."""

    def __init__(self, backend_name: str, clock: Callable[[], float] = time.time) -> None:
        self.backend_name = backend_name
        self._clock = clock
        self._lock = threading.Lock()
        self._listeners: list[Callable[[BackendStateChange], None]] = []
        self._resync: list[Callable[[], None]] = []
        self._conn: Any = None
        self._callback_id: int | None = None
        self.received = 0

    @property
    def wanted(self) -> bool:
        """True once anyone listens (the backend then connects with the event loop running)."""
        with self._lock:
            return bool(self._listeners or self._resync)

    def add_listener(self, listener: Callable[[BackendStateChange], None]) -> None:
        with self._lock:
            self._listeners.append(listener)

    def add_resync(self, callback: Callable[[], None]) -> None:
        with self._lock:
            self._resync.append(callback)

    def attach(self, conn: Any) -> None:
        """Register on a freshly opened connection (the event loop must have been running
        before it was opened). Failing to register is logged: polling still sees changes."""
        import libvirt

        self.detach()
        try:
            conn.setKeepAlive(KEEPALIVE_INTERVAL, KEEPALIVE_COUNT)
        except libvirt.libvirtError:
            pass  # local drivers (test:///) have no keepalive
        try:
            self._callback_id = conn.domainEventRegisterAny(
                None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, self._on_lifecycle, None
            )
        except libvirt.libvirtError as exc:
            log.warning("%s: no lifecycle events (%s); state changes come from polling only",
                        self.backend_name, exc.get_error_message())
            return
        try:
            conn.registerCloseCallback(self._on_close, None)
        except libvirt.libvirtError:
            pass  # drivers without a close callback: the next read notices instead
        self._conn = conn

    def detach(self) -> None:
        """Deregister from the current connection, if any; never raises."""
        conn, callback_id = self._conn, self._callback_id
        self._conn = self._callback_id = None
        if conn is None:
            return
        try:
            if callback_id is not None:
                conn.domainEventDeregisterAny(callback_id)
            conn.unregisterCloseCallback()
        except Exception:  # the connection may already be dead
            log.debug("%s: deregistering lifecycle events failed", self.backend_name, exc_info=True)

    # --- callbacks, in the event loop's thread ----------------------------------------------------

    def _on_lifecycle(self, _conn: Any, dom: Any, event: int, detail: int, _opaque: Any) -> None:
        self.received += 1
        try:
            state = lifecycle_state(event, detail)
            if state is None:
                self._call_resync()
                return
            change = BackendStateChange(
                uuid=uuidlib.UUID(dom.UUIDString()), new=state, time=self._clock(), name=dom.name()
            )
        except Exception:  # never let an exception escape into libvirt's C callback
            log.exception("%s: cannot read lifecycle event %s/%s", self.backend_name, event, detail)
            return
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(change)
            except Exception:
                log.exception("%s: lifecycle listener %r failed", self.backend_name, listener)

    def _on_close(self, _conn: Any, reason: int, _opaque: Any) -> None:
        log.warning("%s: libvirt closed the connection (reason %d); reconnecting", self.backend_name, reason)
        self._call_resync()

    def _call_resync(self) -> None:
        with self._lock:
            callbacks = list(self._resync)
        for callback in callbacks:
            try:
                callback()
            except Exception:
                log.exception("%s: resync callback failed", self.backend_name)

"""The notifier: state changes from the event hub → policy → one delivery queue per sink.

Per-VM notifications are queued the moment the hub reports the change (in the hub's thread:
`Policy.offer` is cheap). Bulk windows are closed by a timer thread of their own. Both read the
enable objects at that moment from the process's `NotificationSwitches`, so an SNMP SET takes
effect for the next change.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence

from vmwatch_mib.switches import NotificationSwitches

from vmwatch.events import EventHub, StateChange
from vmwatch_notify.delivery import Sink, SinkWorker
from vmwatch_notify.policy import Policy, PolicySettings
from vmwatch_notify.varbinds import Notification

log = logging.getLogger(__name__)


class Notifier:
    """Follows an `EventHub` and delivers RFC 7666 notifications to every sink."""

    def __init__(
        self,
        hub: EventHub,
        switches: NotificationSwitches,
        sinks: Sequence[Sink],
        settings: PolicySettings | None = None,
        queue_size: int = 1000,
        max_age: float = 600.0,
        retry_interval: float = 0.25,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.hub = hub
        self.switches = switches
        self._clock = clock
        self.policy = Policy(settings, now=clock())
        self.workers = [SinkWorker(s, queue_size, max_age, retry_interval, clock) for s in sinks]
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._stopping = False
        self._timer: threading.Thread | None = None

    def start(self) -> None:
        for worker in self.workers:
            worker.start()
        self._timer = threading.Thread(target=self._run_timer, name="vmwatch-notify-bulk", daemon=True)
        self._timer.start()
        self.hub.subscribe(self.on_change)

    def stop(self, drain: float = 1.0) -> None:
        """Stop following the hub, send what the open bulk window holds, drain, stop; never raises."""
        self.hub.unsubscribe(self.on_change)
        with self._lock:
            self._stopping = True
            pending = self.policy.due(self._clock(), self.switches.bulk, force=True)
            self._wake.notify()
        self._fan_out(pending)
        if self._timer is not None:
            self._timer.join(5)
        for worker in self.workers:
            worker.stop(drain)

    def on_change(self, change: StateChange) -> None:
        """The hub's listener: per-VM notifications out now, bulk gathered for its window."""
        with self._lock:
            opened = self.policy.next_due() is None
            out = self.policy.offer(change, self.switches.per_vm, self.switches.bulk, self._clock())
            if opened and self.policy.next_due() is not None:
                self._wake.notify()
        self._fan_out(out)

    def flush(self) -> None:
        """Close the open bulk window now (tests, shutdown)."""
        with self._lock:
            out = self.policy.due(self._clock(), self.switches.bulk, force=True)
        self._fan_out(out)

    def _run_timer(self) -> None:
        while True:
            with self._lock:
                while not self._stopping:
                    due = self.policy.next_due()
                    now = self._clock()
                    if due is not None and due <= now:
                        break
                    self._wake.wait(None if due is None else due - now)
                if self._stopping:
                    return
                out = self.policy.due(self._clock(), self.switches.bulk)
            self._fan_out(out)

    def _fan_out(self, notifications: list[Notification]) -> None:
        for notification in notifications:
            for worker in self.workers:
                worker.put(notification)

    def report(self) -> dict:
        """Counters for metrics: the policy's, and per sink sent / dropped / queued."""
        with self._lock:
            policy = self.policy.counters.as_dict()
        return {
            "policy": policy,
            "sinks": {
                w.name: {"sent": dict(w.sent), "dropped": dict(w.dropped), "queued": w.queued(), "up": w.available}
                for w in self.workers
            },
        }

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no bulk window is open and every queue is empty (tests)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                open_window = self.policy.next_due() is not None
            if not open_window and all(w.idle.is_set() for w in self.workers):
                return True
            time.sleep(0.01)
        return False

"""Delivery to one sink: a bounded queue and a worker thread, so a slow or absent receiver
(an AgentX master that restarts, an inform target that does not answer) delays only itself.

Behaviour while a sink cannot take notifications (it raises `SinkUnavailable`, e.g. no AgentX
session): notifications **stay queued**, in order, and the head is retried every
`retry_interval` seconds; once the sink is back they go out oldest first. The queue is bounded
(`queue_size`): when it is full the oldest notification is dropped to make room and counted as
`dropped{reason="queue_full"}`. A notification older than `max_age` seconds when its turn comes
is dropped as `expired` (a manager gains little from hour-old traps, and their sysUpTime would
be the sender's, not the event's). A sink that refuses one notification for good
(`DeliveryFailed`, or an unexpected error) has it counted as `failed` and goes on.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from typing import Protocol

from vmwatch_notify.varbinds import Notification

log = logging.getLogger(__name__)


class SinkUnavailable(Exception):
    """The sink cannot take notifications now (receiver down, no session); retry later."""


class DeliveryFailed(Exception):
    """This notification will never be delivered (refused, or no acknowledgement after retries)."""


class Sink(Protocol):
    """Where notifications go: the AgentX master, the embedded agent's targets ..."""

    name: str

    def deliver(self, notification: Notification) -> None:
        """Send one notification; return once handed over (or acknowledged, for informs).

        Raise SinkUnavailable to have it retried later, DeliveryFailed to give it up.
        """


class SinkWorker:
    """Queues notifications for one sink and delivers them in order from its own thread."""

    def __init__(
        self,
        sink: Sink,
        queue_size: int = 1000,
        max_age: float = 600.0,
        retry_interval: float = 0.25,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.sink = sink
        self.queue_size = max(1, queue_size)
        self.max_age = max_age
        self.retry_interval = retry_interval
        self._clock = clock
        self._queue: deque[Notification] = deque()
        self._cond = threading.Condition()
        self._stopping = False
        self._thread: threading.Thread | None = None
        self.sent: Counter[str] = Counter()  # by kind
        self.dropped: Counter[str] = Counter()  # by reason: queue_full, expired, failed
        self.retries = 0
        self.available = True
        self.idle = threading.Event()  # set while nothing is queued (tests wait on it)
        self.idle.set()

    @property
    def name(self) -> str:
        return self.sink.name

    def queued(self) -> int:
        with self._cond:
            return len(self._queue)

    def put(self, notification: Notification) -> None:
        """Queue one notification (never blocks); drops the oldest when the queue is full."""
        with self._cond:
            if len(self._queue) >= self.queue_size:
                self._queue.popleft()
                self.dropped["queue_full"] += 1
            self._queue.append(notification)
            self.idle.clear()
            self._cond.notify()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=f"vmwatch-notify-{self.name}", daemon=True)
        self._thread.start()

    def stop(self, drain: float = 1.0) -> None:
        """Give the queue up to `drain` seconds to empty, then end the thread; never raises."""
        if drain > 0:
            self.idle.wait(drain)
        with self._cond:
            self._stopping = True
            self._cond.notify()
        if self._thread is not None:
            self._thread.join(5)
        left = self.queued()
        if left:
            log.warning("notification sink %s stopped with %d notifications undelivered", self.name, left)
            self.dropped["shutdown"] += left

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._queue and not self._stopping:
                    self.idle.set()
                    self._cond.wait()
                if self._stopping:
                    return
                head = self._queue[0]
            outcome = self._attempt(head)
            with self._cond:
                if outcome != "retry":
                    if self._queue and self._queue[0] is head:  # else dropped as queue_full meanwhile
                        self._queue.popleft()
                    continue
                # new notifications must not hurry the retry: only stop() ends the wait early
                deadline = time.monotonic() + self.retry_interval
                while not self._stopping and (remaining := deadline - time.monotonic()) > 0:
                    self._cond.wait(remaining)

    def _attempt(self, notification: Notification) -> str:
        if self._clock() - notification.time > self.max_age:
            self.dropped["expired"] += 1
            return "expired"
        try:
            self.sink.deliver(notification)
        except SinkUnavailable as exc:
            if self.available:
                log.warning("notification sink %s unavailable (%s); queueing", self.name, exc)
            self.available = False
            self.retries += 1
            return "retry"
        except DeliveryFailed as exc:
            log.warning("notification %s to %s failed: %s", notification.name, self.name, exc)
            self.dropped["failed"] += 1
            return "failed"
        except Exception:  # a bug in a sink must not stop delivery of the rest
            log.exception("notification sink %s failed", self.name)
            self.dropped["failed"] += 1
            return "failed"
        if not self.available:
            log.info("notification sink %s is back", self.name)
        self.available = True
        self.sent[notification.kind.value] += 1
        return "sent"

"""libvirt's event implementation on epoll(7), driven by one daemon thread (`virEventRegisterImpl`).

Why not libvirt's default implementation: for the duration of every RPC, libvirt takes the
connection's socket out of the event loop and puts it back afterwards (virnetclient.c, "avoid
needless wake-ups of the event loop"), its keepalive moves its timer about three times per RPC,
and libvirt's GLib loop is woken to rebuild its poll set for each change. At 1000 domains that is
about 20,000 wake-ups per refresh and 0.35-0.55 s of CPU, whether the loop is iterated from Python
or runs in C. An epoll interest list can change while another thread waits in epoll_wait, without
waking it: here an RPC costs two epoll_ctl calls and three timer updates in the calling thread,
and the loop thread wakes only for socket input outside a call (events, a hang-up), for its timers
(keepalive, event dispatch) and when a timer is brought forward.
"""

from __future__ import annotations

import itertools
import logging
import math
import os
import select
import threading
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

# virEventHandleType
READABLE, WRITABLE, ERROR, HANGUP = 1, 2, 4, 8


def epoll_mask(events: int) -> int:
    """The epoll interest for a virEventHandleType set (errors and hang-ups are always reported)."""
    return (select.EPOLLIN if events & READABLE else 0) | (select.EPOLLOUT if events & WRITABLE else 0)


def handle_events(mask: int) -> int:
    """The virEventHandleType set of an epoll readiness mask."""
    return (
        (READABLE if mask & (select.EPOLLIN | select.EPOLLPRI) else 0)
        | (WRITABLE if mask & select.EPOLLOUT else 0)
        | (ERROR if mask & select.EPOLLERR else 0)
        | (HANGUP if mask & select.EPOLLHUP else 0)
    )


class _Handle:
    __slots__ = ("callback", "events", "fd", "key", "opaque", "watch")

    def __init__(self, watch: int, fd: int, key: int, events: int, callback: Any, opaque: Any) -> None:
        self.watch, self.fd, self.key, self.events = watch, fd, key, events
        self.callback, self.opaque = callback, opaque


class _Timer:
    __slots__ = ("callback", "due", "interval", "opaque", "timer")

    def __init__(self, timer: int, interval: int, callback: Any, opaque: Any) -> None:
        self.timer, self.callback, self.opaque = timer, callback, opaque
        self.interval, self.due = interval, _due(interval)


def _due(interval_ms: int) -> float:
    """When a timer set now to `interval_ms` fires next (inf: disabled, -1)."""
    return math.inf if interval_ms < 0 else time.monotonic() + interval_ms / 1000


def run_forever(iteration: Callable[[], object]) -> None:
    """Run one event-loop iteration after the other, forever; a failed one is logged and the loop
    goes on (every connection's events and keepalive depend on it)."""
    while True:
        try:
            iteration()
        except Exception:
            log.exception("libvirt event loop iteration failed")
            time.sleep(0.1)


class EpollEventLoop:
    """The six callbacks libvirt calls from any thread, and `run()`, the loop of one thread.

    Callbacks into libvirt (handle, timer, free) are made from the loop thread only, without the
    lock held: they may call back into add/update/remove.
    """

    def __init__(self) -> None:
        self._epoll = select.epoll()
        self._wake_r, self._wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        self._epoll.register(self._wake_r, select.EPOLLIN)
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._handles: dict[int, _Handle] = {}  # by watch
        self._keys: dict[int, _Handle] = {}  # by the descriptor registered with epoll
        self._timers: dict[int, _Timer] = {}
        self._freed: list[Any] = []  # opaques of removed handles and timers, freed by the loop
        self._waits_until = 0.0  # end of the loop's current epoll_wait (monotonic; inf: no timer)
        self.iterations = 0  # epoll_wait returns so far (tests check that RPCs cause none)

    def register(self) -> None:
        """Make this libvirt's event implementation (before any connection is opened)."""
        import libvirt

        libvirt.virEventRegisterImpl(
            self.add_handle, self.update_handle, self.remove_handle,
            self.add_timeout, self.update_timeout, self.remove_timeout,
        )  # fmt: skip

    # --- called by libvirt, from any thread -------------------------------------------------------

    def add_handle(self, fd: int, events: int, callback: Any, opaque: Any) -> int:
        # A duplicate per watch: epoll knows a file by its descriptor, and libvirt may watch one
        # descriptor twice.
        try:
            key = os.dup(fd)
        except OSError as exc:
            log.warning("libvirt event loop: cannot watch descriptor %d: %s", fd, exc)
            return -1
        with self._lock:
            try:
                if events:
                    self._epoll.register(key, epoll_mask(events))
            except OSError as exc:  # e.g. a regular file, which epoll cannot watch
                os.close(key)
                log.warning("libvirt event loop: cannot watch descriptor %d: %s", fd, exc)
                return -1
            handle = _Handle(next(self._ids), fd, key, events, callback, opaque)
            self._handles[handle.watch] = self._keys[key] = handle
        return handle.watch

    def update_handle(self, watch: int, events: int) -> None:
        with self._lock:
            handle = self._handles.get(watch)
            if handle is None or handle.events == events:
                return
            try:
                if not events:  # unregistered, not a zero mask: epoll would still report a hang-up
                    self._epoll.unregister(handle.key)
                elif handle.events:
                    self._epoll.modify(handle.key, epoll_mask(events))
                else:
                    self._epoll.register(handle.key, epoll_mask(events))
            except OSError as exc:  # cannot happen to a descriptor of our own; never raise into libvirt
                log.warning("libvirt event loop: cannot update watch %d: %s", watch, exc)
                return
            handle.events = events

    def remove_handle(self, watch: int) -> int:
        with self._lock:
            handle = self._handles.pop(watch, None)
            if handle is None:
                return -1
            del self._keys[handle.key]
            if handle.events:  # explicitly: libvirt's descriptor keeps the file open
                self._epoll.unregister(handle.key)
            os.close(handle.key)
            self._freed.append(handle.opaque)
        self._wake()
        return 0

    def add_timeout(self, interval: int, callback: Any, opaque: Any) -> int:
        with self._lock:
            timer = _Timer(next(self._ids), interval, callback, opaque)
            self._timers[timer.timer] = timer
            sooner = timer.due < self._waits_until
        if sooner:
            self._wake()
        return timer.timer

    def update_timeout(self, timer_id: int, interval: int) -> None:
        with self._lock:
            timer = self._timers.get(timer_id)
            if timer is None:
                return
            timer.interval, timer.due = interval, _due(interval)
            sooner = timer.due < self._waits_until
        if sooner:
            self._wake()

    def remove_timeout(self, timer_id: int) -> int:
        with self._lock:
            timer = self._timers.pop(timer_id, None)
            if timer is None:
                return -1
            self._freed.append(timer.opaque)
        self._wake()
        return 0

    def _wake(self) -> None:
        try:
            os.write(self._wake_w, b"\0")
        except BlockingIOError:  # the pipe is full: the loop is awake anyway
            pass

    def _live(self, source: _Handle | _Timer) -> bool:
        with self._lock:
            if isinstance(source, _Handle):
                return self._handles.get(source.watch) is source and bool(source.events)
            return self._timers.get(source.timer) is source

    # --- the loop thread --------------------------------------------------------------------------

    def run(self) -> None:
        """Dispatch forever (the thread's target)."""
        run_forever(self.run_once)

    def run_once(self) -> None:
        """Wait for a descriptor or the next timer, then dispatch what is due."""
        import libvirt

        with self._lock:
            self._waits_until = due = min((t.due for t in self._timers.values()), default=math.inf)
        timeout = -1 if due == math.inf else max(0.0, due - time.monotonic())
        try:
            ready = self._epoll.poll(timeout)
        except InterruptedError:
            ready = []
        self.iterations += 1
        calls: list[tuple[Any, Any, tuple]] = []  # (handle or timer, callback, arguments)
        now = time.monotonic()
        with self._lock:
            self._waits_until = 0.0  # awake: changes need no wake-up until the next wait
            for timer in self._timers.values():
                if timer.due <= now:
                    timer.due = now + timer.interval / 1000
                    calls.append((timer, timer.callback, (timer.timer, timer.opaque)))
            for key, mask in ready:
                handle = self._keys.get(key)
                if handle is not None and handle.events:  # not removed or disabled meanwhile
                    events = handle_events(mask) & (handle.events | ERROR | HANGUP)
                    if events:
                        calls.append(
                            (handle, handle.callback, (handle.watch, handle.fd, events, handle.opaque))
                        )
            freed, self._freed = self._freed, []
        if any(key == self._wake_r for key, _ in ready):
            try:
                while os.read(self._wake_r, 4096):
                    pass
            except BlockingIOError:
                pass
        for source, callback, args in calls:
            if not self._live(source):  # removed or disabled by an earlier callback
                continue
            try:
                callback(*args)
            except Exception:
                log.exception("libvirt event callback failed")
        for opaque in freed:  # after removal returned, as libvirt requires
            libvirt.virEventInvokeFreeCallback(opaque)

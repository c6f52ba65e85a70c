"""libvirt lifecycle events through a real private libvirtd (test driver): virsh changes reach
the event hub at once (native), in order, with the right previous state; rows follow; events
come back after libvirtd restarts. Fails, never skips, without libvirtd."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid

import pytest
from services import wait_for
from vmwatch_libvirt.events import (
    CRASHED,
    DEFINED,
    PMSUSPENDED,
    RESUMED,
    SHUTDOWN,
    STARTED,
    STOPPED,
    SUSPENDED,
    UNDEFINED,
    lifecycle_state,
)

from vmwatch.events import NATIVE, POLL, EventHub, StateChange
from vmwatch.indexer import Indexer
from vmwatch.model import OperState
from vmwatch.poller import Poller, SnapshotCache
from vmwatch.service import follow_events

pytestmark = pytest.mark.integration
R, P, S = OperState.RUNNING, OperState.PAUSED, OperState.SHUTDOWN

DOMAIN_XML = """<domain type='test'>
  <name>{name}</name><uuid>{uuid}</uuid>
  <memory unit='MiB'>64</memory><vcpu>1</vcpu>
  <os><type arch='x86_64'>hvm</type></os>
</domain>"""


@pytest.mark.parametrize(
    ("event", "detail", "state"),
    [
        (STARTED, 0, R), (STARTED, 2, R), (SUSPENDED, 0, P), (SUSPENDED, 1, OperState.MIGRATING),
        (SUSPENDED, 2, P), (SUSPENDED, 7, OperState.MIGRATING), (RESUMED, 0, R), (RESUMED, 3, OperState.MIGRATING),
        (STOPPED, 0, S), (STOPPED, 1, S), (STOPPED, 2, OperState.CRASHED), (STOPPED, 4, OperState.SUSPENDED),
        (SHUTDOWN, 0, OperState.SHUTTINGDOWN), (PMSUSPENDED, 0, OperState.SUSPENDED), (CRASHED, 0, OperState.CRASHED),
        (DEFINED, 0, None), (UNDEFINED, 0, None), (42, 0, None),
    ],
)
def test_lifecycle_events_map_like_the_poll(event, detail, state):
    assert lifecycle_state(event, detail) == state


class Watched:
    """A backend + poller + hub running in a thread of their own, recording every change."""

    def __init__(self, uri: str, interval: float = 30.0) -> None:
        from vmwatch_libvirt.client import LibvirtBackend

        self.cache = SnapshotCache()
        self.hub = EventHub()
        self.hub.attach(self.cache)
        self.backend = LibvirtBackend("kvm", uri)
        self.poller = Poller(self.backend, "libvirt", self.cache, lambda name: Indexer(None), interval=interval,
                             backoff_max=1.0)
        follow_events(self.backend, self.poller, self.hub)
        self.changes: list[tuple[float, StateChange]] = []
        self.hub.subscribe(lambda c: self.changes.append((time.monotonic(), c)))
        self.loop = asyncio.new_event_loop()
        self.task = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        self.task = self.loop.create_task(self.poller.run())
        try:
            self.loop.run_until_complete(self.task)
        except asyncio.CancelledError:
            pass

    def start(self) -> Watched:
        self.thread.start()
        wait_for(lambda: self.cache.snapshot("kvm") is not None, 20, "the first snapshot")
        return self

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.task.cancel)
        self.thread.join(10)

    def wait_change(self, name: str, new, timeout: float = 10.0) -> tuple[float, StateChange]:
        found = []

        def check() -> bool:
            found[:] = [(t, c) for t, c in self.changes if c.vm.name == name and c.new_oper_state == new]
            return bool(found)

        wait_for(check, timeout, f"{name} → {new}")
        return found[-1]


@pytest.fixture
def watched(libvirtd):
    for n in range(1, 4):
        dom = libvirtd.keeper.defineXML(DOMAIN_XML.format(name=f"guest{n}", uuid=uuid.UUID(int=n)))
        dom.create()
    w = Watched(libvirtd.uri).start()
    assert w.backend.events.received == 0
    try:
        yield w
    finally:
        w.stop()


def test_virsh_changes_arrive_natively_in_order_with_previous_state(libvirtd, watched):
    steps = [("suspend", P), ("resume", R), ("destroy", S), ("start", R), ("suspend", P)]
    latencies = []
    for command, state in steps:
        began = time.monotonic()
        libvirtd.virsh(command, "guest2")
        seen_at, _ = watched.wait_change("guest2", state)
        latencies.append(seen_at - began)
        watched.changes.clear()
    # a 30 s poll interval: these can only have come from events (virsh itself takes ~50 ms)
    assert max(latencies) < 5.0, latencies


def test_sequence_is_reported_once_each(libvirtd, watched):
    for command in ("suspend", "resume", "destroy", "start"):
        libvirtd.virsh(command, "guest1")
    watched.wait_change("guest1", R)
    time.sleep(0.5)  # let the refreshes the events triggered finish: they must add nothing
    mine = [c for _, c in watched.changes if c.vm.name == "guest1"]
    assert [(c.previous_oper_state, c.new_oper_state, c.source) for c in mine] == [
        (R, P, NATIVE), (P, R, NATIVE), (R, S, NATIVE), (S, R, NATIVE)
    ]
    assert watched.hub.stats.poll_changes == 0


def test_undefine_is_a_deletion_and_rows_follow(libvirtd, watched):
    before = watched.cache.snapshot("kvm")
    assert before.vm_number == 4  # the test driver's own "test" domain + 3
    libvirtd.virsh("destroy", "guest3")
    watched.wait_change("guest3", S)
    libvirtd.virsh("undefine", "guest3")
    _, gone = watched.wait_change("guest3", None)
    assert gone.deleted and gone.previous_oper_state is S and gone.source == POLL
    after = watched.cache.snapshot("kvm")
    assert after.vm_number == 3 and after.table_last_change > before.table_last_change
    # a new domain is a new row, not a state change
    dom = libvirtd.keeper.defineXML(DOMAIN_XML.format(name="guest9", uuid=uuid.UUID(int=9)))
    wait_for(lambda: watched.cache.snapshot("kvm").vm_number == 4, 10, "the new row")
    dom.create()
    watched.wait_change("guest9", R)  # once the row exists, its changes are reported


def test_reads_do_not_wake_the_event_loop(libvirtd, watched):
    # libvirt takes the socket out of the loop and puts it back around every RPC, and moves the
    # keepalive timer; its default loop woke for each (2 wake-ups per call, 0.35-0.55 s of CPU per
    # refresh at 1000 domains). Ours changes its epoll set without waking.
    from vmwatch_libvirt import events

    loop = events._loop
    assert loop is not None
    conn = watched.backend._conn
    before = loop.iterations
    for _ in range(300):
        conn.getHostname()
    assert loop.iterations - before < 10  # the keepalive timer (5 s), a stray event at most
    libvirtd.virsh("suspend", "guest1")  # and events still arrive
    watched.wait_change("guest1", P)


def test_events_are_registered_again_after_libvirtd_restarts(libvirtd, watched):
    libvirtd.stop()
    libvirtd.start()
    wait_for(lambda: watched.poller.health.up and watched.poller.health.failures > 0, 30, "the poller to reconnect")
    watched.changes.clear()
    began = time.monotonic()
    libvirtd.virsh("suspend", "test")  # the test driver's own domain, present again after the restart
    seen_at, change = watched.wait_change("test", P)
    assert change.source == NATIVE and seen_at - began < 5.0

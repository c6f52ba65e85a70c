"""The event hub: polling diffs, native events, de-duplication, order, counts."""

from __future__ import annotations

import uuid

from hypothesis import given, settings
from hypothesis import strategies as st

from vmwatch.events import DELETED, NATIVE, POLL, BackendStateChange, EventHub, state_label
from vmwatch.model import Hypervisor, OperState, Persistent, Snapshot, VirtualMachine
from vmwatch.poller import SnapshotCache

R, P, S, C = OperState.RUNNING, OperState.PAUSED, OperState.SHUTDOWN, OperState.CRASHED


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def u(n: int) -> uuid.UUID:
    return uuid.UUID(int=n)


def snap(states: dict[int, OperState], name: str = "hv", backend: str = "b", at: float = 0.0) -> Snapshot:
    vms = tuple(
        VirtualMachine(uuid=u(n), name=f"vm{n}", index=n, oper_state=s, persistent=Persistent.PERSISTENT)
        for n, s in sorted(states.items())
    )
    return Snapshot(name, backend, Hypervisor("test", "1", 0), vms, taken_at=at)


def hub_with(clock=None, window=5.0):
    hub = EventHub(window=window, clock=clock or Clock())
    seen = []
    hub.subscribe(seen.append)
    return hub, seen


def test_first_snapshot_only_primes():
    hub, seen = hub_with()
    assert hub.on_snapshot(snap({1: R, 2: P})) == []
    assert seen == []


def test_polling_diff_reports_changes_with_previous_state():
    hub, seen = hub_with()
    hub.on_snapshot(snap({1: R, 2: R}))
    changes = hub.on_snapshot(snap({1: P, 2: R}, at=12.0))
    assert [(c.vm.name, c.previous_oper_state, c.new_oper_state, c.source, c.time) for c in changes] == [
        ("vm1", R, P, POLL, 12.0)
    ]
    assert seen == changes
    assert changes[0].vm.oper_state is P and changes[0].vm.index == 1


def test_new_rows_are_not_changes_and_removed_rows_are_deletions():
    hub, _ = hub_with()
    hub.on_snapshot(snap({1: R}))
    assert hub.on_snapshot(snap({1: R, 2: S})) == []  # VM-MIB has no "created" notification
    (gone,) = hub.on_snapshot(snap({2: S}))
    assert gone.deleted and gone.new_oper_state is DELETED
    assert gone.previous_oper_state is R and gone.vm.name == "vm1" and gone.vm.persistent is Persistent.PERSISTENT


def test_native_event_is_reported_at_once_and_the_poll_diff_not_again():
    clock = Clock()
    hub, seen = hub_with(clock)
    hub.on_snapshot(snap({1: R}))
    change = hub.on_native("b", BackendStateChange(u(1), P, time=1000.5))
    assert change is not None and change.source == NATIVE and change.previous_oper_state is R
    assert change.vm.oper_state is P and change.hypervisor == "hv"
    clock.now += 0.2
    assert hub.on_snapshot(snap({1: P})) == []  # the refresh the event triggered agrees
    assert [c.source for c in seen] == [NATIVE]
    assert hub.on_native("b", BackendStateChange(u(1), P, time=1001.0)) is None  # a repeat
    assert hub.stats.native_duplicates == 1


def test_snapshot_older_than_the_native_event_is_not_believed_within_the_window():
    clock = Clock()
    hub, _ = hub_with(clock, window=5.0)
    hub.on_snapshot(snap({1: R}))
    hub.on_native("b", BackendStateChange(u(1), P, time=clock.now))
    # a read that started before the event still shows running: no flip-flop
    assert hub.on_snapshot(snap({1: R})) == []
    assert hub.known_state("hv", u(1)) is P
    assert hub.stats.poll_deferred == 1
    # after the window, the snapshot wins (an event was missed)
    clock.now += 6
    (late,) = hub.on_snapshot(snap({1: R}))
    assert (late.previous_oper_state, late.new_oper_state, late.source) == (P, R, POLL)


def test_native_event_after_the_poll_saw_it_is_a_duplicate():
    hub, seen = hub_with()
    hub.on_snapshot(snap({1: R}))
    hub.on_snapshot(snap({1: S}))
    assert hub.on_native("b", BackendStateChange(u(1), S, time=0)) is None
    assert len(seen) == 1


def test_native_sequence_keeps_order_and_previous_states():
    hub, seen = hub_with()
    hub.on_snapshot(snap({1: R}))
    for state in (P, R, S, R):
        hub.on_native("b", BackendStateChange(u(1), state, time=0))
    assert [(c.previous_oper_state, c.new_oper_state) for c in seen] == [(R, P), (P, R), (R, S), (S, R)]


def test_native_event_for_an_unknown_vm_waits_for_the_snapshot():
    hub, seen = hub_with()
    hub.on_snapshot(snap({1: R}))
    assert hub.on_native("b", BackendStateChange(u(9), R, time=0)) is None
    assert hub.on_native("other-backend", BackendStateChange(u(1), P, time=0)) is None
    assert hub.stats.native_unknown == 2 and seen == []


def test_native_event_finds_the_host_of_a_multi_host_backend():
    hub, _ = hub_with()
    hub.on_snapshot(snap({1: R}, name="esx1", backend="vc"))
    hub.on_snapshot(snap({2: R}, name="esx2", backend="vc"))
    change = hub.on_native("vc", BackendStateChange(u(2), P, time=0, host="esx1"))  # moved, host stale
    assert change is not None and change.hypervisor == "esx2"


def test_vmware_style_events_are_accepted():
    from dataclasses import dataclass

    @dataclass(frozen=True)
    class VMwareChange:  # the shape of vmwatch_vmware.events.StateChange
        host: str
        uuid: uuid.UUID
        name: str
        previous: OperState
        new: OperState
        time: float

    hub, seen = hub_with()
    hub.on_snapshot(snap({1: R}, name="esx1", backend="vc"))
    hub.on_native("vc", VMwareChange("esx1", u(1), "vm1", OperState.UNKNOWN, S, 5.0))
    assert [(c.previous_oper_state, c.new_oper_state, c.time) for c in seen] == [(R, S, 5.0)]


def test_counts_by_hypervisor_and_labels():
    hub, _ = hub_with()
    hub.on_snapshot(snap({1: R, 2: R}))
    hub.on_snapshot(snap({1: P, 2: R}))
    hub.on_snapshot(snap({1: P}))
    assert hub.state_changes() == {("hv", "running", "paused"): 1, ("hv", "running", "deleted"): 1}
    assert state_label(OperState.SHUTTINGDOWN) == "shuttingdown" and state_label(None) == "deleted"


def test_a_failing_listener_does_not_stop_the_others():
    hub, seen = hub_with()

    def broken(change):
        raise RuntimeError("boom")

    hub.subscribe(broken)
    hub.subscribe(seen.append)
    hub.on_snapshot(snap({1: R}))
    hub.on_snapshot(snap({1: P}))
    assert len(seen) == 2  # the first subscriber and the last both got it


def test_attach_follows_the_cache():
    cache = SnapshotCache()
    hub, seen = hub_with()
    hub.attach(cache)
    assert cache.events is hub
    cache.publish(snap({1: R}))
    cache.publish(snap({1: C}))
    assert [c.new_oper_state for c in seen] == [C]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["snap", "native"]), st.integers(1, 4), st.sampled_from([R, P, S, C])),
        max_size=40,
    )
)
def test_reported_changes_chain_and_end_in_the_known_state(steps):
    """Whatever the interleaving, each VM's reported changes form a chain (each change starts
    where the previous ended) and never repeat a state."""
    clock = Clock()
    hub, seen = hub_with(clock, window=0.0)  # no deferral: every snapshot is believed
    truth = {n: R for n in range(1, 5)}
    hub.on_snapshot(snap(truth))
    for kind, n, state in steps:
        clock.now += 1
        truth[n] = state
        if kind == "snap":
            hub.on_snapshot(snap(truth))
        else:
            hub.on_native("b", BackendStateChange(u(n), state, time=clock.now))
    last = {n: R for n in range(1, 5)}
    for change in seen:
        n = change.vm.index
        assert change.previous_oper_state == last[n] != change.new_oper_state
        last[n] = change.new_oper_state
    hub.on_snapshot(snap(truth))
    for n, state in truth.items():
        assert hub.known_state("hv", u(n)) == state


def test_a_refresh_asked_for_during_a_read_is_not_lost():
    """An event that arrives while the poller reads must cause another read at once (else a
    deletion it announces waits a whole interval)."""
    import asyncio
    import threading

    from vmwatch.indexer import Indexer
    from vmwatch.model import Host
    from vmwatch.poller import Poller

    reading = threading.Event()
    release = threading.Event()

    class SlowBackend:
        name = "slow"
        reads = 0

        def connect(self):
            pass

        def read(self):
            SlowBackend.reads += 1
            if SlowBackend.reads == 2:
                reading.set()
                release.wait(5)
            return (Host(Hypervisor("t", "1", 0), ()),)

        def close(self):
            pass

    async def scenario():
        poller = Poller(SlowBackend(), "toy", SnapshotCache(), lambda name: Indexer(None), interval=30)
        task = asyncio.create_task(poller.run())
        await asyncio.sleep(0.05)
        poller.request_refresh()  # read 2 starts and blocks
        await asyncio.to_thread(reading.wait, 5)
        poller.request_refresh()  # asked for during read 2
        release.set()
        for _ in range(100):
            if SlowBackend.reads >= 3:
                break
            await asyncio.sleep(0.02)
        task.cancel()
        return SlowBackend.reads

    assert asyncio.run(scenario()) >= 3

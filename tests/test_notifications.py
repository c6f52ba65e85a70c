"""Notifications without services: varbinds, bitmap, policy (rate limit, bulk), delivery queues."""

from __future__ import annotations

import json
import threading
import time
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st
from vmwatch_mib.objects import AFFECTED_VMS, SNMP_TRAP_OID
from vmwatch_mib.smi import Syntax, Value
from vmwatch_mib.switches import NotificationSwitches
from vmwatch_notify import eventlog, varbinds
from vmwatch_notify.delivery import DeliveryFailed, SinkUnavailable, SinkWorker
from vmwatch_notify.notifier import Notifier
from vmwatch_notify.plugin import check
from vmwatch_notify.policy import Policy, PolicySettings, TokenBucket
from vmwatch_notify.varbinds import BitmapError, Kind, vm_list, vm_list_indexes

from vmwatch.events import DELETED, EventHub, StateChange
from vmwatch.model import Hypervisor, OperState, Persistent, Snapshot, VirtualMachine

R, P, S, C = OperState.RUNNING, OperState.PAUSED, OperState.SHUTDOWN, OperState.CRASHED
MIB = (1, 3, 6, 1, 2, 1, 236)


def vm(n: int, state: OperState = R, name: str | None = None) -> VirtualMachine:
    return VirtualMachine(
        uuid=uuid.UUID(int=n), name=name or f"vm{n}", index=n, oper_state=state, persistent=Persistent.TRANSIENT
    )


def change(n: int, before: OperState, after: OperState | None, t: float = 100.0, hv: str = "hv") -> StateChange:
    return StateChange(vm(n, after or before), before, after, t, hv)


# --- varbinds -------------------------------------------------------------------------------------


def test_per_vm_notification_names_the_new_state_and_carries_the_previous():
    n = varbinds.per_vm(change(3, R, P))
    assert n.kind is Kind.PER_VM and n.name == "vmPaused" and n.oid == MIB + (0, 4)
    assert n.varbinds == (
        (SNMP_TRAP_OID, Value(Syntax.OBJECT_IDENTIFIER, MIB + (0, 4))),
        (MIB + (1, 4, 1, 2, 3), Value(Syntax.OCTET_STRING, b"vm3")),
        (MIB + (1, 4, 1, 3, 3), Value(Syntax.OCTET_STRING, uuid.UUID(int=3).bytes)),
        (MIB + (1, 4, 1, 6, 3), Value(Syntax.INTEGER, 4)),  # previous: running(4)
    )


def test_deleted_adds_vm_persistent():
    n = varbinds.per_vm(change(7, S, DELETED))
    assert n.name == "vmDeleted" and n.oid == MIB + (0, 10)
    assert n.varbinds[-2:] == (
        (MIB + (1, 4, 1, 6, 7), Value(Syntax.INTEGER, 11)),
        (MIB + (1, 4, 1, 8, 7), Value(Syntax.INTEGER, 3)),
    )


@pytest.mark.parametrize(
    ("state", "number"),
    [(R, 1), (OperState.SHUTTINGDOWN, 2), (S, 3), (P, 4), (OperState.SUSPENDING, 5), (OperState.SUSPENDED, 6),
     (OperState.RESUMING, 7), (OperState.MIGRATING, 8), (C, 9), (None, 10)],
)
def test_notification_numbers_follow_the_mib(state, number):
    assert varbinds.notification_number(state) == number
    assert varbinds.notification_number(state, bulk=True) == number + 10


@pytest.mark.parametrize("state", [OperState.UNKNOWN, OperState.OTHER, OperState.PREPARING])
def test_states_without_a_notification_type(state):
    assert varbinds.per_vm(change(1, R, state)) is None
    assert varbinds.notification_number(state) is None


def test_bitmap_most_significant_bit_is_the_lowest_index():
    assert vm_list([1]) == b"\x80"
    assert vm_list([8]) == b"\x01"
    assert vm_list([9]) == b"\x00\x80"
    assert vm_list([1, 2, 16]) == b"\xc0\x01"
    assert vm_list([]) == b""
    with pytest.raises(BitmapError):
        vm_list([0])


@given(st.sets(st.integers(1, 5000), max_size=300))
def test_bitmap_round_trip(indexes):
    assert vm_list_indexes(vm_list(indexes)) == sorted(indexes)


def test_bulk_notification():
    n = varbinds.bulk(S, "hv", [3, 1, 3], 5.0)
    assert n.name == "vmBulkShutdown" and n.indexes == (1, 3)
    assert n.varbinds == (
        (SNMP_TRAP_OID, Value(Syntax.OBJECT_IDENTIFIER, MIB + (0, 13))),
        (AFFECTED_VMS, Value(Syntax.OCTET_STRING, b"\xa0")),
    )


# --- policy ---------------------------------------------------------------------------------------


def test_token_bucket():
    bucket = TokenBucket(rate=2, burst=3, now=0)
    assert [bucket.take(0) for _ in range(4)] == [True, True, True, False]
    assert bucket.take(0.5) and not bucket.take(0.5)
    assert TokenBucket(0, 1).take(0)  # 0: unlimited


def test_per_vm_only_with_rate_limit_counts_add_up():
    policy = Policy(PolicySettings(per_vm_rate=10, per_vm_burst=5))
    sent = []
    for i in range(1, 201):
        sent += policy.offer(change(i, R, S), per_vm_enabled=True, bulk_enabled=False, now=0.0)
    c = policy.counters
    assert len(sent) == c.per_vm == 5
    assert c.rate_limited == c.dropped_rate_limit == 195
    assert c.per_vm + c.dropped_rate_limit == c.changes == 200
    assert policy.next_due() is None


def test_storm_with_bulk_only_gives_one_pdu_per_state():
    policy = Policy(PolicySettings(bulk_window=1.0))
    for i in range(1, 201):
        assert policy.offer(change(i, R, S if i % 2 else C), False, True, now=i / 1000) == []
    assert policy.due(0.9) == [] and policy.next_due() == pytest.approx(1.001)
    out = policy.due(1.1)
    assert [n.name for n in out] == ["vmBulkShutdown", "vmBulkCrashed"]  # order first seen
    assert vm_list_indexes(out[0].varbinds[1][1].value) == list(range(1, 201, 2))
    assert vm_list_indexes(out[1].varbinds[1][1].value) == list(range(2, 201, 2))
    assert policy.counters.coalesced == 200 and policy.counters.bulk == 2


def test_both_enabled_all_mode_bulk_lists_every_change():
    policy = Policy(PolicySettings(per_vm_rate=10, per_vm_burst=2, bulk_mode="all"))
    sent = [n for i in range(1, 6) for n in policy.offer(change(i, R, P), True, True, 0.0)]
    assert len(sent) == 2
    (bulk,) = policy.due(10.0)
    assert bulk.indexes == (1, 2, 3, 4, 5)
    assert policy.counters.dropped_rate_limit == 0


def test_overflow_mode_sends_each_change_once():
    policy = Policy(PolicySettings(per_vm_rate=10, per_vm_burst=2, bulk_mode="overflow"))
    sent = [n for i in range(1, 6) for n in policy.offer(change(i, R, P), True, True, 0.0)]
    (bulk,) = policy.due(10.0)
    assert [n.indexes[0] for n in sent] == [1, 2] and bulk.indexes == (3, 4, 5)
    c = policy.counters
    assert c.per_vm + c.coalesced == c.changes == 5


def test_bulk_disabled_before_the_window_closes():
    policy = Policy()
    policy.offer(change(1, R, P), False, True, 0.0)
    assert policy.due(5.0, bulk_enabled=False) == []
    assert policy.counters.disabled == 1


def test_same_vm_twice_in_one_window_is_in_both_bitmaps():
    policy = Policy()
    policy.offer(change(4, R, P), False, True, 0.0)
    policy.offer(change(4, P, R), False, True, 0.1)
    assert [(n.name, n.indexes) for n in policy.due(2.0)] == [("vmBulkPaused", (4,)), ("vmBulkRunning", (4,))]


def test_bulk_is_per_hypervisor():
    policy = Policy()
    policy.offer(change(1, R, P, hv="a"), False, True, 0.0)
    policy.offer(change(1, R, P, hv="b"), False, True, 0.0)
    assert [(n.hypervisor, n.indexes) for n in policy.due(2.0)] == [("a", (1,)), ("b", (1,))]


def test_notifications_options_are_checked():
    assert check({}) == []
    assert {p.key for p in check({"per_vm_rate": -1, "bulk_mode": "x", "queue_size": 1.5, "nope": 1})} == {
        "per_vm_rate", "bulk_mode", "queue_size", "nope"
    }


# --- delivery -------------------------------------------------------------------------------------


class FakeSink:
    name = "fake"

    def __init__(self) -> None:
        self.up = True
        self.got = []
        self.fail = set()

    def deliver(self, notification) -> None:
        if not self.up:
            raise SinkUnavailable("down")
        if notification.indexes[0] in self.fail:
            raise DeliveryFailed("refused")
        self.got.append(notification)


def wait(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.005)
    return False


def notif(i: int, t: float | None = None):
    return varbinds.per_vm(change(i, R, P, t=time.time() if t is None else t))


def test_worker_queues_while_unavailable_and_delivers_in_order_after():
    sink = FakeSink()
    sink.up = False
    worker = SinkWorker(sink, queue_size=3, retry_interval=0.02)
    worker.start()
    try:
        for i in range(1, 6):
            worker.put(notif(i))
        assert wait(lambda: worker.retries >= 2)
        assert worker.queued() == 3 and worker.dropped["queue_full"] == 2
        sink.up = True
        assert worker.idle.wait(5)
        assert [n.indexes[0] for n in sink.got] == [3, 4, 5]
        assert worker.sent["per_vm"] == 3
    finally:
        worker.stop()


def test_worker_counts_failures_and_expired_and_goes_on():
    sink = FakeSink()
    sink.fail = {2}
    worker = SinkWorker(sink, max_age=60)
    worker.start()
    try:
        worker.put(notif(1))
        worker.put(notif(2))
        worker.put(notif(3, t=time.time() - 120))
        worker.put(notif(4))
        assert worker.idle.wait(5) and wait(lambda: len(sink.got) == 2)
        assert [n.indexes[0] for n in sink.got] == [1, 4]
        assert dict(worker.dropped) == {"failed": 1, "expired": 1}
    finally:
        worker.stop()


def test_notifier_follows_the_hub_and_reads_switches_at_each_change():
    hub = EventHub(window=0)
    switches = NotificationSwitches(per_vm=True, bulk=False)
    sink = FakeSink()
    notifier = Notifier(hub, switches, [sink], PolicySettings(bulk_window=0.05))
    notifier.start()
    try:
        def snap(states):
            vms = tuple(vm(n, s) for n, s in sorted(states.items()))
            return Snapshot("hv", "b", Hypervisor("t", "1", 0), vms, taken_at=time.time())

        hub.on_snapshot(snap({1: R, 2: R}))
        hub.on_snapshot(snap({1: P, 2: R}))
        assert notifier.wait_idle(5)
        assert [n.name for n in sink.got] == ["vmPaused"]
        switches.set(switches_oid("per_vm"), False)
        switches.set(switches_oid("bulk"), True)
        hub.on_snapshot(snap({1: P, 2: C}))
        assert notifier.wait_idle(5)
        assert [n.name for n in sink.got] == ["vmPaused", "vmBulkCrashed"]
        report = notifier.report()
        assert report["sinks"]["fake"]["sent"] == {"per_vm": 1, "bulk": 1}
        assert report["policy"]["coalesced"] == 1
    finally:
        notifier.stop()


def switches_oid(which: str):
    from vmwatch_mib.objects import BULK_ENABLED, PER_VM_ENABLED

    return PER_VM_ENABLED if which == "per_vm" else BULK_ENABLED


def test_notifier_stop_sends_the_open_bulk_window():
    hub = EventHub()
    sink = FakeSink()
    notifier = Notifier(hub, NotificationSwitches(per_vm=False, bulk=True), [sink], PolicySettings(bulk_window=60))
    notifier.start()
    notifier.on_change(change(5, R, S, t=time.time()))
    notifier.stop(drain=2)
    assert [n.name for n in sink.got] == ["vmBulkShutdown"]


# --- event log --------------------------------------------------------------------------------


def test_event_log_lines_and_rotation(tmp_path):
    path = tmp_path / "log" / "events.jsonl"
    log = eventlog.EventLog(path)
    log.open()
    log.write(StateChange(vm(2, P, name="wéb"), R, P, 1_800_000_000.25, "kvm01", "native"))
    path.rename(tmp_path / "log" / "events.jsonl.1")  # logrotate
    log.write(change(3, S, None, t=1_800_000_001.0))
    log.close()
    first = json.loads((tmp_path / "log" / "events.jsonl.1").read_text())
    assert first == {
        "time": "2027-01-15T08:00:00.250Z", "hypervisor": "kvm01", "vm_index": 2,
        "vm_uuid": str(uuid.UUID(int=2)), "vm_name": "wéb", "from": "running", "to": "paused", "source": "native",
    }
    second = json.loads(path.read_text())
    assert (second["from"], second["to"], second["source"]) == ("shutdown", "deleted", "poll")


def test_hub_listener_threads_do_not_interleave():
    """Native events and snapshots from two threads: each listener call sees a whole change."""
    hub = EventHub(window=0)
    seen = []
    hub.subscribe(seen.append)
    hub.on_snapshot(Snapshot("hv", "b", Hypervisor("t", "1", 0), tuple(vm(n) for n in range(1, 51)), 0))

    from vmwatch.events import BackendStateChange

    def flip(state):
        for n in range(1, 51):
            hub.on_native("b", BackendStateChange(uuid.UUID(int=n), state, time=0))

    threads = [threading.Thread(target=flip, args=(s,)) for s in (P, S)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    last = {}
    for c in seen:
        assert c.previous_oper_state == last.get(c.vm.index, R)
        last[c.vm.index] = c.new_oper_state


# --- Prometheus families ------------------------------------------------------------------------


def test_state_changes_and_notification_counters_are_exposed_and_lint_clean():
    import subprocess

    from prometheus_client import CollectorRegistry, generate_latest
    from services import require_program
    from vmwatch_prometheus.collector import VmwatchCollector

    from vmwatch.poller import SnapshotCache

    cache = SnapshotCache()
    hub = EventHub(window=0)
    hub.attach(cache)
    sink = FakeSink()
    notifier = Notifier(hub, NotificationSwitches(per_vm=True, bulk=False), [sink], PolicySettings(per_vm_burst=1))
    hub.add_reporter("notifications", notifier.report)
    notifier.start()
    try:
        def snap(states):
            vms = tuple(vm(n, s) for n, s in sorted(states.items()))
            return Snapshot("kvm01", "b", Hypervisor("t", "1", 0), vms, taken_at=time.time())

        cache.publish(snap({1: R, 2: R}))
        cache.publish(snap({1: P, 2: P}))  # the second per-VM notification is rate limited
        cache.publish(snap({1: P}))
        assert notifier.wait_idle(5)
        registry = CollectorRegistry()
        registry.register(VmwatchCollector(cache))
        text = generate_latest(registry).decode()
    finally:
        notifier.stop()
    assert 'vmwatch_vm_state_changes_total{from="running",hypervisor="kvm01",to="paused"} 2.0' in text
    assert 'vmwatch_vm_state_changes_total{from="paused",hypervisor="kvm01",to="deleted"} 1.0' in text
    assert 'vmwatch_notifications_sent_total{kind="per_vm",sink="fake"} 1.0' in text
    assert 'vmwatch_notifications_dropped_total{reason="rate_limit",sink="policy"} 2.0' in text
    assert "vmwatch_notifications_rate_limited_total 2.0" in text
    assert 'vmwatch_notification_sink_up{sink="fake"} 1.0' in text
    lint = subprocess.run([require_program("promtool"), "check", "metrics"], input=text, capture_output=True, text=True, check=False)
    assert lint.returncode == 0, lint.stdout + lint.stderr

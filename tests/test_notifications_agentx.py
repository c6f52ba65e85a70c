"""Notifications end to end through AgentX: private libvirtd (test driver) → vmwatch → Notify →
a real snmpd master → `trap2sink` → a real snmptrapd, whose log is checked OID by OID.

Fails, never skips, when libvirtd, snmpd or snmptrapd is missing.
"""

from __future__ import annotations

import json
import time
import uuid

import pytest
from notify_harness import InProcess, base_config, define_guests, wait_until
from snmp_services import Snmpd
from trapd import Snmptrapd
from vmwatch_notify.varbinds import vm_list_indexes

pytestmark = pytest.mark.integration

MIB = (1, 3, 6, 1, 2, 1, 236)
NOTIFICATION = {name: MIB + (0, n) for n, name in enumerate(
    ["vmRunning", "vmShuttingdown", "vmShutdown", "vmPaused", "vmSuspending", "vmSuspended", "vmResuming",
     "vmMigrating", "vmCrashed", "vmDeleted", "vmBulkRunning", "vmBulkShuttingdown", "vmBulkShutdown",
     "vmBulkPaused", "vmBulkSuspending", "vmBulkSuspended", "vmBulkResuming", "vmBulkMigrating", "vmBulkCrashed",
     "vmBulkDeleted"], start=1)}
NAME_OF = {oid: name for name, oid in NOTIFICATION.items()}
RUNNING, PAUSED, SHUTDOWN = 4, 8, 11
PERSISTENT = 2


def vm_traps(trapd, count, timeout=15.0):
    return trapd.wait_traps(count, timeout, where=lambda t: t.trap_oid[:8] == MIB + (0,))


@pytest.fixture
def trapd(tmp_path_factory):
    daemon = Snmptrapd(tmp_path_factory.mktemp("snmptrapd")).start()
    try:
        yield daemon
    finally:
        daemon.stop()


@pytest.fixture
def snmpd(tmp_path_factory, trapd):
    daemon = Snmpd(tmp_path_factory.mktemp("snmpd"), extra=f"trap2sink udp:127.0.0.1:{trapd.port} public\n").start()
    try:
        yield daemon
    finally:
        daemon.stop()


def agentx_config(tmp_path, libvirtd, snmpd, **agentx):
    raw = base_config(tmp_path / "state", libvirtd.uri)
    raw["exporter"]["agentx"] = {"enabled": True, "master": snmpd.unix_address, "ping_interval": 1, **agentx}
    return raw


@pytest.fixture
def vmwatch_factory():
    started: list[InProcess] = []

    def start(raw, **kwargs) -> InProcess:
        instance = InProcess(raw).start(**kwargs)
        started.append(instance)
        return instance

    yield start
    for instance in started:
        instance.stop()


def check_per_vm(trap, name: str, index: int, vm_name: str, vm_uuid: uuid.UUID, previous: int, persistent=None):
    assert NAME_OF[trap.trap_oid] == name
    expected = [
        (MIB + (1, 4, 1, 2, index), vm_name.encode()),
        (MIB + (1, 4, 1, 3, index), vm_uuid.bytes),
        (MIB + (1, 4, 1, 6, index), previous),
    ]
    if persistent is not None:
        expected.append((MIB + (1, 4, 1, 8, index), persistent))
    assert trap.objects == expected
    assert trap.value((1, 3, 6, 1, 2, 1, 1, 3, 0)) is not None  # the master put its sysUpTime first


def test_virsh_lifecycle_gives_the_right_traps_in_order(tmp_path, libvirtd, trapd, snmpd, vmwatch_factory):
    define_guests(libvirtd, 3)
    raw = agentx_config(tmp_path, libvirtd, snmpd)
    raw["exporter"]["eventlog"] = {"path": str(tmp_path / "log" / "events.jsonl")}
    vmwatch = vmwatch_factory(raw)
    index = next(vm.index for vm in vmwatch.cache.snapshot("kvm").vms if vm.name == "guest2")
    for command in ("suspend", "resume", "destroy", "start", "destroy", "undefine"):
        libvirtd.virsh(command, "guest2")
    traps = vm_traps(trapd, 6)
    assert len(traps) == 6, traps
    u = uuid.UUID(int=2)
    expected = [
        ("vmPaused", RUNNING), ("vmRunning", PAUSED), ("vmShutdown", RUNNING), ("vmRunning", SHUTDOWN),
        ("vmShutdown", RUNNING),
    ]
    for trap, (name, previous) in zip(traps, expected):
        check_per_vm(trap, name, index, "guest2", u, previous)
    check_per_vm(traps[5], "vmDeleted", index, "guest2", u, SHUTDOWN, persistent=PERSISTENT)
    report = vmwatch.notifier.report()
    assert report["sinks"]["agentx"]["sent"] == {"per_vm": 6}
    assert vmwatch.hub.state_changes()[("kvm", "shutdown", "deleted")] == 1
    # the row went away: vmNumber follows
    assert snmpd.tool("snmpget", "-On", "-Oqv", f"{'.'.join(map(str, MIB))}.1.2.0").stdout.split() == ["3"]
    # and the event log has the same story
    lines = [json.loads(line) for line in (tmp_path / "log" / "events.jsonl").read_text().splitlines()]
    assert [(r["from"], r["to"]) for r in lines] == [
        ("running", "paused"), ("paused", "running"), ("running", "shutdown"), ("shutdown", "running"),
        ("running", "shutdown"), ("shutdown", "deleted"),
    ]
    assert {r["vm_name"] for r in lines} == {"guest2"} and lines[-1]["source"] == "poll"


def test_enable_objects_by_snmpset(tmp_path, libvirtd, trapd, snmpd, vmwatch_factory):
    define_guests(libvirtd, 2)
    vmwatch = vmwatch_factory(agentx_config(tmp_path, libvirtd, snmpd))
    per_vm, bulk = "1.3.6.1.2.1.236.1.9.0", "1.3.6.1.2.1.236.1.10.0"
    snmpd.tool("snmpset", per_vm, "i", "2", community="private")  # false
    snmpd.tool("snmpset", bulk, "i", "1", community="private")  # true
    libvirtd.virsh("suspend", "guest1")
    libvirtd.virsh("suspend", "guest2")
    (trap,) = vm_traps(trapd, 1)
    assert NAME_OF[trap.trap_oid] == "vmBulkPaused"
    indexes = {vm.name: vm.index for vm in vmwatch.cache.snapshot("kvm").vms}
    (bitmap,) = [v for o, v in trap.objects]
    assert vm_list_indexes(bitmap) == sorted([indexes["guest1"], indexes["guest2"]])
    snmpd.tool("snmpset", bulk, "i", "2", community="private")
    libvirtd.virsh("resume", "guest1")
    time.sleep(1.5)  # longer than the bulk window: nothing may come
    assert len(vm_traps(trapd, 1)) == 1
    policy = vmwatch.notifier.report()["policy"]
    assert policy["disabled"] == 1 and policy["per_vm"] == 0


def test_storm_of_200_vms_gives_a_few_bulk_pdus_covering_exactly_them(tmp_path, libvirtd, trapd, snmpd, vmwatch_factory):
    domains = define_guests(libvirtd, 200)
    raw = agentx_config(tmp_path, libvirtd, snmpd, per_vm_notifications=False, bulk_notifications=True)
    vmwatch = vmwatch_factory(raw)
    indexes = {vm.uuid: vm.index for vm in vmwatch.cache.snapshot("kvm").vms}
    began = time.monotonic()
    for dom in domains:
        dom.destroy()
    took = time.monotonic() - began
    assert took < 1.0, took  # "within a second"
    wait_until(lambda: vmwatch.notifier.report()["policy"]["changes"] == 200, 15, "200 changes")
    vmwatch.wait_idle(10)
    sent = sum(vmwatch.notifier.report()["sinks"]["agentx"]["sent"].values())
    traps = vm_traps(trapd, sent)
    assert {NAME_OF[t.trap_oid] for t in traps} == {"vmBulkShutdown"}
    assert len(traps) <= 3, len(traps)
    covered = [i for t in traps for _, bitmap in t.objects for i in vm_list_indexes(bitmap)]
    assert sorted(covered) == sorted(indexes[uuid.UUID(int=n)] for n in range(1, 201))
    report = vmwatch.notifier.report()
    assert report["policy"]["coalesced"] == 200 and report["sinks"]["agentx"]["sent"] == {"bulk": len(traps)}


def test_storm_with_bulk_disabled_the_rate_limit_holds_and_counts_add_up(
    tmp_path, libvirtd, trapd, snmpd, vmwatch_factory
):
    domains = define_guests(libvirtd, 200)
    raw = agentx_config(tmp_path, libvirtd, snmpd)
    raw["exporter"]["notifications"] = {"per_vm_rate": 5, "per_vm_burst": 20}
    vmwatch = vmwatch_factory(raw)
    began = time.monotonic()
    for dom in domains:
        dom.destroy()
    wait_until(lambda: vmwatch.notifier.report()["policy"]["changes"] == 200, 15, "200 changes")
    lasted = time.monotonic() - began
    vmwatch.wait_idle(10)
    policy = vmwatch.notifier.report()["policy"]
    sent = policy["per_vm"]
    assert 20 <= sent <= 20 + 5 * lasted + 1, (policy, lasted)  # the burst, plus 5/s while the storm lasted
    assert sent + policy["dropped_rate_limit"] == 200
    assert len(vm_traps(trapd, sent)) == sent


def test_master_restart_in_the_middle_queues_and_delivers_in_order(tmp_path, libvirtd, trapd, snmpd, vmwatch_factory):
    define_guests(libvirtd, 2)
    vmwatch = vmwatch_factory(agentx_config(tmp_path, libvirtd, snmpd))
    libvirtd.virsh("suspend", "guest1")
    vm_traps(trapd, 1)
    snmpd.stop()
    for command in ("resume", "destroy", "start"):
        libvirtd.virsh(command, "guest1")
    wait_until(lambda: vmwatch.notifier.report()["policy"]["per_vm"] == 4, 10, "the changes")
    time.sleep(0.5)
    sink = vmwatch.notifier.report()["sinks"]["agentx"]
    assert sink["queued"] == 3 and sink["up"] is False
    assert len(vm_traps(trapd, 1)) == 1
    snmpd.start()  # same ports and socket: the subagent reconnects
    traps = vm_traps(trapd, 4, timeout=30)
    assert [NAME_OF[t.trap_oid] for t in traps] == ["vmPaused", "vmRunning", "vmShutdown", "vmRunning"]
    assert [t.objects[2][1] for t in traps] == [RUNNING, PAUSED, RUNNING, SHUTDOWN]
    sink = vmwatch.notifier.report()["sinks"]["agentx"]
    assert sink["queued"] == 0 and sink["up"] is True and sink["dropped"] == {}


def test_a_set_lasts_until_vmwatch_restarts(tmp_path, libvirtd, trapd, snmpd):
    """`vmwatch serve` for real: SET false holds while it runs; after a restart the configured
    default (true) is back, and per-VM notifications with it."""
    import sys

    from services import Service, wait_for

    define_guests(libvirtd, 1)
    config = tmp_path / "vmwatch.toml"
    config.write_text(
        f'[vmwatch]\nrefresh_interval = 30\nstate_dir = "{tmp_path / "state"}"\n'
        f'[[backend]]\nname = "kvm"\ntype = "libvirt"\nuri = "{libvirtd.uri}"\n'
        "[exporter.prometheus]\nenabled = false\n"
        f'[exporter.agentx]\nenabled = true\nmaster = "{snmpd.unix_address}"\n'
    )
    per_vm = "1.3.6.1.2.1.236.1.9.0"
    vm_number = "1.3.6.1.2.1.236.1.2.0"

    def serve() -> Service:
        argv = [sys.executable, "-m", "vmwatch", "serve", "--config", str(config)]
        return Service("vmwatch", argv, tmp_path / "vmwatch.log").start()

    def value(oid: str = per_vm) -> str:
        return snmpd.tool("snmpget", oid, options=["-On", "-Oqv", "-Oe"], check=False).stdout.strip()

    process = serve()
    try:
        wait_for(lambda: value() == "1", 30, "vmwatch to register with snmpd", process)
        snmpd.tool("snmpset", per_vm, "i", "2", community="private")
        assert value() == "2"
        libvirtd.virsh("suspend", "guest1")
        time.sleep(1.0)
        assert [t for t in trapd.traps() if t.trap_oid[:8] == MIB + (0,)] == []  # snmpd's coldStart aside
        process.stop()
        process = serve()
        wait_for(lambda: value() == "1", 30, "vmwatch to register again", process)
        # vmNumber is served once the first snapshot is read, and that snapshot primes the hub.
        wait_for(lambda: value(vm_number).isdigit(), 30, "vmwatch's first snapshot", process)
        libvirtd.virsh("resume", "guest1")
        (trap,) = vm_traps(trapd, 1)
        assert NAME_OF[trap.trap_oid] == "vmRunning" and trap.objects[2][1] == PAUSED
    finally:
        process.stop()

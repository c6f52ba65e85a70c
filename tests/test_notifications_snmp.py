"""Notifications from the embedded agent (pysnmp) to a real snmptrapd: v2c trap, v3 trap with the
agent's engine ID, v3 inform retried until snmptrapd is back. Fails, never skips, without
libvirtd or snmptrapd."""

from __future__ import annotations

import time
import uuid

import pytest
from notify_harness import InProcess, base_config, define_guests, wait_until
from trapd import Snmptrapd, free_udp_port
from vmwatch_snmp.notify import parse_target_address, parse_targets

pytestmark = pytest.mark.integration

MIB = (1, 3, 6, 1, 2, 1, 236)
VM_PAUSED = MIB + (0, 4)
ENGINE_ID = "80004fb8047677617463682d74657374"  # 80004fb8 04 "vwatch-test"
AUTH, PRIV = "auth-pass-123", "priv-pass-456"


def snmp_config(tmp_path, libvirtd, targets):
    raw = base_config(tmp_path / "state", libvirtd.uri)
    raw["exporter"]["snmp"] = {
        "enabled": True,
        "listen": f"udp:127.0.0.1:{free_udp_port()}",
        "communities": ["public"],
        "engine_id": ENGINE_ID,
        "users": [{"name": "alice", "auth_protocol": "sha", "auth_key": AUTH, "priv_protocol": "aes", "priv_key": PRIV}],
        "targets": targets,
    }
    return raw


@pytest.fixture
def trapd(tmp_path_factory):
    users = [(f"-e 0x{ENGINE_ID} alice SHA {AUTH} AES {PRIV}", "alice"), (f"alice SHA {AUTH} AES {PRIV}", "alice")]
    daemon = Snmptrapd(tmp_path_factory.mktemp("snmptrapd"), users=users).start()
    try:
        yield daemon
    finally:
        daemon.stop()


@pytest.fixture
def vmwatch_factory():
    started: list[InProcess] = []

    def start(raw) -> InProcess:
        instance = InProcess(raw).start()
        started.append(instance)
        return instance

    yield start
    for instance in started:
        instance.stop()


def test_targets_are_checked():
    problems: list = []
    users = {"alice": object()}
    targets = parse_targets(
        [{"address": "udp:127.0.0.1"}, {"address": "udp6:[::1]:1162", "version": "3", "user": "alice", "type": "inform"}],
        users, problems,
    )
    assert problems == [] and targets[0].address.port == 162 and targets[1].address.domain == "udp6"
    parse_targets([{"address": "nowhere", "version": 1, "user": "bob", "type": "x", "retries": -1, "extra": 1}],
                  users, problems)
    assert {p.key for p in problems} == {"targets[0].address", "targets[0].version", "targets[0].type",
                                         "targets[0].retries", "targets[0].extra"}
    assert parse_target_address("10.0.0.1").port == 162


def test_v2c_trap_v3_trap_and_v3_inform_reach_snmptrapd(tmp_path, libvirtd, trapd, vmwatch_factory):
    define_guests(libvirtd, 2)
    targets = [
        {"address": trapd.address, "version": "2c", "community": "public", "type": "trap"},
        {"address": trapd.address, "version": "3", "user": "alice", "type": "trap"},
        {"address": trapd.address, "version": "3", "user": "alice", "type": "inform", "timeout": 0.5, "retries": 4},
    ]
    vmwatch = vmwatch_factory(snmp_config(tmp_path, libvirtd, targets))
    index = next(vm.index for vm in vmwatch.cache.snapshot("kvm").vms if vm.name == "guest1")
    libvirtd.virsh("suspend", "guest1")
    traps = trapd.wait_traps(3, where=lambda t: t.trap_oid == VM_PAUSED)
    kinds = sorted(t.security.split(",")[0] + "," + t.security.split(",")[1] for t in traps)
    assert kinds == ["INFORM, SNMP v3", "TRAP2, SNMP v2c", "TRAP2, SNMP v3"], [t.security for t in traps]
    for trap in traps:
        assert trap.objects == [
            (MIB + (1, 4, 1, 2, index), b"guest1"),
            (MIB + (1, 4, 1, 3, index), uuid.UUID(int=1).bytes),
            (MIB + (1, 4, 1, 6, index), 4),  # previous: running
        ]
        assert trap.value((1, 3, 6, 1, 2, 1, 1, 3, 0)) is not None  # the agent's sysUpTime, first
    assert any("user alice" in t.security for t in traps)
    wait_until(lambda: vmwatch.notifier.report()["sinks"]["snmp"]["sent"] == {"per_vm": 1}, 10, "the sent count")


def test_inform_is_retried_until_acknowledged(tmp_path, libvirtd, trapd, vmwatch_factory):
    define_guests(libvirtd, 1)
    targets = [{"address": trapd.address, "version": "3", "user": "alice", "type": "inform", "timeout": 0.5,
                "retries": 8}]
    vmwatch = vmwatch_factory(snmp_config(tmp_path, libvirtd, targets))
    trapd.stop()
    libvirtd.virsh("suspend", "guest1")
    time.sleep(1.5)  # a few attempts go unanswered
    assert vmwatch.notifier.report()["sinks"]["snmp"]["sent"] == {}
    trapd.start()  # same port
    (trap,) = trapd.wait_traps(1, timeout=15, where=lambda t: t.trap_oid == VM_PAUSED)
    assert trap.security.startswith("INFORM, SNMP v3")
    wait_until(lambda: vmwatch.notifier.report()["sinks"]["snmp"]["sent"] == {"per_vm": 1}, 10, "the acknowledgement")
    assert vmwatch.notifier.report()["sinks"]["snmp"]["dropped"] == {}


def test_inform_never_acknowledged_is_counted_as_failed(tmp_path, libvirtd, vmwatch_factory):
    define_guests(libvirtd, 1)
    nobody = f"udp:127.0.0.1:{free_udp_port()}"
    targets = [{"address": nobody, "version": "2c", "community": "public", "type": "inform", "timeout": 0.2, "retries": 2}]
    vmwatch = vmwatch_factory(snmp_config(tmp_path, libvirtd, targets))
    libvirtd.virsh("suspend", "guest1")
    wait_until(lambda: vmwatch.notifier.report()["sinks"]["snmp"]["dropped"] == {"failed": 1}, 10, "the failure")
    assert vmwatch.notifier.report()["sinks"]["snmp"]["sent"] == {}

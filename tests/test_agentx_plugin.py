"""The agentx exporter type: its options, addresses, and the view it serves from the cache."""

from __future__ import annotations

import dataclasses

import pytest
from mib_fleet import VM, sample_snapshot
from vmwatch_agentx import plugin
from vmwatch_agentx.transport import Address, AddressError, parse_address
from vmwatch_mib.switches import reset_process_switches

from vmwatch import plugins
from vmwatch.poller import SnapshotCache


@pytest.fixture(autouse=True)
def fresh_switches():
    reset_process_switches()
    yield
    reset_process_switches()


def test_exporter_type_is_offered_through_the_entry_point():
    kinds = plugins.exporter_types(plugins.make_manager(environ={}))
    agentx = kinds["agentx"]
    assert agentx.enabled_by_default is False and agentx.check({}) == []


@pytest.mark.parametrize(
    "text, address",
    [
        ("unix:/var/agentx/master", Address("unix", path="/var/agentx/master")),
        ("/run/agentx", Address("unix", path="/run/agentx")),
        ("tcp:localhost:705", Address("tcp", host="localhost", port=705)),
        ("tcp:127.0.0.1", Address("tcp", host="127.0.0.1", port=705)),
        ("tcp:[::1]:1705", Address("tcp", host="::1", port=1705)),
    ],
)
def test_addresses(text, address):
    assert parse_address(text) == address


@pytest.mark.parametrize("text", ["", "udp:1.2.3.4:161", "unix:relative", "tcp::705", "tcp:host:http", "tcp:h:70000"])
def test_bad_addresses(text):
    with pytest.raises(AddressError):
        parse_address(text)


def test_check_reports_every_bad_option():
    problems = plugin.check({"master": "udp:x", "ping_interval": -1, "timeout": 0, "contexts": "yes",
                             "per_vm_notifications": 1, "bulk_notifications": None, "colour": "red"})
    assert sorted(p.key for p in problems) == sorted(
        ["master", "ping_interval", "timeout", "contexts", "per_vm_notifications", "bulk_notifications", "colour"])
    assert plugin.check({"master": "tcp:localhost:705", "ping_interval": 0, "timeout": 2.5, "contexts": True}) == []


def test_views_follow_the_cache_and_default_context_is_the_first_hypervisor():
    cache = SnapshotCache()
    exporter = plugin.AgentXExporter({"contexts": True, "bulk_notifications": True})
    exporter.cache = cache
    cache.subscribe(exporter._on_snapshot)
    b, a = sample_snapshot("kvm-b"), sample_snapshot("kvm-a")
    cache.publish(b)
    assert exporter.view(None).name == "kvm-b"
    cache.publish(a)
    assert exporter.view(None).name == "kvm-a"  # first by name
    assert exporter.view(b"kvm-b").name == "kvm-b" and exporter.view(b"nope") is None
    renamed = dataclasses.replace(a.vms[0], name="renamed")
    cache.publish(dataclasses.replace(a, vms=(renamed, *a.vms[1:]), by_index={}))
    assert exporter.view(b"kvm-a").get(VM + (4, 1, 2, 1)).value == b"renamed"
    assert exporter.view(None).get(VM + (10, 0)).value == 1  # bulk_notifications default applied


def test_without_contexts_only_the_default_context_is_served():
    cache = SnapshotCache()
    exporter = plugin.AgentXExporter({})
    exporter.cache = cache
    cache.subscribe(exporter._on_snapshot)
    cache.publish(sample_snapshot("kvm1"))
    assert exporter.view(None).name == "kvm1" and exporter.view(b"kvm1") is None


def test_start_returns_when_no_master_is_there(tmp_path):
    cache = SnapshotCache()
    cache.publish(sample_snapshot())
    exporter = plugin.AgentXExporter({"master": f"unix:{tmp_path}/nothing-here", "timeout": 1})
    exporter.start(cache)
    try:
        assert exporter.client.attempted.is_set() and not exporter.client.registered.is_set()
    finally:
        exporter.stop()
    assert not exporter._thread.is_alive()


def test_without_contexts_other_hypervisors_cost_no_view_build(monkeypatch):
    built = []
    real = plugin.build_view
    monkeypatch.setattr(plugin, "build_view", lambda snapshot, switches: built.append(snapshot and snapshot.name) or real(snapshot, switches))
    cache = SnapshotCache()
    exporter = plugin.AgentXExporter({})
    exporter.cache = cache
    cache.subscribe(exporter._on_snapshot)
    cache.publish(sample_snapshot("kvm-a"))
    cache.publish(sample_snapshot("kvm-b"))  # not first by name: not served, not built
    cache.publish(sample_snapshot("kvm-a"))
    assert [name for name in built if name] == ["kvm-a", "kvm-a"] and exporter.view(None).name == "kvm-a"

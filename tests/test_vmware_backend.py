"""The VMware backend against vcsim (vcsim/main.go, built at test time from Debian's govmomi):
a simulated vCenter with several ESXi hosts, power operations seen in reads and as events,
session expiry, vcsim killed and restarted, TLS verification, and the Prometheus exporter."""

from __future__ import annotations

import os
import queue
import signal
import threading
import time
import uuid

import pytest
from backend_contract import check_exports, check_host, index
from pyVim.task import WaitForTask
from pyVmomi import vim
from vmwatch_prometheus.collector import VmwatchCollector
from vmwatch_vmware import plugin
from vmwatch_vmware.backend import VMwareBackend
from vmwatch_vmware.settings import PASSWORD_ENV, parse

from vcsim import PASSWORD, Vcsim, build_vcsim
from vmwatch.backend import BackendError, BackendUnavailable
from vmwatch.indexer import Indexer
from vmwatch.model import AdminState, OperState
from vmwatch.poller import Poller, SnapshotCache

pytestmark = pytest.mark.integration


@pytest.fixture(scope="session")
def vcsim_binary(tmp_path_factory):
    """vcsim built once per test session (fails the tests when Go or govmomi is missing)."""
    return build_vcsim(tmp_path_factory.mktemp("vcsim-build"))


@pytest.fixture
def start_vcsim(vcsim_binary, tmp_path, monkeypatch):
    """Factory: start a vcsim (stopped by PID at the end); the backend's password is in the env."""
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    started: list[Vcsim] = []

    def start(**kwargs) -> Vcsim:
        server = Vcsim(vcsim_binary, tmp_path / f"vcsim{len(started)}", **kwargs).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def make_backend(server: Vcsim, **options) -> VMwareBackend:
    settings, problems = parse(server.options(**options))
    assert problems == []
    return VMwareBackend("vc", settings)


@pytest.fixture
def vcenter(start_vcsim):
    return start_vcsim(hosts=3, standalone=1, vms=4)


@pytest.fixture
def backend(vcenter):
    backend = make_backend(vcenter)
    backend.connect()
    yield backend
    backend.close()


def vm_uuids(si) -> dict[str, uuid.UUID]:
    """name → config.instanceUuid, as the simulator itself reports them."""
    view = si.content.viewManager.CreateContainerView(si.content.rootFolder, [vim.VirtualMachine], True)
    return {vm.name: uuid.UUID(vm.config.instanceUuid) for vm in view.view}


def find_vm(si, name: str):
    view = si.content.viewManager.CreateContainerView(si.content.rootFolder, [vim.VirtualMachine], True)
    return next(vm for vm in view.view if vm.name == name)


def by_name(hosts) -> dict:
    return {vm.name: (host.hypervisor.host_name, vm) for host in hosts for vm in host.vms}


def test_inventory_one_host_per_esxi_host(vcenter, backend):
    hosts = backend.read()
    assert len(hosts) == vcenter.info["hosts"] == 4
    names = [h.hypervisor.host_name for h in hosts]
    assert len(set(names)) == 4 and all(names)
    for host in hosts:
        check_host(host)
        check_exports(index(host, host.hypervisor.host_name))  # the checks every backend passes
        assert host.hypervisor.software == "VMware ESXi" and host.hypervisor.up_time > 0
    si = vcenter.connect()
    expected = vm_uuids(si)
    found = by_name(hosts)
    assert len(expected) == vcenter.info["vms"] == 8
    assert {name: vm.uuid for name, (_, vm) in found.items()} == expected
    for host_name, vm in found.values():
        assert vm.oper_state is OperState.RUNNING and vm.admin_state is AdminState.RUNNING
        assert vm.cur_cpu_number >= 1 and vm.mem_unit == 1024 * 1024 and vm.cur_mem > 0
        disks = [s for s in vm.storage if s.media_type.name == "HARD_DISK"]
        assert disks and disks[0].key == "scsi0:0" and disks[0].resource_id.startswith("[LocalDS_0]")
        assert len(vm.networks) == 1 and len(vm.networks[0].phys_address) == 6
        assert vm.networks[0].network == "DC0_DVPG0"  # distributed port group key → name
    # the host each VM runs on, as vCenter says
    for name, (host_name, _) in found.items():
        assert find_vm(si, name).runtime.host.name == host_name

    # perf counters accumulate: monotonic across reads
    first = {name: vm.cpu_time for name, (_, vm) in found.items()}
    assert all(value is not None for value in first.values())
    again = by_name(backend.read())
    assert all(again[name][1].cpu_time >= first[name] for name in first)


def test_power_operations_seen_as_events_and_in_the_next_read(vcenter, backend):
    changes: queue.Queue = queue.Queue()
    backend.on_state_change(changes.put)
    assert backend.wait_for_events(10)
    before = by_name(backend.read())
    name = min(before)
    host_name, vm = before[name]

    si = vcenter.connect()
    target = find_vm(si, name)
    WaitForTask(target.PowerOffVM_Task())
    change = changes.get(timeout=10)
    assert (change.uuid, change.name, change.host) == (vm.uuid, name, host_name)
    assert (change.previous, change.new) == (OperState.RUNNING, OperState.SHUTDOWN)
    _, off = by_name(backend.read())[name]
    assert off.oper_state is OperState.SHUTDOWN and off.admin_state is AdminState.SHUTDOWN

    WaitForTask(target.PowerOnVM_Task())
    assert changes.get(timeout=10).new is OperState.RUNNING
    WaitForTask(target.SuspendVM_Task())
    change = changes.get(timeout=10)
    assert (change.previous, change.new) == (OperState.RUNNING, OperState.SUSPENDED)
    _, suspended = by_name(backend.read())[name]
    assert suspended.oper_state is OperState.SUSPENDED and suspended.admin_state is AdminState.SUSPENDED
    assert changes.empty()


def test_vm_removed_asks_for_a_read(vcenter, backend):
    asked = threading.Event()
    backend.on_resync(asked.set)
    assert backend.wait_for_events(10)
    name = min(by_name(backend.read()))
    target = find_vm(vcenter.connect(), name)
    WaitForTask(target.PowerOffVM_Task())
    assert not asked.is_set()  # a state change is an event, not a change of rows
    WaitForTask(target.Destroy_Task())
    assert asked.wait(10)
    # govmomi 0.24's simulator breaks the WaitForUpdatesEx stream when a VM is destroyed (a panic
    # in its property filter) where vCenter sends "leave": either way a read is asked for, and at
    # most one reconnection later the VM is gone.
    try:
        hosts = backend.read()
    except BackendUnavailable:
        backend.connect()
        hosts = backend.read()
    assert name not in by_name(hosts)


def test_vcsim_killed_and_restarted(start_vcsim):
    server = start_vcsim(hosts=2, standalone=0, vms=3)
    backend = make_backend(server)
    stream_lost = threading.Event()
    backend.on_resync(stream_lost.set)
    cache = SnapshotCache()
    poller = Poller(backend, "vmware", cache, lambda name: Indexer(None))
    snapshots = poller.refresh()
    assert sorted(s.name for s in snapshots) == sorted(h.name for h in cache.snapshots())
    assert len(snapshots) == 2  # a vCenter: one snapshot per ESXi host, named after it
    uuids = {vm.uuid for s in snapshots for vm in s.vms}
    assert len(uuids) == 3

    server.stop()
    assert stream_lost.wait(10)  # the event stream broke: a read is asked for at once
    with pytest.raises(BackendUnavailable):
        poller.refresh()
    assert not poller.health.up

    restarted = start_vcsim(hosts=2, standalone=0, vms=3, port=server.port)
    assert restarted.port == server.port
    snapshots = poller.refresh()  # the poller reconnects: connect() again
    assert poller.health.up
    assert {vm.uuid for s in snapshots for vm in s.vms} == uuids  # the simulator's UUIDs are stable
    backend.close()


def test_session_expiry_is_unavailable_then_recovers(vcenter, backend):
    backend.read()
    si = vcenter.connect()
    key = backend._session.content.sessionManager.currentSession.key
    si.content.sessionManager.TerminateSession([key])
    with pytest.raises(BackendUnavailable, match="session"):
        backend.read()
    backend.close()
    backend.connect()
    assert len(backend.read()) == 4


def test_hung_vcenter_times_out_and_close_does_not_wait(start_vcsim):
    server = start_vcsim(hosts=1, standalone=0, vms=1)
    backend = make_backend(server, timeout=2)
    backend.connect()
    backend.read()
    os.kill(server.pid, signal.SIGSTOP)  # accepts connections (kernel backlog), never answers
    try:
        started = time.monotonic()
        with pytest.raises(BackendUnavailable, match="timed out"):
            backend.read()
        assert time.monotonic() - started < 10
        started = time.monotonic()
        backend.close()
        assert time.monotonic() - started < 5
        started = time.monotonic()
        with pytest.raises(BackendUnavailable, match="timed out"):
            backend.connect()  # the login itself must not hang either
        assert time.monotonic() - started < 10
    finally:
        os.kill(server.pid, signal.SIGCONT)
    backend.connect()
    assert len(backend.read()) == 1
    backend.close()


def test_wrong_password_is_a_backend_error(vcenter, monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, "wrong")
    backend = make_backend(vcenter)
    with pytest.raises(BackendError, match="login refused") as raised:
        backend.connect()
    assert not isinstance(raised.value, BackendUnavailable)


def test_certificate_verification(start_vcsim):
    server = start_vcsim(hosts=1, standalone=0, vms=1, tls=True)
    verified = make_backend(server)  # ca_file = the simulator's self-signed certificate
    verified.connect()
    assert len(verified.read()) == 1
    verified.close()

    default_settings, problems = parse({k: v for k, v in server.options().items() if k != "ca_file"})
    assert problems == []
    default = VMwareBackend("vc", default_settings)
    with pytest.raises(BackendError, match="certificate verification failed"):
        default.connect()

    insecure_settings, _ = parse(
        {**{k: v for k, v in server.options().items() if k != "ca_file"}, "insecure": True}
    )
    insecure = VMwareBackend("vc", insecure_settings)
    insecure.connect()
    assert len(insecure.read()) == 1
    insecure.close()


def test_through_the_plugin_and_the_prometheus_collector(vcenter):
    types = {t.name: t for t in plugin.vmwatch_backend_types()}
    assert types["vmware"].check(vcenter.options()) == []
    backend = types["vmware"].create("vc", vcenter.options())
    cache = SnapshotCache()
    poller = Poller(backend, "vmware", cache, lambda name: Indexer(None))
    try:
        poller.refresh()
    finally:
        backend.close()
    from prometheus_client import CollectorRegistry, generate_latest

    registry = CollectorRegistry()
    registry.register(VmwatchCollector(cache))
    text = generate_latest(registry).decode()
    info = [line for line in text.splitlines() if line.startswith("vmwatch_vm_info{")]
    expected = vm_uuids(vcenter.connect())
    assert len(info) == len(expected)
    for name, vm_uuid in expected.items():
        assert any(f'vm_uuid="{vm_uuid}"' in line and f'vm_name="{name}"' in line for line in info), name
    hypervisors = [line for line in text.splitlines() if line.startswith("vmwatch_hypervisor_info{")]
    assert len(hypervisors) == 4  # one per ESXi host, VMs or not

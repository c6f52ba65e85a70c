"""The libvirt backend against a private libvirtd (test driver) started by the `libvirtd` fixture:
state changes made with virsh, daemon stop and restart, domains defined over RPC; plus the
plugin hooks and the small I/O helpers."""

from __future__ import annotations

from pathlib import Path

import libvirt
import pytest
from backend_contract import check_exports, check_host, index
from vmwatch_libvirt import client, demo, plugin
from vmwatch_libvirt.client import LibvirtBackend, UpTimeTracker

from vmwatch import plugins
from vmwatch.backend import BackendError, BackendUnavailable
from vmwatch.indexer import Indexer
from vmwatch.model import OperState, Persistent, ticks
from vmwatch.poller import Poller, SnapshotCache

pytestmark = pytest.mark.integration


class Clock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def states(backend: LibvirtBackend) -> dict[str, OperState]:
    (host,) = backend.read()
    return {vm.name: vm.oper_state for vm in host.vms}


def the_vm(backend: LibvirtBackend, name: str = "test"):
    (host,) = backend.read()
    return next(vm for vm in host.vms if vm.name == name)


@pytest.fixture
def backend(libvirtd):
    clock = Clock()
    backend = LibvirtBackend("lab", libvirtd.uri, clock=clock)
    backend.clock = clock  # for the tests: move time forward
    backend.connect()
    yield backend
    backend.close()


def test_reads_follow_virsh(libvirtd, backend):
    clock = backend.clock
    vm = the_vm(backend)
    assert vm.oper_state == OperState.RUNNING and vm.cpu_time is not None
    assert vm.up_time == 0  # first seen now: the test driver has no start time to offer
    clock.now += 12.5
    assert the_vm(backend).up_time == ticks(12.5)

    libvirtd.virsh("suspend", "test")
    vm = the_vm(backend)
    assert vm.oper_state == OperState.PAUSED and vm.up_time == ticks(12.5)  # still started

    libvirtd.virsh("resume", "test")
    assert states(backend) == {"test": OperState.RUNNING}

    libvirtd.virsh("destroy", "test")
    vm = the_vm(backend)
    assert vm.oper_state == OperState.SHUTDOWN
    assert vm.cpu_time is None and vm.up_time == 0 and vm.memory is None
    assert vm.storage and all(s.read_ios is None for s in vm.storage)  # present, no stats

    clock.now += 100
    libvirtd.virsh("start", "test")
    vm = the_vm(backend)
    assert vm.oper_state == OperState.RUNNING and vm.up_time == 0  # started again: counted afresh
    clock.now += 3
    assert the_vm(backend).up_time == ticks(3)


def test_domains_defined_over_rpc_in_every_state(libvirtd, backend):
    conn = libvirtd.keeper
    for i in range(24):
        dom = conn.defineXML(demo.domain_xml(i))
        if demo.vm_state(i) != demo.SHUTOFF:
            dom.create()
            if demo.vm_state(i) == demo.PAUSED:
                dom.suspend()
    conn.lookupByName("web-01").setAutostart(1)
    transient = demo.domain_xml(30).replace(demo.vm_name(30), "scratch-01")
    conn.createXML(transient.replace(str(demo.vm_uuid(30)), str(demo.vm_uuid(99))), 0)

    (host,) = backend.read()
    by_name = {vm.name: vm for vm in host.vms}
    assert len(host.vms) == 26  # the default host's `test`, 24 demo VMs, one transient
    code = {1: OperState.RUNNING, 3: OperState.PAUSED, 5: OperState.SHUTDOWN}
    assert {demo.vm_name(i): by_name[demo.vm_name(i)].oper_state for i in range(24)} == {
        demo.vm_name(i): code[demo.vm_state(i)] for i in range(24)
    }
    assert by_name["web-01"].auto_start.name == "ENABLED" and by_name["db-01"].auto_start.name == "DISABLED"
    assert by_name["scratch-01"].persistent == Persistent.TRANSIENT
    assert by_name["web-01"].persistent == Persistent.PERSISTENT
    db = by_name["db-01"]
    assert db.cpu_time is not None and all(s.read_ios is not None for s in db.storage)
    assert all(n.traffic is not None for n in db.networks)


def test_domain_destroyed_mid_refresh_is_skipped(libvirtd, backend, monkeypatch):
    conn = libvirtd.keeper
    conn.createXML(demo.domain_xml(3).replace(demo.vm_name(3), "short-lived"), 0)
    original = backend._read_domain

    def destroy_first(conn_, dom, *args):
        if dom.name() == "short-lived":  # listed, then gone before its XML is read
            conn.lookupByName("short-lived").destroy()
        return original(conn_, dom, *args)

    monkeypatch.setattr(backend, "_read_domain", destroy_first)
    assert states(backend) == {"test": OperState.RUNNING}


def test_daemon_stop_and_restart(libvirtd, backend):
    assert states(backend) == {"test": OperState.RUNNING}
    libvirtd.stop()
    with pytest.raises(BackendUnavailable, match="lost the connection"):
        backend.read()
    with pytest.raises(BackendUnavailable, match="lost the connection"):
        backend.read()  # still the same typed error on a dead connection
    backend.close()  # never raises, not even on a dead connection
    backend.close()
    with pytest.raises(BackendUnavailable, match="cannot connect to libvirt at test\\+unix"):
        backend.connect()
    with pytest.raises(BackendUnavailable, match="not connected"):
        backend.read()

    libvirtd.start()
    backend.connect()
    assert states(backend) == {"test": OperState.RUNNING}


def test_poller_reconnects_after_a_restart(libvirtd):
    backend = LibvirtBackend("lab", libvirtd.uri)
    cache = SnapshotCache()
    poller = Poller(backend, "libvirt", cache, lambda name: Indexer(None), interval=0.1, backoff_max=0.2)
    (snap,) = poller.refresh()
    assert [(vm.index, vm.name) for vm in snap.vms] == [(1, "test")]
    assert snap.hypervisor.software == "Test" and snap.hypervisor.up_time > 0

    libvirtd.stop()
    with pytest.raises(BackendUnavailable):
        poller.refresh()
    assert not poller.health.up and "lost the connection" in poller.health.last_error
    with pytest.raises(BackendUnavailable, match="cannot connect"):
        poller.refresh()

    libvirtd.start()
    (snap,) = poller.refresh()
    assert poller.health.up and [(vm.index, vm.name) for vm in snap.vms] == [(1, "test")]
    backend.close()


# --- plugin hooks -------------------------------------------------------------------------------------


def test_plugin_is_found_through_its_entry_point():
    kinds = plugins.backend_types(plugins.make_manager(environ={}))
    assert kinds["libvirt"].create is plugin.create and kinds["libvirt"].demo is plugin.demo


@pytest.mark.parametrize(
    ("options", "problems"),
    [
        ({}, []),
        ({"uri": "qemu+ssh://root@kvm01/system"}, []),
        ({"uri": 5}, ["uri"]),
        ({"uri": ""}, ["uri"]),
        ({"uri": "kvm01"}, ["uri"]),
        ({"url": "qemu:///system"}, ["url"]),
        ({"uri": "qemu:///system", "timeout": 3, "user": "x"}, ["timeout", "user"]),
    ],
)
def test_check_options(options, problems):
    found = plugin.check(options)
    assert [p.key for p in found] == problems
    assert all(p.reason for p in found)


def test_create_makes_an_unconnected_backend():
    backend = plugin.create("kvm01", {})
    assert isinstance(backend, LibvirtBackend)
    assert (backend.name, backend.uri) == ("kvm01", "qemu:///system")
    with pytest.raises(BackendUnavailable, match="not connected"):
        backend.read()


def test_demo_writes_a_fleet_the_backend_reads(tmp_path):
    options = plugin.demo(tmp_path / "demo state")  # a space in the path must survive the URI
    assert options["uri"].startswith("test:///") and "%20" in options["uri"]
    assert plugin.check(options) == []
    backend = plugin.create("demo", options)
    backend.connect()
    try:
        (host,) = backend.read()
    finally:
        backend.close()
    assert len(host.vms) == plugin.DEMO_VMS
    assert {OperState.RUNNING, OperState.PAUSED, OperState.SHUTDOWN} <= {vm.oper_state for vm in host.vms}
    assert plugin.demo(tmp_path / "demo state") == options  # same file, same options
    check_host(host)
    check_exports(index(host, "demo"))  # the same Prometheus and SNMP checks as every backend


def test_detect(monkeypatch, tmp_path):
    monkeypatch.setattr(client, "SYSTEM_SOCKETS", (tmp_path / "virtqemud-sock-ro",))
    assert plugin.detect() is None
    (tmp_path / "virtqemud-sock-ro").touch()
    assert plugin.detect() == {"uri": "qemu:///system"}


def test_connect_to_nothing_is_unavailable(tmp_path):
    backend = LibvirtBackend("lab", f"test+unix:///default?socket={tmp_path}/no-such-sock")
    with pytest.raises(BackendUnavailable, match="no-such-sock") as caught:
        backend.connect()
    assert isinstance(caught.value, BackendError)
    backend.close()


# --- I/O helpers ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("uri", "local"),
    [
        ("qemu:///system", True),
        ("test:///default", True),
        ("test+unix:///default?socket=/tmp/x/libvirt-sock", True),
        ("qemu+ssh://root@kvm01/system", False),
        ("qemu+tcp://localhost/system", True),
        ("xen+ssh://xen01/system", False),
    ],
)
def test_local_uris(uri, local):
    assert client.is_local_uri(uri) is local


def test_process_start_from_proc_stat():
    # the command name may hold spaces and parentheses
    fields = " ".join(str(n) for n in range(3, 30))
    assert client.process_start_ticks(f"4242 (qemu (x) y) {fields}") == 22


def test_qemu_start_time_from_the_pid_file(tmp_path):
    import os

    (tmp_path / "web-01.pid").write_text(f"{os.getpid()}\n")
    uptime = client.read_host_uptime()
    ago = client.qemu_started_ago("web-01", uptime, pid_dir=tmp_path)
    assert ago is not None and 0 <= ago < uptime  # this test process started a moment ago
    assert client.qemu_started_ago("db-01", uptime, pid_dir=tmp_path) is None  # no pid file


def test_uptime_tracker():
    clock = Clock(50.0)
    tracker = UpTimeTracker(clock)
    assert tracker.up_time("a", 1, lambda: None) == 0
    assert tracker.up_time("b", 2, lambda: 30.0) == ticks(30)  # the hypervisor knew the start
    clock.now = 60.0
    assert tracker.up_time("a", 1, lambda: 999.0) == ticks(10)  # known: not asked again
    assert tracker.up_time("a", 7, lambda: None) == 0  # a new domain id: it was restarted
    tracker.keep_only({"a"})
    assert tracker.up_time("b", 2, lambda: None) == 0  # b left the active states: forgotten


def test_host_facts_helpers():
    assert client.host_if_indexes().get("lo") == 1
    assert client.read_host_uptime(Path("/nonexistent")) is None


def test_libvirt_error_printing_is_silenced(capfd, tmp_path):
    def provoke() -> str:
        conn = libvirt.openReadOnly("test:///default")
        try:
            with pytest.raises(libvirt.libvirtError):
                conn.lookupByName("no-such-domain")
        finally:
            conn.close()
        return capfd.readouterr().err

    libvirt.registerErrorHandler(None, None)  # libvirt's default: print every error to stderr
    assert "libvirt: Test Driver error : Domain not found" in provoke()
    backend = LibvirtBackend("lab", f"test+unix:///default?socket={tmp_path}/none")
    with pytest.raises(BackendUnavailable):
        backend.connect()
    assert "none" not in capfd.readouterr().err  # the failed connect itself printed nothing
    assert provoke() == ""

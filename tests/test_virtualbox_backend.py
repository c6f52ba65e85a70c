"""The VirtualBox backend against the fake VBoxManage (tests/fake_vboxmanage) put on PATH: every VM
with its state, CPUs, memory, disks and NICs; fixture swaps seen as state changes; broken, cut
short, slow or missing VBoxManage reported as typed backend errors; the plugin hooks; the
snapshot rendered through the Prometheus collector."""

from __future__ import annotations

import datetime
import os
import shutil
import stat
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from backend_contract import check_exports, check_host
from vmwatch_virtualbox import plugin
from vmwatch_virtualbox.client import VBoxManageBackend, detect_local
from vmwatch_virtualbox.sdk import SdkBackend

from vmwatch import plugins
from vmwatch.backend import BackendError, BackendUnavailable
from vmwatch.indexer import Indexer
from vmwatch.model import (
    AdminState,
    AutoStart,
    OperState,
    StorageAccess,
    StorageMediaType,
    StorageSourceType,
    ticks,
)
from vmwatch.poller import Poller, SnapshotCache

FAKE = Path(__file__).parent / "fake_vboxmanage"
WEB = "4b6a1f2e-8c3d-4e5f-9a0b-1c2d3e4f5a61"
NOW = datetime.datetime(2026, 11, 26, 12, 0, 0, tzinfo=datetime.UTC).timestamp()
WEB_STARTED = datetime.datetime(2026, 11, 26, 8, 14, 3, 512000, tzinfo=datetime.UTC).timestamp()


class Clock:
    def __init__(self, now: float = NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class FakeVBox:
    """A copy of the fixtures in tmp_path and a `VBoxManage` wrapper on PATH that runs the fake
    with this interpreter (-S: no site import, so a call costs ~20 ms)."""

    def __init__(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.data = tmp_path / "vbox"
        shutil.copytree(FAKE / "fixtures", self.data)
        self.bin = tmp_path / "bin"
        self.bin.mkdir()
        self.executable = self.bin / "VBoxManage"
        self.executable.write_text(f'#!/bin/sh\nexec "{sys.executable}" -S "{FAKE / "VBoxManage"}" "$@"\n')
        self.executable.chmod(0o755)
        monkeypatch.setenv("FAKE_VBOX_DIR", str(self.data))
        monkeypatch.setenv("PATH", f"{self.bin}{os.pathsep}{os.environ.get('PATH', '')}")

    def swap(self, vm: str, variant: str) -> None:
        """Replace the showvminfo output of `vm` with a variant (a state change, a cut output)."""
        shutil.copy(self.data / "variants" / f"{variant}.txt", self.data / "showvminfo" / f"{vm}.txt")

    def edit(self, name: str, old: str, new: str) -> None:
        path = self.data / f"{name}.txt"
        path.write_text(path.read_text().replace(old, new))

    def fail(self, name: str, stderr: str) -> None:
        (self.data / f"{name}.fail").write_text(stderr)

    def heal(self, name: str) -> None:
        (self.data / f"{name}.fail").unlink(missing_ok=True)

    def calls(self) -> list[str]:
        log = self.data / "calls.log"
        return log.read_text().splitlines() if log.exists() else []


@pytest.fixture
def fake(tmp_path, monkeypatch) -> FakeVBox:
    return FakeVBox(tmp_path, monkeypatch)


@pytest.fixture
def backend(fake):
    clock = Clock()
    backend = VBoxManageBackend("vbox", clock=clock, host_cpus=8)  # "VBoxManage" found on PATH
    backend.clock = clock
    backend.connect()
    yield backend
    backend.close()


def read_vms(backend):
    (host,) = backend.read()
    check_host(host)
    return host, {vm.name: vm for vm in host.vms}


def test_every_vm_with_state_cpus_memory_disks_and_nics(backend):
    host, vms = read_vms(backend)
    assert host.hypervisor.software == "VirtualBox" and host.hypervisor.version == "7.0.14r161095"
    assert len(host.vms) == 7 and set(vms) == {
        "web-01", "db-02", "build agent (old)", "win-10", "crashy", "guru", "<inaccessible>",
    }  # fmt: skip
    states = {name: (vm.oper_state, vm.admin_state) for name, vm in vms.items()}
    assert states == {
        "web-01": (OperState.RUNNING, AdminState.RUNNING),
        "db-02": (OperState.SHUTDOWN, AdminState.SHUTDOWN),
        "build agent (old)": (OperState.PAUSED, AdminState.PAUSED),
        "win-10": (OperState.SUSPENDED, AdminState.SUSPENDED),
        "crashy": (OperState.CRASHED, AdminState.SHUTDOWN),
        "guru": (OperState.CRASHED, AdminState.RUNNING),
        "<inaccessible>": (OperState.UNKNOWN, AdminState.SHUTDOWN),
    }

    web = vms["web-01"]
    assert (
        web.uuid == uuid.UUID(WEB)
        and web.os_type == "Ubuntu (64-bit)"
        and web.auto_start == AutoStart.ENABLED
    )
    assert (web.cur_cpu_number, len(web.cpus), web.mem_unit, web.cur_mem, web.max_mem) == (
        2,
        2,
        1 << 20,
        3584,
        4096,
    )
    assert web.up_time == ticks(NOW - WEB_STARTED) and web.cpu_time == 0  # estimated from now on
    assert web.memory.unused == 1032192 * 1024 and web.memory.rss == 3672064 * 1024
    dvd, system, data = web.storage
    assert (dvd.key, dvd.media_type, dvd.resource_id, dvd.source_type) == (
        "IDE-1-0", StorageMediaType.OPTICAL_DISK, "", StorageSourceType.UNKNOWN,
    )  # fmt: skip
    assert system.resource_id == "/home/vbox/VirtualBox VMs/web-01/web-01.vdi" and system.bus == "sata"
    assert (system.source_type, system.source_type_string, system.access) == (
        StorageSourceType.SPARSE, "VDI", StorageAccess.READWRITE,
    )  # fmt: skip
    assert system.defined_size * system.size_unit == 20480 << 20
    assert system.allocated_size * system.size_unit == 6178 << 20
    assert data.size_unit == 1 << 20 and data.defined_size == 4 << 20  # 4 TiB does not fit in KiB
    nat, bridged = web.networks
    assert (nat.key, nat.model, nat.phys_address, nat.network) == (
        "nic1",
        "82540EM",
        bytes.fromhex("080027a1b2c3"),
        "nat",
    )
    assert (bridged.model, bridged.parent_device, bridged.phys_address.hex()) == (
        "virtio",
        "enp3s0",
        "0800275d6e7f",
    )

    db = vms["db-02"]
    assert (db.cur_cpu_number, db.cur_mem, db.up_time, db.cpu_time, db.memory) == (4, 8192, 0, None, None)
    assert [(d.key, d.source_type, d.media_type) for d in db.storage] == [
        ("IDE-1-0", StorageSourceType.RAW, StorageMediaType.OPTICAL_DISK),
        ("SCSI-0-0", StorageSourceType.RAW, StorageMediaType.HARD_DISK),
        ("SCSI-1-0", StorageSourceType.NETWORK, StorageMediaType.HARD_DISK),
    ]
    assert db.storage[1].allocated_size == db.storage[1].defined_size  # fixed image: the MIB's rule
    assert [(n.key, n.parent_device, n.network) for n in db.networks] == [
        ("nic1", "vboxnet0", ""),
        ("nic2", "", "backend"),
    ]

    build = vms["build agent (old)"]
    assert build.up_time == ticks(9000 - 0.25)  # paused since 09:30:00.25: counted from there
    assert build.memory.available == 2015232 * 1024  # metrics found under a name with spaces
    assert (
        build.storage[0].key == "SATA Controller-0-0"
        and build.storage[0].source_type == StorageSourceType.SPARSE
    )
    assert vms["win-10"].storage[0].bus == "nvme" and vms["win-10"].up_time == 0
    assert [d.media_type for d in vms["crashy"].storage] == [StorageMediaType.FLOPPY_DISK] * 2
    guru = vms["guru"]
    assert guru.storage[0].defined_size == -1  # its medium is inaccessible: size unknown, not 0
    assert guru.networks[0].parent_device == "en0" and guru.memory.available is None
    assert vms["<inaccessible>"].storage == () and vms["<inaccessible>"].cur_mem == 0


def test_fixture_swap_is_seen_in_the_next_read(fake, backend):
    clock = backend.clock
    _, vms = read_vms(backend)
    assert vms["web-01"].oper_state == OperState.RUNNING and vms["web-01"].cpu_time == 0
    clock.now += 10
    _, vms = read_vms(backend)
    assert vms["web-01"].cpu_time == 11_200_000  # (12% + 2%) of 8 CPUs for 10 s
    assert vms["web-01"].up_time == ticks(NOW + 10 - WEB_STARTED)
    calls = fake.calls()  # per refresh: one list, one showvminfo per VM, one media list, one query
    assert calls.count("list vms") == 2 and calls.count("list --long hdds") == 2
    assert sum(c.startswith("showvminfo ") and c.endswith(" --machinereadable") for c in calls) == 14
    assert sum(c.startswith("metrics setup --period 5 --samples 3 *") for c in calls) == 1  # once per start
    assert sum(c.startswith("metrics query * CPU/Load/User,") for c in calls) == 2

    fake.swap(WEB, "web-01-poweroff")
    _, vms = read_vms(backend)
    web = vms["web-01"]
    assert (web.oper_state, web.admin_state) == (OperState.SHUTDOWN, AdminState.SHUTDOWN)
    assert (web.up_time, web.cpu_time, web.memory, web.cur_mem) == (0, None, None, 4096)
    assert [d.key for d in web.storage] == ["IDE-1-0", "SATA-0-0", "SATA-1-0"]  # still configured

    # started again: the up time and the CPU time count afresh, metrics are set up again
    shutil.copy(FAKE / "fixtures" / "showvminfo" / f"{WEB}.txt", fake.data / "showvminfo" / f"{WEB}.txt")
    fake.edit(f"showvminfo/{WEB}", "2026-11-26T08:14:03.512000000Z", "2026-11-26T12:00:05.000000000Z")
    clock.now += 20
    _, vms = read_vms(backend)
    assert vms["web-01"].oper_state == OperState.RUNNING
    assert vms["web-01"].up_time == ticks(25) and vms["web-01"].cpu_time == 0
    assert sum(c.startswith("metrics setup") for c in fake.calls()) == 2


def test_poller_publishes_snapshots_and_the_change(fake, backend):
    cache = SnapshotCache()
    poller = Poller(backend, "virtualbox", cache, lambda name: Indexer(None), interval=0.1)
    (snapshot,) = poller.refresh()
    assert snapshot.name == "vbox" and snapshot.vm_number == 7
    assert sorted(vm.index for vm in snapshot.vms) == list(range(1, 8))
    fake.swap(WEB, "web-01-poweroff")
    (after,) = poller.refresh()
    web = next(vm for vm in after.vms if vm.name == "web-01")
    before = next(vm for vm in snapshot.vms if vm.name == "web-01")
    assert web.index == before.index and web.oper_state == OperState.SHUTDOWN
    assert cache.snapshot("vbox") is after and poller.health.up


def test_truncated_output_is_a_backend_error_then_recovers(fake, backend):
    cache = SnapshotCache()
    poller = Poller(backend, "virtualbox", cache, lambda name: Indexer(None))
    poller.refresh()
    for failures, (variant, message) in enumerate(
        [("web-01-truncated", "not closed before the end"), ("web-01-no-state", "no VMState")], 1
    ):
        fake.swap(WEB, variant)
        with pytest.raises(BackendError, match=message) as caught:
            poller.refresh()
        assert WEB in str(caught.value) and not isinstance(caught.value, BackendUnavailable)
        assert not poller.health.up and poller.health.failures == failures
        assert cache.snapshot("vbox").vm_number == 7  # the last good snapshot stays
    shutil.copy(FAKE / "fixtures" / "showvminfo" / f"{WEB}.txt", fake.data / "showvminfo" / f"{WEB}.txt")
    poller.refresh()
    assert poller.health.up


def test_malformed_outputs_and_failures_are_backend_errors(fake, backend):
    fake.edit("list-vms", '"db-02" {', "db-02 {")
    with pytest.raises(BackendError, match="list vms: line 2"):
        backend.read()
    shutil.copy(FAKE / "fixtures" / "list-vms.txt", fake.data / "list-vms.txt")

    (fake.data / "showvminfo" / f"{WEB}.txt").write_text("<html>502 Bad Gateway</html>\n")
    with pytest.raises(BackendError, match="no '='"):
        backend.read()
    shutil.copy(FAKE / "fixtures" / "showvminfo" / f"{WEB}.txt", fake.data / "showvminfo" / f"{WEB}.txt")

    fake.fail(f"showvminfo/{WEB}", "VBoxManage: error: The object is not ready\n")
    with pytest.raises(
        BackendError, match="exited with 1: VBoxManage: error: The object is not ready"
    ) as caught:
        backend.read()
    assert not isinstance(caught.value, BackendUnavailable)
    fake.heal(f"showvminfo/{WEB}")
    read_vms(backend)


def test_a_hanging_vboxmanage_times_out(fake):
    (fake.data / "list-vms.hang").write_text("5")
    backend = VBoxManageBackend("vbox", timeout=0.5)
    backend.connect()
    with pytest.raises(BackendError, match="did not answer within 0.5 s"):
        backend.read()


def test_a_vm_deleted_during_the_refresh_is_left_out(fake, backend):
    (fake.data / "showvminfo" / f"{WEB}.txt").unlink()  # listed, then gone: VBOX_E_OBJECT_NOT_FOUND
    host, vms = read_vms(backend)
    assert "web-01" not in vms and len(host.vms) == 6


def test_two_running_vms_with_one_name_get_no_metrics(fake, backend):
    fake.edit("showvminfo/c0ffee00-1234-4abc-8def-0123456789ab", 'name="guru"', 'name="web-01"')
    (host,) = backend.read()
    check_host(host)
    webs = [vm for vm in host.vms if vm.name == "web-01"]
    assert len(webs) == 2 and all(vm.memory is None and vm.cpu_time is None for vm in webs)


def test_optional_calls_degrade_instead_of_failing(fake, backend, caplog):
    fake.fail("list-hdds", "VBoxManage: error: Failed to open the medium registry\n")
    fake.edit("metrics-query", "3.14%", "three%")
    _, vms = read_vms(backend)
    web = vms["web-01"]
    assert web.oper_state == OperState.RUNNING and web.memory is None and web.cpu_time is None
    assert all(d.defined_size == -1 for d in web.storage)
    assert "no disk sizes" in caplog.text and "no metrics" in caplog.text

    before = len(fake.calls())
    metrics_off = VBoxManageBackend("vbox", use_metrics=False)
    metrics_off.connect()
    metrics_off.read()
    assert not any(c.startswith("metrics") for c in fake.calls()[before:])


def test_vboxmanage_missing_or_unusable_is_unavailable(fake, tmp_path, monkeypatch):
    with pytest.raises(BackendUnavailable, match="not found"):
        VBoxManageBackend("vbox", vboxmanage=str(tmp_path / "nowhere" / "VBoxManage")).connect()
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(BackendUnavailable, match="not found: is VirtualBox installed"):
        VBoxManageBackend("vbox").connect()
    assert detect_local() is None and plugin.detect() is None

    not_executable = tmp_path / "VBoxManage"
    not_executable.write_text("#!/bin/sh\n")
    not_executable.chmod(stat.S_IRUSR | stat.S_IWUSR)
    if os.geteuid() != 0:  # root may run anything
        with pytest.raises(BackendUnavailable, match="not executable"):
            VBoxManageBackend("vbox", vboxmanage=str(not_executable)).connect()

    backend = VBoxManageBackend("vbox", vboxmanage=str(fake.executable))
    with pytest.raises(BackendUnavailable, match="not connected"):
        backend.read()
    down = (
        "VBoxManage: error: Failed to create the VirtualBox object!\n"
        "VBoxManage: error: Code NS_ERROR_ABORT (0x80004004) - Operation aborted (extended info not available)\n"
        "VBoxManage: error: Most likely, the VirtualBox COM server is not running or failed to start.\n"
    )
    fake.fail("version", down)
    with pytest.raises(BackendUnavailable, match="COM server is not running"):
        backend.connect()
    fake.heal("version")
    backend.connect()
    fake.fail("list-vms", down)
    with pytest.raises(BackendUnavailable, match="is VBoxSVC running"):
        backend.read()
    (fake.data / "version.txt").write_text("VBoxManage: garbage\n")
    with pytest.raises(BackendUnavailable, match="no version"):
        backend.connect()


def test_the_fake_runs_on_its_own(fake):
    done = subprocess.run(
        [FAKE / "VBoxManage", "list", "runningvms"], capture_output=True, text=True, check=True
    )
    assert done.stdout.count("{") == 3
    done = subprocess.run([FAKE / "VBoxManage", "frobnicate"], capture_output=True, text=True, check=False)
    assert done.returncode == 2 and "unsupported command" in done.stderr


def test_plugin_hooks(fake):
    types = plugins.backend_types(plugins.make_manager())
    kind = types["virtualbox"]
    assert kind.check({}) == [] and kind.demo is None
    assert (
        kind.check({"vboxmanage": "/opt/VirtualBox/VBoxManage", "timeout": 5, "metrics": False, "api": "sdk"})
        == []
    )
    problems = {
        p.key
        for p in kind.check({"vboxmanage": "", "timeout": -1, "metrics": "yes", "api": "com", "uri": "x"})
    }
    assert problems == {"vboxmanage", "timeout", "metrics", "api", "uri"}
    assert kind.check({"timeout": True})[0].key == "timeout"
    created = kind.create("lab", {"timeout": 7, "metrics": False})
    assert isinstance(created, VBoxManageBackend) and created.name == "lab" and created.vbox.timeout == 7.0
    assert not created.use_metrics and created.vbox.executable == "VBoxManage"
    assert isinstance(kind.create("lab", {"api": "sdk"}), SdkBackend)
    assert isinstance(kind.create("lab", {}), VBoxManageBackend)  # vboxapi is not importable here
    assert kind.detect() == {"vboxmanage": str(fake.executable)}


def test_the_sdk_backend_says_when_vboxapi_is_missing():
    backend = SdkBackend("lab")
    with pytest.raises(BackendUnavailable, match="vboxapi is not importable"):
        backend.connect()
    with pytest.raises(BackendUnavailable, match="not connected"):
        backend.read()
    backend.close()


def test_prometheus_and_snmp_show_every_vm(backend):
    """The same exporter checks as every backend: Prometheus and the VM-MIB view."""
    cache = SnapshotCache()
    (snapshot,) = Poller(backend, "virtualbox", cache, lambda name: Indexer(None)).refresh()
    assert len(snapshot.vms) == 7
    check_exports(snapshot)


def _stand_in_vboxapi():
    """A stand-in for the SDK's vboxapi with one running VM, written from the SDK reference (enum
    names, attribute names). It checks the glue and the shared mapping, not the real SDK."""
    from types import ModuleType
    from types import SimpleNamespace as NS

    enums = {
        "MachineState": [
            "Null",
            "PoweredOff",
            "Saved",
            "Teleported",
            "Aborted",
            "Running",
            "Paused",
            "Stuck",
        ],
        "NetworkAttachmentType": ["Null", "NAT", "Bridged", "Internal", "HostOnly"],
        "NetworkAdapterType": ["Null", "Am79C970A", "Am79C973", "I82540EM", "I82543GC", "I82545EM", "Virtio"],
        "StorageControllerType": ["Null", "LsiLogic", "BusLogic", "IntelAhci", "PIIX3", "PIIX4"],
        "DeviceType": ["Null", "Floppy", "DVD", "HardDisk"],
        "MediumType": ["Normal", "Immutable", "Writethrough", "Shareable", "Readonly"],
    }
    disk = NS(location="/vms/sdk/sdk.vdi", id="ABCDEF01-2345-4678-9ABC-DEF012345678", format="VDI", variant=[0],
              type=0, logicalSize=10 << 30, size=2 << 30)  # fmt: skip
    nics = [NS(enabled=True, attachmentType=2, adapterType=6, MACAddress="080027000001", bridgedInterface="eth0",
               hostOnlyInterface="", internalNetwork="", NATNetwork="", cableConnected=True)]  # fmt: skip
    nics += [NS(enabled=False)] * 7
    machine = NS(
        id="11111111-2222-4333-8444-555555555555", accessible=True, name="sdk-vm", state=5,
        lastStateChange=int((NOW - 60) * 1000), OSTypeId="Ubuntu_64", CPUCount=2, memorySize=2048,
        memoryBalloonSize=0, autostartEnabled=False, settingsFilePath="/vms/sdk/sdk.vbox",
        storageControllers=[NS(name="SATA", controllerType=3)],
        mediumAttachments=[NS(controller="SATA", port=0, device=0, type=3, medium=disk),
                           NS(controller="SATA", port=1, device=0, type=2, medium=None)],
        getNetworkAdapter=lambda slot: nics[slot],
    )  # fmt: skip
    broken = NS(id="99999999-2222-4333-8444-555555555555", accessible=False)
    vbox = NS(version="7.0.14", machines=[machine, broken])

    class Manager:
        def __init__(self, style, params):
            self.constants = NS(all_values=lambda enum: {n: i for i, n in enumerate(enums[enum])})

        def getVirtualBox(self):
            return vbox

        def getArray(self, obj, attribute):
            return getattr(obj, attribute)

        def deinit(self):
            pass

    module = ModuleType("vboxapi")
    module.VirtualBoxManager = Manager
    return module


def test_the_sdk_backend_against_a_stand_in(monkeypatch):
    monkeypatch.setitem(sys.modules, "vboxapi", _stand_in_vboxapi())
    backend = SdkBackend("lab", clock=Clock())
    backend.connect()
    (host,) = backend.read()
    backend.close()
    check_host(host)
    vm, gone = host.vms
    assert (vm.name, vm.oper_state, vm.cur_cpu_number, vm.cur_mem, vm.up_time) == (
        "sdk-vm", OperState.RUNNING, 2, 2048, ticks(60),
    )  # fmt: skip
    system, dvd = vm.storage
    assert (system.key, system.source_type, system.defined_size * system.size_unit) == (
        "SATA-0-0", StorageSourceType.SPARSE, 10 << 30,
    )  # fmt: skip
    assert dvd.media_type == StorageMediaType.OPTICAL_DISK and dvd.resource_id == ""
    (nic,) = vm.networks
    assert (nic.key, nic.model, nic.parent_device, nic.phys_address.hex()) == (
        "nic1",
        "virtio",
        "eth0",
        "080027000001",
    )
    assert gone.name == "<inaccessible>" and gone.oper_state == OperState.UNKNOWN

"""Checks every backend must pass, shared by the libvirt, VMware and VirtualBox tests.

`check_host(host)` asserts what the core relies on from a backend's `read()`;
`check_exports(snapshot)` renders a snapshot through the real Prometheus collector and the real
VM-MIB view (which both SNMP agents serve) and compares what they expose with the model.
"""

from __future__ import annotations

import uuid

from vmwatch.indexer import Indexer
from vmwatch.model import (
    AdminState,
    AutoStart,
    CpuAffinity,
    Host,
    OperState,
    Persistent,
    StorageAccess,
    StorageMediaType,
    Snapshot,
    StorageSourceType,
)
from vmwatch.poller import SnapshotCache

INT32_MAX = 2**31 - 1
COUNTER64_MAX = 2**64 - 1


def _int32(value: int, what: str, low: int = 0) -> None:
    assert isinstance(value, int) and low <= value <= INT32_MAX, f"{what} = {value!r} outside {low}..2^31-1"


def _counter(value: int | None, what: str) -> None:
    assert value is None or (isinstance(value, int) and 0 <= value <= COUNTER64_MAX), f"{what} = {value!r}"


def check_host(host: Host) -> None:
    """The backend contract: complete, typed, indexes left to the core, values in MIB ranges."""
    hv = host.hypervisor
    assert hv.software and len(hv.software.encode()) <= 255 and len(hv.version.encode()) <= 255
    assert 0 <= hv.up_time < 2**32
    assert all(isinstance(arc, int) and arc >= 0 for arc in hv.object_id) and len(hv.object_id) >= 2
    uuids = [vm.uuid for vm in host.vms]
    assert len(uuids) == len(set(uuids)), "two VMs with one UUID"
    for vm in host.vms:
        where = f"VM {vm.name!r}"
        assert isinstance(vm.uuid, uuid.UUID), where
        assert vm.index == 0, f"{where}: backends must not decide vmIndex"
        assert isinstance(vm.oper_state, OperState) and isinstance(vm.admin_state, AdminState), where
        assert isinstance(vm.auto_start, AutoStart) and isinstance(vm.persistent, Persistent), where
        _int32(vm.cur_cpu_number, f"{where} vmCurCpuNumber")
        _int32(vm.min_cpu_number, f"{where} vmMinCpuNumber", low=-1)
        _int32(vm.max_cpu_number, f"{where} vmMaxCpuNumber", low=-1)
        _int32(vm.mem_unit, f"{where} vmMemUnit", low=1)
        _int32(vm.cur_mem, f"{where} vmCurMem")
        _int32(vm.min_mem, f"{where} vmMinMem", low=-1)
        _int32(vm.max_mem, f"{where} vmMaxMem", low=-1)
        assert 0 <= vm.up_time < 2**32, where
        _counter(vm.cpu_time, f"{where} vmCpuTime")
        assert [c.index for c in vm.cpus] == list(range(1, len(vm.cpus) + 1)), f"{where}: vmCpuIndex 1..n"
        for cpu in vm.cpus:
            _counter(cpu.core_time, f"{where} vCPU {cpu.index}")
            phys = [a.phys_index for a in cpu.affinity]
            assert len(phys) == len(set(phys)), f"{where}: duplicate vmCpuPhysIndex"
            assert all(isinstance(a.affinity, CpuAffinity) and a.phys_index >= 1 for a in cpu.affinity)
        keys = [s.key for s in vm.storage]
        assert len(keys) == len(set(keys)) and all(keys), f"{where}: storage keys unique and non-empty"
        for disk in vm.storage:
            assert disk.index == 0
            assert isinstance(disk.source_type, StorageSourceType) and isinstance(disk.access, StorageAccess)
            assert isinstance(disk.media_type, StorageMediaType)
            _int32(disk.size_unit, f"{where} {disk.key} vmStorageSizeUnit", low=1)
            _int32(disk.defined_size, f"{where} {disk.key} vmStorageDefinedSize", low=-1)
            _int32(disk.allocated_size, f"{where} {disk.key} vmStorageAllocatedSize", low=-1)
            for name in ("read_ios", "write_ios", "read_octets", "write_octets", "read_latency", "write_latency"):
                _counter(getattr(disk, name), f"{where} {disk.key} {name}")
        keys = [n.key for n in vm.networks]
        assert len(keys) == len(set(keys)) and all(keys), f"{where}: network keys unique and non-empty"
        for nic in vm.networks:
            assert nic.index == 0
            assert isinstance(nic.phys_address, bytes) and len(nic.phys_address) in (0, 6, 8, 20)
            _int32(nic.if_index, f"{where} vmNetworkIfIndex")
            _int32(nic.parent, f"{where} vmNetworkParent")


def index(host: Host, name: str = "hv") -> Snapshot:
    """The snapshot the core would publish for `host` (fresh indexes, no state file)."""
    cache = SnapshotCache()
    indexed = Indexer(None).assign(host)
    snapshot = Snapshot(name=name, backend=name, hypervisor=indexed.hypervisor, vms=indexed.vms, taken_at=0.0)
    cache.publish(snapshot)
    return snapshot


def check_exports(snapshot: Snapshot) -> None:
    """Prometheus and SNMP both show every VM, disk and NIC of the snapshot with the model's values."""
    from prometheus_client import CollectorRegistry, generate_latest
    from prometheus_client.parser import text_string_to_metric_families

    from vmwatch_mib.objects import VM_OBJECTS
    from vmwatch_mib.smi import Syntax
    from vmwatch_mib.switches import NotificationSwitches
    from vmwatch_mib.view import build_view
    from vmwatch_prometheus.collector import VmwatchCollector

    cache = SnapshotCache()
    cache.publish(snapshot)
    registry = CollectorRegistry()
    registry.register(VmwatchCollector(cache))
    samples = [s for f in text_string_to_metric_families(generate_latest(registry).decode()) for s in f.samples]

    def series(name: str) -> dict[str, list]:
        found: dict[str, list] = {}
        for sample in samples:
            if sample.name == name and sample.labels.get("hypervisor") == snapshot.name:
                found.setdefault(sample.labels["vm_uuid"], []).append(sample)
        return found

    info = series("vmwatch_vm_info")
    oper = series("vmwatch_vm_oper_state")
    disks = series("vmwatch_vm_disk_info")
    nics = series("vmwatch_vm_network_info")
    assert set(info) == {str(vm.uuid) for vm in snapshot.vms}, "Prometheus: every VM with its uuid"
    view = build_view(snapshot, NotificationSwitches())
    entry = VM_OBJECTS + (4, 1)
    for vm in snapshot.vms:
        key = str(vm.uuid)
        (sample,) = info[key]
        assert sample.labels["vm_name"] == vm.name and sample.labels["vm_index"] == str(vm.index)
        assert [s.value for s in oper[key]] == [int(vm.oper_state)]
        assert len(disks.get(key, [])) == len(vm.storage) and len(nics.get(key, [])) == len(vm.networks)

        assert view.get(entry + (2, vm.index)).value == vm.name.encode()[:255]
        uuid_value = view.get(entry + (3, vm.index))
        assert uuid_value.syntax == Syntax.OCTET_STRING and uuid_value.value == vm.uuid.bytes
        assert view.get(entry + (6, vm.index)).value == int(vm.oper_state)
        for disk in vm.storage:
            row = VM_OBJECTS + (7, 1, 6, vm.index, disk.index)  # vmStorageResourceID
            assert view.get(row).value == disk.resource_id.encode()[:255], (vm.name, disk.key)
        for nic in vm.networks:
            mac = view.get(VM_OBJECTS + (8, 1, 5, vm.index, nic.index))  # vmNetworkPhysAddress
            assert mac.syntax == Syntax.OCTET_STRING and mac.value == nic.phys_address, (vm.name, nic.key)
    assert view.get(VM_OBJECTS + (2, 0)).value == snapshot.vm_number  # vmNumber

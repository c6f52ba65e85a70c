"""The VMware backend's pure parts: property sets → model, perf samples → counters, updates → events.

Inputs are built from pyVmomi's own data classes (no server), shaped like what vCenter returns.
"""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from backend_contract import check_host
from pyVmomi import vim
from vmwatch_vmware import counters as c
from vmwatch_vmware import settings
from vmwatch_vmware.events import ObjectUpdate, StateTracker, object_updates
from vmwatch_vmware.mapping import (
    VMW_ESX,
    Inventory,
    MappingError,
    admin_state,
    auto_start,
    devices,
    map_hypervisor,
    map_inventory,
    map_vm,
    nic_model,
    oper_state,
    size_unit,
    vm_uuid,
)

from vmwatch.backend import BackendError, Problem
from vmwatch.model import (
    HR_DEVICE_PROCESSOR_BASE,
    AdminState,
    AutoStart,
    CpuAffinity,
    OperState,
    StorageAccess,
    StorageMediaType,
    StorageSourceType,
)

NOW = dt.datetime(2026, 1, 1, 12, 0, 0, tzinfo=dt.UTC)
GiB = 1024**3
DEV = vim.vm.device
VM_UUID = "5003a1b2-c3d4-e5f6-0718-293a4b5c6d7e"
BIOS_UUID = "420f0000-1111-2222-3333-444455556666"


def host_props(name: str = "esx01.example.org", **more) -> dict:
    props = {
        "name": name,
        "summary.config.product": vim.AboutInfo(name="VMware ESXi", version="8.0.2", build="22380479"),
        "runtime.bootTime": NOW - dt.timedelta(days=3),
        "runtime.connectionState": "connected",
        "hardware.cpuInfo.numCpuThreads": 8,
    }
    props.update(more)
    return props


def hardware() -> list:
    """A typical VM: pvscsi bus 0 with a thin and a thick disk, an IDE CD-ROM with an ISO, two NICs."""
    return [
        DEV.ParaVirtualSCSIController(key=1000, busNumber=0),
        DEV.VirtualIDEController(key=200, busNumber=0),
        DEV.VirtualDisk(
            key=2000, controllerKey=1000, unitNumber=0, capacityInBytes=40 * GiB,
            backing=DEV.VirtualDisk.FlatVer2BackingInfo(fileName="[ds1] web/web.vmdk", thinProvisioned=True, diskMode="persistent"),
        ),
        DEV.VirtualDisk(
            key=2001, controllerKey=1000, unitNumber=1, capacityInKB=1024,
            backing=DEV.VirtualDisk.FlatVer2BackingInfo(fileName="[ds1] web/web_1.vmdk", thinProvisioned=False, diskMode="persistent"),
        ),
        DEV.VirtualCdrom(key=3000, controllerKey=200, unitNumber=0, backing=DEV.VirtualCdrom.IsoBackingInfo(fileName="[iso] debian.iso")),
        DEV.VirtualVmxnet3(
            key=4000, macAddress="00:50:56:aa:bb:cc",
            backing=DEV.VirtualEthernetCard.NetworkBackingInfo(deviceName="VM Network"),
        ),
        DEV.VirtualE1000e(
            key=4001, macAddress="00:50:56:aa:bb:cd",
            backing=DEV.VirtualEthernetCard.DistributedVirtualPortBackingInfo(
                port=vim.dvs.PortConnection(switchUuid="50 1a", portgroupKey="dvportgroup-42")
            ),
        ),
    ]  # fmt: skip


def layout() -> dict:
    files = [
        vim.vm.FileLayoutEx.FileInfo(key=1, name="[ds1] web/web.vmdk", type="diskDescriptor", size=512),
        vim.vm.FileLayoutEx.FileInfo(key=2, name="[ds1] web/web-flat.vmdk", type="diskExtent", size=3 * GiB),
        vim.vm.FileLayoutEx.FileInfo(key=3, name="[ds1] web/web.vmx", type="config", size=4096),
    ]
    disks = [vim.vm.FileLayoutEx.DiskLayout(key=2000, chain=[vim.vm.FileLayoutEx.DiskUnit(fileKey=[1, 2])])]
    return {"layoutEx.file": files, "layoutEx.disk": disks}


def vm_props(name: str = "web-1", host: str = "host-1", power: str = "poweredOn", **more) -> dict:
    props = {
        "name": name,
        "config.instanceUuid": VM_UUID,
        "config.uuid": BIOS_UUID,
        "config.template": False,
        "config.guestFullName": "Debian GNU/Linux 12 (64-bit)",
        "config.guestId": "debian12_64Guest",
        "config.hardware.numCPU": 2,
        "config.hardware.memoryMB": 4096,
        "config.hardware.device": hardware(),
        "config.cpuHotAddEnabled": False,
        "config.memoryHotAddEnabled": False,
        "runtime.powerState": power,
        "runtime.connectionState": "connected",
        "runtime.host": vim.HostSystem(host),
        "runtime.bootTime": NOW - dt.timedelta(hours=1),
        "guest.guestState": "running",
        **layout(),
    }
    props.update(more)
    return props


# --- states -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "power, connection, guest, oper, admin",
    [
        ("poweredOn", "connected", "running", OperState.RUNNING, AdminState.RUNNING),
        ("poweredOn", "connected", "shuttingDown", OperState.SHUTTINGDOWN, AdminState.RUNNING),
        ("poweredOff", "connected", "notRunning", OperState.SHUTDOWN, AdminState.SHUTDOWN),
        ("suspended", "connected", None, OperState.SUSPENDED, AdminState.SUSPENDED),
        ("poweredOn", "disconnected", None, OperState.UNKNOWN, AdminState.RUNNING),
        ("poweredOn", "notResponding", None, OperState.UNKNOWN, AdminState.RUNNING),
        ("poweredOff", "inaccessible", None, OperState.UNKNOWN, AdminState.SHUTDOWN),
        ("poweredOff", "orphaned", None, OperState.OTHER, AdminState.SHUTDOWN),
        (None, None, None, OperState.UNKNOWN, AdminState.SHUTDOWN),
    ],
)
def test_power_and_connection_states(power, connection, guest, oper, admin):
    assert oper_state(power, connection, guest) is oper
    assert admin_state(power) is admin


def test_auto_start_from_the_hosts_configuration():
    def config(enabled, *entries):
        return vim.host.AutoStartManager.Config(
            defaults=vim.host.AutoStartManager.SystemDefaults(enabled=enabled),
            powerInfo=[
                vim.host.AutoStartManager.AutoPowerInfo(
                    key=vim.VirtualMachine(ref), startAction=action, startOrder=1, startDelay=-1,
                    waitForHeartbeat="systemDefault", stopAction="systemDefault", stopDelay=-1,
                )
                for ref, action in entries
            ],
        )  # fmt: skip

    listed = config(True, ("vm-1", "PowerOn"), ("vm-2", "None"), ("vm-3", "systemDefault"))
    assert auto_start("vm-1", listed) is AutoStart.ENABLED
    assert auto_start("vm-2", listed) is AutoStart.DISABLED
    assert auto_start("vm-3", listed) is AutoStart.UNKNOWN
    assert auto_start("vm-9", listed) is AutoStart.DISABLED
    assert auto_start("vm-1", config(False, ("vm-1", "PowerOn"))) is AutoStart.DISABLED
    assert auto_start("vm-9", config(None)) is AutoStart.UNKNOWN
    assert auto_start("vm-1", None) is AutoStart.UNKNOWN


def test_vm_uuid_prefers_the_instance_uuid():
    assert vm_uuid(vm_props()) == uuid.UUID(VM_UUID)
    assert vm_uuid({"config.uuid": BIOS_UUID}) == uuid.UUID(BIOS_UUID)
    assert vm_uuid({"name": "being-created"}) is None
    with pytest.raises(MappingError, match="not a UUID"):
        vm_uuid({"name": "bad", "config.instanceUuid": "not-a-uuid"})


# --- hypervisor ---------------------------------------------------------------------------------


def test_hypervisor_scalars():
    hv = map_hypervisor(host_props(), NOW)
    assert hv.software == "VMware ESXi"
    assert hv.version == "8.0.2 build 22380479"
    assert hv.up_time == 3 * 86400 * 100
    assert hv.object_id == VMW_ESX
    assert hv.host_name == "esx01.example.org"
    fallback = map_hypervisor(host_props(**{"runtime.bootTime": None, "summary.quickStats.uptime": 42}), NOW)
    assert fallback.up_time == 4200
    with pytest.raises(MappingError):
        map_hypervisor({"name": ""}, NOW)
    with pytest.raises(MappingError, match="date-time"):
        map_hypervisor(host_props(**{"runtime.bootTime": "yesterday"}), NOW)


# --- devices and VMs ----------------------------------------------------------------------------


def test_vm_entry():
    vm = map_vm("vm-1", vm_props(), host_props(), {"dvportgroup-42": "prod-pg"}, NOW)
    assert vm is not None
    assert vm.uuid == uuid.UUID(VM_UUID) and vm.name == "web-1" and vm.index == 0
    assert vm.os_type == "Debian GNU/Linux 12 (64-bit)"
    assert (vm.oper_state, vm.admin_state) == (OperState.RUNNING, AdminState.RUNNING)
    assert (vm.cur_cpu_number, vm.min_cpu_number, vm.max_cpu_number) == (2, 2, 2)
    assert (vm.mem_unit, vm.cur_mem, vm.min_mem, vm.max_mem) == (1024 * 1024, 4096, 4096, 4096)
    assert vm.up_time == 3600 * 100
    assert vm.cpu_time is None  # no perf sample yet
    assert [cpu.index for cpu in vm.cpus] == [1, 2]
    assert len(vm.cpus[0].affinity) == 8
    assert all(a.affinity is CpuAffinity.ENABLE for a in vm.cpus[0].affinity)


def test_hot_add_and_affinity():
    props = vm_props(**{
        "config.cpuHotAddEnabled": True, "config.cpuHotRemoveEnabled": True, "config.memoryHotAddEnabled": True,
        "config.hotPlugMemoryLimit": 16384, "config.cpuAffinity": vim.vm.AffinityInfo(affinitySet=[0, 2]),
    })  # fmt: skip
    vm = map_vm("vm-1", props, host_props(), {}, NOW)
    assert (vm.min_cpu_number, vm.max_cpu_number, vm.max_mem) == (-1, -1, 16384)
    rows = {a.phys_index - HR_DEVICE_PROCESSOR_BASE: a.affinity for a in vm.cpus[1].affinity}
    assert rows == {n: CpuAffinity.ENABLE if n in (0, 2) else CpuAffinity.DISABLE for n in range(8)}


def test_storage_rows():
    vm = map_vm("vm-1", vm_props(), host_props(), {}, NOW)
    by_key = {s.key: s for s in vm.storage}
    assert list(by_key) == ["scsi0:0", "scsi0:1", "ide0:0"]
    thin = by_key["scsi0:0"]
    assert thin.source_type is StorageSourceType.SPARSE and thin.source_type_string == "vmdk thin"
    assert thin.resource_id == "[ds1] web/web.vmdk"
    assert thin.access is StorageAccess.READWRITE and thin.media_type is StorageMediaType.HARD_DISK
    assert thin.size_unit == 1024  # 40 GiB does not fit Integer32 bytes
    assert thin.defined_size == 40 * GiB // 1024
    assert thin.allocated_size == (3 * GiB + 512) // 1024 + 1  # descriptor + extent, rounded up
    assert thin.bus == "scsi" and thin.device == "scsi0:0" and thin.media_type_string == "PVSCSI"
    thick = by_key["scsi0:1"]
    assert thick.source_type is StorageSourceType.RAW
    assert (thick.size_unit, thick.defined_size, thick.allocated_size) == (1, 1024 * 1024, 1024 * 1024)
    cdrom = by_key["ide0:0"]
    assert cdrom.media_type is StorageMediaType.OPTICAL_DISK and cdrom.access is StorageAccess.READONLY
    assert cdrom.source_type is StorageSourceType.RAW and cdrom.resource_id == "[iso] debian.iso"
    assert cdrom.media_type_string == "IDE"
    assert (cdrom.defined_size, cdrom.allocated_size) == (-1, -1)


@pytest.mark.parametrize(
    "backing, source, resource",
    [
        (DEV.VirtualDisk.RawDiskMappingVer1BackingInfo(fileName="[ds1] db/db_rdm.vmdk", deviceName="vml.0200", compatibilityMode="physicalMode"), StorageSourceType.BLOCK, "vml.0200"),
        (DEV.VirtualDisk.SparseVer2BackingInfo(fileName="[ds1] old.vmdk", diskMode="persistent"), StorageSourceType.SPARSE, "[ds1] old.vmdk"),
        (DEV.VirtualDisk.SeSparseBackingInfo(fileName="[ds1] se.vmdk", diskMode="persistent"), StorageSourceType.SPARSE, "[ds1] se.vmdk"),
        (DEV.VirtualDisk.FlatVer2BackingInfo(fileName="[ds1] vm-000001.vmdk", diskMode="persistent", parent=DEV.VirtualDisk.FlatVer2BackingInfo(fileName="[ds1] vm.vmdk", diskMode="persistent")), StorageSourceType.SPARSE, "[ds1] vm-000001.vmdk"),
    ],
)  # fmt: skip
def test_disk_backings(backing, source, resource):
    disk = DEV.VirtualDisk(key=2000, controllerKey=1000, unitNumber=0, capacityInBytes=GiB, backing=backing)
    props = vm_props(
        **{"config.hardware.device": [DEV.VirtualLsiLogicController(key=1000, busNumber=1), disk]}
    )
    (row,) = map_vm("vm-1", props, host_props(), {}, NOW).storage
    assert (row.key, row.source_type, row.resource_id) == ("scsi1:0", source, resource)
    assert row.media_type_string == "LSI Logic"
    if source is StorageSourceType.BLOCK:
        assert row.allocated_size == row.defined_size


def test_removable_media_sources_and_unique_keys():
    listed = [
        DEV.ParaVirtualSCSIController(key=1000, busNumber=0),
        DEV.VirtualDisk(key=2000, controllerKey=1000, unitNumber=0, capacityInBytes=GiB,
                        backing=DEV.VirtualDisk.FlatVer2BackingInfo(fileName="[ds] a.vmdk", diskMode="persistent")),
        # the simulator puts its CD-ROM at the disk's bus location: keys must still be unique
        DEV.VirtualCdrom(key=3000, controllerKey=1000, unitNumber=0,
                         backing=DEV.VirtualCdrom.RemoteAtapiBackingInfo(deviceName="client-cd")),
        DEV.VirtualFloppy(key=8000, controllerKey=400, unitNumber=0,
                          backing=DEV.VirtualFloppy.DeviceBackingInfo(deviceName="/dev/fd0")),
    ]  # fmt: skip
    vm = map_vm("vm-1", vm_props(**{"config.hardware.device": listed}), host_props(), {}, NOW)
    rows = {s.key: s for s in vm.storage}
    assert list(rows) == ["scsi0:0", "cdrom-3000", "floppy0"]
    assert rows["cdrom-3000"].source_type is StorageSourceType.NETWORK
    assert rows["floppy0"].source_type is StorageSourceType.BLOCK
    assert rows["floppy0"].media_type is StorageMediaType.FLOPPY_DISK
    assert rows["floppy0"].media_type_string == "FDC"
    assert devices(vm_props(**{"config.hardware.device": listed})).disk_instances == ("scsi0:0",)


def test_network_rows():
    vm = map_vm("vm-1", vm_props(), host_props(), {"dvportgroup-42": "prod-pg"}, NOW)
    first, second = vm.networks
    assert (first.key, first.model, first.network) == ("4000", "vmxnet3", "VM Network")
    assert first.phys_address == bytes.fromhex("005056aabbcc")
    assert (second.key, second.model, second.network) == ("4001", "e1000e", "prod-pg")
    assert first.traffic is None  # no perf sample yet
    assert nic_model(DEV.VirtualSriovEthernetCard()) == "sriov"
    assert nic_model(DEV.VirtualPCNet32()) == "pcnet32"
    unknown = map_vm("vm-1", vm_props(), host_props(), {}, NOW).networks[1]
    assert unknown.network == "dvportgroup-42"  # port group not in the inventory: its key


def test_counters_reach_the_rows():
    totals = {
        (VM_UUID, c.CPU_TIME, ""): 5_000_000, (VM_UUID, c.CPU_TIME, "1"): 2_000_000,
        (VM_UUID, c.READ_IOS, "scsi0:0"): 10, (VM_UUID, c.WRITE_LATENCY, "scsi0:0"): 77,
        (VM_UUID, c.RX_BYTES, "4000"): 1024, (VM_UUID, c.TX_PACKETS, "4000"): 3,
    }  # fmt: skip
    vm = map_vm("vm-1", vm_props(), host_props(), {}, NOW, lambda *key: totals.get(key))
    assert vm.cpu_time == 5_000_000
    assert [cpu.core_time for cpu in vm.cpus] == [None, 2_000_000]
    disk = vm.storage[0]
    assert (disk.read_ios, disk.write_ios, disk.write_latency) == (10, None, 77)
    assert vm.networks[0].traffic.rx_bytes == 1024 and vm.networks[0].traffic.tx_packets == 3


def test_templates_and_vms_without_identity_are_not_rows():
    assert map_vm("vm-1", vm_props(**{"config.template": True}), host_props(), {}, NOW) is None
    assert (
        map_vm("vm-1", {"name": "new", "runtime.host": vim.HostSystem("host-1")}, host_props(), {}, NOW)
        is None
    )


@pytest.mark.parametrize(
    "change, message",
    [
        ({"config.hardware.numCPU": "two"}, "numCPU"),
        ({"config.hardware.device": "garbage"}, "not a list"),
        ({"name": None}, "name"),
        ({"runtime.bootTime": 12}, "date-time"),
    ],
)
def test_malformed_answers_are_backend_errors(change, message):
    with pytest.raises(BackendError, match=message):
        map_vm("vm-1", vm_props(**change), host_props(), {}, NOW)


def test_inventory_grouped_per_host():
    def vm(n: int, host: str, **more) -> dict:
        return vm_props(f"vm-{n}", host, **{"config.instanceUuid": str(uuid.UUID(int=n + 1)), **more})

    inventory = Inventory(
        hosts={"host-2": host_props("esx02"), "host-1": host_props("esx01"), "host-3": host_props("esx03")},
        vms={
            "vm-1": vm(1, "host-1"),
            "vm-2": vm(2, "host-2", **{"runtime.powerState": "poweredOff"}),
            "vm-3": vm(3, "host-1", **{"runtime.powerState": "suspended"}),
            "vm-4": vm(4, "host-9"),  # host not in the inventory (being removed)
            "vm-5": vm(5, "host-2", **{"config.template": True}),
        },
        portgroups={},
        now=NOW,
    )
    hosts = map_inventory(inventory)
    assert [h.hypervisor.host_name for h in hosts] == ["esx01", "esx02", "esx03"]
    assert [[vm.name for vm in h.vms] for h in hosts] == [["vm-1", "vm-3"], ["vm-2"], []]
    for host in hosts:
        check_host(host)
    copied = Inventory(
        hosts={"host-1": host_props("esx01")},
        vms={
            "vm-8": vm_props("copy", **{"config.instanceUuid": None}),
            "vm-7": vm_props("original", **{"config.instanceUuid": None}),
        },
        portgroups={},
        now=NOW,
    )
    (host,) = map_inventory(copied)
    assert [vm.name for vm in host.vms] == ["original"] and host.vms[0].uuid == uuid.UUID(BIOS_UUID)
    twins = Inventory(
        hosts={"host-1": host_props("esx"), "host-2": host_props("esx")}, vms={}, portgroups={}, now=NOW
    )
    with pytest.raises(MappingError, match="same name"):
        map_inventory(twins)


def test_admin_strings_are_cut_at_255_octets():
    long_name = "é" * 200  # 400 octets of UTF-8
    vm = map_vm("vm-1", vm_props(**{"config.guestFullName": long_name}), host_props(), {}, NOW)
    assert vm.os_type == "é" * 127 and len(vm.os_type.encode()) == 254


def test_size_unit():
    assert size_unit(None, -1, 0) == 1
    assert size_unit(2**31 - 1) == 1
    assert size_unit(2**31) == 1024
    assert size_unit(4 * 1024**4) == 1024**2


# --- counters -----------------------------------------------------------------------------------


def test_increments_convert_rates_and_sums_into_mib_units():
    values = {
        c.CPU_USED: 1500, c.DISK_READS: 10, c.DISK_WRITES: 2, c.DISK_READ_KBPS: 8, c.DISK_WRITE_KBPS: 1,
        c.DISK_READ_LATENCY: 3, c.DISK_WRITE_LATENCY: -1, "net.bytesRx.average": 4, c.NET_TX_PACKETS: 7,
    }  # fmt: skip
    got = c.increments(values, 20)
    assert got == {
        c.CPU_TIME: 1_500_000,  # ms → µs
        c.READ_IOS: 200,
        c.WRITE_IOS: 40,  # per second × 20 s
        c.READ_OCTETS: 8 * 1024 * 20,
        c.WRITE_OCTETS: 1024 * 20,  # KB/s × 20 s
        c.READ_LATENCY: 3 * 1000 * 200,  # ms per read × reads
        c.RX_BYTES: 4 * 1024 * 20,
        c.TX_PACKETS: 7,
    }  # fmt: skip  (write latency -1: no data)


def test_choose_counters_takes_one_name_per_quantity():
    offered = {
        "cpu.used.summation": 1,
        "net.bytesRx.average": 2,
        "net.received.average": 3,
        "net.transmitted.average": 4,
    }
    assert c.choose_counters(offered) == {
        "cpu.used.summation": 1,
        "net.bytesRx.average": 2,
        "net.transmitted.average": 4,
    }


def perf_answer(times: list[int], series: dict[tuple[int, str], list[int]]):
    pm = vim.PerformanceManager
    return pm.EntityMetric(
        entity=vim.VirtualMachine("vm-1"),
        sampleInfo=[
            pm.SampleInfo(timestamp=dt.datetime.fromtimestamp(t, dt.UTC), interval=20) for t in times
        ],
        value=[
            pm.IntSeries(id=pm.MetricId(counterId=k, instance=i), value=v) for (k, i), v in series.items()
        ],
    )


def test_accumulator_adds_each_sample_once_in_time_order():
    names = {14: c.CPU_USED}
    acc = c.Accumulator()
    # newest first, as the simulator sends them
    acc.add_all("u", c.samples(perf_answer([1040, 1020], {(14, ""): [3, 2], (14, "0"): [1, 1]}), names))
    assert acc.total("u", c.CPU_TIME) == 5000 and acc.total("u", c.CPU_TIME, "0") == 2000
    assert acc.last_time("u") == 1040
    # an overlapping answer: only the sample after 1040 counts
    acc.add_all("u", c.samples(perf_answer([1040, 1060], {(14, ""): [3, 10], (99, ""): [5, 5]}), names))
    assert acc.total("u", c.CPU_TIME) == 15000
    assert acc.total("u", c.CPU_TIME, "7") is None
    acc.retain(["other"])
    assert acc.total("u", c.CPU_TIME) is None and acc.last_time("u") is None


def test_accumulator_wraps_at_counter64():
    acc = c.Accumulator()
    acc.add("u", c.Sample("", 1.0, 20, {c.NET_RX_PACKETS: 2**64 - 1}))
    acc.add("u", c.Sample("", 2.0, 20, {c.NET_RX_PACKETS: 2}))
    assert acc.total("u", c.RX_PACKETS) == 1


def test_malformed_perf_answers():
    broken = vim.PerformanceManager.EntityMetric(
        entity=vim.VirtualMachine("vm-1"), sampleInfo=[vim.PerformanceManager.SampleInfo(interval=20)]
    )
    with pytest.raises(c.MalformedSample):
        c.samples(broken, {})
    with pytest.raises(c.MalformedSample):
        c.samples(object(), {})


# --- events -------------------------------------------------------------------------------------


def test_state_tracker_reports_changes_after_priming():
    tracker = StateTracker()
    vm = {"name": "web-1", "config.instanceUuid": VM_UUID, "runtime.powerState": "poweredOn",
          "runtime.connectionState": "connected", "runtime.host": vim.HostSystem("host-1")}  # fmt: skip
    first = [
        ObjectUpdate("enter", "HostSystem", "host-1", {"name": "esx01"}),
        ObjectUpdate("enter", "VirtualMachine", "vm-1", vm),
    ]
    assert tracker.apply(first, 1.0) == []  # the initial answer describes, it does not change
    assert (
        tracker.apply(
            [ObjectUpdate("modify", "VirtualMachine", "vm-1", {"guest.guestState": "running"})], 2.0
        )
        == []
    )
    (change,) = tracker.apply(
        [ObjectUpdate("modify", "VirtualMachine", "vm-1", {"runtime.powerState": "poweredOff"})], 3.0
    )
    assert (change.host, change.uuid, change.name) == ("esx01", uuid.UUID(VM_UUID), "web-1")
    assert (change.previous, change.new, change.time) == (OperState.RUNNING, OperState.SHUTDOWN, 3.0)
    new_vm = {**vm, "config.instanceUuid": str(uuid.UUID(int=7)), "name": "new"}
    assert not tracker.take_rows_changed()  # the priming answer's VMs are not "new"
    assert tracker.apply([ObjectUpdate("enter", "VirtualMachine", "vm-2", new_vm)], 4.0) == []
    assert tracker.take_rows_changed() and not tracker.take_rows_changed()
    assert tracker.apply([ObjectUpdate("leave", "VirtualMachine", "vm-1")], 5.0) == []
    assert "vm-1" not in tracker.vms and tracker.take_rows_changed()


def test_object_updates_from_an_update_set():
    from pyVmomi import vmodl

    q = vmodl.query.PropertyCollector
    update_set = q.UpdateSet(
        version="2",
        filterSet=[
            q.FilterUpdate(
                objectSet=[
                    q.ObjectUpdate(
                        kind="modify",
                        obj=vim.VirtualMachine("vm-7"),
                        changeSet=[
                            q.Change(name="runtime.powerState", op="assign", val="suspended"),
                            q.Change(name="guest.guestState", op="remove"),
                        ],
                    )
                ]
            )
        ],
    )
    (update,) = object_updates(update_set)
    assert (update.kind, update.obj_type, update.ref) == ("modify", "VirtualMachine", "vm-7")
    assert update.changes == {"runtime.powerState": "suspended"}
    assert update.removed == {"guest.guestState"}
    with pytest.raises(MappingError):
        object_updates(object())


# --- settings -----------------------------------------------------------------------------------


def test_settings_defaults_and_password_sources(tmp_path):
    secret = tmp_path / "password"
    secret.write_text("hunter2\n")
    secret.chmod(0o640)
    parsed, problems = settings.parse(
        {"host": "vc.example.org", "user": "mon", "password_file": str(secret)}, {}
    )
    assert problems == []
    assert (parsed.port, parsed.protocol, parsed.insecure, parsed.ca_file) == (443, "https", False, None)
    assert parsed.password({}) == "hunter2"
    from_env, problems = settings.parse(
        {"host": "vc", "user": "mon", "protocol": "http"}, {settings.PASSWORD_ENV: "pw"}
    )
    assert problems == [] and from_env.port == 80
    assert from_env.password({settings.PASSWORD_ENV: "pw"}) == "pw"
    with pytest.raises(BackendError, match=settings.PASSWORD_ENV):
        from_env.password({})


def test_settings_problems(tmp_path):
    parsed, problems = settings.parse(
        {
            "port": 0,
            "insecure": "yes",
            "ca_file": str(tmp_path / "missing.pem"),
            "password": "x",
            "protocol": "ftp",
        },
        {},
    )
    assert parsed is None
    keys = {p.key for p in problems}
    assert keys == {"host", "user", "port", "insecure", "ca_file", "password", "protocol", "password_file"}
    ca = tmp_path / "ca.pem"
    ca.write_text("x")
    _, problems = settings.parse(
        {"host": "h", "user": "u", "ca_file": str(ca), "insecure": True}, {"VMWATCH_VMWARE_PASSWORD": "p"}
    )
    assert problems == [Problem("ca_file", "insecure = true turns verification off: drop one of them")]


def test_plugin_offers_the_vmware_type_through_its_entry_point():
    from vmwatch.plugins import backend_types, make_manager

    types = backend_types(make_manager(environ={}))
    vmware = types["vmware"]
    assert (
        vmware.check({"host": "vc", "user": "u", "password_file": "/nonexistent"})[0].key == "password_file"
    )
    with pytest.raises(BackendError):
        vmware.create("vc", {})


def test_a_world_readable_password_file_is_refused_at_load_and_at_connect(tmp_path):
    from vmwatch.backend import BackendError

    secret = tmp_path / "password"
    secret.write_text("hunter2\n")
    secret.chmod(0o604)
    parsed, problems = settings.parse({"host": "vc", "user": "mon", "password_file": str(secret)}, {})
    assert parsed is None and [p.key for p in problems] == ["password_file"]
    assert f"secret file {secret} is readable or writable by every user (mode 0604)" in problems[0].reason
    secret.chmod(0o600)
    parsed, _ = settings.parse({"host": "vc", "user": "mon", "password_file": str(secret)}, {})
    secret.chmod(0o644)  # loosened after the config was loaded: the connect refuses too
    with pytest.raises(BackendError, match="every user"):
        parsed.password({})

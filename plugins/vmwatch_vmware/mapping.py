"""Pure mapping from vSphere property sets to the VM-MIB model (no I/O).

The client hands over what the PropertyCollector returned, one `PropertySet` (property path →
value, pyVmomi data objects as values) per managed object, plus the server's clock and the perf
totals kept by `counters.Accumulator`. `map_inventory` groups the VMs by `runtime.host` and
returns one `Host` per ESXi host. pyVmomi is imported for its data classes only (isinstance on
device and backing types). How each MIB object is derived: docs/vmware-mapping.md.

Anything the API answered in a shape we cannot read raises `MappingError` (a BackendError), so
a malformed answer fails the read instead of crashing the poller.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import uuid as uuidlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pyVmomi import vim

from vmwatch.backend import BackendError
from vmwatch.model import (
    HR_DEVICE_PROCESSOR_BASE,
    AdminState,
    AutoStart,
    CpuAffinity,
    CpuAffinityEntry,
    Host,
    Hypervisor,
    MemoryStats,
    NetworkInterface,
    NetworkTraffic,
    OperState,
    Persistent,
    Storage,
    StorageAccess,
    StorageMediaType,
    StorageSourceType,
    VirtualCpu,
    VirtualMachine,
    in_unit,
    mac_bytes,
    size_unit,
    ticks,
)
from vmwatch_vmware import counters as c

log = logging.getLogger(__name__)

PropertySet = Mapping[str, Any]
Totals = Callable[[str, str, str], "int | None"]  # (vm uuid, total name, instance) → total

MIB = 1024 * 1024
VMW_ESX = (1, 3, 6, 1, 4, 1, 6876, 4, 1)  # VMWARE-PRODUCTS-MIB vmwESX: ESX(i)'s sysObjectID

# What the client asks the PropertyCollector for, per managed object type. Nested paths keep the
# answer small: never the whole `config` or `summary` of 1000 VMs.
VM_PROPERTIES = (
    "name",
    "config.instanceUuid",
    "config.uuid",
    "config.template",
    "config.guestFullName",
    "config.guestId",
    "config.hardware.numCPU",
    "config.hardware.memoryMB",
    "config.hardware.device",
    "config.cpuHotAddEnabled",
    "config.cpuHotRemoveEnabled",
    "config.memoryHotAddEnabled",
    "config.hotPlugMemoryLimit",
    "config.cpuAffinity",
    "runtime.powerState",
    "runtime.connectionState",
    "runtime.host",
    "runtime.bootTime",
    "guest.guestState",
    "layoutEx.disk",
    "layoutEx.file",
    "summary.quickStats.balloonedMemory",
    "summary.quickStats.hostMemoryUsage",
)
HOST_PROPERTIES = (
    "name",
    "summary.config.product",
    "runtime.bootTime",
    "runtime.connectionState",
    "summary.quickStats.uptime",
    "hardware.cpuInfo.numCpuThreads",
    "config.autoStart",
)
PORTGROUP_PROPERTIES = ("name", "key")  # DistributedVirtualPortgroup: key (dvportgroup-N) → name


class MappingError(BackendError):
    """The API answered something we cannot map (wrong type, missing identity)."""


@dataclass(frozen=True)
class Inventory:
    """One PropertyCollector read: every host, VM and distributed port group, by managed object id."""

    hosts: Mapping[str, PropertySet]
    vms: Mapping[str, PropertySet]
    portgroups: Mapping[str, str]  # dvportgroup key → port group name
    now: dt.datetime  # the server's clock (ServiceInstance.CurrentTime) at the read


def _no_totals(vm: str, name: str, instance: str) -> int | None:
    return None


# --- identity and states ------------------------------------------------------------------------


def vm_uuid(props: PropertySet) -> uuidlib.UUID | None:
    """vmUUID: config.instanceUuid (unique within a vCenter), else the SMBIOS config.uuid.

    None when the VM has no config yet (being created, inaccessible): it cannot be a vmTable row.
    """
    for key in ("config.instanceUuid", "config.uuid"):
        value = props.get(key)
        if value:
            try:
                return uuidlib.UUID(str(value))
            except ValueError as exc:
                raise MappingError(f"VM {props.get('name')!r}: {key} {value!r} is not a UUID") from exc
    return None


def oper_state(
    power_state: str | None, connection_state: str | None, guest_state: str | None = None
) -> OperState:
    """vmOperState from runtime.powerState, runtime.connectionState and guest.guestState."""
    if connection_state not in (None, "connected"):
        # disconnected / notResponding host, inaccessible files, invalid config: state not known;
        # orphaned: the VM is in vCenter's inventory but no longer on its host
        return OperState.OTHER if connection_state == "orphaned" else OperState.UNKNOWN
    if power_state == "poweredOn":
        return OperState.SHUTTINGDOWN if guest_state == "shuttingDown" else OperState.RUNNING
    if power_state == "poweredOff":
        return OperState.SHUTDOWN
    if power_state == "suspended":
        return OperState.SUSPENDED
    return OperState.UNKNOWN


def admin_state(power_state: str | None) -> AdminState:
    """vmAdminState: the power state the VM was last asked to be in."""
    if power_state == "poweredOn":
        return AdminState.RUNNING
    if power_state == "suspended":
        return AdminState.SUSPENDED
    return AdminState.SHUTDOWN


def auto_start(vm_ref: str, autostart_config: Any) -> AutoStart:
    """vmAutoStart from the host's config.autoStart (HostAutoStartManager.Config).

    Unknown when the host does not report it (vCenter clusters use HA instead); disabled when
    the host's auto-start is off or the VM is not in its list (or listed with startAction none).
    """
    if autostart_config is None:
        return AutoStart.UNKNOWN
    defaults = getattr(autostart_config, "defaults", None)
    enabled = getattr(defaults, "enabled", None)
    if enabled is False:
        return AutoStart.DISABLED
    for info in getattr(autostart_config, "powerInfo", None) or ():
        if _moid(getattr(info, "key", None)) == vm_ref:
            action = str(getattr(info, "startAction", "") or "").lower()
            if action == "poweron":
                return AutoStart.ENABLED
            if action == "none":
                return AutoStart.DISABLED
            return AutoStart.UNKNOWN  # "systemDefault": up to the host's defaults
    return AutoStart.DISABLED if enabled else AutoStart.UNKNOWN


def _moid(ref: Any) -> str | None:
    """The managed object id of a reference ('vm-42'); None for None."""
    if ref is None:
        return None
    moid = getattr(ref, "_moId", None)
    return str(moid) if moid is not None else str(ref)


# --- units --------------------------------------------------------------------------------------


def _int(value: Any, what: str, default: int | None = None) -> int | None:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise MappingError(f"{what} = {value!r} is not an integer")
    return value


def _epoch(value: Any, what: str) -> float | None:
    if value is None:
        return None
    if not isinstance(value, dt.datetime):
        raise MappingError(f"{what} = {value!r} is not a date-time")
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.timestamp()


def _uptime(boot: Any, now: dt.datetime, what: str) -> int | None:
    started = _epoch(boot, what)
    if started is None:
        return None
    return ticks(max(0.0, _epoch(now, "server time") - started))  # type: ignore[operator]


def admin_string(value: Any) -> str:
    """Text cut to SnmpAdminString's 255 octets of UTF-8, never in the middle of a character."""
    return str(value).encode()[:255].decode(errors="ignore")


# --- hypervisor ---------------------------------------------------------------------------------


def map_hypervisor(props: PropertySet, now: dt.datetime) -> Hypervisor:
    """vmHv* scalars of one ESXi host: product name and version, uptime from runtime.bootTime."""
    name = props.get("name")
    if not isinstance(name, str) or not name:
        raise MappingError(f"host without a name: {dict(props)!r:.200}")
    product = props.get("summary.config.product")
    software = str(getattr(product, "name", None) or "VMware ESXi")
    version = str(getattr(product, "version", None) or "")
    build = getattr(product, "build", None)
    if build:
        version = f"{version} build {build}".strip()
    up_time = _uptime(props.get("runtime.bootTime"), now, f"host {name} runtime.bootTime")
    if up_time is None:
        seconds = _int(props.get("summary.quickStats.uptime"), f"host {name} quickStats.uptime", 0)
        up_time = ticks(max(0, seconds or 0))
    return Hypervisor(
        software=admin_string(software),
        version=admin_string(version),
        up_time=up_time,
        object_id=VMW_ESX,
        host_name=name,
    )


# --- devices ------------------------------------------------------------------------------------

_CONTROLLER_PREFIXES = (
    (vim.vm.device.VirtualSCSIController, "scsi"),
    (vim.vm.device.VirtualIDEController, "ide"),
    (vim.vm.device.VirtualSATAController, "sata"),
    (vim.vm.device.VirtualNVMEController, "nvme"),
)


def _bus(device: Any, controllers: Mapping[int, Any]) -> tuple[str, str]:
    """("scsi", "scsi0:1") for a device on SCSI bus 0, unit 1: vSphere's own name for it (the
    virtualDisk perf instance). ("", "") when the controller is not a storage bus we know."""
    controller = controllers.get(getattr(device, "controllerKey", None))
    for kind, prefix in _CONTROLLER_PREFIXES:
        if isinstance(controller, kind):
            return prefix, f"{prefix}{controller.busNumber}:{getattr(device, 'unitNumber', None)}"
    return "", ""


# Controller class → the emulated driver, vmStorageMediaTypeString ("such as 'IDE' and 'SCSI'").
_DRIVER_NAMES = {
    "ParaVirtualSCSIController": "PVSCSI",
    "VirtualLsiLogicController": "LSI Logic",
    "VirtualLsiLogicSASController": "LSI Logic SAS",
    "VirtualBusLogicController": "BusLogic",
    "VirtualAHCIController": "AHCI",
    "VirtualSATAController": "SATA",
    "VirtualNVMEController": "NVMe",
    "VirtualIDEController": "IDE",
}


def driver_name(device: Any, controllers: Mapping[int, Any]) -> str:
    """vmStorageMediaTypeString: the controller the device hangs on ("PVSCSI", "IDE" ...)."""
    if isinstance(device, vim.vm.device.VirtualFloppy):
        return "FDC"
    controller = controllers.get(getattr(device, "controllerKey", None))
    if controller is None:
        return ""
    name = getattr(type(controller), "_wsdlName", type(controller).__name__)
    return _DRIVER_NAMES.get(name, name.removeprefix("Virtual").removesuffix("Controller").upper())


def _disk_source(backing: Any) -> tuple[StorageSourceType, str, str]:
    """(vmStorageSourceType, vmStorageSourceTypeString, vmStorageResourceID) of a disk backing."""
    d = vim.vm.device.VirtualDisk
    file_name = str(getattr(backing, "fileName", "") or "")
    if isinstance(backing, (d.FlatVer2BackingInfo, d.FlatVer1BackingInfo)):
        if getattr(backing, "parent", None) is not None:
            return StorageSourceType.SPARSE, "vmdk delta (snapshot chain)", file_name
        if getattr(backing, "thinProvisioned", False):
            return StorageSourceType.SPARSE, "vmdk thin", file_name
        return StorageSourceType.RAW, "vmdk thick", file_name
    if isinstance(backing, (d.SparseVer2BackingInfo, d.SparseVer1BackingInfo, d.SeSparseBackingInfo)):
        return StorageSourceType.SPARSE, "vmdk sparse", file_name
    if isinstance(backing, d.RawDiskMappingVer1BackingInfo):
        mode = getattr(backing, "compatibilityMode", None) or ""
        lun = str(getattr(backing, "deviceName", "") or "") or file_name
        return StorageSourceType.BLOCK, f"RDM {mode}".strip(), lun
    if isinstance(backing, d.RawDiskVer2BackingInfo):
        return StorageSourceType.BLOCK, "host raw disk", str(getattr(backing, "descriptorFileName", "") or "")
    if isinstance(backing, d.LocalPMemBackingInfo):
        return StorageSourceType.OTHER, "persistent memory", file_name
    return StorageSourceType.OTHER, type(backing).__name__.rsplit(".", 1)[-1], file_name


def _removable_source(backing: Any) -> tuple[StorageSourceType, str, str]:
    """Source of a CD-ROM or floppy backing: image file, host device or client device."""
    if isinstance(backing, vim.vm.device.VirtualDevice.FileBackingInfo):
        return StorageSourceType.RAW, "image file", str(getattr(backing, "fileName", "") or "")
    if isinstance(backing, vim.vm.device.VirtualDevice.RemoteDeviceBackingInfo):
        return StorageSourceType.NETWORK, "client device", str(getattr(backing, "deviceName", "") or "")
    if isinstance(backing, vim.vm.device.VirtualDevice.DeviceBackingInfo):
        return StorageSourceType.BLOCK, "host device", str(getattr(backing, "deviceName", "") or "")
    return StorageSourceType.UNKNOWN, "", ""


def disk_allocations(layout_disks: Any, layout_files: Any) -> dict[int, int]:
    """Bytes on the datastore per disk device key: the sizes of every file in the disk's chain
    (layoutEx.disk → chain → fileKey → layoutEx.file size), snapshots' delta files included."""
    sizes = {getattr(f, "key", None): getattr(f, "size", None) for f in layout_files or ()}
    out: dict[int, int] = {}
    for disk in layout_disks or ():
        total, known = 0, False
        for unit in getattr(disk, "chain", None) or ():
            for key in getattr(unit, "fileKey", None) or ():
                size = sizes.get(key)
                if isinstance(size, int) and size >= 0:
                    total += size
                    known = True
        if known:
            out[disk.key] = total
    return out


def map_storage(
    device: Any, key: str, bus: str, allocations: Mapping[int, int], vm: str, totals: Totals, driver: str = ""
) -> Storage:
    """One vmStorageEntry from a VirtualDisk, VirtualCdrom or VirtualFloppy."""
    backing = getattr(device, "backing", None)
    if isinstance(device, vim.vm.device.VirtualDisk):
        source, source_string, resource = _disk_source(backing)
        capacity = _int(getattr(device, "capacityInBytes", None), f"{key} capacityInBytes")
        if capacity is None:
            kb = _int(getattr(device, "capacityInKB", None), f"{key} capacityInKB")
            capacity = kb * 1024 if kb is not None else None
        if source in (StorageSourceType.RAW, StorageSourceType.BLOCK):
            allocated = capacity  # the MIB: equal to the defined size for raw and block
        else:
            allocated = allocations.get(getattr(device, "key", None))
        unit = size_unit(capacity, allocated)

        def total(name: str) -> int | None:
            return totals(vm, name, key)

        return Storage(
            key=key,
            source_type=source,
            source_type_string=source_string,
            resource_id=admin_string(resource),
            access=StorageAccess.READWRITE,
            media_type=StorageMediaType.HARD_DISK,
            media_type_string=driver,
            size_unit=unit,
            defined_size=in_unit(capacity, unit),
            allocated_size=in_unit(allocated, unit),
            read_ios=total(c.READ_IOS),
            write_ios=total(c.WRITE_IOS),
            read_octets=total(c.READ_OCTETS),
            write_octets=total(c.WRITE_OCTETS),
            read_latency=total(c.READ_LATENCY),
            write_latency=total(c.WRITE_LATENCY),
            device=key,
            bus=bus,
        )
    optical = isinstance(device, vim.vm.device.VirtualCdrom)
    source, source_string, resource = _removable_source(backing)
    return Storage(
        key=key,
        source_type=source,
        source_type_string=source_string,
        resource_id=admin_string(resource),
        access=StorageAccess.READONLY if optical else StorageAccess.UNKNOWN,
        media_type=StorageMediaType.OPTICAL_DISK if optical else StorageMediaType.FLOPPY_DISK,
        media_type_string=driver,
        device=key,
        bus=bus,
    )


def _network_name(backing: Any, portgroups: Mapping[str, str]) -> str:
    e = vim.vm.device.VirtualEthernetCard
    if isinstance(backing, e.DistributedVirtualPortBackingInfo):
        key = getattr(getattr(backing, "port", None), "portgroupKey", None) or ""
        return portgroups.get(key, key)
    if isinstance(backing, e.OpaqueNetworkBackingInfo):
        return str(getattr(backing, "opaqueNetworkId", "") or "")
    return str(getattr(backing, "deviceName", "") or "")  # standard port group (or legacy)


def nic_model(device: Any) -> str:
    """vmNetworkModel: the emulated card, as vSphere names its class (VirtualVmxnet3 → vmxnet3)."""
    name = getattr(type(device), "_wsdlName", type(device).__name__)
    name = name.removeprefix("Virtual")
    return {"SriovEthernetCard": "sriov", "EthernetCard": "ethernet"}.get(name, name.lower())


def map_network(device: Any, portgroups: Mapping[str, str], vm: str, totals: Totals) -> NetworkInterface:
    """One vmNetworkEntry from a VirtualEthernetCard; traffic from the perf totals of its device key."""
    key = str(device.key)
    found = {name: totals(vm, name, key) for name in (
        c.RX_BYTES, c.RX_PACKETS, c.RX_DROPS, c.TX_BYTES, c.TX_PACKETS, c.TX_DROPS)}  # fmt: skip
    traffic = None
    if any(v is not None for v in found.values()):
        traffic = NetworkTraffic(
            rx_bytes=found[c.RX_BYTES] or 0,
            rx_packets=found[c.RX_PACKETS] or 0,
            rx_drops=found[c.RX_DROPS] or 0,
            tx_bytes=found[c.TX_BYTES] or 0,
            tx_packets=found[c.TX_PACKETS] or 0,
            tx_drops=found[c.TX_DROPS] or 0,
        )
    return NetworkInterface(
        key=key,
        model=nic_model(device),
        phys_address=mac_bytes(getattr(device, "macAddress", None)),
        network=_network_name(getattr(device, "backing", None), portgroups),
        traffic=traffic,
    )


@dataclass(frozen=True)
class Devices:
    """A VM's storage and network devices, each with the key vmwatch and the perf instances use."""

    storage: tuple[tuple[str, str, Any], ...]  # (key, bus kind, device)
    nics: tuple[Any, ...]
    drivers: Mapping[int, str]  # device key → vmStorageMediaTypeString

    @property
    def disk_instances(self) -> tuple[str, ...]:
        """virtualDisk perf instances ("scsi0:0") of the VM's hard disks."""
        return tuple(key for key, _, d in self.storage if isinstance(d, vim.vm.device.VirtualDisk))

    @property
    def nic_instances(self) -> tuple[str, ...]:
        """net perf instances: the cards' device keys ("4000")."""
        return tuple(str(d.key) for d in self.nics)


def devices(props: PropertySet) -> Devices:
    """Sort config.hardware.device into storage (with bus names) and network cards.

    A disk is named by its bus location ("scsi0:0"), vSphere's own name and perf instance; a
    CD-ROM or floppy that claims a location already taken (seen only in the simulator) is named
    by its device key instead, so keys stay unique.
    """
    listed = props.get("config.hardware.device") or ()
    if not isinstance(listed, Sequence) or isinstance(listed, str):
        raise MappingError(f"VM {props.get('name')!r}: config.hardware.device is not a list")
    controllers = {d.key: d for d in listed if isinstance(d, vim.vm.device.VirtualController)}
    disks = [d for d in listed if isinstance(d, vim.vm.device.VirtualDisk)]
    removable = [
        d for d in listed if isinstance(d, (vim.vm.device.VirtualCdrom, vim.vm.device.VirtualFloppy))
    ]
    storage: list[tuple[str, str, Any]] = []
    used: set[str] = set()
    for device in disks + removable:
        kind, name = _bus(device, controllers)
        if isinstance(device, vim.vm.device.VirtualFloppy) and not name:
            kind, name = "floppy", f"floppy{getattr(device, 'unitNumber', 0) or 0}"
        if not name or name in used:
            label = "disk" if isinstance(device, vim.vm.device.VirtualDisk) else (
                "cdrom" if isinstance(device, vim.vm.device.VirtualCdrom) else "floppy")  # fmt: skip
            name = f"{label}-{device.key}"
        used.add(name)
        storage.append((name, kind, device))
    nics = tuple(d for d in listed if isinstance(d, vim.vm.device.VirtualEthernetCard))
    drivers = {device.key: driver_name(device, controllers) for _, _, device in storage}
    return Devices(storage=tuple(storage), nics=nics, drivers=drivers)


# --- CPUs ---------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def affinity_rows(host_cpus: int, allowed: frozenset[int] | None) -> tuple[CpuAffinityEntry, ...]:
    """vmCpuAffinityEntry rows for one vCPU: one per host logical CPU; all enabled without a set.

    Cached: a fleet shares few distinct affinity sets and the rows are immutable.
    """
    return tuple(
        CpuAffinityEntry(
            HR_DEVICE_PROCESSOR_BASE + cpu,
            CpuAffinity.ENABLE if allowed is None or cpu in allowed else CpuAffinity.DISABLE,
        )
        for cpu in range(host_cpus)
    )


def map_cpus(
    props: PropertySet, count: int, host_cpus: int, vm: str, totals: Totals
) -> tuple[VirtualCpu, ...]:
    """vmCpuEntry rows: per-vCPU time from the cpu.used perf instance "N"; affinity from
    config.cpuAffinity.affinitySet (vSphere applies one set to every vCPU of the VM)."""
    affinity = props.get("config.cpuAffinity")
    allowed_list = getattr(affinity, "affinitySet", None) if affinity is not None else None
    allowed = frozenset(int(cpu) for cpu in allowed_list) if allowed_list else None
    rows = affinity_rows(host_cpus, allowed) if host_cpus > 0 else ()
    return tuple(
        VirtualCpu(index=n + 1, core_time=totals(vm, c.CPU_TIME, str(n)), affinity=rows) for n in range(count)
    )


# --- virtual machines ---------------------------------------------------------------------------


def map_vm(
    ref: str,
    props: PropertySet,
    host: PropertySet,
    portgroups: Mapping[str, str],
    now: dt.datetime,
    totals: Totals = _no_totals,
) -> VirtualMachine | None:
    """One vmEntry with its rows; None for a VM without identity yet (no config) or a template."""
    uuid = vm_uuid(props)
    if uuid is None or props.get("config.template") is True:
        return None
    key = str(uuid)
    name = props.get("name")
    if not isinstance(name, str):
        raise MappingError(f"VM {ref}: name {name!r} is not a string")
    where = f"VM {name!r}"
    power = props.get("runtime.powerState")
    power = str(power) if power is not None else None
    connection = props.get("runtime.connectionState")
    connection = str(connection) if connection is not None else None
    cpus = _int(props.get("config.hardware.numCPU"), f"{where} numCPU", 0) or 0
    memory_mb = _int(props.get("config.hardware.memoryMB"), f"{where} memoryMB")
    hot_limit = _int(props.get("config.hotPlugMemoryLimit"), f"{where} hotPlugMemoryLimit")
    if props.get("config.memoryHotAddEnabled"):
        max_mem = hot_limit if hot_limit is not None else -1
    else:
        max_mem = memory_mb if memory_mb is not None else -1
    host_cpus = _int(host.get("hardware.cpuInfo.numCpuThreads"), f"host of {where} numCpuThreads", 0) or 0
    found = devices(props)
    allocations = disk_allocations(props.get("layoutEx.disk"), props.get("layoutEx.file"))
    up_time = 0
    if power == "poweredOn":
        up_time = _uptime(props.get("runtime.bootTime"), now, f"{where} runtime.bootTime") or 0
    balloon = _int(props.get("summary.quickStats.balloonedMemory"), f"{where} balloonedMemory")
    consumed = _int(props.get("summary.quickStats.hostMemoryUsage"), f"{where} hostMemoryUsage")
    memory = None
    if balloon is not None or consumed is not None:
        memory = MemoryStats(
            balloon=balloon * MIB if balloon is not None else None,
            rss=consumed * MIB if consumed is not None else None,
        )
    os_type = props.get("config.guestFullName") or props.get("config.guestId") or ""
    return VirtualMachine(
        uuid=uuid,
        name=name,
        os_type=admin_string(os_type),
        admin_state=admin_state(power),
        oper_state=oper_state(power, connection, props.get("guest.guestState")),
        auto_start=auto_start(ref, host.get("config.autoStart")),
        persistent=Persistent.PERSISTENT,  # every VM in the inventory is registered (defined)
        cur_cpu_number=cpus,
        min_cpu_number=-1 if props.get("config.cpuHotRemoveEnabled") else cpus,
        max_cpu_number=-1 if props.get("config.cpuHotAddEnabled") else cpus,
        mem_unit=MIB,
        cur_mem=max(0, memory_mb or 0),
        min_mem=memory_mb if memory_mb is not None else -1,  # vSphere cannot hot-remove memory
        max_mem=max_mem,
        up_time=up_time,
        cpu_time=totals(key, c.CPU_TIME, ""),
        cpus=map_cpus(props, cpus, host_cpus, key, totals),
        storage=tuple(
            map_storage(device, name_, bus, allocations, key, totals, found.drivers.get(device.key, ""))
            for name_, bus, device in found.storage
        ),
        networks=tuple(map_network(device, portgroups, key, totals) for device in found.nics),
        memory=memory,
    )


def map_inventory(inventory: Inventory, totals: Totals = _no_totals) -> tuple[Host, ...]:
    """One Host per ESXi host, sorted by host name, each with the VMs whose runtime.host it is.

    VMs without a host (orphaned, being registered) or without identity are left out; of VMs
    sharing a UUID (possible only with SMBIOS UUIDs) the first in text order of managed object id.
    """
    hosts = {ref: map_hypervisor(props, inventory.now) for ref, props in inventory.hosts.items()}
    names = [hv.host_name for hv in hosts.values()]
    if len(set(names)) != len(names):
        raise MappingError(f"two ESXi hosts have the same name: {sorted(names)}")
    vms: dict[str, list[VirtualMachine]] = {ref: [] for ref in hosts}
    seen: dict[uuidlib.UUID, str] = {}
    for ref, props in sorted(inventory.vms.items()):
        host_ref = _moid(props.get("runtime.host"))
        if host_ref not in hosts:
            continue
        vm = map_vm(ref, props, inventory.hosts[host_ref], inventory.portgroups, inventory.now, totals)
        if vm is None:
            continue
        if vm.uuid in seen:  # only with SMBIOS UUIDs (hosts without instance UUIDs): copied VMs
            log.warning(
                "VMs %s and %s share the UUID %s: only the first is reported", seen[vm.uuid], ref, vm.uuid
            )
            continue
        seen[vm.uuid] = ref
        vms[host_ref].append(vm)
    return tuple(
        Host(hypervisor=hosts[ref], vms=tuple(sorted(vms[ref], key=lambda vm: vm.name)))
        for ref in sorted(hosts, key=lambda r: hosts[r].host_name)
    )

"""The RFC 7666 VM-MIB as frozen dataclasses.

Units are the MIB's own: CPU time and latency in microseconds (Counter64), up times in TimeTicks
(centiseconds), memory in `mem_unit` bytes, storage sizes in `size_unit` bytes. Enum values are
exactly those of the MIB module (mibs/VM-MIB, mibs/IANA-STORAGE-MEDIA-TYPE-MIB).

A backend builds `Host` objects (hypervisor scalars and every VM) with all indexes left at 0; the
indexer fills vmIndex, vmStorageIndex and vmNetworkIndex; the poller wraps the result in a
`Snapshot`. Objects the MIB does not have but users expect (network traffic, memory statistics)
are carried as extensions (`NetworkTraffic`, `MemoryStats`) and never reach SNMP.
"""

from __future__ import annotations

import enum
import functools
import uuid as uuidlib
from dataclasses import dataclass, field
from typing import Any

VM_MIB = (1, 3, 6, 1, 2, 1, 236)
ZERO_OID = (0, 0)
INT32_MAX = 2**31 - 1

# net-snmp's HOST-RESOURCES-MIB numbers processors as hrDeviceIndex (HRDEV_PROC << 16) + n.
HR_DEVICE_PROCESSOR_BASE = 3 << 16


class OperState(enum.IntEnum):
    """VirtualMachineOperState."""

    UNKNOWN = 1
    OTHER = 2
    PREPARING = 3
    RUNNING = 4
    SUSPENDING = 5
    SUSPENDED = 6
    RESUMING = 7
    PAUSED = 8
    MIGRATING = 9
    SHUTTINGDOWN = 10
    SHUTDOWN = 11
    CRASHED = 12


class AdminState(enum.IntEnum):
    """VirtualMachineAdminState."""

    RUNNING = 1
    SUSPENDED = 2
    PAUSED = 3
    SHUTDOWN = 4


class AutoStart(enum.IntEnum):
    """VirtualMachineAutoStart."""

    UNKNOWN = 1
    ENABLED = 2
    DISABLED = 3


class Persistent(enum.IntEnum):
    """VirtualMachinePersistent."""

    UNKNOWN = 1
    PERSISTENT = 2
    TRANSIENT = 3


class StorageSourceType(enum.IntEnum):
    """VirtualMachineStorageSourceType."""

    UNKNOWN = 1
    OTHER = 2
    BLOCK = 3
    RAW = 4
    SPARSE = 5
    NETWORK = 6


class StorageAccess(enum.IntEnum):
    """VirtualMachineStorageAccess."""

    UNKNOWN = 1
    READWRITE = 2
    READONLY = 3


class StorageMediaType(enum.IntEnum):
    """IANAStorageMediaType (note: other is 1 and unknown is 2 here, unlike the VM-MIB enums)."""

    OTHER = 1
    UNKNOWN = 2
    HARD_DISK = 3
    OPTICAL_DISK = 4
    FLOPPY_DISK = 5


class CpuAffinity(enum.IntEnum):
    """vmCpuAffinity."""

    UNKNOWN = 0
    ENABLE = 1
    DISABLE = 2


@dataclass(frozen=True)
class Hypervisor:
    """The vmHypervisor scalars (vmHvSoftware, vmHvVersion, vmHvObjectID, vmHvUpTime)."""

    software: str
    version: str
    up_time: int  # TimeTicks: the hypervisor's own uptime, not vmwatch's
    object_id: tuple[int, ...] = ZERO_OID
    host_name: str = ""  # extension: the host as the hypervisor names itself


@dataclass(frozen=True)
class CpuAffinityEntry:
    """One vmCpuAffinityEntry of a virtual CPU: a host processor and whether the vCPU may use it."""

    phys_index: int  # vmCpuPhysIndex = the processor's hrDeviceIndex
    affinity: CpuAffinity


@dataclass(frozen=True)
class VirtualCpu:
    """One vmCpuEntry (vmCpuIndex is 1-based) with its vmCpuAffinityEntry rows."""

    index: int
    core_time: int | None  # vmCpuCoreTime, µs; None while the VM has no running vCPU
    affinity: tuple[CpuAffinityEntry, ...] = ()


@dataclass(frozen=True)
class Storage:
    """One vmStorageEntry. `key` identifies the device within its VM for the indexer."""

    key: str
    index: int = 0  # vmStorageIndex, set by the indexer
    parent: int = 0  # hrStorageIndex of the physical parent, 0 when not known
    source_type: StorageSourceType = StorageSourceType.UNKNOWN
    source_type_string: str = ""
    resource_id: str = ""
    access: StorageAccess = StorageAccess.UNKNOWN
    media_type: StorageMediaType = StorageMediaType.UNKNOWN
    media_type_string: str = ""
    size_unit: int = 1
    defined_size: int = -1
    allocated_size: int = -1
    read_ios: int | None = None
    write_ios: int | None = None
    read_octets: int | None = None
    write_octets: int | None = None
    read_latency: int | None = None  # µs, total
    write_latency: int | None = None  # µs, total
    device: str = ""  # extension: the guest-side device name (vda, hdc, ...)
    bus: str = ""  # extension: virtio, ide, scsi, ...


@dataclass(frozen=True)
class NetworkTraffic:
    """Extension: host-side interface counters, not in the MIB."""

    rx_bytes: int = 0
    rx_packets: int = 0
    rx_errors: int = 0
    rx_drops: int = 0
    tx_bytes: int = 0
    tx_packets: int = 0
    tx_errors: int = 0
    tx_drops: int = 0


@dataclass(frozen=True)
class NetworkInterface:
    """One vmNetworkEntry. `key` identifies the interface within its VM for the indexer."""

    key: str
    index: int = 0  # vmNetworkIndex, set by the indexer
    if_index: int = 0  # vmNetworkIfIndex: host ifIndex of the VM's interface (tap), 0 unknown
    parent: int = 0  # vmNetworkParent: ifIndex of the bridge/parent device, 0 unknown
    model: str = ""
    phys_address: bytes = b""  # PhysAddress: raw octets
    device: str = ""  # extension: host-side interface name (vnet0, ...)
    parent_device: str = ""  # extension: bridge or parent interface name
    network: str = ""  # extension: libvirt network / port group name
    traffic: NetworkTraffic | None = None


@dataclass(frozen=True)
class MemoryStats:
    """Extension: balloon and guest memory statistics in bytes, None where not reported."""

    balloon: int | None = None
    available: int | None = None
    unused: int | None = None
    usable: int | None = None
    rss: int | None = None
    disk_caches: int | None = None
    swap_in: int | None = None
    swap_out: int | None = None
    major_faults: int | None = None
    minor_faults: int | None = None


@dataclass(frozen=True)
class VirtualMachine:
    """One vmEntry with its CPU, storage and network rows."""

    uuid: uuidlib.UUID
    name: str
    index: int = 0  # vmIndex, set by the indexer
    os_type: str = ""
    admin_state: AdminState = AdminState.SHUTDOWN
    oper_state: OperState = OperState.UNKNOWN
    auto_start: AutoStart = AutoStart.UNKNOWN
    persistent: Persistent = Persistent.UNKNOWN
    cur_cpu_number: int = 0
    min_cpu_number: int = -1
    max_cpu_number: int = -1
    mem_unit: int = 1024
    cur_mem: int = 0
    min_mem: int = -1
    max_mem: int = -1
    up_time: int = 0  # TimeTicks since the VM last went from shutdown to running
    cpu_time: int | None = None  # vmCpuTime, µs
    cpus: tuple[VirtualCpu, ...] = ()
    storage: tuple[Storage, ...] = ()
    networks: tuple[NetworkInterface, ...] = ()
    memory: MemoryStats | None = None  # extension


@dataclass(frozen=True)
class Host:
    """What a backend reads from one hypervisor: its scalars and every VM, indexes unset."""

    hypervisor: Hypervisor
    vms: tuple[VirtualMachine, ...]


@dataclass(frozen=True)
class Snapshot:
    """One hypervisor at one moment, indexed, as every consumer reads it.

    `name` is the hypervisor's name in vmwatch (the `hypervisor` label, the AgentX context).
    """

    name: str
    backend: str
    hypervisor: Hypervisor
    vms: tuple[VirtualMachine, ...]  # sorted by vmIndex
    taken_at: float  # epoch seconds when the read finished
    table_last_change: int = 0  # vmTableLastChange, TimeTicks of vmHvUpTime
    by_index: dict[int, VirtualMachine] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not self.by_index:
            object.__setattr__(self, "by_index", {vm.index: vm for vm in self.vms})

    @property
    def vm_number(self) -> int:
        """vmNumber: rows in vmTable, whatever their state."""
        return len(self.vms)


def ticks(seconds: float) -> int:
    """Seconds → TimeTicks (centiseconds), wrapped to the 32-bit range as SNMP requires."""
    return int(seconds * 100) % (1 << 32)


def size_unit(*values: int | None) -> int:
    """The smallest power of 1024 (1, 1024, 1024², ...) in which every known value fits Integer32.

    For vmMemUnit and vmStorageSizeUnit: exact for small sizes, never overflowing for large ones.
    """
    largest = max((v for v in values if v is not None and v > 0), default=0)
    unit = 1
    while -(-largest // unit) > INT32_MAX:  # ceiling division: sizes are rounded up
        unit *= 1024
    return unit


def in_unit(value: int | None, unit: int) -> int:
    """`value` bytes in `unit`, rounded up (a partly used unit counts); -1 when unknown."""
    if value is None or value < 0:
        return -1
    return -(-value // unit)


def mac_bytes(mac: Any) -> bytes:
    """MAC text ("52:54:00:ab:cd:ef", "080027A1B2C3", dashes too) → the 6 raw octets of PhysAddress;
    b"" when it is not a MAC."""
    if not isinstance(mac, str):
        return b""
    try:
        raw = bytes.fromhex(mac.replace(":", "").replace("-", ""))
    except ValueError:
        return b""
    return raw if len(raw) == 6 else b""


def mib_name(member: enum.IntEnum) -> str:
    """The enumeration label as the MIB module spells it: RUNNING → running, HARD_DISK → hardDisk."""
    return _mib_names(type(member))[member]


@functools.cache
def _mib_names(kind: type) -> dict:
    # Keyed by enum class: IntEnum members of different enums with one value compare equal.
    names = {}
    for member in kind:
        first, *rest = member.name.lower().split("_")
        names[member] = first + "".join(word.capitalize() for word in rest)
    return names

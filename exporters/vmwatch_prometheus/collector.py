"""Snapshots and backend health → Prometheus metric families.

Pure: nothing here reads a hypervisor, a socket or a clock except through its arguments. The
`VmwatchCollector` only reads the `SnapshotCache` it was given.

Units: the model keeps the MIB's units; every family here is in base units. µs → seconds,
TimeTicks (centiseconds) → seconds, vmCurMem × vmMemUnit → bytes, vmStorage*Size ×
vmStorageSizeUnit → bytes. A MIB value of -1 ("no limit" / "not available") yields no sample.

Speed: a snapshot is immutable, so what it contributes to each family (a `Block`: samples plus the
same samples already rendered as exposition lines) is built once per snapshot and reused by every
scrape until the next snapshot replaces it. `collect()` still runs on every scrape and yields
fresh family objects; only their sample lists and lines are shared. Families built per scrape
(health, staleness, build) carry no pre-rendered lines and are rendered by prometheus_client.

Between snapshots most VMs change only their values, so rendering one reuses what does not: the
label sets of each VM whose labelled fields are unchanged (`LabelCache`), and the whole block
(with its compressed form) of each family whose text is unchanged.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
import uuid as uuidlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from typing import TYPE_CHECKING

from prometheus_client.metrics_core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    InfoMetricFamily,
    Metric,
)
from prometheus_client.samples import Sample
from prometheus_client.utils import floatToGoString

from vmwatch import __version__
from vmwatch.model import (
    HR_DEVICE_PROCESSOR_BASE,
    AdminState,
    AutoStart,
    CpuAffinity,
    OperState,
    Persistent,
    Snapshot,
    StorageAccess,
    StorageMediaType,
    StorageSourceType,
    VirtualMachine,
    mib_name,
)

if TYPE_CHECKING:
    from vmwatch.poller import BackendHealth, SnapshotCache

log = logging.getLogger(__name__)

# The attribute of a yielded family that holds its pre-rendered blocks (read by exposition.py).
BLOCKS_ATTRIBUTE = "vmwatch_blocks"

# Divide rather than multiply by 1e-6: division is correctly rounded, so 1234567 µs is 1.234567 s.
MICROS_PER_SECOND = 1e6
TICKS_PER_SECOND = 100


def _codes(enum: type) -> str:
    """'1 running, 2 suspended, ...' from an IntEnum, in the MIB's own words."""
    return ", ".join(f"{member.value} {mib_name(member)}" for member in enum)


@dataclass(frozen=True)
class MetricSpec:
    """One metric family: how it is named, typed, labelled and what it mirrors.

    `name` is the family name as prometheus_client takes it (counters without `_total`, info
    metrics without `_info`); `exposed` is the name of its samples. `source` names the MIB objects
    it mirrors, or "extension".
    """

    name: str
    kind: str  # gauge, counter or info
    help: str
    labels: tuple[str, ...]
    source: str
    unit: str = ""
    conversion: str = ""  # how the model value becomes the sample value, for docs/metrics.md

    @property
    def exposed(self) -> str:
        return self.name + {"counter": "_total", "info": "_info"}.get(self.kind, "")

    def family(self) -> Metric:
        """A new, empty family of the right prometheus_client class."""
        if self.kind == "counter":
            return CounterMetricFamily(self.name, self.help, labels=self.labels, unit=self.unit)
        if self.kind == "info":
            return InfoMetricFamily(self.name, self.help, labels=self.labels)
        return GaugeMetricFamily(self.name, self.help, labels=self.labels, unit=self.unit)


HV = ("hypervisor",)
VM = ("hypervisor", "vm_uuid", "vm_name")
VCPU = VM + ("vcpu",)
DISK = VM + ("device",)
NIC = VM + ("device",)
BACKEND = ("backend",)


def _spec(name, kind, help_, labels, source, unit="", conversion="") -> MetricSpec:
    mirrored = f" (VM-MIB {source})" if source != "extension" else " (extension, not in VM-MIB)"
    return MetricSpec(name, kind, help_ + mirrored, labels, source, unit, conversion)


# --- Families that come from snapshots, in exposition order --------------------------------------

HYPERVISOR_INFO = _spec(
    "vmwatch_hypervisor", "info", "Hypervisor software, version and object identifier",
    HV + ("backend", "software", "version", "object_id", "host_name"),
    "vmHvSoftware, vmHvVersion, vmHvObjectID; host_name is an extension",
)
HYPERVISOR_UPTIME = _spec(
    "vmwatch_hypervisor_uptime_seconds", "gauge", "Time since the hypervisor started, wrapping after 497 days",
    HV, "vmHvUpTime", "seconds", "TimeTicks / 100",
)
VMS = _spec("vmwatch_vms", "gauge", "Number of VMs on the hypervisor, in any state", HV, "vmNumber")
TABLE_LAST_CHANGE = _spec(
    "vmwatch_vm_table_last_change_seconds", "gauge",
    "Hypervisor uptime when a VM was last added to or removed from the VM table",
    HV, "vmTableLastChange", "seconds", "TimeTicks / 100",
)
VM_INFO = _spec(
    "vmwatch_vm", "info", "VM identity: index, name, UUID and guest OS type",
    VM + ("vm_index", "os_type"), "vmIndex, vmName, vmUUID, vmOSType",
)
ADMIN_STATE = _spec(
    "vmwatch_vm_admin_state", "gauge", f"State the VM is meant to be in: {_codes(AdminState)}",
    VM, "vmAdminState", conversion="MIB code",
)
OPER_STATE = _spec(
    "vmwatch_vm_oper_state", "gauge", f"State the VM is in: {_codes(OperState)}",
    VM, "vmOperState", conversion="MIB code",
)
AUTOSTART = _spec(
    "vmwatch_vm_autostart", "gauge", f"Whether the VM starts with the hypervisor: {_codes(AutoStart)}",
    VM, "vmAutoStart", conversion="MIB code",
)
PERSISTENT = _spec(
    "vmwatch_vm_persistent", "gauge", f"Whether the VM definition survives its shutdown: {_codes(Persistent)}",
    VM, "vmPersistent", conversion="MIB code",
)
VCPUS = _spec("vmwatch_vm_vcpus", "gauge", "Virtual CPUs assigned to the VM now", VM, "vmCurCpuNumber")
VCPUS_MIN = _spec(
    "vmwatch_vm_vcpus_min", "gauge", "Fewest virtual CPUs the VM may have; absent when unbounded",
    VM, "vmMinCpuNumber", conversion="no sample for -1",
)
VCPUS_MAX = _spec(
    "vmwatch_vm_vcpus_max", "gauge", "Most virtual CPUs the VM may have; absent when unlimited",
    VM, "vmMaxCpuNumber", conversion="no sample for -1",
)
MEMORY = _spec(
    "vmwatch_vm_memory_bytes", "gauge", "Memory allocated to the VM now",
    VM, "vmCurMem, vmMemUnit", "bytes", "vmCurMem × vmMemUnit",
)
MEMORY_MIN = _spec(
    "vmwatch_vm_memory_min_bytes", "gauge", "Least memory the VM may have; absent when unbounded",
    VM, "vmMinMem, vmMemUnit", "bytes", "vmMinMem × vmMemUnit; no sample for -1",
)
MEMORY_MAX = _spec(
    "vmwatch_vm_memory_max_bytes", "gauge", "Most memory the VM may have; absent when unlimited",
    VM, "vmMaxMem, vmMemUnit", "bytes", "vmMaxMem × vmMemUnit; no sample for -1",
)
VM_UPTIME = _spec(
    "vmwatch_vm_uptime_seconds", "gauge", "Time since the VM was last started from shutdown",
    VM, "vmUpTime", "seconds", "TimeTicks / 100",
)
CPU_TIME = _spec(
    "vmwatch_vm_cpu_seconds", "counter", "Total CPU time used by the VM",
    VM, "vmCpuTime", "seconds", "µs / 10^6; no sample while unknown (VM not running)",
)
VCPU_TIME = _spec(
    "vmwatch_vm_vcpu_seconds", "counter", "CPU time used by one virtual CPU",
    VCPU, "vmCpuCoreTime; vcpu is vmCpuIndex, from 1", "seconds", "µs / 10^6; no sample while unknown",
)
VCPU_AFFINITY = _spec(
    "vmwatch_vm_vcpu_affinity", "info",
    "Host CPUs a virtual CPU may run on, as a cpuset list of host CPU numbers (hrDeviceIndex - 196608)",
    VCPU + ("cpus",), "vmCpuAffinityTable: vmCpuPhysIndex, vmCpuAffinity",
    conversion="one series per vCPU; cpus lists the vmCpuPhysIndex - 196608 whose vmCpuAffinity is enable(1)",
)
MEMORY_STATS = tuple(
    _spec(f"vmwatch_vm_memory_{name}", kind, text, VM, "extension", unit,
          "bytes, as the hypervisor reports them" if unit else "a count, as the hypervisor reports it")
    for name, kind, unit, text in (
        ("balloon_bytes", "gauge", "bytes", "Memory the balloon driver leaves to the guest"),
        ("available_bytes", "gauge", "bytes", "Memory the guest sees as installed"),
        ("unused_bytes", "gauge", "bytes", "Memory the guest leaves completely unused"),
        ("usable_bytes", "gauge", "bytes", "Memory the guest could use without swapping"),
        ("rss_bytes", "gauge", "bytes", "Resident memory of the VM's process on the host"),
        ("disk_cache_bytes", "gauge", "bytes", "Guest memory used for disk caches that can be reclaimed"),
        ("swap_in_bytes", "counter", "bytes", "Memory the guest has read back from swap"),
        ("swap_out_bytes", "counter", "bytes", "Memory the guest has written out to swap"),
        ("major_faults", "counter", "", "Page faults in the guest that needed disk I/O"),
        ("minor_faults", "counter", "", "Page faults in the guest served without disk I/O"),
    )
)
MEMORY_STAT_FIELDS = (
    "balloon", "available", "unused", "usable", "rss", "disk_caches", "swap_in", "swap_out", "major_faults", "minor_faults",
)
DISK_INFO = _spec(
    "vmwatch_vm_disk", "info", "Virtual storage device: index, source, access and media",
    DISK + ("storage_index", "bus", "parent", "source_type", "source_type_string", "resource_id",
            "access", "media_type", "media_type_string"),
    "vmStorageIndex, vmStorageParent, vmStorageSourceType, vmStorageSourceTypeString, vmStorageResourceID, "
    "vmStorageAccess, vmStorageMediaType, vmStorageMediaTypeString; the VM is vmStorageVmIndex; "
    "device and bus are extensions",
    conversion="enumerations as their MIB labels (block, readwrite, hardDisk ...)",
)
DISK_DEFINED = _spec(
    "vmwatch_vm_disk_defined_bytes", "gauge", "Size of the virtual storage as defined; absent when not known",
    DISK, "vmStorageDefinedSize, vmStorageSizeUnit", "bytes", "vmStorageDefinedSize × vmStorageSizeUnit; no sample for -1",
)
DISK_ALLOCATED = _spec(
    "vmwatch_vm_disk_allocated_bytes", "gauge", "Physical storage allocated to the virtual storage; absent when not known",
    DISK, "vmStorageAllocatedSize, vmStorageSizeUnit", "bytes", "vmStorageAllocatedSize × vmStorageSizeUnit; no sample for -1",
)
DISK_COUNTERS = tuple(
    (field_, _spec(f"vmwatch_vm_disk_{name}", "counter", text, DISK, source, unit, conversion))
    for field_, name, unit, source, text, conversion in (
        ("read_ios", "read_requests", "", "vmStorageReadIOs", "Read requests", "no sample while unknown"),
        ("write_ios", "write_requests", "", "vmStorageWriteIOs", "Write requests", "no sample while unknown"),
        ("read_octets", "read_bytes", "bytes", "vmStorageReadOctets", "Bytes read", "no sample while unknown"),
        ("write_octets", "write_bytes", "bytes", "vmStorageWriteOctets", "Bytes written", "no sample while unknown"),
        ("read_latency", "read_time_seconds", "seconds", "vmStorageReadLatency",
         "Time read requests spent queued until completion", "µs / 10^6; no sample while unknown"),
        ("write_latency", "write_time_seconds", "seconds", "vmStorageWriteLatency",
         "Time write requests spent queued until completion", "µs / 10^6; no sample while unknown"),
    )
)
NETWORK_INFO = _spec(
    "vmwatch_vm_network", "info", "Virtual network interface: index, host interfaces, model and MAC address",
    NIC + ("network_index", "if_index", "parent_if_index", "model", "mac", "bridge", "network"),
    "vmNetworkIndex, vmNetworkIfIndex, vmNetworkParent, vmNetworkModel, vmNetworkPhysAddress; "
    "device, bridge and network are extensions",
    conversion="PhysAddress octets as aa:bb:cc:dd:ee:ff; ifIndex 0 (unknown) as an empty label",
)
NETWORK_COUNTERS = tuple(
    (field_, _spec(f"vmwatch_vm_network_{name}", "counter", text, NIC, "extension", unit, "host-side interface counters"))
    for field_, name, unit, text in (
        ("rx_bytes", "receive_bytes", "bytes", "Bytes received by the VM's interface"),
        ("rx_packets", "receive_packets", "", "Packets received by the VM's interface"),
        ("rx_errors", "receive_errors", "", "Receive errors on the VM's interface"),
        ("rx_drops", "receive_drops", "", "Received packets dropped on the VM's interface"),
        ("tx_bytes", "transmit_bytes", "bytes", "Bytes sent by the VM's interface"),
        ("tx_packets", "transmit_packets", "", "Packets sent by the VM's interface"),
        ("tx_errors", "transmit_errors", "", "Transmit errors on the VM's interface"),
        ("tx_drops", "transmit_drops", "", "Packets to send dropped on the VM's interface"),
    )
)

SNAPSHOT_SPECS: tuple[MetricSpec, ...] = (
    HYPERVISOR_INFO, HYPERVISOR_UPTIME, VMS, TABLE_LAST_CHANGE,
    VM_INFO, ADMIN_STATE, OPER_STATE, AUTOSTART, PERSISTENT,
    VCPUS, VCPUS_MIN, VCPUS_MAX, MEMORY, MEMORY_MIN, MEMORY_MAX, VM_UPTIME, CPU_TIME,
    VCPU_TIME, VCPU_AFFINITY,
    *MEMORY_STATS,
    DISK_INFO, DISK_DEFINED, DISK_ALLOCATED, *(spec for _, spec in DISK_COUNTERS),
    NETWORK_INFO, *(spec for _, spec in NETWORK_COUNTERS),
)

# --- Families computed on every scrape ------------------------------------------------------------

BACKEND_UP = MetricSpec(
    "vmwatch_backend_up", "gauge", "1 if the last read of the backend succeeded, else 0",
    BACKEND + ("type",), "vmwatch",
)
BACKEND_READ_DURATION = MetricSpec(
    "vmwatch_backend_read_duration_seconds", "gauge", "How long the last read of the backend took, successful or not",
    BACKEND, "vmwatch", "seconds",
)
BACKEND_LAST_SUCCESS = MetricSpec(
    "vmwatch_backend_last_success_timestamp_seconds", "gauge",
    "When the last successful read of the backend finished, in seconds since the epoch", BACKEND, "vmwatch", "seconds",
)
BACKEND_READS = MetricSpec("vmwatch_backend_reads", "counter", "Reads of the backend", BACKEND, "vmwatch")
BACKEND_FAILURES = MetricSpec(
    "vmwatch_backend_read_failures", "counter", "Reads of the backend that failed", BACKEND, "vmwatch",
)
SNAPSHOT_AGE = MetricSpec(
    "vmwatch_snapshot_age_seconds", "gauge", "Age of the snapshot served for the hypervisor", HV, "vmwatch", "seconds",
)
SNAPSHOT_STALE = MetricSpec(
    "vmwatch_snapshot_stale", "gauge",
    "1 if the snapshot served for the hypervisor is older than stale_after (reads fail or are late), else 0",
    HV, "vmwatch",
)
BUILD_INFO = MetricSpec(
    "vmwatch_build", "info", "vmwatch version and the Python running it", ("version", "python_version"), "vmwatch",
)

HEALTH_SPECS: tuple[MetricSpec, ...] = (
    BACKEND_UP, BACKEND_READ_DURATION, BACKEND_LAST_SUCCESS, BACKEND_READS, BACKEND_FAILURES,
    SNAPSHOT_AGE, SNAPSHOT_STALE, BUILD_INFO,
)

# --- Families from the event hub (state changes, notifications), computed on every scrape -------

STATE_CHANGES = MetricSpec(
    "vmwatch_vm_state_changes", "counter",
    "VM state changes seen since vmwatch started, by previous and new state (VM-MIB vmOperState; "
    'to="deleted": the VM left vmTable, as vmDeleted reports)',
    HV + ("from", "to"), "vmOperState", conversion="one count per change; from/to are the MIB's state labels",
)
NOTIFICATIONS_SENT = MetricSpec(
    "vmwatch_notifications_sent", "counter",
    "RFC 7666 notifications delivered, by sink (agentx, snmp) and kind (per_vm, bulk)",
    ("sink", "kind"), "vmwatch",
)
NOTIFICATIONS_DROPPED = MetricSpec(
    "vmwatch_notifications_dropped", "counter",
    "Notifications that will never be delivered, by sink and reason (queue_full, expired, failed, shutdown; "
    'sink="policy", reason="rate_limit": held back by the per-VM rate limit with no bulk notification to carry them)',
    ("sink", "reason"), "vmwatch",
)
NOTIFICATIONS_QUEUED = MetricSpec(
    "vmwatch_notifications_queued", "gauge", "Notifications waiting for their sink (e.g. while the AgentX master is down)",
    ("sink",), "vmwatch",
)
NOTIFICATION_SINK_UP = MetricSpec(
    "vmwatch_notification_sink_up", "gauge", "1 if the sink took the last notification offered to it, else 0",
    ("sink",), "vmwatch",
)
NOTIFICATIONS_RATE_LIMITED = MetricSpec(
    "vmwatch_notifications_rate_limited", "counter", "Per-VM notifications held back by the per-VM rate limit",
    (), "vmwatch",
)
NOTIFICATIONS_COALESCED = MetricSpec(
    "vmwatch_notifications_coalesced", "counter", "State changes carried by bulk notifications (VM-MIB vmAffectedVMs)",
    (), "vmwatch",
)
EVENT_SPECS: tuple[MetricSpec, ...] = (
    STATE_CHANGES, NOTIFICATIONS_SENT, NOTIFICATIONS_DROPPED, NOTIFICATIONS_QUEUED, NOTIFICATION_SINK_UP,
    NOTIFICATIONS_RATE_LIMITED, NOTIFICATIONS_COALESCED,
)
ALL_SPECS = SNAPSHOT_SPECS + HEALTH_SPECS + EVENT_SPECS


# --- Rendering helpers -----------------------------------------------------------------------------


def escape(value: str) -> str:
    """Escape a label value as the exposition formats require (backslash, newline, double quote)."""
    if "\\" in value or "\n" in value or '"' in value:
        return value.replace("\\", r"\\").replace("\n", r"\n").replace('"', r"\"")
    return value


def fmt(value: float) -> str:
    """A sample value as exposition text: integers exactly, floats as Python's shortest repr.

    Prometheus parses both to the same float64 that prometheus_client's Go-style formatting
    would give; this is several times cheaper, and integers above 2^53 lose nothing in transit.
    """
    kind = type(value)
    if kind is int:
        return str(value)
    if kind is float:
        text = repr(value)
        # 'inf' and 'nan' are spelt '+Inf' and 'NaN' in the exposition formats.
        return text if text[-1] not in "fn" else floatToGoString(value)
    return floatToGoString(value)  # bool, IntEnum and other numbers: through float()


class LabelSet:
    """A label dict and its rendered, escaped text (`a="1",b="2"`), built once and shared.

    Many samples share one LabelSet (every counter of a disk, every gauge of a VM), which keeps
    per-sample work to one tuple and one string. Labels keep their insertion order (hypervisor,
    VM, device, then the rest) rather than prometheus_client's sorted order: Prometheus does not
    care, and extending a set is then one concatenation instead of a sort.
    """

    __slots__ = ("labels", "text")

    def __init__(self, labels: dict[str, str], text: str | None = None) -> None:
        self.labels = labels
        self.text = _label_text(labels) if text is None else text

    def extend(self, **more: str) -> LabelSet:
        return LabelSet({**self.labels, **more}, f"{self.text},{_label_text(more)}" if self.text else None)


def _label_text(labels: dict[str, str]) -> str:
    return ",".join([f'{k}="{escape(v)}"' for k, v in labels.items()])


class Block:
    """What one snapshot contributes to one family: its samples, and the same samples as text.

    Immutable once built. `data` is the UTF-8 exposition of the samples (identical in the
    Prometheus text format and in OpenMetrics). `samples` builds prometheus_client `Sample`
    tuples on demand only: the fast exposition path never needs them, and 100k tuples per
    snapshot cost more (allocation and garbage-collector passes) than all the text. `memo` is
    where encoders keep forms derived from `data` (compressed bytes), which never go stale.
    """

    __slots__ = ("name", "labelsets", "values", "data", "memo")

    def __init__(self, name: str, labelsets: list[LabelSet], values: list[float], data: bytes) -> None:
        self.name = name
        self.labelsets = labelsets
        self.values = values
        self.data = data
        self.memo: dict = {}

    @property
    def samples(self) -> list[Sample]:
        name = self.name
        return [Sample(name, ls.labels, value) for ls, value in zip(self.labelsets, self.values)]


def cpuset(numbers: Iterable[int]) -> str:
    """Host CPU numbers as a Linux cpuset list: [0, 1, 2, 3, 8] → '0-3,8'."""
    ranges: list[str] = []
    run: list[int] = []
    for n in sorted(set(numbers)):
        if run and n == run[-1] + 1:
            run.append(n)
            continue
        if run:
            ranges.append(str(run[0]) if len(run) == 1 else f"{run[0]}-{run[-1]}")
        run = [n]
    if run:
        ranges.append(str(run[0]) if len(run) == 1 else f"{run[0]}-{run[-1]}")
    return ",".join(ranges)


def mac_text(octets: bytes) -> str:
    """PhysAddress octets → 'aa:bb:cc:dd:ee:ff' (empty when unknown)."""
    return ":".join(f"{b:02x}" for b in octets)


def _if_index(value: int) -> str:
    return str(value) if value > 0 else ""


def device_names(items: Sequence) -> list[str]:
    """The `device` label of each disk or interface of a VM: its device name, unique within the VM.

    Two rows with one name would be duplicate series, and Prometheus rejects a whole scrape for
    one duplicate; the row keys are unique (the indexer relies on it), so they stand in then.
    """
    names = [item.device or item.key for item in items]
    return names if len(set(names)) == len(names) else [item.key for item in items]


def _text(prefix: str, labelsets: Sequence[LabelSet], values: Sequence[float]) -> bytes:
    """The exposition lines of one family's samples (prefix is the sample name and '{')."""
    return "".join(
        [f"{prefix}{ls.text}}} {str(v) if type(v) is int else fmt(v)}\n" for ls, v in zip(labelsets, values)]
    ).encode()


class _Families:
    """The blocks of one snapshot, added family by family."""

    def __init__(self) -> None:
        self.blocks: dict[str, Block] = {}

    def add(self, spec: MetricSpec, labelsets: list[LabelSet], values: list[float]) -> None:
        if values:
            name = spec.exposed
            self.blocks[spec.name] = Block(name, labelsets, values, _text(name + "{", labelsets, values))


_CPU_KEY = attrgetter("index", "affinity")
_DISK_KEY = attrgetter(
    "key", "device", "index", "bus", "parent", "source_type", "source_type_string", "resource_id",
    "access", "media_type", "media_type_string",
)  # fmt: skip
_NIC_KEY = attrgetter(
    "key", "device", "index", "if_index", "parent", "model", "phys_address", "parent_device", "network"
)


def _vm_key(vm: VirtualMachine) -> tuple:
    """Every field of a VM (and its rows) that some label is made of, and nothing else."""
    return (
        vm.name,
        vm.index,
        vm.os_type,
        tuple(map(_CPU_KEY, vm.cpus)),
        tuple(map(_DISK_KEY, vm.storage)),
        tuple(map(_NIC_KEY, vm.networks)),
    )


class VmLabels:
    """The label sets of one VM's samples: the VM's, its info sample's, each vCPU's, disk's and NIC's.

    They depend only on identity and configuration (`key`), which rarely change between
    snapshots while the values change every time; so they are built once and reused for as long
    as the key stays the same (see `LabelCache`). Never modified once built.
    """

    __slots__ = ("affinity", "cpus", "disk_info", "disks", "info", "key", "nic_info", "nics", "vm")

    def __init__(self, hypervisor: str, vm: VirtualMachine, key: tuple) -> None:
        self.key = key
        labels = self.vm = LabelSet({"hypervisor": hypervisor, "vm_uuid": str(vm.uuid), "vm_name": vm.name})
        self.info = labels.extend(vm_index=str(vm.index), os_type=vm.os_type)
        self.cpus = [labels.extend(vcpu=str(cpu.index)) for cpu in vm.cpus]
        enable = CpuAffinity.ENABLE
        # None for a vCPU without affinity rows (no sample)
        self.affinity = [
            cpu_labels.extend(
                cpus=cpuset(
                    a.phys_index - HR_DEVICE_PROCESSOR_BASE
                    for a in cpu.affinity
                    if a.affinity == enable and a.phys_index >= HR_DEVICE_PROCESSOR_BASE
                )
            )
            if cpu.affinity
            else None
            for cpu, cpu_labels in zip(vm.cpus, self.cpus)
        ]
        self.disks = [labels.extend(device=device) for device in device_names(vm.storage)]
        self.disk_info = [
            disk_labels.extend(
                storage_index=str(disk.index),
                bus=disk.bus,
                parent=str(disk.parent) if disk.parent > 0 else "",
                source_type=mib_name(StorageSourceType(disk.source_type)),
                source_type_string=disk.source_type_string,
                resource_id=disk.resource_id,
                access=mib_name(StorageAccess(disk.access)),
                media_type=mib_name(StorageMediaType(disk.media_type)),
                media_type_string=disk.media_type_string,
            )
            for disk, disk_labels in zip(vm.storage, self.disks)
        ]
        self.nics = [labels.extend(device=device) for device in device_names(vm.networks)]
        self.nic_info = [
            nic_labels.extend(
                network_index=str(nic.index),
                if_index=_if_index(nic.if_index),
                parent_if_index=_if_index(nic.parent),
                model=nic.model,
                mac=mac_text(nic.phys_address),
                bridge=nic.parent_device,
                network=nic.network,
            )
            for nic, nic_labels in zip(vm.networks, self.nics)
        ]


class LabelCache:
    """`VmLabels` of the VMs of one hypervisor's last snapshot, by UUID.

    `labels()` returns every VM's label sets for a new snapshot, reusing those whose key did not
    change, and then holds only that snapshot's VMs: memory stays bounded by the VMs present.
    Safe to share between threads: a render reads the old mapping and swaps in a new one; a lost
    update only costs a rebuild.
    """

    def __init__(self) -> None:
        self._by_uuid: dict[uuidlib.UUID, VmLabels] = {}

    def labels(self, snapshot: Snapshot) -> list[VmLabels]:
        old, new = self._by_uuid, {}
        rows = []
        name = snapshot.name
        for vm in snapshot.vms:
            key = _vm_key(vm)
            row = old.get(vm.uuid)
            if row is None or row.key != key:
                row = VmLabels(name, vm, key)
            new[vm.uuid] = row
            rows.append(row)
        self._by_uuid = new
        return rows


def render_snapshot(snapshot: Snapshot, cache: LabelCache | None = None) -> dict[str, Block]:
    """Every sample one snapshot contributes, per family name (families without samples left out).

    `cache` holds the label sets of the hypervisor's previous snapshot (see `LabelCache`); the
    result is the same with or without it. Built family by family: each family's samples are in
    VM order, then vCPU, disk or NIC order.
    """
    rows = (cache or LabelCache()).labels(snapshot)
    vms = snapshot.vms
    out = _Families()
    add = out.add
    hv = snapshot.hypervisor
    hv_labels = [LabelSet({"hypervisor": snapshot.name})]
    hv_info = hv_labels[0].extend(
        backend=snapshot.backend,
        software=hv.software,
        version=hv.version,
        object_id=".".join(map(str, hv.object_id)),
        host_name=hv.host_name,
    )
    add(HYPERVISOR_INFO, [hv_info], [1])
    add(HYPERVISOR_UPTIME, hv_labels, [hv.up_time / TICKS_PER_SECOND])
    add(VMS, hv_labels, [snapshot.vm_number])
    add(TABLE_LAST_CHANGE, hv_labels, [snapshot.table_last_change / TICKS_PER_SECOND])

    every_vm = [row.vm for row in rows]  # one list shared by the families with a sample per VM
    pairs = list(zip(every_vm, vms))
    add(VM_INFO, [row.info for row in rows], [1] * len(rows))
    add(ADMIN_STATE, every_vm, [int(vm.admin_state) for vm in vms])
    add(OPER_STATE, every_vm, [int(vm.oper_state) for vm in vms])
    add(AUTOSTART, every_vm, [int(vm.auto_start) for vm in vms])
    add(PERSISTENT, every_vm, [int(vm.persistent) for vm in vms])
    add(VCPUS, every_vm, [vm.cur_cpu_number for vm in vms])
    add(VCPUS_MIN, *_where(pairs, lambda vm: vm.min_cpu_number if vm.min_cpu_number >= 0 else None))
    add(VCPUS_MAX, *_where(pairs, lambda vm: vm.max_cpu_number if vm.max_cpu_number >= 0 else None))
    add(MEMORY, every_vm, [vm.cur_mem * vm.mem_unit for vm in vms])
    add(MEMORY_MIN, *_where(pairs, lambda vm: vm.min_mem * vm.mem_unit if vm.min_mem >= 0 else None))
    add(MEMORY_MAX, *_where(pairs, lambda vm: vm.max_mem * vm.mem_unit if vm.max_mem >= 0 else None))
    add(VM_UPTIME, every_vm, [vm.up_time / TICKS_PER_SECOND for vm in vms])
    add(CPU_TIME, *_where(pairs, lambda vm: None if vm.cpu_time is None else vm.cpu_time / MICROS_PER_SECOND))

    labelsets: list[LabelSet] = []
    values: list[float] = []
    for row, vm in zip(rows, vms):
        for cpu_labels, cpu in zip(row.cpus, vm.cpus):
            if cpu.core_time is not None:
                labelsets.append(cpu_labels)
                values.append(cpu.core_time / MICROS_PER_SECOND)
    add(VCPU_TIME, labelsets, values)
    labelsets = [ls for row in rows for ls in row.affinity if ls is not None]
    add(VCPU_AFFINITY, labelsets, [1] * len(labelsets))

    with_memory = [(labels, vm.memory) for labels, vm in pairs if vm.memory is not None]
    for field_name, spec in zip(MEMORY_STAT_FIELDS, MEMORY_STATS):
        add(spec, *_where(with_memory, attrgetter(field_name)))

    disks = [
        (disk_labels, disk) for row, vm in zip(rows, vms) for disk_labels, disk in zip(row.disks, vm.storage)
    ]
    labelsets = [ls for row in rows for ls in row.disk_info]
    add(DISK_INFO, labelsets, [1] * len(labelsets))
    add(DISK_DEFINED, *_where(disks, lambda d: d.defined_size * d.size_unit if d.defined_size >= 0 else None))
    allocated = _where(disks, lambda d: d.allocated_size * d.size_unit if d.allocated_size >= 0 else None)
    add(DISK_ALLOCATED, *allocated)
    for field_name, spec in DISK_COUNTERS:
        get = attrgetter(field_name)
        add(spec, *_where(disks, _micros_as_seconds(get) if spec.unit == "seconds" else get))

    nics = [(nic_labels, nic) for row, vm in zip(rows, vms) for nic_labels, nic in zip(row.nics, vm.networks)]
    labelsets = [ls for row in rows for ls in row.nic_info]
    add(NETWORK_INFO, labelsets, [1] * len(labelsets))
    with_traffic = [(nic_labels, nic.traffic) for nic_labels, nic in nics if nic.traffic is not None]
    traffic_labels = [nic_labels for nic_labels, _ in with_traffic]
    for field_name, spec in NETWORK_COUNTERS:
        add(spec, traffic_labels, list(map(attrgetter(field_name), (t for _, t in with_traffic))))
    return out.blocks


def _micros_as_seconds(get: Callable[[object], int | None]) -> Callable[[object], float | None]:
    return lambda item: None if (value := get(item)) is None else value / MICROS_PER_SECOND


def _where(
    pairs: Iterable[tuple[LabelSet, object]], value: Callable[[object], float | None]
) -> tuple[list[LabelSet], list[float]]:
    """Label sets and values of the pairs (labels, item) for which value(item) is not None."""
    labelsets, values = [], []
    for labels, item in pairs:
        v = value(item)
        if v is not None:
            labelsets.append(labels)
            values.append(v)
    return labelsets, values


# --- Per-scrape families ---------------------------------------------------------------------------


def health_families(
    health: Sequence[BackendHealth],
    snapshots: Sequence[Snapshot],
    now: float,
    is_stale: Callable[[Snapshot], bool],
) -> Iterator[Metric]:
    """Backend health, snapshot age and staleness, build info: cheap, computed on every scrape."""
    up, duration, last, reads, failures = (s.family() for s in HEALTH_SPECS[:5])
    for h in health:
        up.add_metric([h.backend, h.backend_type], 1 if h.up else 0)
        if h.last_duration is not None:
            duration.add_metric([h.backend], h.last_duration)
        if h.last_success is not None:
            last.add_metric([h.backend], h.last_success)
        reads.add_metric([h.backend], h.reads)
        failures.add_metric([h.backend], h.failures)
    age, stale = SNAPSHOT_AGE.family(), SNAPSHOT_STALE.family()
    for snapshot in snapshots:
        age.add_metric([snapshot.name], max(0.0, now - snapshot.taken_at))
        stale.add_metric([snapshot.name], 1 if is_stale(snapshot) else 0)
    build = BUILD_INFO.family()
    build.add_metric([], {"version": __version__, "python_version": _python_version()})
    for family in (up, duration, last, reads, failures, age, stale, build):
        if family.samples or family is build:
            yield family


def event_families(events) -> Iterator[Metric]:
    """State-change counts and notification counters from the event hub (None: no hub)."""
    if events is None:
        return
    changes = STATE_CHANGES.family()
    for (hypervisor, before, after), count in sorted(events.state_changes().items()):
        changes.add_metric([hypervisor, before, after], count)
    yield changes
    report = events.reports().get("notifications")
    if report is None:
        return
    sent, dropped, queued, up = (s.family() for s in EVENT_SPECS[1:5])
    for sink, counts in sorted(report["sinks"].items()):
        for kind in ("per_vm", "bulk"):
            sent.add_metric([sink, kind], counts["sent"].get(kind, 0))
        for reason, count in sorted(counts["dropped"].items()):
            dropped.add_metric([sink, reason], count)
        queued.add_metric([sink], counts["queued"])
        up.add_metric([sink], 1 if counts["up"] else 0)
    policy = report["policy"]
    dropped.add_metric(["policy", "rate_limit"], policy["dropped_rate_limit"])
    limited, coalesced = NOTIFICATIONS_RATE_LIMITED.family(), NOTIFICATIONS_COALESCED.family()
    limited.add_metric([], policy["rate_limited"])
    coalesced.add_metric([], policy["coalesced"])
    yield from (sent, dropped, queued, up, limited, coalesced)


def _python_version() -> str:
    return ".".join(map(str, sys.version_info[:3]))


class _BlockSamples:
    """Mixin for families over blocks: `samples` is assembled from the blocks when first read."""

    vmwatch_blocks: list[Block] | None = None  # BLOCKS_ATTRIBUTE
    _samples: list[Sample] | None = None

    @property
    def samples(self) -> list[Sample]:
        if self._samples is None:
            self._samples = [s for block in self.vmwatch_blocks or () for s in block.samples]
        return self._samples

    @samples.setter
    def samples(self, value: list[Sample]) -> None:
        self._samples = value


class BlockGaugeFamily(_BlockSamples, GaugeMetricFamily):
    """A GaugeMetricFamily whose samples come from snapshot blocks."""


class BlockCounterFamily(_BlockSamples, CounterMetricFamily):
    """A CounterMetricFamily whose samples come from snapshot blocks."""


class BlockInfoFamily(_BlockSamples, InfoMetricFamily):
    """An InfoMetricFamily whose samples come from snapshot blocks."""


_BLOCK_FAMILIES = {"gauge": BlockGaugeFamily, "counter": BlockCounterFamily, "info": BlockInfoFamily}


def snapshot_families(renders: Sequence[dict[str, Block]]) -> Iterator[Metric]:
    """Fresh families over the blocks of every snapshot (hypervisors in the given order).

    Each family has the blocks in its `vmwatch_blocks` attribute for the fast encoder;
    any other consumer reads `samples` as usual.
    """
    for spec in SNAPSHOT_SPECS:
        blocks = [r[spec.name] for r in renders if spec.name in r]
        if not blocks:
            continue
        kind = _BLOCK_FAMILIES[spec.kind]
        if spec.kind == "info":
            family = kind(spec.name, spec.help)
        else:
            family = kind(spec.name, spec.help, unit=spec.unit)
        family._samples = None  # the constructor set an empty list; read from the blocks instead
        family.vmwatch_blocks = blocks
        yield family


@dataclass
class _Rendered:
    snapshot: Snapshot  # held so the identity check below cannot match a recycled id()
    blocks: dict[str, Block] = field(default_factory=dict)


class VmwatchCollector:
    """A prometheus_client collector over a `SnapshotCache`.

    `collect()` runs per scrape: it reads the latest snapshots and health, and yields fresh
    families. What a snapshot contributes is rendered once per snapshot object (they are
    immutable) and reused until the cache holds a newer one. `describe()` lists the families
    without touching the cache, so registering the collector reads nothing.
    """

    def __init__(self, cache: SnapshotCache, clock: Callable[[], float] = time.time) -> None:
        self._cache = cache
        self._clock = clock
        self._lock = threading.Lock()
        self._rendered: dict[str, _Rendered] = {}
        self._labels: dict[str, LabelCache] = {}  # per hypervisor: label sets reused across snapshots
        self._failed: dict[str, Snapshot] = {}  # the last snapshot per hypervisor that failed to render

    def describe(self) -> Iterator[Metric]:
        for spec in ALL_SPECS:
            yield spec.family()

    def prepare(self, snapshot: Snapshot) -> dict[str, Block]:
        """The blocks of `snapshot`, rendered now unless already cached (call on publish to warm)."""
        with self._lock:
            current = self._rendered.get(snapshot.name)
            if current is not None and current.snapshot is snapshot:
                return current.blocks
            labels = self._labels.setdefault(snapshot.name, LabelCache())
        blocks = render_snapshot(snapshot, labels)  # outside the lock: scrapes of other snapshots go on
        if current is not None:
            # A family whose text did not change (info, states, sizes) keeps the previous block,
            # and with it the deflated form encoders memoised on it.
            for family, block in blocks.items():
                previous = current.blocks.get(family)
                if previous is not None and previous.data == block.data:
                    blocks[family] = previous
        with self._lock:
            current = self._rendered.get(snapshot.name)
            # Keep the newer snapshot if a concurrent caller rendered one meanwhile.
            if current is None or current.snapshot.taken_at <= snapshot.taken_at:
                self._rendered[snapshot.name] = _Rendered(snapshot, blocks)
        return blocks

    def collect(self) -> Iterator[Metric]:
        snapshots = self._cache.snapshots()
        renders = []
        for snapshot in snapshots:
            try:
                renders.append(self.prepare(snapshot))
            except Exception:
                # One snapshot with data the exporter cannot render must not fail the whole
                # scrape: its hypervisor's series go missing (and the error is logged once).
                if self._failed.get(snapshot.name) is not snapshot:
                    self._failed[snapshot.name] = snapshot
                    log.exception("cannot render the snapshot of %s; its metrics are left out", snapshot.name)
        current = {s.name for s in snapshots}
        with self._lock:
            for gone in set(self._rendered) - current:
                del self._rendered[gone]
            for gone in set(self._labels) - current:
                del self._labels[gone]
            for gone in set(self._failed) - current:
                del self._failed[gone]
        yield from snapshot_families(renders)
        yield from health_families(self._cache.health(), snapshots, self._clock(), self._cache.is_stale)
        yield from event_families(getattr(self._cache, "events", None))

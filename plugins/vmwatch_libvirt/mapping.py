"""Pure mapping from what libvirt returns to the VM-MIB model (no I/O, no libvirt import).

The client hands over, per domain, its XML (parsed once by `parse_domain_xml`), its state and
reason, and a flat stats dict in the key format of `virConnectGetAllDomainStats` ("cpu.time",
"vcpu.0.time", "block.0.rd.reqs", "net.0.rx.bytes", "balloon.rss" ...), whether that dict came
from the bulk call or was filled call by call. `map_domain` turns one `DomainReading` into a
`VirtualMachine`; `map_hypervisor` turns the host facts into the vmHv* scalars. How each MIB
object is derived is documented in docs/libvirt-mapping.md.
"""

from __future__ import annotations

import functools
import uuid as uuidlib
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from vmwatch.model import (
    HR_DEVICE_PROCESSOR_BASE,
    AdminState,
    AutoStart,
    CpuAffinity,
    CpuAffinityEntry,
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
)

MAX_VCPUS = 16384  # far above any hypervisor's limit (QEMU/KVM: 4096); guards the row count
LIBOSINFO_NS = "http://libosinfo.org/xmlns/libvirt/domain/1.0"

# virDomainState and the reasons we distinguish (libvirt-domain.h); kept here so that the
# mapping needs no libvirt import and can be tested anywhere.
NOSTATE, RUNNING, BLOCKED, PAUSED, SHUTDOWN, SHUTOFF, CRASHED, PMSUSPENDED = range(8)
RUNNING_POSTCOPY = 10
PAUSED_MIGRATION, PAUSED_SAVE = 2, 3
PAUSED_SHUTTING_DOWN, PAUSED_CRASHED, PAUSED_STARTING_UP, PAUSED_POSTCOPY = 8, 10, 11, 12
SHUTOFF_CRASHED, SHUTOFF_SAVED = 3, 5

# States in which the domain's process exists, so stats calls make sense.
ACTIVE_STATES = frozenset({RUNNING, BLOCKED, PAUSED, SHUTDOWN, PMSUSPENDED})

# conn.getType() → vmHvSoftware; unknown drivers are shown as libvirt names them.
SOFTWARE_NAMES = {
    "QEMU": "QEMU",
    "TEST": "Test",
    "LXC": "LXC",
    "Xen": "Xen",
    "VBOX": "VirtualBox",
    "VMWARE": "VMware",
    "ESX": "VMware ESX",
    "HYPERV": "Hyper-V",
    "bhyve": "bhyve",
    "CH": "Cloud Hypervisor",
    "OPENVZ": "OpenVZ",
}

# Image formats libvirt knows that are plain (every guest byte at its own offset) vs. sparse.
RAW_FORMATS = frozenset({"", "raw", "host_device"})

MEDIA_TYPES = {
    "disk": StorageMediaType.HARD_DISK,
    "lun": StorageMediaType.HARD_DISK,
    "cdrom": StorageMediaType.OPTICAL_DISK,
    "floppy": StorageMediaType.FLOPPY_DISK,
}

MEMORY_UNITS = {
    "b": 1, "bytes": 1, "KB": 1000, "k": 1024, "KiB": 1024, "MB": 1000**2, "M": 1024**2, "MiB": 1024**2,
    "GB": 1000**3, "G": 1024**3, "GiB": 1024**3, "TB": 1000**4, "T": 1024**4, "TiB": 1024**4,
}  # fmt: skip


class MappingError(ValueError):
    """The domain XML cannot be understood (not XML, or no name/UUID)."""


@dataclass(frozen=True)
class HostFacts:
    """What the client learned about the host in this refresh, for the hypervisor scalars and for
    resolving host-side names (interfaces, bridges) to ifIndex values."""

    driver: str  # conn.getType(): "QEMU", "TEST" ...
    hv_version: int  # conn.getVersion(): major * 1_000_000 + minor * 1_000 + release
    lib_version: int  # conn.getLibVersion()
    host_name: str = ""
    up_time: int = 0  # TimeTicks; 0 when the host is remote
    host_cpus: int = 0  # host CPUs as virNodeGetCPUMap counts them (the width of pinning masks)
    if_indexes: Mapping[str, int] = field(default_factory=dict)  # host ifname → ifIndex (local only)
    bridges: Mapping[str, str] = field(default_factory=dict)  # libvirt network name → bridge name


@dataclass(frozen=True)
class DiskConfig:
    """One <disk> of the domain XML."""

    target: str  # target dev: vda, sdb, hdc ...
    bus: str = ""
    device: str = "disk"  # disk, cdrom, floppy, lun
    type: str = "file"  # file, block, network, volume, dir, nvme ...
    format: str = ""  # driver type: qcow2, raw ...
    source: str = ""  # resource id: path, device, network URL; "" when there is no medium
    readonly: bool = False


@dataclass(frozen=True)
class InterfaceConfig:
    """One <interface> of the domain XML."""

    mac: str
    type: str = ""  # bridge, network, direct, user ...
    model: str = ""
    target: str = ""  # host-side device (vnet0); only while the domain runs
    bridge: str = ""  # source bridge (or, for type=direct, the parent device)
    network: str = ""  # libvirt network name


@dataclass(frozen=True)
class DomainConfig:
    """What vmwatch needs from a domain XML, parsed once per refresh."""

    name: str
    uuid: uuidlib.UUID
    os_type: str = ""
    memory_kib: int | None = None  # <memory>: the maximum
    current_memory_kib: int | None = None  # <currentMemory>
    vcpus: int | None = None  # <vcpu>: the maximum
    current_vcpus: int | None = None  # <vcpu current=...>
    vcpu_placement: str = "static"  # "auto": numad chooses, the XML does not say where
    vcpu_cpuset: str = ""  # <vcpu cpuset=...>: default affinity of every vCPU
    vcpu_pins: tuple[tuple[int, str], ...] = ()  # <cputune><vcpupin vcpu=N cpuset=...>
    disks: tuple[DiskConfig, ...] = ()
    interfaces: tuple[InterfaceConfig, ...] = ()


@dataclass(frozen=True)
class DomainReading:
    """Everything read about one domain in one refresh: the input of `map_domain`.

    `stats` uses the bulk-stats key format whatever its origin; values absent from it are unknown.
    `autostart`, `persistent`, `managed_save` and `pinning` are None when the call failed.
    """

    config: DomainConfig
    state: int
    reason: int
    stats: Mapping[str, Any] = field(default_factory=dict)
    autostart: bool | None = None
    persistent: bool | None = None
    managed_save: bool | None = None
    # vcpuPinInfo (per vCPU, per host CPU) where the XML cannot tell (placement auto); else
    # None and the mapping derives the masks from the XML, as libvirt itself does
    pinning: tuple[tuple[bool, ...], ...] | None = None
    up_time: int = 0  # TimeTicks since the domain last started; 0 when not active


# --- hypervisor -------------------------------------------------------------------------------


def version_string(version: int) -> str:
    """libvirt's packed version number (major * 1e6 + minor * 1e3 + release) → "major.minor.release"."""
    return f"{version // 1_000_000}.{version // 1_000 % 1_000}.{version % 1_000}"


def map_hypervisor(facts: HostFacts) -> Hypervisor:
    """The vmHv* scalars. vmHvObjectID stays 0.0: no enterprise OID exists for libvirt or QEMU."""
    return Hypervisor(
        software=SOFTWARE_NAMES.get(facts.driver, facts.driver),
        version=f"{version_string(facts.hv_version)} (libvirt {version_string(facts.lib_version)})",
        up_time=facts.up_time,
        host_name=facts.host_name,
    )


# --- states -----------------------------------------------------------------------------------


def oper_state(state: int, reason: int, managed_save: bool | None = None) -> OperState:
    """vmOperState from virDomainState and its reason (see docs/libvirt-mapping.md)."""
    if state in (RUNNING, BLOCKED):
        return OperState.MIGRATING if state == RUNNING and reason == RUNNING_POSTCOPY else OperState.RUNNING
    if state == PAUSED:
        return _PAUSED_REASONS.get(reason, OperState.PAUSED)
    if state == SHUTDOWN:
        return OperState.SHUTTINGDOWN
    if state == SHUTOFF:
        if reason == SHUTOFF_CRASHED:
            return OperState.CRASHED
        # a managed save image means the next start resumes: the VM is suspended to disk
        if reason == SHUTOFF_SAVED or managed_save:
            return OperState.SUSPENDED
        return OperState.SHUTDOWN
    if state == CRASHED:
        return OperState.CRASHED
    if state == PMSUSPENDED:
        return OperState.SUSPENDED
    if state == NOSTATE:
        return OperState.UNKNOWN
    return OperState.OTHER


_PAUSED_REASONS = {
    PAUSED_MIGRATION: OperState.MIGRATING,
    PAUSED_POSTCOPY: OperState.MIGRATING,
    PAUSED_SAVE: OperState.SUSPENDING,
    PAUSED_STARTING_UP: OperState.PREPARING,
    PAUSED_SHUTTING_DOWN: OperState.SHUTTINGDOWN,
    PAUSED_CRASHED: OperState.CRASHED,
}


def admin_state(state: int, reason: int, managed_save: bool | None = None) -> AdminState:
    """vmAdminState: the state the VM is meant to be in, derived from the libvirt state."""
    if state in (RUNNING, BLOCKED):
        return AdminState.RUNNING
    if state == PAUSED:
        return AdminState.PAUSED
    if state == PMSUSPENDED:
        return AdminState.SUSPENDED
    if state == SHUTOFF and (reason == SHUTOFF_SAVED or managed_save):
        return AdminState.SUSPENDED
    return AdminState.SHUTDOWN


def is_active(state: int) -> bool:
    """True while the domain's process exists (stats calls are only made then)."""
    return state in ACTIVE_STATES


# --- domain XML ---------------------------------------------------------------------------------


def _memory_kib(element: ET.Element | None) -> int | None:
    if element is None or not (element.text or "").strip():
        return None
    unit = MEMORY_UNITS.get(element.get("unit", "KiB"), 1024)
    return int(element.text) * unit // 1024


def _network_source(source: ET.Element) -> str:
    protocol = source.get("protocol", "")
    name = source.get("name", "")
    host = source.find("host")
    where = ""
    if host is not None:
        where = host.get("name", "") or host.get("socket", "")
        if host.get("port"):
            where += ":" + host.get("port", "")
    return f"{protocol}://{where}/{name}" if protocol else name


def _disk_source(kind: str, source: ET.Element | None) -> str:
    if source is None:
        return ""
    if kind == "file":
        return source.get("file", "")
    if kind == "block":
        return source.get("dev", "")
    if kind == "dir":
        return source.get("dir", "")
    if kind == "network":
        return _network_source(source)
    if kind == "volume":
        pool, volume = source.get("pool", ""), source.get("volume", "")
        return f"{pool}/{volume}" if pool or volume else ""
    if kind == "nvme":
        address = source.find("address")
        if address is None:
            return "nvme://"
        return "nvme://{}:{}:{}.{}/{}".format(
            address.get("domain", "0x0000")[2:], address.get("bus", "0x00")[2:],
            address.get("slot", "0x00")[2:], address.get("function", "0x0")[2:], source.get("namespace", "1"),
        )  # fmt: skip
    return source.get("path", "") or source.get("file", "") or source.get("dev", "")


def _parse_disk(disk: ET.Element) -> DiskConfig | None:
    target = disk.find("target")
    if target is None or not target.get("dev"):
        return None
    kind = disk.get("type", "file")
    driver = disk.find("driver")
    return DiskConfig(
        target=target.get("dev", ""),
        bus=target.get("bus", ""),
        device=disk.get("device", "disk"),
        type=kind,
        format=driver.get("type", "") if driver is not None else "",
        source=_disk_source(kind, disk.find("source")),
        readonly=disk.find("readonly") is not None,
    )


def _parse_interface(nic: ET.Element) -> InterfaceConfig:
    def attr(tag: str, name: str) -> str:
        element = nic.find(tag)
        return element.get(name, "") if element is not None else ""

    kind = nic.get("type", "")
    source = nic.find("source")
    bridge = network = ""
    if source is not None:
        # a running domain's live XML names the bridge of a libvirt network too (source@bridge)
        bridge = source.get("bridge", "") or (source.get("dev", "") if kind == "direct" else "")
        network = source.get("network", "")
    return InterfaceConfig(
        mac=attr("mac", "address").lower(),
        type=kind,
        model=attr("model", "type"),
        target=attr("target", "dev"),
        bridge=bridge,
        network=network,
    )


def parse_domain_xml(text: str) -> DomainConfig:
    """Parse a domain XML (virDomainGetXMLDesc) into a DomainConfig; raise MappingError if unusable."""
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise MappingError(f"domain XML is not well-formed: {exc}") from None
    name = (root.findtext("name") or "").strip()
    try:
        uuid = uuidlib.UUID((root.findtext("uuid") or "").strip())
    except ValueError:
        raise MappingError(f"domain {name!r}: XML has no valid <uuid>") from None
    if not name:
        raise MappingError(f"domain {uuid}: XML has no <name>")
    try:
        return _domain_config(root, name, uuid)
    except ValueError as exc:  # a number that is not one (libvirt never writes such XML)
        raise MappingError(f"domain {name!r}: {exc}") from None


def _domain_config(root: ET.Element, name: str, uuid: uuidlib.UUID) -> DomainConfig:
    os_element = root.find(f"metadata/{{{LIBOSINFO_NS}}}libosinfo/{{{LIBOSINFO_NS}}}os")
    vcpu = root.find("vcpu")
    vcpus = current_vcpus = None
    placement = cpuset = ""
    if vcpu is not None and (vcpu.text or "").strip():
        vcpus = int(vcpu.text)
        current_vcpus = int(vcpu.get("current", vcpus))
        if not 0 <= current_vcpus <= vcpus <= MAX_VCPUS:
            raise ValueError(f"implausible vCPU counts: current {current_vcpus}, maximum {vcpus}")
        placement, cpuset = vcpu.get("placement", "static"), vcpu.get("cpuset", "")
    pins = tuple(
        (int(pin.get("vcpu", "-1")), pin.get("cpuset", "")) for pin in root.iterfind("cputune/vcpupin")
    )
    devices = root.find("devices")
    disks: list[DiskConfig] = []
    interfaces: list[InterfaceConfig] = []
    if devices is not None:
        for disk in devices.iterfind("disk"):
            parsed = _parse_disk(disk)
            if parsed is not None:
                disks.append(parsed)
        interfaces = [_parse_interface(nic) for nic in devices.iterfind("interface")]
    return DomainConfig(
        name=name,
        uuid=uuid,
        os_type=os_element.get("id", "") if os_element is not None else "",
        memory_kib=_memory_kib(root.find("memory")),
        current_memory_kib=_memory_kib(root.find("currentMemory")),
        vcpus=vcpus,
        current_vcpus=current_vcpus,
        vcpu_placement=placement or "static",
        vcpu_cpuset=cpuset,
        vcpu_pins=pins,
        disks=tuple(disks),
        interfaces=tuple(interfaces),
    )


# --- units --------------------------------------------------------------------------------------


def _us(ns: Any) -> int | None:
    return int(ns) // 1000 if ns is not None else None


# --- CPU affinity -------------------------------------------------------------------------------


def parse_cpuset(text: str, host_cpus: int) -> tuple[bool, ...]:
    """libvirt cpuset syntax ("0-3,^2,8") → a mask over `host_cpus` CPUs; raise MappingError.

    CPUs beyond `host_cpus` are dropped, as libvirt drops them from vcpuPinInfo maps.
    """
    allowed: set[int] = set()
    denied: set[int] = set()
    try:
        for part in text.replace(" ", "").split(","):
            if not part:
                continue
            target = denied if part.startswith("^") else allowed
            first, _, last = part.lstrip("^").partition("-")
            target.update(range(int(first), min(int(last or first), host_cpus - 1) + 1))
    except ValueError:
        raise MappingError(f"not a cpuset: {text!r}") from None
    return tuple(cpu in allowed and cpu not in denied for cpu in range(host_cpus))


def xml_pinning(config: DomainConfig, host_cpus: int) -> tuple[tuple[bool, ...], ...] | None:
    """Per-vCPU affinity masks as libvirt derives them: the vCPU's <vcpupin>, else <vcpu cpuset>,
    else every host CPU. None when that cannot be known (placement auto, unknown host CPUs)."""
    if host_cpus <= 0 or config.vcpu_placement == "auto" or config.vcpus is None:
        return None
    return _xml_pinning(config.vcpus, config.vcpu_cpuset, config.vcpu_pins, host_cpus)


@functools.lru_cache(maxsize=4096)
def _xml_pinning(
    vcpus: int, cpuset: str, vcpu_pins: tuple[tuple[int, str], ...], host_cpus: int
) -> tuple[tuple[bool, ...], ...] | None:
    # Cached: every refresh maps every domain, and a fleet shares few distinct pinnings.
    pins = dict(vcpu_pins)
    try:
        default = parse_cpuset(cpuset, host_cpus) if cpuset else (True,) * host_cpus
        return tuple(parse_cpuset(pins[v], host_cpus) if v in pins else default for v in range(vcpus))
    except MappingError:
        return None


# --- rows ---------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def affinity_rows(mask: tuple[bool, ...]) -> tuple[CpuAffinityEntry, ...]:
    """vmCpuAffinityEntry rows for one vCPU: one per host CPU, enable where the mask allows it.

    Cached because a fleet shares few distinct masks and the rows are immutable.
    """
    return tuple(
        CpuAffinityEntry(
            HR_DEVICE_PROCESSOR_BASE + cpu, CpuAffinity.ENABLE if allowed else CpuAffinity.DISABLE
        )
        for cpu, allowed in enumerate(mask)
    )


_NO_STATS: Mapping[str, Any] = {}


def _indexes_by_name(stats: Mapping[str, Any], group: str) -> dict[str, int]:
    return {stats.get(f"{group}.{i}.name"): i for i in range(int(stats.get(f"{group}.count", 0)))}


def map_storage(disk: DiskConfig, stats: Mapping[str, Any], n: int | None) -> Storage:
    """One vmStorageEntry from a <disk> and its block.N.* stats (n = None: no stats)."""
    prefix = f"block.{n}."
    get = stats.get if n is not None else _NO_STATS.get
    if not disk.source:
        source_type = StorageSourceType.UNKNOWN
    elif disk.type == "block":
        source_type = StorageSourceType.BLOCK
    elif disk.type == "file":
        source_type = StorageSourceType.RAW if disk.format in RAW_FORMATS else StorageSourceType.SPARSE
    elif disk.type == "network":
        source_type = StorageSourceType.NETWORK
    else:
        source_type = StorageSourceType.OTHER
    capacity, allocation = get(prefix + "capacity"), get(prefix + "allocation")
    if source_type in (StorageSourceType.BLOCK, StorageSourceType.RAW) and capacity is not None:
        allocation = capacity  # the MIB: allocated MUST equal defined for block and raw
    unit = size_unit(capacity, allocation)
    return Storage(
        key=disk.target,
        source_type=source_type,
        source_type_string=disk.format or (disk.type if disk.source else ""),
        resource_id=disk.source,
        access=StorageAccess.READONLY if disk.readonly else StorageAccess.READWRITE,
        media_type=MEDIA_TYPES.get(disk.device, StorageMediaType.OTHER),
        media_type_string=disk.bus.upper(),
        size_unit=unit,
        defined_size=in_unit(capacity, unit),
        allocated_size=in_unit(allocation, unit),
        read_ios=get(prefix + "rd.reqs"),
        write_ios=get(prefix + "wr.reqs"),
        read_octets=get(prefix + "rd.bytes"),
        write_octets=get(prefix + "wr.bytes"),
        read_latency=_us(get(prefix + "rd.times")),
        write_latency=_us(get(prefix + "wr.times")),
        device=disk.target,
        bus=disk.bus,
    )


def map_network(
    nic: InterfaceConfig, stats: Mapping[str, Any], n: int | None, facts: HostFacts
) -> NetworkInterface:
    """One vmNetworkEntry from an <interface>, its net.N.* stats (n = None: none) and host facts."""
    parent_device = nic.bridge or facts.bridges.get(nic.network, "")
    traffic = None
    prefix = f"net.{n}."
    if n is not None and prefix + "rx.bytes" in stats:
        get = stats.get
        traffic = NetworkTraffic(
            rx_bytes=get(prefix + "rx.bytes", 0),
            rx_packets=get(prefix + "rx.pkts", 0),
            rx_errors=get(prefix + "rx.errs", 0),
            rx_drops=get(prefix + "rx.drop", 0),
            tx_bytes=get(prefix + "tx.bytes", 0),
            tx_packets=get(prefix + "tx.pkts", 0),
            tx_errors=get(prefix + "tx.errs", 0),
            tx_drops=get(prefix + "tx.drop", 0),
        )
    return NetworkInterface(
        key=nic.mac or nic.target,
        if_index=facts.if_indexes.get(nic.target, 0) if nic.target else 0,
        parent=facts.if_indexes.get(parent_device, 0) if parent_device else 0,
        model=nic.model,
        phys_address=mac_bytes(nic.mac),
        device=nic.target,
        parent_device=parent_device,
        network=nic.network,
        traffic=traffic,
    )


def map_memory(stats: Mapping[str, Any]) -> MemoryStats | None:
    """The MemoryStats extension from balloon.* (KiB → bytes; faults are counts); None if absent."""

    def kib(key: str) -> int | None:
        value = stats.get(f"balloon.{key}")
        return value * 1024 if value is not None else None

    memory = MemoryStats(
        balloon=kib("current"),
        available=kib("available"),
        unused=kib("unused"),
        usable=kib("usable"),
        rss=kib("rss"),
        disk_caches=kib("disk_caches"),
        swap_in=kib("swap_in"),
        swap_out=kib("swap_out"),
        major_faults=stats.get("balloon.major_fault"),
        minor_faults=stats.get("balloon.minor_fault"),
    )
    return None if memory == _NO_MEMORY_STATS else memory


_NO_MEMORY_STATS = MemoryStats()


def map_domain(reading: DomainReading, facts: HostFacts) -> VirtualMachine:
    """One vmEntry with its CPU, affinity, storage and network rows."""
    config, stats = reading.config, reading.stats
    active = is_active(reading.state)

    max_vcpus = stats.get("vcpu.maximum", config.vcpus)
    cur_vcpus = stats.get("vcpu.current", config.current_vcpus) or 0
    pinning = reading.pinning if reading.pinning is not None else xml_pinning(config, facts.host_cpus)
    pinning = pinning or ()
    cpus = tuple(
        VirtualCpu(
            index=i + 1,
            core_time=_us(stats.get(f"vcpu.{i}.time")),
            affinity=affinity_rows(pinning[i]) if i < len(pinning) else (),
        )
        for i in range(cur_vcpus)
    )

    max_kib = stats.get("balloon.maximum", config.memory_kib)
    cur_kib = stats.get("balloon.current", config.current_memory_kib)
    if cur_kib is None:
        cur_kib = max_kib
    mem_unit = max(1024, size_unit(max_kib * 1024 if max_kib else None, cur_kib * 1024 if cur_kib else None))

    blocks = _indexes_by_name(stats, "block")
    nets = _indexes_by_name(stats, "net")
    return VirtualMachine(
        uuid=config.uuid,
        name=config.name,
        os_type=config.os_type,
        admin_state=admin_state(reading.state, reading.reason, reading.managed_save),
        oper_state=oper_state(reading.state, reading.reason, reading.managed_save),
        auto_start=_tristate(reading.autostart, AutoStart.ENABLED, AutoStart.DISABLED, AutoStart.UNKNOWN),
        persistent=_tristate(
            reading.persistent, Persistent.PERSISTENT, Persistent.TRANSIENT, Persistent.UNKNOWN
        ),
        cur_cpu_number=cur_vcpus,
        min_cpu_number=-1,
        max_cpu_number=max_vcpus if max_vcpus is not None else -1,
        mem_unit=mem_unit,
        cur_mem=max(0, in_unit(cur_kib * 1024 if cur_kib is not None else None, mem_unit)),
        min_mem=-1,
        max_mem=in_unit(max_kib * 1024 if max_kib is not None else None, mem_unit),
        up_time=reading.up_time if active else 0,
        cpu_time=_us(stats.get("cpu.time")) if active else None,
        cpus=cpus,
        storage=tuple(map_storage(d, stats, blocks.get(d.target)) for d in config.disks),
        networks=tuple(
            map_network(nic, stats, nets.get(nic.target or nic.mac), facts) for nic in config.interfaces
        ),
        memory=map_memory(stats) if active else None,
    )


def _tristate(value: bool | None, true, false, unknown):
    return unknown if value is None else true if value else false

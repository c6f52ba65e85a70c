"""Pure mapping from what VirtualBox reports to the VM-MIB model (no I/O, no VirtualBox import).

Two steps, so that the VBoxManage client and the SDK client share the second:

1. `facts_from_machinereadable(values)` turns the key → value dict of `showvminfo
   --machinereadable` into `MachineFacts` (the SDK client fills the same record from IMachine);
2. `map_machine(facts, ...)` turns `MachineFacts` plus the media list, the metrics and the
   trackers' up time / CPU time into a `VirtualMachine`; `map_hypervisor` makes the vmHv* scalars.

How each MIB object is derived, and what VirtualBox cannot give, is in docs/virtualbox-mapping.md.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid as uuidlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath

from vmwatch.model import (
    AdminState,
    AutoStart,
    Hypervisor,
    MemoryStats,
    NetworkInterface,
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
from vmwatch_virtualbox.listing import Medium
from vmwatch_virtualbox.metrics import Sample, latest, to_bytes

MIB = 1 << 20
INACCESSIBLE = "<inaccessible>"

# --- states -------------------------------------------------------------------------------------
# VMState (machineStateToName(..., fShort=true) in VBoxManageInfo.cpp) → (vmOperState, vmAdminState).
# vmAdminState is the state the VM is meant to be in; vmOperState what it is doing now.
STATES: dict[str, tuple[OperState, AdminState]] = {
    "poweroff": (OperState.SHUTDOWN, AdminState.SHUTDOWN),
    "running": (OperState.RUNNING, AdminState.RUNNING),
    "paused": (OperState.PAUSED, AdminState.PAUSED),
    "saved": (OperState.SUSPENDED, AdminState.SUSPENDED),
    # the VM process died (host crash, killed VM process): the VM is down but did not stop cleanly
    "aborted": (OperState.CRASHED, AdminState.SHUTDOWN),
    "aborted-saved": (OperState.CRASHED, AdminState.SUSPENDED),  # 7.0+: aborted with a saved state
    # Guru Meditation: the VMM hit a fatal error; the process lives on, the guest is dead. Nobody
    # asked it to stop, so the admin state stays running. Older docs call this state "stuck".
    "gurumeditation": (OperState.CRASHED, AdminState.RUNNING),
    "stuck": (OperState.CRASHED, AdminState.RUNNING),
    "teleporting": (OperState.MIGRATING, AdminState.RUNNING),
    "teleportingpausedvm": (OperState.MIGRATING, AdminState.PAUSED),
    "teleportingin": (OperState.MIGRATING, AdminState.RUNNING),
    # the source side after a teleport: the VM now runs elsewhere and is down here
    "teleported": (OperState.SHUTDOWN, AdminState.SHUTDOWN),
    "starting": (OperState.PREPARING, AdminState.RUNNING),
    "restoring": (OperState.RESUMING, AdminState.RUNNING),  # starting from a saved state
    "stopping": (OperState.SHUTTINGDOWN, AdminState.SHUTDOWN),
    "saving": (OperState.SUSPENDING, AdminState.SUSPENDED),
    # snapshots taken or deleted while the VM runs: the guest keeps running (or stays paused)
    "livesnapshotting": (OperState.RUNNING, AdminState.RUNNING),
    "onlinesnapshotting": (OperState.RUNNING, AdminState.RUNNING),
    "deletingsnapshotlive": (OperState.RUNNING, AdminState.RUNNING),
    "deletingsnapshotlivepaused": (OperState.PAUSED, AdminState.PAUSED),
    "faulttolerantsyncing": (OperState.OTHER, AdminState.RUNNING),  # 4.x only
    # work on the files of a VM that is down: the MIB has no state for it
    "snapshotting": (OperState.OTHER, AdminState.SHUTDOWN),
    "restoringsnapshot": (OperState.OTHER, AdminState.SHUTDOWN),
    "deletingsnapshot": (OperState.OTHER, AdminState.SHUTDOWN),
    "settingup": (OperState.OTHER, AdminState.SHUTDOWN),
}
# States in which the VM process exists (metrics can be set up; the VM has an up time).
ACTIVE_STATES = frozenset(
    {
        "running", "paused", "gurumeditation", "stuck", "teleporting", "teleportingpausedvm",
        "teleportingin", "starting", "restoring", "stopping", "saving", "livesnapshotting",
        "onlinesnapshotting", "deletingsnapshotlive", "deletingsnapshotlivepaused", "faulttolerantsyncing",
    }
)  # fmt: skip

# storagecontrollertypeN → the bus as users name it
BUSES = {
    "IntelAhci": "sata", "PIIX3": "ide", "PIIX4": "ide", "ICH6": "ide", "LsiLogic": "scsi",
    "BusLogic": "scsi", "LsiLogicSas": "sas", "NVMe": "nvme", "VirtioSCSI": "virtio-scsi",
    "I82078": "floppy", "USB": "usb",
}  # fmt: skip
HDD_SUFFIXES = frozenset({".vdi", ".vmdk", ".vhd", ".vhdx", ".hdd", ".qcow", ".qcow2", ".qed", ".parallels"})
DVD_SUFFIXES = frozenset({".iso", ".cdr", ".dmg"})
FLOPPY_SUFFIXES = frozenset({".img", ".ima", ".dsk", ".flp", ".vfd"})
MEDIA_TYPES = {
    "hdd": (StorageMediaType.HARD_DISK, "HardDisk"),
    "dvd": (StorageMediaType.OPTICAL_DISK, "DVD"),
    "floppy": (StorageMediaType.FLOPPY_DISK, "Floppy"),
}
# nicN attachment → the key naming its network (natnetN, intnetN ...) and host interface
NIC_NETWORK_KEYS = {
    "nat": "natnet", "intnet": "intnet", "natnetwork": "nat-network", "Generic": "generic",
    "generic": "generic", "hostonlynetwork": "hostonly-network", "cloudnetwork": "cloud-network",
}  # fmt: skip
NIC_HOST_KEYS = {"bridged": "bridgeadapter", "hostonly": "hostonlyadapter"}

_STATE_TIME = re.compile(r"^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d+))?(Z|[+-]\d\d:?\d\d)?$")


class MappingError(ValueError):
    """The VM's information lacks what vmwatch needs (name, UUID, state) or holds nonsense."""


# --- the neutral record -----------------------------------------------------------------------


@dataclass(frozen=True)
class Controller:
    """A storage controller: its name (the prefix of attachment keys) and VirtualBox type."""

    name: str
    type: str = ""  # IntelAhci, PIIX4, LsiLogic, NVMe, I82078 ...


@dataclass(frozen=True)
class Attachment:
    """A device slot of a controller with what is in it."""

    controller: str
    port: int
    device: int
    location: str = ""  # image path, host drive or URL; "" for an empty drive
    image_uuid: str = ""
    kind: str = ""  # "hdd", "dvd", "floppy" as far as the VM's information tells; "" unknown

    @property
    def key(self) -> str:
        """`SATA-0-0`: how VBoxManage names the slot, stable for the indexer."""
        return f"{self.controller}-{self.port}-{self.device}"


@dataclass(frozen=True)
class Nic:
    """An enabled network adapter (slot 1..N)."""

    slot: int
    attachment: str  # nat, bridged, intnet, hostonly, natnetwork, generic, null, ...
    mac: str = ""  # as VirtualBox prints it: 12 hex digits, no separators
    model: str = ""  # nictypeN: 82540EM, virtio, Am79C973 ...
    host_interface: str = ""  # bridged / host-only adapter on the host
    network: str = ""  # NAT network, internal network, generic driver ... name
    cable_connected: bool | None = None


@dataclass(frozen=True)
class MachineFacts:
    """What vmwatch reads about one VM, from VBoxManage or from the SDK."""

    uuid: uuidlib.UUID
    name: str
    state: str  # VMState: poweroff, running, ... ("" when inaccessible)
    state_since: float | None = None  # VMStateChangeTime, epoch seconds
    accessible: bool = True
    os_type: str = ""
    cpus: int = 0
    memory_mb: int = 0
    balloon_mb: int = 0
    autostart: bool | None = None
    config_file: str = ""
    controllers: tuple[Controller, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    nics: tuple[Nic, ...] = ()


# --- showvminfo → facts -------------------------------------------------------------------------


def parse_state_time(text: str) -> float | None:
    """VMStateChangeTime ("2024-03-02T09:15:04.123000000Z") → epoch seconds; None if unreadable."""
    match = _STATE_TIME.match(text.strip())
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    try:
        when = dt.datetime(int(year), int(month), int(day), int(hour), int(minute), int(second))
    except ValueError:
        return None
    offset = 0
    if zone and zone != "Z":
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        offset = sign * (int(digits[:2]) * 3600 + int(digits[2:]) * 60)
    seconds = when.replace(tzinfo=dt.UTC).timestamp() - offset
    return seconds + (int(fraction) / 10 ** len(fraction) if fraction else 0.0)


def _int(values: Mapping[str, str], key: str, default: int = 0) -> int:
    text = values.get(key)
    if text is None or text == "":
        return default
    try:
        return int(text)
    except ValueError:
        raise MappingError(f"{key}={text!r} is not a number") from None


def _on(values: Mapping[str, str], key: str) -> bool | None:
    text = values.get(key)
    return None if text is None else text.lower() in ("on", "true", "1")


def _suffix(location: str) -> str:
    path = PureWindowsPath(location) if "\\" in location else PurePosixPath(location)
    return path.suffix.lower()


def _attachment_kind(
    values: Mapping[str, str], controller: Controller, port: int, device: int, location: str
) -> str:
    name = controller.name
    # 7.0+ prints eject state per DVD slot; older releases once per controller
    if any(f"{name}-{tag}-{port}-{device}" in values for tag in ("IsEjected", "tempeject", "dvdpassthrough")):
        return "dvd"
    if controller.type == "I82078":
        return "floppy"
    suffix = _suffix(location) if location else ""
    if suffix in DVD_SUFFIXES:
        return "dvd"
    if suffix in HDD_SUFFIXES:
        return "hdd"
    if f"{name}-IsEjected" in values or f"{name}-tempeject" in values:
        return "dvd"  # pre-7.0: this controller has a DVD slot, and this slot is not an image disk
    return ""


def _controllers(values: Mapping[str, str]) -> list[Controller]:
    controllers = []
    n = 0
    while f"storagecontrollername{n}" in values:
        controllers.append(
            Controller(values[f"storagecontrollername{n}"], values.get(f"storagecontrollertype{n}", ""))
        )
        n += 1
    return controllers


def _attachments(values: Mapping[str, str], controllers: list[Controller]) -> list[Attachment]:
    found = []
    patterns = [(c, re.compile(re.escape(c.name) + r"-(\d+)-(\d+)")) for c in controllers]
    for key, value in values.items():
        for controller, pattern in patterns:
            match = pattern.fullmatch(key)
            if match is None:
                continue
            if value == "none":  # slot exists, nothing attached
                break
            port, device = int(match[1]), int(match[2])
            location = "" if value == "emptydrive" else value
            found.append(
                Attachment(
                    controller=controller.name,
                    port=port,
                    device=device,
                    location=location,
                    image_uuid=values.get(f"{controller.name}-ImageUUID-{port}-{device}", "").lower(),
                    kind=_attachment_kind(values, controller, port, device, location),
                )
            )
            break
    order = {c.name: i for i, c in enumerate(controllers)}
    return sorted(found, key=lambda a: (order[a.controller], a.port, a.device))


def _nics(values: Mapping[str, str]) -> list[Nic]:
    nics = []
    for key, attachment in values.items():
        match = re.fullmatch(r"nic(\d+)", key)
        if match is None or attachment == "none":
            continue
        slot = int(match[1])
        host_key = NIC_HOST_KEYS.get(attachment)
        network_key = NIC_NETWORK_KEYS.get(attachment)
        nics.append(
            Nic(
                slot=slot,
                attachment=attachment,
                mac=values.get(f"macaddress{slot}", ""),
                model=values.get(f"nictype{slot}", ""),
                host_interface=values.get(f"{host_key}{slot}", "") if host_key else "",
                network=values.get(f"{network_key}{slot}", "") if network_key else "",
                cable_connected=_on(values, f"cableconnected{slot}"),
            )
        )
    return sorted(nics, key=lambda nic: nic.slot)


def facts_from_machinereadable(values: Mapping[str, str]) -> MachineFacts:
    """`showvminfo --machinereadable` values → MachineFacts; raise MappingError when the name,
    UUID or state is missing (an output cut short loses VMState first) or a number is not one."""
    try:
        vm_uuid = uuidlib.UUID(values.get("UUID", ""))
    except ValueError:
        raise MappingError(f"no valid UUID (UUID={values.get('UUID')!r})") from None
    name = values.get("name")
    if not name:
        raise MappingError(f"VM {vm_uuid}: no name")
    if name == INACCESSIBLE and "VMState" not in values:
        # the settings file cannot be read: VBoxManage prints the name placeholder and UUID only
        return MachineFacts(uuid=vm_uuid, name=name, state="", accessible=False)
    state = values.get("VMState")
    if not state:
        raise MappingError(f"VM {name!r}: no VMState (output cut short?)")
    controllers = _controllers(values)
    return MachineFacts(
        uuid=vm_uuid,
        name=name,
        state=state,
        state_since=parse_state_time(values.get("VMStateChangeTime", "")),
        os_type=values.get("ostype", ""),
        cpus=_int(values, "cpus"),
        memory_mb=_int(values, "memory"),
        balloon_mb=_int(values, "GuestMemoryBalloon"),
        autostart=_on(values, "autostart-enabled"),
        config_file=values.get("CfgFile", ""),
        controllers=tuple(controllers),
        attachments=tuple(_attachments(values, controllers)),
        nics=tuple(_nics(values)),
    )


# --- facts → model ------------------------------------------------------------------------------


def oper_state(state: str) -> OperState:
    """vmOperState of a VMState (see STATES); UNKNOWN for a state this table does not know."""
    return STATES.get(state, (OperState.UNKNOWN, AdminState.SHUTDOWN))[0]


def admin_state(state: str) -> AdminState:
    """vmAdminState of a VMState (see STATES); SHUTDOWN for a state this table does not know."""
    return STATES.get(state, (OperState.UNKNOWN, AdminState.SHUTDOWN))[1]


def is_active(state: str) -> bool:
    """True while the VM process exists (running, paused, stuck, in transition ...)."""
    return state in ACTIVE_STATES


def host_interface_name(adapter: str) -> str:
    """The host interface of a bridged / host-only adapter: macOS prints `en0: Wi-Fi (AirPort)`."""
    return adapter.split(": ", 1)[0].strip()


def _source_type(att: Attachment, kind: str, medium: Medium | None) -> StorageSourceType:
    location = att.location
    if not location:
        return StorageSourceType.UNKNOWN
    if (medium is not None and medium.format.lower() == "iscsi") or "://" in location:
        return StorageSourceType.NETWORK
    if location.startswith(("/dev/", "host:", "\\\\.\\")):
        return StorageSourceType.BLOCK
    if medium is not None and medium.variant:
        return StorageSourceType.RAW if medium.variant.startswith("fixed") else StorageSourceType.SPARSE
    if kind in ("dvd", "floppy"):
        return StorageSourceType.RAW  # ISO and floppy images are plain files
    return StorageSourceType.UNKNOWN  # an image whose variant vmwatch could not read


def map_storage(att: Attachment, controller_type: str, medium: Medium | None) -> Storage:
    """One vmStorageEntry for an attachment, sized from its medium (list --long hdds) if known."""
    kind = "hdd" if medium is not None else att.kind
    media_type, media_type_string = MEDIA_TYPES.get(kind, (StorageMediaType.UNKNOWN, ""))
    source_type = _source_type(att, kind, medium)
    if not att.location:
        access = StorageAccess.UNKNOWN
    elif kind == "dvd" or (medium is not None and medium.type.startswith("readonly")):
        access = StorageAccess.READONLY
    else:
        access = StorageAccess.READWRITE
    capacity = medium.capacity if medium is not None else None
    allocated = medium.size_on_disk if medium is not None else None
    if source_type in (StorageSourceType.RAW, StorageSourceType.BLOCK) and capacity is not None:
        allocated = capacity  # the MIB: allocated MUST equal defined for block and raw
    unit = size_unit(capacity, allocated)
    if medium is not None and medium.format:
        type_string = medium.format
    else:
        type_string = _suffix(att.location).lstrip(".").upper() if att.location else ""
    return Storage(
        key=att.key,
        source_type=source_type,
        source_type_string=type_string,
        resource_id=att.location,
        access=access,
        media_type=media_type,
        media_type_string=media_type_string,
        size_unit=unit,
        defined_size=in_unit(capacity, unit),
        allocated_size=in_unit(allocated, unit),
        device=att.key,
        bus=BUSES.get(controller_type, controller_type.lower()),
    )


def map_network(nic: Nic, if_indexes: Mapping[str, int]) -> NetworkInterface:
    """One vmNetworkEntry. VirtualBox VMs have no host-side interface of their own (its network
    filter driver attaches to the host adapter), so vmNetworkIfIndex stays 0; the parent is the
    bridged or host-only adapter."""
    parent_device = host_interface_name(nic.host_interface) if nic.host_interface else ""
    return NetworkInterface(
        key=f"nic{nic.slot}",
        parent=if_indexes.get(parent_device, 0) if parent_device else 0,
        model=nic.model,
        phys_address=mac_bytes(nic.mac),
        parent_device=parent_device,
        network=nic.network,
    )


def cpu_load(rows: Mapping[tuple[str, str], list[Sample]], name: str) -> float | None:
    """CPU/Load/User + CPU/Load/Kernel of VM `name` in % of the host, each averaged over its kept
    samples; None without samples."""
    user, kernel = rows.get((name, "CPU/Load/User")), rows.get((name, "CPU/Load/Kernel"))
    if not user and not kernel:
        return None
    return sum(_mean(samples) for samples in (user, kernel) if samples)


def _mean(samples: list[Sample]) -> float:
    return sum(s.value for s in samples) / len(samples)


def memory_stats(rows: Mapping[tuple[str, str], list[Sample]], name: str) -> MemoryStats | None:
    """The MemoryStats extension of VM `name` from its metrics; None when it has none."""

    def size(metric: str) -> int | None:
        return to_bytes(latest(rows, name, metric))

    stats = MemoryStats(
        balloon=size("Guest/RAM/Usage/Balloon"),
        available=size("Guest/RAM/Usage/Total"),
        unused=size("Guest/RAM/Usage/Free"),
        disk_caches=size("Guest/RAM/Usage/Cache"),
        rss=size("RAM/Usage/Used"),  # host memory the VM process uses
    )
    return None if stats == MemoryStats() else stats


def map_machine(
    facts: MachineFacts,
    media: Mapping[str, Medium] | None = None,
    *,
    up_time: int = 0,
    cpu_time: int | None = None,
    memory: MemoryStats | None = None,
    if_indexes: Mapping[str, int] | None = None,
) -> VirtualMachine:
    """One vmEntry with its CPU, storage and network rows.

    `media` maps image UUIDs to media (sizes, format); `up_time` (TimeTicks) and `cpu_time` (µs)
    come from the client's trackers; `memory` from the metrics; `if_indexes` maps host interface
    names to ifIndex values (local host)."""
    media = media or {}
    if not facts.accessible:
        return VirtualMachine(uuid=facts.uuid, name=facts.name, oper_state=OperState.UNKNOWN)
    active = is_active(facts.state)
    cur_mem = facts.memory_mb
    if active and 0 < facts.balloon_mb < facts.memory_mb:
        cur_mem -= facts.balloon_mb  # the balloon holds this much back from the guest
    types = {c.name: c.type for c in facts.controllers}
    return VirtualMachine(
        uuid=facts.uuid,
        name=facts.name,
        os_type=facts.os_type,
        admin_state=admin_state(facts.state),
        oper_state=oper_state(facts.state),
        auto_start=(
            AutoStart.UNKNOWN
            if facts.autostart is None
            else AutoStart.ENABLED
            if facts.autostart
            else AutoStart.DISABLED
        ),
        # every VirtualBox VM is registered with a settings file (.vbox): there are no transient VMs
        persistent=Persistent.PERSISTENT,
        cur_cpu_number=max(0, facts.cpus),
        max_cpu_number=max(0, facts.cpus) if facts.cpus else -1,
        mem_unit=MIB,
        cur_mem=max(0, cur_mem),
        max_mem=facts.memory_mb if facts.memory_mb > 0 else -1,
        up_time=up_time if active else 0,
        cpu_time=cpu_time if active else None,
        cpus=tuple(VirtualCpu(index=i, core_time=None) for i in range(1, max(0, facts.cpus) + 1)),
        storage=tuple(
            map_storage(
                att, types.get(att.controller, ""), media.get(att.image_uuid) if att.image_uuid else None
            )
            for att in facts.attachments
        ),
        networks=tuple(map_network(nic, if_indexes or {}) for nic in facts.nics),
        memory=memory if active else None,
    )


def map_hypervisor(version: str, up_time: int, host_name: str = "") -> Hypervisor:
    """The vmHv* scalars. vmHvObjectID stays 0.0: Oracle registered no OID for VirtualBox."""
    return Hypervisor(software="VirtualBox", version=version, up_time=up_time, host_name=host_name)

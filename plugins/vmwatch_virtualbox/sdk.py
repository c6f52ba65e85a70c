"""The VirtualBox backend through the SDK's Python API (`vboxapi`), used instead of VBoxManage when
`vboxapi` is importable. UNTESTED: vboxapi ships only with VirtualBox itself (not on PyPI), and
no VirtualBox runs where vmwatch is tested; the VBoxManage backend is the tested one.

It fills the same `MachineFacts` and `Medium` records as the VBoxManage parsers, turning the API's
enums into the words VBoxManage prints, so that `mapping.map_machine` is shared. It reads no
performance metrics (no estimated CPU time, no memory statistics). `vboxapi` is imported only in
`SdkBackend.connect()`.
"""

from __future__ import annotations

import logging
import socket
import time
import uuid as uuidlib
from collections.abc import Callable
from typing import Any

from vmwatch.backend import BackendError, BackendUnavailable
from vmwatch.model import Host, ticks
from vmwatch_virtualbox.client import host_if_indexes, read_host_uptime
from vmwatch_virtualbox.listing import Medium
from vmwatch_virtualbox.mapping import (
    INACCESSIBLE,
    Attachment,
    Controller,
    MachineFacts,
    Nic,
    is_active,
    map_hypervisor,
    map_machine,
)
from vmwatch_virtualbox.tracking import UpTimeTracker

log = logging.getLogger(__name__)

# MachineState_<Name> → VMState as VBoxManage prints it (machineStateToName, short form)
STATE_NAMES = {
    "PoweredOff": "poweroff", "Saved": "saved", "Teleported": "teleported", "Aborted": "aborted",
    "AbortedSaved": "aborted-saved", "Running": "running", "Paused": "paused", "Stuck": "gurumeditation",
    "Teleporting": "teleporting", "LiveSnapshotting": "livesnapshotting", "Starting": "starting",
    "Stopping": "stopping", "Saving": "saving", "Restoring": "restoring",
    "TeleportingPausedVM": "teleportingpausedvm", "TeleportingIn": "teleportingin",
    "DeletingSnapshotOnline": "deletingsnapshotlive", "DeletingSnapshotPaused": "deletingsnapshotlivepaused",
    "OnlineSnapshotting": "onlinesnapshotting", "RestoringSnapshot": "restoringsnapshot",
    "DeletingSnapshot": "deletingsnapshot", "SettingUp": "settingup", "Snapshotting": "snapshotting",
    "FaultTolerantSyncing": "faulttolerantsyncing",
}  # fmt: skip
# NetworkAttachmentType_<Name> → nicN as VBoxManage prints it
ATTACHMENT_NAMES = {
    "Null": "null", "NAT": "nat", "Bridged": "bridged", "Internal": "intnet", "HostOnly": "hostonly",
    "Generic": "generic", "NATNetwork": "natnetwork", "Cloud": "cloudnetwork", "HostOnlyNetwork": "hostonlynetwork",
}  # fmt: skip
# NetworkAdapterType_<Name> → nictypeN as VBoxManage prints it (the others print as named)
ADAPTER_MODELS = {"I82540EM": "82540EM", "I82543GC": "82543GC", "I82545EM": "82545EM", "Virtio": "virtio"}
DEVICE_KINDS = {"HardDisk": "hdd", "DVD": "dvd", "Floppy": "floppy"}
VARIANT_FIXED, VARIANT_DIFF = 0x10000, 0x20000
MAX_NICS = 8  # the PIIX3 limit; ICH9 allows 36, rarely used


def _names(constants: Any, enum: str) -> dict[int, str]:
    """Value → member name of an SDK enum (vboxapi's constants.all_values)."""
    return {int(value): name for name, value in constants.all_values(enum).items()}


def _variant(flags: list[int]) -> str:
    combined = 0
    for flag in flags or ():
        combined |= int(flag)
    if combined & VARIANT_FIXED:
        return "fixed"
    return "differencing" if combined & VARIANT_DIFF else "dynamic"


class SdkBackend:
    """The local VirtualBox through vboxapi (same `Host` as VBoxManageBackend, minus metrics)."""

    def __init__(self, name: str, clock: Callable[[], float] = time.time) -> None:
        self.name = name
        self._manager: Any = None
        self._vbox: Any = None
        self._version = ""
        self._uptimes = UpTimeTracker(clock)

    def connect(self) -> None:
        try:
            from vboxapi import VirtualBoxManager  # the SDK's glue, installed with VirtualBox
        except ImportError:
            raise BackendUnavailable(f"{self.name}: vboxapi is not importable") from None
        try:
            self._manager = VirtualBoxManager(None, None)
            self._vbox = self._manager.getVirtualBox()
            self._version = str(self._vbox.version)
        except Exception as exc:  # noqa: BLE001  COM/XPCOM errors have no common base class
            self.close()
            raise BackendUnavailable(f"{self.name}: cannot reach VBoxSVC through vboxapi: {exc}") from None
        const = self._manager.constants
        self._enums = {
            enum: _names(const, enum)
            for enum in (
                "MachineState", "NetworkAttachmentType", "NetworkAdapterType", "StorageControllerType",
                "DeviceType", "MediumType",
            )
        }  # fmt: skip

    def close(self) -> None:
        self._vbox = None
        manager, self._manager = self._manager, None
        if manager is not None:
            try:
                manager.deinit()
            except Exception:  # closing a broken session must not raise
                log.debug("vboxapi deinit failed", exc_info=True)

    def read(self) -> tuple[Host, ...]:
        if self._vbox is None:
            raise BackendUnavailable(f"{self.name}: not connected")
        media: dict[str, Medium] = {}
        try:
            facts = [
                self._facts(machine, media) for machine in self._manager.getArray(self._vbox, "machines")
            ]
        except Exception as exc:  # noqa: BLE001  any COM error ends this read
            raise BackendError(f"{self.name}: vboxapi read failed: {exc}") from None
        active = {str(f.uuid) for f in facts if f.accessible and is_active(f.state)}
        self._uptimes.keep_only(active)
        if_indexes = host_if_indexes()
        vms = []
        for f in facts:
            up_time = self._uptimes.up_time(str(f.uuid), f.state_since) if str(f.uuid) in active else 0
            vms.append(map_machine(f, media, up_time=up_time, if_indexes=if_indexes))
        uptime = read_host_uptime()
        up = ticks(uptime) if uptime is not None else 0
        return (Host(hypervisor=map_hypervisor(self._version, up, socket.gethostname()), vms=tuple(vms)),)

    def _enum(self, enum: str, value: Any) -> str:
        return self._enums[enum].get(int(value), "")

    def _facts(self, m: Any, media: dict[str, Medium]) -> MachineFacts:
        vm_uuid = uuidlib.UUID(str(m.id))
        if not m.accessible:
            return MachineFacts(uuid=vm_uuid, name=INACCESSIBLE, state="", accessible=False)
        controllers = tuple(
            Controller(str(c.name), self._enum("StorageControllerType", c.controllerType))
            for c in self._manager.getArray(m, "storageControllers")
        )
        attachments = tuple(
            self._attachment(a, media) for a in self._manager.getArray(m, "mediumAttachments")
        )
        nics = tuple(self._nic(m.getNetworkAdapter(slot), slot + 1) for slot in range(MAX_NICS))
        return MachineFacts(
            uuid=vm_uuid,
            name=str(m.name),
            state=STATE_NAMES.get(self._enum("MachineState", m.state), ""),
            state_since=int(m.lastStateChange) / 1000.0,
            os_type=str(m.OSTypeId),
            cpus=int(m.CPUCount),
            memory_mb=int(m.memorySize),
            balloon_mb=int(m.memoryBalloonSize),
            autostart=bool(m.autostartEnabled),
            config_file=str(m.settingsFilePath),
            controllers=controllers,
            attachments=attachments,
            nics=tuple(nic for nic in nics if nic is not None),
        )

    def _attachment(self, a: Any, media: dict[str, Medium]) -> Attachment:
        kind = DEVICE_KINDS.get(self._enum("DeviceType", a.type), "")
        medium = a.medium
        location = image = ""
        if medium is not None:
            location, image = str(medium.location), str(medium.id).lower()
            if kind == "hdd":
                media[image] = Medium(
                    uuid=image,
                    location=location,
                    format=str(medium.format),
                    variant=_variant(self._manager.getArray(medium, "variant")),
                    type=self._enum("MediumType", medium.type).lower(),
                    capacity=int(medium.logicalSize),
                    size_on_disk=int(medium.size),
                )
        return Attachment(str(a.controller), int(a.port), int(a.device), location, image, kind)

    def _nic(self, nic: Any, slot: int) -> Nic | None:
        if not nic.enabled:
            return None
        attachment = ATTACHMENT_NAMES.get(self._enum("NetworkAttachmentType", nic.attachmentType), "")
        adapter = self._enum("NetworkAdapterType", nic.adapterType)
        host_interface = {"bridged": nic.bridgedInterface, "hostonly": nic.hostOnlyInterface}
        network = {"nat": "nat", "intnet": nic.internalNetwork, "natnetwork": nic.NATNetwork}
        return Nic(
            slot=slot,
            attachment=attachment,
            mac=str(nic.MACAddress),
            model=ADAPTER_MODELS.get(adapter, adapter),
            host_interface=str(host_interface.get(attachment, "")),
            network=str(network.get(attachment, "")),
            cable_connected=bool(nic.cableConnected),
        )

"""Snapshots as JSON-ready data and as a text table (for `vmwatch snapshot`)."""

from __future__ import annotations

import dataclasses
import enum
import uuid
from typing import Any

from vmwatch.model import Snapshot, mib_name


def mac_text(octets: bytes) -> str:
    return ":".join(f"{b:02x}" for b in octets)


def _plain(value: Any) -> Any:
    if isinstance(value, enum.IntEnum):
        return mib_name(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, bytes):
        return mac_text(value)
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if dataclasses.is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value) if f.name != "by_index"}
    return value


def to_data(snapshot: Snapshot) -> dict[str, Any]:
    """The snapshot as plain JSON-serialisable data, enums by their MIB names."""
    data = _plain(snapshot)
    data["vm_number"] = snapshot.vm_number
    return data


def table(snapshot: Snapshot) -> str:
    """A compact text table: one line per VM."""
    hv = snapshot.hypervisor
    lines = [
        f"hypervisor {snapshot.name}: {hv.software} {hv.version}, up {hv.up_time / 100:.0f} s, "
        f"{snapshot.vm_number} VMs",
        f"{'INDEX':>5}  {'NAME':<24} {'UUID':<36}  {'STATE':<12} {'ADMIN':<9} {'VCPU':>4} {'MEM MiB':>8} "
        f"{'DISKS':>5} {'NICS':>4}",
    ]
    for vm in snapshot.vms:
        mem_mib = vm.cur_mem * vm.mem_unit // (1024 * 1024)
        lines.append(
            f"{vm.index:>5}  {vm.name[:24]:<24} {str(vm.uuid):<36}  {mib_name(vm.oper_state):<12} "
            f"{mib_name(vm.admin_state):<9} {vm.cur_cpu_number:>4} {mem_mib:>8} {len(vm.storage):>5} "
            f"{len(vm.networks):>4}"
        )
    return "\n".join(lines)

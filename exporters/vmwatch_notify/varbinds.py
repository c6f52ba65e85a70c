"""RFC 7666 notifications as OIDs and varbinds: pure, no I/O, no protocol library.

Per-VM notifications (vmNotifications.1 to .10) name the new state; their varbinds are vmName,
vmUUID and vmOperState of the VM's row, where vmOperState carries the **previous** state, and
vmDeleted adds vmPersistent. Bulk notifications (.11 to .20, same order) carry one varbind,
vmAffectedVMs.0, a VirtualMachineList bitmap of the vmIndexes that changed to that state.

States with no notification of their own (unknown, other, preparing) produce none.

The list of varbinds starts with snmpTrapOID.0; sysUpTime.0 is left to the sender (the AgentX
master and the embedded agent each put their own uptime first, as RFC 3416 4.2.6 wants).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from vmwatch_mib.objects import AFFECTED_VMS, BY_NAME, SNMP_TRAP_OID, notification_oid
from vmwatch_mib.smi import OID, Syntax, Value, admin_string, integer32, octets

from vmwatch.events import StateChange
from vmwatch.model import OperState, VirtualMachine

# Notification number of each new state (None: deleted); bulk ones are these + 10.
NUMBER: dict[OperState | None, int] = {
    OperState.RUNNING: 1,
    OperState.SHUTTINGDOWN: 2,
    OperState.SHUTDOWN: 3,
    OperState.PAUSED: 4,
    OperState.SUSPENDING: 5,
    OperState.SUSPENDED: 6,
    OperState.RESUMING: 7,
    OperState.MIGRATING: 8,
    OperState.CRASHED: 9,
    None: 10,
}
BULK_OFFSET = 10
NAMES = {
    1: "vmRunning", 2: "vmShuttingdown", 3: "vmShutdown", 4: "vmPaused", 5: "vmSuspending",
    6: "vmSuspended", 7: "vmResuming", 8: "vmMigrating", 9: "vmCrashed", 10: "vmDeleted",
    11: "vmBulkRunning", 12: "vmBulkShuttingdown", 13: "vmBulkShutdown", 14: "vmBulkPaused",
    15: "vmBulkSuspending", 16: "vmBulkSuspended", 17: "vmBulkResuming", 18: "vmBulkMigrating",
    19: "vmBulkCrashed", 20: "vmBulkDeleted",
}  # fmt: skip

VM_NAME = BY_NAME["vmName"].oid
VM_UUID = BY_NAME["vmUUID"].oid
VM_OPER_STATE = BY_NAME["vmOperState"].oid
VM_PERSISTENT = BY_NAME["vmPersistent"].oid

# vmAffectedVMs is an OCTET STRING: at most 65535 octets, one bit per vmIndex.
MAX_BITMAP_INDEX = 65535 * 8


class Kind(enum.Enum):
    PER_VM = "per_vm"
    BULK = "bulk"


class BitmapError(ValueError):
    """A vmIndex that a VirtualMachineList cannot carry (below 1 or beyond 524280)."""


@dataclass(frozen=True)
class Notification:
    """One notification ready for any sender.

    `varbinds` start with snmpTrapOID.0. `hypervisor` names the vmIndex space (the AgentX or
    SNMPv3 context the agents serve it in); `indexes` are the vmIndexes it reports; `time` is
    when the (first) change was seen, epoch seconds.
    """

    kind: Kind
    number: int  # vmNotifications.N
    hypervisor: str
    varbinds: tuple[tuple[OID, Value], ...]
    indexes: tuple[int, ...]
    time: float

    @property
    def oid(self) -> OID:
        return notification_oid(self.number)

    @property
    def name(self) -> str:
        return NAMES[self.number]


def notification_number(state: OperState | None, bulk: bool = False) -> int | None:
    """vmNotifications.N for a change to `state` (None: deleted); None when the MIB has none."""
    number = NUMBER.get(state)
    if number is None:
        return None
    return number + BULK_OFFSET if bulk else number


def trap_oid_varbind(number: int) -> tuple[OID, Value]:
    return SNMP_TRAP_OID, Value(Syntax.OBJECT_IDENTIFIER, notification_oid(number))


def vm_varbinds(vm: VirtualMachine, previous: OperState, deleted: bool) -> tuple[tuple[OID, Value], ...]:
    """vmName, vmUUID, vmOperState (= `previous`) of the VM's row, and vmPersistent if deleted."""
    i = (vm.index,)
    binds = [
        (VM_NAME + i, admin_string(vm.name)),
        (VM_UUID + i, octets(vm.uuid.bytes if vm.uuid.int else b"")),  # UUIDorZero
        (VM_OPER_STATE + i, integer32(int(previous))),
    ]
    if deleted:
        binds.append((VM_PERSISTENT + i, integer32(int(vm.persistent))))
    return tuple(binds)


def per_vm(change: StateChange) -> Notification | None:
    """The per-VM notification for a change, or None (new state without one, or no vmIndex)."""
    number = notification_number(change.new_oper_state)
    if number is None or change.vm.index < 1:
        return None
    binds = (trap_oid_varbind(number),) + vm_varbinds(change.vm, change.previous_oper_state, change.deleted)
    return Notification(Kind.PER_VM, number, change.hypervisor, binds, (change.vm.index,), change.time)


def vm_list(indexes: Iterable[int]) -> bytes:
    """VirtualMachineList: octet k holds vmIndex 8k+1 (most significant bit) to 8k+8."""
    found = set(indexes)
    if not found:
        return b""
    low, high = min(found), max(found)
    if low < 1 or high > MAX_BITMAP_INDEX:
        raise BitmapError(f"vmIndex {low if low < 1 else high} cannot be carried in vmAffectedVMs")
    bits = bytearray((high + 7) // 8)
    for index in found:
        bits[(index - 1) // 8] |= 0x80 >> ((index - 1) % 8)
    return bytes(bits)


def vm_list_indexes(bitmap: bytes) -> list[int]:
    """The vmIndexes set in a VirtualMachineList (the inverse of `vm_list`)."""
    return [8 * k + bit + 1 for k, octet in enumerate(bitmap) for bit in range(8) if octet & (0x80 >> bit)]


def bulk(state: OperState | None, hypervisor: str, indexes: Iterable[int], time: float) -> Notification | None:
    """The bulk notification for VMs that changed to `state` (None: deleted), or None."""
    number = notification_number(state, bulk=True)
    chosen = tuple(sorted({i for i in indexes if i >= 1}))
    if number is None or not chosen:
        return None
    binds = (trap_oid_varbind(number), (AFFECTED_VMS, octets(vm_list(chosen))))
    return Notification(Kind.BULK, number, hypervisor, binds, chosen, time)

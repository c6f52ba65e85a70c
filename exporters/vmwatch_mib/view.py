"""One snapshot as a sorted OID table: GET by dictionary, GETNEXT by binary search.

`build_view` runs once per snapshot (when the cache publishes one), never per request: a walk of
58,000 instances then costs one `bisect` per GETNEXT. OIDs are tuples of ints, whose Python
ordering is exactly SNMP's lexicographic OID ordering (a prefix sorts first).

A None in the model (a counter of a shut-off VM, a vCPU without core time) means the instance is
absent, not zero. The two enable objects are not copied into the table: they are read from the
`NotificationSwitches` at request time, so a SET shows at once without rebuilding the view.
"""

from __future__ import annotations

import bisect
import enum
from collections.abc import Iterator

from vmwatch.model import Snapshot, VirtualMachine
from vmwatch_mib.objects import BULK_ENABLED, PER_VM_ENABLED, VM_OBJECTS, Access, object_type
from vmwatch_mib.smi import (
    OID,
    Syntax,
    Value,
    admin_string,
    counter64,
    integer32,
    object_identifier,
    octets,
    timeticks,
)
from vmwatch_mib.switches import NotificationSwitches

# Stands in the table for the two enable objects; resolved from the switches on each read
# (compared by identity: no other Value is this object).
_SWITCH = Value(Syntax.NULL, "resolved from the NotificationSwitches")

_B = VM_OBJECTS
_VM_ENTRY = _B + (4, 1)
_CPU_ENTRY = _B + (5, 1)
_AFFINITY_ENTRY = _B + (6, 1)
_STORAGE_ENTRY = _B + (7, 1)
_NETWORK_ENTRY = _B + (8, 1)


class Lookup(enum.Enum):
    """Why a GET found nothing (RFC 3416 4.2.1): no such object type, or no such row."""

    NO_SUCH_OBJECT = "noSuchObject"
    NO_SUCH_INSTANCE = "noSuchInstance"


class MibView:
    """An immutable, sorted table of (OID, Value) for one hypervisor."""

    __slots__ = ("__weakref__", "_by_oid", "_oids", "_switches", "_values", "name")

    def __init__(self, entries: list[tuple[OID, Value]], switches: NotificationSwitches, name: str = "") -> None:
        """`entries` need not be sorted; for a repeated OID the first entry wins."""
        self.name = name
        self._switches = switches
        by_oid: dict[OID, Value] = {}
        for oid, value in entries:
            by_oid.setdefault(oid, value)
        self._by_oid = by_oid
        self._oids = sorted(by_oid)
        self._values = [by_oid[oid] for oid in self._oids]

    def __len__(self) -> int:
        return len(self._oids)

    def __iter__(self) -> Iterator[tuple[OID, Value]]:
        for oid, value in zip(self._oids, self._values):
            yield oid, self._resolve(oid, value)

    def _resolve(self, oid: OID, value: Value) -> Value:
        return self._switches.value(oid) if value is _SWITCH else value

    def get(self, oid: OID) -> Value | None:
        """The value of instance `oid`, or None when it does not exist."""
        value = self._by_oid.get(oid)
        if value is None:
            return None
        return self._resolve(oid, value)

    def next(self, oid: OID, include: bool = False, end: OID | None = None) -> tuple[OID, Value] | None:
        """The first instance after `oid` (at or after it with `include`), before `end` if given.

        `end` is exclusive, as the end of an AgentX search range (RFC 2741 5.2); None or an
        empty OID means no bound.
        """
        i = (bisect.bisect_left if include else bisect.bisect_right)(self._oids, oid)
        if i >= len(self._oids):
            return None
        found = self._oids[i]
        if end and found >= end:
            return None
        return found, self._resolve(found, self._values[i])

    def missing(self, oid: OID) -> Lookup:
        """For an OID that `get` did not find: noSuchInstance if its object type exists and is
        readable, else noSuchObject (vmAffectedVMs is accessible-for-notify: not readable)."""
        kind = object_type(oid)
        if kind is None or kind.access is Access.ACCESSIBLE_FOR_NOTIFY:
            return Lookup.NO_SUCH_OBJECT
        return Lookup.NO_SUCH_INSTANCE


def build_view(snapshot: Snapshot | None, switches: NotificationSwitches) -> MibView:
    """Every VM-MIB instance of `snapshot` (only the enable objects when there is none yet)."""
    entries: list[tuple[OID, Value]] = [(PER_VM_ENABLED, _SWITCH), (BULK_ENABLED, _SWITCH)]
    if snapshot is None:
        return MibView(entries, switches)
    hv = snapshot.hypervisor
    add = entries.append
    add((_B + (1, 1, 0), admin_string(hv.software)))
    add((_B + (1, 2, 0), admin_string(hv.version)))
    add((_B + (1, 3, 0), object_identifier(hv.object_id)))
    add((_B + (1, 4, 0), timeticks(hv.up_time)))
    add((_B + (2, 0), integer32(snapshot.vm_number)))
    add((_B + (3, 0), timeticks(snapshot.table_last_change)))
    for vm in snapshot.vms:
        if vm.index >= 1:  # an unindexed VM has no row to be named by
            _add_vm(add, vm)
    return MibView(entries, switches, snapshot.name)


def _add_vm(add, vm: VirtualMachine) -> None:
    i = vm.index
    e = _VM_ENTRY
    add((e + (2, i), admin_string(vm.name)))
    # UUIDorZero: 16 raw octets, or the empty string when no UUID is known (the nil UUID).
    add((e + (3, i), octets(vm.uuid.bytes if vm.uuid.int else b"")))
    add((e + (4, i), admin_string(vm.os_type)))
    add((e + (5, i), integer32(vm.admin_state)))
    add((e + (6, i), integer32(vm.oper_state)))
    add((e + (7, i), integer32(vm.auto_start)))
    add((e + (8, i), integer32(vm.persistent)))
    add((e + (9, i), integer32(vm.cur_cpu_number)))
    add((e + (10, i), integer32(vm.min_cpu_number)))
    add((e + (11, i), integer32(vm.max_cpu_number)))
    add((e + (12, i), integer32(vm.mem_unit)))
    add((e + (13, i), integer32(vm.cur_mem)))
    add((e + (14, i), integer32(vm.min_mem)))
    add((e + (15, i), integer32(vm.max_mem)))
    add((e + (16, i), timeticks(vm.up_time)))
    if vm.cpu_time is not None:
        add((e + (17, i), counter64(vm.cpu_time)))
    for cpu in vm.cpus:
        if cpu.index < 1:
            continue
        if cpu.core_time is not None:
            add((_CPU_ENTRY + (2, i, cpu.index), counter64(cpu.core_time)))
        for pin in cpu.affinity:
            if pin.phys_index >= 1:
                add((_AFFINITY_ENTRY + (3, i, cpu.index, pin.phys_index), integer32(pin.affinity)))
    s = _STORAGE_ENTRY
    for disk in vm.storage:
        if disk.index < 1:
            continue
        row = (i, disk.index)
        add((s + (3,) + row, integer32(disk.parent)))
        add((s + (4,) + row, integer32(disk.source_type)))
        add((s + (5,) + row, admin_string(disk.source_type_string)))
        add((s + (6,) + row, admin_string(disk.resource_id)))
        add((s + (7,) + row, integer32(disk.access)))
        add((s + (8,) + row, integer32(disk.media_type)))
        add((s + (9,) + row, admin_string(disk.media_type_string)))
        add((s + (10,) + row, integer32(disk.size_unit)))
        add((s + (11,) + row, integer32(disk.defined_size)))
        add((s + (12,) + row, integer32(disk.allocated_size)))
        for column, counter in (
            (13, disk.read_ios),
            (14, disk.write_ios),
            (15, disk.read_octets),
            (16, disk.write_octets),
            (17, disk.read_latency),
            (18, disk.write_latency),
        ):
            if counter is not None:
                add((s + (column,) + row, counter64(counter)))
    n = _NETWORK_ENTRY
    for nic in vm.networks:
        if nic.index < 1:
            continue
        row = (i, nic.index)
        add((n + (2,) + row, integer32(nic.if_index)))
        add((n + (3,) + row, integer32(nic.parent)))
        add((n + (4,) + row, admin_string(nic.model)))
        add((n + (5,) + row, octets(nic.phys_address)))

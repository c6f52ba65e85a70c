"""Every OBJECT-TYPE of VM-MIB (RFC 7666) that can have instances: name, OID, syntax, access.

This is the module's shape, not its data: `view.py` fills it from a snapshot. Agents use it to
tell noSuchObject (no such object type) from noSuchInstance (the type exists, the row does not),
and `switches.check_set` to answer notWritable for everything but the two enable objects.
"""

from __future__ import annotations

import bisect
import enum
from dataclasses import dataclass

from vmwatch.model import VM_MIB
from vmwatch_mib.smi import OID, Syntax

VM_OBJECTS: OID = VM_MIB + (1,)
VM_NOTIFICATIONS: OID = VM_MIB + (0,)
SNMP_TRAP_OID: OID = (1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0)  # snmpTrapOID.0
SYS_UP_TIME: OID = (1, 3, 6, 1, 2, 1, 1, 3, 0)  # sysUpTime.0


class Access(enum.Enum):
    READ_ONLY = "read-only"
    READ_WRITE = "read-write"
    ACCESSIBLE_FOR_NOTIFY = "accessible-for-notify"


@dataclass(frozen=True)
class ObjectType:
    """One columnar or scalar object; `oid` is the object's OID (without instance)."""

    name: str
    oid: OID
    syntax: Syntax
    access: Access
    scalar: bool  # instances are oid.0
    index: tuple[str, ...] = ()  # the INDEX clause of the row, for documentation and tests


def _scalar(name: str, sub: OID, syntax: Syntax, access: Access = Access.READ_ONLY) -> ObjectType:
    return ObjectType(name, VM_OBJECTS + sub, syntax, access, scalar=True)


def _column(name: str, table: int, column: int, syntax: Syntax, index: tuple[str, ...]) -> ObjectType:
    return ObjectType(name, VM_OBJECTS + (table, 1, column), syntax, Access.READ_ONLY, False, index)


_I, _S, _O, _T, _C64 = Syntax.INTEGER, Syntax.OCTET_STRING, Syntax.OBJECT_IDENTIFIER, Syntax.TIMETICKS, Syntax.COUNTER64
_VM = ("vmIndex",)
_CPU = ("vmIndex", "vmCpuIndex")
_AFF = ("vmIndex", "vmCpuIndex", "vmCpuPhysIndex")
_STO = ("vmStorageVmIndex", "vmStorageIndex")
_NET = ("vmIndex", "vmNetworkIndex")

OBJECT_TYPES: tuple[ObjectType, ...] = (
    _scalar("vmHvSoftware", (1, 1), _S),
    _scalar("vmHvVersion", (1, 2), _S),
    _scalar("vmHvObjectID", (1, 3), _O),
    _scalar("vmHvUpTime", (1, 4), _T),
    _scalar("vmNumber", (2,), _I),
    _scalar("vmTableLastChange", (3,), _T),
    _column("vmName", 4, 2, _S, _VM),
    _column("vmUUID", 4, 3, _S, _VM),
    _column("vmOSType", 4, 4, _S, _VM),
    _column("vmAdminState", 4, 5, _I, _VM),
    _column("vmOperState", 4, 6, _I, _VM),
    _column("vmAutoStart", 4, 7, _I, _VM),
    _column("vmPersistent", 4, 8, _I, _VM),
    _column("vmCurCpuNumber", 4, 9, _I, _VM),
    _column("vmMinCpuNumber", 4, 10, _I, _VM),
    _column("vmMaxCpuNumber", 4, 11, _I, _VM),
    _column("vmMemUnit", 4, 12, _I, _VM),
    _column("vmCurMem", 4, 13, _I, _VM),
    _column("vmMinMem", 4, 14, _I, _VM),
    _column("vmMaxMem", 4, 15, _I, _VM),
    _column("vmUpTime", 4, 16, _T, _VM),
    _column("vmCpuTime", 4, 17, _C64, _VM),
    _column("vmCpuCoreTime", 5, 2, _C64, _CPU),
    _column("vmCpuAffinity", 6, 3, _I, _AFF),
    _column("vmStorageParent", 7, 3, _I, _STO),
    _column("vmStorageSourceType", 7, 4, _I, _STO),
    _column("vmStorageSourceTypeString", 7, 5, _S, _STO),
    _column("vmStorageResourceID", 7, 6, _S, _STO),
    _column("vmStorageAccess", 7, 7, _I, _STO),
    _column("vmStorageMediaType", 7, 8, _I, _STO),
    _column("vmStorageMediaTypeString", 7, 9, _S, _STO),
    _column("vmStorageSizeUnit", 7, 10, _I, _STO),
    _column("vmStorageDefinedSize", 7, 11, _I, _STO),
    _column("vmStorageAllocatedSize", 7, 12, _I, _STO),
    _column("vmStorageReadIOs", 7, 13, _C64, _STO),
    _column("vmStorageWriteIOs", 7, 14, _C64, _STO),
    _column("vmStorageReadOctets", 7, 15, _C64, _STO),
    _column("vmStorageWriteOctets", 7, 16, _C64, _STO),
    _column("vmStorageReadLatency", 7, 17, _C64, _STO),
    _column("vmStorageWriteLatency", 7, 18, _C64, _STO),
    _column("vmNetworkIfIndex", 8, 2, _I, _NET),
    _column("vmNetworkParent", 8, 3, _I, _NET),
    _column("vmNetworkModel", 8, 4, _S, _NET),
    _column("vmNetworkPhysAddress", 8, 5, _S, _NET),
    _scalar("vmPerVMNotificationsEnabled", (9,), _I, Access.READ_WRITE),
    _scalar("vmBulkNotificationsEnabled", (10,), _I, Access.READ_WRITE),
    # In the module but never readable: it exists only inside bulk notifications.
    _scalar("vmAffectedVMs", (11,), _S, Access.ACCESSIBLE_FOR_NOTIFY),
)

BY_NAME: dict[str, ObjectType] = {o.name: o for o in OBJECT_TYPES}
PER_VM_ENABLED: OID = BY_NAME["vmPerVMNotificationsEnabled"].oid + (0,)
BULK_ENABLED: OID = BY_NAME["vmBulkNotificationsEnabled"].oid + (0,)
AFFECTED_VMS: OID = BY_NAME["vmAffectedVMs"].oid + (0,)

_SORTED = sorted(OBJECT_TYPES, key=lambda o: o.oid)
_SORTED_OIDS = [o.oid for o in _SORTED]


def object_type(oid: OID) -> ObjectType | None:
    """The object type that `oid` would be an instance of (its OID is a proper prefix), or None.

    No object OID here is a prefix of another, so the candidate is the last one sorting at or
    before `oid`.
    """
    i = bisect.bisect_right(_SORTED_OIDS, tuple(oid)) - 1
    if i < 0:
        return None
    candidate = _SORTED[i]
    n = len(candidate.oid)
    if len(oid) > n and tuple(oid[:n]) == candidate.oid:
        return candidate
    return None


def notification_oid(number: int) -> OID:
    """The OID of notification vmNotifications.N (1 vmRunning ... 20 vmBulkDeleted)."""
    return VM_NOTIFICATIONS + (number,)

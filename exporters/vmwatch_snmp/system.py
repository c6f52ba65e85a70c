"""The agent's own objects: SNMPv2-MIB system and snmp groups, and the snmpEngine scalars.

Generic tools expect these (sysUpTime in every walk, sysDescr and sysObjectID for discovery,
snmpEngineID for v3 set-ups); the snmp group's counters are pysnmp's own (snmpInPkts,
snmpInASNParseErrs ...), read at request time. sysContact, sysName and sysLocation come from the
configuration and are read-only here: vmwatch writes nothing but the two VM-MIB enable objects.
"""

from __future__ import annotations

import bisect
import platform
import time
from collections.abc import Callable

from vmwatch_mib import OID, Lookup, Value
from vmwatch_mib.smi import Syntax, admin_string, integer32, object_identifier, octets, timeticks

from vmwatch import __version__
from vmwatch.model import VM_MIB

SYSTEM = (1, 3, 6, 1, 2, 1, 1)
SNMP = (1, 3, 6, 1, 2, 1, 11)
SNMP_ENGINE = (1, 3, 6, 1, 6, 3, 10, 2, 1)
SYS_UP_TIME = SYSTEM + (3, 0)
# sysObjectID: vmwatch has no enterprise number of its own; the VM-MIB module identity says
# what this agent is for, and is what sysORID names too.
SYS_OBJECT_ID = VM_MIB
SYS_SERVICES = 72  # applications (layer 7) + end-to-end (layer 4), as net-snmp reports
SNMP_COUNTERS = {  # snmp group column → pysnmp's counter name in __SNMPv2-MIB
    1: "snmpInPkts",
    3: "snmpInBadVersions",
    4: "snmpInBadCommunityNames",
    5: "snmpInBadCommunityUses",
    6: "snmpInASNParseErrs",
    31: "snmpSilentDrops",
    32: "snmpProxyDrops",
}
TRUTH_FALSE = 2


def counter32(value: int) -> Value:
    return Value(Syntax.COUNTER32, int(value) & 0xFFFFFFFF)


class LocalObjects:
    """A small fixed set of scalar instances whose values are computed when read."""

    def __init__(
        self,
        sys_name: str,
        sys_contact: str,
        sys_location: str,
        engine_id: bytes,
        counter: Callable[[str], int],
        engine_boots: int = 1,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._clock = clock
        self._started = clock()
        descr = (
            f"vmwatch {__version__} embedded SNMP agent (RFC 7666 VM-MIB) on "
            f"{platform.system()} {platform.release()} {platform.machine()}"
        )
        getters: dict[OID, Callable[[], Value]] = {
            SYSTEM + (1, 0): _const(admin_string(descr)),
            SYSTEM + (2, 0): _const(object_identifier(SYS_OBJECT_ID)),
            SYS_UP_TIME: lambda: timeticks(self.up_time()),
            SYSTEM + (4, 0): _const(admin_string(sys_contact)),
            SYSTEM + (5, 0): _const(admin_string(sys_name)),
            SYSTEM + (6, 0): _const(admin_string(sys_location)),
            SYSTEM + (7, 0): _const(integer32(SYS_SERVICES)),
            SYSTEM + (8, 0): _const(timeticks(0)),  # sysORLastChange: the table never changes
            SYSTEM + (9, 1, 2, 1): _const(object_identifier(VM_MIB)),  # sysORID.1
            SYSTEM + (9, 1, 3, 1): _const(admin_string("RFC 7666 VM-MIB: virtual machines of this host")),
            SYSTEM + (9, 1, 4, 1): _const(timeticks(0)),  # sysORUpTime.1
            SNMP + (30, 0): _const(integer32(TRUTH_FALSE)),  # snmpEnableAuthenTraps: no auth traps
            SNMP_ENGINE + (1, 0): _const(octets(engine_id)),
            SNMP_ENGINE + (2, 0): _const(integer32(engine_boots)),
            SNMP_ENGINE + (3, 0): lambda: integer32(int(self._clock() - self._started)),
            SNMP_ENGINE + (4, 0): _const(integer32(65507)),
        }
        for column, name in SNMP_COUNTERS.items():
            getters[SNMP + (column, 0)] = _counter(counter, name)
        self._getters = getters
        self._oids = sorted(getters)
        self._objects = {oid[:-1] for oid in getters}

    def up_time(self) -> int:
        """sysUpTime: centiseconds since the agent started."""
        return int((self._clock() - self._started) * 100)

    def get(self, oid: OID) -> Value | None:
        getter = self._getters.get(oid)
        return getter() if getter is not None else None

    def next_oid(self, oid: OID) -> OID | None:
        """The first instance name after `oid`, or None."""
        i = bisect.bisect_right(self._oids, oid)
        return self._oids[i] if i < len(self._oids) else None

    def missing(self, oid: OID) -> Lookup:
        return Lookup.NO_SUCH_INSTANCE if oid[:-1] in self._objects else Lookup.NO_SUCH_OBJECT


def _const(value: Value) -> Callable[[], Value]:
    return lambda: value


def _counter(counter: Callable[[str], int], name: str) -> Callable[[], Value]:
    return lambda: counter32(counter(name))

"""The RFC 7666 VM-MIB as a sorted table of SNMP values: shared by every SNMP agent of vmwatch.

No protocol code lives here (no pysnmp, no AgentX): `build_view(snapshot, switches)` turns one
snapshot into a `MibView` that answers GET and GETNEXT by dictionary lookup and binary search,
and `check_set` decides whether a SET may touch an object. Agents translate `Value`s into their
own wire types.
"""

from vmwatch_mib.smi import OID, ErrorStatus, Syntax, Value
from vmwatch_mib.switches import NotificationSwitches, check_set, process_switches
from vmwatch_mib.view import Lookup, MibView, build_view

__all__ = [
    "OID",
    "ErrorStatus",
    "Lookup",
    "MibView",
    "NotificationSwitches",
    "Syntax",
    "Value",
    "build_view",
    "check_set",
    "process_switches",
]

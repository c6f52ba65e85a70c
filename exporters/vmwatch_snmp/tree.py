"""The agent's whole OID tree: its own scalars merged with one hypervisor's VM-MIB view.

The two sources never overlap (the view holds only mib-2.236), so GET asks the one whose range
holds the OID and GETNEXT takes the smaller of the two candidates.
"""

from __future__ import annotations

from vmwatch_mib import OID, Lookup, MibView, Value

from vmwatch.model import VM_MIB
from vmwatch_snmp.system import LocalObjects

_VM_LEN = len(VM_MIB)


class MibTree:
    """Read-only lookups over `local` objects and a VM-MIB `view`."""

    __slots__ = ("local", "view")

    def __init__(self, local: LocalObjects, view: MibView) -> None:
        self.local = local
        self.view = view

    def get(self, oid: OID) -> Value | None:
        if oid[:_VM_LEN] == VM_MIB:
            return self.view.get(oid)
        return self.local.get(oid)

    def next(self, oid: OID) -> tuple[OID, Value] | None:
        """The first instance after `oid` in either source, or None at the end of the MIB."""
        theirs = self.view.next(oid)
        mine = self.local.next_oid(oid)  # compare names first: local values may cost a lookup
        if mine is not None and (theirs is None or mine < theirs[0]):
            return mine, self.local.get(mine)
        return theirs

    def missing(self, oid: OID) -> Lookup:
        if oid[:_VM_LEN] == VM_MIB:
            return self.view.missing(oid)
        return self.local.missing(oid)

"""View `Value`s ↔ pysnmp (pyasn1) objects, type for type.

The SMI base type decides the wire tag, so a Counter64 stays a Counter64 (never an INTEGER), an
OCTET STRING goes out as the raw bytes it holds (PhysAddress, UUIDorZero), and an OBJECT
IDENTIFIER as an OID. `from_pysnmp` is the reverse for SET values, so `check_set` sees the syntax
the manager actually sent (wrongType for a string where a TruthValue belongs).
"""

from __future__ import annotations

from collections.abc import Callable

from pyasn1.type import univ
from pysnmp.proto import rfc1902
from vmwatch_mib import Syntax, Value

TO_PYSNMP: dict[Syntax, Callable] = {
    Syntax.INTEGER: rfc1902.Integer32,
    Syntax.OCTET_STRING: rfc1902.OctetString,
    Syntax.OBJECT_IDENTIFIER: rfc1902.ObjectIdentifier,
    Syntax.TIMETICKS: rfc1902.TimeTicks,
    Syntax.COUNTER32: rfc1902.Counter32,
    Syntax.GAUGE32: rfc1902.Gauge32,
    Syntax.COUNTER64: rfc1902.Counter64,
    Syntax.IP_ADDRESS: rfc1902.IpAddress,
    Syntax.OPAQUE: rfc1902.Opaque,
}
# Tag sets of the application types first: Counter32 & co are IMPLICIT-tagged INTEGERs, so
# matching by tag (not by isinstance) is what tells them apart.
_FROM_TAG = {
    rfc1902.Counter64.tagSet: Syntax.COUNTER64,
    rfc1902.Counter32.tagSet: Syntax.COUNTER32,
    rfc1902.Gauge32.tagSet: Syntax.GAUGE32,
    rfc1902.TimeTicks.tagSet: Syntax.TIMETICKS,
    rfc1902.IpAddress.tagSet: Syntax.IP_ADDRESS,
    rfc1902.Opaque.tagSet: Syntax.OPAQUE,
    rfc1902.Integer32.tagSet: Syntax.INTEGER,
    rfc1902.OctetString.tagSet: Syntax.OCTET_STRING,
    rfc1902.ObjectIdentifier.tagSet: Syntax.OBJECT_IDENTIFIER,
    univ.Null.tagSet: Syntax.NULL,
}


def to_pysnmp(value: Value):
    """The pysnmp object carrying `value` with its exact SMI type."""
    if value.syntax is Syntax.NULL:
        return rfc1902.Null("")
    return TO_PYSNMP[value.syntax](value.value)


def from_pysnmp(obj) -> Value:
    """A `Value` for a decoded varbind value (a SET request's); unknown tags become NULL-typed."""
    syntax = _FROM_TAG.get(obj.tagSet)
    if syntax is None or syntax is Syntax.NULL or not obj.isValue:
        return Value(Syntax.NULL, None)
    if syntax is Syntax.OCTET_STRING or syntax in (Syntax.IP_ADDRESS, Syntax.OPAQUE):
        return Value(syntax, obj.asOctets())
    if syntax is Syntax.OBJECT_IDENTIFIER:
        return Value(syntax, tuple(obj))
    return Value(syntax, int(obj))

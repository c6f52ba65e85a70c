"""BER encoding of response varbinds, without pyasn1 objects.

Building a pyasn1 VarBind per value and encoding it costs about 80 µs; a walk of 58,000
instances spent two thirds of its CPU there. The types a response carries are few and simple,
so the responder encodes the VarBindList itself and hands pysnmp the finished bytes (as an
ASN.1 ANY, which pyasn1 copies verbatim); the message wrapping (community, USM, encryption)
stays pysnmp's, but for the SNMPv2c fast path (fastpath.py), which wraps these bytes itself.
Pure functions; tests compare every type byte for byte with pyasn1's encoding.
"""

from __future__ import annotations

from vmwatch_mib import Syntax, Value

# RFC 3416 exception values: context-specific, primitive, empty.
NO_SUCH_OBJECT = b"\x80\x00"
NO_SUCH_INSTANCE = b"\x81\x00"
END_OF_MIB_VIEW = b"\x82\x00"

_TAGS = {
    Syntax.INTEGER: 0x02,
    Syntax.OCTET_STRING: 0x04,
    Syntax.NULL: 0x05,
    Syntax.OBJECT_IDENTIFIER: 0x06,
    Syntax.IP_ADDRESS: 0x40,
    Syntax.COUNTER32: 0x41,
    Syntax.GAUGE32: 0x42,
    Syntax.TIMETICKS: 0x43,
    Syntax.OPAQUE: 0x44,
    Syntax.COUNTER64: 0x46,
}
_SEQUENCE = 0x30


class EncodeError(ValueError):
    """A value that cannot be encoded (an OID with a bad first arc, a negative counter)."""


def length(n: int) -> bytes:
    """BER definite length."""
    if n < 0x80:
        return bytes((n,))
    data = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes((0x80 | len(data),)) + data


def tlv(tag: int, content: bytes) -> bytes:
    return bytes((tag,)) + length(len(content)) + content


def integer_content(value: int) -> bytes:
    """Minimal two's complement, as X.690 8.3 requires."""
    if value >= 0:
        return value.to_bytes(value.bit_length() // 8 + 1, "big", signed=True)
    return value.to_bytes((~value).bit_length() // 8 + 1, "big", signed=True)


def oid_content(oid: tuple[int, ...]) -> bytes:
    """X.690 8.19: the first two arcs folded into one, then base-128 subidentifiers."""
    if len(oid) < 2 or not 0 <= oid[0] <= 2 or (oid[0] < 2 and not 0 <= oid[1] < 40):
        raise EncodeError(f"not an encodable OBJECT IDENTIFIER: {oid}")
    out = bytearray()
    for arc in (oid[0] * 40 + oid[1], *oid[2:]):
        if arc < 0:
            raise EncodeError(f"negative arc in {oid}")
        if arc < 0x80:
            out.append(arc)
            continue
        chunk = bytearray((arc & 0x7F,))
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        out += chunk[::-1]
    return bytes(out)


def encode_value(value: Value) -> bytes:
    """One value, tag included."""
    syntax, data = value.syntax, value.value
    tag = _TAGS[syntax]
    if syntax is Syntax.NULL:
        return b"\x05\x00"
    if syntax in (Syntax.OCTET_STRING, Syntax.IP_ADDRESS, Syntax.OPAQUE):
        return tlv(tag, data)
    if syntax is Syntax.OBJECT_IDENTIFIER:
        return tlv(tag, oid_content(data))
    if syntax is not Syntax.INTEGER and data < 0:
        raise EncodeError(f"{syntax.name} cannot be negative: {data}")
    return tlv(tag, integer_content(data))


def encode_varbind(oid: tuple[int, ...], value: bytes) -> bytes:
    """One VarBind from a name and an already encoded value (or exception)."""
    return tlv(_SEQUENCE, tlv(0x06, oid_content(oid)) + value)


def encode_varbind_list(varbinds: list[bytes]) -> bytes:
    """The VarBindList SEQUENCE around encoded VarBinds."""
    return tlv(_SEQUENCE, b"".join(varbinds))
